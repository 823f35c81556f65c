//! Model and dataset cards (README.md YAML front matter) on arbitrary text: no panic, no
//! hang, bounded output.
//!
//!   cd crates/vouch-bom/fuzz && cargo +nightly fuzz run card -- -max_total_time=300
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // As found, and wrapped in front-matter fences so the YAML parser is always reached.
    for t in [text.to_string(), format!("---\n{text}\n---\n")] {
        if let Some(card) = vouch_bom::card::parse(&t) {
            assert!(card.results.len() <= vouch_bom::card::MAX_RESULTS);
            let _ = card.is_dataset_card();
        }
    }
});
