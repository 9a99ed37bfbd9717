//! The evidence index: what every source says about every key, and the build's checks that
//! hold the definitions to it.
//!
//! The index is the optional folder `evidence/` of the definitions folder: JSON files (read by
//! [`crate::load::load_evidence`]), each listing its sources (stored doc pages, pinned TrueConf
//! clients, pinned captures of real Rooms) and entries, one per source and key, saying what the
//! source says about the key of a message or record ("subject"). The definitions' own examples
//! are the fourth source; the presence rules ([`crate::presence`]) read them directly.
//!
//! When the folder exists, the build checks, beyond the shape of each file:
//!
//! - each entry cites a source of its own file, with a verb that source kind can say, and a
//!   client or capture entry names its file and line;
//! - every field of every definition has at least one entry (for a twin, `sameBodyAs`, the
//!   twin's entries count too), so the sweep is complete;
//! - a field's `presence` agrees with the pages: a field recorded `undescribed` that a page
//!   describes, a field not recorded `conditional` that a page gives a condition for, or a
//!   `url` whose page does not say what `presence.doc` says, is an error naming the pages;
//! - every entry names a typed field, a message catalogued as known but untyped
//!   (`known.json`), or a subject or key listed in `known.json`'s `untypedKeys` with why.
//!
//! A definitions folder without `evidence/` (a copy made before the index existed, a test
//! fixture, a downstream folder) skips these checks: the presence rules still hold it to its
//! own `presence` records, and nothing in it claims to have been swept.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Diagnostics, Site};
use crate::load::{self, RawEvidenceEntry, RawEvidenceSource, RawUntypedKey};
use crate::model::{DocStatement, Field, Model};
use crate::presence::{self, Body};

pub use crate::load::{RawEvidenceKind as SourceKind, RawSays as Says};

/// A source of evidence, as its file declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Its id in the evidence files (`page:docs.trueconf.com/…`, `python-trueconf-room-1.0.0`).
    pub id: String,
    /// Page, client or capture.
    pub kind: SourceKind,
    /// The page, or the repository or package.
    pub url: String,
}

/// What one source says about one key.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `commands/<method>#request` … `types/<Record>`.
    pub subject: String,
    /// The wire key, or `None` for the whole message.
    pub key: Option<String>,
    /// What the source says.
    pub says: Says,
    /// The source (an index into [`Index::sources`]).
    pub source: usize,
    /// When the key is present or absent (`conditional`, `omits`).
    pub condition: Option<String>,
    /// File and line in the pinned client or capture.
    pub place: Option<(String, u32)>,
    /// The evidence file that holds the entry.
    pub file: PathBuf,
    /// Its JSON path in that file (`$.entries[12]`).
    pub at: String,
}

/// Every evidence file of a definitions folder, checked and indexed by (subject, key).
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Every source, once per id.
    pub sources: Vec<Source>,
    /// Every entry, in file order.
    pub entries: Vec<Entry>,
    by_key: BTreeMap<(String, Option<String>), Vec<usize>>,
}

impl Index {
    /// Reads and checks `evidence/` of the definitions folder `root`. `None` when there is no
    /// such folder; every problem (a file that does not parse, an entry that cites no source
    /// of its file …) is recorded in `diagnostics`, and the entries without one are kept.
    pub fn load(root: &Path, diagnostics: &mut Diagnostics) -> Option<Index> {
        let files = load::load_evidence(root, diagnostics)?;
        let mut index = Index::default();
        // Id → (its source, the file that declared it first).
        let mut declared: BTreeMap<&str, (usize, &Path)> = BTreeMap::new();
        for loaded in &files {
            let site = Site::root(&loaded.path);
            let mut local = BTreeMap::new();
            for (id, raw) in &loaded.file.sources {
                let here = site.key("sources").key(id);
                check_source(&here, raw, diagnostics);
                let number = match declared.get(id.as_str()) {
                    Some(&(number, first)) => {
                        let known = &index.sources[number];
                        if known.kind != raw.kind || known.url != raw.url {
                            here.error(
                                diagnostics,
                                format!(
                                    "source `{id}` is declared differently in {}: one id, one source",
                                    first.display()
                                ),
                            );
                        }
                        number
                    }
                    None => {
                        index.sources.push(Source {
                            id: id.clone(),
                            kind: raw.kind,
                            url: raw.url.clone(),
                        });
                        let number = index.sources.len() - 1;
                        declared.insert(id, (number, &loaded.path));
                        number
                    }
                };
                local.insert(id.as_str(), number);
            }
            for (position, raw) in loaded.file.entries.iter().enumerate() {
                let here = site.key("entries").index(position);
                let Some(&source) = local.get(raw.source.as_str()) else {
                    here.key("source").error(
                        diagnostics,
                        format!(
                            "`{}` is not one of this file's `sources`; declare it there",
                            raw.source
                        ),
                    );
                    continue;
                };
                if check_entry(&here, raw, index.sources[source].kind, diagnostics) {
                    index.push(Entry {
                        subject: raw.subject.clone(),
                        key: raw.key.clone(),
                        says: raw.says,
                        source,
                        condition: raw.condition.clone(),
                        place: raw.file.clone().zip(raw.line),
                        file: loaded.path.clone(),
                        at: format!("$.entries[{position}]"),
                    });
                }
            }
        }
        index.check_pages_agree(diagnostics);
        Some(index)
    }

    /// A page says one thing about a key: two files may both record what one page says (the
    /// command and the notification sweeps share pages), but they must record the same verb.
    fn check_pages_agree(&self, diagnostics: &mut Diagnostics) {
        let mut first: BTreeMap<(&str, Option<&str>, usize), &Entry> = BTreeMap::new();
        for entry in &self.entries {
            if self.source(entry).kind != SourceKind::Page {
                continue;
            }
            let key = (entry.subject.as_str(), entry.key.as_deref(), entry.source);
            match first.get(&key) {
                Some(other) if other.says != entry.says => {
                    Site::at(&entry.file, &entry.at).key("says").error(
                        diagnostics,
                        format!(
                            "{} says `{}` about `{}` of {} here, but `{}` in {} {}: a page says one thing about a key; correct the entry that misreads it",
                            self.source(entry).url,
                            says_word(entry.says),
                            entry.key.as_deref().unwrap_or("the message"),
                            entry.subject,
                            says_word(other.says),
                            other.file.display(),
                            other.at
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    first.insert(key, entry);
                }
            }
        }
    }

    fn push(&mut self, entry: Entry) {
        self.by_key
            .entry((entry.subject.clone(), entry.key.clone()))
            .or_default()
            .push(self.entries.len());
        self.entries.push(entry);
    }

    /// The entries about `key` of `subject` (`None`: about the whole message).
    pub fn entries(&self, subject: &str, key: Option<&str>) -> impl Iterator<Item = &Entry> {
        self.by_key
            .get(&(subject.to_string(), key.map(str::to_string)))
            .into_iter()
            .flatten()
            .map(|&number| &self.entries[number])
    }

    /// The source an entry cites.
    pub fn source(&self, entry: &Entry) -> &Source {
        &self.sources[entry.source]
    }

    /// The entries about each field of the model, by field list and wire name: those of its
    /// own subject and, for a message with a twin (`sameBodyAs`), of the twin's, for the
    /// field's name and its aliases.
    pub fn per_field<'i>(&'i self, model: &Model) -> BTreeMap<(Body, String), Vec<&'i Entry>> {
        let twins = presence::twins(Path::new(""), model, &mut Diagnostics::default());
        let mut out = BTreeMap::new();
        for (body, list) in presence::field_lists(model) {
            let subjects: Vec<String> = std::iter::once(&body)
                .chain(twins.get(&body))
                .map(subject_of)
                .collect();
            for field in list.fields {
                let entries = subjects
                    .iter()
                    .flat_map(|subject| {
                        field
                            .wire_names()
                            .flat_map(move |key| self.entries(subject, Some(key)))
                    })
                    .collect();
                out.insert((body.clone(), field.wire_name.clone()), entries);
            }
        }
        out
    }
}

/// The index subject of a field list: `commands/<method>#request`, `commands/<method>#response`,
/// `notifications/<event>` or `types/<Record>`.
pub fn subject_of(body: &Body) -> String {
    match body {
        Body::Request(method) => format!("commands/{method}#request"),
        Body::Response(method) => format!("commands/{method}#response"),
        Body::Notification(event) => format!("notifications/{event}"),
        Body::Record(name) => format!("types/{name}"),
    }
}

/// A subject, taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject<'s> {
    Request(&'s str),
    Response(&'s str),
    Notification(&'s str),
    Record(&'s str),
}

/// `commands/x#request` … `types/X`, or `None` when the text is not a subject.
fn parse_subject(text: &str) -> Option<Subject<'_>> {
    let name_ok = |name: &str| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let subject = if let Some(rest) = text.strip_prefix("commands/") {
        match rest.split_once('#')? {
            (method, "request") => Subject::Request(method),
            (method, "response") => Subject::Response(method),
            _ => return None,
        }
    } else if let Some(event) = text.strip_prefix("notifications/") {
        Subject::Notification(event)
    } else {
        Subject::Record(text.strip_prefix("types/")?)
    };
    let (Subject::Request(name)
    | Subject::Response(name)
    | Subject::Notification(name)
    | Subject::Record(name)) = subject;
    name_ok(name).then_some(subject)
}

/// A source names where it is and, for code, the pinned version.
fn check_source(site: &Site, source: &RawEvidenceSource, diagnostics: &mut Diagnostics) {
    if !(source.url.starts_with("https://") || source.url.starts_with("http://")) {
        site.key("url")
            .error(diagnostics, format!("`{}` is not a URL", source.url));
    }
    let pinned = source.commit.is_some() || source.version.is_some();
    if source.kind != SourceKind::Page && !pinned {
        site.error(
            diagnostics,
            "a client or capture source needs the `commit` or `version` it is pinned to",
        );
    }
    if let Some(commit) = &source.commit {
        if commit.len() != 40 || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
            site.key("commit")
                .error(diagnostics, format!("`{commit}` is not a 40-hex commit"));
        }
    }
}

/// The verbs each kind of source can say.
fn verbs(kind: SourceKind) -> &'static [Says] {
    match kind {
        SourceKind::Page => &[
            Says::Mandatory,
            Says::Stated,
            Says::Conditional,
            Says::Example,
            Says::Named,
            Says::Page,
        ],
        SourceKind::Client => &[
            Says::Sends,
            Says::Omits,
            Says::Reads,
            Says::Requires,
            Says::Handles,
        ],
        SourceKind::Capture => &[Says::Present, Says::Absent],
    }
}

/// The word of a verb, as the files write it.
pub fn says_word(says: Says) -> &'static str {
    match says {
        Says::Mandatory => "mandatory",
        Says::Stated => "stated",
        Says::Conditional => "conditional",
        Says::Example => "example",
        Says::Named => "named",
        Says::Page => "page",
        Says::Sends => "sends",
        Says::Omits => "omits",
        Says::Reads => "reads",
        Says::Requires => "requires",
        Says::Handles => "handles",
        Says::Present => "present",
        Says::Absent => "absent",
    }
}

fn kind_word(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Page => "page",
        SourceKind::Client => "client",
        SourceKind::Capture => "capture",
    }
}

/// One entry on its own: a subject, a verb its source can say, a key where the verb needs one,
/// a condition exactly where one is due, and a place (file, line) exactly for code. True when
/// the entry is sound enough to index.
fn check_entry(
    site: &Site,
    entry: &RawEvidenceEntry,
    kind: SourceKind,
    diagnostics: &mut Diagnostics,
) -> bool {
    let before = diagnostics.0.len();
    if parse_subject(&entry.subject).is_none() {
        site.key("subject").error(
            diagnostics,
            format!(
                "`{}` is not a subject: `commands/<method>#request`, `commands/<method>#response`, `notifications/<event>` or `types/<Record>`",
                entry.subject
            ),
        );
    }
    let says = says_word(entry.says);
    if !verbs(kind).contains(&entry.says) {
        let allowed: Vec<&str> = verbs(kind).iter().map(|verb| says_word(*verb)).collect();
        site.key("says").error(
            diagnostics,
            format!(
                "a {} source cannot say `{says}`; it says one of: {}",
                kind_word(kind),
                allowed.join(", ")
            ),
        );
    }
    let whole_message = matches!(entry.says, Says::Page | Says::Sends | Says::Handles);
    match &entry.key {
        None if !whole_message => site.key("key").error(
            diagnostics,
            format!("a `{says}` entry is about one key: give `key`"),
        ),
        Some(_) if entry.says == Says::Page => site.key("key").error(
            diagnostics,
            "a `page` entry is about the whole message: its `key` is null",
        ),
        Some(key) if key.is_empty() => site.key("key").error(diagnostics, "the key is empty"),
        _ => {}
    }
    let needs_condition = matches!(entry.says, Says::Conditional | Says::Omits);
    let has_condition = entry
        .condition
        .as_deref()
        .is_some_and(|text| !text.trim().is_empty());
    if needs_condition && !has_condition {
        site.error(
            diagnostics,
            format!("a `{says}` entry says when: give `condition`"),
        );
    } else if !needs_condition && entry.condition.is_some() {
        site.key("condition").error(
            diagnostics,
            format!("only `conditional` and `omits` entries have a condition, not `{says}`"),
        );
    }
    if kind == SourceKind::Page {
        if entry.file.is_some() || entry.line.is_some() {
            site.error(
                diagnostics,
                "a page entry has no `file` or `line`; its source's URL is the place",
            );
        }
    } else {
        if entry
            .file
            .as_deref()
            .is_none_or(|file| file.trim().is_empty())
        {
            site.error(
                diagnostics,
                format!(
                    "a {} entry names the `file` it was read from in the pinned source",
                    kind_word(kind)
                ),
            );
        }
        match entry.line {
            None => site.error(
                diagnostics,
                format!(
                    "a {} entry names the `line` it was read from in the pinned source",
                    kind_word(kind)
                ),
            ),
            Some(0) => site
                .key("line")
                .error(diagnostics, "lines are numbered from 1"),
            Some(_) => {}
        }
    }
    if entry.literal.is_some() && !(entry.says == Says::Sends && entry.key.is_none()) {
        site.key("literal").error(
            diagnostics,
            "only a `sends` entry about the whole request (key null) carries `literal`",
        );
    }
    diagnostics.0.len() == before
}

/// The checks of the definitions against the index (module docs); `untyped` is `known.json`'s
/// `untypedKeys`.
pub fn check(
    root: &Path,
    model: &Model,
    index: &Index,
    untyped: &[RawUntypedKey],
) -> Result<(), Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let per_field = index.per_field(model);
    for (body, list) in presence::field_lists(model) {
        let path = root.join(list.file);
        for (position, field) in list.fields.iter().enumerate() {
            let site = Site::at(&path, format!("{}[{position}]", list.at));
            let entries = per_field
                .get(&(body.clone(), field.wire_name.clone()))
                .map(Vec::as_slice)
                .unwrap_or_default();
            if entries.is_empty() {
                site.error(
                    &mut diagnostics,
                    format!(
                        "`{}` of {} has no entry in the evidence index: record what the sources say about it (a page's `example` or `named`, a client's `reads` …) in a file of {}/",
                        field.wire_name,
                        subject_of(&body),
                        load::EVIDENCE_FOLDER
                    ),
                );
                continue;
            }
            let own = subject_of(&body);
            check_presence(&site, &own, field, entries, index, &mut diagnostics);
        }
    }
    check_names(root, model, index, untyped, &mut diagnostics);
    diagnostics.into_result(())
}

/// The pages that say `says` about a field, as "url" strings (sorted, once each), with the
/// condition for `conditional`.
fn pages_saying<'i>(index: &'i Index, entries: &[&'i Entry], says: Says) -> BTreeSet<&'i str> {
    entries
        .iter()
        .filter(|entry| entry.says == says && index.source(entry).kind == SourceKind::Page)
        .map(|entry| index.source(entry).url.as_str())
        .collect()
}

fn list(urls: &BTreeSet<&str>) -> String {
    urls.iter().copied().collect::<Vec<_>>().join(", ")
}

/// A field's `presence.doc` and `url` against what the pages in the index say.
fn check_presence(
    site: &Site,
    own: &str,
    field: &Field,
    entries: &[&Entry],
    index: &Index,
    diagnostics: &mut Diagnostics,
) {
    let name = &field.wire_name;
    let doc = field.presence.doc;
    let url = field.presence.url.as_deref();
    let conditional = pages_saying(index, entries, Says::Conditional);
    let mandatory = pages_saying(index, entries, Says::Mandatory);
    let stated = pages_saying(index, entries, Says::Stated);
    let doc_site = site.key("presence").key("doc");
    let url_site = site.key("presence").key("url");
    if doc == DocStatement::Undescribed {
        // Each describing page once, with what it says and, for a twin's page, whose it is.
        let describing: BTreeSet<String> = entries
            .iter()
            .filter(|entry| {
                matches!(
                    entry.says,
                    Says::Mandatory | Says::Stated | Says::Conditional
                ) && index.source(entry).kind == SourceKind::Page
            })
            .map(|entry| {
                let whose = if entry.subject == own {
                    String::new()
                } else {
                    format!(", on the twin {}", entry.subject)
                };
                format!(
                    "{} ({}{whose})",
                    index.source(entry).url,
                    says_word(entry.says)
                )
            })
            .collect();
        if !describing.is_empty() {
            doc_site.error(
                diagnostics,
                format!(
                    "`{name}` is recorded `undescribed`, but the evidence index has pages that describe it: {}; record what they say, with one of them as `url`",
                    describing.into_iter().collect::<Vec<_>>().join(", ")
                ),
            );
        }
        return;
    }
    if !conditional.is_empty() {
        let conditions: BTreeSet<&str> = entries
            .iter()
            .filter(|entry| entry.says == Says::Conditional)
            .filter_map(|entry| entry.condition.as_deref())
            .collect();
        if doc != DocStatement::Conditional {
            let conflict = if mandatory.is_empty() {
                String::new()
            } else {
                format!(
                    "; the pages disagree, since {} says it is mandatory: a condition wins (the key may be absent), or correct the entry that misreads its page",
                    list(&mandatory)
                )
            };
            doc_site.error(
                diagnostics,
                format!(
                    "`{name}` is recorded `{}`, but pages give a condition for it: {} (\"{}\"); record `conditional` with one of them as `url`{conflict}",
                    doc.as_str(),
                    list(&conditional),
                    conditions.into_iter().collect::<Vec<_>>().join("\"; \"")
                ),
            );
        } else if !url.is_some_and(|url| conditional.contains(url)) {
            url_site.error(
                diagnostics,
                format!(
                    "`{name}` is conditional, but the evidence index records no condition for it from {}; pages that give one: {}",
                    url.unwrap_or("no url"),
                    list(&conditional)
                ),
            );
        }
        return;
    }
    let (says_it, word) = match doc {
        DocStatement::Conditional => {
            let describing: BTreeSet<&str> = stated.union(&mandatory).copied().collect();
            doc_site.error(
                diagnostics,
                format!(
                    "`{name}` is recorded `conditional`, but no page in the evidence index gives a condition for it{}; record what the pages say, or add the condition a page gives to the index",
                    if describing.is_empty() {
                        String::from(" (none describes it)")
                    } else {
                        format!(" ({} describe it without one)", list(&describing))
                    }
                ),
            );
            return;
        }
        DocStatement::Stated if !mandatory.is_empty() => {
            doc_site.error(
                diagnostics,
                format!(
                    "`{name}` is recorded `stated`, but {} says it is mandatory: record `mandatory` with that page as `url`",
                    list(&mandatory)
                ),
            );
            return;
        }
        DocStatement::Stated => (&stated, "describes it without condition"),
        DocStatement::Mandatory => (&mandatory, "says it is mandatory"),
        DocStatement::Undescribed => return,
    };
    if !url.is_some_and(|url| says_it.contains(url)) {
        let others = if says_it.is_empty() {
            String::from("no page in the index does: it is undescribed")
        } else {
            format!("pages that do: {}", list(says_it))
        };
        url_site.error(
            diagnostics,
            format!(
                "`{name}` is `{}`, but by the evidence index {} is not a page that {word}; {others}",
                doc.as_str(),
                url.unwrap_or("no url"),
            ),
        );
    }
}

/// What a subject of the index names in the model.
enum Named<'m> {
    /// A typed field list.
    Fields(&'m [Field]),
    /// A message catalogued in `known.json` (known, not typed).
    Catalogued,
    /// Nothing.
    Nothing,
}

fn named<'m>(model: &'m Model, subject: Subject<'_>) -> Named<'m> {
    let known =
        |list: &[crate::model::KnownName], name: &str| list.iter().any(|known| known.name == name);
    match subject {
        Subject::Request(method) | Subject::Response(method) => match model.command(method) {
            Some(command) if matches!(subject, Subject::Request(_)) => {
                Named::Fields(&command.request)
            }
            Some(command) => Named::Fields(&command.response),
            None if known(&model.known_commands, method) => Named::Catalogued,
            None => Named::Nothing,
        },
        Subject::Notification(event) => match model.notification(event) {
            Some(notification) => Named::Fields(&notification.fields),
            None if known(&model.known_notifications, event) => Named::Catalogued,
            None => Named::Nothing,
        },
        Subject::Record(name) => match model.record(name) {
            Some(record) => Named::Fields(&record.fields),
            None => Named::Nothing,
        },
    }
}

/// Whether `key` (`None`: the whole message) is among `fields`.
fn typed(named: &Named<'_>, key: Option<&str>) -> bool {
    match (named, key) {
        (Named::Fields(_), None) => true,
        (Named::Fields(fields), Some(key)) => fields
            .iter()
            .any(|field| field.wire_names().any(|name| name == key)),
        _ => false,
    }
}

/// Every entry names something typed, something catalogued, or a deliberately untyped
/// subject or key; and every deliberately untyped one is still untyped and still named.
fn check_names(
    root: &Path,
    model: &Model,
    index: &Index,
    untyped: &[RawUntypedKey],
    diagnostics: &mut Diagnostics,
) {
    let listed: BTreeSet<(&str, Option<&str>)> = untyped
        .iter()
        .map(|item| (item.subject.as_str(), item.key.as_deref()))
        .collect();
    // (subject, key) → the first entry naming it and how many do; reported once.
    let mut unnamed: BTreeMap<(&str, Option<&str>), (&Entry, usize)> = BTreeMap::new();
    for entry in &index.entries {
        let Some(subject) = parse_subject(&entry.subject) else {
            continue;
        };
        let what = named(model, subject);
        let target = match (&what, entry.key.as_deref()) {
            (Named::Catalogued, _) => continue,
            (Named::Nothing, _) => (entry.subject.as_str(), None),
            (Named::Fields(_), key) if typed(&what, key) => continue,
            (Named::Fields(_), key) => (entry.subject.as_str(), key),
        };
        if listed.contains(&target) {
            continue;
        }
        unnamed
            .entry(target)
            .and_modify(|(_, count)| *count += 1)
            .or_insert((entry, 1));
    }
    for ((subject, key), (entry, count)) in unnamed {
        let site = Site::at(&entry.file, &entry.at);
        let more = if count > 1 {
            format!(" ({count} entries in the index name it; this is the first)")
        } else {
            String::new()
        };
        let message = match key {
            None => format!(
                "`{subject}` names no definition and no name of known.json{more}: type it, catalogue it in known.json, or list it in known.json `untypedKeys` with why"
            ),
            Some(key) => format!(
                "`{key}` is not a field of {subject}{more}: type it, correct the entry, or list it in known.json `untypedKeys` with why"
            ),
        };
        site.key(if key.is_some() { "key" } else { "subject" })
            .error(diagnostics, message);
    }
    let path = root.join(load::KNOWN_NAMES_FILE);
    for (position, item) in untyped.iter().enumerate() {
        let site = Site::root(&path).key("untypedKeys").index(position);
        let key = item.key.as_deref();
        let Some(subject) = parse_subject(&item.subject) else {
            site.key("subject")
                .error(diagnostics, format!("`{}` is not a subject", item.subject));
            continue;
        };
        let what = named(model, subject);
        let mentioned = index.entries(&item.subject, key).next().is_some()
            || (key.is_none() && index.entries.iter().any(|e| e.subject == item.subject));
        if item.evidence.trim().is_empty() {
            site.key("evidence")
                .error(diagnostics, "say why it is not typed");
        } else if typed(&what, key) || (key.is_none() && !matches!(what, Named::Nothing)) {
            site.error(
                diagnostics,
                "it has a definition now (or a name in the catalogue); remove it from `untypedKeys`",
            );
        } else if !mentioned {
            site.error(
                diagnostics,
                "no entry of the evidence index names it; remove it from `untypedKeys`",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_taken_apart_and_nothing_else_is_one() {
        assert_eq!(
            parse_subject("commands/auth#response"),
            Some(Subject::Response("auth"))
        );
        assert_eq!(
            parse_subject("commands/auth#request"),
            Some(Subject::Request("auth"))
        );
        assert_eq!(
            parse_subject("notifications/appStateChanged"),
            Some(Subject::Notification("appStateChanged"))
        );
        assert_eq!(
            parse_subject("types/TariffPermissions"),
            Some(Subject::Record("TariffPermissions"))
        );
        for bad in [
            "commands/auth",
            "commands/auth#reply",
            "commands/#request",
            "notifications/",
            "types/Tariff Permissions",
            "records/X",
            "",
        ] {
            assert_eq!(parse_subject(bad), None, "{bad}");
        }
    }

    #[test]
    fn bodies_have_the_subjects_the_files_use() {
        assert_eq!(
            subject_of(&Body::Request("auth".into())),
            "commands/auth#request"
        );
        assert_eq!(
            subject_of(&Body::Response("auth".into())),
            "commands/auth#response"
        );
        assert_eq!(
            subject_of(&Body::Notification("x".into())),
            "notifications/x"
        );
        assert_eq!(subject_of(&Body::Record("R".into())), "types/R");
    }
}
