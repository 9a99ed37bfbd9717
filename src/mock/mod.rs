//! A mock TrueConf Room for tests (feature `mock`): an HTTP port that serves
//! `/public/default/config.json` and camera frames, and a WebSocket port that speaks the API,
//! answering every typed command with its documented example and keeping the state a Room
//! would keep. The `trueconf-api mock-room` subcommand (feature `cli`) runs one as a process.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use serde_json::json;
//! use trueconf_api::client::Client;
//! use trueconf_api::commands::{GetAppState, GetFileList, GetIncomingFilesRequests};
//! use trueconf_api::mock::MockRoom;
//! use trueconf_api::notifications::AppStateChanged;
//! use trueconf_api::types::AppState;
//!
//! let room = MockRoom::start().await?; // 127.0.0.1, free ports, no PIN
//! let client = Client::builder().host("127.0.0.1", room.http_port()).connect().await?;
//! assert_eq!(client.app_state().map(|state| state.app_state), Some(AppState::LoggedIn));
//!
//! // The Room announces a new state with its whole body, and getAppState follows it.
//! let mut states = client.subscribe::<AppStateChanged>();
//! room.change_app_state(5).await;
//! assert_eq!(states.recv().await.expect("open")?.app_state, AppState::InConference);
//! assert_eq!(client.request(GetAppState::new()).await?.app_state, AppState::InConference);
//!
//! // What a test pushes, the Room has sent: a pushed offer is listed.
//! room.push(&json!({"method": "event", "event": "receivedFileRequest",
//!     "fileRequestId": "f1", "peerId": "a@some.server", "peerDn": "A",
//!     "fileName": "a.txt", "fileSize": 3, "timestamp": 1700000000000u64})).await;
//! let offers = client.request(GetIncomingFilesRequests::new()).await?;
//! assert!(offers.incoming_files_requests.iter().any(|offer| offer.file_request_id == "f1"));
//!
//! // A test scripts the rest.
//! room.fail("getFileList", "File transfer is not available");
//! let refused = client.request(GetFileList::new()).await.unwrap_err();
//! assert_eq!(refused.room_error(), Some("File transfer is not available"));
//! # Ok(())
//! # }
//! ```
//!
//! # What it answers
//!
//! - `auth` checks the credentials against the [`Protection`] it was started with (an
//!   unprotected Room accepts anything; a PIN or password Room wants `"type": "secured"` with
//!   that secret, or a token it issued earlier: one of the latest 4,096). A wrong secret gets
//!   `"result": false` with an error text. Every other command before a successful `auth`
//!   gets `"result": false` too, but `setUsedApiVersion` ([API versions](#api-versions)).
//! - Every typed command gets its documented example response: the first successful
//!   documented one, read at start-up from the definitions bundled at build time, in its
//!   documented key order ([`Examples`]), with the request's `requestId` echoed (`""` when the
//!   request had none). A command with no response example gets every field of its definition
//!   with an empty value; a response field the example lacks but that is named like a request
//!   parameter is filled from the request ([`Examples::echoed_fields`]: `addToAbook` answers
//!   with its `peerId`).
//! - A request that does not decode as its command's (a missing or mistyped parameter) gets
//!   `"result": false` naming the field; a catalogued but untyped command, or an unknown one,
//!   gets `"result": false` with an error text. Answers that follow the Room's state instead
//!   of the example: `accept` and `reject` ([the call flow](#the-call-flow)), and
//!   `getTokenForHttpServer` (client tier: TrueConf's Python client reads its `token`), which
//!   issues an HTTP-server token.
//! - `auth` issues fresh tokens (`token`, reusable as credentials, and
//!   `tokenForHttpServer`); `getAppState` reports the mock's own HTTP port as
//!   `embeddedHttpPort`.
//!
//! # API versions
//!
//! `setUsedApiVersion` is answered before `auth` as well as after it, as TrueConf's clients
//! send it first (the sources in `schema/commands/setUsedApiVersion.json`). The mock takes
//! `"version": "1"` or `"2"` with `{"method": "setUsedApiVersion", "requestId": …,
//! "result": true}` and remembers it for that connection ([`ConnectionStats::api_version`]);
//! any other version gets `"result": false` naming it, a missing one `"result": false` too.
//! A notification whose definition lists API v.2 alone (`"api": [2]`, such as
//! `reactionsChanged`; [`Examples::only_in_api_2`]) goes only to connections that asked for
//! v.2 — [`MockRoom::push`] and [`MockRoom::flood`] count only those — while every other
//! notification goes to every connection.
//!
//! What a real Room does is not known: no doc page describes the command, and TrueConf's
//! clients read no more of the answer than its `method` and `result`. The answer's shape, the
//! refusal of other versions, and that a v.1 connection never sees v.2-only notifications are
//! the mock's choices, made so that the client's handling can be tested. Notifications
//! documented for v.1 alone still go to v.2 connections (nothing shows a Room stops sending
//! them). A scripted rule for `setUsedApiVersion` ([`MockRoom::script`]) replaces the answer
//! and remembers nothing; a rule's `before`/`after` notifications go to the connection that
//! asked, whatever its version.
//!
//! # State that follows what happens
//!
//! A notification a test pushes ([`MockRoom::push`], [`MockRoom::push_text`],
//! [`MockRoom::flood`], `POST /mock/notify`) is taken as sent by the Room, and the Room's state
//! follows it; so do the requests it answers.
//!
//! - **Bodies shared with a command.** A notification whose definition says it carries a
//!   command's body (`sameBodyAs`, for commands without parameters) sets the keys it carries
//!   in that command's answer; the other keys keep their value. A pushed `appStateChanged`
//!   shows in `getAppState`, `hardwareChanged` in `getHardware`, `videoMatrixChanged` in
//!   `getVideoMatrix`, and so on ([`Examples::same_body_as`]).
//! - **Incoming files.** `getIncomingFilesRequests` lists the documented example's offers from
//!   the start, then every offer announced by [`MockRoom::offer_file`] or by a pushed
//!   `receivedFileRequest` (once per `fileRequestId`, status 1). `acceptIncomingFileRequest` of
//!   an offer awaiting a reply answers, then sends to every connection
//!   `incomingFileRequestAccepted`, `fileRequestStatusChanged` (status 2),
//!   `incomingFileRequestDownloadingProgress` ([`MockRoomBuilder::progress`] steps) and
//!   `fileRequestStatusChanged` with status 3 and the `fileId` the file got (the
//!   fileRequestStatusChanged page gives `fileId` for inbound requests once processed:
//!   <https://trueconf.com/docs/videosdk/en/notifications/fileRequestStatusChanged.html>).
//!   Accepting it again is refused; an id the Room never offered gets the documented answer
//!   and nothing follows.
//! - **History.** A completed download enters `getFileTransferHistory` (after the documented
//!   example's entries) with its `fileId`; `getFileRequestInfo` of a listed offer answers its
//!   current status (and `fileId` once completed). A pushed `fileRequestStatusChanged` of a
//!   listed offer sets its status; status 3 puts it in the history too. The lists keep the
//!   latest 1,024 entries each.
//! - **Calls.** A pushed `inviteReceived` is an invitation waiting for an answer
//!   (`getAppState` then says 4); a pushed `conferenceCreated` is a conference the Room is in,
//!   and `conferenceDeleted` ends it. [`MockRoom::invite`] plays an incoming call the way the
//!   Room announces it. What `accept`, `reject` and `hangUp` do next is below.
//!
//! # The call flow
//!
//! No doc page describes `accept` or `reject` (they are typed in the client tier, from what
//! TrueConf's clients send), and no page gives the order of the notifications around a call. The
//! mock does this, handling the three commands by method name:
//!
//! | request | when | answer | then, to every connection |
//! |---|---|---|---|
//! | `accept` | an invitation waits | `result: true` | `appStateChanged` (5), `conferenceCreated` |
//! | `reject` | an invitation waits | `result: true` | `rejectSent` (cause 0), `appStateChanged` (back, usually 3) |
//! | `hangUp` | in a conference | its documented answer | `appStateChanged` (6), `conferenceDeleted`, `appStateChanged` (back) |
//! | `hangUp` | an invitation waits | its documented answer | as `reject` |
//! | `hangUp` | no call | its documented answer | nothing |
//! | `accept`, `reject` | no invitation | `result: false` with an error | nothing |
//!
//! `conferenceCreated` is the documented example with the invitation's `confId` and type as
//! `confType`; `confTitle` and `conferenceOwner` (the inviting peer) only for an invitation
//! with a title; no `peerId` and no waiting-room flags. `rejectSent` carries the invitation's
//! `peerId`, `peerDn` and `confId`. A scripted rule for any of the three ([`MockRoom::script`])
//! replaces all of this.
//!
//! What the evidence shows:
//!
//! - The requests: `{"method": "accept"}` and `{"method": "reject"}` with no parameters
//!   (python-trueconf-room 1.0.0 from PyPI, `trueconf_room/methods.py:27` and `:90`;
//!   zoboff/videosdk at 2f975761, `methods.cpp:18`), `hangUp` with `forAll` (documented:
//!   <https://docs.trueconf.com/videosdk/en/commands/hangUp.html>, which says it also ends a
//!   call still ringing in either direction).
//! - The answers: `reject` and `hangUp` answer with `method` and `result` (the Python client's
//!   response filters, `trueconf_room/consts.py:1015` and `:995`; hangUp's page). Both clients
//!   document `accept`'s answer as `{"event": "commandExecution", "accept": "ok"}`
//!   (`methods.py:24`, zoboff/videosdk `methods.h:31`), a style no doc page shows; the mock
//!   answers like every other command instead — our guess.
//! - The states: `appState` 4 is "calling someone or being called", 5 "in a conference", 6
//!   "ending a conference" (<https://trueconf.com/docs/videosdk/en/notifications/appStateChanged>,
//!   <https://trueconf.com/docs/videosdk/en/commands/getAppState.html>). Joining a conference
//!   is signalled by `appStateChanged` 5 or by `conferenceCreated`
//!   (<https://trueconf.com/docs/videosdk/en/commands/createConference.html>); the mock sends
//!   both, in an order that is our guess.
//! - `conferenceCreated`'s keys: `peerId` only for outgoing calls, `confTitle` and
//!   `conferenceOwner` only in group conferences, waiting-room flags only for owners and
//!   moderators (<https://trueconf.com/docs/videosdk/en/notifications/conferenceCreated.html>).
//!   That the owner is the inviting peer is our guess.
//! - `rejectSent` is sent when the Room turns down an incoming call
//!   (<https://docs.trueconf.com/videosdk/en/notifications/rejectSent.html>); cause 0 is our
//!   choice from its list.
//! - `conferenceDeleted` has no page; the Python client waits for it with a `confId`
//!   (`consts.py:219`) and the Qt wrapper handles it (zoboff/videosdk `events.cpp:106`). That
//!   `hangUp` brings it, and between states 6 and 3, is our guess.
//! - [`MockRoom::invite`] sends `appStateChanged` 4 before `inviteReceived`: the MAUI kiosk demo
//!   (TrueConf/trueconf-videosdk-maui-demo-kiosk at 70bb34d0,
//!   `DemoKiosk/Presentation/Views/Pages/MainPage.xaml.cs:79`) turns an invitation down when
//!   its state is still 3 or less when the invitation arrives, and answers calls in states 4
//!   and 5 with `hangUp` (`:201-205`).
//!
//! Not evidenced either way, so not done: a pushed `inviteReceived` changes `getAppState` but
//! sends no `appStateChanged` (a push is exactly what the test sent); `forAll` changes nothing;
//! outgoing calls (`call`) get their documented answer only. Note that zoboff/videosdk's
//! `VideoSDK::reject()` sends `accept` (`videosdk.cpp:148-150`), a bug of that wrapper.
//!
//! # Scripting
//!
//! Per method: fail, delay or drop the reply, answer with any JSON, or drop the connection
//! ([`MockRoom::script`] with a [`Rule`], and the shorthands [`MockRoom::fail`],
//! [`MockRoom::delay`], [`MockRoom::drop_reply`], [`MockRoom::reply_with`],
//! [`MockRoom::disconnect_on`]); push any notification or any text ([`MockRoom::push`],
//! [`MockRoom::push_text`], [`MockRoom::flood`]); offer a file, call, or change the
//! application state the way the Room announces it ([`MockRoom::offer_file`],
//! [`MockRoom::invite`], [`MockRoom::change_app_state`]); drop every connection
//! ([`MockRoom::drop_connections`]); and watch what arrived ([`MockRoom::requests`],
//! [`MockRoom::received`]) and what went out ([`MockRoom::stats`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use serde_json::json;
//! use trueconf_api::client::Client;
//! use trueconf_api::commands::GetFileTransferHistory;
//! use trueconf_api::mock::{Delay, MockRoom, Protection, Reply, Rule};
//!
//! let room = MockRoom::builder().protection(Protection::Pin("1234".into())).start().await?;
//! let event = room.notification_example("fileTransferAvailabilityChanged").unwrap();
//! room.script(
//!     "getFileTransferHistory",
//!     Rule::new()
//!         .reply(Reply::Json(json!({"result": true, "filesRequests": []})))
//!         .delay(Delay::Fixed(Duration::from_millis(20)))
//!         .after(vec![event]),
//! );
//! let mut requests = room.requests();
//! let client = Client::builder()
//!     .host("127.0.0.1", room.http_port())
//!     .credentials(trueconf_api::client::Credentials::Pin("1234".into()))
//!     .connect()
//!     .await?;
//! let history = client.request(GetFileTransferHistory::new()).await?;
//! assert!(history.files_requests.is_empty());
//! let first = requests.recv_method("getFileTransferHistory").await.unwrap();
//! assert_eq!(first["method"], json!("getFileTransferHistory"));
//! assert_eq!(room.received("auth"), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Bounded under any client
//!
//! Each connection reads and writes on its own, through its own send queue, so one that does
//! not read holds up no one else. The limits ([`MockRoomBuilder`] methods and `mock-room`
//! flags; defaults in [`defaults`]):
//!
//! | limit | default | past it |
//! |---|---|---|
//! | [`handshake_timeout`](MockRoomBuilder::handshake_timeout) | 10 s | the connection is closed (also an HTTP request's head and a push body) |
//! | [`auth_timeout`](MockRoomBuilder::auth_timeout) | 30 s | closed with close code 1008 and a reason |
//! | [`max_connections`](MockRoomBuilder::max_connections) | 1,000 per port | one more is closed at once |
//! | [`send_queue`](MockRoomBuilder::send_queue) | 1 MiB per connection | its own answers wait (it is no longer read); notifications are dropped for it |
//! | [`send_timeout`](MockRoomBuilder::send_timeout) | 1 s | a push stops waiting for a full queue; that connection loses it |
//! | [`max_message_size`](MockRoomBuilder::max_message_size) | 16 MiB | closed with close code 1009 (incoming); dropped (outgoing) |
//!
//! A push is queued once per connection (a flood of N copies is one entry, so a connection
//! that reads gets every copy, however large N) and waits, for all connections at once and at
//! most `send_timeout`, for room in a full queue. A connection that made it wait that long is
//! taken as not reading: it loses that notification and the next ones, at once, until its queue
//! has room again. Every loss is counted ([`MockStats::dropped`], per connection in
//! [`ConnectionStats::dropped`]); the first loss of a connection is logged as a warning, and
//! the total when it closes. The WebSocket write buffer is capped at 16 KiB plus
//! `max_message_size`, so a peer that pings without reading cannot grow it; each connection
//! reads into 8 KiB.
//!
//! Measured by `tests/mock_hostile.rs` (peak heap growth of the whole test process, the test's
//! own clients included, debug build): a connection reading nothing during a 100,000-message
//! flood (50 MB) beside one that reads every message, 0.7 MB; 1,100 connections that never
//! finish the handshake, 12.6 MB (11.5 KB each; the client got in once the first ones timed
//! out); 300 that never authorize, 6.2 MB (20.8 KB each); two 64 MiB messages against a
//! 1 MiB limit, 2.4 MB; 300,000 pings not read (38 MB of pongs owed), 1.7 MB (44.6 MB without
//! the write-buffer cap).
//!
//! # Replaying a recording
//!
//! [`MockRoomBuilder::replay`] (`mock-room --replay FILE.jsonl`) makes the Room answer from a
//! session recorded by `trueconf-api proxy --record` between a client and a real Room, so a
//! session with a real Room becomes a test. The recording is JSON Lines, one object per line
//! (blank lines skipped):
//!
//! ```text
//! {"seq": 1, "time": "2026-12-06T18:42:18.123Z", "conn": 1, "event": "open"}
//! {"seq": 2, "time": "2026-12-06T18:42:18.130Z", "conn": 1, "from": "client", "frame": "text", "text": "{\"method\":\"auth\",…}"}
//! {"seq": 3, "time": "2026-12-06T18:42:18.141Z", "conn": 1, "from": "room", "frame": "binary", "base64": "eyJtZXRob2Qi…"}
//! ```
//!
//! - `seq`: a whole number, increasing from line to line; `time`: a string (the proxy writes
//!   RFC 3339 UTC); `conn`: a whole number naming the connection.
//! - A message line: `from` is `"client"` or `"room"`, `frame` is `"text"` with `text` (the
//!   exact message text) or `"binary"` with `base64` (standard base64 of the bytes). An
//!   optional `check` object (the proxy's verdict) is ignored.
//! - An `"event": "open"` or `"close"` line marks a connection's start or end (any other keys
//!   on it are ignored); connections are numbered in the order they first appear.
//! - Anything else is a startup error naming the line: `FILE:LINE: problem`
//!   ([`RecordingError`]).
//!
//! How it answers:
//!
//! - A request is matched to a recorded request with the same `method` and the same
//!   parameters: every key but `requestId`, compared as JSON values, key order ignored.
//!   Identical requests take the recorded answers in recorded order, then the last one again.
//! - The answer is the recorded response text, byte for byte, with its top-level `requestId`
//!   replaced by the incoming one as it came (`""` when it had none); a response recorded
//!   without a `requestId` is sent as recorded. A recorded response belongs to the earliest
//!   recorded request of its connection with the same method and `requestId` still waiting.
//! - What else the Room sent on that connection goes with the connection's latest request
//!   before it: recorded before that request's response, it is sent just before the replayed
//!   response; recorded after it (before the next request), just after. What the Room sent
//!   before a connection's first request is sent after the replaying connection's first
//!   `auth` answer (at once, if the recorded connection never sent `auth`): the n-th
//!   connection to the replaying Room gets what the n-th recorded connection got.
//! - Everything goes to the connection that asked, at once: recorded times are not kept.
//! - A request no recorded one matches gets `"result": false` with an error naming the
//!   method and saying no recorded answer matched (and whether the recording has that
//!   method with other parameters); it is logged and counted ([`MockStats::replay_unmatched`]).
//! - `auth` is answered from the recording too: a successful recorded answer authorizes the
//!   connection, and the HTTP-server tokens recorded answers hand out (`tokenForHttpServer`,
//!   `getTokenForHttpServer`'s `token`) are served frames like the mock's own. Scripted rules
//!   ([`MockRoom::script`]) still come first.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use trueconf_api::client::Client;
//! use trueconf_api::commands::GetFileList;
//! use trueconf_api::mock::{MockRoom, Recording};
//!
//! let recording = Recording::parse(r#"
//! {"seq":1,"time":"2026-12-06T18:42:18.100Z","conn":1,"event":"open"}
//! {"seq":2,"time":"2026-12-06T18:42:18.101Z","conn":1,"from":"client","frame":"text","text":"{\"method\":\"auth\",\"requestId\":\"1\",\"type\":\"unsecured\"}"}
//! {"seq":3,"time":"2026-12-06T18:42:18.102Z","conn":1,"from":"room","frame":"text","text":"{\"method\":\"auth\",\"requestId\":\"1\",\"previleges\":2,\"result\":true,\"resultCode\":0}"}
//! {"seq":4,"time":"2026-12-06T18:42:18.200Z","conn":1,"from":"client","frame":"text","text":"{\"method\":\"getFileList\",\"requestId\":\"2\"}"}
//! {"seq":5,"time":"2026-12-06T18:42:18.210Z","conn":1,"from":"room","frame":"text","text":"{\"method\":\"getFileList\",\"requestId\":\"2\",\"fileList\":[{\"fileId\":\"1\",\"fileName\":\"a.png\"}],\"result\":true}","check":{"verdict":"ok"}}
//! "#)?;
//! let room = MockRoom::builder().replay(recording).start().await?;
//! let client = Client::builder()
//!     .host("127.0.0.1", room.http_port())
//!     .fetch_state(false) // the recording holds no getAppState or getSystemInfo
//!     .connect()
//!     .await?;
//! let files = client.request(GetFileList::new()).await?;
//! assert_eq!(files.file_list[0].file_name, "a.png");
//! # Ok(())
//! # }
//! ```
//!
//! # Out of process: `mock-room`
//!
//! ```sh
//! cargo run --release --features cli -- mock-room [--host 127.0.0.1] [--port HTTP_PORT] [--ws-port PORT] \
//!     [--pin PIN | --password PASSWORD | --replay FILE.jsonl] [--handshake-timeout S] [--auth-timeout S] \
//!     [--max-connections N] [--send-queue BYTES] [--send-timeout S] [--max-message-size BYTES]
//! ```
//!
//! Port 0 (the default) picks a free port. The first line on stdout names both,
//! `mock Room: http://127.0.0.1:PORT ws://127.0.0.1:PORT …`, and is flushed, so a script can
//! start it and read where it listens; it runs until SIGINT or SIGTERM and exits 0.
//!
//! The HTTP port serves `/public/default/config.json` (`config.websocket.port`,
//! `config.http.port`), `GET /frames/?peerId=…&token=…` (a small JPEG for a live HTTP-server
//! token, 403 otherwise), and `POST /mock/notify?count=N` with a JSON notification as the body
//! (at most 1 MiB), pushed N times to every connection as [`MockRoom::flood`] does; it answers
//! `{"pushed": N, "connections": C, "full": F}`: queued for C connections, F had no room.
//! `POST /mock/drop` drops every WebSocket connection without a close frame, as
//! [`MockRoom::drop_connections`] does (a network blip, for a client in another process), and
//! answers `{"dropped": N}`.
//!
//! TrueConf's own Python client (python-trueconf-room 1.0.0, hash-pinned) opens a session
//! against `mock-room` in `bash tests/interop/run.sh` (`tests/interop/trueconf_client/`):
//! config.json, WebSocket, auth, with its caches filled (systemInfo, settings, monitors_info,
//! app_state); of its 79 response filters for documented commands, 76 accept the mock's
//! answer, and the 3 others want keys explained in `tests/conformance/discrepancies.json` (an
//! older Room's key, a copy-pasted filter) or `tests/interop/trueconf_client/expected.json`
//! (`searchingResult`, which only the older generation of the searchContact page shows).
//! It then takes a call with its own methods: a pushed invitation into a group conference,
//! `accept` (its `app_state` becomes 5, and its `conferenceCreated` filter accepts the mock's
//! notification), `hangUp` (`conferenceDeleted`, `app_state` 3). Its `conferenceCreated` filter
//! wants `confTitle` and `conferenceOwner` (`trueconf_room/consts.py:209-218`), which the docs
//! give for group conferences only, so for a plain video call that handler never fires.
//! `tests/mock_room.rs` checks the rest on the wire: every typed command (through
//! [`crate::visit_messages`]) gets a response its `Response<C>` decodes, equal to the
//! documented example where there is one.

mod examples;
mod http;
mod model;
mod outbox;
mod replay;
mod session;

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use model::{notification_text, Model};
use outbox::Outbox;

use crate::lock;

/// The definitions the crate was built from, for the CLI's `definitions` subcommand: one copy
/// in the binary, shared with [`Examples::bundled`]. Not for direct use.
#[doc(hidden)]
pub use examples::BUNDLED_DEFINITIONS;
pub use examples::{wire_text, ExampleOrigin, Examples, OrderedObject};
pub use replay::{Recording, RecordingError};

/// How the mock's control is protected: what `auth` accepts.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Protection {
    /// No protection: any `auth` succeeds.
    #[default]
    Unsecured,
    /// PIN protection: `auth` must be `"type": "secured"` with this PIN (or an issued token).
    Pin(String),
    /// Password protection: `auth` must be `"type": "secured"` with this password (or an issued
    /// token).
    Password(String),
}

impl fmt::Debug for Protection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret stays out of logs.
        match self {
            Protection::Unsecured => f.write_str("Unsecured"),
            Protection::Pin(_) => f.write_str("Pin(***)"),
            Protection::Password(_) => f.write_str("Password(***)"),
        }
    }
}

/// Computes something from the request a rule answers (its JSON as received).
pub type RequestFn<T> = Arc<dyn Fn(&Value) -> T + Send + Sync>;

/// How the mock answers one method.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Reply {
    /// The mock's own answer (see the module docs).
    #[default]
    Default,
    /// `"result": false` with this `error` text.
    Fail(String),
    /// This JSON, with `method` and `requestId` set from the request.
    Json(Value),
    /// The JSON the function makes of the request, with `method` and `requestId` set from it.
    With(RequestFn<Value>),
    /// No answer at all (the request is only recorded).
    NoReply,
    /// The connection is dropped (no close frame) when the request arrives.
    Disconnect,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Default => f.write_str("Default"),
            Reply::Fail(error) => f.debug_tuple("Fail").field(error).finish(),
            Reply::Json(json) => f.debug_tuple("Json").field(json).finish(),
            Reply::With(_) => f.write_str("With(..)"),
            Reply::NoReply => f.write_str("NoReply"),
            Reply::Disconnect => f.write_str("Disconnect"),
        }
    }
}

/// How long the mock waits before answering.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Delay {
    /// Answers at once.
    #[default]
    None,
    /// Answers after this long (other requests are answered meanwhile).
    Fixed(Duration),
    /// Answers after as long as the function says for this request.
    PerRequest(RequestFn<Duration>),
}

impl fmt::Debug for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delay::None => f.write_str("None"),
            Delay::Fixed(delay) => f.debug_tuple("Fixed").field(delay).finish(),
            Delay::PerRequest(_) => f.write_str("PerRequest(..)"),
        }
    }
}

/// What the mock does with requests of one method.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Rule {
    /// The answer.
    pub reply: Reply,
    /// When to answer.
    pub delay: Delay,
    /// Notifications sent just before the answer.
    pub before: Vec<Value>,
    /// Notifications sent right after the answer.
    pub after: Vec<Value>,
}

impl Rule {
    /// The default answer, at once, with no notifications around it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the answer.
    pub fn reply(mut self, reply: Reply) -> Self {
        self.reply = reply;
        self
    }

    /// Sets when to answer.
    pub fn delay(mut self, delay: Delay) -> Self {
        self.delay = delay;
        self
    }

    /// Sends `notifications` just before the answer.
    pub fn before(mut self, notifications: Vec<Value>) -> Self {
        self.before = notifications;
        self
    }

    /// Sends `notifications` right after the answer.
    pub fn after(mut self, notifications: Vec<Value>) -> Self {
        self.after = notifications;
        self
    }
}

/// A file a peer offers the Room ([`MockRoom::offer_file`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileOffer {
    /// The file's name.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: u64,
    /// Who offers it (TrueConf ID).
    pub peer_id: String,
    /// Their display name.
    pub peer_dn: String,
}

impl FileOffer {
    /// An offer of `file_name` (`file_size` bytes) from `820_1@some.server`, the peer of the
    /// documented examples.
    pub fn new(file_name: impl Into<String>, file_size: u64) -> Self {
        Self {
            file_name: file_name.into(),
            file_size,
            peer_id: "820_1@some.server".into(),
            peer_dn: "820_1".into(),
        }
    }
}

/// An incoming call or invitation into a group conference ([`MockRoom::invite`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invitation {
    /// Who calls (TrueConf ID).
    pub peer_id: String,
    /// Their display name.
    pub peer_dn: String,
    /// The conference type, `inviteReceived`'s `type`: 0 a video call, 1 all on screen, 2 a
    /// video lecture, 3 role-based.
    pub conf_type: u8,
    /// The group conference's name (`confTitle`, sent for group conferences only).
    pub conf_title: Option<String>,
    /// The conference's id (`confId`).
    pub conf_id: String,
}

impl Invitation {
    /// A video call (type 0) from `user@some.server`, the caller of the documented example,
    /// with conference id `conf_id`.
    pub fn call(conf_id: impl Into<String>) -> Self {
        Self {
            peer_id: "user@some.server".into(),
            peer_dn: "John Doe".into(),
            conf_type: 0,
            conf_title: None,
            conf_id: conf_id.into(),
        }
    }

    /// Makes it an invitation into the group conference `title` of type `conf_type`.
    pub fn group(mut self, title: impl Into<String>, conf_type: u8) -> Self {
        self.conf_title = Some(title.into());
        self.conf_type = conf_type;
        self
    }

    /// Sets who calls.
    pub fn from_peer(mut self, peer_id: impl Into<String>, peer_dn: impl Into<String>) -> Self {
        self.peer_id = peer_id.into();
        self.peer_dn = peer_dn.into();
        self
    }
}

/// What the mock Room has seen of its WebSocket connections ([`MockRoom::stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MockStats {
    /// TCP connections accepted on the WebSocket port (refused ones aside).
    pub accepted: u64,
    /// Connections closed at once because [`MockRoomBuilder::max_connections`] were open.
    pub refused: u64,
    /// Connections closed because their WebSocket handshake did not finish within
    /// [`MockRoomBuilder::handshake_timeout`].
    pub handshake_timeouts: u64,
    /// Handshakes that failed (not a WebSocket upgrade, a broken request).
    pub handshake_failures: u64,
    /// Connections closed because they did not authorize within
    /// [`MockRoomBuilder::auth_timeout`].
    pub auth_timeouts: u64,
    /// Connections closed because a message or frame was over
    /// [`MockRoomBuilder::max_message_size`].
    pub oversize: u64,
    /// Messages dropped because a connection's send queue was full (or, for the mock's own
    /// answers, over the size limit), over every connection so far, closed ones included.
    pub dropped: u64,
    /// Replaying: requests no recorded answer matched (each answered `"result": false`).
    pub replay_unmatched: u64,
    /// The open WebSocket connections, by id.
    pub connections: Vec<ConnectionStats>,
}

/// One open WebSocket connection of the mock Room ([`MockStats::connections`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionStats {
    /// The mock's number for it (also in its log lines).
    pub id: u64,
    /// The client's address.
    pub peer: SocketAddr,
    /// Whether its latest `auth` succeeded.
    pub authorized: bool,
    /// The API version it asked for with `setUsedApiVersion` (`None`: it did not ask).
    pub api_version: Option<u8>,
    /// Messages written to it.
    pub sent: u64,
    /// Messages dropped for it: notifications that found its send queue full, and messages
    /// over the size limit.
    pub dropped: u64,
    /// Bytes waiting in its send queue.
    pub queued_bytes: usize,
}

/// The limits that keep a mock Room bounded whatever its clients do.
#[derive(Debug, Clone)]
struct Limits {
    handshake_timeout: Duration,
    auth_timeout: Duration,
    max_connections: usize,
    send_queue: usize,
    send_timeout: Duration,
    max_message_size: usize,
}

impl Limits {
    /// `timeout` as a limit: zero is none.
    fn limit(timeout: Duration) -> Option<Duration> {
        (!timeout.is_zero()).then_some(timeout)
    }

    fn handshake(&self) -> Option<Duration> {
        Self::limit(self.handshake_timeout)
    }

    fn auth(&self) -> Option<Duration> {
        Self::limit(self.auth_timeout)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            handshake_timeout: defaults::HANDSHAKE_TIMEOUT,
            auth_timeout: defaults::AUTH_TIMEOUT,
            max_connections: defaults::MAX_CONNECTIONS,
            send_queue: defaults::SEND_QUEUE,
            send_timeout: defaults::SEND_TIMEOUT,
            max_message_size: defaults::MAX_MESSAGE_SIZE,
        }
    }
}

/// The defaults of [`MockRoomBuilder`]'s limits (the `mock-room` subcommand's flags show the
/// same ones).
pub mod defaults {
    use std::time::Duration;

    /// [`MockRoomBuilder::handshake_timeout`](super::MockRoomBuilder::handshake_timeout).
    pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
    /// [`MockRoomBuilder::auth_timeout`](super::MockRoomBuilder::auth_timeout).
    pub const AUTH_TIMEOUT: Duration = Duration::from_secs(30);
    /// [`MockRoomBuilder::max_connections`](super::MockRoomBuilder::max_connections).
    pub const MAX_CONNECTIONS: usize = 1000;
    /// [`MockRoomBuilder::send_queue`](super::MockRoomBuilder::send_queue), in bytes.
    pub const SEND_QUEUE: usize = 1 << 20;
    /// [`MockRoomBuilder::send_timeout`](super::MockRoomBuilder::send_timeout).
    pub const SEND_TIMEOUT: Duration = Duration::from_secs(1);
    /// [`MockRoomBuilder::max_message_size`](super::MockRoomBuilder::max_message_size), in
    /// bytes.
    pub const MAX_MESSAGE_SIZE: usize = 16 << 20;
}

/// Settings of a mock Room, then [`MockRoomBuilder::start`].
#[derive(Debug, Clone)]
pub struct MockRoomBuilder {
    host: String,
    http_port: u16,
    ws_port: u16,
    protection: Protection,
    http_token_lifetime: Duration,
    progress_steps: u8,
    progress_interval: Duration,
    limits: Limits,
    replay: Option<Arc<Recording>>,
}

impl Default for MockRoomBuilder {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            http_port: 0,
            ws_port: 0,
            protection: Protection::Unsecured,
            http_token_lifetime: Duration::from_secs(5 * 60),
            progress_steps: 4,
            progress_interval: Duration::from_millis(10),
            limits: Limits::default(),
            replay: None,
        }
    }
}

impl MockRoomBuilder {
    /// The address to listen on (default `127.0.0.1`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The HTTP port (`config.json`, frames); 0 (the default) picks a free one.
    pub fn http_port(mut self, port: u16) -> Self {
        self.http_port = port;
        self
    }

    /// The WebSocket port; 0 (the default) picks a free one.
    pub fn ws_port(mut self, port: u16) -> Self {
        self.ws_port = port;
        self
    }

    /// What `auth` accepts (default: unsecured).
    pub fn protection(mut self, protection: Protection) -> Self {
        self.protection = protection;
        self
    }

    /// How long an HTTP-server token stays valid (default 5 minutes, as the Room documents).
    pub fn http_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.http_token_lifetime = lifetime;
        self
    }

    /// How many progress notifications an accepted download sends (default 4: 25, 50, 75 and
    /// 100 percent) and how long apart (default 10 ms).
    pub fn progress(mut self, steps: u8, interval: Duration) -> Self {
        self.progress_steps = steps.max(1);
        self.progress_interval = interval;
        self
    }

    /// How long a new connection may take to finish its WebSocket handshake (default 10 s);
    /// it is closed after that. The same time bounds reading an HTTP request's head and a
    /// `POST /mock/notify` body. Zero: no limit.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.limits.handshake_timeout = timeout;
        self
    }

    /// How long a WebSocket connection may stay without a successful `auth` (default 30 s);
    /// it is then closed with close code 1008 and a reason that says so. Zero: no limit.
    pub fn auth_timeout(mut self, timeout: Duration) -> Self {
        self.limits.auth_timeout = timeout;
        self
    }

    /// How many connections may be open at once on each port, handshakes in progress
    /// included (default 1,000); one more is closed as soon as it is accepted.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections.max(1);
        self
    }

    /// How many bytes may wait to be sent to one connection (default 1 MiB). A connection's
    /// own answers wait for room; the Room's notifications that do not fit are dropped for
    /// that connection only, and counted ([`MockRoom::stats`]).
    pub fn send_queue(mut self, bytes: usize) -> Self {
        self.limits.send_queue = bytes.max(1);
        self
    }

    /// How long a pushed notification ([`MockRoom::push`], `POST /mock/notify`) waits for room
    /// in a connection's full send queue (default 1 s); the connections are waited for all at
    /// once. A connection that made it wait this long is taken as not reading: it loses that
    /// notification, and the next ones at once, until its queue has room again.
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.limits.send_timeout = timeout;
        self
    }

    /// The largest message the mock takes or sends, in bytes (default 16 MiB). A larger
    /// incoming message or frame closes the connection (close code 1009); a larger outgoing
    /// one is dropped and counted. It also caps the WebSocket write buffer, which holds at
    /// most one such message beyond its 16 KiB.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.limits.max_message_size = bytes.max(1024);
        self
    }

    /// Answers requests from `recording` instead of the examples: see
    /// [Replaying a recording](self#replaying-a-recording).
    pub fn replay(mut self, recording: Recording) -> Self {
        self.replay = Some(Arc::new(recording));
        self
    }

    /// Binds both ports and starts serving. Must be called inside a Tokio runtime.
    pub async fn start(self) -> std::io::Result<MockRoom> {
        let examples = Examples::bundled_shared().map_err(std::io::Error::other)?;
        let http_listener = TcpListener::bind((self.host.as_str(), self.http_port)).await?;
        let ws_listener = TcpListener::bind((self.host.as_str(), self.ws_port)).await?;
        let http_addr = http_listener.local_addr()?;
        let ws_addr = ws_listener.local_addr()?;
        let (requests, _) = broadcast::channel(REQUEST_LOG);
        let state = Arc::new(RoomState {
            examples,
            protection: self.protection,
            http_port: http_addr.port(),
            ws_port: ws_addr.port(),
            limits: self.limits,
            replay: self.replay,
            replayed_connections: AtomicUsize::new(0),
            rules: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            next_session: AtomicU64::new(1),
            open: [AtomicUsize::new(0), AtomicUsize::new(0)],
            counters: Counters::default(),
            tokens: Mutex::new(Tokens::default()),
            http_token_lifetime: self.http_token_lifetime,
            model: Mutex::new(Model::new(examples, http_addr.port())),
            progress_steps: self.progress_steps,
            progress_interval: self.progress_interval,
            requests,
            counts: Mutex::new(Counts::default()),
            frames: Mutex::new(VecDeque::new()),
            random: RandomState::new(),
            serial: AtomicU64::new(1),
        });
        let tasks = vec![
            tokio::spawn(http::serve(http_listener, Arc::clone(&state))),
            tokio::spawn(session::serve(ws_listener, Arc::clone(&state))),
        ];
        tracing::info!(http = %http_addr, ws = %ws_addr, "mock Room listening");
        Ok(MockRoom {
            state,
            host: self.host,
            http_addr,
            ws_addr,
            tasks,
        })
    }
}

/// How many received requests [`MockRoom::requests`] keeps for a slow reader.
const REQUEST_LOG: usize = 4096;

/// How many frame requests [`MockRoom::frame_requests`] remembers.
const FRAME_LOG: usize = 64;

/// How many method names outside the catalogue [`MockRoom::received`] counts (every name in it
/// is counted).
const UNKNOWN_METHODS: usize = 256;

/// How many of the session tokens it issued the mock accepts as credentials: the latest ones
/// (a client reconnects with the token of its last `auth`), so a client that authorizes over
/// and over does not grow the Room without end.
const SESSION_TOKENS: usize = 4096;

/// A running mock Room. Dropping it stops it and drops its connections.
pub struct MockRoom {
    state: Arc<RoomState>,
    host: String,
    http_addr: SocketAddr,
    ws_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for MockRoom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockRoom")
            .field("http", &self.http_addr)
            .field("ws", &self.ws_addr)
            .field("protection", &self.state.protection)
            .finish_non_exhaustive()
    }
}

impl MockRoom {
    /// Settings for a new mock Room.
    pub fn builder() -> MockRoomBuilder {
        MockRoomBuilder::default()
    }

    /// Starts an unprotected mock Room on 127.0.0.1, ephemeral ports.
    pub async fn start() -> std::io::Result<MockRoom> {
        Self::builder().start().await
    }

    /// The host it was asked to listen on.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The HTTP port (the one to discover the Room by).
    pub fn http_port(&self) -> u16 {
        self.http_addr.port()
    }

    /// The WebSocket port (`config.websocket.port`).
    pub fn ws_port(&self) -> u16 {
        self.ws_addr.port()
    }

    /// `http://HOST:PORT` of the HTTP port.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// `ws://HOST:PORT` of the WebSocket port.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }

    /// The examples it answers with.
    pub fn examples(&self) -> &Examples {
        self.state.examples
    }

    /// The example of notification `event` as JSON (`None` for a name without one).
    pub fn notification_example(&self, event: &str) -> Option<Value> {
        self.state
            .examples
            .notification(event)
            .map(OrderedObject::to_value)
    }

    /// The response `method` gets by default, as JSON.
    pub fn response_example(&self, method: &str) -> Option<Value> {
        self.state
            .examples
            .response(method)
            .map(OrderedObject::to_value)
    }

    /// Sets what happens to requests of `method` handled from now on.
    pub fn script(&self, method: &str, rule: Rule) {
        lock(&self.state.rules).insert(method.to_string(), rule);
    }

    /// Changes the rule of `method` in place.
    pub fn update(&self, method: &str, change: impl FnOnce(&mut Rule)) {
        change(
            lock(&self.state.rules)
                .entry(method.to_string())
                .or_default(),
        );
    }

    /// Back to the default answer for `method`.
    pub fn reset(&self, method: &str) {
        lock(&self.state.rules).remove(method);
    }

    /// Answers `method` with `"result": false` and `error`.
    pub fn fail(&self, method: &str, error: &str) {
        self.update(method, |rule| rule.reply = Reply::Fail(error.to_string()));
    }

    /// Answers `method` after `delay`.
    pub fn delay(&self, method: &str, delay: Duration) {
        self.update(method, |rule| rule.delay = Delay::Fixed(delay));
    }

    /// Never answers `method`.
    pub fn drop_reply(&self, method: &str) {
        self.update(method, |rule| rule.reply = Reply::NoReply);
    }

    /// Drops the connection when a `method` request arrives.
    pub fn disconnect_on(&self, method: &str) {
        self.update(method, |rule| rule.reply = Reply::Disconnect);
    }

    /// Answers `method` with `json` (its `method` and `requestId` set from the request).
    pub fn reply_with(&self, method: &str, json: Value) {
        self.update(method, |rule| rule.reply = Reply::Json(json));
    }

    /// Sends `message` (a notification, or anything) to every connection, as the Room's own:
    /// the Room's state follows it ([state](self#state-that-follows-what-happens)). Its
    /// envelope keys go first on the wire. Returns how many connections it was queued for;
    /// a connection whose send queue stays full for `send_timeout` does not get it (counted
    /// in [`MockRoom::stats`]; see [bounds](self#bounded-under-any-client)).
    pub async fn push(&self, message: &Value) -> usize {
        self.push_text(wire_text(message)).await
    }

    /// Sends `text` as it is (garbage included) to every connection, as [`MockRoom::push`]
    /// does (a JSON notification is taken in by the Room's state).
    pub async fn push_text(&self, text: impl Into<String>) -> usize {
        self.state.push(text.into(), 1).await.queued
    }

    /// Sends `message` `count` times to every connection, as fast as each takes it: it is
    /// queued once per connection, so a connection that reads gets every copy however large
    /// `count` is, and the call returns once it is queued. Returns how many connections it
    /// was queued for, as [`MockRoom::push`] does.
    pub async fn flood(&self, message: &Value, count: usize) -> usize {
        let times = u64::try_from(count).unwrap_or(u64::MAX);
        self.state.push(wire_text(message), times).await.queued
    }

    /// An incoming call or invitation: sends `appStateChanged` with `appState` 4 (being
    /// called), then `inviteReceived`, to every connection. `accept`, `reject` and `hangUp`
    /// answer it (see [the call flow](self#the-call-flow) for what follows them).
    pub async fn invite(&self, invitation: Invitation) {
        self.state.invite(&invitation);
    }

    /// Sets the application state's `appState` (4 being called, 5 in a conference…) and
    /// announces it to every connection with `appStateChanged`, carrying the whole body as
    /// the Room does; `getAppState` answers it from now on.
    pub async fn change_app_state(&self, app_state: i64) {
        let text = lock(&self.state.model).change_app_state(self.state.examples, &json!(app_state));
        self.state.broadcast(text, 1);
    }

    /// The Room's figures: connections refused or timed out, and per open connection what
    /// was sent and what was dropped.
    pub fn stats(&self) -> MockStats {
        self.state.stats()
    }

    /// Drops every connection (no close frame); returns how many there were.
    pub fn drop_connections(&self) -> usize {
        self.state.drop_sessions()
    }

    /// How many WebSocket connections are open.
    pub fn connections(&self) -> usize {
        lock(&self.state.sessions).len()
    }

    /// Adds an incoming file request (status 1, awaiting a reply), listed by
    /// `getIncomingFilesRequests` and announced to every connection with `receivedFileRequest`;
    /// returns its `fileRequestId`.
    pub async fn offer_file(&self, offer: FileOffer) -> String {
        self.state.offer_file(offer)
    }

    /// The requests received from now on, as JSON, in order (a reader that falls more than
    /// 4,096 behind skips the oldest).
    pub fn requests(&self) -> ReceivedRequests {
        ReceivedRequests(self.state.requests.subscribe())
    }

    /// How many requests of `method` arrived so far. Names the definitions do not catalogue
    /// are counted too, up to 256 different ones: a client sending made-up names does not grow
    /// the Room without end.
    pub fn received(&self, method: &str) -> u64 {
        lock(&self.state.counts)
            .by_method
            .get(method)
            .copied()
            .unwrap_or(0)
    }

    /// Makes every HTTP-server token issued so far invalid (the frames endpoint then answers
    /// 403 until the client gets a new one).
    pub fn revoke_http_tokens(&self) {
        lock(&self.state.tokens).http.clear();
    }

    /// The `peerId` of the latest frame requests, oldest first (at most 64).
    pub fn frame_requests(&self) -> Vec<String> {
        lock(&self.state.frames).iter().cloned().collect()
    }

    /// Stops listening and drops every connection (the ports are free once the runtime has
    /// dropped the listeners; [`MockRoom::stop`] waits for that).
    pub fn shutdown(&self) {
        for task in &self.tasks {
            task.abort();
        }
        self.state.drop_sessions();
    }

    /// Stops listening, drops every connection, and returns once both ports are free again
    /// (a Room restarted on them can bind them).
    pub async fn stop(mut self) {
        self.shutdown();
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for MockRoom {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The requests a mock Room receives ([`MockRoom::requests`]).
#[derive(Debug)]
pub struct ReceivedRequests(broadcast::Receiver<Arc<Value>>);

impl ReceivedRequests {
    /// The next request received, as JSON; `None` once the Room has stopped.
    pub async fn recv(&mut self) -> Option<Value> {
        loop {
            match self.0.recv().await {
                Ok(request) => return Some((*request).clone()),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next request of `method`, skipping others.
    pub async fn recv_method(&mut self, method: &str) -> Option<Value> {
        loop {
            let request = self.recv().await?;
            if request.get("method").and_then(Value::as_str) == Some(method) {
                return Some(request);
            }
        }
    }
}

/// Tokens the mock issued.
#[derive(Default)]
struct Tokens {
    /// `token` values of the latest successful `auth` responses: valid as credentials later.
    session: HashSet<String>,
    /// The same tokens, oldest first.
    session_order: VecDeque<String>,
    /// HTTP-server tokens and when they were issued.
    http: HashMap<String, Instant>,
}

impl Tokens {
    /// Accepts `token` as credentials from now on, forgetting the oldest beyond
    /// [`SESSION_TOKENS`].
    fn add_session(&mut self, token: String) {
        if self.session_order.len() == SESSION_TOKENS {
            if let Some(oldest) = self.session_order.pop_front() {
                self.session.remove(&oldest);
            }
        }
        self.session.insert(token.clone());
        self.session_order.push_back(token);
    }
}

/// Requests received, per method ([`MockRoom::received`]).
#[derive(Default)]
struct Counts {
    by_method: HashMap<String, u64>,
    /// How many of its names the catalogue does not know.
    unknown: usize,
}

/// What one connection's task listens to.
struct SessionHandle {
    outbox: Outbox,
    kill: Arc<Notify>,
}

/// How many connections of each port are open right now (`WS` and `HTTP` index
/// [`RoomState::open`]).
const WS: usize = 0;
const HTTP: usize = 1;

/// The ports' names in logs, by index.
const PORT_NAMES: [&str; 2] = ["WebSocket", "HTTP"];

/// Room-wide counts of [`MockStats`].
#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    refused: AtomicU64,
    /// Refused on the HTTP port (logged only).
    http_refused: AtomicU64,
    handshake_timeouts: AtomicU64,
    handshake_failures: AtomicU64,
    auth_timeouts: AtomicU64,
    oversize: AtomicU64,
    replay_unmatched: AtomicU64,
    /// Messages dropped for connections that have ended.
    dropped_closed: AtomicU64,
}

/// Accepts connections on `listener` until the task is aborted (which aborts every connection
/// it started): at most `max_connections` open at once on `port` (one more is closed at once,
/// [`RoomState::refuse`]), each served by `serve`.
async fn accept_each<F, Fut>(listener: TcpListener, room: Arc<RoomState>, port: usize, serve: F)
where
    F: Fn(TcpStream, SocketAddr, Slot) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::warn!(%error, port = PORT_NAMES[port], "mock Room: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                match Slot::take(&room, port) {
                    Some(slot) => {
                        connections.spawn(serve(stream, peer, slot));
                    }
                    None => room.refuse(port, peer),
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One open connection of a port, counted until it is dropped.
struct Slot {
    room: Arc<RoomState>,
    port: usize,
}

impl Slot {
    /// A slot on `port` if fewer than `max_connections` are open there.
    fn take(room: &Arc<RoomState>, port: usize) -> Option<Slot> {
        let open = &room.open[port];
        open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |count| {
            (count < room.limits.max_connections).then_some(count + 1)
        })
        .ok()?;
        Some(Slot {
            room: Arc::clone(room),
            port,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.room.open[self.port].fetch_sub(1, Ordering::AcqRel);
    }
}

/// How many connections a notification was queued for, and how many had no room.
#[derive(Debug, Clone, Copy, Default)]
struct Delivery {
    queued: usize,
    full: usize,
}

impl Delivery {
    fn count(&mut self, offered: Result<(), outbox::Refused>) {
        match offered {
            Ok(()) => self.queued += 1,
            Err(outbox::Refused::Full) => self.full += 1,
            Err(outbox::Refused::Closed) => {}
        }
    }
}

/// Everything the listeners and connections share.
struct RoomState {
    examples: &'static Examples,
    protection: Protection,
    http_port: u16,
    ws_port: u16,
    limits: Limits,
    /// The recording the Room answers from, when it replays one.
    replay: Option<Arc<Recording>>,
    /// How many connections opened while replaying (the n-th replays the n-th recorded).
    replayed_connections: AtomicUsize,
    rules: Mutex<HashMap<String, Rule>>,
    sessions: Mutex<HashMap<u64, SessionHandle>>,
    next_session: AtomicU64,
    open: [AtomicUsize; 2],
    counters: Counters,
    tokens: Mutex<Tokens>,
    http_token_lifetime: Duration,
    model: Mutex<Model>,
    progress_steps: u8,
    progress_interval: Duration,
    requests: broadcast::Sender<Arc<Value>>,
    counts: Mutex<Counts>,
    frames: Mutex<VecDeque<String>>,
    random: RandomState,
    serial: AtomicU64,
}

impl RoomState {
    /// A fresh unguessable-enough token (this is a mock: uniqueness is what matters).
    fn new_token(&self, kind: u8) -> String {
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let noise = self.random.hash_one((serial, kind));
        format!("{kind}*mock{serial:04}*{noise:016x}")
    }

    /// A new HTTP-server token; expired ones are forgotten meanwhile, so tokens asked for
    /// over and over (`auth`, `getTokenForHttpServer`) do not pile up between frame requests.
    fn issue_http_token(&self) -> String {
        let token = self.new_token(4);
        let mut tokens = self.live_tokens();
        tokens.http.insert(token.clone(), Instant::now());
        token
    }

    /// Takes HTTP-server tokens a replayed answer handed out as the Room's own.
    fn accept_http_tokens(&self, tokens: Vec<String>) {
        if tokens.is_empty() {
            return;
        }
        let mut live = self.live_tokens();
        for token in tokens {
            live.http.insert(token, Instant::now());
        }
    }

    fn http_token_valid(&self, token: &str) -> bool {
        self.live_tokens().http.contains_key(token)
    }

    /// The tokens, without the HTTP-server tokens that have expired.
    fn live_tokens(&self) -> MutexGuard<'_, Tokens> {
        let mut tokens = lock(&self.tokens);
        let lifetime = self.http_token_lifetime;
        tokens.http.retain(|_, issued| issued.elapsed() < lifetime);
        tokens
    }

    /// Counts a request of `method`: any name the catalogue knows, and the first
    /// [`UNKNOWN_METHODS`] others.
    fn count_request(&self, method: &str) {
        let mut counts = lock(&self.counts);
        if let Some(count) = counts.by_method.get_mut(method) {
            *count += 1;
            return;
        }
        let catalogued = crate::COMMAND_NAMES.binary_search(&method).is_ok()
            || crate::UNTYPED_COMMAND_NAMES.binary_search(&method).is_ok();
        if !catalogued {
            if counts.unknown == UNKNOWN_METHODS {
                return;
            }
            counts.unknown += 1;
        }
        counts.by_method.insert(method.to_string(), 1);
    }

    fn record_frame(&self, peer_id: String) {
        let mut frames = lock(&self.frames);
        if frames.len() == FRAME_LOG {
            frames.pop_front();
        }
        frames.push_back(peer_id);
    }

    /// Closes a connection over the limit at once: counted (WebSocket port) and logged, the
    /// first time and then every 1,000th.
    fn refuse(&self, port: usize, peer: SocketAddr) {
        let refused = match port {
            WS => self.counters.refused.fetch_add(1, Ordering::Relaxed) + 1,
            _ => self.counters.http_refused.fetch_add(1, Ordering::Relaxed) + 1,
        };
        if refused == 1 || refused.is_multiple_of(1000) {
            tracing::warn!(
                %peer,
                refused,
                limit = self.limits.max_connections,
                port = PORT_NAMES[port],
                "mock Room: connection refused, the connection limit is reached"
            );
        }
    }

    /// The connections a message (`text`) from the Room goes to: every one, but a
    /// notification that exists in API v.2 alone ([`Examples::only_in_api_2`]) only to those
    /// that asked for v.2 with `setUsedApiVersion`.
    fn outboxes(&self, text: &str) -> Vec<Outbox> {
        let api_2_only = crate::route::scan(text.as_bytes()).is_ok_and(|envelope| {
            envelope.method == "event"
                && envelope
                    .event
                    .as_deref()
                    .is_some_and(|event| self.examples.only_in_api_2(event))
        });
        lock(&self.sessions)
            .values()
            .filter(|session| !api_2_only || session.outbox.api_version() == Some(2))
            .map(|session| session.outbox.clone())
            .collect()
    }

    /// Queues `text` `times` times for every connection, at once: a connection whose queue
    /// is full gets none of it (counted there). For the Room's own few notifications, queued
    /// in order with the answers around them.
    fn broadcast(&self, text: impl Into<Utf8Bytes>, times: u64) -> Delivery {
        let text = text.into();
        let mut delivery = Delivery::default();
        for outbox in &self.outboxes(&text) {
            delivery.count(outbox.offer_now(&text, times));
        }
        delivery
    }

    /// A message a test pushes as the Room's own: the state takes it in, then it is queued
    /// `times` times for every connection; a connection whose queue is full is waited for,
    /// all at once, up to `send_timeout` (see [`MockRoomBuilder::send_timeout`]).
    async fn push(&self, text: String, times: u64) -> Delivery {
        if let Ok(message) = serde_json::from_str::<Value>(&text) {
            lock(&self.model).observe(self.examples, &message);
        }
        let text = Utf8Bytes::from(text);
        let patience = self.limits.send_timeout;
        let offers = self.outboxes(&text).into_iter().map(|outbox| {
            let text = text.clone();
            async move { outbox.offer(&text, times, patience).await }
        });
        let mut delivery = Delivery::default();
        for offered in futures_util::future::join_all(offers).await {
            delivery.count(offered);
        }
        delivery
    }

    /// Sends an invitation and the change of state it brings.
    fn invite(&self, invitation: &Invitation) {
        let example = self
            .examples
            .notification("inviteReceived")
            .cloned()
            .unwrap_or_else(|| OrderedObject::from_value(&json!({})));
        let mut fields = vec![
            ("peerId", json!(invitation.peer_id)),
            ("peerDn", json!(invitation.peer_dn)),
            ("type", json!(invitation.conf_type)),
        ];
        let mut example = example;
        match &invitation.conf_title {
            Some(title) => fields.push(("confTitle", json!(title))),
            None => example.remove("confTitle"),
        }
        let text = notification_text(
            example,
            "inviteReceived",
            &fields,
            &[],
            Some(&json!(invitation.conf_id)),
        );
        let message: Value = serde_json::from_str(&text).unwrap_or_default();
        let state = lock(&self.model).invited(self.examples, &message);
        // The state first: the MAUI kiosk demo reads appState 4 when the invitation arrives.
        self.broadcast(state, 1);
        self.broadcast(text, 1);
    }

    fn stats(&self) -> MockStats {
        let counters = &self.counters;
        let mut connections: Vec<ConnectionStats> = lock(&self.sessions)
            .values()
            .map(|session| session.outbox.stats())
            .collect();
        connections.sort_by_key(|connection| connection.id);
        let load = |count: &AtomicU64| count.load(Ordering::Relaxed);
        MockStats {
            accepted: load(&counters.accepted),
            refused: load(&counters.refused),
            handshake_timeouts: load(&counters.handshake_timeouts),
            handshake_failures: load(&counters.handshake_failures),
            auth_timeouts: load(&counters.auth_timeouts),
            oversize: load(&counters.oversize),
            replay_unmatched: load(&counters.replay_unmatched),
            dropped: load(&counters.dropped_closed)
                + connections.iter().map(|c| c.dropped).sum::<u64>(),
            connections,
        }
    }

    fn drop_sessions(&self) -> usize {
        let sessions = std::mem::take(&mut *lock(&self.sessions));
        for session in sessions.values() {
            session.kill.notify_one();
        }
        sessions.len()
    }

    fn offer_file(&self, offer: FileOffer) -> String {
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let noise = self.random.hash_one(("offer", serial));
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            noise >> 32,
            (noise >> 16) & 0xffff,
            serial & 0xfff,
            (noise >> 4) & 0xfff,
            serial
        );
        let timestamp = now_millis();
        lock(&self.model).add_offer(json!({
            "fileRequestId": id,
            "peerId": offer.peer_id,
            "peerDn": offer.peer_dn,
            "fileName": offer.file_name,
            "size": offer.file_size,
            "status": 1,
            "timestamp": timestamp,
        }));
        let example = self
            .examples
            .notification("receivedFileRequest")
            .cloned()
            .unwrap_or_else(|| OrderedObject::from_value(&json!({})));
        let fields = [
            ("fileRequestId", json!(id)),
            ("peerId", json!(offer.peer_id)),
            ("peerDn", json!(offer.peer_dn)),
            ("fileName", json!(offer.file_name)),
            ("fileSize", json!(offer.file_size)),
            ("timestamp", json!(timestamp)),
        ];
        let announcement = notification_text(example, "receivedFileRequest", &fields, &[], None);
        self.broadcast(announcement, 1);
        id
    }
}

/// Milliseconds since the Unix epoch (the unit of incoming file-request timestamps).
fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}
