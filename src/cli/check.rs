//! `check`: decode captured traffic (JSON Lines) against the definitions, line by line, in
//! bounded memory. A bad line is reported and the next one is checked.
//!
//! Two checkers give the verdicts: the types this tool was compiled with, or (with
//! `--definitions DIR`) a definitions folder interpreted at run time by
//! [`trueconf_api::folder::FolderDecoder`]. Both route a message the same way and on the
//! crate's own definitions give the same verdicts (tests/folder_tools.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;

use serde::de::IgnoredAny;
use serde_json::{json, Value};
use trueconf_api::__private::{without_unlisted_keys, NamedMessages};
use trueconf_api::folder::{Checked, FolderDecoder};
use trueconf_api::route;
use trueconf_api::{
    AnyNotification, AnyResponse, ClientMessage, DecodeError, DecodeErrorKind, Direction,
};

use super::EXIT_USAGE;

#[derive(Default)]
struct Tally {
    messages: usize,
    ok: usize,
    with_unknown_fields: usize,
    untyped: usize,
    unknown: usize,
    errors: usize,
    io_errors: usize,
}

/// `check [--format text|json] [--definitions DIR] [FILE ...]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON Lines captures, one message per line; `-` (or none) reads stdin.
    #[arg(value_name = "FILE")]
    files: Vec<String>,
    /// `text`: `FILE:LINE: ok KIND NAME` and the like. `json`: one object per message with
    /// file, line, verdict, kind, name, unknownFields, error and path, for CI pipelines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Check against the definitions in this folder (as `definitions --out` writes them, then
    /// edited) instead of the ones the tool was built from; no Rust is compiled. A folder
    /// that does not validate is a usage error.
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
}

/// How each verdict is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One readable line per message.
    Text,
    /// One JSON object per line.
    Json,
}

/// Checks every file (stdin for `-` or when none is given); returns the exit code.
pub fn run(args: &Args) -> u8 {
    let checker = match &args.definitions {
        None => Checker::Compiled,
        Some(folder) => match super::load_definitions(folder) {
            Ok(model) => Checker::Folder(Box::new(FolderDecoder::new(&model))),
            Err(code) => return code,
        },
    };
    let stdin_only = [String::from("-")];
    let files = if args.files.is_empty() {
        &stdin_only[..]
    } else {
        &args.files[..]
    };
    let format = args.format;
    let mut tally = Tally::default();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for file in files {
        let result = if file == "-" {
            let input = Input {
                label: "<stdin>",
                format,
                checker: &checker,
            };
            input.check(io::stdin().lock(), &mut out, &mut tally)
        } else {
            match File::open(file) {
                Ok(handle) => {
                    let input = Input {
                        label: file,
                        format,
                        checker: &checker,
                    };
                    input.check(BufReader::new(handle), &mut out, &mut tally)
                }
                Err(error) => Err(error),
            }
        };
        if let Err(error) = result {
            let _ = out.flush();
            eprintln!("{file}: cannot read: {error}");
            tally.io_errors += 1;
        }
    }
    let _ = out.flush();
    eprintln!(
        "checked {} message{}: {} ok ({} with unknown fields, {} untyped), {} unknown, {} errors{}",
        tally.messages,
        if tally.messages == 1 { "" } else { "s" },
        tally.ok,
        tally.with_unknown_fields,
        tally.untyped,
        tally.unknown,
        tally.errors,
        if tally.io_errors > 0 {
            format!(", {} unreadable inputs", tally.io_errors)
        } else {
            String::new()
        }
    );
    if tally.io_errors > 0 {
        EXIT_USAGE
    } else if tally.unknown > 0 || tally.errors > 0 {
        1
    } else {
        0
    }
}

/// One input (a file or stdin) and how to check and report it.
struct Input<'a> {
    label: &'a str,
    format: Format,
    checker: &'a Checker,
}

impl Input<'_> {
    fn check(
        &self,
        mut reader: impl BufRead,
        out: &mut impl Write,
        tally: &mut Tally,
    ) -> io::Result<()> {
        let mut line = Vec::new();
        let mut number = 0usize;
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            number += 1;
            let trimmed = trim_line(&line);
            if trimmed.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            tally.messages += 1;
            let verdict = self.checker.check(trimmed);
            match &verdict {
                Verdict::Ok {
                    unknown_fields,
                    untyped,
                    ..
                } => {
                    tally.ok += 1;
                    tally.untyped += usize::from(*untyped);
                    tally.with_unknown_fields += usize::from(!unknown_fields.is_empty());
                }
                Verdict::Unknown { .. } => tally.unknown += 1,
                Verdict::Error { .. } => tally.errors += 1,
            }
            match self.format {
                Format::Text => writeln!(out, "{}:{number}: {verdict}", self.label)?,
                Format::Json => writeln!(out, "{}", verdict.to_json(self.label, number))?,
            }
        }
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// What `check` says about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It decoded: typed (with the keys the definitions do not know), or a name
    /// `schema/known.json` lists, kept raw (`untyped`).
    Ok {
        direction: Direction,
        name: String,
        untyped: bool,
        unknown_fields: BTreeSet<String>,
    },
    /// A name the definitions do not know at all.
    Unknown { direction: Direction, name: String },
    /// It did not decode: what was known of it, the field path and the whole message.
    Error {
        direction: Option<Direction>,
        name: Option<String>,
        path: String,
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

    /// The verdict as one JSON object (`--format json`).
    fn to_json(&self, file: &str, line: usize) -> Value {
        let (verdict, direction, name) = match self {
            Verdict::Ok {
                direction, name, ..
            } => ("ok", Some(*direction), Some(name.as_str())),
            Verdict::Unknown { direction, name } => {
                ("unknown", Some(*direction), Some(name.as_str()))
            }
            Verdict::Error {
                direction, name, ..
            } => ("error", *direction, name.as_deref()),
        };
        let mut object = json!({
            "file": file,
            "line": line,
            "verdict": verdict,
            "kind": direction.map(Direction::as_str),
            "name": name,
        });
        match self {
            Verdict::Ok {
                untyped,
                unknown_fields,
                ..
            } => {
                object["untyped"] = json!(untyped);
                object["unknownFields"] = json!(unknown_fields);
            }
            Verdict::Unknown { .. } => {}
            Verdict::Error { path, message, .. } => {
                object["error"] = json!(message);
                object["path"] = json!(path);
            }
        }
        object
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

/// The definitions messages are checked against.
enum Checker {
    /// The types this tool was compiled with.
    Compiled,
    /// A definitions folder, interpreted at run time.
    Folder(Box<FolderDecoder>),
}

impl Checker {
    /// Routes one message by the rule of the design (`"method": "event"` → notification; else
    /// a `result` key → response; else request), decodes it, and lists keys the definitions do
    /// not know.
    fn check(&self, json: &[u8]) -> Verdict {
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
            Checker::Folder(decoder) => decoder
                .decode_named(direction, name.as_bytes(), json)
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
    without_unlisted_keys(|| serde_json::to_value(message))
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
    trueconf_api::FIELD_ALIASES
        .iter()
        .filter(move |(alias, _)| *alias == key)
        .map(|(_, name)| *name)
}
