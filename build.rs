//! Generates the bindings from `schema/` into `OUT_DIR` on every change of a definition.
//! Problems in the definitions stop the build with `file: $.json.path: message` lines.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=schema");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        eprintln!("error: OUT_DIR is not set; run through cargo");
        return ExitCode::FAILURE;
    };
    let output = PathBuf::from(out_dir).join("trueconf_api.rs");
    match trueconf_api_codegen::Builder::new()
        .definitions("schema")
        .output(&output)
        .generate()
    {
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
