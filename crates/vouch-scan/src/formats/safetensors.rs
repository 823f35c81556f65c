//! Judging safetensors headers: every deviation the parser reports is a finding, because
//! loaders disagree on malformed files; bytes no tensor covers are scanned for what they hide.

use super::{clip, put_metadata, show_bytes};
use crate::engine::{Ctx, Hint, scan_reader};
use crate::rules;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, SeekFrom};
use vouch_archive::ReadSeek;
use vouch_safetensors::{Header, Issue, Limits};

/// Hidden regions up to this size are read and scanned like a file of their own.
const MAX_HIDDEN_SCAN: u64 = 64 << 20;

pub(crate) fn scan(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    r: &mut Box<dyn ReadSeek>,
    depth: usize,
) {
    let limits = Limits {
        max_string: ctx.limits().max_string,
        ..Limits::default()
    };
    let h = match vouch_safetensors::read(&mut **r, &limits) {
        Ok(h) => h,
        Err(e) => {
            ctx.push(
                &rules::FILE_UNREADABLE,
                member,
                format!("cannot read the safetensors header: {e}"),
            );
            return;
        }
    };
    for issue in &h.issues {
        judge(ctx, member, issue);
    }
    let hidden: Vec<(u64, u64)> = h
        .issues
        .iter()
        .filter_map(|i| match i {
            Issue::Gap { offset, len, .. } | Issue::TrailingBytes { offset, len, .. } => {
                Some((*offset, *len))
            }
            _ => None,
        })
        .collect();
    put_metadata(ctx, member, metadata(&h));
    for (offset, len) in hidden {
        scan_hidden(ctx, member, r, offset, len, depth);
    }
}

/// Scan bytes that no tensor covers as if they were a file: a pickle or zip appended to a
/// safetensors file is found and judged.
fn scan_hidden(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    r: &mut Box<dyn ReadSeek>,
    offset: u64,
    len: u64,
    depth: usize,
) {
    let mut buf = Vec::new();
    let read = r
        .seek(SeekFrom::Start(offset))
        .and_then(|_| Read::take(&mut **r, len.min(MAX_HIDDEN_SCAN)).read_to_end(&mut buf));
    if read.is_err() || buf.is_empty() {
        return;
    }
    let name = format!("[bytes {offset}..{}]", offset.saturating_add(len));
    let full = match member {
        Some(m) => format!("{m}!/{name}"),
        None => name,
    };
    scan_reader(
        ctx,
        Some(&full),
        Box::new(Cursor::new(buf)),
        depth + 1,
        Hint::None,
    );
}

fn judge(ctx: &mut Ctx<'_>, member: Option<&str>, issue: &Issue) {
    let (rule, msg, offset, evidence): (&rules::Rule, String, Option<u64>, Value) = match issue {
        Issue::TooShort { file_len } => (
            &rules::SAFETENSORS_HEADER_INVALID,
            format!("{file_len} bytes: too short for the 8-byte header length"),
            Some(0),
            json!({"file_len": file_len}),
        ),
        Issue::HeaderTooLarge { len, limit } => (
            &rules::SAFETENSORS_HEADER_INVALID,
            format!("header length {len} exceeds the {limit}-byte limit loaders enforce"),
            Some(0),
            json!({"header_len": len, "limit": limit}),
        ),
        Issue::HeaderOutOfBounds { len, file_len } => (
            &rules::SAFETENSORS_HEADER_INVALID,
            format!("header length {len} points past the end of the {file_len}-byte file"),
            Some(0),
            json!({"header_len": len, "file_len": file_len}),
        ),
        Issue::Syntax { offset, detail } => (
            &rules::SAFETENSORS_HEADER_INVALID,
            format!("header is not valid JSON: {detail}"),
            Some(*offset),
            json!({"detail": detail}),
        ),
        Issue::Encoding { offset, detail } => (
            &rules::SAFETENSORS_HEADER_INVALID,
            format!("header text is not valid Unicode: {detail}"),
            Some(*offset),
            json!({"detail": detail}),
        ),
        Issue::NotAnObject { found } => (
            &rules::SAFETENSORS_HEADER_INVALID,
            format!("header is {found}, not a JSON object"),
            Some(8),
            json!({"found": found}),
        ),
        Issue::TrailingHeaderBytes { offset } => (
            &rules::SAFETENSORS_HEADER_INVALID,
            "bytes other than spaces follow the header's JSON object".to_string(),
            Some(*offset),
            Value::Null,
        ),
        Issue::DuplicateKey {
            offset,
            object,
            key,
        } => (
            &rules::SAFETENSORS_DUPLICATE_KEY,
            match object {
                None => format!(
                    "tensor {:?} is defined twice; loaders keep different ones",
                    clip(key, 200)
                ),
                Some(o) => format!(
                    "field {:?} appears twice in {:?}; loaders keep different ones",
                    clip(key, 200),
                    clip(o, 200)
                ),
            },
            Some(*offset),
            json!({"key": clip(key, 200), "object": object.as_deref().map(|o| clip(o, 200))}),
        ),
        Issue::TensorInvalid {
            offset,
            name,
            detail,
        } => (
            &rules::SAFETENSORS_TENSOR_INVALID,
            format!("tensor {:?}: {detail}", clip(name, 200)),
            Some(*offset),
            json!({"tensor": clip(name, 200), "detail": detail}),
        ),
        Issue::UnknownField {
            offset,
            name,
            field,
        } => (
            &rules::SAFETENSORS_UNKNOWN_FIELD,
            format!(
                "tensor {:?} has a field {field:?} the format does not define",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "field": field}),
        ),
        Issue::UnknownDtype {
            offset,
            name,
            dtype,
        } => (
            &rules::SAFETENSORS_UNKNOWN_DTYPE,
            format!(
                "tensor {:?} has dtype {dtype:?}, which no safetensors version defines",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "dtype": dtype}),
        ),
        Issue::RankTooLarge {
            offset,
            name,
            limit,
        } => (
            &rules::SAFETENSORS_LIMIT_EXCEEDED,
            format!(
                "tensor {:?} has more than {limit} dimensions",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "limit": limit}),
        ),
        Issue::ShapeOverflow {
            offset,
            name,
            shape,
        } => (
            &rules::SAFETENSORS_SIZE_MISMATCH,
            format!(
                "tensor {:?}: the size of shape {shape:?} overflows 64 bits",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "shape": shape}),
        ),
        Issue::Misaligned { offset, name, bits } => (
            &rules::SAFETENSORS_SIZE_MISMATCH,
            format!(
                "tensor {:?} holds {bits} bits, not a whole number of bytes",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "bits": bits}),
        ),
        Issue::SizeMismatch {
            offset,
            name,
            expected,
            actual,
        } => (
            &rules::SAFETENSORS_SIZE_MISMATCH,
            format!(
                "tensor {:?}: dtype and shape call for {expected} bytes but its offsets span {actual}",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "expected": expected, "actual": actual}),
        ),
        Issue::InvertedOffsets {
            offset,
            name,
            begin,
            end,
        } => (
            &rules::SAFETENSORS_OUT_OF_BOUNDS,
            format!(
                "tensor {:?} ends ({end}) before it begins ({begin})",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "data_offsets": [begin, end]}),
        ),
        Issue::OutOfBounds {
            offset,
            name,
            end,
            data_len,
        } => (
            &rules::SAFETENSORS_OUT_OF_BOUNDS,
            format!(
                "tensor {:?} ends at byte {end} of a {data_len}-byte data section",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "end": end, "data_len": data_len}),
        ),
        Issue::Overlap {
            offset,
            name,
            other,
            span,
            other_span,
        } => (
            &rules::SAFETENSORS_OVERLAPPING_TENSORS,
            format!(
                "tensor {:?} {:?} overlaps tensor {:?} {:?}",
                clip(name, 200),
                span,
                clip(other, 200),
                other_span
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "data_offsets": [span.0, span.1],
                   "other": clip(other, 200), "other_offsets": [other_span.0, other_span.1]}),
        ),
        Issue::Gap { offset, len, head } => (
            &rules::SAFETENSORS_HIDDEN_BYTES,
            format!("{len} bytes between tensors belong to no tensor"),
            Some(*offset),
            json!({"len": len, "head": show_bytes(head), "where": "gap"}),
        ),
        Issue::TrailingBytes { offset, len, head } => (
            &rules::SAFETENSORS_HIDDEN_BYTES,
            format!("{len} bytes after the last tensor belong to no tensor"),
            Some(*offset),
            json!({"len": len, "head": show_bytes(head), "where": "trailing"}),
        ),
        Issue::MetadataInvalid {
            offset,
            key,
            detail,
        } => (
            &rules::SAFETENSORS_METADATA_INVALID,
            match key {
                Some(k) => format!("__metadata__ entry {:?}: {detail}", clip(k, 200)),
                None => detail.clone(),
            },
            Some(*offset),
            json!({"key": key.as_deref().map(|k| clip(k, 200)), "detail": detail}),
        ),
        Issue::TooManyTensors { limit } => (
            &rules::SAFETENSORS_LIMIT_EXCEEDED,
            format!("more than {limit} tensors; the rest were checked for syntax only"),
            None,
            json!({"limit": limit}),
        ),
        Issue::TooManyIssues { limit, dropped } => (
            &rules::SAFETENSORS_LIMIT_EXCEEDED,
            format!("more than {limit} problems; {dropped} more were not recorded"),
            None,
            json!({"limit": limit, "dropped": dropped}),
        ),
        other => (
            &rules::SAFETENSORS_HEADER_INVALID,
            format!("{other:?}"),
            None,
            Value::Null,
        ),
    };
    ctx.push_at(rule, member, msg, offset, evidence);
}

fn metadata(h: &Header) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("format".into(), "safetensors".into());
    m.insert("header_bytes".into(), h.header_len.into());
    m.insert("tensors".into(), (h.tensors.len() as u64).into());
    let mut dtypes: BTreeMap<&str, u64> = BTreeMap::new();
    let mut params: u64 = 0;
    let mut bytes: u64 = 0;
    for t in &h.tensors {
        *dtypes.entry(t.dtype.as_str()).or_insert(0) += 1;
        params = params.saturating_add(t.elements().unwrap_or(0));
        bytes = bytes.saturating_add(t.end.saturating_sub(t.begin));
    }
    m.insert("parameters".into(), params.into());
    m.insert("tensor_bytes".into(), bytes.into());
    m.insert("dtypes".into(), json!(dtypes));
    if let Some(meta) = &h.metadata {
        let obj: Map<String, Value> = meta
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        m.insert("metadata".into(), Value::Object(obj));
    }
    m
}
