//! The one place every relayed message goes after it is read: checked against the definitions,
//! written to the recording and the report, counted in the summary. It runs on a thread of its
//! own (checking and writing files block), fed through one bounded queue.

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

use super::summary::{Side, Summary};
use crate::check::Checker;
use crate::lock;

/// How a data message came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FrameKind {
    /// A text message, UTF-8.
    Text,
    /// A text message whose bytes are not UTF-8.
    TextNotUtf8,
    /// A binary message.
    Binary,
}

/// Who ended a relayed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closer {
    Peer(Side),
    /// The proxy, shutting down.
    Proxy,
}

impl Closer {
    fn as_str(self) -> &'static str {
        match self {
            Closer::Peer(side) => side.as_str(),
            Closer::Proxy => "proxy",
        }
    }
}

/// How a relayed connection ended.
#[derive(Debug, Clone)]
pub(super) struct Ending {
    pub by: Closer,
    /// The close frame's code and reason, when the side that ended it sent one.
    pub close: Option<(u16, String)>,
    /// What went wrong, when it ended without a close frame.
    pub error: Option<String>,
    /// Messages from the client, then from the Room, that could not be written on.
    pub undelivered: [u64; 2],
}

/// What the relays and the HTTP side tell the observer.
pub(super) enum Event {
    /// Both ends of WebSocket connection `conn` are open.
    Open {
        conn: u64,
        time: SystemTime,
        client: SocketAddr,
        room: String,
    },
    /// A data message, as it came.
    Message {
        conn: u64,
        time: SystemTime,
        from: Side,
        frame: FrameKind,
        payload: Bytes,
    },
    /// A ping or a pong from `from` (counted only).
    Control { from: Side, pong: bool },
    /// Connection `conn` has ended on both ends.
    Close {
        conn: u64,
        time: SystemTime,
        ending: Ending,
    },
    /// A client handshake that got no relay, and why.
    Refused { client: SocketAddr, why: String },
    /// An HTTP request was passed on; `rewritten` when it was config.json with its ports
    /// rewritten.
    Http { rewritten: bool },
    /// Something to tell the user that is no message (config.json not rewritten, an HTTP
    /// exchange that failed).
    Notice(String),
    /// Flush and stop: what comes after is not observed.
    Stop,
}

struct Observed {
    event: Event,
    /// The share of the queue's byte budget the message holds until it is written.
    _budget: Option<OwnedSemaphorePermit>,
}

/// The sending side of the observer's queue.
#[derive(Clone)]
pub(super) struct Observer {
    queue: mpsc::Sender<Observed>,
    budget: Arc<Semaphore>,
    budget_bytes: u32,
}

impl Observer {
    /// Queues `event`, waiting while the queue is full (in messages or bytes): a recording or
    /// report that cannot keep up slows the traffic down rather than growing.
    pub(super) async fn send(&self, event: Event) {
        let budget = match &event {
            Event::Message { payload, .. } => {
                let share = u32::try_from(payload.len())
                    .unwrap_or(u32::MAX)
                    .clamp(1, self.budget_bytes);
                Arc::clone(&self.budget)
                    .acquire_many_owned(share)
                    .await
                    .ok()
            }
            _ => None,
        };
        // A stopped observer takes nothing more.
        let _ = self
            .queue
            .send(Observed {
                event,
                _budget: budget,
            })
            .await;
    }
}

impl Observer {
    /// Asks the observer to stop without waiting (the proxy was dropped); when its queue is
    /// full it stops once every sender is gone.
    pub(super) fn stop_now(&self) {
        let _ = self.queue.try_send(Observed {
            event: Event::Stop,
            _budget: None,
        });
    }
}

/// Where the observer writes, and what it checks with.
pub(super) struct Outputs {
    pub checker: Checker,
    pub record: Option<Box<dyn Write + Send>>,
    pub report: Option<Box<dyn Write + Send>>,
}

/// What the rest of the proxy reads of the observer.
pub(super) struct Watch {
    pub summary: Arc<Mutex<Summary>>,
    /// How many relayed connections have ended and been written down.
    pub closed: watch::Receiver<u64>,
    pub thread: std::thread::JoinHandle<()>,
}

/// Starts the observer thread with a queue of `messages` entries and `bytes` payload bytes.
pub(super) fn start(
    outputs: Outputs,
    messages: usize,
    bytes: usize,
) -> std::io::Result<(Observer, Watch)> {
    let (queue, receiver) = mpsc::channel(messages.max(1));
    let budget_bytes = u32::try_from(bytes).unwrap_or(u32::MAX).max(1);
    let summary = Arc::new(Mutex::new(Summary::default()));
    let (closed_sender, closed) = watch::channel(0);
    let mut state = State {
        checker: outputs.checker,
        record: outputs
            .record
            .map(|record| BufWriter::with_capacity(64 << 10, record)),
        report: outputs
            .report
            .map(|report| BufWriter::with_capacity(16 << 10, report)),
        summary: Arc::clone(&summary),
        closed: closed_sender,
        seq: 0,
    };
    let thread = std::thread::Builder::new()
        .name("trueconf-proxy-observer".into())
        .spawn(move || state.run(receiver))?;
    Ok((
        Observer {
            queue,
            budget: Arc::new(Semaphore::new(budget_bytes as usize)),
            budget_bytes,
        },
        Watch {
            summary,
            closed,
            thread,
        },
    ))
}

struct State {
    checker: Checker,
    record: Option<BufWriter<Box<dyn Write + Send>>>,
    report: Option<BufWriter<Box<dyn Write + Send>>>,
    summary: Arc<Mutex<Summary>>,
    closed: watch::Sender<u64>,
    /// The number of the last line of the recording.
    seq: u64,
}

impl State {
    fn run(&mut self, mut receiver: mpsc::Receiver<Observed>) {
        'run: while let Some(first) = receiver.blocking_recv() {
            let mut next = Some(first);
            // Everything queued now, then one flush.
            while let Some(observed) = next.take() {
                if let Event::Stop = observed.event {
                    break 'run;
                }
                self.observe(observed.event);
                next = receiver.try_recv().ok();
            }
            self.flush();
        }
        self.flush();
    }

    fn flush(&mut self) {
        if let Some(record) = &mut self.record {
            if let Err(error) = record.flush() {
                self.recording_failed(&error);
            }
        }
        if let Some(report) = &mut self.report {
            // A report nobody reads any more (a closed stdout) is not worth stopping for.
            if report.flush().is_err() {
                self.report = None;
            }
        }
    }

    fn observe(&mut self, event: Event) {
        match event {
            Event::Open {
                conn,
                time,
                client,
                room,
            } => {
                self.seq += 1;
                lock(&self.summary).connections += 1;
                let time = timestamp(time);
                let client = client.to_string();
                let seq = self.seq;
                self.record(|line| {
                    line.field("seq", &seq)?
                        .field("time", &time)?
                        .field("conn", &conn)?
                        .field("event", "open")?
                        .field("client", &client)?
                        .field("room", &room)?
                        .end()
                });
                let seq = self.seq;
                self.report(format_args!(
                    "#{seq} conn {conn} open: client {client} -> room {room}"
                ));
            }
            Event::Message {
                conn,
                time,
                from,
                frame,
                payload,
            } => self.message(conn, time, from, frame, &payload),
            Event::Control { from, pong } => {
                let mut summary = lock(&self.summary);
                let direction = summary.sent_by_mut(from);
                if pong {
                    direction.pongs += 1;
                } else {
                    direction.pings += 1;
                }
            }
            Event::Close { conn, time, ending } => self.close(conn, time, &ending),
            Event::Refused { client, why } => {
                lock(&self.summary).refused += 1;
                self.report(format_args!(
                    "proxy: a WebSocket from {client} was refused: {why}"
                ));
            }
            Event::Http { rewritten } => {
                let mut summary = lock(&self.summary);
                summary.http_requests += 1;
                summary.config_rewritten += u64::from(rewritten);
            }
            Event::Notice(text) => self.report(format_args!("proxy: {text}")),
            Event::Stop => {}
        }
    }

    fn message(
        &mut self,
        conn: u64,
        time: SystemTime,
        from: Side,
        frame: FrameKind,
        payload: &[u8],
    ) {
        self.seq += 1;
        let verdict = self.checker.check(payload);
        {
            let mut summary = lock(&self.summary);
            let direction = summary.sent_by_mut(from);
            match frame {
                FrameKind::Text => direction.text += 1,
                FrameKind::TextNotUtf8 => direction.text_not_utf8 += 1,
                FrameKind::Binary => direction.binary += 1,
            }
            direction.bytes += payload.len() as u64;
            direction.add(&verdict);
        }
        if self.record.is_some() {
            let mut check = Map::new();
            verdict.append_json(&mut check);
            let time = timestamp(time);
            let text = match frame {
                FrameKind::Text => std::str::from_utf8(payload).ok(),
                FrameKind::TextNotUtf8 | FrameKind::Binary => None,
            };
            let seq = self.seq;
            let kind = match frame {
                FrameKind::Text | FrameKind::TextNotUtf8 => "text",
                FrameKind::Binary => "binary",
            };
            self.record(|line| {
                let line = line
                    .field("seq", &seq)?
                    .field("time", &time)?
                    .field("conn", &conn)?
                    .field("from", from.as_str())?
                    .field("frame", kind)?;
                let line = match text {
                    Some(text) => line.field("text", text)?,
                    None => line.field("base64", &Base64(payload))?,
                };
                line.field("check", &check)?.end()
            });
        }
        let seq = self.seq;
        let to = from.other();
        let how = match frame {
            FrameKind::Text => "",
            FrameKind::TextNotUtf8 => " (text, not UTF-8)",
            FrameKind::Binary => " (binary)",
        };
        self.report(format_args!(
            "#{seq} conn {conn} {from} -> {to}{how}: {verdict}"
        ));
    }

    fn close(&mut self, conn: u64, time: SystemTime, ending: &Ending) {
        self.seq += 1;
        {
            let mut summary = lock(&self.summary);
            summary.closed += 1;
            summary.from_client.undelivered += ending.undelivered[0];
            summary.from_room.undelivered += ending.undelivered[1];
        }
        let time = timestamp(time);
        let [from_client, from_room] = ending.undelivered;
        let seq = self.seq;
        let undelivered = (from_client + from_room > 0).then(|| {
            let mut counts = Map::new();
            counts.insert("client".into(), Value::from(from_client));
            counts.insert("room".into(), Value::from(from_room));
            counts
        });
        self.record(|line| {
            line.field("seq", &seq)?
                .field("time", &time)?
                .field("conn", &conn)?
                .field("event", "close")?
                .field("by", ending.by.as_str())?
                .field_if("code", ending.close.as_ref().map(|(code, _)| code))?
                .field_if("reason", ending.close.as_ref().map(|(_, reason)| reason))?
                .field_if("error", ending.error.as_ref())?
                .field_if("undelivered", undelivered.as_ref())?
                .end()
        });
        let seq = self.seq;
        let by = ending.by.as_str();
        let how = match (&ending.close, &ending.error) {
            (Some((code, reason)), _) => format!("close frame {code} {reason:?}"),
            (None, Some(error)) => format!("no close frame: {error}"),
            (None, None) => "no close frame".to_string(),
        };
        let lost = if from_client + from_room > 0 {
            format!("; not delivered: {from_client} from the client, {from_room} from the room")
        } else {
            String::new()
        };
        self.report(format_args!(
            "#{seq} conn {conn} closed by {by}: {how}{lost}"
        ));
        let closed = lock(&self.summary).closed;
        self.closed.send_replace(closed);
    }

    /// Writes one line with `write`, unless there is no recording (any more).
    fn record(
        &mut self,
        write: impl FnOnce(Line<'_, BufWriter<Box<dyn Write + Send>>>) -> std::io::Result<()>,
    ) {
        let Some(record) = &mut self.record else {
            return;
        };
        if let Err(error) = Line::start(record).and_then(write) {
            self.recording_failed(&error);
        }
    }

    fn recording_failed(&mut self, error: &std::io::Error) {
        self.record = None;
        let problem = error.to_string();
        lock(&self.summary).recording_failed = Some(problem.clone());
        self.report(format_args!(
            "proxy: writing the recording failed, it stops here: {problem}"
        ));
    }

    fn report(&mut self, line: std::fmt::Arguments<'_>) {
        if let Some(report) = &mut self.report {
            if writeln!(report, "{line}").is_err() {
                self.report = None;
            }
        }
    }
}

/// `2026-12-06T18:42:18.123Z`.
fn timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

/// One line of the recording being written: a JSON object whose keys come in the order they
/// are added.
struct Line<'a, W: Write> {
    out: &'a mut W,
    first: bool,
}

impl<'a, W: Write> Line<'a, W> {
    fn start(out: &'a mut W) -> std::io::Result<Self> {
        out.write_all(b"{")?;
        Ok(Self { out, first: true })
    }

    fn field(mut self, key: &str, value: &(impl Serialize + ?Sized)) -> std::io::Result<Self> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.write_all(b":")?;
        serde_json::to_writer(&mut *self.out, value)?;
        Ok(self)
    }

    fn field_if<T: Serialize + ?Sized>(
        self,
        key: &str,
        value: Option<&T>,
    ) -> std::io::Result<Self> {
        match value {
            Some(value) => self.field(key, value),
            None => Ok(self),
        }
    }

    fn end(self) -> std::io::Result<()> {
        self.out.write_all(b"}\n")
    }
}

/// Bytes written as standard base64 with padding, streamed (no copy of the message).
struct Base64<'a>(&'a [u8]);

impl Serialize for Base64<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&data_encoding::BASE64.encode_display(self.0))
    }
}
