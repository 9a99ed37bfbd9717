//! The listed values of an enum and the alternatives of a union.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Diagnostics, Site};
use crate::load::{LoadedFile, RawEnumValue, RawKind, RawRepr, RawUnionVariant};
use crate::model::{EnumLiteral, EnumValue, Scalar, TypeRef, UnionAlternative, UnionVariant};
use crate::naming::is_pascal_identifier;

use super::check_doc;
use super::type_expr::parse_type_expr;

/// The values of an enum: literals of the enum's `repr`, each with a distinct PascalCase name
/// other than `Unknown`, listed once.
pub(super) fn enum_values(file: &LoadedFile, diagnostics: &mut Diagnostics) -> Vec<EnumValue> {
    let definition = &file.definition;
    let Some(raw_values) = &definition.values else {
        return Vec::new();
    };
    let site = Site::root(&file.path).key("values");
    if raw_values.is_empty() {
        site.error(diagnostics, "an enum needs at least one value");
    }
    let repr = definition.repr.unwrap_or(RawRepr::Integer);
    let mut values = Vec::with_capacity(raw_values.len());
    let mut seen_values = HashMap::new();
    let mut seen_names = HashMap::new();
    for (index, raw) in raw_values.iter().enumerate() {
        let site = site.index(index);
        let literal = enum_literal(repr, raw, &site, diagnostics);
        check_value_name(raw, &site, diagnostics);
        if let Some(previous) = seen_names.insert(raw.name.as_str(), index) {
            site.key("name").error(
                diagnostics,
                format!(
                    "the name `{}` is already used at index {previous}",
                    raw.name
                ),
            );
        }
        check_doc(&site, &raw.doc, diagnostics);
        let Some(literal) = literal else {
            continue;
        };
        if let Some(previous) = seen_values.insert(literal.clone(), index) {
            site.key("value").error(
                diagnostics,
                format!(
                    "the value {} is already listed at index {previous}",
                    raw.value
                ),
            );
        }
        values.push(EnumValue {
            value: literal,
            rust_name: raw.name.clone(),
            doc: raw.doc.clone(),
        });
    }
    values
}

/// The value as a literal of the enum's `repr`, if it is one.
fn enum_literal(
    repr: RawRepr,
    raw: &RawEnumValue,
    site: &Site,
    diagnostics: &mut Diagnostics,
) -> Option<EnumLiteral> {
    let literal = match (repr, &raw.value) {
        (RawRepr::Integer, serde_json::Value::Number(number)) => {
            number.as_i64().map(EnumLiteral::Integer)
        }
        (RawRepr::String, serde_json::Value::String(text)) => {
            Some(EnumLiteral::String(text.clone()))
        }
        _ => None,
    };
    if literal.is_none() {
        let expected = match repr {
            RawRepr::Integer => "64-bit integer",
            RawRepr::String => "string",
        };
        site.key("value").error(
            diagnostics,
            format!("{} is not a {expected} (the enum's `repr`)", raw.value),
        );
    }
    literal
}

/// `Unknown` is the variant of every value not listed.
fn check_value_name(raw: &RawEnumValue, site: &Site, diagnostics: &mut Diagnostics) {
    let name = &raw.name;
    if !is_pascal_identifier(name) || name == "Unknown" {
        site.key("name").error(
            diagnostics,
            format!("`{name}` must be a PascalCase identifier other than `Unknown`"),
        );
    }
}

/// The alternatives of a union: scalars and at most one record, at most one per JSON type (so
/// the JSON type alone tells which one a value is), with distinct variant names.
pub(super) fn union_variants(
    file: &LoadedFile,
    known_types: &BTreeMap<String, RawKind>,
    diagnostics: &mut Diagnostics,
) -> Vec<UnionVariant> {
    let Some(raw) = &file.definition.variants else {
        return Vec::new();
    };
    let site = Site::root(&file.path).key("variants");
    if raw.len() < 2 {
        site.error(diagnostics, "a union needs at least two alternatives");
    }
    let mut variants = Vec::new();
    let mut json_types = HashMap::new();
    let mut names = HashMap::new();
    for (index, variant) in raw.iter().enumerate() {
        let site = site.index(index);
        let Some(alternative) = union_alternative(variant, known_types, &site, diagnostics) else {
            continue;
        };
        let json_type = alternative.json_type();
        if let Some(previous) = json_types.insert(json_type, index) {
            site.key("type").error(
                diagnostics,
                format!("the alternative at index {previous} is already a JSON {json_type}; the JSON type must tell them apart"),
            );
        }
        if !is_pascal_identifier(&variant.name) {
            site.key("name").error(
                diagnostics,
                format!("`{}` is not a PascalCase identifier", variant.name),
            );
        }
        if let Some(previous) = names.insert(variant.name.as_str(), index) {
            site.key("name").error(
                diagnostics,
                format!("the name is already used at index {previous}"),
            );
        }
        check_doc(&site, &variant.doc, diagnostics);
        variants.push(UnionVariant {
            rust_name: variant.name.clone(),
            ty: alternative,
            doc: variant.doc.clone(),
        });
    }
    variants
}

/// What an alternative holds: a scalar JSON can tell apart, or a record.
fn union_alternative(
    variant: &RawUnionVariant,
    known_types: &BTreeMap<String, RawKind>,
    site: &Site,
    diagnostics: &mut Diagnostics,
) -> Option<UnionAlternative> {
    match parse_type_expr(&variant.type_expr) {
        Ok(TypeRef::Scalar(
            scalar @ (Scalar::Bool | Scalar::I64 | Scalar::U64 | Scalar::F64 | Scalar::String),
        )) => Some(UnionAlternative::Scalar(scalar)),
        Ok(TypeRef::Named(name)) if known_types.get(&name) == Some(&RawKind::Record) => {
            Some(UnionAlternative::Record(name))
        }
        _ => {
            site.key("type").error(
                diagnostics,
                format!(
                    "`{}` is not a union alternative: use bool, i64, u64, f64, string or a record",
                    variant.type_expr
                ),
            );
            None
        }
    }
}
