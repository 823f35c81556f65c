//! Lockfiles: `uv.lock`, `poetry.lock`, `pdm.lock`, `Pipfile.lock`, `Cargo.lock`,
//! `package-lock.json` (v1, v2, v3).
//!
//! Each parser reads the whole text (already size-limited by the caller) into a lenient serde
//! model and keeps packages that come from a registry: the project's own, editable, path and
//! workspace entries are skipped, since advisories about a registry package of the same name
//! would not concern them. Line numbers are found by searching the text for the entry, so
//! SARIF can point at it.

use crate::component::{Component, Ecosystem, Hash, Origin};
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

/// The lines (1-based) of every `name = "…"` line of a TOML lockfile, per name, in file order:
/// one pass over the text; each `[[package]]` then takes the next line of its name.
fn toml_name_lines(text: &str) -> HashMap<&str, VecDeque<u32>> {
    let mut out: HashMap<&str, VecDeque<u32>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("name") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim();
        let Some(quoted) = rest.strip_prefix('"').or_else(|| rest.strip_prefix('\'')) else {
            continue;
        };
        let Some(end) = quoted.find(['"', '\'']) else {
            continue;
        };
        if let (Some(name), Ok(n)) = (quoted.get(..end), u32::try_from(i + 1)) {
            out.entry(name).or_default().push_back(n);
        }
    }
    out
}

/// The line (1-based) of each JSON object key that starts a line (`"key": …`), first
/// occurrence wins: one pass over the text, for locating lockfile entries.
fn json_key_lines(text: &str) -> HashMap<&str, u32> {
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find('"') else { continue };
        let (key, after) = rest.split_at(end);
        if after
            .get(1..)
            .is_some_and(|a| a.trim_start().starts_with(':'))
            && let Ok(n) = u32::try_from(i + 1)
        {
            out.entry(key).or_insert(n);
        }
    }
    out
}

fn toml_err(path: &Path, e: &toml::de::Error, text: &str) -> Error {
    let line = e.span().and_then(|s| {
        u32::try_from(text.get(..s.start)?.bytes().filter(|&b| b == b'\n').count() + 1).ok()
    });
    Error::parse(path, line, e.message().to_owned())
}

// ------------------------------------------------------------------ uv.lock / pdm.lock / poetry.lock

#[derive(Deserialize)]
struct PyLock {
    #[serde(default)]
    package: Vec<PyPackage>,
}

#[derive(Deserialize)]
struct PyPackage {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    source: Option<toml::Value>,
    #[serde(default)]
    sdist: Option<FileRef>,
    #[serde(default)]
    wheels: Vec<FileRef>,
    #[serde(default)]
    files: Vec<FileRef>,
    // pdm: local entries
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    editable: Option<bool>,
    // poetry
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Deserialize)]
struct FileRef {
    #[serde(default)]
    hash: Option<String>,
}

/// Which Python lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyLockKind {
    /// `uv.lock`
    Uv,
    /// `poetry.lock`
    Poetry,
    /// `pdm.lock`
    Pdm,
}

/// Parse `uv.lock`, `poetry.lock` or `pdm.lock` text.
pub fn parse_pylock(
    text: &str,
    kind: PyLockKind,
    path: &Path,
    display: &str,
) -> Result<Vec<Component>> {
    let lock: PyLock = toml::from_str(text).map_err(|e| toml_err(path, &e, text))?;
    let mut out = Vec::new();
    let mut lines = toml_name_lines(text);
    for p in lock.package {
        let (Some(name), version) = (p.name, p.version) else {
            continue;
        };
        let line = lines.get_mut(name.as_str()).and_then(VecDeque::pop_front);
        // Local sources are the project itself.
        let local = match (&p.source, kind) {
            (Some(toml::Value::Table(t)), PyLockKind::Uv) => {
                t.contains_key("editable")
                    || t.contains_key("virtual")
                    || t.contains_key("path")
                    || t.contains_key("directory")
            }
            (Some(toml::Value::Table(t)), PyLockKind::Poetry) => matches!(
                t.get("type").and_then(toml::Value::as_str),
                Some("directory" | "file")
            ),
            _ => false,
        } || p.path.is_some()
            || p.editable == Some(true);
        if local {
            continue;
        }
        let mut c = Component::library(
            Ecosystem::PyPI,
            &name,
            version.as_deref(),
            Origin {
                path: display.to_owned(),
                line,
            },
        );
        let mut hashes: Vec<Hash> = p
            .sdist
            .iter()
            .chain(&p.wheels)
            .chain(&p.files)
            .filter_map(|f| f.hash.as_deref().and_then(Hash::from_prefixed))
            .collect();
        hashes.sort();
        hashes.dedup();
        c.hashes = hashes;
        c.dev = p.category.as_deref() == Some("dev")
            || (!p.groups.is_empty() && p.groups.iter().all(|g| g == "dev"));
        out.push(c);
    }
    Ok(out)
}

// ------------------------------------------------------------------ Pipfile.lock

#[derive(Deserialize)]
struct Pipfile {
    #[serde(default)]
    default: BTreeMap<String, PipEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipEntry>,
}

#[derive(Deserialize)]
struct PipEntry {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    #[serde(default)]
    markers: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    editable: Option<bool>,
    #[serde(default)]
    git: Option<String>,
    #[serde(default)]
    file: Option<String>,
}

/// Parse `Pipfile.lock` text.
pub fn parse_pipfile_lock(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let lock: Pipfile = serde_json::from_str(text)
        .map_err(|e| Error::parse(path, u32::try_from(e.line()).ok(), e.to_string()))?;
    let lines = json_key_lines(text);
    let mut out = Vec::new();
    for (section, dev) in [(lock.default, false), (lock.develop, true)] {
        for (name, e) in section {
            if e.path.is_some() || e.editable == Some(true) || e.git.is_some() || e.file.is_some() {
                continue;
            }
            let version = e
                .version
                .as_deref()
                .and_then(|v| {
                    v.trim()
                        .strip_prefix("===")
                        .or_else(|| v.trim().strip_prefix("=="))
                })
                .map(str::trim);
            let line = lines.get(name.as_str()).copied();
            let mut c = Component::library(
                Ecosystem::PyPI,
                &name,
                version,
                Origin {
                    path: display.to_owned(),
                    line,
                },
            );
            c.hashes = e
                .hashes
                .iter()
                .filter_map(|h| Hash::from_prefixed(h))
                .collect();
            c.markers = e.markers;
            c.dev = dev;
            out.push(c);
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ Cargo.lock

#[derive(Deserialize)]
struct CargoLock {
    #[serde(default)]
    package: Vec<CargoPackage>,
}

#[derive(Deserialize)]
struct CargoPackage {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    checksum: Option<String>,
}

/// Parse `Cargo.lock` text (format v1–v4). Workspace and path crates (no `source`) are skipped;
/// git and registry crates are kept.
pub fn parse_cargo_lock(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let lock: CargoLock = toml::from_str(text).map_err(|e| toml_err(path, &e, text))?;
    let mut out = Vec::new();
    let mut lines = toml_name_lines(text);
    for p in lock.package {
        let (Some(name), Some(version)) = (p.name, p.version) else {
            continue;
        };
        let line = lines.get_mut(name.as_str()).and_then(VecDeque::pop_front);
        if p.source.is_none() {
            continue;
        }
        let mut c = Component::library(
            Ecosystem::CratesIo,
            &name,
            Some(&version),
            Origin {
                path: display.to_owned(),
                line,
            },
        );
        c.hashes
            .extend(p.checksum.as_deref().and_then(|h| Hash::new("sha256", h)));
        out.push(c);
    }
    Ok(out)
}

// ------------------------------------------------------------------ package-lock.json

#[derive(Deserialize)]
struct NpmLock {
    #[serde(default, rename = "lockfileVersion")]
    _version: Option<serde_json::Value>,
    #[serde(default)]
    packages: Option<BTreeMap<String, NpmPackage>>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, NpmDep>>,
}

#[derive(Deserialize)]
struct NpmPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    link: Option<bool>,
    #[serde(default)]
    dev: Option<bool>,
}

#[derive(Deserialize)]
struct NpmDep {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    dev: Option<bool>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, NpmDep>>,
}

/// How deep v1 `dependencies` trees are followed.
const MAX_NPM_DEPTH: usize = 64;

/// `sha512-<base64>` (Subresource Integrity) to a hex [`Hash`].
fn sri(s: &str) -> Option<Hash> {
    let (alg, b64) = s.trim().split(' ').next()?.split_once('-')?;
    Hash::new(alg, &hex::encode(base64_decode(b64)?))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// Parse `package-lock.json` / `npm-shrinkwrap.json` text: v2/v3 `packages` (installed paths
/// under `node_modules/`), or the v1 `dependencies` tree.
pub fn parse_package_lock(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let lock: NpmLock = serde_json::from_str(text)
        .map_err(|e| Error::parse(path, u32::try_from(e.line()).ok(), e.to_string()))?;
    let mut out = Vec::new();
    let lines = json_key_lines(text);
    let origin = |key: &str| Origin {
        path: display.to_owned(),
        line: lines.get(key).copied(),
    };
    if let Some(packages) = lock.packages {
        for (key, p) in packages {
            // "" is the project; workspace sources have no node_modules/ in their key.
            let Some(idx) = key.rfind("node_modules/") else {
                continue;
            };
            if p.link == Some(true) {
                continue;
            }
            let name = p.name.clone().unwrap_or_else(|| {
                key.get(idx + "node_modules/".len()..)
                    .unwrap_or("")
                    .to_owned()
            });
            if name.is_empty() {
                continue;
            }
            let mut c =
                Component::library(Ecosystem::Npm, &name, p.version.as_deref(), origin(&key));
            c.hashes.extend(p.integrity.as_deref().and_then(sri));
            c.dev = p.dev == Some(true);
            out.push(c);
        }
    } else if let Some(deps) = lock.dependencies {
        fn walk(
            deps: BTreeMap<String, NpmDep>,
            depth: usize,
            out: &mut Vec<Component>,
            origin: &dyn Fn(&str) -> Origin,
        ) {
            if depth > MAX_NPM_DEPTH {
                return;
            }
            for (name, d) in deps {
                let mut c =
                    Component::library(Ecosystem::Npm, &name, d.version.as_deref(), origin(&name));
                // v1 git/file dependencies carry a URL as version.
                if c.version
                    .as_deref()
                    .is_some_and(|v| v.contains(':') || v.contains('/'))
                {
                    c.version = None;
                    c.purl = crate::component::purl_for(&Ecosystem::Npm, &name, None);
                }
                c.hashes.extend(d.integrity.as_deref().and_then(sri));
                c.dev = d.dev == Some(true);
                out.push(c);
                if let Some(sub) = d.dependencies {
                    walk(sub, depth + 1, out, origin);
                }
            }
        }
        walk(deps, 0, &mut out, &origin);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(c: &[Component]) -> Vec<String> {
        c.iter()
            .map(|c| {
                format!(
                    "{} {} line={:?} hashes={} dev={}",
                    c.name,
                    c.version.as_deref().unwrap_or("-"),
                    c.origin.line,
                    c.hashes.len(),
                    c.dev
                )
            })
            .collect()
    }

    #[test]
    fn uv_lock() {
        let text = r#"version = 1
requires-python = ">=3.11"

[[package]]
name = "myproj"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "django"
version = "3.2.1"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://example.invalid/Django-3.2.1.tar.gz", hash = "sha256:00aa", size = 1 }
wheels = [
    { url = "https://example.invalid/Django-3.2.1-py3-none-any.whl", hash = "sha256:11bb", size = 1 },
]
"#;
        let c = parse_pylock(text, PyLockKind::Uv, Path::new("uv.lock"), "uv.lock").unwrap();
        assert_eq!(
            summary(&c),
            ["django 3.2.1 line=Some(10) hashes=2 dev=false"]
        );
    }

    #[test]
    fn poetry_and_pdm() {
        let poetry = "[[package]]\nname = \"requests\"\nversion = \"2.25.0\"\ncategory = \"dev\"\nfiles = [{file = \"r.whl\", hash = \"sha256:cc\"}]\n\n[[package]]\nname = \"local\"\nversion = \"0\"\n[package.source]\ntype = \"directory\"\nurl = \"../local\"\n";
        let c = parse_pylock(
            poetry,
            PyLockKind::Poetry,
            Path::new("poetry.lock"),
            "poetry.lock",
        )
        .unwrap();
        assert_eq!(
            summary(&c),
            ["requests 2.25.0 line=Some(2) hashes=1 dev=true"]
        );
        let pdm = "[[package]]\nname = \"jinja2\"\nversion = \"2.10\"\ngroups = [\"default\"]\nfiles = [{url = \"x\", hash = \"sha256:dd\"}]\n[[package]]\nname = \"me\"\nversion = \"1\"\npath = \".\"\n";
        let c = parse_pylock(pdm, PyLockKind::Pdm, Path::new("pdm.lock"), "pdm.lock").unwrap();
        assert_eq!(summary(&c), ["jinja2 2.10 line=Some(2) hashes=1 dev=false"]);
    }

    #[test]
    fn pipfile_lock() {
        // pipenv writes one key per line, as every real lockfile has.
        let text = r#"{
    "_meta": {},
    "default": {
        "mine": {"editable": true, "path": "."},
        "urllib3": {
            "hashes": ["sha256:ee"],
            "markers": "python_version >= '3'",
            "version": "==1.26.4"
        }
    },
    "develop": {
        "pytest": {"version": "==7.0.0"}
    }
}"#;
        let c = parse_pipfile_lock(text, Path::new("Pipfile.lock"), "Pipfile.lock").unwrap();
        assert_eq!(
            summary(&c),
            [
                "urllib3 1.26.4 line=Some(5) hashes=1 dev=false",
                "pytest 7.0.0 line=Some(12) hashes=0 dev=true"
            ]
        );
    }

    #[test]
    fn cargo_lock() {
        let text = "version = 4\n\n[[package]]\nname = \"me\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"fe0f37c9e8f3c5a4a66ad655a93c74daac4ad00c441533bf5c6e7990bb42604e\"\n";
        let c = parse_cargo_lock(text, Path::new("Cargo.lock"), "Cargo.lock").unwrap();
        assert_eq!(
            summary(&c),
            ["smallvec 1.6.0 line=Some(8) hashes=1 dev=false"]
        );
        assert_eq!(c[0].purl.as_deref(), Some("pkg:cargo/smallvec@1.6.0"));
    }

    #[test]
    fn package_lock_v3_and_v1() {
        let v3 = r#"{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0"},
    "node_modules/lodash": {"version": "4.17.20", "integrity": "sha512-AAAA", "dev": true},
    "node_modules/@babel/core": {"version": "7.0.0"},
    "node_modules/a/node_modules/lodash": {"version": "3.0.0"},
    "node_modules/ws": {"link": true, "resolved": "packages/ws"},
    "packages/ws": {"name": "ws", "version": "0.0.1"}
  }
}"#;
        let c =
            parse_package_lock(v3, Path::new("package-lock.json"), "package-lock.json").unwrap();
        assert_eq!(
            summary(&c),
            [
                "@babel/core 7.0.0 line=Some(7) hashes=0 dev=false",
                "lodash 3.0.0 line=Some(8) hashes=0 dev=false",
                "lodash 4.17.20 line=Some(6) hashes=1 dev=true",
            ]
        );
        let v1 = r#"{
  "lockfileVersion": 1,
  "dependencies": {
    "minimist": {
      "version": "1.2.0",
      "dependencies": {
        "x": {"version": "github:a/b"}
      }
    }
  }
}"#;
        let c = parse_package_lock(v1, Path::new("p.json"), "p.json").unwrap();
        assert_eq!(
            summary(&c),
            [
                "minimist 1.2.0 line=Some(4) hashes=0 dev=false",
                "x - line=Some(7) hashes=0 dev=false"
            ]
        );
    }

    #[test]
    fn sri_decodes() {
        // sha1 of "" = da39a3ee5e6b4b0d3255bfef95601890afd80709
        let h = sri("sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=").unwrap();
        assert_eq!(h.value, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(h.alg, "sha1");
        assert!(sri("garbage").is_none());
    }

    #[test]
    fn errors_carry_lines() {
        let e = parse_cargo_lock(
            "[[package]]\nname = 1 2\n",
            Path::new("Cargo.lock"),
            "Cargo.lock",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("Cargo.lock:2:"), "{e}");
    }
}
