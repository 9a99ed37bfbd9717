//! The client against hostile Rooms on loopback, each written by hand at the byte level
//! (`hostile_room/peer.rs`): a Room that authorizes then never answers, freezes, stalls or
//! closes in the middle of a frame, stops reading, sends frames and messages over the limits,
//! fragments, invalid UTF-8, binary frames, non-JSON text, floods notifications or pings,
//! answers with wrong, duplicate, numeric or missing `requestId`s, never finishes the
//! handshake, or serves a `config.json` that hangs, trickles or never ends.
//!
//! Each test checks that every request it made resolved (nothing hangs: every scenario runs
//! under a guard) and how much the process's memory grew at its peak, counted by a global
//! allocator. The tests take a lock and build their own runtime under it, so they run one at
//! a time and each measures only itself.

#[path = "hostile_room/peer.rs"]
mod peer;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use peer::{
    accept_and_authorize, documented_response, frame, next_request, read_frame, text, BINARY,
    CLOSE, CONTINUATION, PING, PONG, TEXT,
};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use trueconf_api::client::{
    Client, ClientBuilder, ConnectionStatus, Error, Heartbeat, Reconnect, StreamError,
};
use trueconf_api::commands::GetAppState;
use trueconf_api::AnyNotification;

#[path = "common/counting.rs"]
mod counting;

// Every allocation of the process, current and peak.
#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

const MIB: usize = 1 << 20;

/// One scenario at a time in this process.
static SERIAL: Mutex<()> = Mutex::new(());

/// Long enough never to trip on a loaded machine; only there so a broken test cannot hang.
const GUARD: Duration = Duration::from_secs(60);

/// Runs `scenario` alone in the process, on its own runtime, under the hang guard; asserts
/// that the process's memory grew by less than `bound` at its peak while it ran.
fn scenario<F: Future<Output = ()>>(name: &str, bound: usize, scenario: impl FnOnce() -> F) {
    let _alone: MutexGuard<'_, ()> = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let before = counting::measure();
    runtime.block_on(async {
        tokio::time::timeout(GUARD, scenario())
            .await
            .unwrap_or_else(|_| panic!("{name}: no end within {GUARD:?} (hang)"))
    });
    let growth = counting::growth_since(before);
    eprintln!("{name}: peak memory growth {} KiB", growth >> 10);
    assert!(
        growth < bound,
        "{name}: memory grew by {growth} bytes at its peak (bound {bound})"
    );
    drop(runtime);
}

// ---------------------------------------------------------------------------------------
// Clients and well-behaved Rooms.

const SECOND: Duration = Duration::from_secs(1);

/// A heartbeat quick enough for tests: a probe after 200 ms of silence, dead after 800 ms.
fn quick_heartbeat() -> Option<Heartbeat> {
    Some(
        Heartbeat::default()
            .interval(Duration::from_millis(200))
            .deadline(Duration::from_millis(800)),
    )
}

/// A client of the Room at `address` (by URL), without the state fetch, with short limits.
fn builder(address: std::net::SocketAddr) -> ClientBuilder {
    Client::builder()
        .url(format!("ws://{address}"))
        .fetch_state(false)
        .connect_timeout(SECOND)
        .connect_deadline(5 * SECOND)
        .request_timeout(3 * SECOND)
        .heartbeat(quick_heartbeat())
}

fn quick_reconnect() -> Reconnect {
    Reconnect::default()
        .initial_delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(100))
}

/// A request through `request_raw`, with a tag the scripted Rooms may look at.
async fn raw(client: &Client, method: &str) -> Result<serde_json::Map<String, Value>, Error> {
    client.request_raw(method, serde_json::Map::new()).await
}

/// The generic success answer to `request`: its method and requestId, `result: true`
/// (the documented example for the commands the client types and the tests use).
fn answer(request: &Value) -> String {
    let method = request["method"].as_str().unwrap_or_default();
    if ["getAppState", "getSystemInfo"].contains(&method) {
        return documented_response(method, request);
    }
    json!({ "method": method, "requestId": request["requestId"], "result": true }).to_string()
}

/// A Room that does what the docs say: authorizes, answers every request, answers pings,
/// answers a close.
async fn well_behaved(mut stream: TcpStream) {
    accept_and_authorize(&mut stream).await;
    let mut message = Vec::new();
    while let Some(frame) = read_frame(&mut stream).await {
        let reply = match frame.opcode {
            PING => peer::frame(PONG, true, &frame.payload),
            CLOSE => {
                let _ = stream.write_all(&peer::frame(CLOSE, true, &[])).await;
                return;
            }
            PONG => continue,
            _ => {
                message.extend_from_slice(&frame.payload);
                if !frame.fin {
                    continue;
                }
                let request: Value = serde_json::from_slice(&message).expect("JSON");
                message.clear();
                text(&answer(&request))
            }
        };
        if stream.write_all(&reply).await.is_err() {
            return;
        }
    }
}

/// Connects with `builder`; no scenario goes on without it.
async fn connected(builder: ClientBuilder) -> Client {
    builder.connect().await.expect("connects")
}

/// Why the connection ended, from the result of a request that must have lost it.
fn lost_reason<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::ConnectionLost { reason, .. }) => reason,
        other => panic!("expected ConnectionLost, got {other:?}"),
    }
}

/// A Room whose first connection runs `first`, and whose later ones are well behaved.
async fn first_then_well_behaved<F, Fut>(first: F) -> std::net::SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let first = Arc::new(first);
    peer::serve(move |n, stream| {
        let first = Arc::clone(&first);
        async move {
            if n == 0 {
                first(stream).await
            } else {
                well_behaved(stream).await
            }
        }
    })
    .await
}

/// Waits until `check` holds (polling; the scenario's guard bounds it).
async fn eventually(mut check: impl FnMut() -> bool) {
    while !check() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn assert_names(error: &Error, address: std::net::SocketAddr) {
    let text = format!("{error:#}");
    assert!(
        text.contains(&format!("ws://{address} (the URL given)")),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// Silence.

#[test]
fn a_room_that_authorizes_then_never_answers() {
    scenario("authorizes then never answers", 2 * MIB, || async {
        let address = peer::serve(|_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            // Reads (so the client's writes go through), answers nothing, not even pings.
            while read_frame(&mut stream).await.is_some() {}
        })
        .await;

        // The state fetch after auth goes unanswered: connect() says so, naming the address,
        // after connect_timeout (not 30 s, and never Ok with an empty cache).
        let started = Instant::now();
        let error = builder(address)
            .fetch_state(true)
            .heartbeat(Some(Heartbeat::default()))
            .connect()
            .await
            .expect_err("the state fetch is unanswered");
        match &error {
            Error::Timeout { waiting_for, after } => {
                assert!(
                    waiting_for.contains("`getAppState` response from"),
                    "{waiting_for}"
                );
                assert_eq!(*after, SECOND);
            }
            other => panic!("expected Timeout, got {other:?}"),
        }
        assert_names(&error, address);
        assert!(started.elapsed() < 5 * SECOND);

        // Without the state fetch it connects; then the heartbeat finds it dead, and every
        // request sent to it fails with Unresponsive (not a timeout).
        let client = connected(builder(address)).await;
        let requests: Vec<_> = (0..20)
            .map(|n| {
                let client = client.clone();
                tokio::spawn(async move { raw(&client, &format!("probe{n}")).await })
            })
            .collect();
        for request in requests {
            match request.await.expect("joins") {
                Err(Error::Unresponsive {
                    address: named,
                    silent_for,
                }) => {
                    assert!(named.contains(&address.to_string()), "{named}");
                    assert!(silent_for >= Duration::from_millis(800), "{silent_for:?}");
                }
                other => panic!("expected Unresponsive, got {other:?}"),
            }
        }
        assert_eq!(client.status(), ConnectionStatus::Closed);
        assert!(matches!(raw(&client, "later").await, Err(Error::Closed)));
        assert_eq!(client.stats().pending, 0);
    });
}

#[test]
fn a_frozen_room_is_detected_and_reconnected() {
    scenario("frozen", 2 * MIB, || async {
        let address = first_then_well_behaved(|mut stream| async move {
            accept_and_authorize(&mut stream).await;
            // Frozen: the TCP connection stays open, nothing is read or sent.
            tokio::time::sleep(GUARD).await;
            drop(stream);
        })
        .await;
        let client = connected(builder(address).reconnect(quick_reconnect())).await;
        let error = raw(&client, "sentToTheFrozenRoom")
            .await
            .expect_err("the Room is frozen");
        assert!(matches!(error, Error::Unresponsive { .. }), "{error:?}");
        // Reconnected (the status may have passed through Reconnecting too quickly to be
        // seen: status_changes() coalesces; the counter does not).
        eventually(|| client.status() == ConnectionStatus::Connected).await;
        assert_eq!(client.stats().reconnects, 1);
        // The new connection serves requests.
        let state = client.request(GetAppState::new()).await.expect("answered");
        assert_eq!(state.embedded_http_port, 8766);
        client.close().await;
    });
}

#[test]
fn a_room_that_stalls_in_the_middle_of_a_frame_is_dead_and_reconnected() {
    scenario("stalls mid-frame", 2 * MIB, || async {
        let address = first_then_well_behaved(|mut stream| async move {
            accept_and_authorize(&mut stream).await;
            // A 10,000-byte frame, trickled a byte every 50 ms: bytes keep coming, a frame
            // never does.
            let frame = text(&format!(
                r#"{{"method":"event","event":"x","pad":"{}"}}"#,
                "x".repeat(10_000)
            ));
            for byte in frame {
                if stream.write_all(&[byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        let client = connected(builder(address).reconnect(quick_reconnect())).await;
        let error = raw(&client, "sentDuringTheStall")
            .await
            .expect_err("stalled");
        assert!(matches!(error, Error::Unresponsive { .. }), "{error:?}");
        eventually(|| client.stats().reconnects == 1).await;
        raw(&client, "afterwards").await.expect("answered");
        client.close().await;
    });
}

#[test]
fn half_a_frame_then_silence_is_dead() {
    scenario("half a frame then silence", 2 * MIB, || async {
        let address = peer::serve(|_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            let frame = text(r#"{"method":"event","event":"appStateChanged","appState":3}"#);
            let _ = stream.write_all(&frame[..frame.len() / 2]).await;
            while read_frame(&mut stream).await.is_some() {}
        })
        .await;
        let client = connected(builder(address)).await;
        let mut all = client.notifications();
        let error = raw(&client, "waiting").await.expect_err("dead");
        assert!(matches!(error, Error::Unresponsive { .. }), "{error:?}");
        // No half message was passed off as one; the stream ends with the client.
        assert!(all.recv().await.is_none());
        assert_eq!(
            client.stats().notifications + client.stats().garbage_frames,
            0
        );
    });
}

#[test]
fn a_close_in_the_middle_of_a_frame_loses_the_connection_and_reconnects() {
    scenario("close mid-frame", 2 * MIB, || async {
        let address = first_then_well_behaved(|mut stream| async move {
            accept_and_authorize(&mut stream).await;
            let request = next_request(&mut stream).await.expect("a request");
            let reply = text(&answer(&request));
            let _ = stream.write_all(&reply[..reply.len() / 2]).await;
            let _ = stream.shutdown().await;
        })
        .await;
        let client = connected(builder(address).reconnect(quick_reconnect())).await;
        let result = raw(&client, "answeredByHalf").await;
        if let Err(error) = &result {
            assert_names(error, address);
        }
        assert!(!lost_reason(result).is_empty());
        raw(&client, "afterwards")
            .await
            .expect("answered after reconnecting");
        assert_eq!(client.stats().reconnects, 1);
        client.close().await;
    });
}

// ---------------------------------------------------------------------------------------
// A Room that does not read.

/// A listener whose connections take in at most a few KiB at a time.
async fn listener_with_small_buffers() -> tokio::net::TcpListener {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket.set_recv_buffer_size(4096).expect("a small buffer");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("binds");
    socket.listen(16).expect("listens")
}

/// `count` requests of `size` bytes each, spawned; the handles.
fn big_requests(
    client: &Client,
    count: usize,
    size: usize,
) -> Vec<tokio::task::JoinHandle<Result<serde_json::Map<String, Value>, Error>>> {
    (0..count)
        .map(|_| {
            let client = client.clone();
            let mut params = serde_json::Map::new();
            params.insert("blob".into(), Value::String("x".repeat(size)));
            tokio::spawn(async move { client.request_raw("store", params).await })
        })
        .collect()
}

#[test]
fn a_room_that_stops_reading_is_dropped_and_every_request_resolves() {
    // The requests themselves (40 × 256 KiB, held by their callers) and the socket buffers.
    scenario("stops reading", 40 * 256 * 1024 * 2 + 4 * MIB, || async {
        let listener = listener_with_small_buffers().await;
        let address = peer::serve_on(listener, |_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            // Alive (a notification every 50 ms), but never reads again.
            let notification = text(r#"{"method":"event","event":"zzTick"}"#);
            while stream.write_all(&notification).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        let client = connected(builder(address)).await;
        for request in big_requests(&client, 40, 256 * 1024) {
            let reason = lost_reason(request.await.expect("joins"));
            assert!(reason.contains("read nothing"), "{reason}");
        }
        assert_eq!(client.status(), ConnectionStatus::Closed);
        assert_eq!(client.stats().pending, 0);
    });
}

#[test]
fn close_returns_in_time_when_the_room_stops_reading_and_the_socket_is_full() {
    scenario(
        "close, socket full",
        40 * 256 * 1024 * 2 + 4 * MIB,
        || async {
            let listener = listener_with_small_buffers().await;
            let address = peer::serve_on(listener, |_, mut stream| async move {
                accept_and_authorize(&mut stream).await;
                tokio::time::sleep(GUARD).await;
                drop(stream);
            });
            // No heartbeat: nothing else would ever end this connection.
            let client = connected(builder(address).heartbeat(None)).await;
            let requests = big_requests(&client, 40, 256 * 1024);
            // The writer fills the socket and blocks.
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(client.status(), ConnectionStatus::Connected);
            let started = Instant::now();
            client.close().await;
            let took = started.elapsed();
            // Documented: about a second (the close handshake's wait), whatever the Room does.
            assert!(took < 3 * SECOND, "close() took {took:?}");
            assert_eq!(client.status(), ConnectionStatus::Closed);
            for request in requests {
                let result = request.await.expect("joins");
                assert!(matches!(result, Err(Error::Closed)), "{result:?}");
            }
        },
    );
}

// ---------------------------------------------------------------------------------------
// Frames and messages.

#[test]
fn a_frame_announcing_more_than_the_limit_ends_the_connection_unread() {
    scenario("oversize frame", 2 * MIB, || async {
        let address = peer::serve(|_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            // A text frame that announces 64 MiB, and the start of it.
            let mut head = vec![0x80 | TEXT];
            peer::header_length(&mut head, 64 << 20);
            let _ = stream.write_all(&head).await;
            let _ = stream.write_all(&[b'x'; 1000]).await;
            while read_frame(&mut stream).await.is_some() {}
        })
        .await;
        let client = connected(builder(address).max_message_size(MIB).heartbeat(None)).await;
        let reason = lost_reason(raw(&client, "waiting").await);
        assert!(reason.contains(&(64usize << 20).to_string()), "{reason}");
    });
}

#[test]
fn a_fragmented_message_over_the_limit_ends_the_connection() {
    scenario("oversize fragmented message", 4 * MIB, || async {
        let address = peer::serve(|_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            // 1,000 fragments of 2 KiB: 2 MB in one message, each frame small.
            let chunk = [b'x'; 2048];
            let _ = stream.write_all(&frame(TEXT, false, b"{\"pad\":\"")).await;
            for _ in 0..1000 {
                if stream
                    .write_all(&frame(CONTINUATION, false, &chunk))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            while read_frame(&mut stream).await.is_some() {}
        })
        .await;
        let client = connected(builder(address).max_message_size(MIB).heartbeat(None)).await;
        lost_reason(raw(&client, "waiting").await);
    });
}

#[test]
fn a_single_frame_over_16_mib_is_received_within_max_message_size() {
    const SIZE: usize = 17 * MIB;
    // The frame on both sides, and its decoded copy.
    scenario("17 MiB frame", 6 * SIZE, || async {
        let address = peer::serve(|_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            let _ = next_request(&mut stream).await;
            let big = format!(
                r#"{{"method":"event","event":"zzBig","pad":"{}"}}"#,
                "x".repeat(SIZE)
            );
            let _ = stream.write_all(&text(&big)).await;
            while read_frame(&mut stream).await.is_some() {}
        })
        .await;
        // The default limits: 64 MiB per message, whatever its frames.
        let client = connected(builder(address).heartbeat(None)).await;
        let mut all = client.notifications();
        let _ = client
            .request_with_timeout(GetAppState::new(), Duration::from_millis(1))
            .await;
        match all.recv().await {
            Some(Ok(AnyNotification::Unknown(raw))) => {
                assert!(raw.as_str().is_some_and(|text| text.len() > SIZE))
            }
            other => panic!(
                "expected the big notification, got {:?}",
                other.map(|o| o.map(|_| ()))
            ),
        }
        assert_eq!(client.status(), ConnectionStatus::Connected);
    });
}

#[test]
fn fragmented_messages_with_pings_between_fragments_are_put_together() {
    scenario("fragments", 2 * MIB, || async {
        let address = peer::serve(|_, mut stream| async move {
            peer::handshake(&mut stream).await;
            // The auth answer in three fragments, with a ping in between.
            let auth = next_request(&mut stream).await.expect("auth");
            let answer = peer::auth_success(&auth).into_bytes();
            let third = answer.len() / 3;
            let mut bytes = frame(TEXT, false, &answer[..third]);
            bytes.extend(frame(PING, true, b"between"));
            bytes.extend(frame(CONTINUATION, false, &answer[third..2 * third]));
            bytes.extend(frame(CONTINUATION, true, &answer[2 * third..]));
            // A notification in 100 fragments, as binary.
            let notification = br#"{"method":"event","event":"appStateChanged","appState":5,"embeddedHttpPort":8766,"desktopSharing":{"running":false},"broadcastPicture":{"running":false},"audioCaptureTest":false}"#;
            let step = notification.len().div_ceil(100);
            for (n, chunk) in notification.chunks(step).enumerate() {
                let opcode = if n == 0 { BINARY } else { CONTINUATION };
                let last = (n + 1) * step >= notification.len();
                bytes.extend(frame(opcode, last, chunk));
            }
            let _ = stream.write_all(&bytes).await;
            while read_frame(&mut stream).await.is_some() {}
        })
        .await;
        let client = connected(builder(address).heartbeat(None)).await;
        let auth = client.auth_response().expect("the auth answer");
        assert_eq!(auth.token.as_deref(), Some("session-token"));
        eventually(|| {
            client
                .app_state()
                .is_some_and(|state| state.app_state.value() == 5)
        })
        .await;
        assert_eq!(client.stats().notifications, 1);
    });
}

#[test]
fn binary_frames_non_json_text_and_invalid_utf8() {
    scenario("binary, garbage, invalid UTF-8", 2 * MIB, || async {
        let address = peer::serve(|_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            // The first request is answered in a binary frame, then garbage both ways.
            let first = next_request(&mut stream).await.expect("a request");
            let mut bytes = frame(BINARY, true, answer(&first).as_bytes());
            bytes.extend(frame(BINARY, true, &[0xFF, 0x00, 0x13]));
            bytes.extend(text("this is not JSON"));
            let _ = stream.write_all(&bytes).await;
            // The second request is left waiting when a text frame with invalid UTF-8 comes.
            let _second = next_request(&mut stream).await.expect("a request");
            let _ = stream
                .write_all(&frame(TEXT, true, b"{\"a\": \"\xC3\x28\"}"))
                .await;
            while read_frame(&mut stream).await.is_some() {}
        })
        .await;
        let client = connected(builder(address).heartbeat(None)).await;
        let mut all = client.notifications();
        raw(&client, "answeredInBinary")
            .await
            .expect("a binary frame is a message too");
        for expected in [&[0xFF, 0x00, 0x13][..], b"this is not JSON"] {
            match all.recv().await {
                Some(Err(StreamError::Garbage { frame, .. })) => assert_eq!(&frame[..], expected),
                other => panic!("expected garbage, got {other:?}"),
            }
        }
        let reason = lost_reason(raw(&client, "waiting").await);
        assert!(reason.contains("UTF-8"), "{reason}");
        assert_eq!(client.stats().garbage_frames, 2);
        assert!(all.recv().await.is_none(), "streams end with the client");
    });
}

#[test]
fn wrong_duplicate_numeric_and_missing_request_ids() {
    scenario("requestIds", 2 * MIB, || async {
        let address = peer::serve(|_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            while let Some(request) = next_request(&mut stream).await {
                let method = request["method"].as_str().unwrap_or_default().to_string();
                let id = request["requestId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let with = |request_id: Value| {
                    let mut reply = json!({ "method": method, "result": true });
                    if !request_id.is_null() {
                        reply["requestId"] = request_id;
                    }
                    text(&reply.to_string())
                };
                let reply = match method.as_str() {
                    "wrongId" => with(json!("no-such-request")),
                    "duplicateId" => [with(json!(id)), with(json!(id))].concat(),
                    "numericId" => with(json!(id.parse::<u64>().expect("a number"))),
                    "missingId" => with(Value::Null),
                    _ => with(json!(id)),
                };
                if stream.write_all(&reply).await.is_err() {
                    return;
                }
            }
        })
        .await;
        let client = connected(
            builder(address)
                .heartbeat(None)
                .request_timeout(Duration::from_millis(500)),
        )
        .await;
        let (wrong, duplicate, numeric, missing) = tokio::join!(
            raw(&client, "wrongId"),
            raw(&client, "duplicateId"),
            raw(&client, "numericId"),
            raw(&client, "missingId"),
        );
        // Sent and never answered with its own requestId: a timeout that says so.
        match wrong {
            Err(Error::Timeout { waiting_for, .. }) => {
                assert!(
                    waiting_for.contains("`wrongId` response from"),
                    "{waiting_for}"
                )
            }
            other => panic!("expected Timeout, got {other:?}"),
        }
        duplicate.expect("the first answer");
        // A requestId the client cannot read, or none: matched by method.
        numeric.expect("matched by method");
        missing.expect("matched by method");
        eventually(|| client.stats().stray_responses == 2).await;
        assert_eq!(client.stats().pending, 0);
    });
}

// ---------------------------------------------------------------------------------------
// Floods.

#[test]
fn a_notification_flood_at_a_consumer_that_reads_nothing() {
    const FLOOD: usize = 200_000;
    scenario("notification flood", 4 * MIB, || async {
        let address = peer::serve(|_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            let one = text(r#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":true,"pad":"................................................................................................................"}"#);
            let batch = one.repeat(1000);
            for _ in 0..FLOOD / 1000 {
                if stream.write_all(&batch).await.is_err() {
                    return;
                }
            }
            while read_frame(&mut stream).await.is_some() {}
        })
        .await;
        let client = connected(builder(address).heartbeat(None).notification_buffer(256)).await;
        let mut all = client.notifications();
        let mut typed =
            client.subscribe::<trueconf_api::notifications::FileTransferAvailabilityChanged>();
        eventually(|| client.stats().notifications == FLOOD as u64).await;
        assert!(matches!(
            all.recv().await,
            Some(Err(StreamError::Lagged(_)))
        ));
        assert!(matches!(
            typed.recv().await,
            Some(Err(StreamError::Lagged(_)))
        ));
    });
}

/// 1,000 pings with 125-byte payloads (the largest a control frame may carry).
fn ping_batch() -> Vec<u8> {
    frame(PING, true, &[b'p'; 125]).repeat(1000)
}

#[test]
fn a_ping_flood_from_a_room_that_reads() {
    // The write buffer's cap with the default max_request_size (4 MiB + 16 KiB): a Room that
    // floods pings faster than it reads the pongs fills it, and no further.
    scenario("ping flood, reading", 6 * MIB, || async {
        let address = peer::serve(|_, stream| async move {
            let mut stream = stream;
            accept_and_authorize(&mut stream).await;
            let (reader, mut writer) = stream.into_split();
            let mut reader = tokio::io::BufReader::new(reader);
            let (answers, mut to_send) = tokio::sync::mpsc::unbounded_channel();
            // Reads everything (pongs included), but slower than it pings (about 100 frames a
            // millisecond); answers requests through the writer.
            tokio::spawn(async move {
                let mut message = Vec::new();
                let mut frames = 0u64;
                while let Some(frame) = read_frame(&mut reader).await {
                    frames += 1;
                    if frames.is_multiple_of(100) {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    if matches!(frame.opcode, PING | PONG) {
                        continue;
                    }
                    message.extend_from_slice(&frame.payload);
                    if frame.fin {
                        let request: Value = serde_json::from_slice(&message).expect("JSON");
                        message.clear();
                        let _ = answers.send(text(&answer(&request)));
                    }
                }
            });
            let batch = ping_batch();
            let until = Instant::now() + 2 * SECOND;
            while Instant::now() < until {
                while let Ok(reply) = to_send.try_recv() {
                    let _ = writer.write_all(&reply).await;
                }
                if writer.write_all(&batch).await.is_err() {
                    return;
                }
            }
            while let Some(reply) = to_send.recv().await {
                let _ = writer.write_all(&reply).await;
            }
        })
        .await;
        // The default liveness deadline: a Room this busy may leave a request waiting for
        // room in the socket for longer than the quick one.
        let client = connected(builder(address).heartbeat(Some(Heartbeat::default()))).await;
        // Requests go through during the flood.
        for n in 0..10 {
            raw(&client, &format!("duringTheFlood{n}"))
                .await
                .expect("answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(client.status(), ConnectionStatus::Connected);
    });
}

#[test]
fn a_request_made_while_pongs_fill_the_write_buffer_goes_through_once_the_room_reads() {
    scenario("write buffer full of pongs", 4 * MIB, || async {
        let listener = listener_with_small_buffers().await;
        let address = peer::serve_on(listener, |_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            // Pings for a second without reading: the client's write buffer fills with
            // pongs. Then it reads again, and answers.
            let batch = ping_batch();
            let until = Instant::now() + SECOND;
            while Instant::now() < until {
                if stream.write_all(&batch).await.is_err() {
                    return;
                }
            }
            let (reader, mut writer) = stream.into_split();
            let mut reader = tokio::io::BufReader::new(reader);
            while let Some(request) = next_request(&mut reader).await {
                if writer.write_all(&text(&answer(&request))).await.is_err() {
                    return;
                }
            }
        });
        let client = connected(
            builder(address)
                .max_request_size(64 * 1024)
                .heartbeat(Some(Heartbeat::default())),
        )
        .await;
        // Sent while the buffer is full: they wait for room, and neither they nor the
        // connection are lost (a write that found the buffer full used to drop its message).
        tokio::time::sleep(Duration::from_millis(500)).await;
        // Each larger than a pong, so that it does not fit in what the pongs leave free.
        let answers = futures_util::future::join_all(big_requests(&client, 10, 1024)).await;
        for answer in answers {
            answer
                .expect("joins")
                .expect("answered once the Room reads");
        }
        assert_eq!(client.status(), ConnectionStatus::Connected);
    });
}

#[test]
fn a_ping_flood_from_a_room_that_does_not_read() {
    scenario("ping flood, not reading", 4 * MIB, || async {
        let listener = listener_with_small_buffers().await;
        let address = peer::serve_on(listener, |_, mut stream| async move {
            accept_and_authorize(&mut stream).await;
            let batch = ping_batch();
            let until = Instant::now() + 2 * SECOND;
            while Instant::now() < until {
                if stream.write_all(&batch).await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(GUARD).await;
        });
        // The write buffer holds at most 64 KiB + 16 KiB of pongs nobody reads.
        let client = connected(builder(address).max_request_size(64 * 1024).heartbeat(None)).await;
        tokio::time::sleep(2 * SECOND).await;
        assert_eq!(client.status(), ConnectionStatus::Connected);
        let started = Instant::now();
        client.close().await;
        assert!(
            started.elapsed() < 3 * SECOND,
            "close() took {:?}",
            started.elapsed()
        );
    });
}

#[test]
fn a_room_that_ignores_pings_stays_connected_through_get_app_state() {
    scenario("ignores pings", 2 * MIB, || async {
        let answered = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&answered);
        let address = peer::serve(move |_, mut stream| {
            let counter = Arc::clone(&counter);
            async move {
                accept_and_authorize(&mut stream).await;
                // Answers requests, never pings.
                while let Some(request) = next_request(&mut stream).await {
                    if request["method"] == "getAppState" {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                    if stream.write_all(&text(&answer(&request))).await.is_err() {
                        return;
                    }
                }
            }
        })
        .await;
        let client = connected(builder(address)).await;
        // Four deadlines of idle time: alive throughout, on getAppState probes alone.
        tokio::time::sleep(Duration::from_millis(3200)).await;
        assert_eq!(client.status(), ConnectionStatus::Connected);
        assert!(answered.load(Ordering::Relaxed) >= 4, "{answered:?}");
        // The probes' answers fill the state cache, and are not stray.
        assert_eq!(client.app_state().expect("cached").embedded_http_port, 8766);
        assert_eq!(client.stats().stray_responses, 0);
        assert_eq!(client.stats().pending, 0);
    });
}

// ---------------------------------------------------------------------------------------
// Connecting.

#[test]
fn a_room_that_never_finishes_the_handshake() {
    scenario("no handshake", 2 * MIB, || async {
        let address = peer::serve(|_, stream| async move {
            // Accepts, reads nothing, answers nothing.
            tokio::time::sleep(GUARD).await;
            drop(stream);
        })
        .await;
        let error = builder(address).connect().await.expect_err("no handshake");
        match &error {
            Error::Timeout { waiting_for, .. } => {
                assert!(
                    waiting_for.starts_with("WebSocket handshake with"),
                    "{waiting_for}"
                )
            }
            other => panic!("expected Timeout, got {other:?}"),
        }
        assert_names(&error, address);
        // With reconnecting on, the first connection is retried until the connect deadline,
        // and the error says how often and why the last attempt failed.
        let started = Instant::now();
        let error = builder(address)
            .connect_timeout(Duration::from_millis(300))
            .connect_deadline(Duration::from_millis(1500))
            .reconnect(quick_reconnect())
            .connect()
            .await
            .expect_err("no handshake");
        assert!(started.elapsed() < 3 * SECOND, "{:?}", started.elapsed());
        match &error {
            Error::Unreachable {
                attempts,
                last_error: Some(last),
                ..
            } => {
                assert!(*attempts >= 2, "{attempts}");
                assert!(matches!(**last, Error::Timeout { .. }), "{last:?}");
            }
            other => panic!("expected Unreachable, got {other:?}"),
        }
        assert!(
            format!("{error:#}").contains("WebSocket handshake with"),
            "{error:#}"
        );
    });
}

/// A `config.json` server that reads the request and then runs `respond`.
async fn config_server<F, Fut>(respond: F) -> std::net::SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let respond = Arc::new(respond);
    peer::serve(move |_, mut stream| {
        let respond = Arc::clone(&respond);
        async move {
            peer::read_http_request(&mut stream).await;
            respond(stream).await;
        }
    })
    .await
}

fn discovering(http: std::net::SocketAddr) -> ClientBuilder {
    Client::builder()
        .host("127.0.0.1", http.port())
        .http_timeout(SECOND)
        .connect_deadline(5 * SECOND)
}

fn config_url(http: std::net::SocketAddr) -> String {
    format!("http://{http}/public/default/config.json")
}

#[test]
fn a_config_json_that_hangs_trickles_or_never_ends() {
    scenario("config.json", 4 * MIB, || async {
        let hangs = config_server(|stream| async move {
            tokio::time::sleep(GUARD).await;
            drop(stream);
        })
        .await;
        let trickles = config_server(|mut stream| async move {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")
                .await;
            for _ in 0..1000 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
            }
        })
        .await;
        let never_ends = config_server(|mut stream| async move {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await;
            let chunk = [b"10000\r\n".as_slice(), &[b' '; 0x10000], b"\r\n"].concat();
            while stream.write_all(&chunk).await.is_ok() {}
        })
        .await;
        for http in [hangs, trickles] {
            let error = discovering(http).connect().await.expect_err("no config");
            match &error {
                Error::Timeout { waiting_for, after } => {
                    assert_eq!(
                        waiting_for,
                        &format!("HTTP response from {}", config_url(http))
                    );
                    assert_eq!(*after, SECOND);
                }
                other => panic!("expected Timeout, got {other:?}"),
            }
        }
        let error = discovering(never_ends)
            .connect()
            .await
            .expect_err("too long");
        match &error {
            Error::Transport { url, .. } => assert_eq!(url, &config_url(never_ends)),
            other => panic!("expected Transport, got {other:?}"),
        }
        assert!(format!("{error:#}").contains("length limit"), "{error:#}");
    });
}

#[test]
fn errors_name_the_address_and_where_its_port_came_from() {
    scenario("addresses", 2 * MIB, || async {
        // Nothing listens on the HTTP port.
        let free = TcpSocket::new_v4().expect("a socket");
        free.bind("127.0.0.1:0".parse().expect("an address"))
            .expect("binds");
        let closed_port = free.local_addr().expect("an address");
        drop(free);
        let error = discovering(closed_port)
            .connect()
            .await
            .expect_err("refused");
        match &error {
            Error::Io { address, source } => {
                assert_eq!(address, &config_url(closed_port));
                assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
            }
            other => panic!("expected Io, got {other:?}"),
        }
        assert_eq!(
            error.to_string(),
            format!("cannot connect to {}", config_url(closed_port))
        );
        // config.json names a WebSocket port nobody listens on.
        let http = peer::config_json(closed_port.port()).await;
        let error = discovering(http).connect().await.expect_err("refused");
        assert_eq!(
            error.to_string(),
            format!(
                "cannot open the WebSocket ws://{closed_port} (port from {})",
                config_url(http)
            )
        );
        let chain = format!("{error:#}");
        assert!(chain.to_lowercase().contains("refused"), "{chain}");
        // Said once: no cause repeats the text of the one before.
        let mut cause: &dyn std::error::Error = &error;
        while let Some(next) = cause.source() {
            assert!(!cause.to_string().contains(&next.to_string()), "{chain}");
            cause = next;
        }
        // And the Room found through config.json serves: its state is fetched too.
        let room = peer::serve(|_, stream| well_behaved(stream)).await;
        let http = peer::config_json(room.port()).await;
        let client = connected(discovering(http)).await;
        assert_eq!(
            client.app_state().expect("fetched").embedded_http_port,
            8766
        );
        assert!(client.system_info().is_some());
        client.close().await;
    });
}
