//! Certificate-method signatures: a full chain verifies; every trust failure is named (untrusted or missing
//! issuer, expired or not-yet-valid CA, leaf usage, non-CA issuer, path length, critical extension, tampering).

use vouch_sign::{
    Cert, ChainError, Curve, HashOptions, PrivateKey, SignError, Signer, Verifier, VerifyError,
    VerifyOptions, hash_model, verify_model,
};
use x509_cert::ext::pkix::KeyUsages;

use crate::common::certs::{Spec, make, pem};
use crate::common::{key, write_model};

struct Pki {
    root: PrivateKey,
    int: PrivateKey,
    leaf: PrivateKey,
}

fn pki() -> Pki {
    Pki {
        root: key(Curve::P384, 0x21),
        int: key(Curve::P256, 0x22),
        leaf: key(Curve::P256, 0x23),
    }
}

/// Signs a small model with `leaf` + `chain`, verifies it against `roots`.
fn sign_and_verify(
    leaf_key: &PrivateKey,
    leaf: &[u8],
    chain: &[&[u8]],
    roots: &[&[u8]],
) -> Result<(), VerifyError> {
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), &[("w.bin", b"weights"), ("c.json", b"{}")]);
    let chain_pem = if chain.is_empty() {
        vec![]
    } else {
        vec![pem(chain)]
    };
    let signer = Signer::new(leaf_key.clone())
        .with_certificates(&pem(&[leaf]), &chain_pem)
        .unwrap();
    let manifest = hash_model(
        dir.path(),
        &HashOptions {
            ignore_git_paths: true,
            ..Default::default()
        },
    )
    .unwrap();
    let bundle = signer.sign_manifest(&manifest, "m").to_json();
    let roots = Cert::all_from_pem(&pem(roots), "roots").unwrap();
    let opts = VerifyOptions {
        ignore_git_paths: true,
        ..Default::default()
    };
    verify_model(dir.path(), &bundle, &Verifier::Certificates(roots), &opts).map(|_| ())
}

fn chain_err(r: Result<(), VerifyError>) -> ChainError {
    match r {
        Err(VerifyError::Chain(e)) => e,
        other => panic!("expected a chain error, got {other:?}"),
    }
}

#[test]
fn full_chain_verifies_and_is_named() {
    let k = pki();
    let root = make(&Spec::ca("root", &k.root, None));
    let int = make(&Spec::ca("int", &k.int, Some(("root", &k.root))));
    let leaf = make(&Spec::leaf("leaf", &k.leaf, ("int", &k.int)));
    sign_and_verify(&k.leaf, &leaf, &[&int], &[&root]).unwrap();
    // Root included in the bundle chain too (Python allows it).
    sign_and_verify(&k.leaf, &leaf, &[&int, &root], &[&root]).unwrap();
    // Extra unrelated roots in the trust file are fine.
    let other = make(&Spec::ca("other", &key(Curve::P256, 0x29), None));
    sign_and_verify(&k.leaf, &leaf, &[&int], &[&other, &root]).unwrap();
}

#[test]
fn untrusted_missing_or_partial_chains_fail() {
    let k = pki();
    let root = make(&Spec::ca("root", &k.root, None));
    let int = make(&Spec::ca("int", &k.int, Some(("root", &k.root))));
    let leaf = make(&Spec::leaf("leaf", &k.leaf, ("int", &k.int)));
    let other = make(&Spec::ca("other", &key(Curve::P256, 0x29), None));
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf, &[&int], &[&other])),
        ChainError::NoIssuer { .. }
    ));
    // Intermediate missing from the bundle.
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf, &[], &[&root])),
        ChainError::NoIssuer { .. }
    ));
    // An intermediate alone is not an anchor (no partial chains).
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf, &[&int], &[&int])),
        ChainError::NoIssuer { .. }
    ));
    // A self-signed root in the bundle that is not trusted.
    let fake_root = make(&Spec::ca("root", &key(Curve::P384, 0x2a), None));
    let r = sign_and_verify(&k.leaf, &leaf, &[&int, &fake_root], &[&other]);
    assert!(matches!(
        chain_err(r),
        ChainError::NoIssuer { .. }
            | ChainError::BadSignature { .. }
            | ChainError::UntrustedRoot { .. }
    ));
    // A root with the right name but another key.
    let r = sign_and_verify(&k.leaf, &leaf, &[&int], &[&fake_root]);
    assert!(matches!(chain_err(r), ChainError::BadSignature { .. }));
}

#[test]
fn validity_is_checked_at_the_leaf_not_before() {
    let k = pki();
    let root = make(&Spec::ca("root", &k.root, None));
    // Long expired leaf (2024-ish days): still fine, validation happens at its notBefore.
    let int = make(&Spec::ca("int", &k.int, Some(("root", &k.root))));
    let old_leaf = make(&Spec {
        not_before: 15_000,
        not_after: 15_001,
        ..Spec::leaf("leaf", &k.leaf, ("int", &k.int))
    });
    sign_and_verify(&k.leaf, &old_leaf, &[&int], &[&root]).unwrap();
    // Intermediate already expired when the leaf was issued.
    let expired_int = make(&Spec {
        not_before: 10_000,
        not_after: 19_000,
        ..Spec::ca("int", &k.int, Some(("root", &k.root)))
    });
    let leaf = make(&Spec::leaf("leaf", &k.leaf, ("int", &k.int)));
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf, &[&expired_int], &[&root])),
        ChainError::NotValidAt { .. }
    ));
    // Intermediate not yet valid when the leaf was issued.
    let future_int = make(&Spec {
        not_before: 25_000,
        not_after: 40_000,
        ..Spec::ca("int", &k.int, Some(("root", &k.root)))
    });
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf, &[&future_int], &[&root])),
        ChainError::NotValidAt { .. }
    ));
    // A leaf whose validity period is empty.
    let broken_leaf = make(&Spec {
        not_before: 20_000,
        not_after: 19_000,
        ..Spec::leaf("leaf", &k.leaf, ("int", &k.int))
    });
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &broken_leaf, &[&int], &[&root])),
        ChainError::NotValidAt { .. }
    ));
}

#[test]
fn leaf_must_allow_signing() {
    let k = pki();
    let root = make(&Spec::ca("root", &k.root, None));
    let int = make(&Spec::ca("int", &k.int, Some(("root", &k.root))));
    let neither = make(&Spec {
        key_usage: Some(&[KeyUsages::KeyEncipherment]),
        eku_code_signing: false,
        ..Spec::leaf("leaf", &k.leaf, ("int", &k.int))
    });
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &neither, &[&int], &[&root])),
        ChainError::LeafUsage { .. }
    ));
    let no_ext = make(&Spec {
        key_usage: None,
        eku_code_signing: false,
        ..Spec::leaf("leaf", &k.leaf, ("int", &k.int))
    });
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &no_ext, &[&int], &[&root])),
        ChainError::LeafUsage { .. }
    ));
    // EKU codeSigning alone is enough; KU digitalSignature alone is enough.
    let eku_only = make(&Spec {
        key_usage: Some(&[KeyUsages::KeyEncipherment]),
        eku_code_signing: true,
        ..Spec::leaf("leaf", &k.leaf, ("int", &k.int))
    });
    sign_and_verify(&k.leaf, &eku_only, &[&int], &[&root]).unwrap();
    let ku_only = make(&Spec {
        eku_code_signing: false,
        ..Spec::leaf("leaf", &k.leaf, ("int", &k.int))
    });
    sign_and_verify(&k.leaf, &ku_only, &[&int], &[&root]).unwrap();
}

#[test]
fn issuers_must_be_cas_within_path_length() {
    let k = pki();
    let root = make(&Spec::ca("root", &k.root, None));
    let leaf = make(&Spec::leaf("leaf", &k.leaf, ("int", &k.int)));
    let not_ca = make(&Spec {
        ca: None,
        ..Spec::ca("int", &k.int, Some(("root", &k.root)))
    });
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf, &[&not_ca], &[&root])),
        ChainError::NotCa { .. }
    ));
    let no_cert_sign = make(&Spec {
        key_usage: Some(&[KeyUsages::DigitalSignature]),
        ..Spec::ca("int", &k.int, Some(("root", &k.root)))
    });
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf, &[&no_cert_sign], &[&root])),
        ChainError::NotCa { .. }
    ));
    // root pathlen 0, but an intermediate CA sits below it... and a second one below that.
    let int2_key = key(Curve::P256, 0x24);
    let root0 = make(&Spec {
        ca: Some(Some(0)),
        ..Spec::ca("root", &k.root, None)
    });
    let int = make(&Spec::ca("int", &k.int, Some(("root", &k.root))));
    let int2 = make(&Spec::ca("int2", &int2_key, Some(("int", &k.int))));
    let leaf2 = make(&Spec::leaf("leaf", &k.leaf, ("int2", &int2_key)));
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf2, &[&int2, &int], &[&root0])),
        ChainError::PathLen { .. }
    ));
    sign_and_verify(&k.leaf, &leaf2, &[&int2, &int], &[&root]).unwrap();
}

#[test]
fn unknown_critical_extension_and_tampering_fail() {
    let k = pki();
    let root = make(&Spec::ca("root", &k.root, None));
    let int = make(&Spec::ca("int", &k.int, Some(("root", &k.root))));
    let crit = make(&Spec {
        extra_critical: Some("1.2.3.4.5"),
        ..Spec::leaf("leaf", &k.leaf, ("int", &k.int))
    });
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &crit, &[&int], &[&root])),
        ChainError::CriticalExtension { .. }
    ));
    // Flip a byte of the leaf's subject name: the intermediate's signature no longer matches.
    let mut leaf = make(&Spec::leaf("leafX", &k.leaf, ("int", &k.int)));
    let pos = leaf.windows(5).position(|w| w == b"leafX").unwrap();
    leaf[pos + 4] = b'Y';
    assert!(matches!(
        chain_err(sign_and_verify(&k.leaf, &leaf, &[&int], &[&root])),
        ChainError::BadSignature { .. }
    ));
}

#[test]
fn signing_certificate_must_match_the_key() {
    let k = pki();
    let leaf = make(&Spec::leaf("leaf", &k.leaf, ("int", &k.int)));
    let err = Signer::new(k.int.clone())
        .with_certificates(&pem(&[&leaf]), &[])
        .unwrap_err();
    assert!(
        matches!(err, SignError::CertificateKeyMismatch { .. }),
        "{err}"
    );
    let err = Signer::new(k.leaf.clone())
        .with_certificates("no pem", &[])
        .unwrap_err();
    assert!(matches!(err, SignError::NoCertificate { .. }), "{err}");
}

#[test]
fn key_bundle_against_roots_and_cert_bundle_against_key() {
    let k = pki();
    let root = make(&Spec::ca("root", &k.root, None));
    let int = make(&Spec::ca("int", &k.int, Some(("root", &k.root))));
    let leaf = make(&Spec::leaf("leaf", &k.leaf, ("int", &k.int)));
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), &[("w.bin", b"weights")]);
    let manifest = hash_model(dir.path(), &HashOptions::default()).unwrap();
    let opts = VerifyOptions::default();
    // Bare-key bundle checked against roots: named as such.
    let bare = Signer::new(k.leaf.clone())
        .sign_manifest(&manifest, "m")
        .to_json();
    let roots = Cert::all_from_pem(&pem(&[&root]), "roots").unwrap();
    let err = verify_model(dir.path(), &bare, &Verifier::Certificates(roots), &opts).unwrap_err();
    assert!(matches!(err, VerifyError::MaterialKind(_)), "{err}");
    // Certificate bundle checked against the leaf's public key directly: accepted; another key: wrong key.
    let chained = Signer::new(k.leaf.clone())
        .with_certificates(&pem(&[&leaf]), &[pem(&[&int])])
        .unwrap();
    let bundle = chained.sign_manifest(&manifest, "m").to_json();
    verify_model(
        dir.path(),
        &bundle,
        &Verifier::PublicKey(k.leaf.public_key()),
        &opts,
    )
    .unwrap();
    let err = verify_model(
        dir.path(),
        &bundle,
        &Verifier::PublicKey(k.int.public_key()),
        &opts,
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::WrongKey { .. }), "{err}");
}
