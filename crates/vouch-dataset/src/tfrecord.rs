//! TFRecord: records of `u64 length`, `u32 masked CRC-32C of the length`, `length` bytes of
//! data, `u32 masked CRC-32C of the data`. Rows are records, counted by reading each 12-byte
//! header (the length's checksum is verified, so a file that is not TFRecord is recognised at
//! once) and seeking over the data, which is never read.

use std::io::{BufReader, Read, Seek, SeekFrom};

use crate::{FileInfo, Limits};

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) lookup table. Built at compile time,
/// where an index out of range is a compile error, not a panic.
#[allow(clippy::indexing_slicing)]
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        let idx = usize::from((crc as u8) ^ b);
        crc = CRC_TABLE.get(idx).copied().unwrap_or(0) ^ (crc >> 8);
    }
    !crc
}

/// TensorFlow's masked CRC: rotated and offset so that CRCs of CRCs stay well spread.
fn masked_crc(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(0xA282_EAD8)
}

pub(crate) fn inspect<R: Read + Seek>(r: R, len: u64, limits: &Limits, info: &mut FileInfo) {
    match count(r, len, limits) {
        Ok(rows) => info.rows = Some(rows),
        Err(note) => info.note(note),
    }
}

fn count<R: Read + Seek>(r: R, len: u64, limits: &Limits) -> Result<u64, String> {
    let mut r = BufReader::with_capacity(64 << 10, r);
    r.seek(SeekFrom::Start(0))
        .map_err(|e| format!("read error: {e}"))?;
    let mut pos: u64 = 0;
    let mut records: u64 = 0;
    let mut header = [0u8; 12];
    while pos < len {
        if records >= limits.max_batches as u64 {
            return Err(format!(
                "more than {} records (limit max_batches); rows not counted",
                limits.max_batches
            ));
        }
        if len - pos < 16 {
            return Err(format!(
                "malformed TFRecord: truncated record at offset {pos}"
            ));
        }
        r.read_exact(&mut header)
            .map_err(|e| format!("cannot read the record at offset {pos}: {e}"))?;
        let [l0, l1, l2, l3, l4, l5, l6, l7, c0, c1, c2, c3] = header;
        let length_bytes = [l0, l1, l2, l3, l4, l5, l6, l7];
        if masked_crc(&length_bytes) != u32::from_le_bytes([c0, c1, c2, c3]) {
            return Err(format!(
                "not a TFRecord file: bad length checksum at offset {pos}; rows not counted"
            ));
        }
        let length = u64::from_le_bytes(length_bytes);
        let end = length
            .checked_add(16)
            .and_then(|n| pos.checked_add(n))
            .filter(|end| *end <= len)
            .ok_or_else(|| {
                format!("malformed TFRecord: record of {length} bytes at offset {pos} runs past the end of the file")
            })?;
        // Skip the data and its checksum (at most `len`, checked above).
        let skip = i64::try_from(length + 4).map_err(|e| e.to_string())?;
        r.seek_relative(skip)
            .map_err(|e| format!("cannot seek at offset {pos}: {e}"))?;
        pos = end;
        records += 1;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn record(data: &[u8]) -> Vec<u8> {
        let len = (data.len() as u64).to_le_bytes();
        let mut out = len.to_vec();
        out.extend_from_slice(&masked_crc(&len).to_le_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(&masked_crc(data).to_le_bytes());
        out
    }

    fn run(bytes: &[u8], limits: &Limits) -> FileInfo {
        let mut info = FileInfo::new("tfrecord");
        inspect(Cursor::new(bytes), bytes.len() as u64, limits, &mut info);
        info
    }

    #[test]
    fn crc32c_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn counts_records() {
        let mut f = Vec::new();
        for i in 0..5u8 {
            f.extend(record(&vec![i; usize::from(i) * 100]));
        }
        assert_eq!(run(&f, &Limits::default()).rows, Some(5));
        assert_eq!(run(b"", &Limits::default()).rows, Some(0));
        let two = Limits {
            max_batches: 2,
            ..Limits::default()
        };
        assert!(run(&f, &two).notes[0].contains("max_batches"));
        let cut = &f[..f.len() - 1];
        assert!(run(cut, &Limits::default()).notes[0].contains("runs past"));
        let mut bad = f.clone();
        bad[8] ^= 1;
        assert!(run(&bad, &Limits::default()).notes[0].contains("not a TFRecord"));
        let info = run(b"id,text\n1,hello world\n", &Limits::default());
        assert_eq!(info.rows, None);
        assert!(info.notes[0].contains("not a TFRecord"), "{:?}", info.notes);
    }
}
