//! Decoding any message: route by name ([`crate::route`]), then decode once, straight into the
//! typed message. Errors are located (field path) only when they happen, so the fast path pays
//! nothing for it.

use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::DecodeError;
use crate::meta::Direction;
use crate::route;
use crate::{AnyNotification, AnyResponse, ClientMessage};

/// Decodes `json` as `T`; on failure, decodes again with path tracking to name the field.
pub fn decode<T: DeserializeOwned>(
    json: &[u8],
    direction: Direction,
    name: &str,
) -> Result<T, DecodeError> {
    serde_json::from_slice(json)
        .map_err(|error| locate::<T>(json, &error).in_message(direction, name))
}

/// Finds the path of the error `T` hits in `json` (a second, slower pass).
pub(crate) fn locate<T: DeserializeOwned>(json: &[u8], error: &serde_json::Error) -> DecodeError {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(tracked) => {
            let path = tracked.path().to_string();
            if path == "." {
                String::new()
            } else {
                path
            }
        }
        Ok(_) => String::new(),
    };
    DecodeError::from_json(error, path)
}

/// A message whose name the definitions do not know, kept as the raw JSON it arrived as.
#[derive(Debug, Clone)]
pub struct UnknownMessage {
    direction: Direction,
    name: String,
    raw: Box<RawValue>,
}

impl UnknownMessage {
    /// Keeps `json` (which must be valid JSON) as an unknown message called `name`.
    pub fn decode(name: &str, json: &[u8], direction: Direction) -> Result<Self, DecodeError> {
        let raw: Box<RawValue> = decode(json, direction, name)?;
        Ok(Self {
            direction,
            name: name.to_string(),
            raw,
        })
    }

    /// The `method` (requests, responses) or `event` (notifications).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Request, response or notification.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The message exactly as received.
    pub fn raw(&self) -> &RawValue {
        &self.raw
    }

    /// The message as a `serde_json::Value`, to look inside it.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.raw.get()).unwrap_or(serde_json::Value::Null)
    }
}

impl PartialEq for UnknownMessage {
    fn eq(&self, other: &Self) -> bool {
        self.direction == other.direction
            && self.name == other.name
            && self.raw.get() == other.raw.get()
    }
}

impl Serialize for UnknownMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

/// Any server→client message: a response to a command, or a notification.
///
/// ```
/// use trueconf_api::{AnyNotification, ServerMessage};
/// let message = ServerMessage::from_str(
///     r#"{"method": "event", "event": "fileTransferAvailabilityChanged", "availability": 3}"#,
/// )?;
/// assert!(matches!(
///     message,
///     ServerMessage::Notification(AnyNotification::FileTransferAvailabilityChanged(_))
/// ));
/// # Ok::<(), trueconf_api::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    /// A response: `method` names the command it answers.
    Response(AnyResponse),
    /// A notification: `"method": "event"`, `event` names it.
    Notification(AnyNotification),
}

impl ServerMessage {
    /// Decodes any server→client message from JSON bytes, whatever the order of its keys.
    ///
    /// `"method": "event"` makes it a notification named by `event`; any other `method` a
    /// response. An unknown name gives the `Unknown` variant with the raw JSON; a known name
    /// with a bad payload is an error naming the field.
    pub fn from_slice(json: &[u8]) -> Result<Self, DecodeError> {
        let (method, event) = route::server_route(json)?;
        match event {
            Some(event) if method == "event" => {
                AnyNotification::decode_named(&event, json).map(ServerMessage::Notification)
            }
            _ => AnyResponse::decode_named(&method, json).map(ServerMessage::Response),
        }
    }

    /// Decodes any server→client message from a JSON string (see [`ServerMessage::from_slice`]).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(json: &str) -> Result<Self, DecodeError> {
        Self::from_slice(json.as_bytes())
    }

    /// Response or notification.
    pub fn direction(&self) -> Direction {
        match self {
            ServerMessage::Response(_) => Direction::Response,
            ServerMessage::Notification(_) => Direction::Notification,
        }
    }

    /// The `method` of a response or the `event` of a notification.
    pub fn name(&self) -> &str {
        match self {
            ServerMessage::Response(response) => response.method(),
            ServerMessage::Notification(notification) => notification.event(),
        }
    }

    /// True when the name was not known to the definitions (the message is kept raw).
    pub fn is_unknown(&self) -> bool {
        match self {
            ServerMessage::Response(response) => response.is_unknown(),
            ServerMessage::Notification(notification) => notification.is_unknown(),
        }
    }
}

impl FromStr for ServerMessage {
    type Err = DecodeError;
    fn from_str(json: &str) -> Result<Self, DecodeError> {
        Self::from_slice(json.as_bytes())
    }
}

impl Serialize for ServerMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ServerMessage::Response(response) => response.serialize(serializer),
            ServerMessage::Notification(notification) => notification.serialize(serializer),
        }
    }
}

impl ClientMessage {
    /// Decodes any client→server request from JSON bytes, whatever the order of its keys.
    pub fn from_slice(json: &[u8]) -> Result<Self, DecodeError> {
        let method = route::request_method(json)?;
        Self::decode_named(&method, json)
    }

    /// Decodes any client→server request from a JSON string.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(json: &str) -> Result<Self, DecodeError> {
        Self::from_slice(json.as_bytes())
    }
}

impl FromStr for ClientMessage {
    type Err = DecodeError;
    fn from_str(json: &str) -> Result<Self, DecodeError> {
        Self::from_slice(json.as_bytes())
    }
}
