//! Every vector of `shared/vectors/model-signing/manifest.json` passes or fails as the manifest says, for the
//! reason it says (known ids), through the library API.

use std::path::Path;

use serde_json::Value;
use vouch_sign::{Cert, PublicKey, Verifier, VerifyError, VerifyOptions, verify_model};

use crate::common::vectors_dir;

/// Runs one vector; returns the verification result.
pub fn run_vector(dir: &Path, v: &Value) -> Result<vouch_sign::VerifiedModel, VerifyError> {
    let model = dir.join(v["model_dir"].as_str().unwrap());
    let bundle_path = dir.join(v["bundle"].as_str().unwrap());
    let bundle = std::fs::read(&bundle_path).unwrap();
    let verifier = if let Some(pk) = v["public_key"].as_str() {
        Verifier::PublicKey(
            PublicKey::from_pem(&std::fs::read_to_string(dir.join(pk)).unwrap()).unwrap(),
        )
    } else {
        let mut roots = Vec::new();
        for r in v["trust_roots"].as_array().unwrap() {
            let text = std::fs::read_to_string(dir.join(r.as_str().unwrap())).unwrap();
            roots.extend(Cert::all_from_pem(&text, "root").unwrap());
        }
        Verifier::Certificates(roots)
    };
    let opts = VerifyOptions {
        ignore_git_paths: true,
        signature_path: Some(&bundle_path),
        ..Default::default()
    };
    verify_model(&model, &bundle, &verifier, &opts)
}

/// The failure each known negative vector must produce.
fn check_reason(id: &str, err: &VerifyError) {
    let ok = match id {
        "s07-neg-file-modified" => {
            matches!(err, VerifyError::Mismatch { diff } if diff.modified == ["weights/model.safetensors"] && diff.added.is_empty() && diff.removed.is_empty())
        }
        "s08-neg-file-added" => {
            matches!(err, VerifyError::Mismatch { diff } if diff.added == ["weights/extra.bin"] && diff.modified.is_empty() && diff.removed.is_empty())
        }
        "s09-neg-file-deleted" => {
            matches!(err, VerifyError::Mismatch { diff } if diff.removed.len() == 1 && diff.added.is_empty() && diff.modified.is_empty())
        }
        "s10-neg-wrong-public-key" => matches!(err, VerifyError::WrongKey { .. }),
        "s11-neg-tampered-payload" | "s12-neg-tampered-signature" => {
            matches!(err, VerifyError::BadSignature(_))
        }
        "s13-neg-cert-untrusted-root" => matches!(err, VerifyError::Chain(_)),
        _ => true,
    };
    assert!(ok, "{id}: failed for the wrong reason: {err}");
    assert!(
        err.is_verification_failure(),
        "{id}: should be a verification failure (exit 1): {err}"
    );
}

#[test]
fn every_vector_matches_its_manifest() {
    let dir = vectors_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let vectors = manifest["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 13);
    let mut report = Vec::new();
    for v in vectors {
        let id = v["id"].as_str().unwrap();
        let expected = v["expected"].as_str().unwrap();
        let result = run_vector(&dir, v);
        match (expected, &result) {
            ("pass", Ok(m)) => {
                report.push(format!(
                    "{id}: pass ({} items, {})",
                    m.manifest.items.len(),
                    m.signer
                ));
                // The recorded serialization is the one used.
                if let Some(method) = v["serialization"]["method"].as_str() {
                    assert_eq!(m.statement.serialization.method(), method, "{id}");
                }
            }
            ("fail", Err(e)) => {
                check_reason(id, e);
                report.push(format!("{id}: fail as expected: {e}"));
            }
            (_, Ok(_)) => panic!("{id}: expected {expected}, but verification passed"),
            (_, Err(e)) => panic!("{id}: expected {expected}, but verification failed: {e}"),
        }
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn s04_shards_recorded_parameters_are_used() {
    let dir = vectors_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let v = manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "s04-shards-1MiB")
        .unwrap();
    let m = run_vector(&dir, v).unwrap();
    assert_eq!(
        m.statement.serialization,
        vouch_sign::Serialization::Shards {
            hash: vouch_sign::HashAlg::Sha256,
            shard_size: 1_048_576
        }
    );
    // 5 MiB + 123 bytes -> 6 shards for the weights; the empty file gives none.
    let weights = m
        .manifest
        .items
        .iter()
        .filter(|i| i.path == "weights/model.safetensors")
        .count();
    assert_eq!(weights, 6);
    assert!(
        !m.manifest
            .items
            .iter()
            .any(|i| i.path == "weights/empty.bin")
    );
}
