//! The light layout (used when the `pretty` feature is off) keeps every token: the whole
//! generated bindings of the project's own definitions, laid out and parsed back, are the same
//! Rust, token for token, as what was laid out.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use trueconf_api_codegen::emit::rust::layout::layout;
use trueconf_api_codegen::Builder;

/// The tokens one per line, spacing between punctuation left out (`::<` and `:: <` are the
/// same Rust).
fn flat(tokens: TokenStream) -> String {
    let mut out = String::new();
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("«", "»"),
                };
                out.push_str(open);
                out.push('\n');
                out.push_str(&flat(group.stream()));
                out.push_str(close);
            }
            TokenTree::Punct(punct) => out.push(punct.as_char()),
            TokenTree::Ident(ident) => out.push_str(&ident.to_string()),
            TokenTree::Literal(literal) => out.push_str(&literal.to_string()),
        }
        out.push('\n');
    }
    out
}

fn round_trip(definitions: &str) {
    let code = Builder::new()
        .definitions(definitions)
        .generate_string()
        .unwrap_or_else(|problems| panic!("{problems}"));
    let file = syn::parse_file(&code).expect("the generated code parses");
    let tokens = file.to_token_stream();
    let laid_out = layout(tokens.clone());
    let reparsed = syn::parse_file(&laid_out).unwrap_or_else(|error| {
        panic!("the laid-out code of {definitions} does not parse: {error}")
    });
    let (before, after) = (flat(tokens), flat(reparsed.to_token_stream()));
    if before != after {
        let at = before
            .bytes()
            .zip(after.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(before.len().min(after.len()));
        let from = at.saturating_sub(200);
        panic!(
            "the layout changed the tokens at byte {at}:\nbefore: …{}\nafter:  …{}",
            &before[from..(at + 200).min(before.len())],
            &after[from..(at + 200).min(after.len())]
        );
    }
    // Docs become `///` lines, and every item starts a line of its own.
    assert!(
        laid_out.contains("\n/// ") || laid_out.contains("    /// "),
        "{laid_out}"
    );
    assert!(
        !laid_out.contains("#[doc ="),
        "a plain doc attribute was left as an attribute"
    );
}

#[test]
fn the_small_fixture_survives_the_layout() {
    round_trip("tests/fixtures/small");
}

#[test]
fn the_projects_definitions_survive_the_layout() {
    round_trip("../schema");
}
