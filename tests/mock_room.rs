//! The mock Room (`trueconf_api::mock`, `trueconf-api mock-room`) on the wire, with a bare
//! WebSocket and HTTP: every typed command answered with a response its type decodes, the
//! documented example where there is one; auth; the errors for everything else; scripting;
//! the file-transfer flow; the HTTP endpoints; and the subcommand's first line and signals.

mod common;
#[path = "common/mock_wire.rs"]
mod mock_wire;

use std::process::{Command as Process, Stdio};
use std::time::Duration;

use common::port_in;
use futures_util::StreamExt;
use mock_wire::{ask, authorized, http, open, receive, send, GUARD};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use trueconf_api::mock::{ExampleOrigin, FileOffer, Invitation, MockRoom, Protection, Rule};
use trueconf_api::{
    AnyNotification, Command, DecodeError, MessageVisitor, Notification, Response, ServerMessage,
};

/// `(method, decodes the response as that command's, saying whether it is a success)`.
type Check = (&'static str, fn(&[u8]) -> Result<bool, DecodeError>);

struct Commands(Vec<Check>);

fn check<C: Command>(bytes: &[u8]) -> Result<bool, DecodeError> {
    trueconf_api::from_slice::<Response<C>>(bytes).map(|response| response.is_success())
}

impl MessageVisitor for Commands {
    fn command<C: Command>(&mut self) {
        self.0.push((C::METHOD, check::<C>));
    }
    fn notification<N: Notification>(&mut self) {}
}

#[tokio::test]
async fn every_typed_command_gets_a_response_its_type_decodes() {
    let room = MockRoom::start().await.expect("starts");
    let mut socket = authorized(&room).await;
    let mut commands = Commands(Vec::new());
    trueconf_api::visit_messages(&mut commands);
    assert_eq!(commands.0.len(), trueconf_api::COMMAND_NAMES.len());
    let mut documented = 0;
    for (index, (method, decodes)) in commands.0.iter().enumerate() {
        // The documented request, with a requestId of our own.
        let mut request = room
            .examples()
            .request(method)
            .cloned()
            .unwrap_or_else(|| panic!("{method}: no request example"));
        let id = format!("r{index}");
        request["requestId"] = json!(id);
        send(&mut socket, &request).await;
        let text = receive(&mut socket).await;
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(answer["requestId"], json!(id), "{method}: requestId echoed");
        assert!(
            text.starts_with(&format!(r#"{{"method":"{method}","requestId":"#)),
            "{method}: envelope first: {text}"
        );
        match decodes(text.as_bytes()) {
            Ok(true) => {}
            // The call flow: with no invitation waiting, `accept` and `reject` are refused.
            Ok(false) if ["accept", "reject"].contains(method) => {
                assert!(
                    answer["error"]
                        .as_str()
                        .is_some_and(|error| error.contains("no incoming call")),
                    "{method}: {text}"
                );
                continue;
            }
            Ok(false) => panic!("{method}: a failure: {text}"),
            Err(error) => panic!("{method}: does not decode: {error}"),
        }
        // Where the definition documents a successful response, that is what came (apart
        // from the fields that follow the Room's state).
        if room.examples().response_origin(method) == Some(ExampleOrigin::Documented) {
            documented += 1;
            let mut expected = room.response_example(method).expect("example");
            let mut answer = answer.clone();
            for dynamic in [
                "requestId",
                "token",
                "tokenForHttpServer",
                "embeddedHttpPort",
            ] {
                expected
                    .as_object_mut()
                    .map(|object| object.remove(dynamic));
                answer.as_object_mut().map(|object| object.remove(dynamic));
            }
            for echoed in room.examples().echoed_fields(method) {
                assert_eq!(answer[echoed], request[echoed], "{method}: {echoed} echoed");
                answer.as_object_mut().map(|object| object.remove(echoed));
            }
            assert_eq!(answer, expected, "{method}");
        }
    }
    assert!(documented >= 95, "only {documented} documented responses");
}

#[tokio::test]
async fn requests_outside_the_typed_commands_get_result_false_with_a_text() {
    let room = MockRoom::start().await.expect("starts");
    let mut socket = open(&room).await;
    // Before auth: refused. Without a requestId: echoed as "".
    let answer = ask(&mut socket, &json!({"method": "getFileList"})).await;
    assert_eq!(answer["result"], json!(false));
    assert_eq!(answer["requestId"], json!(""));
    assert!(answer["error"]
        .as_str()
        .is_some_and(|text| text.contains("auth")));
    ask(&mut socket, &json!({"method": "auth", "type": "unsecured"})).await;
    for (request, says) in [
        (
            json!({"method": "noSuchThing", "requestId": "2"}),
            "noSuchThing",
        ),
        (
            json!({"method": "sendFile", "requestId": "3", "callId": "a@b"}),
            "fileId",
        ),
        (
            json!({"method": "sendFile", "requestId": "4", "fileId": "x", "callId": "a@b"}),
            "fileId",
        ),
    ] {
        let answer = ask(&mut socket, &request).await;
        assert_eq!(answer["result"], json!(false), "{request}");
        assert_eq!(answer["requestId"], request["requestId"]);
        let error = answer["error"].as_str().expect("an error text");
        assert!(error.contains(says), "{request}: {error}");
    }
}

#[tokio::test]
async fn auth_checks_the_pin_and_accepts_the_token_it_issued() {
    let room = MockRoom::builder()
        .protection(Protection::Pin("1234".into()))
        .start()
        .await
        .expect("starts");
    let mut socket = open(&room).await;
    for wrong in [
        json!({"method": "auth", "type": "secured", "credentials": "0000"}),
        json!({"method": "auth", "type": "unsecured"}),
        json!({"method": "auth", "role": "user"}),
    ] {
        let answer = ask(&mut socket, &wrong).await;
        assert_eq!(answer["result"], json!(false), "{wrong}");
        assert!(answer["error"].is_string());
    }
    let answer = ask(
        &mut socket,
        &json!({"method": "auth", "type": "secured", "credentials": "1234", "requestId": "7"}),
    )
    .await;
    assert_eq!(answer["result"], json!(true));
    assert_eq!(answer["resultCode"], json!(0));
    let token = answer["token"].as_str().expect("a token").to_string();
    assert!(answer["tokenForHttpServer"].is_string());
    // The token authorizes another connection.
    let mut other = open(&room).await;
    let answer = ask(
        &mut other,
        &json!({"method": "auth", "type": "secured", "credentials": token}),
    )
    .await;
    assert_eq!(answer["result"], json!(true));
}

#[tokio::test]
async fn scripts_fail_delay_drop_and_surround_replies() {
    let room = MockRoom::start().await.expect("starts");
    let mut socket = authorized(&room).await;
    room.fail("getFileList", "no files today");
    let answer = ask(
        &mut socket,
        &json!({"method": "getFileList", "requestId": "1"}),
    )
    .await;
    assert_eq!(
        (answer["result"].clone(), answer["error"].clone()),
        (json!(false), json!("no files today"))
    );
    room.reset("getFileList");
    // A delayed answer comes after one asked later.
    room.delay("getFileTransferHistory", Duration::from_millis(100));
    send(
        &mut socket,
        &json!({"method": "getFileTransferHistory", "requestId": "slow"}),
    )
    .await;
    let fast = ask(
        &mut socket,
        &json!({"method": "getFileList", "requestId": "fast"}),
    )
    .await;
    assert_eq!(fast["requestId"], json!("fast"));
    let slow: Value = serde_json::from_str(&receive(&mut socket).await).expect("JSON");
    assert_eq!(slow["requestId"], json!("slow"));
    // Notifications around a reply, in order.
    let event = room
        .notification_example("fileTransferAvailabilityChanged")
        .expect("documented");
    room.script(
        "getFileList",
        Rule::new().before(vec![event.clone()]).after(vec![event]),
    );
    send(
        &mut socket,
        &json!({"method": "getFileList", "requestId": "2"}),
    )
    .await;
    let order: Vec<Value> = [
        receive(&mut socket).await,
        receive(&mut socket).await,
        receive(&mut socket).await,
    ]
    .iter()
    .map(|text| serde_json::from_str(text).expect("JSON"))
    .collect();
    assert_eq!(order[0]["event"], json!("fileTransferAvailabilityChanged"));
    assert_eq!(order[1]["method"], json!("getFileList"));
    assert_eq!(order[2]["event"], json!("fileTransferAvailabilityChanged"));
    // No reply, then a reply to the next request.
    room.reset("getFileList");
    room.drop_reply("getFileList");
    send(
        &mut socket,
        &json!({"method": "getFileList", "requestId": "3"}),
    )
    .await;
    let next = ask(
        &mut socket,
        &json!({"method": "getAppState", "requestId": "4"}),
    )
    .await;
    assert_eq!(next["requestId"], json!("4"));
    assert_eq!(room.received("getFileList"), 4);
    // Pushed notifications go out with their envelope first.
    assert_eq!(
        room.push(&json!({"x": 1, "event": "e", "method": "event"}))
            .await,
        1
    );
    assert_eq!(
        receive(&mut socket).await,
        r#"{"method":"event","event":"e","x":1}"#
    );
    // Disconnect on a method: the socket ends without a close frame.
    room.disconnect_on("getFileList");
    send(&mut socket, &json!({"method": "getFileList"})).await;
    let end = tokio::time::timeout(GUARD, socket.next())
        .await
        .expect("no hang");
    assert!(
        !matches!(end, Some(Ok(Message::Close(_)))),
        "dropped, not closed: {end:?}"
    );
}

#[tokio::test]
async fn the_file_transfer_flow_follows_the_documented_notifications() {
    let room = MockRoom::start().await.expect("starts");
    let mut socket = authorized(&room).await;
    let listed = ask(&mut socket, &json!({"method": "getIncomingFilesRequests"})).await;
    assert_eq!(
        listed["incomingFilesRequests"],
        room.response_example("getIncomingFilesRequests")
            .expect("documented")["incomingFilesRequests"],
        "the documented offers are listed from the start"
    );
    let id = room.offer_file(FileOffer::new("a.txt", 10)).await;
    let announced = receive(&mut socket).await;
    match ServerMessage::from_str(&announced).expect("decodes") {
        ServerMessage::Notification(AnyNotification::ReceivedFileRequest(offer)) => {
            assert_eq!(offer.file_request_id, id)
        }
        other => panic!("expected receivedFileRequest, got {other:?}"),
    }
    let answer = ask(
        &mut socket,
        &json!({"method": "acceptIncomingFileRequest", "fileRequestId": id}),
    )
    .await;
    assert_eq!(answer["result"], json!(true));
    let mut names = Vec::new();
    loop {
        let text = receive(&mut socket).await;
        let message = ServerMessage::from_str(&text).expect("every notification decodes");
        names.push(message.name().to_string());
        if let ServerMessage::Notification(AnyNotification::FileRequestStatusChanged(changed)) =
            &message
        {
            assert_eq!(changed.file_request_id, id);
            if changed.status.value() == 3 {
                break;
            }
        }
    }
    assert_eq!(
        names,
        [
            "incomingFileRequestAccepted",
            "fileRequestStatusChanged",
            "incomingFileRequestDownloadingProgress",
            "incomingFileRequestDownloadingProgress",
            "incomingFileRequestDownloadingProgress",
            "incomingFileRequestDownloadingProgress",
            "fileRequestStatusChanged",
        ]
    );
    // Accepting it again is refused: it no longer awaits a reply.
    let again = ask(
        &mut socket,
        &json!({"method": "acceptIncomingFileRequest", "fileRequestId": id}),
    )
    .await;
    assert_eq!(again["result"], json!(false));
    // An id the Room does not know gets the documented answer, and nothing follows it.
    let unknown = ask(
        &mut socket,
        &json!({"method": "acceptIncomingFileRequest", "fileRequestId": "nope"}),
    )
    .await;
    assert_eq!(unknown["result"], json!(true));
    let next = ask(
        &mut socket,
        &json!({"method": "getAppState", "requestId": "after"}),
    )
    .await;
    assert_eq!(next["requestId"], json!("after"));
}

#[tokio::test]
async fn the_http_port_serves_config_frames_and_pushes() {
    let room = MockRoom::start().await.expect("starts");
    let (status, body) = http("GET", room.http_port(), "/public/default/config.json", "").await;
    assert_eq!(status, 200);
    let config: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(config["config"]["websocket"]["port"], json!(room.ws_port()));
    assert_eq!(config["config"]["http"]["port"], json!(room.http_port()));
    let (status, _) = http(
        "GET",
        room.http_port(),
        "/frames/?peerId=%23self%3A0&token=bad",
        "",
    )
    .await;
    assert_eq!(status, 403);
    let mut socket = authorized(&room).await;
    let token = ask(&mut socket, &json!({"method": "getTokenForHttpServer"})).await["token"]
        .as_str()
        .expect("a token")
        .to_string();
    let path = format!("/frames/?peerId=%23self%3A0&token={token}");
    let (status, jpeg) = http("GET", room.http_port(), &path, "").await;
    assert_eq!((status, &jpeg[..2]), (200, &[0xFF, 0xD8][..]));
    assert_eq!(room.frame_requests(), ["#self:0"]);
    let (status, _) = http(
        "POST",
        room.http_port(),
        "/mock/notify?count=3",
        r#"{"method":"event","event":"zz","n":1}"#,
    )
    .await;
    assert_eq!(status, 200);
    for _ in 0..3 {
        assert_eq!(
            receive(&mut socket).await,
            r#"{"method":"event","event":"zz","n":1}"#
        );
    }
    let (status, _) = http("POST", room.http_port(), "/mock/notify", "not json").await;
    assert_eq!(status, 400);
    let (status, _) = http("GET", room.http_port(), "/elsewhere", "").await;
    assert_eq!(status, 404);
    // A blip for a client in another process: every WebSocket connection is dropped, with no
    // close frame.
    let (status, body) = http("POST", room.http_port(), "/mock/drop", "").await;
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!((status, body), (200, json!({"dropped": 1})));
    match tokio::time::timeout(GUARD, socket.next())
        .await
        .expect("no hang")
    {
        None | Some(Err(_)) => {}
        Some(Ok(Message::Close(frame))) => panic!("a blip sends no close frame: {frame:?}"),
        Some(Ok(other)) => panic!("{other:?} after the drop"),
    }
    assert_eq!(room.connections(), 0);
}

/// Starts `trueconf-api mock-room ARGS` and reads its first line.
fn start_cli(args: &[&str]) -> (std::process::Child, String) {
    let args = [&["mock-room"], args].concat();
    let (child, line, _) = common::start_server(&args, Stdio::piped());
    (child, line)
}

#[tokio::test]
async fn the_subcommand_announces_both_urls_serves_and_stops_on_signals() {
    for signal in ["TERM", "INT"] {
        let (mut child, line) = start_cli(&["--port", "0", "--pin", "4321"]);
        let http_port = port_in(&line, "http");
        let ws_port = port_in(&line, "ws");
        let client = trueconf_api::client::Client::connect(
            "127.0.0.1",
            http_port,
            trueconf_api::client::Credentials::Pin("4321".into()),
        )
        .await
        .expect("a client connects through config.json");
        assert_eq!(
            client.app_state().expect("state").embedded_http_port,
            http_port
        );
        let wrong = trueconf_api::client::Client::connect(
            "127.0.0.1",
            http_port,
            trueconf_api::client::Credentials::Pin("0000".into()),
        )
        .await;
        assert!(
            matches!(wrong, Err(trueconf_api::client::Error::Auth { .. })),
            "{wrong:?}"
        );
        assert_ne!(http_port, ws_port);
        let killed = Process::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = child.wait().expect("exits");
        assert!(status.success(), "SIG{signal}: {status:?}");
    }
    // A usage error exits 2.
    let status = common::tool()
        .args(["mock-room", "--pin", "1", "--password", "2"])
        .stderr(Stdio::null())
        .status()
        .expect("runs");
    assert_eq!(status.code(), Some(2));
}

#[tokio::test]
async fn the_subcommand_takes_its_limits_and_describes_them() {
    let help = common::tool()
        .args(["mock-room", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--handshake-timeout <SECONDS>",
        "--auth-timeout <SECONDS>",
        "--max-connections <N>",
        "--send-queue <BYTES>",
        "--send-timeout <SECONDS>",
        "--max-message-size <BYTES>",
        "[default: 1000]",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    let (mut child, line) = start_cli(&["--auth-timeout", "0.2", "--max-connections", "1"]);
    let ws_port = port_in(&line, "ws");
    let url = format!("ws://127.0.0.1:{ws_port}");
    let (mut silent, _) = tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(&url))
        .await
        .expect("no hang")
        .expect("opens");
    // The only slot is taken: a second connection is closed at once.
    let second = tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(&url))
        .await
        .expect("no hang");
    assert!(second.is_err(), "over the limit: {second:?}");
    let closed = tokio::time::timeout(GUARD, silent.next())
        .await
        .expect("closed in time");
    match closed {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1008);
            assert!(frame.reason.contains("auth"), "{}", frame.reason);
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    child.kill().expect("stops");
    let _ = child.wait();
    let status = common::tool()
        .args(["mock-room", "--send-timeout", "soon"])
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert_eq!(status.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&status.stderr).contains("not a number of seconds"));
}

/// Reads the next `count` text messages as JSON.
async fn next_messages(socket: &mut mock_wire::Socket, count: usize) -> Vec<Value> {
    let mut messages = Vec::with_capacity(count);
    for _ in 0..count {
        messages.push(mock_wire::receive_json(socket).await);
    }
    messages
}

/// `(method or event, appState if any)` of each message, for comparing sequences.
fn names(messages: &[Value]) -> Vec<(String, Option<i64>)> {
    messages
        .iter()
        .map(|message| {
            let name = match message["method"].as_str() {
                Some("event") => message["event"].as_str(),
                other => other,
            };
            (
                name.unwrap_or_default().to_string(),
                message["appState"].as_i64(),
            )
        })
        .collect()
}

fn name(text: &str, state: Option<i64>) -> (String, Option<i64>) {
    (text.to_string(), state)
}

/// Every message the Room sent decodes as its type (conferenceDeleted, catalogued without a
/// page, as `Untyped`).
fn decode_all(messages: &[Value]) {
    for message in messages {
        let decoded = ServerMessage::from_str(&message.to_string())
            .unwrap_or_else(|error| panic!("{message}: {error}"));
        assert!(!decoded.is_unknown(), "{message}");
        if message["event"] != json!("conferenceDeleted") {
            assert!(!decoded.is_untyped(), "{message}");
        }
    }
}

#[tokio::test]
async fn pushed_notifications_that_carry_a_body_change_what_the_command_answers() {
    let room = MockRoom::start().await.expect("starts");
    let mut socket = authorized(&room).await;
    let before = ask(&mut socket, &json!({"method": "getAppState"})).await;
    assert_eq!(before["appState"], json!(3));
    assert_eq!(before["embeddedHttpPort"], json!(room.http_port()));
    // Out of process, as a script would: the state follows the pushed body's keys, the rest
    // stays.
    let (status, _) = http(
        "POST",
        room.http_port(),
        "/mock/notify",
        r#"{"method":"event","event":"appStateChanged","appState":5,"extStatus":7}"#,
    )
    .await;
    assert_eq!(status, 200);
    let pushed = mock_wire::receive_json(&mut socket).await;
    assert_eq!(pushed["event"], json!("appStateChanged"));
    let after = ask(
        &mut socket,
        &json!({"method": "getAppState", "requestId": "2"}),
    )
    .await;
    assert_eq!(
        (
            &after["appState"],
            &after["extStatus"],
            &after["requestId"],
            &after["result"]
        ),
        (&json!(5), &json!(7), &json!("2"), &json!(true))
    );
    assert_eq!(after["desktopSharing"], before["desktopSharing"]);
    assert_eq!(after["embeddedHttpPort"], json!(room.http_port()));
    assert!(ServerMessage::from_str(&after.to_string()).is_ok());
    // Any notification that carries a command's body (`sameBodyAs`) does the same.
    let mut hardware = room
        .notification_example("hardwareChanged")
        .expect("documented");
    hardware["currentVideoCapturerName"] = json!("Pushed camera");
    room.push(&hardware).await;
    mock_wire::receive_json(&mut socket).await;
    let answer = ask(&mut socket, &json!({"method": "getHardware"})).await;
    assert_eq!(answer["currentVideoCapturerName"], json!("Pushed camera"));
    assert_eq!(answer["method"], json!("getHardware"));
    assert!(answer.get("event").is_none(), "{answer}");
}

#[tokio::test]
async fn a_pushed_offer_progresses_when_accepted_and_enters_the_history_with_its_file_id() {
    let room = MockRoom::builder()
        .progress(2, Duration::from_millis(1))
        .start()
        .await
        .expect("starts");
    let mut socket = authorized(&room).await;
    let history_before = ask(&mut socket, &json!({"method": "getFileTransferHistory"})).await
        ["filesRequests"]
        .as_array()
        .expect("a list")
        .len();
    let offer = json!({"method": "event", "event": "receivedFileRequest",
        "fileRequestId": "pushed-1", "peerId": "a@b", "peerDn": "A", "fileName": "p.txt",
        "fileSize": 7, "timestamp": 1_700_000_000_000u64});
    let (status, _) = http("POST", room.http_port(), "/mock/notify", &offer.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(mock_wire::receive_json(&mut socket).await, offer);
    let listed = ask(&mut socket, &json!({"method": "getIncomingFilesRequests"})).await;
    let entry = listed["incomingFilesRequests"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|entry| entry["fileRequestId"] == json!("pushed-1"))
        .cloned()
        .expect("the pushed offer is listed");
    assert_eq!(
        (&entry["status"], &entry["size"], &entry["peerDn"]),
        (&json!(1), &json!(7), &json!("A"))
    );
    let accepted = ask(
        &mut socket,
        &json!({"method": "acceptIncomingFileRequest", "fileRequestId": "pushed-1"}),
    )
    .await;
    assert_eq!(accepted["result"], json!(true));
    let flow = next_messages(&mut socket, 5).await;
    decode_all(&flow);
    assert_eq!(
        names(&flow),
        [
            name("incomingFileRequestAccepted", None),
            name("fileRequestStatusChanged", None),
            name("incomingFileRequestDownloadingProgress", None),
            name("incomingFileRequestDownloadingProgress", None),
            name("fileRequestStatusChanged", None),
        ]
    );
    assert_eq!(flow[1]["status"], json!(2));
    assert!(
        flow[1].get("fileId").is_none(),
        "not before it is processed"
    );
    let done = &flow[4];
    assert_eq!(
        (&done["status"], &done["fileRequestId"]),
        (&json!(3), &json!("pushed-1"))
    );
    let file_id = done["fileId"].as_u64().expect("a fileId once completed");
    let history = ask(&mut socket, &json!({"method": "getFileTransferHistory"})).await;
    assert!(ServerMessage::from_str(&history.to_string()).is_ok());
    let entries = history["filesRequests"].as_array().expect("a list");
    assert_eq!(entries.len(), history_before + 1);
    let last = entries.last().expect("an entry");
    assert_eq!(
        (
            &last["fileRequestId"],
            &last["fileId"],
            &last["fileName"],
            &last["fileSize"]
        ),
        (
            &json!("pushed-1"),
            &json!(file_id),
            &json!("p.txt"),
            &json!(7)
        )
    );
    let info = ask(
        &mut socket,
        &json!({"method": "getFileRequestInfo", "fileRequestId": "pushed-1"}),
    )
    .await;
    assert_eq!(
        (&info["status"], &info["fileId"], &info["peerDisplayName"]),
        (&json!(3), &json!(file_id), &json!("A"))
    );
    // The same offer pushed again is the same offer; a second transfer gets its own fileId.
    room.push(&offer).await;
    mock_wire::receive_json(&mut socket).await;
    let id = room.offer_file(FileOffer::new("q.txt", 9)).await;
    mock_wire::receive_json(&mut socket).await;
    ask(
        &mut socket,
        &json!({"method": "acceptIncomingFileRequest", "fileRequestId": id}),
    )
    .await;
    let second = next_messages(&mut socket, 5).await;
    assert_eq!(second[4]["fileId"], json!(file_id + 1));
    let listed = ask(&mut socket, &json!({"method": "getIncomingFilesRequests"})).await;
    let pushed_entries = listed["incomingFilesRequests"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|entry| entry["fileRequestId"] == json!("pushed-1"))
        .count();
    assert_eq!(pushed_entries, 1);
}

#[tokio::test]
async fn the_call_flow_answers_accept_reject_and_hang_up_with_what_follows() {
    let room = MockRoom::start().await.expect("starts");
    let mut socket = authorized(&room).await;
    // Nothing to answer yet.
    for method in ["accept", "reject"] {
        let answer = ask(&mut socket, &json!({"method": method, "requestId": "0"})).await;
        assert_eq!(answer["result"], json!(false), "{answer}");
        assert!(answer["error"].as_str().is_some_and(|e| e.contains(method)));
    }
    // A pushed invitation (the documented example: a role-based group conference).
    let invitation = room
        .notification_example("inviteReceived")
        .expect("documented");
    room.push(&invitation).await;
    mock_wire::receive_json(&mut socket).await;
    let waiting = ask(&mut socket, &json!({"method": "getAppState"})).await;
    assert_eq!(waiting["appState"], json!(4));
    let accepted = ask(&mut socket, &json!({"method": "accept", "requestId": "a"})).await;
    assert_eq!(
        accepted,
        json!({"method": "accept", "requestId": "a", "result": true})
    );
    let joined = next_messages(&mut socket, 2).await;
    decode_all(&joined);
    assert_eq!(
        names(&joined),
        [
            name("appStateChanged", Some(5)),
            name("conferenceCreated", None)
        ]
    );
    let created = &joined[1];
    assert_eq!(created["confId"], invitation["confId"]);
    assert_eq!(created["confType"], invitation["type"]);
    assert_eq!(created["confTitle"], invitation["confTitle"]);
    assert!(
        created.get("peerId").is_none(),
        "given for outgoing calls only"
    );
    let state = ask(&mut socket, &json!({"method": "getAppState"})).await;
    assert_eq!(state["appState"], json!(5));
    let again = ask(&mut socket, &json!({"method": "accept"})).await;
    assert_eq!(again["result"], json!(false));
    let hung_up = ask(&mut socket, &json!({"method": "hangUp", "requestId": "h"})).await;
    assert_eq!(hung_up["result"], json!(true));
    let left = next_messages(&mut socket, 3).await;
    decode_all(&left);
    assert_eq!(
        names(&left),
        [
            name("appStateChanged", Some(6)),
            name("conferenceDeleted", None),
            name("appStateChanged", Some(3)),
        ]
    );
    assert_eq!(left[1]["confId"], invitation["confId"]);
    // Invited by the Room's own helper (a video call), then turned down: by reject, or by
    // hangUp while it rings.
    for method in ["reject", "hangUp"] {
        room.invite(Invitation::call("0000abcd@some.server#vcs"))
            .await;
        let invited = next_messages(&mut socket, 2).await;
        decode_all(&invited);
        assert_eq!(
            names(&invited),
            [
                name("appStateChanged", Some(4)),
                name("inviteReceived", None)
            ]
        );
        assert!(invited[1].get("confTitle").is_none(), "a call has no title");
        let answer = ask(&mut socket, &json!({"method": method})).await;
        assert_eq!(answer["result"], json!(true), "{method}");
        let declined = next_messages(&mut socket, 2).await;
        decode_all(&declined);
        assert_eq!(
            names(&declined),
            [name("rejectSent", None), name("appStateChanged", Some(3))],
            "{method}"
        );
        assert_eq!(
            (
                &declined[0]["peerId"],
                &declined[0]["confId"],
                &declined[0]["cause"]
            ),
            (
                &json!("user@some.server"),
                &json!("0000abcd@some.server#vcs"),
                &json!(0)
            )
        );
    }
    // hangUp with no call: its documented answer, and nothing follows.
    let idle = ask(&mut socket, &json!({"method": "hangUp", "requestId": "i"})).await;
    assert_eq!(idle["result"], json!(true));
    let next = ask(
        &mut socket,
        &json!({"method": "getAppState", "requestId": "n"}),
    )
    .await;
    assert_eq!(next["requestId"], json!("n"));
    // A scripted rule still wins over the flow.
    room.fail("accept", "scripted");
    room.invite(Invitation::call("c")).await;
    next_messages(&mut socket, 2).await;
    let scripted = ask(&mut socket, &json!({"method": "accept"})).await;
    assert_eq!(scripted["error"], json!("scripted"));
}

/// A kiosk's main flow through this crate's client, as a kiosk would run it: an incoming call
/// is accepted and the application state follows it into the conference and out again; a
/// file offered by a peer is accepted and ends up in the transfer history with its `fileId`.
#[tokio::test]
async fn a_kiosk_answers_a_call_and_takes_a_file_from_a_pushed_offer() {
    use trueconf_api::commands::{AcceptIncomingFileRequest, GetFileTransferHistory, HangUp};
    use trueconf_api::notifications::{
        ConferenceCreated, FileRequestStatusChanged, InviteReceived, ReceivedFileRequest,
    };
    use trueconf_api::types::{AppState, FileRequestStatus};

    let room = MockRoom::builder()
        .progress(2, Duration::from_millis(1))
        .start()
        .await
        .expect("starts");
    let client = mock_wire::client(&room).await;
    let mut invitations = client.subscribe::<InviteReceived>();
    let mut conferences = client.subscribe::<ConferenceCreated>();
    let mut states = client.subscribe::<trueconf_api::notifications::AppStateChanged>();
    let state_becomes = |wanted: AppState| {
        let client = &client;
        async move {
            let started = std::time::Instant::now();
            while client.app_state().map(|state| state.app_state) != Some(wanted) {
                assert!(
                    started.elapsed() < GUARD,
                    "appState never became {wanted:?}"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    assert_eq!(
        client.app_state().map(|state| state.app_state),
        Some(AppState::LoggedIn)
    );

    // Someone calls: the test pushes inviteReceived, as the Room would send it.
    let invitation = json!({"method": "event", "event": "inviteReceived",
        "peerId": "caller@some.server", "peerDn": "Caller", "type": 0,
        "confId": "0000c0de@some.server#vcs"});
    room.push(&invitation).await;
    let invited = mock_wire::next_ok(&mut invitations).await;
    assert_eq!(invited.peer_id, "caller@some.server");
    // The kiosk answers (`accept` has no typed command yet: it goes as a raw request).
    let answer = tokio::time::timeout(GUARD, client.request_raw("accept", Default::default()))
        .await
        .expect("no hang")
        .expect("accepted");
    assert_eq!(answer.get("result"), Some(&json!(true)));
    let created = mock_wire::next_ok(&mut conferences).await;
    assert_eq!(created.conf_id, "0000c0de@some.server#vcs");
    assert_eq!(created.peer_id, None);
    state_becomes(AppState::InConference).await;
    let changed = mock_wire::next_ok(&mut states).await;
    assert_eq!(changed.app_state, AppState::InConference);
    // The call ends from the kiosk's button.
    tokio::time::timeout(GUARD, client.request(HangUp::new()))
        .await
        .expect("no hang")
        .expect("hung up");
    state_becomes(AppState::LoggedIn).await;

    // A peer offers a file: pushed as the Room would send it, accepted, downloaded.
    let mut offers = client.subscribe::<ReceivedFileRequest>();
    let mut statuses = client.subscribe::<FileRequestStatusChanged>();
    let offer = json!({"method": "event", "event": "receivedFileRequest",
        "fileRequestId": "kiosk-file", "peerId": "caller@some.server", "peerDn": "Caller",
        "fileName": "badge.png", "fileSize": 2048, "timestamp": 1_700_000_000_000u64});
    room.push(&offer).await;
    let offered = mock_wire::next_ok(&mut offers).await;
    tokio::time::timeout(
        GUARD,
        client.request(AcceptIncomingFileRequest::new(
            offered.file_request_id.as_str(),
        )),
    )
    .await
    .expect("no hang")
    .expect("accepted");
    let completed = loop {
        let status = mock_wire::next_ok(&mut statuses).await;
        if status.status == FileRequestStatus::Completed {
            break status;
        }
    };
    let file_id = completed
        .file_id
        .expect("a completed download has a fileId");
    let history = tokio::time::timeout(GUARD, client.request(GetFileTransferHistory::new()))
        .await
        .expect("no hang")
        .expect("answered");
    let entry = history
        .files_requests
        .iter()
        .find(|entry| entry.file_request_id == "kiosk-file")
        .expect("the download is in the history");
    assert_eq!(entry.file_id, file_id);
    assert_eq!(entry.file_name, "badge.png");
}
