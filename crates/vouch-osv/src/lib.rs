//! Known vulnerabilities and AI advisories, offline first: OSV records, their ecosystems'
//! version semantics, an embedded index, matching, and the OSV API client.
//!
//! The pipeline, one module per stage:
//! - [`advisory`] parses an OSV record (JSON or YAML, via the private `wire` model) into a
//!   checked [`Advisory`];
//! - [`version`] orders versions per ecosystem (PEP 440, SemVer 2.0) and normalises names
//!   (PEP 503); [`range`] evaluates OSV ranges exactly as the spec's algorithm does;
//! - [`score`] turns CVSS v2/v3/v4 vectors into scores and severities;
//! - [`db`] keeps the offline index (redb) and imports directories and zips incrementally;
//!   [`location`] decides where it lives;
//! - [`audit`] matches [`Query`]s (packages, files by digest) against a [`Lookup`], merges
//!   aliases, applies the [`ignore`] file and builds the `vouch.audit/v1` [`AuditReport`];
//! - [`render`] prints it as a table, JSON, SARIF or CycloneDX VEX;
//! - [`online`] asks the OSV API (feature `online`).
//!
//! The AI advisory feed (models and datasets by repository and by file digest) is ordinary OSV
//! with ecosystem `HuggingFace`/`ModelFormat` and `affected[].ecosystem_specific.artifacts`;
//! see `docs/ai-advisories.md`.

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

pub mod advisory;
pub mod audit;
pub mod db;
mod error;
pub mod ignore;
pub mod location;
#[cfg(feature = "online")]
pub mod online;
pub mod range;
pub mod render;
pub mod score;
mod source;
pub mod time;
pub mod version;
mod wire;

pub use advisory::{Advisory, Affected, Encoding, Event, Range, RangeKind};
pub use audit::{
    AUDIT_SCHEMA, AdvisorySource, AuditOptions, AuditReport, Claims, Finding, Location, MatchedBy,
    Query, audit,
};
pub use db::{Database, ImportSummary, Lookup, MemoryIndex, Reader, SourceInfo, Status};
pub use error::{Error, Result};
pub use ignore::{IgnoreEntry, parse_ignore_file, read_ignore_file};
pub use location::{DbLocation, default_cache_dir, default_db_dir, resolve};
pub use source::SourceKind;
pub use version::{Ecosystem, Scheme, Version};
