//! Finding a message's name without decoding it: `method`, and `event` for notifications.
//!
//! Every documented message starts with `"method"` (and notifications follow it with
//! `"event"`), so [`peek`] reads just those first bytes. Anything else — other key order,
//! escapes in the name — falls back to [`scan`], one pass over the top-level keys that skips
//! every value without building it. Either way the typed decode then runs once over the input:
//! no `serde_json::Value` is ever built.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::DecodeError;
use crate::meta::Direction;
use crate::wire::{next_once, Key};

/// What routing needs from the top level of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The `method` value.
    pub method: Cow<'a, str>,
    /// The `event` value, when there is one.
    pub event: Option<Cow<'a, str>>,
    /// The `requestId` value, when there is one and it is a string (a client matches a
    /// response to its request by it; any other value is left for the typed decode to report).
    pub request_id: Option<Cow<'a, str>>,
    /// Whether a `result` key is present (responses have one, requests do not).
    pub has_result: bool,
}

/// Reads `{"method": "…"` and, when that is `"event"`, `, "event": "…"` from the front of
/// `json`. `None` when the message does not start that way (then use [`scan`]).
pub fn peek(json: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let mut cursor = Cursor { bytes: json, at: 0 };
    cursor.skip_whitespace();
    cursor.expect(b'{')?;
    cursor.skip_whitespace();
    cursor.expect_literal(b"\"method\"")?;
    let method = cursor.value_bytes()?;
    if method != b"event" {
        return Some((method, None));
    }
    cursor.skip_whitespace();
    cursor.expect(b',')?;
    cursor.skip_whitespace();
    cursor.expect_literal(b"\"event\"")?;
    let event = cursor.value_bytes()?;
    Some((method, Some(event)))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.bytes.get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    /// A fixed key such as `"method"`, compared in one go.
    fn expect_literal(&mut self, literal: &[u8]) -> Option<()> {
        let end = self.at + literal.len();
        (self.bytes.get(self.at..end)? == literal).then(|| self.at = end)
    }

    /// The raw content of a string without escapes; `None` for anything else. (Control
    /// characters, invalid UTF-8 and invalid JSON are left to the typed decode, which reads
    /// every byte; a name with escapes takes the slow path, which unescapes it.)
    fn plain_bytes(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        let rest = self.bytes.get(self.at..)?;
        let end = find_quote_or_backslash(rest)?;
        if rest[end] != b'"' {
            return None;
        }
        self.at += end + 1;
        Some(&rest[..end])
    }

    /// `: "value"` after a key.
    fn value_bytes(&mut self) -> Option<&'a [u8]> {
        self.skip_whitespace();
        self.expect(b':')?;
        self.skip_whitespace();
        self.plain_bytes()
    }
}

/// Index of the first `"` or `\\`, eight bytes at a time: names are a few dozen bytes, too short
/// for a vectorised search to pay for its set-up, too long for a byte loop to be free.
fn find_quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    // High bit set in each byte of `word` that is zero (exact for the lowest such byte).
    let zero_bytes = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let hits = zero_bytes(word ^ QUOTES) | zero_bytes(word ^ BACKSLASHES);
        if hits != 0 {
            return Some(offset + (hits.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\')
        .map(|index| offset + index)
}

/// One pass over the top-level object: finds `method`, `event`, a string `requestId` and
/// whether `result` is there, skipping every other value. Errors when the input is not a JSON
/// object, when `method` is missing or not a string, or when a name key appears twice.
pub fn scan(json: &[u8]) -> Result<Envelope<'_>, DecodeError> {
    let scanned = scan_names(json, false)?;
    let method = scanned
        .method
        .ok_or_else(|| DecodeError::data("method", "missing field `method`"))?;
    Ok(Envelope {
        method: method.into_cow(),
        event: scanned.event.map(Key::into_cow),
        request_id: scanned.request_id.map(Key::into_cow),
        has_result: scanned.has_result,
    })
}

/// Reads the top-level keys. With `early`, stops as soon as the names that route a
/// server→client message are known (the typed decode reads, and checks, the rest anyway).
fn scan_names(json: &[u8], early: bool) -> Result<ScannedEnvelope<'_>, DecodeError> {
    let mut found = ScannedEnvelope::default();
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let result = EnvelopeSeed {
        found: &mut found,
        early,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    match result {
        Ok(()) => Ok(found),
        // Stopping early leaves the object unfinished, which serde_json reports; that is the
        // point, and what was found is complete.
        Err(_) if early && found.routes_server_message() => Ok(found),
        Err(error) => Err(DecodeError::from_json(&error, String::new())),
    }
}

/// The name of a server→client message: `(method, event)`, with `event` required when
/// `method` is `"event"`.
/// Names are routed as raw bytes: the generated name tables match byte strings, so the fast
/// path never validates UTF-8 (the typed decode does, for the whole message).
pub type Name<'a> = Cow<'a, [u8]>;

fn into_name(text: Cow<'_, str>) -> Name<'_> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    }
}

/// The name of a server→client message: `(method, event)`, with `event` required when
/// `method` is `"event"`.
pub fn server_route(json: &[u8]) -> Result<(Name<'_>, Option<Name<'_>>), DecodeError> {
    if let Some((method, event)) = peek(json) {
        return Ok((Cow::Borrowed(method), event.map(Cow::Borrowed)));
    }
    let found = scan_names(json, true)?;
    let method = found
        .method
        .ok_or_else(|| DecodeError::data("method", "missing field `method`"))?
        .into_cow();
    if method != "event" {
        return Ok((into_name(method), None));
    }
    match found.event {
        Some(event) => Ok((into_name(method), Some(into_name(event.into_cow())))),
        None => Err(DecodeError::data("event", "missing field `event`")),
    }
}

/// How a server→client message is routed: `"method": "event"` makes it a notification named
/// by `event`, any other `method` a response named by `method` (the generated
/// `ServerMessage::from_slice`, and the run-time folder decoder's `decode_server`).
#[inline]
pub(crate) fn server_message(json: &[u8]) -> Result<(Direction, Name<'_>), DecodeError> {
    let (method, event) = server_route(json)?;
    Ok(match event {
        Some(event) if *method == *b"event" => (Direction::Notification, event),
        _ => (Direction::Response, method),
    })
}

/// The `method` of a client→server message.
pub fn request_method(json: &[u8]) -> Result<Name<'_>, DecodeError> {
    if let Some((method, _)) = peek(json) {
        return Ok(Cow::Borrowed(method));
    }
    scan(json).map(|envelope| into_name(envelope.method))
}

#[derive(Default)]
struct ScannedEnvelope<'a> {
    method: Option<Key<'a>>,
    event: Option<Key<'a>>,
    request_id: Option<Key<'a>>,
    has_result: bool,
}

impl ScannedEnvelope<'_> {
    /// `method` is known, and so is `event` when `method` is `"event"`.
    fn routes_server_message(&self) -> bool {
        match &self.method {
            Some(method) => method.as_str() != "event" || self.event.is_some(),
            None => false,
        }
    }
}

/// Fills `found` from the top-level keys, skipping every value it does not need.
struct EnvelopeSeed<'s, 'a> {
    found: &'s mut ScannedEnvelope<'a>,
    early: bool,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (a TrueConf API message)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let found = self.found;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                "method" => next_once(&mut found.method, "method", &mut map)?,
                "event" => next_once(&mut found.event, "event", &mut map)?,
                "requestId" if !self.early && found.request_id.is_none() => {
                    found.request_id = map.next_value::<StringOrSkipped<'de>>()?.0;
                }
                "result" => {
                    found.has_result = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if self.early && found.routes_server_message() {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// A string value, or `None` for any other value (skipped without being built).
struct StringOrSkipped<'de>(Option<Key<'de>>);

impl<'de> serde::Deserialize<'de> for StringOrSkipped<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Lenient;
        impl<'de> Visitor<'de> for Lenient {
            type Value = StringOrSkipped<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                value: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(StringOrSkipped(Some(Key::from(Cow::Borrowed(value)))))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(StringOrSkipped(Some(Key::from(Cow::Owned(
                    value.to_owned(),
                )))))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(StringOrSkipped(None))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(StringOrSkipped(None))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(StringOrSkipped(None))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(StringOrSkipped(None))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(StringOrSkipped(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StringOrSkipped(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StringOrSkipped(None))
            }
        }
        deserializer.deserialize_any(Lenient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_reads_the_documented_prefixes() {
        assert_eq!(
            peek(br#"{"method": "getFileList", "requestId": "1"}"#),
            Some((&b"getFileList"[..], None))
        );
        assert_eq!(
            peek(b"{\n \"method\" : \"event\",\n \"event\": \"receivedFileRequest\"}"),
            Some((&b"event"[..], Some(&b"receivedFileRequest"[..])))
        );
    }

    #[test]
    fn peek_gives_up_on_anything_else() {
        assert_eq!(
            peek(br#"{"requestId": "1", "method": "getFileList"}"#),
            None
        );
        assert_eq!(peek(br#"{"method": "get\u0046ileList"}"#), None);
        assert_eq!(
            peek(br#"{"method": "event", "fileName": "a", "event": "x"}"#),
            None
        );
        assert_eq!(peek(b"[1]"), None);
        assert_eq!(peek(b""), None);
    }

    #[test]
    fn scan_finds_names_in_any_order() {
        let envelope = scan(
            br#"{"fileName": {"method": "no"}, "event": "receivedFileRequest", "method": "event"}"#,
        )
        .expect("valid message");
        assert_eq!(envelope.method, "event");
        assert_eq!(envelope.event.as_deref(), Some("receivedFileRequest"));
        assert_eq!(envelope.request_id, None);
        assert!(!envelope.has_result);
        let escaped =
            scan(br#"{"result": true, "requestId": "7\u0031", "method": "get\u0046ileList"}"#)
                .expect("valid message");
        assert_eq!(escaped.method, "getFileList");
        assert_eq!(escaped.request_id.as_deref(), Some("71"));
        assert!(escaped.has_result);
    }

    #[test]
    fn scan_rejects_what_cannot_be_routed() {
        assert_eq!(scan(br#"{"requestId": "1"}"#).unwrap_err().path(), "method");
        assert!(scan(br#"{"method": 5}"#)
            .unwrap_err()
            .message()
            .contains("invalid type"));
        // A requestId that is not a string is not the router's business: the typed decode
        // reports it with its path.
        let numeric = scan(br#"{"method": "a", "requestId": 5}"#).expect("routes");
        assert_eq!(numeric.request_id, None);
        assert!(scan(br#"{"method": "a", "method": "b"}"#)
            .unwrap_err()
            .message()
            .contains("duplicate field"));
        assert!(scan(b"[]").is_err());
        assert!(scan(br#"{"method": "a"} x"#).is_err());
    }

    #[test]
    fn server_route_stops_once_the_names_are_known() {
        let json = br#"{"fileSize": 5, "method": "getFileList", "rest": [1, 2"#;
        let (method, event) = server_route(json).expect("names found before the cut");
        assert_eq!((method.as_ref(), event), (&b"getFileList"[..], None));
        assert!(
            scan(json).is_err(),
            "the full scan still sees the broken tail"
        );
        let (method, event) =
            server_route(br#"{"x": {}, "event": "e", "method": "event", "y": "#).expect("names");
        assert_eq!(
            (method.as_ref(), event.as_deref()),
            (&b"event"[..], Some(&b"e"[..]))
        );
        assert_eq!(
            server_route(br#"{"x": 1, "method": "event"}"#)
                .unwrap_err()
                .path(),
            "event"
        );
        assert_eq!(server_route(br#"{"x": 1}"#).unwrap_err().path(), "method");
        assert!(server_route(br#"{"x": tru"#).is_err());
    }

    #[test]
    fn the_word_search_finds_the_first_quote_or_backslash() {
        for length in 0..40 {
            for (at, stop) in (0..length).flat_map(|at| [(at, b'"'), (at, b'\\')]) {
                let mut bytes = vec![b'a'; length];
                bytes[at] = stop;
                if at + 1 < length {
                    bytes[at + 1] = b'"';
                }
                assert_eq!(find_quote_or_backslash(&bytes), Some(at), "{length} {at}");
            }
            assert_eq!(find_quote_or_backslash(&vec![0xE2; length]), None);
        }
    }
}
