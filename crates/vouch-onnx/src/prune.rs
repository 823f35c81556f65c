//! Stage one: walk the protobuf wire format of a `ModelProto` and copy it without the bulk
//! tensor bytes, so that a 2 GB model decodes in a few megabytes.
//!
//! The walker knows just enough of the schema to find tensors (`GraphProto.initializer`,
//! `NodeProto.attribute` -> `AttributeProto.t/tensors`, sparse tensors, functions, training
//! info, nested graphs); inside a `TensorProto` the data fields (`raw_data`, `float_data`, ...)
//! longer than [`KEEP_BULK`] bytes are skipped with a seek and counted. Everything else is
//! copied as is and decoded by prost afterwards. Lengths are checked against the enclosing
//! message before anything is read.

use std::io::{self, BufRead, Read, Seek};

/// Tensor data fields up to this size are kept (small constants stay decodable).
pub(crate) const KEEP_BULK: u64 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
    Sparse,
    Function,
    Training,
}

fn child(kind: Kind, field: u64) -> Option<Kind> {
    use Kind::*;
    Some(match (kind, field) {
        (Model, 7) => Graph,
        (Model, 20) => Training,
        (Model, 25) => Function,
        (Training, 1 | 2) => Graph,
        (Graph, 1) => Node,
        (Graph, 5) => Tensor,
        (Graph, 15) => Sparse,
        (Node, 5) => Attribute,
        (Function, 7) => Node,
        (Function, 11) => Attribute,
        (Attribute, 5 | 10) => Tensor,
        (Attribute, 6 | 11) => Graph,
        (Attribute, 22 | 23) => Sparse,
        (Sparse, 1 | 2) => Tensor,
        _ => return None,
    })
}

/// `TensorProto` fields that hold element data.
fn is_bulk(kind: Kind, field: u64) -> bool {
    kind == Kind::Tensor && matches!(field, 4 | 5 | 6 | 7 | 9 | 10 | 11)
}

/// Why pruning stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PruneError {
    /// Broken wire format at an offset.
    Malformed { offset: u64, detail: String },
    /// Output or nesting over a limit.
    Limit {
        what: &'static str,
        value: u64,
        limit: u64,
    },
    /// Reading failed.
    Io(String),
}

pub(crate) struct Pruned {
    pub bytes: Vec<u8>,
    /// Bytes of tensor data skipped.
    pub skipped: u64,
}

struct Walker<'r, R: BufRead + Seek + ?Sized> {
    r: &'r mut R,
    pos: u64,
    max_out: u64,
    max_depth: usize,
    skipped: u64,
    out_len: u64,
}

fn io_err(e: io::Error) -> PruneError {
    PruneError::Io(e.to_string())
}

impl<R: BufRead + Seek + ?Sized> Walker<'_, R> {
    fn byte(&mut self) -> Result<u8, PruneError> {
        let mut b = [0u8; 1];
        self.r
            .read_exact(&mut b)
            .map_err(|_| PruneError::Malformed {
                offset: self.pos,
                detail: "the file ends inside a field".into(),
            })?;
        self.pos += 1;
        Ok(b[0])
    }

    fn varint(&mut self, out: Option<&mut Vec<u8>>) -> Result<u64, PruneError> {
        let start = self.pos;
        let mut v: u64 = 0;
        let mut raw = [0u8; 10];
        for (i, slot) in raw.iter_mut().enumerate() {
            let b = self.byte()?;
            *slot = b;
            v |= u64::from(b & 0x7f) << (7 * i as u32);
            if b & 0x80 == 0 {
                if let Some(out) = out {
                    out.extend_from_slice(raw.get(..=i).unwrap_or_default());
                }
                return Ok(v);
            }
        }
        Err(PruneError::Malformed {
            offset: start,
            detail: "a varint longer than 10 bytes".into(),
        })
    }

    fn copy(&mut self, n: u64, out: &mut Vec<u8>) -> Result<(), PruneError> {
        self.grow(n)?;
        let got = Read::take(&mut *self.r, n)
            .read_to_end(out)
            .map_err(io_err)? as u64;
        self.pos += got;
        if got < n {
            return Err(PruneError::Malformed {
                offset: self.pos,
                detail: format!("the file ends inside a {n}-byte field"),
            });
        }
        Ok(())
    }

    fn grow(&mut self, n: u64) -> Result<(), PruneError> {
        self.out_len = self.out_len.saturating_add(n);
        if self.out_len > self.max_out {
            return Err(PruneError::Limit {
                what: "bytes of model structure",
                value: self.out_len,
                limit: self.max_out,
            });
        }
        Ok(())
    }

    fn skip(&mut self, n: u64) -> Result<(), PruneError> {
        let n_i = i64::try_from(n).map_err(|_| PruneError::Malformed {
            offset: self.pos,
            detail: format!("a field of {n} bytes"),
        })?;
        self.r.seek_relative(n_i).map_err(io_err)?;
        self.pos += n;
        self.skipped = self.skipped.saturating_add(n);
        Ok(())
    }

    /// Copy one message of `len` bytes (already known to fit in its parent) into `out`.
    fn message(
        &mut self,
        kind: Kind,
        len: u64,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), PruneError> {
        if depth > self.max_depth {
            return Err(PruneError::Limit {
                what: "message nesting",
                value: depth as u64,
                limit: self.max_depth as u64,
            });
        }
        let end = self.pos.saturating_add(len);
        while self.pos < end {
            let tag_at = self.pos;
            let mut tag_bytes = Vec::with_capacity(5);
            let tag = self.varint(Some(&mut tag_bytes))?;
            let field = tag >> 3;
            let wire = tag & 7;
            if field == 0 {
                return Err(PruneError::Malformed {
                    offset: tag_at,
                    detail: "field number 0".into(),
                });
            }
            match wire {
                0 => {
                    self.grow(tag_bytes.len() as u64 + 10)?;
                    out.extend_from_slice(&tag_bytes);
                    self.varint(Some(out))?;
                }
                1 | 5 => {
                    self.grow(tag_bytes.len() as u64)?;
                    out.extend_from_slice(&tag_bytes);
                    self.copy(if wire == 1 { 8 } else { 4 }, out)?;
                }
                2 => {
                    let len_at = self.pos;
                    let n = self.varint(None)?;
                    let left = end.saturating_sub(self.pos);
                    if n > left {
                        return Err(PruneError::Malformed {
                            offset: len_at,
                            detail: format!(
                                "field {field} declares {n} bytes where its message has {left} left"
                            ),
                        });
                    }
                    if is_bulk(kind, field) && n > KEEP_BULK {
                        self.skip(n)?;
                        continue;
                    }
                    self.grow(tag_bytes.len() as u64 + 10)?;
                    out.extend_from_slice(&tag_bytes);
                    match child(kind, field) {
                        Some(sub) => {
                            let mut inner = Vec::new();
                            self.message(sub, n, depth + 1, &mut inner)?;
                            encode_varint(inner.len() as u64, out);
                            out.extend_from_slice(&inner);
                        }
                        None => {
                            encode_varint(n, out);
                            self.copy(n, out)?;
                        }
                    }
                }
                _ => {
                    return Err(PruneError::Malformed {
                        offset: tag_at,
                        detail: format!("wire type {wire} (groups are not used by ONNX)"),
                    });
                }
            }
        }
        if self.pos != end {
            return Err(PruneError::Malformed {
                offset: self.pos,
                detail: "a field runs past the end of its message".into(),
            });
        }
        Ok(())
    }
}

fn encode_varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Copy the `ModelProto` in `r` (from its current position to `len` bytes further) without
/// bulk tensor data.
pub(crate) fn prune<R: BufRead + Seek + ?Sized>(
    r: &mut R,
    len: u64,
    max_out: u64,
    max_depth: usize,
) -> Result<Pruned, PruneError> {
    let mut w = Walker {
        r,
        pos: 0,
        max_out,
        max_depth,
        skipped: 0,
        out_len: 0,
    };
    let mut out = Vec::new();
    w.message(Kind::Model, len, 0, &mut out)?;
    Ok(Pruned {
        bytes: out,
        skipped: w.skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            let mut b = Vec::new();
            encode_varint(v, &mut b);
            let mut cur = io::Cursor::new(b.clone());
            let mut w = Walker {
                r: &mut cur,
                pos: 0,
                max_out: 1 << 20,
                max_depth: 4,
                skipped: 0,
                out_len: 0,
            };
            assert_eq!(w.varint(None).expect("varint"), v);
        }
    }
}
