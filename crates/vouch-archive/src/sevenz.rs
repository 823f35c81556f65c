//! 7z through `sevenz-rust2`, with the checks it does not make for us.
//!
//! Before the crate decodes anything, [`check_header`] reads the start of the 7z header itself:
//! an *encoded* (compressed) header is decoded by the crate fully into memory up to whatever
//! size it declares, so a small file could declare and deliver gigabytes (a header bomb). The
//! check refuses encoded headers over [`MAX_HEADER`] or with a bomb-like ratio, and reports an
//! encrypted header as [`Issue::Encrypted`]. Member data is then read through the crate's block
//! decoder one entry at a time; earlier entries of a solid block are decoded and discarded, and
//! that work counts against `Limits::max_total_bytes`.

use std::collections::HashMap;
use std::io::{self, SeekFrom};

use sevenz_rust2::{BlockDecoder, EncoderMethod, Password};
use vouch_core::Limits;

use crate::archive::{Cap, Entry, EntryKind, Listing, ReadSeek, finish};
use crate::capped::{Drained, MemberData, RatioGuard, Stop, Tap, TapState, drain, read_full};
use crate::{ArchiveError, Issue};

/// Largest decoded 7z header accepted (a million entries need roughly 50 MiB).
pub(crate) const MAX_HEADER: u64 = 256 << 20;
/// Bytes of a symlink member read as its target.
const MAX_LINK_TARGET: u64 = 4096;
/// Members decoded after the one asked for, kept for later reads: reading every member of a
/// solid block in order then costs one pass over the block instead of one pass per member.
const CACHE_LIMIT: u64 = 64 << 20;
const K_HEADER: u8 = 0x01;
const K_ENCODED_HEADER: u8 = 0x17;
/// Windows attribute bit saying the high 16 bits hold a Unix mode.
const UNIX_EXTENSION: u32 = 0x8000;

/// An opened 7z archive.
pub(crate) struct SevenZReader {
    reader: Box<dyn ReadSeek>,
    /// `None` when the header could not be read (nothing is listed then).
    archive: Option<sevenz_rust2::Archive>,
    /// Whole members decoded ahead (see [`CACHE_LIMIT`]), by entry index.
    cache: HashMap<usize, Vec<u8>>,
    cache_bytes: u64,
}

/// What the start of the header says.
#[derive(Debug, PartialEq, Eq)]
enum HeaderCheck {
    /// Safe to hand to the crate.
    Fine,
    /// The header itself is encrypted: nothing can be listed.
    Encrypted,
    /// Refused: the reason is reported as this issue.
    Refuse(Issue),
}

pub(crate) fn open(
    mut reader: Box<dyn ReadSeek>,
    listing: &mut Listing,
) -> Result<SevenZReader, ArchiveError> {
    let limits = listing.limits;
    let check = check_header(reader.as_mut(), &limits)
        .map_err(ArchiveError::io("reading the 7z header"))?;
    match check {
        HeaderCheck::Fine => {}
        HeaderCheck::Encrypted => {
            listing.issues.push(Issue::Encrypted {
                name: String::new(),
            });
            return Ok(SevenZReader::unlisted(reader));
        }
        HeaderCheck::Refuse(issue) => {
            listing.issues.push(issue);
            return Ok(SevenZReader::unlisted(reader));
        }
    }
    let state = TapState::default();
    let parsed = {
        let mut tap = Tap::new(&mut reader, &state);
        sevenz_rust2::Archive::read(&mut tap, &Password::empty())
    };
    let archive = match parsed {
        Ok(archive) => archive,
        Err(e) => {
            if let Some(source) = state.take_error() {
                return Err(ArchiveError::Io {
                    context: "reading the 7z header",
                    source,
                });
            }
            if is_password_error(&e) {
                listing.issues.push(Issue::Encrypted {
                    name: String::new(),
                });
            } else {
                listing.corrupt(format!("7z header unreadable: {e}"));
            }
            return Ok(SevenZReader::unlisted(reader));
        }
    };
    list(&archive, listing);
    let mut sevenz = SevenZReader::unlisted(reader);
    sevenz.archive = Some(archive);
    sevenz.resolve_links(listing)?;
    Ok(sevenz)
}

fn is_password_error(e: &sevenz_rust2::Error) -> bool {
    match e {
        sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_) => true,
        sevenz_rust2::Error::UnsupportedCompressionMethod(m) => m.contains("AES"),
        _ => false,
    }
}

fn block_encrypted(block: &sevenz_rust2::Block) -> bool {
    block
        .coders
        .iter()
        .any(|c| c.encoder_method_id() == EncoderMethod::ID_AES256_SHA256)
}

/// Packed bytes of a block: its pack streams run from its first to the next block's first.
fn block_packed_size(archive: &sevenz_rust2::Archive, block: usize) -> u64 {
    let firsts = archive.stream_map.block_first_pack_stream_index();
    let start = firsts.get(block).copied().unwrap_or(0);
    let end = firsts
        .get(block + 1)
        .copied()
        .unwrap_or(archive.pack_sizes().len());
    archive
        .pack_sizes()
        .get(start..end.max(start))
        .unwrap_or_default()
        .iter()
        .fold(0u64, |a, b| a.saturating_add(*b))
}

fn list(archive: &sevenz_rust2::Archive, listing: &mut Listing) {
    let total = archive.files.len() as u64;
    for (i, file) in archive.files.iter().enumerate() {
        if listing.full() {
            listing.too_many(Some(total));
            break;
        }
        let block = archive
            .stream_map
            .file_block_index
            .get(i)
            .copied()
            .flatten();
        let unix_mode = (file.has_windows_attributes
            && file.windows_attributes & UNIX_EXTENSION != 0)
            .then_some(file.windows_attributes >> 16);
        let kind = if file.is_anti_item {
            EntryKind::Other
        } else if file.is_directory {
            EntryKind::Dir
        } else if unix_mode.is_some_and(|m| m & 0o170000 == 0o120000) {
            EntryKind::Symlink {
                target: String::new(),
            }
        } else {
            EntryKind::File
        };
        let encrypted = block
            .and_then(|b| archive.blocks.get(b))
            .is_some_and(block_encrypted);
        let compressed_size = block.map_or(0, |b| block_packed_size(archive, b));
        listing.push(Entry {
            index: 0,
            name: file.name.clone(),
            size: file.size,
            compressed_size,
            kind,
            encrypted,
            data_offset: None,
        });
    }
    // Bombs per block: everything a block unpacks against what it packs, named after the
    // block's largest file.
    let mut largest: Vec<Option<(u64, usize)>> = vec![None; archive.blocks.len()];
    for (i, file) in archive.files.iter().enumerate() {
        let block = archive
            .stream_map
            .file_block_index
            .get(i)
            .copied()
            .flatten();
        if let Some(slot) = block.and_then(|b| largest.get_mut(b))
            && slot.is_none_or(|(size, _)| file.size > size)
        {
            *slot = Some((file.size, i));
        }
    }
    for (b, block) in archive.blocks.iter().enumerate() {
        let name = largest
            .get(b)
            .copied()
            .flatten()
            .and_then(|(_, i)| archive.files.get(i))
            .map(|f| f.name.clone())
            .unwrap_or_default();
        let packed = block_packed_size(archive, b);
        if let Some(bomb) = Issue::bomb_if(
            &name,
            block.get_unpack_size(),
            packed,
            listing.limits.max_ratio,
        ) {
            listing.issues.push(bomb);
        }
    }
}

impl SevenZReader {
    fn unlisted(reader: Box<dyn ReadSeek>) -> SevenZReader {
        SevenZReader {
            reader,
            archive: None,
            cache: HashMap::new(),
            cache_bytes: 0,
        }
    }

    fn resolve_links(&mut self, listing: &mut Listing) -> Result<(), ArchiveError> {
        listing.resolve_links(MAX_LINK_TARGET, |entry, cap, limits| {
            self.read(entry, cap, limits)
        })
    }

    /// Decodes one member under `cap`, decoding (and discarding) the entries before it in its
    /// block. Returns the data and all bytes decoded, which count against the total budget.
    pub(crate) fn read(
        &mut self,
        entry: &Entry,
        cap: &Cap,
        limits: &Limits,
    ) -> Result<(MemberData, u64), ArchiveError> {
        let what = format!("7z member {:?}", entry.name);
        if let Some(bytes) = self.cache.remove(&entry.index) {
            self.cache_bytes = self.cache_bytes.saturating_sub(bytes.len() as u64);
            let mut bytes = bytes;
            let produced = bytes.len() as u64;
            let stop = if produced > cap.bytes {
                bytes.truncate(usize::try_from(cap.bytes).unwrap_or(usize::MAX));
                Stop::Cap
            } else {
                Stop::End
            };
            let drained = Drained {
                bytes,
                produced,
                stop,
            };
            // The work was counted when the block was decoded.
            return Ok((
                finish(
                    drained,
                    cap,
                    &entry.name,
                    &what,
                    Some(entry.size),
                    Vec::new(),
                ),
                0,
            ));
        }
        let Some(archive) = &self.archive else {
            return Err(ArchiveError::NoSuchEntry {
                index: entry.index,
                count: 0,
            });
        };
        let Some(target) = archive.files.get(entry.index) else {
            return Err(ArchiveError::NoSuchEntry {
                index: entry.index,
                count: archive.files.len(),
            });
        };
        let block = archive
            .stream_map
            .file_block_index
            .get(entry.index)
            .copied()
            .flatten();
        let Some(block) = block.filter(|_| target.has_stream && target.size > 0) else {
            let empty = Drained {
                bytes: Vec::new(),
                produced: 0,
                stop: Stop::End,
            };
            return Ok((
                finish(empty, cap, &entry.name, &what, Some(0), Vec::new()),
                0,
            ));
        };
        let state = TapState::default();
        let mut source = Tap::new(&mut self.reader, &state);
        // Bytes decoded in this read: before the target, the target, and after it.
        let mut skipped: u64 = 0;
        let mut result: Option<io::Result<Drained>> = None;
        let mut skip_stop: Option<Stop> = None;
        let mut next_index = archive
            .stream_map
            .block_first_file_index
            .get(block)
            .copied()
            .unwrap_or(0);
        let (cache, cache_bytes) = (&mut self.cache, &mut self.cache_bytes);
        let outcome = BlockDecoder::new(1, block, archive, &Password::empty(), &mut source)
            .for_each_entries(&mut |file, data| {
                let index = next_index;
                next_index = next_index.saturating_add(1);
                let guard = RatioGuard {
                    tap: &state,
                    max_ratio: limits.max_ratio,
                    base_out: skipped,
                };
                if std::ptr::eq(file, target) {
                    let d = drain(data, cap.bytes, true, Some(&guard), Some(&state));
                    let go_on = matches!(&d, Ok(d) if d.stop == Stop::End);
                    if let Ok(d) = &d {
                        skipped = skipped.saturating_add(d.produced);
                    }
                    result = Some(d);
                    return Ok(go_on);
                }
                if !file.has_stream || file.size == 0 {
                    return Ok(true);
                }
                if let Some(Ok(target_data)) = &result {
                    // After the target: keep whole members while the cache and budget allow.
                    let room = cap.remaining.saturating_sub(skipped);
                    let fits = file.size <= room
                        && file.size <= cap.bytes
                        && cache_bytes.saturating_add(file.size) <= CACHE_LIMIT;
                    if !fits || target_data.stop != Stop::End {
                        return Ok(false);
                    }
                    return match drain(data, file.size, true, Some(&guard), Some(&state)) {
                        Ok(d) => {
                            skipped = skipped.saturating_add(d.produced);
                            if d.stop == Stop::End && d.produced == file.size {
                                *cache_bytes = cache_bytes.saturating_add(d.produced);
                                cache.insert(index, d.bytes);
                                Ok(true)
                            } else {
                                Ok(false)
                            }
                        }
                        Err(_) => Ok(false),
                    };
                }
                // Decoding earlier members may use what the total budget leaves beyond this
                // member's own cap.
                let room = cap
                    .remaining
                    .saturating_sub(cap.bytes)
                    .saturating_sub(skipped);
                match drain(data, room, false, Some(&guard), Some(&state)) {
                    Ok(d) => {
                        skipped = skipped.saturating_add(d.produced);
                        if d.stop == Stop::End {
                            Ok(true)
                        } else {
                            skip_stop = Some(d.stop);
                            Ok(false)
                        }
                    }
                    Err(e) => {
                        result = Some(Err(e));
                        Ok(false)
                    }
                }
            });
        if let Some(source) = state.take_error() {
            return Err(ArchiveError::Io {
                context: "reading 7z member data",
                source,
            });
        }
        let drained = match (result, skip_stop, outcome) {
            (Some(Err(source)), _, _) => {
                return Err(ArchiveError::Io {
                    context: "reading 7z member data",
                    source,
                });
            }
            (Some(Ok(d)), _, _) => d,
            (None, Some(Stop::Cap), _) => {
                let empty = MemberData {
                    bytes: Vec::new(),
                    truncated: true,
                    issues: vec![Issue::TotalTooLarge {
                        limit: limits.max_total_bytes,
                    }],
                };
                return Ok((empty, skipped));
            }
            (None, Some(stop), _) => Drained {
                bytes: Vec::new(),
                produced: 0,
                stop: match stop {
                    Stop::Corrupt(d) => Stop::Corrupt(format!(
                        "an earlier member of its solid block is broken: {d}"
                    )),
                    other => other,
                },
            },
            (None, None, Err(e)) => Drained {
                bytes: Vec::new(),
                produced: 0,
                stop: Stop::Corrupt(e.to_string()),
            },
            (None, None, Ok(_)) => Drained {
                bytes: Vec::new(),
                produced: 0,
                stop: Stop::Corrupt("its block does not hold it".to_owned()),
            },
        };
        let mut issues = Vec::new();
        if drained.stop == Stop::End && drained.produced < entry.size {
            issues.push(Issue::corrupt(format!(
                "{what} ends after {} of its {} declared bytes",
                drained.produced, entry.size
            )));
        }
        let work = skipped;
        Ok((
            finish(drained, cap, &entry.name, &what, Some(entry.size), issues),
            work,
        ))
    }
}

/// Reads the signature header and the start of the next header, and decides whether the
/// crate may decode it. See the module docs.
fn check_header(r: &mut dyn ReadSeek, limits: &Limits) -> io::Result<HeaderCheck> {
    let file_len = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut start = [0u8; 32];
    if read_full(r, &mut start)? < start.len() {
        return Ok(HeaderCheck::Refuse(Issue::corrupt(
            "7z signature header is truncated",
        )));
    }
    let le64 = |at: usize| {
        let mut a = [0u8; 8];
        if let Some(s) = start.get(at..at + 8) {
            a.copy_from_slice(s);
        }
        u64::from_le_bytes(a)
    };
    let (next_offset, next_size) = (le64(12), le64(20));
    let Some(header_pos) = next_offset
        .checked_add(32)
        .filter(|p| p.checked_add(next_size).is_some_and(|end| end <= file_len))
    else {
        return Ok(HeaderCheck::Refuse(Issue::corrupt(format!(
            "7z header ({next_size} bytes at offset {next_offset} after the signature) lies beyond the end of the file ({file_len} bytes)"
        ))));
    };
    if next_size == 0 {
        return Ok(HeaderCheck::Fine);
    }
    r.seek(SeekFrom::Start(header_pos))?;
    // An encoded header's description is tiny; a plain header is bounded by the file.
    let mut head = vec![0u8; usize::try_from(next_size.min(64 * 1024)).unwrap_or(64 * 1024)];
    let got = read_full(r, &mut head)?;
    head.truncate(got);
    match head.first() {
        Some(&K_ENCODED_HEADER) => {}
        Some(&K_HEADER) | None | Some(_) => return Ok(HeaderCheck::Fine),
    }
    let info = match parse_streams_info(head.get(1..).unwrap_or_default()) {
        Ok(info) => info,
        Err(e) => {
            return Ok(HeaderCheck::Refuse(Issue::corrupt(format!(
                "7z encoded header unreadable: {e}"
            ))));
        }
    };
    if info.encrypted {
        return Ok(HeaderCheck::Encrypted);
    }
    let limit = MAX_HEADER.min(limits.max_member_bytes);
    if info.max_unpack > limit {
        return Ok(HeaderCheck::Refuse(Issue::corrupt(format!(
            "7z encoded header declares {} bytes, over the {limit} this reader accepts",
            info.max_unpack
        ))));
    }
    if let Some(bomb) = Issue::bomb_if("", info.max_unpack, info.packed, limits.max_ratio) {
        return Ok(HeaderCheck::Refuse(bomb));
    }
    Ok(HeaderCheck::Fine)
}

/// What matters of an encoded header's streams info.
#[derive(Debug, Default)]
struct StreamsSummary {
    packed: u64,
    max_unpack: u64,
    encrypted: bool,
}

/// Most pack streams, folders, coders or streams per coder accepted in an encoded header's
/// description (7-Zip writes one folder with one or two coders).
const MAX_COUNT: u64 = 64;

struct Cursor<'a> {
    rest: &'a [u8],
}

impl Cursor<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let (b, rest) = self
            .rest
            .split_first()
            .ok_or("encoded header description ends early")?;
        self.rest = rest;
        Ok(*b)
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        let n = usize::try_from(n).map_err(|_| "length too large")?;
        self.rest = self
            .rest
            .get(n..)
            .ok_or("encoded header description ends early")?;
        Ok(())
    }

    /// 7z's variable-length number: leading one bits of the first byte count extra bytes.
    fn number(&mut self) -> Result<u64, String> {
        let first = self.byte()?;
        let mut mask = 0x80u8;
        let mut value: u64 = 0;
        for i in 0..8u32 {
            if first & mask == 0 {
                let high = u64::from(first & mask.wrapping_sub(1));
                return Ok(value | (high << (8 * i)));
            }
            value |= u64::from(self.byte()?) << (8 * i);
            mask >>= 1;
        }
        Ok(value)
    }

    fn count(&mut self) -> Result<u64, String> {
        let n = self.number()?;
        if n > MAX_COUNT {
            return Err(format!("count {n} is implausible"));
        }
        Ok(n)
    }
}

/// Parses `PackInfo` and `UnpackInfo` of an encoded header (7zFormat.txt, "StreamsInfo").
fn parse_streams_info(data: &[u8]) -> Result<StreamsSummary, String> {
    let mut c = Cursor { rest: data };
    let mut summary = StreamsSummary::default();
    let mut id = c.byte()?;
    if id == 0x06 {
        // PackInfo: PackPos, NumPackStreams, [Size], [CRC], End.
        c.number()?;
        let streams = c.count()?;
        loop {
            match c.byte()? {
                0x00 => break,
                0x09 => {
                    for _ in 0..streams {
                        summary.packed = summary.packed.saturating_add(c.number()?);
                    }
                }
                0x0A => skip_digests(&mut c, streams)?,
                other => return Err(format!("unexpected property {other:#x} in pack info")),
            }
        }
        id = c.byte()?;
    }
    if id != 0x07 {
        return Err(format!("expected unpack info, found {id:#x}"));
    }
    if c.byte()? != 0x0B {
        return Err("expected folder list".to_owned());
    }
    let folders = c.count()?;
    if c.byte()? != 0 {
        return Err("external folder list is not supported".to_owned());
    }
    let mut outs_per_folder = Vec::new();
    for _ in 0..folders {
        let coders = c.count()?;
        let (mut ins, mut outs) = (0u64, 0u64);
        for _ in 0..coders {
            let flags = c.byte()?;
            if flags & 0x80 != 0 {
                return Err("alternative coder methods are not supported".to_owned());
            }
            let id_len = u64::from(flags & 0x0F);
            let id = c.rest.get(..usize::from(flags & 0x0F)).unwrap_or_default();
            if id == EncoderMethod::ID_AES256_SHA256 {
                summary.encrypted = true;
            }
            c.skip(id_len)?;
            let (i, o) = if flags & 0x10 != 0 {
                (c.count()?, c.count()?)
            } else {
                (1, 1)
            };
            ins = ins.saturating_add(i);
            outs = outs.saturating_add(o);
            if flags & 0x20 != 0 {
                let props = c.number()?;
                c.skip(props)?;
            }
        }
        let bind_pairs = outs.checked_sub(1).ok_or("folder without output")?;
        for _ in 0..bind_pairs {
            c.number()?;
            c.number()?;
        }
        let packed = ins
            .checked_sub(bind_pairs)
            .ok_or("folder with more bind pairs than inputs")?;
        if packed > 1 {
            for _ in 0..packed {
                c.number()?;
            }
        }
        outs_per_folder.push(outs);
    }
    if c.byte()? != 0x0C {
        return Err("expected unpack sizes".to_owned());
    }
    for outs in outs_per_folder {
        for _ in 0..outs {
            summary.max_unpack = summary.max_unpack.max(c.number()?);
        }
    }
    Ok(summary)
}

fn skip_digests(c: &mut Cursor<'_>, count: u64) -> Result<(), String> {
    let all_defined = c.byte()?;
    let defined = if all_defined != 0 {
        count
    } else {
        let bytes = count.div_ceil(8);
        let mut n = 0u64;
        for _ in 0..bytes {
            n = n.saturating_add(u64::from(c.byte()?.count_ones()));
        }
        n
    };
    c.skip(defined.saturating_mul(4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use crate::{Archive, ContainerKind, sniff};

    const PLAIN: &[u8] = include_bytes!("../tests/fixtures/py7zr-plain.7z");
    const ENCRYPTED_DATA: &[u8] = include_bytes!("../tests/fixtures/py7zr-encrypted-data.7z");
    const ENCRYPTED_HEADER: &[u8] = include_bytes!("../tests/fixtures/py7zr-encrypted-header.7z");
    const PICKLE: &[u8] = b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.";

    fn sevenz(bytes: Vec<u8>) -> Archive {
        crate::testutil::open(ContainerKind::SevenZ, bytes)
    }

    #[test]
    fn reads_py7zr_output() {
        assert_eq!(sniff(PLAIN), Some(ContainerKind::SevenZ));
        let mut a = sevenz(PLAIN.to_vec());
        assert_eq!(a.issues(), &[]);
        assert_eq!(a.entries()[0].name, "data.pkl");
        assert_eq!(a.entries()[0].data_offset, None);
        let d = a.read(0, 1000).unwrap();
        assert_eq!((d.bytes.as_slice(), d.issues.len()), (PICKLE, 0));
    }

    #[test]
    fn encrypted_archives_are_issues_not_errors() {
        let mut a = sevenz(ENCRYPTED_DATA.to_vec());
        assert!(a.entries()[0].encrypted);
        assert_eq!(
            a.issues(),
            &[Issue::Encrypted {
                name: "data.pkl".into()
            }]
        );
        assert!(matches!(
            a.read(0, 100),
            Err(ArchiveError::Encrypted { .. })
        ));

        let a = sevenz(ENCRYPTED_HEADER.to_vec());
        assert!(a.entries().is_empty());
        assert_eq!(
            a.issues(),
            &[Issue::Encrypted {
                name: String::new()
            }]
        );
        assert_eq!(a.issues()[0].name(), None);
    }

    #[test]
    fn non_solid_and_solid_archives() {
        let big = vec![b'q'; 300_000];
        for solid in [false, true] {
            let mut a = sevenz(real_7z(&[("first", &big), ("second.pkl", PICKLE)], solid));
            assert_eq!(a.issues(), &[], "solid={solid}");
            assert_eq!(a.entries().len(), 2);
            assert_eq!(a.read(1, 1000).unwrap().bytes, PICKLE, "solid={solid}");
            // In a solid block the first member is decoded (and discarded) to reach the second.
            let expected_work = if solid {
                big.len() + PICKLE.len()
            } else {
                PICKLE.len()
            };
            assert_eq!(a.total_read(), expected_work as u64);
            let d = a.read(0, 10).unwrap();
            assert_eq!((d.bytes.as_slice(), d.truncated), (&big[..10], true));
        }
    }

    #[test]
    fn reading_a_solid_block_in_order_decodes_it_once() {
        let data: Vec<Vec<u8>> = (0..5u8)
            .map(|i| vec![i; 100_000 + usize::from(i)])
            .collect();
        let names = ["a", "b", "c", "d", "e"];
        let members: Vec<(&str, &[u8])> = names
            .iter()
            .copied()
            .zip(data.iter().map(Vec::as_slice))
            .collect();
        let mut a = sevenz(real_7z(&members, true));
        for (i, expected) in data.iter().enumerate() {
            let d = a.read(i, u64::MAX).unwrap();
            assert_eq!(&d.bytes, expected, "member {i}");
            assert_eq!((d.truncated, d.issues.len()), (false, 0));
        }
        let total: usize = data.iter().map(Vec::len).sum();
        assert_eq!(a.total_read(), total as u64, "one pass over the block");
        // A cached member still honours a smaller cap.
        let mut a = sevenz(real_7z(&members, true));
        a.read(0, u64::MAX).unwrap();
        let d = a.read(1, 10).unwrap();
        assert_eq!((d.bytes.as_slice(), d.truncated), (&data[1][..10], true));
    }

    #[test]
    fn solid_block_work_counts_against_the_total() {
        let big = vec![b'q'; 300_000];
        let limits = Limits {
            max_total_bytes: 100_000,
            ..limits()
        };
        let mut a = open_with(
            ContainerKind::SevenZ,
            real_7z(&[("first", &big), ("second.pkl", PICKLE)], true),
            &limits,
        );
        let d = a.read(1, 1000).unwrap();
        assert!(d.truncated);
        assert_eq!(d.issues, [Issue::TotalTooLarge { limit: 100_000 }]);
    }

    #[test]
    fn bombs_listing_and_reading() {
        let zeros = vec![0u8; 10 << 20];
        let limits = Limits {
            max_ratio: 100,
            ..limits()
        };
        let mut a = open_with(
            ContainerKind::SevenZ,
            real_7z(&[("zeros", &zeros)], false),
            &limits,
        );
        assert!(matches!(a.issues(), [Issue::Bomb { name, .. }] if name == "zeros"));
        let d = a.read(0, u64::MAX).unwrap();
        assert!(d.truncated && has(&d.issues, "bomb"));
    }

    #[test]
    fn too_many_entries_and_traversal() {
        let members = [("a", &b"1"[..]), ("../../etc/passwd", b"2"), ("c", b"3")];
        let limits = Limits {
            max_archive_entries: 2,
            ..limits()
        };
        let a = open_with(ContainerKind::SevenZ, real_7z(&members, false), &limits);
        assert_eq!(a.entries().len(), 2);
        assert_eq!(
            a.issues(),
            &[
                Issue::PathTraversal {
                    name: "../../etc/passwd".into()
                },
                Issue::TooManyEntries { count: 3, limit: 2 }
            ]
        );
    }

    #[test]
    fn truncated_and_flipped_archives_never_panic() {
        let bytes = real_7z(&[("a", b"hello"), ("b", &[7u8; 2000])], true);
        let half = sevenz(bytes[..bytes.len() / 2].to_vec());
        assert!(half.entries().is_empty());
        assert!(has(half.issues(), "corrupt"));
        for cut in 0..bytes.len() {
            let mut a = sevenz(bytes[..cut].to_vec());
            for i in 0..a.entries().len() {
                let _ = a.read(i, 1 << 20);
            }
        }
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x55;
            let mut a = sevenz(flipped);
            for i in 0..a.entries().len() {
                let _ = a.read(i, 1 << 20);
            }
        }
    }

    /// Builds a 7z whose (encoded) header describes one LZMA folder unpacking to `unpack`.
    fn encoded_header_archive(unpack: u64, coder_id: &[u8]) -> Vec<u8> {
        let mut header = vec![
            K_ENCODED_HEADER,
            0x06,
            0x00,
            0x01,
            0x09,
            0x10,
            0x00,
            0x07,
            0x0B,
            0x01,
            0x00,
            0x01,
        ];
        header.push(coder_id.len() as u8);
        header.extend_from_slice(coder_id);
        header.push(0x0C);
        header.push(0xFF); // a full 8-byte number follows
        header.extend_from_slice(&unpack.to_le_bytes());
        header.push(0x00);
        header.push(0x00);
        let mut out = vec![0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4];
        let mut start = Vec::new();
        start.extend_from_slice(&16u64.to_le_bytes()); // 16 bytes of "packed data" first
        start.extend_from_slice(&(header.len() as u64).to_le_bytes());
        start.extend_from_slice(&crc32fast::hash(&header).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&start).to_le_bytes());
        out.extend_from_slice(&start);
        out.extend_from_slice(&[0u8; 16]);
        out.extend_from_slice(&header);
        out
    }

    #[test]
    fn header_bombs_are_refused_before_decoding() {
        let a = sevenz(encoded_header_archive(1 << 40, EncoderMethod::ID_LZMA));
        assert!(a.entries().is_empty());
        assert!(
            corrupt_details(a.issues())[0].contains("encoded header declares 1099511627776 bytes")
        );

        let a = sevenz(encoded_header_archive(100 << 20, EncoderMethod::ID_LZMA));
        assert!(
            matches!(a.issues(), [Issue::Bomb { compressed: 16, .. }]),
            "{:?}",
            a.issues()
        );

        let a = sevenz(encoded_header_archive(100, EncoderMethod::ID_AES256_SHA256));
        assert_eq!(
            a.issues(),
            &[Issue::Encrypted {
                name: String::new()
            }]
        );
    }

    #[test]
    fn numbers() {
        let mut c = Cursor {
            rest: &[
                0x7F, 0x80, 0x80, 0xC1, 0x02, 0x03, 0xFF, 1, 2, 3, 4, 5, 6, 7, 8,
            ],
        };
        assert_eq!(c.number(), Ok(0x7F));
        assert_eq!(c.number(), Ok(0x80));
        assert_eq!(c.number(), Ok(0x0001_0302));
        assert_eq!(c.number(), Ok(0x0807_0605_0403_0201));
        assert!(c.number().is_err());
    }
}
