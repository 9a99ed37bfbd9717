//! Generates the bindings from `schema/` into `OUT_DIR` on every change of a definition
//! (or of `TRUECONF_API_VERSION`, which limits them to one API version).
//! Problems in the definitions stop the build with `file: $.json.path: message` lines.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=schema");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TRUECONF_API_VERSION");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        eprintln!("error: OUT_DIR is not set; run through cargo");
        return ExitCode::FAILURE;
    };
    let output = PathBuf::from(out_dir).join("trueconf_api.rs");
    let mut builder = trueconf_api_codegen::Builder::new()
        .definitions("schema")
        .output(&output);
    // TRUECONF_API_VERSION=1 (or 2) generates only what that API version has.
    match std::env::var("TRUECONF_API_VERSION").ok().as_deref() {
        None | Some("") => {}
        Some(version) => match version.parse::<u8>() {
            Ok(version) => builder = builder.api_version(version),
            Err(_) => {
                eprintln!("error: TRUECONF_API_VERSION must be 1 or 2, not `{version}`");
                return ExitCode::FAILURE;
            }
        },
    }
    match builder.generate() {
        Ok(_) => ExitCode::SUCCESS,
        Err(problems) => {
            eprintln!("error: the API definitions in schema/ have problems:");
            for problem in problems.iter() {
                eprintln!("  {problem}");
            }
            ExitCode::FAILURE
        }
    }
}
