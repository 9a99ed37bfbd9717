//! Decodes one progress notification 100,000 times by the chosen path, for instruction-exact
//! profiles (the README's Performance section):
//!
//! ```sh
//! cargo build --release --example decode_loop
//! valgrind --tool=callgrind target/release/examples/decode_loop dispatch
//! ```
//!
//! Paths: `dispatch` (ServerMessage::from_slice), `typed` (trueconf_api::from_slice),
//! `serde` (plain serde_json::from_slice, string keys), `value` (serde_json::Value),
//! `floor` (serde::de::IgnoredAny).

use trueconf_api::notifications::IncomingFileRequestDownloadingProgress as Progress;

const MESSAGE: &[u8] = br#"{"method":"event","event":"incomingFileRequestDownloadingProgress","fileSize":80488954,"processedPercents":20,"fileRequestId":"3322be1a-5736-4a01-8007-cbee8036f8b8","fileName":"777.zip","peerId":"820_1@some.server","peerDisplayName":"820_1","timestamp":1659288685582}"#;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "dispatch".to_string());
    let decode: fn(&[u8]) -> bool = match path.as_str() {
        "dispatch" => |json| trueconf_api::ServerMessage::from_slice(json).is_ok(),
        "typed" => |json| trueconf_api::from_slice::<Progress>(json).is_ok(),
        "serde" => |json| serde_json::from_slice::<Progress>(json).is_ok(),
        "value" => |json| serde_json::from_slice::<serde_json::Value>(json).is_ok(),
        "floor" => |json| serde_json::from_slice::<serde::de::IgnoredAny>(json).is_ok(),
        other => {
            eprintln!("unknown path `{other}`: dispatch, typed, serde, value or floor");
            std::process::exit(2);
        }
    };
    for _ in 0..100_000 {
        assert!(decode(std::hint::black_box(MESSAGE)));
    }
}
