//! The connection task: makes the connection (and, with reconnecting on, makes it again with
//! backoff, the first one included), owns the WebSocket, writes queued requests and heartbeat
//! probes, routes every frame that arrives (a response to the request waiting for its
//! `requestId`, a notification to the streams), watches the liveness deadline, and on a lost
//! connection fails the requests that were sent on it.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::config::{Config, Credentials, Target};
use super::error::{within, without_repeats};
use super::http;
use super::liveness::{Dead, Liveness, Probe};
use super::{ConnectionStatus, Delivered, Error, Failed, Shared};
use crate::commands::{Auth, AuthResponse, GetAppState, SetUsedApiVersion};
use crate::lock;
use crate::types::AuthResultCode;
use crate::{Command, Failure, Request, Response};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A request waiting to be written: its `requestId` (it is written only while its caller still
/// waits for it) and its JSON.
pub(crate) struct Outgoing {
    pub id: String,
    pub text: String,
}

/// Bytes the write buffer collects before it writes to the socket (tungstenite's
/// `write_buffer_size`); a flush writes them at once anyway.
const WRITE_BUFFER: usize = 16 << 10;

/// The WebSocket settings of every connection: one limit for a frame and a message (a Room
/// may send a message in one frame), and a write buffer capped at the largest request (plus
/// what it collects), so that a Room that floods pings or stops reading cannot make the
/// client queue pongs without bound.
pub(crate) fn websocket_config(config: &Config) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(config.max_message_size))
        .max_frame_size(Some(config.max_message_size))
        .write_buffer_size(WRITE_BUFFER)
        // A frame's header takes at most 14 bytes.
        .max_write_buffer_size(WRITE_BUFFER + config.max_request_size + 14)
}

/// An open connection, not yet authorized, and what was learnt opening it.
pub(crate) struct Opened {
    pub socket: Socket,
    /// The WebSocket URL and where its port came from, as errors name it.
    pub address: String,
    /// The host and port of the built-in HTTP server, when `config.json` named it.
    pub http: Option<(String, u16)>,
}

/// Finds the WebSocket (reading `config.json` for a host and port) and opens it.
pub(crate) async fn open(config: &Config) -> Result<Opened, Error> {
    let (url, address, http) = match &config.target {
        Target::Discover { host, http_port } => {
            let ports = http::discover(host, *http_port, config.http_timeout).await?;
            let url = format!("ws://{}:{}", http::url_host(host), ports.websocket);
            let address = format!("{url} (port from {})", http::config_url(host, *http_port));
            (url, address, ports.http.map(|port| (host.clone(), port)))
        }
        Target::Url(url) => (url.clone(), format!("{url} (the URL given)"), None),
    };
    let connect = async {
        tokio_tungstenite::connect_async_with_config(
            url.as_str(),
            Some(websocket_config(config)),
            true,
        )
        .await
        .map_err(|error| Error::websocket(&address, error))
    };
    let waiting_for = || format!("WebSocket handshake with {address}");
    let (socket, _response) = within(config.connect_timeout, waiting_for, connect).await?;
    tracing::debug!(address, "WebSocket open");
    Ok(Opened {
        socket,
        address,
        http,
    })
}

/// Opens a connection ([`open`]), asks for the configured API version
/// ([`use_api_version`]), authorizes it with each of `credentials` in turn ([`authorize`])
/// and keeps the `auth` response and the HTTP endpoint `config.json` named in the state cache.
async fn establish(shared: &Shared, credentials: &[Credentials]) -> Result<Opened, Error> {
    let mut opened = open(&shared.config).await?;
    if let Some(version) = shared.config.api_version {
        use_api_version(shared, &mut opened.socket, &opened.address, version).await?;
    }
    let auth = authorize(shared, &mut opened.socket, &opened.address, credentials).await?;
    shared.authorized(auth, opened.http.clone());
    Ok(opened)
}

/// Authorizes a freshly opened connection before anything else is sent on it: `auth` with
/// each of `attempts` in turn until one is accepted. Frames that come meanwhile are routed as
/// usual (notifications reach the streams).
async fn authorize(
    shared: &Shared,
    socket: &mut Socket,
    address: &str,
    attempts: &[Credentials],
) -> Result<AuthResponse, Error> {
    let mut refusal = Error::Auth {
        error: None,
        result_code: None,
    };
    for credentials in attempts {
        let auth = credentials.to_auth(shared.config.role.clone());
        let bytes = exchange_before_serving(shared, socket, address, auth).await?;
        let response: Response<Auth> = crate::from_slice(&bytes)?;
        match auth_outcome(response.result) {
            Ok(auth) => return Ok(auth),
            Err(refused) => refusal = refused,
        }
        tracing::debug!(?credentials, %refusal, "auth refused");
    }
    Err(refusal)
}

/// Sends `command` on a connection not served yet and waits (within the connect timeout) for
/// its answer: a reply with its method and its `requestId` (or none). Frames that come
/// meanwhile are routed as usual (notifications reach the streams).
async fn exchange_before_serving<C: Command>(
    shared: &Shared,
    socket: &mut Socket,
    address: &str,
    command: C,
) -> Result<Bytes, Error> {
    let lost = |reason: String| Error::ConnectionLost {
        address: address.to_string(),
        reason,
    };
    let id = shared.next_request_id();
    let request: Request<C> = command.into_request().with_request_id(id.as_str());
    let text = serde_json::to_string(&request).map_err(Error::Encode)?;
    // Counted like every other request (ClientStats::requests).
    shared.stats.requests.fetch_add(1, Ordering::Relaxed);
    let exchange = async {
        socket
            .send(Message::text(text))
            .await
            .map_err(|error| lost(without_repeats(&error)))?;
        loop {
            let bytes = match next_frame(socket.next().await) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => continue,
                Err(reason) => return Err(lost(reason)),
            };
            let is_reply = crate::route::scan(&bytes).is_ok_and(|envelope| {
                envelope.method == C::METHOD
                    && envelope
                        .request_id
                        .as_deref()
                        .is_none_or(|echoed| echoed.is_empty() || echoed == id.as_str())
            });
            if is_reply {
                return Ok(bytes);
            }
            route(shared, bytes);
        }
    };
    let waiting_for = || format!("`{}` response from {address}", C::METHOD);
    within(shared.config.connect_timeout, waiting_for, exchange).await
}

/// Asks the Room for API version `version` with `setUsedApiVersion` before `auth`, as
/// TrueConf's clients do, and waits for the answer (see [`super::ClientBuilder::api_version`]
/// for what is known of it): `"result": false` is [`Error::Failed`]; any other answer will do.
async fn use_api_version(
    shared: &Shared,
    socket: &mut Socket,
    address: &str,
    version: u8,
) -> Result<(), Error> {
    let command = SetUsedApiVersion::new(version.to_string());
    let bytes = exchange_before_serving(shared, socket, address, command).await?;
    match crate::from_slice::<Response<SetUsedApiVersion>>(&bytes) {
        Ok(Response { result: Ok(_), .. }) => {
            tracing::debug!(version, address, "API version chosen");
            Ok(())
        }
        Ok(Response {
            result: Err(failure),
            ..
        }) => Err(Error::Failed(Failed::new(
            SetUsedApiVersion::METHOD,
            failure.error,
            bytes,
        ))),
        // No source shows the answer's shape; only a refusal stops the connection.
        Err(error) => {
            tracing::warn!(%error, version, "the setUsedApiVersion answer does not decode; going on");
            Ok(())
        }
    }
}

/// Whether `error` is a refusal waiting does not fix: refused credentials, or a refused API
/// version. A first connection that meets one fails at once, reconnecting on or not.
fn refused_for_good(error: &Error) -> bool {
    match error {
        Error::Auth { .. } => true,
        Error::Failed(failed) => failed.method() == SetUsedApiVersion::METHOD,
        _ => false,
    }
}

/// What an `auth` answer means: the response when it grants access, else [`Error::Auth`] with
/// the Room's `error` text and `resultCode`.
pub(crate) fn auth_outcome(
    answer: Result<AuthResponse, Failure<Auth>>,
) -> Result<AuthResponse, Error> {
    match answer {
        Ok(auth) => match auth.result_code {
            // Older Rooms send no resultCode: `result: true` alone means success.
            None | Some(AuthResultCode::Successful) => Ok(auth),
            Some(code) => Err(Error::Auth {
                error: None,
                result_code: Some(code.value()),
            }),
        },
        Err(failure) => Err(Error::Auth {
            result_code: failure.fields.result_code.map(AuthResultCode::value),
            error: failure.error,
        }),
    }
}

/// Why a served connection ended.
enum End {
    /// [`super::Client::close`] asked for it, or every client handle is gone.
    Shutdown,
    /// The connection was lost (or given up on).
    Lost(Loss),
}

/// How a connection was lost.
enum Loss {
    /// The Room closed it, or the socket or the protocol failed: what happened.
    Broken(String),
    /// The Room sent nothing for this long (the liveness deadline).
    Silent(Duration),
    /// The Room read nothing for this long: a write stayed blocked past the deadline.
    NotReading(Duration),
    /// The Room did not answer the state fetch after `auth`.
    StateFetch(Error),
}

impl Loss {
    /// The error of a request that was sent on the connection at `address`.
    fn error(&self, address: &str) -> Error {
        let address = address.to_string();
        match self {
            Loss::Broken(reason) => Error::ConnectionLost {
                address,
                reason: reason.clone(),
            },
            Loss::Silent(silent_for) => Error::Unresponsive {
                address,
                silent_for: *silent_for,
            },
            Loss::NotReading(after) => Error::ConnectionLost {
                address,
                reason: format!(
                    "the Room read nothing for {after:?} (past the liveness deadline); the \
                     connection was dropped"
                ),
            },
            Loss::StateFetch(error) => Error::ConnectionLost {
                address,
                reason: format!("dropped because the state fetch failed: {error:#}"),
            },
        }
    }
}

/// The connection task, from the first attempt to connect until the client is closed. It
/// answers `ready` once the first connection is made (authorized and, as configured, the
/// state fetched), or with why it could not be made when no more attempts follow.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    ready: oneshot::Sender<Result<(), Error>>,
) {
    let mut ready = Some(ready);
    let policy = shared.config.reconnect.clone();
    let started = Instant::now();
    // Attempts since the last connection that worked (or since the start), and the wait
    // before the next one.
    let mut attempt = 0u32;
    let mut delay = policy
        .as_ref()
        .map_or(Duration::ZERO, |policy| policy.initial_delay);
    // What requests still waiting learn when the client closes for good.
    let mut final_error: Option<(Loss, String)> = None;
    loop {
        let credentials = {
            let mut credentials = Vec::new();
            if let Some(token) = shared.session_token() {
                credentials.push(Credentials::Token(token));
            }
            credentials.push(shared.config.credentials.clone());
            credentials
        };
        shared.attempts.fetch_add(1, Ordering::Relaxed);
        let established = tokio::select! {
            result = establish(&shared, &credentials) => result,
            () = shared.closed() => break,
        };
        let failure = match established {
            Ok(opened) => {
                let address = opened.address.clone();
                match serve(&shared, opened, &mut outgoing, &mut ready).await {
                    End::Shutdown => break,
                    End::Lost(loss) => {
                        let failed = shared.fail_sent(|| loss.error(&address));
                        if shared.closing() {
                            tracing::debug!("connection ended while closing");
                            break;
                        }
                        match loss {
                            // Not a connection that worked: a failed attempt.
                            Loss::StateFetch(error) => Some(error),
                            loss => {
                                let reconnecting = policy.is_some();
                                let reason = loss.error(&address);
                                tracing::warn!(%reason, failed, reconnecting, "connection lost");
                                if !reconnecting {
                                    final_error = Some((loss, address));
                                    break;
                                }
                                // It worked: the backoff starts over.
                                attempt = 0;
                                delay = policy
                                    .as_ref()
                                    .map_or(Duration::ZERO, |policy| policy.initial_delay);
                                None
                            }
                        }
                    }
                }
            }
            Err(error) => Some(error),
        };
        if let Some(error) = failure {
            // The first connection: without retries, or refused credentials, connect() fails
            // with this error as it is.
            let fatal = policy.is_none() || refused_for_good(&error);
            if fatal {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Err(error));
                    break;
                }
            }
            tracing::warn!(
                attempt,
                error = format!("{error:#}"),
                "attempt to connect failed"
            );
            *lock(&shared.last_error) = Some(Arc::new(error));
        }
        let Some(policy) = &policy else { break };
        if policy.max_attempts.is_some_and(|limit| attempt >= limit) {
            tracing::warn!(attempt, "giving up connecting");
            if let Some(ready) = ready.take() {
                let _ = ready.send(Err(shared.unreachable(started.elapsed())));
            }
            break;
        }
        attempt += 1;
        shared
            .status
            .send_replace(ConnectionStatus::Reconnecting { attempt });
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shared.closed() => break,
        }
        delay = delay.saturating_mul(2).min(policy.max_delay);
    }
    // Closed for good: whatever still waits fails, later requests fail at once.
    match final_error {
        Some((loss, address)) => shared.fail_all(|| loss.error(&address)),
        None => shared.fail_all(|| Error::Closed),
    };
    shared.hub.close();
    shared.status.send_replace(ConnectionStatus::Closed);
    tracing::debug!("client closed");
}

/// Serves one authorized connection until it ends: reads, writes, the heartbeat and the
/// liveness deadline, and the state fetch (after which the connection counts as made).
async fn serve(
    shared: &Shared,
    opened: Opened,
    outgoing: &mut mpsc::Receiver<Outgoing>,
    ready: &mut Option<oneshot::Sender<Result<(), Error>>>,
) -> End {
    let Opened {
        socket, address, ..
    } = opened;
    *lock(&shared.address) = Some(address.clone());
    let (mut sink, mut stream) = socket.split();
    let life = Liveness::new(shared.config.heartbeat);
    let mut fetched = !shared.config.fetch_state;
    if fetched {
        shared.connected(ready, &address);
    }
    let end = {
        let read = read(shared, &mut stream, &life);
        let write = write(shared, &mut sink, outgoing, &life);
        let fetch = shared.fetch_state();
        tokio::pin!(read, write, fetch);
        loop {
            tokio::select! {
                end = &mut read => break end,
                end = &mut write => break end,
                dead = life.watch() => break End::Lost(match dead {
                    Dead::Silent(silent_for) => Loss::Silent(silent_for),
                    Dead::NotReading(after) => Loss::NotReading(after),
                }),
                () = shared.closed() => break End::Shutdown,
                result = &mut fetch, if !fetched => match result {
                    Ok(()) => {
                        fetched = true;
                        shared.connected(ready, &address);
                    }
                    Err(error) => break End::Lost(Loss::StateFetch(error)),
                },
            }
        }
    };
    if let End::Shutdown = end {
        close_gracefully(&mut sink, &mut stream).await;
    }
    end
}

/// How long a graceful close may take: sending the close frame and waiting for the Room's.
/// [`super::Client::close`] returns within about this long, whatever the Room does.
pub(crate) const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Sends a close frame and waits for the Room's answer (or the end of the connection), for at
/// most [`CLOSE_WAIT`]: a Room that does not read or does not answer is simply dropped.
async fn close_gracefully(sink: &mut SplitSink<Socket, Message>, stream: &mut SplitStream<Socket>) {
    let handshake = async {
        if sink.close().await.is_err() {
            return;
        }
        while let Some(Ok(message)) = stream.next().await {
            if message.is_close() {
                break;
            }
        }
    };
    if tokio::time::timeout(CLOSE_WAIT, handshake).await.is_err() {
        tracing::debug!("the Room did not finish the closing handshake in time; dropped");
    }
}

async fn read(shared: &Shared, stream: &mut SplitStream<Socket>, life: &Liveness) -> End {
    loop {
        let message = match stream.next().await {
            Some(Ok(message)) => message,
            Some(Err(error)) => return End::Lost(Loss::Broken(without_repeats(&error))),
            None => return End::Lost(Loss::Broken("the connection ended".into())),
        };
        life.heard();
        match message {
            Message::Text(text) => route(shared, Bytes::from(text)),
            Message::Binary(bytes) => route(shared, bytes),
            Message::Pong(_) => life.pong(),
            Message::Close(frame) => return End::Lost(Loss::Broken(closed_by_room(frame))),
            // tungstenite answers pings itself.
            Message::Ping(_) | Message::Frame(_) => {}
        }
    }
}

fn closed_by_room(frame: Option<tokio_tungstenite::tungstenite::protocol::CloseFrame>) -> String {
    match frame {
        Some(frame) => format!("closed by the Room ({}: {})", frame.code, frame.reason),
        None => "closed by the Room".into(),
    }
}

/// One read from the socket before it is served: the bytes of a text or binary frame, `None`
/// for a frame with nothing to route (ping, pong), or why the connection ended.
fn next_frame(next: Option<Result<Message, WsError>>) -> Result<Option<Bytes>, String> {
    match next {
        Some(Ok(Message::Text(text))) => Ok(Some(Bytes::from(text))),
        Some(Ok(Message::Binary(bytes))) => Ok(Some(bytes)),
        Some(Ok(Message::Close(frame))) => Err(closed_by_room(frame)),
        Some(Ok(_)) => Ok(None),
        Some(Err(error)) => Err(without_repeats(&error)),
        None => Err("the connection ended".into()),
    }
}

async fn write(
    shared: &Shared,
    sink: &mut SplitSink<Socket, Message>,
    outgoing: &mut mpsc::Receiver<Outgoing>,
    life: &Liveness,
) -> End {
    loop {
        let next = tokio::select! {
            biased;
            next = outgoing.recv() => next,
            probe = life.probe() => {
                life.writing();
                let sent = send_probe(shared, sink, probe).await;
                life.written();
                if let Err(error) = sent {
                    return End::Lost(Loss::Broken(without_repeats(&error)));
                }
                continue;
            }
        };
        let Some(first) = next else {
            return End::Shutdown;
        };
        // Write everything queued, then flush once. The watch gives the connection up if the
        // Room does not take it within the deadline.
        life.writing();
        let written = async {
            let mut batch = Some(first);
            while let Some(request) = batch.take() {
                if shared.take(&request.id) {
                    tracing::trace!(request_id = request.id, "sending");
                    feed(sink, Message::text(request.text)).await?;
                }
                batch = outgoing.try_recv().ok();
            }
            flush(sink).await
        }
        .await;
        life.written();
        if let Err(error) = written {
            return End::Lost(Loss::Broken(without_repeats(&error)));
        }
    }
}

/// Queues a message for writing, losing neither it nor the one queued before.
///
/// The split sink hands a message to tungstenite only at the next `poll_ready` or
/// `poll_flush`, and when tungstenite's write buffer is full (of pongs queued by the reader,
/// for a Room that floods pings and reads slowly or not at all) that call fails with the
/// message in the error. Then the buffer is flushed, which waits for the Room to read, and
/// the message is handed over again. A message never exceeds the buffer's cap on its own:
/// requests over [`super::ClientBuilder::max_request_size`] are refused before they are
/// queued.
async fn feed(sink: &mut SplitSink<Socket, Message>, message: Message) -> Result<(), WsError> {
    loop {
        match std::future::poll_fn(|cx| sink.poll_ready_unpin(cx)).await {
            Ok(()) => return sink.start_send_unpin(message),
            Err(WsError::WriteBufferFull(returned)) => requeue(sink, *returned).await?,
            Err(error) => return Err(error),
        }
    }
}

/// Writes out everything queued, with [`feed`]'s care for a full write buffer.
async fn flush(sink: &mut SplitSink<Socket, Message>) -> Result<(), WsError> {
    loop {
        match sink.flush().await {
            Err(WsError::WriteBufferFull(returned)) => requeue(sink, *returned).await?,
            other => return other,
        }
    }
}

/// A message came back from a full write buffer: flush (nothing else is queued in the sink
/// now, so this drains tungstenite's buffer) and queue it again.
async fn requeue(sink: &mut SplitSink<Socket, Message>, message: Message) -> Result<(), WsError> {
    std::future::poll_fn(|cx| sink.poll_flush_unpin(cx)).await?;
    sink.start_send_unpin(message)
}

/// Sends a heartbeat probe: a ping, and with it a `getAppState` request until the Room has
/// answered a ping (its answer goes to the state cache).
async fn send_probe(
    shared: &Shared,
    sink: &mut SplitSink<Socket, Message>,
    probe: Probe,
) -> Result<(), WsError> {
    tracing::trace!(?probe, "heartbeat");
    feed(sink, Message::Ping(Bytes::new())).await?;
    if probe == Probe::PingAndRequest {
        let id = shared.next_request_id();
        let request = GetAppState::new()
            .into_request()
            .with_request_id(id.as_str());
        if let Ok(text) = serde_json::to_string(&request) {
            shared.probe_sent(id);
            feed(sink, Message::text(text)).await?;
        }
    }
    flush(sink).await
}

/// Routes one frame: a response to the request that waits for it, a notification to the
/// streams (and the state cache), anything else to the all-notifications stream as garbage.
pub(crate) fn route(shared: &Shared, bytes: Bytes) {
    let envelope = match crate::route::scan(&bytes) {
        Ok(envelope) => envelope,
        Err(error) => {
            shared.stats.garbage.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%error, bytes = bytes.len(), "a frame that is not a message");
            shared.hub.publish_garbage(&bytes, error);
            return;
        }
    };
    if envelope.method == "event" {
        shared.stats.notifications.fetch_add(1, Ordering::Relaxed);
        let event = envelope.event.as_deref();
        match event {
            Some("appStateChanged") => shared.app_state_changed(&bytes),
            Some("authorizationNeeded") => {
                tracing::info!("authorizationNeeded: dropping the HTTP-server token");
                lock(&shared.state).http_token = None;
            }
            _ => {}
        }
        tracing::trace!(event, "notification");
        shared.hub.publish(event, &bytes);
        return;
    }
    let method = envelope.method.as_ref();
    let request_id = envelope.request_id.as_deref();
    match shared.deliver(method, request_id, bytes.clone()) {
        Delivered::Request => {}
        Delivered::Probe(epoch) => shared.probe_answered(&bytes, epoch),
        Delivered::Nobody => {
            shared.stats.stray.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(method, request_id, "a response nobody waits for (dropped)");
        }
    }
}
