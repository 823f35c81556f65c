//! A bounded FlatBuffers table reader: enough for Arrow's `Footer`, `Message` and `Schema`.
//!
//! Every offset is checked against the buffer before it is followed; vector lengths are checked
//! against the bytes left before any loop. Offsets (`uoffset`) only point forward, so following
//! them cannot cycle.

pub(crate) type Result<T> = std::result::Result<T, String>;

fn u16_at(buf: &[u8], pos: usize) -> Result<u16> {
    let end = pos.checked_add(2).ok_or("offset overflow")?;
    match buf.get(pos..end) {
        Some(&[a, b]) => Ok(u16::from_le_bytes([a, b])),
        _ => Err(format!(
            "offset {pos} outside the {}-byte buffer",
            buf.len()
        )),
    }
}

fn u32_at(buf: &[u8], pos: usize) -> Result<u32> {
    let end = pos.checked_add(4).ok_or("offset overflow")?;
    match buf.get(pos..end) {
        Some(&[a, b, c, d]) => Ok(u32::from_le_bytes([a, b, c, d])),
        _ => Err(format!(
            "offset {pos} outside the {}-byte buffer",
            buf.len()
        )),
    }
}

fn u64_at(buf: &[u8], pos: usize) -> Result<u64> {
    let end = pos.checked_add(8).ok_or("offset overflow")?;
    let bytes: [u8; 8] = buf
        .get(pos..end)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format!("offset {pos} outside the {}-byte buffer", buf.len()))?;
    Ok(u64::from_le_bytes(bytes))
}

/// Follows the `uoffset` stored at `pos`.
fn follow(buf: &[u8], pos: usize) -> Result<usize> {
    let off = u32_at(buf, pos)?;
    let target = pos
        .checked_add(off as usize)
        .filter(|t| *t < buf.len())
        .ok_or_else(|| format!("offset {off} at {pos} points outside the buffer"))?;
    Ok(target)
}

/// A table: its position and its vtable.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

impl<'a> Table<'a> {
    /// The root table of a buffer.
    pub fn root(buf: &'a [u8]) -> Result<Self> {
        let pos = follow(buf, 0)?;
        Table::at(buf, pos)
    }

    fn at(buf: &'a [u8], pos: usize) -> Result<Self> {
        let soff = u32_at(buf, pos)? as i32;
        let vtable = i64::try_from(pos)
            .ok()
            .and_then(|p| p.checked_sub(i64::from(soff)))
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| format!("table at {pos} has a vtable outside the buffer"))?;
        let vtable_len = usize::from(u16_at(buf, vtable)?);
        if vtable_len < 4 || vtable_len % 2 != 0 || vtable.saturating_add(vtable_len) > buf.len() {
            return Err(format!("table at {pos} has a malformed vtable"));
        }
        Ok(Table {
            buf,
            pos,
            vtable,
            vtable_len,
        })
    }

    /// The absolute position of field `idx`, or `None` when absent.
    fn field(&self, idx: usize) -> Result<Option<usize>> {
        let entry = 4 + 2 * idx;
        if entry + 2 > self.vtable_len {
            return Ok(None);
        }
        let off = u16_at(self.buf, self.vtable + entry)?;
        if off == 0 {
            return Ok(None);
        }
        Ok(Some(self.pos + usize::from(off)))
    }

    pub fn u8(&self, idx: usize, default: u8) -> Result<u8> {
        match self.field(idx)? {
            None => Ok(default),
            Some(p) => self
                .buf
                .get(p)
                .copied()
                .ok_or_else(|| format!("field at {p} outside the buffer")),
        }
    }

    pub fn bool(&self, idx: usize, default: bool) -> Result<bool> {
        Ok(self.u8(idx, u8::from(default))? != 0)
    }

    pub fn i16(&self, idx: usize, default: i16) -> Result<i16> {
        match self.field(idx)? {
            None => Ok(default),
            Some(p) => Ok(u16_at(self.buf, p)? as i16),
        }
    }

    pub fn i32(&self, idx: usize, default: i32) -> Result<i32> {
        match self.field(idx)? {
            None => Ok(default),
            Some(p) => Ok(u32_at(self.buf, p)? as i32),
        }
    }

    pub fn i64(&self, idx: usize, default: i64) -> Result<i64> {
        match self.field(idx)? {
            None => Ok(default),
            Some(p) => Ok(u64_at(self.buf, p)? as i64),
        }
    }

    pub fn table(&self, idx: usize) -> Result<Option<Table<'a>>> {
        match self.field(idx)? {
            None => Ok(None),
            Some(p) => Table::at(self.buf, follow(self.buf, p)?).map(Some),
        }
    }

    pub fn string(&self, idx: usize) -> Result<Option<String>> {
        let Some(v) = self.vector(idx, 1)? else {
            return Ok(None);
        };
        let bytes = self
            .buf
            .get(v.start..v.start + v.len)
            .ok_or("string outside the buffer")?;
        Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
    }

    /// A vector of `elem_size`-byte elements (4 for tables, the struct size for structs).
    pub fn vector(&self, idx: usize, elem_size: usize) -> Result<Option<Vector<'a>>> {
        let Some(p) = self.field(idx)? else {
            return Ok(None);
        };
        let at = follow(self.buf, p)?;
        let len = u32_at(self.buf, at)? as usize;
        let start = at + 4;
        let left = self.buf.len().saturating_sub(start);
        if len.checked_mul(elem_size).is_none_or(|n| n > left) {
            return Err(format!(
                "vector of {len} elements at {at} runs past the buffer ({left} bytes left)"
            ));
        }
        Ok(Some(Vector {
            buf: self.buf,
            start,
            len,
            elem_size,
        }))
    }
}

/// A vector whose length has been checked against the buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Vector<'a> {
    buf: &'a [u8],
    start: usize,
    pub len: usize,
    elem_size: usize,
}

impl<'a> Vector<'a> {
    /// Element `i` of a vector of tables.
    pub fn table(&self, i: usize) -> Result<Table<'a>> {
        if i >= self.len {
            return Err(format!("element {i} of a {}-element vector", self.len));
        }
        let p = self.start + i * 4;
        Table::at(self.buf, follow(self.buf, p)?)
    }

    /// The bytes of element `i` of a vector of structs.
    pub fn bytes(&self, i: usize) -> Result<&'a [u8]> {
        if i >= self.len {
            return Err(format!("element {i} of a {}-element vector", self.len));
        }
        let p = self.start + i * self.elem_size;
        self.buf
            .get(p..p + self.elem_size)
            .ok_or_else(|| "struct outside the buffer".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// root offset 12 → table at 12 whose vtable is at 4: [vt_len 8, tbl_len 8, f0 at +4, f1 absent]
    fn sample() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&12u32.to_le_bytes()); // 0: root
        b.extend_from_slice(&8u16.to_le_bytes()); // 4: vtable len
        b.extend_from_slice(&8u16.to_le_bytes()); // 6: table len
        b.extend_from_slice(&4u16.to_le_bytes()); // 8: field 0 at +4
        b.extend_from_slice(&0u16.to_le_bytes()); // 10: field 1 absent
        b.extend_from_slice(&8i32.to_le_bytes()); // 12: soffset → vtable at 4
        b.extend_from_slice(&77i32.to_le_bytes()); // 16: field 0
        b
    }

    #[test]
    fn reads_fields_and_defaults() {
        let b = sample();
        let t = Table::root(&b).unwrap();
        assert_eq!(t.i32(0, 0).unwrap(), 77);
        assert_eq!(t.i32(1, 5).unwrap(), 5);
        assert_eq!(t.i32(9, 6).unwrap(), 6);
        assert!(t.table(1).unwrap().is_none());
    }

    #[test]
    fn bad_offsets_are_errors() {
        let mut b = sample();
        b[0] = 200;
        assert!(Table::root(&b).is_err());
        let mut b = sample();
        b[12..16].copy_from_slice(&(-100i32).to_le_bytes());
        assert!(Table::root(&b).is_err());
        let mut b = sample();
        b[4..6].copy_from_slice(&1000u16.to_le_bytes());
        assert!(Table::root(&b).is_err());
        // field 0 read as a vector: offset 77 points outside
        let b = sample();
        let t = Table::root(&b).unwrap();
        assert!(t.vector(0, 4).is_err());
        assert!(t.string(0).is_err());
        assert!(Table::root(&[]).is_err());
    }

    #[test]
    fn vector_length_checked() {
        // table with field 0 → vector claiming u32::MAX elements
        let mut b = sample();
        b[16..20].copy_from_slice(&4u32.to_le_bytes()); // vector at 20
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        let t = Table::root(&b).unwrap();
        assert!(t.vector(0, 4).unwrap_err().contains("runs past"));
        let n = b.len();
        b[n - 4..].copy_from_slice(&0u32.to_le_bytes());
        let t = Table::root(&b).unwrap();
        let v = t.vector(0, 4).unwrap().unwrap();
        assert_eq!(v.len, 0);
        assert!(v.table(0).is_err());
        assert!(v.bytes(0).is_err());
    }
}
