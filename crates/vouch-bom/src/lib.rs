//! `vouch bom`: an AI bill of materials of a project – its libraries (from lockfiles, via
//! `vouch-inventory`), its model files (format, size, SHA-256 and format metadata, via
//! `vouch-scan`, plus the Hugging Face card of their directory) and its data – written as
//! CycloneDX 1.6 JSON with `machine-learning-model` and `data` components, model cards
//! and base-model lineage (`pedigree.ancestors`).
//!
//! [`build`] reads a directory into a [`Bom`]; [`to_cyclonedx`] renders it, and
//! [`to_spdx3`] gives a minimal SPDX 3.0.1 JSON-LD.

#![warn(missing_docs)]
// Untrusted input never panics: no unwrap, expect, panics or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod card;
mod cyclonedx;
mod error;
mod model;
mod spdx3;

pub use cyclonedx::to_cyclonedx;
pub use error::{Error, Result};
pub use model::{Bom, BomComponent, Kind, build};
pub use spdx3::to_spdx3;
