//! Decoding any message: route by name ([`crate::route`]), then decode once, straight into the
//! typed message. Errors are located (field path) only when they happen, so the fast path pays
//! nothing for it.

use std::str::FromStr;

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Serialize, Serializer};

use crate::envelope::{Command, Notification, Request, Response};
use crate::error::DecodeError;
use crate::meta::Direction;
use crate::raw::RawMessage;
use crate::route;
use crate::wire::{self, FieldKey, Key};
use crate::{AnyNotification, AnyResponse, ClientMessage};

/// Decodes `json` as `T`; on failure, decodes again with path tracking to name the field, and
/// keeps the whole message in the error.
#[inline]
pub fn decode<T: DeserializeOwned>(
    json: &[u8],
    direction: Direction,
    name: &str,
) -> Result<T, DecodeError> {
    serde_json::from_slice(json).map_err(|error| failed::<T>(json, &error, direction, name))
}

/// The error for a message named `name` that `T` could not decode: located, named, and
/// holding the message itself. Kept out of line: only failures pay for it.
#[cold]
#[inline(never)]
fn failed<T: DeserializeOwned>(
    json: &[u8],
    error: &serde_json::Error,
    direction: Direction,
    name: &str,
) -> DecodeError {
    locate::<T>(json, error)
        .in_message(direction, name)
        .with_raw(RawMessage::kept(direction, name, json))
}

/// A type that is one whole message on the wire: a [`Request`], a [`Response`] or a
/// notification. It knows its direction and name, so a failure to decode it still hands the
/// message over ([`DecodeError::raw_message`]).
pub trait TypedMessage: DeserializeOwned {
    /// Request, response or notification.
    const DIRECTION: Direction;
    /// Its `method` or `event`.
    const NAME: &'static str;
}

impl<C: Command> TypedMessage for Request<C> {
    const DIRECTION: Direction = Direction::Request;
    const NAME: &'static str = C::METHOD;
}

impl<C: Command> TypedMessage for Response<C> {
    const DIRECTION: Direction = Direction::Response;
    const NAME: &'static str = C::METHOD;
}

impl<N: Notification> TypedMessage for N {
    const DIRECTION: Direction = Direction::Notification;
    const NAME: &'static str = N::EVENT;
}

/// Decodes one message whose type is known (a [`Request`], [`Response`] or notification), by
/// the same fast path [`ServerMessage::from_slice`] uses; an error names the field path and
/// keeps the message ([`DecodeError::raw_message`]).
///
/// ```
/// use trueconf_api::notifications::FileTransferAvailabilityChanged;
/// use trueconf_api::types::FileTransferAvailability;
/// let event: FileTransferAvailabilityChanged = trueconf_api::from_slice(
///     br#"{"method": "event", "event": "fileTransferAvailabilityChanged", "availability": 3}"#,
/// )?;
/// assert_eq!(event.availability, FileTransferAvailability::Available);
/// # Ok::<(), trueconf_api::DecodeError>(())
/// ```
pub fn from_slice<T: TypedMessage>(json: &[u8]) -> Result<T, DecodeError> {
    wire::with_raw_keys(|| serde_json::from_slice(json))
        .map_err(|error| failed::<T>(json, &error, T::DIRECTION, T::NAME))
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

/// The one-pass path for the common case: `method` (then `event`) are the first keys and the
/// name is typed, so the rest of the object is read straight into the typed message while
/// parsing, with no second look at the bytes. `false` for anything else — other key orders,
/// unknown names, errors — which the general path then handles (and locates errors for).
///
/// The visitor stores the message in the caller's slot rather than returning it, so the
/// message is built in place once instead of being moved out through every layer of
/// serde_json; the slot counts only when this returns `true`.
fn fast_path<'de, V: Visitor<'de, Value = ()>>(json: &'de [u8], visitor: V) -> bool {
    wire::with_raw_keys(|| {
        let mut deserializer = serde_json::Deserializer::from_slice(json);
        (&mut deserializer).deserialize_map(visitor).is_ok() && deserializer.end().is_ok()
    })
}

/// The fast path gives up; the message goes the general way.
fn not_fast<E: de::Error>() -> E {
    E::custom("not on the one-pass path")
}

/// Reads the next key and checks it is `expected`.
fn key_is<'de, A: MapAccess<'de>>(map: &mut A, expected: &[u8]) -> Result<bool, A::Error> {
    Ok(map
        .next_key::<FieldKey<'de>>()?
        .is_some_and(|key| key.as_bytes() == expected))
}

/// The one-pass visitor for server messages; the message goes into the slot.
struct ServerFastPath<'s>(&'s mut Option<ServerMessage>);

impl<'de> Visitor<'de> for ServerFastPath<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TrueConf server message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if !key_is(&mut map, b"method")? {
            return Err(not_fast());
        }
        let method: Key<'de> = map.next_value()?;
        let typed = if method.as_str() == "event" {
            if !key_is(&mut map, b"event")? {
                return Err(not_fast());
            }
            let event: Key<'de> = map.next_value()?;
            let name = event.as_str().as_bytes();
            AnyNotification::continue_named(name, map, self.0, ServerMessage::Notification)?
        } else {
            let name = method.as_str().as_bytes();
            AnyResponse::continue_named(name, map, self.0, ServerMessage::Response)?
        };
        if typed {
            Ok(())
        } else {
            Err(not_fast())
        }
    }
}

/// The one-pass visitor for requests; the request goes into the slot.
struct ClientFastPath<'s>(&'s mut Option<ClientMessage>);

impl<'de> Visitor<'de> for ClientFastPath<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TrueConf request")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if !key_is(&mut map, b"method")? {
            return Err(not_fast());
        }
        let method: Key<'de> = map.next_value()?;
        let name = method.as_str().as_bytes();
        if ClientMessage::continue_named(name, map, self.0, |request| request)? {
            Ok(())
        } else {
            Err(not_fast())
        }
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
        let mut slot = None;
        if fast_path(json, ServerFastPath(&mut slot)) {
            if let Some(message) = slot {
                return Ok(message);
            }
        }
        Self::from_slice_routed(json)
    }

    /// The general path: find the names in any key order, decode, and on failure locate the
    /// error. The fast path hands every message it cannot take here.
    fn from_slice_routed(json: &[u8]) -> Result<Self, DecodeError> {
        let (method, event) = route::server_route(json)?;
        match event {
            Some(event) if *method == *b"event" => {
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

    /// True when the name was not known to the definitions at all (the message is kept raw).
    pub fn is_unknown(&self) -> bool {
        match self {
            ServerMessage::Response(response) => response.is_unknown(),
            ServerMessage::Notification(notification) => notification.is_unknown(),
        }
    }

    /// True for a name the definitions know of but do not type yet (the message is kept raw).
    pub fn is_untyped(&self) -> bool {
        match self {
            ServerMessage::Response(response) => response.is_untyped(),
            ServerMessage::Notification(notification) => notification.is_untyped(),
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
        let mut slot = None;
        if fast_path(json, ClientFastPath(&mut slot)) {
            if let Some(request) = slot {
                return Ok(request);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRESS: &str = r#"{"method":"event","event":"outgoingFileRequestUploadingProgress","fileSize":80488954,"processedPercents":100,"fileRequestId":"f0b","fileName":"777.zip","timestamp":1659289349,"fileId":526755919}"#;

    #[test]
    fn the_one_pass_path_takes_messages_in_documented_order() {
        let mut fast = None;
        assert!(fast_path(PROGRESS.as_bytes(), ServerFastPath(&mut fast)));
        assert!(fast.is_some());
        assert_eq!(
            fast,
            ServerMessage::from_slice_routed(PROGRESS.as_bytes()).ok()
        );
        let request = br#"{"method":"sendFile","requestId":"1","fileId":1,"callId":"a@b"}"#;
        let mut slot = None;
        assert!(fast_path(request, ClientFastPath(&mut slot)) && slot.is_some());
    }

    #[test]
    fn the_one_pass_path_hands_everything_else_to_the_general_path() {
        let reordered =
            r#"{"event":"fileTransferAvailabilityChanged","method":"event","availability":3}"#;
        let unknown = r#"{"method":"event","event":"somethingNew"}"#;
        let broken = r#"{"method":"getFileList","result":true,"fileList":[{"fileId":1}]}"#;
        let trailing =
            r#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3} x"#;
        for json in [reordered, unknown, broken, trailing] {
            let mut slot = None;
            assert!(
                !fast_path(json.as_bytes(), ServerFastPath(&mut slot)),
                "{json}"
            );
        }
        assert!(ServerMessage::from_str(reordered).is_ok());
        assert!(ServerMessage::from_str(unknown)
            .expect("decodes")
            .is_unknown());
        assert_eq!(
            ServerMessage::from_str(broken).expect_err("bad").path(),
            "fileList[0].fileId"
        );
        assert!(ServerMessage::from_str(trailing).is_err());
    }
}
