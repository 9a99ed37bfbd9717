//! Stage 2: check the raw definitions against each other and build the model.
//!
//! Every problem becomes a [`Diagnostic`](crate::Diagnostic) with the file and the JSON path, and all of them are
//! reported together. The checks are the ones that would otherwise surface as a rustc error in
//! generated code or, worse, as wrong types: unknown or cyclic type references, names that are
//! not identifiers or collide, optional fields that do not say when they are absent, and
//! examples that contradict their own definition.
//!
//! One private submodule per thing checked: `shape` (each file on its own), `definitions` (each
//! file into the model), `fields`, `values` (enum values and union alternatives), `examples`,
//! `names` (Rust names across definitions), `cycles` (records holding themselves) and `known`
//! (the catalogue of untyped names); `type_expr` reads type expressions. Problems are reported
//! through a site (file and JSON path), one call each. The presence rules are a stage of their
//! own, [`crate::presence`], run last through [`crate::presence::check`].

mod cycles;
mod definitions;
mod examples;
mod fields;
mod known;
mod names;
mod shape;
mod type_expr;
mod values;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::error::{Diagnostics, Site};
use crate::load::{LoadedFile, RawCompatibility, RawKind};
use crate::model::Model;

pub use known::add_known_names;
pub use type_expr::parse_type_expr;

/// API versions this generator knows.
pub const KNOWN_API_VERSIONS: [u8; 2] = [1, 2];

/// Validates the loaded files and builds the model, or returns every problem found.
///
/// `root` is the definitions folder; model paths are stored relative to it. The presence rules
/// ([`crate::presence`]) need the declared minimum Room version of `compatibility`.
pub fn validate(
    root: &Path,
    files: &[LoadedFile],
    compatibility: &RawCompatibility,
) -> Result<Model, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let minimum_room_version =
        crate::presence::check_compatibility(root, compatibility, &mut diagnostics);

    // Pass 1: the shape of each file on its own, and the table of shared types.
    let mut types = SharedTypes::default();
    for file in files {
        shape::check_file(file, &mut diagnostics);
        types.register(file, &mut diagnostics);
    }
    let known_types = types.kinds();

    // Pass 2: resolve each definition into the model.
    let mut model = Model {
        minimum_room_version,
        ..Model::default()
    };
    for file in files {
        definitions::resolve(root, file, &known_types, &mut model, &mut diagnostics);
    }
    model
        .commands
        .sort_by(|a, b| a.info.wire_name.cmp(&b.info.wire_name));
    model
        .notifications
        .sort_by(|a, b| a.info.wire_name.cmp(&b.info.wire_name));

    cycles::check_record_cycles(root, &model, &mut diagnostics);
    names::check_rust_names(root, &model, &mut diagnostics);

    // Examples last: they are checked against the resolved model, which must be complete.
    if diagnostics.is_empty() {
        for file in files {
            examples::check_against_model(file, &model, &mut diagnostics);
        }
    }
    // Presence rules need examples that fit the model, since they read which keys they hold.
    if diagnostics.is_empty() {
        crate::presence::check(root, &model, &mut diagnostics);
    }
    diagnostics.into_result(model)
}

/// The shared types (records, enums, newtypes, unions) by name, with the file of each.
#[derive(Default)]
struct SharedTypes<'f> {
    by_name: HashMap<String, (RawKind, &'f Path)>,
}

impl<'f> SharedTypes<'f> {
    /// Adds the type `file` defines (if it defines one); a name may be defined once.
    fn register(&mut self, file: &'f LoadedFile, diagnostics: &mut Diagnostics) {
        let definition = &file.definition;
        if !is_shared_type(definition.kind) {
            return;
        }
        if let Some((_, other)) = self.by_name.get(&definition.name) {
            Site::root(&file.path).key("name").error(
                diagnostics,
                format!(
                    "type `{}` is already defined in {}",
                    definition.name,
                    other.display()
                ),
            );
        } else {
            self.by_name
                .insert(definition.name.clone(), (definition.kind, &file.path));
        }
    }

    /// The kind of every shared type, by name.
    fn kinds(&self) -> BTreeMap<String, RawKind> {
        self.by_name
            .iter()
            .map(|(name, (kind, _))| (name.clone(), *kind))
            .collect()
    }
}

/// Whether a definition of `kind` is a shared type (not a message).
fn is_shared_type(kind: RawKind) -> bool {
    matches!(
        kind,
        RawKind::Record | RawKind::Enum | RawKind::Newtype | RawKind::Union
    )
}

/// A list of API versions (`api` of a message or a field): not empty, known versions, each once.
fn check_api_list(site: &Site, api: &[u8], diagnostics: &mut Diagnostics) {
    if api.is_empty() {
        site.error(diagnostics, "the list of API versions is empty");
    }
    let mut seen = BTreeSet::new();
    for (index, version) in api.iter().enumerate() {
        if !KNOWN_API_VERSIONS.contains(version) {
            site.index(index).error(
                diagnostics,
                format!("unknown API version {version} (known: 1, 2)"),
            );
        }
        if !seen.insert(version) {
            site.index(index).error(
                diagnostics,
                format!("API version {version} is listed twice"),
            );
        }
    }
}

/// The `doc` of a field, value or alternative says something.
fn check_doc(site: &Site, doc: &str, diagnostics: &mut Diagnostics) {
    if doc.trim().is_empty() {
        site.key("doc").error(diagnostics, "the doc is empty");
    }
}
