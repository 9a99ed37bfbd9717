//! A TCP forwarder that keeps every byte it passes, and a WebSocket frame reader for those
//! bytes: what a peer really sent and received on the wire, independent of any WebSocket
//! library's message API (the proxy tests compare both sides of the proxy with it). And a plain
//! HTTP/1.1 connection for the tests that talk to a port directly.

use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

/// The bytes of one forwarded connection.
#[derive(Debug, Default, Clone)]
pub struct Capture {
    /// From the connecting side to the target.
    pub up: Vec<u8>,
    /// From the target back.
    pub down: Vec<u8>,
}

/// A forwarder from a port of its own to `target`, keeping what passes (tests only: memory
/// grows with the traffic).
pub struct Wiretap {
    pub addr: SocketAddr,
    captures: Arc<Mutex<Vec<Arc<Mutex<Capture>>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Wiretap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Wiretap {
    pub async fn start(target: SocketAddr) -> Wiretap {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("address");
        let captures: Arc<Mutex<Vec<Arc<Mutex<Capture>>>>> = Arc::default();
        let all = Arc::clone(&captures);
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = TcpStream::connect(target).await else {
                    continue;
                };
                let capture = Arc::new(Mutex::new(Capture::default()));
                all.lock().expect("lock").push(Arc::clone(&capture));
                let (in_read, in_write) = inbound.into_split();
                let (out_read, out_write) = outbound.into_split();
                tokio::spawn(pump(in_read, out_write, Arc::clone(&capture), true));
                tokio::spawn(pump(out_read, in_write, capture, false));
            }
        });
        Wiretap {
            addr,
            captures,
            task,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// What each connection carried so far, in the order they were accepted.
    pub fn captures(&self) -> Vec<Capture> {
        self.captures
            .lock()
            .expect("lock")
            .iter()
            .map(|capture| capture.lock().expect("lock").clone())
            .collect()
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    capture: Arc<Mutex<Capture>>,
    up: bool,
) {
    let mut buffer = vec![0; 64 << 10];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        {
            let mut capture = capture.lock().expect("lock");
            let side = if up {
                &mut capture.up
            } else {
                &mut capture.down
            };
            side.extend_from_slice(&buffer[..read]);
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// A message as it was on the wire: its kind and its (unmasked) payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wire {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Vec<u8>),
}

impl Wire {
    /// Text or binary.
    pub fn is_data(&self) -> bool {
        matches!(self, Wire::Text(_) | Wire::Binary(_))
    }

    pub fn payload(&self) -> &[u8] {
        match self {
            Wire::Text(payload)
            | Wire::Binary(payload)
            | Wire::Ping(payload)
            | Wire::Pong(payload)
            | Wire::Close(payload) => payload,
        }
    }
}

/// The messages in `bytes`: one direction of a WebSocket connection, HTTP handshake first.
/// Fragments are joined; a frame cut off at the end is left out.
pub fn messages(bytes: &[u8]) -> Vec<Wire> {
    let start = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map_or(bytes.len(), |at| at + 4);
    let mut cursor = Cursor::new(&bytes[start..]);
    let mut out = Vec::new();
    let mut partial: Option<(bool, Vec<u8>)> = None;
    loop {
        let Ok(Some((header, length))) = FrameHeader::parse(&mut cursor) else {
            break;
        };
        let at = usize::try_from(cursor.position()).expect("fits");
        let rest = &cursor.get_ref()[at..];
        let Ok(length) = usize::try_from(length) else {
            break;
        };
        if rest.len() < length {
            break;
        }
        let mut payload = rest[..length].to_vec();
        if let Some(mask) = header.mask {
            for (index, byte) in payload.iter_mut().enumerate() {
                *byte ^= mask[index % 4];
            }
        }
        cursor.set_position((at + length) as u64);
        match header.opcode {
            OpCode::Control(Control::Ping) => out.push(Wire::Ping(payload)),
            OpCode::Control(Control::Pong) => out.push(Wire::Pong(payload)),
            OpCode::Control(Control::Close) => out.push(Wire::Close(payload)),
            OpCode::Control(_) => break,
            OpCode::Data(data) => {
                let (text, mut so_far) = match (data, partial.take()) {
                    (Data::Continue, Some(partial)) => partial,
                    (Data::Text, None) => (true, Vec::new()),
                    (Data::Binary, None) => (false, Vec::new()),
                    _ => break,
                };
                so_far.extend_from_slice(&payload);
                if header.is_final {
                    out.push(if text {
                        Wire::Text(so_far)
                    } else {
                        Wire::Binary(so_far)
                    });
                } else {
                    partial = Some((text, so_far));
                }
            }
        }
    }
    out
}

/// Only the text and binary messages of `messages`.
pub fn data(messages: &[Wire]) -> Vec<Wire> {
    messages.iter().filter(|m| m.is_data()).cloned().collect()
}

/// An HTTP/1.1 connection to `addr` (its task runs in the background), for requests with
/// bodies of type `B`.
pub async fn http_connection<B>(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<B>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr).await.expect("connects");
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(connection);
    sender
}
