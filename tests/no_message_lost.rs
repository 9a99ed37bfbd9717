//! No message is lost: once a message's name was read, a failure to decode it still hands the
//! whole message over (`DecodeError::raw_message`: name, direction, the bytes as received),
//! through every entry point; and one bad message never affects the next.

use trueconf_api::commands::GetFileList;
use trueconf_api::notifications::FileTransferAvailabilityChanged;
use trueconf_api::{ClientMessage, DecodeError, Direction, Request, Response, ServerMessage};

/// The error's raw message must be exactly `json`, named and directed as expected.
fn assert_kept(error: &DecodeError, direction: Direction, name: &str, json: &[u8]) {
    let raw = error
        .raw_message()
        .unwrap_or_else(|| panic!("no raw message in {error}"));
    assert_eq!(raw.direction(), direction, "{error}");
    assert_eq!(raw.name(), name, "{error}");
    assert_eq!(raw.as_bytes(), json, "the message whole, as received");
}

const MISSING_FIELD: &str =
    r#"{"method":"event","event":"fileTransferAvailabilityChanged","extra":1}"#;
const REORDERED: &str =
    r#"{"availability":"high","event":"fileTransferAvailabilityChanged","method":"event"}"#;
const BAD_RESPONSE: &str = r#"{"method":"getFileList","requestId":"4","result":true,"fileList":[{"fileId":"1","fileName":7}]}"#;
const BAD_REQUEST: &str =
    r#"{"method":"sendFile","requestId":"1","fileId":"not a number","callId":"a@b"}"#;

#[test]
fn a_notification_that_fails_is_kept_whole() {
    for json in [MISSING_FIELD, REORDERED] {
        let error = ServerMessage::from_str(json).expect_err("bad payload");
        assert_kept(
            &error,
            Direction::Notification,
            "fileTransferAvailabilityChanged",
            json.as_bytes(),
        );
        let raw = error.raw_message().expect("kept");
        // Valid JSON: it can be looked into and re-encoded as it was.
        assert_eq!(raw.as_str(), Some(json));
        assert_eq!(serde_json::to_string(raw).expect("re-encodes"), json);
        assert!(raw.to_value().is_some());
    }
    let error =
        trueconf_api::from_slice::<FileTransferAvailabilityChanged>(MISSING_FIELD.as_bytes())
            .expect_err("availability is required");
    assert_eq!(error.path(), "availability");
    assert_kept(
        &error,
        Direction::Notification,
        "fileTransferAvailabilityChanged",
        MISSING_FIELD.as_bytes(),
    );
}

#[test]
fn a_response_and_a_request_that_fail_are_kept_whole() {
    let error = ServerMessage::from_str(BAD_RESPONSE).expect_err("fileName is a string");
    assert_eq!(error.path(), "fileList[0].fileName");
    assert_kept(
        &error,
        Direction::Response,
        "getFileList",
        BAD_RESPONSE.as_bytes(),
    );
    let error = trueconf_api::from_slice::<Response<GetFileList>>(BAD_RESPONSE.as_bytes())
        .expect_err("fileName is a string");
    assert_kept(
        &error,
        Direction::Response,
        "getFileList",
        BAD_RESPONSE.as_bytes(),
    );

    let error = ClientMessage::from_str(BAD_REQUEST).expect_err("fileId is a number");
    assert_kept(
        &error,
        Direction::Request,
        "sendFile",
        BAD_REQUEST.as_bytes(),
    );
    let error = trueconf_api::from_slice::<Request<trueconf_api::commands::SendFile>>(
        BAD_REQUEST.as_bytes(),
    )
    .expect_err("fileId is a number");
    assert_kept(
        &error,
        Direction::Request,
        "sendFile",
        BAD_REQUEST.as_bytes(),
    );
}

#[test]
fn broken_json_after_the_name_is_kept_as_bytes() {
    // Truncated: not JSON at all, yet the name was read.
    let truncated = &MISSING_FIELD.as_bytes()[..MISSING_FIELD.len() - 5];
    let error = ServerMessage::from_slice(truncated).expect_err("truncated");
    assert_kept(
        &error,
        Direction::Notification,
        "fileTransferAvailabilityChanged",
        truncated,
    );
    let raw = error.raw_message().expect("kept");
    assert!(raw.json().is_none() && raw.to_value().is_none());
    assert!(
        serde_json::to_string(raw).is_err(),
        "bytes that are not JSON are never re-encoded as if they were"
    );

    // Invalid UTF-8 in a value the types skip.
    let mut bad_utf8 =
        br#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"x":"#
            .to_vec();
    bad_utf8.extend_from_slice(b"\"\xFF\"}");
    let error = ServerMessage::from_slice(&bad_utf8).expect_err("not UTF-8");
    assert_kept(
        &error,
        Direction::Notification,
        "fileTransferAvailabilityChanged",
        &bad_utf8,
    );
    assert!(error.raw_message().expect("kept").as_str().is_none());

    // An unknown name whose JSON is broken: kept too.
    let unknown = br#"{"method":"event","event":"brandNew","x":[1,2"#;
    let error = ServerMessage::from_slice(unknown).expect_err("broken");
    assert_kept(&error, Direction::Notification, "brandNew", unknown);
}

#[test]
fn without_a_name_there_is_nothing_to_keep() {
    for json in [
        &b"not json"[..],
        br#"{"event":"appStateChanged"}"#,
        br#"{"method":7}"#,
        br#"[1,2,3]"#,
        b"",
    ] {
        let error = ServerMessage::from_slice(json).expect_err("no name");
        assert!(error.raw_message().is_none(), "{error}");
        let error = ClientMessage::from_slice(json).expect_err("no name");
        assert!(error.raw_message().is_none(), "{error}");
    }
}

/// Decoding keeps no state between messages: a bad message, whichever way it fails, leaves
/// the next one decoding exactly as it would have alone.
#[test]
fn one_bad_message_never_affects_the_next() {
    let good: &[&str] = &[
        r#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3}"#,
        r#"{"availability":2,"method":"event","event":"fileTransferAvailabilityChanged"}"#,
        r#"{"method":"getFileList","requestId":"1","result":true,"fileList":[{"fileId":"1","fileName":"a.txt"}]}"#,
        r#"{"method":"event","event":"brandNew","x":1}"#,
    ];
    let alone: Vec<ServerMessage> = good
        .iter()
        .map(|json| ServerMessage::from_str(json).expect("good"))
        .collect();
    let truncated = &MISSING_FIELD[..MISSING_FIELD.len() - 3];
    let bad: &[&[u8]] = &[
        MISSING_FIELD.as_bytes(),
        REORDERED.as_bytes(),
        BAD_RESPONSE.as_bytes(),
        truncated.as_bytes(),
        b"\xFF\xFE",
        b"{\"method\":\"event\",\"event\":\"fileTransferAvailabilityChanged\",\"availability\":3,\"x\":\"\xC3\"}",
    ];
    for round in 0..50 {
        for (index, json) in good.iter().enumerate() {
            let before = bad[(round + index) % bad.len()];
            assert!(ServerMessage::from_slice(before).is_err());
            assert_eq!(
                ServerMessage::from_str(json).expect("still good"),
                alone[index],
                "after {}",
                String::from_utf8_lossy(before)
            );
        }
    }
}
