//! The connection task: owns the WebSocket, writes queued requests, routes every frame that
//! arrives (a response to the request waiting for its `requestId`, a notification to the
//! streams), and on a lost connection fails every waiting request, then reconnects and
//! authorizes again when the client asked for it.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::config::{Config, Credentials, Target};
use super::error::within;
use super::http;
use super::{ConnectionStatus, Error, Shared};
use crate::commands::{Auth, AuthResponse};
use crate::lock;
use crate::types::AuthResultCode;
use crate::{Command, Failure, Request, Response};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A request waiting to be written: its `requestId` (it is written only while its caller still
/// waits for it) and its JSON.
pub(crate) struct Outgoing {
    pub id: String,
    pub text: String,
}

/// An open, not yet authorized connection, and what was learnt opening it.
pub(crate) struct Opened {
    pub socket: Socket,
    pub url: String,
    /// The host and port of the built-in HTTP server, when `config.json` named it.
    pub http: Option<(String, u16)>,
}

/// Finds the WebSocket (reading `config.json` for a host and port) and opens it.
pub(crate) async fn open(config: &Config) -> Result<Opened, Error> {
    let (url, http) = match &config.target {
        Target::Discover { host, http_port } => {
            let ports = http::discover(host, *http_port, config.http_timeout).await?;
            let url = format!("ws://{}:{}", http::url_host(host), ports.websocket);
            (url, ports.http.map(|port| (host.clone(), port)))
        }
        Target::Url(url) => (url.clone(), None),
    };
    let websocket = WebSocketConfig::default().max_message_size(Some(config.max_message_size));
    let connect = async {
        tokio_tungstenite::connect_async_with_config(url.as_str(), Some(websocket), true)
            .await
            .map_err(|error| Error::WebSocket(Box::new(error)))
    };
    let waiting_for = || format!("WebSocket connection to {url}");
    let (socket, _response) = within(config.connect_timeout, waiting_for, connect).await?;
    tracing::debug!(url, "WebSocket open");
    Ok(Opened { socket, url, http })
}

/// Opens a connection ([`open`]), authorizes it with each of `credentials` in turn
/// ([`authorize`]) and keeps the `auth` response and the HTTP endpoint `config.json` named in
/// the state cache; the authorized socket and its URL.
pub(crate) async fn open_authorized(
    shared: &Shared,
    credentials: &[Credentials],
) -> Result<(Socket, String), Error> {
    let mut opened = open(&shared.config).await?;
    let auth = authorize(shared, &mut opened.socket, credentials).await?;
    shared.authorized(auth, opened.http);
    Ok((opened.socket, opened.url))
}

/// Authorizes a freshly opened connection before anything else is sent on it: `auth` with
/// each of `attempts` in turn until one is accepted. Frames that come meanwhile are routed as
/// usual (notifications reach the streams).
pub(crate) async fn authorize(
    shared: &Shared,
    socket: &mut Socket,
    attempts: &[Credentials],
) -> Result<AuthResponse, Error> {
    let mut refusal = Error::Auth {
        error: None,
        result_code: None,
    };
    for credentials in attempts {
        let id = shared.next_request_id();
        let request: Request<Auth> = credentials
            .to_auth(shared.config.role.clone())
            .into_request()
            .with_request_id(id.as_str());
        let text = serde_json::to_string(&request).map_err(Error::Encode)?;
        // Counted like every other request (ClientStats::requests).
        shared
            .stats
            .requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let exchange = async {
            socket
                .send(Message::text(text))
                .await
                .map_err(|_| Error::Closed)?;
            loop {
                let bytes = match frame_bytes(socket.next().await) {
                    Ok(Some(bytes)) => bytes,
                    Ok(None) => continue,
                    Err(_) => return Err(Error::Closed),
                };
                let is_reply = crate::route::scan(&bytes).is_ok_and(|envelope| {
                    envelope.method == Auth::METHOD
                        && envelope
                            .request_id
                            .as_deref()
                            .is_none_or(|echoed| echoed.is_empty() || echoed == id.as_str())
                });
                if is_reply {
                    return Ok(bytes);
                }
                route(shared, bytes);
            }
        };
        let timeout = shared.config.request_timeout;
        let bytes = within(timeout, || "`auth` response".into(), exchange).await?;
        let response: Response<Auth> = crate::from_slice(&bytes)?;
        match auth_outcome(response.result) {
            Ok(auth) => return Ok(auth),
            Err(refused) => refusal = refused,
        }
        tracing::debug!(?credentials, %refusal, "auth refused");
    }
    Err(refusal)
}

/// What an `auth` answer means: the response when it grants access, else [`Error::Auth`] with
/// the Room's `error` text and `resultCode`.
pub(crate) fn auth_outcome(
    answer: Result<AuthResponse, Failure<Auth>>,
) -> Result<AuthResponse, Error> {
    match answer {
        Ok(auth) => match auth.result_code {
            // Older Rooms send no resultCode: `result: true` alone means success.
            None | Some(AuthResultCode::Successful) => Ok(auth),
            Some(code) => Err(Error::Auth {
                error: None,
                result_code: Some(code.value()),
            }),
        },
        Err(failure) => Err(Error::Auth {
            result_code: failure.fields.result_code.map(AuthResultCode::value),
            error: failure.error,
        }),
    }
}

/// Why a connection ended.
enum End {
    /// [`super::Client::close`] asked for it, or every client handle is gone.
    Shutdown,
    /// The connection was lost.
    Lost(String),
}

/// The connection task, from the first authorized connection until the client is closed.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut socket: Socket,
    mut outgoing: mpsc::Receiver<Outgoing>,
) {
    loop {
        let end = serve(&shared, socket, &mut outgoing).await;
        let closing = shared.closing();
        let reason = match &end {
            End::Shutdown => "closed".to_string(),
            End::Lost(reason) => reason.clone(),
        };
        let policy = shared.config.reconnect.clone().filter(|_| !closing);
        // Without a reconnect to wait for, later requests fail at once.
        let failed = shared.fail_pending(policy.is_none());
        match (&end, &policy) {
            (End::Lost(_), Some(_)) => {
                tracing::warn!(reason, failed, "connection lost; reconnecting")
            }
            (End::Lost(_), None) => tracing::warn!(reason, failed, "connection lost"),
            (End::Shutdown, _) => tracing::info!(failed, "connection closed"),
        }
        let Some(policy) = policy else { break };
        match reconnect(&shared, &policy).await {
            Some(next) => {
                socket = next;
                shared.status.send_replace(ConnectionStatus::Connected);
                shared
                    .stats
                    .reconnects
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::info!("reconnected and authorized");
                shared.refresh_state_in_background();
            }
            None => {
                shared.fail_pending(true);
                break;
            }
        }
    }
    shared.hub.close();
    shared.status.send_replace(ConnectionStatus::Closed);
}

/// Tries to connect and authorize again until it works, the policy gives up, or the client is
/// closed.
async fn reconnect(shared: &Shared, policy: &super::Reconnect) -> Option<Socket> {
    let mut delay = policy.initial_delay;
    let mut attempt = 0u32;
    loop {
        if policy.max_attempts.is_some_and(|limit| attempt >= limit) {
            tracing::warn!(attempt, "giving up reconnecting");
            return None;
        }
        attempt += 1;
        shared
            .status
            .send_replace(ConnectionStatus::Reconnecting { attempt });
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shared.shutdown.notified() => return None,
        }
        if shared.closing() {
            return None;
        }
        let attempt_result = async {
            let mut credentials = Vec::new();
            if let Some(token) = shared.session_token() {
                credentials.push(Credentials::Token(token));
            }
            credentials.push(shared.config.credentials.clone());
            let (socket, _url) = open_authorized(shared, &credentials).await?;
            Ok::<_, Error>(socket)
        };
        let attempt_result = tokio::select! {
            result = attempt_result => result,
            () = shared.shutdown.notified() => return None,
        };
        match attempt_result {
            Ok(socket) => return Some(socket),
            Err(error) => {
                tracing::warn!(attempt, %error, "reconnect attempt failed");
                delay = delay.saturating_mul(2).min(policy.max_delay);
            }
        }
    }
}

/// Serves one connection until it ends.
async fn serve(shared: &Shared, socket: Socket, outgoing: &mut mpsc::Receiver<Outgoing>) -> End {
    let (sink, stream) = socket.split();
    tokio::select! {
        end = read(shared, stream) => end,
        end = write(shared, sink, outgoing) => end,
    }
}

async fn read(shared: &Shared, mut stream: SplitStream<Socket>) -> End {
    loop {
        match frame_bytes(stream.next().await) {
            Ok(Some(bytes)) => route(shared, bytes),
            Ok(None) => {}
            Err(reason) => return End::Lost(reason),
        }
    }
}

/// One read from the socket: the bytes of a text or binary frame, `None` for a frame with
/// nothing to route (ping, pong), or why the connection ended.
fn frame_bytes(next: Option<Result<Message, WsError>>) -> Result<Option<Bytes>, String> {
    match next {
        Some(Ok(Message::Text(text))) => Ok(Some(Bytes::from(text))),
        Some(Ok(Message::Binary(bytes))) => Ok(Some(bytes)),
        Some(Ok(Message::Close(frame))) => Err(match frame {
            Some(frame) => format!("closed by the Room ({}: {})", frame.code, frame.reason),
            None => "closed by the Room".into(),
        }),
        Some(Ok(_)) => Ok(None),
        Some(Err(error)) => Err(error.to_string()),
        None => Err("the connection ended".into()),
    }
}

/// How long a graceful close waits for the Room's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

async fn write(
    shared: &Shared,
    mut sink: SplitSink<Socket, Message>,
    outgoing: &mut mpsc::Receiver<Outgoing>,
) -> End {
    loop {
        let next = tokio::select! {
            biased;
            () = shared.shutdown.notified() => None,
            next = outgoing.recv() => next,
        };
        let Some(first) = next else {
            // Close: send the close frame, then let the reader see the Room's answer.
            let _ = sink.close().await;
            tokio::time::sleep(CLOSE_WAIT).await;
            return End::Shutdown;
        };
        // Write everything queued, then flush once.
        let mut batch = Some(first);
        while let Some(request) = batch.take() {
            if shared.is_pending(&request.id) {
                tracing::trace!(request_id = request.id, "sending");
                if let Err(error) = sink.feed(Message::text(request.text)).await {
                    return End::Lost(error.to_string());
                }
            }
            batch = outgoing.try_recv().ok();
        }
        if let Err(error) = sink.flush().await {
            return End::Lost(error.to_string());
        }
    }
}

/// Routes one frame: a response to the request that waits for it, a notification to the
/// streams (and the state cache), anything else to the all-notifications stream as garbage.
pub(crate) fn route(shared: &Shared, bytes: Bytes) {
    let envelope = match crate::route::scan(&bytes) {
        Ok(envelope) => envelope,
        Err(error) => {
            shared
                .stats
                .garbage
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(%error, bytes = bytes.len(), "a frame that is not a message");
            shared.hub.publish_garbage(&bytes, error);
            return;
        }
    };
    if envelope.method == "event" {
        shared
            .stats
            .notifications
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let event = envelope.event.as_deref();
        match event {
            Some("appStateChanged") => shared.app_state_changed(&bytes),
            Some("authorizationNeeded") => {
                tracing::info!("authorizationNeeded: dropping the HTTP-server token");
                lock(&shared.state).http_token = None;
            }
            _ => {}
        }
        tracing::trace!(event, "notification");
        shared.hub.publish(event, &bytes);
        return;
    }
    let method = envelope.method.as_ref();
    let request_id = envelope.request_id.as_deref();
    if !shared.deliver(method, request_id, bytes.clone()) {
        shared
            .stats
            .stray
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::debug!(method, request_id, "a response nobody waits for (dropped)");
    }
}
