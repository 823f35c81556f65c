//! One check per rule of the pickle, archive, NumPy and file families: a minimal input that
//! must produce the rule, built in the test. A last test makes sure no rule of these families
//! is left without a check here.

use std::collections::BTreeSet;
use std::io::Write;
use vouch_core::{Finding, Limits, Severity};
use vouch_scan::rules;

fn scan(data: &[u8], limits: &Limits) -> Vec<Finding> {
    vouch_scan::scan_bytes(data, "input", limits).1
}

#[track_caller]
fn check(rule: &rules::Rule, data: &[u8], limits: &Limits, covered: &mut BTreeSet<&'static str>) {
    let findings = scan(data, limits);
    let hit = findings.iter().find(|f| f.rule == rule.code);
    assert!(
        hit.is_some(),
        "{} not reported; got {:?}",
        rule.code,
        findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
    );
    assert_eq!(
        hit.map(|f| f.severity),
        Some(rule.severity),
        "{} severity",
        rule.code
    );
    covered.insert(rule.code);
}

/// A stored (uncompressed) zip written by hand, so that names and flags can be anything.
fn zip_stored(entries: &[(&str, &[u8], u16)]) -> Vec<u8> {
    fn header(buf: &mut Vec<u8>, central: bool, name: &str, data: &[u8], flags: u16, offset: u32) {
        buf.extend_from_slice(if central {
            b"PK\x01\x02"
        } else {
            b"PK\x03\x04"
        });
        if central {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version made by
        }
        buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
        buf.extend_from_slice(&flags.to_le_bytes());
        buf.extend_from_slice(&0u16.to_le_bytes()); // stored
        buf.extend_from_slice(&0u32.to_le_bytes()); // time, date
        buf.extend_from_slice(&crc32(data).to_le_bytes());
        buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
        buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
        buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
        buf.extend_from_slice(&0u16.to_le_bytes()); // extra
        if central {
            buf.extend_from_slice(&[0u8; 6]); // comment len, disk, internal attrs
            buf.extend_from_slice(&0u32.to_le_bytes()); // external attrs
            buf.extend_from_slice(&offset.to_le_bytes());
        }
        buf.extend_from_slice(name.as_bytes());
        if !central {
            buf.extend_from_slice(data);
        }
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, flags) in entries {
        let offset = out.len() as u32;
        header(&mut out, false, name, data, *flags, offset);
        header(&mut central, true, name, data, *flags, offset);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let n = entries.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

const EVIL: &[u8] = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.";
const BENIGN: &[u8] = b"\x80\x02}q\x00X\x01\x00\x00\x00aK\x01s.";

#[test]
fn every_rule_has_a_check() {
    let d = Limits::default();
    let mut covered = BTreeSet::new();
    let c = &mut covered;

    check(&rules::PICKLE_DANGEROUS_CALLABLE, EVIL, &d, c);
    check(
        &rules::PICKLE_DANGEROUS_IMPORT,
        b"\x80\x02cos\nsystem\n\x85.",
        &d,
        c,
    );
    check(
        &rules::PICKLE_UNKNOWN_CALLABLE,
        b"\x80\x02cmypkg.mod\nmake\n)R.",
        &d,
        c,
    );
    check(
        &rules::PICKLE_UNKNOWN_IMPORT,
        b"\x80\x02cmypkg.mod\nThing\n\x85.",
        &d,
        c,
    );
    check(&rules::PICKLE_EXTENSION_CODE, b"\x80\x02\x82\x05)R.", &d, c);
    check(
        &rules::PICKLE_MALFORMED,
        b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R\xff",
        &d,
        c,
    );
    let small = Limits {
        max_opcodes: 3,
        ..d
    };
    check(&rules::PICKLE_LIMIT_EXCEEDED, EVIL, &small, c);
    check(
        &rules::PICKLE_TRAILING_DATA,
        b"\x80\x02K\x01.\xff\xfe\xfd",
        &d,
        c,
    );

    check(
        &rules::ARCHIVE_PATH_TRAVERSAL,
        &zip_stored(&[("../../evil.pkl", BENIGN, 0)]),
        &d,
        c,
    );
    check(
        &rules::ARCHIVE_DUPLICATE_NAME,
        &zip_stored(&[("a.pkl", BENIGN, 0), ("a.pkl", EVIL, 0)]),
        &d,
        c,
    );
    check(
        &rules::ARCHIVE_ENCRYPTED,
        &zip_stored(&[("a.pkl", BENIGN, 1)]),
        &d,
        c,
    );
    let many: Vec<(String, &[u8], u16)> = (0..20).map(|i| (format!("f{i}"), BENIGN, 0)).collect();
    let many: Vec<(&str, &[u8], u16)> = many.iter().map(|(n, b, f)| (n.as_str(), *b, *f)).collect();
    check(
        &rules::ARCHIVE_TOO_MANY_ENTRIES,
        &zip_stored(&many),
        &Limits {
            max_archive_entries: 5,
            ..d
        },
        c,
    );
    let zeros = vec![0u8; 8 << 20];
    check(
        &rules::ARCHIVE_BOMB,
        &gzip(&zeros),
        &Limits {
            max_ratio: 100,
            ..d
        },
        c,
    );
    check(
        &rules::ARCHIVE_MEMBER_TOO_LARGE,
        &gzip(&vec![b'N'; 200_000]),
        &Limits {
            max_member_bytes: 1000,
            ..d
        },
        c,
    );
    let mut nested = EVIL.to_vec();
    for _ in 0..5 {
        nested = gzip(&nested);
    }
    check(
        &rules::ARCHIVE_TOO_DEEP,
        &nested,
        &Limits {
            max_archive_depth: 2,
            ..d
        },
        c,
    );
    let truncated = zip_stored(&[("a.pkl", EVIL, 0)]);
    check(
        &rules::ARCHIVE_CORRUPT,
        &truncated[..truncated.len() - 30],
        &d,
        c,
    );
    let mut t = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    t.append_link(&mut h, "model.pkl", "/etc/passwd")
        .expect("tar link");
    let tar = t.into_inner().expect("tar");
    check(&rules::ARCHIVE_SYMLINK, &tar, &d, c);

    check(
        &rules::NUMPY_MALFORMED_HEADER,
        b"\x93NUMPY\x01\x00\xff\xff{'descr'",
        &d,
        c,
    );

    // file.unreadable: a directory opened as a file cannot be read.
    let dir = tempfile::tempdir().expect("tempdir");
    let r = vouch_scan::scan_file(dir.path(), "dir", &vouch_scan::ScanOptions::default());
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == rules::FILE_UNREADABLE.code && f.severity == Severity::Medium)
    );
    assert_eq!(r.entry.status, vouch_core::FileStatus::Error);
    covered.insert(rules::FILE_UNREADABLE.code);

    let families = ["pickle.", "archive.", "numpy.", "file."];
    let unchecked: Vec<&str> = rules::ALL
        .iter()
        .map(|r| r.code)
        .filter(|code| families.iter().any(|f| code.starts_with(f)) && !covered.contains(code))
        .collect();
    assert!(unchecked.is_empty(), "rules without a check: {unchecked:?}");
}

#[test]
fn an_evil_pickle_hidden_at_every_level_is_found() {
    let d = Limits::default();
    let zipped = zip_stored(&[("archive/data.pkl", EVIL, 0)]);
    let nested = zip_stored(&[("inner.zip", &zipped, 0)]);
    let gz = gzip(&nested);
    let findings = scan(&gz, &d);
    let f = findings
        .iter()
        .find(|f| f.rule == rules::PICKLE_DANGEROUS_CALLABLE.code)
        .expect("found");
    assert_eq!(f.member.as_deref(), Some("inner.zip!/archive/data.pkl"));
}
