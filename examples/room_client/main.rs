//! Receives a file on a TrueConf Room through its WebSocket API, end to end:
//! finds the WebSocket port in the Room's `config.json`, authorizes, lists the file-transfer
//! history and the incoming file requests (or waits for a new offer), accepts one and prints its
//! download progress until the Room reports it completed.
//!
//! ```sh
//! cargo run --example room_client -- HOST [HTTP_PORT] [--pin PIN | --password PASSWORD]
//! ```
//!
//! `HTTP_PORT` defaults to 8765. Without `--pin` or `--password` the connection is authorized
//! as unsecured.

#[allow(dead_code)] // shared with tests/mock_room.rs, which uses other parts of it
mod client;

use std::process::ExitCode;

use client::{Client, FlowEvent, FlowOptions, Login};

/// The Room's default HTTP port.
const DEFAULT_HTTP_PORT: u16 = 8765;

const USAGE: &str = "usage: room_client HOST [HTTP_PORT] [--pin PIN | --password PASSWORD]";

/// The command line.
struct Args {
    host: String,
    http_port: u16,
    login: Login,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut host = None;
    let mut http_port = None;
    let mut login = Login::Unsecured;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pin" | "--password" => {
                let credentials = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                login = Login::Secured { credentials };
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ if host.is_none() => host = Some(arg),
            _ if http_port.is_none() => {
                http_port = Some(
                    arg.parse::<u16>()
                        .map_err(|_| format!("HTTP_PORT must be a port number, not {arg:?}"))?,
                )
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Args {
        host: host.ok_or("HOST is missing")?,
        http_port: http_port.unwrap_or(DEFAULT_HTTP_PORT),
        login,
    })
}

fn print_event(event: &FlowEvent) {
    match event {
        FlowEvent::Authorized { privileges } => match privileges {
            Some(privileges) => println!("authorized (privileges {privileges})"),
            None => println!("authorized"),
        },
        FlowEvent::History(history) => {
            println!("file-transfer history: {} finished", history.len());
            for entry in history {
                println!(
                    "  {} ({} bytes) {}",
                    entry.file_name, entry.file_size, entry.file_request_id
                );
            }
        }
        FlowEvent::Incoming(incoming) => {
            println!("incoming file requests: {}", incoming.len());
            for request in incoming {
                println!(
                    "  {} ({} bytes) from {}: {:?} {}",
                    request.file_name,
                    request.size,
                    request.peer_id,
                    request.status,
                    request.file_request_id
                );
            }
        }
        FlowEvent::WaitingForOffer => println!("nothing awaits a reply; waiting for an offer…"),
        FlowEvent::Accepted(offer) => println!(
            "accepted {} ({} bytes) from {} [{:?}]",
            offer.file_name, offer.file_size, offer.peer_id, offer.source
        ),
        FlowEvent::AcceptanceConfirmed => println!("the Room confirms the acceptance"),
        FlowEvent::Progress { percent, file_size } => {
            println!("downloading: {percent:>3}% of {file_size} bytes")
        }
        FlowEvent::Status(status) => println!("status: {status:?}"),
        FlowEvent::Undecodable(error) => eprintln!("skipped a notification: {error}"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("{problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let url = match client::discover_ws_url(&args.host, args.http_port).await {
        Ok(url) => url,
        Err(error) => {
            eprintln!(
                "error: cannot read the Room's configuration from port {} of {}: {error}",
                args.http_port, args.host
            );
            return ExitCode::FAILURE;
        }
    };
    let result = async {
        println!("connecting to {url}");
        let client = Client::connect(&url).await?;
        let options = FlowOptions {
            login: args.login,
            ..FlowOptions::default()
        };
        let report = client::run_file_transfer_flow(&client, &options, print_event).await?;
        client.close().await;
        Ok::<_, client::ClientError>(report)
    }
    .await;
    match result {
        Ok(report) => {
            println!(
                "done: {} received ({} progress reports)",
                report.accepted.file_name,
                report.progress.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
