//! Fuzz the SavedModel reader: any bytes must give a model or issues, never a panic or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vouch_tf::sniff(data);
    let _ = vouch_tf::read_bytes(data, &vouch_tf::Limits::default());
});
