//! Stage 2: check the raw definitions against each other and build the model.
//!
//! Every problem becomes a [`Diagnostic`](crate::Diagnostic) with the file and the JSON path, and all of them are
//! reported together. The checks are the ones that would otherwise surface as a rustc error in
//! generated code or, worse, as wrong types: unknown or cyclic type references, names that are
//! not identifiers or collide, optional fields that do not say when they are absent, and
//! examples that contradict their own definition.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::error::Diagnostics;
use crate::examples::check_example;
use crate::load::{
    LoadedFile, RawCompatibility, RawDefinition, RawDocStatement, RawEnumValue, RawField, RawKind,
    RawKnownNames, RawRepr, RawRole, RawSource,
};
use crate::model::{
    Alias, Command, DefinitionInfo, DocStatement, Enum, EnumLiteral, EnumValue, Example,
    ExampleSource, Field, KnownName, MessageInfo, MessageKind, Model, Newtype, Notification,
    Presence, Record, Scalar, Source, TypeDef, TypeRef, Union, UnionAlternative, UnionVariant,
};
use crate::naming::{is_pascal_identifier, pascal_case, snake_case};

/// API versions this generator knows.
pub const KNOWN_API_VERSIONS: [u8; 2] = [1, 2];

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
    let mut type_kinds: HashMap<String, (RawKind, &Path)> = HashMap::new();
    for file in files {
        check_shape(file, &mut diagnostics);
        let definition = &file.definition;
        if matches!(
            definition.kind,
            RawKind::Record | RawKind::Enum | RawKind::Newtype | RawKind::Union
        ) {
            if let Some((_, other)) = type_kinds.get(&definition.name) {
                diagnostics.error(
                    &file.path,
                    "$.name",
                    format!(
                        "type `{}` is already defined in {}",
                        definition.name,
                        other.display()
                    ),
                );
            } else {
                type_kinds.insert(definition.name.clone(), (definition.kind, &file.path));
            }
        }
    }
    let known_types: BTreeMap<String, RawKind> = type_kinds
        .iter()
        .map(|(name, (kind, _))| (name.clone(), *kind))
        .collect();

    // Pass 2: resolve each definition into the model.
    let mut model = Model {
        minimum_room_version,
        ..Model::default()
    };
    for file in files {
        let relative = file
            .path
            .strip_prefix(root)
            .unwrap_or(&file.path)
            .to_path_buf();
        let definition = &file.definition;
        let info = DefinitionInfo {
            wire_name: definition.name.clone(),
            rust_name: definition_rust_name(definition),
            summary: definition.summary.clone(),
            description: definition.description.clone(),
            source: match definition.source {
                RawSource::Documented => Source::Documented,
                RawSource::Inferred => Source::Inferred,
            },
            doc_urls: definition.doc_urls.clone(),
            evidence: definition.evidence.clone(),
            file: relative,
        };
        let resolve = |fields: &[RawField], at: &str, diagnostics: &mut Diagnostics| {
            resolve_fields(
                &file.path,
                at,
                fields,
                definition,
                &known_types,
                diagnostics,
            )
        };
        // A message goes into its list; a shared type comes out, for `model.types`.
        let shared = match definition.kind {
            RawKind::Command => {
                let request = definition
                    .request
                    .as_ref()
                    .map(|list| resolve(&list.fields, "$.request.fields", &mut diagnostics))
                    .unwrap_or_default();
                let response = definition
                    .response
                    .as_ref()
                    .map(|list| resolve(&list.fields, "$.response.fields", &mut diagnostics))
                    .unwrap_or_default();
                let message = message_info(definition, info, MessageKind::Command);
                model.commands.push(Command {
                    response_rust_name: format!("{}Response", message.rust_name),
                    examples: examples(file, &mut diagnostics),
                    info: message,
                    request,
                    response,
                });
                None
            }
            RawKind::Notification => {
                let fields = definition
                    .fields
                    .as_deref()
                    .map(|fields| resolve(fields, "$.fields", &mut diagnostics))
                    .unwrap_or_default();
                model.notifications.push(Notification {
                    examples: examples(file, &mut diagnostics),
                    info: message_info(definition, info, MessageKind::Notification),
                    fields,
                });
                None
            }
            RawKind::Record => {
                let fields = definition
                    .fields
                    .as_deref()
                    .map(|fields| resolve(fields, "$.fields", &mut diagnostics))
                    .unwrap_or_default();
                Some(TypeDef::Record(Record {
                    definition: info,
                    fields,
                }))
            }
            RawKind::Enum => Some(TypeDef::Enum(Enum {
                definition: info,
                values: enum_values(file, &mut diagnostics),
            })),
            RawKind::Union => Some(TypeDef::Union(Union {
                definition: info,
                variants: union_variants(file, &known_types, &mut diagnostics),
            })),
            RawKind::Newtype => Some(TypeDef::Newtype(Newtype {
                definition: info,
                inner: newtype_inner(file, &mut diagnostics),
            })),
        };
        if let Some(shared) = shared {
            model.types.insert(definition.name.clone(), shared);
        }
    }
    model
        .commands
        .sort_by(|a, b| a.info.wire_name.cmp(&b.info.wire_name));
    model
        .notifications
        .sort_by(|a, b| a.info.wire_name.cmp(&b.info.wire_name));

    check_record_cycles(root, &model, &mut diagnostics);
    check_rust_names(root, &model, &mut diagnostics);

    // Examples last: they are checked against the resolved model, which must be complete.
    if diagnostics.is_empty() {
        for file in files {
            check_examples(file, &model, &mut diagnostics);
        }
    }
    // Presence rules need examples that fit the model, since they read which keys they hold.
    if diagnostics.is_empty() {
        crate::presence::check(root, &model, &mut diagnostics);
    }
    diagnostics.into_result(model)
}

/// Adds the catalog of known but untyped names to the model. A name may not be both typed and
/// catalogued (the typed definition wins; the catalog entry must go).
pub fn add_known_names(
    root: &Path,
    known: &RawKnownNames,
    model: &mut Model,
) -> Result<(), Diagnostics> {
    let path = root.join(crate::load::KNOWN_NAMES_FILE);
    let mut diagnostics = Diagnostics::default();
    for (list, at, typed) in [
        (
            &known.commands,
            "commands",
            model
                .commands
                .iter()
                .map(|c| c.info.wire_name.clone())
                .collect::<BTreeSet<_>>(),
        ),
        (
            &known.notifications,
            "notifications",
            model
                .notifications
                .iter()
                .map(|n| n.info.wire_name.clone())
                .collect::<BTreeSet<_>>(),
        ),
    ] {
        let mut seen = BTreeSet::new();
        let mut names = Vec::new();
        for (index, entry) in list.iter().enumerate() {
            let here = format!("$.{at}[{index}].name");
            if entry.name.is_empty()
                || !entry
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                diagnostics.error(&path, &here, format!("`{}` is not a wire name", entry.name));
            } else if typed.contains(&entry.name) {
                diagnostics.error(
                    &path,
                    &here,
                    format!(
                        "`{}` has a definition now; remove it from the catalog",
                        entry.name
                    ),
                );
            } else if !seen.insert(entry.name.clone()) {
                diagnostics.error(&path, &here, format!("`{}` is listed twice", entry.name));
            } else if entry.evidence.trim().is_empty() {
                diagnostics.error(
                    &path,
                    format!("$.{at}[{index}].evidence"),
                    "say where the name comes from",
                );
            }
            names.push(KnownName {
                name: entry.name.clone(),
                evidence: entry.evidence.clone(),
                params: entry.params.clone(),
            });
        }
        names.sort_by(|a, b| a.name.cmp(&b.name));
        if at == "commands" {
            model.known_commands = names;
        } else {
            model.known_notifications = names;
        }
    }
    diagnostics.into_result(())
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

/// Checks one file on its own: folder, file name, the keys its kind needs and forbids.
fn check_shape(file: &LoadedFile, diagnostics: &mut Diagnostics) {
    let definition = &file.definition;
    let path = &file.path;
    let kind = definition.kind;

    let folder_ok = match file.folder {
        "commands" => kind == RawKind::Command,
        "notifications" => kind == RawKind::Notification,
        _ => matches!(
            kind,
            RawKind::Record | RawKind::Enum | RawKind::Newtype | RawKind::Union
        ),
    };
    if !folder_ok {
        diagnostics.error(
            path,
            "$.kind",
            format!(
                "a {} definition does not belong in {}/",
                kind.as_str(),
                file.folder
            ),
        );
    }
    if path.file_stem().and_then(|stem| stem.to_str()) != Some(definition.name.as_str()) {
        diagnostics.error(
            path,
            "$.name",
            format!(
                "the name `{}` must equal the file name (without .json)",
                definition.name
            ),
        );
    }

    // Names: messages need a wire name Rust can derive a name from; types are PascalCase.
    match kind {
        RawKind::Command | RawKind::Notification => {
            if definition.name.is_empty()
                || (definition.rust_name.is_none() && pascal_case(&definition.name).is_none())
            {
                diagnostics.error(
                    path,
                    "$.name",
                    format!(
                        "no Rust name can be derived from `{}`; give a `rustName`",
                        definition.name
                    ),
                );
            }
        }
        _ => {
            if definition.rust_name.is_none() && !is_pascal_identifier(&definition.name) {
                diagnostics.error(
                    path,
                    "$.name",
                    format!(
                        "a type name must be a PascalCase identifier, not `{}`",
                        definition.name
                    ),
                );
            }
        }
    }
    if let Some(rust_name) = &definition.rust_name {
        if !is_pascal_identifier(rust_name) {
            diagnostics.error(
                path,
                "$.rustName",
                format!("`{rust_name}` is not a PascalCase Rust identifier"),
            );
        }
    }
    if definition.summary.trim().is_empty() {
        diagnostics.error(path, "$.summary", "the summary is empty");
    }
    match definition.source {
        RawSource::Documented if definition.doc_urls.is_empty() => diagnostics.error(
            path,
            "$.docUrls",
            "a documented definition needs the URL of its doc page",
        ),
        RawSource::Inferred
            if definition
                .evidence
                .as_deref()
                .is_none_or(|text| text.trim().is_empty()) =>
        {
            diagnostics.error(
                path,
                "$.evidence",
                "an inferred definition must say where its facts come from",
            )
        }
        _ => {}
    }
    for (index, url) in definition.doc_urls.iter().enumerate() {
        if !url.starts_with("https://") && !url.starts_with("http://") {
            diagnostics.error(
                path,
                format!("$.docUrls[{index}]"),
                format!("`{url}` is not an http(s) URL"),
            );
        }
    }

    // Keys by kind: (key, present, allowed for this kind, required for this kind).
    let is_message = matches!(kind, RawKind::Command | RawKind::Notification);
    let keys: [(&str, bool, bool, bool); 11] = [
        (
            "variants",
            definition.variants.is_some(),
            kind == RawKind::Union,
            kind == RawKind::Union,
        ),
        (
            "request",
            definition.request.is_some(),
            kind == RawKind::Command,
            kind == RawKind::Command,
        ),
        (
            "response",
            definition.response.is_some(),
            kind == RawKind::Command,
            kind == RawKind::Command,
        ),
        (
            "fields",
            definition.fields.is_some(),
            matches!(kind, RawKind::Notification | RawKind::Record),
            matches!(kind, RawKind::Notification | RawKind::Record),
        ),
        (
            "repr",
            definition.repr.is_some(),
            kind == RawKind::Enum,
            kind == RawKind::Enum,
        ),
        (
            "values",
            definition.values.is_some(),
            kind == RawKind::Enum,
            kind == RawKind::Enum,
        ),
        (
            "type",
            definition.wrapped.is_some(),
            kind == RawKind::Newtype,
            kind == RawKind::Newtype,
        ),
        ("api", definition.api.is_some(), is_message, is_message),
        ("since", definition.since.is_some(), is_message, false),
        // Only messages are compared body to body; on a type it would be ignored silently.
        (
            "sameBodyAs",
            definition.same_body_as.is_some(),
            is_message,
            false,
        ),
        (
            "examples",
            !definition.examples.is_empty(),
            is_message,
            false,
        ),
    ];
    for (key, present, allowed, required) in keys {
        if present && !allowed {
            diagnostics.error(
                path,
                format!("$.{key}"),
                format!("a {} definition has no `{key}`", kind.as_str()),
            );
        } else if !present && required {
            diagnostics.error(
                path,
                "$",
                format!("a {} definition needs `{key}`", kind.as_str()),
            );
        }
    }
    if let Some(api) = &definition.api {
        check_api_list(path, "$.api", api, diagnostics);
    }
    if is_message && definition.examples.is_empty() {
        diagnostics.error(
            path,
            "$.examples",
            "a message needs at least one example (synthetic ones for inferred messages)",
        );
    }
}

fn check_api_list(path: &Path, at: &str, api: &[u8], diagnostics: &mut Diagnostics) {
    if api.is_empty() {
        diagnostics.error(path, at, "the list of API versions is empty");
    }
    let mut seen = BTreeSet::new();
    for (index, version) in api.iter().enumerate() {
        if !KNOWN_API_VERSIONS.contains(version) {
            diagnostics.error(
                path,
                format!("{at}[{index}]"),
                format!("unknown API version {version} (known: 1, 2)"),
            );
        }
        if !seen.insert(version) {
            diagnostics.error(
                path,
                format!("{at}[{index}]"),
                format!("API version {version} is listed twice"),
            );
        }
    }
}

/// Parses a type expression: a scalar word or a shared type name, with `[]` suffixes for
/// arrays, inside `map<…>` for an object keyed by name.
pub fn parse_type_expr(expr: &str) -> Result<TypeRef, String> {
    parse_nested_type_expr(expr, 0)
}

/// How deep arrays and maps may nest in one type expression. Every later stage walks the type
/// recursively, so a type nested without bound would overflow the build script's stack.
const MAX_TYPE_NESTING: usize = 16;

fn parse_nested_type_expr(expr: &str, depth: usize) -> Result<TypeRef, String> {
    let expr = expr.trim();
    let nested = expr
        .strip_suffix("[]")
        .map(|element| (element, true))
        .or_else(|| {
            expr.strip_prefix("map<")
                .and_then(|rest| rest.strip_suffix('>'))
                .map(|value| (value, false))
        });
    if let Some((inner, array)) = nested {
        if depth == MAX_TYPE_NESTING {
            return Err(format!(
                "the type nests arrays and maps more than {MAX_TYPE_NESTING} deep"
            ));
        }
        let inner = Box::new(parse_nested_type_expr(inner, depth + 1)?);
        return Ok(if array {
            TypeRef::Array(inner)
        } else {
            TypeRef::Map(inner)
        });
    }
    if expr.is_empty() {
        return Err("the type is empty".to_string());
    }
    if let Some(scalar) = Scalar::from_word(expr) {
        return Ok(TypeRef::Scalar(scalar));
    }
    if is_pascal_identifier(expr) {
        return Ok(TypeRef::Named(expr.to_string()));
    }
    Err(format!(
        "`{expr}` is not a type: use a scalar ({}) or a shared type name, followed by [] for an array or inside map<…> for an object keyed by name",
        Scalar::ALL.map(|(word, _)| word).join(", ")
    ))
}

/// The shared types a type expression refers to.
fn named_types(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Array(inner) | TypeRef::Map(inner) => named_types(inner),
        TypeRef::Scalar(_) => None,
    }
}

fn resolve_fields(
    path: &Path,
    at: &str,
    fields: &[RawField],
    definition: &RawDefinition,
    known_types: &BTreeMap<String, RawKind>,
    diagnostics: &mut Diagnostics,
) -> Vec<Field> {
    let mut resolved = Vec::with_capacity(fields.len());
    let mut wire_names = HashMap::new();
    let mut rust_names = HashMap::new();
    for (index, raw) in fields.iter().enumerate() {
        let here = format!("{at}[{index}]");
        if let Some((previous, alias)) = wire_names.insert(raw.name.as_str(), (index, false)) {
            let what = if alias {
                "an alias of the field"
            } else {
                "listed"
            };
            diagnostics.error(
                path,
                format!("{here}.name"),
                format!("field `{}` is already {what} at index {previous}", raw.name),
            );
        }
        for (alias_index, alias) in raw.aliases.iter().enumerate() {
            let alias_at = format!("{here}.aliases[{alias_index}]");
            if alias.name.is_empty() || alias.name == raw.name {
                diagnostics.error(
                    path,
                    format!("{alias_at}.name"),
                    format!(
                        "`{}` is not another wire name of `{}`",
                        alias.name, raw.name
                    ),
                );
            } else if let Some((previous, _)) =
                wire_names.insert(alias.name.as_str(), (index, true))
            {
                diagnostics.error(
                    path,
                    format!("{alias_at}.name"),
                    format!(
                        "`{}` is already a wire name of the field at index {previous}",
                        alias.name
                    ),
                );
            }
            if envelope_keys(definition.kind, at).contains(&alias.name.as_str()) {
                diagnostics.error(
                    path,
                    format!("{alias_at}.name"),
                    format!("`{}` is an envelope key and cannot be an alias", alias.name),
                );
            }
            if alias.evidence.trim().is_empty() {
                diagnostics.error(
                    path,
                    format!("{alias_at}.evidence"),
                    "say who uses this name",
                );
            }
        }
        if envelope_keys(definition.kind, at).contains(&raw.name.as_str()) {
            diagnostics.error(
                path,
                format!("{here}.name"),
                format!(
                    "`{}` is an envelope key, handled for every message; do not list it",
                    raw.name
                ),
            );
        }
        let rust_name = match &raw.rust_name {
            Some(name) => {
                if snake_case(name).as_deref() != Some(name.as_str()) {
                    diagnostics.error(
                        path,
                        format!("{here}.rustName"),
                        format!("`{name}` is not a snake_case Rust identifier"),
                    );
                }
                name.clone()
            }
            None => match snake_case(&raw.name) {
                Some(name) => name,
                None => {
                    diagnostics.error(
                        path,
                        format!("{here}.name"),
                        format!(
                            "no Rust field name can be derived from `{}`; give a `rustName`",
                            raw.name
                        ),
                    );
                    raw.name.clone()
                }
            },
        };
        if let Some(previous) = rust_names.insert(rust_name.clone(), index) {
            diagnostics.error(
                path,
                format!("{here}.name"),
                format!(
                    "field `{}` maps to the Rust name `{rust_name}` like the field at index {previous}; give a `rustName`",
                    raw.name
                ),
            );
        }
        let ty = match parse_type_expr(&raw.type_expr) {
            Ok(ty) => {
                if let Some(name) = named_types(&ty) {
                    if !known_types.contains_key(name) {
                        let known: Vec<&str> = known_types.keys().map(String::as_str).collect();
                        diagnostics.error(
                            path,
                            format!("{here}.type"),
                            format!(
                                "unknown type `{name}`: no file types/{name}.json (known types: {})",
                                known.join(", ")
                            ),
                        );
                    }
                }
                ty
            }
            Err(message) => {
                diagnostics.error(path, format!("{here}.type"), message);
                TypeRef::Scalar(Scalar::Json)
            }
        };
        if raw.nullable && ty == TypeRef::Scalar(Scalar::Json) {
            // Option<Value> would have two nulls (None and Some(Null)) for one JSON null.
            diagnostics.error(
                path,
                format!("{here}.nullable"),
                format!(
                    "field `{}` is `json`, which already holds null: drop `nullable`",
                    raw.name
                ),
            );
        }
        match (raw.optional, &raw.absent_when) {
            (true, None) => diagnostics.error(
                path,
                format!("{here}.absentWhen"),
                format!(
                    "optional field `{}` must say when it is absent (`absentWhen`)",
                    raw.name
                ),
            ),
            (false, Some(_)) => diagnostics.error(
                path,
                format!("{here}.absentWhen"),
                format!(
                    "field `{}` has `absentWhen` but is not `optional`",
                    raw.name
                ),
            ),
            (true, Some(text)) if text.trim().is_empty() => {
                diagnostics.error(path, format!("{here}.absentWhen"), "`absentWhen` is empty")
            }
            _ => {}
        }
        if raw.doc.trim().is_empty() {
            diagnostics.error(path, format!("{here}.doc"), "the doc is empty");
        }
        if let Some(api) = &raw.api {
            check_api_list(path, &format!("{here}.api"), api, diagnostics);
            if let Some(message_api) = &definition.api {
                for version in api {
                    if !message_api.contains(version) {
                        diagnostics.error(
                            path,
                            format!("{here}.api"),
                            format!(
                                "field `{}` claims API version {version}, which its message does not have",
                                raw.name
                            ),
                        );
                    }
                }
            }
        }
        resolved.push(Field {
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
                doc: match raw.presence.doc {
                    RawDocStatement::Mandatory => DocStatement::Mandatory,
                    RawDocStatement::Stated => DocStatement::Stated,
                    RawDocStatement::Conditional => DocStatement::Conditional,
                    RawDocStatement::Undescribed => DocStatement::Undescribed,
                },
                url: raw.presence.url.clone(),
                observed: raw.presence.observed.clone(),
            },
            aliases: raw
                .aliases
                .iter()
                .map(|alias| Alias {
                    name: alias.name.clone(),
                    evidence: alias.evidence.clone(),
                })
                .collect(),
        });
    }
    resolved
}

/// The keys the runtime handles around a field list: a request's `method` and `requestId`, a
/// response's `result` and `error` too, a notification's `method` and `event`. (A
/// notification may still have a field named `result`, as `login` does.)
fn envelope_keys(kind: RawKind, at: &str) -> &'static [&'static str] {
    match kind {
        RawKind::Command if at.starts_with("$.request") => &["method", "requestId"],
        RawKind::Command => &["method", "requestId", "result", "error"],
        RawKind::Notification => &["method", "event"],
        _ => &[],
    }
}

fn enum_values(file: &LoadedFile, diagnostics: &mut Diagnostics) -> Vec<EnumValue> {
    let path = &file.path;
    let definition = &file.definition;
    let Some(raw_values) = &definition.values else {
        return Vec::new();
    };
    if raw_values.is_empty() {
        diagnostics.error(path, "$.values", "an enum needs at least one value");
    }
    let repr = definition.repr.unwrap_or(RawRepr::Integer);
    let mut values = Vec::with_capacity(raw_values.len());
    let mut seen_values = HashMap::new();
    let mut seen_names = HashMap::new();
    for (index, RawEnumValue { value, name, doc }) in raw_values.iter().enumerate() {
        let here = format!("$.values[{index}]");
        let literal = match (repr, value) {
            (RawRepr::Integer, serde_json::Value::Number(number)) if number.as_i64().is_some() => {
                number.as_i64().map(EnumLiteral::Integer)
            }
            (RawRepr::String, serde_json::Value::String(text)) => {
                Some(EnumLiteral::String(text.clone()))
            }
            _ => {
                diagnostics.error(
                    path,
                    format!("{here}.value"),
                    format!(
                        "{value} is not a {} (the enum's `repr`)",
                        match repr {
                            RawRepr::Integer => "64-bit integer",
                            RawRepr::String => "string",
                        }
                    ),
                );
                None
            }
        };
        if !is_pascal_identifier(name) || name == "Unknown" {
            diagnostics.error(
                path,
                format!("{here}.name"),
                format!("`{name}` must be a PascalCase identifier other than `Unknown`"),
            );
        }
        if let Some(previous) = seen_names.insert(name.as_str(), index) {
            diagnostics.error(
                path,
                format!("{here}.name"),
                format!("the name `{name}` is already used at index {previous}"),
            );
        }
        if doc.trim().is_empty() {
            diagnostics.error(path, format!("{here}.doc"), "the doc is empty");
        }
        if let Some(literal) = literal {
            if let Some(previous) = seen_values.insert(literal.clone(), index) {
                diagnostics.error(
                    path,
                    format!("{here}.value"),
                    format!("the value {value} is already listed at index {previous}"),
                );
            }
            values.push(EnumValue {
                value: literal,
                rust_name: name.clone(),
                doc: doc.clone(),
            });
        }
    }
    values
}

/// The alternatives of a union: scalars and at most one record, at most one per JSON type (so
/// the JSON type alone tells which one a value is), with distinct variant names.
fn union_variants(
    file: &LoadedFile,
    known_types: &BTreeMap<String, RawKind>,
    diagnostics: &mut Diagnostics,
) -> Vec<UnionVariant> {
    let path = &file.path;
    let Some(raw) = &file.definition.variants else {
        return Vec::new();
    };
    if raw.len() < 2 {
        diagnostics.error(
            path,
            "$.variants",
            "a union needs at least two alternatives",
        );
    }
    let mut variants = Vec::new();
    let mut json_types = HashMap::new();
    let mut names = HashMap::new();
    for (index, variant) in raw.iter().enumerate() {
        let here = format!("$.variants[{index}]");
        let alternative = match parse_type_expr(&variant.type_expr) {
            Ok(TypeRef::Scalar(
                scalar @ (Scalar::Bool | Scalar::I64 | Scalar::U64 | Scalar::F64 | Scalar::String),
            )) => UnionAlternative::Scalar(scalar),
            Ok(TypeRef::Named(name)) if known_types.get(&name) == Some(&RawKind::Record) => {
                UnionAlternative::Record(name)
            }
            _ => {
                diagnostics.error(
                    path,
                    format!("{here}.type"),
                    format!(
                        "`{}` is not a union alternative: use bool, i64, u64, f64, string or a record",
                        variant.type_expr
                    ),
                );
                continue;
            }
        };
        let json_type = alternative.json_type();
        if let Some(previous) = json_types.insert(json_type, index) {
            diagnostics.error(
                path,
                format!("{here}.type"),
                format!("the alternative at index {previous} is already a JSON {json_type}; the JSON type must tell them apart"),
            );
        }
        if !is_pascal_identifier(&variant.name) {
            diagnostics.error(
                path,
                format!("{here}.name"),
                format!("`{}` is not a PascalCase identifier", variant.name),
            );
        }
        if let Some(previous) = names.insert(variant.name.as_str(), index) {
            diagnostics.error(
                path,
                format!("{here}.name"),
                format!("the name is already used at index {previous}"),
            );
        }
        if variant.doc.trim().is_empty() {
            diagnostics.error(path, format!("{here}.doc"), "the doc is empty");
        }
        variants.push(UnionVariant {
            rust_name: variant.name.clone(),
            ty: alternative,
            doc: variant.doc.clone(),
        });
    }
    variants
}

fn newtype_inner(file: &LoadedFile, diagnostics: &mut Diagnostics) -> Scalar {
    let expr = file.definition.wrapped.as_deref().unwrap_or_default();
    match parse_type_expr(expr) {
        Ok(TypeRef::Scalar(scalar)) if scalar != Scalar::Json => scalar,
        _ => {
            diagnostics.error(
                &file.path,
                "$.type",
                format!("a newtype wraps one scalar other than json, not `{expr}`"),
            );
            Scalar::String
        }
    }
}

/// A record that holds itself (directly or through other records, not through an array) would
/// be a Rust type of infinite size.
fn check_record_cycles(root: &Path, model: &Model, diagnostics: &mut Diagnostics) {
    // A union holds its record alternative by value too.
    fn direct_record<'a>(model: &'a Model, ty: &'a TypeRef) -> Option<&'a str> {
        match ty {
            TypeRef::Named(name) => model.held_record(name),
            _ => None,
        }
    }
    let mut reported = BTreeSet::new();
    for (name, definition) in &model.types {
        let TypeDef::Record(_) = definition else {
            continue;
        };
        // Depth-first walk from `name`, following fields that embed a record by value.
        let mut stack: Vec<(String, Vec<String>)> = vec![(name.clone(), vec![name.clone()])];
        let mut visited = BTreeSet::new();
        while let Some((current, trail)) = stack.pop() {
            if !visited.insert(current.clone()) {
                continue;
            }
            let Some(record) = model.record(&current) else {
                continue;
            };
            for (index, field) in record.fields.iter().enumerate() {
                let Some(next) = direct_record(model, &field.ty) else {
                    continue;
                };
                if next == name {
                    let mut cycle = trail.clone();
                    cycle.push(name.clone());
                    let key: BTreeSet<String> = cycle.iter().cloned().collect();
                    if reported.insert(key.into_iter().collect::<Vec<_>>().join(",")) {
                        diagnostics.error(
                            &root.join(&record.definition.file),
                            format!("$.fields[{index}].type"),
                            format!(
                                "records contain each other by value ({}); use an array or break the cycle",
                                cycle.join(" → ")
                            ),
                        );
                    }
                } else {
                    let mut next_trail = trail.clone();
                    next_trail.push(next.to_string());
                    stack.push((next.to_string(), next_trail));
                }
            }
        }
    }
}

/// Two definitions must never produce the same Rust item or JSON Schema name.
fn check_rust_names(root: &Path, model: &Model, diagnostics: &mut Diagnostics) {
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |name: String,
                     owner: &DefinitionInfo,
                     what: &str,
                     diagnostics: &mut Diagnostics| {
        let file = owner.file.display().to_string();
        if RESERVED_RUST_NAMES.contains(&name.as_str()) {
            diagnostics.error(
                &root.join(&owner.file),
                "$.name",
                format!("its {what} `{name}` is a name the runtime reserves; give a `rustName`"),
            );
        } else if let Some(previous) = owners.get(&name) {
            diagnostics.error(
                &root.join(&owner.file),
                "$.name",
                format!(
                    "its {what} `{name}` is already generated for {previous}; give one of them a `rustName`"
                ),
            );
        } else {
            owners.insert(name, file);
        }
    };
    for command in &model.commands {
        let definition = &command.info.definition;
        claim(
            command.info.rust_name.clone(),
            definition,
            "request type",
            diagnostics,
        );
        claim(
            command.response_rust_name.clone(),
            definition,
            "response type",
            diagnostics,
        );
        claim(
            format!("{}Request", command.info.rust_name),
            definition,
            "request schema name",
            diagnostics,
        );
    }
    for notification in &model.notifications {
        claim(
            notification.info.rust_name.clone(),
            &notification.info.definition,
            "notification type",
            diagnostics,
        );
    }
    for definition in model.types.values() {
        let info = definition.definition();
        claim(info.rust_name.clone(), info, "type", diagnostics);
    }
}

fn examples(file: &LoadedFile, diagnostics: &mut Diagnostics) -> Vec<Example> {
    let path = &file.path;
    let kind = file.definition.kind;
    let mut examples = Vec::new();
    for (index, raw) in file.definition.examples.iter().enumerate() {
        let here = format!("$.examples[{index}]");
        let role_ok = match raw.role {
            RawRole::Request | RawRole::Response => kind == RawKind::Command,
            RawRole::Notification => kind == RawKind::Notification,
        };
        if !role_ok {
            diagnostics.error(
                path,
                format!("{here}.role"),
                format!("a {} has no {:?} examples", kind.as_str(), raw.role).to_lowercase(),
            );
        }
        let source = ExampleSource::from(raw.source);
        if source != ExampleSource::Synthetic && raw.url.is_none() {
            diagnostics.error(
                path,
                format!("{here}.url"),
                format!(
                    "a {} example needs the URL it was copied from",
                    source.as_str()
                ),
            );
        }
        if source == ExampleSource::Documented && file.definition.source == RawSource::Inferred {
            diagnostics.error(
                path,
                format!("{here}.source"),
                "an inferred definition has no doc page, so its examples are synthetic or captured",
            );
        }
        let prefix = match source {
            ExampleSource::Documented => None,
            ExampleSource::Captured => Some("Captured"),
            ExampleSource::Synthetic => Some("Synthetic"),
        };
        if let Some(prefix) = prefix.filter(|prefix| !raw.title.starts_with(prefix)) {
            diagnostics.error(
                path,
                format!("{here}.title"),
                format!(
                    "a {} example's title must start with \"{prefix}\"",
                    source.as_str()
                ),
            );
        }
        if source == ExampleSource::Captured && raw.json.is_none() {
            diagnostics.error(
                path,
                format!("{here}.json"),
                "a captured example is the JSON a Room sent: give it as `json`",
            );
        }
        let (text, json) = match (&raw.json, &raw.text) {
            (Some(json), None) => (
                serde_json::to_string_pretty(json).unwrap_or_default(),
                Some(json.clone()),
            ),
            // Verbatim text is kept for examples that are invalid JSON on the site, or that
            // repeat a key (which parsing would silently drop); anything else belongs in `json`.
            (None, Some(text)) => {
                if serde_json::from_str::<serde_json::Value>(text).is_ok()
                    && crate::examples::first_duplicate_key(text).is_none()
                {
                    diagnostics.error(
                        path,
                        format!("{here}.text"),
                        "this example is valid JSON without repeated keys: put it in `json` (`text` is for examples the site prints as invalid JSON or with a key twice)",
                    );
                }
                (text.clone(), None)
            }
            _ => {
                diagnostics.error(
                    path,
                    &here,
                    "an example has exactly one of `json` and `text`",
                );
                continue;
            }
        };
        examples.push(Example {
            title: raw.title.clone(),
            role: raw.role.into(),
            source,
            url: raw.url.clone(),
            text,
            json,
        });
    }
    examples
}

fn check_examples(file: &LoadedFile, model: &Model, diagnostics: &mut Diagnostics) {
    for (index, raw) in file.definition.examples.iter().enumerate() {
        let Some(json) = &raw.json else {
            continue;
        };
        let problems = check_example(
            model,
            &file.definition.name,
            raw.role.into(),
            raw.source.into(),
            json,
        );
        for (at, message) in problems {
            diagnostics.error(
                &file.path,
                format!("$.examples[{index}].json{at}"),
                format!("the example contradicts the definition: {message}"),
            );
        }
    }
}

#[cfg(test)]
mod type_expr_tests {
    use super::*;

    #[test]
    fn nesting_is_bounded_and_an_error_not_a_stack_overflow() {
        let ok = format!("{}string{}", "map<".repeat(8), ">".repeat(8)) + &"[]".repeat(8);
        assert!(parse_type_expr(&ok).is_ok(), "16 levels are allowed");
        let deep = format!("string{}", "[]".repeat(100_000));
        let error = parse_type_expr(&deep).expect_err("too deep");
        assert!(error.contains("more than 16 deep"), "{error}");
        let deep_maps = format!("{}string{}", "map<".repeat(17), ">".repeat(17));
        assert!(parse_type_expr(&deep_maps).is_err());
    }
}
