//! `trueconf-api`: export JSON Schema for the TrueConf Room API, check captured traffic against
//! the definitions, and list what changed between two versions of them. See
//! `trueconf-api --help`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(cli::run())
}
