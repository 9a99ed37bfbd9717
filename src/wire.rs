//! How generated types meet serde: the generic halves of every (de)serializer.
//!
//! The generator emits, per struct, only the facts: which wire keys it has, how to collect them
//! ([`Fields::accept_field`]), how to check the required ones ([`Fields::from_partial`]) and how
//! to write them ([`Fields::write_fields`]). Everything generic — the map visitors, the
//! envelope keys, duplicate and missing keys — lives here once.
//!
//! Decoding rules, the same for every type:
//! - unknown keys are skipped (a newer server must not break an older client); `check` reports them.
//!   A type of the client tier keeps them instead, in its [`UnlistedKeys`] (reported all the same);
//! - a key that appears twice is an error (`duplicate field`), never a silent "last wins";
//! - a required key that is missing is an error naming it; an optional one becomes `None`;
//! - JSON `null` is accepted only for fields defined as nullable.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{self as ser_trait, Serialize, SerializeMap, Serializer};

use crate::unlisted::UnlistedKeys;

/// The wire keys of one struct: implemented by generated code for every record, request,
/// response payload and notification.
pub trait Fields: Sized {
    /// The all-optional form that collects keys while decoding.
    type Partial: PartialFields;

    /// Rust name of the type, for error messages ("expected a FileListEntry object").
    const TYPE_NAME: &'static str;

    /// Takes the value of `key` from `map` into `partial`; returns `false` (consuming nothing)
    /// when the key is not one of this type's fields.
    fn accept_field<'de, A: MapAccess<'de>>(
        partial: &mut Self::Partial,
        key: &[u8],
        map: &mut A,
    ) -> Result<bool, A::Error>;

    /// Checks that every required field arrived and builds the value.
    fn from_partial<E: de::Error>(partial: Self::Partial) -> Result<Self, E>;

    /// Writes the fields (absent optional ones are left out).
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

/// The all-optional form of a [`Fields`] type.
pub trait PartialFields: Default + fmt::Debug + Clone + PartialEq {
    /// Writes the fields that are present.
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;

    /// Where a type of the client tier keeps the keys its definition does not list while it is
    /// decoded; `None` (every other type) skips them.
    #[inline(always)]
    fn unlisted_mut(&mut self) -> Option<&mut UnlistedKeys> {
        None
    }
}

/// An object key, borrowed from the input when it has no escapes (no allocation per key).
pub(crate) struct Key<'de>(Cow<'de, str>);

impl<'de> Key<'de> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn into_cow(self) -> Cow<'de, str> {
        self.0
    }
}

impl<'de> From<Cow<'de, str>> for Key<'de> {
    fn from(text: Cow<'de, str>) -> Self {
        Key(text)
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(value)))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(value.to_owned())))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(value)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

thread_local! {
    /// Where the error being returned happened, innermost segment first: each level of the
    /// decoder notes its key or index as the error passes through it on the way out, so a
    /// successful decode pays nothing and a failed one needs no second, path-tracking pass.
    static ERROR_PATH: RefCell<Vec<Segment>> = const { RefCell::new(Vec::new()) };
}

/// One step of an error's path: an object key or an array index.
enum Segment {
    Key(String),
    Index(usize),
}

/// Notes that the error passing through is inside the value of `key`.
#[cold]
#[inline(never)]
pub fn note_key(key: &[u8]) {
    let key = String::from_utf8_lossy(key).into_owned();
    ERROR_PATH.with(|path| path.borrow_mut().push(Segment::Key(key)));
}

/// Notes that the error passing through is inside element `index` of an array.
#[cold]
#[inline(never)]
pub fn note_index(index: usize) {
    ERROR_PATH.with(|path| path.borrow_mut().push(Segment::Index(index)));
}

/// Forgets the path of an error that was not reported (a decode attempt that gave up).
#[inline]
pub(crate) fn clear_error_path() {
    ERROR_PATH.with(|path| {
        if let Ok(mut path) = path.try_borrow_mut() {
            path.clear();
        }
    });
}

/// The path of the error just returned (`filesRequests[0].fileSize`; empty for the message
/// itself), and forgets it.
pub(crate) fn take_error_path() -> String {
    let segments = ERROR_PATH.with(|path| std::mem::take(&mut *path.borrow_mut()));
    let mut text = String::new();
    for segment in segments.iter().rev() {
        match segment {
            Segment::Key(key) if text.is_empty() => text.push_str(key),
            Segment::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Segment::Index(index) => {
                text.push('[');
                text.push_str(&index.to_string());
                text.push(']');
            }
        }
    }
    text
}

/// `error`, noted as happening inside the value of `key` (the generated decoders' fields, and
/// the run-time folder decoder's).
#[cold]
pub(crate) fn in_key<E>(key: &[u8], error: E) -> E {
    note_key(key);
    error
}

thread_local! {
    /// Whether object keys are read as raw bytes (see [`FieldKey`]).
    static RAW_KEYS: Cell<bool> = const { Cell::new(false) };
}

/// Runs `decode` with object keys read as raw bytes: for serde_json that skips the UTF-8
/// check of every key (a key that matches a field is ASCII by construction; an unknown key is
/// still checked). The crate's own entry points use it; plain `serde` use of the types reads
/// keys as strings.
pub(crate) fn with_raw_keys<T>(decode: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        // Not generic, so without `#[inline]` every decode in a user's crate would call it
        // across the crate boundary.
        #[inline]
        fn drop(&mut self) {
            RAW_KEYS.with(|raw| raw.set(self.0));
        }
    }
    let _restore = Restore(RAW_KEYS.with(|raw| raw.replace(true)));
    decode()
}

/// An object key as bytes, borrowed from the input when it has no escapes.
pub(crate) struct FieldKey<'de>(Cow<'de, [u8]>);

impl FieldKey<'_> {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether the key is known to be a valid JSON string: read as a string (serde_json
    /// checked it: UTF-8, no control characters), or raw bytes exactly as in the input (no
    /// escapes) that are UTF-8 without control characters. An escaped raw key cannot be told
    /// from its unescaped bytes, so it is not known valid.
    fn is_json_string(&self) -> bool {
        if !RAW_KEYS.with(Cell::get) {
            return true;
        }
        match &self.0 {
            Cow::Borrowed(bytes) => {
                !bytes.iter().any(|&byte| byte < 0x20) && std::str::from_utf8(bytes).is_ok()
            }
            Cow::Owned(_) => false,
        }
    }
}

impl<'de> Deserialize<'de> for FieldKey<'de> {
    // Read for every key of every object: `#[inline]` lets it inline into `next_field_key`
    // wherever a user's crate places the two (without it, a call per key there).
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldKeyVisitor;
        impl<'de> Visitor<'de> for FieldKeyVisitor {
            type Value = FieldKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<FieldKey<'de>, E> {
                Ok(FieldKey(Cow::Borrowed(value.as_bytes())))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<FieldKey<'de>, E> {
                Ok(FieldKey(Cow::Owned(value.as_bytes().to_vec())))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<FieldKey<'de>, E> {
                Ok(FieldKey(Cow::Owned(value.into_bytes())))
            }
            fn visit_borrowed_bytes<E: de::Error>(
                self,
                value: &'de [u8],
            ) -> Result<FieldKey<'de>, E> {
                Ok(FieldKey(Cow::Borrowed(value)))
            }
            fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<FieldKey<'de>, E> {
                Ok(FieldKey(Cow::Owned(value.to_vec())))
            }
        }
        if RAW_KEYS.with(Cell::get) {
            deserializer.deserialize_bytes(FieldKeyVisitor)
        } else {
            deserializer.deserialize_str(FieldKeyVisitor)
        }
    }
}

/// Reads the next value into an empty slot; a second value for the same key is an error.
#[inline(never)]
pub fn next_once<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    next_once_as(slot, name, map, |value: T| value)
}

/// Reads the next value, an array, into an empty slot, noting the index of an element that
/// fails (`fileList[2].fileId`); a second value for the same key is an error.
#[inline(never)]
pub fn next_once_indexed<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<Vec<T>>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    next_once_as(slot, name, map, |items: Indexed<T>| items.0)
}

/// [`next_once_indexed`] for an array that may be JSON `null`.
#[inline(never)]
pub fn next_once_indexed_nullable<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<Option<Vec<T>>>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    next_once_as(slot, name, map, |items: Option<Indexed<T>>| {
        items.map(|items| items.0)
    })
}

/// The body of the `next_once` family: reads the next value as `W`, and stores what `unwrap`
/// makes of it in the empty slot.
#[inline(always)]
fn next_once_as<'de, W: Deserialize<'de>, T, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
    unwrap: impl FnOnce(W) -> T,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(unwrap(map.next_value::<W>()?));
    Ok(())
}

/// A JSON array read element by element, so an error inside an element says which one.
pub struct Indexed<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Indexed<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IndexedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for IndexedVisitor<T> {
            type Value = Indexed<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // What serde's own `Vec` says, so the message does not depend on which reads it.
                f.write_str("a sequence")
            }
            fn visit_seq<S: de::SeqAccess<'de>>(self, mut seq: S) -> Result<Indexed<T>, S::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                // The loop is serde's own `Vec` loop, each element moved from the parser into
                // the vector once; the index is noted outside it, on the error path only
                // (handling the error inside the loop costs a memcpy per large record).
                let read = (|| {
                    while let Some(item) = seq.next_element::<T>()? {
                        items.push(item);
                    }
                    Ok(())
                })();
                match read {
                    Ok(()) => Ok(Indexed(items)),
                    Err(error) => {
                        note_index(items.len());
                        Err(error)
                    }
                }
            }
        }
        deserializer.deserialize_seq(IndexedVisitor(PhantomData))
    }
}

/// The value of a required field, or the `missing field` error naming it.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| de::Error::missing_field(name))
}

/// Collects a map's keys into `partial`, skipping the ones `T` does not know. `envelope` gets
/// first look at every key (for `method`, `requestId` …) and returns `true` when it took it.
///
/// This loop is instantiated once per message type, so everything heavy it does — reading a
/// key, reading a value of each field type, skipping an unknown value — lives in functions
/// generic only over the deserializer and kept out of line: one copy of the parsing code
/// serves every type, which keeps a mixed stream of many message types inside the
/// instruction cache (docs/performance.md).
pub(crate) fn collect_fields<'de, T: Fields, A: MapAccess<'de>>(
    map: &mut A,
    partial: &mut T::Partial,
    mut envelope: impl FnMut(&[u8], &mut A) -> Result<bool, A::Error>,
) -> Result<(), A::Error> {
    while let Some(key) = next_field_key(map)? {
        let bytes = key.as_bytes();
        let mut take_value = || {
            if !envelope(bytes, map)? && !T::accept_field(partial, bytes, map)? {
                match partial.unlisted_mut() {
                    None => skip_unknown(&key, map)?,
                    Some(unlisted) => keep_unlisted(&key, unlisted, map)?,
                }
            }
            Ok(())
        };
        take_value().map_err(|error| in_key(bytes, error))?;
    }
    match partial.unlisted_mut() {
        None => Ok(()),
        Some(unlisted) => check_unlisted(unlisted),
    }
}

/// Keeps the value of a key a client-tier type does not list, as its raw JSON text: the same
/// checks as [`skip_unknown`] (so it accepts and rejects exactly what skipping does), and the
/// copy it makes anyway.
#[inline(never)]
fn keep_unlisted<'de, A: MapAccess<'de>>(
    key: &FieldKey<'de>,
    unlisted: &mut UnlistedKeys,
    map: &mut A,
) -> Result<(), A::Error> {
    let name = key
        .is_json_string()
        .then(|| std::str::from_utf8(key.as_bytes()).ok())
        .flatten();
    let Some(name) = name else {
        return Err(not_a_json_key(key));
    };
    let value = map.next_value::<Box<serde_json::value::RawValue>>()?;
    unlisted.push(name.to_owned(), value);
    Ok(())
}

/// A key given twice among a client-tier object's unlisted keys is an error, as any other key
/// given twice; found once the object has ended (a sort, not a search per key).
#[cold]
fn check_unlisted<E: de::Error>(unlisted: &UnlistedKeys) -> Result<(), E> {
    match unlisted.first_duplicate() {
        None => Ok(()),
        Some(key) => Err(in_key(
            key.as_bytes(),
            E::custom(format_args!("duplicate field `{key}`")),
        )),
    }
}

/// The error for an object key that cannot be shown to be a JSON string as read (see
/// [`skip_unknown`]).
#[cold]
fn not_a_json_key<E: de::Error>(key: &FieldKey<'_>) -> E {
    E::invalid_value(
        de::Unexpected::Bytes(key.as_bytes()),
        &"a JSON object key (UTF-8, no control characters)",
    )
}

thread_local! {
    /// Whether encoding leaves the unlisted keys of client-tier types out (see
    /// [`without_unlisted_keys`]).
    static HIDE_UNLISTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `encode` with the unlisted keys of client-tier types left out of every encoding: what
/// the definitions know of a message, which `check` compares with the message to report the
/// keys they do not list (kept or skipped alike).
pub fn without_unlisted_keys<T>(encode: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            HIDE_UNLISTED.with(|hide| hide.set(self.0));
        }
    }
    let _restore = Restore(HIDE_UNLISTED.with(|hide| hide.replace(true)));
    encode()
}

/// Writes a client-tier struct's unlisted keys after its fields (the generated `write_fields`).
/// A key that is one of `reserved` — the struct's own wire names and aliases, and its
/// envelope's keys — would be written twice: an error that names it.
pub fn write_unlisted<M: SerializeMap>(
    map: &mut M,
    unlisted: &UnlistedKeys,
    reserved: &[&str],
) -> Result<(), M::Error> {
    if HIDE_UNLISTED.with(Cell::get) {
        return Ok(());
    }
    for (key, value) in unlisted.iter() {
        if reserved.contains(&key) {
            return Err(ser_trait::Error::custom(format_args!(
                "unlisted key `{key}` is a key the definition lists or the envelope writes: set the field instead"
            )));
        }
        map.serialize_entry(key, value)?;
    }
    Ok(())
}

/// The next object key, as raw bytes when [`with_raw_keys`] is on.
#[inline(never)]
fn next_field_key<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<FieldKey<'de>>, A::Error> {
    map.next_key::<FieldKey<'de>>()
}

/// Skips the value of a key the type does not know. Raw keys skip serde_json's checks of a
/// string (UTF-8, no control characters); an unknown key still gets them (a key that names a
/// field is ASCII by construction), and so does its value ([`skip_value`]). A raw key that
/// cannot be shown valid here (a bad byte, or escapes) fails this pass; the entry points that
/// read raw keys then decode again with string keys, which gives serde_json's own verdict and
/// error.
#[inline(never)]
fn skip_unknown<'de, A: MapAccess<'de>>(key: &FieldKey<'de>, map: &mut A) -> Result<(), A::Error> {
    if !key.is_json_string() {
        return Err(not_a_json_key(key));
    }
    skip_value(map)
}

/// Skips the next value of `map`, an unknown key's (the generated decoders', and the run-time
/// folder decoder's): it is read as raw JSON text, which serde_json checks as UTF-8 while
/// skipping it without recursion (plain `IgnoredAny` would not check it, and a message with
/// invalid UTF-8 anywhere is not JSON). Unknown keys are rare, so the copy this makes is paid
/// only where a newer Room sends something the definitions do not know.
#[inline]
pub(crate) fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<Box<serde_json::value::RawValue>>()?;
    Ok(())
}

/// Deserializes a record (a plain JSON object of `T`'s fields).
pub fn deserialize_record<'de, T: Fields, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct RecordVisitor<T>(PhantomData<T>);
    impl<'de, T: Fields> Visitor<'de> for RecordVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} object", T::TYPE_NAME)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut partial = T::Partial::default();
            collect_fields::<T, A>(&mut map, &mut partial, |_, _| Ok(false))?;
            T::from_partial(partial)
        }
    }
    deserializer.deserialize_map(RecordVisitor(PhantomData))
}

/// Serializes a record as a JSON object of its fields.
pub fn serialize_record<T: Fields, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    value.write_fields(&mut map)?;
    map.end()
}

/// Reads an envelope key whose value must be exactly `expected` (`method`, `event`).
///
/// The value is read like a key ([`FieldKey`]): as raw bytes under [`with_raw_keys`], which
/// skips the UTF-8 check of a value that can only be accepted when it equals `expected` (ASCII,
/// so valid by construction). A value that differs is an error either way, and the entry points
/// that read raw keys decode a failed message again with string keys, so its error is still
/// serde_json's own (bad UTF-8 included).
#[inline(never)]
pub(crate) fn expect_name<'de, A: MapAccess<'de>>(
    seen: &mut bool,
    key: &'static str,
    expected: &str,
    map: &mut A,
) -> Result<(), A::Error> {
    if *seen {
        return Err(de::Error::duplicate_field(key));
    }
    *seen = true;
    let found: FieldKey<'de> = map.next_value()?;
    if found.as_bytes() != expected.as_bytes() {
        return Err(name_mismatch(key, expected, found.as_bytes()));
    }
    Ok(())
}

/// The error for an envelope name that is not the expected one.
#[cold]
#[inline(never)]
fn name_mismatch<E: de::Error>(key: &'static str, expected: &str, found: &[u8]) -> E {
    E::invalid_value(
        de::Unexpected::Str(&String::from_utf8_lossy(found)),
        &NamedValue(key, expected),
    )
}

/// "`method` \"sendFile\"": the expectation in an envelope mismatch error.
struct NamedValue<'a>(&'static str, &'a str);

impl de::Expected for NamedValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` \"{}\"", self.0, self.1)
    }
}

/// Deserializes a string through `convert` without allocating for values it recognises
/// (open string enums).
pub fn deserialize_str_with<'de, T, D: Deserializer<'de>>(
    deserializer: D,
    convert: fn(&str) -> T,
) -> Result<T, D::Error> {
    struct StrVisitor<T>(fn(&str) -> T);
    impl<T> Visitor<'_> for StrVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.0)(value))
        }
    }
    deserializer.deserialize_str(StrVisitor(convert))
}

/// Serializes a [`Serialize`] value's entries into an outer map (used by the envelopes).
pub(crate) fn serialize_entry_if<M: SerializeMap, V: Serialize + ?Sized>(
    map: &mut M,
    key: &'static str,
    value: Option<&V>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => map.serialize_entry(key, value),
        None => Ok(()),
    }
}
