//! Hostile clients against the mock Room, on loopback: a connection that reads nothing during a
//! flood, one that asks without reading, connections that never finish the WebSocket
//! handshake, connections that never authorize, one huge message (in one frame and in
//! fragments), and a ping flood from a peer that reads nothing. After each, a good client is
//! still served; each test is bounded in time and asserts how much memory the process (the
//! Room and the test's own clients) took at its highest.
//!
//! Its own test binary, because it counts every allocation of the process with a global
//! allocator; the tests run one at a time for the same reason.

#[path = "common/counting.rs"]
mod counting;
#[path = "common/mock_wire.rs"]
mod mock_wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use counting::{growth_since, measure, Counting};
use futures_util::{SinkExt, StreamExt};
use mock_wire::{ask, authorize, authorized, http, open_small, Socket, GUARD};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;
use trueconf_api::mock::{ConnectionStats, MockRoom, MockStats};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The memory counts are the whole process's: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// How long a whole test may take.
const TEST_LIMIT: Duration = Duration::from_secs(120);

const MIB: usize = 1 << 20;

/// Runs `test` alone, on its own runtime, within [`TEST_LIMIT`].
fn hostile(test: impl Future<Output = ()>) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        tokio::time::timeout(TEST_LIMIT, test)
            .await
            .unwrap_or_else(|_| panic!("the test took longer than {TEST_LIMIT:?}"));
    });
}

/// Waits until `done` holds for the Room's figures; fails after [`GUARD`] naming `what`.
async fn until(room: &MockRoom, what: &str, done: impl Fn(&MockStats) -> bool) -> MockStats {
    let started = Instant::now();
    loop {
        let stats = room.stats();
        if done(&stats) {
            return stats;
        }
        assert!(
            started.elapsed() < GUARD,
            "{what}: not within {GUARD:?}: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The local address of a client socket (how the Room's figures name it).
fn local_addr(socket: &Socket) -> SocketAddr {
    match socket.get_ref() {
        MaybeTlsStream::Plain(stream) => stream.local_addr().expect("an address"),
        _ => unreachable!("plain TCP on loopback"),
    }
}

fn connection(stats: &MockStats, peer: SocketAddr) -> ConnectionStats {
    stats
        .connections
        .iter()
        .find(|connection| connection.peer == peer)
        .unwrap_or_else(|| panic!("no connection from {peer}: {stats:?}"))
        .clone()
}

/// A good client still gets served: it authorizes and its request is answered.
async fn served(room: &MockRoom) {
    let mut socket = authorized(room).await;
    let answer = ask(
        &mut socket,
        &json!({"method": "getAppState", "requestId": "good"}),
    )
    .await;
    assert_eq!(answer["requestId"], json!("good"));
    assert_eq!(answer["result"], json!(true));
}

/// Reads `socket` until it ends; the close code, if a close frame came.
async fn close_code(socket: &mut Socket) -> Option<CloseCode> {
    loop {
        match tokio::time::timeout(GUARD, socket.next())
            .await
            .expect("the Room ends the connection in time")
        {
            Some(Ok(Message::Close(frame))) => return frame.map(|frame| frame.code),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

/// The bug this replaces: the Room wrote to its connections one after another, so one that
/// did not read held up every other (0 of 100,000 delivered, and the POST never returned).
/// Now the POST returns at once, the connection that reads gets all 100,000, and the one
/// that reads nothing loses what does not fit its 64 KiB queue — counted — and holds up no one.
#[test]
fn a_connection_that_reads_nothing_loses_its_own_notifications_and_holds_up_no_one() {
    const FLOOD: u64 = 100_000;
    const PUSHES: u64 = 200;
    hostile(async {
        let room = MockRoom::builder()
            .send_queue(64 << 10)
            .start()
            .await
            .expect("starts");
        let silent = authorized(&room).await;
        let silent_peer = local_addr(&silent);
        let reader = authorized(&room).await;
        let reader_peer = local_addr(&reader);
        let (count, counted) = tokio::sync::watch::channel(0u64);
        let reading = tokio::spawn(async move {
            let mut reader = reader;
            let mut seen = 0;
            while let Some(Ok(frame)) = reader.next().await {
                if let Message::Text(text) = frame {
                    assert!(text.as_str().contains(r#""event":"flood""#), "{text}");
                    seen += 1;
                    count.send_replace(seen);
                }
            }
        });
        let wait_for = |target: u64| {
            let mut counted = counted.clone();
            async move {
                tokio::time::timeout(GUARD, counted.wait_for(|seen| *seen == target))
                    .await
                    .unwrap_or_else(|_| panic!("the reader did not get {target} in time"))
                    .expect("the reader runs");
            }
        };
        // About 500 bytes each: 50 MB, more than loopback buffers hold, so the silent
        // connection's writer is stuck in the flood by its end.
        let flood = json!({"method": "event", "event": "flood", "padding": "f".repeat(450)});
        let flooded = flood.to_string().len() * FLOOD as usize;
        let baseline = measure();

        let path = format!("/mock/notify?count={FLOOD}");
        let (status, body) = http("POST", room.http_port(), &path, &flood.to_string()).await;
        assert_eq!(status, 200);
        let pushed: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(pushed["connections"], json!(2), "{pushed}");
        wait_for(FLOOD).await;
        // One at a time, 1 KiB each: the reader takes each at once; the silent connection's
        // queue fills after about 60 and the rest are dropped for it alone.
        for n in 0..PUSHES {
            let message =
                json!({"method": "event", "event": "flood", "n": n, "padding": "p".repeat(1000)});
            room.push(&message).await;
        }
        wait_for(FLOOD + PUSHES).await;
        let growth = growth_since(baseline);

        let stats = room.stats();
        let reader_stats = connection(&stats, reader_peer);
        let silent_stats = connection(&stats, silent_peer);
        assert_eq!(reader_stats.dropped, 0, "{stats:?}");
        assert_eq!(
            reader_stats.sent,
            1 + FLOOD + PUSHES,
            "auth, flood, pushes: {stats:?}"
        );
        assert!(
            (PUSHES / 2..=PUSHES).contains(&silent_stats.dropped),
            "the silent connection loses what does not fit: {stats:?}"
        );
        assert!(silent_stats.queued_bytes <= 64 << 10, "{stats:?}");
        assert_eq!(stats.dropped, silent_stats.dropped);
        eprintln!(
            "flood: {flooded} bytes flooded, peak growth {growth} bytes; silent connection: \
             {} sent, {} dropped, {} bytes queued",
            silent_stats.sent, silent_stats.dropped, silent_stats.queued_bytes
        );
        assert!(growth < 8 * MIB, "memory grew by {growth} bytes");
        served(&room).await;
        drop(silent);
        reading.abort();
    });
}

/// A client that sends requests and never reads the answers is held back (its answers wait
/// for room in its queue, so the Room stops reading it), and nobody else waits for it.
#[test]
fn a_client_that_asks_without_reading_is_held_back_and_holds_up_no_one() {
    hostile(async {
        let room = MockRoom::builder()
            .send_queue(64 << 10)
            .start()
            .await
            .expect("starts");
        let mut greedy = authorized(&room).await;
        let greedy_peer = local_addr(&greedy);
        let baseline = measure();
        let asking = tokio::spawn(async move {
            let request = Message::text(r#"{"method":"getAppState"}"#);
            loop {
                if greedy.feed(request.clone()).await.is_err() {
                    return;
                }
            }
        });
        // Once its answers fill the loopback buffers and its queue, the Room stops reading it:
        // the count of requests read stands still.
        until(&room, "the queue fills", |stats| {
            stats
                .connections
                .iter()
                .any(|c| c.peer == greedy_peer && c.queued_bytes > 60 << 10)
        })
        .await;
        let started = Instant::now();
        let mut read = room.received("getAppState");
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let now = room.received("getAppState");
            if now == read {
                break;
            }
            read = now;
            assert!(
                started.elapsed() < GUARD,
                "the Room keeps reading: {now} requests"
            );
        }
        let greedy_stats = connection(&room.stats(), greedy_peer);
        assert!(greedy_stats.queued_bytes <= 64 << 10, "{greedy_stats:?}");
        assert_eq!(
            greedy_stats.dropped, 0,
            "answers are never dropped, they wait"
        );
        served(&room).await;
        let growth = growth_since(baseline);
        eprintln!(
            "asking without reading: {read} requests read, {} answers sent, peak growth \
             {growth} bytes",
            greedy_stats.sent
        );
        assert!(growth < 8 * MIB, "memory grew by {growth} bytes");
        asking.abort();
    });
}

/// The bug this replaces: 1,100 connections that never handshake locked a real client out.
/// Now the Room holds at most `max_connections` (1,000 by default) and closes the rest at
/// once, closes each that has not finished its handshake in time, and the real client gets in.
#[test]
fn connections_that_never_finish_the_handshake_are_closed_and_a_client_gets_in() {
    const IDLE: usize = 1100;
    hostile(async {
        let room = MockRoom::builder()
            .handshake_timeout(Duration::from_secs(2))
            .start()
            .await
            .expect("starts");
        let baseline = measure();
        let mut idle = Vec::with_capacity(IDLE);
        for n in 0..IDLE {
            let mut stream = TcpStream::connect(("127.0.0.1", room.ws_port()))
                .await
                .expect("connects");
            // Half of them start a handshake and stop half-way.
            if n % 2 == 0 {
                let _ = stream
                    .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web")
                    .await;
            }
            idle.push(stream);
        }
        let stats = until(
            &room,
            "every idle connection accepted or refused",
            |stats| stats.accepted + stats.refused >= IDLE as u64,
        )
        .await;
        // At most 1,000 at once (more only if one timed out while the others were opened).
        assert!(stats.accepted >= 1000, "{stats:?}");
        assert_eq!(stats.accepted + stats.refused, IDLE as u64, "{stats:?}");
        // A real client: refused while the slots are taken, in as soon as they free up.
        let started = Instant::now();
        let mut client = loop {
            let attempt = tokio::time::timeout(GUARD, open_small_or_refused(&room))
                .await
                .expect("no hang");
            if let Some(socket) = attempt {
                break socket;
            }
            assert!(started.elapsed() < GUARD, "the real client never got in");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let waited = started.elapsed();
        authorize(&mut client).await;
        let answer = ask(&mut client, &json!({"method": "getAppState"})).await;
        assert_eq!(answer["result"], json!(true));
        let stats = until(&room, "the idle connections time out", |stats| {
            stats.handshake_timeouts + 1 >= stats.accepted
        })
        .await;
        // Every accepted one but the client.
        assert_eq!(stats.handshake_timeouts + 1, stats.accepted, "{stats:?}");
        // Every idle connection was closed by the Room.
        for stream in &mut idle {
            let mut buffer = [0u8; 16];
            let read = tokio::time::timeout(GUARD, stream.read(&mut buffer))
                .await
                .expect("closed in time");
            assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        }
        let growth = growth_since(baseline);
        eprintln!(
            "{IDLE} idle connections: the client got in after {waited:?}; peak growth {growth} \
             bytes ({} per connection)",
            growth / IDLE
        );
        assert!(waited < Duration::from_secs(10), "{waited:?}");
        assert!(growth < 16 * MIB, "memory grew by {growth} bytes");
    });
}

/// A WebSocket to the Room, or `None` when the Room closed the connection at once.
async fn open_small_or_refused(room: &MockRoom) -> Option<Socket> {
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 << 10);
    tokio_tungstenite::connect_async_with_config(room.ws_url(), Some(config), false)
        .await
        .ok()
        .map(|(socket, _)| socket)
}

/// Connections that open a WebSocket and never authorize are closed with close code 1008 and
/// a reason, and an authorized client stays.
#[test]
fn connections_that_never_authorize_are_closed_with_a_reason() {
    const SILENT: usize = 300;
    hostile(async {
        let room = MockRoom::builder()
            .auth_timeout(Duration::from_millis(500))
            .start()
            .await
            .expect("starts");
        let baseline = measure();
        let mut silent = Vec::with_capacity(SILENT);
        for _ in 0..SILENT {
            silent.push(open_small(&room).await);
        }
        let mut good = authorized(&room).await;
        for socket in &mut silent {
            assert_eq!(close_code(socket).await, Some(CloseCode::Policy));
        }
        let stats = room.stats();
        assert_eq!(stats.auth_timeouts, SILENT as u64, "{stats:?}");
        // The authorized client outlived the deadline and is still served.
        let answer = ask(&mut good, &json!({"method": "getAppState"})).await;
        assert_eq!(answer["result"], json!(true));
        let growth = growth_since(baseline);
        eprintln!(
            "{SILENT} connections without auth: peak growth {growth} bytes ({} per connection)",
            growth / SILENT
        );
        assert!(growth < 16 * MIB, "memory grew by {growth} bytes");
        served(&room).await;
    });
}

/// A masked client frame header (mask key 0, so the payload goes as it is).
fn frame_header(opcode: u8, fin: bool, length: u64) -> Vec<u8> {
    let mut header = vec![if fin { 0x80 } else { 0 } | opcode, 0x80 | 127];
    header.extend_from_slice(&length.to_be_bytes());
    header.extend_from_slice(&[0, 0, 0, 0]);
    header
}

/// Writes `frames` (header, payload length) to an open WebSocket's TCP stream, the payload in
/// 64 KiB chunks, until all is written or the Room ends the connection; how many bytes went.
async fn write_raw(socket: &mut Socket, frames: &[(Vec<u8>, u64)]) -> u64 {
    let MaybeTlsStream::Plain(stream) = socket.get_mut() else {
        unreachable!("plain TCP on loopback")
    };
    let chunk = vec![b'a'; 64 << 10];
    let mut written = 0;
    for (header, length) in frames {
        if stream.write_all(header).await.is_err() {
            return written;
        }
        let mut left = *length;
        while left > 0 {
            let take = left.min(chunk.len() as u64) as usize;
            if stream.write_all(&chunk[..take]).await.is_err() {
                return written;
            }
            written += take as u64;
            left -= take as u64;
        }
    }
    written
}

/// One huge message, in one frame and in fragments, closes that connection (close code 1009
/// when the peer still reads) without the Room holding it; others go on.
#[test]
fn one_huge_message_closes_that_connection_only() {
    const HUGE: u64 = 64 << 20;
    hostile(async {
        let room = MockRoom::builder()
            .max_message_size(MIB)
            .start()
            .await
            .expect("starts");
        let mut bystander = authorized(&room).await;
        let baseline = measure();
        // One 64 MiB frame.
        let mut one_frame = authorized(&room).await;
        let written = write_raw(&mut one_frame, &[(frame_header(0x1, true, HUGE), HUGE)]).await;
        assert!(written < HUGE, "the Room stopped taking it");
        let code = close_code(&mut one_frame).await;
        assert!(matches!(code, Some(CloseCode::Size) | None), "{code:?}");
        // 64 MiB in frames of 512 KiB, each under the limit.
        let mut fragments = authorized(&room).await;
        let piece = 512 << 10;
        let mut frames = vec![(frame_header(0x1, false, piece), piece)];
        frames.extend((1..HUGE / piece).map(|_| (frame_header(0x0, false, piece), piece)));
        let written = write_raw(&mut fragments, &frames).await;
        assert!(written < HUGE, "the Room stopped taking it");
        let code = close_code(&mut fragments).await;
        assert!(matches!(code, Some(CloseCode::Size) | None), "{code:?}");
        let stats = until(&room, "both counted", |stats| stats.oversize == 2).await;
        assert_eq!(stats.oversize, 2);
        let growth = growth_since(baseline);
        eprintln!("two 64 MiB messages against a 1 MiB limit: peak growth {growth} bytes");
        assert!(growth < 6 * MIB, "memory grew by {growth} bytes");
        let answer = ask(&mut bystander, &json!({"method": "getAppState"})).await;
        assert_eq!(answer["result"], json!(true));
        served(&room).await;
    });
}

/// A peer that pings as fast as it can and reads nothing: the Room's pongs pile up in the
/// WebSocket write buffer only up to its cap.
#[test]
fn a_ping_flood_from_a_peer_that_reads_nothing_stays_bounded() {
    const PINGS: usize = 300_000;
    hostile(async {
        let room = MockRoom::builder()
            .max_message_size(MIB)
            .start()
            .await
            .expect("starts");
        let mut flooder = authorized(&room).await;
        let baseline = measure();
        let ping = Message::Ping(vec![b'p'; 125].into());
        for n in 0..PINGS {
            tokio::time::timeout(GUARD, flooder.feed(ping.clone()))
                .await
                .expect("the Room keeps reading")
                .expect("sent");
            if n % 1000 == 0 {
                tokio::time::timeout(GUARD, flooder.flush())
                    .await
                    .expect("the Room keeps reading")
                    .expect("flushed");
            }
        }
        flooder.flush().await.expect("flushed");
        served(&room).await;
        let growth = growth_since(baseline);
        eprintln!(
            "{PINGS} pings ({} bytes of pongs owed), none read: peak growth {growth} bytes",
            PINGS * 127
        );
        assert!(growth < 6 * MIB, "memory grew by {growth} bytes");
    });
}
