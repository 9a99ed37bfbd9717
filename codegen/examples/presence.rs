//! Validates a definitions folder and prints the presence rules' verdict on every field:
//!
//! ```sh
//! cargo run -p trueconf-api-codegen --example presence -- schema            # problems only
//! cargo run -p trueconf-api-codegen --example presence -- schema --fields   # every field
//! ```
//!
//! With `--fields`, one line per field: file, JSON path, wire name, directions, what the docs
//! say, `required` or `optional`, and the reasons it must be optional.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(folder) = args.iter().find(|arg| !arg.starts_with("--")) else {
        eprintln!("usage: presence DEFINITIONS_DIR [--fields]");
        return ExitCode::from(2);
    };
    let model = match trueconf_api_codegen::load_model(Path::new(folder)) {
        Ok(model) => model,
        Err(problems) => {
            for problem in problems.iter() {
                println!("{problem}");
            }
            eprintln!("{} problems", problems.iter().count());
            return ExitCode::FAILURE;
        }
    };
    if args.iter().any(|arg| arg == "--fields") {
        for verdict in trueconf_api_codegen::presence::verdicts(&model) {
            let directions = match (verdict.directions.sent, verdict.directions.received) {
                (true, true) => "both",
                (true, false) => "sent",
                _ => "received",
            };
            let reasons: Vec<&str> = verdict.because.iter().map(|reason| reason.word()).collect();
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                verdict.file.display(),
                verdict.at,
                verdict.field.wire_name,
                directions,
                verdict.field.presence.doc.as_str(),
                if verdict.field.optional {
                    "optional"
                } else {
                    "required"
                },
                reasons.join(",")
            );
        }
    }
    eprintln!("ok: {} definitions", model.definition_count());
    ExitCode::SUCCESS
}
