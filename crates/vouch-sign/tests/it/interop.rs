//! Interop with the Python reference tool (`model-signing` 1.1.1 + `pyopenssl`), both directions.
//!
//! Needs `VOUCH_TEST_PYTHON` = a Python with those packages (`scripts/test.sh` sets it up). Without it the tests
//! print a skip note, except under CI (`CI` set), where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use vouch_sign::{
    Cert, HashAlg, HashOptions, PublicKey, Serialization, Signer, Verifier, VerifyOptions,
    hash_model, model_name, path_inside_model, verify_model,
};

use crate::common::{sample_model, vectors_dir};

fn python() -> Option<PathBuf> {
    match std::env::var_os("VOUCH_TEST_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => panic!(
            "VOUCH_TEST_PYTHON is not set: run scripts/test.sh (it creates a venv with model-signing==1.1.1 and \
             pyopenssl and sets VOUCH_TEST_PYTHON)"
        ),
        None => {
            eprintln!(
                "skipped: set VOUCH_TEST_PYTHON to a python with model-signing==1.1.1 and pyopenssl (scripts/test.sh does)"
            );
            None
        }
    }
}

/// Runs `python args...`; returns (success, combined output).
fn run(py: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(py)
        .args(args)
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .expect("run python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Signs `model` with vouch into `sig` (the signature path is ignored when inside the model).
fn vouch_sign(model: &Path, sig: &Path, signer: &Signer, serialization: Serialization) {
    let ignore: Vec<String> = path_inside_model(model, sig).into_iter().collect();
    let opts = HashOptions {
        serialization,
        ignore_paths: &ignore,
        ignore_git_paths: true,
        ..Default::default()
    };
    let manifest = hash_model(model, &opts).unwrap();
    std::fs::write(
        sig,
        signer
            .sign_manifest(&manifest, &model_name(model))
            .to_json(),
    )
    .unwrap();
}

fn vouch_verify(
    model: &Path,
    sig: &Path,
    verifier: &Verifier,
) -> Result<vouch_sign::VerifiedModel, vouch_sign::VerifyError> {
    let opts = VerifyOptions {
        ignore_git_paths: true,
        signature_path: Some(sig),
        ..Default::default()
    };
    verify_model(model, &std::fs::read(sig).unwrap(), verifier, &opts)
}

#[test]
fn vouch_key_signatures_verify_with_the_python_cli() {
    let Some(py) = python() else { return };
    let v = vectors_dir();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    for (key, public) in [
        ("keys/dev-p256.pem", "keys/dev-p256.pub.pem"),
        ("keys/dev-p384.pem", "keys/dev-p384.pub.pem"),
    ] {
        let signer = Signer::from_pem(&read(v.join(key))).unwrap();
        for sig in [dir.path().join("model.sig"), model.join("model.sig")] {
            vouch_sign(&model, &sig, &signer, Serialization::default());
            let (ok, out) = run(
                &py,
                &[
                    "-m",
                    "model_signing",
                    "verify",
                    "key",
                    s(&model),
                    "--signature",
                    s(&sig),
                    "--public_key",
                    s(&v.join(public)),
                ],
            );
            assert!(
                ok,
                "python rejected vouch's {key} signature at {}:\n{out}",
                sig.display()
            );
            std::fs::remove_file(&sig).unwrap();
        }
    }
    // Sanity: Python does reject a vouch signature after tampering.
    let signer = Signer::from_pem(&read(v.join("keys/dev-p256.pem"))).unwrap();
    let sig = dir.path().join("model.sig");
    vouch_sign(&model, &sig, &signer, Serialization::default());
    std::fs::write(model.join("config.json"), b"tampered").unwrap();
    let (ok, out) = run(
        &py,
        &[
            "-m",
            "model_signing",
            "verify",
            "key",
            s(&model),
            "--signature",
            s(&sig),
            "--public_key",
            s(&v.join("keys/dev-p256.pub.pem")),
        ],
    );
    assert!(!ok, "python accepted a tampered model:\n{out}");
}

#[test]
fn vouch_certificate_signatures_verify_with_the_python_cli() {
    let Some(py) = python() else { return };
    let v = vectors_dir();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let signer = Signer::from_pem(&read(v.join("pki/dev-leaf.key.pem")))
        .unwrap()
        .with_certificates(
            &read(v.join("pki/dev-leaf.pem")),
            &[read(v.join("pki/dev-int.pem"))],
        )
        .unwrap();
    let sig = dir.path().join("model.sig");
    vouch_sign(&model, &sig, &signer, Serialization::default());
    let (ok, out) = run(
        &py,
        &[
            "-m",
            "model_signing",
            "verify",
            "certificate",
            s(&model),
            "--signature",
            s(&sig),
            "--certificate_chain",
            s(&v.join("pki/dev-root.pem")),
        ],
    );
    assert!(ok, "python rejected vouch's certificate signature:\n{out}");
    let (ok, out) = run(
        &py,
        &[
            "-m",
            "model_signing",
            "verify",
            "certificate",
            s(&model),
            "--signature",
            s(&sig),
            "--certificate_chain",
            s(&v.join("pki/other-root.pem")),
        ],
    );
    assert!(!ok, "python accepted an untrusted root:\n{out}");
}

#[test]
fn vouch_shard_and_blake_signatures_verify_with_the_python_api() {
    let Some(py) = python() else { return };
    let v = vectors_dir();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let signer = Signer::from_pem(&read(v.join("keys/dev-p256.pem"))).unwrap();
    for ser in [
        Serialization::Shards {
            hash: HashAlg::Sha256,
            shard_size: 1_048_576,
        },
        Serialization::Shards {
            hash: HashAlg::Sha256,
            shard_size: 1_000_000_000,
        },
        Serialization::Files {
            hash: HashAlg::Blake3,
        },
        Serialization::Files {
            hash: HashAlg::Blake2b,
        },
    ] {
        let sig = dir.path().join("model.sig");
        vouch_sign(&model, &sig, &signer, ser);
        let (ok, out) = run(
            &py,
            &[
                s(&v.join("tools/py_ms_tool.py")),
                "verify",
                s(&model),
                "--signature",
                s(&sig),
                "--public-key",
                s(&v.join("keys/dev-p256.pub.pem")),
            ],
        );
        assert!(ok, "python API rejected vouch's {ser} signature:\n{out}");
    }
}

#[test]
fn python_signatures_verify_with_vouch() {
    let Some(py) = python() else { return };
    let v = vectors_dir();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    sample_model(&model);
    let sig = dir.path().join("py.sig");
    let key_verifier =
        |public: &str| Verifier::PublicKey(PublicKey::from_pem(&read(v.join(public))).unwrap());

    // CLI, key method, P-256 and P-384.
    for (key, public) in [
        ("keys/dev-p256.pem", "keys/dev-p256.pub.pem"),
        ("keys/dev-p384.pem", "keys/dev-p384.pub.pem"),
    ] {
        let (ok, out) = run(
            &py,
            &[
                "-m",
                "model_signing",
                "sign",
                "key",
                s(&model),
                "--private_key",
                s(&v.join(key)),
                "--signature",
                s(&sig),
            ],
        );
        assert!(ok, "python sign failed:\n{out}");
        vouch_verify(&model, &sig, &key_verifier(public)).unwrap_or_else(|e| panic!("{key}: {e}"));
    }

    // CLI, certificate method.
    let (ok, out) = run(
        &py,
        &[
            "-m",
            "model_signing",
            "sign",
            "certificate",
            s(&model),
            "--private_key",
            s(&v.join("pki/dev-leaf.key.pem")),
            "--signing_certificate",
            s(&v.join("pki/dev-leaf.pem")),
            "--certificate_chain",
            s(&v.join("pki/dev-int.pem")),
            "--signature",
            s(&sig),
        ],
    );
    assert!(ok, "python sign certificate failed:\n{out}");
    let roots = Cert::all_from_pem(&read(v.join("pki/dev-root.pem")), "root").unwrap();
    vouch_verify(&model, &sig, &Verifier::Certificates(roots)).unwrap();

    // API: shards, blake3, blake2b, and a signature inside the model.
    for extra in [
        &["--method", "shards", "--shard-size", "1048576"][..],
        &["--method", "shards", "--shard-size", "1000"][..],
        &["--hash", "blake3"][..],
        &["--hash", "blake2"][..],
    ] {
        let (tool, key) = (v.join("tools/py_ms_tool.py"), v.join("keys/dev-p256.pem"));
        let mut args = vec![
            s(&tool),
            "sign",
            s(&model),
            "--key",
            s(&key),
            "--signature",
            s(&sig),
        ];
        args.extend_from_slice(extra);
        let (ok, out) = run(&py, &args);
        assert!(ok, "python API sign {extra:?} failed:\n{out}");
        let verified = vouch_verify(&model, &sig, &key_verifier("keys/dev-p256.pub.pem"))
            .unwrap_or_else(|e| panic!("{extra:?}: {e}"));
        if extra.contains(&"shards") {
            assert_eq!(verified.statement.serialization.method(), "shards");
        }
    }
    let inside = model.join("model.sig");
    let (ok, out) = run(
        &py,
        &[
            "-m",
            "model_signing",
            "sign",
            "key",
            s(&model),
            "--private_key",
            s(&v.join("keys/dev-p256.pem")),
            "--signature",
            s(&inside),
        ],
    );
    assert!(ok, "{out}");
    vouch_verify(&model, &inside, &key_verifier("keys/dev-p256.pub.pem")).unwrap();

    // And vouch rejects a Python signature after tampering, naming the file.
    std::fs::write(model.join("a-b.txt"), b"tampered").unwrap();
    let err = vouch_verify(&model, &inside, &key_verifier("keys/dev-p256.pub.pem")).unwrap_err();
    assert!(err.to_string().contains("modified: a-b.txt"), "{err}");
}
