//! Documentation and metadata: the rustdoc text of every item and the `INFO` constants that
//! carry a definition's facts (names, summary, source, pages, versions) into the code.

use proc_macro2::TokenStream;
use quote::quote;

use super::Emitter;
use crate::model::{api_list, DefinitionInfo, Field, MessageInfo, Source};

impl Emitter<'_> {
    /// `Source::Documented`, `Source::Inferred` or `Source::Client`.
    pub(super) fn source_tokens(&self, source: Source) -> TokenStream {
        let rt = &self.rt;
        match source {
            Source::Documented => quote! { #rt::Source::Documented },
            Source::Inferred => quote! { #rt::Source::Inferred },
            Source::Client => quote! { #rt::Source::Client },
        }
    }

    pub(super) fn field_doc(&self, field: &Field) -> String {
        let mut text = prose(&field.doc);
        if let Some(absent) = &field.absent_when {
            text.push_str(&format!("\n\n{}", prose(absent)));
        }
        if field.nullable {
            text.push_str("\n\nMay be JSON `null` (`None` inside).");
        }
        if let Some(since) = &field.since {
            text.push_str(&format!("\n\nSince TrueConf Room {since}."));
        }
        if let Some(api) = &field.api {
            text.push_str(&format!("\n\nOnly in API {}.", api_list(api)));
        }
        text.push_str(&format!("\n\nWire key: `{}`.", field.wire_name));
        for alias in &field.aliases {
            text.push_str(&format!(
                " Also accepted as `{}` when decoding: {}",
                alias.name,
                prose(&alias.evidence)
            ));
        }
        text
    }

    pub(super) fn type_info(&self, definition: &DefinitionInfo) -> TokenStream {
        let rt = &self.rt;
        let name = &definition.rust_name;
        let summary = &definition.summary;
        let description = option_str(definition.description.as_deref());
        let source = self.source_tokens(definition.source);
        let urls = &definition.doc_urls;
        let file = format!(
            "{}/{}",
            self.options.definitions_label,
            definition.file.display()
        );
        quote! {
            #rt::TypeInfo {
                name: #name,
                summary: #summary,
                description: #description,
                source: #source,
                doc_urls: &[#(#urls),*],
                definition_file: #file,
            }
        }
    }

    pub(super) fn message_info(&self, info: &MessageInfo) -> TokenStream {
        let rt = &self.rt;
        let wire = &info.wire_name;
        let rust = &info.rust_name;
        let kind = match info.kind {
            crate::model::MessageKind::Command => quote! { #rt::MessageKind::Command },
            crate::model::MessageKind::Notification => quote! { #rt::MessageKind::Notification },
        };
        let summary = &info.definition.summary;
        let description = option_str(info.definition.description.as_deref());
        let since = option_str(info.since.as_deref());
        let api = &info.api;
        let source = self.source_tokens(info.definition.source);
        let urls = &info.definition.doc_urls;
        let evidence = option_str(info.definition.evidence.as_deref());
        let file = format!(
            "{}/{}",
            self.options.definitions_label,
            info.definition.file.display()
        );
        quote! {
            #rt::MessageInfo {
                wire_name: #wire,
                rust_name: #rust,
                kind: #kind,
                summary: #summary,
                description: #description,
                since: #since,
                api: &[#(#api),*],
                source: #source,
                doc_urls: &[#(#urls),*],
                evidence: #evidence,
                definition_file: #file,
            }
        }
    }

    /// The facts table at the end of a message's docs.
    pub(super) fn message_doc(&self, info: &MessageInfo, role: &str) -> String {
        let definition = &info.definition;
        let mut text = prose(&definition.summary);
        if let Some(description) = &definition.description {
            text.push_str(&format!("\n\n{}", prose(description)));
        }
        text.push_str(&format!(
            "\n\n{role}\n\n| | |\n|---|---|\n| Wire name | `{}` |",
            info.wire_name
        ));
        if let Some(since) = &info.since {
            text.push_str(&format!("\n| Since | TrueConf Room {since} |"));
        }
        text.push_str(&format!("\n| API versions | {} |", api_list(&info.api)));
        match definition.source {
            Source::Documented => text.push_str(&format!(
                "\n| Source | documented: {} |",
                doc_links(&definition.doc_urls)
            )),
            Source::Inferred => {
                text.push_str("\n| Source | **inferred** — no doc page was found |");
            }
            Source::Client => text.push_str(
                "\n| Source | **client-evidenced** — no doc page; typed from what TrueConf's clients send and read |",
            ),
        }
        text.push_str(&format!(
            "\n| Definition | `{}/{}` |",
            self.options.definitions_label,
            definition.file.display()
        ));
        match (definition.source, &definition.evidence) {
            (Source::Inferred, Some(evidence)) => {
                text.push_str(&format!("\n\nEvidence: {}", prose(evidence)));
            }
            (Source::Client, evidence) => {
                text.push_str(&format!("\n\n{}", client_tier_doc(evidence.as_deref())));
            }
            _ => {}
        }
        text
    }

    pub(super) fn type_doc(&self, definition: &DefinitionInfo, what: &str) -> String {
        let mut text = prose(&definition.summary);
        if let Some(description) = &definition.description {
            text.push_str(&format!("\n\n{}", prose(description)));
        }
        text.push_str(&format!("\n\n{what}"));
        match definition.source {
            Source::Documented => text.push_str(&format!(
                " Documented: {}.",
                doc_links(&definition.doc_urls)
            )),
            Source::Inferred => text.push_str(" Inferred: no doc page describes it."),
            Source::Client => text.push_str(&format!(
                " {}",
                client_tier_doc(definition.evidence.as_deref())
            )),
        }
        text.push_str(&format!(
            " Definition: `{}/{}`.",
            self.options.definitions_label,
            definition.file.display()
        ));
        text
    }
}

/// What every item of the client tier says about itself: where its facts come from (file and
/// line of TrueConf's clients) and what that means for received fields.
pub(super) fn client_tier_doc(evidence: Option<&str>) -> String {
    format!(
        "Client-evidenced: no doc page; typed from what TrueConf's clients send and read. {} \
         Received fields are optional, since no doc states them.",
        prose(evidence.unwrap_or("see the definition."))
    )
}

/// `#[doc = "..."]` attributes, one per line, so rustdoc renders paragraphs and tables.
pub(super) fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote! { #[doc = #line] }
    });
    quote! { #(#lines)* }
}

/// Definition prose as rustdoc Markdown: characters that would become HTML tags or intra-doc
/// links are escaped, so a sentence like `sends "fileId": <integer>` renders as written.
pub(super) fn prose(text: &str) -> String {
    let escaped = text
        .trim()
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('[', "\\[")
        .replace(']', "\\]");
    link_urls(&escaped)
}

/// Wraps bare `http(s)://` URLs in `<…>` so rustdoc makes them links (a URL ends at white
/// space, or at a closing parenthesis or a comma or period that ends the sentence).
fn link_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || c == ')')
            .unwrap_or(tail.len());
        while end > 0 && matches!(tail.as_bytes()[end - 1], b'.' | b',' | b';' | b':') {
            end -= 1;
        }
        out.push('<');
        out.push_str(&tail[..end]);
        out.push('>');
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

pub(super) fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(text) => quote! { ::core::option::Option::Some(#text) },
        None => quote! { ::core::option::Option::None },
    }
}

/// Doc page addresses as rustdoc autolinks, comma-separated.
fn doc_links(urls: &[String]) -> String {
    urls.iter()
        .map(|url| format!("<{url}>"))
        .collect::<Vec<_>>()
        .join(", ")
}
