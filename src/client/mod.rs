//! An async client for a TrueConf Room (feature `client`): tokio, tokio-tungstenite for the
//! WebSocket, hyper for HTTP.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use trueconf_api::client::{Client, Credentials};
//! use trueconf_api::commands::GetFileTransferHistory;
//! use trueconf_api::notifications::FileRequestStatusChanged;
//!
//! // Reads the WebSocket port from http://192.168.1.20:8765/public/default/config.json,
//! // connects, authorizes with the PIN, and fills the state cache.
//! let client = Client::connect("192.168.1.20", 8765, Credentials::Pin("1234".into())).await?;
//! let mut statuses = client.subscribe::<FileRequestStatusChanged>();
//! let history = client.request(GetFileTransferHistory::new()).await?;
//! println!("{} transfers", history.files_requests.len());
//! while let Some(status) = statuses.next().await {
//!     let status = status?;
//!     println!("{} is now {:?}", status.file_request_id, status.status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Requests
//!
//! [`Client::request`] sends a typed command with a `requestId` of the client's own and waits
//! for the response with that `requestId`, whatever the order responses come in (a Room that
//! echoes no `requestId` gets its responses matched to the oldest request of the same method).
//! A `"result": false` answer is [`Error::Failed`] with the Room's text (and the typed
//! [`crate::Failure`]); no answer within the timeout is [`Error::Timeout`]. Requests run
//! concurrently on one connection. Dropping a request's future (a `select!`, a timeout of the
//! caller's) forgets it at once: it holds no slot afterwards, and a late answer is counted as
//! stray. Commands the definitions only catalogue go through [`Client::request_raw`].
//!
//! # Notifications, and a slow consumer
//!
//! [`Client::notifications`] is a stream of every notification ([`crate::AnyNotification`]),
//! [`Client::subscribe`] one of exactly one type, decoded as that type. Each stream has a
//! bounded buffer (1,024 messages by default, [`ClientBuilder::notification_buffer`]); the
//! connection never waits for a consumer, so a slow one never delays responses or other
//! streams. **The policy for a consumer that falls further behind is to drop its oldest
//! notifications**: its next read is [`StreamError::Lagged`] with how many it lost, then the
//! newest ones, so it is never silent about a loss, and the total is counted in
//! [`ClientStats::notifications_lost`]. Memory stays bounded: at most the buffer's worth of
//! frames per stream, and nothing at all is kept for names nobody listens to. A notification
//! that does not decode arrives as [`StreamError::Decode`], whose
//! [`crate::DecodeError::raw_message`] holds it whole; a frame that is not a message at all
//! arrives on [`Client::notifications`] as [`StreamError::Garbage`] with its bytes; either way
//! the connection carries on.
//!
//! Each stream keeps the order the Room sent its messages in. Between two subscriptions there
//! is no order to keep — each is read when its consumer reads it — but the connection hands a
//! notification to every stream that wants it before it reads the next frame, so a `select!`
//! that polls one subscription first (`biased;`) sees everything sent there before what it
//! reads from the other; [`Client::notifications`] has all of them in one order.
//!
//! # Connection loss, reconnecting, closing
//!
//! When the connection is lost every waiting request fails with [`Error::Closed`]. By default
//! the client then stays closed. With [`ClientBuilder::reconnect`] it connects again with
//! backoff, authorizes again (with the `token` of the last `auth` response, then with its
//! credentials), and goes on: requests made meanwhile wait for the new connection (within
//! their timeout), and streams and subscriptions keep delivering — they belong to the client,
//! not to one connection. [`Client::status`] tells where it stands. [`Client::close`] sends a
//! close frame, fails whatever still waits with [`Error::Closed`] and ends every stream.
//!
//! # State cache
//!
//! Like TrueConf's own Python client, the client keeps what the Room says about itself: the
//! latest application state ([`Client::app_state`], from the `getAppState` response and every
//! `appStateChanged`, which carry the same body), the system information
//! ([`Client::system_info`], from `getSystemInfo`) and the `auth` response
//! ([`Client::auth_response`]). After each `auth` it asks for the first two unless
//! [`ClientBuilder::fetch_state`] says not to.
//!
//! # The built-in HTTP server
//!
//! [`Client::http_token`] returns a `tokenForHttpServer` that is fresh: the one from `auth`,
//! renewed with `getTokenForHttpServer` once it is older than
//! [`ClientBuilder::http_token_max_age`] (the Room's tokens live 5 minutes) and dropped when
//! the Room sends `authorizationNeeded`. [`Client::frame`] fetches a JPEG frame with it.
//!
//! **Not supported: uploading a file for `sendFile`.** `sendFile` takes the id of a file
//! already uploaded to the Room's built-in HTTP server, but the section of the documentation
//! that describes the upload (URL, method, headers, result codes) is not in any copy of the
//! docs the project could find: a new search of the stored pages (five queries on the
//! built-in HTTP server and file upload, in English and Russian) found only the page's
//! overview, which says requests need the `token` parameter, and the `sendFile` pages, which
//! say the file must have been uploaded before. Rather than guess an endpoint, the client does
//! not offer an upload; `sendFile` itself works for files already on the server (see
//! `getFileList`).
//!
//! # Logging
//!
//! Through `tracing`: a span per connection and per request, events for connecting,
//! reconnecting, lost connections, stray responses, garbage frames and lagging streams. The
//! client never prints.

mod config;
mod driver;
mod error;
mod events;
mod http;

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;
use tracing::Instrument;

pub use config::{ClientBuilder, Credentials, Reconnect};
pub use error::{Error, Failed, StreamError};
pub use events::{Notifications, Subscription};
pub use http::CONFIG_PATH;

use crate::commands::{
    AuthResponse, GetAppState, GetAppStateResponse, GetSystemInfo, GetSystemInfoResponse,
};
use crate::lock;
use crate::notifications::AppStateChanged;
use crate::{Command, Notification, RawMessage, Response};
use config::Config;
use driver::Outgoing;
use events::Hub;

/// The HTTP port a Room's web server uses unless configured otherwise.
pub const DEFAULT_HTTP_PORT: u16 = 8765;

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Connected and authorized.
    Connected,
    /// The connection was lost; this reconnect attempt is under way (requests wait).
    Reconnecting {
        /// 1 for the first attempt after the loss.
        attempt: u32,
    },
    /// Closed for good: requests fail with [`Error::Closed`], streams have ended.
    Closed,
}

/// Counters of what went through the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClientStats {
    /// Requests sent (including `auth` on each connection).
    pub requests: u64,
    /// Requests waiting for their response right now.
    pub pending: usize,
    /// Responses nobody waited for (their request timed out or was dropped, or the Room sent
    /// a `requestId` nobody asked for); they are dropped.
    pub stray_responses: u64,
    /// Notifications received.
    pub notifications: u64,
    /// Notifications dropped because a stream's consumer fell behind (as reported to them).
    pub notifications_lost: u64,
    /// Frames that were not messages at all.
    pub garbage_frames: u64,
    /// Successful reconnects.
    pub reconnects: u64,
}

/// A request waiting for its response.
struct Waiter {
    method: Box<str>,
    sequence: u64,
    reply: oneshot::Sender<Result<Bytes, Error>>,
}

struct PendingTable {
    waiting: HashMap<String, Waiter>,
    /// Closed for good: new requests fail at once. Until then they are queued, and while the
    /// connection is being re-established they wait for the next one.
    closed: bool,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    stray: AtomicU64,
    notifications: AtomicU64,
    garbage: AtomicU64,
    reconnects: AtomicU64,
}

#[derive(Default)]
struct StateCache {
    auth: Option<AuthResponse>,
    app_state: Option<AppStateChanged>,
    system_info: Option<GetSystemInfoResponse>,
    /// The HTTP-server token and when it was obtained.
    http_token: Option<(String, Instant)>,
    /// The built-in HTTP server as `config.json` names it.
    http_endpoint: Option<(String, u16)>,
}

/// What the client handles and the connection task share.
pub(crate) struct Shared {
    config: Config,
    pending: Mutex<PendingTable>,
    next_id: AtomicU64,
    hub: Hub,
    state: Mutex<StateCache>,
    stats: Counters,
    status: watch::Sender<ConnectionStatus>,
    shutdown: Notify,
    closing: AtomicBool,
    outgoing: mpsc::Sender<Outgoing>,
}

impl Shared {
    fn next_request_id(&self) -> String {
        self.next_id.fetch_add(1, Ordering::Relaxed).to_string()
    }

    fn closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    fn is_pending(&self, id: &str) -> bool {
        lock(&self.pending).waiting.contains_key(id)
    }

    /// Fails every waiting request with [`Error::Closed`], and with `close` fails every later
    /// one too; returns how many failed.
    fn fail_pending(&self, close: bool) -> usize {
        let waiting = {
            let mut table = lock(&self.pending);
            if close {
                table.closed = true;
            }
            std::mem::take(&mut table.waiting)
        };
        let count = waiting.len();
        for (_, waiter) in waiting {
            let _ = waiter.reply.send(Err(Error::Closed));
        }
        count
    }

    /// Hands a response to the request it answers: the one with its `requestId`, or, when the
    /// Room echoed none, the oldest request of the same method. `false` when nobody waits.
    fn deliver(&self, method: &str, request_id: Option<&str>, bytes: Bytes) -> bool {
        let mut table = lock(&self.pending);
        let waiter = match request_id.filter(|id| !id.is_empty()) {
            Some(id) => table.waiting.remove(id),
            None => table
                .waiting
                .iter()
                .filter(|(_, waiter)| &*waiter.method == method)
                .min_by_key(|(_, waiter)| waiter.sequence)
                .map(|(id, _)| id.clone())
                .and_then(|id| table.waiting.remove(&id)),
        };
        match waiter {
            Some(waiter) => {
                drop(table);
                // The requester may have just given up; then the answer is dropped.
                let _ = waiter.reply.send(Ok(bytes));
                true
            }
            None => false,
        }
    }

    /// Sends `text` (a request with `requestId` `id`) and waits for its response.
    async fn exchange(
        &self,
        method: &str,
        id: String,
        text: String,
        timeout: Duration,
    ) -> Result<Bytes, Error> {
        let (reply, response) = oneshot::channel();
        {
            let mut table = lock(&self.pending);
            if table.closed {
                return Err(Error::Closed);
            }
            let sequence = self.stats.requests.fetch_add(1, Ordering::Relaxed);
            table.waiting.insert(
                id.clone(),
                Waiter {
                    method: method.into(),
                    sequence,
                    reply,
                },
            );
        }
        // Whatever happens from here on (an answer, a timeout, the caller dropping this
        // future), the entry does not outlive this call.
        let _guard = PendingGuard {
            shared: self,
            id: &id,
        };
        let exchange = async {
            self.outgoing
                .send(Outgoing {
                    id: id.clone(),
                    text,
                })
                .await
                .map_err(|_| Error::Closed)?;
            response.await.unwrap_or(Err(Error::Closed))
        };
        let waiting_for = || {
            tracing::debug!(method, request_id = id, "timed out");
            format!("`{method}` response")
        };
        error::within(timeout, waiting_for, exchange).await
    }

    /// Sends `command` and waits for its response, decoded (success or failure) and as
    /// received.
    async fn exchange_typed<C: Command>(
        &self,
        command: C,
        timeout: Duration,
    ) -> Result<(Response<C>, Bytes), Error> {
        let id = self.next_request_id();
        let span = tracing::debug_span!("request", method = C::METHOD, request_id = %id);
        let text = serde_json::to_string(&command.into_request().with_request_id(id.as_str()))
            .map_err(Error::Encode)?;
        let bytes = self
            .exchange(C::METHOD, id, text, timeout)
            .instrument(span)
            .await?;
        let response: Response<C> = crate::from_slice(&bytes)?;
        Ok((response, bytes))
    }

    async fn request<C: Command>(
        &self,
        command: C,
        timeout: Duration,
    ) -> Result<C::Response, Error> {
        let (response, bytes) = self.exchange_typed(command, timeout).await?;
        match response.result {
            Ok(payload) => {
                self.observe(&payload, &bytes);
                Ok(payload)
            }
            Err(failure) => Err(Error::Failed(Failed::new(C::METHOD, failure.error, bytes))),
        }
    }

    async fn request_raw(
        &self,
        method: &str,
        params: serde_json::Map<String, serde_json::Value>,
        timeout: Duration,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        let id = self.next_request_id();
        let span = tracing::debug_span!("request", method, request_id = %id);
        let request = RawMessage::request(method, Some(id.as_str()), params);
        let text = request.as_str().unwrap_or_default().to_string();
        let bytes = self
            .exchange(method, id, text, timeout)
            .instrument(span)
            .await?;
        let response: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes)
            .map_err(|error| {
            Error::Config(format!(
                "the `{method}` response is not a JSON object: {error}"
            ))
        })?;
        match response.get("result") {
            Some(serde_json::Value::Bool(true)) => Ok(response),
            _ => {
                let error = response
                    .get("error")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string);
                Err(Error::Failed(Failed::new(method, error, bytes)))
            }
        }
    }

    /// Keeps the responses the state cache follows; `bytes` is the response as received.
    fn observe(&self, payload: &dyn Any, bytes: &[u8]) {
        if payload.is::<GetAppStateResponse>() {
            match app_state_from_response(bytes) {
                Some(state) => lock(&self.state).app_state = Some(state),
                None => tracing::warn!("the getAppState response does not convert to the state"),
            }
        } else if let Some(info) = payload.downcast_ref::<GetSystemInfoResponse>() {
            lock(&self.state).system_info = Some(info.clone());
        }
    }

    /// An `appStateChanged` arrived (the reader passes its bytes).
    fn app_state_changed(&self, bytes: &[u8]) {
        match crate::from_slice::<AppStateChanged>(bytes) {
            Ok(state) => lock(&self.state).app_state = Some(state),
            Err(error) => tracing::warn!(%error, "appStateChanged does not decode; state kept"),
        }
    }

    /// A connection was authorized with `auth`.
    fn authorized(&self, auth: AuthResponse, http_endpoint: Option<(String, u16)>) {
        let mut state = lock(&self.state);
        state.http_token = auth
            .token_for_http_server
            .clone()
            .map(|token| (token, Instant::now()));
        state.auth = Some(auth);
        if http_endpoint.is_some() {
            state.http_endpoint = http_endpoint;
        }
    }

    fn session_token(&self) -> Option<String> {
        lock(&self.state)
            .auth
            .as_ref()
            .and_then(|auth| auth.token.clone())
    }

    /// Fills the state cache (`getAppState`, `getSystemInfo`), as configured.
    async fn refresh_state(&self) {
        if !self.config.fetch_state {
            return;
        }
        let timeout = self.config.request_timeout;
        let (state, info) = tokio::join!(
            self.request(GetAppState::new(), timeout),
            self.request(GetSystemInfo::new(), timeout)
        );
        if let Err(error) = state {
            tracing::warn!(%error, "getAppState failed; no application state cached");
        }
        if let Err(error) = info {
            tracing::warn!(%error, "getSystemInfo failed; no system information cached");
        }
    }

    fn refresh_state_in_background(self: &Arc<Self>) {
        let shared = Arc::clone(self);
        tokio::spawn(async move { shared.refresh_state().await }.in_current_span());
    }
}

/// A getAppState response (`bytes`, as received) as the `appStateChanged` notification that
/// carries the same body: the notification's fields are read straight from the response as a
/// record, which skips the keys it does not know (`method`, `requestId`, `result`). The
/// definitions make the two bodies agree field by field (`sameBodyAs`, checked by codegen).
fn app_state_from_response(bytes: &[u8]) -> Option<AppStateChanged> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    crate::wire::deserialize_record(&mut deserializer).ok()
}

/// Removes a request's entry when the request is done or abandoned.
struct PendingGuard<'a> {
    shared: &'a Shared,
    id: &'a str,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        lock(&self.shared.pending).waiting.remove(self.id);
    }
}

/// Stops the connection task when the last client handle goes.
struct TaskGuard(JoinHandle<()>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A connection to a Room's WebSocket API (see the [module docs](self)).
///
/// Cheap to clone: clones share the connection, and requests may run concurrently from any of
/// them. Dropping the last clone drops the connection (without a close frame; use
/// [`Client::close`] for a graceful end), which also ends every stream.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    _task: Arc<TaskGuard>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("status", &self.status())
            .field("target", &self.shared.config.target)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Settings for a client; [`ClientBuilder::connect`] connects.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Connects to the Room at `host` whose web server listens on `http_port` (its WebSocket
    /// port is read from `config.json`), authorizes with `credentials`, and fills the state
    /// cache; every other setting is the default. Must be called inside a Tokio runtime.
    pub async fn connect(
        host: &str,
        http_port: u16,
        credentials: Credentials,
    ) -> Result<Client, Error> {
        Self::builder()
            .host(host, http_port)
            .credentials(credentials)
            .connect()
            .await
    }

    async fn connect_with(config: Config) -> Result<Client, Error> {
        let (outgoing, requests) = mpsc::channel(config.outgoing_buffer);
        let (status, _) = watch::channel(ConnectionStatus::Connected);
        let shared = Arc::new(Shared {
            hub: Hub::new(config.notification_buffer),
            config,
            pending: Mutex::new(PendingTable {
                waiting: HashMap::new(),
                closed: false,
            }),
            next_id: AtomicU64::new(1),
            state: Mutex::new(StateCache::default()),
            stats: Counters::default(),
            status,
            shutdown: Notify::new(),
            closing: AtomicBool::new(false),
            outgoing,
        });
        let credentials = [shared.config.credentials.clone()];
        let (socket, url) = driver::open_authorized(&shared, &credentials).await?;
        let span = tracing::info_span!("trueconf_client", url = %url);
        span.in_scope(|| tracing::info!("connected and authorized"));
        let task =
            tokio::spawn(driver::run(Arc::clone(&shared), socket, requests).instrument(span));
        let client = Client {
            shared,
            _task: Arc::new(TaskGuard(task)),
        };
        client.shared.refresh_state().await;
        Ok(client)
    }

    /// Sends `command` and waits for its response (within the client's request timeout).
    ///
    /// `"result": false` is [`Error::Failed`] with the Room's error text (and the typed
    /// failure, [`Failed::failure`]); a response that does not decode as `C`'s is
    /// [`Error::Decode`]; a lost or closed connection is [`Error::Closed`].
    pub async fn request<C: Command>(&self, command: C) -> Result<C::Response, Error> {
        self.shared
            .request(command, self.shared.config.request_timeout)
            .await
    }

    /// [`Client::request`] with its own timeout.
    pub async fn request_with_timeout<C: Command>(
        &self,
        command: C,
        timeout: Duration,
    ) -> Result<C::Response, Error> {
        self.shared.request(command, timeout).await
    }

    /// Sends a command the definitions do not type (see [`crate::UNTYPED_COMMAND_NAMES`]),
    /// built with [`RawMessage::request`] from its name and parameters, and returns its
    /// response as JSON. Anything but `"result": true` is [`Error::Failed`].
    pub async fn request_raw(
        &self,
        method: &str,
        params: serde_json::Map<String, serde_json::Value>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        self.shared
            .request_raw(method, params, self.shared.config.request_timeout)
            .await
    }

    /// Every notification from now on (see [`Notifications`]).
    pub fn notifications(&self) -> Notifications {
        self.shared.hub.notifications()
    }

    /// The notifications of type `N` from now on, decoded as `N` (see [`Subscription`]).
    pub fn subscribe<N: Notification>(&self) -> Subscription<N> {
        self.shared.hub.subscribe::<N>()
    }

    /// Authorizes the connection again with the configured credentials (after an
    /// `authorizationNeeded`, say); the answer updates the tokens.
    pub async fn authorize(&self) -> Result<AuthResponse, Error> {
        let auth = self
            .shared
            .config
            .credentials
            .to_auth(self.shared.config.role.clone());
        let (answer, _) = self
            .shared
            .exchange_typed(auth, self.shared.config.request_timeout)
            .await?;
        let response = driver::auth_outcome(answer.result)?;
        self.shared.authorized(response.clone(), None);
        Ok(response)
    }

    /// The latest application state the Room reported (`getAppState` or `appStateChanged`).
    pub fn app_state(&self) -> Option<AppStateChanged> {
        lock(&self.shared.state).app_state.clone()
    }

    /// The Room's system information (`getSystemInfo`), once asked for.
    pub fn system_info(&self) -> Option<GetSystemInfoResponse> {
        lock(&self.shared.state).system_info.clone()
    }

    /// The response to the latest successful `auth`.
    pub fn auth_response(&self) -> Option<AuthResponse> {
        lock(&self.shared.state).auth.clone()
    }

    /// A token for the Room's built-in HTTP server that is fresh: the last one while it is
    /// younger than [`ClientBuilder::http_token_max_age`] and no `authorizationNeeded` came,
    /// else a new one from [`GetTokenForHttpServer`](crate::commands::GetTokenForHttpServer)
    /// (its `token`, which must be a string).
    pub async fn http_token(&self) -> Result<String, Error> {
        let max_age = self.shared.config.http_token_max_age;
        if let Some((token, obtained)) = &lock(&self.shared.state).http_token {
            if obtained.elapsed() < max_age {
                return Ok(token.clone());
            }
        }
        let response = self
            .request(crate::commands::GetTokenForHttpServer::new())
            .await?;
        let token = response
            .token
            .as_ref()
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| {
                Error::Config("the getTokenForHttpServer response has no string `token`".into())
            })?
            .to_string();
        lock(&self.shared.state).http_token = Some((token.clone(), Instant::now()));
        Ok(token)
    }

    /// The host and port of the built-in HTTP server: [`ClientBuilder::http_port`], else
    /// `config.http.port` of `config.json`, else the `embeddedHttpPort` of the application
    /// state, else the port the client discovered the Room by.
    pub fn http_endpoint(&self) -> Option<(String, u16)> {
        let config = &self.shared.config;
        let host = match &config.target {
            config::Target::Discover { host, .. } => host.clone(),
            config::Target::Url(url) => url
                .parse::<hyper::Uri>()
                .ok()?
                .host()
                .map(|host| http::bare_host(host).to_string())?,
        };
        if let Some(port) = config.http_port {
            return Some((host, port));
        }
        let state = lock(&self.shared.state);
        if let Some(endpoint) = &state.http_endpoint {
            return Some(endpoint.clone());
        }
        if let Some(app_state) = &state.app_state {
            return Some((host, app_state.embedded_http_port));
        }
        match &config.target {
            config::Target::Discover { http_port, .. } => Some((host, *http_port)),
            config::Target::Url(_) => None,
        }
    }

    /// One frame of `peer_id`'s video (`#self:0` is the Room's own camera) as JPEG bytes, from
    /// `GET /frames/?peerId=…&token=…` on the built-in HTTP server, with a fresh
    /// [`Client::http_token`]; a token the server refuses is renewed once.
    ///
    /// This endpoint is not in TrueConf's API documentation (the built-in HTTP server page
    /// lists "receiving frames" as a feature but its details were not found): the URL comes
    /// from TrueConf's own demo, zoboff/tcroom-demo, `qr_decode_from_room.py`.
    pub async fn frame(&self, peer_id: &str) -> Result<Bytes, Error> {
        let (host, port) = self
            .http_endpoint()
            .ok_or_else(|| Error::Config("the built-in HTTP server's port is not known".into()))?;
        let mut renewed = false;
        loop {
            let token = self.http_token().await?;
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("peerId", peer_id)
                .append_pair("token", &token)
                .finish();
            let path = format!("/frames/?{query}");
            let timeout = self.shared.config.http_timeout;
            match http::get(&host, port, &path, "image/jpeg", http::MAX_FRAME, timeout).await {
                Err(Error::Http {
                    status: 401 | 403, ..
                }) if !renewed => {
                    tracing::debug!("the HTTP server refused the token; renewing it");
                    lock(&self.shared.state).http_token = None;
                    renewed = true;
                }
                other => return other,
            }
        }
    }

    /// Where the connection stands.
    pub fn status(&self) -> ConnectionStatus {
        *self.shared.status.borrow()
    }

    /// A receiver that sees every change of [`Client::status`].
    pub fn status_changes(&self) -> watch::Receiver<ConnectionStatus> {
        self.shared.status.subscribe()
    }

    /// Counters of what went through the client.
    pub fn stats(&self) -> ClientStats {
        let stats = &self.shared.stats;
        ClientStats {
            requests: stats.requests.load(Ordering::Relaxed),
            pending: lock(&self.shared.pending).waiting.len(),
            stray_responses: stats.stray.load(Ordering::Relaxed),
            notifications: stats.notifications.load(Ordering::Relaxed),
            notifications_lost: self.shared.hub.lost(),
            garbage_frames: stats.garbage.load(Ordering::Relaxed),
            reconnects: stats.reconnects.load(Ordering::Relaxed),
        }
    }

    /// Closes the connection gracefully: sends a close frame, waits (up to a second) for the
    /// Room's, fails whatever still waits with [`Error::Closed`], ends every stream. Later
    /// requests fail with [`Error::Closed`].
    pub async fn close(&self) {
        self.shared.closing.store(true, Ordering::Release);
        self.shared.shutdown.notify_one();
        let mut status = self.shared.status.subscribe();
        let _ = status
            .wait_for(|status| *status == ConnectionStatus::Closed)
            .await;
    }
}
