//! What went through the proxy, counted: [`Summary`], per direction [`DirectionSummary`].

use std::collections::BTreeMap;
use std::fmt;

use crate::check::{Tally, Verdict};

/// One end of a relayed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// The client that connected to the proxy (the web UI, an app).
    Client,
    /// The Room the proxy connected to for it.
    Room,
}

impl Side {
    /// `client` or `room`, as the recording writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Room => "room",
        }
    }

    /// The other end.
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Room,
            Side::Room => Side::Client,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many distinct names [`DirectionSummary`] lists in each of its tables; more are counted
/// in its `*_left_out` fields, so a peer that sends a new name in every message cannot grow
/// the summary without end.
pub const SUMMARY_NAMES: usize = 256;

/// What one direction (messages sent by one side) carried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirectionSummary {
    /// The verdicts of every message (text and binary).
    pub verdicts: Tally,
    /// Text messages that were UTF-8.
    pub text: u64,
    /// Text messages that were not UTF-8 (carried unchanged, checked as bytes).
    pub text_not_utf8: u64,
    /// Binary messages.
    pub binary: u64,
    /// Payload bytes of those messages.
    pub bytes: u64,
    /// Pings (passed on, not checked or recorded).
    pub pings: u64,
    /// Pongs (passed on, not checked or recorded).
    pub pongs: u64,
    /// Messages read from this side that could not be written to the other, because its
    /// connection was gone.
    pub undelivered: u64,
    /// Names the definitions do not know (`request fooBar`), with how often.
    pub unknown_names: BTreeMap<String, u64>,
    /// Keys the definitions do not know, by message (`response getAppState: a, b.c`), with
    /// how often.
    pub unknown_fields: BTreeMap<String, u64>,
    /// Messages that did not decode, by message (`notification fileSent`, or `not a message`
    /// when not even the name was read), with how often.
    pub errors: BTreeMap<String, u64>,
    /// Entries the three tables above left out (beyond [`SUMMARY_NAMES`] each).
    pub left_out: u64,
}

impl DirectionSummary {
    /// Counts one checked message.
    pub(super) fn add(&mut self, verdict: &Verdict) {
        self.verdicts.add(verdict);
        let named = |verdict: &Verdict| match (verdict.direction(), verdict.name()) {
            (Some(kind), Some(name)) => format!("{kind} {name}"),
            (Some(kind), None) => format!("{kind} without a name"),
            _ => "not a message".to_string(),
        };
        match verdict {
            Verdict::Ok { unknown_fields, .. } if !unknown_fields.is_empty() => {
                let fields: Vec<&str> = unknown_fields.iter().map(String::as_str).collect();
                let key = format!("{}: {}", named(verdict), fields.join(", "));
                self.left_out += u64::from(!bump(&mut self.unknown_fields, key));
            }
            Verdict::Ok { .. } => {}
            Verdict::Unknown { .. } => {
                self.left_out += u64::from(!bump(&mut self.unknown_names, named(verdict)));
            }
            Verdict::Error { .. } => {
                self.left_out += u64::from(!bump(&mut self.errors, named(verdict)));
            }
        }
    }

    /// Messages of any frame type.
    pub fn messages(&self) -> u64 {
        self.text + self.text_not_utf8 + self.binary
    }
}

/// Counts `key` in `table` unless the table is full and lacks it; whether it was counted.
fn bump(table: &mut BTreeMap<String, u64>, key: String) -> bool {
    if let Some(count) = table.get_mut(&key) {
        *count += 1;
        return true;
    }
    if table.len() >= SUMMARY_NAMES {
        return false;
    }
    table.insert(key, 1);
    true
}

/// Everything the proxy relayed and what the definitions made of it
/// ([`super::Proxy::summary`]); its `Display` is the summary `trueconf-api proxy` prints on
/// exit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// WebSocket connections relayed (both ends open).
    pub connections: u64,
    /// Of those, the ones that have ended.
    pub closed: u64,
    /// Client connections that got no relay: the Room refused the handshake or could not be
    /// reached, or the proxy's connection limit was reached.
    pub refused: u64,
    /// Messages the client sent.
    pub from_client: DirectionSummary,
    /// Messages the Room sent.
    pub from_room: DirectionSummary,
    /// HTTP requests passed to the Room (the WebSocket handshakes aside).
    pub http_requests: u64,
    /// `config.json` responses whose ports were rewritten.
    pub config_rewritten: u64,
    /// Why the recording stopped, when writing it failed.
    pub recording_failed: Option<String>,
}

impl Summary {
    /// The direction `side` sent.
    pub fn sent_by(&self, side: Side) -> &DirectionSummary {
        match side {
            Side::Client => &self.from_client,
            Side::Room => &self.from_room,
        }
    }

    pub(super) fn sent_by_mut(&mut self, side: Side) -> &mut DirectionSummary {
        match side {
            Side::Client => &mut self.from_client,
            Side::Room => &mut self.from_room,
        }
    }

    /// Whether every message of both directions was ok (unknown fields and untyped names
    /// included): `trueconf-api proxy` exits 0 then, 1 otherwise.
    pub fn all_ok(&self) -> bool {
        self.from_client.verdicts.all_ok() && self.from_room.verdicts.all_ok()
    }
}

impl fmt::Display for Summary {
    /// Several lines: the connections, then per direction the counts, the unknown names, the
    /// unknown fields and the errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "proxy summary: {} WebSocket connection{} ({} closed, {} refused), {} HTTP request{} ({} config.json rewritten)",
            self.connections,
            plural(self.connections),
            self.closed,
            self.refused,
            self.http_requests,
            plural(self.http_requests),
            self.config_rewritten,
        )?;
        for side in [Side::Client, Side::Room] {
            let direction = self.sent_by(side);
            writeln!(
                f,
                "  {side} -> {}: {} message{} ({} text, {} text not UTF-8, {} binary; {} bytes): {}; {} pings, {} pongs, {} not delivered",
                side.other(),
                direction.messages(),
                plural(direction.messages()),
                direction.text,
                direction.text_not_utf8,
                direction.binary,
                direction.bytes,
                direction.verdicts,
                direction.pings,
                direction.pongs,
                direction.undelivered,
            )?;
            for (title, table) in [
                ("unknown", &direction.unknown_names),
                ("unknown fields", &direction.unknown_fields),
                ("errors", &direction.errors),
            ] {
                for (name, count) in table {
                    writeln!(f, "    {title}: {name} ({count})")?;
                }
            }
            if direction.left_out > 0 {
                writeln!(
                    f,
                    "    and {} more beyond {SUMMARY_NAMES} names a table",
                    direction.left_out
                )?;
            }
        }
        if let Some(problem) = &self.recording_failed {
            writeln!(f, "  the recording failed: {problem}")?;
        }
        Ok(())
    }
}

fn plural(count: u64) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
