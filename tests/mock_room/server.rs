//! A mock TrueConf Room for tests: an HTTP port serving `/public/default/config.json` and a
//! WebSocket port speaking the API, both on 127.0.0.1 with ephemeral ports.
//!
//! Every request is answered with the documented example response of its method, taken from the
//! definitions in `schema/` (loaded with `trueconf_api_codegen`), with the request's `requestId`
//! echoed. A test scripts the rest:
//!
//! - per method, with [`MockRoom::on`]: notifications to send before or after the response, a
//!   failure (`"result": false`), a response of its own, holding the response until
//!   [`MockRoom::release`], or dropping the connection;
//! - at any time: [`MockRoom::push`] a notification (documented, unknown, anything),
//!   [`MockRoom::release`] a held response, [`MockRoom::drop_connection`].
//!
//! Each request the Room receives is reported, after it has been handled, to
//! [`MockRoom::next_request`], so a test can wait for the Room to reach a point of the script.
//! Controls and requests are handled one at a time, in order, so what a test pushes arrives at
//! the client in the order the test pushed it.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use trueconf_api::ClientMessage;
use trueconf_api_codegen::model::{ExampleRole, ExampleSource};

/// How the HTTP port answers `GET /public/default/config.json`.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpReply {
    /// 200 with the config, framed by `Content-Length`.
    ContentLength,
    /// 200 with the config, no length: the body ends when the connection closes.
    CloseDelimited,
    /// 200 with the config in two chunks (`Transfer-Encoding: chunked`).
    Chunked,
    /// This status, with a short text body.
    Status(u16),
    /// 200 with this body instead of the config (framed by `Content-Length`).
    Body(String),
}

/// What the Room does with a request of one method.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    /// Notifications sent just before the response.
    pub before: Vec<Value>,
    /// The response.
    pub reply: Reply,
    /// Notifications sent right after the response.
    pub after: Vec<Value>,
}

/// How a request is answered.
#[derive(Debug, Clone, Default)]
pub enum Reply {
    /// The documented example response, with the request's `requestId`.
    #[default]
    Example,
    /// `{"method", "requestId", "result": false, "error": TEXT}`.
    Fail(String),
    /// This response (its `method` and `requestId` are set from the request).
    Json(Value),
    /// The example response, kept until [`MockRoom::release`] (then `after` follows it).
    Hold,
    /// No response: the connection is dropped (no close frame) when the request arrives.
    Drop,
}

/// What a test can tell the running connection.
#[derive(Debug)]
enum Control {
    Push(Value),
    Release(String),
    Drop,
}

/// The documented examples, by name.
#[derive(Debug, Default)]
pub struct Examples {
    responses: HashMap<String, Value>,
    notifications: HashMap<String, Value>,
}

impl Examples {
    /// Loads the definitions from the crate's `schema/`.
    pub fn load() -> Examples {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
        let model = trueconf_api_codegen::load_model(&folder)
            .unwrap_or_else(|problems| panic!("the definitions do not load: {problems}"));
        let mut examples = Examples::default();
        for (info, list) in model.messages() {
            // Documented examples first; for a response, a successful one first.
            let mut candidates: Vec<_> = list
                .iter()
                .filter(|example| example.json.is_some())
                .collect();
            candidates.sort_by_key(|example| {
                let failed = example.json.as_ref().and_then(|json| json.get("result"))
                    == Some(&Value::Bool(false));
                (example.source != ExampleSource::Documented, failed)
            });
            for example in candidates {
                let map = match example.role {
                    ExampleRole::Response => &mut examples.responses,
                    ExampleRole::Notification => &mut examples.notifications,
                    ExampleRole::Request => continue,
                };
                if let Some(json) = &example.json {
                    map.entry(info.wire_name.clone())
                        .or_insert_with(|| json.clone());
                }
            }
        }
        examples
    }

    /// The example response of `method` (documented and successful when there is one).
    pub fn response(&self, method: &str) -> Option<&Value> {
        self.responses.get(method)
    }

    /// The example of notification `event`.
    pub fn notification(&self, event: &str) -> Option<&Value> {
        self.notifications.get(event)
    }
}

/// A running mock Room. Dropping it stops its tasks (and so closes its connections).
pub struct MockRoom {
    http_port: u16,
    ws_port: u16,
    examples: Arc<Examples>,
    rules: Arc<Mutex<HashMap<String, Rule>>>,
    control: mpsc::UnboundedSender<Control>,
    requests: tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>,
    tasks: Vec<JoinHandle<()>>,
}

impl MockRoom {
    /// Starts a Room whose HTTP port answers with a `Content-Length` config.
    pub async fn start() -> MockRoom {
        Self::start_with(HttpReply::ContentLength).await
    }

    /// Starts a Room whose HTTP port answers as `http` says.
    pub async fn start_with(http: HttpReply) -> MockRoom {
        let examples = Arc::new(Examples::load());
        let http_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind HTTP");
        let ws_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind WebSocket");
        let http_port = port_of(http_listener.local_addr());
        let ws_port = port_of(ws_listener.local_addr());
        let rules = Arc::new(Mutex::new(HashMap::new()));
        let (control, control_rx) = mpsc::unbounded_channel();
        let (report, requests) = mpsc::unbounded_channel();
        let http_task = tokio::spawn(serve_http(http_listener, http, http_port, ws_port));
        let ws_task = tokio::spawn(serve_ws(
            ws_listener,
            Arc::clone(&examples),
            Arc::clone(&rules),
            control_rx,
            report,
        ));
        MockRoom {
            http_port,
            ws_port,
            examples,
            rules,
            control,
            requests: tokio::sync::Mutex::new(requests),
            tasks: vec![http_task, ws_task],
        }
    }

    /// The HTTP port (for `discover_ws_url`).
    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The WebSocket address, as `config.json` gives it.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.ws_port)
    }

    /// The documented examples the Room answers with.
    pub fn examples(&self) -> &Examples {
        &self.examples
    }

    /// The example response of `method` (panics when there is none: a test bug).
    pub fn response_example(&self, method: &str) -> Value {
        self.examples
            .response(method)
            .unwrap_or_else(|| panic!("no example response for {method}"))
            .clone()
    }

    /// The example of notification `event` (panics when there is none: a test bug).
    pub fn notification_example(&self, event: &str) -> Value {
        self.examples
            .notification(event)
            .unwrap_or_else(|| panic!("no example notification {event}"))
            .clone()
    }

    /// Changes the rule for `method` (a request handled after this call follows it).
    pub fn on(&self, method: &str, change: impl FnOnce(&mut Rule)) {
        let mut rules = self
            .rules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(rules.entry(method.to_string()).or_default());
    }

    /// Answers `method` with `"result": false` and `error`.
    pub fn fail(&self, method: &str, error: &str) {
        self.on(method, |rule| rule.reply = Reply::Fail(error.to_string()));
    }

    /// Holds the responses to `method` until [`MockRoom::release`].
    pub fn hold(&self, method: &str) {
        self.on(method, |rule| rule.reply = Reply::Hold);
    }

    /// Drops the connection when a `method` request arrives.
    pub fn drop_on(&self, method: &str) {
        self.on(method, |rule| rule.reply = Reply::Drop);
    }

    /// Sends `notifications` right after the response to `method`.
    pub fn after(&self, method: &str, notifications: Vec<Value>) {
        self.on(method, |rule| rule.after = notifications);
    }

    /// Sends `notifications` just before the response to `method`.
    pub fn before(&self, method: &str, notifications: Vec<Value>) {
        self.on(method, |rule| rule.before = notifications);
    }

    /// Sends `message` to the client now (after whatever the Room is doing).
    pub fn push(&self, message: Value) {
        let _ = self.control.send(Control::Push(message));
    }

    /// Sends the oldest held response to `method`, and its `after` notifications.
    pub fn release(&self, method: &str) {
        let _ = self.control.send(Control::Release(method.to_string()));
    }

    /// Drops the current connection (no close frame).
    pub fn drop_connection(&self) {
        let _ = self.control.send(Control::Drop);
    }

    /// The next request the Room has handled, as received (panics after 10 s: a hang guard).
    pub async fn next_request(&self) -> Value {
        let mut requests = self.requests.lock().await;
        match tokio::time::timeout(Duration::from_secs(10), requests.recv()).await {
            Ok(Some(request)) => request,
            Ok(None) => panic!("the mock Room has stopped"),
            Err(_) => panic!("no request reached the mock Room within 10 s"),
        }
    }
}

impl Drop for MockRoom {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn port_of(address: std::io::Result<SocketAddr>) -> u16 {
    address.expect("bound address").port()
}

/// The HTTP port: answers every connection once, then closes it.
async fn serve_http(listener: TcpListener, reply: HttpReply, http_port: u16, ws_port: u16) {
    let config = json!({
        "config": {
            "http": { "port": http_port },
            "websocket": { "port": ws_port }
        }
    })
    .to_string();
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(answer_http(stream, reply.clone(), config.clone()));
    }
}

async fn answer_http(mut stream: TcpStream, reply: HttpReply, config: String) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
        if request.len() > 64 * 1024 {
            return;
        }
    }
    let request = String::from_utf8_lossy(&request);
    let target = request
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let response = if target != "/public/default/config.json" {
        status_response(404, "Not Found")
    } else {
        match &reply {
            HttpReply::ContentLength => length_response(&config),
            HttpReply::Body(body) => length_response(body),
            HttpReply::CloseDelimited => format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{config}"
            ),
            HttpReply::Chunked => {
                let (first, second) = config.split_at(config.len() / 2);
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n{:x};ext=1\r\n{second}\r\n0\r\n\r\n",
                    first.len(),
                    second.len()
                )
            }
            HttpReply::Status(status) => status_response(*status, "Mock Status"),
        }
    };
    // Written in two parts, so the client has to read more than once.
    let bytes = response.as_bytes();
    let split = bytes.len() / 2;
    let _ = stream.write_all(&bytes[..split]).await;
    let _ = stream.flush().await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let _ = stream.write_all(&bytes[split..]).await;
    if reply == HttpReply::CloseDelimited {
        let _ = stream.shutdown().await;
        return;
    }
    // Otherwise the connection stays open (despite `Connection: close`) until the client closes
    // it, so a client that reads a framed body until the end of the stream would hang.
    let mut rest = [0u8; 256];
    while let Ok(read) = stream.read(&mut rest).await {
        if read == 0 {
            break;
        }
    }
}

fn length_response(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn status_response(status: u16, reason: &str) -> String {
    let body = format!("{status} {reason}");
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The WebSocket port: one connection at a time; controls go to the current one.
async fn serve_ws(
    listener: TcpListener,
    examples: Arc<Examples>,
    rules: Arc<Mutex<HashMap<String, Rule>>>,
    mut control: mpsc::UnboundedReceiver<Control>,
    report: mpsc::UnboundedSender<Value>,
) {
    while let Ok((stream, _)) = listener.accept().await {
        let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
            continue;
        };
        let mut connection = Connection {
            socket,
            examples: &examples,
            rules: &rules,
            report: &report,
            held: HashMap::new(),
        };
        connection.run(&mut control).await;
    }
}

/// One client connection.
struct Connection<'a> {
    socket: WebSocketStream<TcpStream>,
    examples: &'a Examples,
    rules: &'a Mutex<HashMap<String, Rule>>,
    report: &'a mpsc::UnboundedSender<Value>,
    /// Held responses and their `after` notifications, by method.
    held: HashMap<String, VecDeque<(Value, Vec<Value>)>>,
}

/// Whether the connection goes on.
enum Next {
    Continue,
    Stop,
}

impl Connection<'_> {
    async fn run(&mut self, control: &mut mpsc::UnboundedReceiver<Control>) {
        loop {
            let next = tokio::select! {
                frame = self.socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => self.handle(text.as_str()).await,
                    Some(Ok(Message::Binary(bytes))) => {
                        self.handle(&String::from_utf8_lossy(&bytes)).await
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Next::Stop,
                    Some(Ok(_)) => Next::Continue,
                },
                command = control.recv() => match command {
                    Some(Control::Push(message)) => self.send(&message).await,
                    Some(Control::Release(method)) => self.release(&method).await,
                    Some(Control::Drop) | None => Next::Stop,
                },
            };
            if let Next::Stop = next {
                return; // dropping the socket closes the TCP connection, without a close frame
            }
        }
    }

    async fn send(&mut self, message: &Value) -> Next {
        match self.socket.send(Message::text(message.to_string())).await {
            Ok(()) => Next::Continue,
            Err(_) => Next::Stop,
        }
    }

    async fn send_all(&mut self, messages: &[Value]) -> Next {
        for message in messages {
            if let Next::Stop = self.send(message).await {
                return Next::Stop;
            }
        }
        Next::Continue
    }

    async fn release(&mut self, method: &str) -> Next {
        let Some((response, after)) = self
            .held
            .get_mut(method)
            .and_then(|queue| queue.pop_front())
        else {
            panic!("mock Room: release({method}) but no {method} response is held");
        };
        if let Next::Stop = self.send(&response).await {
            return Next::Stop;
        }
        self.send_all(&after).await
    }

    async fn handle(&mut self, text: &str) -> Next {
        let request: Value = match serde_json::from_str(text) {
            Ok(request) => request,
            Err(error) => panic!("mock Room: a request is not JSON ({error}): {text}"),
        };
        let method = request
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let request_id = request.get("requestId").cloned();
        let rule = self
            .rules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&method)
            .cloned()
            .unwrap_or_default();
        // Every request the client sends must be one the crate's types accept.
        let response = match ClientMessage::from_str(text) {
            Err(error) => failure(
                &method,
                request_id.as_ref(),
                &format!("mock: bad request: {error}"),
            ),
            Ok(_) => match &rule.reply {
                Reply::Fail(error) => failure(&method, request_id.as_ref(), error),
                Reply::Json(json) => with_envelope(json.clone(), &method, request_id.as_ref()),
                Reply::Example | Reply::Hold | Reply::Drop => match self.examples.response(&method)
                {
                    Some(example) => with_envelope(example.clone(), &method, request_id.as_ref()),
                    None => failure(
                        &method,
                        request_id.as_ref(),
                        "mock: no documented example response",
                    ),
                },
            },
        };
        if let Reply::Drop = rule.reply {
            let _ = self.report.send(request);
            return Next::Stop;
        }
        if let Next::Stop = self.send_all(&rule.before).await {
            return Next::Stop;
        }
        let next = if let Reply::Hold = rule.reply {
            self.held
                .entry(method)
                .or_default()
                .push_back((response, rule.after.clone()));
            Next::Continue
        } else {
            match self.send(&response).await {
                Next::Continue => self.send_all(&rule.after).await,
                Next::Stop => Next::Stop,
            }
        };
        let _ = self.report.send(request);
        next
    }
}

/// `response` with the request's `method` and `requestId` (removed when the request had none).
fn with_envelope(mut response: Value, method: &str, request_id: Option<&Value>) -> Value {
    if let Some(object) = response.as_object_mut() {
        object.insert("method".into(), Value::from(method));
        match request_id {
            Some(id) => {
                object.insert("requestId".into(), id.clone());
            }
            None => {
                object.remove("requestId");
            }
        }
    }
    response
}

/// A `"result": false` response.
fn failure(method: &str, request_id: Option<&Value>, error: &str) -> Value {
    with_envelope(
        json!({ "method": method, "result": false, "error": error }),
        method,
        request_id,
    )
}
