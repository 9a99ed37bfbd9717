//! What can go wrong talking to a Room.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::{Command, DecodeError, Failure};

/// Everything that can go wrong talking to a Room.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A socket operation failed (connecting to the HTTP port, for instance).
    Io(std::io::Error),
    /// The HTTP server answered with a status other than 200.
    Http {
        /// What was asked for (`http://HOST:PORT/PATH`, without the token).
        url: String,
        /// The status code.
        status: u16,
        /// The start of the body, as text (it often says why).
        body: String,
    },
    /// The HTTP exchange itself failed (malformed response, connection reset…).
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// The Room's `config.json` (or an address given to the client) is not usable: not JSON,
    /// no `config.websocket.port`, not a URL.
    Config(String),
    /// The WebSocket could not be opened, or failed other than by closing.
    WebSocket(Box<dyn std::error::Error + Send + Sync>),
    /// `auth` was refused: the Room answered `"result": false` (older Rooms send only that),
    /// or a `resultCode` other than 0.
    Auth {
        /// The Room's `error` text, when it sent one.
        error: Option<String>,
        /// The Room's `resultCode`, when it sent one.
        result_code: Option<i64>,
    },
    /// The Room answered `"result": false`.
    Failed(Failed),
    /// A response could not be decoded as its command's (the error names the field and keeps
    /// the message, [`DecodeError::raw_message`]).
    Decode(DecodeError),
    /// A request could not be encoded.
    Encode(serde_json::Error),
    /// Nothing came in time.
    Timeout {
        /// What was awaited: a command's response, the WebSocket handshake, an HTTP reply.
        waiting_for: String,
        /// How long it was awaited.
        after: Duration,
    },
    /// The connection is closed (or was lost while the request waited): the request cannot
    /// complete. With reconnect on, requests made after the loss wait for the new connection
    /// instead.
    Closed,
}

/// Runs `future` for at most `after`; when time runs out first, it is dropped and the result
/// is [`Error::Timeout`] naming what was awaited, `waiting_for()` (called only then).
pub(crate) async fn within<T>(
    after: Duration,
    waiting_for: impl FnOnce() -> String,
    future: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match tokio::time::timeout(after, future).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            waiting_for: waiting_for(),
            after,
        }),
    }
}

impl Error {
    /// The Room's `error` text of a refused `auth` or a `"result": false` answer.
    pub fn room_error(&self) -> Option<&str> {
        match self {
            Error::Auth { error, .. } => error.as_deref(),
            Error::Failed(failed) => failed.error(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(error) => write!(f, "I/O error: {error}"),
            Error::Http { url, status, body } if body.is_empty() => {
                write!(f, "HTTP status {status} for {url}")
            }
            Error::Http { url, status, body } => {
                write!(f, "HTTP status {status} for {url}: {body}")
            }
            Error::Transport(error) => write!(f, "HTTP error: {error}"),
            Error::Config(problem) => write!(f, "bad Room configuration: {problem}"),
            Error::WebSocket(error) => write!(f, "WebSocket error: {error}"),
            Error::Auth {
                error: Some(error),
                result_code: Some(code),
            } => write!(f, "authorization refused: {error} (resultCode {code})"),
            Error::Auth {
                error: Some(error),
                result_code: None,
            } => write!(f, "authorization refused: {error}"),
            Error::Auth {
                error: None,
                result_code: Some(code),
            } => write!(f, "authorization refused (resultCode {code})"),
            Error::Auth {
                error: None,
                result_code: None,
            } => f.write_str("authorization refused (the Room gave no reason)"),
            Error::Failed(failed) => fmt::Display::fmt(failed, f),
            Error::Decode(error) => write!(f, "cannot decode a message: {error}"),
            Error::Encode(error) => write!(f, "cannot encode the request: {error}"),
            Error::Timeout { waiting_for, after } => write!(f, "no {waiting_for} within {after:?}"),
            Error::Closed => f.write_str("the connection to the Room is closed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(error) => Some(error),
            Error::Transport(error) | Error::WebSocket(error) => Some(error.as_ref()),
            Error::Failed(failed) => Some(failed),
            Error::Decode(error) => Some(error),
            Error::Encode(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error)
    }
}

impl From<DecodeError> for Error {
    fn from(error: DecodeError) -> Self {
        Error::Decode(error)
    }
}

/// A `"result": false` answer: the Room's error text, and the whole response, from which
/// [`Failed::failure`] gives the typed [`Failure`] (with whatever of the command's fields came
/// along).
#[derive(Clone)]
pub struct Failed {
    method: String,
    error: Option<String>,
    raw: bytes::Bytes,
}

impl Failed {
    pub(crate) fn new(method: &str, error: Option<String>, raw: bytes::Bytes) -> Self {
        Self {
            method: method.to_string(),
            error,
            raw,
        }
    }

    /// The command that failed.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The Room's `error` text (`None` if it gave none).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The typed failure of command `C`; `None` when the failed command is another one.
    pub fn failure<C: Command>(&self) -> Option<Failure<C>> {
        if self.method != C::METHOD {
            return None;
        }
        crate::from_slice::<crate::Response<C>>(&self.raw)
            .ok()
            .and_then(|response| response.result.err())
    }

    /// The whole response as JSON.
    pub fn response(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.raw).ok()
    }

    /// The whole response, exactly as received.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
}

impl fmt::Debug for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failed")
            .field("method", &self.method)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// Worded as [`Failure`]'s `Display`.
impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(error) => write!(f, "`{}` failed: {error}", self.method),
            None => write!(f, "`{}` failed (the server gave no reason)", self.method),
        }
    }
}

impl std::error::Error for Failed {}

/// What a notification stream yields instead of a message.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StreamError {
    /// This stream's consumer was too slow: its buffer was full and the `n` oldest messages
    /// were dropped for it (the loss is also counted in [`crate::client::ClientStats`]).
    Lagged(u64),
    /// A notification that does not decode as its type. Nothing is lost: the error names the
    /// field, and [`DecodeError::raw_message`] holds the notification exactly as received.
    Decode(DecodeError),
    /// A frame that is not a message at all (not JSON, no `method`), kept as received. Only
    /// [`crate::client::Client::notifications`] sees these.
    Garbage {
        /// Why it is not a message.
        error: Box<DecodeError>,
        /// The frame, exactly as received.
        frame: bytes::Bytes,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Lagged(count) => {
                write!(f, "{count} notifications dropped: the consumer fell behind")
            }
            StreamError::Decode(error) => write!(f, "undecodable notification: {error}"),
            StreamError::Garbage { error, frame } => write!(
                f,
                "a frame that is not a message ({} bytes): {error}",
                frame.len()
            ),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Decode(error) => Some(error),
            StreamError::Garbage { error, .. } => Some(error.as_ref()),
            StreamError::Lagged(_) => None,
        }
    }
}
