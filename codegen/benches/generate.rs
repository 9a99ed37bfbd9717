//! Build cost of the generator itself: loading and validating the whole schema, and emitting
//! the formatted Rust. Run: `cargo bench -p trueconf-api-codegen --bench generate`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use trueconf_api_codegen::Builder;

fn definitions() -> &'static Path {
    // The crate's own schema, one level up from this package.
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema"))
}

fn generate(c: &mut Criterion) {
    c.bench_function("load_and_validate_schema", |b| {
        b.iter(|| trueconf_api_codegen::load_model(definitions()).expect("valid"))
    });
    c.bench_function("generate_rust_for_schema", |b| {
        b.iter(|| {
            Builder::new()
                .definitions(definitions())
                .generate_string()
                .expect("generates")
        })
    });
}

criterion_group!(benches, generate);
criterion_main!(benches);
