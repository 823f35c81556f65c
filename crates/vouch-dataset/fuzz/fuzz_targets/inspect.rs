//! Fuzz every dataset reader on the same bytes: Parquet footers, Arrow IPC files and streams,
//! CSV / TSV, JSON Lines, JSON arrays, text, TFRecord. None may panic, hang or allocate beyond the
//! limits; malformed input must come back as notes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use vouch_dataset::{Limits, inspect_reader};

const FORMATS: [&str; 8] = [
    "parquet", "arrow", "csv", "tsv", "jsonl", "json", "text", "tfrecord",
];

fuzz_target!(|data: &[u8]| {
    // Small limits so that the limit paths are reached too.
    let small = Limits {
        max_footer_bytes: 4096,
        max_count_bytes: 1 << 20,
        max_columns: 16,
        max_batches: 64,
    };
    for limits in [Limits::default(), small] {
        for format in FORMATS {
            let info = inspect_reader(format, Cursor::new(data), data.len() as u64, &limits);
            assert!(info.columns.len() <= limits.max_columns);
            // A file claiming to be longer than it is must not be counted as complete.
            let _ = inspect_reader(format, Cursor::new(data), data.len() as u64 + 7, &limits);
        }
    }
});
