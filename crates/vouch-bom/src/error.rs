//! Errors of BOM building.

use std::path::PathBuf;

/// What went wrong while building a BOM.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The inventory (lockfiles, BOMs) could not be read.
    #[error(transparent)]
    Inventory(#[from] vouch_inventory::Error),
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
