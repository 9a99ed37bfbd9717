//! Any bytes into `ServerMessage::from_slice`: it may fail, never panic or hang.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = trueconf_api::ServerMessage::from_slice(data);
});
