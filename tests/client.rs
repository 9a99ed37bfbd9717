//! `trueconf_api::client` against the in-process mock Room (`trueconf_api::mock`): discovery
//! and auth, requests matched out of order and a thousand in flight, cancel-safety, failures,
//! dropped connections, reconnecting with re-auth, garbage frames, the HTTP-server token and
//! frames, the state cache and the file-transfer flow.
//!
//! Timeouts here only guard against hangs; nothing is timed. The slow-consumer test with its
//! memory bound is in `client_memory.rs` (it needs its own allocator).

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use trueconf_api::client::{Client, ConnectionStatus, Credentials, Error, Reconnect, StreamError};
use trueconf_api::commands::{
    AcceptIncomingFileRequest, GetFileRequestInfo, GetFileTransferHistory, GetIncomingFilesRequests,
};
use trueconf_api::mock::{Delay, FileOffer, MockRoom, Protection, Reply, Rule};
use trueconf_api::notifications::{
    FileRequestStatusChanged, FileTransferAvailabilityChanged,
    IncomingFileRequestDownloadingProgress,
};
use trueconf_api::types::{AppState, ControlRole, FileRequestStatus, FileTransferAvailability};
use trueconf_api::AnyNotification;

/// Long enough never to trip on a loaded machine; only there so a broken test cannot hang.
const GUARD: Duration = Duration::from_secs(30);

async fn guarded<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no result within {GUARD:?} (hang)"))
}

async fn room() -> MockRoom {
    MockRoom::start().await.expect("the mock Room starts")
}

async fn pin_room(pin: &str) -> MockRoom {
    MockRoom::builder()
        .protection(Protection::Pin(pin.into()))
        .start()
        .await
        .expect("the mock Room starts")
}

async fn connect(room: &MockRoom) -> Client {
    guarded(
        "connect",
        Client::builder()
            .host("127.0.0.1", room.http_port())
            .request_timeout(GUARD)
            .connect(),
    )
    .await
    .expect("connects to the mock Room")
}

/// `Client::connect` by host and HTTP port with `credentials`, guarded against hangs.
async fn connect_with(room: &MockRoom, credentials: Credentials) -> Result<Client, Error> {
    guarded(
        "connect",
        Client::connect("127.0.0.1", room.http_port(), credentials),
    )
    .await
}

/// Waits until `check` holds (polling; a hang guard, not a timing).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    guarded(what, async {
        while !check() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

#[tokio::test]
async fn connects_by_host_and_port_authorizes_and_fills_the_state_cache() {
    let room = pin_room("1234").await;
    let mut requests = room.requests();
    let client = connect_with(&room, Credentials::Pin("1234".into()))
        .await
        .expect("connects");
    assert_eq!(client.status(), ConnectionStatus::Connected);
    let auth = guarded("auth request", requests.recv_method("auth"))
        .await
        .expect("auth");
    assert_eq!(auth["type"], json!("secured"));
    assert_eq!(auth["credentials"], json!("1234"));
    assert!(auth["requestId"].is_string(), "the client sends requestIds");
    let state = client.app_state().expect("getAppState filled the cache");
    assert_eq!(state.app_state, AppState::from_value(3));
    assert_eq!(state.embedded_http_port, room.http_port());
    let info = client
        .system_info()
        .expect("getSystemInfo filled the cache");
    assert_eq!(
        info.auth_info.expect("documented authInfo").peer_id,
        "user1@some.server"
    );
    let tokens = client.auth_response().expect("kept");
    assert!(tokens.token.is_some() && tokens.token_for_http_server.is_some());
    assert_eq!(
        client.http_endpoint(),
        Some(("127.0.0.1".to_string(), room.http_port()))
    );
}

#[tokio::test]
async fn connects_by_websocket_url_and_takes_the_http_port_from_the_state() {
    let room = room().await;
    let client = guarded("connect", Client::builder().url(room.ws_url()).connect())
        .await
        .expect("connects");
    assert_eq!(
        client.http_endpoint(),
        Some(("127.0.0.1".to_string(), room.http_port())),
        "embeddedHttpPort of getAppState"
    );
    let history = guarded("request", client.request(GetFileTransferHistory::new()))
        .await
        .expect("answered");
    assert_eq!(history.files_requests.len(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_a_clear_auth_error() {
    let room = pin_room("1234").await;
    for credentials in [Credentials::Pin("0000".into()), Credentials::Unsecured] {
        let error = connect_with(&room, credentials.clone())
            .await
            .expect_err("refused");
        match &error {
            Error::Auth {
                error: Some(text),
                result_code: None,
            } => assert!(!text.is_empty()),
            other => panic!("{credentials:?}: expected Error::Auth, got {other:?}"),
        }
        assert!(error.to_string().starts_with("authorization refused: "));
    }
    // A Room that says yes with `result` but no with a non-zero `resultCode`.
    room.reply_with("auth", json!({ "result": true, "resultCode": 3 }));
    let error = connect_with(&room, Credentials::Pin("1234".into()))
        .await
        .expect_err("refused by resultCode");
    assert!(
        matches!(
            error,
            Error::Auth {
                result_code: Some(3),
                ..
            }
        ),
        "{error:?}"
    );
    // An older Room sends no resultCode at all: `result: true` is enough.
    room.reply_with(
        "auth",
        json!({ "previleges": 2, "token": "t", "tokenForHttpServer": "h", "result": true }),
    );
    let client = connect_with(&room, Credentials::Pin("1234".into())).await;
    assert!(client.is_ok(), "{client:?}");
}

#[tokio::test]
async fn a_failed_response_carries_the_rooms_text_and_the_typed_failure() {
    let room = room().await;
    let client = connect(&room).await;
    room.fail("getFileTransferHistory", "File transfer is not available");
    let error = guarded("request", client.request(GetFileTransferHistory::new()))
        .await
        .expect_err("result:false is an error");
    let Error::Failed(failed) = &error else {
        panic!("expected Failed, got {error:?}");
    };
    assert_eq!(failed.method(), "getFileTransferHistory");
    assert_eq!(failed.error(), Some("File transfer is not available"));
    let typed = failed
        .failure::<GetFileTransferHistory>()
        .expect("the typed failure");
    assert_eq!(typed.to_string(), error.to_string());
    assert!(failed.failure::<GetIncomingFilesRequests>().is_none());
    // The connection goes on.
    guarded("request", client.request(GetIncomingFilesRequests::new()))
        .await
        .expect("answered");
}

#[tokio::test]
async fn responses_answered_out_of_order_reach_their_requests() {
    let room = room().await;
    let client = connect(&room).await;
    // Answers in reverse order of sending: the first waits longest.
    echo_file_requests_after(&room, |n| Duration::from_millis(200 - 40 * n));
    let mut requests = room.requests();
    let calls = (0..5).map(|n| client.request(GetFileRequestInfo::new(n.to_string())));
    let answers = guarded("five requests", futures_util::future::join_all(calls)).await;
    for (n, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer.expect("answered").file_request_id, n.to_string());
    }
    // The Room saw them in order of sending, each with its own requestId.
    let mut ids = Vec::new();
    for _ in 0..5 {
        let request = guarded("request", requests.recv_method("getFileRequestInfo"))
            .await
            .expect("recorded");
        ids.push(request["requestId"].as_str().expect("a string").to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

/// Scripts getFileRequestInfo to answer about the request's own `fileRequestId` (a number as
/// a string; 0 if not) after `delay` of that number.
fn echo_file_requests_after(
    room: &MockRoom,
    delay: impl Fn(u64) -> Duration + Send + Sync + 'static,
) {
    let delay = Delay::PerRequest(std::sync::Arc::new(move |request: &Value| {
        let n = request["fileRequestId"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        delay(n)
    }));
    room.script(
        "getFileRequestInfo",
        Rule::new()
            .reply(Reply::With(std::sync::Arc::new(echo_file_request_id)))
            .delay(delay),
    );
}

/// The documented getFileRequestInfo response about the request's `fileRequestId`.
fn echo_file_request_id(request: &Value) -> Value {
    json!({
        "fileRequestId": request["fileRequestId"],
        "status": 1,
        "directionType": 0,
        "fileName": "4.png",
        "timestamp": 1659254393588u64,
        "fileSize": 2304,
        "peerId": "820_1@some.server",
        "peerDisplayName": "820_1",
        "result": true
    })
}

#[tokio::test]
async fn a_thousand_requests_in_flight_each_get_their_own_response() {
    let room = room().await;
    let client = connect(&room).await;
    // Scrambled: answers come back in a different order than the requests went.
    echo_file_requests_after(&room, |n| Duration::from_millis((n * 7919) % 50));
    let calls = (0..1000).map(|n| {
        let client = client.clone();
        async move {
            let answer = client.request(GetFileRequestInfo::new(n.to_string())).await;
            (n, answer)
        }
    });
    let answers = guarded("1000 requests", futures_util::future::join_all(calls)).await;
    for (n, answer) in answers {
        assert_eq!(answer.expect("answered").file_request_id, n.to_string());
    }
    let stats = client.stats();
    assert_eq!(stats.pending, 0);
    assert_eq!(stats.stray_responses, 0);
    assert_eq!(room.received("getFileRequestInfo"), 1000);
}

#[tokio::test]
async fn dropping_a_request_frees_its_slot_and_its_late_answer_is_counted_stray() {
    let room = room().await;
    let client = connect(&room).await;
    room.delay("getFileTransferHistory", Duration::from_millis(300));
    let mut requests = room.requests();
    // 100 requests, abandoned by their callers once the Room has them all.
    let abandoned = async {
        let calls = (0..100).map(|_| client.request(GetFileTransferHistory::new()));
        futures_util::future::join_all(calls).await
    };
    let seen = async {
        for _ in 0..100 {
            requests.recv_method("getFileTransferHistory").await;
        }
    };
    tokio::select! {
        _ = abandoned => panic!("the Room answers only after 300 ms"),
        () = guarded("the Room sees them", seen) => {}
    }
    assert_eq!(client.stats().pending, 0, "no slot outlives its future");
    eventually("late answers", || client.stats().stray_responses == 100).await;

    // A timeout frees its slot as well.
    room.drop_reply("getIncomingFilesRequests");
    let error = guarded(
        "request",
        client.request_with_timeout(GetIncomingFilesRequests::new(), Duration::from_millis(50)),
    )
    .await
    .expect_err("no answer");
    assert!(
        matches!(&error, Error::Timeout { waiting_for, .. } if waiting_for.contains("getIncomingFilesRequests")),
        "{error:?}"
    );
    assert_eq!(client.stats().pending, 0);
}

#[tokio::test]
async fn a_connection_dropped_in_the_middle_of_requests_fails_them_with_closed() {
    let room = room().await;
    let client = connect(&room).await;
    let mut notifications = client.notifications();
    room.drop_reply("getFileTransferHistory");
    room.disconnect_on("getIncomingFilesRequests");
    let mut requests = room.requests();
    let (held, dropped) = guarded("two requests", async {
        tokio::join!(client.request(GetFileTransferHistory::new()), async {
            requests.recv_method("getFileTransferHistory").await;
            client.request(GetIncomingFilesRequests::new()).await
        })
    })
    .await;
    assert!(matches!(held, Err(Error::Closed)), "{held:?}");
    assert!(matches!(dropped, Err(Error::Closed)), "{dropped:?}");
    eventually("closed", || client.status() == ConnectionStatus::Closed).await;
    // Later requests fail at once; streams end; nothing is left waiting.
    let later = guarded("request", client.request(GetFileTransferHistory::new())).await;
    assert!(matches!(later, Err(Error::Closed)), "{later:?}");
    assert!(guarded("stream end", notifications.next()).await.is_none());
    assert_eq!(client.stats().pending, 0);
}

#[tokio::test]
async fn reconnecting_authorizes_again_and_keeps_subscriptions() {
    let room = pin_room("1234").await;
    let client = guarded(
        "connect",
        Client::builder()
            .host("127.0.0.1", room.http_port())
            .credentials(Credentials::Pin("1234".into()))
            .reconnect(Reconnect::default().initial_delay(Duration::from_millis(20)))
            .request_timeout(GUARD)
            .connect(),
    )
    .await
    .expect("connects");
    let first_token = client
        .auth_response()
        .and_then(|auth| auth.token)
        .expect("a token");
    let mut availability = client.subscribe::<FileTransferAvailabilityChanged>();
    let mut requests = room.requests();
    // A request in flight when the connection drops fails with Closed…
    room.drop_reply("getFileTransferHistory");
    let in_flight = {
        let client = client.clone();
        tokio::spawn(async move { client.request(GetFileTransferHistory::new()).await })
    };
    guarded("in flight", requests.recv_method("getFileTransferHistory")).await;
    room.reset("getFileTransferHistory");
    assert_eq!(room.drop_connections(), 1);
    let failed = guarded("in flight", in_flight).await.expect("joins");
    assert!(matches!(failed, Err(Error::Closed)), "{failed:?}");
    // …while one made after the loss waits for the new connection (which the mock only
    // serves once it is authorized again).
    let history = guarded("request", client.request(GetFileTransferHistory::new()))
        .await
        .expect("answered on the new connection");
    assert_eq!(history.files_requests.len(), 2);
    assert_eq!(client.status(), ConnectionStatus::Connected);
    assert_eq!(client.stats().reconnects, 1);
    // It authorized with the token of the first auth.
    let reauth = guarded("re-auth", requests.recv_method("auth"))
        .await
        .expect("auth");
    assert_eq!(reauth["credentials"], json!(first_token));
    // The subscription made before the loss still delivers.
    let event = room
        .notification_example("fileTransferAvailabilityChanged")
        .expect("documented");
    assert_eq!(room.push(&event).await, 1);
    let received = guarded("subscription", availability.next())
        .await
        .expect("open")
        .expect("decodes");
    assert_eq!(received.availability, FileTransferAvailability::Available);
}

#[tokio::test]
async fn after_a_room_restart_reconnecting_falls_back_from_the_token_to_the_credentials() {
    let first = pin_room("1234").await;
    let (http_port, ws_port) = (first.http_port(), first.ws_port());
    let client = guarded(
        "connect",
        Client::builder()
            .host("127.0.0.1", http_port)
            .credentials(Credentials::Pin("1234".into()))
            .role(ControlRole::User)
            .reconnect(Reconnect::default().initial_delay(Duration::from_millis(20)))
            .request_timeout(GUARD)
            .connect(),
    )
    .await
    .expect("connects");
    guarded("stop", first.stop()).await;
    eventually("the loss is noticed", || {
        matches!(client.status(), ConnectionStatus::Reconnecting { .. })
    })
    .await;
    // The same ports, a Room that never issued the client's token.
    let second = MockRoom::builder()
        .protection(Protection::Pin("1234".into()))
        .http_port(http_port)
        .ws_port(ws_port)
        .start()
        .await
        .expect("the restarted Room binds the same ports");
    let mut requests = second.requests();
    guarded("request", client.request(GetFileTransferHistory::new()))
        .await
        .expect("answered after the restart");
    let token_attempt = guarded("auth", requests.recv_method("auth"))
        .await
        .expect("auth");
    assert_ne!(
        token_attempt["credentials"],
        json!("1234"),
        "the token first"
    );
    assert_eq!(token_attempt["role"], json!("user"));
    let pin_attempt = guarded("auth", requests.recv_method("auth"))
        .await
        .expect("auth");
    assert_eq!(pin_attempt["credentials"], json!("1234"), "then the PIN");
    assert_eq!(client.stats().reconnects, 1);
}

#[tokio::test]
async fn reconnecting_gives_up_after_its_attempts() {
    let room = room().await;
    let client = guarded(
        "connect",
        Client::builder()
            .host("127.0.0.1", room.http_port())
            .reconnect(
                Reconnect::default()
                    .initial_delay(Duration::from_millis(5))
                    .max_attempts(3),
            )
            .connect(),
    )
    .await
    .expect("connects");
    let mut status = client.status_changes();
    room.shutdown();
    drop(room);
    let mut attempts = Vec::new();
    guarded("closed", async {
        while status.changed().await.is_ok() {
            match *status.borrow_and_update() {
                ConnectionStatus::Reconnecting { attempt } => attempts.push(attempt),
                ConnectionStatus::Closed => break,
                _ => {}
            }
        }
    })
    .await;
    assert_eq!(attempts, [1, 2, 3]);
    let later = guarded("request", client.request(GetFileTransferHistory::new())).await;
    assert!(matches!(later, Err(Error::Closed)), "{later:?}");
}

#[tokio::test]
async fn without_reconnect_a_lost_connection_closes_the_client() {
    let room = room().await;
    let client = connect(&room).await;
    room.drop_connections();
    eventually("closed", || client.status() == ConnectionStatus::Closed).await;
    assert_eq!(client.stats().reconnects, 0);
}

#[tokio::test]
async fn garbage_and_undecodable_frames_are_reported_and_the_client_carries_on() {
    let room = room().await;
    let client = connect(&room).await;
    let mut all = client.notifications();
    let mut typed = client.subscribe::<FileTransferAvailabilityChanged>();
    let broken = json!({
        "method": "event",
        "event": "fileTransferAvailabilityChanged",
        "availability": "very"
    });
    let unknown = json!({ "method": "event", "event": "zzSomethingNew", "n": [1, {"x": null}] });
    let good = room
        .notification_example("fileTransferAvailabilityChanged")
        .expect("documented");
    room.push_text("this is not JSON").await;
    room.push_text(r#"{"no": "method"}"#).await;
    room.push(&broken).await;
    room.push(&unknown).await;
    room.push(&good).await;

    match guarded("1", all.next()).await.expect("open") {
        Err(StreamError::Garbage { frame, .. }) => assert_eq!(&frame[..], b"this is not JSON"),
        other => panic!("expected garbage, got {other:?}"),
    }
    match guarded("2", all.next()).await.expect("open") {
        Err(StreamError::Garbage { error, frame }) => {
            assert_eq!(&frame[..], br#"{"no": "method"}"#);
            assert_eq!(error.path(), "method");
        }
        other => panic!("expected garbage, got {other:?}"),
    }
    match guarded("3", all.next()).await.expect("open") {
        Err(StreamError::Decode(error)) => {
            assert_eq!(error.path(), "availability");
            let raw = error.raw_message().expect("kept whole");
            assert_eq!(raw.to_value(), Some(broken.clone()));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match guarded("4", all.next()).await.expect("open") {
        Ok(AnyNotification::Unknown(raw)) => assert_eq!(raw.to_value(), Some(unknown)),
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert!(matches!(
        guarded("5", all.next()).await,
        Some(Ok(AnyNotification::FileTransferAvailabilityChanged(_)))
    ));
    // The typed subscription sees its two: the broken one as an error, then the good one.
    match guarded("typed 1", typed.next()).await.expect("open") {
        Err(StreamError::Decode(error)) => assert!(error.raw_message().is_some()),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(guarded("typed 2", typed.next())
        .await
        .expect("open")
        .is_ok());
    assert_eq!(client.stats().garbage_frames, 2);
    guarded("request", client.request(GetFileTransferHistory::new()))
        .await
        .expect("the connection carries on");
}

#[tokio::test]
async fn the_http_token_stays_fresh_and_frames_use_it() {
    let room = room().await;
    let client = guarded(
        "connect",
        Client::builder()
            .host("127.0.0.1", room.http_port())
            .http_token_max_age(Duration::from_millis(100))
            .connect(),
    )
    .await
    .expect("connects");
    // The token from auth serves the first frame.
    let jpeg = guarded("frame", client.frame("#self:0"))
        .await
        .expect("a frame");
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "a JPEG");
    assert_eq!(room.frame_requests(), vec!["#self:0".to_string()]);
    assert_eq!(room.received("getTokenForHttpServer"), 0);
    let from_auth = guarded("token", client.http_token()).await.expect("token");
    // Older than its maximum age: renewed with getTokenForHttpServer.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let renewed = guarded("token", client.http_token()).await.expect("token");
    assert_ne!(renewed, from_auth);
    assert_eq!(room.received("getTokenForHttpServer"), 1);
    // authorizationNeeded drops it.
    let mut needed = client.subscribe::<trueconf_api::notifications::AuthorizationNeeded>();
    room.push(
        &room
            .notification_example("authorizationNeeded")
            .expect("documented"),
    )
    .await;
    guarded("authorizationNeeded", needed.next()).await;
    guarded("token", client.http_token()).await.expect("token");
    assert_eq!(room.received("getTokenForHttpServer"), 2);
    // A token the server no longer takes is renewed once, and the frame comes.
    room.revoke_http_tokens();
    guarded("frame", client.frame("820_1@some.server"))
        .await
        .expect("a frame after renewing");
    assert_eq!(room.received("getTokenForHttpServer"), 3);
}

#[tokio::test]
async fn untyped_commands_go_through_request_raw() {
    let room = room().await;
    let client = connect(&room).await;
    let token = guarded(
        "raw",
        client.request_raw("getTokenForHttpServer", serde_json::Map::new()),
    )
    .await
    .expect("answered");
    assert!(token["token"].is_string());
    // A command the definitions do not type (the bundled catalogue is empty, so a name a
    // newer Room might have).
    let untyped = "getRecordingSchedule";
    let error = guarded("raw", client.request_raw(untyped, serde_json::Map::new()))
        .await
        .expect_err("the mock does not implement it");
    let Error::Failed(failed) = &error else {
        panic!("{error:?}")
    };
    assert!(failed.error().is_some_and(|text| text.contains(untyped)));
    assert_eq!(failed.response().expect("json")["result"], json!(false));
}

#[tokio::test]
async fn the_state_cache_follows_app_state_changed() {
    let room = room().await;
    let client = connect(&room).await;
    let mut changed = room
        .notification_example("appStateChanged")
        .expect("documented");
    changed["appState"] = json!(5);
    room.push(&changed).await;
    eventually("app state 5", || {
        client
            .app_state()
            .is_some_and(|state| state.app_state == AppState::from_value(5))
    })
    .await;
}

#[tokio::test]
async fn close_is_graceful_and_ends_everything() {
    let room = room().await;
    let client = connect(&room).await;
    let mut notifications = client.notifications();
    let mut subscription = client.subscribe::<FileRequestStatusChanged>();
    guarded("close", client.close()).await;
    assert_eq!(client.status(), ConnectionStatus::Closed);
    assert!(guarded("end", notifications.next()).await.is_none());
    assert!(guarded("end", subscription.next()).await.is_none());
    let later = guarded("request", client.request(GetFileTransferHistory::new())).await;
    assert!(matches!(later, Err(Error::Closed)), "{later:?}");
    eventually("the Room sees it go", || room.connections() == 0).await;
}

#[tokio::test]
async fn the_file_transfer_flow_runs_against_the_mock() {
    let room = room().await;
    let client = connect(&room).await;
    let mut progress = client.subscribe::<IncomingFileRequestDownloadingProgress>();
    let mut statuses = client.subscribe::<FileRequestStatusChanged>();
    let mut offers = client.subscribe::<trueconf_api::notifications::ReceivedFileRequest>();
    let id = room.offer_file(FileOffer::new("report.pdf", 123_456)).await;
    let offered = guarded("offer", offers.next())
        .await
        .expect("open")
        .expect("decodes");
    assert_eq!(offered.file_request_id, id);
    assert_eq!(offered.file_size, 123_456);
    let listed = guarded("list", client.request(GetIncomingFilesRequests::new()))
        .await
        .expect("answered");
    assert!(listed
        .incoming_files_requests
        .iter()
        .any(|request| request.file_request_id == id
            && request.status == FileRequestStatus::AwaitingReply));
    guarded(
        "accept",
        client.request(AcceptIncomingFileRequest::new(id.as_str())),
    )
    .await
    .expect("accepted");
    let mut percents = Vec::new();
    while percents.last() != Some(&100) {
        let step = guarded("progress", progress.next())
            .await
            .expect("open")
            .expect("decodes");
        assert_eq!(step.file_request_id, id);
        percents.push(step.processed_percents);
    }
    assert_eq!(percents, vec![25, 50, 75, 100]);
    let mut seen = Vec::new();
    while seen.last() != Some(&FileRequestStatus::Completed) {
        let status = guarded("status", statuses.next())
            .await
            .expect("open")
            .expect("decodes");
        seen.push(status.status);
    }
    assert_eq!(
        seen,
        vec![FileRequestStatus::InProgress, FileRequestStatus::Completed]
    );
    // Accepting it again is refused: it no longer awaits a reply.
    let again = guarded(
        "accept",
        client.request(AcceptIncomingFileRequest::new(id.as_str())),
    )
    .await;
    assert!(matches!(again, Err(Error::Failed(_))), "{again:?}");
}
