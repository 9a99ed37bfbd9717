//! An async client for a TrueConf Room (feature `client`): tokio, tokio-tungstenite for the
//! WebSocket, hyper for HTTP. Built to be left running for months, alone in a kiosk or by the
//! thousand in one process.
//!
//! ```toml
//! [dependencies]
//! trueconf-api = { version = "0.1", features = ["client"] }
//! tokio = { version = "1", features = ["macros", "rt"] }
//! ```
//!
//! ```no_run
//! use trueconf_api::client::{Client, Credentials};
//! use trueconf_api::commands::GetFileTransferHistory;
//! use trueconf_api::notifications::FileRequestStatusChanged;
//!
//! # async fn demo() -> Result<(), trueconf_api::client::Error> {
//! // Reads the WebSocket port from http://192.168.1.20:8765/public/default/config.json,
//! // connects, authorizes with the PIN, and fills the state cache (getAppState,
//! // getSystemInfo).
//! let client = Client::connect("192.168.1.20", 8765, Credentials::Pin("1234".into())).await?;
//! let mut statuses = client.subscribe::<FileRequestStatusChanged>();
//! let history = client.request(GetFileTransferHistory::new()).await?;
//! println!("{} transfers; state {:?}", history.files_requests.len(), client.app_state());
//! while let Some(status) = statuses.recv().await {
//!     match status {
//!         Ok(status) => println!("{}: {:?}", status.file_request_id, status.status),
//!         // What was lost or did not decode, said rather than hidden.
//!         Err(problem) => eprintln!("{problem}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Streams are also [`futures_util::Stream`]s, for `StreamExt` and `select!` (with
//! `futures-util` in your dependencies); `recv()` needs nothing more.
//!
//! [`examples/room_client`](https://github.com/trueconf-api/trueconf-api/tree/main/examples/room_client)
//! is a short program on this client that receives a file end to end (history, incoming
//! requests or a new offer, accept, progress until completed):
//!
//! ```sh
//! cargo run --example room_client --features client -- 192.168.1.20 8765 --pin 1234
//! ```
//!
//! # Connecting
//!
//! By host and HTTP port ([`Client::connect`], [`ClientBuilder::host`]: the WebSocket port
//! comes from `/public/default/config.json`) or by WebSocket URL ([`ClientBuilder::url`]).
//! `auth` is unsecured, password, PIN or token ([`Credentials`]), with an optional role. A
//! refusal is [`Error::Auth`] with the Room's text and `resultCode` (a Room may say no with
//! `"result": false`, with a non-zero `resultCode`, or — older Rooms — with `"result": false`
//! alone). A connection counts as made once it is authorized and the state cache is filled
//! (see [State cache](#state-cache)).
//!
//! Every step has a limit: reading `config.json` [`ClientBuilder::http_timeout`] (10 s), the
//! WebSocket handshake, the `auth` answer and the state fetch each
//! [`ClientBuilder::connect_timeout`] (10 s), and all of [`ClientBuilder::connect`]
//! [`ClientBuilder::connect_deadline`] (30 s). With [`ClientBuilder::reconnect`] on, the first
//! connection is retried like a lost one, with the same backoff, until the deadline — a kiosk
//! that boots before its Room needs no retry loop of its own, only a long enough deadline:
//!
//! ```no_run
//! use std::time::Duration;
//! use trueconf_api::client::{Client, ConnectionStatus, Credentials, Reconnect};
//!
//! # async fn demo() -> Result<(), trueconf_api::client::Error> {
//! let client = Client::builder()
//!     .host("192.168.1.20", 8765)
//!     .credentials(Credentials::Pin("1234".into()))
//!     .reconnect(Reconnect::default())
//!     .connect_deadline(Duration::from_secs(300))
//!     .connect()
//!     .await?;
//! let mut status = client.status_changes();
//! while status.changed().await.is_ok() {
//!     match *status.borrow_and_update() {
//!         ConnectionStatus::Connected => println!("connected"),
//!         ConnectionStatus::Reconnecting { attempt } => println!("reconnecting ({attempt})"),
//!         ConnectionStatus::Closed => break,
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! [`ClientBuilder::api_version`] asks the Room for an API version (`setUsedApiVersion`,
//! before `auth`, on every connection), for the notifications only v.2 has; without it
//! nothing is sent. No doc page says what a Room answers: the client waits for the answer,
//! takes only `"result": false` as a refusal, and says what is known and what is not there.
//!
//! Refused credentials are not retried: waiting does not fix a wrong PIN (nor does it make a
//! Room speak an API version it refused). When retries run out, [`Error::Unreachable`] says
//! how many attempts were made and holds the last one's error.
//!
//! # Requests
//!
//! [`Client::request`] sends a typed command with a `requestId` of the client's own and waits
//! for the response with that `requestId`, whatever the order responses come in (a Room that
//! echoes no `requestId`, or one the client cannot read, gets its responses matched to the
//! oldest request of the same method). A `"result": false` answer is [`Error::Failed`] with
//! the Room's text (and the typed [`crate::Failure`], [`Failed::failure`]). Requests run
//! concurrently on one connection. Dropping a request's future (a `select!`, a timeout of the
//! caller's) forgets it at once: it holds no slot afterwards, and a late answer is counted as
//! stray. Commands the definitions only catalogue go through [`Client::request_raw`].
//!
//! What a request that does not succeed gets says what happened to it:
//!
//! | error | the request | what happened |
//! |---|---|---|
//! | [`Error::Timeout`] | was sent | no answer within its timeout ([`ClientBuilder::request_timeout`], 30 s) |
//! | [`Error::ConnectionLost`] | was sent | the connection ended before the answer (closed by the Room, broken, a limit broken, or the Room stopped reading) |
//! | [`Error::Unresponsive`] | was sent | the Room went silent past the liveness deadline (see [Liveness](#liveness)) |
//! | [`Error::NotConnected`] | was not sent | the client was reconnecting for the whole timeout; it holds the last attempt's error |
//! | [`Error::RequestTooLarge`] | was not sent | over [`ClientBuilder::max_request_size`] |
//! | [`Error::Closed`] | — | the client is closed ([`Client::close`], or lost for good) |
//!
//! A sent request is never sent again on a new connection: the Room may have carried it out.
//! One not sent yet waits for the next connection.
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
//! frames per stream, and nothing at all is kept for names nobody listens to (a buffer is
//! made with the first stream that needs it and dropped with the last). A notification that
//! does not decode arrives as [`StreamError::Decode`], whose
//! [`crate::DecodeError::raw_message`] holds it whole; a frame that is not a message at all
//! arrives on [`Client::notifications`] as [`StreamError::Garbage`] with its bytes; either way
//! the connection carries on.
//!
//! Each stream keeps the order the Room sent its messages in. Between two subscriptions there
//! is no order to keep — each is read when its consumer reads it — but the connection hands a
//! notification to every stream that wants it before it reads the next frame, so a `select!`
//! that polls one subscription first (`biased;`) sees everything sent there before what it
//! reads from the other; [`Client::notifications`] has all of them in one order. Streams and
//! subscriptions belong to the client, not to one connection: they go on across reconnects.
//!
//! # Liveness
//!
//! A Room that freezes leaves its TCP connection open, and a client that only waits would
//! wait for ever. So the client expects to hear from the Room: after
//! [`Heartbeat::interval`] (10 s) of silence it sends a WebSocket ping — and a `getAppState`
//! until the Room has answered a ping, because no evidence shows that Rooms answer pings (see
//! [`Heartbeat`] for what TrueConf's clients do, with file and line) — and a Room that has
//! sent nothing at all for [`Heartbeat::deadline`] (30 s) is dead: the connection is dropped,
//! the requests sent on it fail with [`Error::Unresponsive`], the status changes and, with
//! reconnecting on, a new connection is made. A frame must arrive whole within the deadline
//! (a Room that stalls in the middle of one is as dead as a silent one), and a Room that
//! takes nothing the client writes for that long is dropped too ([`Error::ConnectionLost`]).
//! [`ClientBuilder::heartbeat`] sets both times, or turns the heartbeat off.
//!
//! # Connection loss, reconnecting, closing
//!
//! By default a lost connection closes the client. With [`ClientBuilder::reconnect`] it
//! connects again with backoff (re-reading `config.json`), authorizes again (with the `token`
//! of the last `auth` response, then with its credentials), fetches the state again and goes
//! on. [`Client::status`] tells where it stands; [`Client::status_changes`] follows it, and
//! **coalesces** (it is a [`tokio::sync::watch`]: a reader that falls behind sees only the
//! latest status; [`ClientStats::reconnects`] counts every reconnect).
//!
//! [`Client::close`] sends a close frame, waits up to a second for the Room's, fails whatever
//! still waits with [`Error::Closed`] and ends every stream; it returns within about a second
//! whatever the Room does (a Room that does not read or does not answer is dropped). A
//! graceful close logs at debug level only.
//!
//! # Limits and memory
//!
//! Everything a Room can make the client hold is capped:
//!
//! - a message from the Room: [`ClientBuilder::max_message_size`] (64 MiB), in one frame or
//!   in many; a frame that announces more ends the connection before it is read;
//! - what the client writes: [`ClientBuilder::max_request_size`] (4 MiB) per request, and the
//!   connection's write buffer at that plus 16 KiB — which also bounds the pongs a Room that
//!   floods pings (and reads slowly, or not at all) can make the client queue;
//! - notifications: [`ClientBuilder::notification_buffer`] per stream (above);
//! - requests waiting to be written: [`ClientBuilder::outgoing_buffer`] (1,024).
//!
//! An idle connected client — nobody subscribed — holds about 1.1 times what a bare
//! tokio-tungstenite connection with a reader task does (`tests/client_fleet_memory.rs`
//! measures both side by side and holds it to 1.2×; `cargo bench --bench fleet` measures a
//! fleet). One task per connection; a notification buffer only once someone streams.
//!
//! # Errors
//!
//! Each [`Error`] says what the client was doing and with which address, and where that
//! address came from: `cannot open the WebSocket ws://10.0.0.5:8765 (port from
//! http://10.0.0.5:80/public/default/config.json)`, or `(the URL given)`. The cause is the
//! error's [`std::error::Error::source`], never repeated in its own text: `{error}` prints the
//! error alone, `{error:#}` the error and each cause after it (`…config.json): Connection
//! refused (os error 111)`), as anyhow and eyre reports do.
//!
//! # State cache
//!
//! Like TrueConf's own Python client, the client keeps what the Room says about itself: the
//! latest application state ([`Client::app_state`], from the `getAppState` response and every
//! `appStateChanged`, which carry the same body), the system information
//! ([`Client::system_info`], from `getSystemInfo`) and the `auth` response
//! ([`Client::auth_response`]). After each `auth` it asks for the first two, unless
//! [`ClientBuilder::fetch_state`] says not to. **A Room that does not answer them fails the
//! connection attempt** (an [`Error::Timeout`] naming the command, or a retry with reconnecting
//! on): the cache is never silently empty after a successful connect. A Room that answers
//! with a refusal, or with something that does not decode, leaves that part of the cache
//! `None` (with a warning in the log) and the connection goes on.
//!
//! The newest state wins: a `getAppState` answer (the state fetch's, a heartbeat probe's or
//! one of yours) is not cached when an `appStateChanged` arrived after its request was made,
//! since the Room may have built the answer before the change it announces.
//!
//! # The built-in HTTP server
//!
//! [`Client::http_token`] returns a `tokenForHttpServer` that is fresh: the one from `auth`,
//! renewed with `getTokenForHttpServer` once it is older than
//! [`ClientBuilder::http_token_max_age`] (the Room's tokens live 5 minutes) and dropped when
//! the Room sends `authorizationNeeded`. [`Client::frame`] fetches a JPEG frame with it, from
//! `/frames/?peerId=…&token=…`, an endpoint that is not in the API docs but in TrueConf's own
//! demo (zoboff/tcroom-demo, `qr_decode_from_room.py`).
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
//! HTTP is hyper 1 with hyper-util rather than reqwest: a scratch crate with hyper (client and
//! server, HTTP/1) resolves 28 packages and builds clean in 5.8 s here, one with reqwest
//! (rustls, no default features) 132 packages and 18.9 s — and reqwest is built on hyper
//! anyway. No HTTP is written by hand.
//!
//! # Logging
//!
//! Through `tracing`: a span per client and per request, events for connecting,
//! reconnecting, lost connections, stray responses, garbage frames and lagging streams. The
//! client never prints.
//!
//! # How it is tested
//!
//! `tests/client.rs` runs the client against the mock Room (`trueconf_api::mock`): discovery
//! and auth, responses out of order, a thousand requests in flight, futures dropped
//! mid-request, timeouts, lost connections, reconnecting with re-auth (and after a restart of
//! the Room, falling back from the token to the PIN), the first connect waiting for a Room
//! that starts late, the connect deadline, requests made while reconnecting, the state fetch,
//! the heartbeat, garbage frames, the HTTP-server token and frames, graceful close and the
//! file-transfer flow. `tests/hostile_room.rs` runs it against Rooms written by hand at the
//! byte level that freeze, stall, stop reading, flood, break every limit and send garbage,
//! checking that every request resolves and bounding the process's peak memory.

#![cfg_attr(docsrs, doc(cfg(feature = "client")))]

mod config;
mod driver;
mod error;
mod events;
mod http;
mod liveness;

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

pub use config::{ClientBuilder, Credentials, Heartbeat, Reconnect};
pub use error::{Cause, Error, Failed, StreamError};
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
    /// Connected and authorized (and the state cache filled, unless
    /// [`ClientBuilder::fetch_state`] turned that off).
    Connected,
    /// The connection was lost; this reconnect attempt is under way or waiting for its turn
    /// (requests made meanwhile wait for the next connection, within their timeout, and then
    /// fail with [`Error::NotConnected`]).
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
    /// Requests sent (including `auth` on each connection, and the heartbeat's
    /// `getAppState` probes).
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
    /// Taken off the queue by a connection's writer: it was (or was being) sent on that
    /// connection, so losing it fails the request; a request not taken yet waits for the next.
    taken: bool,
    /// Where the answer goes; `None` for a heartbeat probe, whose answer only proves the Room
    /// is there (and updates the state cache).
    reply: Option<oneshot::Sender<Result<Bytes, Error>>>,
}

struct PendingTable {
    waiting: HashMap<String, Waiter>,
    /// The `requestId` of the heartbeat's outstanding `getAppState` probe, and the
    /// [`StateCache::app_state_epoch`] when it was sent.
    probe: Option<(String, u64)>,
    /// Closed for good: new requests fail at once. Until then they are queued, and while the
    /// connection is being re-established they wait for the next one.
    closed: bool,
}

/// Who a response went to.
pub(crate) enum Delivered {
    /// The request waiting for it.
    Request,
    /// The heartbeat's probe, sent at this [`StateCache::app_state_epoch`].
    Probe(u64),
    /// Nobody: a stray response.
    Nobody,
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
    /// How many `appStateChanged` notifications were applied to `app_state`. A `getAppState`
    /// answer is applied only when none came since its request was made: a notification that
    /// arrives between a request and its answer is at least as new as the answer (the Room
    /// may have built the answer before the change it announces), so it wins.
    app_state_epoch: u64,
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
    /// Set by [`Client::close`]; the connection task watches it.
    closing: watch::Sender<bool>,
    outgoing: mpsc::Sender<Outgoing>,
    /// The WebSocket address of the current (or last) connection, as errors name it.
    address: Mutex<Option<String>>,
    /// Why the last attempt to connect failed.
    last_error: Mutex<Option<Arc<Error>>>,
    /// Attempts to connect so far.
    attempts: AtomicU32,
}

impl Shared {
    fn next_request_id(&self) -> String {
        self.next_id.fetch_add(1, Ordering::Relaxed).to_string()
    }

    fn closing(&self) -> bool {
        *self.closing.borrow()
    }

    /// Waits until [`Client::close`] is called.
    async fn closed(&self) {
        let mut closing = self.closing.subscribe();
        let _ = closing.wait_for(|closing| *closing).await;
    }

    /// A writer takes request `id` to send it: `false` when its caller no longer waits.
    fn take(&self, id: &str) -> bool {
        match lock(&self.pending).waiting.get_mut(id) {
            Some(waiter) => {
                waiter.taken = true;
                true
            }
            None => false,
        }
    }

    /// Fails the requests the lost connection had taken with `error()` (those not taken yet
    /// wait for the next connection); returns how many failed.
    fn fail_sent(&self, error: impl Fn() -> Error) -> usize {
        let sent: Vec<Waiter> = {
            let mut table = lock(&self.pending);
            table.probe = None;
            let ids: Vec<String> = table
                .waiting
                .iter()
                .filter(|(_, waiter)| waiter.taken)
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter()
                .filter_map(|id| table.waiting.remove(id))
                .collect()
        };
        Self::fail(sent, error)
    }

    /// Closes for good: fails every waiting request with `error()`, and every later one at
    /// once with [`Error::Closed`]; returns how many failed.
    fn fail_all(&self, error: impl Fn() -> Error) -> usize {
        let waiting = {
            let mut table = lock(&self.pending);
            table.closed = true;
            table.probe = None;
            std::mem::take(&mut table.waiting)
        };
        Self::fail(waiting.into_values(), error)
    }

    fn fail(waiters: impl IntoIterator<Item = Waiter>, error: impl Fn() -> Error) -> usize {
        let mut count = 0;
        for waiter in waiters {
            if let Some(reply) = waiter.reply {
                let _ = reply.send(Err(error()));
                count += 1;
            }
        }
        count
    }

    /// Registers the heartbeat's `getAppState` probe `id` (sent now), in place of an earlier
    /// one still unanswered.
    fn probe_sent(&self, id: String) {
        let sequence = self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let epoch = self.app_state_epoch();
        let mut table = lock(&self.pending);
        if let Some((earlier, _)) = table.probe.take() {
            table.waiting.remove(&earlier);
        }
        table.waiting.insert(
            id.clone(),
            Waiter {
                method: GetAppState::METHOD.into(),
                sequence,
                taken: true,
                reply: None,
            },
        );
        table.probe = Some((id, epoch));
    }

    /// The heartbeat's probe, sent at `epoch`, was answered: its state goes to the cache
    /// (unless an `appStateChanged` came since).
    fn probe_answered(&self, bytes: &[u8], epoch: u64) {
        if !self.app_state_answered(bytes, epoch) {
            tracing::debug!("the heartbeat's getAppState answer holds no state");
        }
    }

    /// The state cache's [`StateCache::app_state_epoch`] now.
    fn app_state_epoch(&self) -> u64 {
        lock(&self.state).app_state_epoch
    }

    /// A `getAppState` answer (`bytes`, as received) to a request made at `epoch`: its state
    /// goes to the cache unless an `appStateChanged` was applied since, which is newer.
    /// `false` when the answer holds no state.
    fn app_state_answered(&self, bytes: &[u8], epoch: u64) -> bool {
        let Some(answer) = app_state_from_response(bytes) else {
            return false;
        };
        let mut state = lock(&self.state);
        if state.app_state_epoch == epoch {
            state.app_state = Some(answer);
        } else {
            tracing::debug!("a getAppState answer older than an appStateChanged; not applied");
        }
        true
    }

    /// Hands a response to the request it answers: the one with its `requestId`, or, when the
    /// Room echoed none, the oldest request of the same method.
    fn deliver(&self, method: &str, request_id: Option<&str>, bytes: Bytes) -> Delivered {
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
        let Some(waiter) = waiter else {
            return Delivered::Nobody;
        };
        match waiter.reply {
            Some(reply) => {
                drop(table);
                // The requester may have just given up; then the answer is dropped.
                let _ = reply.send(Ok(bytes));
                Delivered::Request
            }
            // The only waiter with no reply is the probe.
            None => match table.probe.take() {
                Some((_, epoch)) => Delivered::Probe(epoch),
                None => Delivered::Nobody,
            },
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
        if text.len() > self.config.max_request_size {
            return Err(Error::RequestTooLarge {
                method: method.to_string(),
                size: text.len(),
                limit: self.config.max_request_size,
            });
        }
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
                    taken: false,
                    reply: Some(reply),
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
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => {
                tracing::debug!(method, request_id = id, "timed out");
                Err(self.unanswered(method, &id, timeout))
            }
        }
    }

    /// Why request `id` got no answer within `after`: sent and not answered is
    /// [`Error::Timeout`]; never sent is [`Error::NotConnected`] while there is no connection,
    /// and a [`Error::Timeout`] that says so while the connection does not take it.
    fn unanswered(&self, method: &str, id: &str, after: Duration) -> Error {
        let taken = lock(&self.pending)
            .waiting
            .get(id)
            .is_some_and(|waiter| waiter.taken);
        let address = lock(&self.address)
            .clone()
            .unwrap_or_else(|| self.config.target.to_string());
        if taken {
            return Error::Timeout {
                waiting_for: format!("`{method}` response from {address}"),
                after,
            };
        }
        match *self.status.borrow() {
            ConnectionStatus::Connected => Error::Timeout {
                waiting_for: format!(
                    "chance to send `{method}` to {address} (the Room is not reading, or the \
                     queue of outgoing requests is full)"
                ),
                after,
            },
            status => Error::NotConnected {
                status,
                last_error: lock(&self.last_error).clone(),
            },
        }
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
        // Taken before the request can be sent: a notification applied after this is as new
        // as the answer, or newer.
        let epoch = self.app_state_epoch();
        let (response, bytes) = self.exchange_typed(command, timeout).await?;
        match response.result {
            Ok(payload) => {
                self.observe(&payload, &bytes, epoch);
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

    /// Keeps the responses the state cache follows; `bytes` is the response as received, to a
    /// request made at `epoch` ([`StateCache::app_state_epoch`]).
    fn observe(&self, payload: &dyn Any, bytes: &[u8], epoch: u64) {
        if payload.is::<GetAppStateResponse>() {
            if !self.app_state_answered(bytes, epoch) {
                tracing::warn!("the getAppState response does not convert to the state");
            }
        } else if let Some(info) = payload.downcast_ref::<GetSystemInfoResponse>() {
            lock(&self.state).system_info = Some(info.clone());
        }
    }

    /// An `appStateChanged` arrived (the reader passes its bytes).
    fn app_state_changed(&self, bytes: &[u8]) {
        match crate::from_slice::<AppStateChanged>(bytes) {
            Ok(changed) => {
                let mut state = lock(&self.state);
                state.app_state = Some(changed);
                state.app_state_epoch = state.app_state_epoch.wrapping_add(1);
            }
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

    /// Fills the state cache (`getAppState`, `getSystemInfo`), as configured. An answer of
    /// any kind will do (a refusal or one that does not decode leaves that part of the cache
    /// empty, with a warning); no answer is an error.
    async fn fetch_state(&self) -> Result<(), Error> {
        if !self.config.fetch_state {
            return Ok(());
        }
        let timeout = self.config.connect_timeout;
        let (state, info) = tokio::join!(
            self.request(GetAppState::new(), timeout),
            self.request(GetSystemInfo::new(), timeout)
        );
        for (method, result) in [
            (GetAppState::METHOD, state.map(drop)),
            (GetSystemInfo::METHOD, info.map(drop)),
        ] {
            match result {
                Ok(()) => {}
                Err(error @ (Error::Failed(_) | Error::Decode(_))) => {
                    tracing::warn!(method, error = format!("{error:#}"), "nothing cached")
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// A connection is made (authorized, the state fetched): the status says so, and the
    /// first one lets [`Client::connect`] return.
    fn connected(&self, ready: &mut Option<oneshot::Sender<Result<(), Error>>>, address: &str) {
        self.status.send_replace(ConnectionStatus::Connected);
        match ready.take() {
            Some(ready) => {
                tracing::info!(address, "connected and authorized");
                let _ = ready.send(Ok(()));
            }
            None => {
                self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                tracing::info!(address, "reconnected and authorized");
            }
        }
    }

    /// [`Error::Unreachable`] after `after` of trying.
    fn unreachable(&self, after: Duration) -> Error {
        Error::Unreachable {
            target: self.config.target.to_string(),
            attempts: self.attempts.load(Ordering::Relaxed),
            after,
            last_error: lock(&self.last_error).clone(),
        }
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
        // Closed until the first connection is made (nobody sees it before: the client is
        // handed out only then).
        let (status, _) = watch::channel(ConnectionStatus::Closed);
        let deadline = config.connect_deadline;
        let shared = Arc::new(Shared {
            hub: Hub::new(config.notification_buffer),
            config,
            pending: Mutex::new(PendingTable {
                waiting: HashMap::new(),
                probe: None,
                closed: false,
            }),
            next_id: AtomicU64::new(1),
            state: Mutex::new(StateCache::default()),
            stats: Counters::default(),
            status,
            closing: watch::channel(false).0,
            outgoing,
            address: Mutex::new(None),
            last_error: Mutex::new(None),
            attempts: AtomicU32::new(0),
        });
        let (ready, made) = oneshot::channel();
        let span = tracing::info_span!("trueconf_client", target = %shared.config.target);
        let task = tokio::spawn(driver::run(Arc::clone(&shared), requests, ready).instrument(span));
        // Dropped on failure, which stops the task.
        let client = Client {
            shared,
            _task: Arc::new(TaskGuard(task)),
        };
        let started = Instant::now();
        match tokio::time::timeout(deadline, made).await {
            Ok(Ok(Ok(()))) => Ok(client),
            Ok(Ok(Err(error))) => Err(error),
            Ok(Err(_)) => Err(Error::Closed),
            Err(_) if client.shared.config.reconnect.is_some() => {
                Err(client.shared.unreachable(started.elapsed()))
            }
            Err(_) => Err(Error::Timeout {
                waiting_for: format!("connection to the Room at {}", client.shared.config.target),
                after: deadline,
            }),
        }
    }

    /// Sends `command` and waits for its response (within the client's request timeout).
    ///
    /// `"result": false` is [`Error::Failed`] with the Room's error text (and the typed
    /// failure, [`Failed::failure`]); a response that does not decode as `C`'s is
    /// [`Error::Decode`]; no answer is [`Error::Timeout`]; a connection lost after the request
    /// was sent is [`Error::ConnectionLost`] or [`Error::Unresponsive`]; waiting in vain for a
    /// connection while reconnecting is [`Error::NotConnected`]; a closed client is
    /// [`Error::Closed`].
    pub async fn request<C: Command>(&self, command: C) -> Result<C::Response, Error> {
        self.shared
            .request(command, self.shared.config.request_timeout)
            .await
    }

    /// [`Client::request`] with its own timeout (which also bounds how long it waits for a
    /// connection while the client is reconnecting).
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

    /// A receiver of [`Client::status`] as it changes.
    ///
    /// It is a [`tokio::sync::watch`] receiver, so it **coalesces**: it holds the latest status
    /// only, and a reader that is slower than the changes skips the ones in between (a quick
    /// `Reconnecting { attempt: 1 }` → `Connected` may be seen as no change at all once it
    /// has caught up). It never misses the latest one, and `Closed` is always the last.
    /// Count reconnects with [`ClientStats::reconnects`], which loses none.
    pub fn status_changes(&self) -> watch::Receiver<ConnectionStatus> {
        self.shared.status.subscribe()
    }

    /// Counters of what went through the client.
    pub fn stats(&self) -> ClientStats {
        let stats = &self.shared.stats;
        let pending = lock(&self.shared.pending)
            .waiting
            .values()
            .filter(|waiter| waiter.reply.is_some())
            .count();
        ClientStats {
            requests: stats.requests.load(Ordering::Relaxed),
            pending,
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
    ///
    /// Returns within about a second whatever the Room does: a Room that does not read (so
    /// the close frame cannot be written) or does not answer is dropped when the second is
    /// up. A reconnect attempt or its backoff under way stops at once.
    pub async fn close(&self) {
        self.shared.closing.send_replace(true);
        let mut status = self.shared.status.subscribe();
        let closed = status.wait_for(|status| *status == ConnectionStatus::Closed);
        // The task answers within CLOSE_WAIT; the margin only guards against a task that is
        // gone (it ends only with the last handle, or by a bug).
        let _ = tokio::time::timeout(driver::CLOSE_WAIT * 2, closed).await;
    }
}
