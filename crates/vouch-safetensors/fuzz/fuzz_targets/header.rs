//! Fuzz the safetensors header reader: any bytes, read as a whole file, must give issues,
//! never a panic, a hang or an allocation the input does not pay for.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = vouch_safetensors::Limits {
        max_tensors: 10_000,
        ..vouch_safetensors::Limits::default()
    };
    let h = vouch_safetensors::read_bytes(data, &limits);
    // Also exercise a valid length prefix in front of the fuzzed header text.
    let mut v = (data.len() as u64).to_le_bytes().to_vec();
    v.extend_from_slice(data);
    let h2 = vouch_safetensors::read_bytes(&v, &limits);
    assert!(h.issues.len() <= limits.max_issues + 1 && h2.issues.len() <= limits.max_issues + 1);
});
