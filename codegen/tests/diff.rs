//! `diff` on small hand-written definition pairs (`tests/diff/<case>/{old,new}`): the changes
//! it lists for each case, as text and as JSON, and that every rule is exercised by some case.

use std::collections::BTreeSet;
use std::path::Path;

use trueconf_api_codegen::diff::{self, Level, RULES};
use trueconf_api_codegen::load_model;

const CASES: [&str; 7] = [
    "messages",
    "sent-fields",
    "received-fields",
    "enums",
    "types",
    "unions",
    "identical",
];

fn report(case: &str) -> diff::Report {
    let load = |side: &str| {
        let folder = Path::new("tests/diff").join(case).join(side);
        load_model(&folder).unwrap_or_else(|problems| panic!("{}: {problems}", folder.display()))
    };
    diff::compare(&load("old"), &load("new"))
}

#[test]
fn each_case_lists_these_changes() {
    for case in CASES {
        let report = report(case);
        insta::assert_snapshot!(format!("diff_{case}"), report.to_text());
        let json = serde_json::to_string_pretty(&report.to_json()).expect("serializes");
        insta::assert_snapshot!(format!("diff_{case}_json"), json);
    }
}

#[test]
fn every_rule_is_exercised_by_a_case() {
    let seen: BTreeSet<&str> = CASES
        .iter()
        .flat_map(|case| report(case).changes)
        .map(|change| change.rule.id)
        .collect();
    let missing: Vec<&str> = RULES
        .iter()
        .map(|rule| rule.id)
        .filter(|id| !seen.contains(id))
        .collect();
    assert!(missing.is_empty(), "rules no case exercises: {missing:?}");
}

#[test]
fn identical_definitions_have_no_changes_and_reversed_pairs_mirror() {
    assert!(report("identical").changes.is_empty());
    // Swapping old and new turns each added message into a removed one.
    let load =
        |side: &str| load_model(&Path::new("tests/diff/messages").join(side)).expect("loads");
    let forward = diff::compare(&load("old"), &load("new"));
    let backward = diff::compare(&load("new"), &load("old"));
    let ids = |report: &diff::Report, rule: &str| -> Vec<String> {
        report
            .changes
            .iter()
            .filter(|change| change.rule.id == rule)
            .map(|change| change.path.clone())
            .collect()
    };
    assert_eq!(
        ids(&forward, "command-added"),
        ids(&backward, "command-removed")
    );
    assert_eq!(
        ids(&forward, "command-removed"),
        ids(&backward, "command-added")
    );
    assert!(forward.has_breaking() && backward.has_breaking());
}

#[test]
fn breaking_means_a_breaking_rule() {
    let sent = report("sent-fields");
    assert!(sent.has_breaking());
    let counts = sent.counts();
    assert_eq!(counts[0].0, Level::Breaking);
    assert_eq!(
        counts[0].1,
        sent.changes
            .iter()
            .filter(|change| change.rule.level == Level::Breaking)
            .count()
    );
    // Only additions of optional data: nothing breaks.
    let added_only = report("received-fields")
        .changes
        .into_iter()
        .filter(|change| change.rule.id == "received-field-added")
        .count();
    assert_eq!(
        added_only, 4,
        "two fields added to a response and to a notification"
    );
}
