//! A consumer that reads nothing while the Room floods it: memory stays bounded by the
//! streams' buffers, and the loss is reported (`Lagged`) and counted, not silent.
//!
//! Its own test binary, because it counts every allocation of the process with a global
//! allocator.

mod common;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use trueconf_api::client::{Client, StreamError};
use trueconf_api::mock::MockRoom;
use trueconf_api::notifications::IncomingFileRequestDownloadingProgress;

use common::counting::{growth_since, measure, Counting};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const FLOOD: usize = 20_000;
const BUFFER: usize = 256;
const GUARD: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_slow_consumer_loses_the_oldest_notifications_with_a_count_and_memory_stays_bounded() {
    let room = MockRoom::start().await.expect("starts");
    let client = tokio::time::timeout(
        GUARD,
        Client::builder()
            .host("127.0.0.1", room.http_port())
            .notification_buffer(BUFFER)
            .connect(),
    )
    .await
    .expect("no hang")
    .expect("connects");
    let mut all = client.notifications();
    let mut progress = client.subscribe::<IncomingFileRequestDownloadingProgress>();

    // About 1 KiB per notification: 20,000 of them are about 20 MiB on the wire.
    let mut notification = room
        .notification_example("incomingFileRequestDownloadingProgress")
        .expect("documented");
    notification["fileName"] = json!("x".repeat(1000));
    let size = notification.to_string().len();
    let before = measure();

    tokio::time::timeout(GUARD, async {
        room.flood(&notification, FLOOD).await;
        while client.stats().notifications < FLOOD as u64 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the flood arrives");

    let growth = growth_since(before);
    let flooded = FLOOD * size;
    eprintln!("peak growth {growth} bytes for {flooded} bytes flooded");
    // Two streams of 256 buffered frames of ~1 KiB, plus the socket buffers and the mock's own
    // queue: a few MiB at most, whatever the length of the flood.
    assert!(
        growth < 8 << 20,
        "memory grew by {growth} bytes while {flooded} bytes were flooded"
    );

    // Each stream says how many it lost, then hands over the newest it kept.
    for (name, first) in [
        ("typed", progress.next().await.map(|item| item.map(|_| ()))),
        ("all", all.next().await.map(|item| item.map(|_| ()))),
    ] {
        match first {
            Some(Err(StreamError::Lagged(lost))) => {
                assert_eq!(lost, (FLOOD - BUFFER) as u64, "{name}")
            }
            other => panic!("{name}: expected Lagged first, got {other:?}"),
        }
    }
    for _ in 0..BUFFER {
        let kept = tokio::time::timeout(GUARD, progress.next())
            .await
            .expect("no hang")
            .expect("open");
        assert!(kept.is_ok(), "{kept:?}");
    }
    assert_eq!(
        client.stats().notifications_lost,
        2 * (FLOOD - BUFFER) as u64
    );
    // The connection was never held up: a request goes through at once.
    tokio::time::timeout(
        GUARD,
        client.request(trueconf_api::commands::GetFileTransferHistory::new()),
    )
    .await
    .expect("no hang")
    .expect("answered");
}
