//! Any bytes into `ClientMessage::from_slice`: it may fail, never panic or hang.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = trueconf_api::ClientMessage::from_slice(data);
});
