//! HTTP through hyper: the Room's `config.json`, and frames from its built-in HTTP server.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{HeaderValue, ACCEPT, HOST, USER_AGENT};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::error::{within, Cause};
use super::Error;

/// Where the Room's web server publishes its ports.
pub const CONFIG_PATH: &str = "/public/default/config.json";

/// The largest `config.json` read.
const MAX_CONFIG: usize = 1 << 20;

/// The largest frame read.
pub(crate) const MAX_FRAME: usize = 64 << 20;

/// The ports `config.json` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ports {
    pub websocket: u16,
    pub http: Option<u16>,
}

/// The host as it goes into a URL or a `Host` header: IPv6 addresses in brackets.
pub(crate) fn url_host(host: &str) -> String {
    let bare = bare_host(host);
    if bare.contains(':') {
        format!("[{bare}]")
    } else {
        bare.to_string()
    }
}

/// The host without IPv6 brackets, for connecting.
pub(crate) fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// `http://HOST:PORT/public/default/config.json`, as errors and logs name it.
pub(crate) fn config_url(host: &str, port: u16) -> String {
    format!("http://{}:{port}{CONFIG_PATH}", url_host(host))
}

/// Reads `http://HOST:PORT/public/default/config.json`: `config.websocket.port` (required)
/// and `config.http.port` (when present); each may be a number or a string of digits.
pub(crate) async fn discover(host: &str, port: u16, timeout: Duration) -> Result<Ports, Error> {
    let url = config_url(host, port);
    let body = get(
        host,
        port,
        CONFIG_PATH,
        "application/json",
        MAX_CONFIG,
        timeout,
    )
    .await?;
    let config: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|error| Error::Config(format!("{url} is not JSON: {error}")))?;
    let websocket = config
        .pointer("/config/websocket/port")
        .ok_or_else(|| Error::Config(format!("{url} has no config.websocket.port")))?;
    let websocket = as_port(websocket).ok_or_else(|| {
        Error::Config(format!(
            "config.websocket.port in {url} is not a port: {websocket}"
        ))
    })?;
    let http = config.pointer("/config/http/port").and_then(as_port);
    Ok(Ports { websocket, http })
}

fn as_port(value: &serde_json::Value) -> Option<u16> {
    let number = match value {
        serde_json::Value::Number(number) => number.as_u64(),
        serde_json::Value::String(text) => text.trim().parse::<u64>().ok(),
        _ => None,
    };
    number
        .and_then(|number| u16::try_from(number).ok())
        .filter(|&port| port != 0)
}

/// One `GET http://HOST:PORT{path}` over a fresh connection; the body of a 200 response, at
/// most `limit` bytes, all within `timeout` (a server that trickles or never ends its body
/// fails too). Another status is [`Error::Http`]; every error names the URL (without the
/// query, which may hold a token).
pub(crate) async fn get(
    host: &str,
    port: u16,
    path: &str,
    accept: &'static str,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, Error> {
    let shown = format!(
        "http://{}:{port}{}",
        url_host(host),
        path.split('?').next().unwrap_or_default()
    );
    let exchange = async {
        let stream = TcpStream::connect((bare_host(host), port))
            .await
            .map_err(|source| Error::Io {
                address: shown.clone(),
                source,
            })?;
        let _ = stream.set_nodelay(true);
        let transport = |source: Cause| Error::Transport {
            url: shown.clone(),
            source,
        };
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| transport(Box::new(error)))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "HTTP connection ended with an error");
            }
        });
        let authority = format!("{}:{port}", url_host(host));
        let request = Request::get(path)
            .header(
                HOST,
                HeaderValue::from_str(&authority)
                    .map_err(|_| Error::Config(format!("not a host name: {host:?}")))?,
            )
            .header(ACCEPT, accept)
            .header(
                USER_AGENT,
                concat!("trueconf-api/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::<Bytes>::new())
            .map_err(|error| Error::Config(format!("not a request path: {path:?}: {error}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| transport(Box::new(error)))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), limit)
            .collect()
            .await
            .map_err(transport)?
            .to_bytes();
        if status != StatusCode::OK {
            let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            return Err(Error::Http {
                url: shown.clone(),
                status: status.as_u16(),
                body: text,
            });
        }
        Ok(body)
    };
    within(timeout, || format!("HTTP response from {shown}"), exchange).await
}
