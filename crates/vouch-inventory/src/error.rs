//! Errors, each carrying the file and the offending value.

use std::path::PathBuf;

/// Everything that can go wrong reading an inventory input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file is over the size limit for its kind.
    #[error("{path}: {size} bytes is over the {limit}-byte limit for a lockfile or BOM")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A file is not valid in its format.
    #[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line, when known.
        line: Option<u32>,
        /// What is wrong.
        message: String,
    },
    /// `-r` includes nest deeper than the limit.
    #[error("{path}: requirement files include each other more than {limit} levels deep")]
    IncludeDepth {
        /// The file at the limit.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// The input is not a format vouch reads.
    #[error(
        "{path}: not a recognised lockfile, manifest or BOM (supported: requirements*.txt, pyproject.toml, uv.lock, \
         poetry.lock, Pipfile.lock, pdm.lock, environment.yml, conda-lock.yml, conda explicit files, Cargo.lock, \
         package-lock.json, CycloneDX JSON, SPDX 2.3 JSON or SPDX 3.0 JSON-LD, or a directory)"
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
    },
}

impl Error {
    pub(crate) fn parse(
        path: &std::path::Path,
        line: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Error::Parse {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
