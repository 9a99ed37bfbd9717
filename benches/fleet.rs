//! A fleet: N clients in one process against in-process mock Rooms. Prints one table:
//!
//! - memory per idle connected client, next to a bare tokio-tungstenite connection with a
//!   reader task measured in the same run (the floor; the target is at most 1.2×);
//! - how long connecting the whole fleet takes (by host and port: `config.json`, `auth`, the
//!   state fetch; all at once);
//! - notifications per second fleet-wide (every Room floods each of its connections; every
//!   client reads them through a typed subscription), next to the same floods read by bare
//!   connections that only count frames (what the mock Rooms can send), and how many were
//!   lost.
//!
//! Memory is counted only on the clients' thread (`support/fleet.rs`); the Rooms run on a
//! runtime of their own. Rates are medians of rounds; they move with the load of a shared
//! machine, the memory figures do not.
//!
//! Run: `cargo bench --bench fleet`. Settings (environment):
//!
//! - `TRUECONF_FLEET_CLIENTS` (default 1000): clients;
//! - `TRUECONF_FLEET_ROOMS` (default 10): mock Rooms, the clients spread evenly over them;
//! - `TRUECONF_FLEET_NOTIFICATIONS` (default 1000): notifications each client receives per
//!   round.
//!
//! The figures also go to `target/criterion/fleet/summary.json` (or under `CRITERION_HOME`).

#[path = "../tests/common/counting.rs"]
mod counting;
#[path = "support/criterion_dir.rs"]
mod criterion_dir;
#[path = "support/fleet.rs"]
mod fleet;
#[path = "support/flood.rs"]
mod flood;

use std::time::{Duration, Instant};

use serde_json::json;
use trueconf_api::client::Client;
use trueconf_api::notifications::IncomingFileRequestDownloadingProgress;

use flood::{count_text_frames, median, progress_notification, read_progress, write_summary};

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// Measured rounds of connecting and of flooding (the median is reported).
const ROUNDS: usize = 3;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Every Room floods each of its connections with `count` progress notifications; every
/// client reads its own through a typed subscription. The time until the last one arrived
/// everywhere, and how many were lost (reported as `Lagged`).
fn flood(
    runtime: &tokio::runtime::Runtime,
    rooms: &fleet::Rooms,
    clients: &[Client],
    count: usize,
) -> (Duration, u64) {
    let notification = progress_notification();
    runtime.block_on(async {
        let readers: Vec<_> = clients
            .iter()
            .map(|client| {
                let mut subscription = client.subscribe::<IncomingFileRequestDownloadingProgress>();
                tokio::spawn(async move { read_progress(&mut subscription, count).await })
            })
            .collect();
        let started = Instant::now();
        let floods = spawn_floods(rooms, &notification, count);
        let mut lost = 0;
        for reader in readers {
            lost += reader.await.expect("a reader");
        }
        let elapsed = started.elapsed();
        for flood in floods {
            flood.await.expect("a flood");
        }
        (elapsed, lost)
    })
}

/// The floor of [`flood`]: the same flood read by bare tokio-tungstenite connections that
/// only count frames (what the mock Rooms can send), measured in the same run.
fn bare_flood(
    runtime: &tokio::runtime::Runtime,
    rooms: &fleet::Rooms,
    clients: usize,
    count: usize,
) -> Duration {
    let notification = progress_notification();
    runtime.block_on(async {
        rooms.wait_for_connections(0).await;
        let mut readers = Vec::with_capacity(clients);
        for n in 0..clients {
            let (mut socket, _) = tokio_tungstenite::connect_async(rooms.room(n).ws_url())
                .await
                .expect("a bare connection");
            readers.push(tokio::spawn(async move {
                count_text_frames(&mut socket, count).await
            }));
        }
        // Every Room has its connections before it floods (else a flood misses them).
        rooms.wait_for_connections(clients).await;
        let started = Instant::now();
        let floods = spawn_floods(rooms, &notification, count);
        for reader in readers {
            reader.await.expect("a reader");
        }
        let elapsed = started.elapsed();
        for flood in floods {
            flood.await.expect("a flood");
        }
        elapsed
    })
}

/// Every Room floods each of its connections with `count` copies of `notification`.
fn spawn_floods(
    rooms: &fleet::Rooms,
    notification: &serde_json::Value,
    count: usize,
) -> Vec<tokio::task::JoinHandle<usize>> {
    rooms
        .rooms
        .iter()
        .map(|room| {
            let room = std::sync::Arc::clone(room);
            let notification = notification.clone();
            rooms
                .runtime
                .spawn(async move { room.flood(&notification, count).await })
        })
        .collect()
}

fn main() {
    let count = setting("TRUECONF_FLEET_CLIENTS", 1000);
    let room_count = setting("TRUECONF_FLEET_ROOMS", 10).max(1);
    let notifications = setting("TRUECONF_FLEET_NOTIFICATIONS", 1000);
    let rooms = fleet::Rooms::start(room_count);
    let runtime = fleet::client_runtime();

    // Memory: bare, clients, bare again (the smaller floor is the one compared against).
    let bare_before = fleet::bare_per_connection(&runtime, &rooms, count);
    let (client_bytes, clients) = fleet::client_per_connection(&runtime, &rooms, count);
    fleet::close_all(&runtime, clients);
    let bare_after = fleet::bare_per_connection(&runtime, &rooms, count);
    let bare_bytes = bare_before.min(bare_after);

    // Connecting, all at once.
    let mut connect_times = Vec::new();
    for _ in 0..ROUNDS {
        let (clients, elapsed) = fleet::connect_clients(&runtime, &rooms, count, count);
        connect_times.push(elapsed.as_secs_f64());
        fleet::close_all(&runtime, clients);
    }

    // Notifications fleet-wide.
    let (clients, _) = fleet::connect_clients(&runtime, &rooms, count, count);
    let mut rates = Vec::new();
    let mut lost = 0;
    for _ in 0..ROUNDS {
        let (elapsed, dropped) = flood(&runtime, &rooms, &clients, notifications);
        lost += dropped;
        rates.push((count * notifications) as f64 / elapsed.as_secs_f64());
    }
    fleet::close_all(&runtime, clients);
    let mut floor_rates = Vec::new();
    for _ in 0..ROUNDS {
        let elapsed = bare_flood(&runtime, &rooms, count, notifications);
        floor_rates.push((count * notifications) as f64 / elapsed.as_secs_f64());
    }

    let connect = median(connect_times);
    let rate = median(rates);
    let floor_rate = median(floor_rates);
    let ratio = client_bytes / bare_bytes;
    println!(
        "\nfleet: {count} clients against {room_count} in-process mock Rooms; rates are medians of {ROUNDS} rounds"
    );
    println!("| measurement | figure |");
    println!("|---|---|");
    println!(
        "| memory per idle client | {:.1} KiB |",
        client_bytes / 1024.0
    );
    println!(
        "| memory per bare tokio-tungstenite connection with a reader task (same run) | {:.1} KiB |",
        bare_bytes / 1024.0
    );
    println!("| client ÷ bare | {ratio:.3} (target ≤ 1.2) |");
    println!(
        "| connecting {count} clients at once (config.json, auth, state fetch) | {:.3} s |",
        connect
    );
    println!(
        "| notifications per second, fleet-wide ({notifications} per client per round) | {rate:.0} /s |"
    );
    println!(
        "| the same floods read by bare connections that count frames (floor, same run) | {floor_rate:.0} /s |"
    );
    println!(
        "| notifications lost (all rounds, {} sent) | {lost} |",
        ROUNDS * count * notifications
    );
    let summary = json!({
        "clients": count,
        "rooms": room_count,
        "rounds": ROUNDS,
        "client_bytes_per_connection": client_bytes,
        "bare_bytes_per_connection": bare_bytes,
        "bare_bytes_per_connection_runs": [bare_before, bare_after],
        "client_to_bare": ratio,
        "connect_all_s": connect,
        "notifications_per_client_per_round": notifications,
        "notifications_per_s": rate,
        "notifications_floor_per_s": floor_rate,
        "notifications_lost": lost,
    });
    write_summary(&criterion_dir::criterion_dir().join("fleet"), &summary);
}
