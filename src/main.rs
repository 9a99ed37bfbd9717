//! `trueconf-api`: export JSON Schema for the TrueConf Room API, and check captured traffic
//! against the definitions. See `trueconf-api help`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(cli::run(&args))
}
