//! What a user with a newer Room gets from regenerating: the new messages, fields and values
//! decode and encode through their own `ServerMessage` and `ClientMessage`, on trueconf-api's
//! runtime, where the bundled bindings see unknown names, unknown keys and unknown values; and
//! `diff` says what changed and how it affects clients.

use std::path::Path;

use serde_json::{json, Value};
use trueconf_api::{Command, Direction, Notification};
use trueconf_api_downstream::commands::GetRecordingStatus;
use trueconf_api_downstream::notifications::{AppStateChanged, RecordingStatusChanged};
use trueconf_api_downstream::types::AppState;
use trueconf_api_downstream::{AnyNotification, AnyResponse, ClientMessage, ServerMessage};

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("encodes")
}

#[test]
fn a_new_command_is_sent_and_its_response_decoded() {
    assert_eq!(GetRecordingStatus::METHOD, "getRecordingStatus");
    let request = GetRecordingStatus::new()
        .into_request()
        .with_request_id("7");
    let wire = serde_json::to_value(&request).expect("encodes");
    assert_eq!(
        wire,
        json!({"method": "getRecordingStatus", "requestId": "7"})
    );
    // The request decodes back through the downstream ClientMessage …
    match ClientMessage::from_slice(&bytes(&wire)).expect("decodes") {
        ClientMessage::GetRecordingStatus(decoded) => assert_eq!(decoded, request),
        other => panic!("not typed: {other:?}"),
    }
    // … which the bundled bindings only know as an unknown name.
    assert!(trueconf_api::ClientMessage::from_slice(&bytes(&wire))
        .expect("decodes")
        .is_unknown());

    let reply = json!({"method": "getRecordingStatus", "requestId": "7", "result": true,
                       "recording": true, "fileName": "meeting.mp4"});
    let ServerMessage::Response(AnyResponse::GetRecordingStatus(response)) =
        ServerMessage::from_slice(&bytes(&reply)).expect("decodes")
    else {
        panic!("not the typed response");
    };
    assert_eq!(response.request_id.as_deref(), Some("7"));
    let status = response.result.expect("a success");
    assert_eq!(status.recording, Some(true));
    assert_eq!(status.file_name.as_deref(), Some("meeting.mp4"));
    // The typed path on the runtime, with the downstream type.
    let typed: trueconf_api::Response<GetRecordingStatus> =
        trueconf_api::from_slice(&bytes(&reply)).expect("decodes");
    assert_eq!(serde_json::to_value(&typed).expect("encodes"), reply);
    assert!(trueconf_api::ServerMessage::from_slice(&bytes(&reply))
        .expect("decodes")
        .is_unknown());
}

#[test]
fn a_new_notification_decodes_and_a_bad_one_keeps_the_message() {
    assert_eq!(RecordingStatusChanged::EVENT, "recordingStatusChanged");
    let event = json!({"method": "event", "event": "recordingStatusChanged", "recording": false});
    let ServerMessage::Notification(AnyNotification::RecordingStatusChanged(decoded)) =
        ServerMessage::from_slice(&bytes(&event)).expect("decodes")
    else {
        panic!("not the typed notification");
    };
    assert_eq!(decoded.recording, Some(false));
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), event);

    let bad = json!({"method": "event", "event": "recordingStatusChanged", "recording": "yes"});
    let error = ServerMessage::from_slice(&bytes(&bad)).expect_err("recording is a bool");
    assert_eq!(error.path(), "recording");
    let raw = error.raw_message().expect("kept whole");
    assert_eq!(
        (raw.direction(), raw.name()),
        (Direction::Notification, "recordingStatusChanged")
    );
}

#[test]
fn a_new_field_and_a_new_enum_value_are_typed_in_existing_messages() {
    let event = json!({"method": "event", "event": "appStateChanged", "embeddedHttpPort": 8766,
                       "appState": 7, "desktopSharing": {"running": true, "monitorIndex": 1},
                       "broadcastPicture": {"running": false}, "audioCaptureTest": false});
    let decoded: AppStateChanged = trueconf_api::from_slice(&bytes(&event)).expect("decodes");
    assert_eq!(decoded.app_state, AppState::Presenting);
    assert_eq!(decoded.desktop_sharing.monitor_index, Some(1));
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), event);

    // The bundled bindings keep the value as Unknown and skip the key. Code that reads it
    // through value() sees the same 7 whether the bindings list it or not.
    let old: trueconf_api::notifications::AppStateChanged =
        trueconf_api::from_slice(&bytes(&event)).expect("decodes");
    assert!(!old.app_state.is_known());
    assert_eq!(old.app_state.value(), decoded.app_state.value());
    assert_eq!(old.app_state, trueconf_api::types::AppState::from_value(7));
}

#[test]
fn diff_classifies_the_upgrade_by_what_it_does_to_clients() {
    let load = |folder: &str| {
        trueconf_api_codegen::load_model(Path::new(folder)).unwrap_or_else(|e| panic!("{e}"))
    };
    let report = trueconf_api_codegen::diff::compare(&load("../../schema"), &load("definitions"));
    let changes: Vec<(String, String)> = report
        .changes
        .iter()
        .map(|change| (change.rule.id.to_string(), change.path.clone()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("command-added", "commands.getRecordingStatus"),
        ("notification-added", "notifications.recordingStatusChanged"),
        // A value clients receive: a match over every listed value misses it.
        (
            "received-value-added",
            "notifications.appStateChanged.appState=7",
        ),
        (
            "received-value-added",
            "commands.getAppState.response.appState=7",
        ),
        // A record shared by a response and a notification changes under both.
        (
            "received-field-added",
            "notifications.appStateChanged.desktopSharing.monitorIndex",
        ),
        (
            "received-field-added",
            "commands.getAppState.response.desktopSharing.monitorIndex",
        ),
    ]
    .iter()
    .map(|(rule, path)| (rule.to_string(), path.to_string()))
    .collect();
    let mut sorted = changes.clone();
    sorted.sort();
    let mut expected_sorted = expected;
    expected_sorted.sort();
    assert_eq!(sorted, expected_sorted, "{}", report.to_text());
    let warnings = report
        .changes
        .iter()
        .filter(|change| change.rule.level == trueconf_api_codegen::diff::Level::Warning)
        .count();
    assert_eq!(
        warnings, 2,
        "the two new enum values warn, the rest is info"
    );
    assert!(
        !report.has_breaking(),
        "an upgrade that only adds breaks no client:\n{}",
        report.to_text()
    );
}

/// A name the user's catalogue lists (`known.json`) but no definition types decodes as
/// `Untyped` and keeps its JSON exactly; a name nobody lists stays unknown. The bundled
/// catalogue is empty (every name TrueConf's clients use is typed), so this is where the
/// catalogue's path is exercised.
#[test]
fn a_catalogued_name_decodes_untyped_and_keeps_its_json() {
    assert_eq!(
        trueconf_api_downstream::UNTYPED_COMMAND_NAMES,
        ["getRecordingSchedule"]
    );
    assert_eq!(
        trueconf_api_downstream::UNTYPED_NOTIFICATION_NAMES,
        ["recordingScheduleChanged"]
    );
    let request = r#"{"method":"getRecordingSchedule","requestId":"1","day":"mon"}"#;
    let decoded = ClientMessage::from_str(request).expect("decodes");
    assert!(decoded.is_untyped() && !decoded.is_unknown());
    assert_eq!(decoded.method(), "getRecordingSchedule");
    assert_eq!(serde_json::to_string(&decoded).expect("encodes"), request);
    // The bundled bindings do not know the name at all.
    assert!(trueconf_api::ClientMessage::from_str(request)
        .expect("decodes")
        .is_unknown());

    let reply = r#"{"method":"getRecordingSchedule","requestId":"1","result":true,"slots":[1]}"#;
    let response = ServerMessage::from_str(reply).expect("decodes");
    assert!(matches!(
        response,
        ServerMessage::Response(AnyResponse::Untyped(_))
    ));
    assert_eq!(serde_json::to_string(&response).expect("encodes"), reply);

    let event = r#"{"method":"event","event":"recordingScheduleChanged","x":true}"#;
    let notification = ServerMessage::from_str(event).expect("decodes");
    assert!(matches!(
        notification,
        ServerMessage::Notification(AnyNotification::Untyped(_))
    ));
    assert!(notification.is_untyped());
    let unknown =
        ServerMessage::from_str(r#"{"method":"event","event":"neverHeardOf"}"#).expect("decodes");
    assert!(unknown.is_unknown() && !unknown.is_untyped());
}
