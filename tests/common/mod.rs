//! Shared by the integration tests: the model (read from `schema/` by the same loader the build
//! script uses), decoding by role, and edge vectors generated from the definitions.

#![allow(dead_code)]

pub mod counting;
pub mod wire_order;
pub mod wiretap;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use serde_json::{json, Map, Value};
use trueconf_api::{ClientMessage, DecodeError, ServerMessage};
use trueconf_api_codegen::model::{
    ExampleRole, ExampleSource, Field, Model, Scalar, TypeDef, TypeRef,
};

/// The `trueconf-api` binary, ready for arguments.
pub fn tool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trueconf-api"))
}

/// Starts `trueconf-api ARGS`, a server (`mock-room`, `proxy`) that prints where it listens on
/// its first line, with stdout piped and stderr as given; returns it, that line and the rest of
/// its stdout. Give `Stdio::null()` for stderr unless the test reads it: a pipe nobody reads
/// stops a server that logs a lot.
pub fn start_server(args: &[&str], stderr: Stdio) -> (Child, String, BufReader<ChildStdout>) {
    let mut child = tool()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a first line");
    (child, line, stdout)
}

/// The port of the first `scheme://127.0.0.1:PORT` in `line`.
pub fn port_in(line: &str, scheme: &str) -> u16 {
    let prefix = format!("{scheme}://127.0.0.1:");
    let start = line
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {scheme} URL in {line:?}"))
        + prefix.len();
    line[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a port")
}

/// A fresh, empty folder under the system's temporary folder, named after this test process
/// and `name`.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("trueconf-api-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Records in `folder`'s evidence index (`evidence/our-room.json`) that a capture of our own
/// Room carries each `(subject, key)`, on lines 1, 2 … of `capture.jsonl`: what a user who adds
/// fields to a `definitions --out` export writes so that the folder still loads.
pub fn record_capture(folder: &Path, keys: &[(&str, &str)]) {
    let entries: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(line, (subject, key))| {
            json!({ "subject": subject, "key": key, "source": "our-capture",
                    "file": "capture.jsonl", "line": line + 1, "says": "present" })
        })
        .collect();
    let index = json!({
        "description": "What our Room sent, from our own capture (made up for a test).",
        "sources": { "our-capture": {
            "kind": "capture", "url": "https://example.invalid/our-room", "version": "5.1.0",
            "note": "A capture of our Room's traffic." } },
        "entries": entries
    });
    std::fs::write(
        folder.join("evidence/our-room.json"),
        serde_json::to_string_pretty(&index).expect("encodes"),
    )
    .expect("writes");
}

/// Runs the tool with `args` and checks that it exited 0, showing its stderr if not.
pub fn run_ok(args: &[&str]) {
    let output = tool().args(args).output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `trueconf-api check ARGS` started with stdin, stdout and stderr piped.
pub fn spawn_check(args: &[&str]) -> Child {
    tool()
        .arg("check")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs")
}

/// `trueconf-api check ARGS` with `input` on stdin, run to the end.
pub fn check(input: &str, args: &[&str]) -> Output {
    let mut child = spawn_check(args);
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("write");
    }
    child.wait_with_output().expect("finishes")
}

/// The definitions, loaded and validated.
pub fn model() -> Model {
    trueconf_api_codegen::load_model(Path::new("schema"))
        .unwrap_or_else(|problems| panic!("{problems}"))
}

/// One example of a message, by role, with a label for messages and snapshot names.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub role: ExampleRole,
    pub label: String,
    pub source: ExampleSource,
    pub json: Value,
}

/// Every example that is valid JSON (documented, captured and synthetic).
pub fn examples(model: &Model) -> Vec<Case> {
    let mut cases = Vec::new();
    for (info, examples) in model.messages() {
        for (index, example) in examples.iter().enumerate() {
            if let Some(json) = &example.json {
                cases.push(Case {
                    name: info.wire_name.clone(),
                    role: example.role,
                    label: format!("{}-{}-{}", info.wire_name, index, example.role.as_str()),
                    source: example.source,
                    json: json.clone(),
                });
            }
        }
    }
    cases
}

/// Decodes `json` as its role says (typed; an unknown name is a test failure) and returns the
/// re-encoding.
pub fn decode(role: ExampleRole, name: &str, json: &Value) -> Result<Value, DecodeError> {
    let text = serde_json::to_vec(json).expect("test JSON encodes");
    let encoded = match role {
        ExampleRole::Request => {
            let message = ClientMessage::from_slice(&text)?;
            assert!(!message.is_unknown(), "{name}: decoded as unknown");
            assert_eq!(message.method(), name);
            serde_json::to_value(&message)
        }
        ExampleRole::Response | ExampleRole::Notification => {
            let message = ServerMessage::from_slice(&text)?;
            assert!(!message.is_unknown(), "{name}: decoded as unknown");
            assert_eq!(message.name(), name);
            serde_json::to_value(&message)
        }
    };
    Ok(encoded.expect("typed messages re-encode"))
}

/// What a vector must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Decode, and re-encode to this JSON.
    Accept(Value),
    /// Fail, naming this field path.
    Reject(String),
}

/// One mutated example.
#[derive(Debug, Clone)]
pub struct Vector {
    pub case: String,
    pub what: String,
    pub role: ExampleRole,
    pub name: String,
    pub json: Value,
    pub expect: Expect,
}

/// Edge vectors for one example, generated from its definition: every optional field omitted
/// (or added, when the example lacks it),
/// every required one removed, every field of a wrong type or null, unknown extra keys, unknown
/// enum values, the envelope keys broken, and (responses) the failure form.
pub fn edge_vectors(model: &Model, case: &Case) -> Vec<Vector> {
    let mut vectors = Vec::new();
    let mut push = |what: String, json: Value, expect: Expect| {
        vectors.push(Vector {
            case: case.label.clone(),
            what,
            role: case.role,
            name: case.name.clone(),
            json,
            expect,
        })
    };
    let root = &case.json;
    let failed = root.get("result") == Some(&Value::Bool(false));
    let fields: &[Field] = match case.role {
        ExampleRole::Request => &model.command(&case.name).expect("command").request,
        ExampleRole::Response => &model.command(&case.name).expect("command").response,
        ExampleRole::Notification => &model.notification(&case.name).expect("notification").fields,
    };
    let mut field_vectors = Vec::new();
    walk(model, fields, root, "", "", !failed, &mut field_vectors);
    for (what, json, expect) in field_vectors {
        push(what, json, expect);
    }

    // Envelope keys.
    let with = |key: &str, value: Option<Value>| {
        let mut json = root.clone();
        let object = json.as_object_mut().expect("message object");
        match value {
            Some(value) => {
                object.insert(key.to_string(), value);
            }
            None => {
                object.remove(key);
            }
        }
        json
    };
    // `requestId` is an envelope key of requests and responses; in a notification that
    // carries one (contactsSearched) it is a field, covered by the field vectors above.
    if case.role != ExampleRole::Notification && root.get("requestId").is_some() {
        let without = with("requestId", None);
        push(
            "requestId omitted".into(),
            without.clone(),
            Expect::Accept(without),
        );
        let empty = with("requestId", Some(json!("")));
        push(
            "requestId empty".into(),
            empty.clone(),
            Expect::Accept(empty),
        );
        push(
            "requestId a number".into(),
            with("requestId", Some(json!(1))),
            Expect::Reject("requestId".into()),
        );
    }
    push(
        "method removed".into(),
        with("method", None),
        Expect::Reject("method".into()),
    );
    match case.role {
        ExampleRole::Response => {
            push(
                "result removed".into(),
                with("result", None),
                Expect::Reject("result".into()),
            );
            push(
                "result a string".into(),
                with("result", Some(json!("true"))),
                Expect::Reject("result".into()),
            );
            if !failed {
                let mut failure = with("result", Some(json!(false)));
                failure["error"] = json!("synthetic failure");
                push(
                    "as a failure with every field kept".into(),
                    failure.clone(),
                    Expect::Accept(failure),
                );
                let mut bare =
                    json!({ "method": case.name, "result": false, "error": "synthetic failure" });
                if let Some(id) = root.get("requestId") {
                    bare["requestId"] = id.clone();
                }
                push(
                    "as a bare failure".into(),
                    bare.clone(),
                    Expect::Accept(bare),
                );
            }
        }
        ExampleRole::Notification => {
            push(
                "event removed".into(),
                with("event", None),
                Expect::Reject("event".into()),
            );
        }
        ExampleRole::Request => {}
    }
    let extra = with("zzUnknownKey", Some(json!({ "nested": [1, 2] })));
    // The documented tier skips a key it does not list; the client tier keeps it and writes it
    // back.
    let keeps_unlisted = match case.role {
        ExampleRole::Notification => model
            .notification(&case.name)
            .is_some_and(|n| n.info.definition.keeps_unlisted()),
        _ => model
            .command(&case.name)
            .is_some_and(|c| c.info.definition.keeps_unlisted()),
    };
    let re_encoded = if keeps_unlisted {
        extra.clone()
    } else {
        root.clone()
    };
    push(
        "unknown top-level key".into(),
        extra,
        Expect::Accept(re_encoded),
    );
    vectors
}

fn pointer_join(pointer: &str, segment: &str) -> String {
    format!(
        "{pointer}/{}",
        segment.replace('~', "~0").replace('/', "~1")
    )
}

fn path_join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn mutate(root: &Value, pointer: &str, change: impl FnOnce(&mut Map<String, Value>)) -> Value {
    let mut json = root.clone();
    if let Some(Value::Object(object)) = json.pointer_mut(pointer) {
        change(object);
    }
    json
}

/// Vectors for the fields of the object at `pointer` (serde path `path`).
fn walk(
    model: &Model,
    fields: &[Field],
    root: &Value,
    pointer: &str,
    path: &str,
    enforce_required: bool,
    out: &mut Vec<(String, Value, Expect)>,
) {
    let Some(Value::Object(object)) = root.pointer(pointer) else {
        return;
    };
    if !pointer.is_empty() {
        let extra = mutate(root, pointer, |object| {
            object.insert("zzUnknownKey".into(), json!(true));
        });
        out.push((
            format!("unknown key in {path}"),
            extra,
            Expect::Accept(root.clone()),
        ));
    }
    for field in fields {
        let key = &field.wire_name;
        let Some(value) = object.get(key) else {
            // A field the example leaves out must decode when it is there too.
            if let Some(sample) = sample_value(model, &field.ty) {
                let added = mutate(root, pointer, |object| {
                    object.insert(key.clone(), sample);
                });
                out.push((
                    format!("{} added", path_join(path, key)),
                    added.clone(),
                    Expect::Accept(added),
                ));
            }
            continue;
        };
        let field_path = path_join(path, key);
        let field_pointer = pointer_join(pointer, key);
        let removed = mutate(root, pointer, |object| {
            object.remove(key);
        });
        if field.optional || !enforce_required {
            out.push((
                format!("{field_path} omitted"),
                removed.clone(),
                Expect::Accept(removed),
            ));
        } else {
            out.push((
                format!("{field_path} removed"),
                removed,
                Expect::Reject(field_path.clone()),
            ));
        }
        let set = |value: Value| {
            mutate(root, pointer, |object| {
                object.insert(key.clone(), value);
            })
        };
        if let Some(wrong) = wrong_value(model, &field.ty) {
            out.push((
                format!("{field_path} of a wrong type"),
                set(wrong),
                Expect::Reject(field_path.clone()),
            ));
        }
        if field.nullable {
            let null = set(Value::Null);
            out.push((
                format!("{field_path} null"),
                null.clone(),
                Expect::Accept(null),
            ));
        } else if !matches!(field.ty, TypeRef::Scalar(Scalar::Json)) {
            out.push((
                format!("{field_path} null"),
                set(Value::Null),
                Expect::Reject(field_path.clone()),
            ));
        }
        if let Some(unknown) = unknown_enum_value(model, &field.ty) {
            let json = set(unknown);
            out.push((
                format!("{field_path} an unlisted enum value"),
                json.clone(),
                Expect::Accept(json),
            ));
        }
        match (&field.ty, value) {
            (TypeRef::Named(name), Value::Object(_)) => {
                if let Some(record) = model.record(name) {
                    walk(
                        model,
                        &record.fields,
                        root,
                        &field_pointer,
                        &field_path,
                        true,
                        out,
                    );
                }
            }
            (TypeRef::Array(element), Value::Array(items)) => {
                if let TypeRef::Named(name) = element.as_ref() {
                    if let Some(record) = model.record(name) {
                        for index in 0..items.len() {
                            walk(
                                model,
                                &record.fields,
                                root,
                                &format!("{field_pointer}/{index}"),
                                &format!("{field_path}[{index}]"),
                                true,
                                out,
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn wrong_value(model: &Model, ty: &TypeRef) -> Option<Value> {
    Some(match ty {
        TypeRef::Scalar(scalar) => wrong_scalar(*scalar)?,
        TypeRef::Array(_) => json!({ "not": "an array" }),
        TypeRef::Map(_) => json!(["not an object"]),
        TypeRef::Named(name) => match model.types.get(name)? {
            TypeDef::Record(_) => json!("not an object"),
            TypeDef::Newtype(newtype) => wrong_scalar(newtype.inner)?,
            TypeDef::Enum(enumeration) if enumeration.is_integer() => json!("1"),
            TypeDef::Enum(_) => json!(1),
            TypeDef::Union(_) => json!([1]),
        },
    })
}

fn wrong_scalar(scalar: Scalar) -> Option<Value> {
    Some(match scalar {
        Scalar::String => json!(12345),
        Scalar::Bool => json!("true"),
        Scalar::F64 => json!("1.5"),
        Scalar::Json => return None,
        _ => json!("12"),
    })
}

fn unknown_enum_value(model: &Model, ty: &TypeRef) -> Option<Value> {
    match ty {
        TypeRef::Named(name) => match model.types.get(name)? {
            TypeDef::Enum(enumeration) if enumeration.is_integer() => Some(json!(987_654)),
            TypeDef::Enum(_) => Some(json!("zz-unlisted-value")),
            _ => None,
        },
        _ => None,
    }
}

/// A valid value of a type: records get their required fields, arrays one element.
fn sample_value(model: &Model, ty: &TypeRef) -> Option<Value> {
    Some(match ty {
        TypeRef::Scalar(scalar) => sample_scalar(*scalar),
        TypeRef::Array(element) => json!([sample_value(model, element)?]),
        TypeRef::Map(element) => json!({ "someName": sample_value(model, element)? }),
        TypeRef::Named(name) => match model.types.get(name)? {
            TypeDef::Record(record) => {
                let mut object = Map::new();
                for field in record.fields.iter().filter(|field| !field.optional) {
                    object.insert(field.wire_name.clone(), sample_value(model, &field.ty)?);
                }
                Value::Object(object)
            }
            TypeDef::Newtype(newtype) => sample_scalar(newtype.inner),
            TypeDef::Union(union) => sample_value(model, &union.variants.first()?.ty.type_ref())?,
            TypeDef::Enum(enumeration) => match &enumeration.values.first()?.value {
                trueconf_api_codegen::model::EnumLiteral::Integer(number) => json!(number),
                trueconf_api_codegen::model::EnumLiteral::String(text) => json!(text),
            },
        },
    })
}

fn sample_scalar(scalar: Scalar) -> Value {
    match scalar {
        Scalar::String => json!("sample"),
        Scalar::Bool => json!(true),
        Scalar::F64 => json!(1.5),
        Scalar::Json => json!({ "any": ["json"] }),
        _ => json!(7),
    }
}
