//! The envelopes around every message: a request's `method` and `requestId`, a response's
//! `result` and `error`, a notification's `"method": "event"`; and the traits that tie each
//! request type to its response type and wire name.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::meta::MessageInfo;
use crate::wire::{self, collect_fields, expect_name, next_once, Fields, PartialFields};

/// A command: the parameters of one request type, tied to its wire name and response type.
///
/// ```
/// use trueconf_api::{commands::GetFileList, Command};
/// assert_eq!(GetFileList::METHOD, "getFileList");
/// // The response type is fixed by the request type:
/// fn files(response: <GetFileList as Command>::Response) -> usize { response.file_list.len() }
/// ```
pub trait Command: Fields + fmt::Debug + Clone + PartialEq + Send + Sync + 'static {
    /// The `method` on the wire.
    const METHOD: &'static str;
    /// Facts about the command from its definition.
    const INFO: &'static MessageInfo;
    /// The fields of a successful response.
    type Response: Fields + fmt::Debug + Clone + PartialEq + Send + Sync + 'static;

    /// Wraps the parameters in a request without a `requestId`.
    fn into_request(self) -> Request<Self> {
        Request::new(self)
    }
}

/// A notification type: the whole `"method": "event"` message, tied to its `event` name.
pub trait Notification:
    Fields
    + Serialize
    + for<'de> Deserialize<'de>
    + fmt::Debug
    + Clone
    + PartialEq
    + Send
    + Sync
    + 'static
{
    /// The `event` on the wire.
    const EVENT: &'static str;
    /// Facts about the notification from its definition.
    const INFO: &'static MessageInfo;
}

/// Called once per typed message by the generated `visit_messages` (for this crate's own
/// definitions, [`crate::visit_messages`]).
pub trait MessageVisitor {
    /// Visits one command.
    fn command<C: Command>(&mut self);
    /// Visits one notification.
    fn notification<N: Notification>(&mut self);
}

/// A request on the wire: `{"method": C::METHOD, "requestId": …, …parameters}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request<C> {
    /// Identifies the request; the server echoes it in the response. Optional on the wire.
    pub request_id: Option<String>,
    /// The parameters.
    pub command: C,
}

impl<C: Command> Request<C> {
    /// A request without a `requestId`.
    pub fn new(command: C) -> Self {
        Self {
            request_id: None,
            command,
        }
    }

    /// Sets the `requestId` the response will echo.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }
}

impl<C: Command> Serialize for Request<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("method", C::METHOD)?;
        wire::serialize_entry_if(&mut map, "requestId", self.request_id.as_ref())?;
        self.command.write_fields(&mut map)?;
        map.end()
    }
}

impl<'de, C: Command> Deserialize<'de> for Request<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RequestVisitor<C>(PhantomData<C>);
        impl<'de, C: Command> Visitor<'de> for RequestVisitor<C> {
            type Value = Request<C>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a `{}` request object", C::METHOD)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Request<C>, A::Error> {
                finish_request(map, false)
            }
        }
        deserializer.deserialize_map(RequestVisitor(PhantomData))
    }
}

/// A response on the wire: `{"method": C::METHOD, "requestId": …, "result": true|false, …}`.
///
/// `result` decides the shape: `true` yields the command's payload with every required field
/// checked; `false` yields a [`Failure`] with the `error` text and whichever of the command's
/// fields the server still sent (none is required then).
#[derive(Debug, Clone, PartialEq)]
pub struct Response<C: Command> {
    /// The echoed `requestId`: absent, empty or the request's value, as the server sends it.
    pub request_id: Option<String>,
    /// The payload of a successful response, or the failure.
    pub result: Result<C::Response, Failure<C>>,
}

impl<C: Command> Response<C> {
    /// A successful response carrying `payload`.
    pub fn success(payload: C::Response) -> Self {
        Self {
            request_id: None,
            result: Ok(payload),
        }
    }

    /// A failed response with the server's error text.
    pub fn failure(error: impl Into<String>) -> Self {
        Self {
            request_id: None,
            result: Err(Failure {
                error: Some(error.into()),
                fields: Default::default(),
                command: PhantomData,
            }),
        }
    }

    /// Sets the echoed `requestId`.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// True for `"result": true`.
    pub fn is_success(&self) -> bool {
        self.result.is_ok()
    }

    /// The payload, or the failure as an error (so `?` works).
    pub fn into_result(self) -> Result<C::Response, Failure<C>> {
        self.result
    }
}

/// A failed response (`"result": false`).
pub struct Failure<C: Command> {
    /// The server's explanation (`error`). TrueConf documents it as always present on failure;
    /// `None` only if a server leaves it out.
    pub error: Option<String>,
    /// Whichever of the command's response fields came with the failure — usually none
    /// (`activateLicense` keeps its `status`).
    pub fields: <C::Response as Fields>::Partial,
    command: PhantomData<fn() -> C>,
}

impl<C: Command> Failure<C> {
    /// A failure with an error text and some of the command's fields.
    pub fn new(error: Option<String>, fields: <C::Response as Fields>::Partial) -> Self {
        Self {
            error,
            fields,
            command: PhantomData,
        }
    }
}

impl<C: Command> fmt::Debug for Failure<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure")
            .field("error", &self.error)
            .field("fields", &self.fields)
            .finish()
    }
}

impl<C: Command> Clone for Failure<C> {
    fn clone(&self) -> Self {
        Self::new(self.error.clone(), self.fields.clone())
    }
}

impl<C: Command> PartialEq for Failure<C> {
    fn eq(&self, other: &Self) -> bool {
        self.error == other.error && self.fields == other.fields
    }
}

impl<C: Command> fmt::Display for Failure<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(error) => write!(f, "`{}` failed: {error}", C::METHOD),
            None => write!(f, "`{}` failed (the server gave no reason)", C::METHOD),
        }
    }
}

impl<C: Command> std::error::Error for Failure<C> {}

impl<C: Command> Serialize for Response<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("method", C::METHOD)?;
        wire::serialize_entry_if(&mut map, "requestId", self.request_id.as_ref())?;
        match &self.result {
            Ok(payload) => {
                map.serialize_entry("result", &true)?;
                payload.write_fields(&mut map)?;
            }
            Err(failure) => {
                map.serialize_entry("result", &false)?;
                wire::serialize_entry_if(&mut map, "error", failure.error.as_ref())?;
                failure.fields.write_fields(&mut map)?;
            }
        }
        map.end()
    }
}

impl<'de, C: Command> Deserialize<'de> for Response<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ResponseVisitor<C>(PhantomData<C>);
        impl<'de, C: Command> Visitor<'de> for ResponseVisitor<C> {
            type Value = Response<C>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a `{}` response object", C::METHOD)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Response<C>, A::Error> {
                finish_response(map, false)
            }
        }
        deserializer.deserialize_map(ResponseVisitor(PhantomData))
    }
}

/// Reads the rest of a request object; `method_seen` when the caller already read (and
/// matched) `method`, as the one-pass dispatch does.
#[inline(never)]
pub fn finish_request<'de, C: Command, A: MapAccess<'de>>(
    mut map: A,
    method_seen: bool,
) -> Result<Request<C>, A::Error> {
    let mut partial = C::Partial::default();
    let mut method = method_seen;
    let mut request_id = None;
    wire::collect_fields::<C, A>(&mut map, &mut partial, |key, map| {
        match key {
            b"method" => expect_name(&mut method, "method", C::METHOD, map)?,
            b"requestId" => next_once(&mut request_id, "requestId", map)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !method {
        return Err(de::Error::missing_field("method"));
    }
    Ok(Request {
        request_id,
        command: C::from_partial(partial)?,
    })
}

/// Reads the rest of a response object; `method_seen` as for [`finish_request`].
#[inline(never)]
pub fn finish_response<'de, C: Command, A: MapAccess<'de>>(
    mut map: A,
    method_seen: bool,
) -> Result<Response<C>, A::Error> {
    // One pass: `result` usually comes last, so the payload is collected in its all-optional
    // form and checked once `result` is known.
    let mut partial = <C::Response as Fields>::Partial::default();
    let mut method = method_seen;
    let mut request_id = None;
    let mut result: Option<bool> = None;
    let mut error: Option<String> = None;
    wire::collect_fields::<C::Response, A>(&mut map, &mut partial, |key, map| {
        match key {
            b"method" => expect_name(&mut method, "method", C::METHOD, map)?,
            b"requestId" => next_once(&mut request_id, "requestId", map)?,
            b"result" => next_once(&mut result, "result", map)?,
            b"error" => next_once(&mut error, "error", map)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !method {
        return Err(de::Error::missing_field("method"));
    }
    let result = match result {
        Some(true) => Ok(C::Response::from_partial(partial)?),
        Some(false) => Err(Failure::new(error, partial)),
        None => return Err(de::Error::missing_field("result")),
    };
    Ok(Response { request_id, result })
}

/// Deserializes a whole notification message: `method` must be `"event"`, `event` the
/// notification's name; everything else is a field.
pub fn deserialize_notification<'de, N: Notification, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<N, D::Error> {
    struct NotificationVisitor<N>(PhantomData<N>);
    impl<'de, N: Notification> Visitor<'de> for NotificationVisitor<N> {
        type Value = N;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a `{}` notification object", N::EVENT)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<N, A::Error> {
            finish_notification(map, false)
        }
    }
    deserializer.deserialize_map(NotificationVisitor(PhantomData))
}

/// Reads the rest of a notification object; `names_seen` when the caller already read (and
/// matched) `method` and `event`, as the one-pass dispatch does.
#[inline(never)]
pub fn finish_notification<'de, N: Notification, A: MapAccess<'de>>(
    mut map: A,
    names_seen: bool,
) -> Result<N, A::Error> {
    let mut partial = N::Partial::default();
    let (mut method, mut event) = (names_seen, names_seen);
    collect_fields::<N, A>(&mut map, &mut partial, |key, map| {
        match key {
            b"method" => expect_name(&mut method, "method", "event", map)?,
            b"event" => expect_name(&mut event, "event", N::EVENT, map)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !method {
        return Err(de::Error::missing_field("method"));
    }
    if !event {
        return Err(de::Error::missing_field("event"));
    }
    N::from_partial(partial)
}

/// Serializes a whole notification message: `method`, `event`, then the fields.
pub fn serialize_notification<N: Notification, S: Serializer>(
    value: &N,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("method", "event")?;
    map.serialize_entry("event", N::EVENT)?;
    value.write_fields(&mut map)?;
    map.end()
}
