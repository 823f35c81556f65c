use super::*;

/// A little GGUF writer for tests (version 3 unless told).
struct W {
    v: Vec<u8>,
    version: u32,
}

impl W {
    fn new(version: u32, tensors: u64, kvs: u64) -> Self {
        let mut w = W {
            v: b"GGUF".to_vec(),
            version,
        };
        w.v.extend_from_slice(&version.to_le_bytes());
        w.len(tensors);
        w.len(kvs);
        w
    }
    fn len(&mut self, n: u64) {
        if self.version == 1 {
            self.v.extend_from_slice(&(n as u32).to_le_bytes());
        } else {
            self.v.extend_from_slice(&n.to_le_bytes());
        }
    }
    fn str(&mut self, s: &str) {
        self.len(s.len() as u64);
        self.v.extend_from_slice(s.as_bytes());
    }
    fn kv_str(&mut self, k: &str, s: &str) {
        self.str(k);
        self.v.extend_from_slice(&8u32.to_le_bytes());
        self.str(s);
    }
    fn kv_u32(&mut self, k: &str, x: u32) {
        self.str(k);
        self.v.extend_from_slice(&4u32.to_le_bytes());
        self.v.extend_from_slice(&x.to_le_bytes());
    }
    fn tensor(&mut self, name: &str, dims: &[u64], ty: u32, off: u64) {
        self.str(name);
        self.v.extend_from_slice(&(dims.len() as u32).to_le_bytes());
        for &d in dims {
            self.len(d);
        }
        self.v.extend_from_slice(&ty.to_le_bytes());
        self.v.extend_from_slice(&off.to_le_bytes());
    }
    fn pad(&mut self, align: usize) {
        while !self.v.len().is_multiple_of(align) {
            self.v.push(0);
        }
    }
    fn data(&mut self, n: usize) {
        self.v.extend(std::iter::repeat_n(0u8, n));
    }
}

fn read(v: &[u8]) -> Gguf {
    read_bytes(v, &Limits::default())
}

#[test]
fn valid_v3_file() {
    let mut w = W::new(3, 2, 3);
    w.kv_str("general.architecture", "llama");
    w.kv_str("tokenizer.chat_template", "{{ messages }}");
    // nested array: array of arrays of u8
    w.str("x.nested");
    w.v.extend_from_slice(&9u32.to_le_bytes());
    w.v.extend_from_slice(&9u32.to_le_bytes());
    w.len(2);
    for _ in 0..2 {
        w.v.extend_from_slice(&0u32.to_le_bytes());
        w.len(3);
        w.v.extend_from_slice(&[1, 2, 3]);
    }
    w.tensor("a", &[32, 2], 8, 0); // Q8_0: 2 blocks of 34 bytes = 68
    w.tensor("b", &[4], 0, 96); // F32: 16 bytes
    w.pad(32);
    w.data(112);
    let g = read(&w.v);
    assert_eq!(g.issues, vec![], "{:#?}", g.issues);
    assert!(g.complete);
    assert_eq!(g.version, 3);
    assert_eq!(g.kv.len(), 3);
    assert_eq!(g.tensors.len(), 2);
    assert_eq!(
        g.chat_templates(),
        vec![("tokenizer.chat_template", "{{ messages }}", false)]
    );
    assert_eq!(
        g.get("general.architecture").and_then(Value::as_str),
        Some("llama")
    );
    match g.get("x.nested") {
        Some(Value::Array {
            elem_type: 9,
            len: 2,
            items,
        }) => assert_eq!(items.len(), 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(g.tensor_types().get("Q8_0"), Some(&1));
}

#[test]
fn valid_v1_file() {
    let mut w = W::new(1, 1, 1);
    w.kv_u32("general.alignment", 16);
    w.tensor("a", &[4], 0, 0);
    w.pad(16);
    w.data(16);
    let g = read(&w.v);
    assert_eq!(g.issues, vec![]);
    assert_eq!(g.alignment, 16);
    assert_eq!(g.tensors[0].dims, vec![4]);
}

#[test]
fn layout_violations() {
    let mut w = W::new(3, 5, 0);
    w.tensor("a", &[8], 0, 0); // 32 bytes
    w.tensor("b", &[8], 0, 16); // overlaps a
    w.tensor("c", &[8], 0, 128); // gap 32..128
    w.tensor("d", &[33], 2, 160); // Q4_0 row not a multiple of 32
    w.tensor("e", &[8], 0, 4000); // out of bounds
    w.pad(32);
    w.data(160 + 64);
    let g = read(&w.v);
    let kinds: Vec<&str> = g
        .issues
        .iter()
        .map(|i| match i {
            Issue::BlockMisaligned { .. } => "block",
            Issue::OutOfBounds { .. } => "oob",
            Issue::Overlap { .. } => "overlap",
            Issue::Gap { .. } => "gap",
            Issue::TrailingBytes { .. } => "trailing",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        vec!["other", "block", "oob", "overlap", "gap", "gap"],
        "{:#?}",
        g.issues
    );
}

#[test]
fn lies_and_limits() {
    // string length beyond the file
    let mut w = W::new(3, 0, 1);
    w.str("k");
    w.v.extend_from_slice(&8u32.to_le_bytes());
    w.v.extend_from_slice(&u64::MAX.to_le_bytes());
    let g = read(&w.v);
    assert!(
        matches!(
            g.issues[0],
            Issue::LengthBeyondFile {
                what: "string bytes",
                ..
            }
        ),
        "{:?}",
        g.issues
    );
    // absurd counts
    let w = W::new(3, u64::MAX, 0);
    let g = read(&w.v);
    assert!(matches!(
        g.issues[0],
        Issue::LimitExceeded {
            what: "tensors",
            value: u64::MAX,
            ..
        }
    ));
    let w = W::new(3, 0, 5);
    let g = read(&w.v);
    assert!(matches!(g.issues[0], Issue::Truncated { .. }));
    // bad type, bad bool, duplicate key, bad alignment, bad version
    let mut w = W::new(3, 0, 4);
    w.str("b");
    w.v.extend_from_slice(&7u32.to_le_bytes());
    w.v.push(2);
    w.kv_u32("general.alignment", 3);
    w.kv_u32("general.alignment", 32);
    w.str("t");
    w.v.extend_from_slice(&13u32.to_le_bytes());
    let g = read(&w.v);
    assert!(matches!(g.issues[0], Issue::BadBool { byte: 2, .. }));
    assert!(matches!(
        g.issues[1],
        Issue::BadAlignment { value: Some(3), .. }
    ));
    assert!(matches!(g.issues[2], Issue::DuplicateKey { .. }));
    assert!(matches!(
        g.issues[3],
        Issue::BadValueType { value_type: 13, .. }
    ));
    let g = read(b"GGUF\x09\x00\x00\x00");
    assert_eq!(g.issues, vec![Issue::UnsupportedVersion { version: 9 }]);
    // deep nesting
    let mut w = W::new(3, 0, 1);
    w.str("deep");
    w.v.extend_from_slice(&9u32.to_le_bytes());
    for _ in 0..20 {
        w.v.extend_from_slice(&9u32.to_le_bytes());
        w.len(1);
    }
    w.data(64);
    let g = read(&w.v);
    assert!(g.issues.iter().any(|i| matches!(
        i,
        Issue::LimitExceeded {
            what: "array nesting",
            ..
        }
    )));
}

#[test]
fn big_endian_is_read() {
    let mut v = b"GGUF".to_vec();
    v.extend_from_slice(&3u32.to_be_bytes());
    v.extend_from_slice(&0u64.to_be_bytes());
    v.extend_from_slice(&1u64.to_be_bytes());
    v.extend_from_slice(&1u64.to_be_bytes());
    v.push(b'k');
    v.extend_from_slice(&4u32.to_be_bytes());
    v.extend_from_slice(&7u32.to_be_bytes());
    let g = read(&v);
    assert_eq!(g.endian, Endian::Big);
    assert_eq!(g.get("k").and_then(Value::as_u64), Some(7));
}

#[test]
fn long_strings_are_truncated_and_checked() {
    let limits = Limits {
        max_kept_string: 4,
        ..Limits::default()
    };
    let mut w = W::new(3, 0, 1);
    w.kv_str("tokenizer.chat_template", "héllo wörld");
    let g = read_bytes(&w.v, &limits);
    assert_eq!(g.issues, vec![]);
    assert_eq!(
        g.chat_templates(),
        vec![("tokenizer.chat_template", "hél", true)]
    );
    let mut w = W::new(3, 0, 1);
    w.str("k");
    w.v.extend_from_slice(&8u32.to_le_bytes());
    w.len(8);
    w.v.extend_from_slice(b"abcdef\xff\xfe");
    let g = read_bytes(&w.v, &limits);
    assert!(matches!(g.issues[0], Issue::InvalidUtf8 { .. }));
}

proptest::proptest! {
    #[test]
    fn never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let mut v = b"GGUF\x03\x00\x00\x00".to_vec();
        v.extend_from_slice(&data);
        let _ = read(&v);
        let _ = template::analyse(&String::from_utf8_lossy(&data));
    }
}
