//! Stage 1: read every definition file into plain structs, exactly as written.
//!
//! Nothing is resolved here; the structs mirror the JSON so that a syntax or shape problem is
//! reported with the file, the JSON path and the line. The same structs, through schemars, are the
//! JSON Schema of the definition format (`schema/definition.schema.json`).

use std::fs;
use std::path::{Path, PathBuf};

#[cfg(feature = "format-schema")]
use schemars::JsonSchema;

use serde_json::Value;

use crate::error::{Diagnostic, Diagnostics};
use crate::read::{self, FromJson, Object, ReadError};

/// The sub-folders of the definitions folder: `commands/` holds commands, `notifications/`
/// notifications, `types/` records, enums and newtypes.
pub const FOLDERS: [&str; 3] = ["commands", "notifications", "types"];

/// One definition file as written: a command, a notification or a shared type.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(
    feature = "format-schema",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[cfg_attr(feature = "format-schema", schemars(title = "trueconf-api definition"))]
pub struct RawDefinition {
    /// Path of this format's JSON Schema, for editors.
    #[cfg_attr(feature = "format-schema", serde(rename = "$schema", default))]
    pub schema: Option<String>,
    /// What this file defines.
    pub kind: RawKind,
    /// Wire name of a message (`method` of a command, `event` of a notification) or the
    /// PascalCase name of a shared type. Must equal the file stem.
    pub name: String,
    /// Rust name to use instead of the derived one (only to resolve collisions).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub rust_name: Option<String>,
    /// One line, in our own words.
    pub summary: String,
    /// More detail, in our own words.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub description: Option<String>,
    /// Where the facts come from.
    pub source: RawSource,
    /// Doc pages the facts come from, primary first. Non-empty when `source` is `documented`,
    /// empty when it is `client`.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub doc_urls: Vec<String>,
    /// Where the facts of a definition without a doc page come from. Required when `source` is
    /// `inferred` or `client`; a `client` one cites at least one `<source-id> <file>:<line>` of a
    /// pinned TrueConf client (`schema/evidence/clients.json`).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub evidence: Option<String>,
    /// Product version the doc page gives (messages only), such as "4.1.0".
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub since: Option<String>,
    /// API versions the message exists in (messages only), such as `[1, 2]`.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub api: Option<Vec<u8>>,
    /// Parameters of a command's request.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub request: Option<RawFieldList>,
    /// Fields of a command's successful response.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub response: Option<RawFieldList>,
    /// Fields of a notification or a record.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub fields: Option<Vec<RawField>>,
    /// JSON type of an enum's values.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub repr: Option<RawRepr>,
    /// The values of an enum.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub values: Option<Vec<RawEnumValue>>,
    /// The wrapped type of a newtype.
    #[cfg_attr(feature = "format-schema", serde(rename = "type", default))]
    pub wrapped: Option<String>,
    /// The alternatives of a union, each a different JSON type.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub variants: Option<Vec<RawUnionVariant>>,
    /// Another message that carries the same body (messages only): `commands/<method>` (its
    /// response) or `notifications/<event>`, as getAppState and appStateChanged do. The two
    /// field lists must agree, and the examples of both count as evidence for each.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub same_body_as: Option<String>,
    /// Examples of the message on the wire (messages only).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub examples: Vec<RawExample>,
}

/// What a definition file defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "Kind"))]
pub enum RawKind {
    /// A client→server request and its response.
    Command,
    /// A server→client notification (`"method": "event"`).
    Notification,
    /// A shared JSON object type.
    Record,
    /// A shared enumeration (open: unknown values are kept).
    Enum,
    /// A shared type that wraps one scalar under its own name.
    Newtype,
    /// A value that is one of several scalar JSON types (a setting value: bool, integer,
    /// number or string), told apart by its JSON type.
    Union,
}

impl RawKind {
    /// The word used in the definitions (`command`, `notification` …).
    pub fn as_str(self) -> &'static str {
        match self {
            RawKind::Command => "command",
            RawKind::Notification => "notification",
            RawKind::Record => "record",
            RawKind::Enum => "enum",
            RawKind::Newtype => "newtype",
            RawKind::Union => "union",
        }
    }
}

/// Where a definition's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "Source"))]
pub enum RawSource {
    /// A doc page states them; its examples are copied exactly.
    Documented,
    /// No doc page; inferred from sibling messages and TrueConf's client code.
    Inferred,
    /// No doc page; typed from what TrueConf's own clients send and read, citing file and line
    /// (the client tier: received fields optional, unlisted keys kept).
    Client,
}

/// A list of fields (`request` / `response` of a command).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
#[cfg_attr(feature = "format-schema", schemars(rename = "FieldList"))]
pub struct RawFieldList {
    /// The fields, in the order the docs show them.
    pub fields: Vec<RawField>,
}

/// One field of a message or record.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(
    feature = "format-schema",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[cfg_attr(feature = "format-schema", schemars(rename = "Field"))]
pub struct RawField {
    /// Wire key, exactly as sent.
    pub name: String,
    /// Type expression: a scalar (`string`, `bool`, `u8`…`u64`, `i8`…`i64`, `f64`, `json`) or a
    /// shared type name, followed by `[]` for an array or inside `map<…>` for an object keyed
    /// by name.
    #[cfg_attr(feature = "format-schema", serde(rename = "type"))]
    pub type_expr: String,
    /// The key may be absent.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub optional: bool,
    /// When the key is absent (required when `optional`).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub absent_when: Option<String>,
    /// The value may be JSON null.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub nullable: bool,
    /// What the field holds, in our own words.
    pub doc: String,
    /// Product version that added the field, if later than its message.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub since: Option<String>,
    /// API versions that have the field, if fewer than its message.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub api: Option<Vec<u8>>,
    /// Rust field name to use instead of the derived one.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub rust_name: Option<String>,
    /// The evidence for the field's presence: what the docs say about it, and what real
    /// traffic or TrueConf's own clients show. It decides whether the field may be required.
    pub presence: RawPresence,
    /// Other wire names for the same value that TrueConf's clients or older Rooms use. Decoding
    /// accepts them; encoding writes `name`.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub aliases: Vec<RawAlias>,
}

/// The evidence for a field's presence (see the presence rules in `schema/README.md`).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(
    feature = "format-schema",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
#[cfg_attr(feature = "format-schema", schemars(rename = "Presence"))]
pub struct RawPresence {
    /// What the doc text says about the key.
    pub doc: RawDocStatement,
    /// The doc page whose text says it; one of the definition's `docUrls`. Not for
    /// `undescribed`.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub url: Option<String>,
    /// Evidence, from real traffic or TrueConf's own clients, that the key is left out in
    /// practice (a capture without it, a client that does not send it or does not require it),
    /// naming the source and version.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub observed: Option<String>,
    /// Client tier, request parameters only: whether every client that sends the command sends
    /// the key in every request it builds (`every`: required) or not (`some`: optional).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub clients: Option<RawClients>,
}

/// Which of the clients that send a command send a parameter (client tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "Clients"))]
pub enum RawClients {
    /// Every client that sends the command sends the key in every request it builds.
    Every,
    /// At least one request of a sending client leaves the key out.
    Some,
}

/// What the doc text says about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "DocStatement"))]
pub enum RawDocStatement {
    /// A sentence says the key must be given (sent) or is always present (received).
    Mandatory,
    /// The page describes the key with no condition and never calls it optional.
    Stated,
    /// The page says when the key is present, or calls it optional.
    Conditional,
    /// No page describes the key: it is seen only in examples, or its definition is inferred
    /// or client-evidenced.
    Undescribed,
}

/// Another wire name for a field.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
#[cfg_attr(feature = "format-schema", schemars(rename = "Alias"))]
pub struct RawAlias {
    /// The other wire name.
    pub name: String,
    /// Who uses it, with source and version.
    pub evidence: String,
}

/// JSON type of an enum's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "Repr"))]
pub enum RawRepr {
    /// JSON integers.
    Integer,
    /// JSON strings.
    String,
}

/// One listed value of an enum.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
#[cfg_attr(feature = "format-schema", schemars(rename = "EnumValue"))]
pub struct RawEnumValue {
    /// The value on the wire (an integer or a string, as `repr` says).
    pub value: serde_json::Value,
    /// PascalCase name of the Rust variant.
    pub name: String,
    /// What the value means, in our own words.
    pub doc: String,
}

/// One alternative of a union.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
#[cfg_attr(feature = "format-schema", schemars(rename = "UnionVariant"))]
pub struct RawUnionVariant {
    /// PascalCase name of the Rust variant.
    pub name: String,
    /// A scalar type: `bool`, `i64` or `u64`, `f64`, `string` — at most one of each JSON type.
    #[cfg_attr(feature = "format-schema", serde(rename = "type"))]
    pub type_expr: String,
    /// When the value takes this form, in our own words.
    pub doc: String,
}

/// One example of a message on the wire.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
#[cfg_attr(feature = "format-schema", schemars(rename = "Example"))]
pub struct RawExample {
    /// Short title ("Request", "Response: offline activation" …); synthetic ones start with
    /// "Synthetic", captured ones with "Captured", client ones with "Client".
    pub title: String,
    /// Which message of the definition this is.
    pub role: RawRole,
    /// Copied from a doc page or a client, captured from a Room, or made up for a definition
    /// without a page.
    pub source: RawExampleSource,
    /// The page the example was copied from (documented examples), or the pinned file and line
    /// that kept it (captured and client examples).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub url: Option<String>,
    /// The example as JSON.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub json: Option<serde_json::Value>,
    /// The example verbatim, for an example the site prints as invalid JSON.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub text: Option<String>,
}

/// Which message an example shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "Role"))]
pub enum RawRole {
    /// A command's request.
    Request,
    /// A command's response (success or failure).
    Response,
    /// A notification.
    Notification,
}

/// Where an example comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "ExampleSource"))]
pub enum RawExampleSource {
    /// Copied exactly from the doc page at `url`.
    Documented,
    /// A message a real Room sent, copied exactly from where it was kept (a code comment,
    /// a sample file of TrueConf's clients), pinned by `url` to a commit and line. It outranks
    /// a documented example as evidence of what a Room sends.
    Captured,
    /// Made up by us for an inferred definition.
    Synthetic,
    /// A request exactly as a pinned TrueConf client builds it (a `literal` of
    /// `schema/evidence/clients.json`), with `url` pinned to the client's file and line; only in
    /// client-tier definitions.
    Client,
}

/// `schema/known.json`: names known to exist (doc mentions, TrueConf's client code) that have
/// no definition yet. The decoder recognises them and keeps their payload as raw JSON.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
pub struct RawKnownNames {
    /// Path of the format's JSON Schema, for editors.
    #[cfg_attr(feature = "format-schema", serde(rename = "$schema", default))]
    pub schema: Option<String>,
    /// What this file is and where its names come from.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub description: Option<String>,
    /// Known command names.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub commands: Vec<RawKnownName>,
    /// Known notification names.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub notifications: Vec<RawKnownName>,
    /// Subjects and keys the evidence index names that the definitions leave untyped on
    /// purpose (a client's slip, a key of Rooms older than the minimum), each with why.
    #[cfg_attr(feature = "format-schema", serde(rename = "untypedKeys", default))]
    pub untyped_keys: Vec<RawUntypedKey>,
}

/// A subject or key of the evidence index that is deliberately not typed.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
pub struct RawUntypedKey {
    /// The subject, as in the evidence files (`commands/login#response`).
    pub subject: String,
    /// The key; absent or `null` for the whole message.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub key: Option<String>,
    /// Why it is not typed, with the evidence.
    pub evidence: String,
}

/// One known but untyped name.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
pub struct RawKnownName {
    /// The wire name.
    pub name: String,
    /// Where the name comes from (not documentation unless it says so).
    pub evidence: String,
    /// Parameter keys TrueConf's client code sends with the command, where known.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub params: Vec<String>,
}

/// The file of known but untyped names, inside the definitions folder.
pub const KNOWN_NAMES_FILE: &str = "known.json";

/// The file of facts about the API as a whole, inside the definitions folder.
pub const COMPATIBILITY_FILE: &str = "compatibility.json";

/// `schema/compatibility.json`: the oldest Room the definitions promise to decode.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(
    feature = "format-schema",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct RawCompatibility {
    /// Path of the format's JSON Schema, for editors.
    #[cfg_attr(feature = "format-schema", serde(rename = "$schema", default))]
    pub schema: Option<String>,
    /// The oldest TrueConf Room version whose traffic the definitions describe ("4.3.0"). A
    /// field a later version added is optional; one this version already has may be required.
    pub minimum_room_version: String,
    /// Why this minimum, in our own words, with the evidence.
    pub reason: String,
}

/// Reads `compatibility.json` from the definitions folder; it must exist.
pub fn load_compatibility(root: &Path, diagnostics: &mut Diagnostics) -> Option<RawCompatibility> {
    let path = root.join(COMPATIBILITY_FILE);
    let parsed = fs::read_to_string(&path)
        .map_err(|error| {
            Diagnostic::new(
                &path,
                "$",
                format!("cannot read the file ({error}); it declares `minimumRoomVersion`"),
            )
        })
        .and_then(|text| parse_json(&path, &text));
    parsed
        .map_err(|diagnostic| diagnostics.push(diagnostic))
        .ok()
}

/// Reads `known.json` from the definitions folder; a missing file is an empty catalog.
pub fn load_known(root: &Path, diagnostics: &mut Diagnostics) -> RawKnownNames {
    let path = root.join(KNOWN_NAMES_FILE);
    let Ok(text) = fs::read_to_string(&path) else {
        return RawKnownNames::default();
    };
    parse_json(&path, &text).unwrap_or_else(|diagnostic| {
        diagnostics.push(diagnostic);
        RawKnownNames::default()
    })
}

/// A definition file read from disk.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The folder it was found in (`commands`, `notifications`, `types`).
    pub folder: &'static str,
    /// Its content.
    pub definition: RawDefinition,
}

/// Reads every `*.json` file in the definition folders of `root`, sorted by path so the output
/// does not depend on directory order. Files that cannot be read or parsed become diagnostics;
/// the rest are returned so that one bad file does not hide the problems of the others.
pub fn load_dir(root: &Path, diagnostics: &mut Diagnostics) -> Vec<LoadedFile> {
    let mut loaded = Vec::new();
    if !root.is_dir() {
        diagnostics.error(root, "$", "the definitions folder does not exist");
        return loaded;
    }
    for folder in FOLDERS {
        let dir = root.join(folder);
        if !dir.is_dir() {
            continue;
        }
        for path in json_files(&dir, diagnostics) {
            match load_file(&path) {
                Ok(definition) => loaded.push(LoadedFile {
                    path,
                    folder,
                    definition,
                }),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
    }
    loaded
}

/// The `*.json` files of `dir`, sorted by path so the output does not depend on directory
/// order; a folder that cannot be listed is a diagnostic (and no files).
fn json_files(dir: &Path, diagnostics: &mut Diagnostics) -> Vec<PathBuf> {
    let mut paths = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect::<Vec<_>>(),
        Err(error) => {
            diagnostics.error(dir, "$", format!("cannot list the folder: {error}"));
            return Vec::new();
        }
    };
    paths.sort();
    paths
}

/// Reads and parses one definition file.
pub fn load_file(path: &Path) -> Result<RawDefinition, Diagnostic> {
    let text = fs::read_to_string(path)
        .map_err(|error| Diagnostic::new(path, "$", format!("cannot read the file: {error}")))?;
    parse_definition(path, &text)
}

/// Parses the text of one definition file; `path` only names it in diagnostics.
pub fn parse_definition(path: &Path, text: &str) -> Result<RawDefinition, Diagnostic> {
    parse_json(path, text)
}

/// Parses one JSON file of the definitions folder into `T`; a problem names the file and the
/// JSON path, and the line and column where the offending value (or object) ends.
fn parse_json<T: FromJson>(path: &Path, text: &str) -> Result<T, Diagnostic> {
    let value =
        read::parse(text).map_err(|error| Diagnostic::new(path, error.path, error.message))?;
    T::from_json(value, "$").map_err(|error| {
        let at = read::locate(text, &error.path).unwrap_or_default();
        Diagnostic::new(path, &error.path, format!("{}{at}", error.message))
    })
}

// How each struct is read from JSON: each key once, with the field it fills and whether it
// must be present. The same keys are in the serde attributes above, for schemars;
// `tests::the_readers_accept_the_keys_of_the_format_schema` holds the two together.

/// For each struct: `KEYS` (the keys it may have) and its `FromJson` reader.
macro_rules! readers {
    ($($ty:ident { $($field:ident: $presence:ident $key:literal),* $(,)? })*) => {$(
        impl $ty {
            /// The keys it may have, in the order of the struct.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            /// Each key with `required` or `optional`, for the test against the format schema.
            #[cfg(all(test, feature = "format-schema"))]
            const PRESENCE: &'static [(&'static str, &'static str)] =
                &[$(($key, stringify!($presence))),*];
        }

        impl FromJson for $ty {
            fn from_json(value: Value, path: &str) -> Result<Self, ReadError> {
                let mut object = Object::new(value, path, Self::KEYS)?;
                Ok(Self { $($field: object.$presence($key)?),* })
            }
        }
    )*};
}

readers! {
    RawDefinition {
        schema: optional "$schema",
        kind: required "kind",
        name: required "name",
        rust_name: optional "rustName",
        summary: required "summary",
        description: optional "description",
        source: required "source",
        doc_urls: optional "docUrls",
        evidence: optional "evidence",
        since: optional "since",
        api: optional "api",
        request: optional "request",
        response: optional "response",
        fields: optional "fields",
        repr: optional "repr",
        values: optional "values",
        wrapped: optional "type",
        variants: optional "variants",
        same_body_as: optional "sameBodyAs",
        examples: optional "examples",
    }
    RawFieldList {
        fields: required "fields",
    }
    RawField {
        name: required "name",
        type_expr: required "type",
        optional: optional "optional",
        absent_when: optional "absentWhen",
        nullable: optional "nullable",
        doc: required "doc",
        since: optional "since",
        api: optional "api",
        rust_name: optional "rustName",
        presence: required "presence",
        aliases: optional "aliases",
    }
    RawPresence {
        doc: required "doc",
        url: optional "url",
        observed: optional "observed",
        clients: optional "clients",
    }
    RawAlias {
        name: required "name",
        evidence: required "evidence",
    }
    RawEnumValue {
        value: required "value",
        name: required "name",
        doc: required "doc",
    }
    RawUnionVariant {
        name: required "name",
        type_expr: required "type",
        doc: required "doc",
    }
    RawExample {
        title: required "title",
        role: required "role",
        source: required "source",
        url: optional "url",
        json: optional "json",
        text: optional "text",
    }
    RawKnownNames {
        schema: optional "$schema",
        description: optional "description",
        commands: optional "commands",
        notifications: optional "notifications",
        untyped_keys: optional "untypedKeys",
    }
    RawUntypedKey {
        subject: required "subject",
        key: optional "key",
        evidence: required "evidence",
    }
    RawKnownName {
        name: required "name",
        evidence: required "evidence",
        params: optional "params",
    }
    RawCompatibility {
        schema: optional "$schema",
        minimum_room_version: required "minimumRoomVersion",
        reason: required "reason",
    }
}

/// Fieldless enums are written as lowercase words.
macro_rules! words {
    ($($ty:ident { $($word:literal => $variant:ident),* $(,)? })*) => {$(
        impl FromJson for $ty {
            fn from_json(value: Value, path: &str) -> Result<Self, ReadError> {
                read::word(value, path, &[$(($word, $ty::$variant)),*])
            }
        }
    )*};
}

words! {
    RawKind {
        "command" => Command,
        "notification" => Notification,
        "record" => Record,
        "enum" => Enum,
        "newtype" => Newtype,
        "union" => Union,
    }
    RawSource { "documented" => Documented, "inferred" => Inferred, "client" => Client }
    RawDocStatement {
        "mandatory" => Mandatory,
        "stated" => Stated,
        "conditional" => Conditional,
        "undescribed" => Undescribed,
    }
    RawRepr { "integer" => Integer, "string" => String }
    RawRole { "request" => Request, "response" => Response, "notification" => Notification }
    RawExampleSource {
        "documented" => Documented,
        "captured" => Captured,
        "synthetic" => Synthetic,
        "client" => Client,
    }
    RawClients { "every" => Every, "some" => Some }
}

// The evidence index (`evidence/*.json`): what each source says about each key. The files are
// read here exactly as written; `crate::evidence` checks them against each other and the
// definitions against them.

/// The folder of evidence files inside the definitions folder. It is optional: a definitions
/// folder without it (an older copy, a test fixture) skips the index checks.
pub const EVIDENCE_FOLDER: &str = "evidence";

/// One evidence file (`evidence/<name>.json`): the sources it cites and what each says.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
#[cfg_attr(
    feature = "format-schema",
    schemars(title = "trueconf-api evidence file")
)]
pub struct RawEvidenceFile {
    /// What the file holds and how it was made (script, date).
    pub description: String,
    /// The sources its entries cite, by id.
    pub sources: std::collections::BTreeMap<String, RawEvidenceSource>,
    /// What the sources say, one entry per (subject, key, source) and code site.
    pub entries: Vec<RawEvidenceEntry>,
}

/// A source of evidence: a doc page, a pinned client, or a pinned capture.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
#[cfg_attr(feature = "format-schema", schemars(rename = "EvidenceSource"))]
pub struct RawEvidenceSource {
    /// What kind of source it is.
    pub kind: RawEvidenceKind,
    /// The page, or the repository or package the client or capture comes from.
    pub url: String,
    /// Release of the client or package.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub version: Option<String>,
    /// Commit the client or capture is pinned to (40 hex digits).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub commit: Option<String>,
    /// Date of that commit or release.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub date: Option<String>,
    /// Language of a page (`en`, `ru`).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub lang: Option<String>,
    /// Which family of docs or clients (`websocket-v1`, `websocket-v2`, `maui`, `ru` …).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub family: Option<String>,
    /// What the source is, in our words.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub note: Option<String>,
}

/// What kind of source an evidence source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "EvidenceKind"))]
pub enum RawEvidenceKind {
    /// A stored doc page.
    Page,
    /// A TrueConf client's code, pinned.
    Client,
    /// Messages captured from real Rooms, pinned where they were kept.
    Capture,
}

/// What one source says about one key (or, with key `null`, about the whole message).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(deny_unknown_fields))]
#[cfg_attr(feature = "format-schema", schemars(rename = "EvidenceEntry"))]
pub struct RawEvidenceEntry {
    /// `commands/<method>#request`, `commands/<method>#response`, `notifications/<event>` or
    /// `types/<Record>`.
    pub subject: String,
    /// The wire key exactly, or `null` (or absent) for the whole message.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub key: Option<String>,
    /// Id of a source in this file's `sources`.
    pub source: String,
    /// File in the pinned source (client and capture entries).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub file: Option<String>,
    /// Line in that file (client and capture entries).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub line: Option<u32>,
    /// What the source says.
    pub says: RawSays,
    /// The JSON type the source shows.
    #[cfg_attr(feature = "format-schema", serde(rename = "type", default))]
    pub json_type: Option<RawJsonType>,
    /// When the key is present or absent (`conditional` and `omits`), in our words.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub condition: Option<String>,
    /// What the source says about the key, in our words.
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub note: Option<String>,
    /// The request exactly as the client builds it (`sends` with key `null`).
    #[cfg_attr(feature = "format-schema", serde(default))]
    pub literal: Option<Value>,
}

/// What a source says about a key: page verbs, client verbs, capture verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "Says"))]
pub enum RawSays {
    /// Page: a sentence demands the key or says it is always there.
    Mandatory,
    /// Page: describes the key with no condition and never calls it optional.
    Stated,
    /// Page: says when the key is present or absent, or calls it optional.
    Conditional,
    /// Page: the key is only in the page's JSON example.
    Example,
    /// Page: names the key, but the stored copy ends before it says anything about it.
    Named,
    /// Page (key `null`): the page exists for this subject.
    Page,
    /// Client: sends the key in this request (key `null`: sends the command).
    Sends,
    /// Client: a code path sends the command without the key.
    Omits,
    /// Client: reads the key from the response or notification.
    Reads,
    /// Client: rejects the message without the key.
    Requires,
    /// Client (key `null`): handles this response or notification.
    Handles,
    /// Capture: the captured message carries the key.
    Present,
    /// Capture: the captured message lacks the key.
    Absent,
}

/// A JSON type, as a source shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "format-schema", derive(JsonSchema))]
#[cfg_attr(feature = "format-schema", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "format-schema", schemars(rename = "JsonType"))]
pub enum RawJsonType {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A number with a fraction or exponent.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An object.
    Object,
    /// An array.
    Array,
    /// `null`.
    Null,
}

/// An evidence file read from disk.
#[derive(Debug, Clone)]
pub struct LoadedEvidence {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its content.
    pub file: RawEvidenceFile,
}

/// Reads every `*.json` file of `evidence/` in the definitions folder, sorted by path. `None`
/// when the folder does not exist (the index checks are then skipped); a file that cannot be
/// read or parsed is a diagnostic naming the file and the JSON path.
pub fn load_evidence(root: &Path, diagnostics: &mut Diagnostics) -> Option<Vec<LoadedEvidence>> {
    let dir = root.join(EVIDENCE_FOLDER);
    if !dir.is_dir() {
        return None;
    }
    let paths = json_files(&dir, diagnostics);
    let mut loaded = Vec::with_capacity(paths.len());
    for path in paths {
        let parsed = fs::read_to_string(&path)
            .map_err(|error| Diagnostic::new(&path, "$", format!("cannot read the file: {error}")))
            .and_then(|text| parse_evidence(&path, &text));
        match parsed {
            Ok(file) => loaded.push(LoadedEvidence { path, file }),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    Some(loaded)
}

/// Parses the text of one evidence file; `path` only names it in diagnostics.
pub fn parse_evidence(path: &Path, text: &str) -> Result<RawEvidenceFile, Diagnostic> {
    parse_json(path, text)
}

readers! {
    RawEvidenceFile {
        description: required "description",
        sources: required "sources",
        entries: required "entries",
    }
    RawEvidenceSource {
        kind: required "kind",
        url: required "url",
        version: optional "version",
        commit: optional "commit",
        date: optional "date",
        lang: optional "lang",
        family: optional "family",
        note: optional "note",
    }
    RawEvidenceEntry {
        subject: required "subject",
        key: optional "key",
        source: required "source",
        file: optional "file",
        line: optional "line",
        says: required "says",
        json_type: optional "type",
        condition: optional "condition",
        note: optional "note",
        literal: optional "literal",
    }
}

words! {
    RawEvidenceKind { "page" => Page, "client" => Client, "capture" => Capture }
    RawSays {
        "mandatory" => Mandatory,
        "stated" => Stated,
        "conditional" => Conditional,
        "example" => Example,
        "named" => Named,
        "page" => Page,
        "sends" => Sends,
        "omits" => Omits,
        "reads" => Reads,
        "requires" => Requires,
        "handles" => Handles,
        "present" => Present,
        "absent" => Absent,
    }
    RawJsonType {
        "string" => String,
        "integer" => Integer,
        "number" => Number,
        "boolean" => Boolean,
        "object" => Object,
        "array" => Array,
        "null" => Null,
    }
}

/// The JSON Schema of the definition format, as written to `schema/definition.schema.json`
/// (feature `format-schema`).
#[cfg(feature = "format-schema")]
///
/// On top of what the structs say, it states which keys each `kind` needs, so that an editor
/// flags a command without `request` while it is being typed.
pub fn definition_format_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<RawDefinition>();
    let mut value = schema.to_value();
    let rule = |kind: &str, required: &[&str]| {
        serde_json::json!({
            "if": { "properties": { "kind": { "const": kind } }, "required": ["kind"] },
            "then": { "required": required }
        })
    };
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "allOf".to_string(),
            serde_json::json!([
                rule("command", &["api", "request", "response", "examples"]),
                rule("notification", &["api", "fields", "examples"]),
                rule("record", &["fields"]),
                rule("enum", &["repr", "values"]),
                rule("newtype", &["type"]),
                rule("union", &["variants"]),
            ]),
        );
    }
    value
}

#[cfg(all(test, feature = "format-schema"))]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The readers (hand-written) and the format schema (from the serde attributes, through
    /// schemars) name the same keys, and the same required keys, for every struct of the
    /// definitions folder's files.
    #[test]
    fn the_readers_accept_the_keys_of_the_format_schema() {
        let schema = definition_format_schema();
        let definitions = &schema["$defs"];
        // (what, its schema, each key with `required` or `optional`)
        type Struct<'a> = (&'a str, &'a serde_json::Value, &'a [(&'a str, &'a str)]);
        let structs: [Struct; 8] = [
            ("the definition", &schema, RawDefinition::PRESENCE),
            (
                "FieldList",
                &definitions["FieldList"],
                RawFieldList::PRESENCE,
            ),
            ("Field", &definitions["Field"], RawField::PRESENCE),
            ("Presence", &definitions["Presence"], RawPresence::PRESENCE),
            ("Alias", &definitions["Alias"], RawAlias::PRESENCE),
            (
                "EnumValue",
                &definitions["EnumValue"],
                RawEnumValue::PRESENCE,
            ),
            (
                "UnionVariant",
                &definitions["UnionVariant"],
                RawUnionVariant::PRESENCE,
            ),
            ("Example", &definitions["Example"], RawExample::PRESENCE),
        ];
        // The two other files of the folder, from their own structs.
        let schema_of = |root: schemars::Schema| root.to_value();
        let generator = || schemars::generate::SchemaSettings::draft2020_12().into_generator();
        let known = schema_of(generator().into_root_schema_for::<RawKnownNames>());
        let compatibility = schema_of(generator().into_root_schema_for::<RawCompatibility>());
        let evidence = schema_of(generator().into_root_schema_for::<RawEvidenceFile>());
        let others: [Struct; 7] = [
            ("known.json", &known, RawKnownNames::PRESENCE),
            (
                "a known name",
                &known["$defs"]["RawKnownName"],
                RawKnownName::PRESENCE,
            ),
            (
                "an untyped key",
                &known["$defs"]["RawUntypedKey"],
                RawUntypedKey::PRESENCE,
            ),
            (
                "compatibility.json",
                &compatibility,
                RawCompatibility::PRESENCE,
            ),
            ("an evidence file", &evidence, RawEvidenceFile::PRESENCE),
            (
                "an evidence source",
                &evidence["$defs"]["EvidenceSource"],
                RawEvidenceSource::PRESENCE,
            ),
            (
                "an evidence entry",
                &evidence["$defs"]["EvidenceEntry"],
                RawEvidenceEntry::PRESENCE,
            ),
        ];
        for (name, definition, presence) in structs.into_iter().chain(others) {
            let in_schema: BTreeSet<&str> = definition["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{name} has properties in the schema"))
                .keys()
                .map(String::as_str)
                .collect();
            let read: BTreeSet<&str> = presence.iter().map(|(key, _)| *key).collect();
            assert_eq!(in_schema, read, "{name}: keys");
            let required_in_schema: BTreeSet<&str> = definition["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
                .collect();
            let required: BTreeSet<&str> = presence
                .iter()
                .filter(|(_, how)| *how == "required")
                .map(|(key, _)| *key)
                .collect();
            assert_eq!(required_in_schema, required, "{name}: required keys");
        }
    }
}
