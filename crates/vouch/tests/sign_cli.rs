//! CLI tests of `vouch sign`, `vouch verify` and `vouch attest`: every shared model-signing vector through the
//! command line (exit 0 for pass, 1 for fail, never a panic), round trips, exit codes for usage and malformed
//! input, the provenance chain, and interop with the Python `model-signing` tool (`VOUCH_TEST_PYTHON`).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::cargo::cargo_bin_cmd;

/// The shared vectors (`shared/vectors/model-signing` in an ancestor directory, or `$VOUCH_SIGN_VECTORS`).
fn vectors() -> PathBuf {
    if let Ok(dir) = std::env::var("VOUCH_SIGN_VECTORS") {
        return PathBuf::from(dir);
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|d| d.join("shared/vectors/model-signing"))
        .find(|d| d.join("manifest.json").is_file())
        .unwrap_or_else(|| {
            panic!(
                "shared/vectors/model-signing not found above {}",
                here.display()
            )
        })
}

fn vouch(args: &[&str]) -> Output {
    let out = cargo_bin_cmd!("vouch")
        .args(args)
        .output()
        .expect("run vouch");
    assert_ne!(
        out.status.code(),
        Some(101),
        "vouch panicked: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Copies a directory tree (the vector models are read-only inputs).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn every_vector_through_the_cli() {
    let dir = vectors();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    for v in manifest["vectors"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let model = dir.join(v["model_dir"].as_str().unwrap());
        let bundle = dir.join(v["bundle"].as_str().unwrap());
        let mut args = vec![
            "verify".to_owned(),
            s(&model).to_owned(),
            "--signature".into(),
            s(&bundle).to_owned(),
        ];
        if let Some(pk) = v["public_key"].as_str() {
            args.extend(["--public-key".into(), s(&dir.join(pk)).to_owned()]);
        } else {
            // Trust roots concatenated into one PEM file, as the README describes.
            let roots = scratch.path().join(format!("{id}-roots.pem"));
            let text: String = v["trust_roots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| std::fs::read_to_string(dir.join(r.as_str().unwrap())).unwrap())
                .collect();
            std::fs::write(&roots, text).unwrap();
            args.extend(["--cert-chain".into(), s(&roots).to_owned()]);
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = vouch(&argv);
        let expected = if v["expected"] == "pass" { 0 } else { 1 };
        assert_eq!(
            code(&out),
            expected,
            "{id}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        );
        let err = stderr(&out);
        match id {
            "s07-neg-file-modified" => {
                assert!(err.contains("modified  weights/model.safetensors"), "{err}")
            }
            "s08-neg-file-added" => assert!(err.contains("added     weights/extra.bin"), "{err}"),
            "s09-neg-file-deleted" => assert!(err.contains("removed "), "{err}"),
            "s10-neg-wrong-public-key" => assert!(err.contains("wrong key"), "{err}"),
            "s11-neg-tampered-payload" | "s12-neg-tampered-signature" => {
                assert!(err.contains("bad signature"), "{err}")
            }
            "s13-neg-cert-untrusted-root" => {
                assert!(err.contains("untrusted certificate"), "{err}")
            }
            _ => {}
        }
    }
}

#[test]
fn sign_verify_round_trips_and_tamper() {
    let v = vectors();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny-llm");
    copy_tree(&v.join("models/tiny-llm"), &model);
    let sig = dir.path().join("model.sig");
    let pk = v.join("keys/dev-p256.pub.pem");
    for extra in [
        &[][..],
        &["--shard-size", "1MiB"][..],
        &["--hash", "blake3"][..],
        &["--shard-size", "100000", "--hash", "blake2b"][..],
    ] {
        let mut args = vec![
            "sign",
            s(&model),
            "--key",
            s(&v.join("keys/dev-p256.pem")).to_owned().leak(),
            "--signature",
            s(&sig),
        ];
        args.extend_from_slice(extra);
        let out = vouch(&args);
        assert_eq!(code(&out), 0, "{extra:?}: {}", stderr(&out));
        let out = vouch(&[
            "verify",
            s(&model),
            "--signature",
            s(&sig),
            "--public-key",
            s(&pk),
        ]);
        assert_eq!(code(&out), 0, "{extra:?}: {}", stderr(&out));
    }
    // JSON output.
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--public-key",
        s(&pk),
        "--json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["verified"], true);
    assert!(
        doc["serialization"]
            .as_str()
            .unwrap()
            .starts_with("shards/blake2b/100000")
    );
    // Tamper: modified, added, removed, all named.
    std::fs::write(model.join("config.json"), b"{}").unwrap();
    std::fs::write(model.join("new.bin"), b"x").unwrap();
    std::fs::remove_file(model.join("README.md")).unwrap();
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--public-key",
        s(&pk),
    ]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    for line in [
        "modified  config.json",
        "added     new.bin",
        "removed   README.md",
    ] {
        assert!(err.contains(line), "missing {line:?} in {err}");
    }
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--public-key",
        s(&pk),
        "--json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["failure"], "model-mismatch");
    assert_eq!(doc["diff"]["added"], serde_json::json!(["new.bin"]));
    // Wrong key.
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--public-key",
        s(&v.join("keys/dev-p384.pub.pem")),
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("wrong key"));
}

#[test]
fn certificate_method_and_signature_inside_the_model() {
    let v = vectors();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    copy_tree(&v.join("models/tiny-llm"), &model);
    let sig = model.join("model.sig");
    let out = vouch(&[
        "sign",
        s(&model),
        "--key",
        s(&v.join("pki/dev-leaf.key.pem")),
        "--certificate",
        s(&v.join("pki/dev-leaf.pem")),
        "--cert-chain",
        s(&v.join("pki/dev-int.pem")),
        "--signature",
        s(&sig),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--cert-chain",
        s(&v.join("pki/dev-root.pem")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("vouch dev model signer"));
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--cert-chain",
        s(&v.join("pki/other-root.pem")),
    ]);
    assert_eq!(code(&out), 1);
    // A certificate that is not the key's.
    let out = vouch(&[
        "sign",
        s(&model),
        "--key",
        s(&v.join("keys/dev-p256.pem")),
        "--certificate",
        s(&v.join("pki/dev-leaf.pem")),
        "--signature",
        s(&sig),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("different key"), "{}", stderr(&out));
}

#[test]
fn usage_and_input_errors_exit_2() {
    let v = vectors();
    let dir = tempfile::tempdir().unwrap();
    let model = v.join("models/tiny-llm");
    let pk = v.join("keys/dev-p256.pub.pem");
    // No trust option, two trust options.
    assert_eq!(
        code(&vouch(&[
            "verify",
            s(&model),
            "--signature",
            s(&v.join("bundles/s01-key-p256.sig"))
        ])),
        2
    );
    assert_eq!(
        code(&vouch(&[
            "verify",
            s(&model),
            "--signature",
            s(&v.join("bundles/s01-key-p256.sig")),
            "--public-key",
            s(&pk),
            "--cert-chain",
            s(&v.join("pki/dev-root.pem")),
        ])),
        2
    );
    // Malformed or missing signature, missing model, bad key file.
    let junk = dir.path().join("junk.sig");
    for content in [&b"not json"[..], b"{}", b""] {
        std::fs::write(&junk, content).unwrap();
        let out = vouch(&[
            "verify",
            s(&model),
            "--signature",
            s(&junk),
            "--public-key",
            s(&pk),
        ]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
    }
    assert_eq!(
        code(&vouch(&[
            "verify",
            s(&model),
            "--signature",
            "/nonexistent.sig",
            "--public-key",
            s(&pk)
        ])),
        2
    );
    let out = vouch(&[
        "verify",
        "/nonexistent-model",
        "--signature",
        s(&v.join("bundles/s01-key-p256.sig")),
        "--public-key",
        s(&pk),
    ]);
    assert_eq!(code(&out), 2);
    let out = vouch(&[
        "sign",
        s(&model),
        "--key",
        s(&pk),
        "--signature",
        s(&dir.path().join("x.sig")),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("private key"), "{}", stderr(&out));
    let out = vouch(&[
        "sign",
        s(&model),
        "--key",
        s(&v.join("keys/dev-p256.pem")),
        "--signature",
        "/nonexistent-dir/x.sig",
    ]);
    assert_eq!(code(&out), 2);
}

#[test]
fn symlinks_are_refused_unless_allowed() {
    let v = vectors();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(dir.path().join("outside.bin"), b"target").unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.bin"), model.join("link.bin")).unwrap();
    let sig = dir.path().join("m.sig");
    let key = v.join("keys/dev-p256.pem");
    let out = vouch(&["sign", s(&model), "--key", s(&key), "--signature", s(&sig)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    let out = vouch(&[
        "sign",
        s(&model),
        "--key",
        s(&key),
        "--signature",
        s(&sig),
        "--allow-symlinks",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--public-key",
        s(&v.join("keys/dev-p256.pub.pem")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn provenance_chain_through_the_cli() {
    let v = vectors();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let model = root.join("model");
    copy_tree(&v.join("models/tiny-llm"), &model);
    std::fs::create_dir_all(root.join("data/train")).unwrap();
    std::fs::write(root.join("data/train/a.jsonl"), b"{\"x\":1}\n").unwrap();
    std::fs::write(root.join("train.yaml"), b"lr: 1e-4\n").unwrap();
    std::fs::create_dir_all(root.join("repo/.git")).unwrap();
    std::fs::write(
        root.join("repo/.git/HEAD"),
        b"89abcdef0123456789abcdef0123456789abcdef\n",
    )
    .unwrap();
    let key = v.join("keys/dev-p256.pem");
    let pk = v.join("keys/dev-p256.pub.pem");
    let trainer = v.join("keys/dev-p384.pem");
    let trainer_pk = v.join("keys/dev-p384.pub.pem");
    let sig = root.join("model.sig");
    let prov = root.join("provenance.json");
    let ds = root.join("train.att.json");
    assert_eq!(
        code(&vouch(&[
            "sign",
            s(&model),
            "--key",
            s(&key),
            "--signature",
            s(&sig)
        ])),
        0
    );
    let out = vouch(&[
        "attest",
        "provenance",
        s(&model),
        "--key",
        s(&trainer),
        "--output",
        s(&prov),
        "--builder-id",
        "https://ci.example.com/train@v1",
        "--dataset",
        &format!("train={}", s(&root.join("data/train"))),
        "--code",
        s(&root.join("repo")),
        "--code-repo",
        "https://github.com/org/train",
        "--config",
        s(&root.join("train.yaml")),
        "--param",
        "epochs=3",
        "--param",
        "optimizer=adamw",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = vouch(&[
        "attest",
        "dataset",
        s(&root.join("data/train")),
        "--key",
        s(&trainer),
        "--name",
        "train",
        "--license",
        "MIT",
        "--output",
        s(&ds),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            s(&model),
            "--signature",
            s(&sig),
            "--public-key",
            s(&pk),
            "--attestation-key",
            s(&trainer_pk),
            "--attestation",
            s(&prov),
            "--attestation",
            s(&ds),
        ];
        args.extend_from_slice(extra);
        vouch(&args)
    };
    let train_arg = format!("dataset:train={}", s(&root.join("data/train")));
    let config_arg = format!("config={}", s(&root.join("train.yaml")));
    let code_arg = format!("code={}", s(&root.join("repo")));
    let out = verify(&[
        "--artifact",
        &train_arg,
        "--artifact",
        &config_arg,
        "--artifact",
        &code_arg,
        "--builder-id",
        "https://ci.example.com/train@v1",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("material dataset:train: matches"), "{text}");
    // Broken links: a changed dataset, a changed config, another builder, a trainer key not trusted.
    std::fs::write(root.join("data/train/a.jsonl"), b"poison").unwrap();
    let out = verify(&["--artifact", &train_arg]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("dataset:train"), "{}", stderr(&out));
    std::fs::write(root.join("data/train/a.jsonl"), b"{\"x\":1}\n").unwrap();
    std::fs::write(root.join("train.yaml"), b"lr: 1\n").unwrap();
    let out = verify(&["--artifact", &config_arg]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("material config"), "{}", stderr(&out));
    let out = verify(&["--builder-id", "https://evil.example.com"]);
    assert_eq!(code(&out), 1);
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--public-key",
        s(&pk),
        "--attestation",
        s(&prov),
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("provenance.json"), "{}", stderr(&out));
}

fn python() -> Option<PathBuf> {
    match std::env::var_os("VOUCH_TEST_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "VOUCH_TEST_PYTHON is not set: run scripts/test.sh (venv with model-signing==1.1.1 and pyopenssl)"
            )
        }
        None => {
            eprintln!(
                "skipped: set VOUCH_TEST_PYTHON to a python with model-signing==1.1.1 and pyopenssl"
            );
            None
        }
    }
}

fn py(python: &Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(python)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn python_interop_through_the_cli() {
    let Some(python) = python() else { return };
    let v = vectors();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny-llm");
    copy_tree(&v.join("models/tiny-llm"), &model);
    let sig = dir.path().join("model.sig");
    // vouch signs, Python verifies (key P-256 and P-384, certificate).
    for (key, pk) in [
        ("keys/dev-p256.pem", "keys/dev-p256.pub.pem"),
        ("keys/dev-p384.pem", "keys/dev-p384.pub.pem"),
    ] {
        assert_eq!(
            code(&vouch(&[
                "sign",
                s(&model),
                "--key",
                s(&v.join(key)),
                "--signature",
                s(&sig)
            ])),
            0
        );
        let (ok, out) = py(
            &python,
            &[
                "-m",
                "model_signing",
                "verify",
                "key",
                s(&model),
                "--signature",
                s(&sig),
                "--public_key",
                s(&v.join(pk)),
            ],
        );
        assert!(ok, "{key}: {out}");
    }
    let out = vouch(&[
        "sign",
        s(&model),
        "--key",
        s(&v.join("pki/dev-leaf.key.pem")),
        "--certificate",
        s(&v.join("pki/dev-leaf.pem")),
        "--cert-chain",
        s(&v.join("pki/dev-int.pem")),
        "--signature",
        s(&sig),
    ]);
    assert_eq!(code(&out), 0);
    let (ok, out) = py(
        &python,
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
    assert!(ok, "{out}");
    // Python signs, vouch verifies (key and certificate).
    let (ok, out) = py(
        &python,
        &[
            "-m",
            "model_signing",
            "sign",
            "key",
            s(&model),
            "--private_key",
            s(&v.join("keys/dev-p384.pem")),
            "--signature",
            s(&sig),
        ],
    );
    assert!(ok, "{out}");
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--public-key",
        s(&v.join("keys/dev-p384.pub.pem")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (ok, out) = py(
        &python,
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
    assert!(ok, "{out}");
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--cert-chain",
        s(&v.join("pki/dev-root.pem")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Python-signed model tampered: vouch says which file.
    std::fs::write(model.join("weights/empty.bin"), b"now not empty").unwrap();
    let out = vouch(&[
        "verify",
        s(&model),
        "--signature",
        s(&sig),
        "--cert-chain",
        s(&v.join("pki/dev-root.pem")),
    ]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("modified  weights/empty.bin"),
        "{}",
        stderr(&out)
    );
}
