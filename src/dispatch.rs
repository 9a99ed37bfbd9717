//! Decoding any message: route by name ([`crate::route`]), then decode once, straight into the
//! typed message. An error's field path is noted by the decoder as the error passes out of
//! each object and array, so a successful decode pays nothing for it and a failed one needs no
//! second pass.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::envelope::{Command, Notification, Request, Response};
use crate::error::DecodeError;
use crate::meta::Direction;
use crate::raw::RawMessage;
use crate::route;
use crate::wire::{self, FieldKey};

/// Decodes `json` as `T`; on failure, the error names the field path (noted by the decoder on
/// the way out, see `wire::note_key`) and keeps the whole message.
#[inline]
pub fn decode<T: DeserializeOwned>(
    json: &[u8],
    direction: Direction,
    name: &str,
) -> Result<T, DecodeError> {
    decode_seed(json, PhantomData::<T>, direction, name)
}

/// [`decode`] through a [`DeserializeSeed`]: the whole of `json` (nothing but whitespace after
/// the value) read by `seed`, and on failure the located, named error that keeps the message.
/// The generated types come here through `PhantomData<T>`; the run-time folder decoder (the
/// `folder` module, which uses this one) with its own seeds, so the two report failures alike.
#[inline]
pub(crate) fn decode_seed<'de, S: DeserializeSeed<'de>>(
    json: &'de [u8],
    seed: S,
    direction: Direction,
    name: &str,
) -> Result<S::Value, DecodeError> {
    wire::clear_error_path();
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    seed.deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| failed(json, &error, direction, name))
}

/// The error for a message named `name` that could not be decoded: located, named, and
/// holding the message itself. Kept out of line, and not generic: only failures pay for it,
/// once.
#[cold]
#[inline(never)]
fn failed(json: &[u8], error: &serde_json::Error, direction: Direction, name: &str) -> DecodeError {
    located(error)
        .in_message(direction, name)
        .with_raw(RawMessage::kept(direction, name, json))
}

/// serde_json's error with the field path the decoder noted while the error passed through.
fn located(error: &serde_json::Error) -> DecodeError {
    DecodeError::from_json(error, wire::take_error_path())
}

/// Keeps `json` (which must be valid JSON) as the message named `name` that the definitions
/// do not type (the `Untyped` and `Unknown` variants); a name that is not UTF-8, or bytes that
/// are not JSON, are an error (which still keeps the bytes once the name was read).
pub fn keep_raw(name: &[u8], json: &[u8], direction: Direction) -> Result<RawMessage, DecodeError> {
    let name = std::str::from_utf8(name)
        .map_err(|_| DecodeError::data(direction.name_key(), "the name is not valid UTF-8"))?;
    let raw: Box<serde_json::value::RawValue> = decode(json, direction, name)?;
    Ok(RawMessage::json_message(direction, name, raw))
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
/// the same fast path [`ServerMessage::from_slice`](crate::ServerMessage::from_slice) uses; an error names the field path and
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
    // Raw keys are checked only where they matter (see `wire::skip_unknown`), so a failure is
    // decoded again with string keys: the error is serde_json's own, as on the general path.
    wire::with_raw_keys(|| serde_json::from_slice(json)).or_else(|_| decode_again::<T>(json))
}

/// The string-key decode of a message the raw-key pass rejected. Kept out of line: only
/// failures pay for it.
#[cold]
#[inline(never)]
fn decode_again<T: TypedMessage>(json: &[u8]) -> Result<T, DecodeError> {
    decode::<T>(json, T::DIRECTION, T::NAME)
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

/// A generated dispatch enum (`AnyResponse`, `AnyNotification`, `ClientMessage`): decodes the
/// message of one direction by its name.
pub trait NamedMessages: Sized {
    /// Decodes the message named `name` from `json` (the routing is done by the caller); an
    /// unknown name is kept raw.
    fn decode_named(name: &[u8], json: &[u8]) -> Result<Self, DecodeError>;

    /// Reads the rest of the message named `name` from a map whose names were already read
    /// (the one-pass dispatch) and stores it, wrapped by `wrap`, in `slot`; `false` for a name
    /// the definitions do not type. Writing into the caller's slot builds the (large) message
    /// once instead of moving it out through every layer.
    fn continue_named<'de, A: MapAccess<'de>, T>(
        name: &[u8],
        map: A,
        slot: &mut Option<T>,
        wrap: impl FnOnce(Self) -> T,
    ) -> Result<bool, A::Error>;
}

/// The one-pass visitor for server messages; the message goes into the slot, wrapped by
/// `response` or `notification` (the generated enum's variant constructors: as type
/// parameters rather than `fn` pointers, they are called directly and inlined, so the large
/// message is built in the slot instead of being passed by pointer to an out-of-line
/// constructor and copied).
struct ServerFastPath<'s, S, R, N, FR, FN> {
    slot: &'s mut Option<S>,
    response: FR,
    notification: FN,
    messages: PhantomData<fn(R, N)>,
}

impl<'de, S, R, N, FR, FN> Visitor<'de> for ServerFastPath<'_, S, R, N, FR, FN>
where
    R: NamedMessages,
    N: NamedMessages,
    FR: FnOnce(R) -> S,
    FN: FnOnce(N) -> S,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TrueConf server message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if !key_is(&mut map, b"method")? {
            return Err(not_fast());
        }
        // The names are read like keys (raw bytes, no UTF-8 check): only a name the
        // definitions type (ASCII) is taken here, anything else goes the general way.
        let method: FieldKey<'de> = map.next_value()?;
        let typed = if method.as_bytes() == b"event" {
            if !key_is(&mut map, b"event")? {
                return Err(not_fast());
            }
            let event: FieldKey<'de> = map.next_value()?;
            N::continue_named(event.as_bytes(), map, self.slot, self.notification)?
        } else {
            R::continue_named(method.as_bytes(), map, self.slot, self.response)?
        };
        if typed {
            Ok(())
        } else {
            Err(not_fast())
        }
    }
}

/// The one-pass visitor for requests; the request goes into the slot.
struct ClientFastPath<'s, C>(&'s mut Option<C>);

impl<'de, C: NamedMessages> Visitor<'de> for ClientFastPath<'_, C> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TrueConf request")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if !key_is(&mut map, b"method")? {
            return Err(not_fast());
        }
        let method: FieldKey<'de> = map.next_value()?;
        if C::continue_named(method.as_bytes(), map, self.0, |request| request)? {
            Ok(())
        } else {
            Err(not_fast())
        }
    }
}

/// Decodes any server→client message, whatever the order of its keys: `"method": "event"`
/// makes it a notification of `N` named by `event`, any other `method` a response of `R`. The
/// generated `ServerMessage::from_slice` calls this with its two variants.
pub fn server_from_slice<S, R: NamedMessages, N: NamedMessages>(
    json: &[u8],
    response: impl Fn(R) -> S + Copy,
    notification: impl Fn(N) -> S + Copy,
) -> Result<S, DecodeError> {
    let mut slot = None;
    let visitor = ServerFastPath {
        slot: &mut slot,
        response,
        notification,
        messages: PhantomData,
    };
    if fast_path(json, visitor) {
        if let Some(message) = slot {
            return Ok(message);
        }
    }
    server_from_slice_routed(json, response, notification)
}

/// The general path: find the names in any key order, decode, and on failure locate the
/// error. The fast path hands every message it cannot take here.
fn server_from_slice_routed<S, R: NamedMessages, N: NamedMessages>(
    json: &[u8],
    response: impl FnOnce(R) -> S,
    notification: impl FnOnce(N) -> S,
) -> Result<S, DecodeError> {
    match route::server_message(json)? {
        (Direction::Notification, event) => N::decode_named(&event, json).map(notification),
        (_, method) => R::decode_named(&method, json).map(response),
    }
}

/// Decodes any client→server request, whatever the order of its keys (the generated
/// `ClientMessage::from_slice`).
pub fn client_from_slice<C: NamedMessages>(json: &[u8]) -> Result<C, DecodeError> {
    let mut slot = None;
    if fast_path(json, ClientFastPath(&mut slot)) {
        if let Some(request) = slot {
            return Ok(request);
        }
    }
    let method = route::request_method(json)?;
    C::decode_named(&method, json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AnyNotification, AnyResponse, ClientMessage, ServerMessage};

    fn server_fast(json: &[u8], slot: &mut Option<ServerMessage>) -> bool {
        fast_path(
            json,
            ServerFastPath {
                slot,
                response: ServerMessage::Response,
                notification: ServerMessage::Notification,
                messages: PhantomData,
            },
        )
    }

    const PROGRESS: &str = r#"{"method":"event","event":"outgoingFileRequestUploadingProgress","fileSize":80488954,"processedPercents":100,"fileRequestId":"f0b","fileName":"777.zip","timestamp":1659289349,"fileId":526755919}"#;

    #[test]
    fn the_one_pass_path_takes_messages_in_documented_order() {
        let mut fast = None;
        assert!(server_fast(PROGRESS.as_bytes(), &mut fast));
        assert!(fast.is_some());
        assert_eq!(
            fast,
            server_from_slice_routed::<_, AnyResponse, AnyNotification>(
                PROGRESS.as_bytes(),
                ServerMessage::Response,
                ServerMessage::Notification
            )
            .ok()
        );
        let request = br#"{"method":"sendFile","requestId":"1","fileId":1,"callId":"a@b"}"#;
        let mut slot: Option<ClientMessage> = None;
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
            assert!(!server_fast(json.as_bytes(), &mut slot), "{json}");
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
