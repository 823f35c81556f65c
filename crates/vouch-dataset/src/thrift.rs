//! A bounded reader of the Thrift compact protocol, the encoding of Parquet's footer.
//!
//! Every read is checked against the bytes left; unknown fields are skipped generically with a
//! fixed nesting bound; list and map sizes are compared with the bytes left before any loop.

/// Compact-protocol wire types.
pub(crate) mod ty {
    pub const STOP: u8 = 0;
    pub const TRUE: u8 = 1;
    pub const FALSE: u8 = 2;
    pub const BYTE: u8 = 3;
    pub const I16: u8 = 4;
    pub const I32: u8 = 5;
    pub const I64: u8 = 6;
    pub const DOUBLE: u8 = 7;
    pub const BINARY: u8 = 8;
    pub const LIST: u8 = 9;
    pub const SET: u8 = 10;
    pub const MAP: u8 = 11;
    pub const STRUCT: u8 = 12;
    pub const UUID: u8 = 13;
}

/// Deepest nesting of structs, lists and maps [`Reader::skip`] follows.
pub(crate) const MAX_DEPTH: u32 = 64;

pub(crate) type Result<T> = std::result::Result<T, String>;

/// A cursor over a compact-protocol buffer.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// A struct field header: its id and wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldHeader {
    pub id: i16,
    pub ty: u8,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    #[cfg(test)]
    pub fn pos(&self) -> usize {
        self.pos
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn eof(&self) -> String {
        format!("truncated at byte {} of {}", self.pos, self.buf.len())
    }

    pub fn byte(&mut self) -> Result<u8> {
        let b = *self.buf.get(self.pos).ok_or_else(|| self.eof())?;
        self.pos += 1;
        Ok(b)
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.eof())?;
        let s = self.buf.get(self.pos..end).ok_or_else(|| self.eof())?;
        self.pos = end;
        Ok(s)
    }

    pub fn varint(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!("varint longer than 10 bytes at byte {}", self.pos))
    }

    pub fn zigzag(&mut self) -> Result<i64> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub fn i32(&mut self) -> Result<i32> {
        let v = self.zigzag()?;
        i32::try_from(v).map_err(|_| format!("i32 out of range: {v}"))
    }

    pub fn binary(&mut self) -> Result<&'a [u8]> {
        let n = self.varint()?;
        let n = usize::try_from(n).ok().filter(|n| *n <= self.remaining());
        let n =
            n.ok_or_else(|| format!("binary length exceeds the {} bytes left", self.remaining()))?;
        self.bytes(n)
    }

    pub fn string(&mut self) -> Result<String> {
        Ok(String::from_utf8_lossy(self.binary()?).into_owned())
    }

    /// The next field header of a struct, or `None` at its stop byte. `last` is the previous
    /// field id (deltas are relative to it).
    pub fn field(&mut self, last: i16) -> Result<Option<FieldHeader>> {
        let b = self.byte()?;
        let ty = b & 0x0F;
        if ty == ty::STOP {
            return Ok(None);
        }
        let delta = i16::from(b >> 4);
        let id = if delta == 0 {
            let v = self.zigzag()?;
            i16::try_from(v).map_err(|_| format!("field id out of range: {v}"))?
        } else {
            last.checked_add(delta).ok_or("field id overflow")?
        };
        Ok(Some(FieldHeader { id, ty }))
    }

    /// A list or set header: element type and size, the size checked against the bytes left
    /// (every element takes at least one byte).
    pub fn list(&mut self) -> Result<(u8, usize)> {
        let b = self.byte()?;
        let ty = b & 0x0F;
        let short = usize::from(b >> 4);
        let size = if short == 15 {
            let v = self.varint()?;
            usize::try_from(v).unwrap_or(usize::MAX)
        } else {
            short
        };
        if size > self.remaining() {
            return Err(format!(
                "list of {size} elements but only {} bytes left",
                self.remaining()
            ));
        }
        Ok((ty, size))
    }

    /// Skips a value of wire type `ty` (in a struct: booleans carry no bytes).
    pub fn skip(&mut self, ty: u8) -> Result<()> {
        self.skip_value(ty, false, 0)
    }

    fn skip_value(&mut self, ty: u8, in_list: bool, depth: u32) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH}"));
        }
        match ty {
            ty::TRUE | ty::FALSE => {
                if in_list {
                    self.byte()?;
                }
            }
            ty::BYTE => {
                self.byte()?;
            }
            ty::I16 | ty::I32 | ty::I64 => {
                self.varint()?;
            }
            ty::DOUBLE => {
                self.bytes(8)?;
            }
            ty::UUID => {
                self.bytes(16)?;
            }
            ty::BINARY => {
                self.binary()?;
            }
            ty::LIST | ty::SET => {
                let (elem, size) = self.list()?;
                for _ in 0..size {
                    self.skip_value(elem, true, depth + 1)?;
                }
            }
            ty::MAP => {
                let v = self.varint()?;
                let size = usize::try_from(v).unwrap_or(usize::MAX);
                if size > 0 {
                    if size > self.remaining() / 2 {
                        return Err(format!(
                            "map of {size} entries but only {} bytes left",
                            self.remaining()
                        ));
                    }
                    let kv = self.byte()?;
                    for _ in 0..size {
                        self.skip_value(kv >> 4, true, depth + 1)?;
                        self.skip_value(kv & 0x0F, true, depth + 1)?;
                    }
                }
            }
            ty::STRUCT => {
                let mut last = 0;
                while let Some(f) = self.field(last)? {
                    self.skip_value(f.ty, false, depth + 1)?;
                    last = f.id;
                }
            }
            other => return Err(format!("unknown wire type {other} at byte {}", self.pos)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag() {
        let mut r = Reader::new(&[0x96, 0x01, 0x03, 0x04]);
        assert_eq!(r.varint().unwrap(), 150);
        assert_eq!(r.zigzag().unwrap(), -2);
        assert_eq!(r.zigzag().unwrap(), 2);
        assert!(r.varint().is_err());
        let mut r = Reader::new(&[0xFF; 11]);
        assert!(r.varint().unwrap_err().contains("longer than 10"));
    }

    #[test]
    fn fields_with_deltas_and_long_ids() {
        // field 1 i32 = 5, field 3 (delta 2) binary "ab", field 300 (long form) true, stop.
        let buf = [0x15, 0x0A, 0x28, 0x02, b'a', b'b', 0x01, 0xD8, 0x04, 0x00];
        let mut r = Reader::new(&buf);
        let f = r.field(0).unwrap().unwrap();
        assert_eq!((f.id, f.ty), (1, ty::I32));
        assert_eq!(r.i32().unwrap(), 5);
        let f = r.field(1).unwrap().unwrap();
        assert_eq!((f.id, f.ty), (3, ty::BINARY));
        assert_eq!(r.string().unwrap(), "ab");
        let f = r.field(3).unwrap().unwrap();
        assert_eq!((f.id, f.ty), (300, ty::TRUE));
        assert_eq!(r.field(300).unwrap(), None);
    }

    #[test]
    fn skip_nested_values() {
        // struct { 1: list<i32> [1, 2], 2: map<binary,i64>{"k": 1}, 3: double, 4: list<bool> }
        let buf = [
            0x19, 0x25, 0x02, 0x04, // list of 2 i32
            0x1B, 0x01, 0x86, 0x01, b'k', 0x02, // map size 1, binary->i64
            0x17, 0, 0, 0, 0, 0, 0, 0, 0, // double
            0x19, 0x21, 0x01, 0x02, // list of 2 bools, one byte each
            0x00,
        ];
        let mut r = Reader::new(&buf);
        r.skip(ty::STRUCT).unwrap();
        assert_eq!(r.pos(), buf.len());
    }

    #[test]
    fn lying_sizes_are_errors_not_loops() {
        // list header claiming 2^62 elements
        let buf = [0xF5, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F];
        assert!(
            Reader::new(&buf)
                .skip(ty::LIST)
                .unwrap_err()
                .contains("elements")
        );
        let buf = [0xFF, 0xFF, 0xFF, 0x0F, 0x88];
        assert!(
            Reader::new(&buf)
                .skip(ty::MAP)
                .unwrap_err()
                .contains("entries")
        );
        let buf = [0xFF, 0xFF, 0xFF, 0x0F];
        assert!(Reader::new(&buf).skip(ty::BINARY).is_err());
        assert!(
            Reader::new(&[0x1E])
                .skip(ty::STRUCT)
                .unwrap_err()
                .contains("unknown wire type")
        );
    }

    #[test]
    fn depth_is_bounded() {
        // 100 nested structs: field 1 of type struct, repeated.
        let buf = vec![0x1C; 100];
        assert!(
            Reader::new(&buf)
                .skip(ty::STRUCT)
                .unwrap_err()
                .contains("deeper")
        );
        // 100 nested lists of lists
        let buf = vec![0x19; 100];
        assert!(Reader::new(&buf).skip(ty::LIST).is_err());
    }
}
