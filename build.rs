//! Generates the bindings from `schema/` into `OUT_DIR` on every change of a definition
//! (or of `TRUECONF_API_VERSION`, which limits them to one API version).
//! Problems in the definitions stop the build with `file: $.json.path: message` lines.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=schema");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TRUECONF_API_VERSION");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        eprintln!("error: OUT_DIR is not set; run through cargo");
        return ExitCode::FAILURE;
    };
    let out_dir = PathBuf::from(out_dir);
    // The definitions themselves, for `trueconf-api definitions --out DIR` (only the binary
    // includes this list; the library does not).
    if let Err(message) = write_bundle(Path::new("schema"), &out_dir.join("bundled_definitions.rs"))
    {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let output = out_dir.join("trueconf_api.rs");
    // The crate's own bindings name the runtime `crate`, and carry the schemars and proptest
    // impls exactly when the crate's features that provide those crates are on.
    let feature = |name: &str| std::env::var_os(format!("CARGO_FEATURE_{name}")).is_some();
    let mut builder = trueconf_api_codegen::Builder::new()
        .definitions("schema")
        .output(&output)
        .runtime("crate")
        .json_schema(feature("SCHEMARS"))
        .proptest(feature("PROPTEST"))
        .client_tier(feature("CLIENT_TIER"));
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

/// Writes `BUNDLED_DEFINITIONS`: every file of the definitions folder (the definition files,
/// the catalogue, the format's schema and README, the evidence index) as
/// `(relative path, include_str!)`.
fn write_bundle(root: &Path, output: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    // The folder itself (catalogue, format schema, README), the definition sub-folders, then
    // the evidence index, which `definitions --out` writes so that the folder it makes is
    // checked against it like schema/ is.
    let folders = std::iter::once("")
        .chain(trueconf_api_codegen::load::FOLDERS)
        .chain([trueconf_api_codegen::load::EVIDENCE_FOLDER]);
    for folder in folders {
        let dir = root.join(folder);
        let entries = std::fs::read_dir(&dir)
            .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|error| error.to_string())?.path();
            let keep = path.is_file()
                && path
                    .extension()
                    .is_some_and(|extension| extension == "json" || extension == "md");
            if keep {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut code = String::from(
        "/// The definitions this tool was built from, as (path in the folder, content).\n\
         pub static BUNDLED_DEFINITIONS: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        let relative = path
            .strip_prefix(root)
            .map_err(|error| error.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        let absolute = std::fs::canonicalize(path).map_err(|error| error.to_string())?;
        code.push_str(&format!(
            "    ({relative:?}, include_str!({:?})),\n",
            absolute.to_string_lossy()
        ));
    }
    code.push_str("];\n");
    trueconf_api_codegen::write_if_changed(output, &code).map(|_| ())
}
