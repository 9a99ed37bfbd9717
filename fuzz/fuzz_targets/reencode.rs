//! Whatever decodes must re-encode, and the re-encoding must decode to the same message
//! (server messages, and client messages for the same bytes).
#![no_main]

use trueconf_api::{ClientMessage, ServerMessage};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(message) = ServerMessage::from_slice(data) {
        let bytes = serde_json::to_vec(&message).expect("a decoded server message re-encodes");
        let again = ServerMessage::from_slice(&bytes).expect("a re-encoded server message decodes");
        assert_eq!(message, again, "server message changed in a round trip");
    }
    if let Ok(message) = ClientMessage::from_slice(data) {
        let bytes = serde_json::to_vec(&message).expect("a decoded request re-encodes");
        let again = ClientMessage::from_slice(&bytes).expect("a re-encoded request decodes");
        assert_eq!(message, again, "request changed in a round trip");
    }
});
