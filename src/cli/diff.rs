//! `diff`: what changed between two descriptions of the API — two definition folders, or two
//! API versions of one folder — with each change classified by what it does to clients
//! (the rules live in `trueconf_api_codegen::diff`).

use std::path::{Path, PathBuf};

use trueconf_api_codegen::diff;
use trueconf_api_codegen::model::Model;

use super::{ApiVersion, EXIT_USAGE};

/// Exit code when a breaking change was found.
const EXIT_BREAKING: u8 = 1;

/// The output form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable lines, one change each.
    Text,
    /// One JSON document, for CI.
    Json,
    /// A changelog.
    Markdown,
}

/// One side of the comparison: a folder, restricted to an API version or not.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Side {
    folder: PathBuf,
    api: Option<u8>,
}

impl Side {
    fn label(&self) -> String {
        match self.api {
            Some(version) => format!("{} (API v.{version})", self.folder.display()),
            None => self.folder.display().to_string(),
        }
    }

    fn load(&self) -> Result<Model, String> {
        let mut model = trueconf_api_codegen::load_model(&self.folder)
            .map_err(|problems| format!("{}:\n{problems}", self.folder.display()))?;
        if let Some(version) = self.api {
            model.restrict_to_api(version);
        }
        Ok(model)
    }
}

/// `diff [--format text|json|markdown] OLD_DIR NEW_DIR` or
/// `diff [--format …] --api OLD --api NEW [DIR]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output form.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// An API version to compare (give it twice, old then new, to compare two versions of one
    /// folder; once, to restrict both folders to it).
    #[arg(long, value_name = "VERSION", action = clap::ArgAction::Append)]
    api: Vec<ApiVersion>,
    /// OLD_DIR NEW_DIR, or the one folder compared across `--api` versions (default: schema).
    #[arg(value_name = "DIR")]
    folders: Vec<PathBuf>,
}

impl Args {
    /// The two sides, or what is wrong with the combination.
    fn sides(&self) -> Result<(Side, Side), String> {
        let apis: Vec<u8> = self.api.iter().map(|api| api.number()).collect();
        let (old_api, new_api) = match apis.as_slice() {
            [] => (None, None),
            [both] => (Some(*both), Some(*both)),
            [old, new] => (Some(*old), Some(*new)),
            _ => return Err("--api is given at most twice: the old side, then the new".into()),
        };
        let (old_folder, new_folder) = match self.folders.as_slice() {
            [old, new] => (old.clone(), new.clone()),
            [one] if apis.len() == 2 => (one.clone(), one.clone()),
            [] if apis.len() == 2 => (PathBuf::from("schema"), PathBuf::from("schema")),
            _ => {
                return Err(
                    "diff needs OLD and NEW definition folders, or `--api OLD --api NEW` \
                     and one folder (default: schema)"
                        .into(),
                )
            }
        };
        Ok((
            Side {
                folder: old_folder,
                api: old_api,
            },
            Side {
                folder: new_folder,
                api: new_api,
            },
        ))
    }
}

/// Runs `diff`; exit 0 when nothing breaking changed, 1 when something did, 2 on usage errors
/// or definitions that do not load.
pub fn run(args: &Args) -> u8 {
    let (old_side, new_side) = match args.sides() {
        Ok(sides) => sides,
        Err(message) => return super::usage_error(message),
    };
    let (old, new) = match (old_side.load(), new_side.load()) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(problem), _) | (_, Err(problem)) => {
            eprintln!("error: the definitions do not load: {problem}");
            return EXIT_USAGE;
        }
    };
    let report = diff::compare(&old, &new);
    let output = render(&report, args.format, &old_side, &new_side);
    print!("{output}");
    if report.has_breaking() {
        EXIT_BREAKING
    } else {
        0
    }
}

/// The report in the chosen form.
fn render(report: &diff::Report, format: Format, old_side: &Side, new_side: &Side) -> String {
    let (old, new) = (old_side.label(), new_side.label());
    match format {
        Format::Text => format!("{old} → {new}\n{}", report.to_text()),
        Format::Json => {
            let mut value = report.to_json();
            value["old"] = old.into();
            value["new"] = new.into();
            let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Markdown => report.to_markdown(
            &format!("API changes: {old} → {new}"),
            &changelog_preamble(old_side, new_side),
        ),
    }
}

/// The note at the top of a Markdown changelog: how it was made and how to remake it.
fn changelog_preamble(old: &Side, new: &Side) -> String {
    let mut command = String::from("cargo run --release --features cli -- diff");
    for side in [old, new] {
        if let Some(version) = side.api {
            command.push_str(&format!(" --api {version}"));
        }
    }
    if old.folder == new.folder {
        command.push_str(&format!(" {}", slash(&old.folder)));
    } else {
        command.push_str(&format!(" {} {}", slash(&old.folder), slash(&new.folder)));
    }
    command.push_str(" --format markdown");
    format!(
        "Generated from the definitions by `{command}`; do not edit by hand. Each change names \
         the rule that classified it (table at the end): a request parameter is judged as data \
         the client sends, a response or notification field as data it receives."
    )
}

/// A path with `/` separators, so the changelog reads the same on every OS.
fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Wrap {
        #[command(flatten)]
        args: Args,
    }

    fn parse(args: &[&str]) -> Result<(Side, Side, Format), String> {
        let wrap = Wrap::try_parse_from(std::iter::once("diff").chain(args.iter().copied()))
            .map_err(|error| error.to_string())?;
        let (old, new) = wrap.args.sides()?;
        Ok((old, new, wrap.args.format))
    }

    #[test]
    fn two_api_versions_of_one_folder() {
        let (old, new, _) = parse(&["--api", "1", "--api=2", "defs"]).expect("parses");
        assert_eq!(old.api, Some(1));
        assert_eq!(new.api, Some(2));
        assert_eq!(old.folder, PathBuf::from("defs"));
        assert_eq!(new.folder, PathBuf::from("defs"));
        let (default, _, _) = parse(&["--api", "1", "--api", "2"]).expect("parses");
        assert_eq!(default.folder, PathBuf::from("schema"));
    }

    #[test]
    fn two_folders_with_a_format() {
        let (old, new, format) = parse(&["old", "new", "--format", "json"]).expect("parses");
        assert_eq!(format, Format::Json);
        assert_eq!(old.api, None);
        assert_eq!(new.folder, PathBuf::from("new"));
    }

    #[test]
    fn bad_arguments_are_errors() {
        for bad in [
            &["only-one"][..],
            &["a", "b", "c"],
            &["--api", "3", "a", "b"],
            &["--format", "xml", "a", "b"],
            &["--api", "1", "--api", "2", "--api", "1"],
            &["--bogus", "a", "b"],
            &["a", "b", "--format"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be an error");
        }
    }
}
