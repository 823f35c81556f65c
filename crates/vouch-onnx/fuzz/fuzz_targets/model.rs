//! Fuzz the ONNX reader (wire-level pruning, then prost decoding, then the model walk): any
//! bytes must give a model or issues, never a panic, a hang or unbounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = vouch_onnx::Limits {
        max_structure_bytes: 16 << 20,
        ..vouch_onnx::Limits::default()
    };
    let _ = vouch_onnx::sniff(data);
    let _ = vouch_onnx::read_bytes(data, &limits);
});
