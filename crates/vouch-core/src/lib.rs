//! vouch's vocabulary: the types every other crate speaks.
//!
//! This crate does no I/O and knows no file format. Parsers produce facts, the scan crate
//! turns facts into [`Finding`]s, and reporters render a [`ScanReport`]. The serialised
//! shape of [`ScanReport`] is the `vouch.scan/v1` JSON contract documented in the README:
//! changing a field name here is a breaking change for every consumer.

#![warn(missing_docs)]

mod finding;
mod limits;
pub mod names;
mod report;

pub use finding::{Evidence, Finding, Location, Severity};
pub use limits::Limits;
pub use report::{FileEntry, FileStatus, SCAN_SCHEMA, ScanReport, Summary, Tool};
