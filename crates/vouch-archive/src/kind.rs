//! Container kinds and sniffing them from magic bytes.
//!
//! A file's extension is chosen by whoever made it, so it is never consulted: `model.bin` may be a
//! zip, a tar or a bare pickle. [`sniff`] looks only at the first bytes and must never call a
//! pickle a container, since that would hide the pickle from the scanner. Pickles start with
//! `0x80` (protocol 2+) or with an ASCII opcode such as `(`, `]`, `}`, `c`; each check below says
//! why it cannot match one.

use std::fmt;

/// A kind of container this crate can open: a multi-entry archive or a single compressed stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerKind {
    /// PKZIP archive (PyTorch checkpoints, NumPy `.npz`, Keras `.keras`).
    Zip,
    /// POSIX/GNU tar, or old v7 tar (PyTorch's legacy format).
    Tar,
    /// 7-Zip archive.
    SevenZ,
    /// gzip stream, possibly several members concatenated.
    Gzip,
    /// bzip2 stream, possibly several concatenated.
    Bzip2,
    /// xz stream.
    Xz,
    /// Legacy `.lzma` ("LZMA alone") stream, as written by joblib.
    LzmaAlone,
    /// zlib stream (RFC 1950).
    Zlib,
    /// LZ4 frame stream.
    Lz4Frame,
    /// joblib's pre-0.10 `ZF` format: `ZF`, a hex length padded to 19 bytes, then zlib data.
    JoblibZf,
}

impl ContainerKind {
    /// Every kind, for iteration in tests and documentation.
    pub const ALL: [ContainerKind; 10] = [
        ContainerKind::Zip,
        ContainerKind::Tar,
        ContainerKind::SevenZ,
        ContainerKind::Gzip,
        ContainerKind::Bzip2,
        ContainerKind::Xz,
        ContainerKind::LzmaAlone,
        ContainerKind::Zlib,
        ContainerKind::Lz4Frame,
        ContainerKind::JoblibZf,
    ];

    /// Stable lower-case name, used in reports.
    pub fn name(self) -> &'static str {
        match self {
            ContainerKind::Zip => "zip",
            ContainerKind::Tar => "tar",
            ContainerKind::SevenZ => "7z",
            ContainerKind::Gzip => "gzip",
            ContainerKind::Bzip2 => "bzip2",
            ContainerKind::Xz => "xz",
            ContainerKind::LzmaAlone => "lzma",
            ContainerKind::Zlib => "zlib",
            ContainerKind::Lz4Frame => "lz4",
            ContainerKind::JoblibZf => "joblib-zf",
        }
    }

    /// True for a single compressed stream (use [`crate::decompress`]), false for a multi-entry
    /// archive (use [`crate::Archive::open`]).
    pub fn is_stream(self) -> bool {
        !matches!(
            self,
            ContainerKind::Zip | ContainerKind::Tar | ContainerKind::SevenZ
        )
    }
}

impl fmt::Display for ContainerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How many leading bytes [`sniff`] wants to see; fewer are fine, more are ignored.
pub const SNIFF_LEN: usize = 512;

/// Length of the field after `ZF` holding joblib's hex length (`len(hex(2**64))`).
pub(crate) const JOBLIB_ZF_LEN_FIELD: usize = 19;

/// Identifies a container by its magic bytes only, never by extension.
///
/// `head` is the first up-to-[`SNIFF_LEN`] bytes of the data. Returns `None` for anything else,
/// including every pickle. A tar without the `ustar` magic (old v7 format) is recognised only
/// when all 512 bytes of its first header are present and its checksum is right.
pub fn sniff(head: &[u8]) -> Option<ContainerKind> {
    // Fixed-prefix magics first. None starts with 0x80 or a byte a protocol 0/1 pickle starts
    // with, except where noted.
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Some(ContainerKind::Zip);
    }
    if head.starts_with(&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) {
        return Some(ContainerKind::SevenZ);
    }
    if head.starts_with(&[0x1F, 0x8B]) {
        return Some(ContainerKind::Gzip);
    }
    if let [b'B', b'Z', b'h', level, ..] = head
        && (b'1'..=b'9').contains(level)
    {
        return Some(ContainerKind::Bzip2);
    }
    if head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
        return Some(ContainerKind::Xz);
    }
    if head.starts_with(&[0x04, 0x22, 0x4D, 0x18]) {
        return Some(ContainerKind::Lz4Frame);
    }
    if is_joblib_zf(head) {
        return Some(ContainerKind::JoblibZf);
    }
    if is_zlib_header(head) {
        // 'x' (0x78) is not a pickle opcode.
        return Some(ContainerKind::Zlib);
    }
    if is_lzma_alone(head) {
        // 0x5D is ']' (EMPTY_LIST), so a protocol 1 pickle may start with it: the dictionary
        // size and length checks make a pickle match practically impossible.
        return Some(ContainerKind::LzmaAlone);
    }
    if is_tar(head) {
        return Some(ContainerKind::Tar);
    }
    None
}

/// zlib: CM = 8 with a 32 KiB window (0x78), and one of the four FLG bytes without a preset
/// dictionary whose header checksum holds (`(CMF * 256 + FLG) % 31 == 0`).
fn is_zlib_header(head: &[u8]) -> bool {
    match head {
        [cmf @ 0x78, flg @ (0x01 | 0x5E | 0x9C | 0xDA), ..] => {
            (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// LZMA alone: properties byte 0x5D (lc=3, lp=0, pb=2, every encoder's default), a dictionary
/// size that an encoder would choose (2^n or 3 * 2^n, 4 KiB to 1.5 GiB), and an uncompressed
/// size that is either "unknown" (all ones) or below 2^48.
fn is_lzma_alone(head: &[u8]) -> bool {
    let [0x5D, d0, d1, d2, d3, s0, s1, s2, s3, s4, s5, s6, s7, ..] = *head else {
        return false;
    };
    let dict = u32::from_le_bytes([d0, d1, d2, d3]);
    let size = u64::from_le_bytes([s0, s1, s2, s3, s4, s5, s6, s7]);
    let plausible_dict = (4096..=(3 << 29)).contains(&dict)
        && (dict.is_power_of_two() || (dict % 3 == 0 && (dict / 3).is_power_of_two()));
    plausible_dict && (size == u64::MAX || size < (1 << 48))
}

/// joblib ZF: `ZF`, then `0x` and hex digits left-justified with spaces to 19 bytes
/// (`'{:#x}'.format(len).ljust(19)`), then (after one optional space) a zlib header.
fn is_joblib_zf(head: &[u8]) -> bool {
    let Some(rest) = head.strip_prefix(b"ZF0x") else {
        return false;
    };
    let Some(field) = rest.get(..JOBLIB_ZF_LEN_FIELD - 2) else {
        return false;
    };
    let digits = field.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let tail = field.get(digits..).unwrap_or_default();
    let tail = tail.strip_prefix(b"L").unwrap_or(tail); // Python 2 longs printed as 0x10L
    if digits == 0 || !tail.iter().all(|b| *b == b' ') {
        return false;
    }
    let after = rest.get(JOBLIB_ZF_LEN_FIELD - 2..).unwrap_or_default();
    let after = after.strip_prefix(b" ").unwrap_or(after);
    // With the head cut short, the field alone decides.
    after.len() < 2 || is_zlib_header(after)
}

/// Tar: the `ustar` magic at offset 257 (POSIX `ustar\0` and GNU `ustar  \0`), or an old v7
/// header whose checksum is right.
fn is_tar(head: &[u8]) -> bool {
    if head.get(257..262) == Some(b"ustar".as_slice()) {
        return true;
    }
    match head.get(..512) {
        Some(block) => crate::tar::v7_header_plausible(block),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_distinct() {
        let names: std::collections::HashSet<_> =
            ContainerKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), ContainerKind::ALL.len());
        assert_eq!(ContainerKind::SevenZ.name(), "7z");
        assert_eq!(ContainerKind::JoblibZf.to_string(), "joblib-zf");
    }

    #[test]
    fn streams_and_archives() {
        for kind in ContainerKind::ALL {
            let archive = matches!(
                kind,
                ContainerKind::Zip | ContainerKind::Tar | ContainerKind::SevenZ
            );
            assert_eq!(kind.is_stream(), !archive, "{kind}");
        }
    }

    #[test]
    fn pickles_are_not_containers() {
        let pickles: &[&[u8]] = &[
            b"\x80\x04\x95\x15\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.",
            b"\x80\x02}q\x00.",
            b"(dp0\nS'a'\np1\nI1\ns.",
            b"]q\x00",
            b"]q\x00(K\x01K\x02e.",
            b"]q\x00(X\x01\x00\x00\x00aq\x01e.",
            b"}q\x00X\x01\x00\x00\x00aq\x01K\x01s.",
            b"cos\nsystem\n(S'echo hi'\ntR.",
            b"I42\n.",
            b"(lp0\nI1\na.",
            b"N.",
        ];
        for p in pickles {
            assert_eq!(sniff(p), None, "{p:?}");
        }
    }

    #[test]
    fn text_is_not_a_container() {
        for text in [
            &b"hello world, this is not an archive"[..],
            b"",
            b"P",
            b"PK",
            b"x",
            b"ZF",
            b"ZF0xzz                 x\x9c",
            b"BZh0",
            b"{\"json\": true}",
            &[b'a'; 600],
            &[0u8; 600],
        ] {
            assert_eq!(sniff(text), None, "{text:?}");
        }
    }

    #[test]
    fn every_kind_is_sniffed_from_real_encoder_output() {
        let data = b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01K\x02e.".repeat(50);
        for kind in ContainerKind::ALL {
            let bytes = crate::testutil::compress(kind, &data);
            let head = &bytes[..bytes.len().min(SNIFF_LEN)];
            assert_eq!(sniff(head), Some(kind), "{kind}");
        }
        assert_eq!(sniff(b"PK\x05\x06\0\0\0\0"), Some(ContainerKind::Zip));
    }

    #[test]
    fn zlib_header_check() {
        for flg in [0x01, 0x5E, 0x9C, 0xDA] {
            assert_eq!(sniff(&[0x78, flg, 0, 0]), Some(ContainerKind::Zlib));
        }
        assert_eq!(sniff(&[0x78, 0x9D, 0, 0]), None);
        assert_eq!(sniff(b"xyz"), None);
    }

    #[test]
    fn lzma_alone_plausibility() {
        let mut head = vec![0x5D];
        head.extend_from_slice(&(1u32 << 23).to_le_bytes());
        head.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(sniff(&head), Some(ContainerKind::LzmaAlone));
        head[1..5].copy_from_slice(&(3u32 << 20).to_le_bytes());
        assert_eq!(sniff(&head), Some(ContainerKind::LzmaAlone));
        head[1..5].copy_from_slice(&12345u32.to_le_bytes());
        assert_eq!(sniff(&head), None);
        head[1..5].copy_from_slice(&(1u32 << 23).to_le_bytes());
        head[5..13].copy_from_slice(&(1u64 << 60).to_le_bytes());
        assert_eq!(sniff(&head), None);
    }

    #[test]
    fn joblib_zf_header() {
        let mut data = b"ZF".to_vec();
        data.extend_from_slice(format!("{:<19}", "0x1f4").as_bytes());
        data.extend_from_slice(&[0x78, 0x9C, 0x01]);
        assert_eq!(sniff(&data), Some(ContainerKind::JoblibZf));
        // Old Python 2 writers put one more space before the zlib data.
        let mut wide = b"ZF".to_vec();
        wide.extend_from_slice(format!("{:<20}", "0x1f4").as_bytes());
        wide.extend_from_slice(&[0x78, 0x9C, 0x01]);
        assert_eq!(sniff(&wide), Some(ContainerKind::JoblibZf));
        let mut bad = b"ZF".to_vec();
        bad.extend_from_slice(format!("{:<19}", "0x1f4 junk").as_bytes());
        assert_eq!(sniff(&bad), None);
    }
}
