//! `mock-room`: runs a mock TrueConf Room (`trueconf_api::mock`) until SIGINT or SIGTERM.
//!
//! The first line on stdout names both ports, `http://HOST:PORT` and `ws://HOST:PORT`, and is
//! flushed at once, so a script that starts it on port 0 can read where it listens.

use std::io::Write as _;

use trueconf_api::mock::{MockRoom, Protection};

use super::EXIT_USAGE;

/// `mock-room [--host H] [--port HTTP_PORT] [--ws-port PORT] [--pin PIN | --password P]`.
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
    let room = match MockRoom::builder()
        .host(args.host.as_str())
        .http_port(args.port)
        .ws_port(args.ws_port)
        .protection(protection)
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
