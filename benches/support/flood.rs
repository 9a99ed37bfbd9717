//! What the client benchmarks share (`benches/client.rs`, `benches/fleet.rs`): the
//! notification their floods send, how a client reads them, the median of their rounds, and
//! where their summaries go.

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use trueconf_api::client::{StreamError, Subscription};
use trueconf_api::notifications::IncomingFileRequestDownloadingProgress;

/// A documented `incomingFileRequestDownloadingProgress` notification.
pub fn progress_notification() -> Value {
    json!({
        "method": "event",
        "event": "incomingFileRequestDownloadingProgress",
        "fileSize": 80488954,
        "processedPercents": 20,
        "fileRequestId": "3322be1a-5736-4a01-8007-cbee8036f8b8",
        "fileName": "777.zip",
        "peerId": "820_1@some.server",
        "peerDisplayName": "820_1",
        "timestamp": 1659288685582u64
    })
}

/// The median of measured rounds.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Reads `count` notifications of a flood from `subscription`, counting those the consumer
/// lost (`Lagged`); returns how many were lost.
pub async fn read_progress(
    subscription: &mut Subscription<IncomingFileRequestDownloadingProgress>,
    count: usize,
) -> u64 {
    let (mut received, mut lost) = (0u64, 0u64);
    while received + lost < count as u64 {
        match subscription.recv().await {
            Some(Ok(_)) => received += 1,
            Some(Err(StreamError::Lagged(n))) => lost += n,
            Some(Err(error)) => panic!("{error}"),
            None => panic!("the client closed"),
        }
    }
    lost
}

/// Reads `count` text frames from a bare WebSocket, ignoring any other frame: the floor's
/// reader, which only counts.
pub async fn count_text_frames<S>(socket: &mut S, count: usize)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut frames = 0;
    while frames < count {
        match socket.next().await {
            Some(Ok(frame)) if frame.is_text() => frames += 1,
            Some(Ok(_)) => {}
            other => panic!("the socket ended: {other:?}"),
        }
    }
}

/// Writes `summary` to `summary.json` in `directory` (next to criterion's reports); a failure
/// is reported, not fatal.
pub fn write_summary(directory: &std::path::Path, summary: &Value) {
    let written = std::fs::create_dir_all(directory).and_then(|()| {
        std::fs::write(
            directory.join("summary.json"),
            serde_json::to_string_pretty(summary).unwrap_or_default(),
        )
    });
    if let Err(error) = written {
        eprintln!("cannot write the summary: {error}");
    }
}
