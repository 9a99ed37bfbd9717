//! The client tier: definitions of messages no doc page describes, typed from what TrueConf's
//! own clients send and read (`"source": "client"`), and the rules that keep them honest.
//!
//! - **Evidence.** The definition has no `docUrls`, and its `evidence` cites at least one code
//!   site of a pinned client as `<source-id> <file>:<line>` (the source ids of
//!   `schema/evidence/clients.json`, each pinned to a version or commit there).
//! - **Parameters.** Names and JSON types come from the clients' literals. Each records in
//!   `presence.clients` whether every client that sends the command sends it in every request
//!   it builds (`every`: the parameter is required) or not (`some`: optional).
//! - **Received fields** (responses, notifications, records they reach) are optional: no doc
//!   states them, and a client reading a key promises nothing about every Room.
//! - **No page describes a key**: `presence.doc` is `undescribed`, without `url`.
//! - **Examples** are requests as a client builds them (`client`, pinned by `url`) or synthetic.
//! - **Drafts** (scripts/evidence/draft_client_tier.py) hold `TODO(draft)` placeholders where a
//!   person must write; a definition that still holds one does not build (any tier).
//!
//! A message of the tier keeps the keys its definition does not list (see
//! [`DefinitionInfo::keeps_unlisted`](crate::model::DefinitionInfo::keeps_unlisted)).

use std::path::Path;

use crate::error::{Diagnostics, Site};
use crate::load::{LoadedFile, RawDefinition, RawSource};
use crate::model::{ClientsSend, DocStatement, Field, Presence};
use crate::presence::{Directions, Lacking, OptionalBecause};

/// The marker the drafting script leaves where a person must write.
pub const PLACEHOLDER: &str = "TODO(draft)";

/// One `<source-id> <file>:<line>` citation in an `evidence` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation<'a> {
    /// The client's source id (`python-trueconf-room-1.0.0`).
    pub source: &'a str,
    /// The file in the pinned source (`trueconf_room/methods.py`).
    pub file: &'a str,
    /// The line.
    pub line: u32,
}

/// Every `<source-id> <file>:<line>` citation in `text`: a source id (lowercase letters, digits,
/// dots and at least one hyphen) followed by a path with a file extension, a colon and a line
/// number; trailing punctuation (`,;.)`) is not part of the citation.
pub fn citations(text: &str) -> Vec<Citation<'_>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter_map(|pair| {
            let source = pair[0];
            let is_id = source.contains('-')
                && source.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                });
            let site = pair[1].trim_end_matches([',', ';', '.', ')']);
            let (file, line) = site.rsplit_once(':')?;
            let has_extension = file
                .rsplit('/')
                .next()
                .is_some_and(|name| name.contains('.') && !name.ends_with('.'));
            let line = line.parse().ok().filter(|&line: &u32| line > 0)?;
            (is_id && has_extension).then_some(Citation { source, file, line })
        })
        .collect()
}

/// The definition-level rules of the tier: no doc pages, and evidence that cites a client.
pub(crate) fn check_definition(
    definition: &RawDefinition,
    site: &Site,
    diagnostics: &mut Diagnostics,
) {
    if definition.source != RawSource::Client {
        return;
    }
    if !definition.doc_urls.is_empty() {
        site.key("docUrls").error(
            diagnostics,
            "a client-tier definition has no doc page: leave `docUrls` empty (a page makes it `documented`)",
        );
    }
    let evidence = definition.evidence.as_deref().unwrap_or_default();
    if evidence.trim().is_empty() {
        site.key("evidence").error(
            diagnostics,
            "a client-tier definition must say which clients send or read it, with file and line",
        );
    } else if citations(evidence).is_empty() {
        site.key("evidence").error(
            diagnostics,
            "cite at least one code site of a pinned client as `<source-id> <file>:<line>` \
             (source ids of schema/evidence/clients.json, e.g. `python-trueconf-room-1.0.0 trueconf_room/methods.py:19`)",
        );
    }
}

/// No prose of a definition still holds the drafting script's placeholder.
pub(crate) fn check_placeholders(file: &LoadedFile, site: &Site, diagnostics: &mut Diagnostics) {
    let definition = &file.definition;
    let mut texts: Vec<(Site, &str)> = vec![(site.key("summary"), definition.summary.as_str())];
    for (key, text) in [
        ("description", &definition.description),
        ("evidence", &definition.evidence),
    ] {
        if let Some(text) = text {
            texts.push((site.key(key), text));
        }
    }
    let lists = [
        (
            "request",
            definition.request.as_ref().map(|list| &list.fields),
        ),
        (
            "response",
            definition.response.as_ref().map(|list| &list.fields),
        ),
        ("fields", definition.fields.as_ref()),
    ];
    for (key, fields) in lists {
        let list_site = match key {
            "fields" => site.key("fields"),
            _ => site.key(key).key("fields"),
        };
        for (index, field) in fields.into_iter().flatten().enumerate() {
            let field_site = list_site.index(index);
            texts.push((field_site.key("doc"), &field.doc));
            if let Some(absent) = &field.absent_when {
                texts.push((field_site.key("absentWhen"), absent));
            }
            for (alias_index, alias) in field.aliases.iter().enumerate() {
                let alias_site = field_site.key("aliases").index(alias_index);
                texts.push((alias_site.key("evidence"), &alias.evidence));
            }
        }
    }
    for (index, value) in definition.values.iter().flatten().enumerate() {
        texts.push((site.key("values").index(index).key("doc"), &value.doc));
    }
    for (index, variant) in definition.variants.iter().flatten().enumerate() {
        texts.push((site.key("variants").index(index).key("doc"), &variant.doc));
    }
    for (index, example) in definition.examples.iter().enumerate() {
        texts.push((
            site.key("examples").index(index).key("title"),
            &example.title,
        ));
    }
    for (at, text) in texts {
        if text.contains(PLACEHOLDER) {
            at.error(
                diagnostics,
                format!("an unfilled `{PLACEHOLDER}` placeholder: write this in your own words from the evidence (the draft is not reviewed yet)"),
            );
        }
    }
}

/// Why a field of a client-tier list must be optional (empty: it must be required). A received
/// field always must; a parameter must when not every sending client sends it, when a client
/// example lacks it, or when it is seen left out.
pub fn reasons(
    presence: &Presence,
    directions: Directions,
    lacking: Option<&Lacking>,
) -> Vec<OptionalBecause> {
    let received = directions.received || !directions.sent;
    if received {
        return vec![OptionalBecause::ClientTierReceived];
    }
    let mut reasons = Vec::new();
    if presence.clients == Some(ClientsSend::Some) {
        reasons.push(OptionalBecause::SomeClientsOmit);
    }
    if let Some(lacking) = lacking {
        reasons.push(OptionalBecause::ExampleLacks(lacking.example.clone()));
    }
    if presence.observed.is_some() {
        reasons.push(OptionalBecause::Observed);
    }
    reasons
}

/// The presence evidence of one field: the tier's rules for a client-tier list (`client`), and
/// for any other list that `presence.clients` is the tier's alone.
pub(crate) fn check_field(
    path: &Path,
    here: &str,
    field: &Field,
    client: bool,
    directions: Directions,
    because: &[OptionalBecause],
    diagnostics: &mut Diagnostics,
) {
    let site = Site::at(path, format!("{here}.presence"));
    let name = &field.wire_name;
    let presence = &field.presence;
    if !client {
        if presence.clients.is_some() {
            site.key("clients").error(
                diagnostics,
                "`clients` records the client tier's evidence; this definition is not `\"source\": \"client\"`",
            );
        }
        return;
    }
    if presence.doc != DocStatement::Undescribed || presence.url.is_some() {
        site.key("doc").error(
            diagnostics,
            format!("`{name}`: a client-tier definition has no doc page, so no page describes its keys: `\"doc\": \"undescribed\"` without `url`"),
        );
    }
    let parameter = directions.sent && !directions.received;
    match (parameter, presence.clients) {
        (true, None) => site.key("clients").error(
            diagnostics,
            format!("parameter `{name}`: say whether every client that sends the command sends it (`\"clients\": \"every\"`, required) or not (`\"some\"`, optional)"),
        ),
        (false, Some(_)) => site.key("clients").error(
            diagnostics,
            format!("`{name}` is received: the client tier keeps received keys optional whatever the clients read, so `clients` (for parameters) does not apply"),
        ),
        (true, Some(ClientsSend::Every)) if !because.is_empty() => {
            let why: Vec<String> = because.iter().map(ToString::to_string).collect();
            site.key("clients").error(
                diagnostics,
                format!("parameter `{name}` is recorded as sent by every client, but {}: record `some`", why.join("; ")),
            );
        }
        _ => {}
    }
}

/// The build error when a client-tier field's `optional` disagrees with the tier's rules.
pub(crate) fn check_verdict(
    path: &Path,
    here: &str,
    field: &Field,
    because: &[OptionalBecause],
    diagnostics: &mut Diagnostics,
) {
    let site = Site::at(path, format!("{here}.optional"));
    let name = &field.wire_name;
    if !field.optional && !because.is_empty() {
        let why: Vec<String> = because.iter().map(ToString::to_string).collect();
        site.error(
            diagnostics,
            format!("`{name}` is required, but it must be optional: {}; make it optional and say when it is absent", why.join("; ")),
        );
    } else if field.optional && because.is_empty() {
        site.error(
            diagnostics,
            format!("`{name}` is optional, but every client that sends the command sends it (`\"clients\": \"every\"`): it must be required, unless a client leaves it out (then record `some`)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_source_ids_followed_by_file_and_line() {
        let text = "Sent by python-trueconf-room-1.0.0 trueconf_room/methods.py:19, \
                    qt-wrapper-pr7-6bb7f52 TC_Methods.cpp:35; handled by \
                    maui-kiosk-70bb34d DemoKiosk/Pages/Main.xaml.cs:86).";
        let found: Vec<(&str, &str, u32)> = citations(text)
            .into_iter()
            .map(|c| (c.source, c.file, c.line))
            .collect();
        assert_eq!(
            found,
            [
                ("python-trueconf-room-1.0.0", "trueconf_room/methods.py", 19),
                ("qt-wrapper-pr7-6bb7f52", "TC_Methods.cpp", 35),
                ("maui-kiosk-70bb34d", "DemoKiosk/Pages/Main.xaml.cs", 86),
            ]
        );
        // Not citations: no source id, no extension, no line, line 0, an upper-case id.
        for text in [
            "the python client methods.py:19",
            "python-trueconf-room-1.0.0 methods:19",
            "python-trueconf-room-1.0.0 methods.py",
            "python-trueconf-room-1.0.0 methods.py:0",
            "Qt-Wrapper methods.cpp:3",
        ] {
            assert!(citations(text).is_empty(), "{text}");
        }
    }
}
