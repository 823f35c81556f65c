//! Fuzz the pickle VM: any bytes, with and without joblib layout, under small limits.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut opts = vouch_pickle::Options::default();
    opts.limits.max_opcodes = 100_000;
    opts.limits.max_memo = 10_000;
    opts.limits.max_stack = 10_000;
    opts.joblib = data.first().is_some_and(|b| b & 1 == 1);
    let t = vouch_pickle::scan_bytes(data, &opts);
    assert!(t.bytes <= data.len() as u64 + 1);
});
