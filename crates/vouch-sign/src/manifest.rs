//! The manifest: the set of (item name, digest) pairs a signature covers, in canonical order, its root digest, and
//! the comparison that tells exactly which files were added, removed or modified.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use sha2::Digest as _;

/// A content hash algorithm allowed by the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-256 (the default).
    Sha256,
    /// BLAKE2b-512 (accepted for verification and signing; Python writes `blake2b`).
    Blake2b,
    /// BLAKE3 with the default 32-byte output.
    Blake3,
}

impl HashAlg {
    /// The name used in `hash_type` and in per-resource `algorithm` labels.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Blake2b => "blake2b",
            HashAlg::Blake3 => "blake3",
        }
    }

    /// Parses a `hash_type` name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(HashAlg::Sha256),
            "blake2b" => Some(HashAlg::Blake2b),
            "blake3" => Some(HashAlg::Blake3),
            _ => None,
        }
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlg::Sha256 | HashAlg::Blake3 => 32,
            HashAlg::Blake2b => 64,
        }
    }
}

impl std::fmt::Display for HashAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a model is cut into manifest items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Serialization {
    /// One item per file: digest of the whole file.
    Files {
        /// Content hash.
        hash: HashAlg,
    },
    /// One item per `shard_size` bytes of each file (empty files give no items).
    Shards {
        /// Content hash.
        hash: HashAlg,
        /// Shard length in bytes (> 0).
        shard_size: u64,
    },
}

impl Default for Serialization {
    fn default() -> Self {
        Serialization::Files {
            hash: HashAlg::Sha256,
        }
    }
}

impl Serialization {
    /// The Python default shard size (10^9 bytes).
    pub const DEFAULT_SHARD_SIZE: u64 = 1_000_000_000;

    /// The content hash.
    pub fn hash(&self) -> HashAlg {
        match *self {
            Serialization::Files { hash } | Serialization::Shards { hash, .. } => hash,
        }
    }

    /// `"files"` or `"shards"`.
    pub fn method(&self) -> &'static str {
        match self {
            Serialization::Files { .. } => "files",
            Serialization::Shards { .. } => "shards",
        }
    }

    /// The per-resource `algorithm` label: `sha256`, or `sha256-sharded-1048576` for shards.
    pub fn algorithm_label(&self) -> String {
        match *self {
            Serialization::Files { hash } => hash.name().to_owned(),
            Serialization::Shards { hash, shard_size } => {
                format!("{}-sharded-{shard_size}", hash.name())
            }
        }
    }
}

impl std::fmt::Display for Serialization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Serialization::Files { hash } => write!(f, "files/{hash}"),
            Serialization::Shards { hash, shard_size } => write!(f, "shards/{hash}/{shard_size}"),
        }
    }
}

/// One manifest item: a file (`path`), or a byte range of it (`path:start:end`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestItem {
    /// POSIX path relative to the model root (`.` for a single-file model).
    pub path: String,
    /// `[start, end)` for shard items.
    pub range: Option<(u64, u64)>,
    /// Raw digest bytes.
    pub digest: Vec<u8>,
}

impl ManifestItem {
    /// The item identifier as written in `resources[].name`.
    pub fn name(&self) -> String {
        match self.range {
            None => self.path.clone(),
            Some((start, end)) => format!("{}:{start}:{end}", self.path),
        }
    }
}

/// Compares two POSIX paths by their list of components (code point order), the canonical model-signing order.
pub fn compare_paths(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// Canonical item order: path components, then shard start, then shard end.
pub fn canonical_order(a: &ManifestItem, b: &ManifestItem) -> Ordering {
    compare_paths(&a.path, &b.path).then_with(|| a.range.cmp(&b.range))
}

/// A model's manifest: items in canonical order plus the serialization parameters that produced them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// How the items were produced.
    pub serialization: Serialization,
    /// Whether symlinks were followed.
    pub allow_symlinks: bool,
    /// Model-relative paths whose subtrees were left out, sorted.
    pub ignore_paths: Vec<String>,
    /// Items in canonical order.
    pub items: Vec<ManifestItem>,
    /// Total bytes hashed.
    pub total_bytes: u64,
}

impl Manifest {
    /// The root digest: SHA-256 over the concatenated raw item digests, in item order.
    pub fn root_digest(&self) -> [u8; 32] {
        root_digest(self.items.iter().map(|i| i.digest.as_slice()))
    }
}

/// SHA-256 over concatenated digests.
pub fn root_digest<'a>(digests: impl IntoIterator<Item = &'a [u8]>) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    for d in digests {
        h.update(d);
    }
    h.finalize().into()
}

/// What differs between a signed manifest and the model on disk, by file name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestDiff {
    /// Files on disk that the signature does not cover.
    pub added: Vec<String>,
    /// Signed files missing on disk.
    pub removed: Vec<String>,
    /// Files whose content (or shard layout, or algorithm) differs.
    pub modified: Vec<String>,
}

impl ManifestDiff {
    /// Nothing differs.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.modified.is_empty()
    }
}

impl std::fmt::Display for ManifestDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        for (what, list) in [
            ("modified", &self.modified),
            ("added", &self.added),
            ("removed", &self.removed),
        ] {
            if !list.is_empty() {
                parts.push(format!("{what}: {}", list.join(", ")));
            }
        }
        f.write_str(&parts.join("; "))
    }
}

/// A signed resource as listed in a statement: name, algorithm label, digest bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedItem {
    /// `resources[].name`.
    pub name: String,
    /// `resources[].algorithm`.
    pub algorithm: String,
    /// Decoded `resources[].digest`.
    pub digest: Vec<u8>,
}

/// The file path of an item name: shard names lose their `:start:end` suffix (parsed from the right).
pub fn item_file(name: &str, sharded: bool) -> &str {
    if !sharded {
        return name;
    }
    let mut it = name.rsplitn(3, ':');
    let end = it.next();
    let start = it.next();
    match (end, start, it.next()) {
        (Some(e), Some(s), Some(path))
            if !e.is_empty()
                && !s.is_empty()
                && e.bytes().all(|b| b.is_ascii_digit())
                && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            path
        }
        _ => name,
    }
}

/// Compares signed items with a locally computed manifest.
pub fn diff(signed: &[SignedItem], local: &Manifest) -> ManifestDiff {
    let sharded = matches!(local.serialization, Serialization::Shards { .. });
    let label = local.serialization.algorithm_label();
    let signed_map: BTreeMap<&str, (&str, &[u8])> = signed
        .iter()
        .map(|s| (s.name.as_str(), (s.algorithm.as_str(), s.digest.as_slice())))
        .collect();
    let local_names: Vec<String> = local.items.iter().map(ManifestItem::name).collect();
    let local_map: BTreeMap<&str, &[u8]> = local_names
        .iter()
        .map(String::as_str)
        .zip(local.items.iter().map(|i| i.digest.as_slice()))
        .collect();

    let signed_files: BTreeSet<&str> = signed_map.keys().map(|n| item_file(n, sharded)).collect();
    let local_files: BTreeSet<&str> = local.items.iter().map(|i| i.path.as_str()).collect();
    let mut modified: BTreeSet<&str> = BTreeSet::new();
    for (name, (alg, digest)) in &signed_map {
        let file = item_file(name, sharded);
        if !local_files.contains(file) {
            continue;
        }
        match local_map.get(name) {
            Some(d) if *d == *digest && *alg == label => {}
            _ => {
                modified.insert(file);
            }
        }
    }
    for (name, item) in local_names.iter().zip(&local.items) {
        if signed_files.contains(item.path.as_str()) && !signed_map.contains_key(name.as_str()) {
            modified.insert(item.path.as_str());
        }
    }
    let sorted = |set: BTreeSet<&str>| {
        let mut v: Vec<String> = set.into_iter().map(str::to_owned).collect();
        v.sort_by(|a, b| compare_paths(a, b));
        v
    };
    ManifestDiff {
        added: sorted(local_files.difference(&signed_files).copied().collect()),
        removed: sorted(signed_files.difference(&local_files).copied().collect()),
        modified: sorted(modified),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_order_is_by_components() {
        let mut v = vec!["m0", "m.n", "m-n", "m/n", "a-b", "a/b", "A", "a"];
        v.sort_by(|a, b| compare_paths(a, b));
        assert_eq!(v, ["A", "a", "a/b", "a-b", "m/n", "m-n", "m.n", "m0"]);
    }

    #[test]
    fn shard_order_is_numeric() {
        let item = |s| ManifestItem {
            path: "f".into(),
            range: Some((s, s + 1_000_000)),
            digest: vec![],
        };
        assert_eq!(
            canonical_order(&item(2_000_000), &item(10_000_000)),
            Ordering::Less
        );
    }

    #[test]
    fn worked_example_root_digest() {
        // spec §8: tiny/ with a/b, a-b, e
        let d = |h: &str| hex::decode(h).unwrap();
        let items = [
            d("8578a26bad9cf662e6e0cd91540eea63fb2ed5b5b2cebc471364c137b12931e6"),
            d("f8359416cedbf4b44bd1cab71b791b4121e3b33748187c530e70207af87c3f39"),
            d("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ];
        assert_eq!(
            hex::encode(root_digest(items.iter().map(Vec::as_slice))),
            "4b990605594e7ac5e6066d900621336dd07bec75e238fe8a91085b86890bc00d"
        );
    }

    #[test]
    fn shard_names_parse_from_the_right() {
        assert_eq!(item_file("a:b:0:10", true), "a:b");
        assert_eq!(item_file("a:b:0:10", false), "a:b:0:10");
        assert_eq!(item_file("weird", true), "weird");
        assert_eq!(item_file("x:y:z", true), "x:y:z");
    }

    #[test]
    fn diff_names_each_kind() {
        let local = Manifest {
            serialization: Serialization::default(),
            allow_symlinks: false,
            ignore_paths: vec![],
            items: vec![
                ManifestItem {
                    path: "keep".into(),
                    range: None,
                    digest: vec![1],
                },
                ManifestItem {
                    path: "mod".into(),
                    range: None,
                    digest: vec![9],
                },
                ManifestItem {
                    path: "new".into(),
                    range: None,
                    digest: vec![3],
                },
            ],
            total_bytes: 0,
        };
        let s = |n: &str, d: u8| SignedItem {
            name: n.into(),
            algorithm: "sha256".into(),
            digest: vec![d],
        };
        let got = diff(&[s("keep", 1), s("mod", 2), s("gone", 4)], &local);
        assert_eq!(got.added, ["new"]);
        assert_eq!(got.removed, ["gone"]);
        assert_eq!(got.modified, ["mod"]);
        assert_eq!(got.to_string(), "modified: mod; added: new; removed: gone");
    }
}
