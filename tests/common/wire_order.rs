//! Messages written in the documented wire order (`serde_json::Value` itself sorts keys
//! alphabetically). Shared by the integration tests (through `common`) and the decode bench
//! (through `#[path]`).

use serde_json::{Map, Value};

/// `object`'s entries in the documented wire order (`method`, `event`, `requestId` first,
/// `result` last, the rest as they come), or in the reverse of that order.
pub fn in_wire_order(object: &Map<String, Value>, reversed: bool) -> Vec<u8> {
    let rank = |key: &str| match key {
        "method" => 0,
        "event" => 1,
        "requestId" => 2,
        "result" => 4,
        _ => 3,
    };
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort_by_key(|key| rank(key));
    if reversed {
        keys.reverse();
    }
    let mut out = b"{".to_vec();
    for (index, key) in keys.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, key).expect("encodes");
        out.push(b':');
        serde_json::to_writer(&mut out, &object[key.as_str()]).expect("encodes");
    }
    out.push(b'}');
    out
}
