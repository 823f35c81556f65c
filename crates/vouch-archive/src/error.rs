//! Errors: what stops an operation outright.
//!
//! Broken or hostile data is not an error here; it is an [`crate::Issue`] next to whatever could
//! still be read. Errors are I/O failures of the reader, wrong calls (an index out of range,
//! reading a directory) and members this crate cannot decode at all (encrypted, unknown method).

use crate::ContainerKind;

/// Why an archive could not be opened or a member not read.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum ArchiveError {
    /// The underlying reader failed (not a problem with the data's format).
    #[error(
        "I/O error while {context}: {source}; check that the file is readable and not changing underneath"
    )]
    Io {
        /// What was being done.
        context: &'static str,
        /// The reader's error.
        #[source]
        source: std::io::Error,
    },
    /// [`crate::Archive::open`] was given a single-stream kind.
    #[error(
        "{kind} is a single compressed stream, not an archive: decompress it with vouch_archive::decompress instead"
    )]
    NotAnArchive {
        /// The kind passed.
        kind: ContainerKind,
    },
    /// [`crate::decompress`] was given an archive kind.
    #[error(
        "{kind} is a multi-entry archive, not a compressed stream: open it with Archive::open instead"
    )]
    NotAStream {
        /// The kind passed.
        kind: ContainerKind,
    },
    /// The entry index is not in [`crate::Archive::entries`].
    #[error("no entry {index}: the archive lists {count} entries")]
    NoSuchEntry {
        /// Index asked for.
        index: usize,
        /// Entries listed.
        count: usize,
    },
    /// The entry is a directory, link or special file, which has no content to read.
    #[error(
        "entry {index} ({name:?}) is a {what}, not a regular file; only files have content to read"
    )]
    NotAFile {
        /// Index asked for.
        index: usize,
        /// Its name.
        name: String,
        /// What it is instead.
        what: &'static str,
    },
    /// The member is encrypted. It is also reported as [`crate::Issue::Encrypted`] when listing.
    #[error(
        "member {name:?} is encrypted and vouch does not decrypt, so its content cannot be scanned; scan an unencrypted copy"
    )]
    Encrypted {
        /// Member name.
        name: String,
    },
    /// The member uses a compression method this crate does not decode.
    #[error(
        "member {name:?} uses compression method {method}, which vouch cannot decode; re-pack it with deflate or without compression to scan it"
    )]
    UnsupportedMethod {
        /// Member name.
        name: String,
        /// The method, as the format names or numbers it.
        method: String,
    },
}

impl ArchiveError {
    pub(crate) fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> ArchiveError {
        move |source| ArchiveError::Io { context, source }
    }
}
