//! Typed decoders by message name: shared by `benches/decode.rs`, `examples/decode_loop.rs`
//! and the downstream harness (`benches/downstream`), so they decode the same messages the
//! same way. Written against the API every measured commit has (the downstream harness
//! builds this file against older commits too): `from_slice::<T>` is called with concrete
//! message types only.

use std::collections::HashMap;

use serde_json::Value;
use trueconf_api::{Command, MessageVisitor, Notification, Response};

/// Decodes one message; `true` when it decoded.
pub type Decode = fn(&[u8]) -> bool;

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

    /// The decoder for this message, by its `method` (and `event`); `None` for a name the
    /// bindings do not type.
    pub fn find(&self, json: &Value) -> Option<Decode> {
        let notification = json["method"] == "event";
        let name = json[if notification { "event" } else { "method" }].as_str()?;
        self.by_name.get(&(notification, name)).copied()
    }

    /// The decoder for this message, by its `method` (and `event`).
    pub fn for_message(&self, json: &Value) -> Decode {
        self.find(json)
            .unwrap_or_else(|| panic!("no typed decoder for {json}"))
    }
}

impl MessageVisitor for Decoders {
    fn command<C: Command>(&mut self) {
        let decode: Decode = if self.plain_serde {
            |json| std::hint::black_box(serde_json::from_slice::<Response<C>>(json)).is_ok()
        } else {
            |json| std::hint::black_box(trueconf_api::from_slice::<Response<C>>(json)).is_ok()
        };
        self.by_name.insert((false, C::METHOD), decode);
    }
    fn notification<N: Notification>(&mut self) {
        let decode: Decode = if self.plain_serde {
            |json| std::hint::black_box(serde_json::from_slice::<N>(json)).is_ok()
        } else {
            |json| std::hint::black_box(trueconf_api::from_slice::<N>(json)).is_ok()
        };
        self.by_name.insert((true, N::EVENT), decode);
    }
}
