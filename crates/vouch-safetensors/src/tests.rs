use super::*;

/// A file with this header text and `data` bytes after it.
fn file(header: &str, data: usize) -> Vec<u8> {
    let mut v = (header.len() as u64).to_le_bytes().to_vec();
    v.extend_from_slice(header.as_bytes());
    v.extend(std::iter::repeat_n(0u8, data));
    v
}

fn check(header: &str, data: usize) -> Header {
    read_bytes(&file(header, data), &Limits::default())
}

#[test]
fn valid_file_has_no_issue() {
    let h = check(
        r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F4","shape":[4],"data_offsets":[16,18]}}  "#,
        18,
    );
    assert_eq!(h.issues, vec![]);
    assert!(h.complete);
    assert_eq!(h.tensors.len(), 2);
    assert_eq!(h.metadata, Some(vec![("format".into(), "pt".into())]));
    assert!(sniff(&file("{}", 0)));
}

#[test]
fn header_length_out_of_bounds_and_too_large() {
    let mut v = file("{}", 0);
    v.get_mut(..8)
        .expect("8")
        .copy_from_slice(&1000u64.to_le_bytes());
    let h = read_bytes(&v, &Limits::default());
    assert_eq!(
        h.issues,
        vec![Issue::HeaderOutOfBounds {
            len: 1000,
            file_len: 10
        }]
    );
    v.get_mut(..8)
        .expect("8")
        .copy_from_slice(&u64::MAX.to_le_bytes());
    let h = read_bytes(&v, &Limits::default());
    assert!(matches!(h.issues[0], Issue::HeaderTooLarge { .. }));
    assert_eq!(
        read_bytes(b"abc", &Limits::default()).issues,
        vec![Issue::TooShort { file_len: 3 }]
    );
}

#[test]
fn duplicate_keys_are_reported() {
    let h = check(
        r#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"dtype":"I8"}}"#,
        1,
    );
    let dups: Vec<_> = h
        .issues
        .iter()
        .filter_map(|i| match i {
            Issue::DuplicateKey { object, key, .. } => Some((object.clone(), key.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        dups,
        vec![
            (None, "a".to_string()),
            (Some("a".to_string()), "dtype".to_string())
        ]
    );
}

#[test]
fn layout_violations_are_all_reported() {
    let h = check(
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
            "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},
            "c":{"dtype":"F32","shape":[3],"data_offsets":[20,28]},
            "d":{"dtype":"F32","shape":[1],"data_offsets":[8,4]},
            "e":{"dtype":"U8","shape":[10],"data_offsets":[40,50]}}"#,
        44,
    );
    let kinds: Vec<&str> = h
        .issues
        .iter()
        .map(|i| match i {
            Issue::SizeMismatch { .. } => "size",
            Issue::InvertedOffsets { .. } => "inverted",
            Issue::OutOfBounds { .. } => "oob",
            Issue::Overlap { .. } => "overlap",
            Issue::Gap { .. } => "gap",
            Issue::TrailingBytes { .. } => "trailing",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        vec!["size", "inverted", "oob", "overlap", "gap", "gap"],
        "{:#?}",
        h.issues
    );
}

#[test]
fn trailing_bytes_keep_their_head() {
    let mut v = file(
        r#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#,
        1,
    );
    v.extend_from_slice(b"PK\x03\x04rest");
    let h = read_bytes(&v, &Limits::default());
    assert_eq!(
        h.issues,
        vec![Issue::TrailingBytes {
            offset: v.len() as u64 - 8,
            len: 8,
            head: b"PK\x03\x04rest".to_vec()
        }]
    );
}

#[test]
fn json_edge_cases_are_issues() {
    let h = check(r#"{"a":1,}"#, 0);
    assert!(matches!(h.issues.last(), Some(Issue::Syntax { .. })));
    assert!(!h.complete);
    let h = check("[1]", 0);
    assert_eq!(h.issues, vec![Issue::NotAnObject { found: "an array" }]);
    let h = check("{}\0\0", 0);
    assert_eq!(h.issues, vec![Issue::TrailingHeaderBytes { offset: 10 }]);
    let mut v = file(r#"{"__metadata__":{"k":"xx"}}"#, 0);
    let pos = v.iter().position(|&b| b == b'x').expect("x");
    v[pos] = 0xff;
    let h = read_bytes(&v, &Limits::default());
    assert!(matches!(h.issues[0], Issue::Encoding { .. }));
    let h = check(
        r#"{"__metadata__":{"k":1},"t":{"dtype":"Q9","shape":[-1],"data_offsets":[0,0],"x":0}}"#,
        0,
    );
    assert_eq!(h.issues.len(), 5, "{:#?}", h.issues);
}

#[test]
fn sub_byte_misalignment_and_overflow() {
    let h = check(
        r#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]},"b":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[2,2]}}"#,
        2,
    );
    assert!(matches!(h.issues[0], Issue::Misaligned { bits: 12, .. }));
    assert!(matches!(h.issues[1], Issue::ShapeOverflow { .. }));
}

#[test]
fn limits_carry_their_value() {
    let limits = Limits {
        max_tensors: 1,
        max_issues: 1,
        ..Limits::default()
    };
    let h = read_bytes(
        &file(
            r#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{},"c":{}}"#,
            5,
        ),
        &limits,
    );
    assert_eq!(
        h.issues,
        vec![
            Issue::TooManyTensors { limit: 1 },
            Issue::TooManyIssues {
                limit: 1,
                dropped: 1
            }
        ]
    );
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
    let h = check(&deep, 0);
    assert!(matches!(h.issues.last(), Some(Issue::Syntax { .. })));
}

proptest::proptest! {
    #[test]
    fn never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
        let _ = read_bytes(&data, &Limits::default());
    }

    #[test]
    fn never_panics_on_mutated_headers(idx in 0usize..200, byte in proptest::prelude::any::<u8>()) {
        let mut v = file(r#"{"__metadata__":{"a":"b"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, 16);
        if let Some(b) = v.get_mut(idx % 100 + 8) { *b = byte; }
        let _ = read_bytes(&v, &Limits::default());
    }
}
