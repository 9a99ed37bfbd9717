//! The envelope and the typing rules users rely on, one behaviour per test.

use trueconf_api::commands::{
    ActivateLicense, GetFileList, GetFileTransferHistory, SendFile, SendFileResponse,
};
use trueconf_api::notifications::{FileRequestStatusChanged, ReceivedFileRequest};
use trueconf_api::types::{
    DirectionType, FileId, FileIdString, FileRequestStatus, LicenseKeyStatus,
};
use trueconf_api::{
    AnyNotification, AnyResponse, ClientMessage, Command, Direction, Request, Response,
    ServerMessage,
};

fn response(json: &str) -> AnyResponse {
    match ServerMessage::from_str(json).expect("decodes") {
        ServerMessage::Response(response) => response,
        other => panic!("not a response: {other:?}"),
    }
}

#[test]
fn a_failed_response_keeps_the_fields_the_server_still_sent() {
    let AnyResponse::ActivateLicense(reply) = response(
        r#"{"method":"activateLicense","requestId":"1","status":"invalid","error":"Wrong key format","result":false}"#,
    ) else {
        panic!("wrong variant")
    };
    let failure = reply.result.expect_err("a failure");
    assert_eq!(failure.error.as_deref(), Some("Wrong key format"));
    assert_eq!(failure.fields.status, Some(LicenseKeyStatus::Invalid));
    assert_eq!(failure.fields.file_id, None);
    assert_eq!(
        failure.to_string(),
        "`activateLicense` failed: Wrong key format"
    );
}

#[test]
fn a_failure_needs_none_of_the_payload_but_a_success_needs_all_of_it() {
    let AnyResponse::SendFile(failed) =
        response(r#"{"method":"sendFile","requestId":"1","result":false,"error":"no such file"}"#)
    else {
        panic!("wrong variant")
    };
    assert!(failed.result.is_err());

    let error = ServerMessage::from_str(r#"{"method":"sendFile","requestId":"1","result":true}"#)
        .expect_err("success without its payload");
    assert_eq!(error.path(), "sentFileRequestId");
    assert_eq!(error.direction(), Some(Direction::Response));
    assert_eq!(error.message_name(), Some("sendFile"));
    assert!(error
        .to_string()
        .starts_with("response sendFile: sentFileRequestId: missing field"));
}

#[test]
fn keys_may_come_in_any_order() {
    let notification = ServerMessage::from_str(
        r#"{"fileRequestId":"a","event":"receivedFileRequest","peerId":"p@s","peerDn":"p","fileName":"f","fileSize":1,"timestamp":2,"method":"event"}"#,
    )
    .expect("decodes");
    assert!(matches!(
        notification,
        ServerMessage::Notification(AnyNotification::ReceivedFileRequest(_))
    ));

    let reply = response(
        r#"{"result":true,"availability":1,"requestId":"","method":"getFileTransferAvailability"}"#,
    );
    assert_eq!(reply.request_id(), Some(""));
    assert_eq!(reply.is_success(), Some(true));

    let request = ClientMessage::from_str(
        r#"{"fileRequestId":"x","requestId":"7","method":"acceptIncomingFileRequest"}"#,
    )
    .expect("decodes");
    assert_eq!(request.method(), "acceptIncomingFileRequest");
    assert_eq!(request.request_id(), Some("7"));
}

#[test]
fn unknown_names_keep_the_raw_json() {
    let raw = r#"{"method":"event","event":"brandNewEvent","data":{"a":[1,2,3]}}"#;
    let message = ServerMessage::from_str(raw).expect("decodes");
    let ServerMessage::Notification(AnyNotification::Unknown(unknown)) = &message else {
        panic!("not unknown: {message:?}")
    };
    assert_eq!(unknown.name(), "brandNewEvent");
    assert_eq!(unknown.direction(), Direction::Notification);
    assert_eq!(unknown.as_str(), Some(raw));
    assert_eq!(serde_json::to_string(&message).expect("encodes"), raw);

    let request = ClientMessage::from_str(r#"{"method":"setSomething","x":1}"#).expect("decodes");
    assert!(request.is_unknown());
    assert_eq!(request.method(), "setSomething");
    // An unknown name still has to be JSON.
    assert!(ServerMessage::from_str(r#"{"method":"whatever", nope}"#).is_err());
}

#[test]
fn a_bad_payload_names_the_field_path() {
    let error = ServerMessage::from_str(
        r#"{"method":"getFileTransferHistory","requestId":"1","filesRequests":[{"directionType":0,"fileName":"2.jpg","fileSize":-5,"timestamp":1,"fileRequestId":"x","fileId":1}],"result":true}"#,
    )
    .expect_err("negative size");
    assert_eq!(error.path(), "filesRequests[0].fileSize");
    assert!(error.message().contains("expected u64"), "{error}");
}

#[test]
fn sizes_are_64_bit() {
    let AnyResponse::GetIncomingFilesRequests(reply) = response(
        r#"{"method":"getIncomingFilesRequests","result":true,"incomingFilesRequests":[{"fileRequestId":"x","peerId":"p","peerDn":"p","fileName":"big.iso","size":5000000000,"status":2,"timestamp":1659249467212}]}"#,
    ) else {
        panic!("wrong variant")
    };
    let requests = reply.result.expect("success").incoming_files_requests;
    assert_eq!(requests[0].size, 5_000_000_000);
    assert_eq!(requests[0].status, FileRequestStatus::InProgress);
}

#[test]
fn open_enums_keep_unknown_values() {
    let json = r#"{"method":"event","event":"fileRequestStatusChanged","fileRequestId":"x","status":7,"directionType":-1,"fileName":"f","timestamp":1,"fileSize":1}"#;
    let ServerMessage::Notification(AnyNotification::FileRequestStatusChanged(event)) =
        ServerMessage::from_str(json).expect("decodes")
    else {
        panic!("wrong variant")
    };
    // Unknown's content is private: the value is read with value() (as_str()), and an
    // unknown value is made with from_value, which never gives Unknown for a listed one.
    assert_eq!(event.status, FileRequestStatus::from_value(7));
    assert!(!event.status.is_known());
    assert_eq!(event.status.value(), 7);
    assert_eq!(format!("{:?}", event.status), "Unknown(7)");
    assert!(!event.direction_type.is_known());
    assert_eq!(event.direction_type.value(), -1);
    let back: serde_json::Value = serde_json::to_value(&event).expect("encodes");
    assert_eq!(back["status"], 7);
    assert_eq!(back["directionType"], -1);
    assert_eq!(DirectionType::from_value(1), DirectionType::Outgoing);
    assert_eq!(DirectionType::Outgoing.value(), 1);
    let expired = LicenseKeyStatus::from_value("expired");
    assert!(!expired.is_known());
    assert_eq!(expired.as_str(), "expired");
    assert_eq!(LicenseKeyStatus::from("expired"), expired);
    assert_eq!(format!("{expired:?}"), "Unknown(\"expired\")");
}

#[test]
fn an_empty_conf_id_is_kept_as_sent() {
    let json = r#"{"method":"event","event":"fileRequestStatusChanged","fileRequestId":"x","status":3,"directionType":0,"fileName":"f","timestamp":1,"fileSize":1,"confId":""}"#;
    let event: FileRequestStatusChanged = serde_json::from_str(json).expect("decodes");
    assert_eq!(event.conf_id.as_deref(), Some(""));
    assert_eq!(serde_json::to_value(&event).expect("encodes")["confId"], "");
}

#[test]
fn requests_are_built_from_required_fields_and_tied_to_their_response() {
    let listed = FileIdString::from("346234218");
    let request = SendFile::new(listed.to_file_id().expect("numeric"), "820_1@some.server")
        .into_request()
        .with_request_id("42");
    assert_eq!(
        serde_json::to_value(&request).expect("encodes"),
        serde_json::json!({"method": "sendFile", "requestId": "42", "fileId": 346234218, "callId": "820_1@some.server"})
    );
    assert_eq!(FileId::try_from(&listed), Ok(FileId(346_234_218)));
    assert!(FileIdString::from("abc").to_file_id().is_err());

    // The response type is fixed by the request type.
    let payload: <SendFile as Command>::Response = SendFileResponse::new("88e75ca1");
    let reply: Response<SendFile> = Response::success(payload).with_request_id("42");
    assert_eq!(
        serde_json::to_value(&reply).expect("encodes"),
        serde_json::json!({"method": "sendFile", "requestId": "42", "result": true, "sentFileRequestId": "88e75ca1"})
    );
    assert_eq!(SendFile::METHOD, "sendFile");
    assert_eq!(<GetFileList as Command>::INFO.wire_name, "getFileList");
    let bare =
        serde_json::to_string(&GetFileTransferHistory::new().into_request()).expect("encodes");
    assert_eq!(bare, r#"{"method":"getFileTransferHistory"}"#);
}

#[test]
fn decoding_a_typed_envelope_checks_its_name() {
    let error = serde_json::from_str::<Request<GetFileList>>(r#"{"method":"sendFile"}"#)
        .expect_err("wrong method");
    assert!(
        error
            .to_string()
            .contains("expected `method` \"getFileList\""),
        "{error}"
    );
    let error = serde_json::from_str::<Response<ActivateLicense>>(r#"{"method":"activateLicense","result":true,"status":"valid","requestId":"1","requestId":"2"}"#)
        .expect_err("duplicate key");
    assert!(
        error.to_string().contains("duplicate field `requestId`"),
        "{error}"
    );
    let error = serde_json::from_str::<ReceivedFileRequest>(
        r#"{"method":"event","event":"fileRequestStatusChanged"}"#,
    )
    .expect_err("wrong event");
    assert!(
        error
            .to_string()
            .contains("expected `event` \"receivedFileRequest\""),
        "{error}"
    );
}

#[test]
fn metadata_says_where_facts_come_from() {
    let info = <SendFile as Command>::INFO;
    assert_eq!(info.source, trueconf_api::Source::Documented);
    assert_eq!(info.api, &[1, 2]);
    assert!(info.doc_urls[0].starts_with("https://"));
    let inferred = <trueconf_api::commands::RejectIncomingFileRequest as Command>::INFO;
    assert_eq!(inferred.source, trueconf_api::Source::Inferred);
    assert!(inferred.evidence.is_some());
    assert_eq!(
        inferred.definition_file,
        "schema/commands/rejectIncomingFileRequest.json"
    );
}

#[test]
fn keys_that_are_not_utf_8_are_rejected_on_every_path() {
    // An unknown key with invalid UTF-8 (0xFF) must not slip through the raw-key fast path.
    let mut json =
        br#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"X":1}"#
            .to_vec();
    let at = json.iter().position(|&b| b == b'X').expect("marker");
    json[at] = 0xFF;
    assert!(ServerMessage::from_slice(&json).is_err());
    assert!(
        trueconf_api::from_slice::<trueconf_api::notifications::FileTransferAvailabilityChanged>(
            &json
        )
        .is_err()
    );
    assert!(
        serde_json::from_slice::<trueconf_api::notifications::FileTransferAvailabilityChanged>(
            &json
        )
        .is_err()
    );
}

#[test]
fn the_known_type_entry_point_names_the_field() {
    let error = trueconf_api::from_slice::<Response<GetFileList>>(
        br#"{"method":"getFileList","result":true,"fileList":[{"fileId":2,"fileName":"a"}]}"#,
    )
    .expect_err("fileId must be a string here");
    assert_eq!(error.path(), "fileList[0].fileId");
}

/// A setting's value is typed by its JSON type and written back as the same JSON type.
#[test]
fn setting_values_keep_their_json_type() {
    use trueconf_api::notifications::SettingsChanged;
    use trueconf_api::types::SettingValue;
    let event = |value: &str| {
        format!(r#"{{"method":"event","event":"settingsChanged","name":"x","value":{value}}}"#)
    };
    for (json, expected) in [
        ("true", SettingValue::Flag(true)),
        ("5", SettingValue::Integer(5)),
        ("-7", SettingValue::Integer(-7)),
        ("1.5", SettingValue::Number(1.5)),
        ("\"ru\"", SettingValue::Text("ru".into())),
    ] {
        let decoded: SettingsChanged =
            serde_json::from_str(&event(json)).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(decoded.value, Some(expected), "{json}");
        let back = serde_json::to_value(&decoded).expect("encodes");
        assert_eq!(
            back["value"],
            serde_json::from_str::<serde_json::Value>(json).expect("json"),
            "{json}"
        );
    }
    let error = ServerMessage::from_str(&event("[1]")).expect_err("an array is no setting value");
    assert_eq!(error.path(), "value");
    assert!(ServerMessage::from_str(&event("null")).is_err());
    // Past i64 an integer would only fit a float with lost digits: an error instead.
    assert_eq!(
        ServerMessage::from_str(&event("18446744073709551615"))
            .expect_err("out of range")
            .path(),
        "value"
    );
}
