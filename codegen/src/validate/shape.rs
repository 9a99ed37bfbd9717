//! Each file on its own: where it sits, its names, its sources, and the keys its kind needs
//! and forbids.

use crate::error::{Diagnostics, Site};
use crate::load::{LoadedFile, RawKind, RawSource};
use crate::naming::{is_pascal_identifier, pascal_case};

use super::{check_api_list, is_shared_type};

/// One check of a file on its own.
type FileCheck = fn(&LoadedFile, &Site, &mut Diagnostics);

/// The checks of a file on its own, in the order their problems are reported.
const FILE_CHECKS: [FileCheck; 11] = [
    check_folder,
    check_file_name,
    check_name,
    check_rust_name,
    check_summary,
    check_source,
    check_doc_urls,
    check_keys_of_kind,
    check_api,
    check_has_examples,
    crate::client_tier::check_placeholders,
];

/// Checks one file on its own: folder, file name, the keys its kind needs and forbids.
pub(super) fn check_file(file: &LoadedFile, diagnostics: &mut Diagnostics) {
    let site = Site::root(&file.path);
    for check in FILE_CHECKS {
        check(file, &site, diagnostics);
    }
}

/// Messages go in `commands/` or `notifications/`, shared types in `types/`.
fn check_folder(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    let kind = file.definition.kind;
    let folder_ok = match file.folder {
        "commands" => kind == RawKind::Command,
        "notifications" => kind == RawKind::Notification,
        _ => is_shared_type(kind),
    };
    if !folder_ok {
        site.key("kind").error(
            diagnostics,
            format!(
                "a {} definition does not belong in {}/",
                kind.as_str(),
                file.folder
            ),
        );
    }
}

/// The file is named after the definition.
fn check_file_name(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    let name = &file.definition.name;
    if file.path.file_stem().and_then(|stem| stem.to_str()) != Some(name.as_str()) {
        site.key("name").error(
            diagnostics,
            format!("the name `{name}` must equal the file name (without .json)"),
        );
    }
}

/// Messages need a wire name Rust can derive a name from; types are PascalCase.
fn check_name(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    let definition = &file.definition;
    let name = &definition.name;
    let renamed = definition.rust_name.is_some();
    if is_shared_type(definition.kind) {
        if !renamed && !is_pascal_identifier(name) {
            site.key("name").error(
                diagnostics,
                format!("a type name must be a PascalCase identifier, not `{name}`"),
            );
        }
    } else if name.is_empty() || (!renamed && pascal_case(name).is_none()) {
        site.key("name").error(
            diagnostics,
            format!("no Rust name can be derived from `{name}`; give a `rustName`"),
        );
    }
}

/// A `rustName` is a PascalCase identifier.
fn check_rust_name(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    if let Some(rust_name) = &file.definition.rust_name {
        if !is_pascal_identifier(rust_name) {
            site.key("rustName").error(
                diagnostics,
                format!("`{rust_name}` is not a PascalCase Rust identifier"),
            );
        }
    }
}

fn check_summary(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    if file.definition.summary.trim().is_empty() {
        site.key("summary")
            .error(diagnostics, "the summary is empty");
    }
}

/// A documented definition names its page; an inferred one says where its facts come from; a
/// client-tier one cites the clients (the tier's own rules: [`crate::client_tier`]).
fn check_source(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    let definition = &file.definition;
    let no_evidence = || {
        definition
            .evidence
            .as_deref()
            .is_none_or(|text| text.trim().is_empty())
    };
    match definition.source {
        RawSource::Documented if definition.doc_urls.is_empty() => site.key("docUrls").error(
            diagnostics,
            "a documented definition needs the URL of its doc page",
        ),
        RawSource::Inferred if no_evidence() => site.key("evidence").error(
            diagnostics,
            "an inferred definition must say where its facts come from",
        ),
        RawSource::Client => crate::client_tier::check_definition(definition, site, diagnostics),
        _ => {}
    }
}

fn check_doc_urls(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    for (index, url) in file.definition.doc_urls.iter().enumerate() {
        if !url.starts_with("https://") && !url.starts_with("http://") {
            site.key("docUrls")
                .index(index)
                .error(diagnostics, format!("`{url}` is not an http(s) URL"));
        }
    }
}

/// Each key that belongs to some kinds only: present only where allowed, and present where
/// required.
fn check_keys_of_kind(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    let kind = file.definition.kind;
    for (key, present, allowed, required) in keys_of_kind(file) {
        if present && !allowed.contains(&kind) {
            site.key(key).error(
                diagnostics,
                format!("a {} definition has no `{key}`", kind.as_str()),
            );
        } else if !present && required.contains(&kind) {
            site.error(
                diagnostics,
                format!("a {} definition needs `{key}`", kind.as_str()),
            );
        }
    }
}

/// The keys that depend on the kind: (key, present in this file, kinds that may have it,
/// kinds that must).
fn keys_of_kind(
    file: &LoadedFile,
) -> [(&'static str, bool, &'static [RawKind], &'static [RawKind]); 11] {
    use RawKind::{Command, Enum, Newtype, Notification, Record, Union};
    const MESSAGES: &[RawKind] = &[Command, Notification];
    let definition = &file.definition;
    [
        (
            "variants",
            definition.variants.is_some(),
            &[Union],
            &[Union],
        ),
        (
            "request",
            definition.request.is_some(),
            &[Command],
            &[Command],
        ),
        (
            "response",
            definition.response.is_some(),
            &[Command],
            &[Command],
        ),
        (
            "fields",
            definition.fields.is_some(),
            &[Notification, Record],
            &[Notification, Record],
        ),
        ("repr", definition.repr.is_some(), &[Enum], &[Enum]),
        ("values", definition.values.is_some(), &[Enum], &[Enum]),
        ("type", definition.wrapped.is_some(), &[Newtype], &[Newtype]),
        ("api", definition.api.is_some(), MESSAGES, MESSAGES),
        ("since", definition.since.is_some(), MESSAGES, &[]),
        // Only messages are compared body to body; on a type it would be ignored silently.
        (
            "sameBodyAs",
            definition.same_body_as.is_some(),
            MESSAGES,
            &[],
        ),
        ("examples", !definition.examples.is_empty(), MESSAGES, &[]),
    ]
}

fn check_api(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    if let Some(api) = &file.definition.api {
        check_api_list(&site.key("api"), api, diagnostics);
    }
}

/// A message shows itself on the wire at least once.
fn check_has_examples(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    let definition = &file.definition;
    if !is_shared_type(definition.kind) && definition.examples.is_empty() {
        site.key("examples").error(
            diagnostics,
            "a message needs at least one example (synthetic ones for inferred messages)",
        );
    }
}
