//! Integration tests of vouch-archive's public API: properties that hold for any input.

use std::io::Cursor;

use proptest::prelude::*;
use vouch_archive::{Archive, ContainerKind, EntryKind, decompress, sniff};
use vouch_core::Limits;

/// Small limits, so that hostile inputs hit them quickly.
fn small_limits() -> Limits {
    Limits {
        max_archive_entries: 64,
        max_member_bytes: 1 << 16,
        max_total_bytes: 1 << 18,
        max_ratio: 50,
        ..Limits::default()
    }
}

const MAGICS: &[&[u8]] = &[
    b"PK\x03\x04",
    b"PK\x05\x06",
    &[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0x00, 0x04],
    &[0x1F, 0x8B, 0x08],
    b"BZh9",
    &[0xFD, b'7', b'z', b'X', b'Z', 0x00],
    &[
        0x5D, 0x00, 0x00, 0x80, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ],
    &[0x78, 0x9C],
    &[0x04, 0x22, 0x4D, 0x18],
    b"ZF0x10                 ",
];

/// Sniffs `data`, then opens/reads every entry or decompresses with every plausible kind.
fn exercise(data: &[u8]) {
    let limits = small_limits();
    let sniffed = sniff(&data[..data.len().min(512)]);
    let kinds: Vec<ContainerKind> = match sniffed {
        Some(kind) => vec![kind],
        None => ContainerKind::ALL.to_vec(),
    };
    for kind in kinds {
        if kind.is_stream() {
            let out = decompress(kind, &mut &data[..], 1 << 15, &limits).unwrap();
            assert!(out.bytes.len() <= 1 << 15);
        } else {
            let mut archive =
                Archive::open(kind, Box::new(Cursor::new(data.to_vec())), &limits).unwrap();
            assert!(archive.entries().len() as u64 <= limits.max_archive_entries);
            for i in 0..archive.entries().len() {
                if let Ok(member) = archive.read(i, 1 << 14) {
                    assert!(member.bytes.len() <= 1 << 14);
                }
            }
            assert!(archive.total_read() <= limits.max_total_bytes);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&data);
    }

    #[test]
    fn prose_is_never_a_container(text in "[a-zA-Z ,.!?'()\n-]{0,600}") {
        prop_assert_eq!(sniff(text.as_bytes()), None);
    }

    #[test]
    fn bytes_after_each_magic_never_panic(
        magic in 0..MAGICS.len(),
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut data = MAGICS[magic].to_vec();
        data.extend_from_slice(&tail);
        exercise(&data);
    }

    #[test]
    fn tar_headers_with_arbitrary_fields_never_panic(
        fields in proptest::collection::vec(any::<u8>(), 512),
        typeflag in prop::sample::select(b"0125LKxgS7D\0".to_vec()),
        data in proptest::collection::vec(any::<u8>(), 0..1500),
    ) {
        // A header with a correct checksum, so the walker goes past the first check.
        let mut h = fields;
        h[156] = typeflag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let mut bytes = h;
        bytes.extend_from_slice(&data);
        exercise(&bytes);
    }
}

#[test]
fn a_gzipped_tar_is_two_steps() {
    // The caller decompresses, sniffs the result and opens it: this crate never recurses.
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(4);
    header.set_mode(0o644);
    builder
        .append_data(&mut header, "model/data.pkl", &b"\x80\x02N."[..])
        .unwrap();
    let tar_bytes = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar_bytes).unwrap();
    let gz = gz.finish().unwrap();

    let limits = Limits::default();
    assert_eq!(sniff(&gz), Some(ContainerKind::Gzip));
    let inner = decompress(ContainerKind::Gzip, &mut gz.as_slice(), u64::MAX, &limits).unwrap();
    assert_eq!(sniff(&inner.bytes), Some(ContainerKind::Tar));
    let mut archive = Archive::open(
        ContainerKind::Tar,
        Box::new(Cursor::new(inner.bytes)),
        &limits,
    )
    .unwrap();
    assert_eq!(archive.entries()[0].kind, EntryKind::File);
    assert_eq!(archive.read(0, 100).unwrap().bytes, b"\x80\x02N.");
}
