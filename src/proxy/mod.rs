//! A passthrough between any client and a real Room that records every message and checks it
//! live against the definitions (feature `proxy`; the `trueconf-api proxy` subcommand runs
//! one).
//!
//! Put it between your Room and whatever talks to it — the Room's own web UI, TrueConf's
//! Python client, your app on [`crate::client`] — and you see, message by message, what the
//! crate makes of your Room's traffic, without writing code. The recording it writes is a
//! replayable test of that session (`trueconf-api mock-room --replay FILE.jsonl`).
//!
//! # Putting it in place
//!
//! ```text
//! trueconf-api proxy --room 192.168.1.20:8765 --listen 127.0.0.1:9000 --record session.jsonl
//! ```
//!
//! `--room` names the Room's web server (the host and HTTP port its `config.json` is served
//! on; 8765 when left out). The proxy reads the Room's
//! `http://HOST:PORT/public/default/config.json` once at start to learn its WebSocket port
//! (`config.websocket.port`) and its built-in HTTP server's port (`config.http.port`), unless
//! `--room-ws` gives the WebSocket port. It then listens once for each distinct Room port: on
//! `--listen` for the web server, and on further ports of the same address for the
//! WebSocket (`--ws-port`, a free one by default) and the built-in HTTP server when those are
//! other ports. The first line it prints names them all.
//!
//! - **The Room's web UI**: open `http://127.0.0.1:9000/` (the `--listen` address) in the
//!   browser instead of the Room's address. The page loads through the proxy, reads
//!   `config.json` through the proxy — rewritten to point at the proxy — and opens its
//!   WebSocket to the proxy.
//! - **An app that discovers the Room through `config.json`** (TrueConf's clients,
//!   [`crate::client::Client::connect`]): give it the proxy's host and `--listen` port instead
//!   of the Room's.
//! - **An app that is given the WebSocket URL**: give it the proxy's `ws://` URL from the
//!   first line (fix the port with `--ws-port`).
//!
//! # What it changes: only `config.json`'s ports
//!
//! Every HTTP request goes to the Room's port behind the listener it came in on, with its
//! method, path, query, headers (names in the case they were sent, `Host` included) and body
//! as sent; every response comes back the same way, with no header added (not even a
//! `Date`). Bodies stream through (frames, file
//! uploads and downloads, the web UI's pages) with hyper's bounded buffers; each client
//! connection gets a connection to the Room of its own, opened on its first request.
//! HTTP/1.1 framing is hyper's own on each hop (a body may be re-chunked; its bytes are the
//! same).
//!
//! The one exception is `GET /public/default/config.json` with a `200` answer:
//!
//! - the value of `config.websocket.port` becomes the port of the proxy's WebSocket listener,
//!   and the value of `config.http.port` (when present) the port of the proxy's listener for
//!   the built-in HTTP server; a value that was a string stays a string. Not another byte of
//!   the body changes (no re-encoding: the two values are replaced where they stand);
//! - so that the Room sends it whole and uncompressed, and no stale copy is revalidated, the
//!   request goes without `Accept-Encoding`, `If-None-Match`, `If-Modified-Since`, `If-Range`
//!   and `Range`;
//! - the answer gets the new `Content-Length`, `Cache-Control: no-store`, and loses
//!   `Transfer-Encoding`, `ETag` and `Last-Modified` (they describe the Room's bytes).
//!
//! A `config.json` that cannot be rewritten (not JSON, no `config.websocket.port`, compressed
//! anyway, over 1 MiB) is passed on unchanged — or, over 1 MiB, answered with `502` — and the
//! report says so: clients will then talk to the Room directly.
//!
//! # The WebSocket: every message, unchanged
//!
//! A WebSocket handshake on any listener is passed to the Room as the client sent it (its
//! key, origin, subprotocols, cookies) except for `Sec-WebSocket-Extensions`, which is
//! dropped: the proxy reads every payload, so it cannot let them be compressed. The Room's
//! answer goes back to the client as the Room sent it; a refusal (a `403`, say) goes back
//! whole and the relay does not start.
//!
//! Then every message goes on, both ways, in order:
//!
//! - **Text and binary messages** with byte-identical payloads, as the same kind of message.
//!   Invalid messages included: non-JSON text, unknown methods, bad payloads. A **text
//!   message that is not UTF-8**, which tungstenite (like any conforming endpoint) refuses
//!   to read as text, is carried too: the proxy reads every data message as binary
//!   underneath tungstenite (its own frame parser finds the text opcodes) and sends it on
//!   as a text frame with the same bytes. What the receiving end does with it is up to it.
//! - **Pings and pongs** with their payloads. tungstenite also answers every ping it reads
//!   with a pong of its own (the protocol asks that of every endpoint), so the sender of a
//!   ping gets that pong and then the other end's.
//! - **Close frames** with their code and reason: the side that closes first has its frame
//!   passed on, and tungstenite answers it on that side (with the same code) while the other
//!   side's answer is read and not passed back. tungstenite turns a close code the protocol
//!   does not allow on the wire (1005, 1006, 1015, or outside the assigned ranges) into
//!   `1002` "Protocol violation" before the proxy sees it, and fails a connection whose close
//!   reason is not UTF-8.
//! - A connection that ends **without a close frame** (dropped, reset, a protocol error,
//!   a message over the size limit) ends the other side's connection without one too, once
//!   what was read before has been written (within [`ProxyBuilder::close_timeout`]).
//!
//! Messages go on whole: a message the sender split into fragments arrives as one frame, and
//! masks are the proxy's own (each hop masks with a fresh key, as the protocol requires).
//! Bad traffic is reported, never blocked.
//!
//! # The report
//!
//! One line per message, like `check`'s, with its number in the recording, the connection
//! and the direction:
//!
//! ```text
//! #2 conn 1 client -> room: ok request auth
//! #3 conn 1 room -> client: ok response auth (unknown fields: newKey)
//! #7 conn 1 client -> room (binary): error invalid JSON: expected value at line 1 column 1
//! #9 conn 1 closed by client: close frame 1000 "bye"
//! ```
//!
//! The verdicts are `check`'s ([`crate::check`]): `ok KIND NAME`, with `(unknown fields: …)`
//! or `(untyped)`; `unknown KIND NAME`; `error …` naming the field path. The kind comes from
//! the message itself, as in `check` (`"method": "event"` → notification, a `result` key →
//! response, else request). Lines of the proxy's own start with `proxy:` (a `config.json`
//! rewritten, a refused handshake, a failed HTTP exchange).
//!
//! # The recording
//!
//! `--record FILE.jsonl` ([`ProxyBuilder::record`]) writes one JSON object per line, keys in
//! this order:
//!
//! ```text
//! {"seq":1,"time":"2026-12-06T18:42:18.123Z","conn":1,"event":"open","client":"127.0.0.1:50412","room":"ws://192.168.1.20:8765/"}
//! {"seq":2,"time":"2026-12-06T18:42:18.125Z","conn":1,"from":"client","frame":"text","text":"{\"method\":\"auth\",\"type\":\"unsecured\"}","check":{"kind":"request","name":"auth","unknownFields":[],"untyped":false,"verdict":"ok"}}
//! {"seq":3,"time":"2026-12-06T18:42:18.131Z","conn":1,"from":"room","frame":"binary","base64":"eyJtZXRob2QiOiJldmVudCJ9","check":{…}}
//! {"seq":9,"time":"2026-12-06T18:42:19.002Z","conn":1,"event":"close","by":"client","code":1000,"reason":"bye"}
//! ```
//!
//! - `seq`: the line's number, from 1, in the order the lines are written.
//! - `time`: when the proxy read the message (UTC, milliseconds; RFC 3339).
//! - `conn`: the WebSocket connection, numbered from 1 in the order they opened.
//! - A message: `from` (`client` or `room`), `frame` (`text` or `binary`), then `text`
//!   with the exact message text, or `base64` (standard alphabet, padded) with its exact
//!   bytes for a binary message — and for a text message that is not UTF-8, which a JSON
//!   string cannot hold (`"frame": "text"` with `base64`). Then `check`: the verdict as
//!   `check --format json` gives it without `file` and `line` (`verdict`, `kind`, `name`,
//!   then `untyped` and `unknownFields`, or `error` and `path`).
//! - `"event": "open"`: both ends are open; `client` is the client's address, `room` the
//!   Room's WebSocket URL.
//! - `"event": "close"`: both ends are closed. `by`: who ended it (`client`, `room`, or
//!   `proxy` when it was stopped); `code` and `reason` from that side's close frame when it
//!   sent one; `error` when it ended without one; `undelivered` (`{"client": N, "room": N}`)
//!   when messages read from a side could not be written to the other any more.
//!
//! Pings and pongs are counted in the summary, not recorded. Connections the Room refused
//! have no lines.
//!
//! # The summary
//!
//! [`Proxy::summary`] at any time, and [`Proxy::shutdown`] at the end; `trueconf-api proxy`
//! prints it on stderr when it stops (SIGINT, SIGTERM, or `--exit-after`), and exits 0 when
//! every message was ok, 1 when any was unknown or an error, 2 on usage and I/O errors. Per
//! direction: messages by frame type and bytes, the verdicts as `check` counts them, pings,
//! pongs, messages not delivered, and tables of the unknown names, unknown fields and errors
//! with how often each came (at most [`SUMMARY_NAMES`] entries a table).
//!
//! # Limits
//!
//! Modelled on the client's and the mock Room's buffers; each is a [`ProxyBuilder`] setting.
//!
//! - A message is read whole, up to [`ProxyBuilder::max_message_size`] (64 MiB by default,
//!   as the client); a larger one ends its connection (reported).
//! - Per connection and direction, at most [`ProxyBuilder::queue`] messages (256) and bytes
//!   (4 MiB; a larger message waits for an empty queue) wait between reading one side and
//!   writing the other; tungstenite's write buffer holds at most 128 KiB beyond one message.
//!   A side that does not read makes the proxy stop reading the other side **of its own
//!   connection pair** (backpressure through TCP), so memory stays bounded and nothing is
//!   dropped; other connections go on.
//! - Every message passes one queue to the thread that checks, records and reports it:
//!   [`ProxyBuilder::observer_queue`] (4,096 messages, 32 MiB). A recording or report that
//!   cannot keep up (a full disk, a stdout nobody reads) slows every connection down rather
//!   than losing lines.
//! - At most [`ProxyBuilder::max_connections`] client connections (512) and
//!   [`ProxyBuilder::max_websockets`] relayed WebSockets (256) at once; beyond them a
//!   connection is closed (a handshake answered `503`) and reported.
//! - A client has [`ProxyBuilder::handshake_timeout`] (10 s) to send a request's head;
//!   connecting to the Room (and its handshake answer) gets
//!   [`ProxyBuilder::connect_timeout`] (10 s).
//!
//! # In a test of your own
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use trueconf_api::proxy::Proxy;
//!
//! let proxy = Proxy::builder("192.168.1.20", 8765)
//!     .record(std::fs::File::create("session.jsonl")?)
//!     .report(std::io::stdout())
//!     .start()
//!     .await?;
//! println!("point the client at {}", proxy.http_url());
//! proxy.wait_for_closed(1).await;
//! let summary = proxy.shutdown().await;
//! print!("{summary}");
//! assert!(summary.all_ok());
//! # Ok(())
//! # }
//! ```

mod http;
mod observer;
mod relay;
mod summary;
mod tap;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::header::{HeaderValue, HOST};
use hyper::{Request, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

pub use self::http::CONFIG_PATH;
pub use summary::{DirectionSummary, Side, Summary, SUMMARY_NAMES};

use crate::check::Checker;
use crate::lock;
use observer::{Event, Observer, Outputs};

/// The HTTP port of a Room's web server unless configured otherwise.
pub const DEFAULT_ROOM_HTTP_PORT: u16 = 8765;

/// The limits of a proxy (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub max_message_size: usize,
    pub queue_messages: usize,
    pub queue_bytes: u32,
    pub observer_messages: usize,
    pub observer_bytes: usize,
    pub max_connections: usize,
    pub max_websockets: usize,
    pub handshake_timeout: Duration,
    pub connect_timeout: Duration,
    pub close_timeout: Duration,
}

impl Limits {
    /// tungstenite's write buffer: its usual 128 KiB before it writes, and room for one more
    /// message of the largest size (and its header) beyond.
    pub(crate) fn max_write_buffer(&self) -> usize {
        WRITE_BUFFER + self.max_message_size + 14
    }
}

/// tungstenite's default `write_buffer_size`.
const WRITE_BUFFER: usize = 128 << 10;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_size: 64 << 20,
            queue_messages: 256,
            queue_bytes: 4 << 20,
            observer_messages: 4096,
            observer_bytes: 32 << 20,
            max_connections: 512,
            max_websockets: 256,
            handshake_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(5),
        }
    }
}

/// Settings of a proxy, then [`ProxyBuilder::start`].
pub struct ProxyBuilder {
    room_host: String,
    room_http_port: u16,
    room_ws_port: Option<u16>,
    room_files_port: Option<u16>,
    listen: String,
    ws_port: u16,
    checker: Checker,
    record: Option<Box<dyn Write + Send>>,
    report: Option<Box<dyn Write + Send>>,
    limits: Limits,
}

impl std::fmt::Debug for ProxyBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyBuilder")
            .field("room_host", &self.room_host)
            .field("room_http_port", &self.room_http_port)
            .field("room_ws_port", &self.room_ws_port)
            .field("listen", &self.listen)
            .field("ws_port", &self.ws_port)
            .field("recording", &self.record.is_some())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ProxyBuilder {
    /// Listens on this address and port for the Room's web server (default `127.0.0.1:0`, a
    /// free port); the other listeners take the same address.
    pub fn listen(mut self, address: impl Into<String>) -> Self {
        self.listen = address.into();
        self
    }

    /// The port of the proxy's WebSocket listener (default 0, a free one), when the Room's
    /// WebSocket port is not its web server's.
    pub fn ws_port(mut self, port: u16) -> Self {
        self.ws_port = port;
        self
    }

    /// The Room's WebSocket port, instead of reading it from the Room's `config.json` at
    /// start.
    pub fn room_ws_port(mut self, port: u16) -> Self {
        self.room_ws_port = Some(port);
        self
    }

    /// The port of the Room's built-in HTTP server (frames, files), instead of reading it from
    /// the Room's `config.json` (where it is `config.http.port`; the web server's port when
    /// absent).
    pub fn room_files_port(mut self, port: u16) -> Self {
        self.room_files_port = Some(port);
        self
    }

    /// What messages are checked against (default: the compiled types).
    pub fn checker(mut self, checker: Checker) -> Self {
        self.checker = checker;
        self
    }

    /// Writes the recording (see the module docs) to `to`.
    pub fn record(mut self, to: impl Write + Send + 'static) -> Self {
        self.record = Some(Box::new(to));
        self
    }

    /// Writes the report, one line per message and event, to `to` (default: nowhere).
    pub fn report(mut self, to: impl Write + Send + 'static) -> Self {
        self.report = Some(Box::new(to));
        self
    }

    /// The largest message read from either side (default 64 MiB); a larger one ends its
    /// connection.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.limits.max_message_size = bytes.max(1);
        self
    }

    /// How many messages, and how many of their bytes, may wait per connection and direction
    /// between reading one side and writing the other (default 256 and 4 MiB; at least 1).
    pub fn queue(mut self, messages: usize, bytes: usize) -> Self {
        self.limits.queue_messages = messages.max(1);
        self.limits.queue_bytes = u32::try_from(bytes).unwrap_or(u32::MAX).max(1);
        self
    }

    /// How many messages, and how many of their bytes, may wait to be checked, recorded and
    /// reported (default 4,096 and 32 MiB; at least 1).
    pub fn observer_queue(mut self, messages: usize, bytes: usize) -> Self {
        self.limits.observer_messages = messages.max(1);
        self.limits.observer_bytes = bytes.max(1);
        self
    }

    /// The most client connections served at once (default 512).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections.max(1);
        self
    }

    /// The most WebSocket connections relayed at once (default 256).
    pub fn max_websockets(mut self, connections: usize) -> Self {
        self.limits.max_websockets = connections.max(1);
        self
    }

    /// How long a client may take to send a request's head (default 10 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.limits.handshake_timeout = timeout;
        self
    }

    /// How long connecting to the Room, and its answer to a WebSocket handshake, may take
    /// (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.limits.connect_timeout = timeout;
        self
    }

    /// How long, once one side of a WebSocket pair has ended, the other gets to receive what
    /// was read before and finish the closing handshake (default 5 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.limits.close_timeout = timeout;
        self
    }

    /// Finds the Room's ports (unless given), binds the listeners and starts serving. Must be
    /// called inside a Tokio runtime. An error names what failed: reading the Room's
    /// `config.json`, or binding an address.
    pub async fn start(self) -> std::io::Result<Proxy> {
        let limits = self.limits;
        let room_host = self.room_host;
        let web = self.room_http_port;
        let (room_ws, discovered_files) = match self.room_ws_port {
            Some(port) => (port, None),
            None => discover(&room_host, web, limits.connect_timeout).await?,
        };
        let room_files = self.room_files_port.or(discovered_files).unwrap_or(web);

        let web_listener = TcpListener::bind(self.listen.as_str())
            .await
            .map_err(|error| {
                std::io::Error::new(
                    error.kind(),
                    format!("cannot listen on {}: {error}", self.listen),
                )
            })?;
        let web_addr = web_listener.local_addr()?;
        let mut listeners = vec![(web_listener, web)];
        let ws_addr = if room_ws == web {
            web_addr
        } else {
            let listener = bind(SocketAddr::new(web_addr.ip(), self.ws_port)).await?;
            let addr = listener.local_addr()?;
            listeners.push((listener, room_ws));
            addr
        };
        let files_addr = if room_files == web {
            web_addr
        } else if room_files == room_ws {
            ws_addr
        } else {
            let listener = bind(SocketAddr::new(web_addr.ip(), 0)).await?;
            let addr = listener.local_addr()?;
            listeners.push((listener, room_files));
            addr
        };

        let outputs = Outputs {
            checker: self.checker,
            record: self.record,
            report: self.report,
        };
        let (observer, watch) =
            observer::start(outputs, limits.observer_messages, limits.observer_bytes)?;
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            room_host,
            room_ports: Ports {
                http: web,
                ws: room_ws,
                files: room_files,
            },
            rewrite: Rewrite {
                ws: ws_addr.port(),
                files: files_addr.port(),
            },
            pairs: Arc::new(Semaphore::new(limits.max_websockets)),
            connections: Arc::new(Semaphore::new(limits.max_connections)),
            limits,
            observer,
            next_conn: AtomicU64::new(1),
            shutdown,
        });
        let tasks = listeners
            .into_iter()
            .map(|(listener, room_port)| {
                tokio::spawn(http::serve(listener, room_port, Arc::clone(&shared)))
            })
            .collect();
        tracing::info!(http = %web_addr, ws = %ws_addr, files = %files_addr, "proxy listening");
        Ok(Proxy {
            shared,
            web_addr,
            ws_addr,
            files_addr,
            tasks,
            summary: watch.summary,
            closed: watch.closed,
            observer_thread: Some(watch.thread),
        })
    }
}

async fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(address).await.map_err(|error| {
        std::io::Error::new(error.kind(), format!("cannot listen on {address}: {error}"))
    })
}

/// Reads the Room's `config.json`: its WebSocket port and, when it names one, its built-in
/// HTTP server's port.
async fn discover(host: &str, port: u16, timeout: Duration) -> std::io::Result<(u16, Option<u16>)> {
    let url = format!("http://{}:{port}{CONFIG_PATH}", url_host(host));
    let failed = |why: String| {
        std::io::Error::other(format!("cannot read the Room's ports from {url}: {why}"))
    };
    let exchange = async {
        let stream = tokio::net::TcpStream::connect((bare_host(host), port))
            .await
            .map_err(|error| failed(error.to_string()))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|error| failed(error.to_string()))?;
        tokio::spawn(connection);
        let authority = HeaderValue::from_str(&format!("{}:{port}", url_host(host)))
            .map_err(|_| failed(format!("not a host name: {host:?}")))?;
        let request = Request::get(CONFIG_PATH)
            .header(HOST, authority)
            .body(http::empty())
            .map_err(|error| failed(error.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| failed(error.to_string()))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), http::MAX_CONFIG)
            .collect()
            .await
            .map_err(|error| failed(error.to_string()))?
            .to_bytes();
        if status != StatusCode::OK {
            return Err(failed(format!("the answer is {status}")));
        }
        let ports = http::config_ports(&body).map_err(failed)?;
        let websocket = ports
            .websocket
            .and_then(|value| value.port)
            .ok_or_else(|| failed("it names no config.websocket.port".into()))?;
        Ok((websocket, ports.http.and_then(|value| value.port)))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| Err(failed(format!("no answer within {timeout:?}"))))
}

/// The host as it goes into a URL: IPv6 addresses in brackets.
fn url_host(host: &str) -> String {
    let bare = bare_host(host);
    if bare.contains(':') {
        format!("[{bare}]")
    } else {
        bare.to_string()
    }
}

/// The host without IPv6 brackets, for connecting.
fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// The ports of one end: the web server's, the WebSocket's, the built-in HTTP server's.
#[derive(Debug, Clone, Copy)]
struct Ports {
    http: u16,
    ws: u16,
    files: u16,
}

/// What `config.json`'s ports become: the proxy's listeners for the Room's WebSocket and its
/// built-in HTTP server.
#[derive(Debug, Clone, Copy)]
struct Rewrite {
    ws: u16,
    files: u16,
}

/// What the listeners, connections and relays share.
pub(crate) struct Shared {
    /// The Room's host, as given (without IPv6 brackets).
    room_host: String,
    room_ports: Ports,
    rewrite: Rewrite,
    limits: Limits,
    observer: Observer,
    next_conn: AtomicU64,
    pairs: Arc<Semaphore>,
    connections: Arc<Semaphore>,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    /// The Room's host as it goes into a URL.
    fn room_url_host(&self) -> String {
        url_host(&self.room_host)
    }
}

/// A running proxy. Dropping it stops it (without waiting; [`Proxy::shutdown`] waits and
/// returns the summary).
pub struct Proxy {
    shared: Arc<Shared>,
    web_addr: SocketAddr,
    ws_addr: SocketAddr,
    files_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
    summary: Arc<Mutex<Summary>>,
    closed: watch::Receiver<u64>,
    observer_thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("http", &self.web_addr)
            .field("ws", &self.ws_addr)
            .field("files", &self.files_addr)
            .field("room", &self.shared.room_host)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Settings for a proxy to the Room whose web server is at `room_host`:`room_http_port`.
    pub fn builder(room_host: impl Into<String>, room_http_port: u16) -> ProxyBuilder {
        ProxyBuilder {
            room_host: bare_host(&room_host.into()).to_string(),
            room_http_port,
            room_ws_port: None,
            room_files_port: None,
            listen: "127.0.0.1:0".into(),
            ws_port: 0,
            checker: Checker::Compiled,
            record: None,
            report: None,
            limits: Limits::default(),
        }
    }

    /// Where the proxy listens for the Room's web server (`config.json` is read here).
    pub fn http_addr(&self) -> SocketAddr {
        self.web_addr
    }

    /// `http://ADDR:PORT` of [`Proxy::http_addr`].
    pub fn http_url(&self) -> String {
        format!("http://{}", self.web_addr)
    }

    /// Where the proxy listens for the Room's WebSocket (the port its `config.json` gives).
    pub fn ws_addr(&self) -> SocketAddr {
        self.ws_addr
    }

    /// `ws://ADDR:PORT` of [`Proxy::ws_addr`].
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }

    /// Where the proxy listens for the Room's built-in HTTP server (frames, files).
    pub fn files_addr(&self) -> SocketAddr {
        self.files_addr
    }

    /// `http://HOST:PORT` of the Room's web server.
    pub fn room_http_url(&self) -> String {
        format!(
            "http://{}:{}",
            self.shared.room_url_host(),
            self.shared.room_ports.http
        )
    }

    /// `http://HOST:PORT` of the Room's built-in HTTP server (frames, files).
    pub fn room_files_url(&self) -> String {
        format!(
            "http://{}:{}",
            self.shared.room_url_host(),
            self.shared.room_ports.files
        )
    }

    /// The Room's WebSocket URL the proxy connects to.
    pub fn room_ws_url(&self) -> String {
        format!(
            "ws://{}:{}",
            self.shared.room_url_host(),
            self.shared.room_ports.ws
        )
    }

    /// What went through so far.
    pub fn summary(&self) -> Summary {
        lock(&self.summary).clone()
    }

    /// Waits until `connections` relayed WebSockets have ended and been written down.
    pub async fn wait_for_closed(&self, connections: u64) {
        let mut closed = self.closed.clone();
        let _ = closed.wait_for(|closed| *closed >= connections).await;
    }

    /// Stops: no new connections, every relayed WebSocket ended (recorded as closed by the
    /// proxy), HTTP connections dropped, then the recording and report flushed. Returns the
    /// summary of everything. Each of these steps waits at most
    /// [`ProxyBuilder::close_timeout`] and a second.
    pub async fn shutdown(mut self) -> Summary {
        self.stop();
        // Every relay gives its permit back when it has written its close line.
        let all = u32::try_from(self.shared.limits.max_websockets).unwrap_or(u32::MAX);
        let wait = self.shared.limits.close_timeout + Duration::from_secs(1);
        let _ = tokio::time::timeout(wait, self.shared.pairs.acquire_many(all)).await;
        // An observer stuck on a report nobody reads must not keep the caller waiting.
        let _ = tokio::time::timeout(wait, self.shared.observer.send(Event::Stop)).await;
        if let Some(thread) = self.observer_thread.take() {
            let joined = tokio::task::spawn_blocking(move || thread.join());
            let _ = tokio::time::timeout(wait, joined).await;
        }
        self.summary()
    }

    fn stop(&self) {
        for task in &self.tasks {
            task.abort();
        }
        self.shared.shutdown.send_replace(true);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
        self.shared.observer.stop_now();
    }
}
