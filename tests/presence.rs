//! The presence rules on real messages: every field the docs state for every state of the Room
//! is still rejected when missing (a "make everything optional" fix fails here), and every state
//! the evidence opened up (a record switched off, an older Room, a client that leaves out an
//! empty list) decodes.

mod common;

use serde_json::{json, Value};
use trueconf_api::{ClientMessage, ServerMessage};
use trueconf_api_codegen::model::{ExampleRole, ExampleSource};
use trueconf_api_codegen::presence::{self, Body};

fn server(json: &Value) -> Result<ServerMessage, trueconf_api::DecodeError> {
    ServerMessage::from_slice(&serde_json::to_vec(json).expect("encodes"))
}

fn client(json: &Value) -> Result<ClientMessage, trueconf_api::DecodeError> {
    ClientMessage::from_slice(&serde_json::to_vec(json).expect("encodes"))
}

/// Which fields the rules make required is part of the API's promise: it is a snapshot, so a
/// change to it (a field made optional, or required) is read and accepted on purpose.
#[test]
fn the_required_fields_are_a_reviewed_list() {
    let model = common::model();
    let mut lines = Vec::new();
    let mut required = 0;
    let mut optional = 0;
    for verdict in presence::verdicts(&model) {
        if verdict.because.is_empty() {
            required += 1;
            lines.push(format!(
                "{} {}: {}",
                verdict.file.display(),
                verdict.at,
                verdict.field.wire_name
            ));
        } else {
            optional += 1;
        }
        // The rules and the definitions agree (the build checks it; this says it again).
        assert_eq!(
            verdict.field.optional,
            !verdict.because.is_empty(),
            "{} {}",
            verdict.file.display(),
            verdict.at
        );
    }
    let text = format!(
        "{required} required and {optional} optional fields\n\n{}\n",
        lines.join("\n")
    );
    insta::assert_snapshot!("required_fields", text);
}

/// For every field the docs state without condition, in every documented example of its
/// message: the example without that key is rejected, and the error names the key. Derived
/// from the evidence (`presence`), not from the `optional` flags, and covering every rule that
/// keeps a field required: received fields of responses and notifications, twins, and sent
/// parameters.
#[test]
fn every_stated_field_is_rejected_when_missing_naming_it() {
    let model = common::model();
    let mut checked = 0;
    let mut failures = Vec::new();
    for verdict in presence::verdicts(&model) {
        if !verdict.because.is_empty() {
            continue;
        }
        let (name, role) = match &verdict.body {
            Body::Request(name) => (name, ExampleRole::Request),
            Body::Response(name) => (name, ExampleRole::Response),
            Body::Notification(name) => (name, ExampleRole::Notification),
            // Records are reached through messages; common::edge_vectors removes their keys.
            Body::Record(_) => continue,
        };
        let examples = match role {
            ExampleRole::Notification => &model.notification(name).expect("defined").examples,
            _ => &model.command(name).expect("defined").examples,
        };
        let key = &verdict.field.wire_name;
        for example in examples {
            let Some(Value::Object(object)) = &example.json else {
                continue;
            };
            if example.role != role
                || example.source != ExampleSource::Documented
                || object.get("result") == Some(&Value::Bool(false))
            {
                continue;
            }
            let mut without = object.clone();
            without.remove(key);
            let without = Value::Object(without);
            let outcome = match role {
                ExampleRole::Request => client(&without).map(|_| ()),
                _ => server(&without).map(|_| ()),
            };
            checked += 1;
            match outcome {
                Err(error) if error.path() == key && error.message().contains(key.as_str()) => {}
                Err(error) => failures.push(format!("{name} without `{key}`: wrong error {error}")),
                Ok(()) => failures.push(format!("{name} without `{key}` was accepted")),
            }
        }
    }
    assert!(checked > 200, "only {checked} vectors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Hand-written, so they do not move with the definitions: fields the docs state for every
/// state of the Room stay required whatever else changes.
#[test]
fn fields_the_docs_state_for_every_state_stay_required() {
    let cases = [
        (
            json!({"method": "event", "event": "appStateChanged", "embeddedHttpPort": 8766,
                   "desktopSharing": {"running": false}, "broadcastPicture": {"running": false},
                   "audioCaptureTest": false}),
            "appState",
        ),
        (
            json!({"method": "getAppState", "requestId": "1", "result": true, "appState": 3,
                   "desktopSharing": {"running": false}, "broadcastPicture": {"running": false},
                   "audioCaptureTest": false}),
            "embeddedHttpPort",
        ),
        (
            json!({"method": "event", "event": "appStateChanged", "embeddedHttpPort": 8766,
                   "appState": 3, "desktopSharing": {}, "broadcastPicture": {"running": false},
                   "audioCaptureTest": false}),
            "desktopSharing.running",
        ),
        (
            json!({"method": "event", "event": "fileTransferAvailabilityChanged"}),
            "availability",
        ),
        (
            json!({"method": "event", "event": "incomingChatMessage", "peerId": "a@b",
                   "time": 1603297004}),
            "message",
        ),
    ];
    for (json, path) in cases {
        let error = server(&json).expect_err(path);
        assert_eq!(error.path(), path, "{error}");
        let field = path.rsplit('.').next().expect("a key");
        assert!(error.to_string().contains(field), "{error}");
    }
    let request = json!({"method": "sendFile", "requestId": "1", "callId": "a@b"});
    let error = client(&request).expect_err("fileId is required");
    assert_eq!(error.path(), "fileId");
}

/// The states the evidence opened up decode: a record switched off, an older Room without the
/// fields later releases added, a client that leaves out an empty list, the other names
/// TrueConf's clients send.
#[test]
fn the_states_the_evidence_opened_up_decode() {
    // Sharing off: `{"running": false}` alone (no sourceType, id or name), and no extended status.
    let off = json!({"method": "event", "event": "appStateChanged", "embeddedHttpPort": 8766,
                     "appState": 4, "desktopSharing": {"running": false},
                     "broadcastPicture": {"running": false}, "audioCaptureTest": false});
    let decoded = server(&off).expect("sharing off decodes");
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), off);

    // An older Room: auth without resultCode, getHardware without the 4.1 audio types.
    let auth = json!({"requestId": "", "method": "auth", "previleges": 2, "token": "t",
                      "tokenForHttpServer": "h", "result": true});
    server(&auth).expect("auth from an older Room decodes");
    let hardware = json!({"method": "getHardware", "requestId": "1", "result": true,
                          "currentAudioCapturerName": "mic", "currentAudioCapturerDescription": "d"});
    server(&hardware).expect("getHardware without the later fields decodes");
    let chat = json!({"event": "incomingChatMessage", "peerId": "a@b", "peerDn": "a",
                      "message": "zzz", "time": 1603297004, "confId": "", "method": "event"});
    server(&chat).expect("a chat message without chatId decodes");

    // A user who is not authorized: getTariffRestrictions carries none of its keys.
    let unauthorized = json!({"method": "getTariffRestrictions", "requestId": "", "result": true});
    server(&unauthorized).expect("an empty tariff decodes");

    // A client that leaves out an empty invite list: accepted, and written back without it.
    let request = json!({"method": "createConference", "title": "t", "confType": "symmetric",
                         "autoAccept": true});
    let decoded = client(&request).expect("createConference without inviteList decodes");
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), request);

    // The other names TrueConf's clients send: accepted, written back under the documented one.
    let legacy = json!({"method": "chatClear", "id": "40hex"});
    let decoded = client(&legacy).expect("chatClear with id decodes");
    assert_eq!(
        serde_json::to_value(&decoded).expect("encodes"),
        json!({"method": "chatClear", "chatId": "40hex"})
    );
    let both = json!({"method": "chatClear", "id": "a", "chatId": "b"});
    let error = client(&both).expect_err("one value given twice");
    assert!(
        error.message().contains("duplicate field `chatId`"),
        "{error}"
    );
    let send = json!({"method": "sendFile", "fileId": 1, "peerId": "a@b"});
    let decoded = client(&send).expect("sendFile with peerId decodes");
    assert_eq!(
        serde_json::to_value(&decoded).expect("encodes"),
        json!({"method": "sendFile", "fileId": 1, "callId": "a@b"})
    );
}
