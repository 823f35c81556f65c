//! Generate the Rust protobuf code that vouch-onnx and vouch-tf commit, from the schemas
//! committed beside them; `--check` fails when the committed code is stale.
//!
//! - ONNX: `crates/vouch-onnx/proto/onnx.proto` (text), compiled by protox.
//! - TensorFlow: `crates/vouch-tf/proto/tensorflow.binpb`, a descriptor set taken from the
//!   tensorboard wheel by `scripts/tf_descriptors.py`.
//!
//! Usage: `cargo run --manifest-path scripts/protogen/Cargo.toml [-- --check]`

use prost::Message;
use std::path::{Path, PathBuf};

fn generate(fds: prost_types::FileDescriptorSet, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    prost_build::Config::new()
        .out_dir(out)
        // Map fields keep file order, which keeps output deterministic.
        .btree_map(["."])
        .compile_fds(fds)
        .map_err(|e| e.to_string())
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tmp = std::env::temp_dir().join(format!("vouch-protogen-{}", std::process::id()));
    let jobs: Vec<(&str, prost_types::FileDescriptorSet, PathBuf)> = {
        let onnx_dir = root.join("crates/vouch-onnx/proto");
        let onnx = protox::compile(["onnx.proto"], [&onnx_dir]).unwrap_or_else(|e| {
            eprintln!("cannot compile onnx.proto: {e}");
            std::process::exit(2)
        });
        let tf_bytes = std::fs::read(root.join("crates/vouch-tf/proto/tensorflow.binpb"))
            .unwrap_or_else(|e| {
                eprintln!("cannot read tensorflow.binpb: {e}");
                std::process::exit(2)
            });
        let tf = prost_types::FileDescriptorSet::decode(tf_bytes.as_slice()).unwrap_or_else(|e| {
            eprintln!("tensorflow.binpb is not a descriptor set: {e}");
            std::process::exit(2)
        });
        vec![
            ("onnx", onnx, root.join("crates/vouch-onnx/src/pb")),
            ("tf", tf, root.join("crates/vouch-tf/src/pb")),
        ]
    };
    let mut stale = Vec::new();
    for (name, fds, dest) in jobs {
        let out = if check { tmp.join(name) } else { dest.clone() };
        if let Err(e) = generate(fds, &out) {
            eprintln!("{name}: {e}");
            std::process::exit(2);
        }
        if check {
            for entry in std::fs::read_dir(&out).into_iter().flatten().flatten() {
                let fresh = std::fs::read(entry.path()).unwrap_or_default();
                let committed = std::fs::read(dest.join(entry.file_name())).unwrap_or_default();
                if fresh != committed {
                    stale.push(dest.join(entry.file_name()).display().to_string());
                }
            }
        } else {
            println!("wrote {}", out.display());
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    if !stale.is_empty() {
        eprintln!("stale generated code (run scripts/protogen without --check):");
        for s in stale {
            eprintln!("  {s}");
        }
        std::process::exit(1);
    }
}
