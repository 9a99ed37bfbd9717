//! Rust names across definitions: two definitions never produce the same Rust item or JSON
//! Schema name, and none takes a name of the runtime.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Diagnostics, Site};
use crate::model::{DefinitionInfo, Model};

/// Names the hand-written runtime uses at the crate root; a definition may not take them.
const RESERVED_RUST_NAMES: [&str; 14] = [
    "Request",
    "Response",
    "Failure",
    "ServerMessage",
    "ClientMessage",
    "AnyResponse",
    "AnyNotification",
    "RawMessage",
    "Command",
    "Notification",
    "DecodeError",
    "MessageInfo",
    "TypeInfo",
    "MessageKind",
];

/// Two definitions must never produce the same Rust item or JSON Schema name.
pub(super) fn check_rust_names(root: &Path, model: &Model, diagnostics: &mut Diagnostics) {
    let mut owners = BTreeMap::new();
    for (name, owner, what) in generated_names(model) {
        claim(root, &mut owners, name, owner, what, diagnostics);
    }
}

/// Every name the emitter generates at the top of a module: (name, its definition, what it
/// names).
fn generated_names(model: &Model) -> Vec<(String, &DefinitionInfo, &'static str)> {
    let mut names = Vec::new();
    for command in &model.commands {
        let definition = &command.info.definition;
        let rust_name = &command.info.rust_name;
        names.push((rust_name.clone(), definition, "request type"));
        names.push((
            command.response_rust_name.clone(),
            definition,
            "response type",
        ));
        names.push((
            format!("{rust_name}Request"),
            definition,
            "request schema name",
        ));
    }
    for notification in &model.notifications {
        let info = &notification.info;
        names.push((
            info.rust_name.clone(),
            &info.definition,
            "notification type",
        ));
    }
    for definition in model.types.values() {
        let info = definition.definition();
        names.push((info.rust_name.clone(), info, "type"));
    }
    names
}

/// Takes `name` for `owner` (`owners` maps each name taken to the file that took it).
fn claim(
    root: &Path,
    owners: &mut BTreeMap<String, String>,
    name: String,
    owner: &DefinitionInfo,
    what: &str,
    diagnostics: &mut Diagnostics,
) {
    let file = root.join(&owner.file);
    let site = Site::root(&file).key("name");
    if RESERVED_RUST_NAMES.contains(&name.as_str()) {
        site.error(
            diagnostics,
            format!("its {what} `{name}` is a name the runtime reserves; give a `rustName`"),
        );
    } else if let Some(previous) = owners.get(&name) {
        site.error(
            diagnostics,
            format!(
                "its {what} `{name}` is already generated for {previous}; give one of them a `rustName`"
            ),
        );
    } else {
        owners.insert(name, owner.file.display().to_string());
    }
}
