//! The WebSocket side of the mock: one task per connection, answering requests.
//!
//! A connection reads and writes independently: requests are read and answered into its own
//! send queue ([`Outbox`]), and a writer drains that queue into the socket. A peer that stops
//! reading holds up nothing but its own answers; the Room's notifications to it are dropped
//! once its queue is full.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;
use tracing::Instrument;

use super::model::notification_text;
use super::outbox::{Inbox, Outbound, Outbox, Payload, Queued, Refused};
use super::{
    now_millis, Delay, OrderedObject, Recording, Reply, RoomState, SessionHandle, Slot, WS,
};
use crate::{lock, ClientMessage};

/// What tungstenite buffers before writing to the socket; the write buffer is capped at this
/// plus the largest message ([`super::MockRoomBuilder::max_message_size`]).
const WRITE_BUFFER: usize = 16 << 10;

/// What tungstenite reads into at once (requests are small; 128 KiB, its default, per
/// connection would be most of an idle connection's memory).
const READ_BUFFER: usize = 8 << 10;

/// How long a closing connection may take to send its close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Accepts WebSocket connections until the task is aborted (which aborts every connection).
pub(super) async fn serve(listener: TcpListener, room: Arc<RoomState>) {
    super::accept_each(listener, room, WS, |stream, peer, slot| {
        slot.room.counters.accepted.fetch_add(1, Ordering::Relaxed);
        let id = slot.room.next_session.fetch_add(1, Ordering::Relaxed);
        let span = tracing::debug_span!("mock_session", id, %peer);
        run(stream, peer, slot, id).instrument(span)
    })
    .await;
}

type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;
type Source = SplitStream<WebSocketStream<TcpStream>>;

/// How a connection's reading ends.
enum Ending {
    /// Drop the TCP connection without a close frame.
    Drop,
    /// Send this close frame (or answer the peer's), then drop the connection.
    Close(Option<CloseFrame>),
}

/// A connection's tungstenite settings: small buffers, and the write buffer capped so a peer
/// that pings without reading cannot grow it.
fn websocket_config(room: &RoomState) -> WebSocketConfig {
    let largest = room.limits.max_message_size;
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(WRITE_BUFFER + largest + 64)
        .max_message_size(Some(largest))
        .max_frame_size(Some(largest))
}

/// One connection: the handshake (in time), then requests in and messages out until either
/// side ends it, it does not authorize in time, or the Room drops it.
async fn run(stream: TcpStream, peer: SocketAddr, slot: Slot, id: u64) {
    let room = Arc::clone(&slot.room);
    let _ = stream.set_nodelay(true);
    let handshake =
        tokio_tungstenite::accept_async_with_config(stream, Some(websocket_config(&room)));
    let handshake = async {
        match room.limits.handshake() {
            Some(limit) => tokio::time::timeout(limit, handshake).await,
            None => Ok(handshake.await),
        }
    };
    let socket = match handshake.await {
        Ok(Ok(socket)) => socket,
        Ok(Err(error)) => {
            room.counters
                .handshake_failures
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%error, "mock Room: WebSocket handshake failed");
            return;
        }
        Err(_) => {
            room.counters
                .handshake_timeouts
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                timeout = ?room.limits.handshake_timeout,
                "mock Room: no WebSocket handshake in time, connection closed"
            );
            return;
        }
    };
    let (sink, source) = socket.split();
    let (outbox, inbox) = Outbox::new(id, peer, room.limits.send_queue);
    let kill = Arc::new(Notify::new());
    let _registered = Registered::new(&room, id, &outbox, &kill);
    tracing::debug!("connected");
    let auth_by = room
        .limits
        .auth()
        .and_then(|limit| Instant::now().checked_add(limit));
    let mut session = Session {
        room: Arc::clone(&room),
        outbox: outbox.clone(),
        authorized: false,
        ever_authorized: false,
        opening: Vec::new(),
    };
    if let Some(recording) = &room.replay {
        // The n-th connection replays the n-th recorded one's opening notifications: after
        // its first auth, or at once when that one did not authorize.
        let index = room.replayed_connections.fetch_add(1, Ordering::Relaxed);
        let (opening, authorizes) = recording.opening(index);
        if authorizes {
            session.opening = opening;
        } else {
            for payload in opening {
                let _ = outbox.send(payload).await;
            }
        }
    }
    let reader = session.read(source, auth_by);
    let writer = write(sink, inbox);
    tokio::pin!(reader, writer);
    let ending = tokio::select! {
        biased;
        () = kill.notified() => Ending::Drop,
        ending = &mut reader => ending,
        () = &mut writer => Ending::Drop,
    };
    if let Ending::Close(frame) = ending {
        // What is queued goes first, then the close frame; a peer that does not read gets
        // a moment, not more.
        outbox.close(frame);
        let _ = tokio::time::timeout(CLOSE_GRACE, &mut writer).await;
    }
    // Dropping the socket closes the TCP connection.
}

/// A connection listed in [`RoomState::sessions`] until its task ends (or is aborted); its
/// losses then go to the Room's count.
struct Registered {
    room: Arc<RoomState>,
    id: u64,
    outbox: Outbox,
}

impl Registered {
    fn new(room: &Arc<RoomState>, id: u64, outbox: &Outbox, kill: &Arc<Notify>) -> Self {
        lock(&room.sessions).insert(
            id,
            SessionHandle {
                outbox: outbox.clone(),
                kill: Arc::clone(kill),
            },
        );
        Self {
            room: Arc::clone(room),
            id,
            outbox: outbox.clone(),
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&self.room.sessions).remove(&self.id);
        let dropped = self.outbox.dropped();
        self.room
            .counters
            .dropped_closed
            .fetch_add(dropped, Ordering::Relaxed);
        if dropped > 0 {
            tracing::info!(dropped, "disconnected; notifications dropped for it");
        } else {
            tracing::debug!("disconnected");
        }
    }
}

/// Writes what the connection's queue holds, flushing whenever it runs empty, until the
/// socket fails or a close frame was sent.
async fn write(mut sink: Sink, mut inbox: Inbox) {
    while let Some(queued) = inbox.recv().await {
        let mut next = Some(queued);
        while let Some(queued) = next.take() {
            if !deliver(&mut sink, &inbox.outbox, queued).await {
                return;
            }
            next = inbox.try_recv();
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

/// Writes one entry; whether the connection goes on.
async fn deliver(sink: &mut Sink, outbox: &Outbox, queued: Queued) -> bool {
    match queued.outbound {
        Outbound::Message { payload, times } => {
            for _ in 0..times {
                match feed(sink, payload.to_message()).await {
                    Ok(()) => outbox.count_sent(1),
                    Err(WsError::WriteBufferFull(message)) => {
                        // Only a message over the size limit gets here (the buffer was
                        // flushed first): none of its copies can go.
                        tracing::warn!(
                            bytes = message.len(),
                            "mock Room: a message over the size limit was not sent"
                        );
                        outbox.count_dropped(times);
                        return true;
                    }
                    Err(_) => return false,
                }
            }
            true
        }
        Outbound::Close(frame) => {
            if let Some(frame) = frame {
                let _ = sink.send(Message::Close(Some(frame))).await;
            }
            // Sends our close frame, or the answer to the peer's.
            let _ = sink.close().await;
            false
        }
    }
}

/// Feeds `message` to the socket; when the write buffer is full, flushes it and tries once
/// more.
async fn feed(sink: &mut Sink, message: Message) -> Result<(), WsError> {
    match sink.feed(message).await {
        Err(WsError::WriteBufferFull(message)) => {
            sink.flush().await?;
            sink.feed(*message).await
        }
        other => other,
    }
}

/// Whether the connection goes on.
enum Flow {
    Continue,
    Stop,
}

struct Session {
    room: Arc<RoomState>,
    /// This connection's queue, for its answers (now or later: delays, the flows).
    outbox: Outbox,
    authorized: bool,
    /// Whether an `auth` ever succeeded (the auth deadline no longer applies).
    ever_authorized: bool,
    /// Replaying: what the recorded connection got before its first request, sent after this
    /// connection's first `auth` answer.
    opening: Vec<Payload>,
}

impl Session {
    /// Reads and answers requests until the peer leaves, a rule drops it, a message is too
    /// large, or it has not authorized by `auth_by`.
    async fn read(&mut self, mut source: Source, auth_by: Option<Instant>) -> Ending {
        loop {
            let frame = match auth_by.filter(|_| !self.ever_authorized) {
                Some(deadline) => match tokio::time::timeout_at(deadline, source.next()).await {
                    Ok(frame) => frame,
                    Err(_) => return self.auth_timed_out(),
                },
                None => source.next().await,
            };
            let flow = match frame {
                Some(Ok(Message::Text(text))) => self.on_text(text.as_str()).await,
                Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                    Ok(text) => self.on_text(text).await,
                    Err(_) => {
                        tracing::warn!("mock Room: a binary frame that is not UTF-8, ignored");
                        Flow::Continue
                    }
                },
                Some(Ok(Message::Close(_))) => return Ending::Close(None),
                Some(Err(WsError::Capacity(error))) => return self.too_large(&error),
                // As RFC 6455 asks: the answers already queued go out, then a close frame
                // 1007 says why, instead of a reset that loses them.
                Some(Err(WsError::Utf8(error))) => {
                    tracing::warn!(%error, "mock Room: a text message that is not UTF-8, connection closed");
                    return Ending::Close(Some(CloseFrame {
                        code: CloseCode::Invalid,
                        reason: "a text message that is not UTF-8".into(),
                    }));
                }
                Some(Err(error)) => {
                    tracing::debug!(%error, "mock Room: read failed");
                    return Ending::Drop;
                }
                None => return Ending::Drop,
                Some(Ok(_)) => Flow::Continue,
            };
            if let Flow::Stop = flow {
                return Ending::Drop;
            }
        }
    }

    fn auth_timed_out(&self) -> Ending {
        let timeout = self.room.limits.auth_timeout;
        self.room
            .counters
            .auth_timeouts
            .fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            ?timeout,
            "mock Room: no successful auth in time, connection closed"
        );
        Ending::Close(Some(CloseFrame {
            code: CloseCode::Policy,
            reason: format!("no successful auth within {timeout:?}").into(),
        }))
    }

    fn too_large(&self, error: &CapacityError) -> Ending {
        self.room.counters.oversize.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%error, "mock Room: message over the size limit, connection closed");
        Ending::Close(Some(CloseFrame {
            code: CloseCode::Size,
            reason: format!(
                "message over the mock Room's limit of {} bytes",
                self.room.limits.max_message_size
            )
            .into(),
        }))
    }

    /// Queues an answer (or a notification of this connection's own flow).
    async fn send(&self, payload: Payload) -> Flow {
        match self.outbox.send(payload).await {
            Ok(()) => Flow::Continue,
            Err(Refused::Closed | Refused::Full) => Flow::Stop,
        }
    }

    async fn on_text(&mut self, text: &str) -> Flow {
        let request: Value = match serde_json::from_str(text) {
            Ok(request @ Value::Object(_)) => request,
            _ => {
                let shown: String = text.chars().take(200).collect();
                tracing::warn!(
                    text = shown,
                    bytes = text.len(),
                    "mock Room: a frame that is not a JSON object, ignored"
                );
                return Flow::Continue;
            }
        };
        let method = request
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // Echoed as received; an empty string when the request had none.
        let request_id = request
            .get("requestId")
            .cloned()
            .unwrap_or_else(|| Value::from(""));
        self.room.count_request(&method);
        let rule = lock(&self.room.rules).get(&method).cloned();
        let request = Arc::new(request);
        let _ = self.room.requests.send(Arc::clone(&request));
        tracing::debug!(method, "request");
        let rule = rule.unwrap_or_default();
        let answer = match &rule.reply {
            Reply::Disconnect => return Flow::Stop,
            Reply::NoReply => None,
            Reply::Fail(error) => Some(Answer::now(failure(&method, &request_id, error))),
            Reply::Json(json) => Some(Answer::now(with_envelope(json, &method, &request_id))),
            Reply::With(make) => Some(Answer::now(with_envelope(
                &make(&request),
                &method,
                &request_id,
            ))),
            Reply::Default => Some(self.answer(text, &request, &method, &request_id)),
        };
        let delay = match &rule.delay {
            Delay::None => Duration::ZERO,
            Delay::Fixed(delay) => *delay,
            Delay::PerRequest(delay) => delay(&request),
        };
        // What goes out, in order: the notifications before, the answer, those after; and
        // what the answer starts, with the answer's place among them.
        let notifications = |list: &[Value]| -> Vec<Payload> {
            list.iter()
                .map(|message| Payload::from(super::wire_text(message)))
                .collect()
        };
        let mut texts = notifications(&rule.before);
        let mut follow = None;
        if let Some(answer) = answer {
            texts.extend(answer.frames);
            follow = answer
                .follow
                .map(|follow| (texts.len().saturating_sub(1), follow));
        }
        texts.extend(notifications(&rule.after));
        if delay.is_zero() {
            for (index, text) in texts.into_iter().enumerate() {
                if let Flow::Stop = self.send(text).await {
                    return Flow::Stop;
                }
                // What the answer starts begins once the answer is queued, before the
                // notifications after it.
                if let Some((_, follow)) = follow.take_if(|(answer, _)| *answer == index) {
                    follow.start(&self.room);
                }
            }
        } else {
            // Answered later through this connection's queue, so other requests go on.
            let outbox = self.outbox.clone();
            let room = Arc::clone(&self.room);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                for text in texts {
                    if outbox.send(text).await.is_err() {
                        return;
                    }
                }
                if let Some((_, follow)) = follow {
                    follow.start(&room);
                }
            });
        }
        Flow::Continue
    }

    /// The mock's own answer to a request (`text`, which parsed as `request`).
    fn answer(&mut self, text: &str, request: &Value, method: &str, request_id: &Value) -> Answer {
        let room = Arc::clone(&self.room);
        if let Some(recording) = &room.replay {
            return self.replay(recording, request, method, request_id);
        }
        if method == "auth" {
            return Answer::now(self.auth(request, request_id));
        }
        if !self.authorized {
            return Answer::now(failure(
                method,
                request_id,
                "Authorization required: send auth first",
            ));
        }
        let decoded = match ClientMessage::from_str(text) {
            Ok(decoded) => decoded,
            Err(error) => {
                return Answer::now(failure(
                    method,
                    request_id,
                    &format!("Invalid request: {error}"),
                ))
            }
        };
        if decoded.is_unknown() {
            return Answer::now(failure(
                method,
                request_id,
                &format!("Unknown command `{method}`"),
            ));
        }
        // The call flow, by name: `accept`, `reject` (client tier) and hangUp share one
        // state machine.
        if let Some(answer) = call_flow(&room, method, request_id) {
            return answer;
        }
        if decoded.is_untyped() {
            return Answer::now(failure(
                method,
                request_id,
                &format!("The mock Room does not implement `{method}` (known, but not typed)"),
            ));
        }
        let Some(example) = room.examples.response(method) else {
            return Answer::now(failure(
                method,
                request_id,
                "The mock Room has no response for this command",
            ));
        };
        let mut model = lock(&room.model);
        let mut response = match model.response_body(method) {
            Some(body) => body.clone(),
            None => example.clone(),
        };
        for key in room.examples.echoed_fields(method) {
            if let Some(value) = request.get(key) {
                response.set(key, value);
            }
        }
        let mut follow = None;
        let file_request_id = request
            .get("fileRequestId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match method {
            "getTokenForHttpServer" => response.set("token", &Value::from(room.issue_http_token())),
            "getIncomingFilesRequests" => {
                response.set("incomingFilesRequests", &Value::Array(model.offers()));
            }
            "getFileTransferHistory" => {
                response.set("filesRequests", &Value::Array(model.history()));
            }
            "getFileRequestInfo" => {
                if let Some(info) = model.file_request_info(example, file_request_id) {
                    response = info;
                }
            }
            "acceptIncomingFileRequest" => {
                match model.set_offer_status(file_request_id, 2, true) {
                    Ok(Some(offer)) => follow = Some(Follow::Transfer(offer)),
                    // An id the Room never offered gets the documented answer, and nothing
                    // follows it.
                    Ok(None) => {}
                    Err(error) => return Answer::now(failure(method, request_id, error)),
                }
            }
            _ => {}
        }
        Answer {
            frames: vec![Payload::from(respond(&response, method, request_id))],
            follow,
        }
    }

    /// The recorded answer to a request, with the recorded notifications around it (and,
    /// after the connection's first `auth`, those recorded before any request); a request
    /// the recording does not answer gets `"result": false` saying so.
    fn replay(
        &mut self,
        recording: &Recording,
        request: &Value,
        method: &str,
        request_id: &Value,
    ) -> Answer {
        match recording.answer(request, &request_id.to_string()) {
            Ok(replayed) => {
                self.room.accept_http_tokens(replayed.http_tokens);
                let mut frames = replayed.frames;
                if method == "auth" {
                    self.set_authorized(replayed.succeeded);
                    frames.append(&mut self.opening);
                }
                Answer {
                    frames,
                    follow: None,
                }
            }
            Err(error) => {
                self.room
                    .counters
                    .replay_unmatched
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%request, "mock Room: {error}");
                Answer::now(failure(method, request_id, &error))
            }
        }
    }

    /// Checks an `auth` request against the Room's protection.
    fn auth(&mut self, request: &Value, request_id: &Value) -> String {
        let room = Arc::clone(&self.room);
        let kind = request.get("type").and_then(Value::as_str);
        let credentials = request.get("credentials").and_then(Value::as_str);
        let verdict = match (kind, &room.protection) {
            // The switch from administrator to user mode keeps an authorized connection.
            (None, _) if self.authorized => Ok(()),
            (None, _) => Err("Authorization required: send auth with a type first"),
            (Some("unsecured"), super::Protection::Unsecured) => Ok(()),
            (Some("secured"), super::Protection::Unsecured) => Ok(()),
            (Some("unsecured"), _) => Err("Credentials are required"),
            (
                Some("secured"),
                super::Protection::Pin(secret) | super::Protection::Password(secret),
            ) => {
                let known_token = credentials
                    .is_some_and(|credentials| lock(&room.tokens).session.contains(credentials));
                if credentials == Some(secret.as_str()) || known_token {
                    Ok(())
                } else {
                    Err("Wrong credentials")
                }
            }
            (Some(_), _) => Err("Unknown authorization type"),
        };
        if let Err(error) = verdict {
            self.set_authorized(false);
            tracing::debug!(error, "auth refused");
            return failure("auth", request_id, error);
        }
        self.set_authorized(true);
        let token = room.new_token(1);
        lock(&room.tokens).add_session(token.clone());
        let http_token = room.issue_http_token();
        let mut response = room
            .examples
            .response("auth")
            .cloned()
            .unwrap_or_else(|| OrderedObject::from_value(&json!({ "result": true })));
        response.set("token", &Value::from(token));
        response.set("tokenForHttpServer", &Value::from(http_token));
        respond(&response, "auth", request_id)
    }

    fn set_authorized(&mut self, authorized: bool) {
        self.authorized = authorized;
        self.ever_authorized |= authorized;
        self.outbox.set_authorized(authorized);
    }
}

/// The answer to `accept`, `reject` or `hangUp`, and the notifications that follow it;
/// `None` for any other method.
fn call_flow(room: &RoomState, method: &str, request_id: &Value) -> Option<Answer> {
    let mut model = lock(&room.model);
    let outcome = match method {
        "accept" => model.accept(room.examples),
        "reject" => model.reject(room.examples),
        "hangUp" => Ok(model.hang_up(room.examples)),
        _ => return None,
    };
    Some(match outcome {
        Ok(notifications) => {
            let text = match room.examples.response(method) {
                Some(example) => respond(example, method, request_id),
                None => with_envelope(&json!({ "result": true }), method, request_id),
            };
            Answer {
                frames: vec![Payload::from(text)],
                follow: Some(Follow::Announce(notifications)),
            }
        }
        Err(error) => Answer::now(failure(method, request_id, error)),
    })
}

/// An answer, and what it starts.
struct Answer {
    /// What goes out, in order: the response (a replayed one may have recorded
    /// notifications around it, or no response at all).
    frames: Vec<Payload>,
    follow: Option<Follow>,
}

impl Answer {
    fn now(text: String) -> Self {
        Self {
            frames: vec![Payload::from(text)],
            follow: None,
        }
    }
}

/// What an answer starts, once it is queued.
enum Follow {
    /// The documented notifications of an accepted download (this offer).
    Transfer(Value),
    /// These notifications, to every connection.
    Announce(Vec<String>),
}

impl Follow {
    fn start(self, room: &Arc<RoomState>) {
        match self {
            Follow::Transfer(offer) => {
                tokio::spawn(play_transfer(Arc::clone(room), offer));
            }
            Follow::Announce(notifications) => {
                for text in notifications {
                    room.broadcast(text, 1);
                }
            }
        }
    }
}

/// The documented notifications of an accepted download, sent to every connection:
/// accepted, in progress, progress steps, completed (with the `fileId` the file got, as the
/// fileRequestStatusChanged page gives it for processed inbound requests); the transfer then
/// enters the history.
async fn play_transfer(room: Arc<RoomState>, offer: Value) {
    let id = offer.get("fileRequestId").cloned().unwrap_or(Value::Null);
    let common = [
        ("fileRequestId", id.clone()),
        (
            "fileName",
            offer.get("fileName").cloned().unwrap_or(Value::Null),
        ),
        (
            "fileSize",
            offer.get("size").cloned().unwrap_or(Value::from(0)),
        ),
        (
            "peerId",
            offer.get("peerId").cloned().unwrap_or(Value::Null),
        ),
        ("timestamp", Value::from(now_millis())),
    ];
    let peer_dn = offer.get("peerDn").cloned().unwrap_or(Value::from(""));
    let notification = |event: &str, extra: &[(&str, Value)]| -> Option<String> {
        let example = room.examples.notification(event)?.clone();
        Some(notification_text(
            example,
            event,
            common.iter().chain(extra),
            &[("peerDn", &peer_dn), ("peerDisplayName", &peer_dn)],
            offer.get("confId"),
        ))
    };
    let status = |status: u8, file_id: Option<u64>| {
        let mut fields = vec![
            ("status", Value::from(status)),
            ("directionType", Value::from(0)),
        ];
        fields.extend(file_id.map(|file_id| ("fileId", Value::from(file_id))));
        notification("fileRequestStatusChanged", &fields)
    };
    let mut messages = vec![
        notification("incomingFileRequestAccepted", &[]),
        status(2, None),
    ];
    let steps = u32::from(room.progress_steps);
    for step in 1..=steps {
        let percent = step * 100 / steps;
        messages.push(notification(
            "incomingFileRequestDownloadingProgress",
            &[("processedPercents", Value::from(percent))],
        ));
    }
    for (index, message) in messages.into_iter().flatten().enumerate() {
        if index >= 2 {
            tokio::time::sleep(room.progress_interval).await;
        }
        room.broadcast(message, 1);
    }
    let file_id = id
        .as_str()
        .and_then(|id| lock(&room.model).complete_offer(id, None));
    if let Some(done) = status(3, file_id) {
        room.broadcast(done, 1);
    }
}

/// `object` as a response to `method` with `request_id`, envelope first.
fn respond(object: &OrderedObject, method: &str, request_id: &Value) -> String {
    object.to_text(&[("method", &Value::from(method)), ("requestId", request_id)])
}

/// `json` (an object) as a response to `method` with `request_id`.
fn with_envelope(json: &Value, method: &str, request_id: &Value) -> String {
    respond(&OrderedObject::from_value(json), method, request_id)
}

/// A `"result": false` response.
fn failure(method: &str, request_id: &Value, error: &str) -> String {
    with_envelope(
        &json!({ "result": false, "error": error }),
        method,
        request_id,
    )
}
