//! `mock-room`: runs a mock TrueConf Room (`trueconf_api::mock`) until SIGINT or SIGTERM.
//!
//! The first line on stdout names both ports, `http://HOST:PORT` and `ws://HOST:PORT`, and is
//! flushed at once, so a script that starts it on port 0 can read where it listens.

use std::io::Write as _;
use std::time::Duration;

use trueconf_api::mock::{defaults, MockRoom, Protection, Recording};

use super::EXIT_USAGE;

/// `mock-room [--host H] [--port HTTP_PORT] [--ws-port PORT] [--pin PIN | --password P]` and
/// the limits that keep it bounded whatever its clients do.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST")]
    host: String,
    /// The HTTP port, where `/public/default/config.json` and `/frames/` are served; 0 picks a
    /// free port.
    #[arg(long, default_value_t = 0, value_name = "HTTP_PORT")]
    port: u16,
    /// The WebSocket port (announced in config.json); 0 picks a free port.
    #[arg(long, default_value_t = 0, value_name = "PORT")]
    ws_port: u16,
    /// Protect control with this PIN (auth must send it as credentials).
    #[arg(long, value_name = "PIN", conflicts_with = "password")]
    pin: Option<String>,
    /// Protect control with this password (auth must send it as credentials).
    #[arg(long, value_name = "PASSWORD")]
    password: Option<String>,
    /// Close a connection that has not finished its WebSocket handshake (or sent an HTTP
    /// request's head) within this many seconds.
    #[arg(long, value_name = "SECONDS", value_parser = seconds,
          default_value_t = defaults::HANDSHAKE_TIMEOUT.as_secs_f64())]
    handshake_timeout: f64,
    /// Close a WebSocket connection that has not authorized within this many seconds (close
    /// code 1008, with a reason that says so).
    #[arg(long, value_name = "SECONDS", value_parser = seconds,
          default_value_t = defaults::AUTH_TIMEOUT.as_secs_f64())]
    auth_timeout: f64,
    /// At most this many connections open at once on each port, handshakes included; one
    /// more is closed as soon as it is accepted.
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_CONNECTIONS as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// At most this many bytes wait to be sent to one connection. Its own answers wait for
    /// room (it is no longer read meanwhile); notifications that do not fit are dropped for
    /// it alone, counted, and logged.
    #[arg(long, value_name = "BYTES", default_value_t = defaults::SEND_QUEUE as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    send_queue: u64,
    /// A notification pushed with POST /mock/notify waits this many seconds at most for room
    /// in a connection's full send queue; a connection that made it wait that long loses it,
    /// and the next ones at once until its queue has room again.
    #[arg(long, value_name = "SECONDS", value_parser = seconds,
          default_value_t = defaults::SEND_TIMEOUT.as_secs_f64())]
    send_timeout: f64,
    /// The largest message taken or sent, in bytes: a larger incoming message or frame
    /// closes the connection (close code 1009); a larger outgoing one is dropped. It also caps
    /// each connection's WebSocket write buffer.
    #[arg(long, value_name = "BYTES", default_value_t = defaults::MAX_MESSAGE_SIZE as u64,
          value_parser = clap::value_parser!(u64).range(1024..))]
    max_message_size: u64,
    /// Answer requests from a recording of `trueconf-api proxy --record` (JSON Lines) instead
    /// of the documented examples: each request gets the recorded answer to the same method
    /// and parameters, with the recorded notifications around it; auth too.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["pin", "password"])]
    replay: Option<std::path::PathBuf>,
}

/// A count or a size as the library takes it (beyond `usize`: the largest).
fn size(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A number of seconds, 0 or more (a fraction allowed).
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if Duration::try_from_secs_f64(seconds).is_ok() => Ok(seconds),
        _ => Err(format!("`{text}` is not a number of seconds (0 or more)")),
    }
}

/// Starts the mock Room and serves until a signal; returns the exit code.
pub fn run(args: &Args) -> u8 {
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(serve(args))
}

async fn serve(args: &Args) -> u8 {
    let protection = match (&args.pin, &args.password) {
        (Some(pin), _) => Protection::Pin(pin.clone()),
        (None, Some(password)) => Protection::Password(password.clone()),
        (None, None) => Protection::Unsecured,
    };
    let mut builder = MockRoom::builder();
    if let Some(path) = &args.replay {
        match Recording::read(path) {
            Ok(recording) => {
                eprintln!(
                    "mock Room: replaying {} ({} messages, {} connections)",
                    path.display(),
                    recording.messages(),
                    recording.connections()
                );
                builder = builder.replay(recording);
            }
            Err(error) => {
                eprintln!("error: {error}");
                return EXIT_USAGE;
            }
        }
    }
    let room = match builder
        .host(args.host.as_str())
        .http_port(args.port)
        .ws_port(args.ws_port)
        .protection(protection)
        .handshake_timeout(Duration::from_secs_f64(args.handshake_timeout))
        .auth_timeout(Duration::from_secs_f64(args.auth_timeout))
        .max_connections(size(args.max_connections))
        .send_queue(size(args.send_queue))
        .send_timeout(Duration::from_secs_f64(args.send_timeout))
        .max_message_size(size(args.max_message_size))
        .start()
        .await
    {
        Ok(room) => room,
        Err(error) => {
            eprintln!(
                "error: cannot listen on {} (ports {} and {}): {error}",
                args.host, args.port, args.ws_port
            );
            return EXIT_USAGE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let announced = writeln!(
        stdout,
        "mock Room: {} {} (config: {}/public/default/config.json)",
        room.http_url(),
        room.ws_url(),
        room.http_url()
    )
    .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = announced {
        eprintln!("error: cannot write to stdout: {error}");
        return EXIT_USAGE;
    }
    let signal = wait_for_signal().await;
    eprintln!("mock Room: {signal}, stopping");
    room.shutdown();
    0
}

/// Waits for SIGINT or SIGTERM (Ctrl-C elsewhere); names the one that came.
pub(super) async fn wait_for_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
