//! Keras models: the v3 `.keras` archive (`config.json`, `metadata.json`,
//! `model.weights.h5`) and the legacy HDF5 `.h5` (the `model_config` attribute), read for
//! what loading them would import, call or read.
//!
//! Loading a Keras model rebuilds every object its config names: it imports `module`, looks
//! up `class_name`, and for Lambda layers unmarshals Python bytecode and runs it. `safe_mode`
//! blocks lambdas in `.keras` files only, and has been bypassed (2024 and 2025 advisories:
//! arbitrary modules, `enable_unsafe_deserialization`, `get_file`, `TorchModuleWrapper`,
//! vocabulary files). [`config::analyse`] lists the objects, decodes lambda bytecode with
//! [`marshal`] into the names it loads, and collects file references; [`hdf5`] reads legacy
//! files and weight files with a pure-Rust HDF5 reader.
//!
//! Parsers describe, they do not judge: which modules and classes are dangerous is decided in
//! `vouch-scan`.
//!
//! Architecture invariants: untrusted bytes never panic (no unwrap, expect or indexing outside
//! tests); JSON nesting is bounded by serde_json's recursion limit, bytecode nesting by
//! [`marshal::MAX_DEPTH`], HDF5 walks by [`hdf5::Limits`].

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod config;
pub mod hdf5;
pub mod marshal;

/// Largest `config.json` (or `model_config` attribute) parsed.
pub const MAX_CONFIG_BYTES: usize = 16 << 20;

/// Whether archive member names are the layout of a Keras v3 `.keras` file: `config.json` at
/// the top, with `metadata.json` or the weights file beside it.
pub fn is_keras_archive<'a>(names: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut config, mut other) = (false, false);
    for n in names {
        match n {
            "config.json" => config = true,
            "metadata.json" | "model.weights.h5" | "model.weights.npz" => other = true,
            _ => {}
        }
    }
    config && other
}

/// Parse and analyse a config given as bytes.
pub fn analyse_config(bytes: &[u8]) -> Result<config::ConfigFacts, String> {
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "the config is {} bytes, over the {MAX_CONFIG_BYTES}-byte limit",
            bytes.len()
        ));
    }
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the config is not JSON: {e}"))?;
    if !v.is_object() {
        return Err("the config is not a JSON object".into());
    }
    Ok(config::analyse(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_layout() {
        assert!(is_keras_archive([
            "metadata.json",
            "config.json",
            "model.weights.h5"
        ]));
        assert!(!is_keras_archive(["config.json"]));
        assert!(!is_keras_archive(["archive/data.pkl", "metadata.json"]));
    }

    #[test]
    fn bad_configs_are_errors() {
        assert!(analyse_config(b"[1]").is_err());
        assert!(analyse_config(b"{").is_err());
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(analyse_config(deep.as_bytes()).is_err());
        assert!(analyse_config(b"{}").is_ok());
    }
}
