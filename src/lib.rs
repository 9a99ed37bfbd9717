//! Typed bindings for the TrueConf Room / TrueConf VideoSDK WebSocket JSON API.
//!
//! A TrueConf Room is driven over one WebSocket carrying JSON text messages: requests
//! (`{"method": …, "requestId": …, …}`), their responses (same `method`, `"result": true|false`,
//! then the command's fields) and notifications (`{"method": "event", "event": …, …}`). This
//! crate gives every command and notification a Rust type, generated at build time from the JSON
//! definitions in the repository's `schema/` folder, and decodes any message the Room sends
//! without losing one.
//!
//! What it gives you over raw JSON:
//!
//! - **Optional fields that follow the evidence.** A field is required only when the docs state
//!   it for every state of the Room and every example and real capture carries it; everything
//!   else is an `Option` whose docs say when it is absent. TrueConf's own clients read fields as
//!   if they were always there and break when a Room leaves one out.
//! - **A request tied to its response** by the [`Command`] trait, so sending
//!   `GetFileTransferHistory` gives back a `GetFileTransferHistoryResponse`.
//! - **Failures as values.** `"result": false` decodes to a [`Failure`] with the Room's `error`
//!   text and whatever of the command's fields came with it, never a decoding error.
//! - **Nothing lost.** An unknown message decodes to an `Unknown` variant holding it raw; a known
//!   one that does not decode is an error naming the field, which still holds the whole message
//!   ([`DecodeError::raw_message`]). Enums are open: an unknown value decodes and is written back
//!   unchanged. Unknown keys never break decoding, and a message of the client tier (typed from
//!   what TrueConf's clients read, no doc page) keeps them in [`UnlistedKeys`].
//!
//! # The modules of generated types
//!
//! - [`commands`]: one struct per request (its parameters, with a `new` taking the required
//!   ones) and one per successful response payload;
//! - [`notifications`]: one struct per notification;
//! - [`types`]: shared records, open enums, unions and newtypes;
//! - [`ServerMessage`] (a response in [`AnyResponse`] or a notification in [`AnyNotification`])
//!   and [`ClientMessage`]: any message, decoded by its name.
//!
//! Every item's docs give its wire name, the product and API versions that have it, the doc
//! pages its facts come from, and the tier of that evidence ([`Source`]): `documented` (a doc
//! page), `client` (no page; typed from what TrueConf's own clients send and read, citing file
//! and line) or `inferred`.
//!
//! # Requests and responses
//!
//! ```
//! use trueconf_api::commands::{GetFileTransferHistory, SendFile};
//! use trueconf_api::types::FileId;
//! use trueconf_api::{AnyResponse, Command, ServerMessage};
//!
//! // A request with a requestId, ready for the WebSocket.
//! let request = GetFileTransferHistory::new().into_request().with_request_id("1");
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"method":"getFileTransferHistory","requestId":"1"}"#
//! );
//! let send = SendFile::new(FileId::from(346234218), "820_1@some.server").into_request();
//! assert!(serde_json::to_string(&send)?.contains(r#""callId":"820_1@some.server""#));
//!
//! // A failed response decodes to its error, not to a decoding failure.
//! let reply = r#"{"method": "getFileTransferHistory", "requestId": "1", "result": false,
//!                 "error": "not authorized"}"#;
//! match ServerMessage::from_str(reply)? {
//!     ServerMessage::Response(AnyResponse::GetFileTransferHistory(response)) => {
//!         match response.result {
//!             Ok(history) => println!("{} files", history.files_requests.len()),
//!             Err(failure) => assert_eq!(failure.error.as_deref(), Some("not authorized")),
//!         }
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! When you know which response you wait for, decode straight into it with
//! [`from_slice`]`::<Response<C>>` — no dispatch. A command the definitions do not type (one a
//! newer Room adds) is built with [`RawMessage::request`]; its answer decodes as `Unknown`, or
//! as `Untyped` once its name is catalogued in `known.json` (the bundled catalogue is empty:
//! every name TrueConf's clients use is typed, unless the `client-tier` feature is off).
//!
//! # Notifications
//!
//! Notifications decode the same way, in any key order:
//!
//! ```
//! use trueconf_api::notifications::FileRequestStatusChanged;
//! use trueconf_api::{AnyNotification, ServerMessage};
//!
//! let text = r#"{"method": "event", "event": "fileRequestStatusChanged",
//!     "fileRequestId": "d6c5e2f4", "status": 3, "directionType": 1, "fileName": "plan.pdf",
//!     "timestamp": 1700000000000, "fileSize": 1024, "peerId": "user@some.server"}"#;
//! if let ServerMessage::Notification(AnyNotification::FileRequestStatusChanged(changed)) =
//!     ServerMessage::from_str(text)?
//! {
//!     println!("{} is now {:?}", changed.file_name, changed.status);
//! }
//! // Or straight into the type you expect:
//! let changed: FileRequestStatusChanged = trueconf_api::from_slice(text.as_bytes())?;
//! assert_eq!(changed.file_size, 1024);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors keep the message
//!
//! ```
//! use trueconf_api::ServerMessage;
//!
//! let bad = r#"{"method": "event", "event": "fileRequestStatusChanged", "fileSize": "big"}"#;
//! let error = ServerMessage::from_str(bad).unwrap_err();
//! assert_eq!(error.path(), "fileSize");
//! println!("{error}"); // names the message, the field and what was wrong
//! let kept = error.raw_message().expect("the name was read, so the message is kept");
//! assert_eq!(kept.name(), "fileRequestStatusChanged");
//! assert_eq!(kept.as_bytes(), bad.as_bytes()); // exactly as received
//! ```
//!
//! # Cargo features
//!
//! Only `client-tier` is on by default: `trueconf-api = "0.1"` gives the types, decoding and
//! the envelopes and nothing else. With `default-features = false` the client tier is left
//! out for a faster build: its messages then decode as `Untyped`, byte for byte, and their
//! names are in [`UNTYPED_COMMAND_NAMES`] and [`UNTYPED_NOTIFICATION_NAMES`].
//!
#![cfg_attr(feature = "document-features", doc = document_features::document_features!())]
//!
//! # Beyond the types
//!
//! - [`client`] (feature `client`): an async client for a Room — typed requests, typed
//!   notification streams, reconnects, a liveness deadline — and its guide.
//! - [`mock`] (feature `mock`): a scriptable mock Room for your tests, and the `mock-room`
//!   command.
//! - [`proxy`] (feature `proxy`): a passthrough between any client and your real Room that
//!   checks every message live against the definitions and records the session for replay,
//!   and the `proxy` command.
//! - [`check`]: the verdicts `check` and `proxy` give a message (ok, unknown fields, untyped,
//!   unknown, or an error naming the field).
//! - [`trueconf-api-codegen`](https://docs.rs/trueconf-api-codegen): the generator; its docs
//!   say how to regenerate these bindings from newer definitions in your own build script when
//!   your Room is newer than this crate.
//! - The `trueconf-api` command-line tool (feature `cli`): JSON Schema and AsyncAPI export,
//!   `check` of captured traffic, `diff` of two definition folders, `mock-room`, `proxy` (see
//!   `docs/cli.md` in the repository).

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod check;
#[cfg(feature = "client")]
pub mod client;
mod dispatch;
mod envelope;
mod error;
mod file_transfer;
#[cfg(feature = "folder")]
pub mod folder;
mod meta;
#[cfg(feature = "mock")]
pub mod mock;
mod object_map;
#[cfg(feature = "proptest")]
pub mod proptest_support;
#[cfg(feature = "proxy")]
pub mod proxy;
mod raw;
pub mod route;
#[cfg(feature = "schemars")]
pub mod schema_support;
mod unlisted;
mod wire;

pub use dispatch::{from_slice, TypedMessage};
pub use envelope::{Command, Failure, MessageVisitor, Notification, Request, Response};
pub use error::{DecodeError, DecodeErrorKind};
pub use file_transfer::{safe_file_name, TimestampUnit};
pub use meta::{Direction, MessageInfo, MessageKind, Source, TypeInfo};
pub use object_map::ObjectMap;
pub use raw::RawMessage;
pub use unlisted::UnlistedKeys;
pub use wire::{Fields, PartialFields};

/// Locks a mutex of the client or the mock; a panic elsewhere while it was held leaves data
/// that is still consistent (every change is a single insert, remove or replace), so a
/// poisoned lock is used anyway.
#[cfg(any(feature = "client", feature = "mock", feature = "proxy"))]
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What generated bindings use of the runtime besides its public API: not for direct use.
///
/// Bindings generated by `trueconf_api_codegen::Builder` — this crate's own and those a user
/// generates from newer definitions in their own build script — reach the runtime only through
/// the public traits and types and this module, which re-exports the crates they build on
/// (serde, serde_json, and schemars and proptest when their features are on) so the user's
/// crate needs no dependency but `trueconf-api`. It is versioned with the crate: a release
/// that changes it is a semver-breaking release, and bindings generated by the codegen of the
/// same minor version always match it.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;

    #[cfg(feature = "proptest")]
    pub use proptest;
    #[cfg(feature = "schemars")]
    pub use schemars;

    pub use crate::dispatch::keep_raw;
    pub use crate::dispatch::{client_from_slice, decode, server_from_slice, NamedMessages};
    pub use crate::envelope::{
        deserialize_notification, finish_notification, finish_request, finish_response,
        serialize_notification,
    };
    #[cfg(feature = "proptest")]
    pub use crate::proptest_support::{finite_f64, json_value, object_map, unlisted_keys};
    #[cfg(feature = "schemars")]
    pub use crate::schema_support::{
        integer_enum_schema, newtype_schema, notification_schema, record_schema,
        string_enum_schema, union_schema, FieldSchemas, FieldsSchema,
    };
    pub use crate::wire::{
        deserialize_record, deserialize_str_with, next_once, next_once_indexed,
        next_once_indexed_nullable, required, serialize_record, without_unlisted_keys,
        write_unlisted, Fields, PartialFields,
    };
}

/// Used by generated bindings that carry `schemars::JsonSchema` impls: an error unless this
/// crate's `schemars` feature is on.
#[doc(hidden)]
#[cfg(feature = "schemars")]
#[macro_export]
macro_rules! __require_schemars {
    () => {};
}

/// Used by generated bindings that carry `schemars::JsonSchema` impls: an error unless this
/// crate's `schemars` feature is on.
#[doc(hidden)]
#[cfg(not(feature = "schemars"))]
#[macro_export]
macro_rules! __require_schemars {
    () => {
        ::core::compile_error!(
            "these bindings were generated with JSON Schema impls (Builder::json_schema(true)): \
             enable trueconf-api's `schemars` feature, or generate with json_schema(false)"
        );
    };
}

/// Used by generated bindings that carry `proptest` impls: an error unless this crate's
/// `proptest` feature is on.
#[doc(hidden)]
#[cfg(feature = "proptest")]
#[macro_export]
macro_rules! __require_proptest {
    () => {};
}

/// Used by generated bindings that carry `proptest` impls: an error unless this crate's
/// `proptest` feature is on.
#[doc(hidden)]
#[cfg(not(feature = "proptest"))]
#[macro_export]
macro_rules! __require_proptest {
    () => {
        ::core::compile_error!(
            "these bindings were generated with proptest strategies (Builder::proptest(true)): \
             enable trueconf-api's `proptest` feature, or generate without them"
        );
    };
}

include!(concat!(env!("OUT_DIR"), "/trueconf_api.rs"));

/// The README's usage example, compiled and run as a doctest so it cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
