//! Hostile input: whatever arrives on the socket decodes or fails with an error — never a
//! panic, a hang or a silent loss. Decisions are stated in each test.

use trueconf_api::notifications::ReceivedFileRequest;
use trueconf_api::{safe_file_name, AnyNotification, ClientMessage, ServerMessage};

fn received(file_name_json: &str) -> String {
    format!(
        r#"{{"method":"event","event":"receivedFileRequest","fileRequestId":"r","peerId":"p@s","peerDn":"p","fileName":{file_name_json},"fileSize":1,"timestamp":1}}"#
    )
}

fn decode_received(json: &str) -> Result<ReceivedFileRequest, trueconf_api::DecodeError> {
    match ServerMessage::from_str(json)? {
        ServerMessage::Notification(AnyNotification::ReceivedFileRequest(event)) => Ok(event),
        other => panic!("wrong message: {other:?}"),
    }
}

/// Nesting 100,000 deep never overflows the stack. A value the types read (a field) stops at
/// serde_json's limit of 128 levels with an error; a value they skip (an unknown key, an
/// unknown message kept raw) is skipped by serde_json without recursion, so it is accepted —
/// and `check` still reports the key (tests/cli.rs).
#[test]
fn nesting_100000_deep_never_crashes() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let in_field = format!(
        r#"{{"method":"getFileList","result":true,"fileList":[{{"fileId":"1","fileName":{deep}}}]}}"#
    );
    let error =
        ServerMessage::from_str(&in_field).expect_err("a deep value where a string belongs");
    assert_eq!(error.path(), "fileList[0].fileName");
    let object_deep = "{\"a\":".repeat(100_000) + "1" + &"}".repeat(100_000);
    let in_json_field =
        format!(r#"{{"method":"getFileList","result":true,"fileList":{object_deep}}}"#);
    assert!(ServerMessage::from_str(&in_json_field).is_err());

    let skipped = received(r#""f""#).replace(
        r#""fileSize":1"#,
        &format!(r#""fileSize":1,"extra":{deep}"#),
    );
    let event = decode_received(&skipped).expect("an unknown deep key is skipped");
    assert_eq!(event.file_name, "f");
    let names_last = format!(
        r#"{{"extra":{deep},"fileRequestId":"r","peerId":"p@s","peerDn":"p","fileName":"f","fileSize":1,"timestamp":1,"method":"event","event":"receivedFileRequest"}}"#
    );
    assert_eq!(
        decode_received(&names_last).expect("routed past the deep key"),
        event
    );
    let unknown = ServerMessage::from_str(&format!(
        r#"{{"method":"event","event":"somethingNew","extra":{deep}}}"#
    ))
    .expect("an unknown message is kept raw");
    assert!(unknown.is_unknown());
    assert!(ClientMessage::from_str(&format!(r#"{{"method":"getFileList","x":{deep}}}"#)).is_ok());
    // Unbalanced: an error, whatever the depth.
    assert!(ServerMessage::from_str(&format!(
        r#"{{"method":"event","event":"x","y":{}}}"#,
        "[".repeat(100_000)
    ))
    .is_err());
}

#[test]
fn invalid_utf8_is_an_error_wherever_it_is() {
    let valid = received(r#""name""#);
    let at = valid.find("name").expect("marker");
    let mut in_value = valid.clone().into_bytes();
    in_value[at] = 0xC3; // a lone lead byte
    assert!(ServerMessage::from_slice(&in_value).is_err());
    let mut in_name = valid.into_bytes();
    let event_at = in_name
        .windows(8)
        .position(|w| w == b"received")
        .expect("marker");
    in_name[event_at] = 0xFF;
    assert!(
        ServerMessage::from_slice(&in_name).is_err(),
        "an invalid event name must not become a name"
    );
    assert!(ServerMessage::from_slice(&[0xFF, 0xFE, b'{', b'}']).is_err());
}

/// The one-pass paths read `method` and `event` like keys, as raw bytes without a UTF-8 check
/// (only a name equal to a typed one, ASCII, is taken there). A name that is wrong, or not
/// UTF-8, is still an error with serde_json's own wording through every entry point, and a
/// name written with escapes still decodes.
#[test]
fn message_names_read_raw_are_checked_like_strings() {
    let wrong_event = received(r#""a""#).replace("receivedFileRequest", "fileRequestStatusChanged");
    let error = trueconf_api::from_slice::<ReceivedFileRequest>(wrong_event.as_bytes())
        .expect_err("another event");
    assert!(
        error
            .message()
            .contains(r#"invalid value: string "fileRequestStatusChanged", expected `event` "receivedFileRequest""#),
        "{error}"
    );
    let with_byte = |marker: &[u8], byte: u8| {
        let mut json = received(r#""a""#).into_bytes();
        let at = json
            .windows(marker.len())
            .position(|w| w == marker)
            .expect("marker");
        json[at + marker.len() - 1] = byte;
        json
    };
    // A bad byte at the end of the event name, and in `"event"` as the method's value.
    for json in [
        with_byte(b"receivedFileRequest", 0xFF),
        with_byte(b"\"method\":\"event", 0xC3),
    ] {
        let typed = trueconf_api::from_slice::<ReceivedFileRequest>(&json).expect_err("not UTF-8");
        assert!(typed.message().contains("unicode"), "{typed}");
        let dispatched = ServerMessage::from_slice(&json).expect_err("not UTF-8");
        assert!(
            dispatched.message().contains("unicode") || dispatched.message().contains("UTF-8"),
            "{dispatched}"
        );
    }
    let escaped = received(r#""a""#)
        .replace(r#""method":"event""#, r#""method":"ev\u0065nt""#)
        .replace("receivedFileRequest", r#"received\u0046ileRequest"#);
    assert!(trueconf_api::from_slice::<ReceivedFileRequest>(escaped.as_bytes()).is_ok());
    assert_eq!(
        decode_received(&escaped).expect("escaped names decode"),
        decode_received(&received(r#""a""#)).expect("decodes")
    );
    let request = br#"{"method":"getFileLis\u0074","requestId":"1"}"#;
    assert!(matches!(
        ClientMessage::from_slice(request),
        Ok(ClientMessage::GetFileList(_))
    ));
}

/// The value of a key the types do not know is skipped unread, yet invalid UTF-8 in it is still
/// an error that says so: the message as a whole is not JSON. Wherever the bad byte sits — a
/// top-level unknown key, one inside a record, one in a request, one before the names — and
/// through every entry point.
#[test]
fn invalid_utf8_in_a_skipped_unknown_value_is_an_error() {
    let with_extra = |extra: &[u8]| {
        let mut json = br#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"extra":""#.to_vec();
        json.extend_from_slice(extra);
        json.extend_from_slice(br#""}"#);
        json
    };
    let good = with_extra(b"fine");
    assert!(
        ServerMessage::from_slice(&good).is_ok(),
        "valid UTF-8 stays ok"
    );
    let bad = with_extra(&[b'a', 0xC3, b'z']);
    let error = ServerMessage::from_slice(&bad).expect_err("invalid UTF-8 in an unknown value");
    assert!(
        error.message().contains("unicode") || error.message().contains("UTF-8"),
        "names the problem: {error}"
    );
    let typed = trueconf_api::from_slice::<
        trueconf_api::notifications::FileTransferAvailabilityChanged,
    >(&bad);
    assert!(typed.is_err(), "from_slice checks it too");

    // Nested: an unknown key inside a record of a response.
    let nested = [
        &br#"{"method":"getFileList","result":true,"fileList":[{"fileId":"1","fileName":"a","x":{"y":[""#[..],
        &[0xFF],
        br#""]}}]}"#,
    ]
    .concat();
    assert!(ServerMessage::from_slice(&nested).is_err());
    // A request, and names after the bad key (the general path).
    let request = [
        &br#"{"method":"getFileList","zz":""#[..],
        &[0xE2, 0x82],
        br#""}"#,
    ]
    .concat();
    assert!(ClientMessage::from_slice(&request).is_err());
    let names_last = [
        &br#"{"extra":""#[..],
        &[0xC0, 0xAF],
        br#"","availability":3,"method":"event","event":"fileTransferAvailabilityChanged"}"#,
    ]
    .concat();
    assert!(ServerMessage::from_slice(&names_last).is_err());
    // An unknown message kept raw must be JSON too.
    let unknown = [
        &br#"{"method":"event","event":"somethingNew","x":""#[..],
        &[0xFF],
        br#""}"#,
    ]
    .concat();
    assert!(ServerMessage::from_slice(&unknown).is_err());
}

/// Decision: a key that appears twice is an error (never "last wins"), for envelope keys and
/// fields alike. JSON Schema validators see only the last value (JSON parsers keep one), so
/// the exported schema cannot say this; the bundle's description states it.
#[test]
fn duplicate_keys_are_rejected() {
    let twice_field = r#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"availability":0}"#;
    let error = ServerMessage::from_str(twice_field).expect_err("duplicate");
    assert!(
        error.message().contains("duplicate field `availability`"),
        "{error}"
    );
    let twice_method = r#"{"method":"event","event":"fileTransferAvailabilityChanged","method":"event","availability":3}"#;
    assert!(ServerMessage::from_str(twice_method)
        .expect_err("duplicate")
        .message()
        .contains("duplicate field `method`"));
    let twice_request_id = r#"{"method":"getFileList","requestId":"1","requestId":"2"}"#;
    assert!(ClientMessage::from_str(twice_request_id).is_err());
    // Objects keyed by name (`map<T>`) follow the same rule.
    let twice_setting =
        r#"{"method":"setSettings","settings":{"enableAutologin":true,"enableAutologin":false}}"#;
    let error = ClientMessage::from_str(twice_setting).expect_err("duplicate setting");
    assert_eq!(error.path(), "settings");
    assert!(
        error.message().contains("duplicate key `enableAutologin`"),
        "{error}"
    );
}

#[test]
fn numbers_out_of_range_are_errors_naming_the_field() {
    let past_u64 =
        received("\"f\"").replace(r#""fileSize":1"#, r#""fileSize":18446744073709551616"#);
    let error = decode_received(&past_u64).expect_err("past u64");
    assert_eq!(error.path(), "fileSize");
    let huge_float = received("\"f\"").replace(r#""fileSize":1"#, r#""fileSize":1e400"#);
    let error = decode_received(&huge_float).expect_err("1e400");
    assert!(
        error.message().contains("out of range") || error.path() == "fileSize",
        "{error}"
    );
    let negative = received("\"f\"").replace(r#""fileSize":1"#, r#""fileSize":-1"#);
    assert_eq!(
        decode_received(&negative).expect_err("negative").path(),
        "fileSize"
    );
    // The largest u64 is fine: files over 4 GiB exist, and so may one of 16 EiB.
    let max = received("\"f\"").replace(r#""fileSize":1"#, r#""fileSize":18446744073709551615"#);
    assert_eq!(decode_received(&max).expect("u64::MAX").file_size, u64::MAX);
}

#[test]
fn null_where_a_field_is_not_nullable_names_the_field() {
    let json = received("null");
    let error = decode_received(&json).expect_err("null file name");
    assert_eq!(error.path(), "fileName");
    assert!(error.message().contains("invalid type: null"), "{error}");
}

#[test]
fn every_escape_decodes_and_survives_a_round_trip() {
    let json = received(r#""q\" b\\ s\/ \b\f\n\r\t \u00e9 \ud83d\ude00 \u0000 end""#);
    let event = decode_received(&json).expect("escapes decode");
    assert_eq!(event.file_name, "q\" b\\ s/ \u{8}\u{c}\n\r\t é 😀 \0 end");
    let again: ReceivedFileRequest =
        serde_json::from_str(&serde_json::to_string(&event).expect("encodes")).expect("decodes");
    assert_eq!(again, event);
    // A lone surrogate is not a character: an error, not a replacement.
    assert!(decode_received(&received(r#""\ud800""#)).is_err());
}

/// A file name is data: it decodes exactly as sent, and `safe_file_name` makes it safe to use.
#[test]
fn hostile_file_names_decode_as_data_and_the_helper_makes_them_safe() {
    let event = decode_received(&received(r#""../../etc/passwd""#)).expect("decodes");
    assert_eq!(event.file_name, "../../etc/passwd");
    assert_eq!(safe_file_name(&event.file_name), "passwd");

    let event = decode_received(&received(r#""evil\u0000.exe""#)).expect("decodes");
    assert_eq!(event.file_name, "evil\0.exe");
    assert_eq!(safe_file_name(&event.file_name), "evil_.exe");

    let cases = [
        ("/etc/shadow", "shadow"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:\\a\\b:c.txt", "b_c.txt"),
        ("a/b/", "file"),
        ("...", "file"),
        ("", "file"),
        (" . ", "file"),
        ("con", "_con"),
        ("LPT1.log", "_LPT1.log"),
        ("console.txt", "console.txt"),
        ("what?<x>|*\"y\".txt", "what__x____y_.txt"),
        ("tab\there", "tab_here"),
        ("Отчёт 2024.pdf", "Отчёт 2024.pdf"),
        (".hidden", "hidden"),
    ];
    for (wire, safe) in cases {
        assert_eq!(safe_file_name(wire), safe, "{wire:?}");
    }
    let long = format!("{}.zip", "ж".repeat(300));
    let cut = safe_file_name(&long);
    assert!(
        cut.len() <= 255 && cut.ends_with(".zip") && cut.starts_with('ж'),
        "{cut}"
    );
    for name in [&long, "../x", "\u{202e}txt.exe"] {
        let safe = safe_file_name(name);
        assert!(
            !safe.contains(['/', '\\', '\0']) && safe != "." && safe != "..",
            "{safe:?}"
        );
    }
}

#[test]
fn truncated_and_garbage_input_is_an_error() {
    let full = received(r#""f""#);
    for end in 0..full.len() {
        assert!(
            ServerMessage::from_str(&full[..end]).is_err(),
            "prefix of {end} bytes decoded"
        );
    }
    for garbage in [
        "",
        " ",
        "null",
        "[]",
        "42",
        "\"event\"",
        "{",
        "{}",
        "{\"method\":null}",
    ] {
        assert!(ServerMessage::from_str(garbage).is_err(), "{garbage:?}");
        assert!(ClientMessage::from_str(garbage).is_err(), "{garbage:?}");
    }
    // A notification needs its event; as a request, "event" is just a method nobody defined.
    assert!(ServerMessage::from_str("{\"method\":\"event\"}").is_err());
    assert!(ClientMessage::from_str("{\"method\":\"event\"}")
        .expect("a request")
        .is_unknown());
}

/// A control character inside an object key is not JSON, even in a key the types do not know
/// and skip: the one-pass dispatch reads keys as raw bytes (without serde_json's string
/// checks), so the skipped key is checked, and the error is serde_json's own, as on the
/// general path and in `check`. (Found by comparing the decoders with `check --definitions`.)
#[test]
fn a_control_character_in_a_skipped_key_is_an_error() {
    let json = b"{\"method\":\"event\",\"event\":\"fileTransferAvailabilityChanged\",\"availability\":3,\"a\x00b\":1}";
    let error = ServerMessage::from_slice(json).expect_err("not JSON");
    assert!(error.message().contains("control character"), "{error}");
    assert_eq!(error.kind(), trueconf_api::DecodeErrorKind::Syntax);
    let typed = trueconf_api::from_slice::<
        trueconf_api::notifications::FileTransferAvailabilityChanged,
    >(json)
    .expect_err("not JSON");
    assert_eq!(typed, error, "the same error through both entry points");
    let request = b"{\"method\":\"getFileList\",\"request\x1fId\":\"1\"}";
    assert!(ClientMessage::from_slice(request).is_err());
    // Written as an escape, the same character is JSON, and the key is skipped as unknown.
    let escaped = br#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"a\u0000b\tc":1}"#;
    assert!(ServerMessage::from_slice(escaped).is_ok());
    assert!(
        trueconf_api::from_slice::<trueconf_api::notifications::FileTransferAvailabilityChanged>(
            escaped
        )
        .is_ok()
    );
}
