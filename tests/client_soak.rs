//! A Room that drops the connection again and again, as one in a meeting room does over weeks
//! (network blips, Room restarts, sleep mode): after a hundred and fifty reconnects the client
//! holds no more memory and runs no more tasks than after the first few, every request made
//! between drops is answered, and a subscription made once keeps delivering. A leak of one
//! connection's buffers or tasks per reconnect would pass a short test and fail a kiosk after a
//! month; this is the test that sees it.
//!
//! The Room is `trueconf-api mock-room` in a process of its own (`POST /mock/drop` is the blip,
//! `POST /mock/notify` the notification), so the allocator that counts every allocation of
//! this test binary counts the client alone, not the Room's own bounded stores (the session
//! tokens it accepts, the HTTP-server tokens it issued in the last five minutes).
//!
//! `SOAK_CYCLES=N cargo test --test client_soak -- --nocapture` runs N reconnects instead of
//! 150 and prints what the client held before and after.

mod common;
#[path = "common/mock_wire.rs"]
mod mock_wire;

use std::future::Future;
use std::process::{Child, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use trueconf_api::client::{Client, ConnectionStatus, Reconnect, StreamError};
use trueconf_api::commands::GetAppState;
use trueconf_api::notifications::FileTransferAvailabilityChanged;
use trueconf_api::types::FileTransferAvailability;

use common::counting::{measure, Counting};
use mock_wire::http;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Reconnects before the measurement starts: buffers, pools and the runtime's own tables reach
/// their working size.
const WARM_UP: usize = 10;
/// Reconnects measured.
const CYCLES: usize = 150;
/// What the client may hold after the measured reconnects beyond what it held before them:
/// about 55 bytes a reconnect. One connection's read buffer alone is several KiB, so keeping
/// any connection's state per reconnect exceeds it many times over.
const ALLOWED_GROWTH: usize = 8 << 10;
/// Only there so a broken test cannot hang; nothing is timed.
const GUARD: Duration = Duration::from_secs(30);

async fn guarded<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no result within {GUARD:?} (hang)"))
}

/// `trueconf-api mock-room` on free ports; killed when dropped.
struct RoomProcess {
    child: Child,
    http_port: u16,
}

impl RoomProcess {
    fn start() -> RoomProcess {
        // Its stderr logs every dropped connection: a pipe nobody reads would stop it.
        let (child, line, _) = common::start_server(&["mock-room"], Stdio::null());
        let http_port = common::port_in(&line, "http");
        RoomProcess { child, http_port }
    }

    /// `POST path` with `body`; the JSON answer.
    async fn post(&self, path: &str, body: &str) -> Value {
        let (status, answer) = guarded(path, http("POST", self.http_port, path, body)).await;
        assert_eq!(status, 200, "{path}: {answer:?}");
        serde_json::from_slice(&answer).expect("a JSON answer")
    }
}

impl Drop for RoomProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One blip: the Room drops the connection; the client reconnects and authorizes again, and a
/// request is answered on the new connection.
async fn blip(room: &RoomProcess, client: &Client) {
    let reconnects = client.stats().reconnects;
    assert_eq!(room.post("/mock/drop", "").await, json!({"dropped": 1}));
    guarded("reconnect", async {
        while client.stats().reconnects == reconnects
            || client.status() != ConnectionStatus::Connected
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
    guarded("request", client.request(GetAppState::new()))
        .await
        .expect("answered on the new connection");
}

/// A notification pushed by the Room reaches the subscription made before the first drop.
async fn still_delivers(
    room: &RoomProcess,
    subscription: &mut (impl futures_util::Stream<Item = Result<FileTransferAvailabilityChanged, StreamError>>
              + Unpin),
) {
    let event = json!({"method": "event", "event": "fileTransferAvailabilityChanged",
                       "availability": 3});
    let pushed = room.post("/mock/notify", &event.to_string()).await;
    assert_eq!(pushed["connections"], 1, "{pushed}");
    let received = guarded("notification", subscription.next())
        .await
        .expect("the subscription is still open")
        .expect("decodes");
    assert_eq!(received.availability, FileTransferAvailability::Available);
}

/// Tasks alive in the runtime.
fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Tasks alive once those just closed (the last connection's, an HTTP exchange's) have had a
/// moment to finish: polled until there are no more than `expected`, for at most 10 s, so a
/// slow machine waits longer instead of failing; what is left then is returned.
async fn settled_tasks(expected: usize) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    tokio::time::sleep(Duration::from_millis(100)).await;
    while alive_tasks() > expected && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    alive_tasks()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_and_fifty_reconnects_leak_neither_memory_nor_tasks() {
    let room = RoomProcess::start();
    let client = guarded(
        "connect",
        Client::builder()
            .host("127.0.0.1", room.http_port)
            .reconnect(
                Reconnect::default()
                    .initial_delay(Duration::from_millis(5))
                    .max_delay(Duration::from_millis(20)),
            )
            .request_timeout(GUARD)
            .connect(),
    )
    .await
    .expect("connects");
    let mut availability = client.subscribe::<FileTransferAvailabilityChanged>();

    for _ in 0..WARM_UP {
        blip(&room, &client).await;
    }
    still_delivers(&room, &mut availability).await;
    // The client's own task (the driver) is all that should be left between blips.
    let tasks_before = settled_tasks(1).await;
    let held_before = measure();

    let cycles: usize = std::env::var("SOAK_CYCLES")
        .ok()
        .and_then(|cycles| cycles.parse().ok())
        .unwrap_or(CYCLES);
    for _ in 0..cycles {
        blip(&room, &client).await;
    }
    still_delivers(&room, &mut availability).await;
    let tasks_after = settled_tasks(tasks_before).await;
    let held_after = measure();

    let growth = held_after.saturating_sub(held_before);
    eprintln!(
        "after {cycles} reconnects: {held_before} -> {held_after} bytes held ({growth} more), \
         {tasks_before} -> {tasks_after} tasks"
    );
    assert_eq!(
        client.stats().reconnects,
        (WARM_UP + cycles) as u64,
        "every drop was one reconnect"
    );
    assert!(
        tasks_after <= tasks_before,
        "tasks grew from {tasks_before} to {tasks_after} over {cycles} reconnects"
    );
    assert!(
        growth <= ALLOWED_GROWTH,
        "the client holds {growth} bytes more after {cycles} reconnects (allowed {ALLOWED_GROWTH})"
    );
}
