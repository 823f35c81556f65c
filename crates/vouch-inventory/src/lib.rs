//! What a project runs: components (packages, models, datasets, files) read from lockfiles,
//! BOMs and model files, with versions, package URLs and digests.
//!
//! [`read_path`] is the entry point: a directory is walked for every supported lockfile and
//! for model and dataset files (hashed with SHA-256, so an advisory can name a file by digest
//! whatever it is called); a file is read as the lockfile or BOM its name (or, for JSON, its
//! content) says it is. Parsers are pure functions of text so they can be fuzzed; this module
//! does the I/O, with a size limit on every lockfile read.
//!
//! Manifests (`pyproject.toml`) give the project itself as a [`ComponentKind::Project`] with its
//! direct dependencies; conda inputs (`environment.yml`, explicit lock files, `conda-lock.yml`)
//! give conda and pip packages; [`read_python_env`] reads what an installed environment holds.

#![warn(missing_docs)]
// Untrusted input never panics: no unwrap, expect, panics or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod bom;
mod component;
pub mod conda;
mod error;
pub mod lockfiles;
pub mod purl;
pub mod pyenv;
pub mod pyproject;
pub mod requirements;
mod walk;

pub use component::{Component, ComponentKind, Ecosystem, Hash, Origin, pep503, purl_for};
pub use error::{Error, Result};
pub use pyenv::read_python_env;
pub use walk::{SKIP_DIRS, WalkOptions, hf_repo, model_format, sha256_file};

use std::io::Read;
use std::path::Path;

/// The largest lockfile or BOM read, in bytes.
pub const MAX_LOCKFILE_BYTES: u64 = 64 << 20;

/// What an input held.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Inventory {
    /// Components, in input order.
    pub components: Vec<Component>,
    /// Files read (lockfiles, BOMs, hashed model files).
    pub inputs: Vec<String>,
    /// Problems that did not stop the walk (a malformed lockfile in a directory, an
    /// unreadable model file), one sentence each.
    pub warnings: Vec<String>,
}

/// A kind of input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// pip requirements.
    Requirements,
    /// `uv.lock`.
    UvLock,
    /// `poetry.lock`.
    PoetryLock,
    /// `pdm.lock`.
    PdmLock,
    /// `Pipfile.lock`.
    PipfileLock,
    /// `Cargo.lock`.
    CargoLock,
    /// `package-lock.json` / `npm-shrinkwrap.json`.
    PackageLock,
    /// A CycloneDX or SPDX JSON BOM.
    Bom,
    /// `pyproject.toml` (PEP 621 / PEP 735 / Poetry): the project and its direct dependencies.
    PyProject,
    /// A conda `environment.yml`.
    CondaEnv,
    /// A conda explicit file (`@EXPLICIT`, one package URL per line).
    CondaExplicit,
    /// `conda-lock.yml` (conda-lock's unified lock file).
    CondaLock,
}

/// The kind of a lockfile by its file name, as a directory walk recognises it
/// (`requirements*.txt`, `*requirements.txt`, `requirements/*.txt`, the lockfile names,
/// `pyproject.toml`, `environment.yml`/`.yaml`, `conda-lock.yml`/`*.conda-lock.yml`, and conda
/// explicit files named `conda-<platform>.lock` or `explicit*.txt`).
pub fn kind_by_name(path: &Path) -> Option<InputKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let in_req_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|d| d.to_string_lossy().eq_ignore_ascii_case("requirements"));
    Some(match name.as_str() {
        "uv.lock" => InputKind::UvLock,
        "poetry.lock" => InputKind::PoetryLock,
        "pdm.lock" => InputKind::PdmLock,
        "pipfile.lock" => InputKind::PipfileLock,
        "cargo.lock" => InputKind::CargoLock,
        "package-lock.json" | "npm-shrinkwrap.json" => InputKind::PackageLock,
        "pyproject.toml" => InputKind::PyProject,
        "environment.yml" | "environment.yaml" => InputKind::CondaEnv,
        n if n == "conda-lock.yml"
            || n == "conda-lock.yaml"
            || n.ends_with(".conda-lock.yml")
            || n.ends_with(".conda-lock.yaml") =>
        {
            InputKind::CondaLock
        }
        n if (n.starts_with("conda-") && n.ends_with(".lock"))
            || (n.starts_with("explicit") && n.ends_with(".txt")) =>
        {
            InputKind::CondaExplicit
        }
        n if n.ends_with(".cdx.json")
            || n.ends_with(".spdx.json")
            || n.ends_with(".spdx3.json")
            || n.ends_with(".spdx.jsonld")
            || n == "bom.json"
            || n == "sbom.json" =>
        {
            InputKind::Bom
        }
        n if n.ends_with(".txt")
            && (n.starts_with("requirements") || n.ends_with("requirements.txt") || in_req_dir) =>
        {
            InputKind::Requirements
        }
        _ => return None,
    })
}

/// Read a text file under [`MAX_LOCKFILE_BYTES`].
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let io = |e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    f.take(MAX_LOCKFILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > MAX_LOCKFILE_BYTES {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size: std::fs::metadata(path).map_or(buf.len() as u64, |m| m.len()),
            limit: MAX_LOCKFILE_BYTES,
        });
    }
    String::from_utf8(buf).map_err(|e| Error::parse(path, None, format!("not UTF-8 text: {e}")))
}

/// Parse text of a known kind. `path` is used in errors, `display` in the components' origin.
pub fn parse_text(
    kind: InputKind,
    text: &str,
    path: &Path,
    display: &str,
) -> Result<Vec<Component>> {
    use lockfiles::PyLockKind;
    match kind {
        InputKind::Requirements => Ok(requirements::parse_str(text, display).components),
        InputKind::UvLock => lockfiles::parse_pylock(text, PyLockKind::Uv, path, display),
        InputKind::PoetryLock => lockfiles::parse_pylock(text, PyLockKind::Poetry, path, display),
        InputKind::PdmLock => lockfiles::parse_pylock(text, PyLockKind::Pdm, path, display),
        InputKind::PipfileLock => lockfiles::parse_pipfile_lock(text, path, display),
        InputKind::CargoLock => lockfiles::parse_cargo_lock(text, path, display),
        InputKind::PackageLock => lockfiles::parse_package_lock(text, path, display),
        InputKind::PyProject => pyproject::parse_pyproject(text, path, display),
        InputKind::CondaEnv => conda::parse_environment(text, path, display),
        InputKind::CondaExplicit => conda::parse_explicit(text, path, display),
        InputKind::CondaLock => conda::parse_conda_lock(text, path, display),
        InputKind::Bom => match bom::sniff(text) {
            Some(bom::BomKind::CycloneDx) => bom::parse_cyclonedx(text, path, display),
            Some(bom::BomKind::Spdx) => bom::parse_spdx(text, path, display),
            None => Err(Error::parse(
                path,
                None,
                "a JSON file that is neither CycloneDX (bomFormat) nor SPDX 2 (spdxVersion) nor SPDX 3 (@graph)",
            )),
        },
    }
}

/// Read one lockfile, manifest or BOM. Requirements files follow their `-r` includes. A file
/// whose name is not recognised is sniffed: JSON BOMs by content, `*.txt`/`*.in` and `*.lock`
/// holding an `@EXPLICIT` line as conda explicit files, other `*.txt`/`*.in` as requirements,
/// `*.toml` with `[project]`/`[tool.poetry]` as a pyproject, `*.yml`/`*.yaml` as a conda-lock
/// file (a `package:` list with `manager:`) or an environment file (`dependencies:`).
pub fn read_file(path: &Path, display: &str) -> Result<Vec<Component>> {
    let kind = match kind_by_name(path) {
        Some(k) => k,
        None => {
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            match ext.as_str() {
                "txt" | "in" => InputKind::Requirements,
                "json" | "jsonld" => InputKind::Bom,
                "toml" => {
                    let text = read_text(path)?;
                    if !has_line_starting(&text, &["[project]", "[tool.poetry]"]) {
                        return Err(Error::Unsupported {
                            path: path.to_path_buf(),
                        });
                    }
                    return parse_text(InputKind::PyProject, &text, path, display);
                }
                "yml" | "yaml" => {
                    let text = read_text(path)?;
                    let kind =
                        if has_line_starting(&text, &["package:"]) && text.contains("manager:") {
                            InputKind::CondaLock
                        } else if has_line_starting(&text, &["dependencies:"]) {
                            InputKind::CondaEnv
                        } else {
                            return Err(Error::Unsupported {
                                path: path.to_path_buf(),
                            });
                        };
                    return parse_text(kind, &text, path, display);
                }
                "lock" => {
                    // A renamed TOML lockfile: uv and pdm have `[[package]]` like Cargo;
                    // tell them apart by their sources. conda-lock renders explicit files.
                    let text = read_text(path)?;
                    let kind = if conda::is_explicit(&text) {
                        InputKind::CondaExplicit
                    } else if text.contains("crates.io-index") {
                        InputKind::CargoLock
                    } else if text.contains("[[package]]") {
                        InputKind::UvLock
                    } else {
                        return Err(Error::Unsupported {
                            path: path.to_path_buf(),
                        });
                    };
                    return parse_text(kind, &text, path, display);
                }
                _ => {
                    return Err(Error::Unsupported {
                        path: path.to_path_buf(),
                    });
                }
            }
        }
    };
    if kind == InputKind::Requirements {
        // `conda list --explicit > requirements.txt` is common: sniff before reading as pip's.
        let text = read_text(path)?;
        if conda::is_explicit(&text) {
            return parse_text(InputKind::CondaExplicit, &text, path, display);
        }
        return requirements::parse_file(path, display);
    }
    let text = read_text(path)?;
    if kind == InputKind::Bom && bom::sniff(&text).is_none() {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
        });
    }
    parse_text(kind, &text, path, display)
}

/// Whether a line of `text` starts with one of `prefixes` (at column 0).
fn has_line_starting(text: &str, prefixes: &[&str]) -> bool {
    text.lines()
        .any(|l| prefixes.iter().any(|p| l.starts_with(p)))
}

/// Read a directory (walked) or a file.
pub fn read_path(path: &Path, opts: &WalkOptions) -> Result<Inventory> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if meta.is_dir() {
        return walk::walk(path, opts);
    }
    let display = path.to_string_lossy().replace('\\', "/");
    let components = read_file(path, &display)?;
    Ok(Inventory {
        components,
        inputs: vec![display],
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (n, k) in [
            ("requirements.txt", Some(InputKind::Requirements)),
            ("requirements-dev.txt", Some(InputKind::Requirements)),
            ("dev-requirements.txt", Some(InputKind::Requirements)),
            ("requirements/base.txt", Some(InputKind::Requirements)),
            ("notes.txt", None),
            ("Cargo.lock", Some(InputKind::CargoLock)),
            ("Pipfile.lock", Some(InputKind::PipfileLock)),
            ("app.cdx.json", Some(InputKind::Bom)),
            ("package.json", None),
            ("pyproject.toml", Some(InputKind::PyProject)),
            ("sub/pkg/pyproject.toml", Some(InputKind::PyProject)),
            ("environment.yml", Some(InputKind::CondaEnv)),
            ("environment.yaml", Some(InputKind::CondaEnv)),
            ("conda-lock.yml", Some(InputKind::CondaLock)),
            ("gpu.conda-lock.yml", Some(InputKind::CondaLock)),
            ("conda-linux-64.lock", Some(InputKind::CondaExplicit)),
            ("explicit-osx-arm64.txt", Some(InputKind::CondaExplicit)),
            ("config.yml", None),
        ] {
            assert_eq!(kind_by_name(Path::new(n)), k, "{n}");
        }
    }

    #[test]
    fn unsupported_file_says_what_is() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.yaml");
        std::fs::write(&p, "a: 1").unwrap();
        let e = read_file(&p, "x.yaml").unwrap_err().to_string();
        assert!(
            e.contains("not a recognised lockfile, manifest or BOM (supported: requirements*.txt, pyproject.toml"),
            "{e}"
        );
        let j = t.path().join("y.json");
        std::fs::write(&j, "{}").unwrap();
        assert!(matches!(
            read_file(&j, "y.json"),
            Err(Error::Unsupported { .. })
        ));
    }
}
