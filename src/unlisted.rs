//! [`UnlistedKeys`]: the keys of a client-tier object that its definition does not list, kept so
//! that nothing the Room sends is lost.
//!
//! A definition of the client tier (`"source": "client"`) is typed from the keys TrueConf's own
//! clients read, which is rarely all a Room sends. Every struct generated from one — request,
//! response payload, notification, record — has a field `unlisted` that the decoder fills with
//! every key no field lists, each value kept as its exact JSON text, in the order the keys
//! arrived; encoding writes them back after the listed fields. A key given twice is an error,
//! as everywhere in this crate. The documented tier skips such keys instead (they are still
//! reported by `check`, and so are these).

use std::fmt;

use serde::de::DeserializeOwned;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;

/// The keys of an object that its definition does not list, with their values as received
/// (exact JSON text), in arrival order; each key once.
///
/// ```
/// use trueconf_api::notifications::LogoutEvent;
///
/// let text = r#"{"method":"event","event":"logout","cause":1,"reason":{"code":7}}"#;
/// let logout: LogoutEvent = trueconf_api::from_slice(text.as_bytes())?;
/// assert_eq!(logout.unlisted.get("reason").map(|raw| raw.get()), Some(r#"{"code":7}"#));
/// let code: serde_json::Value = logout.unlisted.decode("reason").expect("present")?;
/// assert_eq!(code["code"], 7);
/// // Written back after the listed fields, so nothing is lost.
/// assert_eq!(serde_json::to_string(&logout)?, text);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Two sets are equal when they hold the same keys in the same order with equal values: the
/// same text, or text that parses to the same JSON value (`{"a": 1}` and `{"a":1}`).
#[derive(Clone, Default)]
pub struct UnlistedKeys(Vec<(String, Box<RawValue>)>);

impl UnlistedKeys {
    /// An empty set.
    pub const fn new() -> Self {
        UnlistedKeys(Vec::new())
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `key`, as its JSON text.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_ref())
    }

    /// The value of `key` decoded as `T`; `None` when the key is absent.
    pub fn decode<T: DeserializeOwned>(&self, key: &str) -> Option<Result<T, serde_json::Error>> {
        self.get(key).map(|raw| serde_json::from_str(raw.get()))
    }

    /// Every key with its value, in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_ref()))
    }

    /// Sets `key` to `value`: in its place when present (the old value is returned), else at
    /// the end. Encoding fails if `key` is one the definition lists or an envelope key; set
    /// the field instead.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: Box<RawValue>,
    ) -> Option<Box<RawValue>> {
        let key = key.into();
        match self.0.iter_mut().find(|(name, _)| *name == key) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    /// Sets `key` to `value` encoded as JSON (see [`insert`](Self::insert)).
    pub fn insert_json<T: Serialize + ?Sized>(
        &mut self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<Option<Box<RawValue>>, serde_json::Error> {
        Ok(self.insert(key, serde_json::value::to_raw_value(value)?))
    }

    /// Takes `key` out; the others keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let index = self.0.iter().position(|(name, _)| name == key)?;
        Some(self.0.remove(index).1)
    }

    /// Appends a key the decoder read (duplicates are found once the object ends, by
    /// [`first_duplicate`](Self::first_duplicate), so a long object costs no quadratic search).
    pub(crate) fn push(&mut self, key: String, value: Box<RawValue>) {
        self.0.push((key, value));
    }

    /// The first key, in sorted order, that is present twice.
    pub(crate) fn first_duplicate(&self) -> Option<&str> {
        first_duplicate(self.0.iter().map(|(key, _)| key.as_str()))
    }
}

/// The first key, in sorted order, that `keys` holds twice (the compiled decoders' unlisted
/// keys, and the run-time folder decoder's, so both name the same one).
pub(crate) fn first_duplicate<'k>(keys: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let mut keys: Vec<&str> = keys.collect();
    if keys.len() < 2 {
        return None;
    }
    keys.sort_unstable();
    keys.windows(2)
        .find(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
}

impl fmt::Debug for UnlistedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(key, value)| (key, value.get())))
            .finish()
    }
}

impl PartialEq for UnlistedKeys {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((a, x), (b, y))| a == b && same_json(x, y))
    }
}

/// Two JSON texts hold the same value: the same text, or equal once parsed.
fn same_json(a: &RawValue, b: &RawValue) -> bool {
    a.get() == b.get()
        || matches!(
            (
                serde_json::from_str::<serde_json::Value>(a.get()),
                serde_json::from_str::<serde_json::Value>(b.get()),
            ),
            (Ok(x), Ok(y)) if x == y
        )
}

impl Eq for UnlistedKeys {}

impl<K: Into<String>> FromIterator<(K, Box<RawValue>)> for UnlistedKeys {
    /// Later values of a key replace earlier ones, in the earlier one's place.
    fn from_iter<I: IntoIterator<Item = (K, Box<RawValue>)>>(entries: I) -> Self {
        let mut keys = UnlistedKeys::new();
        for (key, value) in entries {
            keys.insert(key, value);
        }
        keys
    }
}

impl IntoIterator for UnlistedKeys {
    type Item = (String, Box<RawValue>);
    type IntoIter = std::vec::IntoIter<(String, Box<RawValue>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A JSON object of the keys, in order.
impl Serialize for UnlistedKeys {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
