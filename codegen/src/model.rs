//! Stage 3: the resolved model every emitter works from.
//!
//! Built by `validate` from the raw definitions once they are known to be consistent: type
//! expressions are parsed and resolved, Rust names are chosen, and each field knows whether it
//! may be absent or null. Emitters never look at the raw JSON again.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole API as the definitions describe it.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Commands, sorted by wire name.
    pub commands: Vec<Command>,
    /// Notifications, sorted by wire name.
    pub notifications: Vec<Notification>,
    /// Shared types by name.
    pub types: BTreeMap<String, TypeDef>,
    /// Command names known to exist but not typed yet (`known.json`), sorted.
    pub known_commands: Vec<KnownName>,
    /// Notification names known to exist but not typed yet, sorted.
    pub known_notifications: Vec<KnownName>,
    /// The API version the model was restricted to, if any.
    pub api_version: Option<u8>,
    /// The oldest Room version the definitions promise to decode (`compatibility.json`).
    pub minimum_room_version: String,
}

/// A name known to exist (doc mentions, TrueConf's client code) without a definition.
#[derive(Debug, Clone)]
pub struct KnownName {
    /// The wire name.
    pub name: String,
    /// Where it comes from.
    pub evidence: String,
    /// Parameter keys the client code sends, where known.
    pub params: Vec<String>,
}

impl Model {
    /// The command with this wire name.
    pub fn command(&self, method: &str) -> Option<&Command> {
        self.commands
            .iter()
            .find(|command| command.info.wire_name == method)
    }

    /// The notification with this wire name.
    pub fn notification(&self, event: &str) -> Option<&Notification> {
        self.notifications
            .iter()
            .find(|notification| notification.info.wire_name == event)
    }

    /// The shared record with this name.
    pub fn record(&self, name: &str) -> Option<&Record> {
        match self.types.get(name) {
            Some(TypeDef::Record(record)) => Some(record),
            _ => None,
        }
    }

    /// The record a named type holds by value: the record itself, or a union's record
    /// alternative.
    pub fn held_record<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        match self.types.get(name)? {
            TypeDef::Record(_) => Some(name),
            TypeDef::Union(union) => union.record_alternative().map(|(_, record)| record),
            _ => None,
        }
    }

    /// Every message, commands first.
    pub fn messages(&self) -> impl Iterator<Item = (&MessageInfo, &[Example])> {
        self.commands
            .iter()
            .map(|command| (&command.info, command.examples.as_slice()))
            .chain(
                self.notifications
                    .iter()
                    .map(|notification| (&notification.info, notification.examples.as_slice())),
            )
    }

    /// Keeps only what API version `version` has: messages whose `api` lists it, and in every
    /// field list the fields whose own `api` (when given) lists it. Shared types stay (unused
    /// ones are harmless), and the catalog of known names is kept as it is.
    pub fn restrict_to_api(&mut self, version: u8) {
        let keep_field =
            |field: &Field| field.api.as_ref().is_none_or(|api| api.contains(&version));
        self.commands
            .retain(|command| command.info.api.contains(&version));
        self.notifications
            .retain(|notification| notification.info.api.contains(&version));
        for command in &mut self.commands {
            command.request.retain(keep_field);
            command.response.retain(keep_field);
        }
        for notification in &mut self.notifications {
            notification.fields.retain(keep_field);
        }
        for definition in self.types.values_mut() {
            if let TypeDef::Record(record) = definition {
                record.fields.retain(keep_field);
            }
        }
        self.api_version = Some(version);
    }

    /// Leaves out the client tier: every command and notification typed only from what
    /// TrueConf's clients send and read (`"source": "client"`). Their names join the catalogue
    /// of known untyped names, so such a message still decodes (as `Untyped`, nothing lost)
    /// and `check` still reports it as known. Shared types stay, as in
    /// [`restrict_to_api`](Self::restrict_to_api).
    pub fn without_client_tier(&mut self) {
        let is_client = |info: &MessageInfo| info.definition.source == Source::Client;
        let catalogue = |info: &MessageInfo, params: Vec<String>| KnownName {
            name: info.wire_name.clone(),
            evidence: format!(
                "client tier, left out of these bindings ({})",
                info.definition.file.display()
            ),
            params,
        };
        for command in self
            .commands
            .iter()
            .filter(|command| is_client(&command.info))
        {
            let params = command.request.iter().map(|field| field.wire_name.clone());
            self.known_commands
                .push(catalogue(&command.info, params.collect()));
        }
        for notification in self
            .notifications
            .iter()
            .filter(|notification| is_client(&notification.info))
        {
            self.known_notifications
                .push(catalogue(&notification.info, Vec::new()));
        }
        self.commands.retain(|command| !is_client(&command.info));
        self.notifications
            .retain(|notification| !is_client(&notification.info));
        for known in [&mut self.known_commands, &mut self.known_notifications] {
            known.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }

    /// Number of definitions of every kind.
    pub fn definition_count(&self) -> usize {
        self.commands.len() + self.notifications.len() + self.types.len()
    }
}

/// Where a definition's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A doc page.
    Documented,
    /// Sibling messages and TrueConf's client code; no doc page.
    Inferred,
    /// What TrueConf's own clients send and read, with file and line; no doc page (the client
    /// tier).
    Client,
}

impl From<crate::load::RawSource> for Source {
    fn from(source: crate::load::RawSource) -> Self {
        match source {
            crate::load::RawSource::Documented => Source::Documented,
            crate::load::RawSource::Inferred => Source::Inferred,
            crate::load::RawSource::Client => Source::Client,
        }
    }
}

impl Source {
    /// The word used in the definitions and in `x-source`: `documented`, `inferred`, `client`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Documented => "documented",
            Source::Inferred => "inferred",
            Source::Client => "client",
        }
    }
}

/// The Rust name of the field in which a struct of the client tier keeps the keys its
/// definition does not list.
pub const UNLISTED_FIELD: &str = "unlisted";

/// The keys a request's envelope handles around its parameters.
pub const REQUEST_ENVELOPE: &[&str] = &["method", "requestId"];
/// The keys a response's envelope handles around its fields.
pub const RESPONSE_ENVELOPE: &[&str] = &["method", "requestId", "result", "error"];
/// The keys a notification's envelope handles around its fields (a notification may still
/// have a field named `result`, as `login` does).
pub const NOTIFICATION_ENVELOPE: &[&str] = &["method", "event"];

/// What every definition has: names, words, provenance.
#[derive(Debug, Clone)]
pub struct DefinitionInfo {
    /// Wire name (messages) or type name (shared types).
    pub wire_name: String,
    /// Rust name of the main item (PascalCase).
    pub rust_name: String,
    /// One line, our words.
    pub summary: String,
    /// More words, if any.
    pub description: Option<String>,
    /// Documented, inferred or client-evidenced.
    pub source: Source,
    /// Doc pages, primary first.
    pub doc_urls: Vec<String>,
    /// Where the facts of a definition without a doc page come from.
    pub evidence: Option<String>,
    /// The definition file, relative to the definitions folder (`commands/sendFile.json`).
    pub file: PathBuf,
}

impl DefinitionInfo {
    /// Whether the structs of this definition keep the keys it does not list (the client
    /// tier: a definition typed from what clients read lists only part of what a Room sends,
    /// so nothing else may be lost).
    pub fn keeps_unlisted(&self) -> bool {
        self.source == Source::Client
    }
}

/// Metadata of a message.
#[derive(Debug, Clone)]
pub struct MessageInfo {
    /// Wire name (`method` or `event`).
    pub wire_name: String,
    /// Rust name of the request / notification struct.
    pub rust_name: String,
    /// Command or notification.
    pub kind: MessageKind,
    /// Names, words, provenance.
    pub definition: DefinitionInfo,
    /// Product version from the doc page.
    pub since: Option<String>,
    /// API versions the message exists in.
    pub api: Vec<u8>,
    /// The other message declared to carry the same body (`commands/<method>` or
    /// `notifications/<event>`), if any.
    pub same_body_as: Option<String>,
}

/// Which side speaks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// Client→server request with a server→client response.
    Command,
    /// Server→client notification.
    Notification,
}

/// A command: request parameters and successful-response fields.
#[derive(Debug, Clone)]
pub struct Command {
    /// Names and metadata.
    pub info: MessageInfo,
    /// Parameters after `method` / `requestId`.
    pub request: Vec<Field>,
    /// Fields of a successful response after `method` / `requestId` / `result`.
    pub response: Vec<Field>,
    /// Rust name of the response payload struct.
    pub response_rust_name: String,
    /// Examples, in file order.
    pub examples: Vec<Example>,
}

/// A notification and its fields.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Names and metadata.
    pub info: MessageInfo,
    /// Fields after `method` / `event`.
    pub fields: Vec<Field>,
    /// Examples, in file order.
    pub examples: Vec<Example>,
}

/// A shared type.
#[derive(Debug, Clone)]
pub enum TypeDef {
    /// A JSON object.
    Record(Record),
    /// An open enumeration.
    Enum(Enum),
    /// A scalar under its own name.
    Newtype(Newtype),
    /// One of several scalar JSON types.
    Union(Union),
}

/// A value that is one of several scalar JSON types, told apart by the JSON type.
#[derive(Debug, Clone)]
pub struct Union {
    /// Names, words, provenance.
    pub definition: DefinitionInfo,
    /// The alternatives, each a different JSON type.
    pub variants: Vec<UnionVariant>,
}

impl Union {
    /// The alternative that is a JSON object, and the record it decodes as. There is at most
    /// one: the alternatives are told apart by JSON type.
    pub fn record_alternative(&self) -> Option<(&UnionVariant, &str)> {
        self.variants.iter().find_map(|variant| match &variant.ty {
            UnionAlternative::Record(record) => Some((variant, record.as_str())),
            UnionAlternative::Scalar(_) => None,
        })
    }

    /// What its decoder expects, as a serde error says it: `a SettingValue value (bool, i64,
    /// f64, string)` (the generated visitor's `expecting`, and the run-time folder decoder's).
    pub fn expecting(&self) -> String {
        let words: Vec<&str> = self.variants.iter().map(|v| v.ty.word()).collect();
        format!(
            "a {} value ({})",
            self.definition.rust_name,
            words.join(", ")
        )
    }
}

/// One alternative of a union.
#[derive(Debug, Clone)]
pub struct UnionVariant {
    /// Rust variant name.
    pub rust_name: String,
    /// Its type: a scalar, or a shared record (the JSON object form).
    pub ty: UnionAlternative,
    /// When the value takes this form.
    pub doc: String,
}

impl UnionVariant {
    /// Its description in the union's JSON Schema: `Name: doc` (the generated impl's, and the
    /// one `schema --definitions` builds from a folder).
    pub fn schema_doc(&self) -> String {
        format!("{}: {}", self.rust_name, self.doc.trim())
    }
}

/// The type of a union alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnionAlternative {
    /// A JSON scalar.
    Scalar(Scalar),
    /// A JSON object, decoded as this shared record.
    Record(String),
}

impl UnionAlternative {
    /// The JSON type that tells this alternative apart (`boolean`, `integer`, `number`,
    /// `string`, `object`).
    pub fn json_type(&self) -> &'static str {
        match self {
            UnionAlternative::Scalar(Scalar::Bool) => "boolean",
            UnionAlternative::Scalar(Scalar::I64 | Scalar::U64) => "integer",
            UnionAlternative::Scalar(Scalar::F64) => "number",
            UnionAlternative::Scalar(_) => "string",
            UnionAlternative::Record(_) => "object",
        }
    }

    /// The word of its type expression (`string`, `i64`, a record name).
    pub fn word(&self) -> &str {
        match self {
            UnionAlternative::Scalar(scalar) => scalar.word(),
            UnionAlternative::Record(name) => name,
        }
    }

    /// As a type reference.
    pub fn type_ref(&self) -> TypeRef {
        match self {
            UnionAlternative::Scalar(scalar) => TypeRef::Scalar(*scalar),
            UnionAlternative::Record(name) => TypeRef::Named(name.clone()),
        }
    }
}

impl TypeDef {
    /// Names, words, provenance.
    pub fn definition(&self) -> &DefinitionInfo {
        match self {
            TypeDef::Record(record) => &record.definition,
            TypeDef::Enum(enumeration) => &enumeration.definition,
            TypeDef::Newtype(newtype) => &newtype.definition,
            TypeDef::Union(union) => &union.definition,
        }
    }
}

/// A shared JSON object type.
#[derive(Debug, Clone)]
pub struct Record {
    /// Names, words, provenance.
    pub definition: DefinitionInfo,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// An open enumeration: listed values get variants, any other value is kept in `Unknown`.
#[derive(Debug, Clone)]
pub struct Enum {
    /// Names, words, provenance.
    pub definition: DefinitionInfo,
    /// The listed values.
    pub values: Vec<EnumValue>,
}

/// One listed enum value.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// The value on the wire.
    pub value: EnumLiteral,
    /// Rust variant name.
    pub rust_name: String,
    /// Meaning, our words.
    pub doc: String,
}

/// An enum value on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EnumLiteral {
    /// A JSON integer.
    Integer(i64),
    /// A JSON string.
    String(String),
}

impl EnumLiteral {
    /// The integer, or 0 for a string (an integer enum's values are all integers; the
    /// generated enum and its schema list them so).
    pub fn as_i64(&self) -> i64 {
        match self {
            EnumLiteral::Integer(number) => *number,
            EnumLiteral::String(_) => 0,
        }
    }

    /// The string, or `""` for an integer (a string enum's values are all strings; the
    /// generated enum and its schema list them so).
    pub fn as_str(&self) -> &str {
        match self {
            EnumLiteral::String(text) => text,
            EnumLiteral::Integer(_) => "",
        }
    }
}

impl Enum {
    /// True when the values are JSON integers.
    pub fn is_integer(&self) -> bool {
        matches!(
            self.values.first(),
            Some(EnumValue {
                value: EnumLiteral::Integer(_),
                ..
            })
        )
    }
}

/// A scalar wrapped under its own name.
#[derive(Debug, Clone)]
pub struct Newtype {
    /// Names, words, provenance.
    pub definition: DefinitionInfo,
    /// The wrapped scalar.
    pub inner: Scalar,
}

/// One field of a message or record.
#[derive(Debug, Clone)]
pub struct Field {
    /// Wire key.
    pub wire_name: String,
    /// Rust field name (snake_case, never a keyword).
    pub rust_name: String,
    /// Its type.
    pub ty: TypeRef,
    /// The key may be absent.
    pub optional: bool,
    /// When it is absent.
    pub absent_when: Option<String>,
    /// The value may be JSON null.
    pub nullable: bool,
    /// What it holds.
    pub doc: String,
    /// Product version that added it.
    pub since: Option<String>,
    /// API versions that have it, when fewer than its message.
    pub api: Option<Vec<u8>>,
    /// The evidence for its presence.
    pub presence: Presence,
    /// Other wire names decoding accepts for it.
    pub aliases: Vec<Alias>,
}

impl Field {
    /// Every key the field may arrive under: its wire name, then its aliases.
    pub fn wire_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.wire_name.as_str())
            .chain(self.aliases.iter().map(|alias| alias.name.as_str()))
    }

    /// Its description in JSON Schema: what it holds, then when it is absent (the generated
    /// impls', and the one `schema --definitions` builds from a folder).
    pub fn schema_description(&self) -> String {
        let mut text = self.doc.trim().to_string();
        if let Some(absent) = &self.absent_when {
            text.push(' ');
            text.push_str(absent.trim());
        }
        text
    }
}

/// The evidence for a field's presence: what the docs say, and what real traffic shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// What the doc text says about the key.
    pub doc: DocStatement,
    /// The page that says it.
    pub url: Option<String>,
    /// Evidence that the key is left out in practice.
    pub observed: Option<String>,
    /// Client tier, parameters: whether every client that sends the command sends the key.
    pub clients: Option<ClientsSend>,
}

/// Which of the clients that send a command send a parameter (client tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientsSend {
    /// Every client that sends the command sends the key in every request it builds.
    Every,
    /// At least one request of a sending client leaves it out.
    Some,
}

impl From<crate::load::RawClients> for ClientsSend {
    fn from(clients: crate::load::RawClients) -> Self {
        match clients {
            crate::load::RawClients::Every => ClientsSend::Every,
            crate::load::RawClients::Some => ClientsSend::Some,
        }
    }
}

/// What the doc text says about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocStatement {
    /// A sentence says it must be given or is always present.
    Mandatory,
    /// Described with no condition.
    Stated,
    /// Present only under a condition, or called optional.
    Conditional,
    /// Described by no page.
    Undescribed,
}

impl From<crate::load::RawDocStatement> for DocStatement {
    fn from(statement: crate::load::RawDocStatement) -> Self {
        match statement {
            crate::load::RawDocStatement::Mandatory => DocStatement::Mandatory,
            crate::load::RawDocStatement::Stated => DocStatement::Stated,
            crate::load::RawDocStatement::Conditional => DocStatement::Conditional,
            crate::load::RawDocStatement::Undescribed => DocStatement::Undescribed,
        }
    }
}

impl DocStatement {
    /// The word used in the definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            DocStatement::Mandatory => "mandatory",
            DocStatement::Stated => "stated",
            DocStatement::Conditional => "conditional",
            DocStatement::Undescribed => "undescribed",
        }
    }
}

/// Another wire name for a field, accepted when decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// The other wire name.
    pub name: String,
    /// Who uses it.
    pub evidence: String,
}

/// A resolved type expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A built-in scalar.
    Scalar(Scalar),
    /// A shared type, by name.
    Named(String),
    /// A JSON array.
    Array(Box<TypeRef>),
    /// A JSON object whose keys are names chosen by the data, every value of one type
    /// (`map<T>` in a definition).
    Map(Box<TypeRef>),
}

/// Written as a definition writes it: `string`, `FileId[]`, `map<SettingValue>`.
impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::Scalar(scalar) => f.write_str(scalar.word()),
            TypeRef::Named(name) => f.write_str(name),
            TypeRef::Array(element) => write!(f, "{element}[]"),
            TypeRef::Map(value) => write!(f, "map<{value}>"),
        }
    }
}

/// Built-in scalar types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// JSON string.
    String,
    /// JSON boolean.
    Bool,
    /// Unsigned 8-bit integer.
    U8,
    /// Unsigned 16-bit integer.
    U16,
    /// Unsigned 32-bit integer.
    U32,
    /// Unsigned 64-bit integer.
    U64,
    /// Signed 8-bit integer.
    I8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer.
    I32,
    /// Signed 64-bit integer.
    I64,
    /// Double-precision number.
    F64,
    /// Any JSON value, kept as is.
    Json,
}

impl Scalar {
    /// Every scalar with the word a type expression uses for it.
    pub const ALL: [(&'static str, Scalar); 12] = [
        ("string", Scalar::String),
        ("bool", Scalar::Bool),
        ("u8", Scalar::U8),
        ("u16", Scalar::U16),
        ("u32", Scalar::U32),
        ("u64", Scalar::U64),
        ("i8", Scalar::I8),
        ("i16", Scalar::I16),
        ("i32", Scalar::I32),
        ("i64", Scalar::I64),
        ("f64", Scalar::F64),
        ("json", Scalar::Json),
    ];

    /// The scalar a type-expression word names.
    pub fn from_word(word: &str) -> Option<Scalar> {
        Self::ALL
            .iter()
            .find(|(candidate, _)| *candidate == word)
            .map(|(_, scalar)| *scalar)
    }

    /// The word a type expression uses for it.
    pub fn word(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, scalar)| *scalar == self)
            .map(|(word, _)| *word)
            .unwrap_or("json")
    }

    /// The inclusive integer range, for integer scalars.
    pub fn integer_range(self) -> Option<(i128, i128)> {
        Some(match self {
            Scalar::U8 => (0, u8::MAX.into()),
            Scalar::U16 => (0, u16::MAX.into()),
            Scalar::U32 => (0, u32::MAX.into()),
            Scalar::U64 => (0, u64::MAX.into()),
            Scalar::I8 => (i8::MIN.into(), i8::MAX.into()),
            Scalar::I16 => (i16::MIN.into(), i16::MAX.into()),
            Scalar::I32 => (i32::MIN.into(), i32::MAX.into()),
            Scalar::I64 => (i64::MIN.into(), i64::MAX.into()),
            _ => return None,
        })
    }
}

/// One example of a message on the wire.
#[derive(Debug, Clone)]
pub struct Example {
    /// Short title.
    pub title: String,
    /// Request, response or notification.
    pub role: ExampleRole,
    /// Documented (copied from `url`), captured from a real Room, or synthetic.
    pub source: ExampleSource,
    /// The page it was copied from.
    pub url: Option<String>,
    /// The example as JSON text (pretty-printed from `json`, or the verbatim `text`).
    pub text: String,
    /// The parsed example; `None` when the site prints it as invalid JSON.
    pub json: Option<serde_json::Value>,
}

/// Where an example comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleSource {
    /// Copied from a doc page.
    Documented,
    /// Sent by a real Room, kept in TrueConf's client code.
    Captured,
    /// Made up for an inferred definition.
    Synthetic,
    /// A request as a pinned TrueConf client builds it (client tier).
    Client,
}

impl From<crate::load::RawExampleSource> for ExampleSource {
    fn from(source: crate::load::RawExampleSource) -> Self {
        match source {
            crate::load::RawExampleSource::Documented => ExampleSource::Documented,
            crate::load::RawExampleSource::Captured => ExampleSource::Captured,
            crate::load::RawExampleSource::Synthetic => ExampleSource::Synthetic,
            crate::load::RawExampleSource::Client => ExampleSource::Client,
        }
    }
}

impl ExampleSource {
    /// `documented`, `captured`, `synthetic` or `client`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExampleSource::Documented => "documented",
            ExampleSource::Captured => "captured",
            ExampleSource::Synthetic => "synthetic",
            ExampleSource::Client => "client",
        }
    }
}

/// Which message an example shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleRole {
    /// A command's request.
    Request,
    /// A command's response.
    Response,
    /// A notification.
    Notification,
}

impl From<crate::load::RawRole> for ExampleRole {
    fn from(role: crate::load::RawRole) -> Self {
        match role {
            crate::load::RawRole::Request => ExampleRole::Request,
            crate::load::RawRole::Response => ExampleRole::Response,
            crate::load::RawRole::Notification => ExampleRole::Notification,
        }
    }
}

impl ExampleRole {
    /// `request`, `response` or `notification`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExampleRole::Request => "request",
            ExampleRole::Response => "response",
            ExampleRole::Notification => "notification",
        }
    }
}

/// API versions as the docs write them: `v.1, v.2`.
pub fn api_list(api: &[u8]) -> String {
    api.iter()
        .map(|v| format!("v.{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
