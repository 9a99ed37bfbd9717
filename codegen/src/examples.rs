//! Checks a JSON message against the model: the rule that keeps examples and definitions honest.
//!
//! A documented example is a fact; if it has a key the definition does not list, lacks a key the
//! definition calls required, or holds a value of another type, the definition is wrong (or the
//! example was mistyped), and the build says which.

use serde_json::{Map, Value};

use crate::model::{
    EnumLiteral, ExampleRole, ExampleSource, Field, Model, Scalar, TypeDef, TypeRef,
};

/// Problems of one message against the definition of `name`, as `(json path suffix, message)`;
/// the path suffix starts with `.` or `[` (empty for the whole message).
///
/// A documented or synthetic example must use only listed enum values (an unlisted one means
/// the enum definition is missing a value); a captured one, or a client's request, may hold
/// any value, as real traffic does, since enums are open.
pub fn check_example(
    model: &Model,
    name: &str,
    role: ExampleRole,
    source: ExampleSource,
    json: &Value,
) -> Vec<(String, String)> {
    let checker = Checker {
        model,
        open_enums: matches!(source, ExampleSource::Captured | ExampleSource::Client),
    };
    let mut problems = Vec::new();
    let Value::Object(object) = json else {
        problems.push((String::new(), "a message is a JSON object".to_string()));
        return problems;
    };
    let expect_str =
        |key: &str, expected: &str, problems: &mut Vec<(String, String)>| match object.get(key) {
            Some(Value::String(found)) if found == expected => {}
            Some(found) => problems.push((
                format!(".{key}"),
                format!("`{key}` is {found}, expected \"{expected}\""),
            )),
            None => problems.push((String::new(), format!("missing key `{key}`"))),
        };
    if let Some(request_id) = object.get("requestId") {
        if !request_id.is_string() {
            problems.push((
                ".requestId".to_string(),
                format!("`requestId` is {request_id}, expected a string"),
            ));
        }
    }
    match role {
        ExampleRole::Request => {
            let Some(command) = model.command(name) else {
                return vec![(String::new(), format!("no command `{name}`"))];
            };
            expect_str("method", name, &mut problems);
            checker.fields(
                object,
                &command.request,
                &["method", "requestId"],
                true,
                "",
                &mut problems,
            );
        }
        ExampleRole::Response => {
            let Some(command) = model.command(name) else {
                return vec![(String::new(), format!("no command `{name}`"))];
            };
            expect_str("method", name, &mut problems);
            match object.get("result") {
                Some(Value::Bool(success)) => {
                    if !success {
                        if let Some(error) = object.get("error") {
                            if !error.is_string() {
                                problems.push((
                                    ".error".to_string(),
                                    format!("`error` is {error}, expected a string"),
                                ));
                            }
                        }
                    }
                    // A failed response may leave out any of the command's fields.
                    let envelope: &[&str] = if *success {
                        &["method", "requestId", "result"]
                    } else {
                        &["method", "requestId", "result", "error"]
                    };
                    checker.fields(
                        object,
                        &command.response,
                        envelope,
                        *success,
                        "",
                        &mut problems,
                    );
                }
                Some(other) => problems.push((
                    ".result".to_string(),
                    format!("`result` is {other}, expected true or false"),
                )),
                None => problems.push((String::new(), "missing key `result`".to_string())),
            }
        }
        ExampleRole::Notification => {
            let Some(notification) = model.notification(name) else {
                return vec![(String::new(), format!("no notification `{name}`"))];
            };
            expect_str("method", "event", &mut problems);
            expect_str("event", name, &mut problems);
            checker.fields(
                object,
                &notification.fields,
                &["method", "event"],
                true,
                "",
                &mut problems,
            );
        }
    }
    problems
}

/// What an example is checked against: the model, and whether unlisted enum values pass.
struct Checker<'m> {
    model: &'m Model,
    open_enums: bool,
}

impl Checker<'_> {
    /// Checks an object's keys and values against a field list. `enforce_required` is false for the
    /// fields of a failed response, which may be absent. A field's aliases count as its key.
    fn fields(
        &self,
        object: &Map<String, Value>,
        fields: &[Field],
        envelope: &[&str],
        enforce_required: bool,
        at: &str,
        problems: &mut Vec<(String, String)>,
    ) {
        for (key, value) in object {
            let here = format!("{at}.{key}");
            match fields
                .iter()
                .find(|field| field.wire_names().any(|name| name == key))
            {
                Some(field) => {
                    if value.is_null() {
                        // `json` holds null itself; any other type needs `nullable`.
                        if !field.nullable && field.ty != TypeRef::Scalar(Scalar::Json) {
                            problems.push((
                                here,
                                format!("`{key}` is null but the field is not nullable"),
                            ));
                        }
                    } else {
                        self.value(&field.ty, value, &here, problems);
                    }
                }
                None if envelope.contains(&key.as_str()) => {}
                None => problems.push((
                    here,
                    format!("key `{key}` is not a field of the definition"),
                )),
            }
        }
        if enforce_required {
            for field in fields.iter().filter(|field| !field.optional) {
                if !field.wire_names().any(|name| object.contains_key(name)) {
                    problems.push((
                        at.to_string(),
                        format!("required field `{}` is missing", field.wire_name),
                    ));
                }
            }
        }
    }

    fn value(&self, ty: &TypeRef, value: &Value, at: &str, problems: &mut Vec<(String, String)>) {
        match ty {
            TypeRef::Scalar(scalar) => check_scalar(*scalar, value, at, problems),
            TypeRef::Array(element) => match value {
                Value::Array(items) => {
                    for (index, item) in items.iter().enumerate() {
                        self.value(element, item, &format!("{at}[{index}]"), problems);
                    }
                }
                other => problems.push((at.to_string(), format!("{other} is not an array"))),
            },
            TypeRef::Map(element) => match value {
                Value::Object(entries) => {
                    for (key, item) in entries {
                        self.value(element, item, &format!("{at}.{key}"), problems);
                    }
                }
                other => problems.push((at.to_string(), format!("{other} is not an object"))),
            },
            TypeRef::Named(name) => match self.model.types.get(name) {
                Some(TypeDef::Record(record)) => match value {
                    Value::Object(object) => {
                        self.fields(object, &record.fields, &[], true, at, problems)
                    }
                    other => problems
                        .push((at.to_string(), format!("{other} is not an object ({name})"))),
                },
                Some(TypeDef::Newtype(newtype)) => check_scalar(newtype.inner, value, at, problems),
                Some(TypeDef::Union(union)) => {
                    // The JSON type picks the alternative; the value must then fit it.
                    let json_type = match value {
                        Value::Bool(_) => "boolean",
                        Value::Number(number) if number.is_f64() => "number",
                        Value::Number(_) => "integer",
                        Value::String(_) => "string",
                        Value::Object(_) => "object",
                        _ => "",
                    };
                    let chosen = union
                        .variants
                        .iter()
                        .find(|variant| variant.ty.json_type() == json_type)
                        .or_else(|| {
                            // An integer fits a number alternative when there is no integer one.
                            (json_type == "integer")
                                .then(|| {
                                    union.variants.iter().find(|v| v.ty.json_type() == "number")
                                })
                                .flatten()
                        });
                    match chosen {
                        Some(variant) => self.value(&variant.ty.type_ref(), value, at, problems),
                        None => {
                            let words: Vec<&str> =
                                union.variants.iter().map(|v| v.ty.word()).collect();
                            problems.push((
                                at.to_string(),
                                format!("{value} is none of {} ({name})", words.join(", ")),
                            ));
                        }
                    }
                }
                Some(TypeDef::Enum(enumeration)) => {
                    let literal = match value {
                        Value::Number(number) if enumeration.is_integer() => {
                            number.as_i64().map(EnumLiteral::Integer)
                        }
                        Value::String(text) if !enumeration.is_integer() => {
                            Some(EnumLiteral::String(text.clone()))
                        }
                        _ => None,
                    };
                    match literal {
                    Some(literal)
                        if self.open_enums || enumeration.values.iter().any(|v| v.value == literal) => {}
                    Some(_) => problems.push((
                        at.to_string(),
                        format!("{value} is not a listed value of enum {name}; add it to types/{name}.json"),
                    )),
                    None => problems.push((
                        at.to_string(),
                        format!(
                            "{value} is not {} ({name})",
                            if enumeration.is_integer() { "an integer" } else { "a string" }
                        ),
                    )),
                }
                }
                None => problems.push((at.to_string(), format!("unknown type {name}"))),
            },
        }
    }
}

fn check_scalar(scalar: Scalar, value: &Value, at: &str, problems: &mut Vec<(String, String)>) {
    let ok = match scalar {
        Scalar::String => value.is_string(),
        Scalar::Bool => value.is_boolean(),
        Scalar::F64 => value.is_number(),
        Scalar::Json => true,
        integer => {
            let (min, max) = integer.integer_range().unwrap_or((0, 0));
            let as_wide = value
                .as_i64()
                .map(i128::from)
                .or_else(|| value.as_u64().map(i128::from));
            as_wide.is_some_and(|n| n >= min && n <= max)
        }
    };
    if !ok {
        problems.push((
            at.to_string(),
            format!("{value} is not a {}", scalar.word()),
        ));
    }
}

/// The first object key that appears twice in one object of `text`, if `text` is JSON.
///
/// JSON parsers keep one of the two values silently, so an example with a repeated key parses
/// but cannot be kept exactly as `json`; the crate rejects such messages, so the example is kept
/// verbatim (`text`) as a documented defect, like one with a syntax error.
pub fn first_duplicate_key(text: &str) -> Option<String> {
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    /// Walks any JSON value; stops with an error at the first repeated key, which it records.
    #[derive(Clone, Copy)]
    struct Walk<'a>(&'a std::cell::RefCell<Option<String>>);

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(self)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::BTreeSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    *self.0.borrow_mut() = Some(key);
                    return Err(de::Error::custom("repeated key"));
                }
                map.next_value_seed(self)?;
            }
            Ok(())
        }
    }

    let repeated = std::cell::RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    // Invalid JSON ends the walk too, with nothing recorded.
    let _ = Walk(&repeated).deserialize(&mut deserializer);
    repeated.into_inner()
}

#[cfg(test)]
mod tests {
    use super::first_duplicate_key;

    #[test]
    fn repeated_keys_are_found_at_any_depth() {
        assert_eq!(
            first_duplicate_key(r#"{"result": true, "a": 1, "result": true}"#).as_deref(),
            Some("result")
        );
        assert_eq!(
            first_duplicate_key(r#"{"list": [{"x": 1}, {"y": {"z": 1, "z": 2}}]}"#).as_deref(),
            Some("z")
        );
        // The same key in two different objects is not a repeat.
        assert_eq!(first_duplicate_key(r#"[{"a": 1}, {"a": 2}]"#), None);
        assert_eq!(first_duplicate_key(r#"{"a": 1,}"#), None, "not JSON at all");
    }
}
