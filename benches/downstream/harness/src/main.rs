//! Decoding measured from outside trueconf-api, as a user's crate compiles it: this crate
//! depends on trueconf-api by path, in release with cargo's default settings, so whatever the
//! bindings leave to the caller (generic and `#[inline]` decoders) is compiled here and calls
//! into trueconf-api's compiled code across the crate boundary. `scripts/downstream-decode.sh`
//! builds it against several commits and runs them all in the same session.
//!
//! Corpora are JSON Lines files written by `benches/downstream/corpora` (the messages of
//! `benches/decode.rs`), so both builds read the same bytes. Decoders: `typed`
//! (`trueconf_api::from_slice` straight into the known type), `dispatch`
//! (`ServerMessage::from_slice`), and the references `value` (`serde_json::Value`) and `floor`
//! (`serde::de::IgnoredAny`, the JSON parse floor), compiled in a crate of their own
//! (`benches/downstream/reference`) so that they are the same machine code in every build.
//!
//! ```text
//! decode-downstream typable FILE                 indices of the lines this build types and decodes
//! decode-downstream measure DIR SECONDS [a b c]  median ns per pass of each decoder, interleaved
//! decode-downstream loop FILE DECODER PASSES     PASSES passes, for valgrind --tool=callgrind
//!                                                (--toggle-collect='*measured_passes*')
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use decode_downstream_reference::{floor, value};
use serde_json::Value;
use trueconf_api::ServerMessage;

#[path = "../../../support/typed_decoders.rs"]
mod typed_decoders;

use typed_decoders::{Decode, Decoders};

/// The decoders measured, in the order a round starts from.
const DECODERS: [&str; 4] = ["typed", "dispatch", "value", "floor"];

fn dispatch(json: &[u8]) -> bool {
    std::hint::black_box(ServerMessage::from_slice(json)).is_ok()
}


/// One corpus: its messages, each with the typed decoder for its name.
struct Corpus {
    messages: Vec<(Vec<u8>, Decode)>,
}

impl Corpus {
    /// The messages of a JSON Lines file; every one must be typed by this build.
    fn load(path: &Path, decoders: &Decoders) -> Corpus {
        let text =
            std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let messages = text
            .split(|&byte| byte == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| {
                let json: Value = serde_json::from_slice(line).expect("corpus lines are JSON");
                (line.to_vec(), decoders.for_message(&json))
            })
            .collect();
        Corpus { messages }
    }

    fn bytes(&self) -> usize {
        self.messages.iter().map(|(json, _)| json.len()).sum()
    }

    /// The function that decodes a message by `decoder`, for each message.
    fn decode_fn(decoder: &str) -> Option<Decode> {
        match decoder {
            "typed" => None,
            "dispatch" => Some(dispatch),
            "value" => Some(value),
            "floor" => Some(floor),
            other => panic!("unknown decoder `{other}`: typed, dispatch, value or floor"),
        }
    }

    /// The messages with the function that decodes each by `decoder`.
    fn with_decoder(&self, decoder: &str) -> Vec<(&[u8], Decode)> {
        let general = Self::decode_fn(decoder);
        self.messages
            .iter()
            .map(|(json, typed)| (json.as_slice(), general.unwrap_or(*typed)))
            .collect()
    }
}

/// `passes` passes over `messages`: the only code callgrind counts (`--toggle-collect`).
#[inline(never)]
fn measured_passes(messages: &[(&[u8], Decode)], passes: usize) {
    for _ in 0..passes {
        for (json, decode) in messages {
            assert!(
                decode(std::hint::black_box(json)),
                "a corpus message failed to decode"
            );
        }
    }
}

/// Median ns per pass of each decoder, measured interleaved: every round runs each decoder
/// once, in rotating order, so a neighbour's load hits all of them alike.
fn medians(corpus: &Corpus, budget: Duration) -> Vec<(&'static str, f64)> {
    let passes = (2_000_000 / corpus.bytes().max(1)).clamp(1, 2000);
    let runs: Vec<Vec<(&[u8], Decode)>> = DECODERS
        .iter()
        .map(|decoder| corpus.with_decoder(decoder))
        .collect();
    let mut samples = vec![Vec::new(); DECODERS.len()];
    let started = Instant::now();
    let mut round = 0;
    while round < 15 || (started.elapsed() < budget && round < 400) {
        for offset in 0..DECODERS.len() {
            let which = (round + offset) % DECODERS.len();
            let start = Instant::now();
            measured_passes(&runs[which], passes);
            samples[which].push(start.elapsed().as_nanos() as f64 / passes as f64);
        }
        round += 1;
    }
    DECODERS
        .iter()
        .zip(samples)
        .map(|(decoder, mut values)| {
            values.sort_by(f64::total_cmp);
            (*decoder, values[values.len() / 2])
        })
        .collect()
}

fn usage() -> ! {
    eprintln!(
        "usage: decode-downstream typable FILE\n       \
         decode-downstream measure DIR SECONDS [CORPUS…]\n       \
         decode-downstream loop FILE DECODER PASSES"
    );
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let decoders = Decoders::new(false);
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["typable", file] => {
            // A message counts when this build has its type and both typed decoding and
            // dispatch accept it.
            let text = std::fs::read(file).unwrap_or_else(|error| panic!("{file}: {error}"));
            for (index, line) in text.split(|&byte| byte == b'\n').enumerate() {
                let Ok(json) = serde_json::from_slice::<Value>(line) else {
                    continue;
                };
                if decoders
                    .find(&json)
                    .is_some_and(|decode| decode(line) && dispatch(line))
                {
                    println!("{index}");
                }
            }
        }
        ["measure", dir, seconds, corpora @ ..] => {
            let budget = Duration::from_secs_f64(seconds.parse().unwrap_or_else(|_| usage()));
            let names: &[&str] = if corpora.is_empty() {
                &["a", "b", "c"]
            } else {
                corpora
            };
            for name in names {
                let corpus = Corpus::load(&Path::new(dir).join(format!("{name}.jsonl")), &decoders);
                for (decoder, ns) in medians(&corpus, budget) {
                    println!("{name}\t{decoder}\t{ns:.0}\t{}", corpus.messages.len());
                }
            }
        }
        ["loop", file, decoder, passes] => {
            let corpus = Corpus::load(Path::new(file), &decoders);
            let run = corpus.with_decoder(decoder);
            measured_passes(&run, passes.parse().unwrap_or_else(|_| usage()));
        }
        _ => usage(),
    }
}
