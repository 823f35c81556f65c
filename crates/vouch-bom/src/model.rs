//! The BOM's domain model: what both output formats are rendered from.

use crate::card::Card;
use vouch_inventory::Hash;

/// What a BOM component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Kind {
    /// The project, or a sub-project (a `pyproject.toml`, a Cargo workspace member, ...).
    Application,
    /// A software package.
    #[default]
    Library,
    /// A model: one weight file, or a model directory (weights, config, tokenizer, card).
    MachineLearningModel,
    /// A dataset: a directory of data files (or a data file), or a dataset named by a card.
    Data,
}

/// One file of a model or dataset directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to the inventoried root, `/`-separated.
    pub path: String,
    /// SHA-256, lower-case hex (`None` when the file could not be read).
    pub sha256: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Detected format (`safetensors`, `parquet`, `config`, ...).
    pub format: Option<String>,
    /// Rows, for a data file whose row count is cheap to read.
    pub rows: Option<u64>,
}

/// A column of a dataset's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name (dotted path for nested fields).
    pub name: String,
    /// Type as the file or card states it (`int64`, `string`, `class_label`, ...).
    pub dtype: String,
}

/// A base model a model derives from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseModel {
    /// The model id (a Hugging Face id when it looks like one).
    pub id: String,
    /// `finetune`, `adapter`, `quantized`, `merge`, when stated.
    pub relation: Option<String>,
    /// Where the lineage comes from: `card` (`base_model`) or `adapter_config.json`.
    pub source: &'static str,
}

/// An evaluation metric of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric {
    /// `accuracy`, `f1`, ...
    pub kind: String,
    /// The value, as written.
    pub value: String,
    /// `<dataset>/<split>` when known.
    pub slice: Option<String>,
}

/// One component of the BOM.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BomComponent {
    /// What it is.
    pub kind: Kind,
    /// Unique, stable identifier: the purl, or `model:<dir>`, `data:<dir>`, `dataset:<id>`,
    /// `project:<name>`.
    pub bom_ref: String,
    /// Name (package name, Hugging Face id, or path relative to the root).
    pub name: String,
    /// Pinned version (a revision for Hugging Face repositories).
    pub version: Option<String>,
    /// Package URL.
    pub purl: Option<String>,
    /// Digests of the component itself (a package's files; a single-file model's file).
    pub hashes: Vec<Hash>,
    /// Declared licences (SPDX ids or free names).
    pub licenses: Vec<String>,
    /// Serialisation format (`safetensors`, `gguf`, ...; `csv`, `parquet`, ... for data).
    pub format: Option<String>,
    /// Total size in bytes of its files.
    pub size: Option<u64>,
    /// Only a development dependency.
    pub dev: bool,
    /// Its files (model and dataset directories), sorted by path.
    pub files: Vec<FileEntry>,
    /// Files left out of `files` because the directory has more than the listing cap.
    pub files_omitted: u64,
    /// Facts without a native field, as (name, value), rendered as `vouch:<name>` properties.
    pub properties: Vec<(String, String)>,
    /// The model or dataset card of its directory.
    pub card: Option<Card>,
    /// Where that card is, relative to the root.
    pub card_path: Option<String>,
    /// Models: `config.json` `model_type`, or the weight format's architecture.
    pub architecture_family: Option<String>,
    /// Models: `config.json` `architectures[0]`.
    pub model_architecture: Option<String>,
    /// Models: output labels (`id2label`).
    pub labels: Vec<String>,
    /// Models: base models (pedigree).
    pub base_models: Vec<BaseModel>,
    /// Models: training configuration (key, value).
    pub hyperparameters: Vec<(String, String)>,
    /// Models: evaluation metrics from the card.
    pub metrics: Vec<Metric>,
    /// Models: the datasets of `metrics` (refs), a subset of what it depends on.
    pub evaluated_on: Vec<String>,
    /// Models: the training datasets the card names (refs), a subset of what it depends on.
    pub trained_on: Vec<String>,
    /// Data: total rows, when every data file's count is known.
    pub rows: Option<u64>,
    /// Data: schema.
    pub columns: Vec<Column>,
    /// Data: modalities (`structured`, `text`, `image`, `audio`, `video`), sorted.
    pub modalities: Vec<String>,
}

impl BomComponent {
    /// A component with only its kind, ref and name.
    pub fn new(kind: Kind, bom_ref: impl Into<String>, name: impl Into<String>) -> BomComponent {
        BomComponent {
            kind,
            bom_ref: bom_ref.into(),
            name: name.into(),
            ..BomComponent::default()
        }
    }

    /// The SHA-256 digest, if known.
    pub fn sha256(&self) -> Option<&str> {
        self.hashes
            .iter()
            .find(|h| h.alg == "sha256")
            .map(|h| h.value.as_str())
    }

    /// A `vouch:` property, if set.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A bill of materials: the project, its components sorted by `bom_ref`, and who depends on
/// whom.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bom {
    /// The project the BOM describes (CycloneDX `metadata.component`, SPDX root element).
    pub project: BomComponent,
    /// The components, sorted by `bom_ref`, unique (the project is not among them).
    pub components: Vec<BomComponent>,
    /// `(bom_ref, depends on bom_refs)` for the project and every component, sorted.
    pub dependencies: Vec<(String, Vec<String>)>,
    /// Problems that did not stop the inventory (unreadable files, skipped links, broken
    /// lockfiles), one sentence each.
    pub warnings: Vec<String>,
}

impl Bom {
    /// What `bom_ref` depends on.
    pub fn depends_on(&self, bom_ref: &str) -> &[String] {
        self.dependencies
            .binary_search_by(|(r, _)| r.as_str().cmp(bom_ref))
            .ok()
            .and_then(|i| self.dependencies.get(i))
            .map(|(_, d)| d.as_slice())
            .unwrap_or_default()
    }

    /// The component with this ref (the project included).
    pub fn get(&self, bom_ref: &str) -> Option<&BomComponent> {
        if self.project.bom_ref == bom_ref {
            return Some(&self.project);
        }
        self.components
            .binary_search_by(|c| c.bom_ref.as_str().cmp(bom_ref))
            .ok()
            .and_then(|i| self.components.get(i))
    }
}
