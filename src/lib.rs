//! Typed bindings for the TrueConf Room / TrueConf VideoSDK WebSocket JSON API.
//!
//! Every command and notification is generated at build time from the JSON definitions in
//! `schema/`, with optional fields exactly as the TrueConf docs state them:
//!
//! - [`commands`]: one struct per request (its parameters) and per successful response payload;
//! - [`notifications`]: one struct per notification;
//! - [`types`]: shared records, open enums and newtypes;
//! - [`Request`] / [`Response`]: the envelopes, tied together by the [`Command`] trait;
//! - [`ServerMessage`] / [`ClientMessage`]: decode any message, typed, by its name.
//!
//! ```
//! use trueconf_api::commands::{GetFileTransferHistory, GetFileTransferHistoryResponse};
//! use trueconf_api::{AnyResponse, Command, ServerMessage};
//!
//! // A request with a requestId, ready for the WebSocket.
//! let request = GetFileTransferHistory::new().into_request().with_request_id("1");
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"method":"getFileTransferHistory","requestId":"1"}"#
//! );
//!
//! // Any server message, typed by its name.
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

#![warn(missing_docs)]

#[cfg(feature = "client")]
pub mod client;
mod dispatch;
#[doc(hidden)]
pub mod envelope;
mod error;
mod file_transfer;
mod meta;
#[cfg(feature = "mock")]
pub mod mock;
mod object_map;
#[cfg(feature = "proptest")]
#[doc(hidden)]
pub mod proptest_support;
mod raw;
pub mod route;
#[cfg(feature = "schemars")]
pub mod schema_support;
#[doc(hidden)]
pub mod wire;

pub use dispatch::{from_slice, ServerMessage, TypedMessage};
pub use envelope::{
    Command, Failure, MaybeArbitrary, MaybeJsonSchema, MessageVisitor, Notification, Request,
    Response,
};
pub use error::{DecodeError, DecodeErrorKind};
pub use file_transfer::{safe_file_name, TimestampUnit};
pub use meta::{Direction, MessageInfo, MessageKind, Source, TypeInfo};
pub use object_map::ObjectMap;
pub use raw::RawMessage;

include!(concat!(env!("OUT_DIR"), "/trueconf_api.rs"));

/// The README's usage example, compiled and run as a doctest so it cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
