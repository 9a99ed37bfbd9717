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

/// Reconnecting after the connection is lost (off unless [`ClientBuilder::reconnect`] turns it
/// on): attempts wait `initial_delay`, then twice as long each time up to `max_delay`; each
/// connects again (re-reading `config.json` when the client was set up by host and port),
/// authorizes with the `token` of the last `auth` response (then with the configured
/// credentials if the Room no longer takes it), and serves the requests made meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconnect {
    /// The wait before the first attempt.
    pub initial_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// Gives up (the client closes) after this many failed attempts; `None`: never.
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

/// Where the Room is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Host and HTTP port: the WebSocket port comes from `config.json`.
    Discover { host: String, http_port: u16 },
    /// A WebSocket URL, used as given.
    Url(String),
}

/// The settings a connected client keeps.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub target: Target,
    pub credentials: Credentials,
    pub role: Option<ControlRole>,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub http_timeout: Duration,
    pub notification_buffer: usize,
    pub outgoing_buffer: usize,
    pub max_message_size: usize,
    pub reconnect: Option<Reconnect>,
    pub fetch_state: bool,
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
                http_timeout: Duration::from_secs(10),
                notification_buffer: 1024,
                outgoing_buffer: 1024,
                max_message_size: 64 << 20,
                reconnect: None,
                fetch_state: true,
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

    /// How long opening the WebSocket may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
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

    /// The largest message accepted from the Room (default 64 MiB); a larger one ends the
    /// connection.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.config.max_message_size = bytes;
        self
    }

    /// Reconnects after the connection is lost (see [`Reconnect`]); off by default.
    pub fn reconnect(mut self, policy: Reconnect) -> Self {
        self.config.reconnect = Some(policy);
        self
    }

    /// Whether to fill the state cache after each `auth` with `getAppState` and
    /// `getSystemInfo`, as TrueConf's Python client does (default on).
    pub fn fetch_state(mut self, fetch: bool) -> Self {
        self.config.fetch_state = fetch;
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

    /// Connects, authorizes and (unless turned off) fills the state cache.
    pub async fn connect(self) -> Result<super::Client, super::Error> {
        super::Client::connect_with(self.config).await
    }
}
