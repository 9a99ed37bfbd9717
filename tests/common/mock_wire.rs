//! A bare WebSocket and HTTP against a mock Room, for the tests that check it on the wire
//! (tests/mock_room.rs, tests/mock_hostile.rs, tests/mock_replay.rs). Every wait is guarded.

#![allow(dead_code)]

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use trueconf_api::mock::MockRoom;

/// How long any single wait may take before the test fails as a hang.
pub const GUARD: Duration = Duration::from_secs(30);

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket to the Room, with tungstenite's default settings.
pub async fn open(room: &MockRoom) -> Socket {
    let (socket, _) = tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(room.ws_url()))
        .await
        .expect("no hang")
        .expect("the WebSocket opens");
    socket
}

/// A WebSocket to the Room with a 4 KiB read buffer, for tests that open hundreds and count
/// the process's memory.
pub async fn open_small(room: &MockRoom) -> Socket {
    let config = WebSocketConfig::default()
        .read_buffer_size(4 << 10)
        .write_buffer_size(0);
    let (socket, _) = tokio::time::timeout(
        GUARD,
        tokio_tungstenite::connect_async_with_config(room.ws_url(), Some(config), false),
    )
    .await
    .expect("no hang")
    .expect("the WebSocket opens");
    socket
}

pub async fn send(socket: &mut Socket, message: &Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

/// The next text message.
pub async fn receive(socket: &mut Socket) -> String {
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

/// The next text message, as JSON.
pub async fn receive_json(socket: &mut Socket) -> Value {
    serde_json::from_str(&receive(socket).await).expect("JSON")
}

/// Sends `message` and reads the next text message as JSON.
pub async fn ask(socket: &mut Socket, message: &Value) -> Value {
    send(socket, message).await;
    receive_json(socket).await
}

/// Authorizes `socket` on an unprotected Room.
pub async fn authorize(socket: &mut Socket) {
    let answer = ask(socket, &json!({"method": "auth", "type": "unsecured"})).await;
    assert_eq!(answer["result"], json!(true), "{answer}");
}

/// A WebSocket to the Room, authorized.
pub async fn authorized(room: &MockRoom) -> Socket {
    let mut socket = open(room).await;
    authorize(&mut socket).await;
    socket
}

/// The next item of a subscription (or any stream of results), which must come, open and Ok.
pub async fn next_ok<S, T, E>(stream: &mut S) -> T
where
    S: futures_util::Stream<Item = Result<T, E>> + Unpin,
    E: std::fmt::Debug,
{
    tokio::time::timeout(GUARD, stream.next())
        .await
        .expect("no hang")
        .expect("open")
        .expect("decodes")
}

/// This crate's client, connected to the Room (guarded).
pub async fn client(room: &MockRoom) -> trueconf_api::client::Client {
    tokio::time::timeout(
        GUARD,
        trueconf_api::client::Client::builder()
            .host("127.0.0.1", room.http_port())
            .request_timeout(GUARD)
            .connect(),
    )
    .await
    .expect("no hang")
    .expect("connects")
}

/// `METHOD http://127.0.0.1:PORT/PATH` with a body, through hyper; status and body.
pub async fn http(method: &str, port: u16, path: &str, body: &str) -> (u16, Bytes) {
    let exchange = async {
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
    };
    tokio::time::timeout(GUARD, exchange)
        .await
        .unwrap_or_else(|_| panic!("{method} {path}: no answer within {GUARD:?}"))
}
