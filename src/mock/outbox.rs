//! One connection's send queue, bounded in bytes: a peer that stops reading holds at most that
//! much of the Room's memory, the Room's own notifications to it are dropped (and counted)
//! instead of waiting, and nobody else waits for it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore, TryAcquireError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::ConnectionStats;

/// What an entry costs beyond its text: the entry itself and its place in the channel.
const ENTRY_COST: usize = 64;

/// One message to send (cheap to clone: both kinds share their bytes).
#[derive(Debug, Clone)]
pub(super) enum Payload {
    Text(Utf8Bytes),
    /// A binary frame (only a replayed recording sends one).
    Binary(Bytes),
}

impl Payload {
    fn len(&self) -> usize {
        match self {
            Payload::Text(text) => text.len(),
            Payload::Binary(bytes) => bytes.len(),
        }
    }

    pub(super) fn to_message(&self) -> Message {
        match self {
            Payload::Text(text) => Message::Text(text.clone()),
            Payload::Binary(bytes) => Message::Binary(bytes.clone()),
        }
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Self {
        Payload::Text(Utf8Bytes::from(text))
    }
}

/// What the writer of a connection sends.
pub(super) enum Outbound {
    /// A message, `times` times in a row (a flood is one entry, however long).
    Message { payload: Payload, times: u64 },
    /// A close frame; the connection ends after it.
    Close(Option<CloseFrame>),
}

/// An entry of the queue, holding its share of the budget until it is written.
pub(super) struct Queued {
    pub(super) outbound: Outbound,
    _budget: Option<OwnedSemaphorePermit>,
}

/// The sending side of a connection's queue (cloned for delayed answers and the Room's
/// notifications).
#[derive(Clone)]
pub(super) struct Outbox(Arc<Shared>);

struct Shared {
    id: u64,
    peer: SocketAddr,
    queue: mpsc::UnboundedSender<Queued>,
    /// One permit per byte the queue may still take.
    budget: Arc<Semaphore>,
    capacity: u32,
    authorized: AtomicBool,
    sent: AtomicU64,
    dropped: AtomicU64,
    /// Whether a notification waited `send_timeout` for room in vain: later ones are dropped
    /// at once until the queue has room again.
    stalled: AtomicBool,
    /// Whether the first loss was logged (later ones are summed up when the connection ends).
    warned: AtomicBool,
}

/// Why a message did not go into the queue.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// The queue is full: the message was dropped and counted.
    Full,
    /// The connection has ended.
    Closed,
}

impl Outbox {
    /// A queue of at most `capacity` bytes for connection `id`, and its receiving end.
    pub(super) fn new(id: u64, peer: SocketAddr, capacity: usize) -> (Outbox, Inbox) {
        let capacity = u32::try_from(capacity).unwrap_or(u32::MAX).max(1);
        let (queue, entries) = mpsc::unbounded_channel();
        let budget = Arc::new(Semaphore::new(capacity as usize));
        let shared = Arc::new(Shared {
            id,
            peer,
            queue,
            budget: Arc::clone(&budget),
            capacity,
            authorized: AtomicBool::new(false),
            sent: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            stalled: AtomicBool::new(false),
            warned: AtomicBool::new(false),
        });
        let inbox = Inbox {
            entries,
            budget,
            outbox: Outbox(Arc::clone(&shared)),
        };
        (Outbox(shared), inbox)
    }

    /// What a message of `length` bytes costs: its length and the entry, at most the whole
    /// budget (a message larger than the queue goes in when the queue is empty).
    fn cost(&self, length: usize) -> u32 {
        u32::try_from(length.saturating_add(ENTRY_COST))
            .unwrap_or(u32::MAX)
            .min(self.0.capacity)
    }

    /// Queues an answer of this connection's own: waits until the queue has room (a peer that
    /// does not read its answers stops being read, as TCP would have it).
    pub(super) async fn send(&self, payload: Payload) -> Result<(), Refused> {
        let cost = self.cost(payload.len());
        let permit = Arc::clone(&self.0.budget)
            .acquire_many_owned(cost)
            .await
            .map_err(|_| Refused::Closed)?;
        self.enqueue(Outbound::Message { payload, times: 1 }, Some(permit))
    }

    /// Queues a notification of the Room `times` times if the queue has room now (it is not
    /// counted as dropped when it has none: see [`Outbox::offer`] and [`Outbox::offer_now`]).
    pub(super) fn try_offer(&self, text: &Utf8Bytes, times: u64) -> Result<(), Refused> {
        match Arc::clone(&self.0.budget).try_acquire_many_owned(self.cost(text.len())) {
            Ok(permit) => {
                self.0.stalled.store(false, Ordering::Relaxed);
                self.queue_text(text, times, permit)
            }
            Err(TryAcquireError::Closed) => Err(Refused::Closed),
            Err(TryAcquireError::NoPermits) => Err(Refused::Full),
        }
    }

    /// Queues a notification of the Room `times` times, at once or not at all: with no room
    /// in the queue it is dropped and counted.
    pub(super) fn offer_now(&self, text: &Utf8Bytes, times: u64) -> Result<(), Refused> {
        let offered = self.try_offer(text, times);
        if offered == Err(Refused::Full) {
            self.lose(times);
        }
        offered
    }

    /// Queues a notification of the Room `times` times, waiting up to `patience` for room
    /// when the queue is full: a connection that reads gets it, one that does not is marked
    /// stalled and loses it (counted); while stalled, it loses the next ones without a wait.
    pub(super) async fn offer(
        &self,
        text: &Utf8Bytes,
        times: u64,
        patience: Duration,
    ) -> Result<(), Refused> {
        match self.try_offer(text, times) {
            Err(Refused::Full) if !self.0.stalled.load(Ordering::Relaxed) => {}
            Err(Refused::Full) => {
                self.lose(times);
                return Err(Refused::Full);
            }
            other => return other,
        }
        let budget = Arc::clone(&self.0.budget);
        match tokio::time::timeout(patience, budget.acquire_many_owned(self.cost(text.len()))).await
        {
            Ok(Ok(permit)) => self.queue_text(text, times, permit),
            Ok(Err(_)) => Err(Refused::Closed),
            Err(_) => {
                self.0.stalled.store(true, Ordering::Relaxed);
                self.lose(times);
                Err(Refused::Full)
            }
        }
    }

    fn queue_text(
        &self,
        text: &Utf8Bytes,
        times: u64,
        permit: OwnedSemaphorePermit,
    ) -> Result<(), Refused> {
        let payload = Payload::Text(text.clone());
        self.enqueue(Outbound::Message { payload, times }, Some(permit))
    }

    /// Counts `times` notifications dropped; the first loss of the connection is logged.
    fn lose(&self, times: u64) {
        self.0.dropped.fetch_add(times, Ordering::Relaxed);
        if !self.0.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                connection = self.0.id,
                peer = %self.0.peer,
                queued = self.queued_bytes(),
                "mock Room: a connection is not reading; the notifications that do not fit in \
                 its send queue are dropped (MockRoom::stats counts them)"
            );
        }
    }

    /// Queues a close frame, whatever the budget; the writer ends after it.
    pub(super) fn close(&self, frame: Option<CloseFrame>) {
        let _ = self.enqueue(Outbound::Close(frame), None);
    }

    fn enqueue(
        &self,
        outbound: Outbound,
        budget: Option<OwnedSemaphorePermit>,
    ) -> Result<(), Refused> {
        self.0
            .queue
            .send(Queued {
                outbound,
                _budget: budget,
            })
            .map_err(|_| Refused::Closed)
    }

    /// Marks the connection authorized (or not), for [`ConnectionStats`].
    pub(super) fn set_authorized(&self, authorized: bool) {
        self.0.authorized.store(authorized, Ordering::Relaxed);
    }

    /// Counts `count` messages written to the socket.
    pub(super) fn count_sent(&self, count: u64) {
        self.0.sent.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts `count` messages that could not be written (over the size limit).
    pub(super) fn count_dropped(&self, count: u64) {
        self.0.dropped.fetch_add(count, Ordering::Relaxed);
    }

    /// How many messages were dropped so far.
    pub(super) fn dropped(&self) -> u64 {
        self.0.dropped.load(Ordering::Relaxed)
    }

    fn queued_bytes(&self) -> usize {
        (self.0.capacity as usize).saturating_sub(self.0.budget.available_permits())
    }

    /// The connection's figures right now.
    pub(super) fn stats(&self) -> ConnectionStats {
        ConnectionStats {
            id: self.0.id,
            peer: self.0.peer,
            authorized: self.0.authorized.load(Ordering::Relaxed),
            sent: self.0.sent.load(Ordering::Relaxed),
            dropped: self.dropped(),
            queued_bytes: self.queued_bytes(),
        }
    }
}

/// The receiving end of a connection's queue, read by its writer. Dropping it ends the queue:
/// whoever waits for room in it, or sends to it later, is told the connection has ended.
pub(super) struct Inbox {
    entries: mpsc::UnboundedReceiver<Queued>,
    budget: Arc<Semaphore>,
    /// The sending side, for the writer's counts.
    pub(super) outbox: Outbox,
}

impl Inbox {
    /// The next entry; `None` never comes while an [`Outbox`] is alive.
    pub(super) async fn recv(&mut self) -> Option<Queued> {
        self.entries.recv().await
    }

    /// The next entry if one is waiting.
    pub(super) fn try_recv(&mut self) -> Option<Queued> {
        self.entries.try_recv().ok()
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        self.budget.close();
        self.entries.close();
    }
}
