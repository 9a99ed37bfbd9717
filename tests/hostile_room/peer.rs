//! A Room written by hand on raw TCP, so that it can misbehave at any byte: the WebSocket
//! handshake, frames built and parsed here (server frames unmasked, client frames masked, as
//! RFC 6455 has them), a `config.json` server, and the documented answers a Room gives.
//! Nothing here answers a ping unless the script does.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CONTINUATION: u8 = 0x0;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// A server frame (unmasked): `fin`, `opcode`, `payload`.
pub fn frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(payload.len() + 10);
    bytes.push(if fin { 0x80 } else { 0 } | opcode);
    header_length(&mut bytes, payload.len() as u64);
    bytes.extend_from_slice(payload);
    bytes
}

/// The length part of a server frame's header.
pub fn header_length(bytes: &mut Vec<u8>, length: u64) {
    match length {
        0..=125 => bytes.push(length as u8),
        126..=0xFFFF => {
            bytes.push(126);
            bytes.extend_from_slice(&(length as u16).to_be_bytes());
        }
        _ => {
            bytes.push(127);
            bytes.extend_from_slice(&length.to_be_bytes());
        }
    }
}

pub fn text(json: &str) -> Vec<u8> {
    frame(TEXT, true, json.as_bytes())
}

/// A frame from the client: opcode, fin, unmasked payload.
pub struct ClientFrame {
    pub opcode: u8,
    pub fin: bool,
    pub payload: Vec<u8>,
}

/// Reads one client frame (at most 16 MiB); `None` at the end of the stream.
pub async fn read_frame(reader: &mut (impl AsyncRead + Unpin)) -> Option<ClientFrame> {
    let mut head = [0u8; 2];
    reader.read_exact(&mut head).await.ok()?;
    let length = match head[1] & 0x7F {
        126 => u64::from(reader.read_u16().await.ok()?),
        127 => reader.read_u64().await.ok()?,
        short => u64::from(short),
    };
    assert!(length <= 16 << 20, "a client frame of {length} bytes");
    let mut mask = [0u8; 4];
    if head[1] & 0x80 != 0 {
        reader.read_exact(&mut mask).await.ok()?;
    }
    let mut payload = vec![0u8; length as usize];
    reader.read_exact(&mut payload).await.ok()?;
    for (at, byte) in payload.iter_mut().enumerate() {
        *byte ^= mask[at % 4];
    }
    Some(ClientFrame {
        opcode: head[0] & 0x0F,
        fin: head[0] & 0x80 != 0,
        payload,
    })
}

/// The next whole text or binary message from the client, as JSON; control frames are read
/// and ignored (no pong is sent). `None` once the client closes or the stream ends.
pub async fn next_request(reader: &mut (impl AsyncRead + Unpin)) -> Option<Value> {
    let mut message = Vec::new();
    loop {
        let frame = read_frame(reader).await?;
        match frame.opcode {
            CLOSE => return None,
            PING | PONG => continue,
            _ => message.extend_from_slice(&frame.payload),
        }
        if frame.fin {
            return Some(serde_json::from_slice(&message).expect("the client sends JSON"));
        }
    }
}

/// Reads the client's HTTP upgrade request and switches protocols.
pub async fn handshake(stream: &mut TcpStream) {
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") {
        stream
            .read_exact(&mut byte)
            .await
            .expect("the upgrade request");
        request.push(byte[0]);
        assert!(request.len() < 8192, "an upgrade request that never ends");
    }
    let request = String::from_utf8(request).expect("ASCII");
    let key = request
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_string())
        })
        .expect("a Sec-WebSocket-Key");
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    stream
        .write_all(response.as_bytes())
        .await
        .expect("the upgrade response");
}

/// The documented `auth` success, answering `request`.
pub fn auth_success(request: &Value) -> String {
    json!({
        "method": "auth",
        "requestId": request["requestId"],
        "previleges": 2,
        "token": "session-token",
        "tokenForHttpServer": "http-token",
        "result": true,
        "resultCode": 0
    })
    .to_string()
}

/// The documented response example of `method` (from the crate's own definitions), answering
/// `request`.
pub fn documented_response(method: &str, request: &Value) -> String {
    let path = format!(
        "{}/schema/commands/{method}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let definition: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("a definition")).expect("JSON");
    let mut response = definition["examples"]
        .as_array()
        .expect("examples")
        .iter()
        .find(|example| example["role"] == "response")
        .expect("a response example")["json"]
        .clone();
    response["requestId"] = request["requestId"].clone();
    response.to_string()
}

/// Does the WebSocket handshake and answers `auth` (and nothing else is read).
pub async fn accept_and_authorize(stream: &mut TcpStream) {
    handshake(stream).await;
    let auth = next_request(stream).await.expect("auth");
    assert_eq!(auth["method"], "auth");
    stream
        .write_all(&text(&auth_success(&auth)))
        .await
        .expect("the auth answer");
}

/// A listener whose every connection is handed to `script` with its number (from 0).
pub async fn serve<F, Fut>(script: F) -> SocketAddr
where
    F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    serve_on(
        TcpListener::bind("127.0.0.1:0").await.expect("binds"),
        script,
    )
}

/// [`serve`] on a listener made by the caller (with its own socket options).
pub fn serve_on<F, Fut>(listener: TcpListener, script: F) -> SocketAddr
where
    F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let address = listener.local_addr().expect("an address");
    let count = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let n = count.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(script(n, stream));
        }
    });
    address
}

/// Reads an HTTP request's head and discards it.
pub async fn read_http_request(stream: &mut TcpStream) {
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") {
        if stream.read_exact(&mut byte).await.is_err() {
            return;
        }
        request.push(byte[0]);
    }
}

/// A `config.json` server that names `ws_port`.
pub async fn config_json(ws_port: u16) -> SocketAddr {
    serve(move |_, mut stream| async move {
        read_http_request(&mut stream).await;
        let body = json!({ "config": { "websocket": { "port": ws_port } } }).to_string();
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
    })
    .await
}
