//! Fuzz the GGUF reader: any bytes after a `GGUF` magic and version must give issues, never a
//! panic, a hang or an allocation the input does not pay for; chat templates found are lexed.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = vouch_gguf::Limits {
        max_array_len: 1 << 20,
        max_kept_string: 1 << 16,
        ..vouch_gguf::Limits::default()
    };
    let g = vouch_gguf::read_bytes(data, &limits);
    for (_, t, _) in g.chat_templates() {
        let _ = vouch_gguf::template::analyse(t);
    }
    for version in [1u8, 3] {
        let mut v = b"GGUF".to_vec();
        v.extend_from_slice(&[version, 0, 0, 0]);
        v.extend_from_slice(data);
        let _ = vouch_gguf::read_bytes(&v, &limits);
    }
});
