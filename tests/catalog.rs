//! Every name the project's reference index knows (doc pages, doc mentions, TrueConf's client
//! code) is either typed or catalogued in `schema/known.json`; catalogued names are recognised
//! and kept raw, never confused with unknown ones.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;
use trueconf_api::{
    AnyNotification, AnyResponse, ClientMessage, RawMessage, ServerMessage, COMMAND_NAMES,
    NOTIFICATION_NAMES, UNTYPED_COMMAND_NAMES, UNTYPED_NOTIFICATION_NAMES,
};

#[test]
fn every_indexed_name_is_typed_or_catalogued() {
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/index-names.json").expect("fixture"),
    )
    .expect("json");
    let names = index["names"].as_array().expect("names");
    assert!(names.len() > 400);
    let mut missing = Vec::new();
    for entry in names {
        let (name, kind) = (
            entry["name"].as_str().expect("name"),
            entry["kind"].as_str().expect("kind"),
        );
        let known = match kind {
            "command" => COMMAND_NAMES.contains(&name) || UNTYPED_COMMAND_NAMES.contains(&name),
            _ => NOTIFICATION_NAMES.contains(&name) || UNTYPED_NOTIFICATION_NAMES.contains(&name),
        };
        if !known {
            missing.push(format!("{kind} {name}"));
        }
    }
    assert!(
        missing.is_empty(),
        "neither typed nor catalogued: {missing:?}"
    );
    // The lists are sorted (decoding searches them) and never overlap the typed names.
    for list in [UNTYPED_COMMAND_NAMES, UNTYPED_NOTIFICATION_NAMES] {
        assert!(list.windows(2).all(|pair| pair[0] < pair[1]));
    }
    let typed: BTreeSet<&str> = COMMAND_NAMES.iter().copied().collect();
    assert!(UNTYPED_COMMAND_NAMES
        .iter()
        .all(|name| !typed.contains(name)));
}

/// A command still catalogued: the first of the list (the client tier types them family by
/// family, so no one name stays catalogued for long).
fn catalogued_command() -> &'static str {
    UNTYPED_COMMAND_NAMES
        .first()
        .expect("a catalogued command is left")
}

#[test]
fn catalogued_names_decode_as_untyped_and_keep_their_json() {
    let name = catalogued_command();
    let request = format!(r#"{{"method":"{name}","version":"1"}}"#);
    let decoded = ClientMessage::from_str(&request).expect("decodes");
    assert!(decoded.is_untyped() && !decoded.is_unknown());
    assert_eq!(decoded.method(), name);
    assert_eq!(serde_json::to_string(&decoded).expect("encodes"), request);

    let response = ServerMessage::from_str(&format!(
        r#"{{"method":"{name}","requestId":"","result":true}}"#
    ))
    .expect("decodes");
    assert!(matches!(
        response,
        ServerMessage::Response(AnyResponse::Untyped(_))
    ));
    let event = ServerMessage::from_str(
        r#"{"method":"event","event":"waitingRoomStateChanged","enabled":true}"#,
    )
    .expect("decodes");
    assert!(matches!(
        event,
        ServerMessage::Notification(AnyNotification::Untyped(_))
    ));
    assert!(event.is_untyped());
    let unknown =
        ServerMessage::from_str(r#"{"method":"event","event":"neverHeardOf"}"#).expect("decodes");
    assert!(unknown.is_unknown() && !unknown.is_untyped());

    let mut params = serde_json::Map::new();
    params.insert("deleteFilesFromDisk".into(), true.into());
    let built = RawMessage::request("clearCallHistory", Some("9"), params);
    assert_eq!(
        built.as_str().expect("JSON"),
        r#"{"method":"clearCallHistory","requestId":"9","deleteFilesFromDisk":true}"#
    );
    assert!(ClientMessage::from_str(built.as_str().expect("JSON"))
        .expect("decodes")
        .is_untyped());
}

#[test]
fn check_prints_catalogued_names_as_untyped() {
    let name = catalogued_command();
    let capture = format!(
        "{}\n{}\n{}\n",
        format_args!(r#"{{"method":"{name}","version":"1"}}"#),
        r#"{"method":"event","event":"waitingRoomStateChanged"}"#,
        r#"{"method":"event","event":"neverHeardOf"}"#,
    );
    let output = common::check(&capture, &["-"]);
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            format!("<stdin>:1: ok request {name} (untyped)").as_str(),
            "<stdin>:2: ok notification waitingRoomStateChanged (untyped)",
            "<stdin>:3: unknown notification neverHeardOf",
        ]
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "an unknown name still fails the check"
    );
}
