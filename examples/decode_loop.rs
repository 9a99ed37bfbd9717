//! Decodes messages in a loop by the chosen path, for instruction-exact profiles (the README's
//! Performance section):
//!
//! ```sh
//! cargo build --release --example decode_loop
//! valgrind --tool=callgrind target/release/examples/decode_loop dispatch
//! valgrind --tool=callgrind target/release/examples/decode_loop typed examples
//! ```
//!
//! Paths: `dispatch` (ServerMessage::from_slice), `typed` (trueconf_api::from_slice straight
//! into the known type), `serde` (plain serde_json::from_slice, string keys), `value`
//! (serde_json::Value), `floor` (serde::de::IgnoredAny).
//!
//! Messages: one progress notification 100,000 times (default), or `examples`: every
//! documented server→client example of `schema/` (benchmark corpus (a)), 500 times. A third
//! argument sets the number of rounds (`0` measures the set-up, to subtract); a fourth,
//! `grouped`, decodes each message all its rounds in a row (the same work with each type's
//! code kept hot, to separate instruction-cache effects from the work itself).

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use trueconf_api::notifications::IncomingFileRequestDownloadingProgress as Progress;
use trueconf_api::{Command, MessageVisitor, Notification, Response};
use trueconf_api_codegen::model::ExampleRole;

const MESSAGE: &[u8] = br#"{"method":"event","event":"incomingFileRequestDownloadingProgress","fileSize":80488954,"processedPercents":20,"fileRequestId":"3322be1a-5736-4a01-8007-cbee8036f8b8","fileName":"777.zip","peerId":"820_1@some.server","peerDisplayName":"820_1","timestamp":1659288685582}"#;

type Decode = fn(&[u8]) -> bool;

fn typed<T: DeserializeOwned>(json: &[u8]) -> bool {
    trueconf_api::from_slice::<T>(json).is_ok()
}

fn serde_typed<T: DeserializeOwned>(json: &[u8]) -> bool {
    serde_json::from_slice::<T>(json).is_ok()
}

/// Typed decoders by (is notification, name), for plain `typed` and `serde` paths.
struct Decoders {
    serde: bool,
    by_name: HashMap<(bool, &'static str), Decode>,
}

impl MessageVisitor for Decoders {
    fn command<C: Command>(&mut self) {
        let decode: Decode = if self.serde {
            serde_typed::<Response<C>>
        } else {
            typed::<Response<C>>
        };
        self.by_name.insert((false, C::METHOD), decode);
    }
    fn notification<N: Notification>(&mut self) {
        let decode: Decode = if self.serde {
            serde_typed::<N>
        } else {
            typed::<N>
        };
        self.by_name.insert((true, N::EVENT), decode);
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "dispatch".to_string());
    let corpus = args.next().unwrap_or_default();
    let general: Option<Decode> = match path.as_str() {
        "dispatch" => Some(|json| trueconf_api::ServerMessage::from_slice(json).is_ok()),
        "value" => Some(|json| serde_json::from_slice::<serde_json::Value>(json).is_ok()),
        "floor" => Some(|json| serde_json::from_slice::<serde::de::IgnoredAny>(json).is_ok()),
        "typed" | "serde" => None,
        other => {
            eprintln!("unknown path `{other}`: dispatch, typed, serde, value or floor");
            std::process::exit(2);
        }
    };
    let (messages, rounds): (Vec<(Vec<u8>, Decode)>, usize) = if corpus == "examples" {
        let mut decoders = Decoders {
            serde: path == "serde",
            by_name: HashMap::new(),
        };
        trueconf_api::visit_messages(&mut decoders);
        let model = trueconf_api_codegen::load_model(std::path::Path::new("schema"))
            .unwrap_or_else(|problems| panic!("{problems}"));
        let messages = model
            .messages()
            .flat_map(|(_, examples)| examples.iter())
            .filter(|example| example.documented && example.role != ExampleRole::Request)
            .filter_map(|example| example.json.as_ref())
            .map(|json| {
                let notification = json["method"] == "event";
                let name = json[if notification { "event" } else { "method" }]
                    .as_str()
                    .expect("named");
                let decode = general.unwrap_or_else(|| {
                    *decoders
                        .by_name
                        .get(&(notification, name))
                        .unwrap_or_else(|| panic!("no typed decoder for `{name}`"))
                });
                (serde_json::to_vec(json).expect("encodes"), decode)
            })
            .collect();
        (messages, 500)
    } else {
        let decode = general.unwrap_or(if path == "serde" {
            serde_typed::<Progress>
        } else {
            typed::<Progress>
        });
        (vec![(MESSAGE.to_vec(), decode)], 100_000)
    };
    // A third argument overrides the number of rounds (0 measures the set-up alone).
    let rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(rounds);
    // `grouped` as a fourth argument decodes each message `rounds` times in a row instead of
    // cycling through all of them: the same work, with each type's code staying hot.
    if args.next().as_deref() == Some("grouped") {
        for (message, decode) in &messages {
            for _ in 0..rounds {
                assert!(decode(std::hint::black_box(message)));
            }
        }
    } else {
        for _ in 0..rounds {
            for (message, decode) in &messages {
                assert!(decode(std::hint::black_box(message)));
            }
        }
    }
}
