//! Fuzz the whole scanner on one in-memory file: format detection, containers (zip, tar, 7z,
//! compressed streams, npy), nesting and the pickle VM together, under small limits.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = vouch_core::Limits {
        max_opcodes: 100_000,
        max_memo: 10_000,
        max_stack: 10_000,
        max_member_bytes: 4 << 20,
        max_pickle_bytes: 4 << 20,
        max_total_bytes: 16 << 20,
        max_archive_entries: 1_000,
        ..vouch_core::Limits::default()
    };
    let _ = vouch_scan::scan_bytes(data, "fuzz", &limits);
});
