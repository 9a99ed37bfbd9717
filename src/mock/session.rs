//! The WebSocket side of the mock: one task per connection, answering requests.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use tracing::Instrument;

use super::{notification_text, now_millis, Delay, OrderedObject, Reply, RoomState, SessionHandle};
use crate::{lock, ClientMessage};

/// How many messages wait for one connection before a pusher has to wait.
const OUTBOUND: usize = 1024;

/// Accepts WebSocket connections until the task is aborted.
pub(super) async fn serve(listener: TcpListener, room: Arc<RoomState>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "mock Room: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let id = room.next_session.fetch_add(1, Ordering::Relaxed);
        let span = tracing::debug_span!("mock_session", id, %peer);
        tokio::spawn(run(stream, Arc::clone(&room), id).instrument(span));
    }
}

type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;

/// Whether the connection goes on.
enum Flow {
    Continue,
    Stop,
}

/// One connection: requests in, answers and pushed messages out, until either side ends it or
/// the Room drops it.
async fn run(stream: TcpStream, room: Arc<RoomState>, id: u64) {
    let _ = stream.set_nodelay(true);
    let socket = match tokio_tungstenite::accept_async(stream).await {
        Ok(socket) => socket,
        Err(error) => {
            tracing::debug!(%error, "mock Room: WebSocket handshake failed");
            return;
        }
    };
    let (sink, mut source) = socket.split();
    let (outbound, mut pushed) = mpsc::channel::<String>(OUTBOUND);
    let kill = Arc::new(Notify::new());
    lock(&room.sessions).insert(
        id,
        SessionHandle {
            outbound: outbound.clone(),
            kill: Arc::clone(&kill),
        },
    );
    tracing::debug!("connected");
    let mut session = Session {
        room: Arc::clone(&room),
        sink,
        outbound,
        authorized: false,
    };
    loop {
        let flow = tokio::select! {
            biased;
            () = kill.notified() => Flow::Stop,
            frame = source.next() => match frame {
                Some(Ok(Message::Text(text))) => session.on_text(text.as_str()).await,
                Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                    Ok(text) => session.on_text(text).await,
                    Err(_) => Flow::Continue,
                },
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Flow::Stop,
                Some(Ok(_)) => Flow::Continue,
            },
            Some(text) = pushed.recv() => session.send_queued(text, &mut pushed).await,
        };
        if let Flow::Stop = flow {
            break;
        }
    }
    lock(&room.sessions).remove(&id);
    tracing::debug!("disconnected");
    // Dropping the socket closes the TCP connection without a close frame.
}

struct Session {
    room: Arc<RoomState>,
    sink: Sink,
    /// This connection's queue, for answers sent later (delays, the file-transfer flow).
    outbound: mpsc::Sender<String>,
    authorized: bool,
}

impl Session {
    async fn send(&mut self, text: String) -> Flow {
        match self.sink.send(Message::text(text)).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    /// Writes `first` and whatever else is queued, then flushes once.
    async fn send_queued(&mut self, first: String, queue: &mut mpsc::Receiver<String>) -> Flow {
        let mut next = Some(first);
        while let Some(text) = next.take() {
            if self.sink.feed(Message::text(text)).await.is_err() {
                return Flow::Stop;
            }
            next = queue.try_recv().ok();
        }
        match self.sink.flush().await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    async fn on_text(&mut self, text: &str) -> Flow {
        let request: Value = match serde_json::from_str(text) {
            Ok(request @ Value::Object(_)) => request,
            _ => {
                tracing::warn!(
                    text,
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
        // What goes out, in order: the notifications before, the answer, those after; and the
        // file-transfer flow the answer starts, with the answer's place among them.
        let mut texts: Vec<String> = rule.before.iter().map(super::wire_text).collect();
        let mut transfer = None;
        if let Some(answer) = answer {
            transfer = answer.transfer.map(|offer| (texts.len(), offer));
            texts.push(answer.text);
        }
        texts.extend(rule.after.iter().map(super::wire_text));
        if delay.is_zero() {
            for (index, text) in texts.into_iter().enumerate() {
                if let Flow::Stop = self.send(text).await {
                    return Flow::Stop;
                }
                // The flow starts once the answer is written, before the notifications after.
                if let Some((_, offer)) = transfer.take_if(|(answer, _)| *answer == index) {
                    tokio::spawn(play_transfer(Arc::clone(&self.room), offer));
                }
            }
            Flow::Continue
        } else {
            // Answered later through this connection's queue, so other requests go on.
            let outbound = self.outbound.clone();
            let room = Arc::clone(&self.room);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                for text in texts {
                    if outbound.send(text).await.is_err() {
                        return;
                    }
                }
                if let Some((_, offer)) = transfer {
                    play_transfer(room, offer).await;
                }
            });
            Flow::Continue
        }
    }

    /// The mock's own answer to a request (`text`, which parsed as `request`).
    fn answer(&mut self, text: &str, request: &Value, method: &str, request_id: &Value) -> Answer {
        let room = Arc::clone(&self.room);
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
        let mut response = example.clone();
        for key in room.examples.echoed_fields(method) {
            if let Some(value) = request.get(key) {
                response.set(key, value);
            }
        }
        let mut transfer = None;
        match method {
            "getAppState" => response.set("embeddedHttpPort", &Value::from(room.http_port)),
            "getTokenForHttpServer" => response.set("token", &Value::from(room.issue_http_token())),
            "getIncomingFilesRequests" => {
                let offers = lock(&room.offers).clone();
                response.set("incomingFilesRequests", &Value::Array(offers));
            }
            "acceptIncomingFileRequest" => {
                let id = request
                    .get("fileRequestId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                match accept_offer(&room, id) {
                    Ok(Some(offer)) => transfer = Some(offer),
                    // An id the Room never offered gets the documented answer, and nothing
                    // follows it.
                    Ok(None) => {}
                    Err(error) => return Answer::now(failure(method, request_id, error)),
                }
            }
            _ => {}
        }
        Answer {
            text: respond(&response, method, request_id),
            transfer,
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
            self.authorized = false;
            tracing::debug!(error, "auth refused");
            return failure("auth", request_id, error);
        }
        self.authorized = true;
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
}

/// An answer, and the file-transfer flow to play after it.
struct Answer {
    text: String,
    transfer: Option<Value>,
}

impl Answer {
    fn now(text: String) -> Self {
        Self {
            text,
            transfer: None,
        }
    }
}

/// Marks the offer `id` accepted (status 2) and returns it; `None` for an id never offered;
/// an error for an offer that no longer awaits a reply.
fn accept_offer(room: &RoomState, id: &str) -> Result<Option<Value>, &'static str> {
    set_offer_status(room, id, 2, true)
}

/// Sets the status of the offer whose `fileRequestId` is `id` to `status` and returns the
/// offer as it is then; `None` for an id never offered. With `only_awaiting`, only an offer
/// that awaits a reply (status 1) changes: any other is left as it is, and is an error.
fn set_offer_status(
    room: &RoomState,
    id: &str,
    status: u8,
    only_awaiting: bool,
) -> Result<Option<Value>, &'static str> {
    let mut offers = lock(&room.offers);
    let Some(fields) = offers
        .iter_mut()
        .filter_map(Value::as_object_mut)
        .find(|offer| offer.get("fileRequestId").and_then(Value::as_str) == Some(id))
    else {
        return Ok(None);
    };
    if only_awaiting && fields.get("status") != Some(&Value::from(1)) {
        return Err("The file request does not await a reply");
    }
    fields.insert("status".into(), Value::from(status));
    Ok(Some(Value::Object(fields.clone())))
}

/// The documented notifications of an accepted download, sent to every connection:
/// accepted, in progress, progress steps, completed.
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
    let status = |status: u8| {
        notification(
            "fileRequestStatusChanged",
            &[
                ("status", Value::from(status)),
                ("directionType", Value::from(0)),
            ],
        )
    };
    let mut messages = vec![notification("incomingFileRequestAccepted", &[]), status(2)];
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
        room.broadcast(message, 1).await;
    }
    if let Some(id) = id.as_str() {
        let _ = set_offer_status(&room, id, 3, false);
    }
    if let Some(done) = status(3) {
        room.broadcast(done, 1).await;
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
