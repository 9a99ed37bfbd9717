//! `check`: decode captured traffic (JSON Lines) against the definitions, line by line, in
//! bounded memory. A bad line is reported and the next one is checked.
//!
//! Two checkers give the verdicts: the types this tool was compiled with, or (with
//! `--definitions DIR`) a definitions folder interpreted at run time by
//! [`trueconf_api::folder::FolderDecoder`]. Both route a message the same way and on the
//! crate's own definitions give the same verdicts (tests/folder_tools.rs).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;

use serde_json::{json, Value};
use trueconf_api::check::{Checker, Tally, Verdict};
use trueconf_api::folder::FolderDecoder;

use super::EXIT_USAGE;

/// `check [--format text|json] [--definitions DIR] [FILE ...]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON Lines captures, one message per line; `-` (or none) reads stdin.
    #[arg(value_name = "FILE")]
    files: Vec<String>,
    /// `text`: `FILE:LINE: ok KIND NAME` and the like. `json`: one object per message with
    /// file, line, verdict, kind, name, unknownFields, error and path, for CI pipelines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Check against the definitions in this folder (as `definitions --out` writes them, then
    /// edited) instead of the ones the tool was built from; no Rust is compiled. A folder
    /// that does not validate is a usage error.
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
}

/// How each verdict is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One readable line per message.
    Text,
    /// One JSON object per line.
    Json,
}

/// Checks every file (stdin for `-` or when none is given); returns the exit code.
pub fn run(args: &Args) -> u8 {
    let checker = match &args.definitions {
        None => Checker::Compiled,
        Some(folder) => match super::load_definitions(folder) {
            Ok(model) => Checker::Folder(Box::new(FolderDecoder::new(&model))),
            Err(code) => return code,
        },
    };
    let stdin_only = [String::from("-")];
    let files = if args.files.is_empty() {
        &stdin_only[..]
    } else {
        &args.files[..]
    };
    let format = args.format;
    let mut tally = Tally::default();
    let mut io_errors = 0usize;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for file in files {
        let result = if file == "-" {
            let input = Input {
                label: "<stdin>",
                format,
                checker: &checker,
            };
            input.check(io::stdin().lock(), &mut out, &mut tally)
        } else {
            match File::open(file) {
                Ok(handle) => {
                    let input = Input {
                        label: file,
                        format,
                        checker: &checker,
                    };
                    input.check(BufReader::new(handle), &mut out, &mut tally)
                }
                Err(error) => Err(error),
            }
        };
        if let Err(error) = result {
            let _ = out.flush();
            eprintln!("{file}: cannot read: {error}");
            io_errors += 1;
        }
    }
    let _ = out.flush();
    eprintln!(
        "checked {} message{}: {tally}{}",
        tally.messages,
        if tally.messages == 1 { "" } else { "s" },
        if io_errors > 0 {
            format!(", {io_errors} unreadable inputs")
        } else {
            String::new()
        }
    );
    if io_errors > 0 {
        EXIT_USAGE
    } else if !tally.all_ok() {
        1
    } else {
        0
    }
}

/// One input (a file or stdin) and how to check and report it.
struct Input<'a> {
    label: &'a str,
    format: Format,
    checker: &'a Checker,
}

impl Input<'_> {
    fn check(
        &self,
        mut reader: impl BufRead,
        out: &mut impl Write,
        tally: &mut Tally,
    ) -> io::Result<()> {
        let mut line = Vec::new();
        let mut number = 0usize;
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            number += 1;
            let trimmed = trim_line(&line);
            if trimmed.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let verdict = self.checker.check(trimmed);
            tally.add(&verdict);
            match self.format {
                Format::Text => writeln!(out, "{}:{number}: {verdict}", self.label)?,
                Format::Json => writeln!(out, "{}", to_json(&verdict, self.label, number))?,
            }
        }
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The verdict as one JSON object (`--format json`): `file` and `line`, then the verdict's
/// own keys.
fn to_json(verdict: &Verdict, file: &str, line: usize) -> Value {
    let mut object = json!({ "file": file, "line": line });
    if let Value::Object(map) = &mut object {
        verdict.append_json(map);
    }
    object
}
