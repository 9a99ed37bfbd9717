//! A message kept exactly as it arrived: what the decoder hands over for a name it does not
//! type, and what a [`DecodeError`](crate::DecodeError) carries for a known name whose payload
//! failed, so that no message is ever lost.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::meta::Direction;

/// A message kept as the bytes it arrived as, with its name and direction: an untyped name
/// (`Untyped` variants), an unknown one (`Unknown`), or a known one that failed to decode
/// ([`DecodeError::raw_message`](crate::DecodeError::raw_message)).
#[derive(Debug, Clone)]
pub struct RawMessage {
    direction: Direction,
    name: String,
    payload: Payload,
}

/// The bytes of a message: checked JSON, or (only inside a [`DecodeError`]) bytes that are not
/// valid JSON or not UTF-8.
#[derive(Debug, Clone)]
enum Payload {
    Json(Box<RawValue>),
    NotJson(Box<[u8]>),
}

impl RawMessage {
    /// A message the decoder typed no further, kept as the valid JSON it is.
    pub(crate) fn json_message(direction: Direction, name: &str, raw: Box<RawValue>) -> Self {
        Self {
            direction,
            name: name.to_string(),
            payload: Payload::Json(raw),
        }
    }

    /// Keeps whatever arrived for a message whose name was read: as JSON when it is valid JSON,
    /// else as the bytes themselves.
    pub(crate) fn kept(direction: Direction, name: &str, json: &[u8]) -> Self {
        let payload = match serde_json::from_slice::<Box<RawValue>>(json) {
            Ok(raw) => Payload::Json(raw),
            Err(_) => Payload::NotJson(json.into()),
        };
        Self {
            direction,
            name: name.to_string(),
            payload,
        }
    }

    /// The `method` (requests, responses) or `event` (notifications).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Request, response or notification.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The message exactly as received.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.payload {
            Payload::Json(raw) => raw.get().as_bytes(),
            Payload::NotJson(bytes) => bytes,
        }
    }

    /// The message as JSON text; `None` only for a failed message that is not valid JSON.
    pub fn json(&self) -> Option<&RawValue> {
        match &self.payload {
            Payload::Json(raw) => Some(raw),
            Payload::NotJson(_) => None,
        }
    }

    /// The message as text; `None` only for a failed message that is not UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match &self.payload {
            Payload::Json(raw) => Some(raw.get()),
            Payload::NotJson(bytes) => std::str::from_utf8(bytes).ok(),
        }
    }

    /// A request to a command the definitions do not type (see [`crate::UNTYPED_COMMAND_NAMES`]),
    /// built from its name and JSON parameters (here a name newer than the definitions):
    ///
    /// ```
    /// use trueconf_api::{ClientMessage, RawMessage};
    /// let mut params = serde_json::Map::new();
    /// params.insert("enabled".into(), true.into());
    /// let request = RawMessage::request("setNewRoomFeature", Some("7"), params);
    /// assert_eq!(request.as_str(), Some(r#"{"method":"setNewRoomFeature","requestId":"7","enabled":true}"#));
    /// // It decodes back as what it is.
    /// let decoded = ClientMessage::from_slice(request.as_bytes())?;
    /// assert!(decoded.is_untyped() || decoded.is_unknown());
    /// # Ok::<(), trueconf_api::DecodeError>(())
    /// ```
    pub fn request(
        method: &str,
        request_id: Option<&str>,
        params: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        // Written by hand so `method` and `requestId` come first, as every TrueConf client sends
        // them (a `serde_json::Map` would sort the keys).
        let mut text = String::from("{");
        let mut entry = |key: &str, value: &serde_json::Value| {
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str(&serde_json::Value::from(key).to_string());
            text.push(':');
            text.push_str(&value.to_string());
        };
        entry("method", &method.into());
        if let Some(id) = request_id {
            entry("requestId", &id.into());
        }
        for (key, value) in &params {
            if key != "method" && key != "requestId" {
                entry(key, value);
            }
        }
        text.push('}');
        // Built from JSON values, so it is valid JSON.
        let payload = match RawValue::from_string(text) {
            Ok(raw) => Payload::Json(raw),
            Err(_) => Payload::NotJson(Box::default()),
        };
        Self {
            direction: Direction::Request,
            name: method.to_string(),
            payload,
        }
    }

    /// The message as a `serde_json::Value`, to look inside it; `None` only for a failed
    /// message that is not valid JSON.
    pub fn to_value(&self) -> Option<serde_json::Value> {
        self.json()
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
    }
}

impl PartialEq for RawMessage {
    fn eq(&self, other: &Self) -> bool {
        self.direction == other.direction
            && self.name == other.name
            && self.as_bytes() == other.as_bytes()
    }
}

impl Eq for RawMessage {}

/// Writes the JSON as received; a failed message that is not valid JSON cannot be written.
impl Serialize for RawMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.payload {
            Payload::Json(raw) => raw.serialize(serializer),
            Payload::NotJson(_) => Err(serde::ser::Error::custom(format!(
                "the {} `{}` is not valid JSON and cannot be re-encoded",
                self.direction, self.name
            ))),
        }
    }
}
