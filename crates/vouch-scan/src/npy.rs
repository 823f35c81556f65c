//! NumPy `.npy`: the header says whether the body is raw array bytes or a pickle.

use crate::engine::{Ctx, Hint, scan_reader};
use crate::rules;
use std::io::{Read, Seek, SeekFrom};
use vouch_archive::ReadSeek;

/// `\x93NUMPY`.
pub(crate) const MAGIC: &[u8] = b"\x93NUMPY";
/// Largest header accepted (NumPy itself refuses more than 10,000 bytes by default).
const MAX_HEADER: u64 = 1 << 20;

/// Parse the header of an `.npy` stream; scan the body as a pickle when the dtype holds objects.
pub(crate) fn scan(ctx: &mut Ctx<'_>, member: Option<&str>, mut r: Box<dyn ReadSeek>) {
    match header(&mut *r) {
        Ok((header, body_offset)) => {
            if has_object_dtype(&header) {
                // np.save pickles object arrays right after the header.
                if let Err(e) = r.seek(SeekFrom::Start(body_offset)) {
                    ctx.push(
                        &rules::FILE_UNREADABLE,
                        member,
                        format!("cannot seek to the array body: {e}"),
                    );
                    return;
                }
                let body = super::engine::Sub::new(r, body_offset);
                scan_reader(ctx, member, Box::new(body), 0, Hint::Pickle);
            }
        }
        Err(detail) => {
            ctx.push(
                &rules::NUMPY_MALFORMED_HEADER,
                member,
                format!("malformed .npy header: {detail}"),
            );
        }
    }
}

fn header(r: &mut dyn ReadSeek) -> Result<(String, u64), String> {
    let mut pre = [0u8; 8];
    r.read_exact(&mut pre)
        .map_err(|_| "file ends inside the magic string".to_string())?;
    let major = pre[6];
    let (len, start) = match major {
        1 => {
            let mut b = [0u8; 2];
            r.read_exact(&mut b)
                .map_err(|_| "file ends inside the header length".to_string())?;
            (u64::from(u16::from_le_bytes(b)), 10u64)
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            r.read_exact(&mut b)
                .map_err(|_| "file ends inside the header length".to_string())?;
            (u64::from(u32::from_le_bytes(b)), 12u64)
        }
        v => return Err(format!("unknown format version {v}")),
    };
    if len > MAX_HEADER {
        return Err(format!(
            "header of {len} bytes exceeds the {MAX_HEADER}-byte limit"
        ));
    }
    let mut text = Vec::new();
    Read::take(&mut *r, len)
        .read_to_end(&mut text)
        .map_err(|e| e.to_string())?;
    if (text.len() as u64) < len {
        return Err(format!("file ends inside the {len}-byte header"));
    }
    let text = String::from_utf8_lossy(&text).into_owned();
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') && trimmed.ends_with('}') && trimmed.contains("descr")) {
        return Err("header is not the dictionary numpy writes".into());
    }
    Ok((text, start + len))
}

/// Whether the `descr` of a header names an object type (`|O`, or an `O` field of a structure).
fn has_object_dtype(header: &str) -> bool {
    let Some(start) = header.find("descr") else {
        return false;
    };
    let after_key = &header[start + 5..];
    let Some(colon) = after_key.find(':') else {
        return false;
    };
    let rest = &after_key[colon + 1..];
    let end = [
        "'fortran_order'",
        "\"fortran_order\"",
        "'shape'",
        "\"shape\"",
    ]
    .iter()
    .filter_map(|k| rest.find(k))
    .min()
    .unwrap_or(rest.len());
    let descr = &rest[..end];
    quoted_strings(descr).any(|s| {
        let code = s.trim_start_matches(['<', '>', '|', '=']);
        code.starts_with('O') && code[1..].bytes().all(|b| b.is_ascii_digit())
    })
}

fn quoted_strings(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let open = rest.find(['\'', '"'])?;
        let q = rest[open..].chars().next()?;
        let after = &rest[open + 1..];
        let close = after.find(q)?;
        let out = &after[..close];
        rest = &after[close + 1..];
        Some(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_dtypes_are_detected() {
        assert!(has_object_dtype(
            "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }"
        ));
        assert!(has_object_dtype(
            "{'descr': [('a', '<f4'), ('b', '|O')], 'fortran_order': False, 'shape': (3,), }"
        ));
        assert!(!has_object_dtype(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
        ));
        assert!(!has_object_dtype(
            "{'descr': [('Obj', '<f4')], 'fortran_order': False, 'shape': (3,), }"
        ));
    }
}
