//! Model formats that are not pickles: recognised by their bytes, parsed by their own crates
//! (`vouch-safetensors`, `vouch-gguf`, ...), judged here.
//!
//! [`scan_format`] is the one door the engine calls, right after the NumPy check and before
//! containers and pickles. Each format module turns its parser's facts into findings with the
//! rules of [`crate::rules`], and writes what the file *is* (format, version, tensor and
//! parameter counts, dtypes, quantization, architecture) into the file's metadata, which
//! `vouch bom` reuses instead of parsing again.

use crate::engine::Ctx;
use serde_json::{Map, Value};
use vouch_archive::ReadSeek;

mod gguf;
mod jinja;
mod onnx;
mod safetensors;

/// Recognise and scan a non-pickle model format. Returns its label when the bytes are one;
/// otherwise `None`, with the reader back at offset 0.
pub(crate) fn scan_format(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    r: &mut Box<dyn ReadSeek>,
    head: &[u8],
    depth: usize,
) -> Option<String> {
    if vouch_safetensors::sniff(head) {
        safetensors::scan(ctx, member, r, depth);
        return Some("safetensors".into());
    }
    if vouch_gguf::sniff(head) {
        gguf::scan(ctx, member, r);
        return Some("gguf".into());
    }
    if vouch_onnx::sniff(head) {
        onnx::scan(ctx, member, r);
        return Some("onnx".into());
    }
    None
}

/// Record a file's (or member's) metadata: top-level files merge it into the file's map,
/// members go under `members.<name>`.
pub(crate) fn put_metadata(ctx: &mut Ctx<'_>, member: Option<&str>, meta: Map<String, Value>) {
    let map = ctx.metadata();
    match member {
        None => {
            for (k, v) in meta {
                map.insert(k, v);
            }
        }
        Some(m) => {
            let members = map
                .entry("members")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(members) = members {
                members.insert(m.to_owned(), Value::Object(meta));
            }
        }
    }
}

/// Evidence-friendly rendering of untrusted bytes: printable ASCII kept, the rest escaped.
pub(crate) fn show_bytes(b: &[u8]) -> String {
    b.iter()
        .flat_map(|&c| std::ascii::escape_default(c))
        .map(char::from)
        .collect()
}

/// Truncate untrusted text for a message or evidence.
pub(crate) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or_default()),
        None => s.to_owned(),
    }
}
