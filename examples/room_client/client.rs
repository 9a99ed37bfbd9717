//! A small asynchronous client for the TrueConf Room WebSocket API, built on `trueconf-api`'s
//! typed messages, and the file-transfer flow the `room_client` example runs.
//!
//! - [`discover_ws_url`] asks the Room's HTTP server for `/public/default/config.json` and builds
//!   the WebSocket address from `config.websocket.port`.
//! - [`Client::connect`] opens the WebSocket and spawns a reader task. Each request gets the next
//!   `requestId` of a counter; the reader hands each response (its raw bytes) to the request that
//!   waits for that `requestId`, in whatever order responses come, and the waiting request decodes
//!   it as `Response<C>` of its own command. Notifications are decoded by the reader, typed
//!   ([`AnyNotification`], with its `Untyped` and `Unknown` variants for names the definitions do
//!   not type), and queued for [`Client::next_notification`].
//! - [`run_file_transfer_flow`] authorizes, lists the history and the incoming file requests
//!   (or waits for an offer), accepts one and follows it until the Room reports it completed.
//!
//! Nothing that arrives from the network is unwrapped: every problem is a [`ClientError`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::{self, Bytes, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use trueconf_api::commands::{
    AcceptIncomingFileRequest, Auth, AuthResponse, GetFileTransferHistory, GetIncomingFilesRequests,
};
use trueconf_api::types::{
    AuthRequestType, AuthResultCode, FileRequestStatus, FileTransferHistoryEntry,
    IncomingFileRequest,
};
use trueconf_api::{AnyNotification, Command, DecodeError, Response, ServerMessage};

/// How long a request waits for its response unless [`Client::with_timeout`] says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`Client::connect`] may take to open the WebSocket.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`discover_ws_url`] may take in all (connect, send, read).
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest `config.json` response [`discover_ws_url`] reads.
pub const MAX_HTTP_RESPONSE: usize = 1 << 20;

/// Where the Room's HTTP server publishes its configuration.
pub const CONFIG_PATH: &str = "/public/default/config.json";

/// Everything that can go wrong talking to a Room.
#[derive(Debug)]
pub enum ClientError {
    /// A socket operation of the HTTP request failed.
    Io(std::io::Error),
    /// The HTTP server answered with a status other than 200.
    Http {
        /// The status code.
        status: u16,
        /// The reason phrase, as sent.
        reason: String,
    },
    /// The HTTP response or `config.json` is not what was expected (malformed HTTP, no
    /// `config.websocket.port`, …).
    Config(String),
    /// The WebSocket could not be opened, or failed in a way other than closing.
    WebSocket(Box<tungstenite::Error>),
    /// A request could not be encoded as JSON.
    Encode(serde_json::Error),
    /// A message from the Room could not be decoded (it names the field).
    Decode(DecodeError),
    /// The Room answered `"result": false`.
    Failed {
        /// The command that failed.
        method: &'static str,
        /// The Room's `error` text; `None` if it gave none.
        error: Option<String>,
    },
    /// The connection is closed: the request (or the wait for a notification) cannot complete.
    Closed,
    /// Nothing arrived in time.
    Timeout {
        /// What was awaited: a command's method, or a description of a notification.
        waiting_for: String,
        /// How long it was awaited.
        after: Duration,
    },
    /// The file request being followed did not complete.
    Transfer {
        /// The file request.
        file_request_id: String,
        /// Why: the Room reported it failed or rejected.
        reason: String,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(error) => write!(f, "I/O error: {error}"),
            ClientError::Http { status, reason } => {
                write!(f, "HTTP status {status} {reason} for {CONFIG_PATH}")
            }
            ClientError::Config(problem) => write!(f, "bad configuration response: {problem}"),
            ClientError::WebSocket(error) => write!(f, "WebSocket error: {error}"),
            ClientError::Encode(error) => write!(f, "cannot encode the request: {error}"),
            ClientError::Decode(error) => write!(f, "cannot decode a message: {error}"),
            // The same text as `trueconf_api::Failure`'s.
            ClientError::Failed {
                method,
                error: Some(error),
            } => write!(f, "`{method}` failed: {error}"),
            ClientError::Failed {
                method,
                error: None,
            } => write!(f, "`{method}` failed (the server gave no reason)"),
            ClientError::Closed => f.write_str("the connection to the Room is closed"),
            ClientError::Timeout { waiting_for, after } => {
                write!(f, "no {waiting_for} within {after:?}")
            }
            ClientError::Transfer {
                file_request_id,
                reason,
            } => write!(f, "file request {file_request_id}: {reason}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Io(error) => Some(error),
            ClientError::WebSocket(error) => Some(error.as_ref()),
            ClientError::Encode(error) => Some(error),
            ClientError::Decode(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ClientError {
    fn from(error: std::io::Error) -> Self {
        ClientError::Io(error)
    }
}

impl From<DecodeError> for ClientError {
    fn from(error: DecodeError) -> Self {
        ClientError::Decode(error)
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery: config.json over a hand-written HTTP/1.1 GET.
// ---------------------------------------------------------------------------------------------

/// Fetches `http://HOST:HTTP_PORT/public/default/config.json` and returns the Room's WebSocket
/// address, `ws://HOST:PORT/`, with `PORT` from `config.websocket.port` (a number, or a string
/// of digits). An IPv6 host may be given with or without brackets.
///
/// The response may be delimited by `Content-Length`, chunked, or by the server closing the
/// connection; a status other than 200 is [`ClientError::Http`]. The whole exchange is bounded by
/// [`HTTP_TIMEOUT`] and [`MAX_HTTP_RESPONSE`].
pub async fn discover_ws_url(host: &str, http_port: u16) -> Result<String, ClientError> {
    let body =
        match tokio::time::timeout(HTTP_TIMEOUT, http_get(host, http_port, CONFIG_PATH)).await {
            Ok(result) => result?,
            Err(_) => {
                return Err(ClientError::Timeout {
                    waiting_for: format!(
                        "response from http://{}:{http_port}{CONFIG_PATH}",
                        url_host(host)
                    ),
                    after: HTTP_TIMEOUT,
                })
            }
        };
    let port = websocket_port(&body)?;
    Ok(format!("ws://{}:{port}/", url_host(host)))
}

/// The host as it goes into a URL or a `Host` header: IPv6 addresses in brackets.
fn url_host(host: &str) -> Cow<'_, str> {
    if host.contains(':') && !host.starts_with('[') {
        Cow::Owned(format!("[{host}]"))
    } else {
        Cow::Borrowed(host)
    }
}

/// Reads `config.websocket.port` from the body of `config.json`.
fn websocket_port(body: &[u8]) -> Result<u16, ClientError> {
    let config: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| ClientError::Config(format!("config.json is not JSON: {error}")))?;
    let port = config
        .pointer("/config/websocket/port")
        .ok_or_else(|| ClientError::Config("config.json has no config.websocket.port".into()))?;
    let number = match port {
        serde_json::Value::Number(number) => number.as_u64(),
        serde_json::Value::String(text) => text.trim().parse::<u64>().ok(),
        _ => None,
    };
    number
        .and_then(|number| u16::try_from(number).ok())
        .filter(|&number| number != 0)
        .ok_or_else(|| ClientError::Config(format!("config.websocket.port is not a port: {port}")))
}

/// One `GET` with `Connection: close`; returns the body of a 200 response.
async fn http_get(host: &str, port: u16, path: &str) -> Result<Vec<u8>, ClientError> {
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let mut stream = TcpStream::connect((bare_host, port)).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}:{port}\r\nAccept: application/json\r\nUser-Agent: trueconf-api-room-client\r\nConnection: close\r\n\r\n",
        url_host(host)
    );
    stream.write_all(request.as_bytes()).await?;
    stream.flush().await?;

    let mut buffer = Vec::with_capacity(4096);
    let mut head: Option<(usize, Framing)> = None;
    loop {
        if let Some((start, framing)) = &head {
            let body = &buffer[*start..];
            match framing {
                Framing::Length(length) if body.len() >= *length => {
                    return Ok(body[..*length].to_vec());
                }
                Framing::Chunked => {
                    if let Some(decoded) = dechunk(body)? {
                        return Ok(decoded);
                    }
                }
                _ => {}
            }
        } else if let Some(end) = find(&buffer, b"\r\n\r\n") {
            let framing = parse_head(&buffer[..end])?;
            head = Some((end + 4, framing));
            continue;
        }
        if buffer.len() >= MAX_HTTP_RESPONSE {
            return Err(ClientError::Config(format!(
                "the HTTP response is larger than {MAX_HTTP_RESPONSE} bytes"
            )));
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            // The server closed the connection.
            return match head {
                None => Err(ClientError::Config(
                    "the connection closed before the HTTP headers ended".into(),
                )),
                Some((start, Framing::Close)) => Ok(buffer[start..].to_vec()),
                Some((start, Framing::Length(length))) => Err(ClientError::Config(format!(
                    "the HTTP body ended after {} of {length} bytes",
                    buffer.len() - start
                ))),
                Some((_, Framing::Chunked)) => Err(ClientError::Config(
                    "the connection closed in the middle of a chunked body".into(),
                )),
            };
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// How the end of an HTTP body is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// `Content-Length` bytes.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection.
    Close,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Checks the status line (200, or [`ClientError::Http`]) and finds the body's framing.
fn parse_head(head: &[u8]) -> Result<Framing, ClientError> {
    let head = std::str::from_utf8(head)
        .map_err(|_| ClientError::Config("the HTTP headers are not UTF-8".into()))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().and_then(|code| code.parse::<u16>().ok());
    let reason = parts.next().unwrap_or_default().to_string();
    let status = match status {
        Some(status) if version.starts_with("HTTP/1.") => status,
        _ => {
            return Err(ClientError::Config(format!(
                "not an HTTP/1.x status line: {status_line:?}"
            )))
        }
    };
    if status != 200 {
        return Err(ClientError::Http { status, reason });
    }
    let mut length: Option<usize> = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ClientError::Config(format!(
                "bad HTTP header line: {line:?}"
            )));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let parsed = value
                .parse::<usize>()
                .map_err(|_| ClientError::Config(format!("bad Content-Length: {value:?}")))?;
            if length.is_some_and(|earlier| earlier != parsed) {
                return Err(ClientError::Config(
                    "conflicting Content-Length headers".into(),
                ));
            }
            length = Some(parsed);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked"));
        }
    }
    // Chunked framing wins over Content-Length (RFC 9112, 6.3).
    Ok(match (chunked, length) {
        (true, _) => Framing::Chunked,
        (false, Some(length)) => Framing::Length(length),
        (false, None) => Framing::Close,
    })
}

/// Decodes a chunked body: `Ok(None)` while it is incomplete.
fn dechunk(mut body: &[u8]) -> Result<Option<Vec<u8>>, ClientError> {
    let mut decoded = Vec::new();
    loop {
        let Some(line_end) = find(body, b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&body[..line_end])
            .ok()
            .and_then(|line| line.split(';').next())
            .map(str::trim)
            .unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ClientError::Config(format!("bad chunk size {size_text:?}")))?;
        body = &body[line_end + 2..];
        if size == 0 {
            // Trailers, then an empty line.
            loop {
                let Some(end) = find(body, b"\r\n") else {
                    return Ok(None);
                };
                if end == 0 {
                    return Ok(Some(decoded));
                }
                body = &body[end + 2..];
            }
        }
        if body.len() < size.saturating_add(2) {
            return Ok(None);
        }
        decoded.extend_from_slice(&body[..size]);
        if &body[size..size + 2] != b"\r\n" {
            return Err(ClientError::Config(
                "a chunk is not followed by CRLF".into(),
            ));
        }
        body = &body[size + 2..];
    }
}

// ---------------------------------------------------------------------------------------------
// The WebSocket client.
// ---------------------------------------------------------------------------------------------

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the reader hands a waiting request: the response's bytes, or why there is none.
type Reply = Result<Bytes, ClientError>;

/// A request waiting for its response.
struct Pending {
    method: &'static str,
    sequence: u64,
    reply: oneshot::Sender<Reply>,
}

/// State shared by the requests and the reader task.
#[derive(Default)]
struct Shared {
    /// Waiting requests by `requestId`.
    pending: HashMap<String, Pending>,
    /// Set (under the same lock) when the reader has stopped: no new request may wait then.
    closed: bool,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A panic elsewhere while holding the lock leaves consistent data (every change is one
    // insert or remove), so a poisoned lock is still usable.
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How to authorize the connection (the `auth` command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// `"type": "unsecured"`: an account without protection.
    Unsecured,
    /// `"type": "secured"` with a password, PIN or earlier token as `credentials`.
    Secured {
        /// The secret.
        credentials: String,
    },
}

/// One connection to a Room's WebSocket API.
///
/// Requests may run concurrently (`request` takes `&self`); each waits for the response with its
/// own `requestId`. Notifications are queued, without bound, until [`Client::next_notification`]
/// takes them, so an unread notification never blocks a response.
pub struct Client {
    sink: tokio::sync::Mutex<SplitSink<Socket, Message>>,
    shared: Arc<Mutex<Shared>>,
    notifications:
        tokio::sync::Mutex<mpsc::UnboundedReceiver<Result<AnyNotification, DecodeError>>>,
    next_id: AtomicU64,
    stray: Arc<AtomicU64>,
    timeout: Duration,
    reader: JoinHandle<()>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("timeout", &self.timeout)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens the WebSocket at `url` (such as [`discover_ws_url`] returns), within
    /// [`CONNECT_TIMEOUT`], and starts the reader task. Must be called inside a Tokio runtime.
    pub async fn connect(url: &str) -> Result<Client, ClientError> {
        let (socket, _response) = match tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio_tungstenite::connect_async(url),
        )
        .await
        {
            Ok(connected) => connected.map_err(|error| ClientError::WebSocket(Box::new(error)))?,
            Err(_) => {
                return Err(ClientError::Timeout {
                    waiting_for: format!("WebSocket connection to {url}"),
                    after: CONNECT_TIMEOUT,
                })
            }
        };
        let (sink, stream) = socket.split();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let stray = Arc::new(AtomicU64::new(0));
        let (notify, notifications) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read_loop(
            stream,
            Arc::clone(&shared),
            notify,
            Arc::clone(&stray),
        ));
        Ok(Client {
            sink: tokio::sync::Mutex::new(sink),
            shared,
            notifications: tokio::sync::Mutex::new(notifications),
            next_id: AtomicU64::new(1),
            stray,
            timeout: DEFAULT_REQUEST_TIMEOUT,
            reader,
        })
    }

    /// Sets how long each request waits for its response ([`DEFAULT_REQUEST_TIMEOUT`] unless
    /// set).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long each request waits for its response.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// True once the connection has closed (the reader has stopped).
    pub fn is_closed(&self) -> bool {
        lock(&self.shared).closed
    }

    /// Responses that matched no waiting request (their request timed out, or the server sent a
    /// `requestId` nobody asked for); they are dropped and counted here.
    pub fn stray_responses(&self) -> u64 {
        self.stray.load(Ordering::Relaxed)
    }

    /// Sends `command` with a new `requestId` and waits for its response.
    ///
    /// `"result": false` is [`ClientError::Failed`] with the Room's error text; a response that
    /// does not decode as this command's is [`ClientError::Decode`]; no response within the
    /// timeout is [`ClientError::Timeout`]; a connection that is or becomes closed is
    /// [`ClientError::Closed`].
    pub async fn request<C: Command>(&self, command: C) -> Result<C::Response, ClientError> {
        self.request_with_timeout(command, self.timeout).await
    }

    /// [`Client::request`] with its own timeout instead of the client's.
    pub async fn request_with_timeout<C: Command>(
        &self,
        command: C,
        timeout: Duration,
    ) -> Result<C::Response, ClientError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let request_id = id.to_string();
        let text =
            serde_json::to_string(&command.into_request().with_request_id(request_id.as_str()))
                .map_err(ClientError::Encode)?;
        let (reply, response) = oneshot::channel();
        {
            let mut shared = lock(&self.shared);
            if shared.closed {
                return Err(ClientError::Closed);
            }
            shared.pending.insert(
                request_id.clone(),
                Pending {
                    method: C::METHOD,
                    sequence: id,
                    reply,
                },
            );
        }
        // Whatever happens from here on, the entry must not outlive this call.
        let guard = PendingGuard {
            shared: &self.shared,
            request_id: &request_id,
        };
        // One deadline for sending (a Room that stops reading) and for the response.
        let exchange = async {
            self.sink
                .lock()
                .await
                .send(Message::text(text))
                .await
                .map_err(|error| match error {
                    tungstenite::Error::ConnectionClosed
                    | tungstenite::Error::AlreadyClosed
                    | tungstenite::Error::Io(_)
                    | tungstenite::Error::Protocol(_) => ClientError::Closed,
                    other => ClientError::WebSocket(Box::new(other)),
                })?;
            match response.await {
                Ok(reply) => reply,
                // The reader dropped the sender without an answer: it has stopped.
                Err(_) => Err(ClientError::Closed),
            }
        };
        let bytes = match tokio::time::timeout(timeout, exchange).await {
            Ok(reply) => reply?,
            Err(_) => {
                return Err(ClientError::Timeout {
                    waiting_for: format!("`{}` response", C::METHOD),
                    after: timeout,
                })
            }
        };
        drop(guard);
        let response: Response<C> = trueconf_api::from_slice(&bytes)?;
        response.result.map_err(|failure| ClientError::Failed {
            method: C::METHOD,
            error: failure.error,
        })
    }

    /// Authorizes the connection: `auth` with `"type": "unsecured"`, or `"secured"` with the
    /// credentials. A `resultCode` other than 0 (`Successful`) is [`ClientError::Failed`] too.
    pub async fn auth(&self, login: &Login) -> Result<AuthResponse, ClientError> {
        let mut auth = Auth::new();
        match login {
            Login::Unsecured => auth.type_ = Some(AuthRequestType::Unsecured),
            Login::Secured { credentials } => {
                auth.type_ = Some(AuthRequestType::Secured);
                auth.credentials = Some(credentials.clone());
            }
        }
        let response = self.request(auth).await?;
        // Older Rooms send no resultCode: `result: true` alone means success.
        if let Some(code) = response
            .result_code
            .filter(|code| *code != AuthResultCode::Successful)
        {
            return Err(ClientError::Failed {
                method: Auth::METHOD,
                error: Some(format!("resultCode {}", code.value())),
            });
        }
        Ok(response)
    }

    /// The next notification, in the order the Room sent them. A notification that does not
    /// decode is [`ClientError::Decode`] (the next call goes on with the following one); once
    /// the connection has closed and every queued notification was taken, [`ClientError::Closed`].
    pub async fn next_notification(&self) -> Result<AnyNotification, ClientError> {
        match self.notifications.lock().await.recv().await {
            Some(Ok(notification)) => Ok(notification),
            Some(Err(error)) => Err(ClientError::Decode(error)),
            None => Err(ClientError::Closed),
        }
    }

    /// Sends a WebSocket close frame (best effort); pending requests then fail with
    /// [`ClientError::Closed`] when the Room closes its side.
    pub async fn close(&self) {
        let _ = self.sink.lock().await.close().await;
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Removes a request's entry from the pending map when the request is done or abandoned
/// (a timeout, or the caller dropping the future).
struct PendingGuard<'a> {
    shared: &'a Mutex<Shared>,
    request_id: &'a str,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        lock(self.shared).pending.remove(self.request_id);
    }
}

/// The reader task: routes every frame until the connection ends, then fails every waiting
/// request with [`ClientError::Closed`].
async fn read_loop(
    mut stream: SplitStream<Socket>,
    shared: Arc<Mutex<Shared>>,
    notify: mpsc::UnboundedSender<Result<AnyNotification, DecodeError>>,
    stray: Arc<AtomicU64>,
) {
    while let Some(frame) = stream.next().await {
        let bytes = match frame {
            Ok(Message::Text(text)) => Bytes::from(text),
            Ok(Message::Binary(bytes)) => bytes,
            Ok(Message::Close(_)) | Err(_) => break,
            // Pings are answered by tungstenite; pongs and raw frames carry no message.
            Ok(_) => continue,
        };
        route(bytes, &shared, &notify, &stray);
    }
    let pending = {
        let mut shared = lock(&shared);
        shared.closed = true;
        std::mem::take(&mut shared.pending)
    };
    for (_, waiting) in pending {
        let _ = waiting.reply.send(Err(ClientError::Closed));
    }
}

/// Hands one message to the request waiting for it, or to the notification queue.
fn route(
    bytes: Bytes,
    shared: &Mutex<Shared>,
    notify: &mpsc::UnboundedSender<Result<AnyNotification, DecodeError>>,
    stray: &AtomicU64,
) {
    let (method, event) = match trueconf_api::route::server_route(&bytes) {
        Ok(names) => names,
        Err(error) => {
            // Not a message at all (not JSON, no `method`): say so on the notification queue.
            let _ = notify.send(Err(error));
            return;
        }
    };
    if event.is_some() && *method == *b"event" {
        let decoded = match ServerMessage::from_slice(&bytes) {
            Ok(ServerMessage::Notification(notification)) => Ok(notification),
            Ok(ServerMessage::Response(_)) => return, // not reachable: routed as an event
            Err(error) => Err(error),
        };
        let _ = notify.send(decoded);
        return;
    }
    let method = String::from_utf8_lossy(&method).into_owned();
    // A response that does not scan (not JSON after all, a non-string `requestId`) goes to the
    // oldest request of its method below, which then gets the decode error.
    let request_id = trueconf_api::route::scan(&bytes)
        .ok()
        .and_then(|envelope| envelope.request_id.map(Cow::into_owned));
    let mut shared = lock(shared);
    let key = match request_id.filter(|id| shared.pending.contains_key(id)) {
        Some(id) => Some(id),
        // No (or an unknown) `requestId` echoed: the oldest request of that method.
        None => shared
            .pending
            .iter()
            .filter(|(_, waiting)| waiting.method == method)
            .min_by_key(|(_, waiting)| waiting.sequence)
            .map(|(id, _)| id.clone()),
    };
    match key.and_then(|key| shared.pending.remove(&key)) {
        Some(waiting) => {
            let _ = waiting.reply.send(Ok(bytes));
        }
        None => {
            stray.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Settings of [`run_file_transfer_flow`].
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// How to authorize.
    pub login: Login,
    /// How long to wait for a `receivedFileRequest` when nothing is waiting to be accepted.
    pub offer_timeout: Duration,
    /// How long to wait for each next notification about the accepted request.
    pub progress_timeout: Duration,
}

impl Default for FlowOptions {
    fn default() -> Self {
        Self {
            login: Login::Unsecured,
            offer_timeout: Duration::from_secs(60),
            progress_timeout: Duration::from_secs(60),
        }
    }
}

/// Where the accepted file request was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferSource {
    /// In the `getIncomingFilesRequests` list, awaiting a reply.
    Listed,
    /// In a `receivedFileRequest` notification.
    Notified,
}

/// The file request the flow accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The request's identifier.
    pub file_request_id: String,
    /// The file's name, as sent (not safe as a local path: see `trueconf_api::safe_file_name`).
    pub file_name: String,
    /// The file's size in bytes.
    pub file_size: u64,
    /// Who offered it.
    pub peer_id: String,
    /// Where it was found.
    pub source: OfferSource,
}

/// One step of the flow, reported as it happens (the example prints them).
#[derive(Debug, Clone, PartialEq)]
pub enum FlowEvent {
    /// `auth` succeeded.
    Authorized {
        /// The privilege level the Room granted (older Rooms may leave it out).
        privileges: Option<i64>,
    },
    /// `getFileTransferHistory` answered.
    History(Vec<FileTransferHistoryEntry>),
    /// `getIncomingFilesRequests` answered.
    Incoming(Vec<IncomingFileRequest>),
    /// No request awaits a reply; waiting for `receivedFileRequest`.
    WaitingForOffer,
    /// `acceptIncomingFileRequest` succeeded for this request.
    Accepted(Offer),
    /// `incomingFileRequestAccepted` confirmed the acceptance.
    AcceptanceConfirmed,
    /// `incomingFileRequestDownloadingProgress` for the accepted request.
    Progress {
        /// Percent done.
        percent: u8,
        /// File size in bytes.
        file_size: u64,
    },
    /// `fileRequestStatusChanged` for the accepted request.
    Status(FileRequestStatus),
    /// A notification that did not decode (the flow goes on).
    Undecodable(String),
}

/// What [`run_file_transfer_flow`] found and did.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowReport {
    /// The `auth` response.
    pub auth: AuthResponse,
    /// The finished transfers (`getFileTransferHistory`).
    pub history: Vec<FileTransferHistoryEntry>,
    /// The incoming requests as listed (`getIncomingFilesRequests`).
    pub incoming: Vec<IncomingFileRequest>,
    /// The request accepted.
    pub accepted: Offer,
    /// Whether `incomingFileRequestAccepted` arrived for it.
    pub acceptance_confirmed: bool,
    /// `processedPercents` of each progress notification, in order.
    pub progress: Vec<u8>,
    /// Each status the request reached, in order; the last is `Completed`.
    pub statuses: Vec<FileRequestStatus>,
    /// Notifications about anything else, skipped.
    pub other_notifications: usize,
    /// Notifications that did not decode, skipped.
    pub undecodable_notifications: usize,
}

/// Runs the file-transfer flow end to end on a connected client:
///
/// 1. `auth` as `options.login` says;
/// 2. `getFileTransferHistory`;
/// 3. `getIncomingFilesRequests`, taking the first request whose status is `AwaitingReply`, or
///    else the next `receivedFileRequest` notification (within `options.offer_timeout`);
/// 4. `acceptIncomingFileRequest` for it;
/// 5. follows `incomingFileRequestDownloadingProgress` and `fileRequestStatusChanged` for that
///    request until its status is `Completed` — the stage the definitions document as "the file
///    finished downloading". `Failed`, or `incomingFileRequestRejected`, ends the flow with
///    [`ClientError::Transfer`]; no notification about it within `options.progress_timeout` with
///    [`ClientError::Timeout`].
///
/// `observe` sees each step as it happens.
pub async fn run_file_transfer_flow(
    client: &Client,
    options: &FlowOptions,
    mut observe: impl FnMut(&FlowEvent),
) -> Result<FlowReport, ClientError> {
    let auth = client.auth(&options.login).await?;
    observe(&FlowEvent::Authorized {
        privileges: auth.previleges,
    });

    let history = client
        .request(GetFileTransferHistory::new())
        .await?
        .files_requests;
    observe(&FlowEvent::History(history.clone()));

    let incoming = client
        .request(GetIncomingFilesRequests::new())
        .await?
        .incoming_files_requests;
    observe(&FlowEvent::Incoming(incoming.clone()));

    let mut other_notifications = 0;
    let mut undecodable_notifications = 0;
    let listed = incoming
        .iter()
        .find(|request| request.status == FileRequestStatus::AwaitingReply);
    let offer = match listed {
        Some(request) => Offer {
            file_request_id: request.file_request_id.clone(),
            file_name: request.file_name.clone(),
            file_size: request.size,
            peer_id: request.peer_id.clone(),
            source: OfferSource::Listed,
        },
        None => {
            observe(&FlowEvent::WaitingForOffer);
            let deadline = tokio::time::Instant::now() + options.offer_timeout;
            loop {
                let next = tokio::time::timeout_at(deadline, client.next_notification()).await;
                match next {
                    Err(_) => {
                        return Err(ClientError::Timeout {
                            waiting_for: "receivedFileRequest notification".into(),
                            after: options.offer_timeout,
                        })
                    }
                    Ok(Ok(AnyNotification::ReceivedFileRequest(offered))) => {
                        break Offer {
                            file_request_id: offered.file_request_id,
                            file_name: offered.file_name,
                            file_size: offered.file_size,
                            peer_id: offered.peer_id,
                            source: OfferSource::Notified,
                        };
                    }
                    Ok(Ok(_)) => other_notifications += 1,
                    Ok(Err(ClientError::Decode(error))) => {
                        undecodable_notifications += 1;
                        observe(&FlowEvent::Undecodable(error.to_string()));
                    }
                    Ok(Err(error)) => return Err(error),
                }
            }
        }
    };

    client
        .request(AcceptIncomingFileRequest::new(
            offer.file_request_id.as_str(),
        ))
        .await?;
    observe(&FlowEvent::Accepted(offer.clone()));

    let id = offer.file_request_id.as_str();
    let mut report = FlowReport {
        auth,
        history,
        incoming,
        accepted: offer.clone(),
        acceptance_confirmed: false,
        progress: Vec::new(),
        statuses: Vec::new(),
        other_notifications,
        undecodable_notifications,
    };
    loop {
        let next = tokio::time::timeout(options.progress_timeout, client.next_notification()).await;
        let notification = match next {
            Err(_) => {
                return Err(ClientError::Timeout {
                    waiting_for: format!("notification about file request {id}"),
                    after: options.progress_timeout,
                })
            }
            Ok(Ok(notification)) => notification,
            Ok(Err(ClientError::Decode(error))) => {
                report.undecodable_notifications += 1;
                observe(&FlowEvent::Undecodable(error.to_string()));
                continue;
            }
            Ok(Err(error)) => return Err(error),
        };
        match notification {
            AnyNotification::IncomingFileRequestAccepted(accepted)
                if accepted.file_request_id == id =>
            {
                report.acceptance_confirmed = true;
                observe(&FlowEvent::AcceptanceConfirmed);
            }
            AnyNotification::IncomingFileRequestDownloadingProgress(progress)
                if progress.file_request_id == id =>
            {
                report.progress.push(progress.processed_percents);
                observe(&FlowEvent::Progress {
                    percent: progress.processed_percents,
                    file_size: progress.file_size,
                });
            }
            AnyNotification::FileRequestStatusChanged(changed) if changed.file_request_id == id => {
                report.statuses.push(changed.status);
                observe(&FlowEvent::Status(changed.status));
                match changed.status {
                    FileRequestStatus::Completed => return Ok(report),
                    FileRequestStatus::Failed => {
                        return Err(ClientError::Transfer {
                            file_request_id: id.to_string(),
                            reason: "the Room reports the transfer failed".into(),
                        })
                    }
                    _ => {}
                }
            }
            AnyNotification::IncomingFileRequestRejected(rejected)
                if rejected.file_request_id == id =>
            {
                return Err(ClientError::Transfer {
                    file_request_id: id.to_string(),
                    reason: "the request was rejected".into(),
                });
            }
            _ => report.other_notifications += 1,
        }
    }
}
