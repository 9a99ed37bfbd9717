//! The command-line tool run as a user runs it: `schema` writes the files other languages use,
//! and they agree with serde on every example and edge vector; `check` prints and exits as the
//! design says.

mod common;

use common::{check, temp_dir, tool, Expect};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use trueconf_api_codegen::model::ExampleRole;

/// Runs the tool with `args` and `path` last, and checks it succeeded.
fn run_ok_on(args: &[&str], path: &Path) {
    common::run_ok(&[args, &[path.to_str().expect("a UTF-8 temporary path")]].concat());
}

fn export(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    run_ok_on(&["schema", "--out"], &dir);
    dir
}

fn read_json(path: &Path) -> Value {
    let text =
        fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn schema_file(dir: &Path, role: ExampleRole, name: &str) -> PathBuf {
    let folder = match role {
        ExampleRole::Request => "requests",
        ExampleRole::Response => "responses",
        ExampleRole::Notification => "notifications",
    };
    dir.join(folder).join(format!("{name}.json"))
}

#[test]
fn schema_writes_one_file_per_message_and_a_bundle() {
    let dir = export("layout");
    let model = common::model();
    for command in &model.commands {
        for folder in ["requests", "responses"] {
            let schema = read_json(
                &dir.join(folder)
                    .join(format!("{}.json", command.info.wire_name)),
            );
            assert_eq!(
                schema["$schema"],
                "https://json-schema.org/draft/2020-12/schema"
            );
            assert_eq!(schema["x-wire-name"], command.info.wire_name.as_str());
        }
    }
    for notification in &model.notifications {
        let schema = read_json(
            &dir.join("notifications")
                .join(format!("{}.json", notification.info.wire_name)),
        );
        assert_eq!(
            schema["properties"]["event"]["const"],
            notification.info.wire_name.as_str()
        );
        assert_eq!(schema["title"], notification.info.rust_name.as_str());
    }
    let files = |folder: &str| fs::read_dir(dir.join(folder)).expect("folder").count();
    assert_eq!(files("requests"), model.commands.len());
    assert_eq!(files("responses"), model.commands.len());
    assert_eq!(files("notifications"), model.notifications.len());

    let bundle = read_json(&dir.join("trueconf-api.json"));
    let defs = bundle["$defs"].as_object().expect("$defs");
    for command in &model.commands {
        assert!(defs.contains_key(&format!("{}Request", command.info.rust_name)));
        assert!(defs.contains_key(&format!("{}Response", command.info.rust_name)));
    }
    for notification in &model.notifications {
        assert!(defs.contains_key(&notification.info.rust_name));
    }
    for name in model.types.keys() {
        assert!(
            defs.contains_key(name),
            "type {name} is missing from the bundle"
        );
    }
    // The bundle is self-contained: every $ref points into its own $defs.
    let text = serde_json::to_string(&bundle).expect("encodes");
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().expect("ref");
        let name = target
            .strip_prefix("#/$defs/")
            .unwrap_or_else(|| panic!("foreign $ref {target}"));
        assert!(defs.contains_key(name), "dangling $ref {target}");
    }
}

#[test]
fn schema_removes_files_of_messages_that_are_gone() {
    let dir = temp_dir("stale");
    fs::create_dir_all(dir.join("requests")).expect("dir");
    fs::write(dir.join("requests/removedCommand.json"), "{}").expect("write");
    fs::write(dir.join("keep.txt"), "mine").expect("write");
    run_ok_on(&["schema", "--out"], &dir);
    assert!(!dir.join("requests/removedCommand.json").exists());
    assert!(
        dir.join("keep.txt").exists(),
        "files outside the message folders are left alone"
    );
}

/// serde and the exported schema must agree: every example validates, every vector the decoder
/// accepts validates, every vector it rejects is rejected by the schema too.
#[test]
fn exported_schemas_agree_with_the_decoder() {
    let dir = export("agree");
    let model = common::model();
    let mut validators = std::collections::HashMap::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in common::examples(&model) {
        let path = schema_file(&dir, case.role, &case.name);
        let validator = validators.entry(path.clone()).or_insert_with(|| {
            jsonschema::validator_for(&read_json(&path)).expect("schema compiles")
        });
        if !validator.is_valid(&case.json) {
            let errors: Vec<String> = validator
                .iter_errors(&case.json)
                .map(|e| e.to_string())
                .collect();
            failures.push(format!(
                "{}: example rejected by the schema: {}",
                case.label,
                errors.join("; ")
            ));
        }
        for vector in common::edge_vectors(&model, &case) {
            checked += 1;
            let valid = validator.is_valid(&vector.json);
            match (&vector.expect, valid) {
                (Expect::Accept(_), true) | (Expect::Reject(_), false) => {}
                (Expect::Accept(_), false) => failures.push(format!(
                    "{} / {}: decoder accepts, schema rejects",
                    vector.case, vector.what
                )),
                (Expect::Reject(_), true) => failures.push(format!(
                    "{} / {}: decoder rejects, schema accepts",
                    vector.case, vector.what
                )),
            }
        }
    }
    assert!(checked > 500);
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn check_reports_each_line_and_exits_by_the_worst() {
    let capture = concat!(
        r#"{"method":"getFileList","requestId":"1"}"#,
        "\n",
        r#"{"requestId":"1","result":true,"method":"getFileTransferAvailability","availability":3}"#,
        "\n",
        "\n",
        r#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"newKey":1}"#,
        "\n",
        r#"{"method":"getFileList","requestId":"1","result":true,"fileList":[{"fileId":"1","fileName":"a","size":5}],"extra":{"x":1}}"#,
        "\n",
        r#"{"method":"event","event":"somethingNew","x":1}"#,
        "\n",
        r#"{"method":"getFileTransferHistory","result":true,"filesRequests":[{"directionType":0,"fileName":"a","fileSize":"big","timestamp":1,"fileRequestId":"r","fileId":1}]}"#,
        "\n",
        "{not json\n",
        r#"{"method":"getFileTransferAvailability","result":true,"availability":3}"#,
        "\n",
    );
    let output = check(capture, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "<stdin>:1: ok request getFileList",
            "<stdin>:2: ok response getFileTransferAvailability",
            "<stdin>:4: ok notification fileTransferAvailabilityChanged (unknown fields: newKey)",
            "<stdin>:5: ok response getFileList (unknown fields: extra, fileList[].size)",
            "<stdin>:6: unknown notification somethingNew",
            "<stdin>:7: error response getFileTransferHistory: filesRequests[0].fileSize: invalid type: string \"big\", expected u64 (line 1, column 116)",
            "<stdin>:8: error invalid JSON: key must be a string (line 1, column 2)",
            "<stdin>:9: ok response getFileTransferAvailability",
        ]
    );
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert_eq!(
        stderr.trim(),
        "checked 8 messages: 5 ok (2 with unknown fields, 0 untyped), 1 unknown, 2 errors"
    );
}

/// Invalid UTF-8 in the value of a key the definitions do not know is still an error: the line is
/// not JSON, even though the value is skipped unread. The line after it is checked as usual.
#[test]
fn check_reports_invalid_utf8_in_a_skipped_value() {
    let mut input = br#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"newKey":""#.to_vec();
    input.extend_from_slice(b"\xC3(\"}\n");
    input.extend_from_slice(
        br#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3}"#,
    );
    input.push(b'\n');
    let mut child = common::spawn_check(&[]);
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&input).expect("write");
    }
    let output = child.wait_with_output().expect("finishes");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("<stdin>:1: error ") && lines[0].contains("unicode"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "<stdin>:2: ok notification fileTransferAvailabilityChanged"
    );
}

#[test]
fn check_exits_zero_when_everything_is_ok() {
    let dir = temp_dir("ok");
    let file = dir.join("capture.jsonl");
    let model = common::model();
    let lines: Vec<String> = common::examples(&model)
        .iter()
        .map(|case| serde_json::to_string(&case.json).expect("encodes"))
        .collect();
    fs::write(&file, lines.join("\n") + "\n").expect("write");
    let output = tool().arg("check").arg(&file).output().expect("runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().count(), lines.len());
    assert!(
        stdout
            .lines()
            .all(|line| line.contains(": ok ") && !line.contains("unknown fields")),
        "{stdout}"
    );
}

#[test]
fn check_and_schema_report_usage_and_io_errors_with_exit_2() {
    let missing = check("", &["/definitely/not/here.jsonl"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr)
        .contains("/definitely/not/here.jsonl: cannot read"));

    let no_args = tool().output().expect("runs");
    assert_eq!(no_args.status.code(), Some(2));
    let unknown = tool().arg("frobnicate").output().expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("unrecognized subcommand 'frobnicate'") && stderr.contains("--help"),
        "{stderr}"
    );
    let bad_flag = tool().args(["schema", "--bogus"]).output().expect("runs");
    assert_eq!(bad_flag.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad_flag.stderr).contains("For more information, try '--help'.")
    );
    let no_dir = tool().args(["schema", "--out"]).output().expect("runs");
    assert_eq!(no_dir.status.code(), Some(2));
    let bad_api = tool()
        .args(["schema", "--api", "3"])
        .output()
        .expect("runs");
    assert_eq!(bad_api.status.code(), Some(2));
    let bad_diff = tool().args(["diff", "only-one"]).output().expect("runs");
    assert_eq!(bad_diff.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_diff.stderr).contains("diff needs OLD and NEW"));
}

/// Every subcommand answers `--help`, `-h` and `help SUBCOMMAND` on stdout with exit 0, and
/// the tool answers `--version`.
#[test]
fn every_subcommand_answers_help_and_the_tool_its_version() {
    let subcommands = [
        "schema",
        "asyncapi",
        "check",
        "diff",
        "definitions",
        "proxy",
    ];
    let top = tool().arg("--help").output().expect("runs");
    assert_eq!(top.status.code(), Some(0));
    let listing = String::from_utf8_lossy(&top.stdout).into_owned();
    for subcommand in subcommands {
        assert!(
            listing.contains(subcommand),
            "{subcommand} missing from --help"
        );
        for args in [
            vec![subcommand, "--help"],
            vec![subcommand, "-h"],
            vec!["help", subcommand],
        ] {
            let output = tool().args(&args).output().expect("runs");
            assert_eq!(output.status.code(), Some(0), "{args:?}");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                stdout.contains(&format!("Usage: trueconf-api {subcommand}")),
                "{args:?}: {stdout}"
            );
        }
    }
    let version = tool().arg("--version").output().expect("runs");
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("trueconf-api {}", env!("CARGO_PKG_VERSION"))
    );
}

/// `check --format json`: one object per message with file, line, verdict, kind, name,
/// unknown fields, error and path, and the same exit code and summary as the text form.
#[test]
fn check_writes_one_json_object_per_message() {
    let capture = concat!(
        r#"{"method":"event","event":"fileTransferAvailabilityChanged","availability":3,"newKey":1}"#,
        "\n",
        r#"{"method":"event","event":"somethingNew","x":1}"#,
        "\n",
        r#"{"method":"getFileTransferHistory","result":true,"filesRequests":[{"directionType":0,"fileName":"a","fileSize":"big","timestamp":1,"fileRequestId":"r","fileId":1}]}"#,
        "\n",
        r#"{"method":"clearCallHistory"}"#,
        "\n",
    );
    let output = check(capture, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert_eq!(
        lines,
        vec![
            serde_json::json!({"file": "<stdin>", "line": 1, "verdict": "ok", "kind": "notification",
                "name": "fileTransferAvailabilityChanged", "untyped": false, "unknownFields": ["newKey"]}),
            serde_json::json!({"file": "<stdin>", "line": 2, "verdict": "unknown", "kind": "notification",
                "name": "somethingNew"}),
            serde_json::json!({"file": "<stdin>", "line": 3, "verdict": "error", "kind": "response",
                "name": "getFileTransferHistory", "path": "filesRequests[0].fileSize",
                "error": "response getFileTransferHistory: filesRequests[0].fileSize: invalid type: string \"big\", expected u64 (line 1, column 116)"}),
            serde_json::json!({"file": "<stdin>", "line": 4, "verdict": "ok", "kind": "request",
                "name": "clearCallHistory", "untyped": false, "unknownFields": []}),
        ]
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("checked 4 messages"));
}

/// `definitions --out DIR` writes the bundled definitions with their evidence index, and they
/// load as the same model, checked against that index.
#[test]
fn definitions_writes_the_bundled_folder_and_it_loads() {
    let dir = temp_dir("definitions");
    run_ok_on(&["definitions", "--out"], &dir);
    let written = trueconf_api_codegen::load_model(&dir).expect("the written folder loads");
    let bundled = common::model();
    assert_eq!(written.definition_count(), bundled.definition_count());
    let mut files: Vec<String> = [
        "README.md",
        "known.json",
        "compatibility.json",
        "definition.schema.json",
    ]
    .map(String::from)
    .to_vec();
    let evidence: Vec<String> = fs::read_dir("schema/evidence")
        .expect("schema/evidence")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".json"))
        .map(|name| format!("evidence/{name}"))
        .collect();
    assert!(evidence.len() >= 4, "{evidence:?}");
    files.extend(evidence);
    for file in &files {
        assert_eq!(
            fs::read_to_string(dir.join(file)).expect("written"),
            fs::read_to_string(Path::new("schema").join(file)).expect("bundled"),
            "{file}"
        );
    }
    // The written folder is checked against its index, as schema/ is: a field the index has
    // no entry for fails to load from it.
    let mut diagnostics = trueconf_api_codegen::Diagnostics::default();
    let index = trueconf_api_codegen::evidence::Index::load(&dir, &mut diagnostics)
        .expect("the written folder has evidence/");
    assert!(diagnostics.is_empty(), "{diagnostics}");
    assert!(index.entries.len() > 1000);
    let record = dir.join("types/TariffPermissions.json");
    let mut definition = read_json(&record);
    definition["fields"]
        .as_array_mut()
        .expect("fields")
        .push(serde_json::json!({
            "name": "canFly", "type": "bool", "optional": true,
            "absentWhen": "Undocumented: added by this test.", "doc": "Made up.",
            "presence": { "doc": "undescribed" }
        }));
    fs::write(&record, definition.to_string()).expect("write");
    let problems = trueconf_api_codegen::load_model(&dir).expect_err("a field without evidence");
    assert!(
        problems
            .to_string()
            .contains("`canFly` of types/TariffPermissions has no entry in the evidence index"),
        "{problems}"
    );
}

#[test]
fn every_schema_has_a_readable_title_a_description_and_wire_metadata() {
    let dir = export("metadata");
    let bundle = read_json(&dir.join("trueconf-api.json"));
    for (name, schema) in bundle["$defs"].as_object().expect("$defs") {
        assert_eq!(
            schema["title"],
            name.as_str(),
            "{name}: title must equal the Rust type name"
        );
        assert!(
            name.chars().next().is_some_and(|c| c.is_ascii_uppercase()),
            "{name}: not PascalCase"
        );
        assert!(
            schema["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name}: no description"
        );
        if let Some(wire) = schema.get("x-wire-name") {
            assert!(wire.is_string());
            assert!(
                matches!(
                    schema["x-direction"].as_str(),
                    Some("client-to-server" | "server-to-client")
                ),
                "{name}"
            );
            assert!(
                schema["x-api-versions"]
                    .as_array()
                    .is_some_and(|v| !v.is_empty()),
                "{name}"
            );
        }
    }
}

#[test]
fn asyncapi_writes_a_send_operation_per_command_and_a_receive_per_notification() {
    let dir = temp_dir("asyncapi");
    let file = dir.join("asyncapi.json");
    run_ok_on(&["asyncapi", "--out"], &file);
    let document = read_json(&file);
    assert_eq!(document["asyncapi"], "3.0.0");
    let operations = document["operations"].as_object().expect("operations");
    let model = common::model();
    for command in &model.commands {
        let operation = &operations[&format!("send{}", command.info.rust_name)];
        assert_eq!(operation["action"], "send");
        let reply = operation["reply"]["messages"][0]["$ref"]
            .as_str()
            .expect("reply");
        assert!(
            reply.ends_with(&format!("{}Response", command.info.rust_name)),
            "{reply}"
        );
    }
    for notification in &model.notifications {
        assert_eq!(
            operations[&format!("receive{}", notification.info.rust_name)]["action"],
            "receive"
        );
    }
    assert_eq!(
        operations.len(),
        model.commands.len() + model.notifications.len()
    );
    // Payload references resolve inside the document.
    let text = serde_json::to_string(&document).expect("encodes");
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().expect("ref");
        let pointer = target.strip_prefix('#').expect("local ref");
        assert!(document.pointer(pointer).is_some(), "dangling {target}");
    }
    let bad = tool().args(["asyncapi", "--nope"]).output().expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}

/// `schema --api N` exports only what API version N has, and every example of a message that
/// version has validates against it.
#[test]
fn schemas_for_each_api_version_validate_their_examples() {
    let model = common::model();
    for version in [1u8, 2] {
        let dir = temp_dir(&format!("api{version}"));
        run_ok_on(&["schema", "--api", &version.to_string(), "--out"], &dir);
        let mut validated = 0;
        for case in common::examples(&model) {
            let info = match case.role {
                ExampleRole::Notification => &model.notification(&case.name).expect("defined").info,
                _ => &model.command(&case.name).expect("defined").info,
            };
            let path = schema_file(&dir, case.role, &case.name);
            if !info.api.contains(&version) {
                assert!(
                    !path.exists(),
                    "{} is not in API v.{version} but was exported",
                    case.name
                );
                continue;
            }
            let validator = jsonschema::validator_for(&read_json(&path)).expect("compiles");
            let errors: Vec<String> = validator
                .iter_errors(&case.json)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "v.{version} {}: {}",
                case.label,
                errors.join("; ")
            );
            validated += 1;
        }
        assert!(validated > 150, "v.{version}: only {validated} examples");
        let bundle = read_json(&dir.join("trueconf-api.json"));
        assert_eq!(bundle["x-api-version"], version);
        let participant = &bundle["$defs"]["ConferenceParticipant"]["properties"];
        assert_eq!(
            participant.get("reaction").is_some(),
            version == 2,
            "participant reaction arrived in v.2"
        );
        let monitor = &bundle["$defs"]["MonitorInfo"]["properties"];
        assert_eq!(monitor.get("deviceInstancePath").is_some(), version == 2);
        let v2_only = dir.join("requests/setReaction.json");
        assert_eq!(
            v2_only.exists(),
            version == 2,
            "setReaction exists only in v.2"
        );
    }
    let bad = tool()
        .args(["schema", "--api", "3"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}

/// An alias (a name TrueConf's clients send instead of the documented one) is in the schema
/// as a deprecated property pointing at its wire name; the documented name stays required, and
/// the two are never valid together, as the decoder rejects a value given twice.
#[test]
fn an_alias_is_described_and_never_valid_together_with_its_wire_name() {
    let dir = export("aliases");
    let schema = read_json(&schema_file(&dir, ExampleRole::Request, "sendFile"));
    assert_eq!(schema["properties"]["peerId"]["x-alias-of"], "callId");
    assert_eq!(schema["properties"]["peerId"]["deprecated"], true);
    assert!(schema["required"]
        .as_array()
        .expect("required")
        .contains(&Value::from("callId")));
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let documented = serde_json::json!({"method": "sendFile", "fileId": 1, "callId": "a@b"});
    assert!(validator.is_valid(&documented));
    let both =
        serde_json::json!({"method": "sendFile", "fileId": 1, "callId": "a@b", "peerId": "a@b"});
    assert!(!validator.is_valid(&both));
}
