//! `mock-room --replay` / `MockRoomBuilder::replay`: a recording of `trueconf-api proxy`
//! (tests/fixtures/replay/session.jsonl, written by hand in the proxy's format) answers a bare
//! WebSocket byte for byte and this crate's client end to end; requests it does not hold are
//! answered `"result": false` naming them; a malformed recording is a startup error naming
//! its line.

mod common;
#[path = "common/mock_wire.rs"]
mod mock_wire;

use std::process::Stdio;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use mock_wire::{receive, receive_json, send, Socket, GUARD};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use trueconf_api::commands::GetFileList;
use trueconf_api::mock::{MockRoom, Recording};
use trueconf_api::notifications::AppStateChanged;
use trueconf_api::types::AppState;

const FIXTURE: &str = "tests/fixtures/replay/session.jsonl";

/// The recorded text of message `seq` of the fixture.
fn recorded(seq: u64) -> String {
    let text = std::fs::read_to_string(FIXTURE).expect("the fixture");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("JSON"))
        .find(|entry| entry["seq"] == json!(seq))
        .and_then(|entry| entry["text"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no text message {seq} in the fixture"))
}

async fn replaying() -> MockRoom {
    let recording = Recording::read(FIXTURE).expect("the fixture reads");
    assert_eq!((recording.messages(), recording.connections()), (18, 1));
    MockRoom::builder()
        .replay(recording)
        .start()
        .await
        .expect("starts")
}

async fn send_text(socket: &mut Socket, text: &str) {
    socket.send(Message::text(text)).await.expect("sent");
}

#[tokio::test]
async fn a_recording_answers_a_bare_websocket_byte_for_byte() {
    let room = replaying().await;
    let mut socket = mock_wire::open(&room).await;
    // Keys in another order, another requestId: the recorded answer with this requestId,
    // then what the Room sent before any request.
    send_text(
        &mut socket,
        r#"{"type":"unsecured","requestId":"x1","method":"auth"}"#,
    )
    .await;
    assert_eq!(
        receive(&mut socket).await,
        recorded(4).replace(r#""requestId":"1""#, r#""requestId":"x1""#)
    );
    assert_eq!(receive(&mut socket).await, recorded(2));
    // The recorded spacing stays; a numeric requestId is echoed as it came.
    send_text(&mut socket, r#"{"method":"getAppState","requestId":42}"#).await;
    assert_eq!(
        receive(&mut socket).await,
        recorded(7).replace(r#""requestId" : "2""#, r#""requestId" : 42"#)
    );
    send(
        &mut socket,
        &json!({"method": "getSystemInfo", "requestId": "s"}),
    )
    .await;
    let info = receive_json(&mut socket).await;
    assert_eq!(info["requestId"], json!("s"));
    assert_eq!(info["authInfo"]["peerId"], json!("user1@some.server"));
    // Identical requests take the recorded answers in order, then the last again; the
    // notification recorded between a request and its response goes before the response,
    // the one recorded after the response follows it.
    for (id, expected) in [("a", vec![10, 11, 12]), ("b", vec![14]), ("c", vec![14])] {
        send(
            &mut socket,
            &json!({"method": "getFileList", "requestId": id}),
        )
        .await;
        for seq in expected {
            let original = recorded(seq);
            let want = match seq {
                11 => original.replace(r#""requestId":"4""#, &format!(r#""requestId":"{id}""#)),
                14 => original.replace(r#""requestId":"5""#, &format!(r#""requestId":"{id}""#)),
                _ => original,
            };
            assert_eq!(receive(&mut socket).await, want, "getFileList {id}");
        }
    }
    // Parameters match whatever their order; the recorded binary frame follows as binary.
    send_text(
        &mut socket,
        r#"{"method":"getFileRequestInfo","fileRequestId":"f5bd76f9","requestId":"i"}"#,
    )
    .await;
    assert_eq!(
        receive(&mut socket).await,
        recorded(16).replace(r#""requestId":"6""#, r#""requestId":"i""#)
    );
    let binary = tokio::time::timeout(GUARD, socket.next())
        .await
        .expect("no hang")
        .expect("open")
        .expect("a frame");
    assert_eq!(
        binary,
        Message::Binary(br#"{"method":"event","event":"sentAsBinary","n":1}"#.to_vec().into())
    );
    // A response recorded without a requestId is sent as recorded.
    send_text(&mut socket, r#"{"method":"getMonitorsInfo"}"#).await;
    assert_eq!(receive(&mut socket).await, recorded(19));
    // What the recording does not hold: result false, naming the method and the reason.
    send(
        &mut socket,
        &json!({"method": "getFileRequestInfo", "requestId": "m1", "fileRequestId": "other"}),
    )
    .await;
    let other = receive_json(&mut socket).await;
    assert_eq!(
        (&other["method"], &other["requestId"], &other["result"]),
        (&json!("getFileRequestInfo"), &json!("m1"), &json!(false))
    );
    let error = other["error"].as_str().expect("an error text");
    assert!(
        error.contains("no recorded answer matched `getFileRequestInfo`")
            && error.contains("other parameters"),
        "{error}"
    );
    send(
        &mut socket,
        &json!({"method": "getAbook", "requestId": "m2"}),
    )
    .await;
    let absent = receive_json(&mut socket).await;
    assert!(
        absent["error"]
            .as_str()
            .is_some_and(|error| error.contains("has no `getAbook` request")),
        "{absent}"
    );
    assert_eq!(room.stats().replay_unmatched, 2);
}

#[tokio::test]
async fn a_recording_replays_to_this_crates_client_end_to_end() {
    let room = replaying().await;
    // auth, getAppState and getSystemInfo come from the recording.
    let client = mock_wire::client(&room).await;
    let peer = client
        .system_info()
        .and_then(|info| info.auth_info)
        .map(|auth| auth.peer_id);
    assert_eq!(peer.as_deref(), Some("user1@some.server"));
    assert_eq!(
        client.app_state().map(|state| state.app_state),
        Some(AppState::LoggedIn)
    );
    let mut states = client.subscribe::<AppStateChanged>();
    let first = client.request(GetFileList::new()).await.expect("answered");
    let names: Vec<_> = first
        .file_list
        .iter()
        .map(|file| file.file_name.as_str())
        .collect();
    assert_eq!(names, ["first.png", "second.png"]);
    // The appStateChanged recorded after that answer follows it.
    let changed = mock_wire::next_ok(&mut states).await;
    assert_eq!(changed.app_state, AppState::InConference);
    let started = std::time::Instant::now();
    while client.app_state().map(|state| state.app_state) != Some(AppState::InConference) {
        assert!(started.elapsed() < GUARD, "{:?}", client.app_state());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = client.request(GetFileList::new()).await.expect("answered");
    assert!(second.file_list.is_empty());
    // The recorded HTTP-server token is the Room's own: frames are served with it.
    let token = client.http_token().await.expect("a token");
    assert_eq!(token, "4*recorded-http");
    let frame = client.frame("#self:0").await.expect("a frame");
    assert_eq!(&frame[..2], &[0xFF, 0xD8]);
}

#[test]
fn malformed_recordings_are_errors_that_name_the_line() {
    let good =
        r#"{"seq": 1, "time": "t", "conn": 1, "from": "client", "frame": "text", "text": "{}"}"#;
    for (bad, says) in [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (r#"{"time": "t", "conn": 1, "event": "open"}"#, "no `seq`"),
        (r#"{"seq": 2, "conn": 1, "event": "open"}"#, "no `time`"),
        (
            r#"{"seq": 2, "time": "t", "conn": "1", "event": "open"}"#,
            "`conn` is \"1\"",
        ),
        (
            r#"{"seq": 2, "time": "t", "conn": 1, "event": "reset"}"#,
            "`event` is \"reset\"",
        ),
        (
            r#"{"seq": 2, "time": "t", "conn": 1, "frame": "text", "text": "{}"}"#,
            "neither `from`",
        ),
        (
            r#"{"seq": 2, "time": "t", "conn": 1, "from": "server", "frame": "text", "text": "{}"}"#,
            "`from` is \"server\"",
        ),
        (
            r#"{"seq": 2, "time": "t", "conn": 1, "from": "room", "frame": "text", "base64": "e30="}"#,
            "a text frame wants `text`",
        ),
        (
            r#"{"seq": 2, "time": "t", "conn": 1, "from": "room", "frame": "binary", "base64": "%%%"}"#,
            "not base64",
        ),
        (
            r#"{"seq": 2, "time": "t", "conn": 1, "from": "room", "frame": "close", "text": "{}"}"#,
            "`frame` is \"close\"",
        ),
        (
            r#"{"seq": 1, "time": "t", "conn": 1, "event": "close"}"#,
            "`seq` 1 does not follow 1",
        ),
    ] {
        let text = format!("{good}\n\n{bad}\n");
        let error = Recording::parse(&text).expect_err(bad);
        assert_eq!(error.line, 3, "{bad}: {error}");
        assert!(error.problem.contains(says), "{bad}: {error}");
        assert!(error.to_string().starts_with("recording:3: "), "{error}");
    }
    let missing = Recording::read("tests/fixtures/replay/none.jsonl").expect_err("no file");
    assert_eq!(missing.line, 0);
    assert!(missing
        .to_string()
        .starts_with("tests/fixtures/replay/none.jsonl: cannot read it"));
}

#[tokio::test]
async fn the_subcommand_replays_a_file_and_refuses_a_malformed_one() {
    let dir = common::temp_dir("replay");
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"seq\": 1, \"time\": \"t\", \"conn\": 1, \"event\": \"open\"}\n{\"seq\": 2, \"conn\": 1}\n",
    )
    .expect("written");
    let refused = common::tool()
        .args(["mock-room", "--replay"])
        .arg(&bad)
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!("{}:2: no `time`", bad.display())),
        "{stderr}"
    );

    let (mut child, line, _) =
        common::start_server(&["mock-room", "--replay", FIXTURE], Stdio::null());
    let ws = format!("ws://127.0.0.1:{}", common::port_in(&line, "ws"));
    let (mut socket, _) = tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(&ws))
        .await
        .expect("no hang")
        .expect("opens");
    send_text(
        &mut socket,
        r#"{"method":"auth","requestId":"1","type":"unsecured"}"#,
    )
    .await;
    assert_eq!(receive(&mut socket).await, recorded(4));
    child.kill().expect("stops");
    let _ = child.wait();
}
