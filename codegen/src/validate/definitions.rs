//! Each definition file into the model: a message into its list, a shared type into the table
//! of types, with its parts checked and resolved on the way.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Diagnostics, Site};
use crate::load::{LoadedFile, RawDefinition, RawKind};
use crate::model::{
    Command, DefinitionInfo, Enum, Field, MessageInfo, MessageKind, Model, Newtype, Notification,
    Record, Scalar, TypeDef, TypeRef, Union,
};
use crate::naming::pascal_case;

use super::examples::examples;
use super::fields::{resolve_fields, FieldList};
use super::type_expr::parse_type_expr;
use super::values::{enum_values, union_variants};

/// Resolves `file` into `model`. `root` is the definitions folder (model paths are relative to
/// it); `known_types` is every shared type by name.
pub(super) fn resolve(
    root: &Path,
    file: &LoadedFile,
    known_types: &BTreeMap<String, RawKind>,
    model: &mut Model,
    diagnostics: &mut Diagnostics,
) {
    let info = definition_info(root, file);
    match file.definition.kind {
        RawKind::Command => {
            let command = command(file, info, known_types, diagnostics);
            model.commands.push(command);
        }
        RawKind::Notification => {
            let notification = notification(file, info, known_types, diagnostics);
            model.notifications.push(notification);
        }
        _ => {
            let shared = shared_type(file, info, known_types, diagnostics);
            model.types.insert(file.definition.name.clone(), shared);
        }
    }
}

fn command(
    file: &LoadedFile,
    info: DefinitionInfo,
    known_types: &BTreeMap<String, RawKind>,
    diagnostics: &mut Diagnostics,
) -> Command {
    let request = field_list(file, FieldList::Request, known_types, diagnostics);
    let response = field_list(file, FieldList::Response, known_types, diagnostics);
    let message = message_info(&file.definition, info, MessageKind::Command);
    Command {
        response_rust_name: format!("{}Response", message.rust_name),
        examples: examples(file, diagnostics),
        info: message,
        request,
        response,
    }
}

fn notification(
    file: &LoadedFile,
    info: DefinitionInfo,
    known_types: &BTreeMap<String, RawKind>,
    diagnostics: &mut Diagnostics,
) -> Notification {
    let fields = field_list(file, FieldList::Fields, known_types, diagnostics);
    Notification {
        examples: examples(file, diagnostics),
        info: message_info(&file.definition, info, MessageKind::Notification),
        fields,
    }
}

/// A record, enum, union or newtype.
fn shared_type(
    file: &LoadedFile,
    info: DefinitionInfo,
    known_types: &BTreeMap<String, RawKind>,
    diagnostics: &mut Diagnostics,
) -> TypeDef {
    match file.definition.kind {
        RawKind::Enum => TypeDef::Enum(Enum {
            definition: info,
            values: enum_values(file, diagnostics),
        }),
        RawKind::Union => TypeDef::Union(Union {
            definition: info,
            variants: union_variants(file, known_types, diagnostics),
        }),
        RawKind::Newtype => TypeDef::Newtype(Newtype {
            definition: info,
            inner: newtype_inner(file, diagnostics),
        }),
        // A record (a message never comes here).
        _ => TypeDef::Record(Record {
            fields: field_list(file, FieldList::Fields, known_types, diagnostics),
            definition: info,
        }),
    }
}

/// The resolved field list `list` of `file` (empty when the file has none).
fn field_list(
    file: &LoadedFile,
    list: FieldList,
    known_types: &BTreeMap<String, RawKind>,
    diagnostics: &mut Diagnostics,
) -> Vec<Field> {
    let definition = &file.definition;
    let raw = match list {
        FieldList::Request => definition.request.as_ref().map(|list| &list.fields[..]),
        FieldList::Response => definition.response.as_ref().map(|list| &list.fields[..]),
        FieldList::Fields => definition.fields.as_deref(),
    };
    raw.map(|raw| resolve_fields(file, list, raw, known_types, diagnostics))
        .unwrap_or_default()
}

/// What every definition has, from `file` (whose path is stored relative to `root`).
fn definition_info(root: &Path, file: &LoadedFile) -> DefinitionInfo {
    let definition = &file.definition;
    DefinitionInfo {
        wire_name: definition.name.clone(),
        rust_name: definition_rust_name(definition),
        summary: definition.summary.clone(),
        description: definition.description.clone(),
        source: definition.source.into(),
        doc_urls: definition.doc_urls.clone(),
        evidence: definition.evidence.clone(),
        file: file
            .path
            .strip_prefix(root)
            .unwrap_or(&file.path)
            .to_path_buf(),
    }
}

/// The Rust name of a definition's main item.
fn definition_rust_name(definition: &RawDefinition) -> String {
    if let Some(name) = &definition.rust_name {
        return name.clone();
    }
    match definition.kind {
        RawKind::Command | RawKind::Notification => {
            pascal_case(&definition.name).unwrap_or_else(|| definition.name.clone())
        }
        _ => definition.name.clone(),
    }
}

fn message_info(
    definition: &RawDefinition,
    info: DefinitionInfo,
    kind: MessageKind,
) -> MessageInfo {
    MessageInfo {
        wire_name: definition.name.clone(),
        rust_name: info.rust_name.clone(),
        kind,
        definition: info,
        since: definition.since.clone(),
        api: definition.api.clone().unwrap_or_default(),
        same_body_as: definition.same_body_as.clone(),
    }
}

/// A newtype wraps one scalar other than `json` (`string` stands in when it does not).
fn newtype_inner(file: &LoadedFile, diagnostics: &mut Diagnostics) -> Scalar {
    let expr = file.definition.wrapped.as_deref().unwrap_or_default();
    match parse_type_expr(expr) {
        Ok(TypeRef::Scalar(scalar)) if scalar != Scalar::Json => scalar,
        _ => {
            Site::root(&file.path).key("type").error(
                diagnostics,
                format!("a newtype wraps one scalar other than json, not `{expr}`"),
            );
            Scalar::String
        }
    }
}
