//! Receives a file on a TrueConf Room through `trueconf_api::client`, end to end: discovers
//! the Room from its `config.json`, authorizes, lists the file-transfer history and the
//! incoming file requests (or waits for a new offer), accepts one and follows its download
//! until the Room reports it completed.
//!
//! ```sh
//! cargo run --example room_client --features client -- HOST [HTTP_PORT] [--pin PIN | --password PASSWORD]
//! ```
//!
//! `HTTP_PORT` defaults to 8765; without `--pin` or `--password` the connection is authorized
//! as unsecured. Against the mock Room: `cargo run --features cli -- mock-room --pin 1234`
//! prints the port.

use std::process::ExitCode;
use std::time::Duration;

use trueconf_api::client::{Client, Credentials, DEFAULT_HTTP_PORT};
use trueconf_api::commands::{
    AcceptIncomingFileRequest, GetFileTransferHistory, GetIncomingFilesRequests,
};
use trueconf_api::notifications::{
    FileRequestStatusChanged, IncomingFileRequestDownloadingProgress, ReceivedFileRequest,
};
use trueconf_api::types::FileRequestStatus;

const USAGE: &str = "usage: room_client HOST [HTTP_PORT] [--pin PIN | --password PASSWORD]";

/// How long to wait for an offer when none is listed, and for each step of the download.
const WAIT: Duration = Duration::from_secs(60);

type Failure = Box<dyn std::error::Error>;

struct Args {
    host: String,
    http_port: u16,
    credentials: Credentials,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut host, mut http_port, mut credentials) = (None, None, Credentials::Unsecured);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pin" | "--password" => {
                let secret = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                credentials = match arg.as_str() {
                    "--pin" => Credentials::Pin(secret),
                    _ => Credentials::Password(secret),
                };
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ if host.is_none() => host = Some(arg),
            _ if http_port.is_none() => {
                let port = arg.parse().map_err(|_| format!("not a port: {arg:?}"))?;
                http_port = Some(port);
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Args {
        host: host.ok_or("HOST is missing")?,
        http_port: http_port.unwrap_or(DEFAULT_HTTP_PORT),
        credentials,
    })
}

async fn run(args: Args) -> Result<(), Failure> {
    let client = Client::builder()
        .host(args.host.as_str(), args.http_port)
        .credentials(args.credentials)
        .connect()
        .await?;
    if let Some(state) = client.app_state() {
        println!("connected; application state {:?}", state.app_state);
    }
    // Subscribed before asking, so nothing about the accepted request is missed.
    let mut offers = client.subscribe::<ReceivedFileRequest>();
    let mut progress = client.subscribe::<IncomingFileRequestDownloadingProgress>();
    let mut statuses = client.subscribe::<FileRequestStatusChanged>();

    let history = client.request(GetFileTransferHistory::new()).await?;
    println!(
        "file-transfer history: {} entries",
        history.files_requests.len()
    );
    let incoming = client.request(GetIncomingFilesRequests::new()).await?;
    println!(
        "incoming file requests: {}",
        incoming.incoming_files_requests.len()
    );
    let listed = incoming
        .incoming_files_requests
        .into_iter()
        .find(|request| request.status == FileRequestStatus::AwaitingReply);
    let (id, name) = match listed {
        Some(request) => (request.file_request_id, request.file_name),
        None => {
            println!("nothing awaits a reply; waiting for an offer…");
            let offer = tokio::time::timeout(WAIT, offers.recv())
                .await?
                .ok_or("the connection closed")??;
            (offer.file_request_id, offer.file_name)
        }
    };
    client
        .request(AcceptIncomingFileRequest::new(id.as_str()))
        .await?;
    println!("accepted {name} ({id})");

    loop {
        let next = tokio::time::timeout(WAIT, async {
            // Biased towards progress: the connection hands each notification to its stream as
            // it arrives, so every progress report sent before a status change is already
            // waiting when that change is read.
            tokio::select! {
                biased;
                step = progress.recv() => step.map(|step| step.map(|step| {
                    if step.file_request_id == id {
                        println!("downloading: {:>3}%", step.processed_percents);
                    }
                    None
                })),
                status = statuses.recv() => status.map(|status| status.map(|status| {
                    (status.file_request_id == id).then_some(status.status)
                })),
            }
        })
        .await?;
        match next.ok_or("the connection closed")? {
            Ok(Some(FileRequestStatus::Completed)) => break,
            Ok(Some(FileRequestStatus::Failed)) => return Err("the download failed".into()),
            Ok(Some(status)) => println!("status: {status:?}"),
            Ok(None) => {}
            // A notification that did not decode, or some dropped for falling behind: say so
            // and go on.
            Err(problem) => eprintln!("warning: {problem}"),
        }
    }
    println!("done: {name} received");
    client.close().await;
    Ok(())
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
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}`: the error and every cause after it, on one line.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
