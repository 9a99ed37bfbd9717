//! `asyncapi`: one AsyncAPI 3.0 document for the whole WebSocket — one channel, a send
//! operation per command with its reply (correlated by `requestId`), a receive operation per
//! notification, payloads as JSON Schema draft-07 (what AsyncAPI's default schema format is).

use std::path::PathBuf;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};
use trueconf_api::schema_support::{FieldsSchema, SchemaVisitor};
use trueconf_api::{visit_schema_messages, Command, MessageInfo, Notification, Request, Response};

use super::EXIT_USAGE;

/// `asyncapi [--out FILE]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to write.
    #[arg(long, short, value_name = "FILE", default_value = "asyncapi.json")]
    out: PathBuf,
}

/// Writes the document to `--out`; returns the exit code.
pub fn run(args: &Args) -> u8 {
    let out = &args.out;
    let document = document();
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

/// The whole AsyncAPI document.
pub fn document() -> Value {
    let mut collector = Collector {
        generator: SchemaSettings::draft07()
            .with(|settings| settings.definitions_path = "/components/schemas".into())
            .into_generator(),
        messages: Map::new(),
        operations: Map::new(),
    };
    visit_schema_messages(&mut collector);
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
    /// Registers the payload schema of `T` and its message; returns the message name.
    fn message<T: JsonSchema>(&mut self, info: &MessageInfo, correlated: bool) -> String {
        self.generator.subschema_for::<T>();
        let name = T::schema_name().into_owned();
        let mut message = json!({
            "name": name,
            "title": name,
            "summary": info.summary,
            "payload": { "$ref": format!("#/components/schemas/{name}") },
            "x-wire-name": info.wire_name,
            "x-api-versions": info.api,
        });
        if correlated {
            message["correlationId"] = json!({ "$ref": "#/components/correlationIds/requestId" });
        }
        self.messages.insert(name.clone(), message);
        name
    }
}

fn channel_message(name: &str) -> Value {
    json!({ "$ref": format!("#/channels/room/messages/{name}") })
}

impl SchemaVisitor for Collector {
    fn command<C: Command + FieldsSchema>(&mut self)
    where
        C::Response: FieldsSchema,
    {
        let request = self.message::<Request<C>>(C::INFO, true);
        let response = self.message::<Response<C>>(C::INFO, true);
        self.operations.insert(
            format!("send{}", C::INFO.rust_name),
            json!({
                "action": "send",
                "title": C::METHOD,
                "summary": C::INFO.summary,
                "channel": { "$ref": "#/channels/room" },
                "messages": [channel_message(&request)],
                "reply": {
                    "channel": { "$ref": "#/channels/room" },
                    "messages": [channel_message(&response)]
                }
            }),
        );
    }

    fn notification<N: Notification + FieldsSchema + JsonSchema>(&mut self) {
        let message = self.message::<N>(N::INFO, false);
        self.operations.insert(
            format!("receive{}", N::INFO.rust_name),
            json!({
                "action": "receive",
                "title": N::EVENT,
                "summary": N::INFO.summary,
                "channel": { "$ref": "#/channels/room" },
                "messages": [channel_message(&message)]
            }),
        );
    }
}
