//! Validates a definitions folder and prints the presence rules' verdict on every field:
//!
//! ```sh
//! cargo run -p trueconf-api-codegen --example presence -- schema                       # problems only
//! cargo run -p trueconf-api-codegen --example presence -- schema --fields              # every field
//! cargo run -p trueconf-api-codegen --example presence -- schema --fields --evidence   # and its evidence
//! ```
//!
//! With `--fields`, one line per field: file, JSON path, wire name, directions, what the docs
//! say, `required` or `optional`, the reasons it must be optional, and how many entries of the
//! evidence index (`evidence/`) say what (`pages:stated=3,example=1 clients:reads=2`; `-` when
//! the folder has no index). With `--evidence` as well, each entry follows on a line of its
//! own: what it says, the page or the client's file and line, and the condition if any.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use trueconf_api_codegen::evidence::{self, Index, SourceKind};
use trueconf_api_codegen::Diagnostics;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(folder) = args.iter().find(|arg| !arg.starts_with("--")) else {
        eprintln!("usage: presence DEFINITIONS_DIR [--fields [--evidence]]");
        return ExitCode::from(2);
    };
    let folder = Path::new(folder);
    let model = match trueconf_api_codegen::load_model(folder) {
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
        // The folder loaded, so its index (if any) is sound.
        let index = Index::load(folder, &mut Diagnostics::default());
        let per_field = index.as_ref().map(|index| index.per_field(&model));
        let list_entries = args.iter().any(|arg| arg == "--evidence");
        for verdict in trueconf_api_codegen::presence::verdicts(&model) {
            let directions = match (verdict.directions.sent, verdict.directions.received) {
                (true, true) => "both",
                (true, false) => "sent",
                _ => "received",
            };
            let reasons: Vec<&str> = verdict.because.iter().map(|reason| reason.word()).collect();
            let entries = per_field
                .as_ref()
                .and_then(|fields| {
                    fields.get(&(verdict.body.clone(), verdict.field.wire_name.clone()))
                })
                .map(Vec::as_slice)
                .unwrap_or_default();
            let summary = match &index {
                Some(index) => summary(index, entries),
                None => "-".to_string(),
            };
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
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
                reasons.join(","),
                summary
            );
            if let (true, Some(index)) = (list_entries, &index) {
                for entry in entries {
                    let source = index.source(entry);
                    let place = match &entry.place {
                        Some((file, line)) => format!("{} {file}:{line}", source.id),
                        None => source.url.clone(),
                    };
                    let condition = entry
                        .condition
                        .as_deref()
                        .map(|text| format!(" [{text}]"))
                        .unwrap_or_default();
                    println!(
                        "\t{}\t{}\t{place}{condition}",
                        entry.subject,
                        evidence::says_word(entry.says)
                    );
                }
            }
        }
    }
    eprintln!("ok: {} definitions", model.definition_count());
    ExitCode::SUCCESS
}

/// `pages:stated=3,example=1 clients:reads=2 captures:present=1`, kinds in that order.
fn summary(index: &Index, entries: &[&evidence::Entry]) -> String {
    let mut counts: BTreeMap<(u8, &str), usize> = BTreeMap::new();
    for entry in entries {
        let kind = match index.source(entry).kind {
            SourceKind::Page => 0,
            SourceKind::Client => 1,
            SourceKind::Capture => 2,
        };
        *counts
            .entry((kind, evidence::says_word(entry.says)))
            .or_default() += 1;
    }
    let mut parts: Vec<String> = Vec::new();
    for (kind, name) in [(0, "pages"), (1, "clients"), (2, "captures")] {
        let said: Vec<String> = counts
            .iter()
            .filter(|((of, _), _)| *of == kind)
            .map(|((_, says), count)| format!("{says}={count}"))
            .collect();
        if !said.is_empty() {
            parts.push(format!("{name}:{}", said.join(",")));
        }
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(" ")
    }
}
