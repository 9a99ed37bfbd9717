//! Bindings for a TrueConf Room newer than the `trueconf-api` release this crate depends on,
//! generated at build time from its own copy of the definitions (`definitions/`). The copy
//! differs from the bundled one by the kind of change a Room upgrade brings (see
//! `tests/drift.rs`): a new command with a response (`getRecordingStatus`), a new notification
//! (`recordingStatusChanged`), a new optional field on an existing record
//! (`DesktopSharingState.monitorIndex`) and a new enum value (`AppState` 7, `Presenting`).
//! These messages are made up for the test; no TrueConf page describes them.
//!
//! It gets the same API the crate has for its own definitions — `commands`, `notifications`,
//! `types`, `ServerMessage`, `ClientMessage`, `AnyResponse`, `AnyNotification` — on the same
//! runtime (`trueconf_api::Command`, `trueconf_api::from_slice`, `trueconf_api::DecodeError`).

include!(concat!(env!("OUT_DIR"), "/trueconf_bindings.rs"));
