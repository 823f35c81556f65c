//! The component: one package, model or dataset a project runs, as found in one input.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    /// A software package (PyPI, crates.io, npm, ...).
    Library,
    /// A model: a repository (`pkg:huggingface/...`) or a model file.
    Model,
    /// A dataset.
    Dataset,
    /// Any other file, known only by its digest.
    File,
    /// The project itself (a `pyproject.toml`, a lockfile's root or workspace member, a
    /// `package.json`): not a dependency, so never audited; its `depends_on` are the
    /// project's direct dependencies.
    Project,
}

/// A package ecosystem, named as OSV names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Ecosystem {
    /// `PyPI`.
    PyPI,
    /// `crates.io`.
    CratesIo,
    /// `npm`.
    Npm,
    /// `HuggingFace` (models and datasets on the Hugging Face Hub).
    HuggingFace,
    /// `conda` packages (conda-forge, Anaconda channels). OSV has no conda ecosystem, so these
    /// are inventoried (purl type `conda`) but never matched against advisories.
    Conda,
    /// Anything else, by its OSV name (`Go`, `Maven`, ...).
    Other(String),
}

impl Ecosystem {
    /// The OSV name.
    pub fn as_str(&self) -> &str {
        match self {
            Ecosystem::PyPI => "PyPI",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::HuggingFace => "HuggingFace",
            Ecosystem::Conda => "conda",
            Ecosystem::Other(s) => s,
        }
    }

    /// The ecosystem of a package-URL type.
    pub fn from_purl_type(ty: &str) -> Option<Ecosystem> {
        Some(match ty.to_ascii_lowercase().as_str() {
            "pypi" => Ecosystem::PyPI,
            "cargo" => Ecosystem::CratesIo,
            "npm" => Ecosystem::Npm,
            "huggingface" => Ecosystem::HuggingFace,
            "conda" => Ecosystem::Conda,
            "golang" => Ecosystem::Other("Go".into()),
            "maven" => Ecosystem::Other("Maven".into()),
            "gem" => Ecosystem::Other("RubyGems".into()),
            "nuget" => Ecosystem::Other("NuGet".into()),
            "composer" => Ecosystem::Other("Packagist".into()),
            "hex" => Ecosystem::Other("Hex".into()),
            "pub" => Ecosystem::Other("Pub".into()),
            "swift" => Ecosystem::Other("SwiftURL".into()),
            _ => return None,
        })
    }

    /// The package-URL type.
    pub fn purl_type(&self) -> Option<&'static str> {
        match self {
            Ecosystem::PyPI => Some("pypi"),
            Ecosystem::CratesIo => Some("cargo"),
            Ecosystem::Npm => Some("npm"),
            Ecosystem::HuggingFace => Some("huggingface"),
            Ecosystem::Conda => Some("conda"),
            Ecosystem::Other(_) => None,
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Ecosystem {
    fn from(s: String) -> Self {
        match s.as_str() {
            "PyPI" => Ecosystem::PyPI,
            "crates.io" => Ecosystem::CratesIo,
            "npm" => Ecosystem::Npm,
            "HuggingFace" => Ecosystem::HuggingFace,
            "conda" => Ecosystem::Conda,
            _ => Ecosystem::Other(s),
        }
    }
}

impl From<Ecosystem> for String {
    fn from(e: Ecosystem) -> Self {
        e.as_str().to_owned()
    }
}

/// A digest of one of the component's files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hash {
    /// `sha256`, `sha384`, `sha512`, `sha1`, `md5`, ... (lower case, no dash).
    pub alg: String,
    /// Lower-case hex.
    pub value: String,
}

impl Hash {
    /// A hash from an algorithm name in any common spelling (`SHA-256`, `sha256`, `SHA256`)
    /// and a hex value; `None` when the value is not hex.
    pub fn new(alg: &str, hex_value: &str) -> Option<Hash> {
        let v = hex_value.trim().to_ascii_lowercase();
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_hexdigit()) || !v.len().is_multiple_of(2) {
            return None;
        }
        Some(Hash {
            alg: alg.to_ascii_lowercase().replace(['-', '_'], ""),
            value: v,
        })
    }

    /// Parse `sha256:abcd…` (pip, uv, poetry, pdm).
    pub fn from_prefixed(s: &str) -> Option<Hash> {
        let (alg, v) = s.trim().split_once([':', '='])?;
        Hash::new(alg, v)
    }
}

/// Where a component was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Origin {
    /// The file, as given or relative to the walked directory.
    pub path: String,
    /// 1-based line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// One thing the project runs.
///
/// (This type belongs in `vouch-core` once `vouch bom` needs it too.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Library, model, dataset or file.
    pub kind: ComponentKind,
    /// The ecosystem; `None` for a file known only by digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<Ecosystem>,
    /// The name as the input spells it (a path for files).
    pub name: String,
    /// The pinned version (a revision for model repositories); `None` when unpinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The package URL, with version when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Digests of its files (wheels, archives, the model file itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// A model file's format, from its extension (`pytorch`, `gguf`, `safetensors`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// PEP 508 environment markers (kept; not used for matching).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markers: Option<String>,
    /// Only a development dependency.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// Licences the input declares (SPDX ids or expressions, or free names), as spelled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// What it depends on, as recorded in the same input: the purls of those components
    /// (or `name@version` when one has no purl), sorted, no duplicates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Where it was found.
    pub origin: Origin,
}

impl Component {
    /// A bare component: no ecosystem, version, purl, hashes or edges.
    pub fn new(kind: ComponentKind, name: &str, origin: Origin) -> Component {
        Component {
            kind,
            ecosystem: None,
            name: name.trim().to_owned(),
            version: None,
            purl: None,
            hashes: Vec::new(),
            format: None,
            markers: None,
            dev: false,
            licenses: Vec::new(),
            depends_on: Vec::new(),
            origin,
        }
    }

    /// The identifier other components' `depends_on` use for this one: the purl, else
    /// `name@version` (or the name).
    pub fn dep_ref(&self) -> String {
        match (&self.purl, &self.version) {
            (Some(p), _) => p.clone(),
            (None, Some(v)) => format!("{}@{v}", self.name),
            (None, None) => self.name.clone(),
        }
    }

    /// A library pinned (or not) in a lockfile.
    pub fn library(
        ecosystem: Ecosystem,
        name: &str,
        version: Option<&str>,
        origin: Origin,
    ) -> Component {
        let version = version
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        let purl = purl_for(&ecosystem, name, version.as_deref());
        Component {
            ecosystem: Some(ecosystem),
            version,
            purl,
            ..Component::new(ComponentKind::Library, name, origin)
        }
    }

    /// The SHA-256 digests among its hashes.
    pub fn sha256(&self) -> impl Iterator<Item = &str> {
        self.hashes
            .iter()
            .filter(|h| h.alg == "sha256")
            .map(|h| h.value.as_str())
    }
}

/// The purl of a package, for the ecosystems that have a purl type.
pub fn purl_for(ecosystem: &Ecosystem, name: &str, version: Option<&str>) -> Option<String> {
    let ty = ecosystem.purl_type()?;
    let name = name.trim();
    let name = match ecosystem {
        Ecosystem::PyPI => pep503(name),
        _ => name.to_owned(),
    };
    let path = match (ecosystem, name.split_once('/')) {
        (Ecosystem::Npm, Some((scope, n))) if scope.starts_with('@') => {
            format!("{}/{}", crate::purl::encode(scope), crate::purl::encode(n))
        }
        (Ecosystem::HuggingFace, _) => name
            .split('/')
            .map(crate::purl::encode)
            .collect::<Vec<_>>()
            .join("/"),
        _ => crate::purl::encode(&name),
    };
    Some(match version {
        Some(v) => format!("pkg:{ty}/{path}@{}", crate::purl::encode(v)),
        None => format!("pkg:{ty}/{path}"),
    })
}

/// PEP 503 name normalisation.
pub fn pep503(name: &str) -> String {
    vouch_core::names::pep503(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        assert_eq!(
            purl_for(&Ecosystem::PyPI, "Zope.Interface", Some("5.0")).as_deref(),
            Some("pkg:pypi/zope-interface@5.0")
        );
        assert_eq!(
            purl_for(&Ecosystem::Npm, "@babel/core", Some("7.0.0")).as_deref(),
            Some("pkg:npm/%40babel/core@7.0.0")
        );
        assert_eq!(
            purl_for(&Ecosystem::HuggingFace, "org/name", Some("abc")).as_deref(),
            Some("pkg:huggingface/org/name@abc")
        );
        assert_eq!(purl_for(&Ecosystem::Other("Go".into()), "x", None), None);
        assert_eq!(
            purl_for(&Ecosystem::Conda, "libgcc-ng", Some("13.2.0")).as_deref(),
            Some("pkg:conda/libgcc-ng@13.2.0")
        );
        assert_eq!(Ecosystem::from_purl_type("conda"), Some(Ecosystem::Conda));
        assert_eq!(Ecosystem::from(String::from("conda")), Ecosystem::Conda);
    }

    #[test]
    fn hashes() {
        assert_eq!(
            Hash::from_prefixed("sha256:ABCD"),
            Some(Hash {
                alg: "sha256".into(),
                value: "abcd".into()
            })
        );
        assert_eq!(Hash::new("SHA-256", "zz"), None);
        assert_eq!(
            Hash::new("SHA-512", "00").map(|h| h.alg),
            Some("sha512".into())
        );
    }
}
