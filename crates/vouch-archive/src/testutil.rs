//! Test helpers: limits, and archives built in memory, both by real writers and by hand.
//!
//! Real writers (the `zip`, `tar` and `sevenz-rust2` crates, flate2 and friends) show the
//! readers handle what tools produce; the hand-built zips and tar headers make the hostile
//! shapes those writers refuse to (duplicate names, `../` paths, lying sizes, overlaps).

use std::io::{Cursor, Write};

use vouch_core::Limits;

use crate::{Archive, ContainerKind, Issue, ReadSeek};

pub(crate) fn limits() -> Limits {
    Limits::default()
}

pub(crate) fn boxed(bytes: Vec<u8>) -> Box<dyn ReadSeek> {
    Box::new(Cursor::new(bytes))
}

pub(crate) fn open(kind: ContainerKind, bytes: Vec<u8>) -> Archive {
    open_with(kind, bytes, &limits())
}

pub(crate) fn open_with(kind: ContainerKind, bytes: Vec<u8>, limits: &Limits) -> Archive {
    Archive::open(kind, boxed(bytes), limits).unwrap()
}

pub(crate) fn has(issues: &[Issue], code: &str) -> bool {
    issues.iter().any(|i| i.code() == code)
}

pub(crate) fn corrupt_details(issues: &[Issue]) -> Vec<String> {
    issues
        .iter()
        .filter_map(|i| match i {
            Issue::Corrupt { detail } => Some(detail.clone()),
            _ => None,
        })
        .collect()
}

/// A zip written by the `zip` crate: `(name, data, deflate?)`.
pub(crate) fn real_zip(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data, deflate) in members {
        let method = if *deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .large_file(data.len() > u32::MAX as usize);
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// One member of a hand-built stored zip; every field can lie.
#[derive(Clone)]
pub(crate) struct RawMember {
    pub(crate) name: Vec<u8>,
    pub(crate) local_name: Option<Vec<u8>>,
    pub(crate) data: Vec<u8>,
    pub(crate) method: u16,
    pub(crate) flags: u16,
    pub(crate) declared_size: Option<u32>,
    pub(crate) declared_compressed: Option<u32>,
    pub(crate) crc: Option<u32>,
    /// Unix mode for the external attributes (host = Unix).
    pub(crate) unix_mode: Option<u32>,
    /// Point the central record at an earlier member's local header instead of its own.
    pub(crate) reuse_header_of: Option<usize>,
}

impl RawMember {
    pub(crate) fn new(name: &str, data: &[u8]) -> RawMember {
        RawMember {
            name: name.as_bytes().to_vec(),
            local_name: None,
            data: data.to_vec(),
            method: 0,
            flags: 0,
            declared_size: None,
            declared_compressed: None,
            crc: None,
            unix_mode: None,
            reuse_header_of: None,
        }
    }
}

/// Writes a zip by hand: local headers and data, central directory, end record.
pub(crate) fn raw_zip(members: &[RawMember]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for m in members {
        offsets.push(out.len() as u32);
        if m.reuse_header_of.is_some() {
            continue;
        }
        let name = m.local_name.as_ref().unwrap_or(&m.name);
        let crc = m.crc.unwrap_or_else(|| crc32fast::hash(&m.data));
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&m.flags.to_le_bytes());
        out.extend_from_slice(&m.method.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // time, date
        out.extend_from_slice(&crc.to_le_bytes());
        let csize = m.declared_compressed.unwrap_or(m.data.len() as u32);
        let size = m.declared_size.unwrap_or(m.data.len() as u32);
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&m.data);
    }
    let cd_start = out.len() as u32;
    for (i, m) in members.iter().enumerate() {
        let source = m.reuse_header_of.map_or(m, |j| &members[j]);
        let offset = m.reuse_header_of.map_or(offsets[i], |j| offsets[j]);
        let crc = m.crc.unwrap_or_else(|| crc32fast::hash(&source.data));
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        let host: u16 = if m.unix_mode.is_some() { 3 << 8 } else { 0 };
        out.extend_from_slice(&(host | 20).to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&m.flags.to_le_bytes());
        out.extend_from_slice(&m.method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&crc.to_le_bytes());
        let csize = m.declared_compressed.unwrap_or(source.data.len() as u32);
        let size = m.declared_size.unwrap_or(source.data.len() as u32);
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 8]); // extra len, comment len, disk, internal attrs
        out.extend_from_slice(&(m.unix_mode.unwrap_or(0) << 16).to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&m.name);
    }
    let cd_size = out.len() as u32 - cd_start;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A 512-byte tar header with a correct checksum, built field by field.
pub(crate) fn tar_header(
    name: &[u8],
    size: u64,
    typeflag: u8,
    link: &[u8],
    ustar: bool,
) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = typeflag;
    h[157..157 + link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
    if ustar {
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
    }
    set_tar_checksum(&mut h);
    h
}

pub(crate) fn set_tar_checksum(h: &mut [u8; 512]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
}

/// Appends a member (header, data, padding) to a hand-built tar.
pub(crate) fn tar_push(out: &mut Vec<u8>, header: [u8; 512], data: &[u8]) {
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// A tar written by the `tar` crate.
pub(crate) fn real_tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// A 7z written by `sevenz-rust2`: each member in its own block, or all in one solid block.
pub(crate) fn real_7z(members: &[(&str, &[u8])], solid: bool) -> Vec<u8> {
    use sevenz_rust2::{ArchiveEntry, ArchiveWriter, SourceReader};
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    if solid {
        let entries = members
            .iter()
            .map(|(n, _)| ArchiveEntry::new_file(n))
            .collect();
        let readers = members
            .iter()
            .map(|(_, d)| SourceReader::new(Cursor::new(d.to_vec())))
            .collect();
        w.push_archive_entries(entries, readers).unwrap();
    } else {
        for (name, data) in members {
            w.push_archive_entry(
                ArchiveEntry::new_file(name),
                Some(Cursor::new(data.to_vec())),
            )
            .unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

/// Compresses `data` as a stream of `kind` with a real encoder.
pub(crate) fn compress(kind: ContainerKind, data: &[u8]) -> Vec<u8> {
    match kind {
        ContainerKind::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        ContainerKind::Zlib => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        ContainerKind::Bzip2 => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        ContainerKind::Xz => {
            let mut e =
                lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1))
                    .unwrap();
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        ContainerKind::LzmaAlone => {
            let options = lzma_rust2::LzmaOptions::with_preset(1);
            let mut e = lzma_rust2::LzmaWriter::new_use_header(Vec::new(), &options, None).unwrap();
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        ContainerKind::Lz4Frame => {
            let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        ContainerKind::JoblibZf => {
            let mut out = b"ZF".to_vec();
            out.extend_from_slice(format!("{:<19}", format!("{:#x}", data.len())).as_bytes());
            out.extend_from_slice(&compress(ContainerKind::Zlib, data));
            out
        }
        ContainerKind::Zip => real_zip(&[("data.pkl", data, true)]),
        ContainerKind::Tar => real_tar(&[("data.pkl", data)]),
        ContainerKind::SevenZ => real_7z(&[("data.pkl", data)], false),
    }
}
