//! Replaying a recorded session ([`Recording`], [`super::MockRoomBuilder::replay`]): the
//! recording is read once, into the answers the Room gave, keyed by what was asked.
//!
//! The format is in the module docs of [`crate::mock`] (Replaying a recording); it is the one
//! `trueconf-api proxy --record` writes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::outbox::Payload;

/// A recording that cannot be replayed: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordingError {
    /// The file, when it was read from one.
    pub file: Option<String>,
    /// The line (from 1), or 0 for the file as a whole.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for RecordingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.as_deref().unwrap_or("recording");
        match self.line {
            0 => write!(f, "{file}: {}", self.problem),
            line => write!(f, "{file}:{line}: {}", self.problem),
        }
    }
}

impl std::error::Error for RecordingError {}

/// One WebSocket message of a recording, as sent.
#[derive(Debug, Clone)]
enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

impl Frame {
    /// The message as text, when it is UTF-8.
    fn text(&self) -> Option<&str> {
        match self {
            Frame::Text(text) => Some(text),
            Frame::Binary(bytes) => std::str::from_utf8(bytes).ok(),
        }
    }

    fn payload(&self) -> Payload {
        match self {
            Frame::Text(text) => Payload::Text(Utf8Bytes::from(text.clone())),
            Frame::Binary(bytes) => Payload::Binary(Bytes::from(bytes.clone())),
        }
    }
}

/// A recorded response: its message, and where its top-level `requestId` values are.
#[derive(Debug, Clone)]
struct Response {
    frame: Frame,
    request_ids: Vec<Range<usize>>,
}

impl Response {
    /// The response with each top-level `requestId` replaced by `request_id` (JSON text).
    fn with_request_id(&self, request_id: &str) -> Payload {
        let Some(text) = self.frame.text() else {
            return self.frame.payload();
        };
        let mut out = String::with_capacity(text.len() + request_id.len());
        let mut at = 0;
        for range in &self.request_ids {
            out.push_str(&text[at..range.start]);
            out.push_str(request_id);
            at = range.end;
        }
        out.push_str(&text[at..]);
        match self.frame {
            Frame::Text(_) => Payload::Text(Utf8Bytes::from(out)),
            Frame::Binary(_) => Payload::Binary(Bytes::from(out.into_bytes())),
        }
    }
}

/// What the Room sent for one recorded request: the notifications recorded after the request
/// and before its response, the response (if one came), and the notifications recorded after
/// it, before the connection's next request.
#[derive(Debug, Clone, Default)]
struct Exchange {
    before: Vec<Frame>,
    response: Option<Response>,
    after: Vec<Frame>,
}

/// One recorded connection: what the Room sent before the first request, and whether it
/// has an `auth` request (the opening notifications go after it).
#[derive(Debug, Clone, Default)]
struct Connection {
    opening: Vec<Frame>,
    authorizes: bool,
}

/// A session recorded by `trueconf-api proxy --record` (JSON Lines), ready to replay
/// ([`super::MockRoomBuilder::replay`]).
#[derive(Debug)]
pub struct Recording {
    /// By method and parameters: the exchanges in recorded order, and how many were used.
    exchanges: HashMap<String, (Vec<Exchange>, AtomicUsize)>,
    /// How many requests of each method were recorded (for the error of a request that
    /// matches none).
    methods: HashMap<String, usize>,
    connections: Vec<Connection>,
    messages: usize,
}

/// The answer to one replayed request.
pub(super) struct Replayed {
    /// What goes out, in order.
    pub(super) frames: Vec<Payload>,
    /// Whether the recorded response says `"result": true`.
    pub(super) succeeded: bool,
    /// The HTTP-server tokens the recorded response hands out.
    pub(super) http_tokens: Vec<String>,
}

impl Recording {
    /// Reads a recording from `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<Recording, RecordingError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| RecordingError {
            file: Some(file.clone()),
            line: 0,
            problem: format!("cannot read it: {error}"),
        })?;
        Self::parse(&text).map_err(|error| RecordingError {
            file: Some(file),
            ..error
        })
    }

    /// Reads a recording from its text (JSON Lines; blank lines are skipped).
    pub fn parse(text: &str) -> Result<Recording, RecordingError> {
        let mut builder = Builder::default();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let error = |problem: String| RecordingError {
                file: None,
                line: index + 1,
                problem,
            };
            let entry = parse_line(line).map_err(error)?;
            builder.add(entry).map_err(error)?;
        }
        Ok(builder.finish())
    }

    /// How many WebSocket messages the recording holds.
    pub fn messages(&self) -> usize {
        self.messages
    }

    /// How many connections it recorded.
    pub fn connections(&self) -> usize {
        self.connections.len()
    }

    /// What the Room sent before the first request of recorded connection `index` (the
    /// order in which connections first appear), and whether it has an `auth` request.
    pub(super) fn opening(&self, index: usize) -> (Vec<Payload>, bool) {
        match self.connections.get(index) {
            Some(connection) => (
                connection.opening.iter().map(Frame::payload).collect(),
                connection.authorizes,
            ),
            None => (Vec::new(), false),
        }
    }

    /// The recorded answer to `request` (parsed; `request_id` its `requestId` as JSON text,
    /// `""` without one), or an error text naming what did not match.
    pub(super) fn answer(&self, request: &Value, request_id: &str) -> Result<Replayed, String> {
        let method = request
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some((exchanges, used)) = self.exchanges.get(&key(request)) else {
            let recorded = self.methods.get(method).copied().unwrap_or(0);
            return Err(match recorded {
                0 => format!("replay: no recorded answer matched `{method}`: the recording has no `{method}` request"),
                n => format!(
                    "replay: no recorded answer matched `{method}` with these parameters (the recording has {n} `{method}` request(s), with other parameters)"
                ),
            });
        };
        // In recorded order, then the last one again.
        let taken = used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_add(1))
            })
            .unwrap_or(usize::MAX);
        let index = taken.min(exchanges.len() - 1);
        let exchange = &exchanges[index];
        let mut frames: Vec<Payload> = exchange.before.iter().map(Frame::payload).collect();
        let mut succeeded = false;
        let mut http_tokens = Vec::new();
        if let Some(response) = &exchange.response {
            let fields = response
                .frame
                .text()
                .and_then(|text| serde_json::from_str::<Map<String, Value>>(text).ok());
            if let Some(fields) = fields {
                succeeded = fields.get("result") == Some(&Value::Bool(true));
                let token_keys: &[&str] = match method {
                    "getTokenForHttpServer" => &["token", "tokenForHttpServer"],
                    _ => &["tokenForHttpServer"],
                };
                http_tokens.extend(
                    token_keys
                        .iter()
                        .filter_map(|key| Some(fields.get(*key)?.as_str()?.to_string())),
                );
            }
            frames.push(response.with_request_id(request_id));
        }
        frames.extend(exchange.after.iter().map(Frame::payload));
        Ok(Replayed {
            frames,
            succeeded,
            http_tokens,
        })
    }
}

/// What a request is matched on: its method and every other key but `requestId`, key order
/// ignored (`serde_json::Map` sorts its keys).
fn key(request: &Value) -> String {
    let mut fields = request.as_object().cloned().unwrap_or_default();
    fields.remove("requestId");
    Value::Object(fields).to_string()
}

/// One line of a recording.
enum Entry {
    /// A connection opened or closed (used to number connections).
    Event { seq: u64, conn: u64 },
    Message {
        seq: u64,
        conn: u64,
        from_client: bool,
        frame: Frame,
    },
}

/// Reads one line against the format.
fn parse_line(line: &str) -> Result<Entry, String> {
    let value: Value = serde_json::from_str(line).map_err(|error| format!("not JSON: {error}"))?;
    let Value::Object(fields) = value else {
        return Err("not a JSON object".into());
    };
    let number = |key: &str| -> Result<u64, String> {
        match fields.get(key) {
            Some(value) => value
                .as_u64()
                .ok_or_else(|| format!("`{key}` is {value}, not a whole number")),
            None => Err(format!("no `{key}`")),
        }
    };
    let text = |key: &str| -> Result<Option<&str>, String> {
        match fields.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(format!("`{key}` is {other}, not a string")),
        }
    };
    let seq = number("seq")?;
    let conn = number("conn")?;
    if text("time")?.is_none() {
        return Err("no `time`".into());
    }
    if let Some(event) = text("event")? {
        return match event {
            "open" | "close" => Ok(Entry::Event { seq, conn }),
            other => Err(format!("`event` is {other:?}, not \"open\" or \"close\"")),
        };
    }
    let from_client = match text("from")? {
        Some("client") => true,
        Some("room") => false,
        Some(other) => return Err(format!("`from` is {other:?}, not \"client\" or \"room\"")),
        None => return Err("neither `from` (a message) nor `event` (open/close)".into()),
    };
    let frame = match (text("frame")?, text("text")?, text("base64")?) {
        (Some("text"), Some(text), None) => Frame::Text(text.to_string()),
        (Some("binary"), None, Some(encoded)) => Frame::Binary(
            data_encoding::BASE64
                .decode(encoded.as_bytes())
                .map_err(|error| format!("`base64` is not base64: {error}"))?,
        ),
        (Some("text"), _, _) => return Err("a text frame wants `text` (and no `base64`)".into()),
        (Some("binary"), _, _) => {
            return Err("a binary frame wants `base64` (and no `text`)".into())
        }
        (Some(other), _, _) => {
            return Err(format!("`frame` is {other:?}, not \"text\" or \"binary\""))
        }
        (None, _, _) => return Err("no `frame`".into()),
    };
    Ok(Entry::Message {
        seq,
        conn,
        from_client,
        frame,
    })
}

/// A recorded request waiting for its response.
struct Pending {
    key: String,
    method: String,
    request_id: Value,
    exchange: Exchange,
    /// Whether its response was seen (later notifications go after it).
    answered: bool,
}

/// One connection while the recording is read.
#[derive(Default)]
struct Reading {
    index: usize,
    /// Its requests so far; the last one takes the notifications that follow.
    requests: Vec<Pending>,
}

/// Builds a [`Recording`] line by line.
#[derive(Default)]
struct Builder {
    last_seq: Option<u64>,
    connections: HashMap<u64, Reading>,
    opened: Vec<Connection>,
    done: Vec<Pending>,
    messages: usize,
}

impl Builder {
    fn connection(&mut self, conn: u64) -> &mut Reading {
        let opened = &mut self.opened;
        self.connections.entry(conn).or_insert_with(|| {
            opened.push(Connection::default());
            Reading {
                index: opened.len() - 1,
                requests: Vec::new(),
            }
        })
    }

    fn add(&mut self, entry: Entry) -> Result<(), String> {
        let (seq, conn) = match &entry {
            Entry::Event { seq, conn } | Entry::Message { seq, conn, .. } => (*seq, *conn),
        };
        if let Some(last) = self.last_seq.filter(|last| seq <= *last) {
            return Err(format!("`seq` {seq} does not follow {last}"));
        }
        self.last_seq = Some(seq);
        let Entry::Message {
            from_client, frame, ..
        } = entry
        else {
            self.connection(conn);
            return Ok(());
        };
        self.messages += 1;
        let parsed = frame
            .text()
            .and_then(|text| serde_json::from_str::<Map<String, Value>>(text).ok());
        if from_client {
            // A client message that is not a request (not a JSON object with a method) has
            // no answer to replay; what follows it goes with the request before it.
            let Some(request) =
                parsed.filter(|fields| fields.get("method").is_some_and(Value::is_string))
            else {
                return Ok(());
            };
            let method = request["method"].as_str().unwrap_or_default().to_string();
            let pending = Pending {
                key: key(&Value::Object(request.clone())),
                request_id: request.get("requestId").cloned().unwrap_or(Value::from("")),
                method: method.clone(),
                exchange: Exchange::default(),
                answered: false,
            };
            let reading = self.connection(conn);
            let index = reading.index;
            reading.requests.push(pending);
            if method == "auth" {
                self.opened[index].authorizes = true;
            }
            return Ok(());
        }
        let response = parsed.as_ref().and_then(|fields| {
            let method = fields.get("method")?.as_str()?;
            (method != "event").then(|| {
                (
                    method.to_string(),
                    fields.get("requestId").cloned().unwrap_or(Value::from("")),
                )
            })
        });
        let reading = self.connection(conn);
        // A response goes to the oldest request of its method and requestId still waiting.
        if let Some((method, request_id)) = response {
            let waiting = reading.requests.iter_mut().find(|pending| {
                !pending.answered && pending.method == method && pending.request_id == request_id
            });
            if let Some(pending) = waiting {
                let request_ids = match &frame {
                    Frame::Text(text) => request_id_ranges(text),
                    Frame::Binary(bytes) => std::str::from_utf8(bytes)
                        .map(request_id_ranges)
                        .unwrap_or_default(),
                };
                pending.exchange.response = Some(Response { frame, request_ids });
                pending.answered = true;
                return Ok(());
            }
        }
        // Anything else the Room sent goes with the connection's latest request: before its
        // response while that is still to come, after it once it came.
        match reading.requests.last_mut() {
            Some(pending) if pending.answered => pending.exchange.after.push(frame),
            Some(pending) => pending.exchange.before.push(frame),
            None => {
                let index = reading.index;
                self.opened[index].opening.push(frame);
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Recording {
        let mut readings: Vec<Reading> = self.connections.into_values().collect();
        readings.sort_by_key(|reading| reading.index);
        for reading in readings {
            self.done.extend(reading.requests);
        }
        let mut exchanges: HashMap<String, (Vec<Exchange>, AtomicUsize)> = HashMap::new();
        let mut methods: HashMap<String, usize> = HashMap::new();
        for pending in self.done {
            *methods.entry(pending.method).or_default() += 1;
            exchanges
                .entry(pending.key)
                .or_insert_with(|| (Vec::new(), AtomicUsize::new(0)))
                .0
                .push(pending.exchange);
        }
        Recording {
            exchanges,
            methods,
            connections: self.opened,
            messages: self.messages,
        }
    }
}

/// Where the values of the top-level `requestId` keys of a JSON object are in `text`.
fn request_id_ranges(text: &str) -> Vec<Range<usize>> {
    /// The top-level entries of an object, values borrowed from the text.
    struct Entries<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);
    impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct EntriesVisitor;
            impl<'de> Visitor<'de> for EntriesVisitor {
                type Value = Entries<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Entries<'de>, A::Error> {
                    let mut entries = Vec::new();
                    while let Some(entry) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                        entries.push(entry);
                    }
                    Ok(Entries(entries))
                }
            }
            deserializer.deserialize_map(EntriesVisitor)
        }
    }
    let Ok(Entries(entries)) = serde_json::from_str::<Entries<'_>>(text) else {
        return Vec::new();
    };
    let base = text.as_ptr() as usize;
    entries
        .into_iter()
        .filter(|(key, _)| key == "requestId")
        .map(|(_, value)| {
            // The raw value borrows from `text`: its offset is where it sits there.
            let start = value.get().as_ptr() as usize - base;
            start..start + value.get().len()
        })
        .collect()
}
