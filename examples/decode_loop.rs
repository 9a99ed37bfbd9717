//! Decodes messages in a loop by the chosen path, for instruction-exact profiles
//! (docs/performance.md, Decoding):
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

#[path = "../benches/support/corpora.rs"]
#[allow(dead_code)] // corpora (b) and (c) are the benchmark's
mod corpora;
#[path = "../benches/support/typed_decoders.rs"]
#[allow(dead_code)] // `Decoders::find` is the downstream harness's
mod typed_decoders;

use corpora::documented_server_examples;
use typed_decoders::{Decode, Decoders};

const MESSAGE: &[u8] = br#"{"method":"event","event":"incomingFileRequestDownloadingProgress","fileSize":80488954,"processedPercents":20,"fileRequestId":"3322be1a-5736-4a01-8007-cbee8036f8b8","fileName":"777.zip","peerId":"820_1@some.server","peerDisplayName":"820_1","timestamp":1659288685582}"#;

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
        let decoders = Decoders::new(path == "serde");
        let model = trueconf_api_codegen::load_model(std::path::Path::new("schema"))
            .unwrap_or_else(|problems| panic!("{problems}"));
        let messages = documented_server_examples(&model)
            .iter()
            .map(|json| {
                let decode = general.unwrap_or_else(|| decoders.for_message(json));
                (serde_json::to_vec(json).expect("encodes"), decode)
            })
            .collect();
        (messages, 500)
    } else {
        let decode = general.unwrap_or_else(|| {
            let message = serde_json::from_slice(MESSAGE).expect("JSON");
            Decoders::new(path == "serde").for_message(&message)
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
