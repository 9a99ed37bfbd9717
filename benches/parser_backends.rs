//! Evaluation of a SIMD JSON parser as the decoding backend: the same generated types and
//! visitors driven by serde_json and by sonic-rs, on the progress-notification corpus, with
//! each parser's own `IgnoredAny` floor. Kept as a reproducible record of why serde_json stays
//! the backend (docs/performance.md).
//!
//! Run: `cargo bench --features sonic-eval --bench parser_backends`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde::de::IgnoredAny;
use trueconf_api::notifications::{
    FileRequestStatusChanged, IncomingFileRequestDownloadingProgress,
};

const PROGRESS: &[u8] = br#"{"method":"event","event":"incomingFileRequestDownloadingProgress","fileSize":80488954,"processedPercents":20,"fileRequestId":"3322be1a-5736-4a01-8007-cbee8036f8b8","fileName":"777.zip","peerId":"820_1@some.server","peerDisplayName":"820_1","timestamp":1659288685582}"#;
const STATUS: &[u8] = br#"{"method":"event","event":"fileRequestStatusChanged","fileRequestId":"6c0e20a7-3c79-470d-869b-7c8287587620","status":2,"directionType":0,"fileName":"2.jpg","timestamp":1659284222850,"fileSize":3200,"peerId":"820_1@some.server","peerDisplayName":"820_1"}"#;

/// Decodes a progress and a status notification; true when both decoded.
type Pair = fn(&[u8], &[u8]) -> bool;

fn backends(c: &mut Criterion) {
    let mut group = c.benchmark_group("parser_backends");
    group.throughput(Throughput::Bytes((PROGRESS.len() + STATUS.len()) as u64));
    let backends: [(&str, Pair); 5] = [
        ("serde_json_typed", |p, s| {
            serde_json::from_slice::<IncomingFileRequestDownloadingProgress>(p).is_ok()
                && serde_json::from_slice::<FileRequestStatusChanged>(s).is_ok()
        }),
        ("trueconf_from_slice_raw_keys", |p, s| {
            trueconf_api::from_slice::<IncomingFileRequestDownloadingProgress>(p).is_ok()
                && trueconf_api::from_slice::<FileRequestStatusChanged>(s).is_ok()
        }),
        ("sonic_rs_typed", |p, s| {
            sonic_rs::from_slice::<IncomingFileRequestDownloadingProgress>(p).is_ok()
                && sonic_rs::from_slice::<FileRequestStatusChanged>(s).is_ok()
        }),
        ("serde_json_ignored_any", |p, s| {
            serde_json::from_slice::<IgnoredAny>(p).is_ok()
                && serde_json::from_slice::<IgnoredAny>(s).is_ok()
        }),
        ("sonic_rs_ignored_any", |p, s| {
            sonic_rs::from_slice::<IgnoredAny>(p).is_ok()
                && sonic_rs::from_slice::<IgnoredAny>(s).is_ok()
        }),
    ];
    for (name, decode) in backends {
        group.bench_function(name, |b| {
            b.iter(|| {
                assert!(decode(
                    std::hint::black_box(PROGRESS),
                    std::hint::black_box(STATUS)
                ))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, backends);
criterion_main!(benches);
