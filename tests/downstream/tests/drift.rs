//! The downstream copy of the definitions (`definitions/`) is the crate's bundled folder
//! (`schema/`) plus exactly the intended changes of a simulated Room upgrade, nothing else:
//! a change to `schema/` that is not carried over, or an edit here beyond the five below,
//! fails this test.
//!
//! After changing `schema/`: `UPDATE_DOWNSTREAM=1 cargo test -p trueconf-api-downstream --test drift`
//! rewrites `definitions/` from it (what a user does with `trueconf-api definitions --out`, then
//! their own edits).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

const BUNDLED: &str = "../../schema";
const COPY: &str = "definitions";

/// Every file of a definitions folder (the definition files, the catalogue, the format's schema
/// and README), by path relative to it.
fn files(root: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for folder in ["", "commands", "notifications", "types"] {
        let Ok(entries) = fs::read_dir(root.join(folder)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a folder entry").path();
            let keep = path.is_file()
                && path
                    .extension()
                    .is_some_and(|extension| extension == "json" || extension == "md");
            if keep {
                let relative = path.strip_prefix(root).expect("inside the folder");
                let key = relative.to_string_lossy().replace('\\', "/");
                files.insert(key, fs::read_to_string(&path).expect("readable"));
            }
        }
    }
    files
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("encodes") + "\n"
}

/// Edits one JSON file of the copy.
fn edit(files: &mut BTreeMap<String, String>, path: &str, change: impl FnOnce(&mut Value)) {
    let text = files
        .get(path)
        .unwrap_or_else(|| panic!("{path} is not in the bundled definitions"));
    let mut value: Value = serde_json::from_str(text).expect("a definition is JSON");
    change(&mut value);
    files.insert(path.to_string(), pretty(&value));
}

/// The bundled definitions with the changes a newer Room brings.
fn expected() -> BTreeMap<String, String> {
    let mut files = files(Path::new(BUNDLED));
    let simulated =
        "Not a real TrueConf message: made up for the downstream test, the way a newer \
                     Room release adds one. No doc page describes it.";

    // 1. A new command with a response.
    files.insert(
        "commands/getRecordingStatus.json".to_string(),
        pretty(&json!({
            "$schema": "../definition.schema.json",
            "kind": "command",
            "name": "getRecordingStatus",
            "summary": "Ask whether the Room is recording the conference locally.",
            "source": "inferred",
            "evidence": simulated,
            "since": "5.1.0",
            "api": [2],
            "request": { "fields": [] },
            "response": { "fields": [
                { "name": "recording", "type": "bool", "optional": true,
                  "absentWhen": "Undocumented: a made-up message; the simulated Room always sends it.",
                  "doc": "True while the Room records.", "presence": { "doc": "undescribed" } },
                { "name": "fileName", "type": "string", "optional": true,
                  "absentWhen": "Undocumented: absent while nothing is recorded.",
                  "doc": "Name of the file being written.", "presence": { "doc": "undescribed" } }
            ] },
            "examples": [
                { "title": "Synthetic request", "role": "request", "source": "synthetic",
                  "json": { "method": "getRecordingStatus", "requestId": "1" } },
                { "title": "Synthetic response", "role": "response", "source": "synthetic",
                  "json": { "method": "getRecordingStatus", "requestId": "1", "result": true,
                            "recording": true, "fileName": "meeting.mp4" } }
            ]
        })),
    );

    // 2. A new notification.
    files.insert(
        "notifications/recordingStatusChanged.json".to_string(),
        pretty(&json!({
            "$schema": "../definition.schema.json",
            "kind": "notification",
            "name": "recordingStatusChanged",
            "summary": "The Room started or stopped recording the conference locally.",
            "source": "inferred",
            "evidence": simulated,
            "since": "5.1.0",
            "api": [2],
            "fields": [
                { "name": "recording", "type": "bool", "optional": true,
                  "absentWhen": "Undocumented: a made-up message; the simulated Room always sends it.",
                  "doc": "True while the Room records.", "presence": { "doc": "undescribed" } }
            ],
            "examples": [
                { "title": "Synthetic notification", "role": "notification", "source": "synthetic",
                  "json": { "method": "event", "event": "recordingStatusChanged", "recording": true } }
            ]
        })),
    );

    // 3. A new optional field on an existing record, from a later release.
    edit(&mut files, "types/DesktopSharingState.json", |record| {
        record["fields"]
            .as_array_mut()
            .expect("fields")
            .push(json!({
                "name": "monitorIndex",
                "type": "u32",
                "optional": true,
                "absentWhen": "Undocumented: added in Room 5.1 (simulated); absent from older Rooms and while sharing is off.",
                "since": "5.1.0",
                "doc": "Index of the monitor being shared.",
                "presence": { "doc": "undescribed" }
            }));
    });

    // 4. A new value of an existing enum.
    edit(&mut files, "types/AppState.json", |enumeration| {
        enumeration["values"]
            .as_array_mut()
            .expect("values")
            .push(json!({
                "value": 7,
                "name": "Presenting",
                "doc": "Sharing content in a conference (simulated: a value a newer Room adds)."
            }));
    });
    // 5. Names known before they are typed: the catalogue (`known.json`) lists a command and a
    //    notification, which decode as `Untyped` with their JSON kept.
    edit(&mut files, "known.json", |known| {
        known["commands"] = json!([
            { "name": "getRecordingSchedule", "evidence": simulated, "params": ["day"] }
        ]);
        known["notifications"] = json!([
            { "name": "recordingScheduleChanged", "evidence": simulated }
        ]);
    });
    files
}

#[test]
fn the_copy_is_the_bundled_definitions_plus_the_intended_changes() {
    let expected = expected();
    if std::env::var_os("UPDATE_DOWNSTREAM").is_some() {
        let _ = fs::remove_dir_all(COPY);
        for (relative, content) in &expected {
            let path = PathBuf::from(COPY).join(relative);
            fs::create_dir_all(path.parent().expect("a folder")).expect("create");
            fs::write(path, content).expect("write");
        }
    }
    let actual = files(Path::new(COPY));
    let missing: Vec<&String> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<&String> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let differ: Vec<&String> = expected
        .iter()
        .filter(|(k, v)| actual.get(*k).is_some_and(|a| a != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "definitions/ drifted from schema/ plus the intended changes \
         (rewrite with UPDATE_DOWNSTREAM=1):\nmissing: {missing:?}\nextra: {extra:?}\ndiffer: {differ:?}"
    );
    // The copy really differs where intended, and only there.
    let bundled = files(Path::new(BUNDLED));
    let changed: Vec<&String> = actual
        .iter()
        .filter(|(k, v)| bundled.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        changed,
        [
            "commands/getRecordingStatus.json",
            "known.json",
            "notifications/recordingStatusChanged.json",
            "types/AppState.json",
            "types/DesktopSharingState.json",
        ]
    );
}
