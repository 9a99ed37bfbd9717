//! The client tier (schema/README.md, "The client tier"): definitions of messages no doc page
//! describes, typed from what TrueConf's clients send and read (`"source": "client"`).
//!
//! Checked here against the evidence index (`schema/evidence/clients.json`), for every such
//! definition, so the definitions still to come are covered as they land: each citation is a
//! code site of the index; each parameter is a key the clients send, with their JSON type, and
//! required exactly when every client that sends the command sends it; a received field is
//! `json` unless a client shows its type; and every request a client builds decodes as the
//! typed command and re-encodes to the same JSON. Then the runtime: keys a definition does not
//! list are kept, written back in order, still reported by `check`, and said in the schema.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use trueconf_api::commands::GetLogin;
use trueconf_api::notifications::LogoutEvent;
use trueconf_api::{AnyResponse, ClientMessage, Response, ServerMessage, Source, UnlistedKeys};
use trueconf_api_codegen::client_tier::citations;
use trueconf_api_codegen::model::{
    ClientsSend, DefinitionInfo, Field, Model, Scalar, Source as Tier, TypeDef, TypeRef,
};

/// Sources that repeat another one line for line and are not a client of their own
/// (tests/conformance/client_tier.py, `GROUP`): pyVideoSDK is python-trueconf-room renamed.
const COPIES: [(&str, &str); 1] = [("pyvideosdk-50dbd06", "python-trueconf-room-1.0.0")];
/// Clients whose requests show only the method name (the MAUI kiosk's JSON is built by a
/// library outside its repository): they never decide whether a parameter is required.
const NON_VOTING: [&str; 1] = ["maui-kiosk-70bb34d"];
/// Clients whose models read JSON with Newtonsoft.Json (the MAUI kiosk:
/// DemoKiosk/Data/Models/Events/BaseEvent.cs:1), which matches a property to a key whatever the
/// case: a typed property `isLoggedin` reads the key `isLoggedIn`.
const CASE_INSENSITIVE_READERS: [&str; 1] = ["maui-kiosk-70bb34d"];

fn index() -> Vec<Value> {
    let text = std::fs::read_to_string("schema/evidence/clients.json").expect("the index");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    doc["entries"].as_array().expect("entries").clone()
}

/// The sources whose literals only show the method name: the MAUI kiosk builds its requests
/// inside a NuGet package that is not public (clients.json `family` "maui").
fn names_only_sources() -> BTreeSet<String> {
    let text = std::fs::read_to_string("schema/evidence/clients.json").expect("the index");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    doc["sources"]
        .as_object()
        .expect("sources")
        .iter()
        .filter(|(_, source)| source["family"] == "maui")
        .map(|(id, _)| id.clone())
        .collect()
}

fn client(source: &str) -> &str {
    COPIES
        .iter()
        .find(|(copy, _)| *copy == source)
        .map_or(source, |(_, original)| original)
}

fn text<'a>(entry: &'a Value, key: &str) -> &'a str {
    entry[key].as_str().unwrap_or_default()
}

/// The client-tier definitions: (subjects of the index they may cite, the definition, its
/// request fields, its received fields).
struct TierDefinition<'m> {
    subjects: Vec<String>,
    info: &'m DefinitionInfo,
    method: Option<&'m str>,
    request: &'m [Field],
    received: Vec<(String, &'m [Field])>,
}

fn tier(model: &Model) -> Vec<TierDefinition<'_>> {
    let mut out = Vec::new();
    for command in &model.commands {
        let info = &command.info.definition;
        if info.source != Tier::Client {
            continue;
        }
        let name = &command.info.wire_name;
        out.push(TierDefinition {
            subjects: vec![
                format!("commands/{name}#request"),
                format!("commands/{name}#response"),
            ],
            info,
            method: Some(name),
            request: &command.request,
            received: vec![(format!("commands/{name}#response"), &command.response)],
        });
    }
    for notification in &model.notifications {
        let info = &notification.info.definition;
        if info.source != Tier::Client {
            continue;
        }
        let subject = format!("notifications/{}", notification.info.wire_name);
        out.push(TierDefinition {
            subjects: vec![subject.clone()],
            info,
            method: None,
            request: &[],
            received: vec![(subject, &notification.fields)],
        });
    }
    for definition in model.types.values() {
        let TypeDef::Record(record) = definition else {
            continue;
        };
        if record.definition.source != Tier::Client {
            continue;
        }
        // A record's keys are read under the messages that hold it: any subject may be cited.
        let subject = format!("types/{}", record.definition.wire_name);
        out.push(TierDefinition {
            subjects: Vec::new(),
            info: &record.definition,
            method: None,
            request: &[],
            received: vec![(subject, &record.fields)],
        });
    }
    out
}

#[test]
fn the_tier_has_its_first_definitions() {
    let model = common::model();
    let names: BTreeSet<String> = tier(&model)
        .iter()
        .map(|d| d.info.file.display().to_string().replace('\\', "/"))
        .collect();
    for file in [
        "commands/setUsedApiVersion.json",
        "commands/accept.json",
        "commands/getLogin.json",
        "notifications/logout.json",
    ] {
        assert!(names.contains(file), "{file} missing from {names:?}");
    }
}

/// Each `<source-id> <file>:<line>` of a client-tier definition's evidence is an entry of the
/// index about that message (a record's, about any message), so the evidence names real code.
#[test]
fn every_citation_is_a_code_site_the_index_records_for_the_message() {
    let model = common::model();
    let entries = index();
    for definition in tier(&model) {
        let evidence = definition.info.evidence.as_deref().unwrap_or_default();
        let cited = citations(evidence);
        assert!(
            !cited.is_empty(),
            "{}: no citation",
            definition.info.file.display()
        );
        for citation in cited {
            let found = entries.iter().any(|e| {
                text(e, "source") == citation.source
                    && text(e, "file") == citation.file
                    && e["line"].as_u64() == Some(u64::from(citation.line))
                    && (definition.subjects.is_empty()
                        || definition.subjects.iter().any(|s| s == text(e, "subject")))
            });
            assert!(
                found,
                "{}: `{} {}:{}` is no entry of schema/evidence/clients.json for {:?}",
                definition.info.file.display(),
                citation.source,
                citation.file,
                citation.line,
                definition.subjects
            );
        }
    }
}

/// What the clients send for one command: per key, the JSON types shown and whether every
/// voting client sends it in every request it builds (the rule of
/// tests/conformance/client_tier.py, `request_keys`).
struct Sent {
    types: BTreeMap<String, BTreeSet<String>>,
    every: BTreeMap<String, bool>,
}

fn sent(entries: &[Value], method: &str) -> Sent {
    let subject = format!("commands/{method}#request");
    let sends: Vec<&Value> = entries
        .iter()
        .filter(|e| text(e, "subject") == subject && text(e, "says") == "sends")
        .collect();
    // client -> the key sets of its code sites
    let mut sites: BTreeMap<&str, Vec<BTreeSet<String>>> = BTreeMap::new();
    let mut types: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &sends {
        match e["key"].as_str() {
            None => {
                let keys = e["literal"]
                    .as_object()
                    .expect("literal")
                    .keys()
                    .filter(|k| *k != "method")
                    .cloned()
                    .collect();
                sites
                    .entry(client(text(e, "source")))
                    .or_default()
                    .push(keys);
            }
            Some(key) => {
                let shown = types.entry(key.to_string()).or_default();
                if let Some(t) = e["type"].as_str() {
                    shown.insert(t.to_string());
                }
            }
        }
    }
    let voters: Vec<&Vec<BTreeSet<String>>> = sites
        .iter()
        .filter(|(source, _)| !NON_VOTING.contains(source))
        .map(|(_, keys)| keys)
        .collect();
    let every = types
        .keys()
        .map(|key| {
            let all = !voters.is_empty()
                && voters
                    .iter()
                    .all(|sites| sites.iter().all(|keys| keys.contains(key)));
            (key.clone(), all)
        })
        .collect();
    Sent { types, every }
}

/// Whether a field of type `ty` holds a JSON value of type `json`.
fn holds(model: &Model, ty: &TypeRef, json: &str) -> bool {
    match ty {
        TypeRef::Scalar(Scalar::Json) => true,
        TypeRef::Scalar(Scalar::String) => json == "string",
        TypeRef::Scalar(Scalar::Bool) => json == "boolean",
        TypeRef::Scalar(Scalar::F64) => json == "number" || json == "integer",
        TypeRef::Scalar(_) => json == "integer",
        TypeRef::Array(_) => json == "array",
        TypeRef::Map(_) => json == "object",
        TypeRef::Named(name) => match model.types.get(name) {
            Some(TypeDef::Record(_)) => json == "object",
            Some(TypeDef::Newtype(newtype)) => holds(model, &TypeRef::Scalar(newtype.inner), json),
            Some(TypeDef::Enum(enumeration)) => {
                json == if enumeration.is_integer() {
                    "integer"
                } else {
                    "string"
                }
            }
            Some(TypeDef::Union(union)) => union.variants.iter().any(|v| {
                v.ty.json_type() == json || (json == "integer" && v.ty.json_type() == "number")
            }),
            None => false,
        },
    }
}

/// A parameter's name and JSON type come from the clients' literals, and it is required
/// exactly when every client that sends the command sends it; every key a client sends is a
/// parameter.
#[test]
fn parameters_follow_the_literals_and_the_every_client_rule() {
    let model = common::model();
    let entries = index();
    let mut checked = 0;
    for definition in tier(&model) {
        let Some(method) = definition.method else {
            continue;
        };
        let sent = sent(&entries, method);
        let listed: BTreeSet<&str> = definition
            .request
            .iter()
            .flat_map(Field::wire_names)
            .collect();
        for key in sent.types.keys() {
            assert!(
                listed.contains(key.as_str()),
                "{method}: clients send `{key}`, which the definition does not list"
            );
        }
        for field in definition.request {
            let key = &field.wire_name;
            let types = sent
                .types
                .get(key)
                .unwrap_or_else(|| panic!("{method}: no client sends `{key}`"));
            let shown: BTreeSet<&str> = types
                .iter()
                .map(String::as_str)
                .filter(|t| *t != "null")
                .collect();
            match shown.len() {
                0 | 1 => {
                    for t in &shown {
                        assert!(
                            holds(&model, &field.ty, t),
                            "{method}.{key}: clients send a JSON {t}, the definition says {}",
                            field.ty
                        );
                    }
                }
                _ => assert_eq!(
                    field.ty,
                    TypeRef::Scalar(Scalar::Json),
                    "{method}.{key}: clients disagree on the type ({shown:?}): `json`"
                ),
            }
            let every = sent.every[key];
            let recorded = field.presence.clients;
            assert_eq!(
                recorded,
                Some(if every {
                    ClientsSend::Every
                } else {
                    ClientsSend::Some
                }),
                "{method}.{key}: the index says every={every}"
            );
            assert_eq!(field.optional, !every, "{method}.{key}: optional");
            checked += 1;
        }
    }
    assert!(checked >= 1, "setUsedApiVersion's `version` at least");
}

/// A received field is `json` unless a client shows its JSON type (a typed read), and then it
/// has that type.
#[test]
fn received_fields_are_json_unless_a_client_shows_the_type() {
    let model = common::model();
    let entries = index();
    for definition in tier(&model) {
        for (subject, fields) in &definition.received {
            for field in *fields {
                let names: BTreeSet<&str> = field.wire_names().collect();
                let reads = |e: &Value, key: &str| {
                    names.contains(key)
                        || (CASE_INSENSITIVE_READERS.contains(&text(e, "source"))
                            && names.iter().any(|name| name.eq_ignore_ascii_case(key)))
                };
                let shown: BTreeSet<&str> = entries
                    .iter()
                    .filter(|e| {
                        (subject.starts_with("types/") || text(e, "subject") == subject)
                            && e["key"].as_str().is_some_and(|k| reads(e, k))
                            && matches!(text(e, "says"), "reads" | "requires")
                    })
                    .filter_map(|e| e["type"].as_str())
                    .collect();
                let key = &field.wire_name;
                assert!(field.optional, "{subject}.{key}: received, so optional");
                if shown.is_empty() {
                    assert_eq!(
                        field.ty,
                        TypeRef::Scalar(Scalar::Json),
                        "{subject}.{key}: no client shows its type, so `json`"
                    );
                } else {
                    for t in shown {
                        assert!(
                            holds(&model, &field.ty, t),
                            "{subject}.{key}: a client reads a JSON {t}, the definition says {}",
                            field.ty
                        );
                    }
                }
            }
        }
    }
}

/// Item 5 of issue 18: every client-tier command has a round-trip vector taken from the
/// client's own literal. Every request a client builds for one decodes as the typed command,
/// with nothing left unlisted, and re-encodes to the same JSON.
#[test]
fn every_client_literal_of_a_client_tier_command_round_trips() {
    let model = common::model();
    let methods: BTreeSet<&str> = tier(&model).iter().filter_map(|d| d.method).collect();
    let mut per_method: BTreeMap<&str, usize> = BTreeMap::new();
    let names_only = names_only_sources();
    assert!(!names_only.is_empty(), "the MAUI kiosk is in the index");
    for entry in index() {
        if text(&entry, "says") != "sends"
            || !entry["key"].is_null()
            || names_only.contains(text(&entry, "source"))
        {
            continue;
        }
        let literal = &entry["literal"];
        let method = literal["method"].as_str().expect("method");
        let Some(&method) = methods.get(method) else {
            continue;
        };
        let bytes = serde_json::to_vec(literal).expect("encodes");
        let decoded =
            ClientMessage::from_slice(&bytes).unwrap_or_else(|error| panic!("{literal}: {error}"));
        assert!(
            !decoded.is_untyped() && !decoded.is_unknown(),
            "{literal}: not typed"
        );
        let re_encoded = serde_json::to_value(&decoded).expect("re-encodes");
        assert_eq!(
            &re_encoded,
            literal,
            "{}:{}",
            text(&entry, "file"),
            entry["line"]
        );
        // Nothing of a client's request is left to `unlisted`: the definition lists it all.
        let listed = trueconf_api::__private::without_unlisted_keys(|| {
            serde_json::to_value(&decoded).expect("re-encodes")
        });
        assert_eq!(&listed, literal, "{literal}: a key went to `unlisted`");
        *per_method.entry(method).or_default() += 1;
    }
    for method in &methods {
        assert!(
            per_method.get(method).copied().unwrap_or(0) > 0,
            "{method}: no client literal in the index"
        );
    }
    assert!(per_method["setUsedApiVersion"] >= 6, "{per_method:?}");
}

/// What the Room sends beyond the listed fields is kept, with its exact text and in arrival
/// order, and written back after the listed fields: the message goes through unchanged.
#[test]
fn a_client_tier_response_keeps_the_keys_it_does_not_list() {
    let text = r#"{"method":"getLogin","requestId":"1","result":true,"isLoggedIn":true,"peerId":"user@some.server","zeta":1e400,"extra":{"x":[1,2.50]},"alpha":null}"#;
    let response: Response<GetLogin> = trueconf_api::from_slice(text.as_bytes()).expect("decodes");
    let payload = response.result.as_ref().expect("success");
    assert_eq!(payload.is_logged_in, Some(true));
    assert_eq!(payload.peer_dn, None);
    let kept: Vec<(&str, &str)> = payload
        .unlisted
        .iter()
        .map(|(key, value)| (key, value.get()))
        .collect();
    assert_eq!(
        kept,
        [
            ("zeta", "1e400"),
            ("extra", r#"{"x":[1,2.50]}"#),
            ("alpha", "null")
        ]
    );
    assert_eq!(serde_json::to_string(&response).expect("encodes"), text);

    // Through the dispatch, and in a failed response's fields too.
    let failed = r#"{"method":"getLogin","result":false,"error":"busy","retryIn":5}"#;
    match ServerMessage::from_str(failed).expect("decodes") {
        ServerMessage::Response(AnyResponse::GetLogin(response)) => {
            let failure = response.result.as_ref().expect_err("failure");
            assert_eq!(
                failure.fields.unlisted.get("retryIn").map(|v| v.get()),
                Some("5")
            );
            assert_eq!(serde_json::to_string(&response).expect("encodes"), failed);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_client_tier_notification_keeps_the_keys_it_does_not_list() {
    // Listed fields in definition order, then the unlisted ones as they came.
    let text = r#"{"method":"event","event":"logout","result":0,"cause":3,"by":"admin@some.server","when":[1,{"deep":[]}]}"#;
    let logout: LogoutEvent = trueconf_api::from_slice(text.as_bytes()).expect("decodes");
    assert_eq!(logout.cause, Some(json!(3)));
    let keys: Vec<&str> = logout.unlisted.iter().map(|(key, _)| key).collect();
    assert_eq!(keys, ["by", "when"]);
    assert_eq!(serde_json::to_string(&logout).expect("encodes"), text);
    // A key given twice is an error, among unlisted keys as among fields, naming the key.
    let twice = r#"{"method":"event","event":"logout","b":1,"a":2,"b":3}"#;
    let error = ServerMessage::from_str(twice).expect_err("duplicate");
    assert_eq!(error.path(), "b");
    assert!(error.to_string().contains("duplicate field `b`"), "{error}");
}

/// Thousands of unlisted keys decode (the duplicate check sorts once; it does not search per
/// key), and one repeated at the very end is still found.
#[test]
fn many_unlisted_keys_decode_and_a_late_duplicate_is_found() {
    let mut text = String::from(r#"{"method":"event","event":"logout""#);
    for index in 0..20_000 {
        text.push_str(&format!(r#","k{index}":{index}"#));
    }
    let ok = format!("{text}}}");
    let logout: LogoutEvent = trueconf_api::from_slice(ok.as_bytes()).expect("decodes");
    assert_eq!(logout.unlisted.len(), 20_000);
    assert_eq!(
        logout.unlisted.get("k19999").map(|v| v.get()),
        Some("19999")
    );
    let twice = format!(r#"{text},"k7":0}}"#);
    let error = trueconf_api::from_slice::<LogoutEvent>(twice.as_bytes()).expect_err("duplicate");
    assert_eq!(error.path(), "k7");
}

/// Keys a user adds are written after the fields; one the definition lists, or an envelope
/// key, would be written twice and is refused.
#[test]
fn unlisted_keys_set_by_hand_are_written_and_listed_ones_refused() {
    let mut logout = LogoutEvent::new();
    logout.unlisted.insert_json("by", "admin").expect("encodes");
    assert_eq!(
        serde_json::to_string(&logout).expect("encodes"),
        r#"{"method":"event","event":"logout","by":"admin"}"#
    );
    for reserved in ["cause", "event", "method"] {
        let mut bad = LogoutEvent::new();
        bad.unlisted.insert_json(reserved, &1).expect("encodes");
        let error = serde_json::to_string(&bad).expect_err("refused");
        assert!(error.to_string().contains(reserved), "{error}");
    }
    // Equal values in other spellings are equal; other values are not.
    let a: UnlistedKeys = [(
        "x",
        serde_json::value::to_raw_value(&json!({"a": 1})).unwrap(),
    )]
    .into_iter()
    .collect();
    let b: UnlistedKeys = [(
        "x",
        serde_json::value::RawValue::from_string(r#"{ "a" : 1 }"#.into()).unwrap(),
    )]
    .into_iter()
    .collect();
    let c: UnlistedKeys = [(
        "x",
        serde_json::value::to_raw_value(&json!({"a": 2})).unwrap(),
    )]
    .into_iter()
    .collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// `check` reports the keys a client-tier definition does not list as unknown fields, on the
/// compiled types and on a definitions folder alike, although the types keep them.
#[test]
fn check_still_reports_unlisted_keys_as_unknown_fields() {
    let input = concat!(
        r#"{"method":"getLogin","result":true,"isLoggedIn":false,"zeta":1,"extra":{"x":1}}"#,
        "\n",
        r#"{"method":"event","event":"logout","cause":1,"by":"admin"}"#,
        "\n",
    );
    for args in [&[][..], &["--definitions", "schema"][..]] {
        let output = common::check(input, args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stdout}");
        assert!(
            stdout.contains("ok response getLogin (unknown fields: extra, zeta)"),
            "{args:?}: {stdout}"
        );
        assert!(
            stdout.contains("ok notification logout (unknown fields: by)"),
            "{args:?}: {stdout}"
        );
    }
}

/// The tier is visible: `Source::Client` in `INFO`, rustdoc-free facts in `MessageInfo`, and
/// `x-source: "client"` with `additionalProperties: true` in the JSON Schema.
#[test]
fn the_tier_shows_in_the_metadata_and_the_schema() {
    use trueconf_api::{Command, Notification};
    assert_eq!(GetLogin::INFO.source, Source::Client);
    assert_eq!(LogoutEvent::INFO.source, Source::Client);
    assert!(GetLogin::INFO.doc_urls.is_empty());
    assert!(GetLogin::INFO
        .evidence
        .is_some_and(|e| e.contains("trueconf_room/consts.py:896")));

    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let response = generator.root_schema_for::<Response<GetLogin>>().to_value();
    assert_eq!(response["x-source"], "client");
    for form in response["oneOf"].as_array().expect("success and failure") {
        assert_eq!(form["additionalProperties"], true, "{form}");
        assert!(form["required"]
            .as_array()
            .expect("required")
            .iter()
            .all(|key| ["method", "result"].contains(&key.as_str().unwrap_or_default())));
    }
    let notification = generator.root_schema_for::<LogoutEvent>().to_value();
    assert_eq!(notification["x-source"], "client");
    assert_eq!(notification["additionalProperties"], true);
    // A documented message says nothing of the kind.
    let documented = generator
        .root_schema_for::<trueconf_api::notifications::FileTransferAvailabilityChanged>()
        .to_value();
    assert_eq!(documented["x-source"], "documented");
    assert!(documented.get("additionalProperties").is_none());
}

/// The exported bundle and the AsyncAPI document carry the tier too.
#[test]
fn the_bundle_and_asyncapi_list_the_tier() {
    let dir = common::temp_dir("client-tier-schema");
    let out = dir.to_str().expect("utf-8 path");
    common::run_ok(&["schema", "--out", out]);
    let bundle: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("trueconf-api.json")).expect("bundle"),
    )
    .expect("JSON");
    let client = &bundle["x-tiers"]["client"];
    assert!(client["commands"]
        .as_array()
        .expect("commands")
        .contains(&json!("setUsedApiVersion")));
    assert!(client["notifications"]
        .as_array()
        .expect("notifications")
        .contains(&json!("logout")));
    assert!(!bundle["x-tiers"]["documented"]["commands"]
        .as_array()
        .expect("documented")
        .contains(&json!("setUsedApiVersion")));
    assert_eq!(
        bundle["$defs"]["SetUsedApiVersionRequest"]["x-source"],
        "client"
    );
    let file = dir.join("asyncapi.json");
    common::run_ok(&["asyncapi", "--out", file.to_str().expect("utf-8")]);
    let asyncapi: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("asyncapi")).expect("JSON");
    assert_eq!(
        asyncapi["components"]["messages"]["GetLoginResponse"]["x-source"],
        "client"
    );
    assert_eq!(
        asyncapi["components"]["messages"]["SendFileRequest"]["x-source"],
        "documented"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
