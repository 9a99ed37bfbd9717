//! The proxy under load keeps its memory bounded and loses nothing: a Room that floods a client
//! that does not read, a client that floods without reading the answers, and HTTP bodies far
//! larger than any buffer, both ways. Each floods tens of MB while the process may grow by a
//! few MiB (the mock Room's own queue included), then every message arrives, in order.
//!
//! Its own test binary, because it counts every allocation of the process with a global
//! allocator (and runs its tests one at a time).

mod common;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use trueconf_api::mock::MockRoom;
use trueconf_api::proxy::Proxy;

use common::counting::{growth_since, measure, Counting};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: the counters are the whole process's.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const GUARD: Duration = Duration::from_secs(120);

/// Messages of about 8 KiB each.
const MESSAGES: usize = 8000;
const PAD: usize = 8 << 10;

/// The most the process may grow while a flood is held back: the mock Room's own queue
/// (1,024 messages of ~8 KiB), the proxy's queues (set to 256 KiB a direction and 1 MiB for
/// the observer below), tungstenite's buffers on four sockets, and slack.
const BOUND: usize = 16 << 20;

async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no hang"))
}

async fn proxy_to(room: &MockRoom) -> Proxy {
    within(
        "start",
        Proxy::builder("127.0.0.1", room.http_port())
            .queue(64, 256 << 10)
            .observer_queue(256, 1 << 20)
            .record(std::io::sink())
            .start(),
    )
    .await
    .expect("starts")
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

async fn authorized(proxy: &Proxy) -> Socket {
    let (mut socket, _) = within("connect", tokio_tungstenite::connect_async(proxy.ws_url()))
        .await
        .expect("opens");
    socket
        .send(Message::text(
            r#"{"method":"auth","type":"unsecured","requestId":"a"}"#,
        ))
        .await
        .expect("sent");
    let answer = within("auth", socket.next())
        .await
        .expect("open")
        .expect("a message");
    assert!(
        answer.to_text().expect("text").contains(r#""result":true"#),
        "{answer:?}"
    );
    socket
}

/// Waits until `count` stops changing for a while: the flood is held back.
async fn stalled(count: impl Fn() -> u64) -> u64 {
    within("the flood stalls", async {
        let mut last = count();
        loop {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let now = count();
            if now == last {
                return now;
            }
            last = now;
        }
    })
    .await
}

#[tokio::test]
async fn a_room_flooding_a_client_that_does_not_read_is_held_back_and_nothing_is_lost() {
    let _serial = SERIAL.lock().await;
    let room = MockRoom::start().await.expect("mock starts");
    let proxy = proxy_to(&room).await;
    let mut socket = authorized(&proxy).await;
    let mut notification = room
        .notification_example("incomingFileRequestDownloadingProgress")
        .expect("documented");
    notification["fileName"] = json!("x".repeat(PAD));
    let before = measure();
    let pusher = tokio::spawn(async move {
        for index in 0..MESSAGES {
            notification["fileRequestId"] = json!(index.to_string());
            room.push(&notification).await;
        }
        room
    });
    let relayed = stalled(|| proxy.summary().from_room.messages()).await;
    let growth = growth_since(before);
    let flooded = MESSAGES * PAD;
    eprintln!("held back after {relayed} of {MESSAGES}: peak growth {growth} bytes for {flooded} bytes flooded");
    assert!(
        (relayed as usize) < MESSAGES,
        "the proxy read the whole flood ({relayed}) while the client read nothing"
    );
    assert!(
        growth < BOUND,
        "memory grew by {growth} bytes while {flooded} were flooded"
    );

    // Now the client reads: every notification, in order.
    let mut next = 0;
    within("the whole flood", async {
        while next < MESSAGES {
            let message = socket.next().await.expect("open").expect("a message");
            let value: Value =
                serde_json::from_str(message.to_text().expect("text")).expect("JSON");
            assert_eq!(value["fileRequestId"], json!(next.to_string()));
            next += 1;
        }
    })
    .await;
    let _room = within("pushed", pusher).await.expect("the pusher ends");
    drop(socket);
    within("closed", proxy.wait_for_closed(1)).await;
    let summary = proxy.shutdown().await;
    assert_eq!(
        summary.from_room.messages(),
        1 + MESSAGES as u64,
        "{summary}"
    );
    assert_eq!(summary.from_room.undelivered, 0, "{summary}");
}

#[tokio::test]
async fn a_client_flooding_without_reading_is_held_back_and_nothing_is_lost() {
    let _serial = SERIAL.lock().await;
    let room = MockRoom::start().await.expect("mock starts");
    // Answers as large as the requests, so they cannot all wait in the sockets' buffers.
    room.reply_with(
        "getAppState",
        json!({"result": true, "pad": "z".repeat(PAD)}),
    );
    let proxy = proxy_to(&room).await;
    let socket = authorized(&proxy).await;
    let (mut sink, mut stream) = socket.split();
    let before = measure();
    let pad = "y".repeat(PAD);
    let writer = tokio::spawn(async move {
        for index in 0..MESSAGES {
            let request =
                json!({"method": "getAppState", "requestId": index.to_string(), "pad": pad});
            sink.send(Message::text(request.to_string()))
                .await
                .expect("sent");
        }
        sink
    });
    let relayed = stalled(|| proxy.summary().from_client.messages()).await;
    let growth = growth_since(before);
    let flooded = MESSAGES * PAD;
    eprintln!("held back after {relayed} of {MESSAGES}: peak growth {growth} bytes for {flooded} bytes flooded");
    assert!(
        (relayed as usize) < MESSAGES,
        "the proxy read the whole flood ({relayed}) while the client read no answer"
    );
    assert!(
        growth < BOUND,
        "memory grew by {growth} bytes while {flooded} were flooded"
    );

    // The client reads: an answer to every request, in order.
    within("every answer", async {
        for index in 0..MESSAGES {
            let message = stream.next().await.expect("open").expect("a message");
            let value: Value =
                serde_json::from_str(message.to_text().expect("text")).expect("JSON");
            assert_eq!(value["requestId"], json!(index.to_string()), "{value}");
        }
    })
    .await;
    let sink = within("written", writer).await.expect("the writer ends");
    drop((sink, stream));
    within("closed", proxy.wait_for_closed(1)).await;
    let summary = proxy.shutdown().await;
    assert_eq!(
        summary.from_client.messages(),
        1 + MESSAGES as u64,
        "{summary}"
    );
    assert_eq!(summary.from_client.undelivered, 0, "{summary}");
    drop(room);
}

/// Bytes in each direction of the HTTP tests.
const BODY_CHUNKS: usize = 1024;
const CHUNK: usize = 64 << 10;

/// A Room web server of its own: config.json, `GET /big` (64 MiB, made as it is read) and
/// `POST /sink` (reads the body, answers its length and checksum).
async fn http_room() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<Incoming>| async move {
                        let body: http_body_util::combinators::BoxBody<Bytes, Infallible> =
                            match request.uri().path() {
                                "/public/default/config.json" => {
                                    let text = format!(
                                        r#"{{"config":{{"websocket":{{"port":{port}}}}}}}"#
                                    );
                                    http_body_util::Full::new(Bytes::from(text)).boxed()
                                }
                                "/big" => BodyExt::boxed(StreamBody::new(
                                    futures_util::stream::iter((0..BODY_CHUNKS).map(|index| {
                                        Ok(Frame::data(Bytes::from(vec![index as u8; CHUNK])))
                                    })),
                                )),
                                _ => {
                                    let (length, sum) = drain(request.into_body()).await;
                                    http_body_util::Full::new(Bytes::from(format!(
                                        "{length} {sum}"
                                    )))
                                    .boxed()
                                }
                            };
                        Ok::<_, Infallible>(hyper::Response::new(body))
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

/// Reads a body to its end without keeping it: its length and the sum of its bytes.
async fn drain(
    mut body: impl hyper::body::Body<Data = Bytes, Error = impl std::fmt::Debug> + Unpin,
) -> (usize, u64) {
    let mut length = 0;
    let mut sum = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("a frame").into_data() {
            length += data.len();
            sum += data.iter().map(|&byte| u64::from(byte)).sum::<u64>();
        }
    }
    (length, sum)
}

#[tokio::test]
async fn http_bodies_stream_through_in_bounded_memory() {
    let _serial = SERIAL.lock().await;
    let room = http_room().await;
    let proxy = within("start", Proxy::builder("127.0.0.1", room).start())
        .await
        .expect("starts");
    let mut sender = common::wiretap::http_connection(proxy.http_addr()).await;
    let expected_sum: u64 = (0..BODY_CHUNKS)
        .map(|index| (index % 256) as u64 * CHUNK as u64)
        .sum();

    // Download.
    let before = measure();
    let response = within(
        "download",
        sender.send_request(
            hyper::Request::get("/big")
                .header("host", "room")
                .body(http_body_util::Empty::<Bytes>::new().boxed())
                .expect("a request"),
        ),
    )
    .await
    .expect("answered");
    let (length, sum) = within("the body", drain(response.into_body())).await;
    let download_growth = growth_since(before);
    assert_eq!((length, sum), (BODY_CHUNKS * CHUNK, expected_sum));

    // Upload, on the same connection.
    let before = measure();
    let upload = StreamBody::new(futures_util::stream::iter((0..BODY_CHUNKS).map(|index| {
        Ok::<_, Infallible>(Frame::data(Bytes::from(vec![index as u8; CHUNK])))
    })));
    sender.ready().await.expect("ready again");
    let response = within(
        "upload",
        sender.send_request(
            hyper::Request::post("/sink")
                .header("host", "room")
                .body(BodyExt::boxed(upload))
                .expect("a request"),
        ),
    )
    .await
    .expect("answered");
    let answer = within("the answer", response.into_body().collect())
        .await
        .expect("a body")
        .to_bytes();
    let upload_growth = growth_since(before);
    assert_eq!(
        answer,
        format!("{} {expected_sum}", BODY_CHUNKS * CHUNK).as_bytes()
    );
    eprintln!("64 MiB down: peak growth {download_growth} bytes; up: {upload_growth} bytes");
    // The chunks the test itself makes are 64 KiB; hyper buffers a few on each hop.
    for (what, growth) in [("download", download_growth), ("upload", upload_growth)] {
        assert!(
            growth < 4 << 20,
            "{what}: memory grew by {growth} bytes for 64 MiB"
        );
    }
    let summary = proxy.shutdown().await;
    assert_eq!(summary.http_requests, 2);
}

#[tokio::test]
async fn an_oversize_message_is_refused_from_its_header_without_being_buffered() {
    use tokio::io::AsyncWriteExt;
    let _serial = SERIAL.lock().await;
    let room = MockRoom::start().await.expect("mock starts");
    let proxy = within(
        "start",
        Proxy::builder("127.0.0.1", room.http_port())
            .max_message_size(1 << 20)
            .start(),
    )
    .await
    .expect("starts");
    let mut stream = TcpStream::connect(proxy.ws_addr()).await.expect("connects");
    stream
        .write_all(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
              Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .await
        .expect("handshake");
    let before = measure();
    // A masked binary frame announcing 64 MiB, then its payload streamed until the proxy
    // hangs up; the test itself holds one 64 KiB chunk.
    let length = (BODY_CHUNKS * CHUNK) as u64;
    let mut header = vec![0x82, 0xFF];
    header.extend_from_slice(&length.to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    stream.write_all(&header).await.expect("header");
    let chunk = vec![0u8; CHUNK];
    let mut sent = 0;
    within("refused", async {
        while sent < BODY_CHUNKS {
            if stream.write_all(&chunk).await.is_err() {
                break;
            }
            sent += 1;
        }
    })
    .await;
    within("closed", proxy.wait_for_closed(1)).await;
    let growth = growth_since(before);
    eprintln!(
        "a 64 MiB frame against a 1 MiB limit: {sent} chunks written, peak growth {growth} bytes"
    );
    assert!(
        sent < BODY_CHUNKS,
        "the proxy read all of an oversize message"
    );
    assert!(growth < 2 << 20, "memory grew by {growth} bytes");
    let summary = proxy.shutdown().await;
    assert_eq!(summary.from_client.messages(), 0, "{summary}");
}
