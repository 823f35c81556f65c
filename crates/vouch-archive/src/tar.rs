//! Tar: a header walker that follows Python's `tarfile`, the reader PyTorch's legacy format
//! is loaded with.
//!
//! Why not the `tar` crate: it reads GNU long names and PAX headers into memory whatever their
//! declared size, and it skips data after link and directory headers where `tarfile` does not,
//! so the two would see different members in the same bytes. This walker seeks over member
//! data, caps extension headers at [`MAX_EXTENSION`], and mirrors `tarfile` on which headers
//! carry data. Supports v7, ustar (with prefix), GNU (long names and links, base-256 sizes, old
//! sparse headers) and PAX (`path`, `linkpath`, `size`, global headers).

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom};

use crate::ArchiveError;
use crate::archive::{Cap, Entry, EntryKind, Listing, ReadSeek, finish, lossy};
use crate::capped::{MemberData, Stop, Tap, TapState, drain, read_full};

const BLOCK: u64 = 512;
/// Largest GNU long-name or PAX header read into memory.
pub(crate) const MAX_EXTENSION: u64 = 1 << 20;

/// A parsed header block.
#[derive(Debug)]
struct Header {
    name: Vec<u8>,
    link: Vec<u8>,
    size: u64,
    typeflag: u8,
    /// Old GNU sparse header followed by extension blocks.
    sparse_extended: bool,
}

/// Whether a 512-byte block looks like a v7 tar header: its checksum is right, it has a name,
/// and its type is one v7 knows. Used by [`crate::sniff`] when there is no `ustar` magic.
pub(crate) fn v7_header_plausible(block: &[u8]) -> bool {
    match parse_header(block) {
        Ok(h) => {
            block.first().is_some_and(|b| *b != 0)
                && matches!(h.typeflag, 0 | b'0'..=b'7')
                && !h.name.is_empty()
        }
        Err(_) => false,
    }
}

/// Bytes up to the first NUL.
fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    field.get(..end).unwrap_or_default()
}

/// A numeric field: octal text (Python's `nti`), or GNU base-256 when the top bit is set.
fn number(field: &[u8]) -> Result<u64, String> {
    match field.first() {
        Some(0x80) => {
            let mut value: u64 = 0;
            for b in field.get(1..).unwrap_or_default() {
                value = value
                    .checked_mul(256)
                    .and_then(|v| v.checked_add(u64::from(*b)))
                    .ok_or("base-256 number overflows 64 bits")?;
            }
            Ok(value)
        }
        Some(0xFF) => Err("negative base-256 number".to_owned()),
        _ => {
            let text = cstr(field);
            let text = text.trim_ascii();
            let mut value: u64 = 0;
            for b in text {
                if !(b'0'..=b'7').contains(b) {
                    return Err(format!("invalid octal field {:?}", lossy(field)));
                }
                value = value
                    .checked_mul(8)
                    .and_then(|v| v.checked_add(u64::from(b - b'0')))
                    .ok_or("octal number overflows 64 bits")?;
            }
            Ok(value)
        }
    }
}

fn parse_header(block: &[u8]) -> Result<Header, String> {
    let field = |from: usize, to: usize| block.get(from..to).unwrap_or_default();
    if block.len() != BLOCK as usize {
        return Err("short header block".to_owned());
    }
    let stored = number(field(148, 156))?;
    let chk_field = field(148, 156);
    let unsigned: u64 = block.iter().map(|b| u64::from(*b)).sum::<u64>()
        - chk_field.iter().map(|b| u64::from(*b)).sum::<u64>()
        + 8 * u64::from(b' ');
    let signed: i64 = block.iter().map(|b| i64::from(*b as i8)).sum::<i64>()
        - chk_field.iter().map(|b| i64::from(*b as i8)).sum::<i64>()
        + 8 * i64::from(b' ');
    if stored != unsigned && i64::try_from(stored).ok() != Some(signed) {
        return Err(format!(
            "header checksum {stored} does not match the computed {unsigned}"
        ));
    }
    let typeflag = block.get(156).copied().unwrap_or(0);
    let mut name = cstr(field(0, 100)).to_vec();
    let prefix = cstr(field(345, 500));
    let gnu_type = matches!(typeflag, b'L' | b'K' | b'S');
    // Like tarfile, whatever the magic says: a non-empty prefix is joined to the name.
    if !prefix.is_empty() && !gnu_type {
        let mut full = prefix.to_vec();
        full.push(b'/');
        full.extend_from_slice(&name);
        name = full;
    }
    Ok(Header {
        name,
        link: cstr(field(157, 257)).to_vec(),
        size: number(field(124, 136))?,
        typeflag,
        sparse_extended: typeflag == b'S' && block.get(482).is_some_and(|b| *b != 0),
    })
}

/// PAX records by key; later records replace earlier ones.
type Pax = BTreeMap<String, Vec<u8>>;

/// PAX records (`"<len> <key>=<value>\n"`), stopping at the first malformed one.
fn parse_pax(data: &[u8], into: &mut Pax) -> Result<(), String> {
    let mut rest = data;
    while !rest.is_empty() && rest.first() != Some(&0) {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let len: usize = std::str::from_utf8(rest.get(..digits).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("PAX record without a length")?;
        let record = rest
            .get(..len)
            .filter(|r| len > digits + 1 && r.last() == Some(&b'\n'))
            .ok_or("PAX record length is wrong")?;
        let body = record.get(digits + 1..len - 1).unwrap_or_default();
        let eq = body
            .iter()
            .position(|b| *b == b'=')
            .ok_or("PAX record without '='")?;
        let key = lossy(body.get(..eq).unwrap_or_default());
        let value = body.get(eq + 1..).unwrap_or_default().to_vec();
        into.insert(key, value);
        rest = rest.get(len..).unwrap_or_default();
    }
    Ok(())
}

/// A PAX value for the next entry: its own headers first, then global ones.
fn pax_get<'a>(local: &'a Pax, global: &'a Pax, key: &str) -> Option<&'a [u8]> {
    local
        .get(key)
        .or_else(|| global.get(key))
        .map(Vec::as_slice)
}

/// An opened tar: the reader; entries carry their data offsets.
pub(crate) struct TarReader {
    reader: Box<dyn ReadSeek>,
}

pub(crate) fn open(
    mut reader: Box<dyn ReadSeek>,
    listing: &mut Listing,
) -> Result<TarReader, ArchiveError> {
    let file_len = reader
        .seek(SeekFrom::End(0))
        .map_err(ArchiveError::io("finding the tar's length"))?;
    walk(reader.as_mut(), file_len, listing).map_err(ArchiveError::io("reading tar headers"))?;
    Ok(TarReader { reader })
}

/// Extension headers seen since the last entry, applied to the next one.
#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Pax,
}

fn walk(r: &mut dyn ReadSeek, file_len: u64, listing: &mut Listing) -> io::Result<()> {
    let mut pos: u64 = 0;
    let mut pending = Pending::default();
    let mut global_pax = Pax::new();
    let mut global_pax_bytes: u64 = 0;
    // Extension headers do not count as entries, but must not go on forever either.
    let header_budget = listing
        .limits
        .max_archive_entries
        .saturating_mul(4)
        .saturating_add(64);
    let mut headers: u64 = 0;
    let mut block = [0u8; BLOCK as usize];
    loop {
        if pos >= file_len {
            break; // no end-of-archive blocks: tolerated, like tarfile
        }
        r.seek(SeekFrom::Start(pos))?;
        let got = read_full(r, &mut block)?;
        if got < block.len() {
            listing.corrupt(format!(
                "tar header at offset {pos} is truncated ({got} of 512 bytes)"
            ));
            break;
        }
        if block.iter().all(|b| *b == 0) {
            break; // end of archive
        }
        let header = match parse_header(&block) {
            Ok(h) => h,
            Err(e) => {
                listing.corrupt(format!("tar header at offset {pos}: {e}"));
                break;
            }
        };
        headers += 1;
        if headers > header_budget {
            listing.too_many(None);
            break;
        }
        let mut data_offset = pos.saturating_add(BLOCK);
        // Old GNU sparse headers are followed by extension blocks before the data.
        if header.sparse_extended {
            loop {
                r.seek(SeekFrom::Start(data_offset))?;
                if read_full(r, &mut block)? < block.len() {
                    listing.corrupt(format!("tar sparse header at offset {pos} is truncated"));
                    return Ok(());
                }
                data_offset = data_offset.saturating_add(BLOCK);
                if block.get(504).is_none_or(|b| *b == 0) {
                    break;
                }
            }
        }
        let is_extension = matches!(header.typeflag, b'L' | b'K' | b'x' | b'g' | b'X');
        let mut size = header.size;
        if !is_extension && let Some(text) = pax_get(&pending.pax, &global_pax, "size") {
            match std::str::from_utf8(text).ok().and_then(|s| s.parse().ok()) {
                Some(s) => size = s,
                None => {
                    listing.corrupt(format!(
                        "tar PAX size {:?} at offset {pos} is not a number",
                        lossy(text)
                    ));
                    break;
                }
            }
        }
        // Like tarfile: links, directories and devices have no data blocks whatever their
        // size field says; regular files and unknown types do.
        let name_is_dir = header.name.last() == Some(&b'/');
        let has_data =
            !(matches!(header.typeflag, b'1'..=b'6') || (header.typeflag == 0 && name_is_dir));
        let data_len = if has_data { size } else { 0 };
        let Some(next) = data_len
            .checked_add(BLOCK - 1)
            .map(|s| s / BLOCK * BLOCK)
            .and_then(|padded| data_offset.checked_add(padded))
        else {
            listing.corrupt(format!(
                "tar header at offset {pos} declares an impossible size {size}"
            ));
            break;
        };
        let available = file_len.saturating_sub(data_offset);
        if is_extension {
            if size > MAX_EXTENSION {
                listing.corrupt(format!(
                    "tar extension header at offset {pos} is {size} bytes, over the {MAX_EXTENSION} this reader accepts"
                ));
                break;
            }
            if size > available {
                listing.corrupt(format!(
                    "tar extension header at offset {pos} is truncated: declares {size} bytes, {available} remain"
                ));
                break;
            }
            let mut data = Vec::new();
            r.seek(SeekFrom::Start(data_offset))?;
            r.take(size).read_to_end(&mut data)?;
            match header.typeflag {
                b'L' => pending.long_name = Some(cstr(&data).to_vec()),
                b'K' => pending.long_link = Some(cstr(&data).to_vec()),
                b'g' => {
                    global_pax_bytes = global_pax_bytes.saturating_add(size);
                    if global_pax_bytes > MAX_EXTENSION {
                        listing.corrupt(format!(
                            "tar global PAX headers exceed {MAX_EXTENSION} bytes at offset {pos}"
                        ));
                        break;
                    }
                    if let Err(e) = parse_pax(&data, &mut global_pax) {
                        listing.corrupt(format!("tar global PAX header at offset {pos}: {e}"));
                    }
                }
                _ => {
                    if let Err(e) = parse_pax(&data, &mut pending.pax) {
                        listing.corrupt(format!("tar PAX header at offset {pos}: {e}"));
                    }
                }
            }
            pos = next;
            continue;
        }
        if listing.full() {
            listing.too_many(None);
            break;
        }
        let name_bytes = pax_get(&pending.pax, &global_pax, "path")
            .map(<[u8]>::to_vec)
            .or_else(|| pending.long_name.take())
            .unwrap_or_else(|| header.name.clone());
        let link_bytes = pax_get(&pending.pax, &global_pax, "linkpath")
            .map(<[u8]>::to_vec)
            .or_else(|| pending.long_link.take())
            .unwrap_or_else(|| header.link.clone());
        let sparse = header.typeflag == b'S'
            || pending
                .pax
                .keys()
                .chain(global_pax.keys())
                .any(|k| k.starts_with("GNU.sparse."));
        let kind = match header.typeflag {
            _ if sparse => EntryKind::Other,
            b'1' | b'2' => EntryKind::Symlink {
                target: lossy(&link_bytes),
            },
            b'5' | b'D' => EntryKind::Dir,
            0 if name_is_dir => EntryKind::Dir,
            0 | b'0' | b'7' => EntryKind::File,
            _ => EntryKind::Other,
        };
        pending = Pending::default();
        let truncated = data_len > available;
        let name = lossy(&name_bytes);
        listing.push(Entry {
            index: 0,
            name: name.clone(),
            size,
            compressed_size: size,
            kind,
            encrypted: false,
            data_offset: Some(data_offset),
        });
        if truncated {
            listing.corrupt(format!(
                "tar member {name:?} is truncated: declares {size} bytes at offset {data_offset}, {available} remain"
            ));
            break;
        }
        pos = next;
    }
    Ok(())
}

impl TarReader {
    /// Reads one member's stored bytes under `cap`. Returns the data and the bytes read.
    pub(crate) fn read(
        &mut self,
        entry: &Entry,
        cap: &Cap,
    ) -> Result<(MemberData, u64), ArchiveError> {
        let what = format!("tar member {:?}", entry.name);
        let offset = entry.data_offset.unwrap_or(0);
        self.reader
            .seek(SeekFrom::Start(offset))
            .map_err(ArchiveError::io("seeking to tar member data"))?;
        let state = TapState::default();
        let mut data = Tap::new((&mut self.reader).take(entry.size), &state);
        let drained = drain(&mut data, cap.bytes, true, None, Some(&state))
            .map_err(ArchiveError::io("reading tar member data"))?;
        let mut issues = Vec::new();
        if drained.stop == Stop::End && drained.produced < entry.size {
            issues.push(crate::Issue::corrupt(format!(
                "{what} ends after {} of its {} declared bytes",
                drained.produced, entry.size
            )));
        }
        let work = drained.produced;
        Ok((
            finish(drained, cap, &entry.name, &what, Some(entry.size), issues),
            work,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use crate::{Archive, ArchiveError, ContainerKind, Issue, sniff};
    use vouch_core::Limits;

    fn tar(bytes: Vec<u8>) -> Archive {
        crate::testutil::open(ContainerKind::Tar, bytes)
    }

    fn end(mut out: Vec<u8>) -> Vec<u8> {
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    #[test]
    fn pytorch_legacy_layout() {
        let bytes = real_tar(&[
            ("sys_info", b"\x80\x02}q\x00."),
            ("pickle", b"\x80\x02N."),
            ("storages", b"\x80\x02K\x00."),
            ("tensors", b"\x80\x02K\x00."),
        ]);
        assert_eq!(sniff(&bytes[..512]), Some(ContainerKind::Tar));
        let mut a = tar(bytes);
        assert_eq!(a.issues(), &[]);
        let names: Vec<_> = a.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["sys_info", "pickle", "storages", "tensors"]);
        assert_eq!(a.entries()[1].data_offset, Some(512 * 3));
        assert_eq!(a.read(1, 100).unwrap().bytes, b"\x80\x02N.");
    }

    #[test]
    fn gnu_long_names_and_pax_paths() {
        let long = format!("{}/data.pkl", "d".repeat(150));
        let mut a = tar(real_tar(&[(long.as_str(), b"x")]));
        assert_eq!(a.entries()[0].name, long);
        assert_eq!(a.read(0, 10).unwrap().bytes, b"x");

        let pax_name = format!("{}/pax.pkl", "p".repeat(200));
        let record = {
            let body = format!(" path={pax_name}\n");
            let mut len = body.len();
            while len != len.to_string().len() + body.len() {
                len = len.to_string().len() + body.len();
            }
            format!("{len}{body}")
        };
        let mut out = Vec::new();
        tar_push(
            &mut out,
            tar_header(b"PaxHeader", record.len() as u64, b'x', b"", true),
            record.as_bytes(),
        );
        tar_push(&mut out, tar_header(b"short", 3, b'0', b"", true), b"abc");
        let mut a = tar(end(out));
        assert_eq!(a.issues(), &[]);
        assert_eq!(a.entries()[0].name, pax_name);
        assert_eq!(a.read(0, 10).unwrap().bytes, b"abc");
    }

    #[test]
    fn ustar_prefix_is_joined() {
        let mut h = tar_header(b"data.pkl", 1, b'0', b"", true);
        h[345..352].copy_from_slice(b"archive");
        set_tar_checksum(&mut h);
        let mut out = Vec::new();
        tar_push(&mut out, h, b"x");
        assert_eq!(tar(end(out)).entries()[0].name, "archive/data.pkl");
    }

    #[test]
    fn links_are_reported_and_carry_no_data() {
        let mut out = Vec::new();
        // A symlink whose size field claims data: tarfile reads the next header right after
        // it, and so must we, or a member could hide in the "data".
        tar_push(
            &mut out,
            tar_header(b"link", 512, b'2', b"../../etc/passwd", true),
            b"",
        );
        tar_push(
            &mut out,
            tar_header(b"hard", 0, b'1', b"/etc/shadow", true),
            b"",
        );
        tar_push(
            &mut out,
            tar_header(b"hidden.pkl", 4, b'0', b"", true),
            b"evil",
        );
        let mut a = tar(end(out));
        let names: Vec<_> = a.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["link", "hard", "hidden.pkl"]);
        assert_eq!(
            a.entries()[0].kind,
            EntryKind::Symlink {
                target: "../../etc/passwd".into()
            }
        );
        assert_eq!(
            a.issues(),
            &[
                Issue::Symlink {
                    name: "link".into(),
                    target: "../../etc/passwd".into()
                },
                Issue::Symlink {
                    name: "hard".into(),
                    target: "/etc/shadow".into()
                }
            ]
        );
        assert!(matches!(a.read(0, 10), Err(ArchiveError::NotAFile { .. })));
        assert_eq!(a.read(2, 10).unwrap().bytes, b"evil");
    }

    #[test]
    fn traversal_and_duplicates() {
        let mut out = Vec::new();
        for name in [&b"../../etc/passwd"[..], b"/abs", b"C:\\x", b"ok", b"ok"] {
            tar_push(&mut out, tar_header(name, 1, b'0', b"", true), b"x");
        }
        let a = tar(end(out));
        let codes: Vec<_> = a
            .issues()
            .iter()
            .map(|i| (i.code(), i.name().unwrap_or("")))
            .collect();
        assert_eq!(
            codes,
            [
                ("path-traversal", "../../etc/passwd"),
                ("path-traversal", "/abs"),
                ("path-traversal", "C:\\x"),
                ("duplicate-name", "ok")
            ]
        );
    }

    #[test]
    fn too_many_entries() {
        let members: Vec<(String, &[u8])> = (0..10).map(|i| (format!("f{i}"), &b"x"[..])).collect();
        let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        let limits = Limits {
            max_archive_entries: 4,
            ..limits()
        };
        let a = open_with(ContainerKind::Tar, real_tar(&refs), &limits);
        assert_eq!(a.entries().len(), 4);
        assert_eq!(a.issues(), &[Issue::TooManyEntries { count: 5, limit: 4 }]);
    }

    #[test]
    fn truncated_tar_keeps_what_was_listed() {
        let data = vec![9u8; 5000];
        let bytes = real_tar(&[("a", b"first"), ("b", &data)]);
        let cut = bytes[..512 * 3 + 1000].to_vec();
        let mut a = tar(cut);
        assert_eq!(a.entries().len(), 2);
        assert!(corrupt_details(a.issues())[0].contains("truncated"));
        assert_eq!(a.read(0, 100).unwrap().bytes, b"first");
        let d = a.read(1, u64::MAX).unwrap();
        assert_eq!(d.bytes.len(), 1000);
        assert!(has(&d.issues, "corrupt"));
        for cut in (0..bytes.len()).step_by(7) {
            let mut a = tar(bytes[..cut].to_vec());
            for i in 0..a.entries().len() {
                let _ = a.read(i, 1 << 20);
            }
        }
    }

    #[test]
    fn bad_checksum_and_oversized_extension() {
        let mut h = tar_header(b"a", 1, b'0', b"", true);
        h[0] = b'b'; // checksum now wrong
        let mut out = Vec::new();
        tar_push(&mut out, h, b"x");
        let a = tar(end(out));
        assert!(a.entries().is_empty());
        assert!(corrupt_details(a.issues())[0].contains("checksum"));

        let mut out = Vec::new();
        tar_push(&mut out, tar_header(b"L", 2 << 20, b'L', b"", true), b"");
        let a = tar(end(out));
        assert!(corrupt_details(a.issues())[0].contains("over the"));
    }

    #[test]
    fn member_limit_and_base256_size() {
        let data = vec![1u8; 3000];
        let limits = Limits {
            max_member_bytes: 1000,
            ..limits()
        };
        let mut a = open_with(ContainerKind::Tar, real_tar(&[("a", &data)]), &limits);
        let d = a.read(0, u64::MAX).unwrap();
        assert_eq!(d.bytes.len(), 1000);
        assert_eq!(
            d.issues,
            [Issue::MemberTooLarge {
                name: "a".into(),
                size: 3000,
                limit: 1000
            }]
        );
        assert_eq!(
            number(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]),
            Ok(256)
        );
        assert!(number(&[0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(number(&[0xFF; 12]).is_err());
        assert_eq!(number(b"  0000017 \0"), Ok(15));
        assert!(number(b"0009").is_err());
    }

    #[test]
    fn v7_tar_is_sniffed_by_checksum() {
        let h = tar_header(b"pickle", 5, b'0', b"", false);
        assert_eq!(sniff(&h), Some(ContainerKind::Tar));
        let mut broken = h;
        broken[0] = b'q';
        assert_eq!(sniff(&broken), None);
        let a = tar(end(h.iter().copied().chain([b'x'; 512]).collect()));
        assert_eq!(a.entries()[0].name, "pickle");
    }

    #[test]
    fn pax_records() {
        let mut pax = Pax::new();
        parse_pax(b"11 path=ab\n13 size=1234\n", &mut pax).unwrap();
        assert_eq!(pax.get("path").map(Vec::as_slice), Some(&b"ab"[..]));
        assert_eq!(pax.get("size").map(Vec::as_slice), Some(&b"1234"[..]));
        assert!(parse_pax(b"0 x=\n", &mut pax).is_err());
        assert!(parse_pax(b"99 path=short\n", &mut pax).is_err());
        assert!(parse_pax(b"5 ab\n", &mut pax).is_err());
    }
}
