//! Regenerates the bindings from this crate's own copy of the definitions (`definitions/`,
//! written by `trueconf-api definitions --out definitions` and then edited for a newer Room),
//! exactly as the README tells a user to.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=definitions");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        eprintln!("error: OUT_DIR is not set; run through cargo");
        return ExitCode::FAILURE;
    };
    let out_dir = PathBuf::from(out_dir);
    let builder = trueconf_api_codegen::Builder::new().definitions("definitions");
    // The same definitions twice: everything, and without the client tier (a faster build for
    // a user who only needs what the doc pages describe).
    let generated = builder
        .clone()
        .output(out_dir.join("trueconf_bindings.rs"))
        .generate()
        .and_then(|_| {
            builder
                .client_tier(false)
                .output(out_dir.join("documented_only.rs"))
                .generate()
        });
    match generated {
        Ok(_) => ExitCode::SUCCESS,
        Err(problems) => {
            eprintln!("error: the definitions have problems:\n{problems}");
            ExitCode::FAILURE
        }
    }
}
