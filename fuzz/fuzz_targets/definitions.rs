//! Any text as a definition file: the loader and validator report problems, never panic.
#![no_main]

use std::path::Path;

use trueconf_api_codegen::load::{parse_definition, LoadedFile, RawCompatibility};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let root = Path::new("schema");
    let compatibility = RawCompatibility {
        schema: None,
        minimum_room_version: "4.3.0".to_string(),
        reason: "fuzzing".to_string(),
    };
    for folder in ["commands", "notifications", "types"] {
        let path = root.join(folder).join("fuzzed.json");
        if let Ok(definition) = parse_definition(&path, text) {
            // Named after itself, so validation goes past the file-name check.
            let path = root.join(folder).join(format!("{}.json", definition.name));
            let file = LoadedFile { path, folder, definition };
            let _ = trueconf_api_codegen::validate::validate(root, &[file], &compatibility);
        }
    }
});
