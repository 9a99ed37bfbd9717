//! Field lists: each field's names (wire, aliases, Rust), type, optionality, doc and API
//! versions, checked and resolved into [`Field`]s.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Diagnostics, Site};
use crate::load::{LoadedFile, RawAlias, RawField, RawKind};
use crate::model::{
    Alias, Field, Presence, Scalar, TypeRef, NOTIFICATION_ENVELOPE, REQUEST_ENVELOPE,
    RESPONSE_ENVELOPE, UNLISTED_FIELD,
};
use crate::naming::snake_case;

use super::type_expr::{named_type, parse_type_expr};
use super::{check_api_list, check_doc};

/// Which field list of a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FieldList {
    /// A command's request parameters (`$.request.fields`).
    Request,
    /// A command's response fields (`$.response.fields`).
    Response,
    /// A notification's or a record's fields (`$.fields`).
    Fields,
}

impl FieldList {
    fn site<'f>(self, file: &'f LoadedFile) -> Site<'f> {
        let root = Site::root(&file.path);
        match self {
            FieldList::Request => root.key("request").key("fields"),
            FieldList::Response => root.key("response").key("fields"),
            FieldList::Fields => root.key("fields"),
        }
    }

    /// The keys the runtime handles around this list: a request's `method` and `requestId`, a
    /// response's `result` and `error` too, a notification's `method` and `event`. (A
    /// notification may still have a field named `result`, as `login` does.)
    fn envelope_keys(self, kind: RawKind) -> &'static [&'static str] {
        match (kind, self) {
            (RawKind::Command, FieldList::Request) => REQUEST_ENVELOPE,
            (RawKind::Command, _) => RESPONSE_ENVELOPE,
            (RawKind::Notification, _) => NOTIFICATION_ENVELOPE,
            _ => &[],
        }
    }
}

/// What the checks of one list's fields need to know about the list.
struct Context<'a> {
    envelope_keys: &'static [&'static str],
    /// The API versions of the message, when it says.
    message_api: Option<&'a [u8]>,
    /// The structs of the list keep the keys it does not list, in a field of their own
    /// (client tier).
    keeps_unlisted: bool,
    known_types: &'a BTreeMap<String, RawKind>,
}

/// Checks and resolves the field list `list` of `file`, whose fields are `raw_fields`.
pub(super) fn resolve_fields(
    file: &LoadedFile,
    list: FieldList,
    raw_fields: &[RawField],
    known_types: &BTreeMap<String, RawKind>,
    diagnostics: &mut Diagnostics,
) -> Vec<Field> {
    let site = list.site(file);
    let context = Context {
        envelope_keys: list.envelope_keys(file.definition.kind),
        message_api: file.definition.api.as_deref(),
        keeps_unlisted: file.definition.source == crate::load::RawSource::Client,
        known_types,
    };
    let mut names = NamesSeen::default();
    let mut resolved = Vec::with_capacity(raw_fields.len());
    for (index, raw) in raw_fields.iter().enumerate() {
        let site = site.index(index);
        resolved.push(resolve_field(
            &context,
            &mut names,
            &site,
            index,
            raw,
            diagnostics,
        ));
    }
    resolved
}

/// Checks one field (the `index`th, at `site`) and resolves it.
fn resolve_field<'a>(
    context: &Context,
    names: &mut NamesSeen<'a>,
    site: &Site,
    index: usize,
    raw: &'a RawField,
    diagnostics: &mut Diagnostics,
) -> Field {
    names.wire_name(raw, index, site, diagnostics);
    for (alias_index, alias) in raw.aliases.iter().enumerate() {
        let site = site.key("aliases").index(alias_index);
        names.alias(raw, alias, index, &site, diagnostics);
        check_alias(context, alias, &site, diagnostics);
    }
    check_not_envelope(context, raw, site, diagnostics);
    let rust_name = rust_name(raw, site, diagnostics);
    names.rust_name(raw, &rust_name, index, site, diagnostics);
    check_not_unlisted(context, raw, &rust_name, site, diagnostics);
    let ty = field_type(context, raw, site, diagnostics);
    check_nullable(raw, &ty, site, diagnostics);
    check_absence(raw, site, diagnostics);
    check_doc(site, &raw.doc, diagnostics);
    check_field_api(context, raw, site, diagnostics);
    field(raw, rust_name, ty)
}

/// The names the fields of one list have taken so far, by the index of the field.
#[derive(Default)]
struct NamesSeen<'a> {
    /// Wire names and aliases, with whether the name was an alias.
    wire: HashMap<&'a str, (usize, bool)>,
    rust: HashMap<String, usize>,
}

impl<'a> NamesSeen<'a> {
    /// A field's wire name is no other field's name or alias.
    fn wire_name(
        &mut self,
        raw: &'a RawField,
        index: usize,
        site: &Site,
        diagnostics: &mut Diagnostics,
    ) {
        if let Some((previous, alias)) = self.wire.insert(raw.name.as_str(), (index, false)) {
            let what = if alias {
                "an alias of the field"
            } else {
                "listed"
            };
            site.key("name").error(
                diagnostics,
                format!("field `{}` is already {what} at index {previous}", raw.name),
            );
        }
    }

    /// An alias is another name than the field's own, and no other field's name or alias.
    fn alias(
        &mut self,
        raw: &RawField,
        alias: &'a RawAlias,
        index: usize,
        site: &Site,
        diagnostics: &mut Diagnostics,
    ) {
        if alias.name.is_empty() || alias.name == raw.name {
            site.key("name").error(
                diagnostics,
                format!(
                    "`{}` is not another wire name of `{}`",
                    alias.name, raw.name
                ),
            );
        } else if let Some((previous, _)) = self.wire.insert(alias.name.as_str(), (index, true)) {
            site.key("name").error(
                diagnostics,
                format!(
                    "`{}` is already a wire name of the field at index {previous}",
                    alias.name
                ),
            );
        }
    }

    /// Two fields never share a Rust name.
    fn rust_name(
        &mut self,
        raw: &RawField,
        rust_name: &str,
        index: usize,
        site: &Site,
        diagnostics: &mut Diagnostics,
    ) {
        if let Some(previous) = self.rust.insert(rust_name.to_string(), index) {
            site.key("name").error(
                diagnostics,
                format!(
                    "field `{}` maps to the Rust name `{rust_name}` like the field at index {previous}; give a `rustName`",
                    raw.name
                ),
            );
        }
    }
}

/// An alias is not an envelope key, and says who uses it.
fn check_alias(context: &Context, alias: &RawAlias, site: &Site, diagnostics: &mut Diagnostics) {
    if context.envelope_keys.contains(&alias.name.as_str()) {
        site.key("name").error(
            diagnostics,
            format!("`{}` is an envelope key and cannot be an alias", alias.name),
        );
    }
    if alias.evidence.trim().is_empty() {
        site.key("evidence")
            .error(diagnostics, "say who uses this name");
    }
}

/// The runtime handles the envelope keys for every message; a field list does not repeat them.
fn check_not_envelope(
    context: &Context,
    raw: &RawField,
    site: &Site,
    diagnostics: &mut Diagnostics,
) {
    if context.envelope_keys.contains(&raw.name.as_str()) {
        site.key("name").error(
            diagnostics,
            format!(
                "`{}` is an envelope key, handled for every message; do not list it",
                raw.name
            ),
        );
    }
}

/// A client-tier struct keeps the keys it does not list in its field `unlisted`; no listed
/// field takes that Rust name.
fn check_not_unlisted(
    context: &Context,
    raw: &RawField,
    rust_name: &str,
    site: &Site,
    diagnostics: &mut Diagnostics,
) {
    if context.keeps_unlisted && rust_name == UNLISTED_FIELD {
        site.key("name").error(
            diagnostics,
            format!(
                "field `{}` maps to the Rust name `{UNLISTED_FIELD}`, which a client-tier struct uses for the keys it does not list; give a `rustName`",
                raw.name
            ),
        );
    }
}

/// The field's Rust name: its `rustName` (which must be snake_case), or derived from the wire
/// name.
fn rust_name(raw: &RawField, site: &Site, diagnostics: &mut Diagnostics) -> String {
    if let Some(name) = &raw.rust_name {
        if snake_case(name).as_deref() != Some(name.as_str()) {
            site.key("rustName").error(
                diagnostics,
                format!("`{name}` is not a snake_case Rust identifier"),
            );
        }
        return name.clone();
    }
    snake_case(&raw.name).unwrap_or_else(|| {
        site.key("name").error(
            diagnostics,
            format!(
                "no Rust field name can be derived from `{}`; give a `rustName`",
                raw.name
            ),
        );
        raw.name.clone()
    })
}

/// The field's type, which must parse and name only shared types that exist (`json` stands in
/// when it does not parse).
fn field_type(
    context: &Context,
    raw: &RawField,
    site: &Site,
    diagnostics: &mut Diagnostics,
) -> TypeRef {
    let ty = match parse_type_expr(&raw.type_expr) {
        Ok(ty) => ty,
        Err(message) => {
            site.key("type").error(diagnostics, message);
            return TypeRef::Scalar(Scalar::Json);
        }
    };
    if let Some(name) = named_type(&ty) {
        if !context.known_types.contains_key(name) {
            let known: Vec<&str> = context.known_types.keys().map(String::as_str).collect();
            site.key("type").error(
                diagnostics,
                format!(
                    "unknown type `{name}`: no file types/{name}.json (known types: {})",
                    known.join(", ")
                ),
            );
        }
    }
    ty
}

/// `Option<Value>` would have two nulls (None and Some(Null)) for one JSON null.
fn check_nullable(raw: &RawField, ty: &TypeRef, site: &Site, diagnostics: &mut Diagnostics) {
    if raw.nullable && *ty == TypeRef::Scalar(Scalar::Json) {
        site.key("nullable").error(
            diagnostics,
            format!(
                "field `{}` is `json`, which already holds null: drop `nullable`",
                raw.name
            ),
        );
    }
}

/// An optional field says when it is absent, and only an optional field does.
fn check_absence(raw: &RawField, site: &Site, diagnostics: &mut Diagnostics) {
    let message = match (raw.optional, &raw.absent_when) {
        (true, None) => format!(
            "optional field `{}` must say when it is absent (`absentWhen`)",
            raw.name
        ),
        (false, Some(_)) => format!(
            "field `{}` has `absentWhen` but is not `optional`",
            raw.name
        ),
        (true, Some(text)) if text.trim().is_empty() => "`absentWhen` is empty".to_string(),
        _ => return,
    };
    site.key("absentWhen").error(diagnostics, message);
}

/// A field's API versions are known, and versions its message has.
fn check_field_api(context: &Context, raw: &RawField, site: &Site, diagnostics: &mut Diagnostics) {
    let Some(api) = &raw.api else {
        return;
    };
    let site = site.key("api");
    check_api_list(&site, api, diagnostics);
    let Some(message_api) = context.message_api else {
        return;
    };
    for version in api.iter().filter(|version| !message_api.contains(version)) {
        site.error(
            diagnostics,
            format!(
                "field `{}` claims API version {version}, which its message does not have",
                raw.name
            ),
        );
    }
}

/// The model's field, from the checked raw one.
fn field(raw: &RawField, rust_name: String, ty: TypeRef) -> Field {
    Field {
        wire_name: raw.name.clone(),
        rust_name,
        ty,
        optional: raw.optional,
        absent_when: raw.absent_when.clone(),
        nullable: raw.nullable,
        doc: raw.doc.clone(),
        since: raw.since.clone(),
        api: raw.api.clone(),
        presence: Presence {
            doc: raw.presence.doc.into(),
            url: raw.presence.url.clone(),
            observed: raw.presence.observed.clone(),
            clients: raw.presence.clients.map(Into::into),
        },
        aliases: raw
            .aliases
            .iter()
            .map(|alias| Alias {
                name: alias.name.clone(),
                evidence: alias.evidence.clone(),
            })
            .collect(),
    }
}
