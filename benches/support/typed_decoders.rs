//! Typed decoders by message name, and corpus (a): shared by `benches/decode.rs` and
//! `examples/decode_loop.rs`, so the benchmark and the profiling loop decode the same messages
//! the same way.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;
use trueconf_api::{Command, MessageVisitor, Notification, Response, TypedMessage};
use trueconf_api_codegen::model::{ExampleRole, ExampleSource, Model};

/// Decodes one message; `true` when it decoded.
pub type Decode = fn(&[u8]) -> bool;

fn through_crate<T: TypedMessage>(json: &[u8]) -> bool {
    std::hint::black_box(trueconf_api::from_slice::<T>(json)).is_ok()
}

fn through_serde<T: DeserializeOwned>(json: &[u8]) -> bool {
    std::hint::black_box(serde_json::from_slice::<T>(json)).is_ok()
}

/// A decoder straight into each typed message, by (is notification, name).
pub struct Decoders {
    plain_serde: bool,
    by_name: HashMap<(bool, &'static str), Decode>,
}

impl Decoders {
    /// Through `trueconf_api::from_slice` (raw keys, located errors), or plain
    /// `serde_json::from_slice` when `plain_serde`.
    pub fn new(plain_serde: bool) -> Self {
        let mut decoders = Decoders {
            plain_serde,
            by_name: HashMap::new(),
        };
        trueconf_api::visit_messages(&mut decoders);
        decoders
    }

    /// The decoder for this message, by its `method` (and `event`).
    pub fn for_message(&self, json: &Value) -> Decode {
        let notification = json["method"] == "event";
        let name = json[if notification { "event" } else { "method" }]
            .as_str()
            .expect("named message");
        *self
            .by_name
            .get(&(notification, name))
            .unwrap_or_else(|| panic!("no typed decoder for `{name}`"))
    }
}

impl MessageVisitor for Decoders {
    fn command<C: Command>(&mut self) {
        let decode: Decode = if self.plain_serde {
            through_serde::<Response<C>>
        } else {
            through_crate::<Response<C>>
        };
        self.by_name.insert((false, C::METHOD), decode);
    }
    fn notification<N: Notification>(&mut self) {
        let decode: Decode = if self.plain_serde {
            through_serde::<N>
        } else {
            through_crate::<N>
        };
        self.by_name.insert((true, N::EVENT), decode);
    }
}

/// Corpus (a): every documented server→client example (responses and notifications).
pub fn documented_server_examples(model: &Model) -> Vec<Value> {
    model
        .messages()
        .flat_map(|(_, examples)| examples.iter())
        .filter(|example| {
            example.source == ExampleSource::Documented && example.role != ExampleRole::Request
        })
        .filter_map(|example| example.json.clone())
        .collect()
}
