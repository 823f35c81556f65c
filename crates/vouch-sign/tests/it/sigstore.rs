//! Sigstore keyless verification, offline, on a real production bundle: it verifies with the right identity and
//! issuer, and every tampered part or wrong policy is rejected for the right reason.

use std::path::PathBuf;

use base64::Engine as _;
use vouch_sign::sigstore::{SigstoreError, SigstorePolicy, TrustedRoot};
use vouch_sign::{Bundle, SignerInfo, Verifier, VerifyError, verify_bundle};

const IDENTITY: &str =
    "https://github.com/wolfv/sigstore-test/.github/workflows/action.yaml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sigstore")
            .join(name),
    )
    .unwrap()
}

fn policy(identity: &str, issuer: &str) -> Verifier {
    let trusted_root = TrustedRoot::from_json(&fixture("trusted_root.json")).unwrap();
    Verifier::Sigstore(Box::new(SigstorePolicy {
        trusted_root,
        identity: identity.into(),
        issuer: issuer.into(),
    }))
}

fn verify_json(json: &serde_json::Value, verifier: &Verifier) -> Result<SignerInfo, VerifyError> {
    let bundle = Bundle::from_json(&serde_json::to_vec(json).unwrap())?;
    verify_bundle(&bundle, verifier)
}

fn bundle_json() -> serde_json::Value {
    serde_json::from_slice(&fixture("github-actions-dsse.sigstore.json")).unwrap()
}

fn sigstore_err(r: Result<SignerInfo, VerifyError>) -> SigstoreError {
    match r {
        Err(VerifyError::Sigstore(e)) => e,
        other => panic!("expected a Sigstore error, got {other:?}"),
    }
}

#[test]
fn real_keyless_bundle_verifies_offline() {
    let bundle = Bundle::from_json(&fixture("github-actions-dsse.sigstore.json")).unwrap();
    let info = verify_bundle(&bundle, &policy(IDENTITY, ISSUER)).unwrap();
    assert_eq!(
        info,
        SignerInfo::Sigstore {
            identity: IDENTITY.into(),
            issuer: ISSUER.into(),
            log_index: 166_143_216
        }
    );
}

#[test]
fn wrong_identity_or_issuer_is_named() {
    let b = bundle_json();
    let e = sigstore_err(verify_json(
        &b,
        &policy(
            "https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main",
            ISSUER,
        ),
    ));
    assert!(
        matches!(&e, SigstoreError::Identity { found, .. } if found == &[IDENTITY.to_owned()]),
        "{e}"
    );
    let e = sigstore_err(verify_json(
        &b,
        &policy(IDENTITY, "https://accounts.google.com"),
    ));
    assert!(
        matches!(&e, SigstoreError::Issuer { found: Some(f), .. } if f == ISSUER),
        "{e}"
    );
}

#[test]
fn tampering_is_rejected() {
    let good = bundle_json();
    let p = policy(IDENTITY, ISSUER);
    let b64 = base64::engine::general_purpose::STANDARD;

    // Payload changed: the log entry no longer matches (and the signature would fail too).
    let mut b = good.clone();
    b["dsseEnvelope"]["payload"] = b64
        .encode(b"{\"_type\":\"https://in-toto.io/Statement/v1\"}")
        .into();
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::EntryMismatch { .. }
    ));

    // Signed entry timestamp corrupted.
    let mut b = good.clone();
    let e = entry(&mut b);
    e["inclusionPromise"]["signedEntryTimestamp"] = b64
        .encode([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])
        .into();
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::SignedEntryTimestamp { .. }
    ));

    // Integrated time changed: the SET no longer covers it.
    let mut b = good.clone();
    entry(&mut b)["integratedTime"] = "1738060097".into();
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::SignedEntryTimestamp { .. }
    ));

    // Inclusion proof hash corrupted (SET removed so the proof is the only evidence).
    let mut b = good.clone();
    let e = entry(&mut b);
    e.as_object_mut().unwrap().remove("inclusionPromise");
    e["inclusionProof"]["hashes"][0] = b64.encode([0u8; 32]).into();
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::InclusionProof { .. }
    ));

    // Proof without the SET still verifies; checkpoint tampered does not.
    let mut b = good.clone();
    entry(&mut b)
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    verify_json(&b, &p).unwrap();
    let cp =
        b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"]
            .as_str()
            .unwrap()
            .replace("1193050959916656506", "1193050959916656507");
    b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] =
        cp.into();
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::InclusionProof { .. }
    ));

    // No log evidence at all, no entry at all, unknown log.
    let mut b = good.clone();
    let e = entry(&mut b);
    e.as_object_mut().unwrap().remove("inclusionPromise");
    e.as_object_mut().unwrap().remove("inclusionProof");
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::NoLogEvidence
    ));
    let mut b = good.clone();
    b["verificationMaterial"]["tlogEntries"] = serde_json::json!([]);
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::NoTlogEntry
    ));
    let mut b = good.clone();
    entry(&mut b)["logId"]["keyId"] = b64.encode([7u8; 32]).into();
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::UnknownLog { .. }
    ));

    // DSSE signature replaced by another valid-looking one: not in the log.
    let mut b = good.clone();
    b["dsseEnvelope"]["signatures"][0]["sig"] = b64
        .encode([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])
        .into();
    assert!(matches!(
        sigstore_err(verify_json(&b, &p)),
        SigstoreError::EntryMismatch { .. }
    ));
}

/// A trust root without the production Fulcio CA (staging's) cannot chain the leaf.
#[test]
fn other_trust_roots_do_not_chain() {
    let mut root: serde_json::Value =
        serde_json::from_slice(&fixture("trusted_root.json")).unwrap();
    // Keep the logs, replace the CAs by a self-signed CA of our own.
    let other =
        std::fs::read_to_string(crate::common::vectors_dir().join("pki/other-root.pem")).unwrap();
    let der = vouch_sign::Cert::all_from_pem(&other, "other")
        .unwrap()
        .remove(0);
    root["certificateAuthorities"] = serde_json::json!([{
        "subject": {"organization": "x", "commonName": "x"},
        "certChain": {"certificates": [{"rawBytes": base64::engine::general_purpose::STANDARD.encode(der.der())}]},
        "validFor": {"start": "2021-01-01T00:00:00Z"}
    }]);
    let trusted_root = TrustedRoot::from_json(&serde_json::to_vec(&root).unwrap()).unwrap();
    let v = Verifier::Sigstore(Box::new(SigstorePolicy {
        trusted_root,
        identity: IDENTITY.into(),
        issuer: ISSUER.into(),
    }));
    assert!(matches!(
        sigstore_err(verify_json(&bundle_json(), &v)),
        SigstoreError::Chain(_)
    ));
    // Malformed trust roots are errors, not panics.
    for junk in [&b"{}"[..], b"[]", b"{\"mediaType\":\"x\"}"] {
        assert!(TrustedRoot::from_json(junk).is_err());
    }
}

fn entry(b: &mut serde_json::Value) -> &mut serde_json::Value {
    &mut b["verificationMaterial"]["tlogEntries"][0]
}
