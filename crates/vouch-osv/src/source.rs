//! Where advisories come from: a directory tree or a zip archive of OSV JSON/YAML files.
//!
//! Every layout in use is just "OSV files somewhere below the root", so the walk is
//! layout-agnostic: OSV's per-ecosystem `all.zip` exports (files at the root), pypa's
//! `vulns/<package>/PYSEC-*.yaml`, GitHub's `advisories/github-reviewed/YYYY/MM/GHSA-*/GHSA-*.json`,
//! RustSec's `crates/RUSTSEC-*.json`, or a hand-written AI feed. Hidden directories (`.git`)
//! are skipped, symbolic links to directories are not followed (no loops), and only
//! `.json`, `.yaml` and `.yml` files are read. The layout is guessed only to describe the
//! source in `vouch db status`.

use crate::advisory::Encoding;
use crate::error::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The most entries read from one source (the whole OSV database is ~10^6 files).
pub const MAX_FILES: usize = 4_000_000;

/// One advisory file found in a source, with what identifies its content cheaply.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Path relative to the source root, `/`-separated (a zip member's name).
    pub rel: String,
    /// Size in bytes.
    pub size: u64,
    /// A cheap change marker: modification time in ns for files, `crc32:…` for zip members.
    pub stamp: String,
    /// Index in the zip archive, for members.
    pub zip_index: Option<usize>,
}

/// The kind of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A directory tree.
    Directory,
    /// A zip archive.
    Zip,
}

/// A source of advisory files.
pub(crate) struct Source {
    pub root: PathBuf,
    pub kind: SourceKind,
    zip: Option<zip::ZipArchive<std::fs::File>>,
}

impl Source {
    /// Open a directory or a `.zip` file.
    pub fn open(path: &Path) -> Result<Source> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
        if meta.is_dir() {
            return Ok(Source {
                root: path.to_path_buf(),
                kind: SourceKind::Directory,
                zip: None,
            });
        }
        let mut magic = [0u8; 4];
        let mut f = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
        let n = f.read(&mut magic).map_err(|e| Error::io("read", path, e))?;
        if n < 4 || &magic != b"PK\x03\x04" && &magic != b"PK\x05\x06" {
            return Err(Error::NotASource {
                path: path.to_path_buf(),
            });
        }
        let f = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
        let archive = zip::ZipArchive::new(f).map_err(|e| Error::Zip {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Source {
            root: path.to_path_buf(),
            kind: SourceKind::Zip,
            zip: Some(archive),
        })
    }

    /// Every advisory file, sorted by relative path.
    pub fn entries(&mut self) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        match &mut self.zip {
            None => walk(&self.root, &self.root, &mut out)?,
            Some(z) => {
                for i in 0..z.len() {
                    if out.len() >= MAX_FILES {
                        break;
                    }
                    let Ok(f) = z.by_index_raw(i) else { continue };
                    let Ok(name) = f.name().map(|n| n.into_owned()) else {
                        continue;
                    };
                    if f.is_dir() || Encoding::of(&name).is_none() {
                        continue;
                    }
                    if name.split('/').any(|c| c.starts_with('.') && c.len() > 1) {
                        continue;
                    }
                    out.push(Entry {
                        rel: name,
                        size: f.size(),
                        stamp: format!("crc32:{:08x}", f.crc32()),
                        zip_index: Some(i),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.rel.cmp(&b.rel));
        Ok(out)
    }

    /// The bytes of one entry, at most `limit` bytes (more is an error carrying the size).
    pub fn read(&mut self, entry: &Entry, limit: u64) -> Result<Vec<u8>> {
        let origin = self.origin(&entry.rel);
        if entry.size > limit {
            return Err(Error::RecordTooLarge {
                origin,
                size: entry.size,
                limit,
            });
        }
        let mut buf = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0).min(1 << 20));
        match (&mut self.zip, entry.zip_index) {
            (Some(z), Some(i)) => {
                let f = z.by_index(i).map_err(|e| Error::Zip {
                    path: self.root.clone(),
                    message: format!("{}: {e}", entry.rel),
                })?;
                // The declared size can lie: never read more than the limit.
                f.take(limit + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| Error::io("read", PathBuf::from(&origin), e))?;
            }
            _ => {
                let p = self.root.join(&entry.rel);
                std::fs::File::open(&p)
                    .and_then(|f| f.take(limit + 1).read_to_end(&mut buf))
                    .map_err(|e| Error::io("read", p, e))?;
            }
        }
        if buf.len() as u64 > limit {
            return Err(Error::RecordTooLarge {
                origin,
                size: buf.len() as u64,
                limit,
            });
        }
        Ok(buf)
    }

    /// How an entry is named in messages: `root/rel` or `archive.zip!rel`.
    pub fn origin(&self, rel: &str) -> String {
        match self.kind {
            SourceKind::Directory => self.root.join(rel).display().to_string(),
            SourceKind::Zip => format!("{}!{rel}", self.root.display()),
        }
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Entry>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
    for ent in rd {
        if out.len() >= MAX_FILES {
            return Ok(());
        }
        let ent = ent.map_err(|e| Error::io("read directory", dir, e))?;
        let name = ent.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let Ok(ft) = ent.file_type() else { continue };
        let path = ent.path();
        if ft.is_dir() {
            walk(root, &path, out)?;
            continue;
        }
        if Encoding::of(&name).is_none() {
            continue;
        }
        // Regular files, and symbolic links to regular files.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        out.push(Entry {
            rel,
            size: meta.len(),
            stamp: format!("mtime:{mtime}"),
            zip_index: None,
        });
    }
    Ok(())
}

/// A description of the layout, from the relative paths found.
pub(crate) fn guess_layout(kind: SourceKind, rels: &[String]) -> &'static str {
    let has = |pat: &str| rels.iter().any(|r| r.contains(pat));
    if has("github-reviewed/") || has("unreviewed/") {
        "github/advisory-database"
    } else if rels
        .iter()
        .any(|r| r.contains("PYSEC-") && r.ends_with(".yaml"))
    {
        "pypa/advisory-database"
    } else if has("RUSTSEC-") {
        "rustsec/advisory-db (OSV export)"
    } else if kind == SourceKind::Zip {
        "OSV export (zip)"
    } else {
        "directory of OSV files"
    }
}
