//! Decoding and encoding speed, side by side with the baselines every TrueConf client has:
//! `serde_json::Value` (what the existing clients use) and `IgnoredAny` (the JSON parse floor:
//! the cost of reading the bytes at all).
//!
//! Corpora:
//! - (a) every documented server→client example, decoded in a loop as one mixed stream;
//! - (b) one getFileTransferHistory response with 10,000 records;
//! - (c) a stream of 100,000 progress and status notifications.
//!
//! For each: `ServerMessage::from_slice` (dispatch), straight into the known type (no dispatch),
//! the folder-driven checker (`FolderDecoder::decode_server` on `schema/` loaded at run time:
//! what `check --definitions` does per message, validating without building values), `Value`,
//! and `IgnoredAny`, first as criterion benchmarks (throughput, regressions), then measured
//! interleaved — every round runs all five in rotating order — so the ratio table printed at
//! the end (and written to `target/criterion/report.md`) compares medians taken under the same
//! conditions, even on a shared, noisy machine.
//!
//! Run: `cargo bench --bench decode`

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use serde::de::IgnoredAny;
use serde_json::{json, Value};
use trueconf_api::commands::SendFile;
use trueconf_api::folder::FolderDecoder;
use trueconf_api::{Command, ServerMessage};

#[path = "support/corpora.rs"]
mod corpora;
#[path = "support/criterion_dir.rs"]
mod criterion_dir;
#[path = "support/typed_decoders.rs"]
#[allow(dead_code)] // `Decoders::find` is the downstream harness's
mod typed_decoders;
#[path = "../tests/common/wire_order.rs"]
mod wire_order;

use corpora::documented_server_examples;
use criterion_dir::criterion_dir;
use typed_decoders::{Decode, Decoders};
use wire_order::in_wire_order;

struct Corpus {
    id: &'static str,
    title: &'static str,
    messages: Vec<Vec<u8>>,
    decoders: Vec<Decode>,
}

impl Corpus {
    /// A corpus of `messages`, each in wire order with the typed decoder for its name.
    fn new(id: &'static str, title: &'static str, messages: &[Value], decoders: &Decoders) -> Self {
        Corpus {
            id,
            title,
            decoders: messages
                .iter()
                .map(|json| decoders.for_message(json))
                .collect(),
            messages: messages.iter().map(wire_bytes).collect(),
        }
    }

    fn bytes(&self) -> u64 {
        self.messages.iter().map(|m| m.len() as u64).sum()
    }
}

/// A message's bytes in the documented wire order.
fn wire_bytes(json: &Value) -> Vec<u8> {
    in_wire_order(json.as_object().expect("message object"), false)
}

/// The definitions folder, loaded at run time for the folder-driven checker.
fn folder_decoder() -> FolderDecoder {
    FolderDecoder::load(Path::new("schema")).expect("definitions load")
}

fn build_corpora() -> Vec<Corpus> {
    let decoders = Decoders::new(false);
    let model = trueconf_api_codegen::load_model(Path::new("schema")).expect("definitions load");

    // (a) every documented server→client example.
    let mixed = Corpus::new(
        "a_documented_examples",
        "(a) documented server→client examples, mixed stream",
        &documented_server_examples(&model),
        &decoders,
    );

    // (b) one history with 10,000 records, both directions, some in conferences.
    let history = corpora::history_10000();
    let history = Corpus::new(
        "b_history_10000",
        "(b) getFileTransferHistory with 10,000 records",
        &[history],
        &decoders,
    );

    // (c) 100,000 progress and status notifications.
    let notifications = corpora::progress_100000();
    let stream = Corpus::new(
        "c_progress_100000",
        "(c) 100,000 progress and status notifications",
        &notifications,
        &decoders,
    );
    vec![mixed, history, stream]
}

const VARIANTS: [&str; 5] = ["dispatch", "typed", "folder", "value", "ignored_any"];

fn bench_corpus(group: &mut BenchmarkGroup<'_, WallTime>, corpus: &Corpus, folder: &FolderDecoder) {
    group.throughput(Throughput::Bytes(corpus.bytes()));
    group.bench_function("dispatch", |b| {
        b.iter(|| {
            for message in &corpus.messages {
                let decoded = ServerMessage::from_slice(message);
                assert!(std::hint::black_box(decoded).is_ok());
            }
        })
    });
    group.bench_function("typed", |b| {
        b.iter(|| {
            for (message, decode) in corpus.messages.iter().zip(&corpus.decoders) {
                assert!(decode(message));
            }
        })
    });
    group.bench_function("folder", |b| {
        b.iter(|| {
            for message in &corpus.messages {
                assert!(std::hint::black_box(folder.decode_server(message)).is_ok());
            }
        })
    });
    group.bench_function("value", |b| {
        b.iter(|| {
            for message in &corpus.messages {
                assert!(std::hint::black_box(serde_json::from_slice::<Value>(message)).is_ok());
            }
        })
    });
    group.bench_function("ignored_any", |b| {
        b.iter(|| {
            for message in &corpus.messages {
                assert!(
                    std::hint::black_box(serde_json::from_slice::<IgnoredAny>(message)).is_ok()
                );
            }
        })
    });
}

fn bench_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_send_file");
    group.bench_function("typed", |b| {
        b.iter(|| {
            let request = SendFile::new(std::hint::black_box(260_618_251u64), "820_1@some.server")
                .into_request()
                .with_request_id("1");
            serde_json::to_vec(&request).expect("encodes")
        })
    });
    group.bench_function("json_macro", |b| {
        b.iter(|| {
            let request = json!({"method": "sendFile", "requestId": "1", "fileId": std::hint::black_box(260_618_251u64), "callId": "820_1@some.server"});
            serde_json::to_vec(&request).expect("encodes")
        })
    });
    group.finish();
}

/// One pass of `variant` over the whole corpus.
fn run_pass(corpus: &Corpus, variant: &str, folder: &FolderDecoder) {
    match variant {
        "dispatch" => {
            for message in &corpus.messages {
                assert!(std::hint::black_box(ServerMessage::from_slice(message)).is_ok());
            }
        }
        "typed" => {
            for (message, decode) in corpus.messages.iter().zip(&corpus.decoders) {
                assert!(decode(message));
            }
        }
        "folder" => {
            for message in &corpus.messages {
                assert!(std::hint::black_box(folder.decode_server(message)).is_ok());
            }
        }
        "value" => {
            for message in &corpus.messages {
                assert!(std::hint::black_box(serde_json::from_slice::<Value>(message)).is_ok());
            }
        }
        _ => {
            for message in &corpus.messages {
                assert!(
                    std::hint::black_box(serde_json::from_slice::<IgnoredAny>(message)).is_ok()
                );
            }
        }
    }
}

/// Medians (ns per pass) of the five variants measured interleaved: each round runs every
/// variant once, in rotating order, so drift and neighbours on a shared machine hit all of
/// them alike and the ratios stay stable.
fn paired_medians(
    corpus: &Corpus,
    folder: &FolderDecoder,
    budget: Duration,
) -> HashMap<&'static str, f64> {
    let passes_per_sample = (2_000_000 / corpus.bytes().max(1)).clamp(1, 2000) as usize;
    let mut samples: HashMap<&'static str, Vec<f64>> = HashMap::new();
    let started = std::time::Instant::now();
    let mut round = 0usize;
    while round < 15 || (started.elapsed() < budget && round < 400) {
        for offset in 0..VARIANTS.len() {
            let variant = VARIANTS[(round + offset) % VARIANTS.len()];
            let start = std::time::Instant::now();
            for _ in 0..passes_per_sample {
                run_pass(corpus, variant, folder);
            }
            let ns = start.elapsed().as_nanos() as f64 / passes_per_sample as f64;
            samples.entry(variant).or_default().push(ns);
        }
        round += 1;
    }
    samples
        .into_iter()
        .map(|(variant, mut values)| {
            values.sort_by(f64::total_cmp);
            (variant, values[values.len() / 2])
        })
        .collect()
}

fn report(corpora: &[Corpus], folder: &FolderDecoder) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| corpus | decoder | median per pass | throughput | × IgnoredAny floor | × Value | ÷ typed | ÷ dispatch |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for corpus in corpora {
        let times = paired_medians(corpus, folder, Duration::from_secs(8));
        let (floor, value, typed, dispatch) = (
            times["ignored_any"],
            times["value"],
            times["typed"],
            times["dispatch"],
        );
        for variant in VARIANTS {
            let ns = times[variant];
            let mib_s = corpus.bytes() as f64 / (ns / 1e9) / (1024.0 * 1024.0);
            let _ = writeln!(
                out,
                "| {} | {variant} | {} | {mib_s:.0} MiB/s | {:.2} | {:.2} | {:.3} | {:.3} |",
                corpus.title,
                human(ns),
                ns / floor,
                ns / value,
                ns / typed,
                ns / dispatch
            );
        }
    }
    if let (Some(typed), Some(macro_)) = (
        median("encode_send_file", "typed"),
        median("encode_send_file", "json_macro"),
    ) {
        let _ = writeln!(out, "\nEncoding a sendFile request (criterion medians): typed {} vs `json!` {} ({:.2}× the time of `json!`).", human(typed), human(macro_), typed / macro_);
    }
    out
}

/// Median time (ns) of one criterion benchmark, from criterion's saved estimates.
fn median(group: &str, function: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let estimates: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn main() {
    let corpora = build_corpora();
    let folder = folder_decoder();
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for corpus in &corpora {
        let mut group = criterion.benchmark_group(corpus.id);
        bench_corpus(&mut group, corpus, &folder);
        group.finish();
    }
    bench_encode(&mut criterion);
    criterion.final_summary();
    // Profiling one benchmark (`--profile-time`) or listing them must not run the report,
    // which would mix every variant into the profile.
    if std::env::args().any(|arg| arg == "--profile-time" || arg == "--list") {
        return;
    }

    let table = report(&corpora, &folder);
    println!("\n{table}");
    let path = criterion_dir().join("report.md");
    if std::fs::create_dir_all(criterion_dir()).is_ok() && std::fs::write(&path, &table).is_ok() {
        println!("(written to {})", path.display());
    }
}
