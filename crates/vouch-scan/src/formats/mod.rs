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
use std::io::Seek;
use vouch_archive::ReadSeek;

mod gguf;
mod jinja;
mod keras;
mod onnx;
mod safetensors;
mod tf;

/// Recognise and scan a non-pickle model format. Returns its label when the bytes are one;
/// otherwise `None`, with the reader back at offset 0. Either way, a file whose extension
/// promises a format its bytes are not gets a `format.extension-mismatch` finding.
pub(crate) fn scan_format(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    r: &mut Box<dyn ReadSeek>,
    head: &[u8],
    depth: usize,
) -> Option<String> {
    if keras::handing_back(depth) {
        return None; // a `.keras` zip on its way back to the engine's generic zip pass
    }
    let name = member.unwrap_or(ctx.path()).to_owned();
    let claim = claimed_format(&name);
    let found = detect(ctx, member, r, head, depth);
    if let Some(claim) = claim {
        let matches = match (&found, claim) {
            (Some(f), "hdf5") => f.starts_with("keras-h5") || f == "hdf5",
            (Some(f), c) => f == c,
            (None, _) => false,
        };
        if !matches && !head.is_empty() {
            let actual = match &found {
                Some(f) => f.clone(),
                None => content_kind(head).to_owned(),
            };
            let f = ctx.push(
                &crate::rules::FORMAT_EXTENSION_MISMATCH,
                member,
                format!("the name says {claim} but the content is {actual}"),
            );
            f.evidence.insert("claimed".into(), claim.into());
            f.evidence.insert("actual".into(), actual.into());
        }
    }
    found
}

/// The format a file name promises, for the formats whose content is data, not code. (`.npy`
/// is left out: the body of an object array is a pickle reached under the same name.)
fn claimed_format(name: &str) -> Option<&'static str> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if base == "saved_model.pb" {
        return Some("tf-savedmodel");
    }
    let ext = base.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "safetensors" => "safetensors",
        "gguf" => "gguf",
        "onnx" => "onnx",
        "keras" => "keras",
        "h5" | "hdf5" => "hdf5",
        _ => return None,
    })
}

/// What unrecognised bytes look like, for the mismatch message.
fn content_kind(head: &[u8]) -> &'static str {
    if crate::engine::sniff_pickle(head) == crate::engine::PickleSniff::Strong {
        "a pickle"
    } else if let Some(k) = vouch_archive::sniff(head) {
        if k.is_stream() {
            "a compressed stream"
        } else {
            "an archive"
        }
    } else if head.starts_with(crate::npy::MAGIC) {
        "a NumPy array"
    } else {
        "not a format vouch knows"
    }
}

fn detect(
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
    if vouch_tf::sniff(head) {
        tf::scan(ctx, member, r);
        return Some("tf-savedmodel".into());
    }
    if vouch_onnx::sniff(head) {
        onnx::scan(ctx, member, r);
        return Some("onnx".into());
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return keras::scan_archive(ctx, member, r, depth);
    }
    if head.starts_with(vouch_keras::hdf5::MAGIC) || maybe_user_block(head) && hdf5_later(r) {
        return Some(keras::scan_h5(ctx, member, r));
    }
    None
}

/// Whether the head could be an HDF5 user block (the superblock then sits at 512, 1024, ...):
/// only for bytes no other format claims.
fn maybe_user_block(head: &[u8]) -> bool {
    head.len() >= 512
        && crate::engine::sniff_pickle(head) == crate::engine::PickleSniff::No
        && vouch_archive::sniff(head).is_none()
}

/// Whether an HDF5 superblock follows a user block; the reader is left at offset 0.
fn hdf5_later(r: &mut Box<dyn ReadSeek>) -> bool {
    let found = vouch_keras::hdf5::find_superblock(&mut **r).ok().flatten();
    let _ = r.seek(std::io::SeekFrom::Start(0));
    found.is_some_and(|at| at > 0)
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
