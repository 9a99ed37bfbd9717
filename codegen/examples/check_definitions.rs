//! Loads and validates a definitions folder and prints every diagnostic, without emitting
//! anything: the quickest way to check a definition you are writing.
//!
//! ```text
//! cargo run -p trueconf-api-codegen --example check_definitions -- schema
//! ```
//!
//! Exits 0 and prints the number of definitions when the folder is valid; otherwise prints
//! each error (file and JSON path) and exits 1.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let folder = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("schema"));
    match trueconf_api_codegen::load_model(&folder) {
        Ok(model) => {
            println!(
                "{}: {} definitions, all valid",
                folder.display(),
                model.definition_count()
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            ExitCode::FAILURE
        }
    }
}
