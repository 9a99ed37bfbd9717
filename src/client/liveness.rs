//! Whether the Room is still there: when it last sent anything, when to probe it, whether a
//! write has been stuck too long, and when its silence means it is dead (see
//! [`super::Heartbeat`]). One per connection, shared by the reader (which hears frames), the
//! writer (which marks its writes and sends the probes) and the watch, all in the connection
//! task.
//!
//! The watch is the connection's only timer: it sleeps until the next thing that may fall
//! due, and re-arms only when it wakes. Reads and writes just store the time in an atomic, so
//! a busy connection pays no timer per message.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::config::Heartbeat;

/// "Not writing" in [`Liveness::writing_since`].
const IDLE: u64 = u64::MAX;

pub(crate) struct Liveness {
    heartbeat: Option<Heartbeat>,
    /// When the connection was served: the times below count from here, in milliseconds.
    start: Instant,
    last_heard: AtomicU64,
    last_probe: AtomicU64,
    /// When the write under way began ([`IDLE`] when none is).
    writing_since: AtomicU64,
    /// The Room has answered a ping on this connection, so pings alone are probe enough.
    answers_pings: AtomicBool,
    /// The watch asks the writer for a probe.
    probe_due: Notify,
}

/// What the heartbeat sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// A WebSocket ping.
    Ping,
    /// A ping and a `getAppState` request (the Room has not answered a ping yet).
    PingAndRequest,
}

/// Why the watch gave the connection up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dead {
    /// The Room sent nothing for this long.
    Silent(Duration),
    /// A write has waited this long for the Room to read.
    NotReading(Duration),
}

impl Liveness {
    pub(crate) fn new(heartbeat: Option<Heartbeat>) -> Self {
        Self {
            heartbeat,
            start: Instant::now(),
            last_heard: AtomicU64::new(0),
            last_probe: AtomicU64::new(0),
            writing_since: AtomicU64::new(IDLE),
            answers_pings: AtomicBool::new(false),
            probe_due: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(IDLE - 1)
    }

    fn at(&self, millis: u64) -> Instant {
        self.start + Duration::from_millis(millis)
    }

    /// The Room sent a frame.
    pub(crate) fn heard(&self) {
        self.last_heard.store(self.now(), Ordering::Relaxed);
    }

    /// The Room sent a pong.
    pub(crate) fn pong(&self) {
        self.answers_pings.store(true, Ordering::Relaxed);
    }

    /// The writer starts a write (which the Room must take within the deadline).
    pub(crate) fn writing(&self) {
        self.writing_since.store(self.now(), Ordering::Relaxed);
    }

    /// The write is done.
    pub(crate) fn written(&self) {
        self.writing_since.store(IDLE, Ordering::Relaxed);
    }

    /// Waits until the watch asks for a probe, and says what to send; never returns without a
    /// heartbeat.
    pub(crate) async fn probe(&self) -> Probe {
        self.probe_due.notified().await;
        if self.answers_pings.load(Ordering::Relaxed) {
            Probe::Ping
        } else {
            Probe::PingAndRequest
        }
    }

    /// Watches the connection: asks the writer for a probe after `interval` without a frame
    /// (or a probe), and returns once the Room has been silent, or a write stuck, for the
    /// deadline; never returns without a heartbeat.
    ///
    /// One sleep at a time is enough: a write that starts after the watch went to sleep
    /// falls due after the time it sleeps until, so it is seen at the next wake.
    pub(crate) async fn watch(&self) -> Dead {
        let Some(heartbeat) = self.heartbeat else {
            return std::future::pending().await;
        };
        let interval = heartbeat.effective_interval();
        loop {
            let now = Instant::now();
            let heard = self.at(self.last_heard.load(Ordering::Relaxed));
            if now >= heard + heartbeat.deadline {
                return Dead::Silent(now - heard);
            }
            let mut wake = heard + heartbeat.deadline;
            let since = self.writing_since.load(Ordering::Relaxed);
            if since != IDLE {
                let writing = self.at(since);
                if now >= writing + heartbeat.deadline {
                    return Dead::NotReading(now - writing);
                }
                wake = wake.min(writing + heartbeat.deadline);
            }
            let latest = heard.max(self.at(self.last_probe.load(Ordering::Relaxed)));
            let mut probe_at = latest + interval;
            if now >= probe_at {
                self.last_probe.store(self.now(), Ordering::Relaxed);
                self.probe_due.notify_one();
                probe_at = now + interval;
            }
            tokio::time::sleep_until(wake.min(probe_at)).await;
        }
    }
}
