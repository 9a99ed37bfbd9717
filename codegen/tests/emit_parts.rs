//! The Rust emitter one part at a time, on the small fixture: each kind of item it writes
//! (a record, an enum, a newtype, a union with a record alternative, a command, a
//! notification, the partial structs, the dispatch) as a snapshot to read beside its
//! definition, with every optional impl on (JSON Schema and proptest strategies). The whole
//! file is in `generate.rs`; here a change to one part shows in that part alone.

use std::path::Path;

use trueconf_api_codegen::emit::rust::{generate_part, Part, RustOptions};
use trueconf_api_codegen::load_model;

fn part(part: Part<'_>) -> String {
    let model = load_model(Path::new("tests/fixtures/small")).expect("the fixture loads");
    let options = RustOptions {
        definitions_label: "small".to_string(),
        json_schema: true,
        proptest: true,
        ..RustOptions::default()
    };
    let code = generate_part(&model, &options, part).expect("generates");
    syn::parse_file(&code).expect("each part parses as Rust on its own");
    code
}

#[test]
fn a_record() {
    insta::assert_snapshot!(part(Part::Type("Item")));
}

#[test]
fn an_integer_enum() {
    insta::assert_snapshot!(part(Part::Type("Color")));
}

#[test]
fn a_newtype() {
    insta::assert_snapshot!(part(Part::Type("Ticket")));
}

#[test]
fn a_union_with_a_record_alternative() {
    insta::assert_snapshot!(part(Part::Type("Size")));
}

#[test]
fn a_command() {
    insta::assert_snapshot!(part(Part::Command("getItems")));
}

#[test]
fn a_notification() {
    insta::assert_snapshot!(part(Part::Notification("itemAdded")));
}

#[test]
fn the_partials() {
    insta::assert_snapshot!(part(Part::Partials));
}

#[test]
fn the_dispatch() {
    insta::assert_snapshot!(part(Part::Dispatch));
}

/// The runtime path is whatever the options say, everywhere: no `crate::` is left over.
#[test]
fn every_runtime_reference_goes_through_the_configured_path() {
    let model = load_model(Path::new("tests/fixtures/small")).expect("the fixture loads");
    let options = RustOptions {
        runtime: "::my_runtime".to_string(),
        proptest: true,
        ..RustOptions::default()
    };
    let code = trueconf_api_codegen::emit::rust::generate(&model, &options).expect("generates");
    assert!(code.contains("::my_runtime::__private::Fields"));
    assert!(!code.contains("trueconf_api"), "the default path leaked");
    assert!(!code.contains("crate::"), "a crate-relative path leaked");
    assert!(
        !code.contains("cfg(feature"),
        "a feature gate meant for another crate leaked"
    );
    let bad = RustOptions {
        runtime: "not a path!".to_string(),
        ..RustOptions::default()
    };
    let error = trueconf_api_codegen::emit::rust::generate(&model, &bad).expect_err("rejected");
    assert!(error.contains("is not a Rust path"), "{error}");
}

/// Runtime paths Rust accepts are taken; anything else is refused with a message, not a panic.
#[test]
fn runtime_paths_are_checked_like_rust_paths() {
    let model = load_model(Path::new("tests/fixtures/small")).expect("the fixture loads");
    let generate = |runtime: &str| {
        let options = RustOptions {
            runtime: runtime.to_string(),
            ..RustOptions::default()
        };
        trueconf_api_codegen::emit::rust::generate(&model, &options)
    };
    for good in [
        "crate",
        "::a::b",
        "self::rt",
        "super::super::rt",
        "my_rt",
        "crate::rt",
    ] {
        let code = generate(good).unwrap_or_else(|error| panic!("{good}: {error}"));
        assert!(code.contains(&format!("{good}::__private")), "{good}");
    }
    for bad in [
        "", "::", "a::", "a::::b", "::crate", "a::crate", "a::super", "fn", "a::fn::b", "1a",
        "a-b", "a b", "_", "r#type",
    ] {
        let error = generate(bad).expect_err(bad);
        assert!(error.contains("is not a Rust path"), "{bad}: {error}");
    }
}
