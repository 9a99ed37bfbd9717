//! The mock Room (`trueconf_api::mock`, `trueconf-api mock-room`) on the wire, with a bare
//! WebSocket and HTTP: every typed command answered with a response its type decodes, the
//! documented example where there is one; auth; the errors for everything else; scripting;
//! the file-transfer flow; the HTTP endpoints; and the subcommand's first line and signals.

mod common;

use std::io::BufRead;
use std::process::{Command as Process, Stdio};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use trueconf_api::mock::{ExampleOrigin, FileOffer, MockRoom, Protection, Rule};
use trueconf_api::{
    AnyNotification, Command, DecodeError, MessageVisitor, Notification, Response, ServerMessage,
};

const GUARD: Duration = Duration::from_secs(30);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn open(room: &MockRoom) -> Socket {
    let (socket, _) = tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(room.ws_url()))
        .await
        .expect("no hang")
        .expect("the WebSocket opens");
    socket
}

async fn send(socket: &mut Socket, message: &Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

async fn receive(socket: &mut Socket) -> String {
    loop {
        let frame = tokio::time::timeout(GUARD, socket.next())
            .await
            .expect("no hang")
            .expect("open")
            .expect("a frame");
        if let Message::Text(text) = frame {
            return text.as_str().to_string();
        }
    }
}

async fn ask(socket: &mut Socket, message: &Value) -> Value {
    send(socket, message).await;
    serde_json::from_str(&receive(socket).await).expect("JSON")
}

async fn authorized(room: &MockRoom) -> Socket {
    let mut socket = open(room).await;
    let answer = ask(&mut socket, &json!({"method": "auth", "type": "unsecured"})).await;
    assert_eq!(answer["result"], json!(true));
    socket
}

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
    // A command still catalogued (the first left: the client tier types them by family).
    let untyped = *trueconf_api::UNTYPED_COMMAND_NAMES
        .first()
        .expect("a catalogued command");
    for (request, says) in [
        (json!({"method": untyped, "requestId": "1"}), untyped),
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

/// `METHOD http://127.0.0.1:PORT/PATH` with a body, through hyper; status and body.
async fn http(method: &str, port: u16, path: &str, body: &str) -> (u16, Bytes) {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connects");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(connection);
    let request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", format!("127.0.0.1:{port}"))
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a request");
    let response = sender.send_request(request).await.expect("a response");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, body)
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
}

/// Starts `trueconf-api mock-room ARGS` and reads its first line.
fn start_cli(args: &[&str]) -> (std::process::Child, String) {
    let mut child = common::tool()
        .arg("mock-room")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a first line");
    (child, line)
}

/// The port of `scheme://127.0.0.1:PORT` in `line`.
fn port_in(line: &str, scheme: &str) -> u16 {
    let start = line
        .find(&format!("{scheme}://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no {scheme} URL in {line:?}"))
        + scheme.len()
        + "://127.0.0.1:".len();
    line[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a port")
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
