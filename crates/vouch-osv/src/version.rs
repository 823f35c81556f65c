//! Ecosystems, their package-name rules and their version orderings.
//!
//! OSV leaves version comparison to the ecosystem, so this is where "is 1.0rc1 before 1.0?" is
//! answered: PEP 440 for PyPI (epochs, pre/post/dev releases, local versions), SemVer 2.0
//! precedence for crates.io, npm and every `SEMVER` range (build metadata ignored, pre-releases
//! before their release). Ecosystems vouch has no ordering for are still matched, but only
//! through an advisory's explicit `versions` list.
//!
//! Names are compared after the ecosystem's own normalisation: PEP 503 for PyPI
//! (`Zope.Interface` = `zope-interface`), case and `-`/`_` for crates.io, case for Hugging Face.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A package ecosystem, spelled as OSV spells it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Ecosystem {
    /// Python packages (`PyPI`).
    PyPI,
    /// Rust crates (`crates.io`).
    CratesIo,
    /// JavaScript packages (`npm`).
    Npm,
    /// Models and datasets on the Hugging Face Hub (`HuggingFace`, vouch's AI advisory feed).
    HuggingFace,
    /// Model file formats and their loaders (`ModelFormat`, vouch's AI advisory feed).
    ModelFormat,
    /// Any other OSV ecosystem, kept verbatim (`Go`, `Maven`, `Debian:12`, ...).
    Other(String),
}

impl Ecosystem {
    /// Parse an OSV ecosystem string. Case-insensitive for the ones vouch knows.
    pub fn parse(s: &str) -> Ecosystem {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "pypi" => Ecosystem::PyPI,
            "crates.io" | "cargo" => Ecosystem::CratesIo,
            "npm" => Ecosystem::Npm,
            "huggingface" => Ecosystem::HuggingFace,
            "modelformat" => Ecosystem::ModelFormat,
            _ => Ecosystem::Other(t.to_owned()),
        }
    }

    /// The OSV spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Ecosystem::PyPI => "PyPI",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::HuggingFace => "HuggingFace",
            Ecosystem::ModelFormat => "ModelFormat",
            Ecosystem::Other(s) => s,
        }
    }

    /// The ecosystem of a package URL type (`pypi`, `cargo`, `npm`, `huggingface`).
    pub fn from_purl_type(ty: &str) -> Option<Ecosystem> {
        match ty.to_ascii_lowercase().as_str() {
            "pypi" => Some(Ecosystem::PyPI),
            "cargo" => Some(Ecosystem::CratesIo),
            "npm" => Some(Ecosystem::Npm),
            "huggingface" => Some(Ecosystem::HuggingFace),
            "golang" => Some(Ecosystem::Other("Go".into())),
            "maven" => Some(Ecosystem::Other("Maven".into())),
            "gem" => Some(Ecosystem::Other("RubyGems".into())),
            "nuget" => Some(Ecosystem::Other("NuGet".into())),
            "composer" => Some(Ecosystem::Other("Packagist".into())),
            "hex" => Some(Ecosystem::Other("Hex".into())),
            "pub" => Some(Ecosystem::Other("Pub".into())),
            _ => None,
        }
    }

    /// How versions of this ecosystem are ordered in `ECOSYSTEM` ranges.
    pub fn scheme(&self) -> Scheme {
        match self {
            Ecosystem::PyPI => Scheme::Pep440,
            Ecosystem::CratesIo | Ecosystem::Npm => Scheme::Semver,
            _ => Scheme::Unordered,
        }
    }

    /// The name as the ecosystem compares it (the key of the offline index).
    pub fn normalize_name(&self, name: &str) -> String {
        let name = name.trim();
        match self {
            Ecosystem::PyPI => normalize_pypi_name(name),
            Ecosystem::CratesIo => name.to_ascii_lowercase().replace('_', "-"),
            Ecosystem::HuggingFace | Ecosystem::ModelFormat => name.to_ascii_lowercase(),
            Ecosystem::Npm | Ecosystem::Other(_) => name.to_owned(),
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
        Ecosystem::parse(&s)
    }
}

impl From<Ecosystem> for String {
    fn from(e: Ecosystem) -> Self {
        e.as_str().to_owned()
    }
}

/// PEP 503 normalisation: lower case, every run of `-`, `_` and `.` becomes one `-`.
pub fn normalize_pypi_name(name: &str) -> String {
    vouch_core::names::pep503(name)
}

/// A version ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// PEP 440 (PyPI).
    Pep440,
    /// SemVer 2.0 precedence.
    Semver,
    /// No ordering known: only equality with listed versions.
    Unordered,
}

/// A version parsed under a [`Scheme`].
#[derive(Debug, Clone)]
pub enum Version {
    /// A PEP 440 version.
    Pep440(pep440_rs::Version),
    /// A SemVer version (build metadata kept but ignored by comparisons).
    Semver(semver::Version),
}

/// A version string that is not valid under its scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{version}` is not a valid {scheme} version")]
pub struct VersionError {
    /// The offending string.
    pub version: String,
    /// `PEP 440` or `SemVer`.
    pub scheme: &'static str,
}

impl Version {
    /// Parse `s` under `scheme`. npm's tolerated spellings (`v1.2.3`, `=1.2.3`) are accepted
    /// for SemVer; anything `Unordered` is an error.
    pub fn parse(scheme: Scheme, s: &str) -> Result<Version, VersionError> {
        let s = s.trim();
        match scheme {
            Scheme::Pep440 => pep440_rs::Version::from_str(s)
                .map(Version::Pep440)
                .map_err(|_| VersionError {
                    version: s.to_owned(),
                    scheme: "PEP 440",
                }),
            Scheme::Semver => {
                let t = s.strip_prefix('=').unwrap_or(s).trim_start();
                let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
                semver::Version::parse(t)
                    .map(Version::Semver)
                    .map_err(|_| VersionError {
                        version: s.to_owned(),
                        scheme: "SemVer",
                    })
            }
            Scheme::Unordered => Err(VersionError {
                version: s.to_owned(),
                scheme: "ordered",
            }),
        }
    }

    /// Compare two versions of the same scheme; `None` across schemes.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        match (self, other) {
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::Semver(a), Version::Semver(b)) => Some(semver_precedence(a, b)),
            _ => None,
        }
    }

    /// Whether this is a pre-release (PEP 440 `a`/`b`/`rc`/`.dev`, SemVer `-pre`).
    pub fn is_prerelease(&self) -> bool {
        match self {
            Version::Pep440(v) => v.any_prerelease(),
            Version::Semver(v) => !v.pre.is_empty(),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Pep440(v) => write!(f, "{v}"),
            Version::Semver(v) => write!(f, "{v}"),
        }
    }
}

/// SemVer 2.0 §11 precedence: major, minor, patch, then pre-release (a version without one
/// ranks higher); build metadata does not count.
pub fn semver_precedence(a: &semver::Version, b: &semver::Version) -> Ordering {
    (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| a.pre.cmp(&b.pre))
}

/// Compare two version strings under `scheme`; `None` when either does not parse.
pub fn compare_str(scheme: Scheme, a: &str, b: &str) -> Option<Ordering> {
    let a = Version::parse(scheme, a).ok()?;
    let b = Version::parse(scheme, b).ok()?;
    a.compare(&b)
}

/// Whether two version strings name the same version: equal under the scheme, or, when either
/// does not parse, equal as text.
pub fn same_version(scheme: Scheme, a: &str, b: &str) -> bool {
    if a.trim() == b.trim() {
        return true;
    }
    compare_str(scheme, a, b) == Some(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(s: Scheme, a: &str, b: &str) -> Ordering {
        compare_str(s, a, b).unwrap_or_else(|| panic!("{a} or {b} does not parse"))
    }

    #[test]
    fn pep503_names() {
        for (raw, norm) in [
            ("Django", "django"),
            ("zope.interface", "zope-interface"),
            ("PyYAML", "pyyaml"),
            ("jw.util", "jw-util"),
            ("Foo__Bar-.baz", "foo-bar-baz"),
            ("  requests ", "requests"),
        ] {
            assert_eq!(normalize_pypi_name(raw), norm, "{raw}");
        }
    }

    #[test]
    fn crate_names() {
        assert_eq!(
            Ecosystem::CratesIo.normalize_name("Serde_JSON"),
            "serde-json"
        );
        assert_eq!(Ecosystem::Npm.normalize_name("@Scope/Pkg"), "@Scope/Pkg");
    }

    #[test]
    fn ecosystem_strings_round_trip() {
        for s in [
            "PyPI",
            "crates.io",
            "npm",
            "HuggingFace",
            "ModelFormat",
            "Debian:12",
        ] {
            assert_eq!(Ecosystem::parse(s).as_str(), s);
        }
        assert_eq!(Ecosystem::parse("pypi"), Ecosystem::PyPI);
    }

    #[test]
    fn pep440_ordering() {
        use Ordering::*;
        let s = Scheme::Pep440;
        assert_eq!(cmp(s, "1.0.dev1", "1.0a1"), Less);
        assert_eq!(cmp(s, "1.0a1", "1.0b1"), Less);
        assert_eq!(cmp(s, "1.0rc1", "1.0"), Less);
        assert_eq!(cmp(s, "1.0", "1.0.post1"), Less);
        assert_eq!(cmp(s, "1.0", "1.0.0"), Equal);
        assert_eq!(cmp(s, "1.0", "1.0+ubuntu1"), Less);
        assert_eq!(cmp(s, "1.0+ubuntu1", "1.0.post1"), Less);
        assert_eq!(cmp(s, "1!0.1", "2.0"), Greater);
        assert_eq!(cmp(s, "1.10", "1.9"), Greater);
        assert_eq!(cmp(s, "v1.0", "1.0"), Equal);
        assert!(Version::parse(s, "0.2.0-n653").is_err());
        assert!(Version::parse(s, "2019-09-12").is_err());
    }

    #[test]
    fn semver_ordering() {
        use Ordering::*;
        let s = Scheme::Semver;
        assert_eq!(cmp(s, "0.25.0-0", "0.25.0-alpha.5"), Less);
        assert_eq!(cmp(s, "0.25.0-alpha.5", "0.25.0"), Less);
        assert_eq!(cmp(s, "1.0.0-alpha.1", "1.0.0-alpha.beta"), Less);
        assert_eq!(cmp(s, "1.0.0-beta.2", "1.0.0-beta.11"), Less);
        assert_eq!(cmp(s, "1.0.0+build.1", "1.0.0+build.2"), Equal);
        assert_eq!(cmp(s, "v1.2.3", "1.2.3"), Equal);
        assert_eq!(cmp(s, "0.0.0-0", "0.0.0"), Less);
        assert!(Version::parse(s, "1.2").is_err());
    }

    #[test]
    fn same_version_falls_back_to_text() {
        assert!(same_version(Scheme::Pep440, "1.0", "1.0.0"));
        assert!(same_version(Scheme::Pep440, "legacy-x", "legacy-x"));
        assert!(!same_version(Scheme::Pep440, "1.0", "1.0+local"));
        assert!(same_version(Scheme::Unordered, "abc", "abc"));
    }
}
