//! Resource limits for parsing untrusted input. Hitting one is a finding, never a crash.

use serde::{Deserialize, Serialize};

/// Bounds on the work and memory any parser may spend on one input.
///
/// The defaults are generous for real models (a 70B-parameter PyTorch checkpoint's pickle has
/// a few hundred thousand opcodes) and small enough that a hostile file cannot exhaust memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest pickle stream (bytes) read into memory.
    pub max_pickle_bytes: u64,
    /// Opcodes executed per pickle stream (all pickles in it together).
    pub max_opcodes: u64,
    /// Memo entries.
    pub max_memo: usize,
    /// Stack depth (values on the stack plus marks).
    pub max_stack: usize,
    /// Bytes of one string or bytes value kept; longer ones are truncated in the evidence.
    pub max_string: usize,
    /// Nesting of symbolic values (a value containing a value containing ...).
    pub max_nesting: usize,
    /// Pickles in one stream.
    pub max_pickles_per_stream: usize,
    /// Entries in one archive.
    pub max_archive_entries: u64,
    /// Uncompressed size of one archive member or decompressed stream that is read.
    pub max_member_bytes: u64,
    /// Uncompressed bytes read from one top-level file in total.
    pub max_total_bytes: u64,
    /// Largest compression ratio (uncompressed / compressed) before a member counts as a bomb.
    pub max_ratio: u64,
    /// Containers inside containers.
    pub max_archive_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pickle_bytes: 1 << 30,
            max_opcodes: 50_000_000,
            max_memo: 4_000_000,
            max_stack: 1_000_000,
            max_string: 4096,
            max_nesting: 256,
            max_pickles_per_stream: 1024,
            max_archive_entries: 100_000,
            max_member_bytes: 1 << 30,
            max_total_bytes: 4 << 30,
            max_ratio: 1000,
            max_archive_depth: 8,
        }
    }
}
