//! Loads and validates a definitions folder and prints every problem, without generating
//! anything — the quick check while editing definitions:
//!
//! ```sh
//! cargo run -q -p trueconf-api-codegen --example validate -- schema
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let folder = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "schema".to_string());
    match trueconf_api_codegen::load_model(std::path::Path::new(&folder)) {
        Ok(model) => {
            println!(
                "{folder}: {} commands, {} notifications, {} types — no problems",
                model.commands.len(),
                model.notifications.len(),
                model.types.len()
            );
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for problem in problems.iter() {
                println!("{problem}");
            }
            ExitCode::FAILURE
        }
    }
}
