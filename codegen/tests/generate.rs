//! The generator on small definition sets: the Rust it writes for a valid set (a snapshot to
//! read side by side with the fixture), and the diagnostics for broken sets — each naming the
//! file and the JSON path, never a panic.

use std::path::Path;

use trueconf_api_codegen::Builder;

#[test]
fn small_fixture_generates_this_rust() {
    let code = Builder::new()
        .definitions("tests/fixtures/small")
        .json_schema(true)
        .generate_string()
        .unwrap_or_else(|problems| panic!("{problems}"));
    // Valid Rust, and stable: generating twice gives the same text.
    syn::parse_file(&code).expect("parses as Rust");
    let again = Builder::new()
        .definitions("tests/fixtures/small")
        .json_schema(true)
        .generate_string()
        .expect("generates");
    assert_eq!(code, again);
    insta::assert_snapshot!("small_fixture", code);
}

/// A client-tier command, notification and record: every struct (and partial) gets `unlisted`,
/// decodes unknown keys into it and writes them back, and its schema keeps them.
#[test]
fn client_tier_fixture_generates_this_rust() {
    let code = Builder::new()
        .definitions("tests/fixtures/client_tier")
        .json_schema(true)
        .proptest(true)
        .generate_string()
        .unwrap_or_else(|problems| panic!("{problems}"));
    syn::parse_file(&code).expect("parses as Rust");
    // Whatever the line breaks prettyplease chooses.
    let squeezed: String = code.split_whitespace().collect();
    for needle in [
        "pubunlisted:::trueconf_api::UnlistedKeys,",
        "unlisted:partial.unlisted,",
        "write_unlisted(map,&self.unlisted,&[\"count\",\"label\",\"method\",\"requestId\"],)",
        "write_unlisted(map,&self.unlisted,&[\"pong\",\"method\",\"requestId\",\"result\",\"error\"],)",
        "write_unlisted(map,&self.unlisted,&[\"delay\"])",
        "::core::option::Option::Some(&mutself.unlisted)",
        "schemas.keep_unlisted();",
        "source:::trueconf_api::Source::Client,",
        "Client-evidenced:nodocpage",
    ] {
        assert!(squeezed.contains(needle), "missing `{needle}`");
    }
    insta::assert_snapshot!("client_tier_fixture", code);
}

#[test]
fn generate_writes_only_when_the_code_changed() {
    let out = std::env::temp_dir().join(format!("trueconf-codegen-{}.rs", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let builder = Builder::new()
        .definitions("tests/fixtures/small")
        .output(&out);
    let first = builder.generate().expect("generates");
    assert!(first.written);
    assert_eq!(first.definitions, 8);
    let second = builder.generate().expect("generates");
    assert!(
        !second.written,
        "an unchanged schema must not rewrite the output"
    );
    std::fs::remove_file(&out).expect("cleanup");
}

fn problems(case: &str) -> String {
    let folder = Path::new("tests/broken").join(case);
    match Builder::new().definitions(&folder).generate_string() {
        Ok(_) => panic!("{case}: broken definitions were accepted"),
        Err(problems) => {
            for problem in problems.iter() {
                assert!(
                    problem.file.starts_with(&folder),
                    "{case}: {problem} does not name a file of the case"
                );
                assert!(
                    problem.path.starts_with('$'),
                    "{case}: {problem} has no JSON path"
                );
            }
            problems.to_string().replace('\\', "/")
        }
    }
}

macro_rules! broken {
    ($($case:ident => $needle:expr,)*) => {$(
        #[test]
        fn $case() {
            let text = problems(stringify!($case));
            assert!(text.contains($needle), "{}: expected `{}` in:\n{text}", stringify!($case), $needle);
            insta::assert_snapshot!(concat!("broken_", stringify!($case)), text);
        }
    )*};
}

broken! {
    bad_json => "ping.json: $: invalid JSON",
    unknown_type => "$.request.fields[0].type: unknown type `Timestampp`",
    duplicate_name => "is already generated for",
    duplicate_field => "$.request.fields[1].name: field `a` is already listed",
    missing_key => "a command definition needs `response`",
    missing_field_key => "$.request.fields[0]: missing field `doc`",
    example_contradicts => "$.examples[0].json.count: the example contradicts the definition: 300 is not a u8",
    record_cycle => "records contain each other by value",
    bad_identifier => "no Rust field name can be derived from `S|L`",
    optional_without_condition => "must say when it is absent",
    wrong_folder_and_name => "does not belong in notifications/",
    reserved_name => "a name the runtime reserves",
    keyword_message => "no Rust name can be derived from `self`",
    nullable_json => "$.fields[0].nullable: field `extra` is `json`, which already holds null",
    presence_required_without_statement => "$.fields[0].optional: `level` is required, but it must be optional: no doc page describes it",
    presence_lazy_optional => "$.fields[0].optional: `level` is optional, but the docs state it without condition",
    presence_twins_disagree => "is declared to carry the same body as the `statusChanged` notification, but `level` is u8 here but u8, optional",
    presence_evidence_unsourced => "$.fields[0].presence.url: `https://elsewhere.example.invalid/page` is not one of the definition's `docUrls`",
    captured_without_url => "$.examples[1].url: a captured example needs the URL it was copied from",
    alias_collides => "$.fields[1].name: field `value` is already an alias of the field at index 0",
    same_body_on_record => "Thing.json: $.sameBodyAs: a record definition has no `sameBodyAs`",
    // The evidence index (`evidence/`): each case names the source, the subject and key, or the
    // evidence file and JSON path.
    evidence_undescribed_described => "getStatus.json: $.response.fields[0].presence.doc: `level` is recorded `undescribed`, but the evidence index has pages that describe it: https://docs.example.invalid/status (stated, on the twin notifications/statusChanged)",
    evidence_condition_ignored => "$.fields[0].presence.doc: `level` is recorded `stated`, but pages give a condition for it: https://docs.example.invalid/ru/status",
    evidence_field_without_entry => "statusChanged.json: $.fields[1]: `mode` of notifications/statusChanged has no entry in the evidence index",
    evidence_bad_entry => "evidence/a-pages.json: $.entries[1].says: unknown variant `claims`",
    evidence_unknown_key => "evidence/pages.json: $.entries[1].key: `colour` is not a field of notifications/statusChanged",
    evidence_pages_disagree => "evidence/b.json: $.entries[0].says: https://docs.example.invalid/status says `example` about `level`",
    client_tier_received_required => "$.response.fields[0].optional: `pong` is required, but it must be optional: no doc page states it: the client tier types received keys",
    client_tier_some_required => "$.request.fields[1].optional: `label` is required, but it must be optional: a client that sends the command leaves it out",
    client_tier_every_optional => "$.request.fields[0].optional: `count` is optional, but every client that sends the command sends it",
    client_tier_example_lacks_every => "$.request.fields[0].presence.clients: parameter `count` is recorded as sent by every client, but example 0",
    client_tier_parameter_without_clients => "$.request.fields[0].presence.clients: parameter `count`: say whether every client that sends the command sends it",
    client_tier_no_citation => "$.evidence: cite at least one code site of a pinned client as `<source-id> <file>:<line>`",
    client_tier_with_doc_page => "$.docUrls: a client-tier definition has no doc page",
    client_tier_draft_placeholder => "$.summary: an unfilled `TODO(draft)` placeholder",
    client_example_outside_tier => "$.examples[0].source: a client example belongs to a client-tier definition",
}

/// The rest of what each evidence case must report, beside its first problem above: every
/// problem of the case, so that a check that stops reporting one of them fails here.
#[test]
fn each_evidence_case_reports_every_problem_it_holds() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "evidence_undescribed_described",
            &["StatusDetail.json: $.fields[0].presence.doc: `text` is recorded `undescribed`, but the evidence index has pages that describe it: https://docs.example.invalid/status-detail (stated)"],
        ),
        (
            "evidence_condition_ignored",
            &[
                "$.fields[1].presence.url: `mode` is conditional, but the evidence index records no condition for it from https://docs.example.invalid/status",
                "$.fields[2].presence.doc: `state` is recorded `mandatory`, but pages give a condition for it",
                "the pages disagree, since https://docs.example.invalid/status says it is mandatory",
            ],
        ),
        (
            "evidence_bad_entry",
            &[
                "b-clients.json: $.entries[1].source: `elsewhere` is not one of this file's `sources`",
                "b-clients.json: $.entries[2]: a client entry names the `file`",
                "b-clients.json: $.entries[2]: a client entry names the `line`",
                "b-clients.json: $.entries[3].says: a client source cannot say `stated`",
                "b-clients.json: $.entries[4].condition: only `conditional` and `omits` entries have a condition",
                "b-clients.json: $.entries[5].subject: `notification/statusChanged` is not a subject",
            ],
        ),
        (
            "evidence_unknown_key",
            &[
                "$.entries[3].subject: `notifications/statusGone` names no definition",
                "known.json: $.untypedKeys[1]: no entry of the evidence index names it",
            ],
        ),
    ];
    for (case, needles) in cases {
        let text = problems(case);
        for needle in needles {
            assert!(
                text.contains(needle),
                "{case}: expected `{needle}` in:\n{text}"
            );
        }
    }
    // `shade` is listed in known.json's untypedKeys, so its entry is no problem.
    assert!(!problems("evidence_unknown_key").contains("`shade`"));
}

/// A definitions folder with an evidence index that every rule holds to loads; one without
/// `evidence/` (an older copy, a downstream folder, the small fixture) loads too, with the
/// index checks skipped.
#[test]
fn the_index_is_checked_when_there_is_one_and_skipped_when_there_is_none() {
    use trueconf_api_codegen::evidence::Index;
    use trueconf_api_codegen::Diagnostics;

    let with = Path::new("tests/fixtures/with_evidence");
    let mut diagnostics = Diagnostics::default();
    let index = Index::load(with, &mut diagnostics).expect("the fixture has evidence/");
    assert!(diagnostics.is_empty(), "{diagnostics}");
    assert_eq!(index.entries.len(), 8);
    assert_eq!(
        index
            .entries("notifications/statusChanged", Some("mode"))
            .map(|entry| trueconf_api_codegen::evidence::says_word(entry.says))
            .collect::<Vec<_>>(),
        ["example", "conditional"]
    );
    Builder::new()
        .definitions(with)
        .generate_string()
        .unwrap_or_else(|problems| panic!("{problems}"));

    let without = Path::new("tests/fixtures/small");
    assert!(!without.join("evidence").exists());
    assert!(Index::load(without, &mut diagnostics).is_none());
    assert!(diagnostics.is_empty());
    // The small fixture has fields no index describes; without one, nothing asks for entries.
    Builder::new()
        .definitions(without)
        .generate_string()
        .unwrap_or_else(|problems| panic!("{problems}"));
}

#[test]
fn one_api_version_leaves_out_what_only_later_versions_have() {
    let all = Builder::new()
        .definitions("tests/fixtures/small")
        .generate_string()
        .expect("generates");
    let v1 = Builder::new()
        .definitions("tests/fixtures/small")
        .api_version(1)
        .generate_string()
        .expect("generates");
    let v2 = Builder::new()
        .definitions("tests/fixtures/small")
        .api_version(2)
        .generate_string()
        .expect("generates");
    // `ticket` is an API v.2 field of getItems' response; itemAdded exists only in v.1.
    assert!(
        all.contains("pub ticket:") && v2.contains("pub ticket:") && !v1.contains("pub ticket:")
    );
    assert!(
        all.contains("pub struct ItemAdded")
            && v1.contains("pub struct ItemAdded")
            && !v2.contains("pub struct ItemAdded")
    );
    // Whatever the line breaks and trailing commas prettyplease chooses.
    let squeezed: String = v1.split_whitespace().collect::<String>().replace(",)", ")");
    assert!(squeezed
        .contains("API_VERSION:::core::option::Option<u8>=::core::option::Option::Some(1u8)"));
    let error = Builder::new()
        .definitions("tests/fixtures/small")
        .api_version(3)
        .generate_string()
        .expect_err("no v.3");
    assert!(error.to_string().contains("unknown API version 3"));
}

#[test]
fn leaving_the_client_tier_out_catalogues_its_names_and_keeps_shared_types() {
    let builder = Builder::new().definitions("tests/fixtures/client_tier");
    let all = builder.clone().generate_string().expect("generates");
    let documented_only = builder
        .client_tier(false)
        .generate_string()
        .expect("generates");
    syn::parse_file(&documented_only).expect("parses as Rust");
    assert!(all.contains("pub struct Ping {") && all.contains("pub struct Pinged {"));
    assert!(!documented_only.contains("pub struct Ping {"));
    assert!(!documented_only.contains("pub struct Pinged {"));
    // Shared types stay; the fixture's messages are all client tier, so both lists of typed
    // names are empty and both catalogues hold them.
    assert!(documented_only.contains("pub struct PingInfo {"));
    let squeezed: String = documented_only.split_whitespace().collect();
    for needle in [
        "COMMAND_NAMES:&[&str]=&[];",
        "NOTIFICATION_NAMES:&[&str]=&[];",
        "UNTYPED_COMMAND_NAMES:&[&str]=&[\"ping\"];",
        "UNTYPED_NOTIFICATION_NAMES:&[&str]=&[\"pinged\"];",
    ] {
        assert!(squeezed.contains(needle), "missing `{needle}`");
    }
}
