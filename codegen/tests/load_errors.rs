//! The loader's answer to malformed definition files: a diagnostic naming the file, the JSON
//! path of the problem and what is wrong; never a panic, never a silently accepted file.

use std::path::Path;

use trueconf_api_codegen::load::parse_definition;

/// A valid notification, which each case below breaks in one place.
const VALID: &str = r#"{
  "kind": "notification",
  "name": "ping",
  "summary": "A test notification.",
  "source": "inferred",
  "evidence": "made up for this test",
  "api": [2],
  "fields": [
    {
      "name": "value",
      "type": "u8",
      "doc": "A number.",
      "presence": { "doc": "undescribed" }
    }
  ],
  "examples": []
}"#;

/// Parses `text` and gives `(path, message)` of its diagnostic.
fn problem(text: &str) -> (String, String) {
    match parse_definition(Path::new("notifications/ping.json"), text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(diagnostic) => (diagnostic.path, diagnostic.message),
    }
}

/// `VALID` with `from` replaced by `to` (which must occur).
fn broken(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "{from}");
    VALID.replacen(from, to, 1)
}

#[test]
fn the_valid_file_is_accepted() {
    let definition = parse_definition(Path::new("notifications/ping.json"), VALID).expect("valid");
    assert_eq!(definition.name, "ping");
    assert_eq!(definition.fields.expect("fields")[0].type_expr, "u8");
    // A key that may be absent may also be null.
    let with_null = broken(r#""api": [2],"#, r#""api": [2], "description": null,"#);
    let definition =
        parse_definition(Path::new("notifications/ping.json"), &with_null).expect("null");
    assert_eq!(definition.description, None);
}

#[test]
fn each_problem_names_its_path_and_what_is_wrong() {
    let cases: &[(String, &str, &str)] = &[
        (
            broken(r#""summary": "A test notification.","#, ""),
            "$",
            "missing field `summary`",
        ),
        (
            broken(
                r#""kind": "notification","#,
                r#""kind": "notification", "bogus": 1,"#,
            ),
            "$.bogus",
            "unknown field `bogus`",
        ),
        (
            broken(r#""kind": "notification""#, r#""kind": "notice""#),
            "$.kind",
            "unknown variant `notice`",
        ),
        (
            broken(r#""kind": "notification""#, r#""kind": 5"#),
            "$.kind",
            "invalid type: integer `5`",
        ),
        (
            broken(r#""api": [2]"#, r#""api": [300]"#),
            "$.api[0]",
            "invalid value: integer `300`, expected u8",
        ),
        (
            broken(r#""api": [2]"#, r#""api": 2"#),
            "$.api",
            "invalid type: integer `2`, expected a sequence",
        ),
        (
            broken(r#""type": "u8","#, r#""type": "u8", "optional": "yes","#),
            "$.fields[0].optional",
            "invalid type: string \"yes\", expected a boolean",
        ),
        (
            broken(r#""doc": "A number.","#, ""),
            "$.fields[0]",
            "missing field `doc`",
        ),
        (
            broken(r#"{ "doc": "undescribed" }"#, r#"{ "doc": "unsure" }"#),
            "$.fields[0].presence.doc",
            "unknown variant `unsure`",
        ),
        (
            broken(
                r#""name": "value","#,
                r#""name": "value", "name": "other","#,
            ),
            "$.fields[0]",
            "duplicate field `name` at line",
        ),
        ("[]".to_string(), "$", "invalid type: sequence"),
        (broken("\n}", ",\n}"), "$", "invalid JSON"),
        (
            format!("{VALID} {{}}"),
            "$",
            "invalid JSON: trailing characters",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, path, message) in cases {
        let (got_path, got_message) = problem(text);
        if got_path != *path || !got_message.contains(message) {
            wrong.push(format!(
                "want {path}: …{message}…\n got {got_path}: {got_message}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A valid evidence file, which each case below breaks in one place.
const VALID_EVIDENCE: &str = r#"{
  "description": "Test evidence.",
  "sources": {
    "client": { "kind": "client", "url": "https://example.invalid/client", "version": "1.0.0" }
  },
  "entries": [
    { "subject": "notifications/ping", "key": "value", "source": "client",
      "file": "a.py", "line": 3, "says": "reads", "type": "integer" }
  ]
}"#;

#[test]
fn each_problem_of_an_evidence_file_names_its_path_and_what_is_wrong() {
    use trueconf_api_codegen::load::parse_evidence;

    let path = Path::new("evidence/clients.json");
    let valid = parse_evidence(path, VALID_EVIDENCE).expect("valid");
    assert_eq!(valid.entries[0].line, Some(3));
    let broken = |from: &str, to: &str| {
        assert!(VALID_EVIDENCE.contains(from), "{from}");
        VALID_EVIDENCE.replacen(from, to, 1)
    };
    let cases: &[(String, &str, &str)] = &[
        (
            broken(r#""says": "reads""#, r#""says": "claims""#),
            "$.entries[0].says",
            "unknown variant `claims`",
        ),
        (
            broken(r#""type": "integer""#, r#""type": "int""#),
            "$.entries[0].type",
            "unknown variant `int`",
        ),
        (
            broken(r#""line": 3"#, r#""line": "3""#),
            "$.entries[0].line",
            "invalid type: string \"3\", expected u32",
        ),
        (
            broken(r#""line": 3"#, r#""line": -3"#),
            "$.entries[0].line",
            "invalid value: integer `-3`, expected u32",
        ),
        (
            broken(r#""source": "client","#, ""),
            "$.entries[0]",
            "missing field `source`",
        ),
        (
            broken(r#""kind": "client""#, r#""kind": "forum""#),
            "$.sources.client.kind",
            "unknown variant `forum`",
        ),
        (
            broken(r#""says": "reads""#, r#""says": "reads", "seen": true"#),
            "$.entries[0].seen",
            "unknown field `seen`",
        ),
        (
            broken(r#""entries": ["#, r#""entries": {"#).replacen("]\n}", "}\n}", 1),
            "$",
            "invalid JSON",
        ),
        (
            broken(r#""sources": {"#, r#""sources": [{"#).replacen(
                "},\n  \"entries\"",
                "}],\n  \"entries\"",
                1,
            ),
            "$.sources",
            "invalid type: sequence, expected a map",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, want_path, message) in cases {
        match parse_evidence(path, text) {
            Ok(_) => wrong.push(format!("accepted: {text}")),
            Err(diagnostic) => {
                assert_eq!(diagnostic.file, path);
                if diagnostic.path != *want_path || !diagnostic.message.contains(message) {
                    wrong.push(format!(
                        "want {want_path}: …{message}…\n got {}: {}",
                        diagnostic.path, diagnostic.message
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
