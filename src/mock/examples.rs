//! The documented examples the mock answers with, read at start-up from the definitions the
//! crate was built from (`BUNDLED_DEFINITIONS`, written by build.rs): no generator runs.
//!
//! For each command the response is its first successful documented example; a command whose
//! definition has none falls back to its first successful example of another source (synthetic
//! or captured), and a command with no response example at all gets every field of its
//! definition with an empty value (`""`, `0`, `false`, `[]`, an enum's first value), so every
//! typed command is answered with something its `Response<C>` decodes and that carries every
//! key a client may look for.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

include!(concat!(env!("OUT_DIR"), "/bundled_definitions.rs"));

/// Where the mock's response to a command comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExampleOrigin {
    /// The first successful documented example of the definition.
    Documented,
    /// No documented success: the first successful example of another source (synthetic or
    /// captured from a real Room).
    Other,
    /// No response example at all: every field of the definition with an empty value.
    Generated,
}

/// A JSON object that keeps its keys in the order they were written, each value as its raw
/// text: the documented examples keep their key order on the wire.
#[derive(Debug, Clone)]
pub struct OrderedObject(Vec<(String, Box<RawValue>)>);

impl OrderedObject {
    /// Parses a JSON object, keeping key order and the text of every value.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The object from a `serde_json::Value` (an object; anything else gives an empty object).
    pub fn from_value(value: &Value) -> Self {
        match value {
            Value::Object(map) => Self::from_map(map),
            _ => Self(Vec::new()),
        }
    }

    fn from_map(map: &Map<String, Value>) -> Self {
        Self(
            map.iter()
                .filter_map(|(key, value)| Some((key.clone(), to_raw(value)?)))
                .collect(),
        )
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| &**value)
    }

    /// Sets `key` to `value`, in place when the key exists, else at the end.
    pub fn set(&mut self, key: &str, value: &Value) {
        let Some(raw) = to_raw(value) else { return };
        match self.0.iter_mut().find(|(name, _)| name == key) {
            Some(entry) => entry.1 = raw,
            None => self.0.push((key.to_string(), raw)),
        }
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.0.retain(|(name, _)| name != key);
    }

    /// The object as a `serde_json::Value` (keys sorted, as `serde_json::Map` keeps them).
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .filter_map(|(key, raw)| Some((key.clone(), serde_json::from_str(raw.get()).ok()?)))
                .collect(),
        )
    }

    /// The message as it goes on the wire: `leading` entries first, in that order, then every
    /// other key of the object in its own order.
    pub fn to_text(&self, leading: &[(&str, &Value)]) -> String {
        let mut text = String::from("{");
        let mut first = true;
        let mut entry = |text: &mut String, key: &str, value: &str| {
            if !first {
                text.push(',');
            }
            first = false;
            let _ = write!(text, "{}:{value}", Value::from(key));
        };
        for (key, value) in leading {
            entry(&mut text, key, &value.to_string());
        }
        for (key, value) in &self.0 {
            if !leading.iter().any(|(name, _)| name == key) {
                entry(&mut text, key, value.get());
            }
        }
        text.push('}');
        text
    }
}

impl PartialEq for OrderedObject {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((a, x), (b, y))| a == b && x.get() == y.get())
    }
}

fn to_raw(value: &Value) -> Option<Box<RawValue>> {
    RawValue::from_string(value.to_string()).ok()
}

impl<'de> Deserialize<'de> for OrderedObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = OrderedObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedObject, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    entries.push((key, value));
                }
                Ok(OrderedObject(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Writes `message` with its envelope first (`method`, then `event` or `requestId`), then the
/// other keys: the order every documented message uses, whatever order `serde_json::Value`
/// keeps its keys in.
pub fn wire_text(message: &Value) -> String {
    let object = OrderedObject::from_value(message);
    let mut leading: Vec<(&str, &Value)> = Vec::new();
    for key in ["method", "event", "requestId"] {
        if let Some(value) = message.get(key) {
            leading.push((key, value));
        }
    }
    match message {
        Value::Object(_) => object.to_text(&leading),
        other => other.to_string(),
    }
}

/// The examples of every typed message, as the mock uses them.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    responses: HashMap<String, (OrderedObject, ExampleOrigin)>,
    echoed: HashMap<String, Vec<String>>,
    requests: HashMap<String, Value>,
    notifications: HashMap<String, OrderedObject>,
    /// Notification → the command without parameters whose response carries its body.
    twins: HashMap<String, String>,
}

impl Examples {
    /// Reads the definitions bundled into the crate at build time.
    ///
    /// Errors only if a bundled definition is not valid JSON, which the build script rules
    /// out; the error names the file.
    pub fn bundled() -> Result<Examples, String> {
        Self::from_files(BUNDLED_DEFINITIONS.iter().copied())
    }

    /// [`Examples::bundled`], read once per process and shared by every mock Room started in
    /// it (the examples never change once read; the outcome, an error included, depends only
    /// on what was bundled at build time).
    pub(super) fn bundled_shared() -> Result<&'static Examples, String> {
        static BUNDLED: OnceLock<Result<Examples, String>> = OnceLock::new();
        BUNDLED
            .get_or_init(Examples::bundled)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Reads definitions given as `(path in the definitions folder, content)`.
    pub fn from_files<'a>(files: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut commands = Vec::new();
        let mut notifications = Vec::new();
        let mut types = HashMap::new();
        for (path, content) in files {
            // Only definitions hold examples (not the catalogue or the evidence index).
            let folder = match path.split_once('/') {
                Some((folder @ ("commands" | "notifications" | "types"), _))
                    if path.ends_with(".json") =>
                {
                    folder
                }
                _ => continue,
            };
            let definition: Value = serde_json::from_str(content)
                .map_err(|error| format!("{path} is not JSON: {error}"))?;
            let name = definition
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match folder {
                "commands" => commands.push((name, definition, content)),
                "notifications" => notifications.push((name, definition, content)),
                "types" => {
                    types.insert(name, definition);
                }
                _ => {}
            }
        }
        let mut examples = Examples::default();
        let mut without_parameters = Vec::new();
        for (name, definition, content) in &commands {
            let list = example_list(content);
            if let Some(request) = list
                .iter()
                .find(|example| example.role == "request" && example.documented)
                .or_else(|| list.iter().find(|example| example.role == "request"))
            {
                examples.requests.insert(name.clone(), request.json.clone());
            }
            let successful = |example: &&Example| {
                example.role == "response"
                    && example.json.is_object()
                    && example.json.get("result") != Some(&Value::Bool(false))
            };
            let response = match list
                .iter()
                .filter(successful)
                .find(|example| example.documented)
            {
                Some(example) => Some((example.object.clone(), ExampleOrigin::Documented)),
                None => list
                    .iter()
                    .find(successful)
                    .map(|example| (example.object.clone(), ExampleOrigin::Other)),
            };
            let response = response.unwrap_or_else(|| {
                let mut object = OrderedObject(Vec::new());
                object.set("method", &Value::from(name.as_str()));
                object.set("requestId", &Value::from("1"));
                let fields = definition.pointer("/response/fields");
                if let Value::Object(payload) = empty_fields(fields, &types, 0) {
                    for (key, value) in &payload {
                        object.set(key, value);
                    }
                }
                object.set("result", &Value::Bool(true));
                (object, ExampleOrigin::Generated)
            });
            // Response fields the example lacks, named like a request parameter: the mock fills
            // them from the request.
            let names = |pointer: &str| -> Vec<String> {
                definition
                    .pointer(pointer)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|field| Some(field.get("name")?.as_str()?.to_string()))
                    .collect()
            };
            let parameters = names("/request/fields");
            if parameters.is_empty() {
                without_parameters.push(name.clone());
            }
            let echoed: Vec<String> = names("/response/fields")
                .into_iter()
                .filter(|field| response.0.get(field).is_none() && parameters.contains(field))
                .collect();
            if !echoed.is_empty() {
                examples.echoed.insert(name.clone(), echoed);
            }
            examples.responses.insert(name.clone(), response);
        }
        for (name, definition, content) in &notifications {
            let twin = definition
                .get("sameBodyAs")
                .and_then(Value::as_str)
                .and_then(|twin| twin.strip_prefix("commands/"));
            if let Some(command) =
                twin.filter(|command| without_parameters.iter().any(|c| c == command))
            {
                examples.twins.insert(name.clone(), command.to_string());
            }
            let list = example_list(content);
            let chosen = list
                .iter()
                .filter(|example| example.role == "notification" && example.json.is_object())
                .min_by_key(|example| !example.documented);
            if let Some(example) = chosen {
                examples
                    .notifications
                    .insert(name.clone(), example.object.clone());
            }
        }
        Ok(examples)
    }

    /// The response the mock sends for `method` (with the example's `requestId`; the mock
    /// replaces it with the request's).
    pub fn response(&self, method: &str) -> Option<&OrderedObject> {
        self.responses.get(method).map(|(object, _)| object)
    }

    /// Where the response of `method` comes from.
    pub fn response_origin(&self, method: &str) -> Option<ExampleOrigin> {
        self.responses.get(method).map(|(_, origin)| *origin)
    }

    /// The response fields of `method` that its example lacks but that are named like one of
    /// its request parameters: the mock fills them from the request (`addToAbook`,
    /// `removeFromAbook` and `renameInAbook` answer with the `peerId` they were given, which
    /// no documented example shows but TrueConf's Python client waits for).
    pub fn echoed_fields(&self, method: &str) -> &[String] {
        self.echoed.get(method).map_or(&[], Vec::as_slice)
    }

    /// The first documented request example of `method`.
    pub fn request(&self, method: &str) -> Option<&Value> {
        self.requests.get(method)
    }

    /// The first documented example of notification `event`.
    pub fn notification(&self, event: &str) -> Option<&OrderedObject> {
        self.notifications.get(event)
    }

    /// The command whose response carries the same body as notification `event`
    /// (`sameBodyAs` in its definition), for commands that take no parameters:
    /// `appStateChanged` → `getAppState`.
    pub fn same_body_as(&self, event: &str) -> Option<&str> {
        self.twins.get(event).map(String::as_str)
    }

    /// Every command that has a response, sorted.
    pub fn commands(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.responses.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// One example of a definition.
struct Example {
    role: String,
    documented: bool,
    json: Value,
    object: OrderedObject,
}

/// The examples of a definition that carry a JSON object, in file order, each kept in its
/// documented key order.
fn example_list(content: &str) -> Vec<Example> {
    let Some(list) = OrderedObject::parse(content).ok().and_then(|definition| {
        serde_json::from_str::<Vec<OrderedObject>>(definition.get("examples")?.get()).ok()
    }) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|example| {
            let text = |key: &str| -> Option<String> {
                serde_json::from_str::<String>(example.get(key)?.get()).ok()
            };
            let object = OrderedObject::parse(example.get("json")?.get()).ok()?;
            Some(Example {
                role: text("role")?,
                documented: text("source").as_deref() == Some("documented"),
                json: object.to_value(),
                object,
            })
        })
        .collect()
}

/// How deep the generated value of a record may nest (records do not form cycles — the build
/// rejects them — so this only guards against a malformed bundle).
const MAX_DEPTH: usize = 16;

/// An object with every field of `fields` set to the empty value of its type.
fn empty_fields(fields: Option<&Value>, types: &HashMap<String, Value>, depth: usize) -> Value {
    let mut object = Map::new();
    for field in fields.and_then(Value::as_array).into_iter().flatten() {
        let (Some(name), Some(ty)) = (
            field.get("name").and_then(Value::as_str),
            field.get("type").and_then(Value::as_str),
        ) else {
            continue;
        };
        object.insert(name.to_string(), smallest(ty, types, depth + 1));
    }
    Value::Object(object)
}

/// The empty value of a definition type: `""`, `0`, `false`, `[]`, `{}`, the first value of
/// an enum, a record with every field empty.
fn smallest(ty: &str, types: &HashMap<String, Value>, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if ty.ends_with("[]") {
        return Value::Array(Vec::new());
    }
    if ty.starts_with("map<") {
        return Value::Object(Map::new());
    }
    match ty {
        "string" => Value::from(""),
        "bool" => Value::Bool(false),
        "json" => Value::Null,
        "f64" | "f32" => Value::from(0.0),
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" => Value::from(0),
        named => match types.get(named) {
            Some(definition) => match definition.get("kind").and_then(Value::as_str) {
                Some("record") => empty_fields(definition.get("fields"), types, depth),
                Some("enum") => definition
                    .pointer("/values/0/value")
                    .cloned()
                    .unwrap_or(Value::Null),
                Some("newtype") => definition
                    .get("type")
                    .and_then(Value::as_str)
                    .map_or(Value::Null, |inner| smallest(inner, types, depth + 1)),
                Some("union") => definition
                    .pointer("/variants/0/type")
                    .and_then(Value::as_str)
                    .map_or(Value::Null, |inner| smallest(inner, types, depth + 1)),
                _ => Value::Null,
            },
            None => Value::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_objects_keep_key_order_and_values() {
        let mut object =
            OrderedObject::parse(r#"{"b": {"z": 1, "a": 2}, "method": "x", "a": [1, 2]}"#)
                .expect("an object");
        object.set("a", &Value::from(5));
        object.set("c", &Value::from("new"));
        let text = object.to_text(&[("method", &Value::from("y"))]);
        assert_eq!(
            text,
            r#"{"method":"y","b":{"z": 1, "a": 2},"a":5,"c":"new"}"#
        );
        object.remove("b");
        assert_eq!(object.get("c").map(RawValue::get), Some(r#""new""#));
        assert!(OrderedObject::parse("[1]").is_err());
    }

    #[test]
    fn wire_text_puts_the_envelope_first() {
        let message: Value = serde_json::from_str(
            r#"{"appState": 3, "event": "appStateChanged", "method": "event"}"#,
        )
        .expect("json");
        assert_eq!(
            wire_text(&message),
            r#"{"method":"event","event":"appStateChanged","appState":3}"#
        );
    }

    #[test]
    fn every_command_gets_a_response_and_documented_ones_come_first() {
        let examples = Examples::bundled().expect("the bundle parses");
        assert!(examples.commands().len() >= 100);
        assert_eq!(
            examples.response_origin("getAppState"),
            Some(ExampleOrigin::Documented)
        );
        // getHardware has only a request example: its response is generated from its fields.
        assert_eq!(
            examples.response_origin("getHardware"),
            Some(ExampleOrigin::Generated)
        );
        let hardware = examples
            .response("getHardware")
            .expect("generated")
            .to_value();
        assert_eq!(hardware["currentAudioCapturerName"], Value::from(""));
        assert_eq!(hardware["videoCapturers"], Value::Array(Vec::new()));
        assert_eq!(hardware["result"], Value::Bool(true));
        // Documented key order is kept.
        let state = examples.response("getAppState").expect("documented");
        assert!(state
            .to_text(&[])
            .starts_with(r#"{"method":"getAppState","requestId":"1","embeddedHttpPort":8766,"#));
        let auth = examples.response("auth").expect("documented").to_value();
        assert_eq!(auth["resultCode"], Value::from(0));
        assert!(examples.notification("receivedFileRequest").is_some());
        assert_eq!(examples.echoed_fields("addToAbook"), ["peerId"]);
        assert_eq!(
            examples.same_body_as("appStateChanged"),
            Some("getAppState")
        );
        assert_eq!(
            examples.same_body_as("hardwareChanged"),
            Some("getHardware")
        );
        // getFileRequestInfo answers per fileRequestId: one body cannot follow its twin.
        assert_eq!(examples.same_body_as("fileRequestStatusChanged"), None);
        assert_eq!(examples.same_body_as("receivedFileRequest"), None);
        assert!(examples.echoed_fields("getFileRequestInfo").is_empty());
    }
}
