//! Records that hold themselves by value.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{Diagnostics, Site};
use crate::model::{Model, TypeDef, TypeRef};

/// A record that holds itself (directly or through other records, not through an array) would
/// be a Rust type of infinite size. Each cycle is reported once, at the field that closes it.
pub(super) fn check_record_cycles(root: &Path, model: &Model, diagnostics: &mut Diagnostics) {
    let mut reported = BTreeSet::new();
    for (name, definition) in &model.types {
        if let TypeDef::Record(_) = definition {
            check_cycles_from(root, model, name, &mut reported, diagnostics);
        }
    }
}

/// Depth-first walk from the record `name`, following fields that embed a record by value;
/// `reported` holds the cycles already reported (as their sorted member lists).
fn check_cycles_from(
    root: &Path,
    model: &Model,
    name: &str,
    reported: &mut BTreeSet<String>,
    diagnostics: &mut Diagnostics,
) {
    let mut stack: Vec<(String, Vec<String>)> = vec![(name.to_string(), vec![name.to_string()])];
    let mut visited = BTreeSet::new();
    while let Some((current, trail)) = stack.pop() {
        if !visited.insert(current.clone()) {
            continue;
        }
        let Some(record) = model.record(&current) else {
            continue;
        };
        for (index, field) in record.fields.iter().enumerate() {
            let Some(next) = held_record(model, &field.ty) else {
                continue;
            };
            let mut next_trail = trail.clone();
            next_trail.push(next.to_string());
            if next != name {
                stack.push((next.to_string(), next_trail));
                continue;
            }
            let members: BTreeSet<&String> = next_trail.iter().collect();
            let key: Vec<&str> = members.into_iter().map(String::as_str).collect();
            if reported.insert(key.join(",")) {
                let file = root.join(&record.definition.file);
                Site::root(&file)
                    .key("fields")
                    .index(index)
                    .key("type")
                    .error(
                        diagnostics,
                        format!(
                        "records contain each other by value ({}); use an array or break the cycle",
                        next_trail.join(" → ")
                    ),
                    );
            }
        }
    }
}

/// The record a field of type `ty` holds by value (itself, or through a union), if any.
fn held_record<'a>(model: &'a Model, ty: &'a TypeRef) -> Option<&'a str> {
    match ty {
        TypeRef::Named(name) => model.held_record(name),
        _ => None,
    }
}
