//! Build cost of the generator itself: loading and validating the whole schema, emitting the
//! formatted Rust, and the two ways of laying the tokens out (prettyplease with the `pretty`
//! feature, the emitter's own layout without it), on the same tokens in the same run.
//! Run: `cargo bench -p trueconf-api-codegen --bench generate`.

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
    // The tokens of the whole bindings, as the emitter hands them to the formatter.
    let code = Builder::new()
        .definitions(definitions())
        .generate_string()
        .expect("generates");
    let tokens: proc_macro2::TokenStream = code.parse().expect("the generated code lexes");
    c.bench_function("lay_out_with_the_emitters_layout", |b| {
        b.iter(|| trueconf_api_codegen::emit::rust::layout::layout(tokens.clone()))
    });
    #[cfg(feature = "pretty")]
    c.bench_function("lay_out_with_syn_and_prettyplease", |b| {
        b.iter(|| {
            let file: syn::File = syn::parse2(tokens.clone()).expect("parses");
            prettyplease::unparse(&file)
        })
    });
}

criterion_group!(benches, generate);
criterion_main!(benches);
