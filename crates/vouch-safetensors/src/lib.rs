//! A strict reader of safetensors headers that reports every deviation from the format.
//!
//! A safetensors file is an 8-byte little-endian header length `N`, `N` bytes of JSON mapping
//! tensor names to `{dtype, shape, data_offsets}` (plus an optional `__metadata__` map of
//! strings), then the tensor bytes. The format is simple on purpose, yet loaders disagree on
//! malformed files: Hugging Face's reader rejects gaps, overlaps and trailing bytes, others
//! mmap whatever the offsets say, and JSON libraries pick different winners among duplicate
//! keys. Every such disagreement is an attack surface, so [`read`] never stops at the first
//! problem: it parses as much as it can and returns each violation as an [`Issue`] next to the
//! tensors it understood.
//!
//! Only the header is read: the cost of a file is independent of its tensor bytes. Parsers
//! describe, they do not judge: severities live in `vouch-scan`.
//!
//! Architecture invariants: untrusted bytes never panic (no unwrap, expect or indexing outside
//! tests; checked arithmetic); memory is bounded by [`Limits::max_header_bytes`] and never by
//! a size the file declares; every limit hit is an [`Issue`] carrying the limit.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod json;

use std::collections::HashSet;
use std::io::{self, Read, Seek, SeekFrom};

/// Bounds on what one header may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest header read (Hugging Face's reader refuses more than 100,000,000 bytes).
    pub max_header_bytes: u64,
    /// Tensor entries kept; the rest of the header is still checked for syntax.
    pub max_tensors: usize,
    /// Dimensions of one shape.
    pub max_rank: usize,
    /// JSON nesting.
    pub max_depth: usize,
    /// Characters of one `__metadata__` value kept.
    pub max_string: usize,
    /// Issues recorded; further ones are counted only.
    pub max_issues: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 100_000_000,
            max_tensors: 1_000_000,
            max_rank: 64,
            max_depth: 64,
            max_string: 4096,
            max_issues: 1000,
        }
    }
}

/// The size in bits of one element of a safetensors dtype, or `None` for an unknown dtype.
pub fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "F8_E4M3FNUZ"
        | "F8_E5M2FNUZ" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

/// One tensor entry whose fields all parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tensor {
    /// Its key in the header.
    pub name: String,
    /// The dtype string as written (known to [`dtype_bits`] or not).
    pub dtype: String,
    /// Dimensions.
    pub shape: Vec<u64>,
    /// Start of its bytes, relative to the end of the header.
    pub begin: u64,
    /// End (exclusive), relative to the end of the header.
    pub end: u64,
    /// File offset of its key in the header.
    pub offset: u64,
}

impl Tensor {
    /// Number of elements, or `None` on overflow.
    pub fn elements(&self) -> Option<u64> {
        self.shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
    }

    /// The byte size `dtype x shape` calls for: `None` on unknown dtype or overflow,
    /// `Some(Err(bits))` when the bits do not fill whole bytes.
    pub fn expected_bytes(&self) -> Option<Result<u64, u64>> {
        let bits = self.elements()?.checked_mul(dtype_bits(&self.dtype)?)?;
        Some(if bits % 8 == 0 {
            Ok(bits / 8)
        } else {
            Err(bits)
        })
    }
}

/// A deviation from the format. Offsets are file offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Issue {
    /// The file is shorter than the 8-byte header length.
    TooShort {
        /// File length.
        file_len: u64,
    },
    /// The header length exceeds [`Limits::max_header_bytes`]; nothing was parsed.
    HeaderTooLarge {
        /// Declared length.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// The header length points past the end of the file; nothing was parsed.
    HeaderOutOfBounds {
        /// Declared length.
        len: u64,
        /// File length.
        file_len: u64,
    },
    /// The header is not valid JSON; what came before `offset` was kept.
    Syntax {
        /// Where parsing stopped.
        offset: u64,
        /// Why.
        detail: String,
    },
    /// Bytes that are not UTF-8, or `\u` escapes that are not Unicode (lone surrogates).
    Encoding {
        /// Where.
        offset: u64,
        /// What.
        detail: String,
    },
    /// The header's JSON is not an object.
    NotAnObject {
        /// What it is instead.
        found: &'static str,
    },
    /// Non-whitespace after the JSON object (serde_json refuses it, other parsers ignore it).
    TrailingHeaderBytes {
        /// Where they start.
        offset: u64,
    },
    /// A key appears twice in one object; JSON libraries keep different ones.
    DuplicateKey {
        /// Offset of the second occurrence.
        offset: u64,
        /// The object (`None` for the top level, else the tensor name or `__metadata__`).
        object: Option<String>,
        /// The key.
        key: String,
    },
    /// A tensor entry is not `{dtype: string, shape: [uint...], data_offsets: [uint, uint]}`.
    TensorInvalid {
        /// Offset of its key.
        offset: u64,
        /// Tensor name.
        name: String,
        /// What is wrong.
        detail: String,
    },
    /// A tensor entry has a field the format does not define.
    UnknownField {
        /// Offset of the field.
        offset: u64,
        /// Tensor name.
        name: String,
        /// The field.
        field: String,
    },
    /// A dtype no safetensors version defines.
    UnknownDtype {
        /// Offset of the tensor's key.
        offset: u64,
        /// Tensor name.
        name: String,
        /// The dtype.
        dtype: String,
    },
    /// A shape with more dimensions than [`Limits::max_rank`].
    RankTooLarge {
        /// Offset of the tensor's key.
        offset: u64,
        /// Tensor name.
        name: String,
        /// The limit.
        limit: usize,
    },
    /// The element count or bit size of a shape overflows 64 bits.
    ShapeOverflow {
        /// Offset of the tensor's key.
        offset: u64,
        /// Tensor name.
        name: String,
        /// The shape.
        shape: Vec<u64>,
    },
    /// A sub-byte dtype whose bits do not fill whole bytes.
    Misaligned {
        /// Offset of the tensor's key.
        offset: u64,
        /// Tensor name.
        name: String,
        /// The bit size.
        bits: u64,
    },
    /// `dtype x shape` does not equal the byte span the offsets give.
    SizeMismatch {
        /// Offset of the tensor's key.
        offset: u64,
        /// Tensor name.
        name: String,
        /// Bytes `dtype x shape` calls for.
        expected: u64,
        /// Bytes the offsets span.
        actual: u64,
    },
    /// `data_offsets` with the end before the start.
    InvertedOffsets {
        /// Offset of the tensor's key.
        offset: u64,
        /// Tensor name.
        name: String,
        /// Start.
        begin: u64,
        /// End.
        end: u64,
    },
    /// A tensor's bytes extend past the end of the file.
    OutOfBounds {
        /// Offset of the tensor's key.
        offset: u64,
        /// Tensor name.
        name: String,
        /// End of its span (relative to the data section).
        end: u64,
        /// Length of the data section.
        data_len: u64,
    },
    /// Two tensors share bytes.
    Overlap {
        /// Offset of the tensor's key.
        offset: u64,
        /// The later tensor (by start).
        name: String,
        /// The tensor it overlaps.
        other: String,
        /// Its span.
        span: (u64, u64),
        /// The other tensor's span.
        other_span: (u64, u64),
    },
    /// Bytes between tensors that no tensor covers.
    Gap {
        /// File offset of the gap.
        offset: u64,
        /// Its length.
        len: u64,
        /// Up to 16 of its first bytes.
        head: Vec<u8>,
    },
    /// Bytes after the last tensor.
    TrailingBytes {
        /// File offset where they start.
        offset: u64,
        /// How many.
        len: u64,
        /// Up to 16 of their first bytes.
        head: Vec<u8>,
    },
    /// `__metadata__` is not a map of strings to strings.
    MetadataInvalid {
        /// Where.
        offset: u64,
        /// The key involved, if any.
        key: Option<String>,
        /// What is wrong.
        detail: String,
    },
    /// More tensor entries than [`Limits::max_tensors`]; the rest were checked for syntax only.
    TooManyTensors {
        /// The limit.
        limit: usize,
    },
    /// More issues than [`Limits::max_issues`]; the rest were counted, not recorded.
    TooManyIssues {
        /// The limit.
        limit: usize,
        /// Issues not recorded.
        dropped: u64,
    },
}

/// What a header says, and every way it deviates from the format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// File length.
    pub file_len: u64,
    /// Declared header length (`N`).
    pub header_len: u64,
    /// Whether the whole header parsed as JSON (layout checks ran only then).
    pub complete: bool,
    /// Tensor entries that parsed, in header order.
    pub tensors: Vec<Tensor>,
    /// `__metadata__` entries with string values, in header order (values truncated to
    /// [`Limits::max_string`] characters).
    pub metadata: Option<Vec<(String, String)>>,
    /// Every deviation found.
    pub issues: Vec<Issue>,
    dropped: u64,
}

impl Header {
    /// File offset where tensor data starts.
    pub fn data_start(&self) -> u64 {
        self.header_len.saturating_add(8)
    }

    /// Length of the data section.
    pub fn data_len(&self) -> u64 {
        self.file_len.saturating_sub(self.data_start())
    }

    fn issue(&mut self, limits: &Limits, issue: Issue) {
        if self.issues.len() < limits.max_issues {
            self.issues.push(issue);
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }
}

/// Whether the first bytes look like a safetensors file: a header length that fits in the
/// first bytes' promise (`>= 2`) followed by `{`.
pub fn sniff(head: &[u8]) -> bool {
    let (Some(len), Some(b'{')) = (head.get(..8), head.get(8)) else {
        return false;
    };
    let mut n = [0u8; 8];
    n.copy_from_slice(len);
    u64::from_le_bytes(n) >= 2
}

/// Read and check the header of a safetensors stream (the reader is left anywhere).
///
/// `Err` only when reading fails; every format problem is an [`Issue`].
pub fn read<R: Read + Seek + ?Sized>(r: &mut R, limits: &Limits) -> io::Result<Header> {
    let file_len = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut h = Header {
        file_len,
        ..Header::default()
    };
    let mut len = [0u8; 8];
    if file_len < 8 {
        h.issue(limits, Issue::TooShort { file_len });
        return Ok(h);
    }
    r.read_exact(&mut len)?;
    let n = u64::from_le_bytes(len);
    h.header_len = n;
    if n > limits.max_header_bytes {
        h.issue(
            limits,
            Issue::HeaderTooLarge {
                len: n,
                limit: limits.max_header_bytes,
            },
        );
        return Ok(h);
    }
    if n > file_len - 8 {
        h.issue(limits, Issue::HeaderOutOfBounds { len: n, file_len });
        return Ok(h);
    }
    let mut buf = Vec::new();
    Read::take(&mut *r, n).read_to_end(&mut buf)?;
    if (buf.len() as u64) < n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "file shrank while reading the header",
        ));
    }
    parse_header(&mut h, &buf, limits);
    if h.complete {
        check_layout(&mut h, limits, Some(r))?;
    }
    finish(&mut h, limits);
    Ok(h)
}

/// Check a whole safetensors file held in memory (for fuzzing and tests).
pub fn read_bytes(data: &[u8], limits: &Limits) -> Header {
    let mut cur = io::Cursor::new(data);
    // A cursor cannot fail to read or seek inside its buffer.
    read(&mut cur, limits).unwrap_or_default()
}

fn finish(h: &mut Header, limits: &Limits) {
    if h.dropped > 0 {
        h.issues.push(Issue::TooManyIssues {
            limit: limits.max_issues,
            dropped: h.dropped,
        });
    }
}

/// What parsing one tensor entry produced.
#[derive(Default)]
struct Entry {
    dtype: Option<String>,
    shape: Option<Vec<u64>>,
    offsets: Option<(u64, u64)>,
}

fn parse_header(h: &mut Header, buf: &[u8], limits: &Limits) {
    let base = 8u64;
    let at = |pos: usize| base.saturating_add(pos as u64);
    let mut p = json::Parser::new(buf, limits.max_depth);
    let result = (|| -> json::Result<()> {
        let kind = p.peek()?;
        if kind != json::Kind::Object {
            p.skip()?;
            h.issue(limits, Issue::NotAnObject { found: kind.name() });
            return Ok(());
        }
        p.begin_object()?;
        let mut seen: HashSet<String> = HashSet::new();
        let mut first = true;
        let mut too_many = false;
        while let Some((key_at, key)) = p.next_key(first)? {
            first = false;
            if !seen.insert(key.clone()) {
                h.issue(
                    limits,
                    Issue::DuplicateKey {
                        offset: at(key_at),
                        object: None,
                        key: key.clone(),
                    },
                );
            }
            if key == "__metadata__" {
                parse_metadata(h, &mut p, limits, at(key_at))?;
                continue;
            }
            if h.tensors.len() >= limits.max_tensors {
                if !too_many {
                    too_many = true;
                    h.issue(
                        limits,
                        Issue::TooManyTensors {
                            limit: limits.max_tensors,
                        },
                    );
                }
                p.skip()?;
                continue;
            }
            let entry = parse_entry(h, &mut p, limits, &key, at(key_at))?;
            let missing: Vec<&str> = [
                ("dtype", entry.dtype.is_none()),
                ("shape", entry.shape.is_none()),
                ("data_offsets", entry.offsets.is_none()),
            ]
            .into_iter()
            .filter_map(|(f, m)| m.then_some(f))
            .collect();
            match (entry.dtype, entry.shape, entry.offsets) {
                (Some(dtype), Some(shape), Some((begin, end))) => h.tensors.push(Tensor {
                    name: key,
                    dtype,
                    shape,
                    begin,
                    end,
                    offset: at(key_at),
                }),
                _ => h.issue(
                    limits,
                    Issue::TensorInvalid {
                        offset: at(key_at),
                        name: key,
                        detail: format!("no valid {}", missing.join(", ")),
                    },
                ),
            }
        }
        Ok(())
    })();
    for soft in std::mem::take(&mut p.soft) {
        h.issue(
            limits,
            Issue::Encoding {
                offset: at(soft.offset),
                detail: soft.detail,
            },
        );
    }
    match result {
        Ok(()) => {
            if p.at_end() {
                h.complete = true;
            } else {
                h.complete = true;
                h.issue(
                    limits,
                    Issue::TrailingHeaderBytes {
                        offset: at(p.pos()),
                    },
                );
            }
        }
        Err(e) => h.issue(
            limits,
            Issue::Syntax {
                offset: at(e.offset),
                detail: e.detail,
            },
        ),
    }
}

fn parse_metadata(
    h: &mut Header,
    p: &mut json::Parser<'_>,
    limits: &Limits,
    key_at: u64,
) -> json::Result<()> {
    let at = |pos: usize| 8u64.saturating_add(pos as u64);
    let kind = p.peek()?;
    if kind != json::Kind::Object {
        p.skip()?;
        h.issue(
            limits,
            Issue::MetadataInvalid {
                offset: key_at,
                key: None,
                detail: format!("`__metadata__` is {}, not an object", kind.name()),
            },
        );
        return Ok(());
    }
    p.begin_object()?;
    let mut seen = HashSet::new();
    let mut out = h.metadata.take().unwrap_or_default();
    let mut first = true;
    while let Some((k_at, k)) = p.next_key(first)? {
        first = false;
        if !seen.insert(k.clone()) {
            h.issue(
                limits,
                Issue::DuplicateKey {
                    offset: at(k_at),
                    object: Some("__metadata__".into()),
                    key: k.clone(),
                },
            );
        }
        let kind = p.peek()?;
        if kind == json::Kind::String {
            let v = p.string()?;
            if out.len() < limits.max_tensors {
                out.push((k, truncate(v, limits.max_string)));
            }
        } else {
            p.skip()?;
            h.issue(
                limits,
                Issue::MetadataInvalid {
                    offset: at(k_at),
                    key: Some(k),
                    detail: format!("value is {}, not a string", kind.name()),
                },
            );
        }
    }
    h.metadata = Some(out);
    Ok(())
}

fn truncate(mut s: String, max: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
        s.push('…');
    }
    s
}

/// Parse `{dtype, shape, data_offsets}`; problems become issues, the value is always consumed.
fn parse_entry(
    h: &mut Header,
    p: &mut json::Parser<'_>,
    limits: &Limits,
    name: &str,
    key_at: u64,
) -> json::Result<Entry> {
    let at = |pos: usize| 8u64.saturating_add(pos as u64);
    let mut e = Entry::default();
    let kind = p.peek()?;
    if kind != json::Kind::Object {
        p.skip()?;
        h.issue(
            limits,
            Issue::TensorInvalid {
                offset: key_at,
                name: name.to_owned(),
                detail: format!("entry is {}, not an object", kind.name()),
            },
        );
        return Ok(e);
    }
    p.begin_object()?;
    let mut seen = HashSet::new();
    let mut first = true;
    while let Some((f_at, field)) = p.next_key(first)? {
        first = false;
        if !seen.insert(field.clone()) {
            h.issue(
                limits,
                Issue::DuplicateKey {
                    offset: at(f_at),
                    object: Some(name.to_owned()),
                    key: field.clone(),
                },
            );
        }
        let invalid = |h: &mut Header, detail: String| {
            h.issue(
                limits,
                Issue::TensorInvalid {
                    offset: key_at,
                    name: name.to_owned(),
                    detail,
                },
            );
        };
        match field.as_str() {
            "dtype" => {
                let kind = p.peek()?;
                if kind == json::Kind::String {
                    let d = p.string()?;
                    if dtype_bits(&d).is_none() {
                        h.issue(
                            limits,
                            Issue::UnknownDtype {
                                offset: key_at,
                                name: name.to_owned(),
                                dtype: truncate(d.clone(), 64),
                            },
                        );
                    }
                    e.dtype = Some(d);
                } else {
                    p.skip()?;
                    invalid(h, format!("dtype is {}, not a string", kind.name()));
                }
            }
            "shape" => match uint_array(p, limits.max_rank)? {
                UintArray::Ok(v) => e.shape = Some(v),
                UintArray::TooLong => h.issue(
                    limits,
                    Issue::RankTooLarge {
                        offset: key_at,
                        name: name.to_owned(),
                        limit: limits.max_rank,
                    },
                ),
                UintArray::Bad(detail) => invalid(h, format!("shape {detail}")),
            },
            "data_offsets" => match uint_array(p, 2)? {
                UintArray::Ok(v) => match v.as_slice() {
                    [b, end] => e.offsets = Some((*b, *end)),
                    _ => invalid(h, format!("data_offsets has {} items, not 2", v.len())),
                },
                UintArray::TooLong => invalid(h, "data_offsets has more than 2 items".into()),
                UintArray::Bad(detail) => invalid(h, format!("data_offsets {detail}")),
            },
            _ => {
                p.skip()?;
                h.issue(
                    limits,
                    Issue::UnknownField {
                        offset: at(f_at),
                        name: name.to_owned(),
                        field: truncate(field, 64),
                    },
                );
            }
        }
    }
    Ok(e)
}

enum UintArray {
    Ok(Vec<u64>),
    TooLong,
    Bad(String),
}

/// Read an array of unsigned integers (the whole value is consumed whatever it holds).
fn uint_array(p: &mut json::Parser<'_>, max: usize) -> json::Result<UintArray> {
    let kind = p.peek()?;
    if kind != json::Kind::Array {
        p.skip()?;
        return Ok(UintArray::Bad(format!("is {}, not an array", kind.name())));
    }
    p.begin_array()?;
    let mut out = Vec::new();
    let mut bad: Option<String> = None;
    let mut too_long = false;
    let mut first = true;
    while p.next_item(first)? {
        first = false;
        let kind = p.peek()?;
        if kind != json::Kind::Number {
            p.skip()?;
            bad.get_or_insert_with(|| format!("holds {}", kind.name()));
            continue;
        }
        let text = p.number()?;
        match text.parse::<u64>() {
            Ok(v) if out.len() < max => out.push(v),
            Ok(_) => too_long = true,
            Err(_) => {
                bad.get_or_insert_with(|| format!("holds {text}, not an unsigned 64-bit integer"));
            }
        }
    }
    Ok(match (bad, too_long) {
        (Some(b), _) => UintArray::Bad(b),
        (None, true) => UintArray::TooLong,
        (None, false) => UintArray::Ok(out),
    })
}

/// Check sizes, bounds, overlaps, gaps and trailing bytes of the parsed tensors.
fn check_layout<R: Read + Seek + ?Sized>(
    h: &mut Header,
    limits: &Limits,
    mut r: Option<&mut R>,
) -> io::Result<()> {
    let data_len = h.data_len();
    let data_start = h.data_start();
    let mut spans: Vec<(u64, u64, usize)> = Vec::with_capacity(h.tensors.len());
    let mut issues = Vec::new();
    for (i, t) in h.tensors.iter().enumerate() {
        let (name, offset) = (t.name.clone(), t.offset);
        match t.expected_bytes() {
            None if dtype_bits(&t.dtype).is_some() => issues.push(Issue::ShapeOverflow {
                offset,
                name: name.clone(),
                shape: t.shape.clone(),
            }),
            None => {} // unknown dtype, already reported
            Some(Err(bits)) => issues.push(Issue::Misaligned {
                offset,
                name: name.clone(),
                bits,
            }),
            Some(Ok(expected)) if t.end >= t.begin && expected != t.end - t.begin => {
                issues.push(Issue::SizeMismatch {
                    offset,
                    name: name.clone(),
                    expected,
                    actual: t.end - t.begin,
                })
            }
            Some(Ok(_)) => {}
        }
        if t.end < t.begin {
            issues.push(Issue::InvertedOffsets {
                offset,
                name,
                begin: t.begin,
                end: t.end,
            });
            continue;
        }
        if t.end > data_len {
            issues.push(Issue::OutOfBounds {
                offset,
                name,
                end: t.end,
                data_len,
            });
        }
        spans.push((t.begin, t.end, i));
    }
    for i in issues {
        h.issue(limits, i);
    }
    spans.sort_unstable();
    let mut cursor = 0u64;
    let mut owner: Option<usize> = None;
    let mut hidden: Vec<(u64, u64, bool)> = Vec::new();
    for &(begin, end, i) in &spans {
        if begin < cursor {
            if let (Some(t), Some(o)) = (h.tensors.get(i), owner.and_then(|o| h.tensors.get(o))) {
                let issue = Issue::Overlap {
                    offset: t.offset,
                    name: t.name.clone(),
                    other: o.name.clone(),
                    span: (begin, end),
                    other_span: (o.begin, o.end),
                };
                h.issue(limits, issue);
            }
        } else if begin > cursor {
            hidden.push((cursor, begin.min(data_len).saturating_sub(cursor), false));
        }
        if end > cursor || owner.is_none() {
            cursor = cursor.max(end);
            owner = Some(i);
        }
    }
    if cursor < data_len {
        hidden.push((cursor, data_len - cursor, true));
    }
    for (start, len, trailing) in hidden {
        if len == 0 {
            continue;
        }
        let offset = data_start.saturating_add(start);
        let mut head = Vec::new();
        if h.issues.len() < limits.max_issues
            && let Some(r) = r.as_deref_mut()
        {
            r.seek(SeekFrom::Start(offset))?;
            Read::take(&mut *r, len.min(16)).read_to_end(&mut head)?;
        }
        let issue = if trailing {
            Issue::TrailingBytes { offset, len, head }
        } else {
            Issue::Gap { offset, len, head }
        };
        h.issue(limits, issue);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
