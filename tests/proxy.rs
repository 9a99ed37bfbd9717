//! `trueconf_api::proxy` and `trueconf-api proxy` between clients and a mock Room (and a raw
//! one for what the mock cannot send): every message byte-identical on both sides of the
//! proxy, as the wire shows it (a TCP wiretap on each side, read frame by frame); the
//! recording; the verdicts; config.json rewritten and nothing else; hostile peers; and the
//! subcommand end to end.

mod common;

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, Utf8Bytes};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use trueconf_api::check::Checker;
use trueconf_api::client::{Client, Error as ClientError};
use trueconf_api::commands::{AcceptIncomingFileRequest, GetAbook, GetFileTransferHistory};
use trueconf_api::folder::FolderDecoder;
use trueconf_api::mock::{FileOffer, MockRoom};
use trueconf_api::notifications::FileRequestStatusChanged;
use trueconf_api::proxy::{Proxy, ProxyBuilder};
use trueconf_api::types::FileRequestStatus;

use common::port_in;
use common::wiretap::{self, Wire, Wiretap};

/// Every wait in these tests ends by then.
const GUARD: Duration = Duration::from_secs(30);

async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no hang"))
}

/// A writer the test reads back (the report).
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().expect("lock").clone())
            .expect("the report is UTF-8")
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// The lines of a recording, parsed.
fn recording(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("the recording exists")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

/// The data messages of a recording from `from`, as the wire shows them.
fn recorded(lines: &[Value], from: &str) -> Vec<Wire> {
    lines
        .iter()
        .filter(|line| line["from"] == from)
        .map(|line| {
            let bytes = match (&line["text"], &line["base64"]) {
                (Value::String(text), Value::Null) => text.as_bytes().to_vec(),
                (Value::Null, Value::String(base64)) => data_encoding::BASE64
                    .decode(base64.as_bytes())
                    .expect("base64"),
                other => panic!("a message line with {other:?}"),
            };
            match line["frame"].as_str() {
                Some("text") => Wire::Text(bytes),
                Some("binary") => Wire::Binary(bytes),
                other => panic!("frame {other:?}"),
            }
        })
        .collect()
}

/// Both wiretaps' single connection: (client side, Room side).
fn sides(client_tap: &Wiretap, room_tap: &Wiretap) -> (wiretap::Capture, wiretap::Capture) {
    let mut client = client_tap.captures();
    let mut room = room_tap.captures();
    assert_eq!(client.len(), 1, "one client connection");
    assert_eq!(room.len(), 1, "one Room connection");
    (client.remove(0), room.remove(0))
}

fn temp(name: &str) -> std::path::PathBuf {
    common::temp_dir(&format!("proxy-{name}"))
}

/// A proxy to the Room whose web server is on `port`, set up by `setup`, and its report.
async fn started(port: u16, setup: impl FnOnce(ProxyBuilder) -> ProxyBuilder) -> (Proxy, Buffer) {
    let report = Buffer::default();
    let builder = setup(Proxy::builder("127.0.0.1", port).report(report.clone()));
    let proxy = within("start", builder.start()).await.expect("starts");
    (proxy, report)
}

/// A proxy to `room` whose WebSocket side goes through a wiretap, recording to `record`: the
/// proxy, its report and the wiretap.
async fn proxied(room: &MockRoom, record: &Path) -> (Proxy, Buffer, Wiretap) {
    let room_tap = Wiretap::start(SocketAddr::from(([127, 0, 0, 1], room.ws_port()))).await;
    let file = std::fs::File::create(record).expect("creates");
    let (proxy, report) = started(room.http_port(), |builder| {
        builder.room_ws_port(room_tap.port()).record(file)
    })
    .await;
    (proxy, report, room_tap)
}

#[tokio::test]
async fn a_client_session_is_byte_identical_on_both_sides_and_recorded() {
    let room = MockRoom::start().await.expect("mock starts");
    room.fail("getAbook", "Address book is not available");
    let dir = temp("session");
    let record = dir.join("session.jsonl");
    let (proxy, report, room_tap) = proxied(&room, &record).await;
    let client_tap = Wiretap::start(proxy.ws_addr()).await;

    let client = within(
        "connect",
        Client::builder()
            .url(format!("ws://127.0.0.1:{}", client_tap.port()))
            .connect(),
    )
    .await
    .expect("the client connects through the proxy");
    let mut statuses = client.subscribe::<FileRequestStatusChanged>();
    within("history", client.request(GetFileTransferHistory::new()))
        .await
        .expect("answered");
    let refused = within("getAbook", client.request(GetAbook::new())).await;
    assert!(
        matches!(refused, Err(ClientError::Failed(_))),
        "{refused:?}"
    );
    within(
        "untyped",
        client.request_raw("getTokenForHttpServer", serde_json::Map::new()),
    )
    .await
    .expect("an untyped command answered");
    // Notifications: pushed ones (one with a key the definitions do not know), and the
    // file-transfer flow an accepted offer plays.
    let mut pushed = room
        .notification_example("fileTransferAvailabilityChanged")
        .expect("documented");
    pushed["fromTheFuture"] = json!(true);
    assert_eq!(room.push(&pushed).await, 1);
    let offer = room.offer_file(FileOffer::new("plan.pdf", 2048)).await;
    let accepted = within(
        "accept",
        client.request(AcceptIncomingFileRequest::new(offer.as_str())),
    )
    .await;
    assert!(accepted.is_ok(), "{accepted:?}");
    // The flow ends with status 3 (completed).
    within("the flow", async {
        while let Some(status) = statuses.next().await {
            if status.expect("decodes").status == FileRequestStatus::Completed {
                break;
            }
        }
    })
    .await;
    within("close", client.close()).await;
    within("closed", proxy.wait_for_closed(1)).await;
    let summary = within("shutdown", proxy.shutdown()).await;

    // The wire on both sides of the proxy: every message, same kind, same bytes, same order.
    let (client_side, room_side) = sides(&client_tap, &room_tap);
    let sent = wiretap::messages(&client_side.up);
    let arrived = wiretap::messages(&room_side.up);
    let answered = wiretap::messages(&room_side.down);
    let received = wiretap::messages(&client_side.down);
    let data_sent = wiretap::data(&sent);
    let data_answered = wiretap::data(&answered);
    assert!(data_sent.len() >= 6, "{data_sent:?}");
    assert!(data_answered.len() >= 12, "{data_answered:?}");
    assert_eq!(wiretap::data(&arrived), data_sent, "client -> room");
    assert_eq!(wiretap::data(&received), data_answered, "room -> client");
    // The client's close frame reached the Room as it was sent.
    let closes = |messages: &[Wire]| -> Vec<Wire> {
        messages
            .iter()
            .filter(|m| matches!(m, Wire::Close(_)))
            .cloned()
            .collect()
    };
    assert_eq!(closes(&sent).len(), 1, "{sent:?}");
    assert_eq!(closes(&arrived), closes(&sent));

    // The recording: the open line, every message with its direction and exact bytes, the
    // close line; numbered in order.
    let lines = recording(&record);
    for (index, line) in lines.iter().enumerate() {
        assert_eq!(line["seq"], json!(index + 1), "{line}");
        assert_eq!(line["conn"], json!(1), "{line}");
        let time = line["time"].as_str().expect("a time");
        assert!(
            time.len() == 24 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{time}"
        );
    }
    assert_eq!(lines.first().expect("lines")["event"], "open");
    assert_eq!(lines.last().expect("lines")["event"], "close");
    assert_eq!(lines.last().expect("lines")["by"], "client");
    assert_eq!(recorded(&lines, "client"), data_sent);
    assert_eq!(recorded(&lines, "room"), data_answered);
    assert_eq!(lines.len(), 2 + data_sent.len() + data_answered.len());

    // The verdicts, in the recording and the report, and counted.
    let verdict_of = |method: &str, from: &str| -> Value {
        lines
            .iter()
            .find(|line| {
                line["from"] == from
                    && line["text"]
                        .as_str()
                        .is_some_and(|text| text.contains(&format!("\"{method}\"")))
            })
            .unwrap_or_else(|| panic!("no {method} from the {from}"))["check"]
            .clone()
    };
    assert_eq!(
        verdict_of("auth", "client"),
        json!({"verdict": "ok", "kind": "request", "name": "auth", "untyped": false, "unknownFields": []})
    );
    // Typed in the client tier (no doc page; TrueConf's clients send it).
    assert_eq!(
        verdict_of("getTokenForHttpServer", "client"),
        json!({"verdict": "ok", "kind": "request", "name": "getTokenForHttpServer", "untyped": false, "unknownFields": []})
    );
    assert_eq!(
        verdict_of("fileTransferAvailabilityChanged", "room")["unknownFields"],
        json!(["fromTheFuture"])
    );
    let report = report.lines();
    assert!(
        report.iter().any(|line| line.ends_with(
            "room -> client: ok notification fileTransferAvailabilityChanged (unknown fields: fromTheFuture)"
        )),
        "{report:#?}"
    );
    assert!(report
        .iter()
        .any(|line| line.starts_with("#1 conn 1 open: client 127.0.0.1:")));
    assert_eq!(summary.connections, 1);
    assert_eq!(summary.closed, 1);
    assert_eq!(summary.from_client.text as usize, data_sent.len());
    assert_eq!(summary.from_room.text as usize, data_answered.len());
    assert_eq!(summary.from_client.verdicts.ok as usize, data_sent.len());
    assert_eq!(summary.from_room.verdicts.errors, 0);
    assert_eq!(summary.from_room.verdicts.with_unknown_fields, 1);
    assert!(summary.all_ok(), "{summary}");
}

#[tokio::test]
async fn config_json_points_at_the_proxy_and_other_http_passes_unchanged() {
    let room = MockRoom::start().await.expect("mock starts");
    let (proxy, report) = started(room.http_port(), |builder| builder).await;
    assert_eq!(
        proxy.room_ws_url(),
        room.ws_url(),
        "discovered from config.json"
    );

    // config.json: the two ports are the proxy's, every other byte is the Room's.
    let (status, direct, _) =
        http(room.http_port(), "GET", "/public/default/config.json", "").await;
    assert_eq!(status, 200);
    let (status, through, headers) = http(
        proxy.http_addr().port(),
        "GET",
        "/public/default/config.json",
        "",
    )
    .await;
    assert_eq!(status, 200);
    let expected = String::from_utf8(direct.to_vec())
        .expect("utf-8")
        .replace(
            &room.http_port().to_string(),
            &proxy.http_addr().port().to_string(),
        )
        .replace(
            &room.ws_port().to_string(),
            &proxy.ws_addr().port().to_string(),
        );
    assert_eq!(
        String::from_utf8(through.to_vec()).expect("utf-8"),
        expected
    );
    assert_eq!(
        headers.get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    assert_eq!(
        headers
            .get("content-length")
            .map(|v| v.to_str().expect("ascii").to_string()),
        Some(through.len().to_string())
    );

    // A client that discovers the Room through the proxy connects to the proxy's WebSocket.
    let client = within(
        "connect",
        Client::connect("127.0.0.1", proxy.http_addr().port(), Default::default()),
    )
    .await
    .expect("connects through config.json");
    // Frames come through the proxy too (config.http.port is the proxy's), byte for byte.
    let frame = within("frame", client.frame("#self:0"))
        .await
        .expect("a frame");
    let token = client.http_token().await.expect("a token");
    let (status, direct_frame, _) = http(
        room.http_port(),
        "GET",
        &format!("/frames/?peerId=%23self%3A0&token={}", urlencode(&token)),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(frame, direct_frame);
    assert_eq!(room.frame_requests().len(), 2);
    // Errors and bodies pass unchanged, both ways.
    for (method, path, body) in [
        ("GET", "/nowhere", ""),
        ("POST", "/mock/notify", "not json"),
        ("POST", "/mock/notify?count=x", "{}"),
    ] {
        let direct = http(room.http_port(), method, path, body).await;
        let through = http(proxy.http_addr().port(), method, path, body).await;
        assert_eq!(
            (direct.0, &direct.1),
            (through.0, &through.1),
            "{method} {path}"
        );
        // The same headers: the proxy adds none (the Date is the Room's, a second apart at most).
        let names = |headers: &hyper::HeaderMap| -> Vec<String> {
            headers.keys().map(|name| name.to_string()).collect()
        };
        assert_eq!(names(&direct.2), names(&through.2), "{method} {path}");
        assert_eq!(direct.2.get("content-type"), through.2.get("content-type"));
    }
    let mut events = client.notifications();
    let (status, _, _) = http(
        proxy.http_addr().port(),
        "POST",
        "/mock/notify",
        r#"{"method":"event","event":"fileTransferHistoryCleared"}"#,
    )
    .await;
    assert_eq!(status, 200);
    let pushed = within("pushed", events.next())
        .await
        .expect("a notification");
    assert!(pushed.is_ok(), "{pushed:?}");
    client.close().await;
    let summary = within("shutdown", proxy.shutdown()).await;
    assert_eq!(summary.config_rewritten, 2, "{summary}");
    // config.json twice, the frame, the three errors, the push.
    assert_eq!(summary.http_requests, 7, "{summary}");
    assert!(
        report
            .lines()
            .iter()
            .any(|line| line.starts_with("proxy: config.json rewritten: config.http.port")),
        "{:#?}",
        report.lines()
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// One HTTP/1.1 exchange on a fresh connection: status, body, headers.
async fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, Bytes, hyper::HeaderMap) {
    within("HTTP", async {
        let mut sender = wiretap::http_connection(SocketAddr::from(([127, 0, 0, 1], port))).await;
        let request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", format!("127.0.0.1:{port}"))
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("a request");
        let response = sender.send_request(request).await.expect("a response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (status, body, headers)
    })
    .await
}

type Raw = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

async fn raw_client(port: u16) -> Raw {
    let (socket, _) = within(
        "raw connect",
        tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/")),
    )
    .await
    .expect("the WebSocket opens");
    socket
}

/// A text frame with any bytes (tungstenite's `Message::Text` must be UTF-8).
fn raw_text(bytes: &[u8]) -> Message {
    Message::Frame(Frame::message(
        bytes.to_vec(),
        OpCode::Data(Data::Text),
        true,
    ))
}

/// Invalid traffic from the client: non-JSON text, a binary request, binary garbage, an
/// unknown method, a known method with a bad payload, a ping, and last a text frame that is
/// not UTF-8 (the mock drops a connection on it).
const NOT_UTF8: &[u8] = b"{\"method\":\"auth\",\"x\":\"\xff\xfe\"}";

#[tokio::test]
async fn invalid_client_traffic_passes_unchanged_and_gets_its_verdict() {
    let room = MockRoom::start().await.expect("mock starts");
    let dir = temp("invalid");
    let record = dir.join("invalid.jsonl");
    let (proxy, report, room_tap) = proxied(&room, &record).await;
    let client_tap = Wiretap::start(proxy.ws_addr()).await;
    let mut socket = raw_client(client_tap.port()).await;
    let sends = vec![
        Message::text("not json at all"),
        Message::Binary(Bytes::from_static(
            br#"{"method":"getAppState","requestId":"b1"}"#,
        )),
        Message::Binary(Bytes::from_static(&[0xFF, 0x00, 0x10])),
        Message::text(r#"{"method":"noSuchMethod","requestId":"u1"}"#),
        Message::text(
            r#"{"method":"sendFile","requestId":"p1","fileId":"not a number","callId":"x"}"#,
        ),
        Message::Ping(Bytes::from_static(b"are you there")),
        raw_text(NOT_UTF8),
    ];
    for message in sends {
        socket.send(message).await.expect("sent");
    }
    // Answers to the two JSON requests (the mock wants auth first), then the mock closes the
    // connection with 1007 on the text that is not UTF-8, and the proxy passes the close on.
    let mut answers = 0;
    while let Ok(Some(Ok(message))) = tokio::time::timeout(GUARD, socket.next()).await {
        answers += usize::from(matches!(message, Message::Text(_)));
    }
    assert!(answers >= 2, "{answers}");
    within("closed", proxy.wait_for_closed(1)).await;
    let summary = within("shutdown", proxy.shutdown()).await;

    let (client_side, room_side) = sides(&client_tap, &room_tap);
    let sent = wiretap::messages(&client_side.up);
    let arrived = wiretap::messages(&room_side.up);
    assert_eq!(wiretap::data(&sent).len(), 6);
    assert_eq!(wiretap::data(&arrived), wiretap::data(&sent));
    assert_eq!(
        wiretap::data(&arrived).last(),
        Some(&Wire::Text(NOT_UTF8.to_vec())),
        "the text that is not UTF-8 went on as text, byte for byte"
    );
    assert!(
        arrived.contains(&Wire::Ping(b"are you there".to_vec())),
        "{arrived:?}"
    );
    assert_eq!(
        wiretap::data(&wiretap::messages(&client_side.down)),
        wiretap::data(&wiretap::messages(&room_side.down))
    );

    let report = report.lines();
    let verdicts: Vec<&str> = report
        .iter()
        .filter(|line| line.contains(" client -> room"))
        .map(|line| line.split_once(" client -> room").expect("a direction").1)
        .collect();
    assert_eq!(
        verdicts,
        [
            ": error invalid JSON: expected ident (line 1, column 2)",
            " (binary): ok request getAppState",
            " (binary): error invalid JSON: expected value (line 1, column 1)",
            ": unknown request noSuchMethod",
            ": error request sendFile: fileId: invalid type: string \"not a number\", expected u64 (line 1, column 61)",
            " (text, not UTF-8): error invalid JSON: request auth: x: invalid unicode code point (line 1, column 23)",
        ],
        "{report:#?}"
    );
    let lines = recording(&record);
    let last = lines
        .iter()
        .rfind(|line| line["from"] == "client")
        .expect("messages");
    assert_eq!(last["frame"], "text");
    assert_eq!(
        last["base64"],
        json!(data_encoding::BASE64.encode(NOT_UTF8))
    );
    assert_eq!(last["check"]["verdict"], "error");
    let close = lines.last().expect("lines");
    assert_eq!(close["event"], "close");
    assert_eq!(close["by"], "room", "{close}");
    assert_eq!(close["code"], 1007, "{close}");
    let client = &summary.from_client;
    assert_eq!(
        (
            client.text,
            client.binary,
            client.text_not_utf8,
            client.pings
        ),
        (3, 2, 1, 1)
    );
    assert_eq!(
        (
            client.verdicts.ok,
            client.verdicts.unknown,
            client.verdicts.errors
        ),
        (1, 1, 4)
    );
    assert_eq!(client.unknown_names.get("request noSuchMethod"), Some(&1));
    assert_eq!(client.errors.get("request sendFile"), Some(&1));
    assert_eq!(
        client.errors.get("request auth"),
        Some(&1),
        "the name was read"
    );
    assert_eq!(client.errors.get("not a message"), Some(&2));
    assert!(!summary.all_ok());
}

/// A Room that speaks raw WebSocket: sends `messages` to whoever connects, then echoes what it
/// reads until the connection ends.
async fn raw_room(messages: Vec<Message>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let messages = messages.clone();
            tokio::spawn(async move {
                let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                for message in messages {
                    if socket.send(message).await.is_err() {
                        return;
                    }
                }
                while let Some(Ok(message)) = socket.next().await {
                    if message.is_close() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn invalid_room_traffic_passes_unchanged_and_gets_its_verdict() {
    let room_messages = vec![
        Message::text("the Room says hello"),
        Message::Binary(Bytes::from_static(
            br#"{"method":"event","event":"fileTransferHistoryCleared"}"#,
        )),
        Message::Binary(Bytes::from_static(&[0, 1, 2, 3, 254, 255])),
        raw_text(b"\xc3\x28 not UTF-8"),
        Message::text(r#"{"method":"event","event":"noSuchEvent"}"#),
        Message::Pong(Bytes::from_static(b"unasked")),
        Message::Close(Some(CloseFrame {
            code: CloseCode::Away,
            reason: Utf8Bytes::from_static("the Room goes away"),
        })),
    ];
    let room = raw_room(room_messages).await;
    let room_tap = Wiretap::start(room).await;
    let (proxy, report) =
        started(room.port(), |builder| builder.room_ws_port(room_tap.port())).await;
    let client_tap = Wiretap::start(proxy.ws_addr()).await;
    // Read raw: tungstenite would refuse the text that is not UTF-8.
    let mut stream = TcpStream::connect(client_tap.addr).await.expect("connects");
    stream
        .write_all(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
              Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .await
        .expect("handshake sent");
    let mut received = Vec::new();
    within("the Room's messages", async {
        let mut buffer = [0u8; 4096];
        loop {
            let read = stream.read(&mut buffer).await.expect("reads");
            received.extend_from_slice(&buffer[..read]);
            if read == 0
                || wiretap::messages(&received)
                    .iter()
                    .any(|m| matches!(m, Wire::Close(_)))
            {
                break;
            }
        }
    })
    .await;
    assert!(
        received.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&received)
    );
    // Answer the close as an endpoint must (masked, as a client).
    stream
        .write_all(&[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE9])
        .await
        .expect("close answered");
    within("closed", proxy.wait_for_closed(1)).await;
    let summary = within("shutdown", proxy.shutdown()).await;

    let (_, room_side) = sides(&client_tap, &room_tap);
    let sent = wiretap::messages(&room_side.down);
    let got = wiretap::messages(&received);
    assert_eq!(wiretap::data(&sent).len(), 5);
    assert_eq!(wiretap::data(&got), wiretap::data(&sent));
    assert!(got.contains(&Wire::Pong(b"unasked".to_vec())), "{got:?}");
    let close = |messages: &[Wire]| {
        messages
            .iter()
            .find(|m| matches!(m, Wire::Close(_)))
            .cloned()
    };
    assert_eq!(
        close(&got),
        close(&sent),
        "the close frame, code and reason"
    );
    let room = &summary.from_room;
    assert_eq!(
        (room.text, room.binary, room.text_not_utf8, room.pongs),
        (2, 2, 1, 1)
    );
    assert_eq!(
        (
            room.verdicts.ok,
            room.verdicts.unknown,
            room.verdicts.errors
        ),
        (1, 1, 3)
    );
    let report = report.lines();
    assert!(
        report
            .iter()
            .any(|line| line.ends_with("closed by room: close frame 1001 \"the Room goes away\"")),
        "{report:#?}"
    );
    assert!(
        report.iter().any(|line| line.ends_with("room -> client (text, not UTF-8): error invalid JSON: expected value (line 1, column 1)")),
        "{report:#?}"
    );
}

/// A copy of schema/ with a field and a message added (as tests/folder_tools.rs edits one).
fn edited_definitions(dir: &Path) -> std::path::PathBuf {
    let folder = dir.join("defs");
    common::run_ok(&["definitions", "--out", folder.to_str().expect("utf-8")]);
    let path = folder.join("notifications/fileTransferHistoryCleared.json");
    let mut definition: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("reads")).expect("JSON");
    definition["fields"] = json!([{
        "name": "removedFiles",
        "type": "u32",
        "optional": true,
        "absentWhen": "Undocumented: added by a newer Room, as far as this test knows.",
        "doc": "How many files the history held.",
        "presence": { "doc": "undescribed" }
    }]);
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&definition).expect("encodes"),
    )
    .expect("writes");
    // The export carries the evidence index: the new field needs an entry in it.
    common::record_capture(
        &folder,
        &[("notifications/fileTransferHistoryCleared", "removedFiles")],
    );
    folder
}

#[tokio::test]
async fn a_definitions_folder_gives_the_folder_verdicts() {
    let dir = temp("definitions");
    let folder = edited_definitions(&dir);
    let decoder = FolderDecoder::load(&folder).expect("the edited folder validates");
    let pushed =
        json!({"method": "event", "event": "fileTransferHistoryCleared", "removedFiles": 12});
    let mut verdicts = Vec::new();
    for checker in [Checker::Compiled, Checker::Folder(Box::new(decoder))] {
        let room = MockRoom::start().await.expect("mock starts");
        let (proxy, report) = started(room.http_port(), |builder| builder.checker(checker)).await;
        let mut socket = raw_client(proxy.ws_addr().port()).await;
        within("connected", async {
            while room.connections() == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert_eq!(room.push(&pushed).await, 1);
        let got = within("pushed", socket.next())
            .await
            .expect("open")
            .expect("a message");
        let got: Value = serde_json::from_str(got.to_text().expect("text")).expect("JSON");
        assert_eq!(got, pushed);
        socket.close(None).await.expect("closes");
        within("closed", proxy.wait_for_closed(1)).await;
        let summary = within("shutdown", proxy.shutdown()).await;
        assert_eq!(summary.from_room.messages(), 1);
        let line = report
            .lines()
            .into_iter()
            .find(|line| line.contains("room -> client"))
            .expect("a verdict line");
        verdicts.push(line.split_once(": ").expect("a verdict").1.to_string());
    }
    assert_eq!(
        verdicts,
        [
            "ok notification fileTransferHistoryCleared (unknown fields: removedFiles)",
            "ok notification fileTransferHistoryCleared",
        ]
    );
}

/// Asks `socket` for an auth answer with `id`; the connection must be alive.
async fn ask(socket: &mut Raw, id: &str) {
    let request = format!(r#"{{"method":"auth","type":"unsecured","requestId":"{id}"}}"#);
    socket.send(Message::text(request)).await.expect("sent");
    loop {
        match within("an answer", socket.next()).await {
            Some(Ok(Message::Text(text))) if text.contains(id) => return,
            Some(Ok(_)) => {}
            other => panic!("the steady client lost its connection: {other:?}"),
        }
    }
}

#[tokio::test]
async fn hostile_clients_end_their_own_connection_and_no_other() {
    let room = MockRoom::start().await.expect("mock starts");
    let (proxy, report) = started(room.http_port(), |builder| {
        builder
            .max_message_size(64 << 10)
            .handshake_timeout(Duration::from_millis(300))
            .close_timeout(Duration::from_millis(500))
    })
    .await;
    let ws_port = proxy.ws_addr().port();
    // A client that stays for the whole test and must keep working.
    let mut steady = raw_client(ws_port).await;
    ask(&mut steady, "s1").await;

    // Garbage instead of a handshake, and a handshake cut off half-way: closed, by the
    // header timeout for the silent one.
    let mut garbage = TcpStream::connect(proxy.ws_addr()).await.expect("connects");
    garbage
        .write_all(&[0x16, 0x03, 0x01, 0xFF, 0xFF, 0, 0, 0])
        .await
        .expect("written");
    let mut half = TcpStream::connect(proxy.ws_addr()).await.expect("connects");
    half.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr")
        .await
        .expect("written");
    let mut answers = Vec::new();
    for stream in [&mut garbage, &mut half] {
        let mut rest = Vec::new();
        // `within` fails the test unless the proxy ends the connection.
        let _ = within("closed", stream.read_to_end(&mut rest)).await;
        answers.push(String::from_utf8_lossy(&rest).into_owned());
    }
    assert!(answers[0].starts_with("HTTP/1.1 400"), "{answers:?}");
    assert_eq!(answers[1], "", "closed by the header timeout, unanswered");
    ask(&mut steady, "s2").await;

    // A message over the limit ends that client's connection (and its Room connection).
    let mut big = raw_client(ws_port).await;
    big.send(Message::text("x".repeat(100 << 10)))
        .await
        .expect("sent");
    let ended = within("oversize", big.next()).await;
    assert!(!matches!(ended, Some(Ok(Message::Text(_)))), "{ended:?}");
    // A client that sent half a frame and went silent holds only its own pair.
    let mut stalled = TcpStream::connect(proxy.ws_addr()).await.expect("connects");
    stalled
        .write_all(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
              Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .await
        .expect("handshake");
    stalled
        .write_all(&[0x81, 0xFE, 0x10])
        .await
        .expect("half a header");
    ask(&mut steady, "s3").await;
    drop(stalled);
    within("three ended", proxy.wait_for_closed(2)).await;
    ask(&mut steady, "s4").await;
    steady.close(None).await.expect("closes");
    within("all ended", proxy.wait_for_closed(3)).await;
    let summary = within("shutdown", proxy.shutdown()).await;
    assert_eq!(summary.connections, 3, "{summary}");
    let report = report.lines();
    assert!(
        report.iter().any(|line| line.contains("closed by client: no close frame: refused by the proxy's limits: Message too long: 102400 > 65536")),
        "{report:#?}"
    );
    assert!(
        report
            .iter()
            .any(|line| line.contains("closed by client: no close frame")),
        "{report:#?}"
    );
}

/// A recording on a full disk: every write fails.
struct FullDisk;

impl Write for FullDisk {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("no space left (a test)"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_websocket_limit_refuses_with_503_and_says_so() {
    let room = MockRoom::start().await.expect("mock starts");
    // The recording fails too: the relay goes on, and the summary and report say so.
    let (proxy, report) = started(room.http_port(), |builder| {
        builder.max_websockets(1).record(FullDisk)
    })
    .await;
    let first = raw_client(proxy.ws_addr().port()).await;
    let second = tokio_tungstenite::connect_async(proxy.ws_url()).await;
    match second {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503)
        }
        other => panic!("expected a 503, got {other:?}"),
    }
    drop(first);
    within("closed", proxy.wait_for_closed(1)).await;
    let third = raw_client(proxy.ws_addr().port()).await;
    drop(third);
    let summary = within("shutdown", proxy.shutdown()).await;
    assert_eq!(summary.refused, 1);
    assert!(report
        .lines()
        .iter()
        .any(|line| line.contains("at most 1 WebSocket")));
}

#[tokio::test]
async fn a_room_refusal_reaches_the_client_whole() {
    // A "Room" whose WebSocket port answers every handshake with 403 and a body.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = vec![0; 4096];
            let _ = stream.read(&mut head).await;
            let _ = stream
                .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 12\r\nX-Why: pin\r\n\r\nno, not you")
                .await;
        }
    });
    let (proxy, _) = started(port, |builder| builder.room_ws_port(port)).await;
    match tokio_tungstenite::connect_async(proxy.ws_url()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
            assert_eq!(response.headers()["x-why"], "pin");
            assert_eq!(response.body().as_deref(), Some(&b"no, not you"[..]));
        }
        other => panic!("expected the Room's 403, got {other:?}"),
    }
    let summary = within("shutdown", proxy.shutdown()).await;
    assert_eq!((summary.refused, summary.connections), (1, 0));
}

/// Starts `trueconf-api proxy ARGS` and reads its first line.
fn start_cli(
    args: &[&str],
) -> (
    std::process::Child,
    String,
    std::io::BufReader<std::process::ChildStdout>,
) {
    common::start_server(&[&["proxy"], args].concat(), Stdio::piped())
}

fn stderr_of(child: &mut std::process::Child) -> String {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut text)
        .expect("reads");
    text
}

// Multi-threaded: the test blocks on the child's output while the mock Room answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subcommand_relays_records_and_sums_up_on_signals() {
    let room = MockRoom::start().await.expect("mock starts");
    let dir = temp("cli");
    for (signal, unknown) in [("TERM", false), ("INT", true)] {
        let record = dir.join(format!("{signal}.jsonl"));
        let room_arg = format!("127.0.0.1:{}", room.http_port());
        let (mut child, line, mut stdout) = start_cli(&[
            "--room",
            &room_arg,
            "--record",
            record.to_str().expect("utf-8"),
        ]);
        assert!(line.starts_with("proxy: http://127.0.0.1:"), "{line}");
        let http_port = port_in(&line, "http");
        let ws_port = port_in(&line, "ws");
        assert_ne!(http_port, room.http_port());
        let client = within(
            "connect",
            Client::connect("127.0.0.1", http_port, Default::default()),
        )
        .await
        .expect("connects through the proxy");
        assert_eq!(
            client.app_state().expect("state").embedded_http_port,
            room.http_port()
        );
        if unknown {
            let refused = within(
                "unknown",
                client.request_raw("noSuchCommand", serde_json::Map::new()),
            )
            .await;
            assert!(refused.is_err());
        }
        client.close().await;
        // The verdict lines come on stdout before the signal is sent.
        let mut verdicts = Vec::new();
        while verdicts
            .last()
            .is_none_or(|line: &String| !line.contains("closed by client"))
        {
            let mut next = String::new();
            if stdout.read_line(&mut next).expect("reads") == 0 {
                break;
            }
            verdicts.push(next);
        }
        assert!(
            verdicts
                .iter()
                .any(|line| line.contains("client -> room: ok request auth")),
            "{verdicts:#?}"
        );
        let killed = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = child.wait().expect("exits");
        let stderr = stderr_of(&mut child);
        assert_eq!(
            status.code(),
            Some(if unknown { 1 } else { 0 }),
            "SIG{signal}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("proxy: SIG{signal}, stopping")),
            "{stderr}"
        );
        assert!(
            stderr.contains("proxy summary: 1 WebSocket connection (1 closed, 0 refused)"),
            "{stderr}"
        );
        if unknown {
            assert!(
                stderr.contains("    unknown: request noSuchCommand (1)"),
                "{stderr}"
            );
        }
        let lines = recording(&record);
        assert_eq!(lines.first().expect("lines")["event"], "open");
        assert_eq!(lines.last().expect("lines")["event"], "close");
        let client_messages = recorded(&lines, "client").len();
        assert!(
            stderr.contains(&format!("  client -> room: {client_messages} messages")),
            "{stderr}"
        );
        let _ = ws_port;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subcommand_exits_after_n_connections_and_on_usage_errors() {
    let room = MockRoom::start().await.expect("mock starts");
    let room_arg = format!("127.0.0.1:{}", room.http_port());
    let (mut child, line, _stdout) =
        start_cli(&["--room", &room_arg, "--exit-after", "1", "--quiet"]);
    let ws_port = port_in(&line, "ws");
    let mut socket = raw_client(ws_port).await;
    socket
        .send(Message::text(r#"{"method":"auth","type":"unsecured"}"#))
        .await
        .expect("sent");
    let _ = within("answer", socket.next()).await;
    socket.close(None).await.expect("closes");
    let status = within("exit", async {
        loop {
            if let Some(status) = child.try_wait().expect("waits") {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("proxy: 1 connection ended, stopping"),
        "{stderr}"
    );

    // Usage errors exit 2: a bad --room, a Room that does not answer, an unwritable record.
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let dead = format!("127.0.0.1:{}", closed.local_addr().expect("address").port());
    drop(closed);
    for args in [
        vec!["--room", "room:notaport"],
        vec!["--room", dead.as_str()],
        vec![
            "--room",
            room_arg.as_str(),
            "--record",
            "/definitely/not/here/x.jsonl",
        ],
        vec![
            "--room",
            room_arg.as_str(),
            "--definitions",
            "/definitely/not/here",
        ],
    ] {
        let output = common::tool()
            .arg("proxy")
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let help = common::tool()
        .args(["proxy", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8(help.stdout).expect("utf-8");
    for option in [
        "--room",
        "--listen",
        "--record",
        "--definitions",
        "--room-ws",
        "--exit-after",
    ] {
        assert!(help.contains(option), "{option}: {help}");
    }
}

#[tokio::test]
async fn another_upgrade_than_websocket_is_joined_byte_for_byte() {
    // A Room web server that switches `Upgrade: echo` requests to a byte echo.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let mut byte = [0u8; 1];
                    if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                assert!(String::from_utf8_lossy(&head).contains("Upgrade: echo"));
                let _ = stream
                    .write_all(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
                    .await;
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
            });
        }
    });
    let (proxy, _) = started(port, |builder| builder.room_ws_port(port)).await;
    let mut stream = TcpStream::connect(proxy.http_addr())
        .await
        .expect("connects");
    stream
        .write_all(
            b"GET /tunnel HTTP/1.1\r\nHost: room\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
        )
        .await
        .expect("written");
    let mut head = Vec::new();
    within("switched", async {
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            assert_eq!(stream.read(&mut byte).await.expect("reads"), 1, "{head:?}");
            head.push(byte[0]);
        }
    })
    .await;
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let bytes: Vec<u8> = (0..=255).cycle().take(100_000).collect();
    stream.write_all(&bytes).await.expect("written");
    let mut echoed = vec![0; bytes.len()];
    within("echoed", stream.read_exact(&mut echoed))
        .await
        .expect("echoed");
    assert_eq!(echoed, bytes);
    drop(proxy);
}

#[tokio::test]
async fn the_connection_limit_closes_what_is_beyond_it() {
    let room = MockRoom::start().await.expect("mock starts");
    let (proxy, report) = started(room.http_port(), |builder| builder.max_connections(1)).await;
    let held = TcpStream::connect(proxy.http_addr())
        .await
        .expect("connects");
    let mut beyond = TcpStream::connect(proxy.http_addr())
        .await
        .expect("connects");
    // Closed at once, unanswered (an accepted connection would wait for a request instead).
    let mut rest = Vec::new();
    let _ = within("closed", beyond.read_to_end(&mut rest)).await;
    assert!(rest.is_empty(), "{rest:?}");
    drop(held);
    // Once the held connection is gone, the next one is served.
    within("served again", async {
        loop {
            let mut sender = wiretap::http_connection(proxy.http_addr()).await;
            let request = hyper::Request::get("/public/default/config.json")
                .header("host", "room")
                .body(http_body_util::Empty::<Bytes>::new())
                .expect("a request");
            if let Ok(response) = sender.send_request(request).await {
                assert_eq!(response.status(), 200);
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    within("shutdown", proxy.shutdown()).await;
    assert!(
        report
            .lines()
            .iter()
            .any(|line| line.contains("the proxy serves at most 1 connections at once")),
        "{:#?}",
        report.lines()
    );
}
