//! The command line (parsed by clap) and the subcommands. Exit codes: 0 success, 1 a checked
//! message was unknown or invalid (or `diff` found a breaking change), 2 usage or I/O error.

mod asyncapi;
mod check;
mod definitions;
mod diff;
mod mock_room;
mod proxy;
mod schema;
mod schemas;

use clap::{Parser, Subcommand};

/// Exit code for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;

/// Typed TrueConf Room / VideoSDK WebSocket API definitions.
///
/// JSON Schema and AsyncAPI export, checks of captured traffic, the changes between two
/// versions of the definitions, a mock Room, and a proxy that checks a real Room's traffic.
#[derive(Debug, Parser)]
#[command(name = "trueconf-api", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Export JSON Schema (draft 2020-12) of every message.
    ///
    /// One file per request, response and notification, and a bundle with every type under
    /// $defs.
    Schema(schema::Args),
    /// Write one AsyncAPI 3.0 document for the WebSocket.
    ///
    /// A send operation per command with its reply (correlated by requestId), a receive
    /// operation per notification, payloads as JSON Schema draft-07.
    Asyncapi(asyncapi::Args),
    /// Check captured traffic (JSON Lines) against the definitions.
    ///
    /// One verdict per message, a summary on stderr. Exit 0 when every message is ok, 1 when
    /// any is unknown or an error, 2 on usage or I/O errors.
    Check(check::Args),
    /// List what changed between two versions of the definitions.
    ///
    /// Two definition folders, or two API versions of one folder; each change has a stable
    /// id, a level and the rule that classified it by what it does to clients. Exit 1 when
    /// something breaks clients.
    Diff(diff::Args),
    /// Write the bundled definitions into a folder.
    ///
    /// The starting point for describing a Room newer than this crate: edit them, then
    /// regenerate bindings in your build.rs, or point the other subcommands at the folder.
    Definitions(definitions::Args),
    /// Run a mock TrueConf Room until SIGINT or SIGTERM.
    ///
    /// Serves /public/default/config.json on the HTTP port and the API on the WebSocket port,
    /// answering every typed command with its documented example (or, with --replay, from a
    /// recorded session), bounded whatever its clients do. The first line on stdout holds
    /// http://HOST:PORT and ws://HOST:PORT.
    MockRoom(mock_room::Args),
    /// Relay clients to a real Room, recording and checking every message.
    ///
    /// Passes HTTP and WebSocket traffic between any client (the Room's web UI, TrueConf's
    /// clients, an app) and the Room unchanged, except for the ports in config.json, which
    /// point at the proxy. Prints a verdict per message (as check does) and a summary on
    /// stderr when it stops (SIGINT, SIGTERM or --exit-after). The first line on stdout holds
    /// http://ADDR:PORT and ws://ADDR:PORT. Exit 0 when every message was ok, 1 when any was
    /// unknown or an error, 2 on usage or I/O errors.
    #[command(
        after_long_help = "Example: check the Room at 192.168.1.20 with its own web UI:\n\n  \
        trueconf-api proxy --room 192.168.1.20:8765 --listen 127.0.0.1:9000 --record session.jsonl\n\n\
        then open http://127.0.0.1:9000/ in a browser (or point an app that reads config.json at \
        127.0.0.1:9000), use it, and stop the proxy with Ctrl-C. The guide, the recording's \
        format and the limits: the trueconf_api::proxy docs."
    )]
    Proxy(proxy::Args),
}

/// Parses the command line and runs the subcommand; returns the exit code. Usage errors
/// (unknown options, bad values, `--help`, `--version`) are printed and exit by clap, with
/// code 2 for errors.
pub fn run() -> u8 {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema(args) => schema::run(&args),
        Command::Asyncapi(args) => asyncapi::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Definitions(args) => definitions::run(&args),
        Command::MockRoom(args) => mock_room::run(&args),
        Command::Proxy(args) => proxy::run(&args),
    }
}

/// `--api`: an API version this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiVersion {
    /// API v.1 (TrueConf Room 4.3 and later).
    #[value(name = "1")]
    V1,
    /// API v.2 (TrueConf Room 5.0 and later).
    #[value(name = "2")]
    V2,
}

impl ApiVersion {
    /// The version number.
    pub fn number(self) -> u8 {
        match self {
            ApiVersion::V1 => 1,
            ApiVersion::V2 => 2,
        }
    }
}

/// Loads and validates the definitions folder `--definitions` names, with the same loader and
/// validator the build script uses. A folder that does not load is a usage error: its problems
/// are printed (`file: $.json.path: problem`) and the exit code is returned.
fn load_definitions(folder: &std::path::Path) -> Result<trueconf_api_codegen::model::Model, u8> {
    trueconf_api_codegen::load_model(folder).map_err(|problems| {
        eprintln!(
            "error: the definitions in {} have problems:",
            folder.display()
        );
        for problem in problems.iter() {
            eprintln!("  {problem}");
        }
        EXIT_USAGE
    })
}

/// The async runtime of the subcommands that serve (`mock-room`, `proxy`): two worker
/// threads. A failure to start it is printed and is the exit code.
fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| {
            eprintln!("error: cannot start the async runtime: {error}");
            EXIT_USAGE
        })
}

/// A usage error found after parsing (a combination clap cannot express), printed the way
/// clap prints its own, exit 2.
fn usage_error(message: impl std::fmt::Display) -> u8 {
    use clap::CommandFactory;
    let error = Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message);
    let _ = error.print();
    EXIT_USAGE
}
