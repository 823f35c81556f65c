//! A defensive reader of GGUF (versions 1 to 3), the llama.cpp model format, plus a Jinja
//! lexer for the chat templates GGUF files carry.
//!
//! A GGUF file is a header (magic `GGUF`, version, tensor count, metadata count), typed
//! metadata key/value pairs (scalars, strings, arrays, arrays of arrays), tensor infos (name,
//! dimensions, ggml type, offset), padding to `general.alignment`, then tensor data. [`read`]
//! walks everything up to the tensor data and checks the layout: it never reads tensor bytes,
//! so the cost of a file is its metadata (vocabulary included), not its weights.
//!
//! Chat templates are Jinja programs that a runtime executes on every conversation; the
//! [`template`] module tokenises them and lists what they touch (attributes, names, filters,
//! string literals, emitted text) so that the scanner can judge them.
//!
//! Parsers describe, they do not judge: severities live in `vouch-scan`.
//!
//! Architecture invariants: untrusted bytes never panic (no unwrap, expect or indexing outside
//! tests; checked arithmetic); declared counts and lengths are never used to allocate, only
//! compared with [`Limits`] and with the bytes left in the file; every limit hit is an
//! [`Issue`] carrying the limit, and what was read before it is kept.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod template;

use std::collections::{BTreeMap, HashSet};
use std::io::{self, BufReader, Read, Seek, SeekFrom};

/// `GGUF`.
pub const MAGIC: &[u8; 4] = b"GGUF";
/// Alignment when `general.alignment` is absent.
pub const DEFAULT_ALIGNMENT: u64 = 32;

/// Bounds on what one file may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Tensor infos read.
    pub max_tensors: u64,
    /// Metadata entries read.
    pub max_kv: u64,
    /// Items in one array.
    pub max_array_len: u64,
    /// Bytes of one string.
    pub max_string_bytes: u64,
    /// Nesting of arrays inside arrays.
    pub max_depth: usize,
    /// Dimensions of one tensor (ggml has 4).
    pub max_dims: u32,
    /// Bytes of one chat template kept in memory (longer ones are truncated).
    pub max_kept_string: usize,
    /// Bytes of any other string value kept in memory.
    pub max_kept_other: usize,
    /// Bytes of strings kept in memory for the whole file; past it, strings are still read
    /// and checked but not kept.
    pub max_kept_total: usize,
    /// Items of one array kept in memory (all are read and checked).
    pub max_kept_items: usize,
    /// Issues recorded; further ones are counted only.
    pub max_issues: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tensors: 1_000_000,
            max_kv: 65_536,
            max_array_len: 100_000_000,
            max_string_bytes: 64 << 20,
            max_depth: 8,
            max_dims: 8,
            max_kept_string: 1 << 20,
            max_kept_other: 1024,
            max_kept_total: 32 << 20,
            max_kept_items: 16,
            max_issues: 1000,
        }
    }
}

/// A metadata value type code.
pub mod value_type {
    /// `uint8`.
    pub const U8: u32 = 0;
    /// `int8`.
    pub const I8: u32 = 1;
    /// `uint16`.
    pub const U16: u32 = 2;
    /// `int16`.
    pub const I16: u32 = 3;
    /// `uint32`.
    pub const U32: u32 = 4;
    /// `int32`.
    pub const I32: u32 = 5;
    /// `float32`.
    pub const F32: u32 = 6;
    /// `bool`.
    pub const BOOL: u32 = 7;
    /// `string`.
    pub const STRING: u32 = 8;
    /// `array`.
    pub const ARRAY: u32 = 9;
    /// `uint64`.
    pub const U64: u32 = 10;
    /// `int64`.
    pub const I64: u32 = 11;
    /// `float64`.
    pub const F64: u32 = 12;

    /// The name of a type code.
    pub fn name(t: u32) -> &'static str {
        match t {
            U8 => "uint8",
            I8 => "int8",
            U16 => "uint16",
            I16 => "int16",
            U32 => "uint32",
            I32 => "int32",
            F32 => "float32",
            BOOL => "bool",
            STRING => "string",
            ARRAY => "array",
            U64 => "uint64",
            I64 => "int64",
            F64 => "float64",
            _ => "unknown",
        }
    }
}

/// A metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Any unsigned integer type.
    Uint(u64),
    /// Any signed integer type.
    Int(i64),
    /// `float32` or `float64`.
    Float(f64),
    /// `bool` (a byte that is 0 or 1; other bytes are reported and read as true).
    Bool(bool),
    /// `string`; `truncated` when longer than what [`Limits`] keep.
    String {
        /// The text (lossy when not UTF-8).
        text: String,
        /// Bytes in the file.
        len: u64,
        /// Whether `text` holds only a prefix.
        truncated: bool,
    },
    /// `array`: the element type, the declared length, and the first items.
    Array {
        /// Element type code.
        elem_type: u32,
        /// Items in the file.
        len: u64,
        /// The first [`Limits::max_kept_items`] items.
        items: Vec<Value>,
    },
}

impl Value {
    /// The value as an unsigned integer, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Uint(v) => Some(*v),
            Value::Int(v) => u64::try_from(*v).ok(),
            _ => None,
        }
    }

    /// The value as text, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// One metadata entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Kv {
    /// Key.
    pub key: String,
    /// Type code as written.
    pub value_type: u32,
    /// Value.
    pub value: Value,
    /// File offset of the entry.
    pub offset: u64,
}

/// A ggml tensor type: name, elements per block, bytes per block.
pub fn ggml_type(t: u32) -> Option<(&'static str, u64, u64)> {
    Some(match t {
        0 => ("F32", 1, 4),
        1 => ("F16", 1, 2),
        2 => ("Q4_0", 32, 18),
        3 => ("Q4_1", 32, 20),
        6 => ("Q5_0", 32, 22),
        7 => ("Q5_1", 32, 24),
        8 => ("Q8_0", 32, 34),
        9 => ("Q8_1", 32, 40),
        10 => ("Q2_K", 256, 84),
        11 => ("Q3_K", 256, 110),
        12 => ("Q4_K", 256, 144),
        13 => ("Q5_K", 256, 176),
        14 => ("Q6_K", 256, 210),
        15 => ("Q8_K", 256, 292),
        16 => ("IQ2_XXS", 256, 66),
        17 => ("IQ2_XS", 256, 74),
        18 => ("IQ3_XXS", 256, 98),
        19 => ("IQ1_S", 256, 50),
        20 => ("IQ4_NL", 32, 18),
        21 => ("IQ3_S", 256, 110),
        22 => ("IQ2_S", 256, 82),
        23 => ("IQ4_XS", 256, 136),
        24 => ("I8", 1, 1),
        25 => ("I16", 1, 2),
        26 => ("I32", 1, 4),
        27 => ("I64", 1, 8),
        28 => ("F64", 1, 8),
        29 => ("IQ1_M", 256, 56),
        30 => ("BF16", 1, 2),
        34 => ("TQ1_0", 256, 54),
        35 => ("TQ2_0", 256, 66),
        39 => ("MXFP4", 32, 17),
        40 => ("NVFP4", 64, 36),
        41 => ("Q1_0", 128, 18),
        _ => return None,
    })
}

/// One tensor info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    /// Name.
    pub name: String,
    /// Dimensions, innermost first (`ne[0]` is the row length).
    pub dims: Vec<u64>,
    /// ggml type code.
    pub ggml_type: u32,
    /// Offset of its data, relative to the start of the data section.
    pub offset: u64,
    /// File offset of the tensor info.
    pub info_offset: u64,
}

impl TensorInfo {
    /// Number of elements, or `None` on overflow.
    pub fn elements(&self) -> Option<u64> {
        self.dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d))
    }

    /// Bytes of data: `None` for an unknown type, overflow, or a row length that is not a
    /// multiple of the type's block size.
    pub fn bytes(&self) -> Option<u64> {
        let (_, block, size) = ggml_type(self.ggml_type)?;
        let n = self.elements()?;
        let ne0 = self.dims.first().copied().unwrap_or(1);
        if ne0 % block != 0 {
            return None;
        }
        (n / block).checked_mul(size)
    }
}

/// A deviation from the format. Offsets are file offsets.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Issue {
    /// The file ends inside a structure; what came before was kept.
    Truncated {
        /// Where.
        offset: u64,
        /// What was being read.
        what: String,
    },
    /// A declared length larger than what is left of the file (a length crafted to make a
    /// reader allocate or read out of bounds); parsing stops.
    LengthBeyondFile {
        /// Where the length is.
        offset: u64,
        /// `string bytes` or `array items`.
        what: &'static str,
        /// The declared length.
        value: u64,
        /// Bytes left in the file.
        left: u64,
    },
    /// A version other than 1, 2 or 3; nothing after the header was read.
    UnsupportedVersion {
        /// The version.
        version: u32,
    },
    /// A value type code that does not exist; parsing stops (its size is unknown).
    BadValueType {
        /// Where.
        offset: u64,
        /// The key.
        key: String,
        /// The code.
        value_type: u32,
    },
    /// A bool that is neither 0 nor 1.
    BadBool {
        /// Where.
        offset: u64,
        /// The key.
        key: String,
        /// The byte.
        byte: u8,
    },
    /// A string that is not UTF-8.
    InvalidUtf8 {
        /// Where.
        offset: u64,
        /// The key it belongs to (or the tensor name).
        key: String,
    },
    /// A metadata key that appears twice (readers keep different ones).
    DuplicateKey {
        /// Where.
        offset: u64,
        /// The key.
        key: String,
    },
    /// Two tensors with the same name.
    DuplicateTensor {
        /// Where.
        offset: u64,
        /// The name.
        name: String,
    },
    /// A count or length above a limit; parsing stops there.
    LimitExceeded {
        /// Where.
        offset: u64,
        /// What (`tensors`, `metadata entries`, `array items`, `string bytes`, `array nesting`,
        /// `dimensions`).
        what: &'static str,
        /// The declared value.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// `general.alignment` that is not a non-zero power of two, or not a `uint32`.
    BadAlignment {
        /// Where.
        offset: u64,
        /// The value, if it was an integer.
        value: Option<u64>,
        /// Its type code.
        value_type: u32,
    },
    /// A tensor type ggml does not know.
    UnknownTensorType {
        /// Where.
        offset: u64,
        /// Tensor.
        name: String,
        /// The type code.
        ggml_type: u32,
    },
    /// Dimensions whose product overflows, or a dimension above `i64::MAX` (ggml's `int64_t`).
    BadShape {
        /// Where.
        offset: u64,
        /// Tensor.
        name: String,
        /// The dimensions.
        dims: Vec<u64>,
    },
    /// A row length that is not a multiple of the type's block size.
    BlockMisaligned {
        /// Where.
        offset: u64,
        /// Tensor.
        name: String,
        /// Row length.
        ne0: u64,
        /// Block size.
        block: u64,
    },
    /// A data offset that is not a multiple of the alignment.
    OffsetMisaligned {
        /// Where.
        offset: u64,
        /// Tensor.
        name: String,
        /// Its data offset.
        data_offset: u64,
        /// The alignment.
        alignment: u64,
    },
    /// A tensor's data extends past the end of the file.
    OutOfBounds {
        /// Where.
        offset: u64,
        /// Tensor.
        name: String,
        /// End of its data (relative to the data section).
        end: u64,
        /// Length of the data section.
        data_len: u64,
    },
    /// Two tensors share bytes.
    Overlap {
        /// Where.
        offset: u64,
        /// The later tensor.
        name: String,
        /// The tensor it overlaps.
        other: String,
    },
    /// Bytes between tensors beyond alignment padding.
    Gap {
        /// File offset.
        offset: u64,
        /// Length.
        len: u64,
    },
    /// Bytes after the last tensor beyond alignment padding.
    TrailingBytes {
        /// File offset.
        offset: u64,
        /// Length.
        len: u64,
    },
    /// More issues than [`Limits::max_issues`].
    TooManyIssues {
        /// The limit.
        limit: usize,
        /// Issues not recorded.
        dropped: u64,
    },
}

/// Byte order of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    /// Little-endian (the norm).
    Little,
    /// Big-endian (written for big-endian hosts).
    Big,
}

/// What a GGUF file says up to its tensor data.
#[derive(Debug, Clone, PartialEq)]
pub struct Gguf {
    /// Format version.
    pub version: u32,
    /// Byte order.
    pub endian: Endian,
    /// Declared tensor count.
    pub tensor_count: u64,
    /// Declared metadata count.
    pub kv_count: u64,
    /// Metadata entries read, in file order.
    pub kv: Vec<Kv>,
    /// Tensor infos read, in file order.
    pub tensors: Vec<TensorInfo>,
    /// Alignment in force.
    pub alignment: u64,
    /// File offset of the data section (when the tensor infos were all read).
    pub data_start: Option<u64>,
    /// File length.
    pub file_len: u64,
    /// Whether everything up to the data section was read.
    pub complete: bool,
    /// Every deviation found.
    pub issues: Vec<Issue>,
    dropped: u64,
    max_issues: usize,
}

impl Gguf {
    /// The first value of a key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.kv.iter().find(|kv| kv.key == key).map(|kv| &kv.value)
    }

    /// Every string entry that holds a chat template: `tokenizer.chat_template` and the
    /// named `tokenizer.chat_template.<name>` ones, as `(key, text, truncated)`.
    pub fn chat_templates(&self) -> Vec<(&str, &str, bool)> {
        self.kv
            .iter()
            .filter(|kv| is_template_key(&kv.key))
            .filter_map(|kv| match &kv.value {
                Value::String {
                    text, truncated, ..
                } => Some((kv.key.as_str(), text.as_str(), *truncated)),
                _ => None,
            })
            .collect()
    }

    /// Tensor counts per ggml type name (unknown types as `type<N>`).
    pub fn tensor_types(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for t in &self.tensors {
            let name = ggml_type(t.ggml_type)
                .map(|(n, _, _)| n.to_owned())
                .unwrap_or_else(|| format!("type{}", t.ggml_type));
            *m.entry(name).or_insert(0u64) += 1;
        }
        m
    }

    fn issue(&mut self, issue: Issue) {
        if self.issues.len() < self.max_issues {
            self.issues.push(issue);
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }
}

/// Whether the first bytes are a GGUF magic.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// Why parsing stopped early (the issue has been recorded).
struct Stop;

struct Cursor<'r, R: Read + ?Sized> {
    r: BufReader<&'r mut R>,
    pos: u64,
    endian: Endian,
    /// String bytes that may still be kept ([`Limits::max_kept_total`]).
    budget: usize,
}

/// Whether a metadata key holds a chat template.
fn is_template_key(key: &str) -> bool {
    key == "tokenizer.chat_template" || key.starts_with("tokenizer.chat_template.")
}

impl<R: Read + ?Sized> Cursor<'_, R> {
    fn bytes<const N: usize>(&mut self, g: &mut Gguf, what: &str) -> Result<[u8; N], Stop> {
        let mut b = [0u8; N];
        match self.r.read_exact(&mut b) {
            Ok(()) => {
                self.pos += N as u64;
                Ok(b)
            }
            Err(_) => {
                g.issue(Issue::Truncated {
                    offset: self.pos,
                    what: what.to_owned(),
                });
                Err(Stop)
            }
        }
    }

    fn u8(&mut self, g: &mut Gguf, what: &str) -> Result<u8, Stop> {
        self.bytes::<1>(g, what).map(|[b]| b)
    }

    fn u16(&mut self, g: &mut Gguf, what: &str) -> Result<u16, Stop> {
        let b = self.bytes::<2>(g, what)?;
        Ok(match self.endian {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        })
    }

    fn u32(&mut self, g: &mut Gguf, what: &str) -> Result<u32, Stop> {
        let b = self.bytes::<4>(g, what)?;
        Ok(match self.endian {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        })
    }

    fn u64(&mut self, g: &mut Gguf, what: &str) -> Result<u64, Stop> {
        let b = self.bytes::<8>(g, what)?;
        Ok(match self.endian {
            Endian::Little => u64::from_le_bytes(b),
            Endian::Big => u64::from_be_bytes(b),
        })
    }

    /// A count or length: `u32` in version 1, `u64` after.
    fn len(&mut self, g: &mut Gguf, what: &str) -> Result<u64, Stop> {
        if g.version == 1 {
            self.u32(g, what).map(u64::from)
        } else {
            self.u64(g, what)
        }
    }

    fn check(&self, g: &mut Gguf, what: &'static str, value: u64, limit: u64) -> Result<(), Stop> {
        if value > limit {
            g.issue(Issue::LimitExceeded {
                offset: self.pos,
                what,
                value,
                limit,
            });
            return Err(Stop);
        }
        Ok(())
    }

    /// Skip `n` bytes (read and discard; the reader need not seek).
    fn skip(&mut self, g: &mut Gguf, n: u64, what: &str) -> Result<(), Stop> {
        let got = io::copy(&mut Read::take(&mut self.r, n), &mut io::sink()).unwrap_or(0);
        self.pos += got;
        if got < n {
            g.issue(Issue::Truncated {
                offset: self.pos,
                what: what.to_owned(),
            });
            return Err(Stop);
        }
        Ok(())
    }

    /// A string; `keep` bytes at most are kept.
    fn string(
        &mut self,
        g: &mut Gguf,
        limits: &Limits,
        owner: &str,
        keep: usize,
    ) -> Result<(String, u64, bool), Stop> {
        let at = self.pos;
        let len = self.len(g, "a string length")?;
        let left = g.file_len.saturating_sub(self.pos);
        if len > left {
            g.issue(Issue::LengthBeyondFile {
                offset: at,
                what: "string bytes",
                value: len,
                left,
            });
            return Err(Stop);
        }
        self.check(g, "string bytes", len, limits.max_string_bytes)?;
        let kept = len.min(keep as u64);
        let mut buf = Vec::new();
        let got = Read::take(&mut self.r, kept)
            .read_to_end(&mut buf)
            .unwrap_or(0) as u64;
        self.pos += got;
        if got < kept {
            g.issue(Issue::Truncated {
                offset: self.pos,
                what: "a string".into(),
            });
            return Err(Stop);
        }
        let mut valid = true;
        if kept < len {
            // Check UTF-8 of the rest too, in chunks, without keeping it.
            let mut rest = len - kept;
            let mut chunk = vec![0u8; 64 * 1024];
            let mut carry: Vec<u8> = Vec::new();
            while rest > 0 {
                let n = rest.min(chunk.len() as u64) as usize;
                let Some(slot) = chunk.get_mut(..n) else {
                    break;
                };
                if self.r.read_exact(slot).is_err() {
                    g.issue(Issue::Truncated {
                        offset: self.pos,
                        what: "a string".into(),
                    });
                    return Err(Stop);
                }
                self.pos += n as u64;
                rest -= n as u64;
                carry.extend_from_slice(slot);
                match std::str::from_utf8(&carry) {
                    Ok(_) => carry.clear(),
                    Err(e) if e.error_len().is_none() => {
                        let tail = carry.split_off(e.valid_up_to());
                        carry = tail;
                    }
                    Err(_) => {
                        valid = false;
                        carry.clear();
                    }
                }
            }
            if !carry.is_empty() {
                valid = false;
            }
            // The kept prefix may end inside a character: that is not an encoding error.
            let text = match String::from_utf8(buf) {
                Ok(s) => s,
                Err(e) => {
                    let ok = e.utf8_error().valid_up_to();
                    if e.utf8_error().error_len().is_some() {
                        valid = false;
                    }
                    let mut b = e.into_bytes();
                    b.truncate(ok);
                    String::from_utf8_lossy(&b).into_owned()
                }
            };
            if !valid {
                g.issue(Issue::InvalidUtf8 {
                    offset: at,
                    key: owner.to_owned(),
                });
            }
            return Ok((text, len, true));
        }
        let text = match String::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => {
                g.issue(Issue::InvalidUtf8 {
                    offset: at,
                    key: owner.to_owned(),
                });
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        Ok((text, len, false))
    }

    fn value(
        &mut self,
        g: &mut Gguf,
        limits: &Limits,
        key: &str,
        ty: u32,
        depth: usize,
        keep: bool,
    ) -> Result<Value, Stop> {
        use value_type as t;
        let at = self.pos;
        Ok(match ty {
            t::U8 => Value::Uint(u64::from(self.u8(g, "a uint8")?)),
            t::I8 => Value::Int(i64::from(self.u8(g, "an int8")? as i8)),
            t::U16 => Value::Uint(u64::from(self.u16(g, "a uint16")?)),
            t::I16 => Value::Int(i64::from(self.u16(g, "an int16")? as i16)),
            t::U32 => Value::Uint(u64::from(self.u32(g, "a uint32")?)),
            t::I32 => Value::Int(i64::from(self.u32(g, "an int32")? as i32)),
            t::F32 => Value::Float(f64::from(f32::from_bits(self.u32(g, "a float32")?))),
            t::U64 => Value::Uint(self.u64(g, "a uint64")?),
            t::I64 => Value::Int(self.u64(g, "an int64")? as i64),
            t::F64 => Value::Float(f64::from_bits(self.u64(g, "a float64")?)),
            t::BOOL => {
                let b = self.u8(g, "a bool")?;
                if b > 1 {
                    g.issue(Issue::BadBool {
                        offset: at,
                        key: key.to_owned(),
                        byte: b,
                    });
                }
                Value::Bool(b != 0)
            }
            t::STRING => {
                let want = if !keep {
                    0
                } else if is_template_key(key) {
                    limits.max_kept_string
                } else {
                    limits.max_kept_other
                };
                let keep_n = want.min(self.budget);
                let (text, len, truncated) = self.string(g, limits, key, keep_n)?;
                self.budget = self.budget.saturating_sub(text.len());
                Value::String {
                    text,
                    len,
                    truncated,
                }
            }
            t::ARRAY => {
                if depth >= limits.max_depth {
                    g.issue(Issue::LimitExceeded {
                        offset: at,
                        what: "array nesting",
                        value: depth as u64 + 1,
                        limit: limits.max_depth as u64,
                    });
                    return Err(Stop);
                }
                let elem_type = self.u32(g, "an array element type")?;
                let len = self.len(g, "an array length")?;
                if !is_value_type(elem_type) {
                    g.issue(Issue::BadValueType {
                        offset: at,
                        key: key.to_owned(),
                        value_type: elem_type,
                    });
                    return Err(Stop);
                }
                // Each item takes at least one byte: a length beyond the file is a lie.
                let left = g.file_len.saturating_sub(self.pos);
                if len > left {
                    g.issue(Issue::LengthBeyondFile {
                        offset: at,
                        what: "array items",
                        value: len,
                        left,
                    });
                    return Err(Stop);
                }
                self.check(g, "array items", len, limits.max_array_len)?;
                let mut items = Vec::new();
                let fixed = fixed_size(elem_type);
                for i in 0..len {
                    let kept = keep && (i as usize) < limits.max_kept_items;
                    if !kept
                        && let Some(size) = fixed
                        && elem_type != t::BOOL
                    {
                        // Fixed-size scalars we do not keep: skip them in one go.
                        self.skip(g, (len - i).saturating_mul(size), "an array")?;
                        break;
                    }
                    let v = self.value(g, limits, key, elem_type, depth + 1, kept)?;
                    if kept {
                        items.push(v);
                    }
                }
                Value::Array {
                    elem_type,
                    len,
                    items,
                }
            }
            other => {
                g.issue(Issue::BadValueType {
                    offset: at,
                    key: key.to_owned(),
                    value_type: other,
                });
                return Err(Stop);
            }
        })
    }
}

fn is_value_type(t: u32) -> bool {
    t <= 12
}

fn fixed_size(t: u32) -> Option<u64> {
    use value_type as v;
    Some(match t {
        v::U8 | v::I8 | v::BOOL => 1,
        v::U16 | v::I16 => 2,
        v::U32 | v::I32 | v::F32 => 4,
        v::U64 | v::I64 | v::F64 => 8,
        _ => return None,
    })
}

/// Read a GGUF stream up to its tensor data and check its layout.
///
/// `Err` only when seeking fails; every format problem is an [`Issue`].
pub fn read<R: Read + Seek + ?Sized>(r: &mut R, limits: &Limits) -> io::Result<Gguf> {
    let file_len = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut g = Gguf {
        version: 0,
        endian: Endian::Little,
        tensor_count: 0,
        kv_count: 0,
        kv: Vec::new(),
        tensors: Vec::new(),
        alignment: DEFAULT_ALIGNMENT,
        data_start: None,
        file_len,
        complete: false,
        issues: Vec::new(),
        dropped: 0,
        max_issues: limits.max_issues,
    };
    let mut c = Cursor {
        r: BufReader::with_capacity(64 * 1024, r),
        pos: 0,
        endian: Endian::Little,
        budget: limits.max_kept_total,
    };
    let _ = parse(&mut c, &mut g, limits);
    if g.data_start.is_some() {
        check_layout(&mut g);
    }
    if g.dropped > 0 {
        g.issues.push(Issue::TooManyIssues {
            limit: limits.max_issues,
            dropped: g.dropped,
        });
    }
    Ok(g)
}

/// Read a whole GGUF file held in memory (for fuzzing and tests).
pub fn read_bytes(data: &[u8], limits: &Limits) -> Gguf {
    let mut cur = io::Cursor::new(data);
    match read(&mut cur, limits) {
        Ok(g) => g,
        Err(_) => Gguf {
            version: 0,
            endian: Endian::Little,
            tensor_count: 0,
            kv_count: 0,
            kv: Vec::new(),
            tensors: Vec::new(),
            alignment: DEFAULT_ALIGNMENT,
            data_start: None,
            file_len: data.len() as u64,
            complete: false,
            issues: Vec::new(),
            dropped: 0,
            max_issues: limits.max_issues,
        },
    }
}

fn parse<R: Read + ?Sized>(
    c: &mut Cursor<'_, R>,
    g: &mut Gguf,
    limits: &Limits,
) -> Result<(), Stop> {
    let magic = c.bytes::<4>(g, "the magic")?;
    if &magic != MAGIC {
        g.issue(Issue::Truncated {
            offset: 0,
            what: "the magic (not GGUF)".into(),
        });
        return Err(Stop);
    }
    let raw = c.bytes::<4>(g, "the version")?;
    let (le, be) = (u32::from_le_bytes(raw), u32::from_be_bytes(raw));
    if !(1..=3).contains(&le) && (1..=3).contains(&be) {
        g.endian = Endian::Big;
        c.endian = Endian::Big;
        g.version = be;
    } else {
        g.version = le;
    }
    if !(1..=3).contains(&g.version) {
        g.issue(Issue::UnsupportedVersion { version: g.version });
        return Err(Stop);
    }
    g.tensor_count = c.len(g, "the tensor count")?;
    g.kv_count = c.len(g, "the metadata count")?;
    c.check(g, "metadata entries", g.kv_count, limits.max_kv)?;
    let mut keys: HashSet<String> = HashSet::new();
    for _ in 0..g.kv_count {
        let at = c.pos;
        let (key, _, _) = c.string(g, limits, "a metadata key", 4096)?;
        if !keys.insert(key.clone()) {
            g.issue(Issue::DuplicateKey {
                offset: at,
                key: key.clone(),
            });
        }
        let ty = c.u32(g, "a value type")?;
        let value = c.value(g, limits, &key, ty, 0, true)?;
        if key == "general.alignment" {
            let v = value.as_u64();
            match v {
                Some(a) if ty == value_type::U32 && a != 0 && a.is_power_of_two() => {
                    g.alignment = a
                }
                _ => g.issue(Issue::BadAlignment {
                    offset: at,
                    value: v,
                    value_type: ty,
                }),
            }
        }
        g.kv.push(Kv {
            key,
            value_type: ty,
            value,
            offset: at,
        });
    }
    c.check(g, "tensors", g.tensor_count, limits.max_tensors)?;
    let mut names: HashSet<String> = HashSet::new();
    for _ in 0..g.tensor_count {
        let at = c.pos;
        let (name, _, _) = c.string(g, limits, "a tensor name", 4096)?;
        let n_dims = c.u32(g, "a dimension count")?;
        c.check(
            g,
            "dimensions",
            u64::from(n_dims),
            u64::from(limits.max_dims),
        )?;
        let mut dims = Vec::new();
        for _ in 0..n_dims {
            dims.push(c.len(g, "a dimension")?);
        }
        let ggml = c.u32(g, "a tensor type")?;
        let offset = c.u64(g, "a tensor offset")?;
        if !names.insert(name.clone()) {
            g.issue(Issue::DuplicateTensor {
                offset: at,
                name: name.clone(),
            });
        }
        g.tensors.push(TensorInfo {
            name,
            dims,
            ggml_type: ggml,
            offset,
            info_offset: at,
        });
    }
    let pad = (g.alignment - c.pos % g.alignment) % g.alignment;
    g.data_start = Some(c.pos.saturating_add(pad));
    g.complete = true;
    Ok(())
}

fn check_layout(g: &mut Gguf) {
    let Some(data_start) = g.data_start else {
        return;
    };
    let data_len = g.file_len.saturating_sub(data_start);
    let align = g.alignment;
    let mut spans = Vec::new();
    let mut issues = Vec::new();
    for (i, t) in g.tensors.iter().enumerate() {
        let at = t.info_offset;
        let Some((_, block, _)) = ggml_type(t.ggml_type) else {
            issues.push(Issue::UnknownTensorType {
                offset: at,
                name: t.name.clone(),
                ggml_type: t.ggml_type,
            });
            continue;
        };
        if t.elements().is_none() || t.dims.iter().any(|&d| d > i64::MAX as u64) {
            issues.push(Issue::BadShape {
                offset: at,
                name: t.name.clone(),
                dims: t.dims.clone(),
            });
            continue;
        }
        let ne0 = t.dims.first().copied().unwrap_or(1);
        if ne0 % block != 0 {
            issues.push(Issue::BlockMisaligned {
                offset: at,
                name: t.name.clone(),
                ne0,
                block,
            });
            continue;
        }
        if t.offset % align != 0 {
            issues.push(Issue::OffsetMisaligned {
                offset: at,
                name: t.name.clone(),
                data_offset: t.offset,
                alignment: align,
            });
        }
        let Some(end) = t.bytes().and_then(|b| t.offset.checked_add(b)) else {
            issues.push(Issue::BadShape {
                offset: at,
                name: t.name.clone(),
                dims: t.dims.clone(),
            });
            continue;
        };
        if end > data_len {
            issues.push(Issue::OutOfBounds {
                offset: at,
                name: t.name.clone(),
                end,
                data_len,
            });
        }
        spans.push((t.offset, end, i));
    }
    for i in issues {
        g.issue(i);
    }
    spans.sort_unstable();
    let mut cursor = 0u64;
    let mut owner: Option<usize> = None;
    for &(begin, end, i) in &spans {
        if begin < cursor && end > begin {
            if let (Some(t), Some(o)) = (g.tensors.get(i), owner.and_then(|o| g.tensors.get(o))) {
                let issue = Issue::Overlap {
                    offset: t.info_offset,
                    name: t.name.clone(),
                    other: o.name.clone(),
                };
                g.issue(issue);
            }
        } else {
            // Anything beyond alignment padding between two tensors is hidden.
            let padded = cursor.div_ceil(align).saturating_mul(align);
            if begin > padded && padded < data_len {
                g.issue(Issue::Gap {
                    offset: data_start.saturating_add(padded),
                    len: begin.min(data_len) - padded,
                });
            }
        }
        if end > cursor {
            cursor = end;
            owner = Some(i);
        }
    }
    let padded = cursor.div_ceil(align).saturating_mul(align);
    if padded < data_len {
        g.issue(Issue::TrailingBytes {
            offset: data_start.saturating_add(padded),
            len: data_len - padded,
        });
    }
}

#[cfg(test)]
mod tests;
