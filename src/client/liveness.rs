//! Whether the Room is still there: when it last sent anything, when to probe it, and when
//! its silence means it is dead (see [`super::Heartbeat`]). One per connection, shared by the
//! reader (which hears frames), the writer (which sends probes) and the deadline watch, all
//! in the connection task.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::config::Heartbeat;

pub(crate) struct Liveness {
    heartbeat: Option<Heartbeat>,
    /// When the connection was served: the times below count from here, in milliseconds.
    start: Instant,
    last_heard: AtomicU64,
    last_probe: AtomicU64,
    /// The Room has answered a ping on this connection, so pings alone are probe enough.
    answers_pings: AtomicBool,
}

/// What the heartbeat sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// A WebSocket ping.
    Ping,
    /// A ping and a `getAppState` request (the Room has not answered a ping yet).
    PingAndRequest,
}

impl Liveness {
    pub(crate) fn new(heartbeat: Option<Heartbeat>) -> Self {
        Self {
            heartbeat,
            start: Instant::now(),
            last_heard: AtomicU64::new(0),
            last_probe: AtomicU64::new(0),
            answers_pings: AtomicBool::new(false),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
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

    /// When the writer should wake to probe: `interval` after the last frame or probe,
    /// whichever is later. `None` without a heartbeat.
    pub(crate) fn probe_due(&self) -> Option<Instant> {
        let interval = self.heartbeat?.effective_interval();
        let latest = self
            .last_heard
            .load(Ordering::Relaxed)
            .max(self.last_probe.load(Ordering::Relaxed));
        Some(self.at(latest) + interval)
    }

    /// What to send now, if anything (the Room may have spoken since the writer was woken);
    /// counts it as sent.
    pub(crate) fn probe(&self) -> Option<Probe> {
        let due = self.probe_due()?;
        if Instant::now() < due {
            return None;
        }
        self.last_probe.store(self.now(), Ordering::Relaxed);
        Some(if self.answers_pings.load(Ordering::Relaxed) {
            Probe::Ping
        } else {
            Probe::PingAndRequest
        })
    }

    /// Waits until the Room has been silent for the deadline, and returns how long it was
    /// silent; never returns without a heartbeat.
    pub(crate) async fn dead(&self) -> Duration {
        let Some(heartbeat) = self.heartbeat else {
            return std::future::pending().await;
        };
        loop {
            let last = self.at(self.last_heard.load(Ordering::Relaxed));
            let due = last + heartbeat.deadline;
            let now = Instant::now();
            if now >= due {
                return now - last;
            }
            tokio::time::sleep_until(due).await;
        }
    }
}
