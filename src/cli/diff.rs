//! `diff`: what changed between two descriptions of the API — two definition folders, or two
//! API versions of one folder — with each change classified by what it does to clients
//! (the rules live in `trueconf_api_codegen::diff`).

use std::path::{Path, PathBuf};

use trueconf_api_codegen::diff;
use trueconf_api_codegen::model::Model;

use super::EXIT_USAGE;

/// Exit code when a breaking change was found.
const EXIT_BREAKING: u8 = 1;

/// The output form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
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

/// `diff [--format text|json|markdown] [--api OLD [--api NEW]] OLD_DIR NEW_DIR` or
/// `diff --api OLD --api NEW [DIR]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Args {
    old: Side,
    new: Side,
    format: Format,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut folders = Vec::new();
    let mut apis = Vec::new();
    let mut format = Format::Text;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag {
            "--api" => apis.push(super::parse_api(&value("--api")?)?),
            "--format" => {
                format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    "markdown" => Format::Markdown,
                    other => {
                        return Err(format!(
                            "--format takes text, json or markdown, not `{other}`"
                        ))
                    }
                }
            }
            other if other.starts_with('-') && other != "-" => {
                return Err(format!("unexpected option `{other}` for `diff`"))
            }
            folder => folders.push(PathBuf::from(folder)),
        }
    }
    let (old_api, new_api) = match apis.as_slice() {
        [] => (None, None),
        [both] => (Some(*both), Some(*both)),
        [old, new] => (Some(*old), Some(*new)),
        _ => return Err("--api is given at most twice: the old side, then the new".into()),
    };
    let (old_folder, new_folder) = match folders.as_slice() {
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
    Ok(Args {
        old: Side {
            folder: old_folder,
            api: old_api,
        },
        new: Side {
            folder: new_folder,
            api: new_api,
        },
        format,
    })
}

/// Runs `diff`; exit 0 when nothing breaking changed, 1 when something did, 2 on usage errors
/// or definitions that do not load.
pub fn run(args: &[String]) -> u8 {
    let args = match parse(args) {
        Ok(args) => args,
        Err(message) => return super::usage_error(&message),
    };
    let (old, new) = match (args.old.load(), args.new.load()) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(problem), _) | (_, Err(problem)) => {
            eprintln!("error: the definitions do not load: {problem}");
            return EXIT_USAGE;
        }
    };
    let report = diff::compare(&old, &new);
    let output = render(&report, &args);
    print!("{output}");
    if report.has_breaking() {
        EXIT_BREAKING
    } else {
        0
    }
}

/// The report in the chosen form.
fn render(report: &diff::Report, args: &Args) -> String {
    let (old, new) = (args.old.label(), args.new.label());
    match args.format {
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
            &changelog_preamble(args),
        ),
    }
}

/// The note at the top of a Markdown changelog: how it was made and how to remake it.
fn changelog_preamble(args: &Args) -> String {
    let mut command = String::from("cargo run --release -- diff");
    for side in [&args.old, &args.new] {
        if let Some(version) = side.api {
            command.push_str(&format!(" --api {version}"));
        }
    }
    if args.old.folder == args.new.folder {
        command.push_str(&format!(" {}", slash(&args.old.folder)));
    } else {
        command.push_str(&format!(
            " {} {}",
            slash(&args.old.folder),
            slash(&args.new.folder)
        ));
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

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn two_api_versions_of_one_folder() {
        let args = parse(&strings(&["--api", "1", "--api=2", "defs"])).expect("parses");
        assert_eq!(args.old.api, Some(1));
        assert_eq!(args.new.api, Some(2));
        assert_eq!(args.old.folder, PathBuf::from("defs"));
        assert_eq!(args.new.folder, PathBuf::from("defs"));
        let default = parse(&strings(&["--api", "1", "--api", "2"])).expect("parses");
        assert_eq!(default.old.folder, PathBuf::from("schema"));
    }

    #[test]
    fn two_folders_with_a_format() {
        let args = parse(&strings(&["old", "new", "--format", "json"])).expect("parses");
        assert_eq!(args.format, Format::Json);
        assert_eq!(args.old.api, None);
        assert_eq!(args.new.folder, PathBuf::from("new"));
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
            assert!(parse(&strings(bad)).is_err(), "{bad:?} should be an error");
        }
    }
}
