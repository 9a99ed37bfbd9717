//! Where criterion keeps its reports, for the benches that write their own summaries next to
//! them: shared by `benches/decode.rs`, `benches/client.rs` and `benches/fleet.rs`.

use std::path::{Path, PathBuf};

/// Criterion's output folder, chosen as criterion chooses it: `CRITERION_HOME`, else
/// `criterion` under `CARGO_TARGET_DIR`, else `target/criterion` of this crate.
pub fn criterion_dir() -> PathBuf {
    std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR").map(|dir| PathBuf::from(dir).join("criterion"))
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion"))
}
