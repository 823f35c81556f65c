//! The errors of this crate. Each carries the value that caused it; third-party errors are
//! turned into text here so that no dependency's error type leaks into the public API.

use std::path::PathBuf;

/// Everything that can go wrong in `vouch-osv`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What vouch tried to do (`read`, `create`, ...).
        action: &'static str,
        /// The path it tried to do it to.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// An advisory file is not valid OSV JSON/YAML.
    #[error("{origin}: not a valid OSV record: {message}")]
    Record {
        /// The file (or `zip!member`) the record came from.
        origin: String,
        /// What the parser said.
        message: String,
    },
    /// An advisory file is bigger than the limit.
    #[error("{origin}: {size} bytes is over the {limit}-byte limit for one advisory file")]
    RecordTooLarge {
        /// The file (or `zip!member`).
        origin: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A zip archive of advisories could not be read.
    #[error("{path}: not a readable zip archive: {message}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What the zip reader said.
        message: String,
    },
    /// A path given as an advisory source is neither a directory nor a zip file.
    #[error(
        "{path} is not a directory or a .zip of OSV advisories (expected e.g. an OSV export zip, \
         pypa/advisory-database's vulns/ or github/advisory-database's advisories/)"
    )]
    NotASource {
        /// The path.
        path: PathBuf,
    },
    /// No database at a path.
    #[error("no advisory database at {path}: import one with `vouch db import --db {path} SOURCE`")]
    NoDatabase {
        /// Where vouch looked.
        path: PathBuf,
    },
    /// Another process holds the database.
    #[error(
        "the advisory database {path} is in use by another vouch process (an import?); try again when it has finished"
    )]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The embedded store failed (corruption, full disk, ...).
    #[error(
        "advisory database {path}: {message} (delete it and run `vouch db import` again if it persists)"
    )]
    Store {
        /// The database file.
        path: PathBuf,
        /// What the store said.
        message: String,
    },
    /// The database was written by an incompatible version of vouch.
    #[error(
        "advisory database {path} has layout version {found}, this vouch reads {expected}: re-import it with `vouch db import`"
    )]
    SchemaMismatch {
        /// The database file.
        path: PathBuf,
        /// The version found in it.
        found: String,
        /// The version this build understands.
        expected: String,
    },
    /// The ignore file is malformed.
    #[error("{path}: {message}")]
    IgnoreFile {
        /// The ignore file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
    /// The OSV API could not be reached or answered something unexpected.
    #[error("OSV API at {url}: {message}")]
    Online {
        /// The URL vouch asked.
        url: String,
        /// What went wrong, and what to do.
        message: String,
    },
    /// No user data directory (no `$HOME`) and no `--db`.
    #[error(
        "cannot find a data directory for the advisory database: pass --db PATH or set VOUCH_DB"
    )]
    NoDataDir,
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
