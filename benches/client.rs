//! The client against a mock Room: request round trips per second (one at a time, and 100 in
//! flight) and notification throughput (a flood of documented progress notifications read
//! through a typed subscription), next to the floor of a bare WebSocket reader that only
//! counts frames.
//!
//! First as criterion benchmarks, then measured in rounds, so the table printed at the end
//! (and written to `target/criterion/client/summary.json`, or under `CRITERION_HOME` when set,
//! as criterion's own reports) compares medians taken under the same conditions.
//!
//! Run: `cargo bench --bench client` (in-process mock Room). `benches/compare_python_client.sh`
//! runs it against a `trueconf-api mock-room` process instead, after TrueConf's Python client
//! against the same process, through these variables:
//!
//! - `TRUECONF_BENCH_ROOM=HOST:HTTP_PORT`: a running mock Room (its `POST /mock/notify` floods);
//! - `TRUECONF_BENCH_WS_PORT=PORT`: its WebSocket port (for the bare reader);
//! - `TRUECONF_BENCH_PIN=PIN`: its PIN;
//! - `TRUECONF_BENCH_SUMMARY_ONLY=1`: only the measured rounds, no criterion groups.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use http_body_util::Full;
use serde_json::{json, Value};
use tokio::runtime::Runtime;
use trueconf_api::client::{Client, Credentials};
use trueconf_api::commands::GetAppState;
use trueconf_api::mock::MockRoom;
use trueconf_api::notifications::IncomingFileRequestDownloadingProgress;

#[path = "support/criterion_dir.rs"]
mod criterion_dir;
#[path = "support/flood.rs"]
mod flood;

use criterion_dir::criterion_dir;
use flood::{count_text_frames, median, progress_notification, read_progress, write_summary};

/// Sequential round trips per measured round.
const SEQUENTIAL: usize = 2_000;
/// Concurrent round trips per measured round, and how many are in flight at once.
const CONCURRENT: usize = 10_000;
const IN_FLIGHT: usize = 100;
/// Notifications per measured round.
const FLOOD: usize = 20_000;
/// Measured rounds (the median is reported).
const ROUNDS: usize = 5;

/// Where the Room is: in this process, or a `mock-room` process.
enum Room {
    InProcess(Arc<MockRoom>),
    External { host: String, http_port: u16 },
}

impl Room {
    fn host_port(&self) -> (String, u16) {
        match self {
            Room::InProcess(room) => ("127.0.0.1".into(), room.http_port()),
            Room::External { host, http_port } => (host.clone(), *http_port),
        }
    }

    /// Waits until the Room has `count` connections (an external one cannot be asked: a
    /// moment's wait instead).
    async fn wait_for_connections(&self, count: usize) {
        match self {
            Room::InProcess(room) => {
                while room.connections() != count {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            Room::External { .. } => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }

    /// Pushes `message` `count` times to every connection.
    async fn flood(&self, message: &Value, count: usize) {
        match self {
            Room::InProcess(room) => {
                room.flood(message, count).await;
            }
            Room::External { host, http_port } => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *http_port))
                    .await
                    .expect("the mock's HTTP port");
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                        .await
                        .expect("handshake");
                tokio::spawn(connection);
                let request = hyper::Request::post(format!("/mock/notify?count={count}"))
                    .header("host", format!("{host}:{http_port}"))
                    .body(Full::new(Bytes::from(message.to_string())))
                    .expect("a request");
                let response = sender.send_request(request).await.expect("pushed");
                assert!(response.status().is_success(), "{}", response.status());
            }
        }
    }
}

async fn connect(room: &Room, pin: Option<&str>) -> Client {
    let (host, http_port) = room.host_port();
    let credentials = pin.map_or(Credentials::Unsecured, |pin| Credentials::Pin(pin.into()));
    Client::builder()
        .host(host, http_port)
        .credentials(credentials)
        .notification_buffer(1 << 16)
        .connect()
        .await
        .expect("connects to the mock Room")
}

async fn sequential(client: &Client, count: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..count {
        client.request(GetAppState::new()).await.expect("answered");
    }
    start.elapsed()
}

async fn concurrent(client: &Client, count: usize, in_flight: usize) -> Duration {
    let start = Instant::now();
    let workers = (0..in_flight).map(|worker| {
        let client = client.clone();
        let share = count / in_flight + usize::from(worker < count % in_flight);
        tokio::spawn(async move {
            for _ in 0..share {
                client.request(GetAppState::new()).await.expect("answered");
            }
        })
    });
    for worker in futures_util::future::join_all(workers).await {
        worker.expect("joins");
    }
    start.elapsed()
}

/// Floods `count` notifications and reads them through a typed subscription; the time until
/// the last arrived, and how many were lost (0 with the large buffer used here).
async fn notifications(room: &Room, client: &Client, count: usize) -> (Duration, u64) {
    let mut subscription = client.subscribe::<IncomingFileRequestDownloadingProgress>();
    let message = progress_notification();
    let start = Instant::now();
    let flood = room.flood(&message, count);
    let read = read_progress(&mut subscription, count);
    let ((), lost) = tokio::join!(flood, read);
    (start.elapsed(), lost)
}

/// The same flood read by a bare WebSocket that only counts frames: what the mock can send.
async fn floor(room: &Room, ws_url: &str, count: usize) -> Duration {
    room.wait_for_connections(0).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("opens");
    // The mock registers a connection just after the handshake: a flood sent before that
    // would miss it, and the reader would wait for ever.
    room.wait_for_connections(1).await;
    let message = progress_notification();
    let start = Instant::now();
    let read = count_text_frames(&mut socket, count);
    tokio::join!(room.flood(&message, count), read);
    start.elapsed()
}

fn main() {
    let runtime = Runtime::new().expect("a runtime");
    let pin = std::env::var("TRUECONF_BENCH_PIN").ok();
    let external = std::env::var("TRUECONF_BENCH_ROOM").ok();
    let room = match &external {
        Some(address) => {
            let (host, port) = address.rsplit_once(':').expect("HOST:PORT");
            Room::External {
                host: host.to_string(),
                http_port: port.parse().expect("a port"),
            }
        }
        None => Room::InProcess(Arc::new(
            runtime
                .block_on(MockRoom::start())
                .expect("the mock starts"),
        )),
    };
    let client = runtime.block_on(connect(&room, pin.as_deref()));
    // The WebSocket port for the bare reader: the in-process mock's, or the mock-room
    // process's (its first line names it).
    let ws_port = match &room {
        Room::InProcess(room) => room.ws_port(),
        Room::External { .. } => std::env::var("TRUECONF_BENCH_WS_PORT")
            .ok()
            .and_then(|port| port.parse().ok())
            .expect("TRUECONF_BENCH_WS_PORT goes with TRUECONF_BENCH_ROOM"),
    };
    let ws_url = format!("ws://{}:{ws_port}", room.host_port().0);

    if std::env::var_os("TRUECONF_BENCH_SUMMARY_ONLY").is_none() {
        let mut criterion = Criterion::default()
            .sample_size(10)
            .measurement_time(Duration::from_secs(5))
            .configure_from_args();
        let mut group = criterion.benchmark_group("client");
        group.throughput(Throughput::Elements(1));
        group.bench_function("round_trip", |bench| {
            bench.iter_custom(|iters| runtime.block_on(sequential(&client, iters as usize)))
        });
        group.throughput(Throughput::Elements(IN_FLIGHT as u64));
        group.bench_function("round_trips_100_in_flight", |bench| {
            bench.iter_custom(|iters| {
                runtime.block_on(concurrent(&client, iters as usize * IN_FLIGHT, IN_FLIGHT))
            })
        });
        group.throughput(Throughput::Elements(10_000));
        group.bench_function("notifications_10000", |bench| {
            bench.iter_custom(|iters| {
                runtime.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += notifications(&room, &client, 10_000).await.0;
                    }
                    total
                })
            })
        });
        group.finish();
        criterion.final_summary();
    }

    // Measured rounds: every round runs each measurement once, so load on a shared machine
    // hits them alike. The floor is measured after the client has gone, so each flood has
    // exactly one connection to feed, as in the client's rounds.
    let mut rates: [Vec<f64>; 4] = Default::default();
    let mut lost = 0;
    for _ in 0..ROUNDS {
        runtime.block_on(async {
            let elapsed = sequential(&client, SEQUENTIAL).await;
            rates[0].push(SEQUENTIAL as f64 / elapsed.as_secs_f64());
            let elapsed = concurrent(&client, CONCURRENT, IN_FLIGHT).await;
            rates[1].push(CONCURRENT as f64 / elapsed.as_secs_f64());
            let (elapsed, dropped) = notifications(&room, &client, FLOOD).await;
            lost += dropped;
            rates[2].push(FLOOD as f64 / elapsed.as_secs_f64());
        });
    }
    runtime.block_on(client.close());
    for _ in 0..ROUNDS {
        let elapsed = runtime.block_on(floor(&room, &ws_url, FLOOD));
        rates[3].push(FLOOD as f64 / elapsed.as_secs_f64());
    }
    let [sequential_rate, concurrent_rate, notification_rate, floor_rate] = rates.map(median);
    let mock = if external.is_some() {
        "mock-room process"
    } else {
        "in-process mock"
    };
    println!("\nclient against the {mock}: medians of {ROUNDS} rounds");
    println!("| measurement | rate |");
    println!("|---|---|");
    println!("| request round trips, one at a time | {sequential_rate:.0} /s |");
    println!("| request round trips, {IN_FLIGHT} in flight | {concurrent_rate:.0} /s |");
    println!("| notifications through a typed subscription | {notification_rate:.0} /s |");
    println!("| notifications, bare WebSocket reader (floor) | {floor_rate:.0} /s |");
    if lost > 0 {
        println!("({lost} notifications lost to lagging)");
    }
    let summary = json!({
        "mock": mock,
        "rounds": ROUNDS,
        "round_trips_sequential_per_s": sequential_rate,
        "round_trips_concurrent_per_s": concurrent_rate,
        "in_flight": IN_FLIGHT,
        "notifications_per_s": notification_rate,
        "notifications_floor_per_s": floor_rate,
        "notifications_lost": lost,
    });
    write_summary(&criterion_dir().join("client"), &summary);
}
