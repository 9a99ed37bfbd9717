//! `schema/definition.schema.json` is generated from the codegen's own structs; it must be
//! fresh, and every definition must validate against it (so editors flag what the build would).
//!
//! To refresh it after changing the format: `UPDATE_DEFINITION_SCHEMA=1 cargo test --test definition_format`.

use std::fs;
use std::path::Path;

const FILE: &str = "schema/definition.schema.json";

#[test]
fn the_definition_format_schema_is_fresh() {
    let expected = trueconf_api_codegen::definition_format_schema_text();
    if std::env::var_os("UPDATE_DEFINITION_SCHEMA").is_some() {
        fs::write(FILE, &expected).expect("write");
    }
    let current = fs::read_to_string(FILE).unwrap_or_default();
    assert!(
        current == expected,
        "{FILE} is stale: run `UPDATE_DEFINITION_SCHEMA=1 cargo test --test definition_format`"
    );
}

#[test]
fn every_definition_validates_against_the_format_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&trueconf_api_codegen::definition_format_schema_text())
            .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let mut checked = 0;
    for folder in ["commands", "notifications", "types"] {
        for entry in fs::read_dir(Path::new("schema").join(folder)).expect("folder") {
            let path = entry.expect("entry").path();
            let text = fs::read_to_string(&path).expect("read");
            let definition: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            let errors: Vec<String> = validator
                .iter_errors(&definition)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{}: {}",
                path.display(),
                errors.join("; ")
            );
            checked += 1;
        }
    }
    assert!(checked > 30);

    // And it catches what the loader would reject.
    let broken = serde_json::json!({"kind": "command", "name": "x", "summary": "s", "source": "documented", "typo": 1});
    assert!(!validator.is_valid(&broken));
    let missing =
        serde_json::json!({"kind": "command", "name": "x", "summary": "s", "source": "documented"});
    assert!(
        !validator.is_valid(&missing),
        "a command without request/response must not validate"
    );
}
