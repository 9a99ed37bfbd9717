//! JSON Schema for the generated types, assembled from the same facts their serde code uses.
//!
//! Field-level schemas come from the generated [`FieldsSchema::field_schemas`]; this module adds the
//! envelopes (`method`, `requestId`, `result`, `error`, `event`) and the metadata (`title`,
//! `description`, `x-` keys) once for every message. Objects never forbid extra keys, because
//! the decoder accepts them; those of the client tier (`x-source: client`) keep them, and say so
//! with `additionalProperties: true`.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::envelope::{Command, Notification, Request, Response};
use crate::meta::{MessageInfo, Source, TypeInfo};
use crate::wire::Fields;

/// The JSON Schema of a struct's fields: generated for every record, request, payload and
/// notification when the bindings are generated with JSON Schema (the default).
pub trait FieldsSchema: Fields {
    /// JSON Schema of each field, and which are required.
    fn field_schemas(generator: &mut SchemaGenerator) -> FieldSchemas;
}

/// Called once per typed message by the generated `visit_schema_messages`: the way to do
/// something for every message that needs its JSON Schema (the `schema` and `asyncapi`
/// subcommands).
pub trait SchemaVisitor {
    /// Visits one command.
    fn command<C: Command + FieldsSchema>(&mut self)
    where
        C::Response: FieldsSchema;
    /// Visits one notification.
    fn notification<N: Notification + FieldsSchema + JsonSchema>(&mut self);
}

/// The schemas of one struct's fields and which of them are required.
#[derive(Debug, Clone, Default)]
pub struct FieldSchemas {
    /// Property schemas by wire key, in definition order.
    pub properties: Map<String, Value>,
    /// Wire keys that must be present.
    pub required: Vec<String>,
    /// Other wire names decoding accepts, as `(key, alias)`: the alias has the key's schema
    /// and the two are never both present.
    pub aliases: Vec<(String, String)>,
    /// The object keeps the keys it does not list (client tier): `additionalProperties: true`,
    /// said outright.
    pub keeps_unlisted: bool,
}

impl FieldSchemas {
    /// Adds one field.
    /// `api` lists the API versions that have the field, when fewer than its message has
    /// (empty: all); it becomes `x-api-versions`, which `schema --api N` filters on.
    pub fn add(
        &mut self,
        key: &str,
        schema: Schema,
        description: &str,
        required: bool,
        api: &[u8],
    ) {
        let mut value = described(schema.to_value(), description);
        if value == Value::Bool(true) {
            // Any JSON value (`json` fields), spelled out: generators read a schema without a
            // type as an object.
            value = json!({
                "type": ["null", "boolean", "integer", "number", "string", "array", "object"],
                "description": description
            });
        }
        if let (false, Value::Object(object)) = (api.is_empty(), &mut value) {
            object.insert("x-api-versions".to_string(), json!(api));
        }
        self.properties.insert(key.to_string(), value);
        if required {
            self.required.push(key.to_string());
        }
    }

    /// Declares that the object keeps the keys it does not list (a struct of the client tier,
    /// whose `unlisted` holds them).
    pub fn keep_unlisted(&mut self) {
        self.keeps_unlisted = true;
    }

    /// Declares `alias` another wire name of the field `key` added before (which TrueConf's
    /// clients send instead); encoding writes `key`.
    ///
    /// The schema stays the contract for writing a message: a required `key` stays in
    /// `required` (so generated types in other languages require the documented name), and the
    /// alias is described, deprecated and marked `x-alias-of`. A message that carries only the
    /// alias, which the decoder accepts from older clients, does not validate.
    pub fn alias(&mut self, key: &str, alias: &str) {
        let mut schema = self
            .properties
            .get(key)
            .cloned()
            .unwrap_or(Value::Bool(true));
        if let Value::Object(object) = &mut schema {
            object.insert(
                "description".into(),
                json!(format!(
                    "Another name for `{key}` that some clients send; decoding accepts it, encoding writes `{key}`."
                )),
                );
            object.insert("deprecated".into(), Value::Bool(true));
            object.insert("x-alias-of".into(), json!(key));
        }
        self.properties.insert(alias.to_string(), schema);
        self.aliases.push((key.to_string(), alias.to_string()));
    }
}

/// `value` described by `description`: an object schema gets a `description`; a lone `$ref`
/// is wrapped in `allOf` first. A `$ref` with sibling keywords reads, to code generators such
/// as json-schema-to-typescript, as a new type (`FileId1`, `FileId2` …); wrapped in `allOf`
/// the field or alternative keeps its description and the type keeps its one name. Any other
/// value (`true`) is returned as it is.
fn described(mut value: Value, description: &str) -> Value {
    let is_reference = value
        .as_object()
        .is_some_and(|object| object.len() == 1 && object.contains_key("$ref"));
    if is_reference {
        return json!({ "allOf": [value], "description": description });
    }
    if let Value::Object(object) = &mut value {
        object.insert("description".into(), json!(description));
    }
    value
}

/// The facts of a message that its JSON Schema states (`title`, `description`, the `x-` keys),
/// borrowed: from a compiled [`MessageInfo`] (`MessageFacts::from(C::INFO)`), or from a
/// definitions folder read at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageFacts<'a> {
    /// Wire name: the `method` of a command or the `event` of a notification.
    pub wire_name: &'a str,
    /// Name of the Rust type (the request struct or the notification struct).
    pub rust_name: &'a str,
    /// One line on what it does.
    pub summary: &'a str,
    /// Longer description, if the definition has one.
    pub description: Option<&'a str>,
    /// TrueConf Room version that introduced it.
    pub since: Option<&'a str>,
    /// API versions (1, 2) the message exists in.
    pub api: &'a [u8],
    /// Documented or inferred.
    pub source: Source,
    /// Doc pages, primary first.
    pub doc_urls: Vec<&'a str>,
    /// The definition file, as the generated code names it (`schema/commands/sendFile.json`).
    pub definition_file: &'a str,
}

impl<'a> From<&'a MessageInfo> for MessageFacts<'a> {
    fn from(info: &'a MessageInfo) -> Self {
        Self {
            wire_name: info.wire_name,
            rust_name: info.rust_name,
            summary: info.summary,
            description: info.description,
            since: info.since,
            api: info.api,
            source: info.source,
            doc_urls: info.doc_urls.to_vec(),
            definition_file: info.definition_file,
        }
    }
}

impl MessageFacts<'_> {
    /// The schema name (and title) of the command's request: `<RustName>Request`.
    pub fn request_name(&self) -> String {
        request_schema_name(self.rust_name)
    }

    /// The schema name (and title) of the command's response: `<RustName>Response`.
    pub fn response_name(&self) -> String {
        response_schema_name(self.rust_name)
    }
}

/// The schema name (and title) of the request of the command whose Rust name is `rust_name`:
/// `<RustName>Request`. The compiled types and `schema --definitions` both name it so.
pub fn request_schema_name(rust_name: &str) -> String {
    format!("{rust_name}Request")
}

/// The schema name (and title) of the response of the command whose Rust name is
/// `rust_name`: `<RustName>Response`.
pub fn response_schema_name(rust_name: &str) -> String {
    format!("{rust_name}Response")
}

/// The facts of a shared type that its JSON Schema states, borrowed: from a compiled
/// [`TypeInfo`], or from a definitions folder read at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeFacts<'a> {
    /// Rust (and JSON Schema) name.
    pub name: &'a str,
    /// One line on what it holds.
    pub summary: &'a str,
    /// Longer description, if the definition has one.
    pub description: Option<&'a str>,
    /// Documented or inferred.
    pub source: Source,
    /// Doc pages that show it.
    pub doc_urls: Vec<&'a str>,
    /// The definition file, as the generated code names it.
    pub definition_file: &'a str,
}

impl<'a> From<&'a TypeInfo> for TypeFacts<'a> {
    fn from(info: &'a TypeInfo) -> Self {
        Self {
            name: info.name,
            summary: info.summary,
            description: info.description,
            source: info.source,
            doc_urls: info.doc_urls.to_vec(),
            definition_file: info.definition_file,
        }
    }
}

/// `title`, `description` and `x-` metadata of a message schema.
fn message_metadata(
    object: &mut Map<String, Value>,
    title: &str,
    facts: &MessageFacts<'_>,
    direction: &str,
) {
    title_and_description(object, title, facts.summary, facts.description);
    object.insert("x-wire-name".into(), json!(facts.wire_name));
    object.insert("x-direction".into(), json!(direction));
    if let Some(since) = facts.since {
        object.insert("x-since".into(), json!(since));
    }
    object.insert("x-api-versions".into(), json!(facts.api));
    provenance(object, facts.source, &facts.doc_urls, facts.definition_file);
}

/// `title`, `description` and `x-` metadata of a shared type's schema.
fn type_metadata(object: &mut Map<String, Value>, facts: &TypeFacts<'_>) {
    title_and_description(object, facts.name, facts.summary, facts.description);
    provenance(object, facts.source, &facts.doc_urls, facts.definition_file);
}

/// `title`, then `description`: the summary, and the longer description after a blank line.
fn title_and_description(
    object: &mut Map<String, Value>,
    title: &str,
    summary: &str,
    more: Option<&str>,
) {
    object.insert("title".into(), json!(title));
    let mut description = summary.to_string();
    if let Some(more) = more {
        description.push_str("\n\n");
        description.push_str(more);
    }
    object.insert("description".into(), json!(description));
}

/// `x-source`, `x-doc-urls` and `x-definition`, in that order: where a definition comes from.
fn provenance(
    object: &mut Map<String, Value>,
    source: Source,
    doc_urls: &[&str],
    definition_file: &str,
) {
    object.insert("x-source".into(), json!(source.as_str()));
    object.insert("x-doc-urls".into(), json!(doc_urls));
    object.insert("x-definition".into(), json!(definition_file));
}

/// An object schema from envelope properties followed by field schemas.
fn object_schema(
    envelope: Vec<(&str, Value)>,
    envelope_required: &[&str],
    fields: &FieldSchemas,
    fields_required: bool,
) -> Map<String, Value> {
    let mut properties = Map::new();
    for (key, schema) in envelope {
        properties.insert(key.to_string(), schema);
    }
    for (key, schema) in &fields.properties {
        properties.insert(key.clone(), schema.clone());
    }
    let mut required: Vec<&str> = envelope_required.to_vec();
    if fields_required {
        required.extend(fields.required.iter().map(String::as_str));
    }
    let mut object = Map::new();
    object.insert("type".into(), json!("object"));
    object.insert("properties".into(), Value::Object(properties));
    object.insert("required".into(), json!(required));
    // A field and its alias are never both present (the value would be given twice). Said
    // with `dependentSchemas`, which type generators leave alone (an `allOf` with `not` makes
    // json-schema-to-typescript give up on the whole object).
    let exclusive: Map<String, Value> = fields
        .aliases
        .iter()
        .map(|(key, alias)| (alias.clone(), json!({ "not": { "required": [key] } })))
        .collect();
    if !exclusive.is_empty() {
        object.insert("dependentSchemas".into(), Value::Object(exclusive));
    }
    if fields.keeps_unlisted {
        object.insert("additionalProperties".into(), Value::Bool(true));
    }
    object
}

fn request_id_schema(direction: &str) -> Value {
    json!({
        "type": "string",
        "description": format!("Matches a response to its request. Optional; {direction}")
    })
}

/// The schema of a record type (used by the generated `JsonSchema` impls).
pub fn record_schema<T: FieldsSchema>(generator: &mut SchemaGenerator, info: &TypeInfo) -> Schema {
    let fields = T::field_schemas(generator);
    assemble::record(&TypeFacts::from(info), &fields)
}

/// The schema of a whole notification message (used by the generated `JsonSchema` impls).
pub fn notification_schema<N: Notification + FieldsSchema>(
    generator: &mut SchemaGenerator,
) -> Schema {
    let fields = N::field_schemas(generator);
    assemble::notification(&MessageFacts::from(N::INFO), &fields)
}

/// An open integer enum: the listed values with their names, and any other 64-bit integer.
pub fn integer_enum_schema(info: &TypeInfo, values: &[(i64, &str, &str)]) -> Schema {
    assemble::integer_enum(&TypeFacts::from(info), values)
}

/// An open string enum: the listed values with their names, and any other string.
pub fn string_enum_schema(info: &TypeInfo, values: &[(&str, &str, &str)]) -> Schema {
    assemble::string_enum(&TypeFacts::from(info), values)
}

/// A union: `anyOf` the alternatives' schemas, each described.
pub fn union_schema(info: &TypeInfo, alternatives: Vec<(Schema, &str)>) -> Schema {
    assemble::union(&TypeFacts::from(info), alternatives)
}

/// A newtype: the wrapped scalar's schema with the type's own title and description.
pub fn newtype_schema(info: &TypeInfo, inner: Schema) -> Schema {
    assemble::newtype(&TypeFacts::from(info), inner)
}

/// The schemas of messages and shared types from plain data: their facts and their fields'
/// schemas. The generated `JsonSchema` impls (through the functions above and the impls for
/// [`Request`] and [`Response`]) and the `--definitions` exporter, which reads a definitions
/// folder at run time, both assemble their documents here, so the two cannot drift apart.
pub mod assemble {
    use schemars::Schema;
    use serde_json::{json, Map, Value};

    use super::{
        described, message_metadata, object_schema, request_id_schema, type_metadata, FieldSchemas,
        MessageFacts, TypeFacts,
    };

    /// A record: an object of its fields.
    pub fn record(facts: &TypeFacts<'_>, fields: &FieldSchemas) -> Schema {
        let mut object = object_schema(Vec::new(), &[], fields, true);
        type_metadata(&mut object, facts);
        Schema::from(object)
    }

    /// A whole notification message: `"method": "event"`, its `event`, then its fields.
    pub fn notification(facts: &MessageFacts<'_>, fields: &FieldSchemas) -> Schema {
        let mut object = object_schema(
            vec![
                (
                    "method",
                    json!({ "const": "event", "description": "Always \"event\" for a notification." }),
                ),
                (
                    "event",
                    json!({ "const": facts.wire_name, "description": "The notification's name." }),
                ),
            ],
            &["method", "event"],
            fields,
            true,
        );
        message_metadata(&mut object, facts.rust_name, facts, "server-to-client");
        Schema::from(object)
    }

    /// A whole request: `method`, the optional `requestId`, then the command's parameters.
    pub fn request(facts: &MessageFacts<'_>, fields: &FieldSchemas) -> Schema {
        let mut object = object_schema(
            vec![
                (
                    "method",
                    json!({ "const": facts.wire_name, "description": "The command's name." }),
                ),
                ("requestId", request_id_schema("the response echoes it.")),
            ],
            &["method"],
            fields,
            true,
        );
        message_metadata(
            &mut object,
            &facts.request_name(),
            facts,
            "client-to-server",
        );
        Schema::from(object)
    }

    /// A whole response: `oneOf` the success form (`"result": true`, the payload's required
    /// fields required) and the failure form (`"result": false`, `error`, any of the fields).
    pub fn response(facts: &MessageFacts<'_>, fields: &FieldSchemas) -> Schema {
        let name = facts.response_name();
        let method =
            json!({ "const": facts.wire_name, "description": "The command this answers." });
        let request_id = request_id_schema("absent, empty, or the request's value.");
        let mut success = object_schema(
            vec![
                ("method", method.clone()),
                ("requestId", request_id.clone()),
                (
                    "result",
                    json!({ "const": true, "description": "The command succeeded (or was accepted)." }),
                ),
            ],
            &["method", "result"],
            fields,
            true,
        );
        success.insert("title".into(), json!(format!("{name}Success")));
        let mut failure = object_schema(
            vec![
                ("method", method),
                ("requestId", request_id),
                (
                    "result",
                    json!({ "const": false, "description": "The command failed." }),
                ),
                (
                    "error",
                    json!({ "type": "string", "description": "Why the command failed." }),
                ),
            ],
            &["method", "result"],
            fields,
            false,
        );
        failure.insert("title".into(), json!(format!("{name}Failure")));
        let mut object = Map::new();
        object.insert(
            "oneOf".into(),
            json!([Value::Object(success), Value::Object(failure)]),
        );
        message_metadata(&mut object, &name, facts, "server-to-client");
        Schema::from(object)
    }

    /// An open integer enum: the listed `(value, name, doc)`s, and any other 64-bit integer.
    pub fn integer_enum(facts: &TypeFacts<'_>, values: &[(i64, &str, &str)]) -> Schema {
        let listed = values
            .iter()
            .map(|(value, name, doc)| (json!(value), *name, *doc));
        let unknown = json!({
            "type": "integer",
            "minimum": i64::MIN,
            "maximum": i64::MAX,
            "title": format!("{}Unknown", facts.name)
        });
        open_enum(facts, "integer", listed, unknown)
    }

    /// An open string enum: the listed `(value, name, doc)`s, and any other string.
    pub fn string_enum(facts: &TypeFacts<'_>, values: &[(&str, &str, &str)]) -> Schema {
        let listed = values
            .iter()
            .map(|(value, name, doc)| (json!(value), *name, *doc));
        open_enum(
            facts,
            "string",
            listed,
            json!({ "type": "string", "title": format!("{}Unknown", facts.name) }),
        )
    }

    /// `anyOf` the listed values and `unknown`, the schema of any other value the decoder
    /// keeps (titled `<Enum>Unknown`, so generated code names it rather than numbering it).
    /// Variant names go in `x-enum-names`, not in per-value titles (code generators would turn
    /// each title into a global type name), and there is no top-level `type` next to the
    /// `anyOf` (they would intersect the two).
    fn open_enum<'v>(
        facts: &TypeFacts<'_>,
        json_type: &str,
        listed: impl Iterator<Item = (Value, &'v str, &'v str)>,
        unknown: Value,
    ) -> Schema {
        let mut choices = Vec::new();
        let mut values = Vec::new();
        let mut names = Vec::new();
        for (value, name, doc) in listed {
            choices.push(json!({ "const": value, "description": format!("{name}: {doc}") }));
            values.push(value);
            names.push(name);
        }
        let mut unknown = unknown;
        if let Value::Object(object) = &mut unknown {
            object.insert(
                "description".into(),
                json!("Unknown: a value these definitions do not list; clients must accept it."),
            );
        }
        choices.push(unknown);
        let mut object = Map::new();
        object.insert("x-enum-type".into(), json!(json_type));
        object.insert("anyOf".into(), Value::Array(choices));
        object.insert("x-enum-values".into(), Value::Array(values));
        object.insert("x-enum-names".into(), json!(names));
        type_metadata(&mut object, facts);
        Schema::from(object)
    }

    /// A union: `anyOf` the alternatives' `(schema, doc)`s, each described.
    pub fn union(facts: &TypeFacts<'_>, alternatives: Vec<(Schema, &str)>) -> Schema {
        let choices: Vec<Value> = alternatives
            .into_iter()
            // A record alternative keeps its `$ref` alone, as fields do.
            .map(|(schema, doc)| described(schema.to_value(), doc))
            .collect();
        let mut object = Map::new();
        object.insert("anyOf".into(), Value::Array(choices));
        type_metadata(&mut object, facts);
        Schema::from(object)
    }

    /// A newtype: the wrapped scalar's schema with the type's own title and description.
    pub fn newtype(facts: &TypeFacts<'_>, inner: Schema) -> Schema {
        let mut object = match inner.to_value() {
            Value::Object(object) => object,
            _ => Map::new(),
        };
        type_metadata(&mut object, facts);
        Schema::from(object)
    }
}

impl<C: Command + FieldsSchema> JsonSchema for Request<C> {
    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(request_schema_name(C::INFO.rust_name))
    }

    fn schema_id() -> Cow<'static, str> {
        Cow::Owned(format!("trueconf_api::Request<{}>", C::INFO.rust_name))
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let fields = C::field_schemas(generator);
        assemble::request(&MessageFacts::from(C::INFO), &fields)
    }
}

impl<C: Command> JsonSchema for Response<C>
where
    C::Response: FieldsSchema,
{
    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(response_schema_name(C::INFO.rust_name))
    }

    fn schema_id() -> Cow<'static, str> {
        Cow::Owned(format!("trueconf_api::Response<{}>", C::INFO.rust_name))
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let fields = C::Response::field_schemas(generator);
        assemble::response(&MessageFacts::from(C::INFO), &fields)
    }
}
