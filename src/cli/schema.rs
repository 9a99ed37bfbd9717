//! `schema`: JSON Schema export, one file per message plus a bundle of everything.

use std::fs;
use std::path::{Path, PathBuf};

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Value};
use trueconf_api::{visit_messages, Command, MessageVisitor, Notification, Request, Response};

use super::EXIT_USAGE;

/// The folders this command owns inside the output folder (stale files there are removed).
const MESSAGE_FOLDERS: [&str; 3] = ["requests", "responses", "notifications"];

/// Writes every schema into `out`; returns the exit code.
pub fn run(out: &Path) -> u8 {
    let mut export = Export {
        out: out.to_path_buf(),
        bundle: settings().into_generator(),
        files: 0,
        error: None,
    };
    if let Err(message) = export.prepare() {
        eprintln!("error: {message}");
        return EXIT_USAGE;
    }
    visit_messages(&mut export);
    let bundle = export.bundle_document();
    export.write(PathBuf::from("trueconf-api.json"), &bundle);
    if let Some(message) = export.error {
        eprintln!("error: {message}");
        return EXIT_USAGE;
    }
    println!(
        "wrote {} JSON Schema files to {}",
        export.files,
        out.display()
    );
    0
}

fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12()
}

fn root_schema<T: JsonSchema>() -> Value {
    SchemaGenerator::new(settings())
        .into_root_schema_for::<T>()
        .to_value()
}

struct Export {
    out: PathBuf,
    bundle: SchemaGenerator,
    files: usize,
    error: Option<String>,
}

impl Export {
    /// Creates the folders and removes schemas of a previous run, so a message that left the
    /// definitions does not leave its schema behind.
    fn prepare(&self) -> Result<(), String> {
        for folder in MESSAGE_FOLDERS {
            let dir = self.out.join(folder);
            fs::create_dir_all(&dir)
                .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
            let entries = fs::read_dir(&dir)
                .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "json") {
                    fs::remove_file(&path)
                        .map_err(|error| format!("cannot remove {}: {error}", path.display()))?;
                }
            }
        }
        Ok(())
    }

    fn write(&mut self, relative: PathBuf, schema: &Value) {
        if self.error.is_some() {
            return;
        }
        let path = self.out.join(relative);
        let text = match serde_json::to_string_pretty(schema) {
            Ok(text) => text + "\n",
            Err(error) => {
                self.error = Some(format!("cannot encode {}: {error}", path.display()));
                return;
            }
        };
        match fs::write(&path, text) {
            Ok(()) => self.files += 1,
            Err(error) => self.error = Some(format!("cannot write {}: {error}", path.display())),
        }
    }

    fn bundle_document(&mut self) -> Value {
        let definitions = self.bundle.take_definitions(true);
        let mut commands = Vec::new();
        let mut notifications = Vec::new();
        for name in trueconf_api::COMMAND_NAMES {
            commands.push(*name);
        }
        for name in trueconf_api::NOTIFICATION_NAMES {
            notifications.push(*name);
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "TrueConf Room API",
            "description": "Every typed message and type of the TrueConf Room / VideoSDK WebSocket API, under $defs. Requests are <Name>Request, responses <Name>Response (success and failure forms), notifications <Name>. Objects allow keys they do not list. A key that appears twice in one object is rejected by the trueconf-api decoder; JSON Schema cannot express that (a parser keeps one of the values), so validate duplicate keys separately if it matters.",
            "x-duplicate-keys": "rejected",
            "x-commands": commands,
            "x-notifications": notifications,
            "$defs": definitions,
        })
    }
}

impl MessageVisitor for Export {
    fn command<C: Command>(&mut self) {
        self.write(
            PathBuf::from("requests").join(format!("{}.json", C::METHOD)),
            &root_schema::<Request<C>>(),
        );
        self.write(
            PathBuf::from("responses").join(format!("{}.json", C::METHOD)),
            &root_schema::<Response<C>>(),
        );
        self.bundle.subschema_for::<Request<C>>();
        self.bundle.subschema_for::<Response<C>>();
    }

    fn notification<N: Notification>(&mut self) {
        self.write(
            PathBuf::from("notifications").join(format!("{}.json", N::EVENT)),
            &root_schema::<N>(),
        );
        self.bundle.subschema_for::<N>();
    }
}
