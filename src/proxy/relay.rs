//! The WebSocket side: the handshake passed to the Room and its answer passed back (both
//! through hyper), then one relay per connection pair, each direction a reader and a writer
//! joined by a bounded queue.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS, SEC_WEBSOCKET_KEY};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data as OpData, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, Utf8Bytes};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use super::http::{self, Body};
use super::observer::{Closer, Ending, Event, FrameKind};
use super::summary::Side;
use super::tap::{Kinds, Tap};
use super::Shared;
use crate::lock;

type Socket = WebSocketStream<Tap<TokioIo<Upgraded>>>;

/// How many queued messages a writer writes before it flushes.
const BATCH: usize = 64;

/// Whether `request` asks for a WebSocket (`Upgrade: websocket`).
pub(super) fn is_websocket(request: &Request<Incoming>) -> bool {
    request
        .headers()
        .get_all(hyper::header::UPGRADE)
        .iter()
        .any(|value| {
            value.to_str().is_ok_and(|value| {
                value
                    .split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case("websocket"))
            })
        })
}

/// Passes a client's WebSocket handshake to the Room's port `room_port` and the Room's answer
/// back. On `101 Switching Protocols` the relay starts once both ends have switched.
pub(super) async fn handshake(
    shared: Arc<Shared>,
    room_port: u16,
    client: SocketAddr,
    mut request: Request<Incoming>,
) -> Response<Body> {
    let refuse = |shared: &Arc<Shared>, status: StatusCode, why: String| {
        let shared = Arc::clone(shared);
        async move {
            shared
                .observer
                .send(Event::Refused {
                    client,
                    why: why.clone(),
                })
                .await;
            http::text_response(status, why)
        }
    };
    let Some(key) = request.headers().get(SEC_WEBSOCKET_KEY).cloned() else {
        return refuse(
            &shared,
            StatusCode::BAD_REQUEST,
            "a WebSocket handshake without Sec-WebSocket-Key".into(),
        )
        .await;
    };
    let Ok(permit) = Arc::clone(&shared.pairs).try_acquire_owned() else {
        let limit = shared.limits.max_websockets;
        return refuse(
            &shared,
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the proxy relays at most {limit} WebSocket connections at once"),
        )
        .await;
    };
    let client_upgrade = hyper::upgrade::on(&mut request);
    let path = request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_string(), |path| path.as_str().to_string());
    let room_url = format!("ws://{}:{room_port}{path}", shared.room_url_host());
    // The handshake as the client sent it (its key, origin, subprotocols, cookies), without
    // the offer of extensions: the proxy reads every payload, so it cannot let them be
    // compressed.
    let (parts, _) = request.into_parts();
    let mut upstream = Request::from_parts(parts, http::empty());
    upstream.headers_mut().remove(SEC_WEBSOCKET_EXTENSIONS);
    let mut response = match http::send_fresh(&shared, room_port, upstream).await {
        Ok(response) => response,
        Err(error) => {
            return refuse(
                &shared,
                StatusCode::BAD_GATEWAY,
                format!("cannot open {room_url}: {error}"),
            )
            .await
        }
    };
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        let status = response.status();
        shared
            .observer
            .send(Event::Refused {
                client,
                why: format!("the Room answered {status} to the handshake for {room_url}"),
            })
            .await;
        // Its answer goes to the client as it is.
        return response.map(|body| body.boxed());
    }
    let accept = derive_accept_key(key.as_bytes());
    let answered = response
        .headers()
        .get(SEC_WEBSOCKET_ACCEPT)
        .is_some_and(|value| value.as_bytes() == accept.as_bytes());
    if !answered {
        return refuse(
            &shared,
            StatusCode::BAD_GATEWAY,
            format!("the Room's Sec-WebSocket-Accept for {room_url} does not answer the key"),
        )
        .await;
    }
    if response.headers().contains_key(SEC_WEBSOCKET_EXTENSIONS) {
        return refuse(
            &shared,
            StatusCode::BAD_GATEWAY,
            format!("the Room chose a WebSocket extension for {room_url} that nobody offered"),
        )
        .await;
    }
    let room_upgrade = hyper::upgrade::on(&mut response);
    let pair = Pair {
        shared: Arc::clone(&shared),
        client,
        room_url,
    };
    tokio::spawn(pair.run(client_upgrade, room_upgrade, permit));
    // The Room's answer, headers as it sent them, goes to the client.
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, http::empty())
}

/// One client connection and the Room connection opened for it.
struct Pair {
    shared: Arc<Shared>,
    client: SocketAddr,
    room_url: String,
}

impl Pair {
    async fn run(self, client: OnUpgrade, room: OnUpgrade, _permit: OwnedSemaphorePermit) {
        let mut shutdown = self.shared.shutdown.subscribe();
        let upgraded = tokio::select! {
            upgraded = async { tokio::try_join!(client, room) } => upgraded,
            _ = stopped(&mut shutdown) => return,
        };
        let (client_io, room_io) = match upgraded {
            Ok(both) => both,
            Err(error) => {
                self.shared
                    .observer
                    .send(Event::Refused {
                        client: self.client,
                        why: format!("the connection ended while switching to WebSocket: {error}"),
                    })
                    .await;
                return;
            }
        };
        let limits = &self.shared.limits;
        let config = WebSocketConfig::default()
            .max_message_size(Some(limits.max_message_size))
            .max_frame_size(Some(limits.max_message_size))
            .max_write_buffer_size(limits.max_write_buffer());
        let client_kinds = Kinds::default();
        let room_kinds = Kinds::default();
        let client_ws = WebSocketStream::from_raw_socket(
            Tap::new(TokioIo::new(client_io), client_kinds.clone()),
            Role::Server,
            Some(config),
        )
        .await;
        let room_ws = WebSocketStream::from_raw_socket(
            Tap::new(TokioIo::new(room_io), room_kinds.clone()),
            Role::Client,
            Some(config),
        )
        .await;
        let conn = self.shared.next_conn.fetch_add(1, Ordering::Relaxed);
        self.shared
            .observer
            .send(Event::Open {
                conn,
                time: SystemTime::now(),
                client: self.client,
                room: self.room_url.clone(),
            })
            .await;
        let (client_sink, client_stream) = client_ws.split();
        let (room_sink, room_stream) = room_ws.split();
        let (stop, _) = watch::channel(false);
        let state = PairState::default();
        let context = Context {
            shared: &self.shared,
            conn,
            stop: &stop,
            state: &state,
        };
        let relay = async {
            tokio::join!(
                context.direction(Side::Client, client_stream, client_kinds, room_sink),
                context.direction(Side::Room, room_stream, room_kinds, client_sink),
            )
        };
        tokio::pin!(relay);
        tokio::select! {
            _ = &mut relay => {}
            _ = stopped(&mut shutdown) => {
                state.ended(Closer::Proxy, None, Some("the proxy stopped".into()));
                stop.send_replace(true);
                relay.await;
            }
        }
        let ending = state.ending();
        self.shared
            .observer
            .send(Event::Close {
                conn,
                time: SystemTime::now(),
                ending,
            })
            .await;
    }
}

/// What both directions of a pair share.
#[derive(Default)]
struct PairState {
    /// Who ended the pair first, how.
    first: Mutex<Option<Ending>>,
    /// Whether a close frame has been passed on (the other side's close frame is its reply).
    closing: Mutex<Option<Side>>,
    /// Readers that have ended.
    readers_done: AtomicU8,
    /// Whether the client's, then the Room's connection ended without a close frame.
    reader_lost: [AtomicBool; 2],
    /// Data messages read from the client, then from the Room, not written on.
    undelivered: [AtomicU64; 2],
}

impl PairState {
    fn ended(&self, by: Closer, close: Option<(u16, String)>, error: Option<String>) {
        lock(&self.first).get_or_insert(Ending {
            by,
            close,
            error,
            undelivered: [0, 0],
        });
    }

    /// Whether the close frame from `side` starts the closing handshake (and is passed on),
    /// rather than answering the one passed on from the other side.
    fn starts_closing(&self, side: Side) -> bool {
        let mut closing = lock(&self.closing);
        match *closing {
            None => {
                *closing = Some(side);
                true
            }
            Some(_) => false,
        }
    }

    fn reader_lost(&self, side: Side) -> bool {
        self.reader_lost[index(side)].load(Ordering::Acquire)
    }

    fn lost(&self, from: Side, count: u64) {
        self.undelivered[index(from)].fetch_add(count, Ordering::Relaxed);
    }

    fn ending(&self) -> Ending {
        let mut ending = lock(&self.first).clone().unwrap_or(Ending {
            by: Closer::Proxy,
            close: None,
            error: Some("ended".into()),
            undelivered: [0, 0],
        });
        ending.undelivered = [
            self.undelivered[0].load(Ordering::Relaxed),
            self.undelivered[1].load(Ordering::Relaxed),
        ];
        ending
    }
}

fn index(side: Side) -> usize {
    match side {
        Side::Client => 0,
        Side::Room => 1,
    }
}

/// A message on its way from a reader to the writer of the other side.
struct Queued {
    message: Message,
    /// Counted as undelivered when it cannot be written.
    data: bool,
    /// Its share of the queue's byte budget.
    _budget: Option<OwnedSemaphorePermit>,
}

/// How a reader ended.
enum ReadEnd {
    /// The side sent a close frame and the connection then ended.
    Closed,
    /// The connection failed or ended without a close frame (or the pair was stopped).
    Lost,
}

struct Context<'a> {
    shared: &'a Shared,
    conn: u64,
    stop: &'a watch::Sender<bool>,
    state: &'a PairState,
}

impl Context<'_> {
    /// Everything `from` sends, written to the other side: a reader and a writer joined by a
    /// bounded queue.
    async fn direction(
        &self,
        from: Side,
        stream: SplitStream<Socket>,
        kinds: Kinds,
        sink: SplitSink<Socket, Message>,
    ) {
        let limits = &self.shared.limits;
        let (queue, queued) = mpsc::channel(limits.queue_messages);
        let budget = Arc::new(Semaphore::new(limits.queue_bytes as usize));
        tokio::join!(
            self.read(from, stream, kinds, queue, budget),
            self.write(from, sink, queued),
        );
    }

    async fn read(
        &self,
        from: Side,
        mut stream: SplitStream<Socket>,
        kinds: Kinds,
        queue: mpsc::Sender<Queued>,
        budget: Arc<Semaphore>,
    ) {
        let mut stop = self.stop.subscribe();
        let observer = &self.shared.observer;
        let budget_bytes = self.shared.limits.queue_bytes;
        let end = loop {
            let next = tokio::select! {
                biased;
                _ = stopped(&mut stop) => break ReadEnd::Lost,
                next = stream.next() => next,
            };
            let (message, data) = match next {
                Some(Ok(Message::Binary(payload))) => {
                    // The tap made every data message binary; it knows which were text.
                    let text = kinds.next_is_text().unwrap_or(false);
                    let (frame, message) = as_sent(text, payload.clone());
                    observer
                        .send(Event::Message {
                            conn: self.conn,
                            time: SystemTime::now(),
                            from,
                            frame,
                            payload,
                        })
                        .await;
                    (message, true)
                }
                Some(Ok(Message::Text(text))) => {
                    // Not reached through the tap; kept whole if it ever is.
                    let payload = Bytes::from(text.clone());
                    observer
                        .send(Event::Message {
                            conn: self.conn,
                            time: SystemTime::now(),
                            from,
                            frame: FrameKind::Text,
                            payload,
                        })
                        .await;
                    (Message::Text(text), true)
                }
                Some(Ok(Message::Ping(payload))) => {
                    observer.send(Event::Control { from, pong: false }).await;
                    (Message::Ping(payload), false)
                }
                Some(Ok(Message::Pong(payload))) => {
                    observer.send(Event::Control { from, pong: true }).await;
                    (Message::Pong(payload), false)
                }
                Some(Ok(Message::Close(frame))) => {
                    if !self.state.starts_closing(from) {
                        // The answer to the close frame passed on from the other side.
                        continue;
                    }
                    let close = frame
                        .as_ref()
                        .map(|frame| (u16::from(frame.code), frame.reason.as_str().to_string()));
                    self.state.ended(Closer::Peer(from), close, None);
                    // Read on: the connection ends once tungstenite has answered it.
                    (Message::Close(frame), false)
                }
                Some(Ok(Message::Frame(_))) => continue,
                Some(Err(error)) => {
                    if lock(&self.state.closing).is_some() {
                        break ReadEnd::Closed;
                    }
                    self.state
                        .ended(Closer::Peer(from), None, Some(describe(&error)));
                    break ReadEnd::Lost;
                }
                None => {
                    if lock(&self.state.closing).is_some() {
                        break ReadEnd::Closed;
                    }
                    self.state.ended(
                        Closer::Peer(from),
                        None,
                        Some("the connection ended without a close frame".into()),
                    );
                    break ReadEnd::Lost;
                }
            };
            let share = match &message {
                Message::Binary(payload) => payload.len(),
                Message::Text(text) => text.len(),
                Message::Frame(frame) => frame.payload().len(),
                _ => 0,
            };
            let permit = if share == 0 {
                None
            } else {
                let share = u32::try_from(share).unwrap_or(u32::MAX).min(budget_bytes);
                tokio::select! {
                    biased;
                    _ = stopped(&mut stop) => break ReadEnd::Lost,
                    permit = Arc::clone(&budget).acquire_many_owned(share) => permit.ok(),
                }
            };
            let queued = Queued {
                message,
                data,
                _budget: permit,
            };
            let sent = tokio::select! {
                biased;
                _ = stopped(&mut stop) => break ReadEnd::Lost,
                sent = queue.send(queued) => sent,
            };
            if sent.is_err() && data {
                // The writer is gone: the other side's connection failed.
                self.state.lost(from, 1);
            }
        };
        // The writer sees the end of the queue once it has written what is in it.
        drop(queue);
        if let ReadEnd::Lost = end {
            self.state.reader_lost[index(from)].store(true, Ordering::Release);
        }
        if self.state.readers_done.fetch_add(1, Ordering::AcqRel) + 1 == 2 {
            self.stop.send_replace(true);
            return;
        }
        // The other direction gets this long to finish (its queue, the closing handshake).
        let close_timeout = self.shared.limits.close_timeout;
        tokio::select! {
            _ = tokio::time::sleep(close_timeout) => { self.stop.send_replace(true); }
            _ = stopped(&mut stop) => {}
        }
    }

    async fn write(
        &self,
        from: Side,
        mut sink: SplitSink<Socket, Message>,
        mut queue: mpsc::Receiver<Queued>,
    ) {
        let mut stop = self.stop.subscribe();
        loop {
            let first = tokio::select! {
                biased;
                _ = stopped(&mut stop) => break,
                first = queue.recv() => first,
            };
            let Some(first) = first else {
                // Everything `from` sent before its connection ended is written. If it ended
                // without a close frame, the other side's connection is dropped the same way.
                if self.state.reader_lost(from) {
                    self.stop.send_replace(true);
                }
                break;
            };
            let written = tokio::select! {
                biased;
                _ = stopped(&mut stop) => break,
                written = write_batch(&mut sink, first, &mut queue) => written,
            };
            if let Err(unwritten) = written {
                self.state.lost(from, unwritten);
                break;
            }
        }
        // What is still queued will not be written.
        queue.close();
        let mut left = 0;
        while let Ok(queued) = queue.try_recv() {
            left += u64::from(queued.data);
        }
        self.state.lost(from, left);
    }
}

/// Writes `first` and whatever else is queued (up to [`BATCH`]), then flushes once; on a
/// failure, how many data messages were not written.
async fn write_batch(
    sink: &mut SplitSink<Socket, Message>,
    first: Queued,
    queue: &mut mpsc::Receiver<Queued>,
) -> Result<(), u64> {
    let mut next = Some(first);
    let mut written = 0;
    while let Some(queued) = next.take() {
        let data = queued.data;
        if let Err(error) = sink.feed(queued.message).await {
            if is_closing(&error) && !data {
                // A control frame after the closing handshake began: nothing to pass on.
            } else {
                return Err(u64::from(data));
            }
        }
        written += 1;
        if written < BATCH {
            next = queue.try_recv().ok();
        }
    }
    match sink.flush().await {
        Ok(()) => Ok(()),
        Err(error) if is_closing(&error) => Ok(()),
        Err(_) => Err(0),
    }
}

/// Errors that only say the closing handshake is under way or done.
fn is_closing(error: &WsError) -> bool {
    matches!(
        error,
        WsError::ConnectionClosed
            | WsError::AlreadyClosed
            | WsError::Protocol(
                tokio_tungstenite::tungstenite::error::ProtocolError::SendAfterClosing
            )
    )
}

/// A data message as its sender sent it: text (as a text message when UTF-8, else as a raw
/// text frame with the same bytes) or binary.
fn as_sent(text: bool, payload: Bytes) -> (FrameKind, Message) {
    if !text {
        return (FrameKind::Binary, Message::Binary(payload));
    }
    match Utf8Bytes::try_from(payload.clone()) {
        Ok(text) => (FrameKind::Text, Message::Text(text)),
        Err(_) => (
            FrameKind::TextNotUtf8,
            Message::Frame(Frame::message(payload, OpCode::Data(OpData::Text), true)),
        ),
    }
}

/// What went wrong with a connection, for the report and the recording.
fn describe(error: &WsError) -> String {
    match error {
        WsError::Capacity(capacity) => format!("refused by the proxy's limits: {capacity}"),
        WsError::Protocol(problem) => format!("WebSocket protocol error: {problem}"),
        other => other.to_string(),
    }
}

/// Waits until `stop` says so (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}
