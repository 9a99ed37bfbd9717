//! Bindings for a TrueConf Room newer than the `trueconf-api` release this crate depends on,
//! generated at build time from its own copy of the definitions (`definitions/`). The copy
//! differs from the bundled one by the kind of change a Room upgrade brings (see
//! `tests/drift.rs`): a new command with a response (`getRecordingStatus`), a new notification
//! (`recordingStatusChanged`), a new optional field on an existing record
//! (`DesktopSharingState.monitorIndex`), a new enum value (`AppState` 7, `Presenting`), and
//! names known before they are typed, catalogued in `known.json` (`getRecordingSchedule`,
//! `recordingScheduleChanged`: they decode as `Untyped`).
//! These messages are made up for the test; no TrueConf page describes them.
//!
//! It gets the same API the crate has for its own definitions — `commands`, `notifications`,
//! `types`, `ServerMessage`, `ClientMessage`, `AnyResponse`, `AnyNotification` — on the same
//! runtime (`trueconf_api::Command`, `trueconf_api::from_slice`, `trueconf_api::DecodeError`).
//!
//! An open enum's unknown value is read and made through the enum's methods, here as in the
//! bundled bindings; what `Unknown` holds is private to the generated `types` module, so the
//! value 7 that these definitions list (`Presenting`) and the bundled ones do not is handled
//! by code that compiles against both:
//!
//! ```
//! use trueconf_api_downstream::types::AppState;
//! let newer = AppState::from_value(7);
//! let older = trueconf_api::types::AppState::from_value(7);
//! assert_eq!((newer, newer.is_known()), (AppState::Presenting, true));
//! assert_eq!((older.value(), older.is_known()), (7, false));
//! ```
//!
//! A match on the payload of `Unknown`, which would stop matching once a later version lists
//! the value, does not compile:
//!
//! ```compile_fail,E0308
//! fn is_seven(state: trueconf_api::types::AppState) -> bool {
//!     matches!(state, trueconf_api::types::AppState::Unknown(7))
//! }
//! ```
//!
//! Nor can code outside the bindings build an `Unknown` (which could hold a listed value):
//! the type it holds cannot be named.
//!
//! ```compile_fail,E0603
//! let _ = trueconf_api::types::AppState::Unknown(trueconf_api::types::unlisted::Unlisted(7));
//! ```

include!(concat!(env!("OUT_DIR"), "/trueconf_bindings.rs"));

/// The same definitions generated without the client tier (`Builder::client_tier(false)`):
/// only what doc pages describe is typed, and a message of the client tier decodes as
/// `Untyped`, its name in `UNTYPED_COMMAND_NAMES` or `UNTYPED_NOTIFICATION_NAMES`.
pub mod documented_only {
    include!(concat!(env!("OUT_DIR"), "/documented_only.rs"));
}
