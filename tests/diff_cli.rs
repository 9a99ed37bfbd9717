//! `trueconf-api diff` run as a user runs it: exit codes, the JSON form for CI, and the
//! committed v.1 → v.2 changelog, which must match what the definitions say today.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn diff(args: &[&str]) -> Output {
    common::tool()
        .current_dir(root())
        .arg("diff")
        .args(args)
        .output()
        .expect("runs")
}

fn case(name: &str, side: &str) -> String {
    let path: PathBuf = ["codegen", "tests", "diff", name, side].iter().collect();
    path.to_string_lossy().into_owned()
}

#[test]
fn changelog_api_md_is_fresh() {
    let output = diff(&["--api", "1", "--api", "2", "schema", "--format", "markdown"]);
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(1),
        "diff failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fresh = String::from_utf8(output.stdout).expect("UTF-8");
    let path = root().join("CHANGELOG-API.md");
    if std::env::var_os("UPDATE_CHANGELOG").is_some() {
        std::fs::write(&path, &fresh).expect("writes CHANGELOG-API.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "CHANGELOG-API.md is stale: the definitions changed. Regenerate it with \
         `UPDATE_CHANGELOG=1 cargo test --test diff_cli` (or the command at its top) and commit it."
    );
    assert!(fresh.contains("`commands.setReaction`: command added"));
}

#[test]
fn breaking_changes_exit_1_and_others_exit_0() {
    let breaking = diff(&[&case("sent-fields", "old"), &case("sent-fields", "new")]);
    assert_eq!(breaking.status.code(), Some(1));
    let text = String::from_utf8_lossy(&breaking.stdout);
    assert!(
        text.contains("breaking sent-field-added-required commands.setThing.request.addedRequired"),
        "{text}"
    );
    assert!(
        text.contains("8 changes: 4 breaking, 1 warning, 3 info"),
        "{text}"
    );

    let same = diff(&[&case("identical", "old"), &case("identical", "new")]);
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&same.stdout).contains("0 changes"));

    // Only additions: informative, exit 0.
    let versions = diff(&["--api", "1", "--api", "2"]);
    assert_eq!(
        versions.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&versions.stdout)
    );
}

#[test]
fn json_format_lists_ids_levels_and_rules() {
    let output = diff(&[
        "--format",
        "json",
        &case("enums", "old"),
        &case("enums", "new"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["breaking"], true);
    assert_eq!(report["summary"]["breaking"], 2);
    assert!(report["old"].as_str().expect("old label").ends_with("old"));
    let changes = report["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 7);
    for change in changes {
        let id = change["id"].as_str().expect("id");
        let rule = change["rule"]["id"].as_str().expect("rule id");
        let path = change["path"].as_str().expect("path");
        assert_eq!(id, format!("{rule}@{path}"));
        assert!(["breaking", "warning", "info"]
            .contains(&change["rule"]["level"].as_str().unwrap_or("")));
        assert!(!change["rule"]["reason"].as_str().unwrap_or("").is_empty());
    }
    let added = changes
        .iter()
        .find(|change| change["id"] == "received-value-added@notifications.painted.color=3")
        .expect("the added enum value in a notification");
    assert_eq!(added["rule"]["level"], "warning");
}

#[test]
fn usage_errors_and_broken_definitions_exit_2() {
    for args in [
        &["only-one-folder"][..],
        &["--format", "xml", "a", "b"],
        &["--api", "7", "--api", "2"],
    ] {
        let output = diff(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    let missing = diff(&["/definitely/not/here", &case("identical", "new")]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/definitely/not/here"));
    // A broken definition is reported with its file and JSON path, never a panic.
    let broken = diff(&[
        "codegen/tests/broken/duplicate_field",
        &case("identical", "new"),
    ]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("the definitions do not load") && stderr.contains(".json: $."),
        "{stderr}"
    );
}
