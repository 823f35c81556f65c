//! Where the database lives, and what a `--db PATH` means.
//!
//! The default database is `<data dir>/vouch/advisories/advisories.redb` (the platform's user
//! data directory: `~/.local/share` on Linux). `--db` (or `VOUCH_DB`, read by the binary) names
//! either a database — a directory holding `advisories.redb`, or the `.redb` file itself — or
//! directly a source of OSV files (a directory or a zip). A source is indexed on first use into
//! a cache database keyed by its absolute path and refreshed incrementally on every use.

use crate::db::DB_FILE;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What a database argument resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// An advisory database file (it may not exist yet).
    Database(PathBuf),
    /// A directory or zip of OSV files, indexed into the cache file `cache`.
    Source {
        /// The OSV files.
        source: PathBuf,
        /// The cache database for them.
        cache: PathBuf,
    },
}

/// The default database directory: `<user data dir>/vouch/advisories`.
pub fn default_db_dir() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join("vouch").join("advisories"))
        .ok_or(Error::NoDataDir)
}

/// The default cache directory for indexes of `--db SOURCE`: `<user cache dir>/vouch/osv-index`.
pub fn default_cache_dir() -> Result<PathBuf> {
    dirs::cache_dir()
        .map(|d| d.join("vouch").join("osv-index"))
        .ok_or(Error::NoDataDir)
}

/// Resolve a `--db` argument (`None`: the default database). `cache_dir` is where indexes of
/// OSV sources go.
pub fn resolve(arg: Option<&Path>, cache_dir: &Path) -> Result<DbLocation> {
    let Some(p) = arg else {
        return Ok(DbLocation::Database(default_db_dir()?.join(DB_FILE)));
    };
    if p.is_file() {
        if p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("redb"))
        {
            return Ok(DbLocation::Database(p.to_path_buf()));
        }
        return Ok(source(p, cache_dir));
    }
    if p.is_dir() {
        if p.join(DB_FILE).is_file() || is_empty_dir(p) {
            return Ok(DbLocation::Database(p.join(DB_FILE)));
        }
        return Ok(source(p, cache_dir));
    }
    // Does not exist: a database to be created.
    if p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("redb"))
    {
        Ok(DbLocation::Database(p.to_path_buf()))
    } else {
        Ok(DbLocation::Database(p.join(DB_FILE)))
    }
}

fn source(p: &Path, cache_dir: &Path) -> DbLocation {
    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let h = hex::encode(Sha256::digest(abs.to_string_lossy().as_bytes()));
    let stem = abs
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        })
        .unwrap_or_default();
    DbLocation::Source {
        source: abs,
        cache: cache_dir.join(format!("{stem}-{}.redb", h.get(..16).unwrap_or(&h))),
    }
}

fn is_empty_dir(p: &Path) -> bool {
    std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution() {
        let t = tempfile::tempdir().unwrap();
        let cache = t.path().join("cache");
        let empty = t.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert_eq!(
            resolve(Some(&empty), &cache).unwrap(),
            DbLocation::Database(empty.join(DB_FILE))
        );
        let missing = t.path().join("new");
        assert_eq!(
            resolve(Some(&missing), &cache).unwrap(),
            DbLocation::Database(missing.join(DB_FILE))
        );
        let osv = t.path().join("osv");
        std::fs::create_dir(&osv).unwrap();
        std::fs::write(osv.join("A.json"), "{}").unwrap();
        match resolve(Some(&osv), &cache).unwrap() {
            DbLocation::Source { source, cache: c } => {
                assert_eq!(source, std::fs::canonicalize(&osv).unwrap());
                assert!(c.starts_with(&cache));
                assert!(c.to_string_lossy().ends_with(".redb"));
            }
            other => panic!("{other:?}"),
        }
    }
}
