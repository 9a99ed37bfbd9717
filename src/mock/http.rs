//! The HTTP side of the mock (hyper): `config.json`, frames, and the out-of-process push.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use super::{RoomState, Slot, HTTP};

/// The largest body `POST /mock/notify` takes.
const MAX_PUSH_BODY: usize = 1 << 20;

/// The most messages one `POST /mock/notify` may ask for.
const MAX_PUSH_COUNT: usize = 10_000_000;

/// A 1×1 grey baseline JPEG, what `/frames/` serves.
pub(super) const FRAME_JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08, 0x07, 0x07,
    0x07, 0x09, 0x09, 0x08, 0x0A, 0x0C, 0x14, 0x0D, 0x0C, 0x0B, 0x0B, 0x0C, 0x19, 0x12, 0x13, 0x0F,
    0x14, 0x1D, 0x1A, 0x1F, 0x1E, 0x1D, 0x1A, 0x1C, 0x1C, 0x20, 0x24, 0x2E, 0x27, 0x20, 0x22, 0x2C,
    0x23, 0x1C, 0x1C, 0x28, 0x37, 0x29, 0x2C, 0x30, 0x31, 0x34, 0x34, 0x34, 0x1F, 0x27, 0x39, 0x3D,
    0x38, 0x32, 0x3C, 0x2E, 0x33, 0x34, 0x32, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01,
    0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x1F, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    0x07, 0x08, 0x09, 0x0A, 0x0B, 0xFF, 0xC4, 0x00, 0xB5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02,
    0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7D, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11,
    0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91,
    0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09,
    0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x34, 0x35, 0x36, 0x37,
    0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57,
    0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96,
    0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4,
    0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2,
    0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
    0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFF, 0xDA, 0x00, 0x08,
    0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0xD2, 0xCF, 0x20, 0xFF, 0xD9,
];

/// Serves HTTP/1.1 connections until the task is aborted (which aborts every connection):
/// at most `max_connections` at once, each with `handshake_timeout` to send a request's head.
pub(super) async fn serve(listener: TcpListener, room: Arc<RoomState>) {
    super::accept_each(listener, room, HTTP, |stream, _, slot| {
        connection(stream, slot)
    })
    .await;
}

async fn connection(stream: tokio::net::TcpStream, slot: Slot) {
    let room = Arc::clone(&slot.room);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(room.limits.handshake());
    let service = service_fn(move |request| handle(Arc::clone(&room), request));
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    if let Err(error) = connection.await {
        tracing::debug!(%error, "mock Room: HTTP connection ended with an error");
    }
}

type Reply = Response<Full<Bytes>>;

async fn handle(room: Arc<RoomState>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let path = request.uri().path().to_string();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    tracing::debug!(method = %request.method(), path, "mock Room: HTTP request");
    let reply = match (request.method(), path.as_str()) {
        (&Method::GET, "/public/default/config.json") => reply(
            StatusCode::OK,
            JSON,
            json!({
                "config": {
                    "http": { "port": room.http_port },
                    "websocket": { "port": room.ws_port }
                }
            })
            .to_string(),
        ),
        (&Method::GET, "/frames/" | "/frames") => match (param("peerId"), param("token")) {
            (Some(peer_id), Some(token)) if room.http_token_valid(&token) => {
                room.record_frame(peer_id);
                reply(StatusCode::OK, "image/jpeg", FRAME_JPEG)
            }
            (Some(_), _) => reply(StatusCode::FORBIDDEN, TEXT, "invalid or expired token"),
            (None, _) => reply(StatusCode::BAD_REQUEST, TEXT, "peerId is required"),
        },
        (&Method::POST, "/mock/notify") => {
            let count = match param("count").map(|count| count.parse::<usize>()) {
                None => Ok(1),
                Some(Ok(count)) if count <= MAX_PUSH_COUNT => Ok(count),
                Some(_) => Err(format!("count must be a number up to {MAX_PUSH_COUNT}")),
            };
            let collect = Limited::new(request.into_body(), MAX_PUSH_BODY).collect();
            let body = match room.limits.handshake() {
                Some(limit) => tokio::time::timeout(limit, collect).await,
                None => Ok(collect.await),
            };
            let body = match body {
                Ok(body) => body.map(|collected| collected.to_bytes()),
                Err(_) => {
                    return Ok(reply(
                        StatusCode::REQUEST_TIMEOUT,
                        TEXT,
                        "the body did not arrive in time",
                    ))
                }
            };
            match (count, body) {
                (Ok(count), Ok(body)) => match serde_json::from_slice::<Value>(&body) {
                    Ok(message) => {
                        let times = u64::try_from(count).unwrap_or(u64::MAX);
                        let delivery = room.push(super::wire_text(&message), times).await;
                        let pushed = json!({
                            "pushed": count,
                            "connections": delivery.queued,
                            "full": delivery.full,
                        });
                        reply(StatusCode::OK, JSON, pushed.to_string())
                    }
                    Err(error) => reply(
                        StatusCode::BAD_REQUEST,
                        TEXT,
                        format!("the body is not JSON: {error}"),
                    ),
                },
                (Err(problem), _) => reply(StatusCode::BAD_REQUEST, TEXT, problem),
                (_, Err(_)) => reply(StatusCode::PAYLOAD_TOO_LARGE, TEXT, "body too large"),
            }
        }
        // A network blip or a Room restart, for a client in another process.
        (&Method::POST, "/mock/drop") => {
            let dropped = room.drop_sessions();
            reply(
                StatusCode::OK,
                JSON,
                json!({ "dropped": dropped }).to_string(),
            )
        }
        _ => reply(StatusCode::NOT_FOUND, TEXT, "not found"),
    };
    Ok(reply)
}

/// The content type of a JSON reply.
const JSON: &str = "application/json";

/// The content type of a plain-text reply (errors).
const TEXT: &str = "text/plain; charset=utf-8";

/// A reply with `status`, the `Content-Type` `content_type` and `body`.
fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
    let mut reply = Response::new(Full::new(body.into()));
    *reply.status_mut() = status;
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    reply
}
