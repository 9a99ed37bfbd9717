//! How a client connects: where, with which credentials, and its limits.

use std::fmt;
use std::time::Duration;

use crate::commands::Auth;
use crate::types::{AuthRequestType, ControlRole};

/// How `auth` authorizes the connection.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// `"type": "unsecured"`: an account without protection.
    #[default]
    Unsecured,
    /// `"type": "secured"` with the account's password.
    Password(String),
    /// `"type": "secured"` with the account's PIN.
    Pin(String),
    /// `"type": "secured"` with a token from an earlier `auth` response (`token`).
    Token(String),
}

impl Credentials {
    /// The `auth` request for these credentials and `role`.
    pub fn to_auth(&self, role: Option<ControlRole>) -> Auth {
        let mut auth = Auth::new();
        match self {
            Credentials::Unsecured => auth.type_ = Some(AuthRequestType::Unsecured),
            Credentials::Password(secret)
            | Credentials::Pin(secret)
            | Credentials::Token(secret) => {
                auth.type_ = Some(AuthRequestType::Secured);
                auth.credentials = Some(secret.clone());
            }
        }
        auth.role = role;
        auth
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets stay out of logs.
        f.write_str(match self {
            Credentials::Unsecured => "Unsecured",
            Credentials::Password(_) => "Password(***)",
            Credentials::Pin(_) => "Pin(***)",
            Credentials::Token(_) => "Token(***)",
        })
    }
}

/// Reconnecting after the connection is lost, and retrying the first connection (off unless
/// [`ClientBuilder::reconnect`] turns it on): attempts wait `initial_delay`, then twice as
/// long each time up to `max_delay`; each connects again (re-reading `config.json` when the
/// client was set up by host and port), authorizes with the `token` of the last `auth`
/// response (then with the configured credentials if the Room no longer takes it), and
/// serves the requests made meanwhile.
///
/// The first connection ([`ClientBuilder::connect`]) retries with the same backoff until it
/// succeeds, the policy's `max_attempts` run out or the connect deadline
/// ([`ClientBuilder::connect_deadline`]) passes; a refused `auth` is not retried there (the
/// credentials are wrong, and waiting will not fix them).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconnect {
    /// The wait before the first attempt.
    pub initial_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// Gives up after this many failed attempts in a row; `None`: never. After a lost
    /// connection the client then closes; for the first connection,
    /// [`ClientBuilder::connect`] fails with [`super::Error::Unreachable`] after its first
    /// try and this many more.
    pub max_attempts: Option<u32>,
}

impl Default for Reconnect {
    /// 100 ms, doubling up to 5 s, forever.
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_attempts: None,
        }
    }
}

impl Reconnect {
    /// Sets the wait before the first attempt.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Sets the longest wait between attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Gives up after `attempts` failed attempts.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }
}

/// The heartbeat and the liveness deadline (on by default, [`ClientBuilder::heartbeat`]).
///
/// The Room is alive while it sends something: any frame counts (a response, a
/// notification, a pong). After `interval` without one, the client sends a WebSocket ping;
/// until the Room has answered a ping on this connection it also sends `getAppState` (a
/// read-only command every Room answers), so a Room that ignores pings still proves it is
/// there. A Room that sends nothing for `deadline` is dead: the connection is dropped,
/// requests waiting on it fail with [`super::Error::Unresponsive`], the status changes and,
/// with [`ClientBuilder::reconnect`], reconnecting starts. A frame must arrive whole within
/// the deadline: a Room that stalls in the middle of one is as dead as a silent one.
///
/// Why both: none of TrueConf's own clients asks a Room for a pong, and no page of the API
/// documentation says whether a Room answers WebSocket pings (RFC 6455 §5.5.2 says it must),
/// so a ping alone might declare a live Room dead; the command is sure to be answered, and the
/// ping is cheaper once the Room has shown it answers:
///
/// - python-trueconf-room 1.0.0 (PyPI) starts its socket with `run_forever()` and no
///   `ping_interval` (`trueconf_room/__init__.py:260`), which in its pinned websocket-client
///   0.58 means no pings (`websocket/_app.py:204`, `ping_interval=0`); its predecessor
///   zoboff/tcroom @06b90fa does the same (`__init__.py:415`).
/// - The Qt wrapper zoboff/videosdk @2f97576 opens a `QWebSocket` (`videosdk.cpp:11`) and
///   never calls `ping()`; its only timer sends queued commands (`videosdk.cpp:20`–`21`).
/// - The C# demo zoboff/csharpVideoSDK-DemoCall @9ff9bfb makes a `ClientWebSocket` with the
///   default options (`SimpleVideoCall/SimpleVideoCall/TrueConfVideoSDKWrapper.cs:54`), so
///   .NET sends an unsolicited pong every 30 s (`KeepAliveInterval`, with `KeepAliveTimeout`
///   infinite by default): a keep-alive that asks for no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Heartbeat {
    /// How long the Room may stay silent before the client probes it (at most half the
    /// deadline; a longer one is shortened to that).
    pub interval: Duration,
    /// How long the Room may stay silent before the connection counts as dead.
    pub deadline: Duration,
}

impl Default for Heartbeat {
    /// A probe after 10 s of silence, dead after 30 s.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
        }
    }
}

impl Heartbeat {
    /// Sets how long the Room may stay silent before it is probed.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets how long the Room may stay silent before the connection counts as dead.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The interval in force: at most half the deadline, so a live Room gets a probe to
    /// answer before it is declared dead.
    pub(crate) fn effective_interval(&self) -> Duration {
        self.interval.min(self.deadline / 2)
    }
}

/// Where the Room is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Host and HTTP port: the WebSocket port comes from `config.json`.
    Discover { host: String, http_port: u16 },
    /// A WebSocket URL, used as given.
    Url(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Discover { host, http_port } => write!(
                f,
                "{}:{http_port} (WebSocket port from {})",
                super::http::url_host(host),
                super::http::config_url(host, *http_port)
            ),
            Target::Url(url) => f.write_str(url),
        }
    }
}

/// The settings a connected client keeps.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub target: Target,
    pub credentials: Credentials,
    pub role: Option<ControlRole>,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub connect_deadline: Duration,
    pub http_timeout: Duration,
    pub notification_buffer: usize,
    pub outgoing_buffer: usize,
    pub max_message_size: usize,
    pub max_request_size: usize,
    pub reconnect: Option<Reconnect>,
    pub heartbeat: Option<Heartbeat>,
    pub fetch_state: bool,
    pub api_version: Option<u8>,
    pub http_port: Option<u16>,
    pub http_token_max_age: Duration,
}

/// Settings of a [`super::Client`], then [`ClientBuilder::connect`].
///
/// ```no_run
/// # async fn demo() -> Result<(), trueconf_api::client::Error> {
/// use std::time::Duration;
/// use trueconf_api::client::{Client, Credentials, Reconnect};
///
/// let client = Client::builder()
///     .host("192.168.1.20", 8765)
///     .credentials(Credentials::Pin("1234".into()))
///     .request_timeout(Duration::from_secs(5))
///     .reconnect(Reconnect::default())
///     .connect()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    config: Config,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            config: Config {
                target: Target::Discover {
                    host: "127.0.0.1".into(),
                    http_port: super::DEFAULT_HTTP_PORT,
                },
                credentials: Credentials::Unsecured,
                role: None,
                request_timeout: Duration::from_secs(30),
                connect_timeout: Duration::from_secs(10),
                connect_deadline: Duration::from_secs(30),
                http_timeout: Duration::from_secs(10),
                notification_buffer: 1024,
                outgoing_buffer: 1024,
                max_message_size: 64 << 20,
                max_request_size: 4 << 20,
                reconnect: None,
                heartbeat: Some(Heartbeat::default()),
                fetch_state: true,
                api_version: None,
                http_port: None,
                http_token_max_age: Duration::from_secs(4 * 60),
            },
        }
    }
}

impl ClientBuilder {
    /// The Room by host and HTTP port: the WebSocket port is read from
    /// `http://HOST:PORT/public/default/config.json` (`config.websocket.port`), and frames are
    /// fetched from `config.http.port`. An IPv6 host may be given with or without brackets.
    pub fn host(mut self, host: impl Into<String>, http_port: u16) -> Self {
        self.config.target = Target::Discover {
            host: host.into(),
            http_port,
        };
        self
    }

    /// The Room by WebSocket URL (`ws://HOST:PORT`), with no discovery. Frames then come from
    /// [`ClientBuilder::http_port`], or the `embeddedHttpPort` the Room reports in its state.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.config.target = Target::Url(url.into());
        self
    }

    /// How `auth` authorizes (default: unsecured).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.config.credentials = credentials;
        self
    }

    /// The control mode to ask for (`admin` or `user`); by default the Room picks.
    pub fn role(mut self, role: ControlRole) -> Self {
        self.config.role = Some(role);
        self
    }

    /// How long a request waits for its response (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// How long each step of connecting may take (default 10 s): opening the WebSocket, the
    /// `auth` response, and the state fetch ([`ClientBuilder::fetch_state`]). Reading
    /// `config.json` has [`ClientBuilder::http_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// How long [`ClientBuilder::connect`] may take in all (default 30 s): reading
    /// `config.json`, opening the WebSocket, `auth`, the state fetch and, with
    /// [`ClientBuilder::reconnect`], every retry. A kiosk that may boot before its Room
    /// should give a long one.
    pub fn connect_deadline(mut self, deadline: Duration) -> Self {
        self.config.connect_deadline = deadline;
        self
    }

    /// How long an HTTP exchange (`config.json`, a frame) may take (default 10 s).
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.config.http_timeout = timeout;
        self
    }

    /// How many notifications each stream buffers for a consumer that has not read them yet
    /// (default 1,024; at least 1). When a consumer falls further behind, its oldest buffered
    /// notifications are dropped and it reads [`super::StreamError::Lagged`] with the count.
    pub fn notification_buffer(mut self, messages: usize) -> Self {
        self.config.notification_buffer = messages.max(1);
        self
    }

    /// How many requests may wait to be written to the socket (default 1,024; at least 1); a
    /// request beyond that waits for room (within its timeout).
    pub fn outgoing_buffer(mut self, messages: usize) -> Self {
        self.config.outgoing_buffer = messages.max(1);
        self
    }

    /// The largest message accepted from the Room (default 64 MiB), whether it comes in one
    /// frame or in many; a larger one (or a frame that announces more) ends the connection
    /// before it is read. It is also what a client may hold for one message being received.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.config.max_message_size = bytes;
        self
    }

    /// The largest request the client sends (default 4 MiB, at least 1 KiB); a larger one
    /// fails with [`super::Error::RequestTooLarge`] without being sent. It also caps the
    /// connection's write buffer (this plus 16 KiB), which is what bounds the memory a Room
    /// can make the client hold by not reading or by flooding it with pings.
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.config.max_request_size = bytes.max(1024);
        self
    }

    /// The heartbeat and the liveness deadline (see [`Heartbeat`]; on by default); `None`
    /// turns them off, and then a Room that freezes goes unnoticed until the operating
    /// system gives up on the TCP connection.
    pub fn heartbeat(mut self, heartbeat: Option<Heartbeat>) -> Self {
        self.config.heartbeat = heartbeat;
        self
    }

    /// Reconnects after the connection is lost (see [`Reconnect`]); off by default.
    pub fn reconnect(mut self, policy: Reconnect) -> Self {
        self.config.reconnect = Some(policy);
        self
    }

    /// Whether to fill the state cache after each `auth` with `getAppState` and
    /// `getSystemInfo`, as TrueConf's Python client does (default on). A connection counts as
    /// made only once both are answered: a Room that authorizes and then does not answer them
    /// (within [`ClientBuilder::connect_timeout`]) fails the attempt, which is retried like any
    /// other. An answer of `"result": false`, or one that does not decode, leaves that part of
    /// the cache empty (logged as a warning) and the connection goes on.
    pub fn fetch_state(mut self, fetch: bool) -> Self {
        self.config.fetch_state = fetch;
        self
    }

    /// Asks the Room for API version `version` on every connection: `setUsedApiVersion` with
    /// `"version": "<version>"`, sent before `auth` (as TrueConf's clients do), and `auth`
    /// only once it is answered (within [`ClientBuilder::connect_timeout`]). Without it
    /// (the default) nothing is sent, and the Room speaks what it speaks by default.
    ///
    /// API v.2 brings notifications that v.1 does not have (`reactionsChanged`, say: the
    /// definitions' `api` says which version each message is documented in). What is known
    /// and what is not:
    ///
    /// - The request: TrueConf's clients send it first, with `"version": "1"`
    ///   (zoboff/tcroom `__init__.py:462`, a Qt sample `PersonTraking/WebSocket.cpp:36`;
    ///   `python-trueconf-room` 1.0.0 offers it as a method, `trueconf_room/methods.py:1576`).
    ///   That `"2"` asks for v.2 is our reading of the docs' version numbers: no page and no
    ///   client shows that value.
    /// - The answer: no doc page describes it. The Python client matches a reply by `method`
    ///   and `result` (`trueconf_room/consts.py:1068`), and the Qt sample sends `auth` once a
    ///   reply with this method arrives (`WebSocket.cpp:103`). So the client waits for it:
    ///   `"result": false` fails the connection with [`super::Error::Failed`] holding the
    ///   Room's text, and is not retried (waiting does not make a Room speak a version); any
    ///   other answer, even one that does not decode, lets the connection go on. No answer
    ///   within the connect timeout fails the attempt like an unanswered `auth`.
    /// - Whether a Room refuses a version it does not speak, and with which error, no source
    ///   shows. The mock Room ([`crate::mock`]) takes "1" and "2" and refuses anything else.
    ///
    /// Evidence: `schema/commands/setUsedApiVersion.json` and the sources it names in
    /// `schema/evidence/clients.json`.
    pub fn api_version(mut self, version: u8) -> Self {
        self.config.api_version = Some(version);
        self
    }

    /// The built-in HTTP server's port, for frames, when it should not be taken from
    /// `config.json` or the Room's `embeddedHttpPort`.
    pub fn http_port(mut self, port: u16) -> Self {
        self.config.http_port = Some(port);
        self
    }

    /// How old an HTTP-server token may get before [`super::Client::http_token`] asks for a
    /// new one (default 4 minutes: the Room's tokens live 5).
    pub fn http_token_max_age(mut self, age: Duration) -> Self {
        self.config.http_token_max_age = age;
        self
    }

    /// Connects, authorizes and (unless turned off) fills the state cache, within the connect
    /// deadline; with [`ClientBuilder::reconnect`], failed attempts are retried with its
    /// backoff (see [`Reconnect`]).
    pub async fn connect(self) -> Result<super::Client, super::Error> {
        super::Client::connect_with(self.config).await
    }
}
