//! One message against the definitions: the verdicts of `trueconf-api check`, shared with
//! `trueconf-api proxy` so both say the same thing about the same bytes.
//!
//! A [`Checker`] routes a message by its content (`"method": "event"` → notification; else a
//! `result` key → response; else request), decodes it with the types this crate was compiled
//! with or (feature `folder`) a definitions folder read at run time, and lists the keys the
//! definitions do not know. The [`Verdict`] is ok (typed, maybe with unknown fields; or a
//! catalogued but untyped name), unknown (a name the definitions do not know), or an error
//! naming the field path.
//!
//! ```
//! use trueconf_api::check::{Checker, Verdict};
//!
//! let checker = Checker::Compiled;
//! let verdict = checker.check(br#"{"method":"getAppState","requestId":"1"}"#);
//! assert_eq!(verdict.to_string(), "ok request getAppState");
//! let verdict =
//!     checker.check(br#"{"method":"event","event":"fileRequestStatusChanged","fileSize":"big"}"#);
//! assert!(matches!(&verdict, Verdict::Error { path, .. } if path == "fileSize"), "{verdict}");
//! let verdict = checker.check(br#"{"method":"noSuchThing"}"#);
//! assert_eq!(verdict.to_string(), "unknown request noSuchThing");
//! assert_eq!(verdict.label(), "unknown");
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::de::IgnoredAny;
use serde_json::{json, Map, Value};

use crate::dispatch::NamedMessages;
#[cfg(feature = "folder")]
use crate::folder::FolderDecoder;
use crate::route;
use crate::{AnyNotification, AnyResponse, ClientMessage, DecodeError, DecodeErrorKind, Direction};

/// What the definitions make of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// It decoded: typed (with the keys the definitions do not know), or a name
    /// `schema/known.json` lists, kept raw (`untyped`).
    Ok {
        /// Request, response or notification, as routed.
        direction: Direction,
        /// The method or event name.
        name: String,
        /// A catalogued name the definitions do not type: valid JSON, kept raw.
        untyped: bool,
        /// Keys of the message the definitions do not know, as paths (`a`, `b.c`,
        /// `list[].d`).
        unknown_fields: BTreeSet<String>,
    },
    /// A name the definitions do not know at all.
    Unknown {
        /// Request, response or notification, as routed.
        direction: Direction,
        /// The method or event name.
        name: String,
    },
    /// It did not decode: what was known of it, the field path and why.
    Error {
        /// Request, response or notification, when the routing got that far.
        direction: Option<Direction>,
        /// The method or event name, when it was read.
        name: Option<String>,
        /// The path of the field that failed (`fileList[0].fileId`; empty for the message).
        path: String,
        /// What was wrong, naming the message and the field.
        message: String,
    },
}

impl Verdict {
    fn error(error: &DecodeError) -> Self {
        let message = match error.kind() {
            DecodeErrorKind::Syntax | DecodeErrorKind::Eof => format!("invalid JSON: {error}"),
            _ => error.to_string(),
        };
        Verdict::Error {
            direction: error.direction(),
            name: error.message_name().map(str::to_string),
            path: error.path().to_string(),
            message,
        }
    }

    /// `ok`, `unknown` or `error`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Ok { .. } => "ok",
            Verdict::Unknown { .. } => "unknown",
            Verdict::Error { .. } => "error",
        }
    }

    /// Request, response or notification, when the routing got that far.
    pub fn direction(&self) -> Option<Direction> {
        match self {
            Verdict::Ok { direction, .. } | Verdict::Unknown { direction, .. } => Some(*direction),
            Verdict::Error { direction, .. } => *direction,
        }
    }

    /// The method or event name, when it was read.
    pub fn name(&self) -> Option<&str> {
        match self {
            Verdict::Ok { name, .. } | Verdict::Unknown { name, .. } => Some(name),
            Verdict::Error { name, .. } => name.as_deref(),
        }
    }

    /// Adds the verdict's keys to `object`, after whatever it holds: `verdict`, `kind`, `name`,
    /// then `untyped` and `unknownFields` (ok) or `error` and `path` (error). The form of
    /// `check --format json` (after `file` and `line`) and of the proxy's recording.
    pub fn append_json(&self, object: &mut Map<String, Value>) {
        object.insert("verdict".into(), json!(self.label()));
        object.insert(
            "kind".into(),
            json!(self.direction().map(Direction::as_str)),
        );
        object.insert("name".into(), json!(self.name()));
        match self {
            Verdict::Ok {
                untyped,
                unknown_fields,
                ..
            } => {
                object.insert("untyped".into(), json!(untyped));
                object.insert("unknownFields".into(), json!(unknown_fields));
            }
            Verdict::Unknown { .. } => {}
            Verdict::Error { path, message, .. } => {
                object.insert("error".into(), json!(message));
                object.insert("path".into(), json!(path));
            }
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Ok {
                direction,
                name,
                untyped: true,
                ..
            } => write!(f, "ok {direction} {name} (untyped)"),
            Verdict::Ok {
                direction,
                name,
                unknown_fields,
                ..
            } => {
                write!(f, "ok {direction} {name}")?;
                if !unknown_fields.is_empty() {
                    let list: Vec<&str> = unknown_fields.iter().map(String::as_str).collect();
                    write!(f, " (unknown fields: {})", list.join(", "))?;
                }
                Ok(())
            }
            Verdict::Unknown { direction, name } => write!(f, "unknown {direction} {name}"),
            Verdict::Error { message, .. } => write!(f, "error {message}"),
        }
    }
}

/// Counts of verdicts, as `check` sums them up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tally {
    /// Messages checked.
    pub messages: u64,
    /// Ok: typed or untyped.
    pub ok: u64,
    /// Of the ok ones, typed with keys the definitions do not know.
    pub with_unknown_fields: u64,
    /// Of the ok ones, catalogued names kept raw.
    pub untyped: u64,
    /// Names the definitions do not know.
    pub unknown: u64,
    /// Messages that did not decode.
    pub errors: u64,
}

impl Tally {
    /// Counts one verdict.
    pub fn add(&mut self, verdict: &Verdict) {
        self.messages += 1;
        match verdict {
            Verdict::Ok {
                untyped,
                unknown_fields,
                ..
            } => {
                self.ok += 1;
                self.untyped += u64::from(*untyped);
                self.with_unknown_fields += u64::from(!unknown_fields.is_empty());
            }
            Verdict::Unknown { .. } => self.unknown += 1,
            Verdict::Error { .. } => self.errors += 1,
        }
    }

    /// Whether every message was ok (unknown fields and untyped names included).
    pub fn all_ok(&self) -> bool {
        self.unknown == 0 && self.errors == 0
    }
}

impl std::fmt::Display for Tally {
    /// `N ok (N with unknown fields, N untyped), N unknown, N errors`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ok ({} with unknown fields, {} untyped), {} unknown, {} errors",
            self.ok, self.with_unknown_fields, self.untyped, self.unknown, self.errors
        )
    }
}

/// The definitions messages are checked against.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Checker {
    /// The types this crate was compiled with.
    #[default]
    Compiled,
    /// A definitions folder, interpreted at run time (feature `folder`).
    #[cfg(feature = "folder")]
    Folder(Box<FolderDecoder>),
}

impl Checker {
    /// Routes one message by the rule of the design (`"method": "event"` → notification; else
    /// a `result` key → response; else request), decodes it, and lists keys the definitions do
    /// not know.
    pub fn check(&self, json: &[u8]) -> Verdict {
        let envelope = match route::scan(json) {
            Ok(envelope) => envelope,
            Err(error) => return Verdict::error(&error),
        };
        let (direction, name) = if envelope.method == "event" {
            match &envelope.event {
                Some(event) => (Direction::Notification, event.to_string()),
                None => {
                    return Verdict::Error {
                        direction: Some(Direction::Notification),
                        name: None,
                        path: "event".to_string(),
                        message: "notification: missing field `event`".to_string(),
                    }
                }
            }
        } else if envelope.has_result {
            (Direction::Response, envelope.method.to_string())
        } else {
            (Direction::Request, envelope.method.to_string())
        };
        let checked = match self {
            Checker::Compiled => check_compiled(direction, &name, json),
            #[cfg(feature = "folder")]
            Checker::Folder(decoder) => decoder
                .decode_named(direction, name.as_bytes(), json)
                .map(Checked::from)
                .map_err(|error| Verdict::error(&error)),
        };
        match checked {
            Err(verdict) => verdict,
            Ok(Checked::Unknown) => Verdict::Unknown { direction, name },
            Ok(Checked::Untyped) => Verdict::Ok {
                direction,
                name,
                untyped: true,
                unknown_fields: BTreeSet::new(),
            },
            Ok(Checked::Typed { unknown_fields }) => Verdict::Ok {
                direction,
                name,
                untyped: false,
                unknown_fields,
            },
        }
    }
}

/// What a decoder found, whichever decoder it was.
enum Checked {
    Typed { unknown_fields: BTreeSet<String> },
    Untyped,
    Unknown,
}

#[cfg(feature = "folder")]
impl From<crate::folder::Checked> for Checked {
    fn from(checked: crate::folder::Checked) -> Self {
        match checked {
            crate::folder::Checked::Typed { unknown_fields } => Checked::Typed { unknown_fields },
            crate::folder::Checked::Untyped => Checked::Untyped,
            crate::folder::Checked::Unknown => Checked::Unknown,
        }
    }
}

/// What the compiled types make of a message, as the folder's decoder reports it: the typed
/// decode, then the keys of the message its re-encoding lacks (the folder's decoder finds
/// them while it decodes). A failure is already the verdict.
fn check_compiled(direction: Direction, name: &str, json: &[u8]) -> Result<Checked, Verdict> {
    // What the definitions know of the message: its re-encoding without the keys client-tier
    // types keep but do not list, so those are reported as unknown like the skipped ones.
    let decoded = match direction {
        Direction::Notification => AnyNotification::decode_named(name.as_bytes(), json)
            .map(|m| (m.is_unknown(), m.is_untyped(), listed_part(&m))),
        Direction::Response => AnyResponse::decode_named(name.as_bytes(), json)
            .map(|m| (m.is_unknown(), m.is_untyped(), listed_part(&m))),
        Direction::Request => ClientMessage::decode_named(name.as_bytes(), json)
            .map(|m| (m.is_unknown(), m.is_untyped(), listed_part(&m))),
    };
    match decoded {
        Err(error) => Err(Verdict::error(&error)),
        Ok((true, _, _)) => Ok(Checked::Unknown),
        Ok((false, true, _)) => Ok(Checked::Untyped),
        Ok((false, false, Err(error))) => Err(Verdict::Error {
            message: format!("{direction} {name}: cannot re-encode: {error}"),
            direction: Some(direction),
            name: Some(name.to_string()),
            path: String::new(),
        }),
        Ok((false, false, Ok(known))) => {
            let mut unknown_fields = BTreeSet::new();
            match serde_json::from_slice::<Value>(json) {
                Ok(original) => collect_unknown(&original, &known, "", &mut unknown_fields),
                // Deeper than a `Value` may nest (serde_json's 128 levels; the typed decode
                // skipped the deep part without recursion): list the top-level keys instead.
                Err(_) => {
                    if let Ok(keys) = serde_json::from_slice::<BTreeMap<String, IgnoredAny>>(json) {
                        unknown_fields
                            .extend(keys.into_keys().filter(|key| known.get(key).is_none()));
                    }
                }
            }
            Ok(Checked::Typed { unknown_fields })
        }
    }
}

/// A decoded message encoded without the keys client-tier types keep but do not list.
fn listed_part(message: &impl serde::Serialize) -> serde_json::Result<Value> {
    crate::wire::without_unlisted_keys(|| serde_json::to_value(message))
}

/// Keys of `original` that the typed re-encoding `known` does not have, as paths (`a`, `b.c`,
/// `list[].d`); array elements share one path so a long list reports a new key once.
fn collect_unknown(original: &Value, known: &Value, path: &str, out: &mut BTreeSet<String>) {
    match (original, known) {
        (Value::Object(original), Value::Object(known)) => {
            for (key, value) in original {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                // An alias was decoded and re-encoded under its wire name.
                let as_wire_name = || {
                    crate_aliases(key)
                        .filter(|name| !original.contains_key(*name))
                        .find_map(|name| known.get(name))
                };
                match known.get(key).or_else(as_wire_name) {
                    Some(known_value) => collect_unknown(value, known_value, &here, out),
                    None => {
                        out.insert(here);
                    }
                }
            }
        }
        (Value::Array(original), Value::Array(known)) => {
            let here = format!("{path}[]");
            for (value, known_value) in original.iter().zip(known) {
                collect_unknown(value, known_value, &here, out);
            }
        }
        _ => {}
    }
}

/// The wire names `key` is an alias of (usually none).
fn crate_aliases(key: &str) -> impl Iterator<Item = &'static str> + '_ {
    crate::FIELD_ALIASES
        .iter()
        .filter(move |(alias, _)| *alias == key)
        .map(|(_, name)| *name)
}
