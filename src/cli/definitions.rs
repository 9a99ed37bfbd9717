//! `definitions`: writes the definitions this tool was built from into a folder, the starting
//! point for describing a newer Room (edit them, then `schema --definitions DIR`,
//! `check --definitions DIR`, `diff`, or regenerate bindings in your own build.rs).

use std::path::PathBuf;

use trueconf_api::mock::BUNDLED_DEFINITIONS;

use super::EXIT_USAGE;

/// `definitions --out DIR`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write `commands/`, `notifications/`, `types/` and the catalogue into.
    /// Existing files with the same names are overwritten; others are left alone.
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
}

/// Writes every bundled file under `--out`; returns the exit code.
pub fn run(args: &Args) -> u8 {
    for (relative, content) in BUNDLED_DEFINITIONS {
        let path = args.out.join(relative);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, content));
        if let Err(error) = written {
            eprintln!("error: cannot write {}: {error}", path.display());
            return EXIT_USAGE;
        }
    }
    println!(
        "wrote {} definition files to {}",
        BUNDLED_DEFINITIONS.len(),
        args.out.display()
    );
    0
}
