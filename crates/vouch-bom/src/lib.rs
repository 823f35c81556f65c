//! `vouch bom`: an AI bill of materials of a project – its libraries (lockfiles, manifests,
//! installed environments and other BOMs, via `vouch-inventory`), its models (one component
//! per model directory or weight file: formats, per-file SHA-256, tensor and parameter counts,
//! dtypes and quantisation via `vouch-scan`, `config.json`, the model card, training
//! configuration, Hugging Face cache identity) and its datasets (files, hashes, rows and
//! schema via `vouch-dataset`, dataset cards) – with the dependency graph between them.
//!
//! [`build`] reads a path into a [`Bom`] (the domain model); [`to_cyclonedx`] renders it as
//! CycloneDX 1.6 JSON, [`to_spdx3`] as SPDX 3.0.1 JSON-LD with the AI and Dataset profiles.

#![warn(missing_docs)]
// Untrusted input never panics: no unwrap, expect, panics or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod build;
pub mod card;
mod cyclonedx;
mod error;
mod model;
pub mod modeldir;
mod spdx3;

pub use build::{Options, Progress, build, build_with};
pub use cyclonedx::to_cyclonedx;
pub use error::{Error, Result};
pub use model::{BaseModel, Bom, BomComponent, Column, FileEntry, Kind, Metric};
pub use spdx3::to_spdx3;
