//! Writes the three decode corpora of `benches/decode.rs` as JSON Lines, each message in the
//! documented wire order, for the downstream harness (`scripts/downstream-decode.sh`): both
//! builds it compares then read the very same bytes.
//!
//! Usage: `decode-downstream-corpora SCHEMA_DIR OUT_DIR` writes `a.jsonl` (every documented
//! server→client example), `b.jsonl` (one history with 10,000 records) and `c.jsonl`
//! (100,000 progress and status notifications).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

#[path = "../../../support/corpora.rs"]
mod corpora;
#[path = "../../../../tests/common/wire_order.rs"]
mod wire_order;

fn write_lines(path: &Path, messages: &[Value]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for message in messages {
        let object = message.as_object().expect("every message is a JSON object");
        out.write_all(&wire_order::in_wire_order(object, false))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [schema, out] = args.as_slice() else {
        eprintln!("usage: decode-downstream-corpora SCHEMA_DIR OUT_DIR");
        std::process::exit(2);
    };
    let model =
        trueconf_api_codegen::load_model(schema).map_err(|problems| problems.to_string())?;
    std::fs::create_dir_all(out)?;
    write_lines(
        &out.join("a.jsonl"),
        &corpora::documented_server_examples(&model),
    )?;
    write_lines(&out.join("b.jsonl"), &[corpora::history_10000()])?;
    write_lines(&out.join("c.jsonl"), &corpora::progress_100000())?;
    Ok(())
}
