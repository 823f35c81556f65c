//! Sign → verify round trips over curves, serializations and hashes, and a negative test for every tamper case.

use std::path::Path;

use base64::Engine as _;
use vouch_sign::{
    Bundle, Curve, HashAlg, HashOptions, Serialization, Signer, Verifier, VerifyError,
    VerifyOptions, hash_model, model_name, verify_model,
};

use crate::common::{key, sample_model, write_model};

fn sign(model: &Path, curve: Curve, serialization: Serialization, ignore: &[String]) -> Vec<u8> {
    let manifest = hash_model(
        model,
        &HashOptions {
            serialization,
            ignore_paths: ignore,
            ignore_git_paths: true,
            ..Default::default()
        },
    )
    .unwrap();
    Signer::new(key(curve, 7))
        .sign_manifest(&manifest, &model_name(model))
        .to_json()
}

fn verify(
    model: &Path,
    bundle: &[u8],
    curve: Curve,
) -> Result<vouch_sign::VerifiedModel, VerifyError> {
    let opts = VerifyOptions {
        ignore_git_paths: true,
        ..Default::default()
    };
    verify_model(
        model,
        bundle,
        &Verifier::PublicKey(key(curve, 7).public_key()),
        &opts,
    )
}

const SERIALIZATIONS: [Serialization; 6] = [
    Serialization::Files {
        hash: HashAlg::Sha256,
    },
    Serialization::Files {
        hash: HashAlg::Blake3,
    },
    Serialization::Files {
        hash: HashAlg::Blake2b,
    },
    Serialization::Shards {
        hash: HashAlg::Sha256,
        shard_size: 1_000_000,
    },
    Serialization::Shards {
        hash: HashAlg::Blake3,
        shard_size: 1 << 20,
    },
    Serialization::Shards {
        hash: HashAlg::Sha256,
        shard_size: 65_537,
    },
];

#[test]
fn round_trip_every_curve_and_serialization() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    for curve in [Curve::P256, Curve::P384, Curve::P521] {
        for ser in SERIALIZATIONS {
            let bundle = sign(&model, curve, ser, &[]);
            let ok =
                verify(&model, &bundle, curve).unwrap_or_else(|e| panic!("{curve} {ser}: {e}"));
            assert_eq!(ok.statement.serialization, ser);
            assert_eq!(ok.statement.subject_name, "model");
            assert!(!ok.manifest.items.iter().any(|i| i.path == ".gitattributes"));
        }
    }
}

#[test]
fn single_file_model_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model.gguf");
    std::fs::write(&file, vec![5u8; 3_000_000]).unwrap();
    for ser in SERIALIZATIONS {
        let bundle = sign(&file, Curve::P256, ser, &[]);
        let ok = verify(&file, &bundle, Curve::P256).unwrap();
        assert_eq!(ok.statement.subject_name, "model.gguf");
    }
    let bundle = sign(&file, Curve::P256, Serialization::default(), &[]);
    std::fs::write(&file, vec![5u8; 3_000_001]).unwrap();
    let err = verify(&file, &bundle, Curve::P256).unwrap_err();
    assert!(
        matches!(&err, VerifyError::Mismatch { diff } if diff.modified == ["."]),
        "{err}"
    );
}

/// Every file-level tamper case, in files and shards mode: named exactly.
#[test]
fn tampered_models_are_named() {
    for ser in [SERIALIZATIONS[0], SERIALIZATIONS[3], SERIALIZATIONS[4]] {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("model");
        sample_model(&model);
        let bundle = sign(&model, Curve::P256, ser, &[]);
        let mismatch = |model: &Path| match verify(model, &bundle, Curve::P256) {
            Err(VerifyError::Mismatch { diff }) => diff,
            other => panic!("{ser}: expected a mismatch, got {other:?}"),
        };
        // Modified: one byte in the middle of the big file.
        let w = model.join("weights/model.safetensors");
        let original = std::fs::read(&w).unwrap();
        let mut bytes = original.clone();
        bytes[2_500_000] ^= 1;
        std::fs::write(&w, &bytes).unwrap();
        let d = mismatch(&model);
        assert_eq!(
            (d.modified.as_slice(), d.added.len(), d.removed.len()),
            (&["weights/model.safetensors".to_owned()][..], 0, 0)
        );
        // Truncated (changes the shard layout).
        std::fs::write(&w, &original[..1_000]).unwrap();
        assert_eq!(mismatch(&model).modified, ["weights/model.safetensors"]);
        std::fs::write(&w, &original).unwrap();
        // Added, at the root and nested.
        write_model(&model, &[("extra.bin", b"x"), ("a/new.txt", b"y")]);
        assert_eq!(mismatch(&model).added, ["a/new.txt", "extra.bin"]);
        std::fs::remove_file(model.join("extra.bin")).unwrap();
        std::fs::remove_file(model.join("a/new.txt")).unwrap();
        // Removed.
        std::fs::remove_file(model.join("config.json")).unwrap();
        assert_eq!(mismatch(&model).removed, ["config.json"]);
        std::fs::write(model.join("config.json"), b"{\"a\": 1}\n").unwrap();
        // Renamed = one removed, one added.
        std::fs::rename(model.join("a-b.txt"), model.join("a-c.txt")).unwrap();
        let d = mismatch(&model);
        assert_eq!(
            (d.added.as_slice(), d.removed.as_slice()),
            (&["a-c.txt".to_owned()][..], &["a-b.txt".to_owned()][..])
        );
        std::fs::rename(model.join("a-c.txt"), model.join("a-b.txt")).unwrap();
        // Empty file removed: visible in files mode only (shards have no item for it).
        std::fs::remove_file(model.join("weights/empty.bin")).unwrap();
        match ser {
            Serialization::Files { .. } => {
                assert_eq!(mismatch(&model).removed, ["weights/empty.bin"])
            }
            Serialization::Shards { .. } => {
                verify(&model, &bundle, Curve::P256).unwrap();
            }
        }
        std::fs::write(model.join("weights/empty.bin"), b"").unwrap();
        verify(&model, &bundle, Curve::P256).unwrap();
    }
}

fn edit_bundle(bundle: &[u8], f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    f(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

#[test]
fn tampered_bundles_are_rejected_for_the_right_reason() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let bundle = sign(&model, Curve::P256, Serialization::default(), &[]);
    verify(&model, &bundle, Curve::P256).unwrap();

    // Wrong key (hint mismatch), and wrong key with the hint removed (signature check).
    let err = verify_model(
        &model,
        &bundle,
        &Verifier::PublicKey(key(Curve::P256, 8).public_key()),
        &VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::WrongKey { .. }), "{err}");
    let no_hint = edit_bundle(&bundle, |v| {
        v["verificationMaterial"]["publicKey"]["hint"] = "".into()
    });
    verify(&model, &no_hint, Curve::P256).unwrap();
    let err = verify_model(
        &model,
        &no_hint,
        &Verifier::PublicKey(key(Curve::P256, 8).public_key()),
        &VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::BadSignature(_)), "{err}");

    // Tampered payload: a resource digest changed and the root digest recomputed.
    let payload = b64().decode(bundle_field(&bundle, "payload")).unwrap();
    let mut statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    statement["predicate"]["resources"][0]["digest"] = "00".repeat(32).into();
    let tampered = edit_bundle(&bundle, |v| {
        v["dsseEnvelope"]["payload"] = b64().encode(serde_json::to_vec(&statement).unwrap()).into();
    });
    assert!(matches!(
        verify(&model, &tampered, Curve::P256).unwrap_err(),
        VerifyError::BadSignature(_)
    ));

    // Tampered signature: last byte flipped (still DER), and truncated (not DER).
    let sig = b64().decode(sig_field(&bundle)).unwrap();
    for bad in [
        {
            let mut s = sig.clone();
            *s.last_mut().unwrap() ^= 1;
            s
        },
        sig[..sig.len() - 3].to_vec(),
    ] {
        let t = edit_bundle(&bundle, |v| {
            v["dsseEnvelope"]["signatures"][0]["sig"] = b64().encode(&bad).into()
        });
        assert!(matches!(
            verify(&model, &t, Curve::P256).unwrap_err(),
            VerifyError::BadSignature(_)
        ));
    }
    // P1363 raw r||s signatures are refused.
    let t = edit_bundle(&bundle, |v| {
        v["dsseEnvelope"]["signatures"][0]["sig"] = b64().encode([1u8; 64]).into()
    });
    assert!(matches!(
        verify(&model, &t, Curve::P256).unwrap_err(),
        VerifyError::BadSignature(_)
    ));

    // Structural: no signatures, other payload type, other media type, unknown member, URL-safe base64.
    let t = edit_bundle(&bundle, |v| {
        v["dsseEnvelope"]["signatures"] = serde_json::json!([])
    });
    assert!(matches!(
        verify(&model, &t, Curve::P256).unwrap_err(),
        VerifyError::Bundle(_)
    ));
    let t = edit_bundle(&bundle, |v| {
        v["dsseEnvelope"]["payloadType"] = "text/plain".into()
    });
    assert!(matches!(
        verify(&model, &t, Curve::P256).unwrap_err(),
        VerifyError::PayloadType { .. }
    ));
    let t = edit_bundle(&bundle, |v| {
        v["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.3".into()
    });
    assert!(matches!(
        verify(&model, &t, Curve::P256).unwrap_err(),
        VerifyError::Bundle(_)
    ));
    let t = edit_bundle(&bundle, |v| v["extra"] = 1.into());
    assert!(matches!(
        verify(&model, &t, Curve::P256).unwrap_err(),
        VerifyError::Bundle(_)
    ));
    for junk in [&b""[..], b"{", b"null", b"[]", b"\xff\xfe"] {
        assert!(matches!(
            verify(&model, junk, Curve::P256).unwrap_err(),
            VerifyError::Bundle(_)
        ));
    }
}

fn bundle_field(bundle: &[u8], field: &str) -> String {
    let v: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    v["dsseEnvelope"][field].as_str().unwrap().to_owned()
}

fn sig_field(bundle: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    v["dsseEnvelope"]["signatures"][0]["sig"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn signed_statements_with_bad_content_fail_after_the_signature() {
    // A validly signed statement whose root digest does not match its resources.
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), &[("f", b"x")]);
    let signer = Signer::new(key(Curve::P256, 7));
    let payload = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"m","digest":{{"sha256":"{}"}}}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{{"serialization":{{"method":"files","hash_type":"sha256","allow_symlinks":false}},"resources":[{{"name":"f","algorithm":"sha256","digest":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}}]}}}}"#,
        "00".repeat(32)
    );
    let bundle = signer.sign_statement(payload.into_bytes()).to_json();
    let err = verify(dir.path(), &bundle, Curve::P256).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Statement(vouch_sign::intoto::StatementError::RootDigest { .. })
        ),
        "{err}"
    );
    assert!(err.is_verification_failure());
}

#[test]
fn ignore_paths_are_recorded_and_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    write_model(&model, &[("logs/run1.txt", b"noise"), ("logsX", b"kept")]);
    let bundle = sign(
        &model,
        Curve::P256,
        Serialization::default(),
        &["logs".to_owned()],
    );
    let b = Bundle::from_json(&bundle).unwrap();
    let stmt = vouch_sign::ModelStatement::parse(&b.envelope.payload).unwrap();
    assert_eq!(
        stmt.ignore_paths,
        [".git", ".gitattributes", ".github", ".gitignore", "logs"]
    );
    assert!(stmt.resources.iter().any(|r| r.name == "logsX"));
    // Anything may change below an ignored path.
    write_model(&model, &[("logs/run2.txt", b"more"), (".git/HEAD", b"ref")]);
    verify(&model, &bundle, Curve::P256).unwrap();
    // The verifier's own ignore paths apply too.
    write_model(&model, &[("scratch/x", b"1")]);
    assert!(verify(&model, &bundle, Curve::P256).is_err());
    let extra = vec!["scratch".to_owned()];
    let opts = VerifyOptions {
        ignore_paths: &extra,
        ignore_git_paths: true,
        ..Default::default()
    };
    verify_model(
        &model,
        &bundle,
        &Verifier::PublicKey(key(Curve::P256, 7).public_key()),
        &opts,
    )
    .unwrap();
}

#[test]
fn signature_inside_the_model_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let sig_path = model.join("model.sig");
    let rel = vouch_sign::path_inside_model(&model, &sig_path).unwrap();
    let bundle = sign(&model, Curve::P384, Serialization::default(), &[rel]);
    std::fs::write(&sig_path, &bundle).unwrap();
    // Recorded in ignore_paths, so it verifies even without telling the verifier where the signature is.
    verify(&model, &bundle, Curve::P384).unwrap();
}

#[test]
fn symlinks_follow_the_signed_setting() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let bundle = sign(&model, Curve::P256, Serialization::default(), &[]);
    std::os::unix::fs::symlink(model.join("config.json"), model.join("link.json")).unwrap();
    assert!(matches!(
        verify(&model, &bundle, Curve::P256).unwrap_err(),
        VerifyError::Hash(vouch_sign::HashError::Symlink { .. })
    ));
    // Signed with symlinks allowed: the link's target content is covered.
    let manifest = hash_model(
        &model,
        &HashOptions {
            allow_symlinks: true,
            ignore_git_paths: true,
            ..Default::default()
        },
    )
    .unwrap();
    let bundle = Signer::new(key(Curve::P256, 7))
        .sign_manifest(&manifest, "model")
        .to_json();
    verify(&model, &bundle, Curve::P256).unwrap();
    std::fs::write(model.join("config.json"), b"changed").unwrap();
    let err = verify(&model, &bundle, Curve::P256).unwrap_err();
    assert!(
        matches!(&err, VerifyError::Mismatch { diff } if diff.modified == ["config.json", "link.json"]),
        "{err}"
    );
}

#[test]
fn signed_git_paths_are_verified_not_ignored() {
    // A signature that covers a root .gitattributes (signed with git ignoring off, as 1.0.x often did).
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let manifest = hash_model(&model, &HashOptions::default()).unwrap();
    assert!(manifest.items.iter().any(|i| i.path == ".gitattributes"));
    let bundle = Signer::new(key(Curve::P256, 7))
        .sign_manifest(&manifest, "model")
        .to_json();
    verify(&model, &bundle, Curve::P256).unwrap();
    std::fs::write(model.join(".gitattributes"), b"changed").unwrap();
    let err = verify(&model, &bundle, Curve::P256).unwrap_err();
    assert!(
        matches!(&err, VerifyError::Mismatch { diff } if diff.modified == [".gitattributes"]),
        "{err}"
    );
}

#[test]
fn statement_payload_is_reproducible_and_canonical() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny");
    write_model(
        &model,
        &[("a/b", b"slash\n"), ("a-b", b"dash\n"), ("e", b"")],
    );
    let m = hash_model(
        &model,
        &HashOptions {
            ignore_git_paths: true,
            ..Default::default()
        },
    )
    .unwrap();
    let a = Signer::new(key(Curve::P256, 7)).sign_manifest(&m, "tiny");
    let b = Signer::new(key(Curve::P256, 7)).sign_manifest(&m, "tiny");
    assert_eq!(a.envelope.payload, b.envelope.payload);
    let text = String::from_utf8(a.envelope.payload).unwrap();
    assert!(
        text.contains("4b990605594e7ac5e6066d900621336dd07bec75e238fe8a91085b86890bc00d"),
        "{text}"
    );
}
