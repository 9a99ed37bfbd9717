//! Type expressions: a scalar word or a shared type name, with `[]` suffixes for arrays, inside
//! `map<…>` for an object keyed by name.

use crate::model::{Scalar, TypeRef};
use crate::naming::is_pascal_identifier;

/// Parses a type expression: a scalar word or a shared type name, with `[]` suffixes for
/// arrays, inside `map<…>` for an object keyed by name.
pub fn parse_type_expr(expr: &str) -> Result<TypeRef, String> {
    parse_nested_type_expr(expr, 0)
}

/// How deep arrays and maps may nest in one type expression. Every later stage walks the type
/// recursively, so a type nested without bound would overflow the build script's stack.
const MAX_TYPE_NESTING: usize = 16;

fn parse_nested_type_expr(expr: &str, depth: usize) -> Result<TypeRef, String> {
    let expr = expr.trim();
    let nested = expr
        .strip_suffix("[]")
        .map(|element| (element, true))
        .or_else(|| {
            expr.strip_prefix("map<")
                .and_then(|rest| rest.strip_suffix('>'))
                .map(|value| (value, false))
        });
    if let Some((inner, array)) = nested {
        if depth == MAX_TYPE_NESTING {
            return Err(format!(
                "the type nests arrays and maps more than {MAX_TYPE_NESTING} deep"
            ));
        }
        let inner = Box::new(parse_nested_type_expr(inner, depth + 1)?);
        return Ok(if array {
            TypeRef::Array(inner)
        } else {
            TypeRef::Map(inner)
        });
    }
    if expr.is_empty() {
        return Err("the type is empty".to_string());
    }
    if let Some(scalar) = Scalar::from_word(expr) {
        return Ok(TypeRef::Scalar(scalar));
    }
    if is_pascal_identifier(expr) {
        return Ok(TypeRef::Named(expr.to_string()));
    }
    Err(format!(
        "`{expr}` is not a type: use a scalar ({}) or a shared type name, followed by [] for an array or inside map<…> for an object keyed by name",
        Scalar::ALL.map(|(word, _)| word).join(", ")
    ))
}

/// The shared type a type expression refers to, if any.
pub(super) fn named_type(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Array(inner) | TypeRef::Map(inner) => named_type(inner),
        TypeRef::Scalar(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded_and_an_error_not_a_stack_overflow() {
        let ok = format!("{}string{}", "map<".repeat(8), ">".repeat(8)) + &"[]".repeat(8);
        assert!(parse_type_expr(&ok).is_ok(), "16 levels are allowed");
        let deep = format!("string{}", "[]".repeat(100_000));
        let error = parse_type_expr(&deep).expect_err("too deep");
        assert!(error.contains("more than 16 deep"), "{error}");
        let deep_maps = format!("{}string{}", "map<".repeat(17), ">".repeat(17));
        assert!(parse_type_expr(&deep_maps).is_err());
    }
}
