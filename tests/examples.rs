//! Every example in the definitions is a fixture: it decodes to its typed message, re-encodes
//! to the same JSON (key order aside), and its decoded form and re-encoding are snapshots.

mod common;

use trueconf_api::{ClientMessage, ServerMessage};
use trueconf_api_codegen::model::{ExampleRole, ExampleSource};

#[test]
fn every_example_decodes_and_re_encodes_to_the_same_json() {
    let model = common::model();
    let cases = common::examples(&model);
    assert!(!cases.is_empty());
    for case in &cases {
        let reencoded = common::decode(case.role, &case.name, &case.json)
            .unwrap_or_else(|error| panic!("{}: {error}", case.label));
        assert_eq!(
            reencoded, case.json,
            "{}: re-encoding differs from the example",
            case.label
        );
    }
}

#[test]
fn every_example_has_a_reviewed_snapshot() {
    let model = common::model();
    for case in common::examples(&model) {
        let text = serde_json::to_vec(&case.json).expect("encodes");
        let decoded = match case.role {
            ExampleRole::Request => {
                format!("{:#?}", ClientMessage::from_slice(&text).expect("decodes"))
            }
            _ => format!("{:#?}", ServerMessage::from_slice(&text).expect("decodes")),
        };
        let reencoded = common::decode(case.role, &case.name, &case.json).expect("decodes");
        let source = case.source.as_str();
        let snapshot = format!(
            "{source} example\n\n--- decoded ---\n{decoded}\n\n--- re-encoded ---\n{}\n",
            serde_json::to_string_pretty(&reencoded).expect("encodes")
        );
        insta::assert_snapshot!(case.label.clone(), snapshot);
    }
}

/// A snapshot whose example is gone (renumbered, moved, deleted) would sit unread forever.
#[test]
fn every_example_snapshot_belongs_to_an_example() {
    let model = common::model();
    let labels: std::collections::BTreeSet<String> = common::examples(&model)
        .into_iter()
        .map(|case| format!("examples__{}.snap", case.label))
        .collect();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let orphans: Vec<String> = std::fs::read_dir(&folder)
        .expect("snapshots folder")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("examples__") && name.ends_with(".snap"))
        .filter(|name| !labels.contains(name))
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots without an example: {orphans:?}"
    );
}

/// The seed page's response holds one incoming record (milliseconds) and one outgoing record
/// (seconds); both must decode, and both times must come out right.
#[test]
fn the_seed_page_history_decodes_with_both_timestamp_units() {
    use std::time::{Duration, UNIX_EPOCH};
    use trueconf_api::types::DirectionType;
    use trueconf_api::{AnyResponse, TimestampUnit};

    let model = common::model();
    let example = model
        .command("getFileTransferHistory")
        .expect("defined")
        .examples
        .iter()
        .find(|example| {
            example.role == ExampleRole::Response && example.source == ExampleSource::Documented
        })
        .expect("documented response");
    let ServerMessage::Response(AnyResponse::GetFileTransferHistory(response)) =
        ServerMessage::from_str(&example.text).expect("decodes")
    else {
        panic!("wrong message")
    };
    let history = response.result.expect("success");
    assert_eq!(history.files_requests.len(), 2);
    let incoming = &history.files_requests[0];
    let outgoing = &history.files_requests[1];
    assert_eq!(incoming.direction_type, DirectionType::Incoming);
    assert_eq!(outgoing.direction_type, DirectionType::Outgoing);
    assert_eq!(incoming.timestamp.unit(), TimestampUnit::Milliseconds);
    assert_eq!(outgoing.timestamp.unit(), TimestampUnit::Seconds);
    assert_eq!(
        incoming.timestamp.to_system_time(),
        UNIX_EPOCH.checked_add(Duration::from_millis(1_659_103_698_469))
    );
    assert_eq!(
        outgoing.timestamp.to_system_time(),
        UNIX_EPOCH.checked_add(Duration::from_secs(1_659_251_271))
    );
    // Both land on the same days of July 2022, as the docs' examples were made.
    let days = |time: std::time::SystemTime| {
        time.duration_since(UNIX_EPOCH)
            .expect("after epoch")
            .as_secs()
            / 86_400
    };
    assert_eq!(
        days(incoming.timestamp.to_system_time().expect("time")),
        19_202
    );
    assert_eq!(
        days(outgoing.timestamp.to_system_time().expect("time")),
        19_204
    );
}

/// Every message of the file-transfer family has a definition, and the documented ones carry
/// their documented examples.
#[test]
fn the_whole_file_transfer_family_is_defined() {
    let model = common::model();
    let commands = [
        "getFileTransferHistory",
        "getFileRequestInfo",
        "getFileList",
        "getFileTransferAvailability",
        "sendFileToConference",
        "getOutgoingFilesRequests",
        "getIncomingFilesRequests",
        "clearFileTransferHistory",
        "deleteFileTransferFile",
        "sendFile",
        "acceptIncomingFileRequest",
        "rejectIncomingFileRequest",
    ];
    let notifications = [
        "incomingFileRequestRejected",
        "incomingFileRequestAccepted",
        "fileRequestStatusChanged",
        "fileTransferAvailabilityChanged",
        "receivedFileRequest",
        "fileTransferHistoryCleared",
        "fileDeletedFromFileTransferHistory",
        "outgoingFileRequestSent",
        "outgoingFileRequestSentToConference",
        "incomingFileRequestDownloadingProgress",
        "outgoingFileRequestUploadingProgress",
    ];
    let inferred = [
        "clearFileTransferHistory",
        "deleteFileTransferFile",
        "rejectIncomingFileRequest",
        "sendFileToConference",
        "fileTransferHistoryCleared",
    ];
    let mut documented = 0;
    for (info, examples) in model.messages() {
        let name = info.wire_name.as_str();
        if !commands.contains(&name) && !notifications.contains(&name) {
            continue;
        }
        let is_inferred = inferred.contains(&name);
        assert_eq!(
            info.definition.source == trueconf_api_codegen::model::Source::Inferred,
            is_inferred,
            "{name}: source"
        );
        assert!(!examples.is_empty(), "{name}: no examples");
        // Inferred messages have no page to copy from; documented ones show the page's.
        let documented_examples = examples
            .iter()
            .filter(|example| example.source == ExampleSource::Documented)
            .count();
        assert_eq!(documented_examples > 0, !is_inferred, "{name}");
        if !is_inferred {
            documented += 1;
        }
    }
    for name in commands {
        assert!(
            model.command(name).is_some(),
            "command {name} is not defined"
        );
    }
    for name in notifications {
        assert!(
            model.notification(name).is_some(),
            "notification {name} is not defined"
        );
    }
    assert_eq!(documented, 18);
}

/// Examples the site prints as invalid JSON (a trailing comma) or with a key twice are kept
/// verbatim as documented defects: decoding them reports invalid JSON or the repeated key, and
/// the corrected synthetic copy beside each is what decodes.
#[test]
fn documented_invalid_json_examples_are_reported_and_their_corrected_copies_decode() {
    let model = common::model();
    let mut defects = 0;
    for (info, examples) in model.messages() {
        for (index, example) in examples.iter().enumerate() {
            if example.json.is_some() {
                continue;
            }
            defects += 1;
            assert!(
                example.source == ExampleSource::Documented,
                "{}: verbatim text is only for documented examples",
                info.wire_name
            );
            let error = match example.role {
                ExampleRole::Request => {
                    ClientMessage::from_str(&example.text).expect_err("invalid JSON")
                }
                _ => ServerMessage::from_str(&example.text).expect_err("invalid JSON"),
            };
            match trueconf_api_codegen::examples::first_duplicate_key(&example.text) {
                // A key printed twice: valid JSON, rejected by the decoder, never "last wins".
                Some(key) => assert!(
                    error
                        .message()
                        .contains(&format!("duplicate field `{key}`")),
                    "{}: {error}",
                    info.wire_name
                ),
                None => assert_eq!(
                    error.kind(),
                    trueconf_api::DecodeErrorKind::Syntax,
                    "{}: {error}",
                    info.wire_name
                ),
            }
            let corrected = examples
                .iter()
                .skip(index + 1)
                .find(|other| {
                    other.role == example.role
                        && other.source == ExampleSource::Synthetic
                        && other.json.is_some()
                })
                .unwrap_or_else(|| {
                    panic!(
                        "{}: no corrected copy after the defective example",
                        info.wire_name
                    )
                });
            let reencoded = common::decode(
                corrected.role,
                &info.wire_name,
                corrected.json.as_ref().expect("json"),
            )
            .unwrap_or_else(|error| {
                panic!(
                    "{}: the corrected copy does not decode: {error}",
                    info.wire_name
                )
            });
            assert_eq!(Some(&reencoded), corrected.json.as_ref());
        }
    }
    assert!(
        defects >= 3,
        "the getConferenceParticipants and renameInAbook defects are expected"
    );
}
