//! `asyncapi`: one AsyncAPI 3.0 document for the whole WebSocket — one channel, a send
//! operation per command with its reply (correlated by `requestId`), a receive operation per
//! notification, payloads as JSON Schema draft-07 (what AsyncAPI's default schema format is).

use std::path::PathBuf;

use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};
use trueconf_api::schema_support::MessageFacts;

use super::schemas::{Message, MessageSchema, Source};
use super::EXIT_USAGE;

/// `asyncapi [--out FILE] [--definitions DIR]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to write.
    #[arg(long, short, value_name = "FILE", default_value = "asyncapi.json")]
    out: PathBuf,
    /// Describe the definitions in this folder (as `definitions --out` writes them, then
    /// edited) instead of the ones the tool was built from. A folder that does not validate
    /// is a usage error.
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
}

/// Writes the document to `--out`; returns the exit code.
pub fn run(args: &Args) -> u8 {
    let source = match Source::from_args(args.definitions.as_deref()) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let out = &args.out;
    let document = document(&source);
    let text = match serde_json::to_string_pretty(&document) {
        Ok(text) => text + "\n",
        Err(error) => {
            eprintln!("error: cannot encode the AsyncAPI document: {error}");
            return EXIT_USAGE;
        }
    };
    if let Some(parent) = out.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        if let Err(error) = std::fs::create_dir_all(parent) {
            eprintln!("error: cannot create {}: {error}", parent.display());
            return EXIT_USAGE;
        }
    }
    match std::fs::write(out, text) {
        Ok(()) => {
            println!("wrote the AsyncAPI 3.0 document to {}", out.display());
            0
        }
        Err(error) => {
            eprintln!("error: cannot write {}: {error}", out.display());
            EXIT_USAGE
        }
    }
}

/// The whole AsyncAPI document of `source`'s messages.
pub fn document(source: &Source) -> Value {
    let mut collector = Collector {
        generator: SchemaSettings::draft07()
            .with(|settings| settings.definitions_path = "/components/schemas".into())
            .into_generator(),
        messages: Map::new(),
        operations: Map::new(),
    };
    source.visit(&mut |message| collector.add(message));
    let schemas = collector.generator.take_definitions(true);
    let channel_messages: Map<String, Value> = collector
        .messages
        .keys()
        .map(|name| {
            (
                name.clone(),
                json!({ "$ref": format!("#/components/messages/{name}") }),
            )
        })
        .collect();
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "TrueConf Room API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The TrueConf Room / VideoSDK WebSocket JSON API as trueconf-api types it: every command (a request answered by a response with the same method and the echoed requestId) and every notification (\"method\": \"event\"). Generated from the definitions in schema/."
        },
        "defaultContentType": "application/json",
        "servers": {
            "room": {
                "host": "room.example:8765",
                "protocol": "ws",
                "description": "A TrueConf Room's WebSocket; the port (8765 by default) is in http://ROOM:PORT/public/default/config.json."
            }
        },
        "channels": {
            "room": {
                "address": "/",
                "title": "Room control WebSocket",
                "description": "The one WebSocket all requests, responses and notifications travel on.",
                "messages": channel_messages
            }
        },
        "operations": collector.operations,
        "components": {
            "schemas": schemas,
            "messages": collector.messages,
            "correlationIds": {
                "requestId": {
                    "description": "A response echoes the requestId of its request (absent or empty when the request had none).",
                    "location": "$message.payload#/requestId"
                }
            }
        }
    })
}

struct Collector {
    generator: SchemaGenerator,
    messages: Map<String, Value>,
    operations: Map<String, Value>,
}

impl Collector {
    /// Registers the payload schema and the message; returns the message name.
    fn message(
        &mut self,
        schema: &dyn MessageSchema,
        facts: &MessageFacts<'_>,
        correlated: bool,
    ) -> String {
        schema.subschema(&mut self.generator);
        let name = schema.name();
        let mut message = json!({
            "name": name,
            "title": name,
            "summary": facts.summary,
            "payload": { "$ref": format!("#/components/schemas/{name}") },
            "x-wire-name": facts.wire_name,
            "x-api-versions": facts.api,
            "x-source": facts.source.as_str(),
        });
        if correlated {
            message["correlationId"] = json!({ "$ref": "#/components/correlationIds/requestId" });
        }
        self.messages.insert(name.clone(), message);
        name
    }

    /// A send operation with its reply per command, a receive operation per notification.
    fn add(&mut self, message: Message<'_>) {
        match message {
            Message::Command {
                facts,
                request,
                response,
            } => {
                let request = self.message(request, &facts, true);
                let response = self.message(response, &facts, true);
                self.operations.insert(
                    format!("send{}", facts.rust_name),
                    json!({
                        "action": "send",
                        "title": facts.wire_name,
                        "summary": facts.summary,
                        "channel": { "$ref": "#/channels/room" },
                        "messages": [channel_message(&request)],
                        "reply": {
                            "channel": { "$ref": "#/channels/room" },
                            "messages": [channel_message(&response)]
                        }
                    }),
                );
            }
            Message::Notification { facts, schema } => {
                let message = self.message(schema, &facts, false);
                self.operations.insert(
                    format!("receive{}", facts.rust_name),
                    json!({
                        "action": "receive",
                        "title": facts.wire_name,
                        "summary": facts.summary,
                        "channel": { "$ref": "#/channels/room" },
                        "messages": [channel_message(&message)]
                    }),
                );
            }
        }
    }
}

fn channel_message(name: &str) -> Value {
    json!({ "$ref": format!("#/channels/room/messages/{name}") })
}
