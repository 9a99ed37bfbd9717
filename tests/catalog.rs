//! Every name the project's reference index knows (doc pages, doc mentions, TrueConf's client
//! code) is either typed or catalogued in `schema/known.json`; catalogued names are recognised
//! and kept raw, never confused with unknown ones.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;
use trueconf_api::{
    ClientMessage, RawMessage, ServerMessage, COMMAND_NAMES, NOTIFICATION_NAMES,
    UNTYPED_COMMAND_NAMES, UNTYPED_NOTIFICATION_NAMES,
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

/// The bundled catalogue is empty: every name TrueConf's clients send or handle has a
/// definition (the client tier), so nothing the bundled bindings meet decodes as `Untyped`. The
/// catalogue's own path is tested where a catalogue exists: the downstream crate
/// (tests/downstream/tests/upgrade.rs) and `check --definitions` below.
#[test]
fn the_bundled_catalogue_is_empty_and_raw_requests_still_decode() {
    assert!(
        UNTYPED_COMMAND_NAMES.is_empty(),
        "{UNTYPED_COMMAND_NAMES:?}"
    );
    assert!(
        UNTYPED_NOTIFICATION_NAMES.is_empty(),
        "{UNTYPED_NOTIFICATION_NAMES:?}"
    );
    // A request built raw, of a command typed in the client tier, decodes as that type.
    let mut params = serde_json::Map::new();
    params.insert("deleteFilesFromDisk".into(), true.into());
    let built = RawMessage::request("clearCallHistory", Some("9"), params);
    let text = built.as_str().expect("JSON");
    assert_eq!(
        text,
        r#"{"method":"clearCallHistory","requestId":"9","deleteFilesFromDisk":true}"#
    );
    let decoded = ClientMessage::from_str(text).expect("decodes");
    assert!(
        matches!(decoded, ClientMessage::ClearCallHistory(_)),
        "{decoded:?}"
    );
    assert_eq!(serde_json::to_string(&decoded).expect("encodes"), text);
    let unknown =
        ServerMessage::from_str(r#"{"method":"event","event":"neverHeardOf"}"#).expect("decodes");
    assert!(unknown.is_unknown() && !unknown.is_untyped());
}

/// `check --definitions` with a folder whose catalogue lists names (the downstream crate's
/// copy): catalogued names are `ok … (untyped)`, in text and JSON, and unknown ones fail.
#[test]
fn check_prints_catalogued_names_as_untyped() {
    let capture = format!(
        "{}\n{}\n{}\n",
        r#"{"method":"getRecordingSchedule","day":"mon"}"#,
        r#"{"method":"event","event":"recordingScheduleChanged"}"#,
        r#"{"method":"event","event":"neverHeardOf"}"#,
    );
    let folder = ["--definitions", "tests/downstream/definitions"];
    let output = common::check(&capture, &[folder[0], folder[1], "-"]);
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "<stdin>:1: ok request getRecordingSchedule (untyped)",
            "<stdin>:2: ok notification recordingScheduleChanged (untyped)",
            "<stdin>:3: unknown notification neverHeardOf",
        ]
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "an unknown name still fails the check"
    );
    let output = common::check(&capture, &[folder[0], folder[1], "--format", "json", "-"]);
    let first: Value = serde_json::from_str(
        String::from_utf8(output.stdout)
            .expect("utf-8")
            .lines()
            .next()
            .expect("a line"),
    )
    .expect("JSON");
    assert_eq!(first["untyped"], Value::Bool(true), "{first}");
    assert_eq!(first["verdict"], "ok");
}
