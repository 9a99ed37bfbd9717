//! The reference decoders of the downstream decode harness (`benches/downstream/harness`):
//! `serde_json::Value`, what TrueConf's own clients decode into, and `serde::de::IgnoredAny`,
//! the JSON parse floor. Plain (not generic, not `#[inline]`) functions of a crate of their own,
//! so every build of the harness calls the same machine code whichever trueconf-api commit it
//! is built against.

use serde::de::IgnoredAny;
use serde_json::Value;

/// Decodes `json` as a `serde_json::Value`; whether it is JSON.
pub fn value(json: &[u8]) -> bool {
    std::hint::black_box(serde_json::from_slice::<Value>(json)).is_ok()
}

/// Parses `json` into `IgnoredAny` (validates and skips every value); whether it is JSON.
pub fn floor(json: &[u8]) -> bool {
    std::hint::black_box(serde_json::from_slice::<IgnoredAny>(json)).is_ok()
}
