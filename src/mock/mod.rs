//! A mock TrueConf Room: an HTTP port that serves `/public/default/config.json` and frames, and
//! a WebSocket port that speaks the API with the documented examples (feature `mock`; the
//! `trueconf-api mock-room` subcommand runs one).
//!
//! What it does by default:
//!
//! - `auth` checks the credentials against the [`Protection`] it was started with (an
//!   unprotected Room accepts anything; a PIN or password Room wants `"type": "secured"` with
//!   that secret, or a token it issued earlier: one of the latest 4,096). A wrong secret gets
//!   `"result": false` with an error text. Every other command before a successful `auth` gets `"result": false` too.
//! - Every typed command gets its documented example response (the first successful
//!   documented one; see [`Examples`]), with the request's `requestId` echoed (an empty string
//!   when the request had none). A request that does not decode as its command's (a missing
//!   or mistyped parameter) gets `"result": false` naming the field; a catalogued but untyped
//!   command, or an unknown one, gets `"result": false` with an error text.
//! - A few answers follow the Room's state instead of the example: `auth` issues fresh tokens
//!   (`token`, reusable as credentials, and `tokenForHttpServer`), `getAppState` reports the
//!   mock's own HTTP port as `embeddedHttpPort`, `getIncomingFilesRequests` lists the current
//!   offers, and `getTokenForHttpServer` (client tier: TrueConf's Python client reads its
//!   `token`) issues an HTTP-server token. A response field the example
//!   lacks but the definition has, named like a parameter of the request, is filled from the
//!   request ([`Examples::echoed_fields`]: `addToAbook` answers with its `peerId`).
//! - File transfer plays the documented flow: the offers of the documented
//!   `getIncomingFilesRequests` example are listed from the start, [`MockRoom::offer_file`]
//!   adds one and announces it with `receivedFileRequest`, and `acceptIncomingFileRequest`
//!   answers, then sends `incomingFileRequestAccepted`, `fileRequestStatusChanged` (status 2),
//!   `incomingFileRequestDownloadingProgress` notifications and finally
//!   `fileRequestStatusChanged` with status 3 (completed).
//! - The HTTP port serves `GET /frames/?peerId=…&token=…` (a small JPEG when the token is a
//!   live HTTP-server token, 403 otherwise) and, for tests run out of process,
//!   `POST /mock/notify?count=N` with a JSON notification as the body, which pushes it N times
//!   to every connection.
//!
//! A test scripts the rest: per method, fail, delay or drop the reply, answer with any JSON,
//! or drop the connection ([`MockRoom::script`] and its shorthands); push any notification or
//! any text ([`MockRoom::push`], [`MockRoom::push_text`], [`MockRoom::flood`]); drop every
//! connection ([`MockRoom::drop_connections`]); and watch what the Room received
//! ([`MockRoom::requests`], [`MockRoom::received`]).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use trueconf_api::mock::{MockRoom, Protection};
//! let room = MockRoom::builder().protection(Protection::Pin("1234".into())).start().await?;
//! println!("config at {}/public/default/config.json", room.http_url());
//! room.fail("getFileTransferHistory", "File transfer is not available");
//! # Ok(())
//! # }
//! ```

mod examples;
mod http;
mod session;

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::BuildHasher;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, Notify};
use tokio::task::JoinHandle;

use crate::lock;

/// The definitions the crate was built from, for the CLI's `definitions` subcommand: one copy
/// in the binary, shared with [`Examples::bundled`]. Not for direct use.
#[doc(hidden)]
pub use examples::BUNDLED_DEFINITIONS;
pub use examples::{wire_text, ExampleOrigin, Examples, OrderedObject};

/// How the mock's control is protected: what `auth` accepts.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Protection {
    /// No protection: any `auth` succeeds.
    #[default]
    Unsecured,
    /// PIN protection: `auth` must be `"type": "secured"` with this PIN (or an issued token).
    Pin(String),
    /// Password protection: `auth` must be `"type": "secured"` with this password (or an issued
    /// token).
    Password(String),
}

impl fmt::Debug for Protection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret stays out of logs.
        match self {
            Protection::Unsecured => f.write_str("Unsecured"),
            Protection::Pin(_) => f.write_str("Pin(***)"),
            Protection::Password(_) => f.write_str("Password(***)"),
        }
    }
}

/// Computes something from the request a rule answers (its JSON as received).
pub type RequestFn<T> = Arc<dyn Fn(&Value) -> T + Send + Sync>;

/// How the mock answers one method.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Reply {
    /// The mock's own answer (see the module docs).
    #[default]
    Default,
    /// `"result": false` with this `error` text.
    Fail(String),
    /// This JSON, with `method` and `requestId` set from the request.
    Json(Value),
    /// The JSON the function makes of the request, with `method` and `requestId` set from it.
    With(RequestFn<Value>),
    /// No answer at all (the request is only recorded).
    NoReply,
    /// The connection is dropped (no close frame) when the request arrives.
    Disconnect,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Default => f.write_str("Default"),
            Reply::Fail(error) => f.debug_tuple("Fail").field(error).finish(),
            Reply::Json(json) => f.debug_tuple("Json").field(json).finish(),
            Reply::With(_) => f.write_str("With(..)"),
            Reply::NoReply => f.write_str("NoReply"),
            Reply::Disconnect => f.write_str("Disconnect"),
        }
    }
}

/// How long the mock waits before answering.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Delay {
    /// Answers at once.
    #[default]
    None,
    /// Answers after this long (other requests are answered meanwhile).
    Fixed(Duration),
    /// Answers after as long as the function says for this request.
    PerRequest(RequestFn<Duration>),
}

impl fmt::Debug for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delay::None => f.write_str("None"),
            Delay::Fixed(delay) => f.debug_tuple("Fixed").field(delay).finish(),
            Delay::PerRequest(_) => f.write_str("PerRequest(..)"),
        }
    }
}

/// What the mock does with requests of one method.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Rule {
    /// The answer.
    pub reply: Reply,
    /// When to answer.
    pub delay: Delay,
    /// Notifications sent just before the answer.
    pub before: Vec<Value>,
    /// Notifications sent right after the answer.
    pub after: Vec<Value>,
}

impl Rule {
    /// The default answer, at once, with no notifications around it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the answer.
    pub fn reply(mut self, reply: Reply) -> Self {
        self.reply = reply;
        self
    }

    /// Sets when to answer.
    pub fn delay(mut self, delay: Delay) -> Self {
        self.delay = delay;
        self
    }

    /// Sends `notifications` just before the answer.
    pub fn before(mut self, notifications: Vec<Value>) -> Self {
        self.before = notifications;
        self
    }

    /// Sends `notifications` right after the answer.
    pub fn after(mut self, notifications: Vec<Value>) -> Self {
        self.after = notifications;
        self
    }
}

/// A file a peer offers the Room ([`MockRoom::offer_file`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileOffer {
    /// The file's name.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: u64,
    /// Who offers it (TrueConf ID).
    pub peer_id: String,
    /// Their display name.
    pub peer_dn: String,
}

impl FileOffer {
    /// An offer of `file_name` (`file_size` bytes) from `820_1@some.server`, the peer of the
    /// documented examples.
    pub fn new(file_name: impl Into<String>, file_size: u64) -> Self {
        Self {
            file_name: file_name.into(),
            file_size,
            peer_id: "820_1@some.server".into(),
            peer_dn: "820_1".into(),
        }
    }
}

/// Settings of a mock Room, then [`MockRoomBuilder::start`].
#[derive(Debug, Clone)]
pub struct MockRoomBuilder {
    host: String,
    http_port: u16,
    ws_port: u16,
    protection: Protection,
    http_token_lifetime: Duration,
    progress_steps: u8,
    progress_interval: Duration,
}

impl Default for MockRoomBuilder {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            http_port: 0,
            ws_port: 0,
            protection: Protection::Unsecured,
            http_token_lifetime: Duration::from_secs(5 * 60),
            progress_steps: 4,
            progress_interval: Duration::from_millis(10),
        }
    }
}

impl MockRoomBuilder {
    /// The address to listen on (default `127.0.0.1`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The HTTP port (`config.json`, frames); 0 (the default) picks a free one.
    pub fn http_port(mut self, port: u16) -> Self {
        self.http_port = port;
        self
    }

    /// The WebSocket port; 0 (the default) picks a free one.
    pub fn ws_port(mut self, port: u16) -> Self {
        self.ws_port = port;
        self
    }

    /// What `auth` accepts (default: unsecured).
    pub fn protection(mut self, protection: Protection) -> Self {
        self.protection = protection;
        self
    }

    /// How long an HTTP-server token stays valid (default 5 minutes, as the Room documents).
    pub fn http_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.http_token_lifetime = lifetime;
        self
    }

    /// How many progress notifications an accepted download sends (default 4: 25, 50, 75 and
    /// 100 percent) and how long apart (default 10 ms).
    pub fn progress(mut self, steps: u8, interval: Duration) -> Self {
        self.progress_steps = steps.max(1);
        self.progress_interval = interval;
        self
    }

    /// Binds both ports and starts serving. Must be called inside a Tokio runtime.
    pub async fn start(self) -> std::io::Result<MockRoom> {
        let examples = Examples::bundled_shared().map_err(std::io::Error::other)?;
        let http_listener = TcpListener::bind((self.host.as_str(), self.http_port)).await?;
        let ws_listener = TcpListener::bind((self.host.as_str(), self.ws_port)).await?;
        let http_addr = http_listener.local_addr()?;
        let ws_addr = ws_listener.local_addr()?;
        let offers = examples
            .response("getIncomingFilesRequests")
            .and_then(|example| example.to_value().get("incomingFilesRequests").cloned())
            .and_then(|list| list.as_array().cloned())
            .unwrap_or_default();
        let (requests, _) = broadcast::channel(REQUEST_LOG);
        let state = Arc::new(RoomState {
            examples,
            protection: self.protection,
            http_port: http_addr.port(),
            ws_port: ws_addr.port(),
            rules: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            next_session: AtomicU64::new(1),
            tokens: Mutex::new(Tokens::default()),
            http_token_lifetime: self.http_token_lifetime,
            offers: Mutex::new(offers),
            progress_steps: self.progress_steps,
            progress_interval: self.progress_interval,
            requests,
            counts: Mutex::new(Counts::default()),
            frames: Mutex::new(VecDeque::new()),
            random: RandomState::new(),
            serial: AtomicU64::new(1),
        });
        let tasks = vec![
            tokio::spawn(http::serve(http_listener, Arc::clone(&state))),
            tokio::spawn(session::serve(ws_listener, Arc::clone(&state))),
        ];
        tracing::info!(http = %http_addr, ws = %ws_addr, "mock Room listening");
        Ok(MockRoom {
            state,
            host: self.host,
            http_addr,
            ws_addr,
            tasks,
        })
    }
}

/// How many received requests [`MockRoom::requests`] keeps for a slow reader.
const REQUEST_LOG: usize = 4096;

/// How many frame requests [`MockRoom::frame_requests`] remembers.
const FRAME_LOG: usize = 64;

/// How many method names outside the catalogue [`MockRoom::received`] counts (every name in it
/// is counted).
const UNKNOWN_METHODS: usize = 256;

/// How many of the session tokens it issued the mock accepts as credentials: the latest ones
/// (a client reconnects with the token of its last `auth`), so a client that authorizes over
/// and over does not grow the Room without end.
const SESSION_TOKENS: usize = 4096;

/// A running mock Room. Dropping it stops it and drops its connections.
pub struct MockRoom {
    state: Arc<RoomState>,
    host: String,
    http_addr: SocketAddr,
    ws_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for MockRoom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockRoom")
            .field("http", &self.http_addr)
            .field("ws", &self.ws_addr)
            .field("protection", &self.state.protection)
            .finish_non_exhaustive()
    }
}

impl MockRoom {
    /// Settings for a new mock Room.
    pub fn builder() -> MockRoomBuilder {
        MockRoomBuilder::default()
    }

    /// Starts an unprotected mock Room on 127.0.0.1, ephemeral ports.
    pub async fn start() -> std::io::Result<MockRoom> {
        Self::builder().start().await
    }

    /// The host it was asked to listen on.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The HTTP port (the one to discover the Room by).
    pub fn http_port(&self) -> u16 {
        self.http_addr.port()
    }

    /// The WebSocket port (`config.websocket.port`).
    pub fn ws_port(&self) -> u16 {
        self.ws_addr.port()
    }

    /// `http://HOST:PORT` of the HTTP port.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// `ws://HOST:PORT` of the WebSocket port.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }

    /// The examples it answers with.
    pub fn examples(&self) -> &Examples {
        self.state.examples
    }

    /// The example of notification `event` as JSON (`None` for a name without one).
    pub fn notification_example(&self, event: &str) -> Option<Value> {
        self.state
            .examples
            .notification(event)
            .map(OrderedObject::to_value)
    }

    /// The response `method` gets by default, as JSON.
    pub fn response_example(&self, method: &str) -> Option<Value> {
        self.state
            .examples
            .response(method)
            .map(OrderedObject::to_value)
    }

    /// Sets what happens to requests of `method` handled from now on.
    pub fn script(&self, method: &str, rule: Rule) {
        lock(&self.state.rules).insert(method.to_string(), rule);
    }

    /// Changes the rule of `method` in place.
    pub fn update(&self, method: &str, change: impl FnOnce(&mut Rule)) {
        change(
            lock(&self.state.rules)
                .entry(method.to_string())
                .or_default(),
        );
    }

    /// Back to the default answer for `method`.
    pub fn reset(&self, method: &str) {
        lock(&self.state.rules).remove(method);
    }

    /// Answers `method` with `"result": false` and `error`.
    pub fn fail(&self, method: &str, error: &str) {
        self.update(method, |rule| rule.reply = Reply::Fail(error.to_string()));
    }

    /// Answers `method` after `delay`.
    pub fn delay(&self, method: &str, delay: Duration) {
        self.update(method, |rule| rule.delay = Delay::Fixed(delay));
    }

    /// Never answers `method`.
    pub fn drop_reply(&self, method: &str) {
        self.update(method, |rule| rule.reply = Reply::NoReply);
    }

    /// Drops the connection when a `method` request arrives.
    pub fn disconnect_on(&self, method: &str) {
        self.update(method, |rule| rule.reply = Reply::Disconnect);
    }

    /// Answers `method` with `json` (its `method` and `requestId` set from the request).
    pub fn reply_with(&self, method: &str, json: Value) {
        self.update(method, |rule| rule.reply = Reply::Json(json));
    }

    /// Sends `message` (a notification, or anything) to every connection; returns how many
    /// it went to. Its envelope keys go first on the wire.
    pub async fn push(&self, message: &Value) -> usize {
        self.push_text(wire_text(message)).await
    }

    /// Sends `text` as it is (garbage included) to every connection; returns how many.
    pub async fn push_text(&self, text: impl Into<String>) -> usize {
        self.state.broadcast(text.into(), 1).await
    }

    /// Sends `message` `count` times to every connection, as fast as they take it; returns
    /// how many connections it went to.
    pub async fn flood(&self, message: &Value, count: usize) -> usize {
        self.state.broadcast(wire_text(message), count).await
    }

    /// Drops every connection (no close frame); returns how many there were.
    pub fn drop_connections(&self) -> usize {
        self.state.drop_sessions()
    }

    /// How many WebSocket connections are open.
    pub fn connections(&self) -> usize {
        lock(&self.state.sessions).len()
    }

    /// Adds an incoming file request (status 1, awaiting a reply), listed by
    /// `getIncomingFilesRequests` and announced to every connection with `receivedFileRequest`;
    /// returns its `fileRequestId`.
    pub async fn offer_file(&self, offer: FileOffer) -> String {
        self.state.offer_file(offer).await
    }

    /// The requests received from now on, as JSON, in order (a reader that falls more than
    /// 4,096 behind skips the oldest).
    pub fn requests(&self) -> ReceivedRequests {
        ReceivedRequests(self.state.requests.subscribe())
    }

    /// How many requests of `method` arrived so far. Names the definitions do not catalogue
    /// are counted too, up to 256 different ones: a client sending made-up names does not grow
    /// the Room without end.
    pub fn received(&self, method: &str) -> u64 {
        lock(&self.state.counts)
            .by_method
            .get(method)
            .copied()
            .unwrap_or(0)
    }

    /// Makes every HTTP-server token issued so far invalid (the frames endpoint then answers
    /// 403 until the client gets a new one).
    pub fn revoke_http_tokens(&self) {
        lock(&self.state.tokens).http.clear();
    }

    /// The `peerId` of the latest frame requests, oldest first (at most 64).
    pub fn frame_requests(&self) -> Vec<String> {
        lock(&self.state.frames).iter().cloned().collect()
    }

    /// Stops listening and drops every connection (the ports are free once the runtime has
    /// dropped the listeners; [`MockRoom::stop`] waits for that).
    pub fn shutdown(&self) {
        for task in &self.tasks {
            task.abort();
        }
        self.state.drop_sessions();
    }

    /// Stops listening, drops every connection, and returns once both ports are free again
    /// (a Room restarted on them can bind them).
    pub async fn stop(mut self) {
        self.shutdown();
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for MockRoom {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The requests a mock Room receives ([`MockRoom::requests`]).
#[derive(Debug)]
pub struct ReceivedRequests(broadcast::Receiver<Arc<Value>>);

impl ReceivedRequests {
    /// The next request received, as JSON; `None` once the Room has stopped.
    pub async fn recv(&mut self) -> Option<Value> {
        loop {
            match self.0.recv().await {
                Ok(request) => return Some((*request).clone()),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next request of `method`, skipping others.
    pub async fn recv_method(&mut self, method: &str) -> Option<Value> {
        loop {
            let request = self.recv().await?;
            if request.get("method").and_then(Value::as_str) == Some(method) {
                return Some(request);
            }
        }
    }
}

/// Tokens the mock issued.
#[derive(Default)]
struct Tokens {
    /// `token` values of the latest successful `auth` responses: valid as credentials later.
    session: HashSet<String>,
    /// The same tokens, oldest first.
    session_order: VecDeque<String>,
    /// HTTP-server tokens and when they were issued.
    http: HashMap<String, Instant>,
}

impl Tokens {
    /// Accepts `token` as credentials from now on, forgetting the oldest beyond
    /// [`SESSION_TOKENS`].
    fn add_session(&mut self, token: String) {
        if self.session_order.len() == SESSION_TOKENS {
            if let Some(oldest) = self.session_order.pop_front() {
                self.session.remove(&oldest);
            }
        }
        self.session.insert(token.clone());
        self.session_order.push_back(token);
    }
}

/// Requests received, per method ([`MockRoom::received`]).
#[derive(Default)]
struct Counts {
    by_method: HashMap<String, u64>,
    /// How many of its names the catalogue does not know.
    unknown: usize,
}

/// What one connection's task listens to.
struct SessionHandle {
    outbound: mpsc::Sender<String>,
    kill: Arc<Notify>,
}

/// Everything the listeners and connections share.
struct RoomState {
    examples: &'static Examples,
    protection: Protection,
    http_port: u16,
    ws_port: u16,
    rules: Mutex<HashMap<String, Rule>>,
    sessions: Mutex<HashMap<u64, SessionHandle>>,
    next_session: AtomicU64,
    tokens: Mutex<Tokens>,
    http_token_lifetime: Duration,
    offers: Mutex<Vec<Value>>,
    progress_steps: u8,
    progress_interval: Duration,
    requests: broadcast::Sender<Arc<Value>>,
    counts: Mutex<Counts>,
    frames: Mutex<VecDeque<String>>,
    random: RandomState,
    serial: AtomicU64,
}

impl RoomState {
    /// A fresh unguessable-enough token (this is a mock: uniqueness is what matters).
    fn new_token(&self, kind: u8) -> String {
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let noise = self.random.hash_one((serial, kind));
        format!("{kind}*mock{serial:04}*{noise:016x}")
    }

    /// A new HTTP-server token; expired ones are forgotten meanwhile, so tokens asked for
    /// over and over (`auth`, `getTokenForHttpServer`) do not pile up between frame requests.
    fn issue_http_token(&self) -> String {
        let token = self.new_token(4);
        let mut tokens = self.live_tokens();
        tokens.http.insert(token.clone(), Instant::now());
        token
    }

    fn http_token_valid(&self, token: &str) -> bool {
        self.live_tokens().http.contains_key(token)
    }

    /// The tokens, without the HTTP-server tokens that have expired.
    fn live_tokens(&self) -> MutexGuard<'_, Tokens> {
        let mut tokens = lock(&self.tokens);
        let lifetime = self.http_token_lifetime;
        tokens.http.retain(|_, issued| issued.elapsed() < lifetime);
        tokens
    }

    /// Counts a request of `method`: any name the catalogue knows, and the first
    /// [`UNKNOWN_METHODS`] others.
    fn count_request(&self, method: &str) {
        let mut counts = lock(&self.counts);
        if let Some(count) = counts.by_method.get_mut(method) {
            *count += 1;
            return;
        }
        let catalogued = crate::COMMAND_NAMES.binary_search(&method).is_ok()
            || crate::UNTYPED_COMMAND_NAMES.binary_search(&method).is_ok();
        if !catalogued {
            if counts.unknown == UNKNOWN_METHODS {
                return;
            }
            counts.unknown += 1;
        }
        counts.by_method.insert(method.to_string(), 1);
    }

    fn record_frame(&self, peer_id: String) {
        let mut frames = lock(&self.frames);
        if frames.len() == FRAME_LOG {
            frames.pop_front();
        }
        frames.push_back(peer_id);
    }

    fn senders(&self) -> Vec<mpsc::Sender<String>> {
        lock(&self.sessions)
            .values()
            .map(|session| session.outbound.clone())
            .collect()
    }

    /// Sends `text` `count` times to every connection; returns how many connections.
    async fn broadcast(&self, text: String, count: usize) -> usize {
        let senders = self.senders();
        let mut reached = 0;
        for sender in &senders {
            let mut delivered = true;
            for _ in 0..count {
                if sender.send(text.clone()).await.is_err() {
                    delivered = false;
                    break;
                }
            }
            reached += usize::from(delivered);
        }
        reached
    }

    fn drop_sessions(&self) -> usize {
        let sessions = std::mem::take(&mut *lock(&self.sessions));
        for session in sessions.values() {
            session.kill.notify_one();
        }
        sessions.len()
    }

    async fn offer_file(&self, offer: FileOffer) -> String {
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let noise = self.random.hash_one(("offer", serial));
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            noise >> 32,
            (noise >> 16) & 0xffff,
            serial & 0xfff,
            (noise >> 4) & 0xfff,
            serial
        );
        let timestamp = now_millis();
        lock(&self.offers).push(json!({
            "fileRequestId": id,
            "peerId": offer.peer_id,
            "peerDn": offer.peer_dn,
            "fileName": offer.file_name,
            "size": offer.file_size,
            "status": 1,
            "timestamp": timestamp,
        }));
        let example = self
            .examples
            .notification("receivedFileRequest")
            .cloned()
            .unwrap_or_else(|| OrderedObject::from_value(&json!({})));
        let fields = [
            ("fileRequestId", json!(id)),
            ("peerId", json!(offer.peer_id)),
            ("peerDn", json!(offer.peer_dn)),
            ("fileName", json!(offer.file_name)),
            ("fileSize", json!(offer.file_size)),
            ("timestamp", json!(timestamp)),
        ];
        let announcement = notification_text(example, "receivedFileRequest", &fields, &[], None);
        self.broadcast(announcement, 1).await;
        id
    }
}

/// The text of an `event` notification built on `message` (the event's example, or what the
/// caller uses without one): `method` and `event` set, then each of `fields`, then each of
/// `if_present` only where `message` already has that key, then `confId` set to `conf_id`, or
/// removed without one. Keys keep their place in `message`; new ones go at the end.
fn notification_text<'a>(
    mut message: OrderedObject,
    event: &str,
    fields: impl IntoIterator<Item = &'a (&'a str, Value)>,
    if_present: &[(&str, &Value)],
    conf_id: Option<&Value>,
) -> String {
    message.set("method", &Value::from("event"));
    message.set("event", &Value::from(event));
    for (key, value) in fields {
        message.set(key, value);
    }
    for (key, value) in if_present {
        if message.get(key).is_some() {
            message.set(key, value);
        }
    }
    match conf_id {
        Some(conf) => message.set("confId", conf),
        None => message.remove("confId"),
    }
    message.to_text(&[])
}

/// Milliseconds since the Unix epoch (the unit of incoming file-request timestamps).
fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}
