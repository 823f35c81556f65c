//! Arrow IPC: the file format (`ARROW1`, messages, a `Footer` flatbuffer, its i32 length,
//! `ARROW1`) and the stream format (messages: `0xFFFFFFFF`, i32 metadata length, a `Message`
//! flatbuffer, then `bodyLength` bytes of buffers; a zero length ends the stream). Only
//! metadata is read: bodies are skipped by seeking.

use std::io::{Read, Seek};

use crate::flatbuf::{self, Table};
use crate::{FileInfo, Limits};

const MAGIC: &[u8; 6] = b"ARROW1";
const CONTINUATION: [u8; 4] = [0xFF; 4];
/// Deepest type nesting named (`list<list<...>>`).
const MAX_TYPE_DEPTH: u32 = 32;
/// Most type tables visited to name a schema's columns (a DAG of shared map types would
/// otherwise cost 2^depth per column).
const TYPE_BUDGET: u32 = 100_000;

/// `MessageHeader` union tags.
const HEADER_SCHEMA: u8 = 1;
const HEADER_DICTIONARY_BATCH: u8 = 2;
const HEADER_RECORD_BATCH: u8 = 3;

pub(crate) fn inspect<R: Read + Seek>(mut r: R, len: u64, limits: &Limits, info: &mut FileInfo) {
    let mut head = [0u8; 8];
    let n = usize::try_from(len.min(8)).unwrap_or(0);
    let Some(head) = head.get_mut(..n) else {
        return;
    };
    if let Err(note) = crate::read_at(&mut r, 0, head, "arrow header") {
        info.note(note);
        return;
    }
    let result = if head.starts_with(MAGIC) {
        read_file(&mut r, len, limits, info)
    } else if head.starts_with(b"FEA1") {
        Err("Feather v1 file; schema and rows not read (only Arrow IPC / Feather v2 are)".into())
    } else if head.starts_with(&CONTINUATION) || head.len() >= 4 {
        read_stream(&mut r, 0, len, limits, info)
    } else {
        Err(format!("not an arrow file: {len} bytes is too small"))
    };
    if let Err(note) = result {
        info.note(note);
    }
}

/// The IPC file format: schema and record-batch blocks from the footer.
fn read_file<R: Read + Seek>(
    r: &mut R,
    len: u64,
    limits: &Limits,
    info: &mut FileInfo,
) -> Result<(), String> {
    if len < 18 {
        return Err(format!("malformed arrow file: {len} bytes is too small"));
    }
    let mut tail = [0u8; 10];
    crate::read_at(r, len - 10, &mut tail, "arrow footer length")?;
    let [a, b, c, d, m @ ..] = tail;
    if &m != MAGIC {
        return Err("malformed arrow file: no ARROW1 magic at the end (truncated file?)".into());
    }
    let footer_len = i32::from_le_bytes([a, b, c, d]);
    let footer_len = u64::try_from(footer_len)
        .ok()
        .filter(|n| *n > 0 && *n <= len - 18)
        .ok_or_else(|| {
            format!(
                "malformed footer: declared length {footer_len} does not fit the file ({len} bytes)"
            )
        })?;
    if footer_len > limits.max_footer_bytes {
        return Err(format!(
            "footer of {footer_len} bytes is larger than {} (limit max_footer_bytes); not read",
            limits.max_footer_bytes
        ));
    }
    let footer = crate::read_vec_at(r, len - 10 - footer_len, footer_len, "arrow footer")?;
    let footer = Table::root(&footer).map_err(|e| format!("malformed footer: {e}"))?;
    match footer.table(1) {
        Ok(Some(schema)) => {
            read_schema(&schema, limits, info).map_err(|e| format!("malformed schema: {e}"))?
        }
        Ok(None) => info.note("malformed footer: no schema"),
        Err(e) => return Err(format!("malformed footer: {e}")),
    }
    // recordBatches: [Block], Block = { offset: i64, metaDataLength: i32, (pad), bodyLength: i64 }
    let blocks = match footer.vector(3, 24) {
        Ok(Some(blocks)) => blocks,
        Ok(None) => {
            info.rows = Some(0);
            return Ok(());
        }
        Err(e) => return Err(format!("malformed footer: {e}")),
    };
    if blocks.len > limits.max_batches {
        return Err(format!(
            "{} record batches, more than {} (limit max_batches); rows not counted",
            blocks.len, limits.max_batches
        ));
    }
    let mut rows: u64 = 0;
    let mut meta = Vec::new();
    for i in 0..blocks.len {
        let block = blocks
            .bytes(i)
            .map_err(|e| format!("malformed footer: {e}"))?;
        let (offset, meta_len) = match block {
            [o0, o1, o2, o3, o4, o5, o6, o7, l0, l1, l2, l3, ..] => (
                i64::from_le_bytes([*o0, *o1, *o2, *o3, *o4, *o5, *o6, *o7]),
                i32::from_le_bytes([*l0, *l1, *l2, *l3]),
            ),
            _ => return Err("malformed footer: short block".into()),
        };
        let fits = u64::try_from(offset)
            .ok()
            .zip(u64::try_from(meta_len).ok())
            .filter(|(o, m)| {
                *m >= 8
                    && *m <= limits.max_footer_bytes
                    && o.checked_add(*m).is_some_and(|end| end <= len)
            });
        let Some((offset, meta_len)) = fits else {
            return Err(format!(
                "malformed footer: record batch {i} (offset {offset}, metadata {meta_len} bytes) does not fit the file"
            ));
        };
        meta.resize(usize::try_from(meta_len).map_err(|e| e.to_string())?, 0);
        crate::read_at(r, offset, &mut meta, "record batch metadata")?;
        // The block's metadata starts with the length prefix (with or without continuation).
        let skip = if meta.starts_with(&CONTINUATION) {
            8
        } else {
            4
        };
        let message = meta.get(skip..).unwrap_or_default();
        let (header_type, header, _) =
            message_header(message).map_err(|e| format!("malformed record batch {i}: {e}"))?;
        if header_type != HEADER_RECORD_BATCH {
            return Err(format!("malformed footer: block {i} is not a record batch"));
        }
        let n = batch_length(header).map_err(|e| format!("malformed record batch {i}: {e}"))?;
        rows = rows
            .checked_add(n)
            .ok_or("malformed file: row count overflows")?;
    }
    info.rows = Some(rows);
    Ok(())
}

/// The IPC stream format from `start`: a schema message, then batches until the end marker.
fn read_stream<R: Read + Seek>(
    r: &mut R,
    start: u64,
    len: u64,
    limits: &Limits,
    info: &mut FileInfo,
) -> Result<(), String> {
    let mut pos = start;
    let mut rows: u64 = 0;
    let mut schema_seen = false;
    let mut messages = 0usize;
    let mut meta = Vec::new();
    loop {
        if len.saturating_sub(pos) < 4 {
            // A stream may end without its end-of-stream marker.
            break;
        }
        let mut word = [0u8; 4];
        crate::read_at(r, pos, &mut word, "arrow message length")?;
        pos += 4;
        if word == CONTINUATION {
            if len.saturating_sub(pos) < 4 {
                return Err(format!(
                    "malformed arrow stream: truncated message at offset {pos}"
                ));
            }
            crate::read_at(r, pos, &mut word, "arrow message length")?;
            pos += 4;
        }
        let meta_len = i32::from_le_bytes(word);
        if meta_len == 0 {
            break;
        }
        let meta_len = u64::try_from(meta_len)
            .ok()
            .filter(|m| *m <= len - pos)
            .ok_or_else(|| {
                format!("malformed arrow stream: message length {meta_len} at offset {} does not fit the file", pos - 4)
            })?;
        if meta_len > limits.max_footer_bytes {
            return Err(format!(
                "message of {meta_len} bytes at offset {pos} is larger than {} (limit max_footer_bytes); not read",
                limits.max_footer_bytes
            ));
        }
        messages += 1;
        if messages > limits.max_batches.saturating_add(1) {
            return Err(format!(
                "more than {} batches (limit max_batches); rows not counted",
                limits.max_batches
            ));
        }
        meta.resize(usize::try_from(meta_len).map_err(|e| e.to_string())?, 0);
        crate::read_at(r, pos, &mut meta, "arrow message")?;
        pos += meta_len;
        let (header_type, header, body_len) = message_header(&meta)
            .map_err(|e| format!("malformed arrow message at offset {pos}: {e}"))?;
        if !schema_seen && header_type != HEADER_SCHEMA {
            return Err("malformed arrow stream: the first message is not a schema".into());
        }
        match header_type {
            HEADER_SCHEMA if !schema_seen => {
                schema_seen = true;
                read_schema(&header, limits, info).map_err(|e| format!("malformed schema: {e}"))?;
            }
            HEADER_SCHEMA => return Err("malformed arrow stream: a second schema message".into()),
            HEADER_RECORD_BATCH => {
                let n = batch_length(header).map_err(|e| format!("malformed record batch: {e}"))?;
                rows = rows
                    .checked_add(n)
                    .ok_or("malformed arrow stream: row count overflows")?;
            }
            HEADER_DICTIONARY_BATCH => {}
            other => {
                return Err(format!(
                    "unexpected arrow message type {other} at offset {pos}"
                ));
            }
        }
        let body_len = u64::try_from(body_len)
            .ok()
            .filter(|b| *b <= len - pos)
            .ok_or_else(|| {
                format!(
                    "malformed arrow stream: body of {body_len} bytes runs past the end of the file"
                )
            })?;
        pos += body_len;
    }
    if !schema_seen {
        return Err("not an arrow stream: no schema message".into());
    }
    info.rows = Some(rows);
    Ok(())
}

/// A `Message`: header type, header table, body length.
fn message_header(buf: &[u8]) -> flatbuf::Result<(u8, Table<'_>, i64)> {
    let m = Table::root(buf)?;
    let header_type = m.u8(1, 0)?;
    let header = m.table(2)?.ok_or("message without a header")?;
    let body_len = m.i64(3, 0)?;
    Ok((header_type, header, body_len))
}

/// `RecordBatch.length`.
fn batch_length(batch: Table<'_>) -> Result<u64, String> {
    let n = batch.i64(0, 0)?;
    u64::try_from(n).map_err(|_| format!("negative length {n}"))
}

fn read_schema(schema: &Table<'_>, limits: &Limits, info: &mut FileInfo) -> flatbuf::Result<()> {
    let Some(fields) = schema.vector(1, 4)? else {
        return Ok(());
    };
    // Type tables may be shared (a DAG): bound the work of naming them all, not just the depth.
    let mut budget = TYPE_BUDGET;
    for i in 0..fields.len {
        let field = fields.table(i)?;
        let name = field.string(0)?.unwrap_or_default();
        let dtype = type_name(&field, 0, &mut budget)?;
        if !info.push_column(name, dtype, limits) {
            break;
        }
    }
    Ok(())
}

fn time_unit(unit: i16) -> &'static str {
    match unit {
        0 => "s",
        1 => "ms",
        2 => "us",
        3 => "ns",
        _ => "?",
    }
}

/// The type of a `Field` in Arrow's vocabulary. Dictionary-encoded fields name their value
/// type (the field's `type`; the index type is in `dictionary`).
fn type_name(field: &Table<'_>, depth: u32, budget: &mut u32) -> flatbuf::Result<String> {
    if depth > MAX_TYPE_DEPTH || *budget == 0 {
        return Ok("...".into());
    }
    *budget -= 1;
    let tag = field.u8(2, 0)?;
    let t = field.table(3)?;
    let int = |idx: usize, default: i32| -> flatbuf::Result<i32> {
        t.map_or(Ok(default), |t| t.i32(idx, default))
    };
    let short = |idx: usize, default: i16| -> flatbuf::Result<i16> {
        t.map_or(Ok(default), |t| t.i16(idx, default))
    };
    let mut child = |i: usize| -> flatbuf::Result<String> {
        match field.vector(5, 4)? {
            Some(children) if i < children.len => type_name(&children.table(i)?, depth + 1, budget),
            _ => Ok("?".into()),
        }
    };
    Ok(match tag {
        1 => "null".into(),
        2 => {
            let signed = t.map_or(Ok(false), |t| t.bool(1, false))?;
            format!("{}int{}", if signed { "" } else { "u" }, int(0, 0)?)
        }
        3 => match short(0, 0)? {
            0 => "float16".into(),
            1 => "float".into(),
            2 => "double".into(),
            p => format!("float (precision {p})"),
        },
        4 => "binary".into(),
        5 => "string".into(),
        6 => "bool".into(),
        7 => {
            let (p, s, bits) = (int(0, 0)?, int(1, 0)?, int(2, 128)?);
            if bits == 128 {
                format!("decimal({p}, {s})")
            } else {
                format!("decimal{bits}({p}, {s})")
            }
        }
        8 => match short(0, 1)? {
            0 => "date32".into(),
            _ => "date64".into(),
        },
        9 => format!("time{}[{}]", int(1, 32)?, time_unit(short(0, 1)?)),
        10 => {
            let unit = time_unit(short(0, 0)?);
            match t.map_or(Ok(None), |t| t.string(1))? {
                Some(tz) => format!("timestamp[{unit}, tz={tz}]"),
                None => format!("timestamp[{unit}]"),
            }
        }
        11 => "interval".into(),
        12 => format!("list<{}>", child(0)?),
        13 => "struct".into(),
        14 => "union".into(),
        15 => format!("fixed_size_binary[{}]", int(0, 0)?),
        16 => format!("fixed_size_list<{}>[{}]", child(0)?, int(0, 0)?),
        17 => {
            // Map's child is a struct `entries` with `key` and `value`.
            let entries = match field.vector(5, 4)? {
                Some(children) if children.len > 0 => Some(children.table(0)?),
                _ => None,
            };
            match entries.map(|e| e.vector(5, 4)).transpose()?.flatten() {
                Some(kv) if kv.len >= 2 => format!(
                    "map<{}, {}>",
                    type_name(&kv.table(0)?, depth + 2, budget)?,
                    type_name(&kv.table(1)?, depth + 2, budget)?
                ),
                _ => "map".into(),
            }
        }
        18 => format!("duration[{}]", time_unit(short(0, 1)?)),
        19 => "large_binary".into(),
        20 => "large_string".into(),
        21 => format!("large_list<{}>", child(0)?),
        22 => format!("run_end_encoded<{}>", child(1)?),
        23 => "binary_view".into(),
        24 => "string_view".into(),
        25 => format!("list_view<{}>", child(0)?),
        26 => format!("large_list_view<{}>", child(0)?),
        other => format!("unknown type {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn run(bytes: &[u8], limits: &Limits) -> FileInfo {
        let mut info = FileInfo::new("arrow");
        inspect(Cursor::new(bytes), bytes.len() as u64, limits, &mut info);
        info
    }

    #[test]
    fn tiny_and_foreign_inputs_give_notes() {
        for bytes in [
            &b""[..],
            b"AR",
            b"ARROW1\0\0",
            b"FEA1xxxxxxxx",
            b"hello world",
        ] {
            let info = run(bytes, &Limits::default());
            assert_eq!(info.rows, None, "{bytes:?}");
            assert!(!info.notes.is_empty(), "{bytes:?}");
        }
    }

    #[test]
    fn stream_lengths_are_checked() {
        // continuation + length far beyond the file
        let mut b = CONTINUATION.to_vec();
        b.extend_from_slice(&i32::MAX.to_le_bytes());
        b.extend_from_slice(&[0; 16]);
        let info = run(&b, &Limits::default());
        assert!(info.notes[0].contains("does not fit"), "{:?}", info.notes);
        // negative length
        let mut b = CONTINUATION.to_vec();
        b.extend_from_slice(&(-5i32).to_le_bytes());
        let info = run(&b, &Limits::default());
        assert!(info.notes[0].contains("does not fit"), "{:?}", info.notes);
        // end marker straight away: no schema
        let mut b = CONTINUATION.to_vec();
        b.extend_from_slice(&0i32.to_le_bytes());
        let info = run(&b, &Limits::default());
        assert!(info.notes[0].contains("no schema"), "{:?}", info.notes);
    }

    #[test]
    fn file_footer_lengths_are_checked() {
        let mut b = b"ARROW1\0\0".to_vec();
        b.extend_from_slice(&[0; 16]);
        b.extend_from_slice(&1000i32.to_le_bytes());
        b.extend_from_slice(MAGIC);
        let info = run(&b, &Limits::default());
        assert!(info.notes[0].contains("does not fit"), "{:?}", info.notes);
        let n = b.len();
        b[n - 10..n - 6].copy_from_slice(&8i32.to_le_bytes());
        let info = run(&b, &Limits::default());
        assert!(
            info.notes[0].contains("malformed footer"),
            "{:?}",
            info.notes
        );
        b[n - 1] = b'X';
        let info = run(&b, &Limits::default());
        assert!(
            info.notes[0].contains("no ARROW1 magic at the end"),
            "{:?}",
            info.notes
        );
    }
}
