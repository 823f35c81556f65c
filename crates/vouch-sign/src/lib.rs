//! vouch-sign: sign and verify models in the OpenSSF model-signing v1 format, interoperable with the Python
//! `model-signing` tool, and write or check SLSA provenance for them.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! model dir ──hashing──▶ Manifest ──statement──▶ in-toto Statement ──dsse──▶ Envelope ──bundle──▶ model.sig
//!                        (files/shards,            (model-signing           (PAE, ECDSA)        (Sigstore v0.3:
//!                         sha256/blake2b/blake3)    predicate, root digest)                      key hint / x509 chain)
//! ```
//!
//! Verification runs it backwards ([`verify::verify_model`]): parse the bundle strictly, check trust (key hint and
//! signature, certificate chain to a trusted root, or Sigstore keyless), parse the statement and check its root
//! digest, hash the model again *with the serialization the signature records*, and report exactly which files
//! were added, removed or modified.
//!
//! Everything that reads untrusted bytes (bundle, envelope, statement, certificates, keys) returns typed errors that
//! carry the offending value and never panics.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod attest;
pub mod bundle;
pub mod dsse;
pub mod hashing;
pub mod intoto;
pub mod keys;
pub mod manifest;
mod pem;
pub mod pki;
pub mod sign;
pub mod sigstore;
pub mod statement;
pub mod verify;

pub use bundle::{Bundle, BundleError, VerificationMaterial};
pub use hashing::{HashError, HashOptions, Progress, hash_model};
pub use keys::{Curve, KeyError, PrivateKey, PublicKey};
pub use manifest::{HashAlg, Manifest, ManifestDiff, Serialization};
pub use pem::PemError;
pub use pki::{Cert, ChainError};
pub use sign::{SignError, Signer, model_name, path_inside_model};
pub use statement::ModelStatement;
pub use verify::{
    SignerInfo, VerifiedModel, Verifier, VerifyError, VerifyOptions, verify_bundle, verify_model,
};
