//! The BOM's domain model and how a project directory becomes one.
//!
//! Libraries come from `vouch-inventory` (lockfiles and BOMs); model files are read with
//! `vouch-scan` (format, size, SHA-256, format metadata); data files are hashed. A
//! `README.md` with YAML front matter in the same directory is the card of the models or
//! data in it. Identifiers are stable (a purl, or path plus digest) and the order is
//! sorted by them, so the same tree gives the same BOM.

use crate::card::{self, Card};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use vouch_inventory::{ComponentKind, Hash, WalkOptions};

/// What a BOM component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A software package.
    Library,
    /// A model file.
    MachineLearningModel,
    /// A data file or a dataset named by a model card.
    Data,
}

/// One component of the BOM.
#[derive(Debug, Clone, PartialEq)]
pub struct BomComponent {
    /// What it is.
    pub kind: Kind,
    /// Unique, stable identifier: the purl, or `path#sha256:<digest>`, or `dataset:<id>`.
    pub bom_ref: String,
    /// Name (package name, or path relative to the root for files).
    pub name: String,
    /// Pinned version.
    pub version: Option<String>,
    /// Package URL.
    pub purl: Option<String>,
    /// Digests.
    pub hashes: Vec<Hash>,
    /// Licences (SPDX ids or free names) from the card.
    pub licenses: Vec<String>,
    /// Detected file format (`safetensors`, `csv`, ...).
    pub format: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Format metadata from `vouch-scan`.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The card of its directory.
    pub card: Option<Card>,
    /// `model_type` of the `config.json` beside a model (e.g. `distilbert`).
    pub architecture_family: Option<String>,
    /// `architectures[0]` of that `config.json`.
    pub model_architecture: Option<String>,
}

impl BomComponent {
    fn new(kind: Kind, bom_ref: String, name: String) -> BomComponent {
        BomComponent {
            kind,
            bom_ref,
            name,
            version: None,
            purl: None,
            hashes: Vec::new(),
            licenses: Vec::new(),
            format: None,
            size: None,
            metadata: serde_json::Map::new(),
            card: None,
            architecture_family: None,
            model_architecture: None,
        }
    }

    /// The SHA-256 digest, if known.
    pub fn sha256(&self) -> Option<&str> {
        self.hashes
            .iter()
            .find(|h| h.alg == "sha256")
            .map(|h| h.value.as_str())
    }
}

/// A bill of materials: components sorted by `bom_ref`, and who depends on whom.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bom {
    /// The components, sorted by `bom_ref`, unique.
    pub components: Vec<BomComponent>,
    /// `(bom_ref, depends on bom_refs)`, sorted.
    pub dependencies: Vec<(String, Vec<String>)>,
}

/// Directories not entered.
const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "__pycache__",
    ".tox",
];
/// Deepest directory entered.
const MAX_DEPTH: usize = 32;

/// A data file's format by extension.
fn data_format(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.rsplit_once('.').map(|(_, e)| e)? {
        "csv" => "csv",
        "tsv" => "tsv",
        "jsonl" => "jsonl",
        "parquet" => "parquet",
        "arrow" => "arrow",
        "tfrecord" => "tfrecord",
        _ => return None,
    })
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or(&[]));
    }
    Ok(hex::encode(h.finalize()))
}

fn file_ref(rel: &str, sha: Option<&str>) -> String {
    match sha {
        Some(d) => format!("{rel}#sha256:{d}"),
        None => rel.to_owned(),
    }
}

/// Build the BOM of a project directory (or of one lockfile or BOM).
pub fn build(root: &Path) -> Result<Bom> {
    let inv = vouch_inventory::read_path(
        root,
        &WalkOptions {
            hash_models: false,
            ..WalkOptions::default()
        },
    )?;
    let mut by_ref: BTreeMap<String, BomComponent> = BTreeMap::new();
    for c in inv
        .components
        .into_iter()
        .filter(|c| c.kind == ComponentKind::Library)
    {
        let eco = c.ecosystem.as_ref().map_or("unknown", |e| e.as_str());
        let bom_ref = c.purl.clone().unwrap_or_else(|| {
            format!(
                "library:{eco}/{}@{}",
                c.name,
                c.version.as_deref().unwrap_or("")
            )
        });
        let e = by_ref.entry(bom_ref.clone()).or_insert_with(|| {
            let mut b = BomComponent::new(Kind::Library, bom_ref, c.name.clone());
            b.version = c.version.clone();
            b.purl = c.purl.clone();
            b
        });
        for h in c.hashes {
            if !e.hashes.contains(&h) {
                e.hashes.push(h);
            }
        }
    }
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if std::fs::metadata(root).map_err(io(root))?.is_dir() {
        let mut files = Vec::new();
        walk(root, root, 0, &mut files)?;
        add_files(root, &files, &mut by_ref, &mut deps)?;
    }
    for c in by_ref.values_mut() {
        c.hashes.sort();
    }
    let mut dependencies: Vec<(String, Vec<String>)> = by_ref
        .keys()
        .map(|r| {
            let mut d = deps.remove(r).unwrap_or_default();
            d.sort();
            d.dedup();
            (r.clone(), d)
        })
        .collect();
    dependencies.sort();
    Ok(Bom {
        components: by_ref.into_values().collect(),
        dependencies,
    })
}

/// A model or data file found by the walk: (relative dir, relative path, absolute path).
struct Found {
    dir: String,
    rel: String,
    path: std::path::PathBuf,
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<Found>) -> Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ft) = e.file_type() else { continue };
        let path = e.path();
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                walk(root, &path, depth + 1, out)?;
            }
        } else if ft.is_file()
            && (data_format(&name).is_some() || vouch_inventory::model_format(&name).is_some())
        {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let reldir = dir
                .strip_prefix(root)
                .unwrap_or(dir)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(Found {
                dir: reldir,
                rel,
                path,
            });
        }
    }
    Ok(())
}

fn read_card(root: &Path, dir: &str) -> Option<Card> {
    let p = root.join(dir).join("README.md");
    let meta = std::fs::metadata(&p).ok()?;
    if meta.len() > 4 << 20 {
        return None;
    }
    card::parse(&std::fs::read_to_string(&p).ok()?)
}

/// `model_type` and `architectures[0]` of a Hugging Face `config.json` in `dir`.
fn read_config(root: &Path, dir: &str) -> (Option<String>, Option<String>) {
    let p = root.join(dir).join("config.json");
    let v: Option<serde_json::Value> = std::fs::metadata(&p)
        .ok()
        .filter(|m| m.len() <= 4 << 20)
        .and_then(|_| std::fs::read(&p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let s = |v: Option<&serde_json::Value>| {
        v.and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match v {
        Some(v) => (
            s(v.get("model_type")),
            s(v.get("architectures").and_then(|a| a.get(0))),
        ),
        None => (None, None),
    }
}

fn add_files(
    root: &Path,
    files: &[Found],
    by_ref: &mut BTreeMap<String, BomComponent>,
    deps: &mut BTreeMap<String, Vec<String>>,
) -> Result<()> {
    // Data first, so model cards can point at local datasets: dir → refs.
    let mut data_dirs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut models = Vec::new();
    let opts = vouch_scan::ScanOptions::default();
    for f in files {
        let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
        if let Some(fmt) = data_format(name) {
            let sha = sha256_file(&f.path)?;
            let size = std::fs::metadata(&f.path).map_err(io(&f.path))?.len();
            let r = file_ref(&f.rel, Some(&sha));
            let mut c = BomComponent::new(Kind::Data, r.clone(), f.rel.clone());
            c.hashes = Hash::new("sha256", &sha).into_iter().collect();
            c.format = Some(fmt.to_owned());
            c.size = Some(size);
            c.card = read_card(root, &f.dir);
            c.licenses = c
                .card
                .as_ref()
                .map(|k| k.licenses.clone())
                .unwrap_or_default();
            data_dirs.entry(f.dir.clone()).or_default().push(r.clone());
            by_ref.insert(r, c);
        } else {
            let res = vouch_scan::scan_file(&f.path, &f.rel, &opts);
            let e = res.entry;
            let r = file_ref(&f.rel, e.sha256.as_deref());
            let mut c = BomComponent::new(Kind::MachineLearningModel, r.clone(), f.rel.clone());
            c.hashes = e
                .sha256
                .as_deref()
                .and_then(|s| Hash::new("sha256", s))
                .into_iter()
                .collect();
            c.format = Some(e.format);
            c.size = Some(e.size);
            c.metadata = e.metadata;
            c.card = read_card(root, &f.dir);
            c.licenses = c
                .card
                .as_ref()
                .map(|k| k.licenses.clone())
                .unwrap_or_default();
            (c.architecture_family, c.model_architecture) = read_config(root, &f.dir);
            models.push(r.clone());
            by_ref.insert(r, c);
        }
    }
    for m in models {
        let datasets = by_ref
            .get(&m)
            .and_then(|c| c.card.as_ref())
            .map(|k| k.datasets.clone())
            .unwrap_or_default();
        for id in datasets {
            let last = id.rsplit('/').next().unwrap_or(&id);
            let local: Vec<String> = data_dirs
                .iter()
                .filter(|(d, _)| d.rsplit('/').next() == Some(last))
                .flat_map(|(_, refs)| refs.iter().cloned())
                .collect();
            let refs = if local.is_empty() {
                let r = format!("dataset:{id}");
                by_ref
                    .entry(r.clone())
                    .or_insert_with(|| BomComponent::new(Kind::Data, r.clone(), id.clone()));
                vec![r]
            } else {
                local
            };
            deps.entry(m.clone()).or_default().extend(refs);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_dataset_without_local_data_is_its_own_component() {
        let t = tempfile::tempdir().unwrap();
        let m = t.path().join("m");
        std::fs::create_dir(&m).unwrap();
        std::fs::write(m.join("w.gguf"), b"not really gguf").unwrap();
        std::fs::write(m.join("README.md"), "---\ndatasets: [org/squad]\n---\n").unwrap();
        std::fs::write(m.join("config.json"), "{not json").unwrap();
        let bom = build(t.path()).unwrap();
        let refs: Vec<&str> = bom.components.iter().map(|c| c.bom_ref.as_str()).collect();
        assert_eq!(refs.len(), 2, "{refs:?}");
        assert_eq!(refs[0], "dataset:org/squad");
        assert!(refs[1].starts_with("m/w.gguf#sha256:"), "{refs:?}");
        assert_eq!(bom.components[1].architecture_family, None);
        let deps: Vec<_> = bom
            .dependencies
            .iter()
            .filter(|(_, d)| !d.is_empty())
            .collect();
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].1, ["dataset:org/squad"]);
    }

    #[test]
    fn a_single_lockfile_gives_libraries_only() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("requirements.txt");
        std::fs::write(&p, "b==1\na==2\na==2\n").unwrap();
        let bom = build(&p).unwrap();
        let names: Vec<&str> = bom.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(bom.components.iter().all(|c| c.kind == Kind::Library));
    }

    #[test]
    fn missing_path_is_an_error() {
        assert!(build(Path::new("/nonexistent/vouch-bom")).is_err());
    }
}
