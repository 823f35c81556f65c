//! A defensive reader of TensorFlow SavedModels (`saved_model.pb`): which operations the
//! graphs and their functions run (with node names), which asset files they name, and what
//! the model is (tags, TensorFlow version, signatures, graph size).
//!
//! The protobuf is decoded with committed prost code generated from TensorFlow's own protos
//! (taken from the tensorboard wheel, see `proto/`); wire types stay private in [`pb`] and
//! [`read`] returns the domain types of this crate. Parsers describe, they do not judge:
//! whether an operation is dangerous is decided in `vouch-scan`.
//!
//! Architecture invariants: untrusted bytes never panic (no unwrap, expect or indexing outside
//! tests); the file is read up to [`Limits::max_bytes`]; recursion is bounded by prost's
//! recursion limit; evidence lists are capped by [`Limits::max_node_names`].

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

/// The generated wire types (package `tensorboard`, TensorFlow's field numbers).
#[allow(
    missing_docs,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::indexing_slicing
)]
mod pb {
    include!("pb/tensorboard.rs");
}

use prost::Message;
use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom};

/// Bounds on what one model may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest `saved_model.pb` read.
    pub max_bytes: u64,
    /// Node names kept per operation type.
    pub max_node_names: usize,
    /// Characters of one string kept.
    pub max_string: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 1 << 30,
            max_node_names: 5,
            max_string: 512,
        }
    }
}

/// Whether the first bytes look like a `SavedModel`: schema version 1, then a `MetaGraphDef`
/// whose first field is its `meta_info_def` or `graph_def`.
pub fn sniff(head: &[u8]) -> bool {
    let [0x08, 0x01, 0x12, rest @ ..] = head else {
        return false;
    };
    // skip the MetaGraphDef's length varint
    let Some(after) = rest.iter().position(|b| b & 0x80 == 0) else {
        return false;
    };
    if after >= 10 {
        return false;
    }
    matches!(rest.get(after + 1), Some(0x0a | 0x12))
}

/// One operation type, where it is used, and the attributes that matter for judging it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpUse {
    /// Operation type (`MatMul`, `ReadFile`, ...).
    pub op: String,
    /// Nodes running it.
    pub count: u64,
    /// The first nodes (`node` in the graph, `function/node` in a function).
    pub nodes: Vec<String>,
    /// String attributes of those first nodes that name files, streams or callbacks
    /// (`token`, `output_stream`, `memory_region_name`, `debug_urls`, ...).
    pub attrs: Vec<(String, String)>,
}

/// One `MetaGraphDef`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetaGraph {
    /// Tags (`serve`, `train`, ...).
    pub tags: Vec<String>,
    /// `tensorflow_version`.
    pub tensorflow_version: String,
    /// `tensorflow_git_version`.
    pub tensorflow_git_version: String,
    /// Signature names.
    pub signatures: Vec<String>,
    /// Asset file names (relative to `assets/`, in theory).
    pub assets: Vec<String>,
    /// Nodes of its graph.
    pub nodes: u64,
    /// Functions of its library.
    pub functions: u64,
    /// Nodes inside those functions.
    pub function_nodes: u64,
    /// Objects of its object graph (TF2 checkpoints: variables, functions, ...).
    pub objects: u64,
}

/// A problem.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Issue {
    /// The protobuf is broken.
    Malformed {
        /// What prost said.
        detail: String,
    },
    /// The file is larger than [`Limits::max_bytes`]; it was not analysed.
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// What a SavedModel holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedModel {
    /// `saved_model_schema_version`.
    pub schema_version: i64,
    /// Meta graphs.
    pub meta_graphs: Vec<MetaGraph>,
    /// Operation types used in every graph and function, sorted by name.
    pub ops: Vec<OpUse>,
    /// Problems.
    pub issues: Vec<Issue>,
}

/// Attributes worth showing as evidence: they name files, streams or Python callbacks.
const EVIDENCE_ATTRS: &[&str] = &[
    "token",
    "output_stream",
    "memory_region_name",
    "debug_urls",
    "dump_root",
    "filename",
    "filenames",
    "pattern",
    "logdir",
    "address",
    "method",
];

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or_default()),
        None => s.to_owned(),
    }
}

/// Read a `saved_model.pb` stream (from offset 0).
///
/// `Err` only when reading fails; format problems are [`Issue`]s.
pub fn read<R: Read + Seek + ?Sized>(r: &mut R, limits: &Limits) -> io::Result<SavedModel> {
    let size = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut out = SavedModel::default();
    if size > limits.max_bytes {
        out.issues.push(Issue::TooLarge {
            size,
            limit: limits.max_bytes,
        });
        return Ok(out);
    }
    let mut buf = Vec::new();
    Read::take(r, limits.max_bytes).read_to_end(&mut buf)?;
    let sm = match pb::SavedModel::decode(buf.as_slice()) {
        Ok(sm) => sm,
        Err(e) => {
            out.issues.push(Issue::Malformed {
                detail: e.to_string(),
            });
            return Ok(out);
        }
    };
    drop(buf);
    out.schema_version = sm.saved_model_schema_version;
    let mut ops: BTreeMap<String, OpUse> = BTreeMap::new();
    for mg in &sm.meta_graphs {
        let mut m = MetaGraph::default();
        if let Some(info) = &mg.meta_info_def {
            m.tags = info.tags.iter().map(|t| clip(t, 100)).collect();
            m.tensorflow_version = clip(&info.tensorflow_version, 100);
            m.tensorflow_git_version = clip(&info.tensorflow_git_version, 100);
        }
        m.signatures = mg.signature_def.keys().map(|k| clip(k, 200)).collect();
        m.assets = mg
            .asset_file_def
            .iter()
            .map(|a| clip(&a.filename, limits.max_string))
            .collect();
        m.objects = mg
            .object_graph_def
            .as_ref()
            .map_or(0, |o| o.nodes.len() as u64);
        if let Some(g) = &mg.graph_def {
            for n in &g.node {
                m.nodes += 1;
                record(&mut ops, n, None, limits);
            }
            if let Some(lib) = &g.library {
                for f in &lib.function {
                    m.functions += 1;
                    let fname = f
                        .signature
                        .as_ref()
                        .map(|s| clip(&s.name, 200))
                        .unwrap_or_default();
                    for n in &f.node_def {
                        m.function_nodes += 1;
                        record(&mut ops, n, Some(&fname), limits);
                    }
                }
            }
        }
        out.meta_graphs.push(m);
    }
    out.ops = ops.into_values().collect();
    Ok(out)
}

/// Read a `saved_model.pb` held in memory (for fuzzing and tests).
pub fn read_bytes(data: &[u8], limits: &Limits) -> SavedModel {
    read(&mut io::Cursor::new(data), limits).unwrap_or_default()
}

fn attr_text(v: &pb::AttrValue, max: usize) -> Option<String> {
    use pb::attr_value::Value as V;
    match v.value.as_ref()? {
        V::S(b) => Some(clip(&String::from_utf8_lossy(b), max)),
        V::List(l) if !l.s.is_empty() => Some(clip(
            &l.s.iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
            max,
        )),
        _ => None,
    }
}

fn record(
    ops: &mut BTreeMap<String, OpUse>,
    n: &pb::NodeDef,
    function: Option<&str>,
    limits: &Limits,
) {
    let op = clip(&n.op, 200);
    let e = ops.entry(op.clone()).or_insert_with(|| OpUse {
        op,
        count: 0,
        nodes: Vec::new(),
        attrs: Vec::new(),
    });
    e.count += 1;
    if e.nodes.len() >= limits.max_node_names {
        return;
    }
    let name = clip(&n.name, 200);
    e.nodes.push(match function {
        Some(f) => format!("{f}/{name}"),
        None => name,
    });
    for key in EVIDENCE_ATTRS {
        if let Some(text) = n
            .attr
            .get(*key)
            .and_then(|v| attr_text(v, limits.max_string))
        {
            e.attrs.push(((*key).to_owned(), text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pb::*;

    fn node(name: &str, op: &str) -> NodeDef {
        NodeDef {
            name: name.into(),
            op: op.into(),
            ..Default::default()
        }
    }

    fn model() -> pb::SavedModel {
        let mut py = node("py", "PyFunc");
        py.attr.insert(
            "token".into(),
            AttrValue {
                value: Some(attr_value::Value::S(b"pyfunc_0".to_vec())),
            },
        );
        let f = FunctionDef {
            signature: Some(OpDef {
                name: "__inference_serve_1".into(),
                ..Default::default()
            }),
            node_def: vec![node("rf", "ReadFile"), node("mm", "MatMul")],
            ..Default::default()
        };
        pb::SavedModel {
            saved_model_schema_version: 1,
            meta_graphs: vec![MetaGraphDef {
                meta_info_def: Some(meta_graph_def::MetaInfoDef {
                    tags: vec!["serve".into()],
                    tensorflow_version: "2.16.1".into(),
                    ..Default::default()
                }),
                graph_def: Some(GraphDef {
                    node: vec![node("x", "Placeholder"), py],
                    library: Some(FunctionDefLibrary {
                        function: vec![f],
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                asset_file_def: vec![AssetFileDef {
                    filename: "vocab.txt".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn reads_ops_functions_and_metadata() {
        let bytes = model().encode_to_vec();
        assert!(sniff(&bytes));
        let m = read_bytes(&bytes, &Limits::default());
        assert_eq!(m.issues, vec![]);
        assert_eq!(m.schema_version, 1);
        let mg = &m.meta_graphs[0];
        assert_eq!(mg.tags, vec!["serve"]);
        assert_eq!((mg.nodes, mg.functions, mg.function_nodes), (2, 1, 2));
        assert_eq!(mg.assets, vec!["vocab.txt"]);
        let names: Vec<&str> = m.ops.iter().map(|o| o.op.as_str()).collect();
        assert_eq!(names, vec!["MatMul", "Placeholder", "PyFunc", "ReadFile"]);
        assert_eq!(
            m.ops[2].attrs,
            vec![("token".to_string(), "pyfunc_0".to_string())]
        );
        assert_eq!(m.ops[3].nodes, vec!["__inference_serve_1/rf"]);
    }

    #[test]
    fn sniffing_and_broken_input() {
        assert!(!sniff(b"\x08\x09\x12\x00"));
        assert!(!sniff(b"GGUF"));
        let bytes = model().encode_to_vec();
        let m = read_bytes(
            bytes.get(..bytes.len() - 5).expect("cut"),
            &Limits::default(),
        );
        assert!(matches!(m.issues[0], Issue::Malformed { .. }));
        let m = read_bytes(
            &bytes,
            &Limits {
                max_bytes: 10,
                ..Limits::default()
            },
        );
        assert!(matches!(m.issues[0], Issue::TooLarge { .. }));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = sniff(&data);
            let _ = read_bytes(&data, &Limits::default());
        }
    }
}
