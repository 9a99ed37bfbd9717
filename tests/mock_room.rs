//! The `room_client` example's client against a mock Room (`tests/mock_room/server.rs`) that
//! answers with the documented examples: discovery, the whole file-transfer flow, matching
//! responses to requests among notifications and out of order, failures, unknown
//! notifications, dropped connections and timeouts.
//!
//! Timeouts here only guard against hangs; nothing is timed.

#[path = "../examples/room_client/client.rs"]
#[allow(dead_code)] // the example's main uses other parts of it
mod client;
#[path = "mock_room/server.rs"]
#[allow(dead_code)] // not every test uses every knob
mod server;

use std::future::Future;
use std::time::Duration;

use serde_json::{json, Value};
use trueconf_api::commands::{GetFileTransferHistory, GetIncomingFilesRequests};
use trueconf_api::types::FileRequestStatus;
use trueconf_api::{AnyNotification, Response};

use client::{
    discover_ws_url, run_file_transfer_flow, Client, ClientError, FlowEvent, FlowOptions, Login,
    OfferSource,
};
use server::{HttpReply, MockRoom, Reply};

/// Long enough never to trip on a loaded machine; only there so a broken test cannot hang.
const GUARD: Duration = Duration::from_secs(20);

async fn guarded<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no result within {GUARD:?} (hang)"))
}

async fn connect(room: &MockRoom) -> Client {
    guarded("connect", Client::connect(&room.ws_url()))
        .await
        .expect("connects to the mock Room")
        // Requests must end by the mock's doing, not by the client giving up.
        .with_timeout(Duration::from_secs(60))
}

fn options(login: Login) -> FlowOptions {
    FlowOptions {
        login,
        offer_timeout: Duration::from_secs(60),
        progress_timeout: Duration::from_secs(60),
    }
}

/// The documented progress notification, about `id`, at `percent`.
fn progress(room: &MockRoom, id: &str, percent: u8) -> Value {
    let mut notification = room.notification_example("incomingFileRequestDownloadingProgress");
    notification["fileRequestId"] = json!(id);
    notification["processedPercents"] = json!(percent);
    notification
}

/// The documented status notification, about `id` (an incoming request), with `status`.
fn status(room: &MockRoom, id: &str, status: i64) -> Value {
    let mut notification = room.notification_example("fileRequestStatusChanged");
    notification["fileRequestId"] = json!(id);
    notification["status"] = json!(status);
    notification["directionType"] = json!(0);
    notification
}

fn about(room: &MockRoom, event: &str, id: &str) -> Value {
    let mut notification = room.notification_example(event);
    notification["fileRequestId"] = json!(id);
    notification
}

fn methods(requests: &[Value]) -> Vec<&str> {
    requests
        .iter()
        .map(|request| request["method"].as_str().unwrap_or("?"))
        .collect()
}

async fn requests_seen(room: &MockRoom, count: usize) -> Vec<Value> {
    let mut requests = Vec::new();
    for _ in 0..count {
        requests.push(room.next_request().await);
    }
    requests
}

#[tokio::test]
async fn the_file_transfer_flow_runs_end_to_end_with_discovery() {
    let room = MockRoom::start().await;
    let history_example = room.response_example("getFileTransferHistory");
    let history_len = history_example["filesRequests"]
        .as_array()
        .expect("documented history")
        .len();
    assert_eq!(history_len, 2, "the documented history lists two transfers");
    let listed = room.response_example("getIncomingFilesRequests");
    let awaiting = listed["incomingFilesRequests"]
        .as_array()
        .expect("documented list")
        .iter()
        .find(|request| request["status"] == json!(1))
        .expect("the documented list has a request awaiting a reply");
    let id = awaiting["fileRequestId"]
        .as_str()
        .expect("an id")
        .to_string();
    let file_name = awaiting["fileName"].as_str().expect("a name").to_string();

    // After the accept: the confirmation, progress (with one about another request in between)
    // and the status changes that end it.
    let unrelated = room.notification_example("incomingFileRequestDownloadingProgress");
    assert_ne!(unrelated["fileRequestId"], json!(id));
    room.after(
        "acceptIncomingFileRequest",
        vec![
            about(&room, "incomingFileRequestAccepted", &id),
            status(&room, &id, 2),
            progress(&room, &id, 0),
            progress(&room, &id, 35),
            unrelated,
            progress(&room, &id, 70),
            progress(&room, &id, 100),
            status(&room, &id, 3),
        ],
    );

    let url = guarded("discovery", discover_ws_url("127.0.0.1", room.http_port()))
        .await
        .expect("config.json gives the WebSocket port");
    assert_eq!(url, room.ws_url());
    let client = guarded("connect", Client::connect(&url))
        .await
        .expect("connects");
    let mut events = Vec::new();
    let report = guarded(
        "flow",
        run_file_transfer_flow(
            &client,
            &options(Login::Secured {
                credentials: "1234".into(),
            }),
            |event| events.push(event.clone()),
        ),
    )
    .await
    .expect("the flow completes");

    assert_eq!(report.history.len(), history_len);
    assert_eq!(
        report.history[0].file_request_id,
        history_example["filesRequests"][0]["fileRequestId"]
            .as_str()
            .expect("an id")
    );
    assert_eq!(report.incoming.len(), 2);
    assert_eq!(report.accepted.file_request_id, id);
    assert_eq!(report.accepted.file_name, file_name);
    assert_eq!(report.accepted.source, OfferSource::Listed);
    assert!(report.acceptance_confirmed);
    assert_eq!(report.progress, vec![0, 35, 70, 100]);
    assert_eq!(
        report.statuses,
        vec![FileRequestStatus::InProgress, FileRequestStatus::Completed]
    );
    assert_eq!(
        report.other_notifications, 1,
        "the other request's progress"
    );
    assert_eq!(report.undecodable_notifications, 0);

    // The steps, in order.
    let progress_events: Vec<u8> = events
        .iter()
        .filter_map(|event| match event {
            FlowEvent::Progress { percent, .. } => Some(*percent),
            _ => None,
        })
        .collect();
    assert_eq!(progress_events, report.progress);
    assert!(matches!(
        events.first(),
        Some(FlowEvent::Authorized {
            privileges: Some(2)
        })
    ));
    assert!(matches!(events[1], FlowEvent::History(ref history) if history.len() == history_len));
    assert!(matches!(events[2], FlowEvent::Incoming(_)));
    assert!(matches!(events[3], FlowEvent::Accepted(ref offer) if offer.file_request_id == id));
    assert_eq!(
        events.last(),
        Some(&FlowEvent::Status(FileRequestStatus::Completed))
    );

    // What the Room received: the four commands, each with its own requestId.
    let requests = requests_seen(&room, 4).await;
    assert_eq!(
        methods(&requests),
        [
            "auth",
            "getFileTransferHistory",
            "getIncomingFilesRequests",
            "acceptIncomingFileRequest"
        ]
    );
    assert_eq!(requests[0]["type"], json!("secured"));
    assert_eq!(requests[0]["credentials"], json!("1234"));
    assert_eq!(requests[3]["fileRequestId"], json!(id));
    let mut ids: Vec<&str> = requests
        .iter()
        .map(|request| request["requestId"].as_str().expect("a string requestId"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4, "every request has its own requestId");
}

#[tokio::test]
async fn the_flow_waits_for_an_offer_when_nothing_awaits_a_reply() {
    let room = MockRoom::start().await;
    // Every listed request is already downloaded; the offer comes as a notification, after an
    // unrelated one.
    let mut listed = room.response_example("getIncomingFilesRequests");
    for request in listed["incomingFilesRequests"]
        .as_array_mut()
        .expect("documented list")
    {
        request["status"] = json!(3);
    }
    let offered = room.notification_example("receivedFileRequest");
    let id = offered["fileRequestId"]
        .as_str()
        .expect("an id")
        .to_string();
    room.on("getIncomingFilesRequests", |rule| {
        rule.reply = Reply::Json(listed);
        rule.after = vec![
            room.notification_example("fileTransferAvailabilityChanged"),
            offered.clone(),
        ];
    });
    room.after(
        "acceptIncomingFileRequest",
        vec![progress(&room, &id, 100), status(&room, &id, 3)],
    );
    let client = connect(&room).await;
    let mut waited = false;
    let report = guarded(
        "flow",
        run_file_transfer_flow(&client, &options(Login::Unsecured), |event| {
            waited |= matches!(event, FlowEvent::WaitingForOffer)
        }),
    )
    .await
    .expect("the flow completes");
    assert!(waited);
    assert_eq!(report.accepted.file_request_id, id);
    assert_eq!(report.accepted.source, OfferSource::Notified);
    assert_eq!(
        report.accepted.file_size,
        offered["fileSize"].as_u64().expect("a size")
    );
    assert_eq!(report.progress, vec![100]);
    assert_eq!(report.statuses, vec![FileRequestStatus::Completed]);
    assert_eq!(report.other_notifications, 1);

    let requests = requests_seen(&room, 4).await;
    assert_eq!(requests[0]["type"], json!("unsecured"));
    assert!(requests[0].get("credentials").is_none());
    assert_eq!(requests[3]["fileRequestId"], json!(id));
}

#[tokio::test]
async fn responses_match_their_requests_among_notifications_and_out_of_order() {
    let room = MockRoom::start().await;
    let client = connect(&room).await;
    let first = room.notification_example("fileTransferAvailabilityChanged");
    let before = room.notification_example("receivedFileRequest");
    let after = room.notification_example("incomingFileRequestAccepted");
    let between = room.notification_example("fileRequestStatusChanged");
    room.hold("getFileTransferHistory");
    room.before("getIncomingFilesRequests", vec![before.clone()]);
    room.after("getIncomingFilesRequests", vec![after.clone()]);
    // A notification before any response.
    room.push(first.clone());

    // History is sent first and held; incoming is sent and answered while history waits;
    // then a notification, then history's response.
    let (history, (incoming, history_request, incoming_request)) = guarded("two requests", async {
        tokio::join!(client.request(GetFileTransferHistory::new()), async {
            let history_request = room.next_request().await;
            assert_eq!(history_request["method"], json!("getFileTransferHistory"));
            let incoming = client.request(GetIncomingFilesRequests::new()).await;
            let incoming_request = room.next_request().await;
            assert_eq!(
                incoming_request["method"],
                json!("getIncomingFilesRequests")
            );
            room.push(between.clone());
            room.release("getFileTransferHistory");
            (incoming, history_request, incoming_request)
        })
    })
    .await;
    let incoming = incoming.expect("incoming answered while history was held");
    let history = history.expect("history answered last");
    assert_eq!(incoming.incoming_files_requests.len(), 2);
    assert_eq!(history.files_requests.len(), 2);
    assert_ne!(history_request["requestId"], incoming_request["requestId"]);

    // Every notification arrives, in the order sent, typed.
    let mut received = Vec::new();
    for _ in 0..4 {
        received.push(
            guarded("notification", client.next_notification())
                .await
                .expect("a notification"),
        );
    }
    assert!(matches!(
        received[0],
        AnyNotification::FileTransferAvailabilityChanged(_)
    ));
    assert!(matches!(
        received[1],
        AnyNotification::ReceivedFileRequest(_)
    ));
    assert!(matches!(
        received[2],
        AnyNotification::IncomingFileRequestAccepted(_)
    ));
    assert!(matches!(
        received[3],
        AnyNotification::FileRequestStatusChanged(_)
    ));
    for (notification, sent) in received.iter().zip([&first, &before, &after, &between]) {
        assert_eq!(
            &serde_json::to_value(notification).expect("encodes"),
            sent,
            "decoded as sent"
        );
    }
    assert_eq!(client.stray_responses(), 0);
}

#[tokio::test]
async fn two_requests_of_one_method_answered_out_of_order_get_their_own_responses() {
    let room = MockRoom::start().await;
    let client = connect(&room).await;
    // The first request is held (two entries, the documented example); the second is answered
    // at once with one entry; then the first is released.
    let mut one_entry = room.response_example("getIncomingFilesRequests");
    if let Some(list) = one_entry["incomingFilesRequests"].as_array_mut() {
        list.truncate(1);
    }
    room.hold("getIncomingFilesRequests");
    let (first, second) = guarded("two requests", async {
        tokio::join!(client.request(GetIncomingFilesRequests::new()), async {
            room.next_request().await;
            room.on("getIncomingFilesRequests", |rule| {
                rule.reply = Reply::Json(one_entry)
            });
            let second = client.request(GetIncomingFilesRequests::new()).await;
            room.next_request().await;
            room.release("getIncomingFilesRequests");
            second
        })
    })
    .await;
    assert_eq!(
        second
            .expect("answered first")
            .incoming_files_requests
            .len(),
        1
    );
    assert_eq!(
        first.expect("answered last").incoming_files_requests.len(),
        2
    );
}

#[tokio::test]
async fn a_failed_response_is_an_error_with_the_servers_text() {
    let room = MockRoom::start().await;
    let client = connect(&room).await;
    let text = "File transfer is not available";
    room.fail("getFileTransferHistory", text);
    let error = guarded("request", client.request(GetFileTransferHistory::new()))
        .await
        .expect_err("result:false is an error");
    match &error {
        ClientError::Failed { method, error } => {
            assert_eq!(*method, "getFileTransferHistory");
            assert_eq!(error.as_deref(), Some(text));
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    // Worded as the crate words a Failure.
    let failure = Response::<GetFileTransferHistory>::failure(text)
        .into_result()
        .expect_err("a failure");
    assert_eq!(error.to_string(), failure.to_string());

    // The connection goes on.
    let incoming = guarded("request", client.request(GetIncomingFilesRequests::new()))
        .await
        .expect("the next request is answered");
    assert_eq!(incoming.incoming_files_requests.len(), 2);

    // A failed auth stops the flow.
    room.fail("auth", "Wrong PIN");
    let flow = guarded(
        "flow",
        run_file_transfer_flow(
            &client,
            &options(Login::Secured {
                credentials: "0000".into(),
            }),
            |_| {},
        ),
    )
    .await;
    match flow {
        Err(ClientError::Failed {
            method: "auth",
            error: Some(error),
        }) => assert_eq!(error, "Wrong PIN"),
        other => panic!("expected the auth failure, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_notifications_arrive_raw_and_do_not_break_the_stream() {
    let room = MockRoom::start().await;
    let client = connect(&room).await;
    let unknown = json!({
        "method": "event",
        "event": "zzRoomLearnedSomethingNew",
        "payload": { "nested": [1, 2, { "deep": null }] },
        "count": 3
    });
    let untyped_name = trueconf_api::UNTYPED_NOTIFICATION_NAMES[0];
    let untyped = json!({ "method": "event", "event": untyped_name, "anything": true });
    let broken = json!({
        "method": "event",
        "event": "fileTransferAvailabilityChanged",
        "availability": "very"
    });
    let known = room.notification_example("fileTransferAvailabilityChanged");
    room.push(unknown.clone());
    room.push(untyped.clone());
    room.push(broken.clone());
    room.push(known.clone());

    match guarded("notification", client.next_notification()).await {
        Ok(AnyNotification::Unknown(raw)) => {
            assert_eq!(raw.name(), "zzRoomLearnedSomethingNew");
            assert_eq!(raw.to_value(), Some(unknown), "the raw JSON, whole");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    match guarded("notification", client.next_notification()).await {
        Ok(AnyNotification::Untyped(raw)) => {
            assert_eq!(raw.name(), untyped_name);
            assert_eq!(raw.to_value(), Some(untyped));
        }
        other => panic!("expected Untyped, got {other:?}"),
    }
    match guarded("notification", client.next_notification()).await {
        Err(ClientError::Decode(error)) => {
            assert_eq!(error.path(), "availability");
            // The notification is handed over whole, not dropped.
            let raw = error.raw_message().expect("the name was read");
            assert_eq!(raw.name(), "fileTransferAvailabilityChanged");
            assert_eq!(raw.to_value(), Some(broken.clone()));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match guarded("notification", client.next_notification()).await {
        Ok(notification @ AnyNotification::FileTransferAvailabilityChanged(_)) => {
            assert_eq!(serde_json::to_value(&notification).expect("encodes"), known);
        }
        other => panic!("expected the typed notification, got {other:?}"),
    }
    // Requests still work.
    let history = guarded("request", client.request(GetFileTransferHistory::new()))
        .await
        .expect("answered");
    assert_eq!(history.files_requests.len(), 2);
}

#[tokio::test]
async fn a_dropped_connection_fails_every_pending_request_with_closed() {
    let room = MockRoom::start().await;
    let client = connect(&room).await;
    room.hold("getIncomingFilesRequests");
    room.drop_on("getFileTransferHistory");
    let (held, dropped) = guarded("pending requests", async {
        tokio::join!(client.request(GetIncomingFilesRequests::new()), async {
            let held = room.next_request().await;
            assert_eq!(held["method"], json!("getIncomingFilesRequests"));
            client.request(GetFileTransferHistory::new()).await
        })
    })
    .await;
    assert!(matches!(held, Err(ClientError::Closed)), "{held:?}");
    assert!(matches!(dropped, Err(ClientError::Closed)), "{dropped:?}");
    assert!(client.is_closed());
    // Later requests fail at once; the notification stream ends.
    let later = guarded("request", client.request(GetFileTransferHistory::new())).await;
    assert!(matches!(later, Err(ClientError::Closed)), "{later:?}");
    let notification = guarded("notification", client.next_notification()).await;
    assert!(
        matches!(notification, Err(ClientError::Closed)),
        "{notification:?}"
    );
}

#[tokio::test]
async fn a_connection_dropped_mid_transfer_ends_the_flow_with_closed() {
    let room = MockRoom::start().await;
    let client = connect(&room).await;
    let listed = room.response_example("getIncomingFilesRequests");
    let id = listed["incomingFilesRequests"][0]["fileRequestId"]
        .as_str()
        .expect("an id")
        .to_string();
    room.after("acceptIncomingFileRequest", vec![progress(&room, &id, 10)]);
    let mut seen = Vec::new();
    let unsecured = options(Login::Unsecured);
    let (flow, ()) = guarded("flow", async {
        tokio::join!(
            run_file_transfer_flow(&client, &unsecured, |event| {
                if let FlowEvent::Progress { percent, .. } = event {
                    seen.push(*percent);
                }
            }),
            async {
                let requests = requests_seen(&room, 4).await;
                assert_eq!(requests[3]["method"], json!("acceptIncomingFileRequest"));
                room.drop_connection();
            }
        )
    })
    .await;
    assert!(matches!(flow, Err(ClientError::Closed)), "{flow:?}");
    assert_eq!(
        seen,
        vec![10],
        "the progress sent before the drop was still seen"
    );
}

#[tokio::test]
async fn a_request_without_a_response_times_out_and_its_late_response_is_stray() {
    let room = MockRoom::start().await;
    let client = connect(&room)
        .await
        .with_timeout(Duration::from_millis(200));
    room.hold("getFileTransferHistory");
    let result = guarded("request", client.request(GetFileTransferHistory::new())).await;
    match result {
        Err(ClientError::Timeout { waiting_for, .. }) => {
            assert!(
                waiting_for.contains("getFileTransferHistory"),
                "{waiting_for}"
            )
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    // The late response matches nobody; a notification pushed after it marks that the client
    // has read it.
    room.release("getFileTransferHistory");
    room.push(room.notification_example("fileTransferAvailabilityChanged"));
    guarded("notification", client.next_notification())
        .await
        .expect("the marker notification");
    assert_eq!(client.stray_responses(), 1);
    let incoming = guarded(
        "request",
        client.request_with_timeout(GetIncomingFilesRequests::new(), Duration::from_secs(60)),
    )
    .await
    .expect("the connection goes on");
    assert_eq!(incoming.incoming_files_requests.len(), 2);
}

#[tokio::test]
async fn discovery_reads_every_http_framing_and_reports_errors() {
    for framing in [
        HttpReply::ContentLength,
        HttpReply::CloseDelimited,
        HttpReply::Chunked,
    ] {
        let room = MockRoom::start_with(framing.clone()).await;
        let url = guarded("discovery", discover_ws_url("127.0.0.1", room.http_port()))
            .await
            .unwrap_or_else(|error| panic!("{framing:?}: {error}"));
        assert_eq!(url, room.ws_url(), "{framing:?}");
    }

    let room = MockRoom::start_with(HttpReply::Status(404)).await;
    match guarded("discovery", discover_ws_url("127.0.0.1", room.http_port())).await {
        Err(ClientError::Http { status: 404, .. }) => {}
        other => panic!("expected HTTP 404, got {other:?}"),
    }

    let room =
        MockRoom::start_with(HttpReply::Body(r#"{"config":{"http":{"port":1}}}"#.into())).await;
    match guarded("discovery", discover_ws_url("127.0.0.1", room.http_port())).await {
        Err(ClientError::Config(problem)) => assert!(problem.contains("websocket"), "{problem}"),
        other => panic!("expected a config error, got {other:?}"),
    }

    let room = MockRoom::start_with(HttpReply::Body(
        r#"{"config":{"websocket":{"port":"9"}}}"#.into(),
    ))
    .await;
    let url = guarded("discovery", discover_ws_url("127.0.0.1", room.http_port()))
        .await
        .expect("a port given as a string");
    assert_eq!(url, "ws://127.0.0.1:9/");
}
