//! Comparing two models: every change between two descriptions of the API, each classified by
//! the rule for its direction.
//!
//! Direction decides what breaks. A client *sends* requests, so a parameter that becomes
//! required or changes type breaks it; it *receives* responses and notifications, so a field
//! that disappears, becomes optional or changes type breaks it. Shared types are compared where
//! they are used, so one changed record shows up under every message (and direction) that holds
//! it, with the rule that applies there.
//!
//! ```
//! use trueconf_api_codegen::{diff, load_model};
//! let model = load_model(std::path::Path::new("tests/fixtures/small")).map_err(|e| e.to_string())?;
//! let (mut v1, v2) = (model.clone(), model);
//! v1.restrict_to_api(1);
//! let report = diff::compare(&v1, &v2);
//! assert!(report.changes.iter().any(|change| change.rule.id == "received-field-added"));
//! assert!(!report.has_breaking());
//! # Ok::<(), String>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::model::{EnumLiteral, Field, Model, Scalar, TypeDef, TypeRef};

/// How much a change matters to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Existing clients stop working (or stop compiling) against the new description.
    Breaking,
    /// Existing clients keep working, but some may misbehave (exhaustive matches, renamed types).
    Warning,
    /// Something new that clients may use; nothing existing changes.
    Info,
}

impl Level {
    /// `breaking`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Breaking => "breaking",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

/// A classification rule: a stable id, its level, and why (the direction rule applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable identifier, used in change ids and by CI filters.
    pub id: &'static str,
    /// The level every change under this rule gets.
    pub level: Level,
    /// Why the change has that level, from the client's side.
    pub reason: &'static str,
}

macro_rules! rules {
    ($($name:ident = ($id:literal, $level:ident, $reason:literal);)*) => {
        $(
            #[doc = concat!("`", $id, "`: ", $reason)]
            pub const $name: Rule = Rule { id: $id, level: Level::$level, reason: $reason };
        )*
        /// Every rule, in the order the documentation lists them.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    COMMAND_ADDED = ("command-added", Info,
        "a new command clients may send");
    COMMAND_REMOVED = ("command-removed", Breaking,
        "clients that send it get no typed answer, and code naming it stops compiling");
    NOTIFICATION_ADDED = ("notification-added", Info,
        "a new notification; clients that do not know it see it as unknown");
    NOTIFICATION_REMOVED = ("notification-removed", Breaking,
        "clients waiting for it never receive it");
    MESSAGE_API_ADDED = ("message-api-added", Info,
        "the message now exists in more API versions");
    MESSAGE_API_REMOVED = ("message-api-removed", Breaking,
        "clients on the dropped API version can no longer use the message");
    SENT_FIELD_ADDED_REQUIRED = ("sent-field-added-required", Breaking,
        "clients must now send a parameter they do not know about");
    SENT_FIELD_ADDED_OPTIONAL = ("sent-field-added-optional", Info,
        "a new parameter clients may send");
    SENT_FIELD_REMOVED = ("sent-field-removed", Warning,
        "clients that send it send a key the terminal no longer reads");
    SENT_FIELD_NOW_REQUIRED = ("sent-field-now-required", Breaking,
        "clients that leave the parameter out are now wrong");
    SENT_FIELD_NOW_OPTIONAL = ("sent-field-now-optional", Info,
        "clients may now leave the parameter out");
    SENT_FIELD_RETYPED = ("sent-field-retyped", Breaking,
        "clients send a value of the old type");
    SENT_FIELD_NOW_NULLABLE = ("sent-field-now-nullable", Info,
        "clients may now send null");
    SENT_FIELD_NO_LONGER_NULLABLE = ("sent-field-no-longer-nullable", Breaking,
        "clients that send null are now wrong");
    RECEIVED_FIELD_ADDED = ("received-field-added", Info,
        "new data that clients may read; decoders ignore keys they do not know");
    RECEIVED_FIELD_REMOVED = ("received-field-removed", Breaking,
        "clients that read the field no longer get it");
    RECEIVED_FIELD_NOW_OPTIONAL = ("received-field-now-optional", Breaking,
        "clients that expect the field must now handle its absence");
    RECEIVED_FIELD_NOW_REQUIRED = ("received-field-now-required", Info,
        "the field is now always present");
    RECEIVED_FIELD_RETYPED = ("received-field-retyped", Breaking,
        "clients decode the value as the old type");
    RECEIVED_FIELD_NOW_NULLABLE = ("received-field-now-nullable", Breaking,
        "clients that expect a value must now handle null");
    RECEIVED_FIELD_NO_LONGER_NULLABLE = ("received-field-no-longer-nullable", Info,
        "the field is never null any more");
    SENT_VALUE_ADDED = ("sent-value-added", Info,
        "a new value clients may send");
    SENT_VALUE_REMOVED = ("sent-value-removed", Breaking,
        "clients that send the value are now wrong");
    RECEIVED_VALUE_ADDED = ("received-value-added", Warning,
        "clients that match every value exhaustively do not handle it");
    RECEIVED_VALUE_REMOVED = ("received-value-removed", Warning,
        "the value no longer arrives; code naming it may stop compiling");
    SENT_VARIANT_ADDED = ("sent-variant-added", Info,
        "clients may now send a value of one more JSON type");
    SENT_VARIANT_REMOVED = ("sent-variant-removed", Breaking,
        "clients that send a value of that JSON type are now wrong");
    RECEIVED_VARIANT_ADDED = ("received-variant-added", Breaking,
        "clients that decode the old set of JSON types reject the new one");
    RECEIVED_VARIANT_REMOVED = ("received-variant-removed", Info,
        "a value of that JSON type no longer arrives");
    VALUE_RENAMED = ("value-renamed", Warning,
        "same wire value under a new name: code naming the old one stops compiling");
    TYPE_RENAMED = ("type-renamed", Warning,
        "same wire shape under a new type name: code naming the old type stops compiling");
}

/// Whether the client writes or reads the place a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Request parameters: the client sends them.
    Sent,
    /// Response and notification fields: the client receives them.
    Received,
}

impl Direction {
    /// The rule for this direction out of a sent/received pair.
    fn pick(self, sent: Rule, received: Rule) -> Rule {
        match self {
            Direction::Sent => sent,
            Direction::Received => received,
        }
    }
}

/// One change between the two descriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Stable identifier: `rule@path`.
    pub id: String,
    /// The rule that classified it.
    pub rule: Rule,
    /// Where: `commands.<method>.request.<field>…`, `commands.<method>.response.…` or
    /// `notifications.<event>.…`; `[]` steps into array elements, `{}` into map values,
    /// `=VALUE` names an enum value, `|TYPE` a union's variant by its JSON type.
    pub path: String,
    /// What changed, in one sentence.
    pub message: String,
}

/// Every change, sorted by path and rule.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Report {
    /// True when any change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|change| change.rule.level == Level::Breaking)
    }

    /// How many changes each level has: breaking, warning, info.
    pub fn counts(&self) -> [(Level, usize); 3] {
        [Level::Breaking, Level::Warning, Level::Info].map(|level| {
            let count = self
                .changes
                .iter()
                .filter(|change| change.rule.level == level)
                .count();
            (level, count)
        })
    }

    /// One line per change, then a summary line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for change in &self.changes {
            let _ = writeln!(
                out,
                "{:<8} {} {}: {} ({})",
                change.rule.level.as_str(),
                change.rule.id,
                change.path,
                change.message,
                change.rule.reason
            );
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }

    /// `N changes: B breaking, W warnings, I info`.
    pub fn summary(&self) -> String {
        let [(_, breaking), (_, warnings), (_, info)] = self.counts();
        format!(
            "{} change{}: {breaking} breaking, {warnings} warning{}, {info} info",
            self.changes.len(),
            if self.changes.len() == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        )
    }

    /// The report as JSON: a summary and every change with its rule.
    pub fn to_json(&self) -> serde_json::Value {
        let counts: serde_json::Map<String, serde_json::Value> = self
            .counts()
            .into_iter()
            .map(|(level, count)| (level.as_str().to_string(), count.into()))
            .collect();
        serde_json::json!({
            "summary": counts,
            "breaking": self.has_breaking(),
            "changes": self.changes,
        })
    }

    /// A Markdown changelog under `title`: one section per level, then the rules.
    pub fn to_markdown(&self, title: &str, preamble: &str) -> String {
        let mut out = format!("# {title}\n\n{preamble}\n\n{}.\n", self.summary());
        for (level, heading) in [
            (Level::Breaking, "Breaking"),
            (Level::Warning, "Warnings"),
            (Level::Info, "Info"),
        ] {
            let changes: Vec<&Change> = self
                .changes
                .iter()
                .filter(|change| change.rule.level == level)
                .collect();
            if changes.is_empty() {
                continue;
            }
            let _ = write!(out, "\n## {heading}\n\n");
            for change in changes {
                let _ = writeln!(
                    out,
                    "- `{}`: {} (`{}`)",
                    change.path, change.message, change.rule.id
                );
            }
        }
        out.push_str("\n## Rules\n\n| rule | level | why |\n|---|---|---|\n");
        for rule in RULES {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                rule.id,
                rule.level.as_str(),
                rule.reason
            );
        }
        out
    }
}

/// Compares `old` with `new` and lists every change, sorted by path and rule.
pub fn compare(old: &Model, new: &Model) -> Report {
    let mut diff = Differ {
        old,
        new,
        changes: Vec::new(),
    };
    diff.messages();
    diff.changes
        .sort_by(|a, b| (&a.path, a.rule.id).cmp(&(&b.path, b.rule.id)));
    diff.changes.dedup_by(|a, b| a.id == b.id);
    Report {
        changes: diff.changes,
    }
}

/// Nesting guard: the validator rejects cyclic records, but a diff never trusts that.
const MAX_DEPTH: usize = 64;

struct Differ<'a> {
    old: &'a Model,
    new: &'a Model,
    changes: Vec<Change>,
}

impl Differ<'_> {
    fn push(&mut self, rule: Rule, path: String, message: String) {
        self.changes.push(Change {
            id: format!("{}@{path}", rule.id),
            rule,
            path,
            message,
        });
    }

    fn messages(&mut self) {
        let (commands, added) = pair_by_name(&self.old.commands, &self.new.commands, |command| {
            &command.info.wire_name
        });
        for (old, new) in commands {
            let path = format!("commands.{}", old.info.wire_name);
            let Some(new) = new else {
                self.push(COMMAND_REMOVED, path, "command removed".into());
                continue;
            };
            self.api_lists(&path, &old.info.api, &new.info.api);
            let request = format!("{path}.request");
            self.fields(Direction::Sent, &request, &old.request, &new.request, 0);
            let response = format!("{path}.response");
            self.fields(
                Direction::Received,
                &response,
                &old.response,
                &new.response,
                0,
            );
        }
        for command in added {
            let path = format!("commands.{}", command.info.wire_name);
            self.push(COMMAND_ADDED, path, "command added".into());
        }

        let (notifications, added) = pair_by_name(
            &self.old.notifications,
            &self.new.notifications,
            |notification| &notification.info.wire_name,
        );
        for (old, new) in notifications {
            let path = format!("notifications.{}", old.info.wire_name);
            let Some(new) = new else {
                self.push(NOTIFICATION_REMOVED, path, "notification removed".into());
                continue;
            };
            self.api_lists(&path, &old.info.api, &new.info.api);
            self.fields(Direction::Received, &path, &old.fields, &new.fields, 0);
        }
        for notification in added {
            let path = format!("notifications.{}", notification.info.wire_name);
            self.push(NOTIFICATION_ADDED, path, "notification added".into());
        }
    }

    fn api_lists(&mut self, path: &str, old: &[u8], new: &[u8]) {
        for version in old.iter().filter(|version| !new.contains(version)) {
            self.push(
                MESSAGE_API_REMOVED,
                path.to_string(),
                format!("no longer in API v.{version}"),
            );
        }
        for version in new.iter().filter(|version| !old.contains(version)) {
            self.push(
                MESSAGE_API_ADDED,
                path.to_string(),
                format!("now also in API v.{version}"),
            );
        }
    }

    fn fields(
        &mut self,
        direction: Direction,
        path: &str,
        old: &[Field],
        new: &[Field],
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let sent = direction == Direction::Sent;
        for old_field in old {
            let at = format!("{path}.{}", old_field.wire_name);
            let Some(new_field) = new.iter().find(|f| f.wire_name == old_field.wire_name) else {
                let rule = direction.pick(SENT_FIELD_REMOVED, RECEIVED_FIELD_REMOVED);
                let message = format!("field removed (was {})", describe(&old_field.ty));
                self.push(rule, at, message);
                continue;
            };
            // Presence and nullability: each flag has a rule pair for being turned on and
            // one for being turned off.
            let flags = [
                (
                    (old_field.optional, new_field.optional),
                    (SENT_FIELD_NOW_OPTIONAL, RECEIVED_FIELD_NOW_OPTIONAL),
                    "required before, optional now",
                    (SENT_FIELD_NOW_REQUIRED, RECEIVED_FIELD_NOW_REQUIRED),
                    "optional before, required now",
                ),
                (
                    (old_field.nullable, new_field.nullable),
                    (SENT_FIELD_NOW_NULLABLE, RECEIVED_FIELD_NOW_NULLABLE),
                    "may now be null",
                    (
                        SENT_FIELD_NO_LONGER_NULLABLE,
                        RECEIVED_FIELD_NO_LONGER_NULLABLE,
                    ),
                    "may no longer be null",
                ),
            ];
            for (change, on, on_message, off, off_message) in flags {
                let ((sent_rule, received_rule), message) = match change {
                    (false, true) => (on, on_message),
                    (true, false) => (off, off_message),
                    _ => continue,
                };
                self.push(
                    direction.pick(sent_rule, received_rule),
                    at.clone(),
                    message.into(),
                );
            }
            self.types(direction, &at, &old_field.ty, &new_field.ty, depth);
        }
        for new_field in new
            .iter()
            .filter(|field| !old.iter().any(|f| f.wire_name == field.wire_name))
        {
            let at = format!("{path}.{}", new_field.wire_name);
            let presence = if new_field.optional {
                "optional"
            } else {
                "required"
            };
            let rule = match (sent, new_field.optional) {
                (true, false) => SENT_FIELD_ADDED_REQUIRED,
                (true, true) => SENT_FIELD_ADDED_OPTIONAL,
                (false, _) => RECEIVED_FIELD_ADDED,
            };
            let message = format!("{presence} field added ({})", describe(&new_field.ty));
            self.push(rule, at, message);
        }
    }

    fn retyped(&mut self, direction: Direction, path: &str, old: String, new: String) {
        let rule = direction.pick(SENT_FIELD_RETYPED, RECEIVED_FIELD_RETYPED);
        self.push(rule, path.to_string(), format!("type {old} became {new}"));
    }

    fn types(
        &mut self,
        direction: Direction,
        path: &str,
        old: &TypeRef,
        new: &TypeRef,
        depth: usize,
    ) {
        match (old, new) {
            (TypeRef::Array(old_element), TypeRef::Array(new_element)) => self.types(
                direction,
                &format!("{path}[]"),
                old_element,
                new_element,
                depth,
            ),
            (TypeRef::Map(old_value), TypeRef::Map(new_value)) => self.types(
                direction,
                &format!("{path}{{}}"),
                old_value,
                new_value,
                depth,
            ),
            (TypeRef::Scalar(old_scalar), TypeRef::Scalar(new_scalar)) => {
                if old_scalar != new_scalar {
                    self.retyped(direction, path, describe(old), describe(new));
                }
            }
            (TypeRef::Named(old_name), TypeRef::Named(new_name)) => {
                match (self.old.types.get(old_name), self.new.types.get(new_name)) {
                    (Some(old_def), Some(new_def)) => self.named(
                        direction,
                        path,
                        (old_name, old_def),
                        (new_name, new_def),
                        depth,
                    ),
                    _ => {
                        if old_name != new_name {
                            self.retyped(direction, path, describe(old), describe(new));
                        }
                    }
                }
            }
            // A scalar and a newtype of the same scalar are one wire shape under two names.
            (TypeRef::Named(name), TypeRef::Scalar(scalar))
                if newtype_inner(self.old, name) == Some(*scalar) =>
            {
                self.renamed(path, describe(old), describe(new))
            }
            (TypeRef::Scalar(scalar), TypeRef::Named(name))
                if newtype_inner(self.new, name) == Some(*scalar) =>
            {
                self.renamed(path, describe(old), describe(new))
            }
            _ => self.retyped(direction, path, describe(old), describe(new)),
        }
    }

    fn renamed(&mut self, path: &str, old: String, new: String) {
        self.push(
            TYPE_RENAMED,
            path.to_string(),
            format!("type {old} is now called {new}"),
        );
    }

    fn named(
        &mut self,
        direction: Direction,
        path: &str,
        (old_name, old): (&str, &TypeDef),
        (new_name, new): (&str, &TypeDef),
        depth: usize,
    ) {
        let same_kind = std::mem::discriminant(old) == std::mem::discriminant(new);
        if old_name != new_name && same_kind {
            self.renamed(path, old_name.to_string(), new_name.to_string());
        }
        match (old, new) {
            (TypeDef::Record(old_record), TypeDef::Record(new_record)) => self.fields(
                direction,
                path,
                &old_record.fields,
                &new_record.fields,
                depth + 1,
            ),
            (TypeDef::Enum(old_enum), TypeDef::Enum(new_enum)) => {
                if old_enum.is_integer() != new_enum.is_integer() {
                    let repr = |integer: bool| if integer { "integer" } else { "string" };
                    self.retyped(
                        direction,
                        path,
                        format!("{old_name} ({} enum)", repr(old_enum.is_integer())),
                        format!("{new_name} ({} enum)", repr(new_enum.is_integer())),
                    );
                    return;
                }
                let added = direction.pick(SENT_VALUE_ADDED, RECEIVED_VALUE_ADDED);
                let removed = direction.pick(SENT_VALUE_REMOVED, RECEIVED_VALUE_REMOVED);
                for old_value in &old_enum.values {
                    let at = format!("{path}={}", literal(&old_value.value));
                    match new_enum.values.iter().find(|v| v.value == old_value.value) {
                        None => {
                            let message = format!("value {} removed", old_value.rust_name);
                            self.push(removed, at, message)
                        }
                        Some(new_value) if new_value.rust_name != old_value.rust_name => {
                            let message = format!(
                                "value {} is now called {}",
                                old_value.rust_name, new_value.rust_name
                            );
                            self.push(VALUE_RENAMED, at, message)
                        }
                        Some(_) => {}
                    }
                }
                for new_value in new_enum
                    .values
                    .iter()
                    .filter(|v| !old_enum.values.iter().any(|o| o.value == v.value))
                {
                    let at = format!("{path}={}", literal(&new_value.value));
                    self.push(added, at, format!("value {} added", new_value.rust_name));
                }
            }
            (TypeDef::Newtype(old_newtype), TypeDef::Newtype(new_newtype)) => {
                if old_newtype.inner != new_newtype.inner {
                    self.retyped(
                        direction,
                        path,
                        format!("{old_name} ({})", old_newtype.inner.word()),
                        format!("{new_name} ({})", new_newtype.inner.word()),
                    );
                }
            }
            (TypeDef::Union(old_union), TypeDef::Union(new_union)) => {
                // A union is told apart by JSON type: each type it gains or loses is a change.
                let added = direction.pick(SENT_VARIANT_ADDED, RECEIVED_VARIANT_ADDED);
                let removed = direction.pick(SENT_VARIANT_REMOVED, RECEIVED_VARIANT_REMOVED);
                let has = |union: &crate::model::Union, ty: &crate::model::UnionAlternative| {
                    union.variants.iter().any(|variant| variant.ty == *ty)
                };
                let changes = [
                    (old_union, new_union, removed, "removed"),
                    (new_union, old_union, added, "added"),
                ];
                for (from, other, rule, what) in changes {
                    for variant in from.variants.iter().filter(|v| !has(other, &v.ty)) {
                        let word = variant.ty.word();
                        let message = format!("variant {} ({word}) {what}", variant.rust_name);
                        self.push(rule, format!("{path}|{word}"), message);
                    }
                }
            }
            _ => self.retyped(
                direction,
                path,
                format!("{old_name} ({})", kind_word(old)),
                format!("{new_name} ({})", kind_word(new)),
            ),
        }
    }
}

/// Pairs two lists by wire name: every old item with its new counterpart, if any, and the new
/// items the old list lacks.
fn pair_by_name<'m, T>(
    old: &'m [T],
    new: &'m [T],
    name: impl Fn(&T) -> &String,
) -> (Vec<(&'m T, Option<&'m T>)>, Vec<&'m T>) {
    let new_by_name: BTreeMap<&String, &T> = new.iter().map(|item| (name(item), item)).collect();
    let pairs = old
        .iter()
        .map(|item| (item, new_by_name.get(name(item)).copied()))
        .collect();
    let added = new
        .iter()
        .filter(|item| !old.iter().any(|other| name(other) == name(item)))
        .collect();
    (pairs, added)
}

fn newtype_inner(model: &Model, name: &str) -> Option<Scalar> {
    match model.types.get(name) {
        Some(TypeDef::Newtype(newtype)) => Some(newtype.inner),
        _ => None,
    }
}

fn kind_word(definition: &TypeDef) -> &'static str {
    match definition {
        TypeDef::Record(_) => "record",
        TypeDef::Enum(_) => "enum",
        TypeDef::Newtype(_) => "newtype",
        TypeDef::Union(_) => "union",
    }
}

fn literal(value: &EnumLiteral) -> String {
    match value {
        EnumLiteral::Integer(number) => number.to_string(),
        EnumLiteral::String(text) => format!("{text:?}"),
    }
}

/// A type expression as a definition writes it.
pub fn describe(ty: &TypeRef) -> String {
    ty.to_string()
}

// Serialized by hand (the generator has no derive macros, see `read`): each struct as an
// object of its fields in declaration order, a level as its lowercase word.

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("Rule", 3)?;
        object.serialize_field("id", self.id)?;
        object.serialize_field("level", &self.level)?;
        object.serialize_field("reason", self.reason)?;
        object.end()
    }
}

impl Serialize for Change {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("Change", 4)?;
        object.serialize_field("id", &self.id)?;
        object.serialize_field("rule", &self.rule)?;
        object.serialize_field("path", &self.path)?;
        object.serialize_field("message", &self.message)?;
        object.end()
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("Report", 1)?;
        object.serialize_field("changes", &self.changes)?;
        object.end()
    }
}
