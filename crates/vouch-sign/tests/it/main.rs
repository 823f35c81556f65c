//! Integration tests of vouch-sign: the shared model-signing vectors, tamper cases, round trips, certificate
//! chains, and interop with the Python `model-signing` tool.

mod attest;
mod common;
mod interop;
mod keyless_model;
mod pki;
mod roundtrip;
mod sigstore;
mod vectors;
