//! Walking a project directory: lockfiles, model and dataset files, Hugging Face caches.
//!
//! Skipped: `.git`, `node_modules`, `target`, `.venv`, any virtualenv (a directory holding
//! `pyvenv.cfg`) or conda prefix (one holding `conda-meta/`), `__pycache__` and tool caches;
//! symbolic links to directories are not followed (read an installed environment with
//! [`crate::read_python_env`]). Manifests count wherever they are: every `pyproject.toml` in the
//! tree is a project, and `environment.yml`, `conda-lock.yml` and conda explicit files
//! (`conda-<platform>.lock`) are read like lockfiles.
//! Files with a model or dataset extension are hashed with SHA-256 (streamed, so any size), and
//! a Hugging Face hub cache (`models--org--name/snapshots/<revision>/`) yields the repository
//! itself as `pkg:huggingface/org/name@<revision>`. A lockfile that fails to parse is a warning,
//! not a failure: the rest of the project is still audited.

use crate::component::{Component, ComponentKind, Ecosystem, Hash, Origin};
use crate::error::{Error, Result};
use crate::{Inventory, kind_by_name, read_file};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

/// Options of a directory walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Hash model and dataset files (default true).
    pub hash_models: bool,
    /// Directories deeper than this are not entered.
    pub max_depth: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            hash_models: true,
            max_depth: 64,
        }
    }
}

/// Directories a project walk never enters (VCS, dependency caches, build output, tool caches).
pub const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
];

/// The format of a model or dataset file by extension, and whether it is a dataset.
pub fn model_format(name: &str) -> Option<(&'static str, ComponentKind)> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
    let m = ComponentKind::Model;
    Some(match ext {
        "bin" | "pt" | "pth" | "ckpt" | "pte" => ("pytorch", m),
        "pkl" | "pickle" => ("pickle", m),
        "joblib" => ("joblib", m),
        "safetensors" => ("safetensors", m),
        "gguf" | "ggml" | "llamafile" => ("gguf", m),
        "onnx" => ("onnx", m),
        "h5" | "hdf5" | "keras" => ("keras", m),
        "npy" | "npz" => ("numpy", m),
        "pb" => ("tensorflow", m),
        "tflite" => ("tflite", m),
        "msgpack" => ("flax", m),
        "mar" => ("torchserve", m),
        "mlmodel" => ("coreml", m),
        "nemo" => ("nemo", m),
        "parquet" => ("parquet", ComponentKind::Dataset),
        "arrow" => ("arrow", ComponentKind::Dataset),
        "tfrecord" => ("tfrecord", ComponentKind::Dataset),
        _ => return None,
    })
}

/// The SHA-256 of a file (lower-case hex), streamed: any size, bounded memory.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or(&[]));
    }
    Ok(hex::encode(h.finalize()))
}

/// `models--org--name` → (`org/name`, model); `datasets--org--name` → (`datasets/org/name`, dataset).
pub fn hf_repo(dir_name: &str) -> Option<(String, ComponentKind)> {
    let (prefix, rest) = dir_name.split_once("--")?;
    let repo = rest.replace("--", "/");
    match prefix {
        "models" => Some((repo, ComponentKind::Model)),
        "datasets" => Some((format!("datasets/{repo}"), ComponentKind::Dataset)),
        _ => None,
    }
}

pub(crate) fn walk(root: &Path, opts: &WalkOptions) -> Result<Inventory> {
    let mut inv = Inventory::default();
    let mut repos: BTreeSet<(String, String, String, ComponentKind)> = BTreeSet::new();
    rec(root, root, 0, opts, &mut inv, &mut repos)?;
    for (name, rev, origin, kind) in repos {
        let mut c = Component::library(
            Ecosystem::HuggingFace,
            &name,
            Some(&rev),
            Origin {
                path: origin,
                line: None,
            },
        );
        c.kind = kind;
        inv.components.push(c);
    }
    Ok(inv)
}

/// `p` relative to `root`, `/`-separated (as shown in reports and BOMs).
pub(crate) fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn rec(
    root: &Path,
    dir: &Path,
    depth: usize,
    opts: &WalkOptions,
    inv: &mut Inventory,
    repos: &mut BTreeSet<(String, String, String, ComponentKind)>,
) -> Result<()> {
    if depth > opts.max_depth {
        inv.warnings.push(format!(
            "{}: deeper than {} directories, not entered",
            rel(root, dir),
            opts.max_depth
        ));
        return Ok(());
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if depth == 0 => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source: e,
            });
        }
        Err(e) => {
            inv.warnings
                .push(format!("{}: cannot read directory: {e}", rel(root, dir)));
            return Ok(());
        }
    };
    let mut entries: Vec<_> = rd.filter_map(std::result::Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    if depth > 0 && (dir.join("pyvenv.cfg").is_file() || dir.join("conda-meta").is_dir()) {
        return Ok(()); // a virtualenv or conda prefix: installed packages, not the project's pins
    }
    // A Hugging Face cache snapshot: …/models--org--name/snapshots/<rev>/
    if let (Some(rev), Some(snap), Some(repo_dir)) = (
        dir.file_name(),
        dir.parent().and_then(Path::file_name),
        dir.parent()
            .and_then(Path::parent)
            .and_then(Path::file_name),
    ) && snap == "snapshots"
        && let Some((repo, kind)) = hf_repo(&repo_dir.to_string_lossy())
    {
        repos.insert((
            repo,
            rev.to_string_lossy().into_owned(),
            rel(root, dir),
            kind,
        ));
    }
    for ent in entries {
        let path = ent.path();
        let name = ent.file_name().to_string_lossy().into_owned();
        let Ok(ft) = ent.file_type() else { continue };
        if ft.is_dir() {
            if SKIP_DIRS.contains(&name.as_str()) {
                continue;
            }
            rec(root, &path, depth + 1, opts, inv, repos)?;
            continue;
        }
        // Files and symbolic links to files (the HF cache links snapshots to blobs).
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let shown = rel(root, &path);
        if kind_by_name(&path).is_some() {
            match read_file(&path, &shown) {
                Ok(c) => {
                    inv.components.extend(c);
                    inv.inputs.push(shown);
                }
                Err(Error::Unsupported { .. }) => {} // e.g. a bom.json that is not a BOM
                Err(e) => inv.warnings.push(e.to_string()),
            }
            continue;
        }
        if !opts.hash_models {
            continue;
        }
        if let Some((format, kind)) = model_format(&name) {
            match sha256_file(&path) {
                Ok(h) => {
                    inv.components.push(Component {
                        hashes: Hash::new("sha256", &h).into_iter().collect(),
                        format: Some(format.to_owned()),
                        ..Component::new(
                            kind,
                            &shown,
                            Origin {
                                path: shown.clone(),
                                line: None,
                            },
                        )
                    });
                    inv.inputs.push(shown);
                }
                Err(e) => inv.warnings.push(format!("{shown}: cannot hash: {e}")),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_lockfiles_models_and_hf_cache() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::write(r.join("requirements.txt"), "django==3.2.1\n").unwrap();
        std::fs::create_dir_all(r.join("node_modules/x")).unwrap();
        std::fs::write(r.join("node_modules/x/requirements.txt"), "no==1\n").unwrap();
        std::fs::create_dir_all(r.join("venv")).unwrap();
        std::fs::write(r.join("venv/pyvenv.cfg"), "").unwrap();
        std::fs::write(r.join("venv/requirements.txt"), "no==1\n").unwrap();
        std::fs::write(r.join("poetry.lock"), "not toml [[[").unwrap();
        let snap = r.join("hub/models--org--net/snapshots/abc123");
        std::fs::create_dir_all(&snap).unwrap();
        std::fs::write(snap.join("model.safetensors"), b"").unwrap();
        let inv = walk(r, &WalkOptions::default()).unwrap();
        let got: Vec<_> = inv
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_deref(), c.format.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "hub/models--org--net/snapshots/abc123/model.safetensors",
                    None,
                    Some("safetensors")
                ),
                ("django", Some("3.2.1"), None),
                ("org/net", Some("abc123"), None),
            ]
        );
        // sha256("")
        assert_eq!(
            inv.components[0].hashes[0].value,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
        assert!(
            inv.warnings[0].ends_with("poetry.lock:1: key with no value, expected `=`"),
            "{:?}",
            inv.warnings
        );
        assert_eq!(
            inv.components[2].purl.as_deref(),
            Some("pkg:huggingface/org/net@abc123")
        );
    }
}
