//! How a project directory becomes a [`Bom`].
//!
//! 1. **Inventory** (`vouch-inventory`): libraries and projects from every lockfile,
//!    manifest and BOM in the tree, and from `--python-env` environments, with their edges.
//! 2. **Walk**: every file, once, sorted, bounded in depth and count. Symbolic links to files
//!    are followed only when they stay inside the root (a Hugging Face cache links snapshots
//!    to blobs); other links, and unreadable entries, become warnings.
//! 3. **Group**: a *model directory* is one that holds weights and a `config.json`, an
//!    `adapter_config.json`, a model card or sharded weights, or is a Hugging Face cache
//!    snapshot; every weight file below it (nearest root wins) and its side files belong to
//!    it. Other weight files are models on their own. A *dataset* is a directory with a
//!    dataset card or a Hugging Face dataset snapshot (all data files below it), or else a
//!    directory holding tabular data files (csv, parquet, ...).
//! 4. **Read** every grouped file in parallel: SHA-256 for all; model files are scanned
//!    (`vouch-scan`: format, tensors, parameters, dtypes, findings); data files inspected
//!    (`vouch-dataset`: rows, schema).
//! 5. **Link**: dependency edges resolved to refs; models → their datasets (card, local
//!    directories) and frameworks (libraries present in the BOM); the project → its direct
//!    dependencies, sub-projects, models and datasets.

use crate::card::{self, Card};
use crate::error::{Error, Result};
use crate::model::{BaseModel, Bom, BomComponent, Column, FileEntry, Kind, Metric};
use crate::modeldir::{self, ModelFacts};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use vouch_inventory::{Component, ComponentKind, Ecosystem, Hash, WalkOptions};

/// Options of [`build_with`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Installed Python environments to inventory too (`--python-env`).
    pub python_envs: Vec<PathBuf>,
    /// Directories deeper than this are not entered.
    pub max_depth: usize,
    /// The most files the walk considers; beyond, a warning and the rest is not read.
    pub max_files: usize,
    /// The most files listed per model or dataset (all are still hashed and counted).
    pub max_listed_files: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            python_envs: Vec::new(),
            max_depth: 32,
            max_files: 1_000_000,
            max_listed_files: 10_000,
        }
    }
}

/// Progress of a build, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The walk is done: this many files and bytes will be read.
    Start {
        /// Files to read.
        files: u64,
        /// Their total size.
        bytes: u64,
    },
    /// One file was read.
    File {
        /// Its size.
        bytes: u64,
    },
}

/// Build the BOM of a project directory (or of one lockfile, BOM, model or data file).
pub fn build(root: &Path) -> Result<Bom> {
    build_with(root, &Options::default(), &|_| {})
}

/// [`build`] with options and a progress callback.
pub fn build_with(
    root: &Path,
    opts: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Bom> {
    let meta = std::fs::metadata(root).map_err(io(root))?;
    let mut warnings = Vec::new();

    // 1. Inventory.
    let mut inv_components = Vec::new();
    let single_artifact = !meta.is_dir() && is_artifact(root);
    if !single_artifact {
        let inv = vouch_inventory::read_path(
            root,
            &WalkOptions {
                hash_models: false,
                max_depth: opts.max_depth,
            },
        )?;
        warnings.extend(inv.warnings);
        inv_components.extend(inv.components);
    }
    for env in &opts.python_envs {
        let inv = vouch_inventory::read_python_env(env)?;
        warnings.extend(inv.warnings);
        inv_components.extend(inv.components);
    }

    // 2. Walk.
    let (base, files) = if meta.is_dir() {
        let mut w = Walk {
            root,
            canon_root: std::fs::canonicalize(root).map_err(io(root))?,
            opts,
            files: Vec::new(),
            warnings: &mut warnings,
            truncated: false,
        };
        w.dir(root, "", 0);
        let files = std::mem::take(&mut w.files);
        (root.to_path_buf(), files)
    } else if single_artifact {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = root.parent().map(Path::to_path_buf).unwrap_or_default();
        let f = Found {
            dir: String::new(),
            name: name.clone(),
            rel: name,
            path: root.to_path_buf(),
            size: meta.len(),
        };
        (parent, vec![f])
    } else {
        (root.to_path_buf(), Vec::new())
    };

    // 3. Group.
    let groups = group(&base, &files, &mut warnings);

    // 4. Read.
    let jobs: Vec<(&Found, Role)> = groups
        .jobs
        .iter()
        .filter_map(|(i, role)| Some((files.get(*i)?, *role)))
        .collect();
    progress(Progress::Start {
        files: jobs.len() as u64,
        bytes: jobs.iter().map(|(f, _)| f.size).sum(),
    });
    let read: Vec<ReadFile> = jobs
        .par_iter()
        .map(|(f, role)| {
            let r = read_file(f, *role);
            progress(Progress::File { bytes: f.size });
            r
        })
        .collect();
    let mut by_rel: HashMap<String, ReadFile> = HashMap::with_capacity(read.len());
    for r in read {
        warnings.extend(r.warning.iter().cloned());
        by_rel.insert(r.rel.clone(), r);
    }

    // 5. Assemble and link.
    let mut a = Assembly::default();
    for g in &groups.models {
        let c = model_component(g, &by_rel, &mut warnings);
        a.insert(c, &mut warnings);
    }
    for g in &groups.datasets {
        let c = dataset_component(g, &by_rel, opts.max_listed_files);
        a.insert(c, &mut warnings);
    }
    let root_name = display_name(root);
    Ok(a.finish(inv_components, &root_name, warnings))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether a single file is a model or data file (rather than a lockfile or BOM).
fn is_artifact(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    vouch_inventory::kind_by_name(path).is_none()
        && (weight_format(&name).is_some() || strong_data_format(&name).is_some())
}

fn display_name(root: &Path) -> String {
    std::fs::canonicalize(root)
        .ok()
        .as_deref()
        .unwrap_or(root)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "project".into())
}

// ------------------------------------------------------------------ walk

/// A regular file found by the walk.
#[derive(Debug, Clone)]
struct Found {
    /// Directory relative to the root (`""` for the root).
    dir: String,
    /// File name.
    name: String,
    /// Path relative to the root.
    rel: String,
    /// Where to read it.
    path: PathBuf,
    /// Size in bytes.
    size: u64,
}

struct Walk<'a> {
    root: &'a Path,
    canon_root: PathBuf,
    opts: &'a Options,
    files: Vec<Found>,
    warnings: &'a mut Vec<String>,
    truncated: bool,
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

impl Walk<'_> {
    // Recursion is bounded by `max_depth`, not by the input.
    fn dir(&mut self, path: &Path, rel: &str, depth: usize) {
        if depth > self.opts.max_depth {
            self.warnings.push(format!(
                "{rel}: deeper than {} directories, not entered",
                self.opts.max_depth
            ));
            return;
        }
        if depth > 0 && path.join("pyvenv.cfg").is_file() {
            return; // a virtualenv: use --python-env to inventory it
        }
        let rd = match std::fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) => {
                self.warnings.push(format!(
                    "{}: cannot read directory: {e}",
                    if rel.is_empty() { "." } else { rel }
                ));
                return;
            }
        };
        let mut entries: Vec<_> = rd.filter_map(std::result::Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            if self.files.len() >= self.opts.max_files {
                if !self.truncated {
                    self.truncated = true;
                    self.warnings.push(format!(
                        "more than {} files: the rest of the tree was not read (the BOM is incomplete)",
                        self.opts.max_files
                    ));
                }
                return;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let p = e.path();
            let r = join(rel, &name);
            let Ok(ft) = e.file_type() else {
                self.warnings.push(format!("{r}: cannot stat; skipped"));
                continue;
            };
            if ft.is_dir() {
                if !vouch_inventory::SKIP_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                    self.dir(&p, &r, depth + 1);
                }
            } else if ft.is_file() {
                let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                self.push(rel, name, r, p, size);
            } else if ft.is_symlink() {
                self.link(rel, name, r, p);
            }
        }
    }

    fn push(&mut self, dir: &str, name: String, rel: String, path: PathBuf, size: u64) {
        self.files.push(Found {
            dir: dir.to_owned(),
            name,
            rel,
            path,
            size,
        });
    }

    /// A symbolic link: followed when it is a file inside the root.
    fn link(&mut self, dir: &str, name: String, rel: String, path: PathBuf) {
        let interesting = weight_format(&name).is_some()
            || vouch_dataset::data_format(&name).is_some()
            || modeldir::SIDE_FILES.contains(&name.as_str())
            || modeldir::is_training_file(&name);
        if !interesting {
            return;
        }
        match std::fs::canonicalize(&path) {
            Ok(target) if target.starts_with(&self.canon_root) => {
                match std::fs::metadata(&target) {
                    Ok(m) if m.is_file() => self.push(dir, name, rel, target, m.len()),
                    Ok(_) => self.warnings.push(format!(
                        "{rel}: a symbolic link to a directory; not followed"
                    )),
                    Err(e) => self.warnings.push(format!("{rel}: broken link: {e}")),
                }
            }
            Ok(target) => self.warnings.push(format!(
                "{rel}: a symbolic link to {}, outside {}; not read",
                target.display(),
                self.root.display()
            )),
            Err(e) => self.warnings.push(format!("{rel}: broken link: {e}")),
        }
    }
}

// ------------------------------------------------------------------ grouping

/// The weight format of a file name (`vouch-inventory`'s model extensions).
fn weight_format(name: &str) -> Option<&'static str> {
    match vouch_inventory::model_format(name)? {
        (f, ComponentKind::Model) => Some(f),
        _ => None,
    }
}

/// Data formats that make a directory a dataset on their own (media and JSON files only
/// count inside a dataset with a card).
fn strong_data_format(name: &str) -> Option<&'static str> {
    match vouch_dataset::data_format(name)? {
        f @ ("parquet" | "arrow" | "csv" | "tsv" | "jsonl" | "tfrecord") => Some(f),
        _ => None,
    }
}

/// What a file is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Weights,
    Side,
    Data,
}

/// A model: a directory or one file.
#[derive(Debug)]
struct ModelGroup {
    /// Directory relative to the root (for a single file: its path).
    rel: String,
    /// Whether it is a directory (a model root) rather than a single file.
    is_dir: bool,
    /// Every file below it belongs to it (a TensorFlow SavedModel: `variables/` shards have
    /// no weight extension).
    take_all: bool,
    /// Hugging Face identity (repo id, revision).
    hf: Option<(String, String)>,
    card: Option<Card>,
    facts: ModelFacts,
    /// Files (relative paths) and their role.
    files: Vec<(String, Role)>,
}

#[derive(Debug)]
struct DataGroup {
    rel: String,
    hf: Option<(String, String)>,
    card: Option<Card>,
    files: Vec<String>,
}

#[derive(Default)]
struct Groups {
    models: Vec<ModelGroup>,
    datasets: Vec<DataGroup>,
    /// Index into the walk's files, and why it is read.
    jobs: Vec<(usize, Role)>,
}

/// `…/models--org--name/snapshots/<rev>` → (`org/name`, rev, is_dataset).
fn hf_snapshot(rel_dir: &str) -> Option<(String, String, bool)> {
    let mut parts = rel_dir.rsplit('/');
    let rev = parts.next()?;
    if parts.next()? != "snapshots" {
        return None;
    }
    let (repo, kind) = vouch_inventory::hf_repo(parts.next()?)?;
    let id = repo.strip_prefix("datasets/").unwrap_or(&repo).to_owned();
    Some((id, rev.to_owned(), kind == ComponentKind::Dataset))
}

fn is_shard(name: &str) -> bool {
    // model-00001-of-00004.safetensors, pytorch_model-00001-of-00002.bin
    name.contains("-of-") && name.bytes().filter(u8::is_ascii_digit).count() >= 2
}

/// The nearest ancestor directory of `dir` (itself included) in `roots`.
fn nearest<'a, T>(roots: &'a BTreeMap<String, T>, dir: &str) -> Option<(&'a str, &'a T)> {
    let mut d = dir;
    loop {
        if let Some((k, v)) = roots.get_key_value(d) {
            return Some((k.as_str(), v));
        }
        if d.is_empty() {
            return None;
        }
        d = d.rsplit_once('/').map_or("", |(p, _)| p);
    }
}

/// The largest `README.md` read as a card.
const MAX_CARD: u64 = 4 << 20;

fn read_card(base: &Path, dir: &str, warnings: &mut Vec<String>) -> Option<Card> {
    let bytes = modeldir::read_capped(&base.join(dir).join("README.md"), MAX_CARD, warnings)?;
    card::parse(&String::from_utf8_lossy(&bytes))
}

fn group(base: &Path, files: &[Found], warnings: &mut Vec<String>) -> Groups {
    // Names per directory.
    let mut dirs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in files {
        dirs.entry(f.dir.as_str())
            .or_default()
            .push(f.name.as_str());
    }
    // Roots.
    let mut model_roots: BTreeMap<String, ModelGroup> = BTreeMap::new();
    let mut data_roots: BTreeMap<String, DataGroup> = BTreeMap::new();
    for (dir, names) in &dirs {
        let snapshot = hf_snapshot(dir);
        let card = if names.contains(&"README.md") {
            read_card(base, dir, warnings)
        } else {
            None
        };
        let dataset_card = card.as_ref().is_some_and(Card::is_dataset_card);
        let has_weights = names.iter().any(|n| weight_format(n).is_some());
        match snapshot {
            Some((id, rev, true)) => {
                data_roots.insert(
                    (*dir).to_owned(),
                    DataGroup {
                        rel: (*dir).to_owned(),
                        hf: Some((id, rev)),
                        card,
                        files: Vec::new(),
                    },
                );
            }
            Some((id, rev, false)) => {
                model_roots.insert(
                    (*dir).to_owned(),
                    model_group(base, dir, names, Some((id, rev)), card, true),
                );
            }
            None if dataset_card => {
                data_roots.insert(
                    (*dir).to_owned(),
                    DataGroup {
                        rel: (*dir).to_owned(),
                        hf: None,
                        card,
                        files: Vec::new(),
                    },
                );
            }
            None if names.contains(&"saved_model.pb") || names.contains(&"saved_model.pbtxt") => {
                let mut g = model_group(base, dir, names, None, card, true);
                g.take_all = true;
                model_roots.insert((*dir).to_owned(), g);
            }
            None if has_weights
                && (names.contains(&"config.json")
                    || names.contains(&"adapter_config.json")
                    || card.is_some()
                    || names
                        .iter()
                        .any(|n| weight_format(n).is_some() && is_shard(n))) =>
            {
                model_roots.insert(
                    (*dir).to_owned(),
                    model_group(base, dir, names, None, card, true),
                );
            }
            None => {}
        }
    }
    // Files to groups.
    let mut g = Groups::default();
    let mut loose_data: BTreeMap<String, DataGroup> = BTreeMap::new();
    let mut single: Vec<ModelGroup> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let m = nearest(&model_roots, &f.dir).map(|(k, _)| k.to_owned());
        let d = nearest(&data_roots, &f.dir).map(|(k, _)| k.to_owned());
        // The nearer root wins (the longer path).
        let in_data = match (&m, &d) {
            (Some(m), Some(d)) => d.len() > m.len(),
            (None, Some(_)) => true,
            _ => false,
        };
        if in_data {
            if vouch_dataset::data_format(&f.name).is_some()
                && let Some(dg) = d.as_ref().and_then(|d| data_roots.get_mut(d))
            {
                dg.files.push(f.rel.clone());
                g.jobs.push((i, Role::Data));
            }
            continue;
        }
        if let Some(mroot) = &m {
            let Some(mg) = model_roots.get_mut(mroot) else {
                continue;
            };
            let direct = f.dir == *mroot;
            if weight_format(&f.name).is_some() && !(mg.take_all && f.dir != *mroot) {
                mg.files.push((f.rel.clone(), Role::Weights));
                g.jobs.push((i, Role::Weights));
            } else if mg.take_all
                || (direct
                    && (modeldir::SIDE_FILES.contains(&f.name.as_str())
                        || modeldir::is_training_file(&f.name)))
            {
                mg.files.push((f.rel.clone(), Role::Side));
                g.jobs.push((i, Role::Side));
            }
            continue;
        }
        if weight_format(&f.name).is_some() {
            single.push(ModelGroup {
                rel: f.rel.clone(),
                is_dir: false,
                take_all: false,
                hf: None,
                card: None,
                facts: ModelFacts::default(),
                files: vec![(f.rel.clone(), Role::Weights)],
            });
            g.jobs.push((i, Role::Weights));
        } else if strong_data_format(&f.name).is_some() {
            loose_data
                .entry(f.dir.clone())
                .or_insert_with(|| DataGroup {
                    rel: f.dir.clone(),
                    hf: None,
                    card: None,
                    files: Vec::new(),
                })
                .files
                .push(f.rel.clone());
            g.jobs.push((i, Role::Data));
        }
    }
    g.models = model_roots.into_values().chain(single).collect();
    g.datasets = data_roots
        .into_values()
        .filter(|d| !d.files.is_empty() || d.hf.is_some())
        .chain(loose_data.into_values())
        .collect();
    g
}

fn model_group(
    base: &Path,
    dir: &str,
    names: &[&str],
    hf: Option<(String, String)>,
    card: Option<Card>,
    is_dir: bool,
) -> ModelGroup {
    let facts = modeldir::read(&base.join(dir), names);
    ModelGroup {
        rel: dir.to_owned(),
        is_dir,
        take_all: false,
        hf,
        card: card.filter(|c| !c.is_dataset_card()),
        facts,
        files: Vec::new(),
    }
}

// ------------------------------------------------------------------ reading

#[derive(Debug)]
struct ReadFile {
    rel: String,
    sha256: Option<String>,
    size: u64,
    format: Option<String>,
    /// Scanner metadata (weights) .
    metadata: serde_json::Map<String, serde_json::Value>,
    /// Scanner findings: (count, worst severity).
    findings: (usize, Option<vouch_core::Severity>),
    /// Data files.
    rows: Option<u64>,
    columns: Vec<Column>,
    modality: Option<String>,
    warning: Option<String>,
}

fn read_file(f: &Found, role: Role) -> ReadFile {
    let mut r = ReadFile {
        rel: f.rel.clone(),
        sha256: None,
        size: f.size,
        format: None,
        metadata: serde_json::Map::new(),
        findings: (0, None),
        rows: None,
        columns: Vec::new(),
        modality: None,
        warning: None,
    };
    match role {
        Role::Weights => {
            let opts = vouch_scan::ScanOptions {
                hash: vouch_scan::HashMode::Always,
                ..vouch_scan::ScanOptions::default()
            };
            let res = vouch_scan::scan_file(&f.path, &f.rel, &opts);
            r.sha256 = res.entry.sha256;
            r.size = res.entry.size;
            r.format = Some(res.entry.format);
            r.metadata = res.entry.metadata;
            let worst = res.findings.iter().map(|x| x.severity).max();
            r.findings = (res.findings.len(), worst);
            if r.sha256.is_none() {
                r.warning = Some(format!(
                    "{}: could not be read to the end; no digest",
                    f.rel
                ));
            }
        }
        Role::Side => match vouch_inventory::sha256_file(&f.path) {
            Ok(d) => r.sha256 = Some(d),
            Err(e) => r.warning = Some(format!("{}: cannot read: {e}", f.rel)),
        },
        Role::Data => {
            match vouch_inventory::sha256_file(&f.path) {
                Ok(d) => r.sha256 = Some(d),
                Err(e) => r.warning = Some(format!("{}: cannot read: {e}", f.rel)),
            }
            match vouch_dataset::inspect(&f.path, &vouch_dataset::Limits::default()) {
                Ok(info) => {
                    r.format = Some(info.format.to_owned());
                    r.rows = info.rows;
                    r.columns = info
                        .columns
                        .into_iter()
                        .map(|c| Column {
                            name: c.name,
                            dtype: c.dtype,
                        })
                        .collect();
                    r.modality = info.modality.map(str::to_owned);
                    if !info.notes.is_empty() {
                        r.warning = Some(format!("{}: {}", f.rel, info.notes.join("; ")));
                    }
                }
                Err(e) => {
                    r.format = f.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
                    r.warning.get_or_insert(format!("{}: {e}", f.rel));
                }
            }
        }
    }
    r
}

// ------------------------------------------------------------------ components

/// `sha256` over sorted `path\0digest\n` lines: one digest for a multi-file component.
fn manifest_digest(files: &[FileEntry]) -> String {
    let mut h = Sha256::new();
    for f in files {
        h.update(f.path.as_bytes());
        h.update([0]);
        h.update(f.sha256.as_deref().unwrap_or("-").as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// The purl of a Hugging Face repository at a revision (lower case, as the purl type says).
fn hf_purl(id: &str, rev: &str) -> String {
    vouch_inventory::purl_for(&Ecosystem::HuggingFace, id, Some(&rev.to_ascii_lowercase()))
        .unwrap_or_default()
}

/// Serialisation formats that run code when loaded.
fn pickle_based(format: &str) -> bool {
    matches!(format, "pytorch" | "pickle" | "joblib" | "numpy-pickle")
        || format.starts_with("pytorch")
        || format.starts_with("pickle")
        || format.starts_with("joblib")
}

fn model_component(
    g: &ModelGroup,
    read: &HashMap<String, ReadFile>,
    warnings: &mut Vec<String>,
) -> BomComponent {
    let (bom_ref, name, version, purl) = match &g.hf {
        Some((id, rev)) => {
            let p = hf_purl(id, rev);
            (p.clone(), id.clone(), Some(rev.clone()), Some(p))
        }
        None => {
            let rel = if g.rel.is_empty() { "." } else { &g.rel };
            (format!("model:{rel}"), rel.to_owned(), None, None)
        }
    };
    let mut c = BomComponent::new(Kind::MachineLearningModel, bom_ref, name);
    c.version = version;
    c.purl = purl;
    let mut files: Vec<FileEntry> = Vec::new();
    let mut formats = BTreeSet::new();
    let mut parameters: Option<u64> = None;
    let mut tensors: Option<u64> = None;
    let mut dtypes: BTreeSet<String> = BTreeSet::new();
    let mut quant: BTreeSet<String> = BTreeSet::new();
    let mut findings = 0usize;
    let mut worst: Option<vouch_core::Severity> = None;
    let mut arch_from_weights: Option<String> = None;
    let mut template_digests: Vec<(String, String)> = Vec::new();
    for (rel, role) in &g.files {
        let Some(r) = read.get(rel.as_str()) else {
            continue;
        };
        let format = match role {
            Role::Weights => r.format.clone(),
            _ => Some("config".to_owned()),
        };
        if *role == Role::Weights {
            if let Some(f) = &r.format {
                formats.insert(f.clone());
            }
            let m = &r.metadata;
            if let Some(p) = m.get("parameters").and_then(serde_json::Value::as_u64) {
                parameters = Some(parameters.unwrap_or(0).saturating_add(p));
            }
            if let Some(t) = m.get("tensors").and_then(serde_json::Value::as_u64) {
                tensors = Some(tensors.unwrap_or(0).saturating_add(t));
            }
            for key in ["dtypes", "tensor_types"] {
                if let Some(o) = m.get(key).and_then(serde_json::Value::as_object) {
                    dtypes.extend(o.keys().take(64).cloned());
                }
            }
            if let Some(q) = m.get("file_type").and_then(serde_json::Value::as_str) {
                quant.insert(q.to_owned());
            }
            if let Some(o) = m
                .get("chat_template_sha256")
                .and_then(serde_json::Value::as_object)
            {
                for (k, v) in o.iter().take(64) {
                    let name = match k.strip_prefix("tokenizer.chat_template") {
                        Some("") => "chat_template_sha256".to_owned(),
                        Some(rest) => {
                            format!("chat_template_sha256:{}", rest.trim_start_matches('.'))
                        }
                        None => format!("chat_template_sha256:{k}"),
                    };
                    if let Some(d) = v.as_str() {
                        template_digests.push((name, d.to_owned()));
                    }
                }
            }
            if arch_from_weights.is_none() {
                arch_from_weights = m
                    .get("architecture")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned);
            }
            findings += r.findings.0;
            worst = worst.max(r.findings.1);
        }
        files.push(FileEntry {
            path: rel.clone(),
            sha256: r.sha256.clone(),
            size: r.size,
            format,
            rows: None,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let weights: Vec<&FileEntry> = files
        .iter()
        .filter(|f| f.format.as_deref() != Some("config"))
        .collect();
    if let [only] = weights.as_slice()
        && let Some(h) = only.sha256.as_deref().and_then(|d| Hash::new("sha256", d))
    {
        c.hashes = vec![h];
    }
    c.size = Some(files.iter().map(|f| f.size).sum());
    c.format = (!formats.is_empty()).then(|| formats.iter().cloned().collect::<Vec<_>>().join("+"));
    let mut props: Vec<(String, String)> = Vec::new();
    if let Some(f) = &c.format {
        props.push(("format".into(), f.clone()));
        if formats.iter().any(|f| pickle_based(f)) {
            props.push((
                "serialization".into(),
                "pickle (runs code when loaded)".into(),
            ));
        }
    }
    props.push(("files".into(), files.len().to_string()));
    if files.len() > 1 {
        props.push(("files-sha256".into(), manifest_digest(&files)));
    }
    if let Some(p) = parameters {
        props.push(("parameters".into(), p.to_string()));
    }
    if let Some(t) = tensors {
        props.push(("tensors".into(), t.to_string()));
    }
    if !dtypes.is_empty() {
        props.push((
            "dtypes".into(),
            dtypes.into_iter().collect::<Vec<_>>().join(","),
        ));
    }
    if !quant.is_empty() {
        props.push((
            "quantization".into(),
            quant.into_iter().collect::<Vec<_>>().join(","),
        ));
    }
    for (k, v) in g.facts.properties.iter().chain(&template_digests) {
        if props.iter().any(|(n, _)| n == k) {
            continue;
        }
        props.push((k.clone(), v.clone()));
    }
    if let Some(card) = &g.card {
        if !card.language.is_empty() {
            props.push(("language".into(), card.language.join(",")));
        }
        if let Some(l) = &card.library_name {
            props.push(("library_name".into(), l.clone()));
        }
    }
    if let Some(v) = &g.facts.transformers_version {
        props.push(("transformers_version".into(), v.clone()));
    }
    if !g.facts.training_files.is_empty() {
        props.push(("training-config".into(), g.facts.training_files.join(",")));
    }
    props.push(("scan-findings".into(), findings.to_string()));
    if let Some(w) = worst {
        props.push(("scan-max-severity".into(), w.as_str().to_owned()));
    }
    c.properties = props;
    // Card, lineage, training.
    c.card.clone_from(&g.card);
    if g.card.is_some() {
        c.card_path = Some(join(&g.rel, "README.md"));
    }
    if let Some(card) = &g.card {
        c.licenses.clone_from(&card.licenses);
        for b in &card.base_model {
            c.base_models.push(BaseModel {
                id: b.clone(),
                relation: card.base_model_relation.clone(),
                source: "card",
            });
        }
        c.metrics = card
            .results
            .iter()
            .map(|r| Metric {
                kind: r.metric.clone(),
                value: r.value.clone(),
                slice: r.dataset.as_ref().map(|d| match &r.split {
                    Some(s) => format!("{d}/{s}"),
                    None => d.clone(),
                }),
            })
            .collect();
    }
    if c.base_models.is_empty()
        && let Some(b) = &g.facts.adapter_base
    {
        c.base_models.push(BaseModel {
            id: b.clone(),
            relation: Some("adapter".into()),
            source: "adapter_config.json",
        });
    }
    c.architecture_family = g.facts.model_type.clone().or(arch_from_weights);
    c.model_architecture.clone_from(&g.facts.architecture);
    c.labels.clone_from(&g.facts.labels);
    c.hyperparameters.clone_from(&g.facts.hyperparameters);
    for w in &g.facts.warnings {
        warnings.push(w.clone());
    }
    c.files = if g.is_dir { files } else { Vec::new() };
    c
}

fn dataset_component(
    g: &DataGroup,
    read: &HashMap<String, ReadFile>,
    max_listed: usize,
) -> BomComponent {
    // Data files at the top of PATH: one file is named by its path, several by `.`.
    let rel = match (g.rel.as_str(), g.files.as_slice()) {
        ("", [only]) => only.as_str(),
        ("", _) => ".",
        (r, _) => r,
    };
    let (bom_ref, name, version, purl) = match &g.hf {
        Some((id, rev)) => {
            let p = hf_purl(&format!("datasets/{id}"), rev);
            (p.clone(), id.clone(), Some(rev.clone()), Some(p))
        }
        None => (format!("data:{rel}"), rel.to_owned(), None, None),
    };
    let mut c = BomComponent::new(Kind::Data, bom_ref, name);
    c.version = version;
    c.purl = purl;
    let mut files: Vec<FileEntry> = Vec::new();
    let mut formats = BTreeSet::new();
    let mut modalities = BTreeSet::new();
    let mut rows: Option<u64> = Some(0);
    let mut columns: Vec<Column> = Vec::new();
    for rel in &g.files {
        let Some(r) = read.get(rel.as_str()) else {
            continue;
        };
        if let Some(f) = &r.format {
            formats.insert(f.clone());
        }
        if let Some(m) = &r.modality {
            modalities.insert(m.clone());
        }
        let tabular = r.modality.as_deref() != Some("image")
            && r.modality.as_deref() != Some("audio")
            && r.modality.as_deref() != Some("video");
        if tabular {
            rows = match (rows, r.rows) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
        }
        for col in &r.columns {
            if columns.len() < 1024 && !columns.iter().any(|c| c.name == col.name) {
                columns.push(col.clone());
            }
        }
        files.push(FileEntry {
            path: rel.clone(),
            sha256: r.sha256.clone(),
            size: r.size,
            format: r.format.clone(),
            rows: r.rows,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let any_tabular = files.iter().any(|f| f.rows.is_some());
    c.rows = if any_tabular { rows } else { None };
    if let Some(card) = &g.card {
        c.licenses.clone_from(&card.licenses);
        if !card.features.is_empty() {
            columns = card
                .features
                .iter()
                .map(|(n, t)| Column {
                    name: n.clone(),
                    dtype: t.clone(),
                })
                .collect();
        }
        for (_, t) in &card.features {
            match t.as_str() {
                "image" => {
                    modalities.insert("image".into());
                }
                "audio" => {
                    modalities.insert("audio".into());
                }
                "string" => {
                    modalities.insert("text".into());
                }
                _ => {}
            }
        }
    }
    c.columns = columns;
    c.modalities = modalities.into_iter().collect();
    c.size = Some(files.iter().map(|f| f.size).sum());
    c.format = (!formats.is_empty()).then(|| formats.iter().cloned().collect::<Vec<_>>().join("+"));
    if let [only] = files.as_slice()
        && let Some(h) = only.sha256.as_deref().and_then(|d| Hash::new("sha256", d))
    {
        c.hashes = vec![h];
    }
    let mut props: Vec<(String, String)> = Vec::new();
    if let Some(f) = &c.format {
        props.push(("format".into(), f.clone()));
    }
    props.push(("files".into(), files.len().to_string()));
    if files.len() > 1 {
        props.push(("files-sha256".into(), manifest_digest(&files)));
    }
    if let Some(r) = c.rows {
        props.push(("rows".into(), r.to_string()));
    }
    if !c.columns.is_empty() {
        props.push((
            "schema".into(),
            c.columns
                .iter()
                .map(|c| format!("{}:{}", c.name, c.dtype))
                .collect::<Vec<_>>()
                .join(","),
        ));
    }
    if let Some(card) = &g.card {
        for (k, v) in [
            (
                "pretty_name",
                card.pretty_name.iter().cloned().collect::<Vec<_>>(),
            ),
            ("task_categories", card.task_categories.clone()),
            ("size_categories", card.size_categories.clone()),
            ("source_datasets", card.source_datasets.clone()),
            ("language", card.language.clone()),
        ] {
            if !v.is_empty() {
                props.push((k.into(), v.join(",")));
            }
        }
        for s in &card.splits {
            if let Some(n) = s.examples {
                props.push((format!("split:{}", s.name), n.to_string()));
            }
        }
    }
    c.properties = props;
    c.card.clone_from(&g.card);
    if g.card.is_some() {
        c.card_path = Some(join(&g.rel, "README.md"));
    }
    if files.len() > max_listed {
        c.files_omitted = (files.len() - max_listed) as u64;
        files.truncate(max_listed);
    }
    c.files = files;
    c
}

// ------------------------------------------------------------------ assembly

#[derive(Default)]
struct Assembly {
    by_ref: BTreeMap<String, BomComponent>,
    deps: BTreeMap<String, BTreeSet<String>>,
}

/// Libraries a model of this format (or card `library_name`) is loaded with, by PEP 503 name.
fn frameworks(format: &str) -> &'static [&'static str] {
    match format {
        "safetensors" => &["safetensors"],
        f if f.starts_with("pytorch") => &["torch"],
        "pickle" | "joblib" => &["joblib", "scikit-learn"],
        "gguf" => &["llama-cpp-python", "gguf"],
        "onnx" => &["onnx", "onnxruntime"],
        f if f.starts_with("keras") || f.starts_with("hdf5") => &["keras", "tensorflow"],
        f if f.starts_with("tensorflow") || f.starts_with("saved") => &["tensorflow"],
        _ => &[],
    }
}

impl Assembly {
    fn insert(&mut self, c: BomComponent, warnings: &mut Vec<String>) {
        if self.by_ref.contains_key(&c.bom_ref) {
            warnings.push(format!(
                "{}: found twice (two copies of the same Hugging Face snapshot?); kept the first",
                c.bom_ref
            ));
            return;
        }
        self.by_ref.insert(c.bom_ref.clone(), c);
    }

    fn edge(&mut self, from: &str, to: &str) {
        if from != to {
            self.deps
                .entry(from.to_owned())
                .or_default()
                .insert(to.to_owned());
        }
    }

    fn finish(mut self, inv: Vec<Component>, root_name: &str, mut warnings: Vec<String>) -> Bom {
        // Libraries and projects from the inventory, merged by ref.
        let mut projects: BTreeMap<String, (BomComponent, bool)> = BTreeMap::new();
        let mut raw_edges: Vec<(String, Vec<String>)> = Vec::new();
        for c in inv {
            let r = c.dep_ref();
            match c.kind {
                ComponentKind::Library => {
                    match self.by_ref.entry(r.clone()) {
                        // First sight: the inventory's fields are moved, not copied.
                        std::collections::btree_map::Entry::Vacant(v) => {
                            let mut b = BomComponent::new(Kind::Library, r.clone(), c.name);
                            b.version = c.version;
                            b.purl = c.purl;
                            b.dev = c.dev;
                            b.hashes = c.hashes;
                            b.licenses = c.licenses;
                            v.insert(b);
                        }
                        std::collections::btree_map::Entry::Occupied(mut o) => {
                            merge_library(o.get_mut(), &c);
                        }
                    }
                    raw_edges.push((r, c.depends_on));
                }
                ComponentKind::Project => {
                    let at_root = !c.origin.path.contains('/');
                    let e = projects.entry(r.clone()).or_insert_with(|| {
                        let mut b = BomComponent::new(Kind::Application, r.clone(), c.name.clone());
                        b.version.clone_from(&c.version);
                        b.purl.clone_from(&c.purl);
                        (b, at_root)
                    });
                    e.1 |= at_root;
                    for l in &c.licenses {
                        if !e.0.licenses.contains(l) {
                            e.0.licenses.push(l.clone());
                        }
                    }
                    raw_edges.push((r, c.depends_on));
                }
                ComponentKind::Model | ComponentKind::Dataset => {
                    // From a third-party BOM in the tree, or a Hugging Face cache repo the
                    // walk already turned into a component.
                    if c.ecosystem == Some(Ecosystem::HuggingFace) || self.by_ref.contains_key(&r) {
                        continue;
                    }
                    let kind = if c.kind == ComponentKind::Model {
                        Kind::MachineLearningModel
                    } else {
                        Kind::Data
                    };
                    let mut b = BomComponent::new(kind, r.clone(), c.name.clone());
                    b.version = c.version;
                    b.purl = c.purl;
                    b.hashes = c.hashes;
                    b.licenses = c.licenses;
                    b.properties.push(("source".into(), c.origin.path));
                    self.by_ref.insert(r, b);
                }
                ComponentKind::File => {}
            }
        }
        // The project: a root-level one, else one named after the directory.
        let root_key = projects
            .iter()
            .find(|(_, (_, at_root))| *at_root)
            .map(|(k, _)| k.clone());
        let project = match root_key.and_then(|k| projects.remove(&k)) {
            Some((p, _)) => p,
            None => {
                let mut p =
                    BomComponent::new(Kind::Application, format!("project:{root_name}"), root_name);
                p.properties.push(("synthesized".into(), "true".into()));
                p
            }
        };
        let sub_projects: Vec<String> = projects.keys().cloned().collect();
        for (k, (p, _)) in projects {
            self.by_ref.insert(k, p);
        }
        // Resolve edges: exact refs, then unversioned purls by name.
        let mut unversioned: HashMap<String, Vec<String>> = HashMap::new();
        for (r, c) in &self.by_ref {
            if c.kind == Kind::Library
                && let Some(p) = &c.purl
            {
                let base = p.split(['@', '?', '#']).next().unwrap_or(p);
                unversioned
                    .entry(base.to_owned())
                    .or_default()
                    .push(r.clone());
            }
        }
        let mut project_direct = Vec::new();
        for (from, to) in raw_edges {
            let from_ref = if from == project.bom_ref {
                None
            } else {
                Some(from)
            };
            for t in to {
                let targets: Vec<String> = if self.by_ref.contains_key(&t) {
                    vec![t]
                } else if let Some(v) = unversioned.get(&t) {
                    v.clone()
                } else if t.starts_with("pkg:") && !t.contains('@') {
                    // A declared dependency nothing pins: listed, unpinned.
                    let name = t.rsplit('/').next().unwrap_or(&t).to_owned();
                    let mut b = BomComponent::new(Kind::Library, t.clone(), name);
                    b.purl = Some(t.clone());
                    b.properties.push(("unpinned".into(), "true".into()));
                    self.by_ref.insert(t.clone(), b);
                    unversioned.insert(t.clone(), vec![t.clone()]);
                    vec![t]
                } else {
                    continue;
                };
                for target in targets {
                    match &from_ref {
                        Some(f) => self.edge(f, &target),
                        None => project_direct.push(target),
                    }
                }
            }
        }
        // Models → datasets and frameworks.
        self.link_models();
        // The project → direct deps (or top-level libraries), sub-projects, models, data.
        let depended: BTreeSet<String> = self.deps.values().flatten().cloned().collect();
        let mut top: Vec<String> = project_direct;
        let declared = !top.is_empty() || project.property("synthesized").is_none();
        for (r, c) in &self.by_ref {
            let add = match c.kind {
                Kind::Application => sub_projects.contains(r),
                Kind::MachineLearningModel | Kind::Data => !depended.contains(r),
                Kind::Library => !declared && !depended.contains(r),
            };
            if add {
                top.push(r.clone());
            }
        }
        let project_ref = project.bom_ref.clone();
        for t in top {
            self.edge(&project_ref, &t);
        }
        // Drop edges to unknown refs (never invent), then list every component.
        let known: BTreeSet<String> = self
            .by_ref
            .keys()
            .cloned()
            .chain(std::iter::once(project_ref.clone()))
            .collect();
        let mut dependencies: Vec<(String, Vec<String>)> = known
            .iter()
            .map(|r| {
                let d = self
                    .deps
                    .get(r)
                    .map(|s| s.iter().filter(|t| known.contains(*t)).cloned().collect())
                    .unwrap_or_default();
                (r.clone(), d)
            })
            .collect();
        dependencies.sort();
        let mut components: Vec<BomComponent> = self.by_ref.into_values().collect();
        for c in &mut components {
            c.hashes.sort();
            c.hashes.dedup();
        }
        warnings.sort();
        warnings.dedup();
        Bom {
            project,
            components,
            dependencies,
            warnings,
        }
    }

    fn link_models(&mut self) {
        // Local datasets by name: HF id, last path segment, pretty name.
        let mut local: Vec<(String, Vec<String>)> = Vec::new();
        for (r, c) in &self.by_ref {
            if c.kind != Kind::Data {
                continue;
            }
            let mut keys = vec![c.name.to_ascii_lowercase()];
            if let Some(last) = c.name.rsplit('/').next() {
                keys.push(last.to_ascii_lowercase());
            }
            if let Some(p) = c.card.as_ref().and_then(|k| k.pretty_name.as_ref()) {
                keys.push(p.to_ascii_lowercase());
            }
            local.push((r.clone(), keys));
        }
        let libs: HashMap<String, String> = self
            .by_ref
            .iter()
            .filter(|(_, c)| {
                c.kind == Kind::Library
                    && c.purl
                        .as_deref()
                        .is_some_and(|p| p.starts_with("pkg:pypi/"))
            })
            .map(|(r, c)| (vouch_inventory::pep503(&c.name), r.clone()))
            .collect();
        let models: Vec<String> = self
            .by_ref
            .iter()
            .filter(|(_, c)| c.kind == Kind::MachineLearningModel)
            .map(|(r, _)| r.clone())
            .collect();
        for m in models {
            let Some(c) = self.by_ref.get(&m) else {
                continue;
            };
            let card_datasets: Vec<String> = c
                .card
                .as_ref()
                .map(|k| k.datasets.clone())
                .unwrap_or_default();
            let eval: Vec<String> = c
                .card
                .as_ref()
                .map(|k| k.results.iter().filter_map(|r| r.dataset.clone()).collect())
                .unwrap_or_default();
            let mut fw: Vec<String> = Vec::new();
            for f in c.format.as_deref().unwrap_or("").split('+') {
                fw.extend(frameworks(f).iter().map(|s| (*s).to_owned()));
            }
            if let Some(l) = c.card.as_ref().and_then(|k| k.library_name.as_ref()) {
                fw.push(vouch_inventory::pep503(l));
            }
            if c.property("transformers_version").is_some() {
                fw.push("transformers".into());
            }
            // Datasets.
            let mut trained = Vec::new();
            let mut evaluated = Vec::new();
            for (id, is_eval) in card_datasets
                .iter()
                .map(|d| (d, false))
                .chain(eval.iter().map(|d| (d, true)))
            {
                let key = id.to_ascii_lowercase();
                let last = key.rsplit('/').next().unwrap_or(&key).to_owned();
                let found: Vec<String> = local
                    .iter()
                    .filter(|(_, keys)| keys.contains(&key) || keys.contains(&last))
                    .map(|(r, _)| r.clone())
                    .collect();
                let refs = if found.is_empty() {
                    let r = format!("dataset:{id}");
                    self.by_ref.entry(r.clone()).or_insert_with(|| {
                        let mut d = BomComponent::new(Kind::Data, r.clone(), id.clone());
                        d.properties.push((
                            "source".into(),
                            "named by a model card; not found locally".into(),
                        ));
                        d
                    });
                    vec![r]
                } else {
                    found
                };
                if is_eval {
                    evaluated.extend(refs);
                } else {
                    trained.extend(refs);
                }
            }
            for d in trained.iter().chain(&evaluated) {
                self.edge(&m, d);
            }
            for f in fw {
                if let Some(l) = libs.get(&f) {
                    let l = l.clone();
                    self.edge(&m, &l);
                }
            }
            evaluated.sort();
            evaluated.dedup();
            trained.sort();
            trained.dedup();
            if let Some(c) = self.by_ref.get_mut(&m) {
                c.evaluated_on = evaluated;
                c.trained_on = trained;
            }
        }
    }
}

fn merge_library(e: &mut BomComponent, c: &Component) {
    for h in &c.hashes {
        if !e.hashes.contains(h) {
            e.hashes.push(h.clone());
        }
    }
    for l in &c.licenses {
        if !e.licenses.contains(l) {
            e.licenses.push(l.clone());
        }
    }
    e.dev &= c.dev;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_and_shards() {
        assert_eq!(
            hf_snapshot("hub/models--org--net/snapshots/abc"),
            Some(("org/net".into(), "abc".into(), false))
        );
        assert_eq!(
            hf_snapshot("datasets--o--d/snapshots/r1"),
            Some(("o/d".into(), "r1".into(), true))
        );
        assert_eq!(hf_snapshot("snapshots/abc"), None);
        assert!(is_shard("model-00001-of-00002.safetensors"));
        assert!(!is_shard("model.safetensors"));
    }

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
        assert_eq!(refs, ["dataset:org/squad", "model:m"]);
        assert_eq!(bom.depends_on("model:m"), ["dataset:org/squad"]);
        assert_eq!(bom.components[1].files.len(), 3);
        assert!(
            bom.warnings.iter().any(|w| w.contains("config.json")),
            "{:?}",
            bom.warnings
        );
        // The project depends on the model (the dataset is reached through it).
        assert_eq!(bom.depends_on(&bom.project.bom_ref), ["model:m"]);
    }

    #[test]
    fn loose_weight_files_are_models_of_their_own() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("a.pkl"), b"\x80\x04N.").unwrap();
        std::fs::write(t.path().join("b.onnx"), b"").unwrap();
        let bom = build(t.path()).unwrap();
        let refs: Vec<&str> = bom.components.iter().map(|c| c.bom_ref.as_str()).collect();
        assert_eq!(refs, ["model:a.pkl", "model:b.onnx"]);
        assert!(bom.components[0].sha256().is_some());
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
        assert_eq!(bom.depends_on(&bom.project.bom_ref).len(), 2);
    }

    #[test]
    fn a_single_model_or_data_file_is_its_own_bom() {
        let t = tempfile::tempdir().unwrap();
        let csv = t.path().join("rows.csv");
        std::fs::write(&csv, "a,b\n1,2\n3,4\n").unwrap();
        let bom = build(&csv).unwrap();
        assert_eq!(bom.components.len(), 1);
        let d = &bom.components[0];
        assert_eq!(d.bom_ref, "data:rows.csv");
        assert_eq!(d.rows, Some(2));
        assert_eq!(d.columns.len(), 2);
        let pkl = t.path().join("m.pkl");
        std::fs::write(&pkl, b"\x80\x04N.").unwrap();
        let bom = build(&pkl).unwrap();
        assert_eq!(bom.components[0].bom_ref, "model:m.pkl");
        assert_eq!(bom.project.name, "m.pkl");
    }

    #[test]
    fn caps_on_files_depth_and_listing_are_reported() {
        let t = tempfile::tempdir().unwrap();
        let data = t.path().join("d");
        std::fs::create_dir(&data).unwrap();
        for i in 0..5 {
            std::fs::write(data.join(format!("{i}.csv")), "a\n1\n").unwrap();
        }
        let deep = t.path().join("x/y/z");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("m.onnx"), b"").unwrap();
        let opts = Options {
            max_depth: 1,
            max_listed_files: 2,
            ..Options::default()
        };
        let bom = build_with(t.path(), &opts, &|_| {}).unwrap();
        let d = bom.get("data:d").unwrap();
        assert_eq!(d.files.len(), 2);
        assert_eq!(d.files_omitted, 3);
        assert_eq!(d.rows, Some(5), "every file is still counted");
        assert_eq!(d.property("files"), Some("5"));
        assert!(bom.get("model:x/y/z/m.onnx").is_none());
        assert!(
            bom.warnings.iter().any(|w| w.contains("deeper than 1")),
            "{:?}",
            bom.warnings
        );
        let opts = Options {
            max_files: 3,
            ..Options::default()
        };
        let bom = build_with(t.path(), &opts, &|_| {}).unwrap();
        assert!(
            bom.warnings.iter().any(|w| w.contains("more than 3 files")),
            "{:?}",
            bom.warnings
        );
        // Progress: a start with the file count, then one event per file.
        let events = std::sync::Mutex::new(Vec::new());
        build_with(t.path(), &Options::default(), &|p| {
            events.lock().unwrap().push(p)
        })
        .unwrap();
        let events = events.into_inner().unwrap();
        assert_eq!(
            events[0],
            Progress::Start {
                files: 6,
                bytes: 20
            }
        );
        assert_eq!(events.len(), 7);
    }

    #[test]
    fn a_saved_model_directory_is_one_model_with_its_variables() {
        let t = tempfile::tempdir().unwrap();
        let sm = t.path().join("export/1");
        std::fs::create_dir_all(sm.join("variables")).unwrap();
        std::fs::write(sm.join("saved_model.pb"), b"\x08\x01").unwrap();
        std::fs::write(sm.join("variables/variables.index"), b"idx").unwrap();
        std::fs::write(sm.join("variables/variables.data-00000-of-00001"), b"w").unwrap();
        std::fs::write(sm.join("fingerprint.pb"), b"f").unwrap();
        let bom = build(t.path()).unwrap();
        let refs: Vec<&str> = bom.components.iter().map(|c| c.bom_ref.as_str()).collect();
        assert_eq!(refs, ["model:export/1"]);
        let files: Vec<&str> = bom.components[0]
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(
            files,
            [
                "export/1/fingerprint.pb",
                "export/1/saved_model.pb",
                "export/1/variables/variables.data-00000-of-00001",
                "export/1/variables/variables.index",
            ]
        );
        assert!(bom.components[0].files.iter().all(|f| f.sha256.is_some()));
    }

    #[test]
    fn missing_path_is_an_error() {
        assert!(build(Path::new("/nonexistent/vouch-bom")).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn links_outside_the_root_are_warnings() {
        let t = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.safetensors"), b"").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("x.safetensors"),
            t.path().join("x.safetensors"),
        )
        .unwrap();
        let bom = build(t.path()).unwrap();
        assert!(bom.components.is_empty());
        assert!(
            bom.warnings.iter().any(|w| w.contains("outside")),
            "{:?}",
            bom.warnings
        );
    }
}
