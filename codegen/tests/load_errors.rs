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
