use super::*;
use pb::*;

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn model() -> ModelProto {
    let weight = TensorProto {
        name: s("w"),
        dims: vec![32, 32],
        data_type: Some(1),
        raw_data: Some(vec![0u8; 4096]),
        ..Default::default()
    };
    let ext = TensorProto {
        name: s("e"),
        dims: vec![4],
        data_type: Some(7),
        data_location: Some(1),
        external_data: vec![
            StringStringEntryProto {
                key: s("location"),
                value: s("../../etc/passwd"),
            },
            StringStringEntryProto {
                key: s("offset"),
                value: s("0"),
            },
        ],
        ..Default::default()
    };
    let sub = GraphProto {
        name: s("then"),
        node: vec![NodeProto {
            op_type: s("Identity"),
            name: s("inner"),
            ..Default::default()
        }],
        ..Default::default()
    };
    let graph = GraphProto {
        name: s("g"),
        initializer: vec![weight, ext],
        node: vec![
            NodeProto {
                op_type: s("MatMul"),
                name: s("mm"),
                ..Default::default()
            },
            NodeProto {
                op_type: s("Evil"),
                domain: s("com.example"),
                name: s("x"),
                ..Default::default()
            },
            NodeProto {
                op_type: s("If"),
                name: s("if"),
                attribute: vec![AttributeProto {
                    name: s("then_branch"),
                    g: Some(sub),
                    r#type: Some(5),
                    ..Default::default()
                }],
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    ModelProto {
        ir_version: Some(9),
        producer_name: s("test"),
        graph: Some(graph),
        opset_import: vec![OperatorSetIdProto {
            domain: s(""),
            version: Some(17),
        }],
        metadata_props: vec![StringStringEntryProto {
            key: s("author"),
            value: s("me"),
        }],
        ..Default::default()
    }
}

#[test]
fn reads_a_model_without_its_tensor_bytes() {
    let bytes = model().encode_to_vec();
    assert!(sniff(&bytes));
    let m = read_bytes(&bytes, &Limits::default());
    assert_eq!(m.issues, vec![]);
    assert_eq!(m.ir_version, Some(9));
    assert_eq!(m.skipped_bytes, 4096);
    assert_eq!(m.initializers, 2);
    assert_eq!(m.parameters, 1028);
    assert_eq!(m.initializer_bytes, 4096 + 32);
    assert_eq!(m.nodes, 4);
    assert_eq!(m.graphs, 2);
    assert_eq!(m.opsets, vec![(String::new(), 17)]);
    let ops: Vec<(&str, &str, u64)> = m
        .operators
        .iter()
        .map(|o| (o.domain.as_str(), o.op_type.as_str(), o.count))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("", "Identity", 1),
            ("", "If", 1),
            ("", "MatMul", 1),
            ("com.example", "Evil", 1)
        ]
    );
    assert_eq!(m.operators[0].nodes, vec!["main/if.then_branch/inner"]);
    assert_eq!(m.external.len(), 1);
    assert_eq!(m.external[0].location, "../../etc/passwd");
}

#[test]
fn sniffing() {
    assert!(!sniff(b"\x80\x04\x95"));
    assert!(!sniff(b"GGUF"));
    assert!(!sniff(b"\x08\x00\x12\x00"));
    assert!(!sniff(b"PK\x03\x04"));
}

#[test]
fn broken_models_are_issues() {
    let bytes = model().encode_to_vec();
    let m = read_bytes(
        bytes.get(..bytes.len() / 2).expect("half"),
        &Limits::default(),
    );
    assert!(
        matches!(m.issues[0], Issue::Malformed { .. }),
        "{:?}",
        m.issues
    );
    let m = read_bytes(
        &bytes,
        &Limits {
            max_structure_bytes: 10,
            ..Limits::default()
        },
    );
    assert!(matches!(m.issues[0], Issue::LimitExceeded { .. }));
    // a string that is not UTF-8
    let mut bad = ModelProto {
        ir_version: Some(9),
        ..Default::default()
    }
    .encode_to_vec();
    bad.extend_from_slice(b"\x12\x02\xff\xfe");
    let m = read_bytes(&bad, &Limits::default());
    assert!(
        matches!(m.issues[0], Issue::Malformed { offset: None, .. }),
        "{:?}",
        m.issues
    );
    // deep nesting through If branches
    let mut g = GraphProto::default();
    for _ in 0..200 {
        g = GraphProto {
            node: vec![NodeProto {
                attribute: vec![AttributeProto {
                    g: Some(g),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
    }
    let deep = ModelProto {
        ir_version: Some(9),
        graph: Some(g),
        ..Default::default()
    }
    .encode_to_vec();
    let m = read_bytes(&deep, &Limits::default());
    assert!(
        matches!(
            m.issues[0],
            Issue::LimitExceeded {
                what: "message nesting",
                ..
            }
        ),
        "{:?}",
        m.issues
    );
}

proptest::proptest! {
    #[test]
    fn never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let _ = sniff(&data);
        let _ = read_bytes(&data, &Limits::default());
    }

    #[test]
    fn never_panics_on_mutations(idx in 0usize..4300, byte in proptest::prelude::any::<u8>()) {
        let mut bytes = model().encode_to_vec();
        let n = bytes.len();
        if let Some(b) = bytes.get_mut(idx % n) { *b = byte; }
        let _ = read_bytes(&bytes, &Limits::default());
    }
}
