//! Walking containers of untrusted bytes (zip, tar, 7z, and compressed streams) within limits.
//!
//! vouch scans model files by parsing, never executing, and many of them are containers:
//! PyTorch checkpoints are zips (or tars, in the legacy format), NumPy `.npz` files are zips,
//! joblib pickles are whole-file gzip/bzip2/xz/lzma/zlib/lz4 streams. This crate opens them
//! defensively and hands member bytes to the scanner:
//!
//! - [`sniff`] names a container from its magic bytes (never its extension), and never calls
//!   a pickle a container;
//! - [`Archive::open`] lists a zip, tar or 7z without reading member data, and
//!   [`Archive::read`] decodes one member under a cap;
//! - [`decompress`] decodes a single compressed stream under a cap.
//!
//! It knows nothing of pickles or severities. Whatever looks wrong (path traversal, bombs,
//! duplicate names, links, encryption, corruption, limits hit) comes back as an [`Issue`] next
//! to what could still be read; `Err` is kept for failing readers and wrong calls.
//!
//! Architecture invariants: untrusted bytes never panic (no unwrap, expect or indexing outside
//! tests; checked or saturating arithmetic); memory grows with bytes actually read, never with
//! sizes the data declares; every loop is bounded by the input's length or a [`Limits`] field;
//! nothing here recurses into nested containers (the caller does, bounded by
//! `Limits::max_archive_depth`).
//!
//! [`Limits`]: vouch_core::Limits

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod archive;
mod capped;
mod error;
mod issue;
mod kind;
mod sevenz;
mod stream;
mod tar;
#[cfg(test)]
mod testutil;
mod zip;

pub use archive::{Archive, Entry, EntryKind, ReadSeek};
pub use capped::MemberData;
pub use error::ArchiveError;
pub use issue::{BOMB_MIN_BYTES, Issue, is_safe_name};
pub use kind::{ContainerKind, SNIFF_LEN, sniff};
pub use stream::decompress;
