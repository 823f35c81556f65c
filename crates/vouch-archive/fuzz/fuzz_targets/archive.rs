//! Fuzz target: sniff, then open and read every entry, or decompress, with small limits.
//!
//! Input that sniffs as nothing is tried as the kind its first byte selects, so every parser
//! sees arbitrary bytes. 7z and tar checksums are fixed up first so the fuzzer gets past them
//! into the structures behind.

#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use vouch_archive::{Archive, ContainerKind, decompress, sniff};
use vouch_core::Limits;

const MAX_READ: u64 = 1 << 16;

fn limits() -> Limits {
    Limits {
        max_archive_entries: 256,
        max_member_bytes: 1 << 18,
        max_total_bytes: 1 << 20,
        max_ratio: 100,
        ..Limits::default()
    }
}

/// Makes a 7z's start-header and next-header CRCs right.
fn fix_7z(data: &mut [u8]) {
    if data.len() < 32 {
        return;
    }
    let next_offset = u64::from_le_bytes(data[12..20].try_into().unwrap());
    let next_size = u64::from_le_bytes(data[20..28].try_into().unwrap());
    let start = next_offset.checked_add(32);
    let end = start.and_then(|s| s.checked_add(next_size));
    if let (Some(start), Some(end)) = (start, end)
        && end <= data.len() as u64
    {
        let crc = crc32fast::hash(&data[start as usize..end as usize]);
        data[28..32].copy_from_slice(&crc.to_le_bytes());
    }
    let crc = crc32fast::hash(&data[12..32]);
    data[8..12].copy_from_slice(&crc.to_le_bytes());
}

/// Makes the first tar header's checksum right.
fn fix_tar(data: &mut [u8]) {
    if data.len() < 512 {
        return;
    }
    data[148..156].copy_from_slice(b"        ");
    let sum: u32 = data[..512].iter().map(|b| u32::from(*b)).sum();
    data[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

fn exercise(kind: ContainerKind, data: &[u8]) {
    let limits = limits();
    if kind.is_stream() {
        let out = decompress(kind, &mut &data[..], MAX_READ, &limits).unwrap();
        assert!(out.bytes.len() as u64 <= MAX_READ);
        return;
    }
    let mut archive = Archive::open(kind, Box::new(Cursor::new(data.to_vec())), &limits).unwrap();
    assert!(archive.entries().len() as u64 <= limits.max_archive_entries);
    for i in 0..archive.entries().len() {
        if let Ok(member) = archive.read(i, MAX_READ) {
            assert!(member.bytes.len() as u64 <= MAX_READ);
        }
    }
    assert!(archive.total_read() <= limits.max_total_bytes);
}

fuzz_target!(|input: &[u8]| {
    let mut data = input.to_vec();
    let kind = match sniff(&data[..data.len().min(512)]) {
        Some(kind) => kind,
        None => {
            let Some((&selector, rest)) = data.split_first() else {
                return;
            };
            let kind = ContainerKind::ALL[usize::from(selector) % ContainerKind::ALL.len()];
            data = rest.to_vec();
            kind
        }
    };
    match kind {
        ContainerKind::SevenZ => fix_7z(&mut data),
        ContainerKind::Tar => fix_tar(&mut data),
        _ => {}
    }
    exercise(kind, &data);
});
