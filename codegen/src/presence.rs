//! The presence rules: when a field may be required.
//!
//! Required means "decoding fails without it", so for data the Room sends it is a promise about
//! every Room in every state, and the docs' examples mostly show one state. Each field records
//! its evidence (`presence`: what the doc text says, what real traffic shows); these rules turn
//! that evidence, the documented examples and the versions into a verdict, and the build fails
//! when a field's `optional` disagrees with it, in either direction:
//!
//! - a **received** field (responses, notifications, records they hold) may be required only when
//!   a doc sentence states it without condition, every documented example of the message and of
//!   its twins carries it, no capture or TrueConf client shows it left out, and no product or API
//!   version later than its message (and than the declared minimum Room) added it;
//! - a **sent** parameter may be required only when a doc sentence says so: one the docs
//!   describe without condition stays required unless TrueConf's own clients leave it out, and
//!   one a sentence calls mandatory stays required whatever the clients do;
//! - and where all of that holds, the field must be required: making everything optional is a
//!   build error too.
//!
//! Messages declared to carry the same body (`sameBodyAs`) must agree field by field, and the
//! examples of both count for each.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::error::Diagnostics;
use crate::load::RawCompatibility;
use crate::model::{
    api_list, DocStatement, ExampleRole, ExampleSource, Field, MessageInfo, MessageKind, Model,
    Presence, Source, TypeDef, TypeRef,
};
use crate::validate::KNOWN_API_VERSIONS;

/// Why a field must be optional. A field with no reason must be required.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum OptionalBecause {
    /// The docs say when the key is present, or call it optional.
    Conditional,
    /// No page describes the key.
    Undescribed,
    /// A documented example does not carry it (the example is named).
    ExampleLacks(String),
    /// A message captured from a real Room does not carry it (the example is named).
    CaptureLacks(String),
    /// A product version later than its message and than the minimum Room added it.
    Later(String),
    /// Only some of its message's API versions have it.
    LaterApi(Vec<u8>),
    /// Real traffic or TrueConf's own clients leave it out.
    Observed,
    /// Client tier: received, and no doc page states it (clients reading a key promise nothing
    /// about every Room).
    ClientTierReceived,
    /// Client tier: a client that sends the command leaves the parameter out
    /// (`presence.clients: some`).
    SomeClientsOmit,
}

impl OptionalBecause {
    /// A short stable word for reports (`conditional`, `undescribed`, `example-lacks`,
    /// `later-version`, `later-api`, `observed`).
    pub fn word(&self) -> &'static str {
        match self {
            OptionalBecause::Conditional => "conditional",
            OptionalBecause::Undescribed => "undescribed",
            OptionalBecause::ExampleLacks(_) => "example-lacks",
            OptionalBecause::CaptureLacks(_) => "captured-lacks",
            OptionalBecause::Later(_) => "later-version",
            OptionalBecause::LaterApi(_) => "later-api",
            OptionalBecause::Observed => "observed",
            OptionalBecause::ClientTierReceived => "client-tier-received",
            OptionalBecause::SomeClientsOmit => "some-clients-omit",
        }
    }
}

impl fmt::Display for OptionalBecause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionalBecause::Conditional => f.write_str("the docs give a condition for it"),
            OptionalBecause::Undescribed => f.write_str("no doc page describes it"),
            OptionalBecause::ExampleLacks(example) | OptionalBecause::CaptureLacks(example) => {
                write!(f, "{example} does not carry it")
            }
            OptionalBecause::Later(since) => {
                write!(
                    f,
                    "Room {since} added it, later than its message and the minimum Room"
                )
            }
            OptionalBecause::LaterApi(api) => write!(f, "only API {} has it", api_list(api)),
            OptionalBecause::Observed => f.write_str(
                "real traffic or TrueConf's own clients leave it out (`presence.observed`)",
            ),
            OptionalBecause::ClientTierReceived => f.write_str(
                "no doc page states it: the client tier types received keys from what TrueConf's clients read, which no Room promises",
            ),
            OptionalBecause::SomeClientsOmit => f.write_str(
                "a client that sends the command leaves it out (`presence.clients: some`)",
            ),
        }
    }
}

/// Which way a field's data travels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Directions {
    /// Client → Room (request parameters and the records they hold).
    pub sent: bool,
    /// Room → client (responses, notifications and the records they hold).
    pub received: bool,
}

/// One field list of the model.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Body {
    /// A command's request parameters.
    Request(String),
    /// A command's successful-response fields.
    Response(String),
    /// A notification's fields.
    Notification(String),
    /// A shared record's fields.
    Record(String),
}

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Request(method) => write!(f, "`{method}` request"),
            Body::Response(method) => write!(f, "`{method}` response"),
            Body::Notification(event) => write!(f, "`{event}` notification"),
            Body::Record(name) => write!(f, "`{name}` record"),
        }
    }
}

/// Everything the rules need about one field list, gathered once from the model.
pub(crate) struct FieldList<'m> {
    pub(crate) fields: &'m [Field],
    /// The definition file, relative to the definitions folder.
    pub(crate) file: &'m Path,
    /// JSON path of the list in that file (`$.response.fields`).
    pub(crate) at: &'static str,
    /// Doc pages of the definition (where a presence `url` must point).
    doc_urls: &'m [String],
    directions: Directions,
    /// Product version of the message (none for records).
    since: Option<&'m str>,
    /// API versions the list exists in: its message's, or for a record the union of the
    /// messages that reach it.
    api: BTreeSet<u8>,
    /// The tier of its definition: a `client` list follows [`crate::client_tier`]'s rules.
    tier: Source,
}

/// The reasons a field must be optional, given its (twin-merged) evidence, the examples that
/// lack it and the versions. Empty: the field must be required.
pub fn reasons(
    presence: &Presence,
    field: &Field,
    directions: Directions,
    lacking: Option<&Lacking>,
    message_since: Option<&str>,
    minimum_room_version: &str,
    list_api: &BTreeSet<u8>,
) -> Vec<OptionalBecause> {
    let mut reasons = Vec::new();
    // Data that is never routed anywhere is held to the stricter, received rule.
    let received = directions.received || !directions.sent;
    match presence.doc {
        DocStatement::Conditional => reasons.push(OptionalBecause::Conditional),
        DocStatement::Undescribed => reasons.push(OptionalBecause::Undescribed),
        DocStatement::Mandatory | DocStatement::Stated => {}
    }
    // A client that omits a parameter beats a plain description, not a sentence that demands
    // it; for received data a capture without the key outranks any sentence.
    if presence.observed.is_some() && (received || presence.doc != DocStatement::Mandatory) {
        reasons.push(OptionalBecause::Observed);
    }
    match lacking {
        Some(Lacking {
            captured: true,
            example,
        }) => reasons.push(OptionalBecause::CaptureLacks(example.clone())),
        Some(Lacking { example, .. }) => {
            reasons.push(OptionalBecause::ExampleLacks(example.clone()))
        }
        None => {}
    }
    if let Some(since) = &field.since {
        let later_than = |other: Option<&str>| {
            other.is_none_or(|other| {
                compare_versions(since, other) == Some(std::cmp::Ordering::Greater)
            })
        };
        if later_than(Some(minimum_room_version)) && later_than(message_since) {
            reasons.push(OptionalBecause::Later(since.clone()));
        }
    }
    if let Some(api) = &field.api {
        if list_api.iter().any(|version| !api.contains(version)) {
            reasons.push(OptionalBecause::LaterApi(api.clone()));
        }
    }
    reasons
}

/// Compares two product versions ("4.1.0", "5.0", "5.0.0+"); `None` when one does not parse.
pub fn compare_versions(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    Some(version_key(a)?.cmp(&version_key(b)?))
}

/// A product version as numbers with trailing zeros dropped, so "5.0" equals "5.0.0".
fn version_key(text: &str) -> Option<Vec<u32>> {
    let text = text.trim().trim_end_matches('+');
    let mut parts = text
        .split('.')
        .map(|part| part.parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

/// Checks `compatibility.json` and returns the minimum Room version it declares.
pub fn check_compatibility(
    root: &Path,
    compatibility: &RawCompatibility,
    diagnostics: &mut Diagnostics,
) -> String {
    let path = root.join(crate::load::COMPATIBILITY_FILE);
    if version_key(&compatibility.minimum_room_version).is_none() {
        diagnostics.error(
            &path,
            "$.minimumRoomVersion",
            format!(
                "`{}` is not a version like \"4.3.0\"",
                compatibility.minimum_room_version
            ),
        );
    }
    if compatibility.reason.trim().is_empty() {
        diagnostics.error(&path, "$.reason", "say why this is the minimum");
    }
    compatibility.minimum_room_version.clone()
}

/// The rules' verdict on one field.
#[derive(Debug, Clone)]
pub struct FieldVerdict<'m> {
    /// The field list that holds it.
    pub body: Body,
    /// The definition file, relative to the definitions folder.
    pub file: &'m Path,
    /// JSON path of the field in that file (`$.response.fields[2]`).
    pub at: String,
    /// The field.
    pub field: &'m Field,
    /// Which way its data travels.
    pub directions: Directions,
    /// Why it must be optional; empty when it must be required.
    pub because: Vec<OptionalBecause>,
}

/// The verdict of the rules on every field of the model (twins merged, records with the
/// directions of the messages that reach them).
pub fn verdicts(model: &Model) -> Vec<FieldVerdict<'_>> {
    let twins = twins(Path::new(""), model, &mut Diagnostics::default());
    verdicts_from(model, &twins, &field_lists(model))
}

/// [`verdicts`] from the twins and field lists the caller already resolved.
fn verdicts_from<'m>(
    model: &'m Model,
    twins: &BTreeMap<Body, Body>,
    lists: &BTreeMap<Body, FieldList<'m>>,
) -> Vec<FieldVerdict<'m>> {
    let lacking = lacking_keys(model);
    let mut verdicts = Vec::new();
    for (body, list) in lists {
        let twin = twins
            .get(body)
            .and_then(|twin| lists.get(twin).map(|list| (twin, list)));
        for (index, field) in list.fields.iter().enumerate() {
            // A twin's page and examples are evidence for this field too.
            let twin_field = twin.and_then(|(_, twin_list)| {
                twin_list
                    .fields
                    .iter()
                    .find(|other| other.wire_name == field.wire_name)
            });
            let presence = match twin_field {
                Some(other) => merge(&field.presence, &other.presence),
                None => field.presence.clone(),
            };
            let key = |body: &Body| (body.clone(), field.wire_name.clone());
            let lacks = lacking
                .get(&key(body))
                .into_iter()
                .chain(twin.and_then(|(twin_body, _)| lacking.get(&key(twin_body))))
                .reduce(|first, other| if other.outranks(first) { other } else { first });
            let because = match list.tier {
                Source::Client => crate::client_tier::reasons(&presence, list.directions, lacks),
                Source::Documented | Source::Inferred => reasons(
                    &presence,
                    field,
                    list.directions,
                    lacks,
                    list.since,
                    &model.minimum_room_version,
                    &list.api,
                ),
            };
            verdicts.push(FieldVerdict {
                body: body.clone(),
                file: list.file,
                at: format!("{}[{index}]", list.at),
                field,
                directions: list.directions,
                because,
            });
        }
    }
    verdicts
}

/// Applies the presence rules to the whole model; every disagreement is a diagnostic naming the
/// file and the field.
pub fn check(root: &Path, model: &Model, diagnostics: &mut Diagnostics) {
    let twins = twins(root, model, diagnostics);
    let lists = field_lists(model);
    for (body, twin_body) in &twins {
        // Each pair is in the map both ways round; compare it once.
        if let (true, Some(list), Some(twin)) =
            (body < twin_body, lists.get(body), lists.get(twin_body))
        {
            compare_twins(root, (body, list), (twin_body, twin), diagnostics);
        }
    }
    for verdict in verdicts_from(model, &twins, &lists) {
        let path = root.join(verdict.file);
        let client = lists
            .get(&verdict.body)
            .is_some_and(|list| list.tier == Source::Client);
        if let Some(list) = lists.get(&verdict.body) {
            check_evidence(&path, &verdict.at, verdict.field, list, diagnostics);
        }
        crate::client_tier::check_field(
            &path,
            &verdict.at,
            verdict.field,
            client,
            verdict.directions,
            &verdict.because,
            diagnostics,
        );
        let check_verdict = if client {
            crate::client_tier::check_verdict
        } else {
            check_verdict
        };
        check_verdict(
            &path,
            &verdict.at,
            verdict.field,
            &verdict.because,
            diagnostics,
        );
    }
}

/// The build error when `optional` disagrees with the reasons.
fn check_verdict(
    path: &Path,
    here: &str,
    field: &Field,
    because: &[OptionalBecause],
    diagnostics: &mut Diagnostics,
) {
    let name = &field.wire_name;
    if !field.optional && !because.is_empty() {
        let why: Vec<String> = because.iter().map(ToString::to_string).collect();
        diagnostics.error(
            path,
            format!("{here}.optional"),
            format!(
                "`{name}` is required, but it must be optional: {}; make it optional and say when it is absent",
                why.join("; ")
            ),
        );
    } else if field.optional && because.is_empty() {
        diagnostics.error(
            path,
            format!("{here}.optional"),
            format!(
                "`{name}` is optional, but the docs state it without condition ({}) and every documented example carries it: it must be required, unless `presence.observed` records where it is left out",
                field.presence.url.as_deref().unwrap_or("no url")
            ),
        );
    }
}

/// Checks the evidence record itself: a page for what the docs say, words for what was seen,
/// "undocumented" in `absentWhen` for a key no page describes, a version that parses.
fn check_evidence(
    path: &Path,
    here: &str,
    field: &Field,
    list: &FieldList<'_>,
    diagnostics: &mut Diagnostics,
) {
    let name = &field.wire_name;
    let presence = &field.presence;
    match (&presence.url, presence.doc) {
        (Some(_), DocStatement::Undescribed) => diagnostics.error(
            path,
            format!("{here}.presence.url"),
            format!("`{name}` is undescribed, so no page is its evidence: drop `url`"),
        ),
        (None, DocStatement::Undescribed) => {}
        (None, doc) => diagnostics.error(
            path,
            format!("{here}.presence"),
            format!(
                "`{name}` is `{}` by the docs: `url` must name the page that says so",
                doc.as_str()
            ),
        ),
        (Some(url), _) if !list.doc_urls.contains(url) => diagnostics.error(
            path,
            format!("{here}.presence.url"),
            format!("`{url}` is not one of the definition's `docUrls`; add it there or cite one of them"),
        ),
        (Some(_), _) => {}
    }
    if presence
        .observed
        .as_deref()
        .is_some_and(|text| text.trim().is_empty())
    {
        diagnostics.error(
            path,
            format!("{here}.presence.observed"),
            "say where the key was seen left out (source and version)",
        );
    }
    if presence.doc == DocStatement::Undescribed
        && field.optional
        && !field
            .absent_when
            .as_deref()
            .is_some_and(|text| text.to_lowercase().contains("undocumented"))
    {
        diagnostics.error(
            path,
            format!("{here}.absentWhen"),
            format!("no page describes `{name}`: `absentWhen` must say it is undocumented"),
        );
    }
    if let Some(since) = &field.since {
        if version_key(since).is_none() {
            diagnostics.error(
                path,
                format!("{here}.since"),
                format!("`{since}` is not a version like \"4.1.0\""),
            );
        }
    }
}

/// Twin evidence seen as one: a condition either page gives wins, then the strongest statement;
/// a key left out in practice on either side counts for both.
fn merge(a: &Presence, b: &Presence) -> Presence {
    let rank = |doc: DocStatement| match doc {
        DocStatement::Conditional => 3,
        DocStatement::Mandatory => 2,
        DocStatement::Stated => 1,
        DocStatement::Undescribed => 0,
    };
    let stronger = if rank(b.doc) > rank(a.doc) { b } else { a };
    Presence {
        doc: stronger.doc,
        url: stronger.url.clone(),
        observed: a.observed.clone().or_else(|| b.observed.clone()),
        clients: a.clients.or(b.clients),
    }
}

/// The body of the message a `sameBodyAs` names (`commands/x` → its response, `notifications/y`).
fn body_of(model: &Model, reference: &str) -> Option<Body> {
    if let Some(method) = reference.strip_prefix("commands/") {
        model
            .command(method)
            .map(|_| Body::Response(method.to_string()))
    } else if let Some(event) = reference.strip_prefix("notifications/") {
        model
            .notification(event)
            .map(|_| Body::Notification(event.to_string()))
    } else {
        None
    }
}

/// Resolves every `sameBodyAs` into pairs of bodies, both ways round.
pub(crate) fn twins(
    root: &Path,
    model: &Model,
    diagnostics: &mut Diagnostics,
) -> BTreeMap<Body, Body> {
    let mut pairs = BTreeMap::new();
    for (info, _) in model.messages() {
        // A command's twin is its response body.
        let body = match info.kind {
            MessageKind::Command => Body::Response(info.wire_name.clone()),
            MessageKind::Notification => Body::Notification(info.wire_name.clone()),
        };
        let Some(reference) = &info.same_body_as else {
            continue;
        };
        let path = root.join(&info.definition.file);
        match body_of(model, reference) {
            Some(other) if other == body => diagnostics.error(
                &path,
                "$.sameBodyAs",
                "a message is not its own twin",
            ),
            Some(other) => {
                for (from, to) in [(body.clone(), other.clone()), (other, body.clone())] {
                    if let Some(existing) = pairs.insert(from.clone(), to.clone()) {
                        if existing != to {
                            diagnostics.error(
                                &path,
                                "$.sameBodyAs",
                                format!("the {from} already has the twin {existing}; a body has at most one twin"),
                            );
                        }
                    }
                }
            }
            None => diagnostics.error(
                &path,
                "$.sameBodyAs",
                format!("`{reference}` names no message: use `commands/<method>` or `notifications/<event>`"),
            ),
        }
    }
    pairs
}

/// Twins must have the same fields, of the same types, equally optional and nullable.
fn compare_twins(
    root: &Path,
    (body, list): (&Body, &FieldList<'_>),
    (twin_body, twin): (&Body, &FieldList<'_>),
    diagnostics: &mut Diagnostics,
) {
    let path = root.join(list.file);
    let describe = |field: &Field| {
        format!(
            "{}{}{}",
            field.ty,
            if field.optional { ", optional" } else { "" },
            if field.nullable { ", nullable" } else { "" }
        )
    };
    let names: BTreeSet<&str> = list
        .fields
        .iter()
        .chain(twin.fields)
        .map(|field| field.wire_name.as_str())
        .collect();
    for name in names {
        let mine = list.fields.iter().find(|field| field.wire_name == name);
        let theirs = twin.fields.iter().find(|field| field.wire_name == name);
        let problem = match (mine, theirs) {
            (Some(_), None) => format!("`{name}` is missing from the {twin_body}"),
            (None, Some(_)) => format!("`{name}` of the {twin_body} is missing here"),
            (Some(a), Some(b))
                if a.ty != b.ty || a.optional != b.optional || a.nullable != b.nullable =>
            {
                format!(
                    "`{name}` is {} here but {} in the {twin_body}",
                    describe(a),
                    describe(b)
                )
            }
            _ => continue,
        };
        diagnostics.error(
            &path,
            list.at,
            format!(
                "this {body} is declared to carry the same body as the {twin_body}, but {problem}"
            ),
        );
    }
}

/// Every field list of the model with what the rules need, records with the directions and API
/// versions of the messages that reach them.
pub(crate) fn field_lists(model: &Model) -> BTreeMap<Body, FieldList<'_>> {
    let mut lists = BTreeMap::new();
    fn message(info: &MessageInfo) -> (Option<&str>, BTreeSet<u8>) {
        (info.since.as_deref(), info.api.iter().copied().collect())
    }
    for command in &model.commands {
        let (since, api) = message(&command.info);
        let definition = &command.info.definition;
        for (body, fields, at, directions) in [
            (
                Body::Request(command.info.wire_name.clone()),
                &command.request,
                "$.request.fields",
                Directions {
                    sent: true,
                    received: false,
                },
            ),
            (
                Body::Response(command.info.wire_name.clone()),
                &command.response,
                "$.response.fields",
                Directions {
                    sent: false,
                    received: true,
                },
            ),
        ] {
            lists.insert(
                body,
                FieldList {
                    fields,
                    file: &definition.file,
                    at,
                    doc_urls: &definition.doc_urls,
                    directions,
                    since,
                    api: api.clone(),
                    tier: definition.source,
                },
            );
        }
    }
    for notification in &model.notifications {
        let (since, api) = message(&notification.info);
        lists.insert(
            Body::Notification(notification.info.wire_name.clone()),
            FieldList {
                fields: &notification.fields,
                file: &notification.info.definition.file,
                at: "$.fields",
                doc_urls: &notification.info.definition.doc_urls,
                directions: Directions {
                    sent: false,
                    received: true,
                },
                since,
                api,
                tier: notification.info.definition.source,
            },
        );
    }
    // Records take the directions and API versions of every message that reaches them.
    let mut reach: BTreeMap<String, (Directions, BTreeSet<u8>)> = BTreeMap::new();
    let roots: Vec<(Directions, BTreeSet<u8>, &[Field])> = lists
        .values()
        .map(|list| (list.directions, list.api.clone(), list.fields))
        .collect();
    for (directions, api, fields) in roots {
        let mut stack: Vec<&Field> = fields.iter().collect();
        let mut seen = BTreeSet::new();
        while let Some(field) = stack.pop() {
            if let Some(name) = record_in(model, &field.ty) {
                let entry = reach.entry(name.to_string()).or_default();
                entry.0.sent |= directions.sent;
                entry.0.received |= directions.received;
                entry.1.extend(api.iter().copied());
                if seen.insert(name) {
                    if let Some(record) = model.record(name) {
                        stack.extend(record.fields.iter());
                    }
                }
            }
        }
    }
    for (name, definition) in &model.types {
        let TypeDef::Record(record) = definition else {
            continue;
        };
        let (directions, api) = reach.get(name).cloned().unwrap_or_else(|| {
            (
                Directions::default(),
                KNOWN_API_VERSIONS.into_iter().collect(),
            )
        });
        lists.insert(
            Body::Record(name.clone()),
            FieldList {
                fields: &record.fields,
                file: &record.definition.file,
                at: "$.fields",
                doc_urls: &record.definition.doc_urls,
                directions,
                since: None,
                api,
                tier: record.definition.source,
            },
        );
    }
    lists
}

/// The record a type expression holds (through arrays, maps and union alternatives).
fn record_in<'m>(model: &'m Model, ty: &'m TypeRef) -> Option<&'m str> {
    match ty {
        TypeRef::Named(name) => model.held_record(name),
        TypeRef::Array(inner) | TypeRef::Map(inner) => record_in(model, inner),
        TypeRef::Scalar(_) => None,
    }
}

/// An example that does not carry a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lacking {
    /// Which example ("example 2 (\"Response\") of commands/auth.json").
    pub example: String,
    /// Whether it was captured from a real Room (else documented).
    pub captured: bool,
}

impl Lacking {
    /// Whether this is the stronger evidence, the one to name: a capture from a real Room
    /// outranks a documented example; between equals, the first one found stays.
    fn outranks(&self, other: &Lacking) -> bool {
        self.captured && !other.captured
    }
}

/// For each (field list, key): the example that does not carry the key — the first captured one,
/// else the first documented one. A failed response is no evidence (it may leave out any field),
/// and neither is a synthetic example.
pub fn lacking_keys(model: &Model) -> BTreeMap<(Body, String), Lacking> {
    let mut lacking = BTreeMap::new();
    for (info, examples) in model.messages() {
        for (index, example) in examples.iter().enumerate() {
            let captured = match example.source {
                // A client's request counts as a documented one does: a key it lacks is a key
                // that client leaves out.
                ExampleSource::Documented | ExampleSource::Client => false,
                ExampleSource::Captured => true,
                ExampleSource::Synthetic => continue,
            };
            let Some(Value::Object(object)) = &example.json else {
                continue;
            };
            let name = info.wire_name.clone();
            let (body, fields) = match example.role {
                ExampleRole::Request => match model.command(&name) {
                    Some(command) => (Body::Request(name), &command.request),
                    None => continue,
                },
                ExampleRole::Response => match model.command(&name) {
                    Some(command) if object.get("result") == Some(&Value::Bool(true)) => {
                        (Body::Response(name), &command.response)
                    }
                    _ => continue,
                },
                ExampleRole::Notification => match model.notification(&name) {
                    Some(notification) => (Body::Notification(name), &notification.fields),
                    None => continue,
                },
            };
            let label = Lacking {
                example: format!(
                    "example {index} (\"{}\") of {}",
                    example.title,
                    info.definition.file.display()
                ),
                captured,
            };
            walk_object(model, &body, fields, object, &label, &mut lacking);
        }
    }
    lacking
}

fn walk_object(
    model: &Model,
    body: &Body,
    fields: &[Field],
    object: &serde_json::Map<String, Value>,
    label: &Lacking,
    lacking: &mut BTreeMap<(Body, String), Lacking>,
) {
    for field in fields {
        let value = field.wire_names().find_map(|key| object.get(key));
        match value {
            Some(value) => walk_value(model, &field.ty, value, label, lacking),
            None => {
                let entry = lacking
                    .entry((body.clone(), field.wire_name.clone()))
                    .or_insert_with(|| label.clone());
                if label.outranks(entry) {
                    *entry = label.clone();
                }
            }
        }
    }
}

fn walk_value(
    model: &Model,
    ty: &TypeRef,
    value: &Value,
    label: &Lacking,
    lacking: &mut BTreeMap<(Body, String), Lacking>,
) {
    match (ty, value) {
        (TypeRef::Array(element), Value::Array(items)) => {
            for item in items {
                walk_value(model, element, item, label, lacking);
            }
        }
        (TypeRef::Map(element), Value::Object(entries)) => {
            for item in entries.values() {
                walk_value(model, element, item, label, lacking);
            }
        }
        (TypeRef::Named(_), Value::Object(object)) => {
            // A record, or the record alternative of a union.
            if let Some(record) = record_in(model, ty) {
                if let Some(fields) = model.record(record).map(|record| &record.fields) {
                    let body = Body::Record(record.to_string());
                    walk_object(model, &body, fields, object, label, lacking);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_with_trailing_zeros_dropped() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("5.0", "5.0.0+"), Some(Equal));
        assert_eq!(compare_versions("4.3.3", "4.3"), Some(Greater));
        assert_eq!(compare_versions("4.10", "4.9"), Some(Greater));
        assert_eq!(compare_versions("4.1.0", "4.3.0"), Some(Less));
        assert_eq!(compare_versions("v4", "4.3.0"), None);
    }
}
