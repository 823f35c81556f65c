//! Zip: a central-directory walker and member decoder written for hostile input.
//!
//! Why not the `zip` crate: it keeps entries in a map keyed by name, so when a name repeats the
//! earlier entry cannot be reached at all (a loader may run the copy the scanner never saw); it
//! parses the whole central directory before the entry limit can apply; and one bad record
//! loses the whole listing. This walker lists every record (duplicates included) up to
//! `max_archive_entries`, keeps what it listed before a break, reads each local header to find
//! the data (checking its name against the directory's), and flags overlapping entries (the
//! non-recursive zip bomb). Decoding uses flate2, deflate64, bzip2 and lzma-rust2.

use std::collections::HashSet;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use vouch_core::Limits;

use crate::archive::{Cap, Entry, EntryKind, Listing, ReadSeek, finish, lossy};
use crate::capped::{Drained, MemberData, RatioGuard, Stop, Tap, TapState, drain, read_full};
use crate::stream::LZMA_MEM_LIMIT_KB;
use crate::{ArchiveError, Issue};

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: u64 = 22;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: u64 = 56;
const CDH_SIG: u32 = 0x0201_4b50;
const CDH_LEN: usize = 46;
const LFH_SIG: u32 = 0x0403_4b50;
const LFH_LEN: usize = 30;
/// Longest archive comment, so the end record is within this many bytes of the end.
const MAX_COMMENT: u64 = 0xFFFF;
/// End-record candidates tried before giving up (a comment can hold fake signatures).
const MAX_EOCD_CANDIDATES: usize = 64;
/// Bytes of a symlink member read as its target.
const MAX_LINK_TARGET: u64 = 4096;

/// What reading a member needs beyond its [`Entry`].
#[derive(Debug, Clone)]
struct Member {
    method: u16,
    flags: u16,
    crc: u32,
    header_offset: u64,
    raw_name: Vec<u8>,
}

/// An opened zip: the reader and, per listed entry, how to decode it.
pub(crate) struct ZipReader {
    reader: Box<dyn ReadSeek>,
    members: Vec<Member>,
}

fn le16(b: &[u8], at: usize) -> u16 {
    let mut a = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        a.copy_from_slice(s);
    }
    u16::from_le_bytes(a)
}

fn le32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

/// Reads exactly `len` bytes at `offset`; `Ok(None)` when the file is too short.
fn read_at(r: &mut dyn ReadSeek, offset: u64, len: usize) -> io::Result<Option<Vec<u8>>> {
    r.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::new();
    let got = r.take(len as u64).read_to_end(&mut buf)?;
    Ok((got == len).then_some(buf))
}

/// Where the central directory is, per the end record(s).
#[derive(Debug)]
struct Directory {
    start: u64,
    size: u64,
    declared_entries: u64,
    /// Bytes prepended to the archive (self-extractors): added to every stored offset.
    shift: u64,
}

pub(crate) fn open(
    mut reader: Box<dyn ReadSeek>,
    listing: &mut Listing,
) -> Result<ZipReader, ArchiveError> {
    let file_len = reader
        .seek(SeekFrom::End(0))
        .map_err(ArchiveError::io("finding the zip's length"))?;
    let mut zip = ZipReader {
        reader,
        members: Vec::new(),
    };
    let dir = match find_directory(zip.reader.as_mut(), file_len, listing)
        .map_err(ArchiveError::io("reading the zip's end record"))?
    {
        Some(dir) => dir,
        None => {
            listing.corrupt(
                "no zip end-of-central-directory record found: the file is truncated or not a zip",
            );
            return Ok(zip);
        }
    };
    zip.walk_directory(&dir, file_len, listing)
        .map_err(ArchiveError::io("reading the zip's central directory"))?;
    zip.locate_data(file_len, listing)
        .map_err(ArchiveError::io("reading zip local headers"))?;
    check_overlaps(listing, &zip.members, file_len);
    zip.resolve_links(listing)?;
    Ok(zip)
}

/// Finds the central directory from the last plausible end record.
fn find_directory(
    r: &mut dyn ReadSeek,
    file_len: u64,
    listing: &mut Listing,
) -> io::Result<Option<Directory>> {
    let tail_len = file_len.min(EOCD_LEN + MAX_COMMENT);
    let tail_start = file_len - tail_len;
    let Some(tail) = read_at(r, tail_start, tail_len as usize)? else {
        return Ok(None);
    };
    let sig = EOCD_SIG.to_le_bytes();
    let candidates = tail
        .windows(EOCD_LEN as usize)
        .enumerate()
        .rev()
        .filter(|(_, w)| w.starts_with(&sig))
        .map(|(i, w)| (tail_start + i as u64, w))
        .take(MAX_EOCD_CANDIDATES);
    for (eocd_pos, rec) in candidates {
        let (disk, cd_disk) = (le16(rec, 4), le16(rec, 6));
        let mut declared_entries = u64::from(le16(rec, 10));
        let mut cd_size = u64::from(le32(rec, 12));
        let mut cd_offset = u64::from(le32(rec, 16));
        // Where the directory should end if nothing was prepended.
        let mut cd_end = eocd_pos;
        if let Some(locator_pos) = eocd_pos.checked_sub(ZIP64_LOCATOR_LEN)
            && let Some(loc) = read_at(r, locator_pos, ZIP64_LOCATOR_LEN as usize)?
            && le32(&loc, 0) == ZIP64_LOCATOR_SIG
        {
            let declared_pos = le64(&loc, 8);
            let adjacent_pos = locator_pos.saturating_sub(ZIP64_EOCD_LEN);
            let mut found = None;
            for pos in [declared_pos, adjacent_pos] {
                if let Some(rec64) = read_at(r, pos, ZIP64_EOCD_LEN as usize)?
                    && le32(&rec64, 0) == ZIP64_EOCD_SIG
                {
                    found = Some((pos, rec64));
                    break;
                }
            }
            if let Some((pos, rec64)) = found {
                declared_entries = le64(&rec64, 32);
                cd_size = le64(&rec64, 40);
                cd_offset = le64(&rec64, 48);
                cd_end = pos;
            }
        }
        // Python's zipfile: whatever sits between the directory's declared end and the end
        // record was prepended to the archive.
        let shift = cd_end
            .checked_sub(cd_size)
            .and_then(|v| v.checked_sub(cd_offset))
            .unwrap_or(0);
        for shift in [shift, 0] {
            let Some(start) = cd_offset.checked_add(shift) else {
                continue;
            };
            let fits = start
                .checked_add(cd_size)
                .is_some_and(|end| end <= file_len);
            if !fits {
                continue;
            }
            let empty = declared_entries == 0 && cd_size == 0;
            let starts_with_record = read_at(r, start, 4)?.is_some_and(|s| le32(&s, 0) == CDH_SIG);
            if empty || starts_with_record {
                if disk != 0 || cd_disk != 0 {
                    listing.corrupt(format!(
                        "zip end record names disk {disk} (directory on disk {cd_disk}): split archives are not supported, reading this part only"
                    ));
                }
                return Ok(Some(Directory {
                    start,
                    size: cd_size,
                    declared_entries,
                    shift,
                }));
            }
        }
    }
    Ok(None)
}

impl ZipReader {
    /// Lists central directory records until the directory's end, a broken record, or the
    /// entry limit.
    fn walk_directory(
        &mut self,
        dir: &Directory,
        file_len: u64,
        listing: &mut Listing,
    ) -> io::Result<()> {
        self.reader.seek(SeekFrom::Start(dir.start))?;
        let region = dir.size.min(file_len.saturating_sub(dir.start));
        let mut cd = BufReader::new((&mut self.reader).take(region));
        let mut offset = dir.start;
        let cd_end = dir.start.saturating_add(region);
        let mut walked: u64 = 0;
        let mut fixed = [0u8; CDH_LEN];
        loop {
            if offset >= cd_end {
                break;
            }
            match read_full(&mut cd, &mut fixed)? {
                n if n == CDH_LEN => {}
                0 => break,
                n => {
                    let got = fixed.get(..n).unwrap_or_default();
                    if got.len() < 4 || le32(got, 0) != CDH_SIG {
                        break; // trailing non-record bytes, judged below by the count
                    }
                    listing.corrupt(format!(
                        "zip central directory record {walked} at offset {offset} is truncated"
                    ));
                    return Ok(());
                }
            }
            if le32(&fixed, 0) != CDH_SIG {
                break;
            }
            if listing.full() {
                listing.too_many(Some(dir.declared_entries));
                return Ok(());
            }
            let name_len = usize::from(le16(&fixed, 28));
            let extra_len = usize::from(le16(&fixed, 30));
            let comment_len = u64::from(le16(&fixed, 32));
            let mut name = vec![0u8; name_len];
            let mut extra = vec![0u8; extra_len];
            if read_full(&mut cd, &mut name)? != name_len
                || read_full(&mut cd, &mut extra)? != extra_len
                || io::copy(&mut (&mut cd).take(comment_len), &mut io::sink())? != comment_len
            {
                listing.corrupt(format!(
                    "zip central directory record {walked} at offset {offset} is truncated"
                ));
                return Ok(());
            }
            walked += 1;
            offset = offset
                .saturating_add(CDH_LEN as u64)
                .saturating_add((name_len + extra_len) as u64)
                .saturating_add(comment_len);
            add_record(&mut self.members, &fixed, name, &extra, dir.shift, listing);
        }
        let declared = dir.declared_entries;
        // More than 65535 entries without zip64 wraps the 16-bit count; that is sloppy, not
        // hostile.
        if walked != declared && !(declared <= 0xFFFF && walked & 0xFFFF == declared) {
            listing.corrupt(format!(
                "zip end record declares {declared} entries but the central directory holds {walked}"
            ));
        }
        Ok(())
    }

    /// Reads each local header to find where the data starts, and checks the data fits.
    fn locate_data(&mut self, file_len: u64, listing: &mut Listing) -> io::Result<()> {
        let mut problems = Vec::new();
        for (entry, member) in listing.entries.iter_mut().zip(&self.members) {
            let at = member.header_offset;
            let Some(fixed) = read_at(self.reader.as_mut(), at, LFH_LEN)? else {
                problems.push(format!(
                    "local header of zip member {:?} at offset {at} is past the end of the file",
                    entry.name
                ));
                continue;
            };
            if le32(&fixed, 0) != LFH_SIG {
                problems.push(format!(
                    "zip member {:?}: no local header at offset {at}",
                    entry.name
                ));
                continue;
            }
            let name_len = le16(&fixed, 26);
            let extra_len = le16(&fixed, 28);
            let local_name = read_at(self.reader.as_mut(), at + LFH_LEN as u64, name_len.into())?;
            if local_name.as_deref() != Some(member.raw_name.as_slice()) {
                problems.push(format!(
                    "zip member {:?}: local header name {:?} differs from the central directory's",
                    entry.name,
                    lossy(local_name.as_deref().unwrap_or_default())
                ));
            }
            let data_offset = at
                .saturating_add(LFH_LEN as u64)
                .saturating_add(u64::from(name_len))
                .saturating_add(u64::from(extra_len));
            let data_end = data_offset.saturating_add(entry.compressed_size);
            if data_end > file_len {
                problems.push(format!(
                    "zip member {:?}: its {} bytes of data at offset {data_offset} run past the end of the file ({file_len} bytes)",
                    entry.name, entry.compressed_size
                ));
            }
            entry.data_offset = Some(data_offset);
        }
        // The raw names were only needed to compare with the local headers.
        for member in &mut self.members {
            member.raw_name = Vec::new();
        }
        for p in problems {
            listing.corrupt(p);
        }
        Ok(())
    }

    /// Reads the targets of symlink entries (their content), up to 4 KiB each.
    fn resolve_links(&mut self, listing: &mut Listing) -> Result<(), ArchiveError> {
        listing.resolve_links(MAX_LINK_TARGET, |entry, cap, limits| {
            self.read(entry, cap, limits)
        })
    }

    /// Decodes one member under `cap`. Returns the data and the bytes decoded.
    pub(crate) fn read(
        &mut self,
        entry: &Entry,
        cap: &Cap,
        limits: &Limits,
    ) -> Result<(MemberData, u64), ArchiveError> {
        let what = format!("zip member {:?}", entry.name);
        let member = self
            .members
            .get(entry.index)
            .cloned()
            .ok_or(ArchiveError::NoSuchEntry {
                index: entry.index,
                count: self.members.len(),
            })?;
        let Some(data_offset) = entry.data_offset else {
            let drained = Drained {
                bytes: Vec::new(),
                produced: 0,
                stop: Stop::Corrupt("its local header is unreadable".to_owned()),
            };
            return Ok((
                finish(drained, cap, &entry.name, &what, None, Vec::new()),
                0,
            ));
        };
        self.reader
            .seek(SeekFrom::Start(data_offset))
            .map_err(ArchiveError::io("seeking to zip member data"))?;
        let state = TapState::default();
        let raw = Tap::new((&mut self.reader).take(entry.compressed_size), &state);
        let guard = RatioGuard {
            tap: &state,
            max_ratio: limits.max_ratio,
            base_out: 0,
        };
        let unsupported = |method: &str| ArchiveError::UnsupportedMethod {
            name: entry.name.clone(),
            method: method.to_owned(),
        };
        let mut decoder: Box<dyn Read + '_> = match member.method {
            0 => Box::new(raw),
            8 => Box::new(flate2::read::DeflateDecoder::new(raw)),
            9 => Box::new(deflate64::Deflate64Decoder::new(raw)),
            12 => Box::new(bzip2::read::BzDecoder::new(raw)),
            14 => match lzma_decoder(raw, entry.size, member.flags) {
                Ok(d) => d,
                Err(detail) => {
                    let drained = Drained {
                        bytes: Vec::new(),
                        produced: 0,
                        stop: Stop::Corrupt(detail),
                    };
                    return Ok((
                        finish(drained, cap, &entry.name, &what, None, Vec::new()),
                        0,
                    ));
                }
            },
            95 => Box::new(lzma_rust2::XzReader::new_mem_limit(
                raw,
                false,
                LZMA_MEM_LIMIT_KB,
            )),
            93 => return Err(unsupported("zstd (93)")),
            98 => return Err(unsupported("PPMd (98)")),
            other => return Err(unsupported(&other.to_string())),
        };
        let drained = drain(&mut decoder, cap.bytes, true, Some(&guard), Some(&state))
            .map_err(ArchiveError::io("reading zip member data"))?;
        drop(decoder);
        let mut issues = Vec::new();
        if drained.produced > entry.size {
            issues.push(Issue::corrupt(format!(
                "{what} decodes to more than the {} bytes it declares",
                entry.size
            )));
        } else if drained.stop == Stop::End {
            if drained.produced < entry.size {
                issues.push(Issue::corrupt(format!(
                    "{what} ends after {} of its {} declared bytes",
                    drained.produced, entry.size
                )));
            } else if crc32fast::hash(&drained.bytes) != member.crc {
                issues.push(Issue::corrupt(format!(
                    "{what} fails its CRC-32 check (declared {:08x})",
                    member.crc
                )));
            }
        }
        let work = drained.produced;
        Ok((
            finish(drained, cap, &entry.name, &what, Some(entry.size), issues),
            work,
        ))
    }
}

fn add_record(
    members: &mut Vec<Member>,
    fixed: &[u8; CDH_LEN],
    raw_name: Vec<u8>,
    extra: &[u8],
    shift: u64,
    listing: &mut Listing,
) {
    let made_by_host = fixed.get(5).copied().unwrap_or(0);
    let flags = le16(fixed, 8);
    let method = le16(fixed, 10);
    let crc = le32(fixed, 16);
    let mut compressed_size = u64::from(le32(fixed, 20));
    let mut size = u64::from(le32(fixed, 24));
    let external_attributes = le32(fixed, 38);
    let mut header_offset = u64::from(le32(fixed, 42));
    // zip64 extra field: the 64-bit values of whichever fields are saturated, in order.
    let mut fields = ExtraFields::new(extra);
    while let Some((id, data)) = fields.next() {
        if id != 0x0001 {
            continue;
        }
        let mut at = 0;
        for value in [&mut size, &mut compressed_size, &mut header_offset] {
            if *value == 0xFFFF_FFFF && at + 8 <= data.len() {
                *value = le64(data, at);
                at += 8;
            }
        }
    }
    let name = lossy(&raw_name);
    let unix_mode = (made_by_host == 3 || made_by_host == 19).then_some(external_attributes >> 16);
    let kind = if unix_mode.is_some_and(|m| m & 0o170000 == 0o120000) {
        EntryKind::Symlink {
            target: String::new(),
        }
    } else if name.ends_with('/') {
        EntryKind::Dir
    } else {
        EntryKind::File
    };
    let encrypted = flags & 0x0001 != 0 || method == 99;
    if let Some(bomb) = Issue::bomb_if(&name, size, compressed_size, listing.limits.max_ratio) {
        listing.issues.push(bomb);
    }
    if method == 0 && size != compressed_size && !encrypted {
        listing.corrupt(format!(
            "stored zip member {name:?} declares {size} bytes but holds {compressed_size}"
        ));
    }
    listing.push(Entry {
        index: 0,
        name,
        size,
        compressed_size,
        kind,
        encrypted,
        data_offset: None,
    });
    members.push(Member {
        method,
        flags,
        crc,
        header_offset: header_offset.saturating_add(shift),
        raw_name,
    });
}

/// Zip's LZMA (method 14): a 4-byte header (version, properties length), 5 bytes of
/// properties, then raw LZMA. Flag bit 1 says an end marker terminates the data.
fn lzma_decoder<'a, R: Read + 'a>(
    mut raw: R,
    size: u64,
    flags: u16,
) -> Result<Box<dyn Read + 'a>, String> {
    let mut header = [0u8; 9];
    raw.read_exact(&mut header)
        .map_err(|e| format!("its LZMA header is unreadable: {e}"))?;
    if le16(&header, 2) != 5 {
        return Err(format!(
            "its LZMA properties are {} bytes, not 5",
            le16(&header, 2)
        ));
    }
    let props = header.get(4).copied().unwrap_or(0);
    let dict_size = le32(&header, 5);
    let known = if flags & 0x0002 != 0 { u64::MAX } else { size };
    lzma_rust2::LzmaReader::new_with_props(raw, known, props, dict_size, None)
        .map(|d| Box::new(d) as Box<dyn Read + 'a>)
        .map_err(|e| format!("its LZMA header is invalid: {e}"))
}

/// Iterates `(id, data)` over a zip extra field, stopping at the first malformed record.
struct ExtraFields<'a> {
    rest: &'a [u8],
}

impl<'a> ExtraFields<'a> {
    fn new(extra: &'a [u8]) -> Self {
        ExtraFields { rest: extra }
    }

    fn next(&mut self) -> Option<(u16, &'a [u8])> {
        let id = le16(self.rest, 0);
        let len = usize::from(le16(self.rest, 2));
        let data = self.rest.get(4..4 + len)?;
        self.rest = self.rest.get(4 + len..).unwrap_or_default();
        Some((id, data))
    }
}

/// Reports entries whose header-plus-data ranges overlap: several names decoding the same
/// compressed bytes is how non-recursive zip bombs multiply their output.
fn check_overlaps(listing: &mut Listing, members: &[Member], file_len: u64) {
    let mut ranges: Vec<(u64, u64, usize)> = listing
        .entries
        .iter()
        .zip(members)
        .filter_map(|(e, m)| {
            let end = e.data_offset?.saturating_add(e.compressed_size);
            Some((m.header_offset, end, e.index))
        })
        .collect();
    ranges.sort_unstable();
    let mut overlapping: HashSet<usize> = HashSet::new();
    let mut first_pair = None;
    let mut reach: Option<(u64, usize)> = None; // furthest end so far, and whose
    for &(start, end, index) in &ranges {
        if let Some((far, owner)) = reach
            && start < far
        {
            overlapping.insert(owner);
            overlapping.insert(index);
            first_pair.get_or_insert((owner, index));
        }
        if reach.is_none_or(|(far, _)| end > far) {
            reach = Some((end, index));
        }
    }
    let Some((a, b)) = first_pair else {
        return;
    };
    let name = |i: usize| {
        listing
            .entries
            .get(i)
            .map(|e| e.name.clone())
            .unwrap_or_default()
    };
    let (name_a, name_b) = (name(a), name(b));
    let total: u64 = overlapping
        .iter()
        .filter_map(|i| listing.entries.get(*i))
        .fold(0u64, |sum, e| sum.saturating_add(e.size));
    listing.corrupt(format!(
        "{} zip entries overlap one another's data (first: {name_a:?} and {name_b:?}); overlapping entries are how non-recursive zip bombs multiply their output",
        overlapping.len()
    ));
    if let Some(bomb) = Issue::bomb_if(&name_a, total, file_len, listing.limits.max_ratio) {
        listing.issues.push(bomb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use crate::{Archive, ContainerKind};

    fn zip(bytes: Vec<u8>) -> Archive {
        crate::testutil::open(ContainerKind::Zip, bytes)
    }

    #[test]
    fn lists_and_reads_a_real_zip() {
        let pickle = b"\x80\x02}q\x00.".as_slice();
        let big = vec![b'a'; 100_000];
        let mut a = zip(real_zip(&[
            ("archive/data.pkl", pickle, true),
            ("archive/data/0", &big, false),
            ("archive/", b"", false),
        ]));
        assert_eq!(a.issues(), &[]);
        let names: Vec<_> = a.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["archive/data.pkl", "archive/data/0", "archive/"]);
        assert_eq!(a.entries()[2].kind, EntryKind::Dir);
        assert!(a.entries().iter().all(|e| e.data_offset.is_some()));
        let d = a.read(0, u64::MAX).unwrap();
        assert_eq!(
            (d.bytes.as_slice(), d.truncated, d.issues.len()),
            (pickle, false, 0)
        );
        let d = a.read(1, u64::MAX).unwrap();
        assert_eq!(d.bytes, big);
        assert_eq!(a.total_read(), (pickle.len() + big.len()) as u64);
        // Stored data sits at data_offset, as PyTorch's mmap loading expects.
        let e = &a.entries()[1];
        assert_eq!(e.size, e.compressed_size);
        assert!(matches!(
            a.read(2, 10),
            Err(ArchiveError::NotAFile {
                what: "directory",
                ..
            })
        ));
        assert!(matches!(
            a.read(9, 10),
            Err(ArchiveError::NoSuchEntry { index: 9, count: 3 })
        ));
    }

    #[test]
    fn reads_bzip2_and_zip64_members() {
        let data = b"hello hello hello hello".repeat(100);
        let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let bz = ::zip::write::SimpleFileOptions::default()
            .compression_method(::zip::CompressionMethod::Bzip2);
        std::io::Write::write_all(
            &mut {
                w.start_file("a", bz).unwrap();
                &mut w
            },
            &data,
        )
        .unwrap();
        let z64 = ::zip::write::SimpleFileOptions::default()
            .compression_method(::zip::CompressionMethod::Deflated)
            .large_file(true);
        w.start_file("b", z64).unwrap();
        std::io::Write::write_all(&mut w, &data).unwrap();
        let mut a = zip(w.finish().unwrap().into_inner());
        assert_eq!(a.issues(), &[]);
        assert_eq!(a.read(0, u64::MAX).unwrap().bytes, data);
        assert_eq!(a.read(1, u64::MAX).unwrap().bytes, data);
    }

    #[test]
    fn path_traversal_names() {
        let a = zip(raw_zip(&[
            RawMember::new("../../etc/passwd", b"x"),
            RawMember::new("/abs", b"x"),
            RawMember::new("C:\\x", b"x"),
            RawMember::new("fine/name", b"x"),
        ]));
        let flagged: Vec<_> = a
            .issues()
            .iter()
            .filter(|i| i.code() == "path-traversal")
            .filter_map(Issue::name)
            .collect();
        assert_eq!(flagged, ["../../etc/passwd", "/abs", "C:\\x"]);
    }

    #[test]
    fn too_many_entries_stops_listing() {
        let members: Vec<_> = (0..5)
            .map(|i| RawMember::new(&format!("f{i}"), b"x"))
            .collect();
        let limits = Limits {
            max_archive_entries: 3,
            ..limits()
        };
        let a = open_with(ContainerKind::Zip, raw_zip(&members), &limits);
        assert_eq!(a.entries().len(), 3);
        assert!(
            a.issues()
                .contains(&Issue::TooManyEntries { count: 5, limit: 3 })
        );
    }

    #[test]
    fn bomb_by_declared_ratio_and_while_inflating() {
        let zeros = vec![0u8; 10 << 20];
        let limits = Limits {
            max_ratio: 100,
            ..limits()
        };
        let mut a = open_with(
            ContainerKind::Zip,
            real_zip(&[("zeros", &zeros, true)]),
            &limits,
        );
        assert!(
            matches!(&a.issues()[0], Issue::Bomb { name, size, .. } if name == "zeros" && *size == 10 << 20)
        );
        let d = a.read(0, u64::MAX).unwrap();
        assert!(d.truncated);
        assert!(d.bytes.len() < zeros.len());
        assert!(has(&d.issues, "bomb"));
    }

    #[test]
    fn bomb_hidden_behind_a_small_declared_size() {
        // Declares 100 bytes, inflates to 10 MiB: caught while inflating, and as a lie.
        let zeros = vec![0u8; 10 << 20];
        let deflated = {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            std::io::Write::write_all(&mut e, &zeros).unwrap();
            e.finish().unwrap()
        };
        let mut m = RawMember::new("liar", &deflated);
        m.method = 8;
        m.declared_size = Some(100);
        let limits = Limits {
            max_ratio: 100,
            ..limits()
        };
        let mut a = open_with(ContainerKind::Zip, raw_zip(&[m]), &limits);
        assert_eq!(a.issues(), &[]);
        let d = a.read(0, u64::MAX).unwrap();
        assert!(d.truncated && has(&d.issues, "bomb") && has(&d.issues, "corrupt"));
    }

    #[test]
    fn member_and_total_limits() {
        let five_k = vec![b'x'; 5000];
        let bytes = real_zip(&[("a", &five_k, true), ("b", &five_k, true)]);
        let limits = Limits {
            max_member_bytes: 1000,
            max_total_bytes: 1500,
            ..limits()
        };
        let mut a = open_with(ContainerKind::Zip, bytes.clone(), &limits);
        let d = a.read(0, u64::MAX).unwrap();
        assert_eq!((d.bytes.len(), d.truncated), (1000, true));
        assert_eq!(
            d.issues,
            [Issue::MemberTooLarge {
                name: "a".into(),
                size: 5000,
                limit: 1000
            }]
        );
        let d = a.read(1, u64::MAX).unwrap();
        assert_eq!((d.bytes.len(), d.truncated), (500, true));
        assert_eq!(d.issues, [Issue::TotalTooLarge { limit: 1500 }]);
        // The caller's own cap truncates without an issue.
        let mut a = zip(bytes);
        let d = a.read(0, 10).unwrap();
        assert_eq!(
            (d.bytes.as_slice(), d.truncated, d.issues.len()),
            (&five_k[..10], true, 0)
        );
    }

    #[test]
    fn duplicate_names_are_listed_and_readable() {
        let a_bytes = raw_zip(&[
            RawMember::new("archive/data.pkl", b"benign"),
            RawMember::new("archive/data.pkl", b"evil"),
        ]);
        let mut a = zip(a_bytes);
        assert_eq!(a.entries().len(), 2);
        assert_eq!(
            a.issues(),
            &[Issue::DuplicateName {
                name: "archive/data.pkl".into()
            }]
        );
        assert_eq!(a.read(0, 100).unwrap().bytes, b"benign");
        assert_eq!(a.read(1, 100).unwrap().bytes, b"evil");
    }

    #[test]
    fn symlinks_report_their_target() {
        let mut link = RawMember::new("link", b"../../etc/passwd");
        link.unix_mode = Some(0o120777);
        let mut a = zip(raw_zip(&[link]));
        assert_eq!(
            a.entries()[0].kind,
            EntryKind::Symlink {
                target: "../../etc/passwd".into()
            }
        );
        assert_eq!(
            a.issues(),
            &[Issue::Symlink {
                name: "link".into(),
                target: "../../etc/passwd".into()
            }]
        );
        assert!(matches!(
            a.read(0, 10),
            Err(ArchiveError::NotAFile { what: "link", .. })
        ));
    }

    #[test]
    fn encrypted_members() {
        let mut m = RawMember::new("secret.pkl", b"ciphertext");
        m.flags = 1;
        let mut a = zip(raw_zip(&[m]));
        assert!(a.entries()[0].encrypted);
        assert_eq!(
            a.issues(),
            &[Issue::Encrypted {
                name: "secret.pkl".into()
            }]
        );
        assert!(matches!(
            a.read(0, 100),
            Err(ArchiveError::Encrypted { .. })
        ));
    }

    #[test]
    fn truncated_zip_is_corrupt_not_a_panic() {
        let data = vec![7u8; 3000];
        let bytes = real_zip(&[("a", b"\x80\x02N.", true), ("b", &data, true)]);
        let half = bytes[..bytes.len() / 2].to_vec();
        let a = zip(half);
        assert!(a.entries().is_empty());
        assert!(has(a.issues(), "corrupt"));
        // Every prefix and every single-byte corruption: never a panic.
        for cut in 0..bytes.len() {
            let mut a = zip(bytes[..cut].to_vec());
            for i in 0..a.entries().len() {
                let _ = a.read(i, 1 << 20);
            }
        }
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0xFF;
            let mut a = zip(flipped);
            for i in 0..a.entries().len() {
                let _ = a.read(i, 1 << 20);
            }
        }
    }

    #[test]
    fn data_past_the_end_and_early_end() {
        let bytes = real_zip(&[("a", &[5u8; 1000], false)]);
        // Claim more compressed bytes than exist: the directory still parses.
        let mut m = RawMember::new("a", &[1u8; 10]);
        m.declared_compressed = Some(5000);
        m.declared_size = Some(5000);
        let mut a = zip(raw_zip(&[m]));
        assert!(
            corrupt_details(a.issues())
                .iter()
                .any(|d| d.contains("run past the end"))
        );
        let d = a.read(0, u64::MAX).unwrap();
        assert!(has(&d.issues, "corrupt"));
        drop(bytes);
    }

    #[test]
    fn crc_and_header_mismatches() {
        let mut bad_crc = RawMember::new("a", b"payload");
        bad_crc.crc = Some(0xDEAD_BEEF);
        let mut a = zip(raw_zip(&[bad_crc]));
        let d = a.read(0, 100).unwrap();
        assert_eq!(d.bytes, b"payload");
        assert!(corrupt_details(&d.issues)[0].contains("CRC"));

        let mut renamed = RawMember::new("archive/data.pkl", b"x");
        renamed.local_name = Some(b"archive/other.pkl".to_vec());
        let a = zip(raw_zip(&[renamed]));
        assert!(corrupt_details(a.issues())[0].contains("differs"));

        let mut lying = RawMember::new("stored", b"abc");
        lying.declared_size = Some(3_000_000);
        let a = zip(raw_zip(&[lying]));
        assert!(
            corrupt_details(a.issues())
                .iter()
                .any(|d| d.contains("declares 3000000 bytes but holds 3"))
        );
    }

    #[test]
    fn overlapping_entries() {
        let mut members = vec![RawMember::new("a", &[0u8; 64])];
        for i in 0..3 {
            let mut m = RawMember::new(&format!("copy{i}"), &[0u8; 64]);
            m.reuse_header_of = Some(0);
            members.push(m);
        }
        let a = zip(raw_zip(&members));
        assert_eq!(a.entries().len(), 4);
        let details = corrupt_details(a.issues());
        assert!(
            details
                .iter()
                .any(|d| d.starts_with("4 zip entries overlap")),
            "{details:?}"
        );
    }

    #[test]
    fn prepended_data_is_skipped() {
        let mut bytes = b"MZ self-extractor stub".to_vec();
        bytes.extend(real_zip(&[("a.pkl", b"\x80\x02N.", true)]));
        let mut a = zip(bytes);
        assert_eq!(a.issues(), &[]);
        assert_eq!(a.read(0, 100).unwrap().bytes, b"\x80\x02N.");
    }

    #[test]
    fn unsupported_methods_are_errors() {
        let mut m = RawMember::new("z", b"zstd bytes");
        m.method = 93;
        let mut a = zip(raw_zip(&[m]));
        let err = a.read(0, 100).unwrap_err();
        assert!(
            matches!(&err, ArchiveError::UnsupportedMethod { method, .. } if method.contains("zstd"))
        );
        assert!(err.to_string().contains("re-pack"));
    }

    #[test]
    fn empty_zip() {
        let a = zip(b"PK\x05\x06".iter().copied().chain([0u8; 18]).collect());
        assert!(a.entries().is_empty());
        assert_eq!(a.issues(), &[]);
    }

    #[test]
    fn entry_count_mismatch_is_reported() {
        let mut bytes = raw_zip(&[RawMember::new("a", b"1"), RawMember::new("b", b"2")]);
        let n = bytes.len();
        bytes[n - 12..n - 10].copy_from_slice(&1u16.to_le_bytes()); // total entries
        let a = zip(bytes);
        assert_eq!(a.entries().len(), 2);
        assert!(corrupt_details(a.issues())[0].contains("declares 1 entries"));
    }
}
