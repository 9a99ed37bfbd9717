//! Reading parsed JSON into the loader's structs by hand, field by field.
//!
//! The loader used to derive `Deserialize`; that put serde_derive (and syn under it) on the
//! critical path of every build of trueconf-api, whose build script runs this generator: about
//! two seconds of a clean debug build. What it did is small enough to write here: parse the
//! text into a `serde_json::Value` (rejecting duplicate keys, as a derived struct did), then
//! take each struct's fields out of its object. Problems name their JSON path and use serde's
//! wording (`missing field`, `unknown field … expected one of`, `invalid type: … expected`), so
//! a definition author reads the same messages as before.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A problem at one JSON path of the text being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// `$` for the whole document, `$.request.fields[0].type` …
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ReadError {
    fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// A value that can be read out of parsed JSON found at `path`.
pub trait FromJson: Sized {
    /// Reads `value`; a problem names `path` (or a path below it).
    fn from_json(value: Value, path: &str) -> Result<Self, ReadError>;
}

/// Parses `text` as one JSON value. A syntax error, trailing characters or a duplicate key are
/// problems (a syntax error at `$`, with line and column; a duplicate key at its object).
pub fn parse(text: &str) -> Result<Value, ReadError> {
    let duplicate_in = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let seed = Node {
        path: "$".to_string(),
        duplicate_in: &duplicate_in,
        stop_after: None,
    };
    let parsed = seed
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|error| match duplicate_in.take() {
        Some(path) => ReadError::new(&path, error.to_string()),
        None => ReadError::new("$", format!("invalid JSON: {error}")),
    })
}

/// Where the value at `path` ends in `text`, as serde_json's ` at line L column C`: `text` is
/// parsed again up to that value (only when reading it failed, so the message can say where,
/// as a derived struct's did). `None` when the path is not in the text.
pub fn locate(text: &str, path: &str) -> Option<String> {
    let duplicate_in = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let seed = Node {
        path: "$".to_string(),
        duplicate_in: &duplicate_in,
        stop_after: Some(path),
    };
    match seed.deserialize(&mut deserializer) {
        Err(error) if error.line() > 0 && duplicate_in.take().is_none() => Some(format!(
            " at line {} column {}",
            error.line(),
            error.column()
        )),
        _ => None,
    }
}

/// The path of `key` inside the object at `path`.
pub fn child(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

/// An object whose fields are being taken out one by one.
pub struct Object {
    map: Map<String, Value>,
    path: String,
}

impl Object {
    /// `value` as an object whose keys are all among `fields`; another key is an error at its
    /// own path, as a derived struct with `deny_unknown_fields` gave.
    pub fn new(value: Value, path: &str, fields: &[&str]) -> Result<Self, ReadError> {
        let Value::Object(map) = value else {
            return Err(invalid_type(&value, path, "an object"));
        };
        if let Some(key) = map.keys().find(|key| !fields.contains(&key.as_str())) {
            return Err(ReadError::new(
                &child(path, key),
                format!("unknown field `{key}`, expected {}", one_of(fields)),
            ));
        }
        Ok(Self {
            map,
            path: path.to_string(),
        })
    }

    /// The field `key`, which must be present.
    pub fn required<T: FromJson>(&mut self, key: &str) -> Result<T, ReadError> {
        match self.map.remove(key) {
            Some(value) => T::from_json(value, &child(&self.path, key)),
            None => Err(ReadError::new(&self.path, format!("missing field `{key}`"))),
        }
    }

    /// The field `key`, or `T::default()` when it is absent (`null` is read as `T`, so it is
    /// `None` for an `Option` and an error for a `bool` or a list).
    pub fn optional<T: FromJson + Default>(&mut self, key: &str) -> Result<T, ReadError> {
        match self.map.remove(key) {
            Some(value) => T::from_json(value, &child(&self.path, key)),
            None => Ok(T::default()),
        }
    }
}

/// One of the words `choices` maps to a value (a fieldless enum written as a string).
pub fn word<T: Copy>(value: Value, path: &str, choices: &[(&str, T)]) -> Result<T, ReadError> {
    let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
    let Value::String(text) = &value else {
        return Err(invalid_type(&value, path, &one_of(&names)));
    };
    choices
        .iter()
        .find(|(name, _)| name == text)
        .map(|(_, choice)| *choice)
        .ok_or_else(|| {
            ReadError::new(
                path,
                format!("unknown variant `{text}`, expected {}", one_of(&names)),
            )
        })
}

/// `invalid type: <what value is>, expected <expected>`, serde's words.
fn invalid_type(value: &Value, path: &str, expected: &str) -> ReadError {
    let found = match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => format!("boolean `{flag}`"),
        Value::Number(number) if number.is_f64() => format!("floating point `{number}`"),
        Value::Number(number) => format!("integer `{number}`"),
        Value::String(text) => format!("string {text:?}"),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    };
    ReadError::new(path, format!("invalid type: {found}, expected {expected}"))
}

/// "`a`", "`a` or `b`", "one of `a`, `b`, `c`" (serde's wording).
fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_string(),
        [one] => format!("`{one}`"),
        [first, second] => format!("`{first}` or `{second}`"),
        _ => {
            let mut text = String::from("one of ");
            for (index, name) in names.iter().enumerate() {
                let separator = if index == 0 { "" } else { ", " };
                let _ = write!(text, "{separator}`{name}`");
            }
            text
        }
    }
}

impl FromJson for Value {
    fn from_json(value: Value, _path: &str) -> Result<Self, ReadError> {
        Ok(value)
    }
}

impl FromJson for String {
    fn from_json(value: Value, path: &str) -> Result<Self, ReadError> {
        match value {
            Value::String(text) => Ok(text),
            other => Err(invalid_type(&other, path, "a string")),
        }
    }
}

impl FromJson for bool {
    fn from_json(value: Value, path: &str) -> Result<Self, ReadError> {
        match value {
            Value::Bool(flag) => Ok(flag),
            other => Err(invalid_type(&other, path, "a boolean")),
        }
    }
}

/// Unsigned integers: a JSON integer that fits, in serde's words otherwise.
macro_rules! unsigned {
    ($($ty:ident)*) => {$(
        impl FromJson for $ty {
            fn from_json(value: Value, path: &str) -> Result<Self, ReadError> {
                let integer = match &value {
                    Value::Number(number) if !number.is_f64() => number,
                    _ => return Err(invalid_type(&value, path, stringify!($ty))),
                };
                integer
                    .as_u64()
                    .and_then(|wide| $ty::try_from(wide).ok())
                    .ok_or_else(|| {
                        ReadError::new(
                            path,
                            format!(
                                "invalid value: integer `{integer}`, expected {}",
                                stringify!($ty)
                            ),
                        )
                    })
            }
        }
    )*};
}

unsigned!(u8 u32);

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: Value, path: &str) -> Result<Self, ReadError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_json(other, path).map(Some),
        }
    }
}

/// A JSON object whose keys are names chosen by the data (the evidence files' `sources`).
impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(value: Value, path: &str) -> Result<Self, ReadError> {
        match value {
            Value::Object(entries) => entries
                .into_iter()
                .map(|(key, item)| {
                    let item = T::from_json(item, &child(path, &key))?;
                    Ok((key, item))
                })
                .collect(),
            other => Err(invalid_type(&other, path, "a map")),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: Value, path: &str) -> Result<Self, ReadError> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| T::from_json(item, &format!("{path}[{index}]")))
                .collect(),
            other => Err(invalid_type(&other, path, "a sequence")),
        }
    }
}

/// A JSON value being parsed at `path`; on a duplicate key it records the path of the object
/// in `duplicate_in` before failing, so the error can name it. With `stop_after`, parsing
/// fails right after the value at that path, so that serde_json's error says where it ended.
struct Node<'a> {
    path: String,
    duplicate_in: &'a RefCell<Option<String>>,
    stop_after: Option<&'a str>,
}

impl Node<'_> {
    /// `value`, or the stop at `stop_after`.
    fn done<E: de::Error>(&self, value: Value) -> Result<Value, E> {
        if self.stop_after == Some(self.path.as_str()) {
            return Err(E::custom("stop"));
        }
        Ok(value)
    }

    /// The node of an element or a key's value below this one.
    fn below(&self, path: String) -> Self {
        Node {
            path,
            duplicate_in: self.duplicate_in,
            stop_after: self.stop_after,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.done(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Value, E> {
        self.done(Value::Bool(flag))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Value, E> {
        self.done(Value::from(number))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Value, E> {
        self.done(Value::from(number))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Value, E> {
        self.done(Value::from(number))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        self.done(Value::String(text.to_string()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Value, E> {
        self.done(Value::String(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        loop {
            let seed = self.below(format!("{}[{}]", self.path, values.len()));
            match items.next_element_seed(seed)? {
                Some(value) => values.push(value),
                None => return self.done(Value::Array(values)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            if map.contains_key(&key) {
                *self.duplicate_in.borrow_mut() = Some(self.path.clone());
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let value = entries.next_value_seed(self.below(child(&self.path, &key)))?;
            map.insert(key, value);
        }
        self.done(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_lists_and_numbers_say_what_was_expected() {
        let choices = [("a", 1), ("b", 2), ("c", 3)];
        assert_eq!(word(Value::from("b"), "$.x", &choices), Ok(2));
        let unknown = word(Value::from("d"), "$.x", &choices).unwrap_err();
        assert_eq!(
            unknown.message,
            "unknown variant `d`, expected one of `a`, `b`, `c`"
        );
        let two = word(Value::from(1), "$.x", &choices[..2]).unwrap_err();
        assert_eq!(
            two.message,
            "invalid type: integer `1`, expected `a` or `b`"
        );
        let wide = u8::from_json(Value::from(256), "$.n").unwrap_err();
        assert_eq!(wide.message, "invalid value: integer `256`, expected u8");
        let negative = u8::from_json(Value::from(-1), "$.n").unwrap_err();
        assert_eq!(negative.message, "invalid value: integer `-1`, expected u8");
        let float = u8::from_json(Value::from(1.5), "$.n").unwrap_err();
        assert_eq!(
            float.message,
            "invalid type: floating point `1.5`, expected u8"
        );
        let list = Vec::<bool>::from_json(serde_json::json!([true, 1]), "$.l").unwrap_err();
        assert_eq!(list.path, "$.l[1]");
    }

    #[test]
    fn a_duplicate_key_is_an_error_at_its_object_even_deep_inside() {
        let error = parse(r#"{"a": [{"b": 1, "b": 2}]}"#).unwrap_err();
        assert_eq!(error.path, "$.a[0]");
        assert!(
            error.message.starts_with("duplicate field `b` at line 1"),
            "{error:?}"
        );
        let syntax = parse(r#"{"a": }"#).unwrap_err();
        assert_eq!(syntax.path, "$");
        assert!(syntax
            .message
            .starts_with("invalid JSON: expected value at line 1"));
        assert_eq!(
            parse(" [1, 2.5, null, {}] ").unwrap(),
            serde_json::json!([1, 2.5, null, {}])
        );
    }

    #[test]
    fn locate_says_where_the_value_at_a_path_ends() {
        let text = "{\n  \"a\": [1,\n    {\"b\": true}\n  ]\n}";
        assert_eq!(
            locate(text, "$.a[1].b").as_deref(),
            Some(" at line 3 column 14")
        );
        assert_eq!(
            locate(text, "$.a[1]").as_deref(),
            Some(" at line 3 column 15")
        );
        assert_eq!(locate(text, "$").as_deref(), Some(" at line 5 column 1"));
        assert_eq!(locate(text, "$.c"), None);
        assert_eq!(locate(r#"{"a": 1, "a": 2}"#, "$.b"), None);
    }
}
