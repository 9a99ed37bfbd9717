//! [`ObjectMap`]: a JSON object whose keys are names chosen by the data (setting names, for
//! example) rather than fixed field names, and whose values share one type.
//!
//! It is a `BTreeMap<String, T>` that keeps the crate's rule for objects: a key that appears
//! twice is an error, never a silent "last wins".

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JSON object mapping names to values of one type (definition type `map<T>`).
///
/// ```
/// use trueconf_api::types::SettingValue;
/// use trueconf_api::ObjectMap;
///
/// let settings: ObjectMap<SettingValue> =
///     serde_json::from_str(r#"{"audioPlayLevel": 0.55, "enableAutologin": true}"#)?;
/// assert_eq!(settings.get("enableAutologin"), Some(&SettingValue::Flag(true)));
/// assert!(serde_json::from_str::<ObjectMap<SettingValue>>(r#"{"a": 1, "a": 2}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectMap<T>(pub BTreeMap<String, T>);

impl<T> ObjectMap<T> {
    /// An empty object.
    pub fn new() -> Self {
        ObjectMap(BTreeMap::new())
    }

    /// The map inside.
    pub fn into_inner(self) -> BTreeMap<String, T> {
        self.0
    }
}

impl<T> Deref for ObjectMap<T> {
    type Target = BTreeMap<String, T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T> DerefMut for ObjectMap<T> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<T> From<BTreeMap<String, T>> for ObjectMap<T> {
    fn from(map: BTreeMap<String, T>) -> Self {
        ObjectMap(map)
    }
}

impl<K: Into<String>, T> FromIterator<(K, T)> for ObjectMap<T> {
    fn from_iter<I: IntoIterator<Item = (K, T)>>(entries: I) -> Self {
        ObjectMap(
            entries
                .into_iter()
                .map(|(key, value)| (key.into(), value))
                .collect(),
        )
    }
}

impl<T> IntoIterator for ObjectMap<T> {
    type Item = (String, T);
    type IntoIter = std::collections::btree_map::IntoIter<String, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<T: Serialize> Serialize for ObjectMap<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = ObjectMap<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    let value = access
                        .next_value()
                        .inspect_err(|_| crate::wire::note_key(key.as_bytes()))?;
                    map.insert(key, value);
                }
                Ok(ObjectMap(map))
            }
        }

        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

#[cfg(feature = "schemars")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for ObjectMap<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("ObjectMap_of_{}", T::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<T>(),
        })
    }
}
