//! The documents a newcomer reads stay true: the README's features table names exactly the
//! features `Cargo.toml` documents (the crate docs list them from there), CI runs the README's
//! test command, and every relative link in the README, CONTRIBUTING and docs/ leads somewhere.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn read(path: &str) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// Features with a `##` doc comment in `[features]` of Cargo.toml, the list document-features
/// renders in the crate docs.
fn documented_features() -> BTreeSet<String> {
    let manifest = read("Cargo.toml");
    let section = manifest
        .split("\n[features]\n")
        .nth(1)
        .expect("Cargo.toml has a [features] table");
    let section = section.split("\n[").next().unwrap_or(section);
    let mut documented = BTreeSet::new();
    let mut commented = false;
    for line in section.lines() {
        let line = line.trim();
        if line.starts_with("##") {
            commented = true;
        } else if let Some((name, _)) = line.split_once('=') {
            if commented && !line.starts_with('"') && !line.starts_with('#') {
                documented.insert(name.trim().to_string());
            }
            commented = false;
        }
    }
    documented
}

/// The first column of the README table under "## Cargo features".
fn readme_features() -> BTreeSet<String> {
    let readme = read("README.md");
    let section = readme
        .split("\n## Cargo features\n")
        .nth(1)
        .expect("README has a Cargo features section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_string())
        .collect()
}

#[test]
fn readme_features_table_matches_cargo_toml() {
    let mut documented = documented_features();
    assert!(
        documented.len() >= 6,
        "expected the documented features of Cargo.toml, found {documented:?}"
    );
    // Only for rerunning a benchmark; the README is for users.
    assert!(documented.remove("sonic-eval"), "{documented:?}");
    assert_eq!(readme_features(), documented);
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let command = readme
        .split("\nRun the tests")
        .nth(1)
        .and_then(|rest| rest.split("```sh\n").nth(1))
        .and_then(|block| block.lines().next())
        .expect("README shows the test command in a sh block after 'Run the tests'");
    assert!(command.starts_with("cargo test"), "{command}");
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|line| line.trim() == command),
        ".ci/run does not run the README's test command `{command}`"
    );
}

#[test]
fn readme_stays_short() {
    let lines = read("README.md").lines().count();
    assert!(
        lines <= 160,
        "README.md has {lines} lines; long topics belong in docs/"
    );
}

#[test]
fn relative_links_lead_somewhere() {
    let mut documents: Vec<String> = vec!["README.md".into(), "CONTRIBUTING.md".into()];
    for entry in fs::read_dir("docs").expect("docs/ exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|extension| extension == "md") {
            documents.push(path.to_string_lossy().into_owned());
        }
    }
    let mut broken = Vec::new();
    let mut checked = 0;
    for document in &documents {
        let text = read(document);
        let base = Path::new(document).parent().unwrap_or(Path::new(""));
        for target in text
            .split("](")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
        {
            if target.contains("://") || target.starts_with('#') || target.contains(' ') {
                continue;
            }
            let file = target.split('#').next().unwrap_or(target);
            checked += 1;
            if !base.join(file).exists() {
                broken.push(format!("{document}: {target}"));
            }
        }
    }
    assert!(checked >= 10, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}
