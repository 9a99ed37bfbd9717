//! The one error type of decoding: what went wrong, in which message, at which field path.

use std::fmt;

use crate::meta::Direction;
use crate::raw::RawMessage;

/// What kind of problem stopped decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// Not JSON at all (bad syntax, invalid UTF-8, trailing characters).
    Syntax,
    /// The input ended in the middle of a value.
    Eof,
    /// Valid JSON, but not the shape the message needs (wrong type, missing field, bad value).
    Data,
}

/// A message could not be decoded.
///
/// `Display` gives one line: the message kind and name when known, the field path, the
/// problem and its position — for example
/// `response getFileTransferHistory: filesRequests[0].fileSize: invalid type: string "big", expected u64 (line 1, column 120)`.
///
/// Once the message's name was read, the error also keeps the whole message
/// ([`DecodeError::raw_message`]), so a message that fails to decode is never lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    direction: Option<Direction>,
    name: Option<String>,
    path: String,
    message: String,
    line: usize,
    column: usize,
    // Boxed: errors are rare, and a small error keeps `Result` small on the hot path.
    raw: Option<Box<RawMessage>>,
}

impl DecodeError {
    /// Builds the error from serde_json's, with the field path found for it.
    pub(crate) fn from_json(error: &serde_json::Error, path: String) -> Self {
        let kind = match error.classify() {
            serde_json::error::Category::Syntax => DecodeErrorKind::Syntax,
            serde_json::error::Category::Eof => DecodeErrorKind::Eof,
            serde_json::error::Category::Data | serde_json::error::Category::Io => {
                DecodeErrorKind::Data
            }
        };
        let (line, column) = (error.line(), error.column());
        let full = error.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
        // serde names a missing field only in the message; the path points at its object.
        let path = match missing_field(&message) {
            Some(field) if path.is_empty() => field.to_string(),
            Some(field) => format!("{path}.{field}"),
            None => path,
        };
        Self {
            kind,
            direction: None,
            name: None,
            path,
            message,
            line,
            column,
            raw: None,
        }
    }

    /// An error about the message as a whole (no field path, no position).
    pub(crate) fn data(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: DecodeErrorKind::Data,
            direction: None,
            name: None,
            path: path.into(),
            message: message.into(),
            line: 0,
            column: 0,
            raw: None,
        }
    }

    /// Adds which message was being decoded.
    pub(crate) fn in_message(mut self, direction: Direction, name: &str) -> Self {
        self.direction = Some(direction);
        self.name = Some(name.to_string());
        self
    }

    /// Keeps the message that failed.
    pub(crate) fn with_raw(mut self, raw: RawMessage) -> Self {
        self.raw = Some(Box::new(raw));
        self
    }

    /// The whole message that failed, with its name and direction, exactly as received:
    /// `Some` whenever the message's name was read (a known name with a bad payload, an
    /// unknown name whose JSON is broken), `None` when not even the name could be read.
    ///
    /// ```
    /// use trueconf_api::{Direction, ServerMessage};
    /// // appStateChanged without the `appState` the docs state for every state of the Room:
    /// let json = r#"{"method":"event","event":"appStateChanged","embeddedHttpPort":8766}"#;
    /// let error = ServerMessage::from_str(json).expect_err("appState is required");
    /// let raw = error.raw_message().expect("the name was read");
    /// assert_eq!((raw.direction(), raw.name()), (Direction::Notification, "appStateChanged"));
    /// assert_eq!(raw.as_bytes(), json.as_bytes());
    /// ```
    pub fn raw_message(&self) -> Option<&RawMessage> {
        self.raw.as_deref()
    }

    /// The whole message that failed, taken out of the error (see [`DecodeError::raw_message`]).
    pub fn into_raw_message(self) -> Option<RawMessage> {
        self.raw.map(|raw| *raw)
    }

    /// Syntax, end of input, or data.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// Request, response or notification, once the message was routed.
    pub fn direction(&self) -> Option<Direction> {
        self.direction
    }

    /// The `method` / `event` of the message, once it was routed.
    pub fn message_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Path of the offending field (`filesRequests[0].fileSize`); empty for the message itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 1-based line of the problem in the input (0 when not known).
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column of the problem in the input (0 when not known).
    pub fn column(&self) -> usize {
        self.column
    }
}

fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.direction, &self.name) {
            (Some(direction), Some(name)) => write!(f, "{direction} {name}: ")?,
            (None, Some(name)) => write!(f, "{name}: ")?,
            _ => {}
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if self.line > 0 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}
