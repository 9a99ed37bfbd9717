//! `schema`: JSON Schema export, one file per message plus a bundle of everything.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{json, Value};

use super::schemas::{Message, MessageSchema, Source};
use super::{ApiVersion, EXIT_USAGE};

/// The folders this command owns inside the output folder (stale files there are removed).
const MESSAGE_FOLDERS: [&str; 3] = ["requests", "responses", "notifications"];

/// `schema [--out DIR] [--api 1|2] [--definitions DIR]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write into: DIR/requests/<method>.json, DIR/responses/<method>.json,
    /// DIR/notifications/<event>.json and the bundle DIR/trueconf-api.json.
    #[arg(long, short, value_name = "DIR", default_value = "jsonschema")]
    out: PathBuf,
    /// Only what this API version has: the messages and fields it lacks are left out.
    #[arg(long, value_name = "VERSION")]
    api: Option<ApiVersion>,
    /// Export the definitions in this folder (as `definitions --out` writes them, then edited)
    /// instead of the ones the tool was built from. A folder that does not validate is a
    /// usage error.
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
}

/// Writes every schema into `--out` (only API version `--api`'s messages and fields, when
/// given); returns the exit code.
pub fn run(args: &Args) -> u8 {
    let source = match Source::from_args(args.definitions.as_deref()) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let out = &args.out;
    let mut export = Export {
        api: args.api.map(ApiVersion::number),
        out: out.to_path_buf(),
        bundle: settings().into_generator(),
        commands: Vec::new(),
        notifications: Vec::new(),
        tiers: BTreeMap::new(),
        files: 0,
        error: None,
    };
    if let Err(message) = export.prepare() {
        eprintln!("error: {message}");
        return EXIT_USAGE;
    }
    source.visit(&mut |message| export.message(message));
    let bundle = export.bundle_document();
    export.write(PathBuf::from("trueconf-api.json"), bundle);
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

fn root_schema(schema: &dyn MessageSchema) -> Value {
    schema.root(SchemaGenerator::new(settings())).to_value()
}

struct Export {
    api: Option<u8>,
    out: PathBuf,
    bundle: SchemaGenerator,
    /// Wire names of the exported commands and notifications, for the bundle.
    commands: Vec<String>,
    notifications: Vec<String>,
    /// The same names by the tier of their evidence (`x-source`): tier → (commands,
    /// notifications).
    tiers: BTreeMap<&'static str, (Vec<String>, Vec<String>)>,
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

    fn includes(&self, api: &[u8]) -> bool {
        self.api.is_none_or(|version| api.contains(&version))
    }

    /// Writes one message's files and adds its schemas to the bundle.
    fn message(&mut self, message: Message<'_>) {
        match message {
            Message::Command {
                facts,
                request,
                response,
            } => {
                if !self.includes(facts.api) {
                    return;
                }
                let method = facts.wire_name;
                self.export("requests", method, request);
                self.export("responses", method, response);
                self.commands.push(method.to_string());
                let tier = self.tiers.entry(facts.source.as_str()).or_default();
                tier.0.push(method.to_string());
            }
            Message::Notification { facts, schema } => {
                if !self.includes(facts.api) {
                    return;
                }
                let event = facts.wire_name;
                self.export("notifications", event, schema);
                self.notifications.push(event.to_string());
                let tier = self.tiers.entry(facts.source.as_str()).or_default();
                tier.1.push(event.to_string());
            }
        }
    }

    /// Writes `schema` as a document of its own to FOLDER/NAME.json, and adds it to the bundle.
    fn export(&mut self, folder: &str, name: &str, schema: &dyn MessageSchema) {
        self.write(
            Path::new(folder).join(format!("{name}.json")),
            root_schema(schema),
        );
        schema.subschema(&mut self.bundle);
    }

    /// Writes one schema file (restricted to `--api`), counting it; the first error stops the
    /// rest.
    fn write(&mut self, relative: PathBuf, mut schema: Value) {
        if self.error.is_some() {
            return;
        }
        if let Some(version) = self.api {
            restrict_to_api(&mut schema, version);
        }
        let path = self.out.join(relative);
        let text = match serde_json::to_string_pretty(&schema) {
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
        let mut definitions = Value::Object(self.bundle.take_definitions(true));
        if let Some(version) = self.api {
            restrict_to_api(&mut definitions, version);
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "TrueConf Room API",
            "description": "Every typed message and type of the TrueConf Room / VideoSDK WebSocket API, under $defs. Requests are <Name>Request, responses <Name>Response (success and failure forms), notifications <Name>. Objects allow keys they do not list; those of the client tier (x-source \"client\": no doc page, typed from what TrueConf's clients send and read) keep them and say so with additionalProperties true. x-tiers lists the messages by the tier of their evidence. A key that appears twice in one object is rejected by the trueconf-api decoder; JSON Schema cannot express that (a parser keeps one of the values), so validate duplicate keys separately if it matters.",
            "x-duplicate-keys": "rejected",
            "x-api-version": self.api,
            "x-commands": self.commands,
            "x-notifications": self.notifications,
            "x-tiers": self.tiers.iter().map(|(tier, (commands, notifications))| {
                (tier.to_string(), json!({ "commands": commands, "notifications": notifications }))
            }).collect::<serde_json::Map<String, Value>>(),
            "$defs": definitions,
        })
    }
}

/// Removes, everywhere in `schema`, the properties whose `x-api-versions` does not list
/// `version` (and takes them out of `required`).
fn restrict_to_api(schema: &mut Value, version: u8) {
    match schema {
        Value::Object(object) => {
            let mut removed = Vec::new();
            if let Some(Value::Object(properties)) = object.get_mut("properties") {
                properties.retain(|key, property| {
                    let keep = property
                        .get("x-api-versions")
                        .and_then(Value::as_array)
                        .is_none_or(|versions| {
                            versions.iter().any(|v| v.as_u64() == Some(version.into()))
                        });
                    if !keep {
                        removed.push(key.clone());
                    }
                    keep
                });
            }
            if let Some(Value::Array(required)) = object.get_mut("required") {
                required.retain(|key| !removed.iter().any(|gone| key.as_str() == Some(gone)));
            }
            for value in object.values_mut() {
                restrict_to_api(value, version);
            }
        }
        Value::Array(items) => {
            for item in items {
                restrict_to_api(item, version);
            }
        }
        _ => {}
    }
}
