//! The catalogue of names known to exist but not typed yet (`known.json`).

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{Diagnostics, Site};
use crate::load::{RawKnownName, RawKnownNames};
use crate::model::{KnownName, Model};

/// Adds the catalog of known but untyped names to the model. A name may not be both typed and
/// catalogued (the typed definition wins; the catalog entry must go).
pub fn add_known_names(
    root: &Path,
    known: &RawKnownNames,
    model: &mut Model,
) -> Result<(), Diagnostics> {
    let path = root.join(crate::load::KNOWN_NAMES_FILE);
    let mut diagnostics = Diagnostics::default();
    let typed_commands = model.commands.iter().map(|c| c.info.wire_name.as_str());
    let commands = known_names(
        &Site::root(&path).key("commands"),
        &known.commands,
        &typed_commands.collect(),
        &mut diagnostics,
    );
    let typed_notifications = model
        .notifications
        .iter()
        .map(|n| n.info.wire_name.as_str());
    let notifications = known_names(
        &Site::root(&path).key("notifications"),
        &known.notifications,
        &typed_notifications.collect(),
        &mut diagnostics,
    );
    model.known_commands = commands;
    model.known_notifications = notifications;
    diagnostics.into_result(())
}

/// One list of the catalogue (at `site`), checked against itself and against the names with a
/// definition (`typed`), sorted by name.
fn known_names(
    site: &Site,
    list: &[RawKnownName],
    typed: &BTreeSet<&str>,
    diagnostics: &mut Diagnostics,
) -> Vec<KnownName> {
    let mut seen = BTreeSet::new();
    let mut names = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        check_entry(&site.index(index), entry, typed, &mut seen, diagnostics);
        names.push(KnownName {
            name: entry.name.clone(),
            evidence: entry.evidence.clone(),
            params: entry.params.clone(),
        });
    }
    names.sort_by(|a, b| a.name.cmp(&b.name));
    names
}

/// An entry is a wire name without a definition, listed once, with its evidence (only the
/// first problem of an entry is reported).
fn check_entry<'a>(
    site: &Site,
    entry: &'a RawKnownName,
    typed: &BTreeSet<&str>,
    seen: &mut BTreeSet<&'a str>,
    diagnostics: &mut Diagnostics,
) {
    let name = &entry.name;
    let is_wire_name =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !is_wire_name {
        site.key("name")
            .error(diagnostics, format!("`{name}` is not a wire name"));
    } else if typed.contains(name.as_str()) {
        site.key("name").error(
            diagnostics,
            format!("`{name}` has a definition now; remove it from the catalog"),
        );
    } else if !seen.insert(name.as_str()) {
        site.key("name")
            .error(diagnostics, format!("`{name}` is listed twice"));
    } else if entry.evidence.trim().is_empty() {
        site.key("evidence")
            .error(diagnostics, "say where the name comes from");
    }
}
