//! What an idle connection costs, measured side by side in one process: a bare
//! tokio-tungstenite connection with a reader task (the floor), and a connected
//! `trueconf_api::client::Client`, both against in-process mock Rooms.
//!
//! Memory is what the client thread holds (`tests/common/counting.rs`, which the including
//! binary declares as `counting` and installs as its allocator): the clients run on a current-thread
//! runtime of their own on that thread, the mock Rooms on another runtime whose threads are
//! not counted, so what the Rooms hold for each connection does not blur the figures. Used
//! by `benches/fleet.rs` and `tests/client_fleet_memory.rs` (which asserts the target).

// Each of the two binaries uses a part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::runtime::Runtime;
use trueconf_api::client::Client;
use trueconf_api::mock::MockRoom;

use crate::counting::{held_by_marked as held, mark_this_thread};

/// The mock Rooms, on a runtime of their own (its threads are not counted).
pub struct Rooms {
    pub runtime: Runtime,
    pub rooms: Vec<Arc<MockRoom>>,
}

impl Rooms {
    pub fn start(count: usize) -> Rooms {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the Rooms");
        let rooms = runtime.block_on(async {
            let mut rooms = Vec::with_capacity(count);
            for _ in 0..count {
                rooms.push(Arc::new(MockRoom::start().await.expect("a mock Room")));
            }
            rooms
        });
        Rooms { runtime, rooms }
    }

    /// Waits until the Rooms hold `count` connections in all (a Room registers a connection
    /// just after its handshake, and old ones just after they end).
    pub async fn wait_for_connections(&self, count: usize) {
        while self
            .rooms
            .iter()
            .map(|room| room.connections())
            .sum::<usize>()
            != count
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// The Room for connection `n` (connections are spread evenly).
    pub fn room(&self, n: usize) -> &MockRoom {
        &self.rooms[n % self.rooms.len()]
    }
}

/// The client side: a current-thread runtime whose thread is counted.
pub fn client_runtime() -> Runtime {
    mark_this_thread();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the clients")
}

/// How long to let connections settle before reading the counter (the Rooms' first
/// messages, the clients' state fetches are over by then).
const SETTLE: Duration = Duration::from_millis(300);

/// Bytes held per connection by `count` bare tokio-tungstenite connections, each with a task
/// that reads (and drops) every frame: what any WebSocket client pays.
pub fn bare_per_connection(runtime: &Runtime, rooms: &Rooms, count: usize) -> f64 {
    runtime.block_on(async {
        let before = held();
        let mut readers = Vec::with_capacity(count);
        for n in 0..count {
            let (socket, _) = tokio_tungstenite::connect_async(rooms.room(n).ws_url())
                .await
                .expect("a bare connection");
            readers.push(tokio::spawn(async move {
                let mut socket = socket;
                while let Some(Ok(_)) = socket.next().await {}
            }));
        }
        tokio::time::sleep(SETTLE).await;
        let per = (held() - before) as f64 / count as f64;
        for reader in readers {
            reader.abort();
            let _ = reader.await;
        }
        per
    })
}

/// Connects `count` clients (by host and HTTP port: `config.json`, `auth`, the state
/// fetch), `parallel` at a time; the clients and how long connecting took.
pub fn connect_clients(
    runtime: &Runtime,
    rooms: &Rooms,
    count: usize,
    parallel: usize,
) -> (Vec<Client>, Duration) {
    runtime.block_on(async {
        let started = Instant::now();
        let ports: Vec<u16> = (0..count).map(|n| rooms.room(n).http_port()).collect();
        let clients: Vec<Client> = futures_util::stream::iter(ports)
            .map(|port| async move {
                Client::builder()
                    .host("127.0.0.1", port)
                    .connect()
                    .await
                    .expect("connects to the mock Room")
            })
            .buffered(parallel)
            .collect()
            .await;
        (clients, started.elapsed())
    })
}

/// Bytes held per connected, idle client (nobody subscribed), and the clients.
pub fn client_per_connection(runtime: &Runtime, rooms: &Rooms, count: usize) -> (f64, Vec<Client>) {
    let before = held();
    let (clients, _) = connect_clients(runtime, rooms, count, 64);
    runtime.block_on(async { tokio::time::sleep(SETTLE).await });
    ((held() - before) as f64 / count as f64, clients)
}

/// Closes `clients` and lets their tasks end.
pub fn close_all(runtime: &Runtime, clients: Vec<Client>) {
    runtime.block_on(async {
        futures_util::future::join_all(clients.iter().map(Client::close)).await;
        drop(clients);
        tokio::time::sleep(SETTLE).await;
    });
}
