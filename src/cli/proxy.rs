//! `proxy`: runs `trueconf_api::proxy` between clients and a Room until SIGINT, SIGTERM or
//! `--exit-after`.
//!
//! The first line on stdout names where it listens (`http://ADDR:PORT` first, then
//! `ws://ADDR:PORT`) and is flushed at once, so a script that starts it on port 0 can read it;
//! a line per message follows (unless `--quiet`), and the summary goes to stderr at the end.

use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;

use trueconf_api::check::Checker;
use trueconf_api::folder::FolderDecoder;
use trueconf_api::proxy::{Proxy, DEFAULT_ROOM_HTTP_PORT};

use super::EXIT_USAGE;

/// `proxy --room HOST[:HTTP_PORT] [--listen ADDR:PORT] [--record FILE.jsonl] [--definitions DIR] …`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Room's web server, where its config.json is: HOST or HOST:HTTP_PORT (an IPv6
    /// address in brackets); port 8765 when left out.
    #[arg(long, value_name = "HOST[:HTTP_PORT]")]
    room: String,
    /// Where to listen for the Room's web server (config.json, the web UI); port 0 picks a
    /// free one. The WebSocket and built-in HTTP server listeners take the same address.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR:PORT")]
    listen: String,
    /// The port to listen on for the Room's WebSocket (announced in the rewritten
    /// config.json); 0 picks a free one.
    #[arg(long, default_value_t = 0, value_name = "PORT")]
    ws_port: u16,
    /// The Room's WebSocket port, instead of reading it from the Room's config.json.
    #[arg(long, value_name = "PORT")]
    room_ws: Option<u16>,
    /// The port of the Room's built-in HTTP server (frames, files), instead of reading it
    /// from the Room's config.json.
    #[arg(long, value_name = "PORT")]
    room_files: Option<u16>,
    /// Write every message and connection event to this file, one JSON object per line (the
    /// format `mock-room --replay` reads; see the `trueconf_api::proxy` docs).
    #[arg(long, value_name = "FILE.jsonl")]
    record: Option<PathBuf>,
    /// Check against the definitions in this folder instead of the ones the tool was built
    /// from; no Rust is compiled. A folder that does not validate is a usage error.
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
    /// The largest message read from either side; a larger one ends its connection.
    #[arg(long, default_value_t = 64 << 20, value_name = "BYTES")]
    max_message_size: usize,
    /// Stop once this many WebSocket connections have ended (for scripts and tests).
    #[arg(long, value_name = "N")]
    exit_after: Option<u64>,
    /// Print no line per message: the first line and the summary only.
    #[arg(long)]
    quiet: bool,
}

/// Starts the proxy and relays until a signal or `--exit-after`; returns the exit code.
pub fn run(args: &Args) -> u8 {
    let (host, port) = match parse_room(&args.room) {
        Ok(room) => room,
        Err(problem) => return super::usage_error(format!("--room {}: {problem}", args.room)),
    };
    let checker = match &args.definitions {
        None => Checker::Compiled,
        Some(folder) => match super::load_definitions(folder) {
            Ok(model) => Checker::Folder(Box::new(FolderDecoder::new(&model))),
            Err(code) => return code,
        },
    };
    let record = match &args.record {
        None => None,
        Some(path) => match File::create(path) {
            Ok(file) => Some(file),
            Err(error) => {
                eprintln!("error: cannot create {}: {error}", path.display());
                return EXIT_USAGE;
            }
        },
    };
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let mut builder = Proxy::builder(host, port)
        .listen(args.listen.as_str())
        .ws_port(args.ws_port)
        .checker(checker)
        .max_message_size(args.max_message_size);
    if let Some(port) = args.room_ws {
        builder = builder.room_ws_port(port);
    }
    if let Some(port) = args.room_files {
        builder = builder.room_files_port(port);
    }
    if let Some(file) = record {
        builder = builder.record(file);
    }
    if !args.quiet {
        builder = builder.report(std::io::stdout());
    }
    runtime.block_on(async {
        let proxy = match builder.start().await {
            Ok(proxy) => proxy,
            Err(error) => {
                eprintln!("error: {error}");
                return EXIT_USAGE;
            }
        };
        let mut stdout = std::io::stdout().lock();
        let files = if proxy.files_addr() == proxy.http_addr() || proxy.files_addr() == proxy.ws_addr() {
            String::new()
        } else {
            format!(
                " (files http://{} for {})",
                proxy.files_addr(),
                proxy.room_files_url()
            )
        };
        let announced = writeln!(
            stdout,
            "proxy: {} {}{files} for the Room at {} {} (config: {}{})",
            proxy.http_url(),
            proxy.ws_url(),
            proxy.room_http_url(),
            proxy.room_ws_url(),
            proxy.http_url(),
            trueconf_api::proxy::CONFIG_PATH,
        )
        .and_then(|()| stdout.flush());
        drop(stdout);
        if let Err(error) = announced {
            eprintln!("error: cannot write to stdout: {error}");
            return EXIT_USAGE;
        }
        let why = match args.exit_after {
            Some(count) => tokio::select! {
                signal = super::mock_room::wait_for_signal() => signal.to_string(),
                () = proxy.wait_for_closed(count) => format!("{count} connection{} ended", if count == 1 { "" } else { "s" }),
            },
            None => super::mock_room::wait_for_signal().await.to_string(),
        };
        eprintln!("proxy: {why}, stopping");
        let summary = proxy.shutdown().await;
        eprint!("{summary}");
        if summary.recording_failed.is_some() {
            EXIT_USAGE
        } else if summary.all_ok() {
            0
        } else {
            1
        }
    })
}

/// `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT` or a bare IPv6 address: the host and the
/// HTTP port.
fn parse_room(room: &str) -> Result<(String, u16), String> {
    let port = |text: &str| {
        text.parse::<u16>()
            .ok()
            .filter(|&port| port != 0)
            .ok_or_else(|| format!("{text:?} is not a port"))
    };
    let (host, port) = if let Some(rest) = room.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "an IPv6 address without its closing bracket".to_string())?;
        match after.strip_prefix(':') {
            Some(number) => (host, port(number)?),
            None if after.is_empty() => (host, DEFAULT_ROOM_HTTP_PORT),
            None => return Err(format!("{after:?} after the address")),
        }
    } else {
        match room.split_once(':') {
            Some((host, number)) if !number.contains(':') => (host, port(number)?),
            // No colon, or a bare IPv6 address.
            _ => (room, DEFAULT_ROOM_HTTP_PORT),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::parse_room;

    #[test]
    fn room_addresses() {
        let ok = |text: &str, host: &str, port: u16| {
            assert_eq!(parse_room(text), Ok((host.to_string(), port)), "{text}");
        };
        ok("192.168.1.20", "192.168.1.20", 8765);
        ok("room.local:80", "room.local", 80);
        ok("[::1]:9000", "::1", 9000);
        ok("[::1]", "::1", 8765);
        ok("fe80::1", "fe80::1", 8765);
        for bad in [
            "",
            ":80",
            "room:x",
            "room:0",
            "[::1",
            "[::1]x",
            "room:70000",
        ] {
            assert!(parse_room(bad).is_err(), "{bad}");
        }
    }
}
