//! Argument parsing and the subcommands. Exit codes: 0 success, 1 a checked message was
//! unknown or invalid, 2 usage or I/O error.

mod asyncapi;
mod check;
mod diff;
mod schema;

use std::path::PathBuf;

/// Exit code for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;

const HELP: &str = "\
trueconf-api — typed TrueConf Room / VideoSDK WebSocket API definitions

USAGE:
    trueconf-api schema [--out DIR] [--api 1|2]
        Export JSON Schema (draft 2020-12): DIR/requests/<method>.json,
        DIR/responses/<method>.json, DIR/notifications/<event>.json and the bundle
        DIR/trueconf-api.json with every type under $defs. Default DIR: jsonschema/
        --api N leaves out the messages and fields API version N does not have.

    trueconf-api check [FILE ...]
        Decode JSON Lines captures (one message per line; `-` or no FILE reads stdin).
        Prints `FILE:LINE: ok KIND NAME`, `… unknown KIND NAME` or `… error MESSAGE` per
        message and a summary on stderr. Exit 0 when every message is ok, 1 when any is
        unknown or an error, 2 on usage or I/O errors.

    trueconf-api asyncapi [--out FILE]
        Write one AsyncAPI 3.0 document for the WebSocket: a send operation per command with
        its reply (correlated by requestId), a receive operation per notification, payloads as
        JSON Schema draft-07. Default FILE: asyncapi.json

    trueconf-api diff [--format text|json|markdown] OLD_DIR NEW_DIR
    trueconf-api diff [--format text|json|markdown] --api OLD --api NEW [DIR]
        List every change between two definition folders, or between two API versions of
        one folder (DIR defaults to schema/), each with a stable id (rule@path), a level
        (breaking, warning, info) and the rule applied: request parameters are judged as
        data the client sends, response and notification fields as data it receives.
        Exit 0 when nothing breaking changed, 1 when something did, 2 on usage errors or
        definitions that do not load.

    trueconf-api help
";

/// Runs the command line; returns the exit code.
pub fn run(args: &[String]) -> u8 {
    let Some((command, rest)) = args.split_first() else {
        eprint!("{HELP}");
        return EXIT_USAGE;
    };
    match command.as_str() {
        "schema" => match parse_out_arg(rest, "jsonschema", "schema") {
            Ok((out, api)) => schema::run(&out, api),
            Err(message) => usage_error(&message),
        },
        "asyncapi" => match parse_out_arg(rest, "asyncapi.json", "asyncapi") {
            Ok((out, None)) => asyncapi::run(&out),
            Ok((_, Some(_))) => usage_error("`asyncapi` has no --api option"),
            Err(message) => usage_error(&message),
        },
        "check" => check::run(rest),
        "diff" => diff::run(rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            0
        }
        other => usage_error(&format!("unknown subcommand `{other}`")),
    }
}

/// The value of `--api`: an API version this crate knows.
fn parse_api(value: &str) -> Result<u8, String> {
    match value {
        "1" => Ok(1),
        "2" => Ok(2),
        other => Err(format!("--api takes 1 or 2, not `{other}`")),
    }
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}\n");
    eprint!("{HELP}");
    EXIT_USAGE
}

/// `[--out PATH] [--api N]` (also `-o PATH`, `--out=PATH`, `--api=N`) for `subcommand`, with
/// the default output path.
fn parse_out_arg(
    args: &[String],
    default: &str,
    subcommand: &str,
) -> Result<(PathBuf, Option<u8>), String> {
    let mut out = PathBuf::from(default);
    let mut api = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--api" => {
                let value = iter
                    .next()
                    .ok_or_else(|| "--api needs 1 or 2".to_string())?;
                api = Some(parse_api(value)?);
            }
            "--out" | "-o" => {
                out = iter
                    .next()
                    .map(PathBuf::from)
                    .ok_or_else(|| "--out needs a path".to_string())?;
            }
            other => {
                if let Some(value) = other.strip_prefix("--out=") {
                    out = PathBuf::from(value);
                } else if let Some(value) = other.strip_prefix("--api=") {
                    api = Some(parse_api(value)?);
                } else {
                    return Err(format!("unexpected argument `{other}` for `{subcommand}`"));
                }
            }
        }
    }
    Ok((out, api))
}
