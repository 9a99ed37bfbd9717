//! What can go wrong talking to a Room.
//!
//! Each error says what it was doing and with which address (and where that address came
//! from); the cause it wraps is its [`std::error::Error::source`], never repeated in its own
//! text. `{error}` prints the error alone, `{error:#}` the error and every cause after it.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_tungstenite::tungstenite;

use super::ConnectionStatus;
use crate::{Command, DecodeError, Failure};

/// A cause from another library, boxed.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong talking to a Room.
///
/// Addresses in the variants are written as a person needs them: the URL, and where its
/// port came from, e.g. `ws://10.0.0.5:8765 (port from
/// http://10.0.0.5:80/public/default/config.json)`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A TCP connection to an HTTP address failed (`config.json`, a frame).
    Io {
        /// The address that could not be reached.
        address: String,
        /// The socket error.
        source: std::io::Error,
    },
    /// The HTTP server answered with a status other than 200.
    Http {
        /// What was asked for (`http://HOST:PORT/PATH`, without the token).
        url: String,
        /// The status code.
        status: u16,
        /// The start of the body, as text (it often says why).
        body: String,
    },
    /// The HTTP exchange itself failed (malformed response, connection reset, a body over
    /// the size limit…).
    Transport {
        /// What was asked for.
        url: String,
        /// What went wrong.
        source: Cause,
    },
    /// The Room's `config.json` (or an address given to the client) is not usable: not JSON,
    /// no `config.websocket.port`, not a URL. The text names the file or the address.
    Config(String),
    /// The WebSocket could not be opened: the TCP connection or the handshake failed.
    WebSocket {
        /// The WebSocket URL, and where its port came from.
        address: String,
        /// What went wrong.
        source: Cause,
    },
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
    /// A request is larger than [`super::ClientBuilder::max_request_size`]; it was not sent.
    RequestTooLarge {
        /// The command.
        method: String,
        /// Its size as JSON, in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Nothing came in time while the connection was up: a response the Room did not send, a
    /// handshake it did not finish, an HTTP reply.
    Timeout {
        /// What was awaited, and from which address.
        waiting_for: String,
        /// How long it was awaited.
        after: Duration,
    },
    /// The request was sent, then the connection was lost before its response came (the Room
    /// closed it, the network failed, a frame broke a limit). It is not sent again: the Room
    /// may or may not have carried it out.
    ConnectionLost {
        /// The WebSocket URL, and where its port came from.
        address: String,
        /// What ended the connection.
        reason: String,
    },
    /// The Room sent nothing at all — no message, no pong — for longer than the liveness
    /// deadline ([`super::Heartbeat`]), so the connection was dropped as dead. The request
    /// was sent and may or may not have been carried out.
    Unresponsive {
        /// The WebSocket URL, and where its port came from.
        address: String,
        /// How long the Room had been silent.
        silent_for: Duration,
    },
    /// The request waited for a connection that did not come back in time: the client was
    /// reconnecting (the request was never sent).
    NotConnected {
        /// Where the connection stood when the request gave up.
        status: ConnectionStatus,
        /// Why the last attempt to connect failed, when one has.
        last_error: Option<Arc<Error>>,
    },
    /// [`super::ClientBuilder::connect`] gave up: with reconnecting on, no attempt succeeded
    /// before the connect deadline or the policy's last attempt.
    Unreachable {
        /// The Room as configured, and where its WebSocket port is read from.
        target: String,
        /// How many attempts were made.
        attempts: u32,
        /// How long it tried.
        after: Duration,
        /// Why the last attempt failed, when one finished.
        last_error: Option<Arc<Error>>,
    },
    /// The client is closed ([`super::Client::close`], or the connection was lost and is not
    /// coming back). A request made afterwards was not sent; one still waiting when the client
    /// closed may have been.
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

    /// A WebSocket error at `address`, with tungstenite's error reduced to the cause a person
    /// can act on (tungstenite's own wrappers repeat their cause's text).
    pub(crate) fn websocket(address: &str, error: tungstenite::Error) -> Self {
        Error::WebSocket {
            address: address.to_string(),
            source: websocket_cause(error),
        }
    }
}

/// tungstenite's error as a cause whose text is not repeated down its chain: the wrapped
/// I/O, capacity or protocol error itself, or a text for the rest.
pub(crate) fn websocket_cause(error: tungstenite::Error) -> Cause {
    use tungstenite::Error as WsError;
    match error {
        WsError::Io(error) => Box::new(error),
        WsError::Capacity(error) => Box::new(error),
        WsError::Protocol(error) if std::error::Error::source(&error).is_none() => Box::new(error),
        WsError::Http(response) => {
            let status = response.status();
            let body = response
                .body()
                .as_deref()
                .map(|body| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
                .unwrap_or_default();
            let text = if body.is_empty() {
                format!("the server answered HTTP {status} instead of switching protocols")
            } else {
                format!("the server answered HTTP {status} instead of switching protocols: {body}")
            };
            Box::new(Text(text))
        }
        other => Box::new(Text(without_repeats(&other))),
    }
}

/// An error's text followed by the text of each cause that it does not already contain.
pub(crate) fn without_repeats(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let next_text = next.to_string();
        if !text.contains(&next_text) {
            text.push_str(": ");
            text.push_str(&next_text);
        }
        cause = next.source();
    }
    text
}

/// A cause known only by its text.
#[derive(Debug)]
struct Text(String);

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Text {}

/// With `{:#}`, the causes after the error's own text, each after ": ".
fn write_causes(f: &mut fmt::Formatter<'_>, error: &dyn std::error::Error) -> fmt::Result {
    if f.alternate() {
        let mut cause = error.source();
        while let Some(next) = cause {
            write!(f, ": {next}")?;
            cause = next.source();
        }
    }
    Ok(())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { address, .. } => write!(f, "cannot connect to {address}")?,
            Error::Http { url, status, body } if body.is_empty() => {
                write!(f, "HTTP status {status} for {url}")?
            }
            Error::Http { url, status, body } => {
                write!(f, "HTTP status {status} for {url}: {body}")?
            }
            Error::Transport { url, .. } => write!(f, "the HTTP exchange with {url} failed")?,
            Error::Config(problem) => write!(f, "bad Room configuration: {problem}")?,
            Error::WebSocket { address, .. } => write!(f, "cannot open the WebSocket {address}")?,
            Error::Auth {
                error: Some(error),
                result_code: Some(code),
            } => write!(f, "authorization refused: {error} (resultCode {code})")?,
            Error::Auth {
                error: Some(error),
                result_code: None,
            } => write!(f, "authorization refused: {error}")?,
            Error::Auth {
                error: None,
                result_code: Some(code),
            } => write!(f, "authorization refused (resultCode {code})")?,
            Error::Auth {
                error: None,
                result_code: None,
            } => f.write_str("authorization refused (the Room gave no reason)")?,
            // These two wrap an error whose text says it all: they show that text, and hand
            // on its causes (none today), rather than repeat it.
            Error::Failed(failed) => fmt::Display::fmt(failed, f)?,
            Error::Decode(error) => fmt::Display::fmt(error, f)?,
            Error::Encode(_) => f.write_str("cannot encode the request")?,
            Error::RequestTooLarge {
                method,
                size,
                limit,
            } => write!(
                f,
                "the `{method}` request is {size} bytes, over the {limit}-byte limit; not sent"
            )?,
            Error::Timeout { waiting_for, after } => {
                write!(f, "no {waiting_for} within {after:?}")?
            }
            Error::ConnectionLost { address, reason } => {
                write!(f, "lost the connection to {address}: {reason}")?
            }
            Error::Unresponsive {
                address,
                silent_for,
            } => write!(
                f,
                "the Room at {address} sent nothing for {silent_for:?} (past the liveness \
                 deadline); the connection was dropped"
            )?,
            Error::NotConnected { status, .. } => match status {
                ConnectionStatus::Reconnecting { attempt } => write!(
                    f,
                    "not connected to the Room: reconnecting (attempt {attempt}); the request \
                     was not sent"
                )?,
                other => write!(
                    f,
                    "not connected to the Room ({other:?}); the request was not sent"
                )?,
            },
            Error::Unreachable {
                target,
                attempts,
                after,
                ..
            } => write!(
                f,
                "could not connect to the Room at {target}: {attempts} attempt(s) in {after:?}"
            )?,
            Error::Closed => f.write_str("the client is closed")?,
        }
        write_causes(f, self)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Transport { source, .. } | Error::WebSocket { source, .. } => {
                Some(source.as_ref())
            }
            // Transparent: the wrapped error's own text is this error's text.
            Error::Failed(failed) => std::error::Error::source(failed),
            Error::Decode(error) => std::error::Error::source(error),
            Error::Encode(error) => Some(error),
            Error::NotConnected { last_error, .. } | Error::Unreachable { last_error, .. } => {
                last_error
                    .as_deref()
                    .map(|error| error as &(dyn std::error::Error + 'static))
            }
            _ => None,
        }
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
                write!(f, "{count} notifications dropped: the consumer fell behind")?
            }
            // Transparent: the decode error names the notification and the field.
            StreamError::Decode(error) => fmt::Display::fmt(error, f)?,
            StreamError::Garbage { frame, .. } => {
                write!(f, "a frame that is not a message ({} bytes)", frame.len())?
            }
        }
        write_causes(f, self)
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Decode(error) => std::error::Error::source(error),
            StreamError::Garbage { error, .. } => Some(error.as_ref()),
            StreamError::Lagged(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No error in a chain repeats the text of the error after it.
    fn assert_no_repeats(error: &(dyn std::error::Error + 'static)) {
        let mut current = error;
        while let Some(next) = current.source() {
            let (outer, inner) = (current.to_string(), next.to_string());
            assert!(
                !outer.contains(&inner),
                "{outer:?} repeats its cause {inner:?}"
            );
            current = next;
        }
    }

    #[test]
    fn websocket_errors_keep_the_cause_a_person_can_act_on_once() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let error = Error::websocket(
            "ws://10.0.0.5:8765 (port from http://10.0.0.5:80/public/default/config.json)",
            tungstenite::Error::Io(refused),
        );
        assert_no_repeats(&error);
        assert_eq!(
            error.to_string(),
            "cannot open the WebSocket ws://10.0.0.5:8765 (port from \
             http://10.0.0.5:80/public/default/config.json)"
        );
        assert!(format!("{error:#}").ends_with(": refused"), "{error:#}");
        let capacity = Error::websocket(
            "ws://h:1",
            tungstenite::Error::Capacity(tungstenite::error::CapacityError::MessageTooLong {
                size: 10,
                max_size: 5,
            }),
        );
        assert_no_repeats(&capacity);
        assert!(format!("{capacity:#}").contains("10 > 5"), "{capacity:#}");
    }

    #[test]
    fn wrappers_do_not_repeat_their_causes() {
        let decode = crate::from_slice::<crate::notifications::AppStateChanged>(b"{").unwrap_err();
        let errors = [
            Error::Decode(decode.clone()),
            Error::Encode(serde_json::from_str::<u8>("x").unwrap_err()),
            Error::NotConnected {
                status: ConnectionStatus::Reconnecting { attempt: 2 },
                last_error: Some(Arc::new(Error::Io {
                    address: "http://h:1/public/default/config.json".into(),
                    source: std::io::Error::other("down"),
                })),
            },
        ];
        for error in &errors {
            assert_no_repeats(error);
        }
        assert_no_repeats(&StreamError::Decode(decode.clone()));
        assert_no_repeats(&StreamError::Garbage {
            error: Box::new(decode),
            frame: bytes::Bytes::from_static(b"{"),
        });
        assert_eq!(
            format!("{:#}", errors[2]),
            "not connected to the Room: reconnecting (attempt 2); the request was not sent: \
             cannot connect to http://h:1/public/default/config.json: down"
        );
    }
}
