//! A keyless (Sigstore) model signature end to end, with a private Fulcio CA and Rekor key made here: the
//! model verifies offline against the trusted root with the identity policy; a changed file, a wrong identity and
//! a forged log entry are rejected.

use base64::Engine as _;
use der::Encode as _;
use sha2::Digest as _;
use vouch_sign::sigstore::{SigstoreError, SigstorePolicy, TrustedRoot};
use vouch_sign::{
    Curve, HashOptions, ModelStatement, SignerInfo, Verifier, VerifyError, VerifyOptions,
    hash_model, verify_model,
};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use crate::common::certs::{Spec, make, pem};
use crate::common::{key, sample_model};

const IDENTITY: &str =
    "https://github.com/org/models/.github/workflows/release.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const DAY: i64 = 20_000;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn leaf_hash(d: &[u8]) -> [u8; 32] {
    sha2::Sha256::new()
        .chain_update([0u8])
        .chain_update(d)
        .finalize()
        .into()
}

struct Keyless {
    trusted_root: Vec<u8>,
    bundle: serde_json::Value,
}

/// Signs `model` keylessly: leaf from a local "Fulcio", entry in a local "Rekor" of two leaves.
fn sign_keyless(model: &std::path::Path, leaf_identity: &str) -> Keyless {
    let fulcio = key(Curve::P384, 0x51);
    let leaf_key = key(Curve::P256, 0x52);
    let rekor = key(Curve::P256, 0x53);
    let san = SubjectAltName(vec![GeneralName::UniformResourceIdentifier(
        der::asn1::Ia5String::new(leaf_identity).unwrap(),
    )]);
    let issuer_ext = der::asn1::Utf8StringRef::new(ISSUER)
        .unwrap()
        .to_der()
        .unwrap();
    let root = make(&Spec::ca("sigstore", &fulcio, None));
    let leaf = make(&Spec {
        not_before: DAY as u64,
        not_after: DAY as u64 + 1,
        extensions: vec![
            ("2.5.29.17", true, san.to_der().unwrap()),
            ("1.3.6.1.4.1.57264.1.8", false, issuer_ext),
        ],
        ..Spec::leaf("", &leaf_key, ("sigstore", &fulcio))
    });

    let manifest = hash_model(
        model,
        &HashOptions {
            ignore_git_paths: true,
            ..Default::default()
        },
    )
    .unwrap();
    let payload = ModelStatement::from_manifest("model", &manifest).to_json();
    let pae = vouch_sign::dsse::pae(vouch_sign::dsse::IN_TOTO_PAYLOAD_TYPE, &payload);
    let sig = leaf_key.sign(&pae);

    let body = serde_json::json!({
        "apiVersion": "0.0.1", "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": "00"},
            "payloadHash": {"algorithm": "sha256", "value": hex::encode(sha2::Sha256::digest(&payload))},
            "signatures": [{"signature": b64(&sig), "verifier": b64(pem(&[&leaf]).as_bytes())}],
        }
    });
    let body = serde_json::to_vec(&body).unwrap();
    let spki = rekor.public_key().spki_der();
    let log_id: [u8; 32] = sha2::Sha256::digest(&spki).into();
    let integrated = DAY * 86_400 + 60;
    let log_index = 7u64;
    let set_doc = format!(
        "{{\"body\":\"{}\",\"integratedTime\":{integrated},\"logID\":\"{}\",\"logIndex\":{log_index}}}",
        b64(&body),
        hex::encode(log_id)
    );
    let set = rekor.sign(set_doc.as_bytes());
    // Tree of two leaves: ours at index 0.
    let other = leaf_hash(b"someone else's entry");
    let root_hash: [u8; 32] = sha2::Sha256::new()
        .chain_update([1u8])
        .chain_update(leaf_hash(&body))
        .chain_update(other)
        .finalize()
        .into();
    let note_body = format!("test-rekor - 42\n2\n{}\n", b64(&root_hash));
    let note_sig = [&log_id[..4], &rekor.sign(note_body.as_bytes())].concat();
    let checkpoint = format!("{note_body}\n\u{2014} test-rekor {}\n", b64(&note_sig));

    let bundle = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(&leaf)},
            "tlogEntries": [{
                "logIndex": log_index.to_string(),
                "logId": {"keyId": b64(&log_id)},
                "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                "integratedTime": integrated.to_string(),
                "inclusionPromise": {"signedEntryTimestamp": b64(&set)},
                "inclusionProof": {
                    "logIndex": "0", "rootHash": b64(&root_hash), "treeSize": "2",
                    "hashes": [b64(&other)], "checkpoint": {"envelope": checkpoint},
                },
                "canonicalizedBody": b64(&body),
            }],
        },
        "dsseEnvelope": {
            "payload": b64(&payload),
            "payloadType": "application/vnd.in-toto+json",
            "signatures": [{"sig": b64(&sig), "keyid": ""}],
        },
    });
    let trusted_root = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{
            "baseUrl": "https://rekor.test", "hashAlgorithm": "SHA2_256",
            "publicKey": {"rawBytes": b64(&spki), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": {"start": "2020-01-01T00:00:00Z"}},
            "logId": {"keyId": b64(&log_id)},
        }],
        "certificateAuthorities": [{
            "subject": {"organization": "test", "commonName": "fulcio"},
            "uri": "https://fulcio.test",
            "certChain": {"certificates": [{"rawBytes": b64(&root)}]},
            "validFor": {"start": "2020-01-01T00:00:00Z"},
        }],
    });
    Keyless {
        trusted_root: serde_json::to_vec(&trusted_root).unwrap(),
        bundle,
    }
}

fn verify(
    model: &std::path::Path,
    k: &Keyless,
    identity: &str,
    bundle: &serde_json::Value,
) -> Result<SignerInfo, VerifyError> {
    let policy = SigstorePolicy {
        trusted_root: TrustedRoot::from_json(&k.trusted_root).unwrap(),
        identity: identity.into(),
        issuer: ISSUER.into(),
    };
    let opts = VerifyOptions {
        ignore_git_paths: true,
        ..Default::default()
    };
    verify_model(
        model,
        &serde_json::to_vec(bundle).unwrap(),
        &Verifier::Sigstore(Box::new(policy)),
        &opts,
    )
    .map(|m| m.signer)
}

#[test]
fn keyless_model_signature_verifies_offline() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let k = sign_keyless(&model, IDENTITY);
    let info = verify(&model, &k, IDENTITY, &k.bundle).unwrap();
    assert_eq!(
        info,
        SignerInfo::Sigstore {
            identity: IDENTITY.into(),
            issuer: ISSUER.into(),
            log_index: 7
        }
    );

    // Wrong identity.
    let e = verify(
        &model,
        &k,
        "https://github.com/org/other/.github/workflows/x.yml@refs/heads/main",
        &k.bundle,
    )
    .unwrap_err();
    assert!(
        matches!(e, VerifyError::Sigstore(SigstoreError::Identity { .. })),
        "{e}"
    );
    // A changed file.
    std::fs::write(model.join("config.json"), b"{}").unwrap();
    let e = verify(&model, &k, IDENTITY, &k.bundle).unwrap_err();
    assert!(
        matches!(&e, VerifyError::Mismatch { diff } if diff.modified == ["config.json"]),
        "{e}"
    );
}

#[test]
fn forged_log_entries_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let k = sign_keyless(&model, IDENTITY);
    // A log entry edited to name another payload: the log's signatures no longer cover it.
    let mut b = k.bundle.clone();
    let entry = &mut b["verificationMaterial"]["tlogEntries"][0];
    let body = base64::engine::general_purpose::STANDARD
        .decode(entry["canonicalizedBody"].as_str().unwrap())
        .unwrap();
    let mut body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    body["spec"]["payloadHash"]["value"] = "ab".repeat(32).into();
    entry["canonicalizedBody"] = b64(&serde_json::to_vec(&body).unwrap()).into();
    let e = verify(&model, &k, IDENTITY, &b).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Sigstore(SigstoreError::SignedEntryTimestamp { .. })
        ),
        "{e}"
    );
    // A certificate from a CA the trusted root does not list.
    let mut b = k.bundle.clone();
    let rogue_ca = key(Curve::P384, 0x61);
    let rogue_leaf = make(&Spec::leaf(
        "",
        &key(Curve::P256, 0x52),
        ("sigstore", &rogue_ca),
    ));
    b["verificationMaterial"]["certificate"]["rawBytes"] = b64(&rogue_leaf).into();
    let e = verify(&model, &k, IDENTITY, &b).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Sigstore(SigstoreError::EntryMismatch { .. })
        ),
        "{e}"
    );
}
