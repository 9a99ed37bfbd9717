//! The HTTP side (hyper on both ends): every request passed to the Room's port behind the
//! listener it came in on, streaming, on one Room connection per client connection; the
//! ports in `config.json` rewritten; WebSocket handshakes handed to the relay.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full, Limited};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{
    HeaderValue, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE,
    ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, LAST_MODIFIED, RANGE, TRANSFER_ENCODING,
    UPGRADE,
};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::value::RawValue;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex as AsyncMutex;

use super::observer::Event;
use super::relay;
use super::Shared;

/// Where a Room's web server publishes its ports.
pub const CONFIG_PATH: &str = "/public/default/config.json";

/// The largest `config.json` the proxy reads (to rewrite it, or to find the Room's ports).
pub(super) const MAX_CONFIG: usize = 1 << 20;

/// A response body: the Room's, streamed, or one the proxy made.
pub(super) type Body = BoxBody<Bytes, hyper::Error>;

/// An empty body.
pub(super) fn empty() -> Body {
    Empty::new()
        .map_err(|never: Infallible| match never {})
        .boxed()
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// A plain-text response of the proxy's own (an error it answers instead of the Room).
pub(super) fn text_response(status: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(full(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Accepts connections on `listener` and passes them to the Room's port `room_port`, until
/// the task is aborted.
pub(super) async fn serve(listener: TcpListener, room_port: u16, shared: Arc<Shared>) {
    loop {
        let (stream, client) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "proxy: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&shared.connections).try_acquire_owned() else {
            let limit = shared.limits.max_connections;
            shared
                .observer
                .send(Event::Notice(format!(
                    "a connection from {client} was closed: the proxy serves at most {limit} connections at once"
                )))
                .await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let mut shutdown = shared.shutdown.subscribe();
            let upstream = Arc::new(AsyncMutex::new(None));
            let handler = Arc::clone(&shared);
            let service = service_fn(move |request| {
                let shared = Arc::clone(&handler);
                let upstream = Arc::clone(&upstream);
                async move {
                    Ok::<_, Infallible>(handle(shared, upstream, room_port, client, request).await)
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .preserve_header_case(true)
                // The Room's answers carry its own Date, or none.
                .auto_date_header(false)
                .timer(TokioTimer::new())
                .header_read_timeout(shared.limits.handshake_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::select! {
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %client, "proxy: HTTP connection ended with an error");
                    }
                }
                _ = shutdown.wait_for(|stop| *stop) => {}
            }
            drop(permit);
        });
    }
}

/// This client connection's connection to the Room, opened on its first request.
type Upstream = Arc<AsyncMutex<Option<SendRequest<Incoming>>>>;

async fn handle(
    shared: Arc<Shared>,
    upstream: Upstream,
    room_port: u16,
    client: SocketAddr,
    mut request: Request<Incoming>,
) -> Response<Body> {
    if relay::is_websocket(&request) {
        return relay::handshake(shared, room_port, client, request).await;
    }
    let config = request.method() == Method::GET && request.uri().path() == CONFIG_PATH;
    if config {
        // The Room's whole, uncompressed config.json, so the ports can be rewritten (and no
        // cached copy of an earlier run's ports is revalidated).
        let headers = request.headers_mut();
        for name in [
            ACCEPT_ENCODING,
            IF_NONE_MATCH,
            IF_MODIFIED_SINCE,
            IF_RANGE,
            RANGE,
        ] {
            headers.remove(name);
        }
    }
    let client_upgrade = request
        .headers()
        .contains_key(UPGRADE)
        .then(|| hyper::upgrade::on(&mut request));
    let path = request.uri().path().to_string();
    let mut guard = upstream.lock().await;
    let reused = match guard.take() {
        Some(mut sender) if !sender.is_closed() => sender.ready().await.ok().map(|()| sender),
        _ => None,
    };
    let mut sender = match reused {
        Some(sender) => sender,
        None => match connect(&shared, room_port).await {
            Ok(sender) => sender,
            Err(error) => return bad_gateway(&shared, room_port, &path, &error).await,
        },
    };
    let mut response = match sender.send_request(request).await {
        Ok(response) => response,
        Err(error) => return bad_gateway(&shared, room_port, &path, &error.to_string()).await,
    };
    *guard = Some(sender);
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        // Another protocol than the API's WebSocket: the two connections are joined byte for
        // byte, and this Room connection is theirs now.
        guard.take();
        if let Some(client_upgrade) = client_upgrade {
            let room_upgrade = hyper::upgrade::on(&mut response);
            tokio::spawn(tunnel(client_upgrade, room_upgrade));
        }
    }
    drop(guard);
    if config && response.status() == StatusCode::OK {
        return rewrite_config(&shared, response).await;
    }
    shared.observer.send(Event::Http { rewritten: false }).await;
    response.map(|body| body.boxed())
}

/// Joins an upgraded client connection to the upgraded Room connection, both ways.
async fn tunnel(client: hyper::upgrade::OnUpgrade, room: hyper::upgrade::OnUpgrade) {
    if let Ok((client, room)) = tokio::try_join!(client, room) {
        let _ =
            tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(room)).await;
    }
}

async fn bad_gateway(shared: &Shared, room_port: u16, path: &str, error: &str) -> Response<Body> {
    let text = format!(
        "the proxy could not pass {path} to http://{}:{room_port}: {error}",
        shared.room_url_host()
    );
    shared.observer.send(Event::Notice(text.clone())).await;
    text_response(StatusCode::BAD_GATEWAY, text)
}

/// Opens an HTTP/1.1 connection to the Room's port `port`, without a deadline.
async fn open<B>(shared: &Shared, port: u16) -> Result<SendRequest<B>, String>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect((shared.room_host.as_str(), port))
        .await
        .map_err(|error| error.to_string())?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::Builder::new()
        .preserve_header_case(true)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|error| error.to_string())?;
    tokio::spawn(async move {
        if let Err(error) = connection.with_upgrades().await {
            tracing::debug!(%error, "proxy: Room connection ended with an error");
        }
    });
    Ok(sender)
}

/// Opens an HTTP/1.1 connection to the Room's port `port`, within the connect timeout.
async fn connect(shared: &Shared, port: u16) -> Result<SendRequest<Incoming>, String> {
    let timeout = shared.limits.connect_timeout;
    tokio::time::timeout(timeout, open(shared, port))
        .await
        .unwrap_or_else(|_| Err(format!("no connection within {timeout:?}")))
}

/// Sends `request` to the Room's port `port` on a connection of its own and waits for the
/// answer's head, all within the connect timeout (a WebSocket handshake, or the discovery of
/// the Room's ports).
pub(super) async fn send_fresh<B>(
    shared: &Shared,
    port: u16,
    request: Request<B>,
) -> Result<Response<Incoming>, String>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let timeout = shared.limits.connect_timeout;
    let exchange = async {
        let mut sender = open(shared, port).await?;
        sender
            .send_request(request)
            .await
            .map_err(|error| error.to_string())
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {timeout:?}")))
}

/// The Room's `config.json` with the ports rewritten to the proxy's; the body unchanged when
/// it cannot be.
async fn rewrite_config(shared: &Shared, response: Response<Incoming>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let encoded = parts
        .headers
        .get(CONTENT_ENCODING)
        .is_some_and(|encoding| !encoding.as_bytes().eq_ignore_ascii_case(b"identity"));
    if encoded {
        shared
            .observer
            .send(Event::Notice(
                "config.json came compressed although the proxy asked for it plain: passed on unchanged, so clients will connect to the Room directly".into(),
            ))
            .await;
        shared.observer.send(Event::Http { rewritten: false }).await;
        return Response::from_parts(parts, body.boxed());
    }
    let bytes = match Limited::new(body, MAX_CONFIG).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            let text =
                format!("cannot read the Room's config.json (at most {MAX_CONFIG} bytes): {error}");
            shared.observer.send(Event::Notice(text.clone())).await;
            shared.observer.send(Event::Http { rewritten: false }).await;
            return text_response(StatusCode::BAD_GATEWAY, text);
        }
    };
    let ports = &shared.rewrite;
    match rewrite_ports(&bytes, ports.ws, ports.files) {
        Ok((body, changes)) => {
            let headers = &mut parts.headers;
            headers.remove(TRANSFER_ENCODING);
            headers.remove(ETAG);
            headers.remove(LAST_MODIFIED);
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            shared
                .observer
                .send(Event::Notice(format!(
                    "config.json rewritten: {}",
                    changes.join(", ")
                )))
                .await;
            shared.observer.send(Event::Http { rewritten: true }).await;
            Response::from_parts(parts, full(body))
        }
        Err(problem) => {
            shared
                .observer
                .send(Event::Notice(format!(
                    "config.json passed on unchanged: {problem}"
                )))
                .await;
            shared.observer.send(Event::Http { rewritten: false }).await;
            Response::from_parts(parts, full(bytes))
        }
    }
}

/// A port in `config.json`: where its value is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PortValue {
    /// The bytes of the JSON value.
    pub span: Range<usize>,
    /// The port, when the value is one (a number, or a string of digits).
    pub port: Option<u16>,
    /// Whether the value is a string.
    pub quoted: bool,
}

/// The ports `config.json` gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ConfigPorts {
    /// `config.websocket.port`.
    pub websocket: Option<PortValue>,
    /// `config.http.port`.
    pub http: Option<PortValue>,
}

/// The members of the JSON object `json`, each value as its text in `json`.
fn members(json: &str) -> Result<BTreeMap<String, &RawValue>, serde_json::Error> {
    serde_json::from_str(json)
}

/// Finds `config.websocket.port` and `config.http.port` in `config.json`, with where they
/// are, so they can be replaced without touching another byte. A key given twice counts with
/// its last value, as JSON parsers commonly read it.
pub(super) fn config_ports(json: &[u8]) -> Result<ConfigPorts, String> {
    let text = std::str::from_utf8(json).map_err(|error| format!("not UTF-8: {error}"))?;
    let not_expected = |error: serde_json::Error| format!("not the expected JSON: {error}");
    let document = members(text).map_err(not_expected)?;
    let Some(config) = document.get("config") else {
        return Ok(ConfigPorts {
            websocket: None,
            http: None,
        });
    };
    let config = members(config.get()).map_err(not_expected)?;
    let port_of = |section: &str| -> Result<Option<PortValue>, String> {
        let Some(section) = config.get(section) else {
            return Ok(None);
        };
        let section = members(section.get()).map_err(not_expected)?;
        let Some(raw) = section.get("port") else {
            return Ok(None);
        };
        let value = raw.get();
        // The value is a slice of `json`: its place is the distance between the two.
        let start = (value.as_ptr() as usize)
            .checked_sub(json.as_ptr() as usize)
            .filter(|start| json.get(*start..start + value.len()) == Some(value.as_bytes()))
            .ok_or_else(|| "the port value is not where it was read".to_string())?;
        let quoted = value.starts_with('"');
        let digits = value.trim_matches('"').trim();
        let port = digits.parse::<u16>().ok().filter(|&port| port != 0);
        Ok(Some(PortValue {
            span: start..start + value.len(),
            port,
            quoted,
        }))
    };
    Ok(ConfigPorts {
        websocket: port_of("websocket")?,
        http: port_of("http")?,
    })
}

/// `config.json` with `config.websocket.port` set to `websocket` and `config.http.port` (when
/// there is one) to `http`, every other byte as it was; and what changed, for the report.
pub(super) fn rewrite_ports(
    json: &[u8],
    websocket: u16,
    http: u16,
) -> Result<(Vec<u8>, Vec<String>), String> {
    let ports = config_ports(json)?;
    let Some(websocket_value) = ports.websocket else {
        return Err("it has no config.websocket.port".into());
    };
    let mut edits = vec![("config.websocket.port", websocket_value, websocket)];
    if let Some(http_value) = ports.http {
        edits.push(("config.http.port", http_value, http));
    }
    edits.sort_by_key(|(_, value, _)| value.span.start);
    let mut out = Vec::with_capacity(json.len() + 8);
    let mut changes = Vec::new();
    let mut at = 0;
    for (name, value, port) in edits {
        out.extend_from_slice(&json[at..value.span.start]);
        let original = String::from_utf8_lossy(&json[value.span.clone()]).into_owned();
        if value.quoted {
            out.extend_from_slice(format!("\"{port}\"").as_bytes());
        } else {
            out.extend_from_slice(port.to_string().as_bytes());
        }
        changes.push(format!("{name} {original} -> {port}"));
        at = value.span.end;
    }
    out.extend_from_slice(&json[at..]);
    Ok((out, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_port_values_change() {
        let json = br#"{ "config" : {"http":{"port":8766, "x":1},"websocket": {"port" : "8765"}, "other": [1,2]}, "tail": true }"#;
        let (out, changes) = rewrite_ports(json, 4001, 4000).expect("rewrites");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            r#"{ "config" : {"http":{"port":4000, "x":1},"websocket": {"port" : "4001"}, "other": [1,2]}, "tail": true }"#
        );
        assert_eq!(
            changes,
            [
                "config.http.port 8766 -> 4000",
                "config.websocket.port \"8765\" -> 4001"
            ]
        );
    }

    #[test]
    fn config_without_the_websocket_port_is_left_alone() {
        assert!(rewrite_ports(br#"{"config":{"http":{"port":1}}}"#, 2, 3).is_err());
        assert!(rewrite_ports(b"not json", 2, 3).is_err());
        // A key given twice: the last one counts, as JSON parsers read it.
        let (out, _) = rewrite_ports(
            br#"{"config":{"websocket":{"port":1},"websocket":{"port":2}}}"#,
            7,
            3,
        )
        .expect("rewrites");
        assert_eq!(
            out,
            br#"{"config":{"websocket":{"port":1},"websocket":{"port":7}}}"#
        );
        let ports = config_ports(br#"{"config":{"websocket":{"port":"x"}}}"#).expect("parses");
        assert_eq!(ports.websocket.expect("found").port, None);
    }
}
