//! A message's examples: where each comes from and how it is written, then (once the model is
//! complete) whether it fits its definition.

use crate::error::{Diagnostics, Site};
use crate::examples::{check_example, first_duplicate_key};
use crate::load::{LoadedFile, RawExample, RawKind, RawRole, RawSource};
use crate::model::{Example, ExampleSource, Model};

/// One check of an example of a file.
type ExampleCheck = fn(&LoadedFile, &RawExample, &Site, &mut Diagnostics);

/// The checks of each example, in the order their problems are reported.
const EXAMPLE_CHECKS: [ExampleCheck; 5] = [
    check_role,
    check_url,
    check_source,
    check_title,
    check_captured_json,
];

/// Checks the examples of `file` and resolves them (an example with neither or both of `json`
/// and `text` is left out).
pub(super) fn examples(file: &LoadedFile, diagnostics: &mut Diagnostics) -> Vec<Example> {
    let site = Site::root(&file.path).key("examples");
    let mut examples = Vec::new();
    for (index, raw) in file.definition.examples.iter().enumerate() {
        let site = site.index(index);
        for check in EXAMPLE_CHECKS {
            check(file, raw, &site, diagnostics);
        }
        let Some((text, json)) = text_and_json(raw, &site, diagnostics) else {
            continue;
        };
        examples.push(Example {
            title: raw.title.clone(),
            role: raw.role.into(),
            source: raw.source.into(),
            url: raw.url.clone(),
            text,
            json,
        });
    }
    examples
}

/// A command has request and response examples, a notification notification ones.
fn check_role(file: &LoadedFile, raw: &RawExample, site: &Site, diagnostics: &mut Diagnostics) {
    let kind = file.definition.kind;
    let role_ok = match raw.role {
        RawRole::Request | RawRole::Response => kind == RawKind::Command,
        RawRole::Notification => kind == RawKind::Notification,
    };
    if !role_ok {
        site.key("role").error(
            diagnostics,
            format!("a {} has no {:?} examples", kind.as_str(), raw.role).to_lowercase(),
        );
    }
}

/// An example from a page or a capture names where it was copied from.
fn check_url(_: &LoadedFile, raw: &RawExample, site: &Site, diagnostics: &mut Diagnostics) {
    let source = ExampleSource::from(raw.source);
    if source != ExampleSource::Synthetic && raw.url.is_none() {
        site.key("url").error(
            diagnostics,
            format!(
                "a {} example needs the URL it was copied from",
                source.as_str()
            ),
        );
    }
}

/// Without a doc page, there is nothing to copy a documented example from; a client's request
/// is the client tier's evidence, and a request.
fn check_source(file: &LoadedFile, raw: &RawExample, site: &Site, diagnostics: &mut Diagnostics) {
    let source = ExampleSource::from(raw.source);
    let tier = file.definition.source;
    let problem = match source {
        ExampleSource::Documented if tier != RawSource::Documented => Some(
            "a definition without a doc page has no documented examples: synthetic, captured or (client tier) client ones",
        ),
        ExampleSource::Client if tier != RawSource::Client => {
            Some("a client example belongs to a client-tier definition (`\"source\": \"client\"`)")
        }
        ExampleSource::Client if raw.role != RawRole::Request => {
            Some("a client example is a request as a client builds it: role `request`")
        }
        _ => None,
    };
    if let Some(problem) = problem {
        site.key("source").error(diagnostics, problem);
    }
}

/// The title of an example not from the docs says so first.
fn check_title(_: &LoadedFile, raw: &RawExample, site: &Site, diagnostics: &mut Diagnostics) {
    let source = ExampleSource::from(raw.source);
    let prefix = match source {
        ExampleSource::Documented => None,
        ExampleSource::Captured => Some("Captured"),
        ExampleSource::Synthetic => Some("Synthetic"),
        ExampleSource::Client => Some("Client"),
    };
    if let Some(prefix) = prefix.filter(|prefix| !raw.title.starts_with(prefix)) {
        site.key("title").error(
            diagnostics,
            format!(
                "a {} example's title must start with \"{prefix}\"",
                source.as_str()
            ),
        );
    }
}

fn check_captured_json(
    _: &LoadedFile,
    raw: &RawExample,
    site: &Site,
    diagnostics: &mut Diagnostics,
) {
    let what = match ExampleSource::from(raw.source) {
        ExampleSource::Captured => "a captured example is the JSON a Room sent",
        ExampleSource::Client => "a client example is the JSON a client sends",
        _ => return,
    };
    if raw.json.is_none() {
        site.key("json")
            .error(diagnostics, format!("{what}: give it as `json`"));
    }
}

/// The example's text, and its JSON when it is given as `json` (exactly one of the two).
fn text_and_json(
    raw: &RawExample,
    site: &Site,
    diagnostics: &mut Diagnostics,
) -> Option<(String, Option<serde_json::Value>)> {
    match (&raw.json, &raw.text) {
        (Some(json), None) => Some((
            serde_json::to_string_pretty(json).unwrap_or_default(),
            Some(json.clone()),
        )),
        // Verbatim text is kept for examples that are invalid JSON on the site, or that repeat
        // a key (which parsing would silently drop); anything else belongs in `json`.
        (None, Some(text)) => {
            if serde_json::from_str::<serde_json::Value>(text).is_ok()
                && first_duplicate_key(text).is_none()
            {
                site.key("text").error(
                    diagnostics,
                    "this example is valid JSON without repeated keys: put it in `json` (`text` is for examples the site prints as invalid JSON or with a key twice)",
                );
            }
            Some((text.clone(), None))
        }
        _ => {
            site.error(
                diagnostics,
                "an example has exactly one of `json` and `text`",
            );
            None
        }
    }
}

/// Each JSON example of `file` fits the resolved model.
pub(super) fn check_against_model(file: &LoadedFile, model: &Model, diagnostics: &mut Diagnostics) {
    let site = Site::root(&file.path).key("examples");
    for (index, raw) in file.definition.examples.iter().enumerate() {
        let Some(json) = &raw.json else {
            continue;
        };
        let problems = check_example(
            model,
            &file.definition.name,
            raw.role.into(),
            raw.source.into(),
            json,
        );
        for (at, message) in problems {
            site.index(index).key("json").join(&at).error(
                diagnostics,
                format!("the example contradicts the definition: {message}"),
            );
        }
    }
}
