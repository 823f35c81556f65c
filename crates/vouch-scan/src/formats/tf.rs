//! Judging TensorFlow SavedModels: operations that reach the file system, the network or the
//! Python process, and asset names that leave the model's directory.

use super::{clip, put_metadata};
use crate::engine::Ctx;
use crate::rules;
use serde_json::{Map, Value, json};
use vouch_archive::ReadSeek;
use vouch_tf::{Issue, Limits, SavedModel};

/// Operations that touch the world outside the tensors, and what they do. The save/restore
/// operations every SavedModel carries (`SaveV2`, `RestoreV2`, `MergeV2Checkpoints`) are not
/// listed: TensorFlow itself calls them on the variables directory.
const DANGEROUS_OPS: &[(&str, &str)] = &[
    (
        "ReadFile",
        "reads any file (or gs://, http:// URL) named by a tensor",
    ),
    ("WriteFile", "writes any file named by a tensor"),
    ("MatchingFiles", "lists files matching a pattern"),
    ("PyFunc", "calls back into the Python process"),
    ("PyFuncStateless", "calls back into the Python process"),
    ("EagerPyFunc", "calls back into the Python process"),
    (
        "ImmutableConst",
        "memory-maps a file named in its attributes",
    ),
    ("TextLineDataset", "reads files"),
    ("TFRecordDataset", "reads files"),
    ("TFRecordDatasetV2", "reads files"),
    ("FixedLengthRecordDataset", "reads files"),
    ("FixedLengthRecordDatasetV2", "reads files"),
    ("DatasetToTFRecord", "writes files"),
    ("ExperimentalDatasetToTFRecord", "writes files"),
    (
        "CreateSummaryFileWriter",
        "writes event files to a directory",
    ),
    (
        "SnapshotDatasetV2",
        "writes dataset snapshots to a directory",
    ),
    ("DebugIdentityV2", "dumps tensors to a directory"),
    ("Rpc", "calls a remote server"),
    ("TryRpc", "calls a remote server"),
];

pub(crate) fn scan(ctx: &mut Ctx<'_>, member: Option<&str>, r: &mut Box<dyn ReadSeek>) {
    let limits = Limits {
        max_bytes: ctx.limits().max_member_bytes,
        ..Limits::default()
    };
    let m = match vouch_tf::read(&mut **r, &limits) {
        Ok(m) => m,
        Err(e) => {
            ctx.push(
                &rules::FILE_UNREADABLE,
                member,
                format!("cannot read the SavedModel: {e}"),
            );
            return;
        }
    };
    for issue in &m.issues {
        match issue {
            Issue::Malformed { detail } => {
                ctx.push(
                    &rules::TF_MALFORMED,
                    member,
                    format!("the SavedModel's protobuf is broken: {detail}"),
                );
            }
            Issue::TooLarge { size, limit } => {
                let f = ctx.push(
                    &rules::TF_MALFORMED,
                    member,
                    format!(
                        "{size} bytes exceed the {limit}-byte limit; the graph was not analysed"
                    ),
                );
                f.evidence.insert("limit".into(), json!(limit));
            }
            other => {
                ctx.push(&rules::TF_MALFORMED, member, format!("{other:?}"));
            }
        }
    }
    for op in &m.ops {
        let what = match DANGEROUS_OPS.iter().find(|(name, _)| *name == op.op) {
            Some((_, what)) => *what,
            None if op.op == "PrintV2"
                && op
                    .attrs
                    .iter()
                    .any(|(k, v)| k == "output_stream" && v.starts_with("file://")) =>
            {
                "writes to a file"
            }
            None => continue,
        };
        let f = ctx.push(
            &rules::TF_DANGEROUS_OP,
            member,
            format!(
                "operation {} {what}; node {}{}",
                clip(&op.op, 100),
                op.nodes
                    .first()
                    .map_or(String::new(), |n| format!("{:?}", clip(n, 200))),
                if op.count > 1 {
                    format!(" and {} more", op.count - 1)
                } else {
                    String::new()
                }
            ),
        );
        f.evidence.insert("op".into(), json!(op.op));
        f.evidence.insert("nodes".into(), json!(op.nodes));
        f.evidence.insert("count".into(), json!(op.count));
        if !op.attrs.is_empty() {
            let attrs: Map<String, Value> = op
                .attrs
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            f.evidence.insert("attrs".into(), Value::Object(attrs));
        }
    }
    for mg in &m.meta_graphs {
        for a in &mg.assets {
            if let Some(reason) = super::onnx::unsafe_location(a) {
                let f = ctx.push(
                    &rules::TF_ASSET_TRAVERSAL,
                    member,
                    format!("asset {:?} {reason}", clip(a, 200)),
                );
                f.evidence.insert("asset".into(), json!(a));
            }
        }
    }
    put_metadata(ctx, member, metadata(&m));
}

fn metadata(m: &SavedModel) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("format".into(), "tf-savedmodel".into());
    if !m.issues.is_empty() {
        return o;
    }
    o.insert("schema_version".into(), json!(m.schema_version));
    let graphs: Vec<Value> = m
        .meta_graphs
        .iter()
        .map(|g| {
            json!({
                "tags": g.tags,
                "tensorflow_version": g.tensorflow_version,
                "signatures": g.signatures,
                "nodes": g.nodes,
                "functions": g.functions,
                "function_nodes": g.function_nodes,
                "objects": g.objects,
                "assets": g.assets.len(),
            })
        })
        .collect();
    o.insert("meta_graphs".into(), Value::Array(graphs));
    o.insert("op_types".into(), json!(m.ops.len()));
    o
}
