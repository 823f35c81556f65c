//! `vouch bom` end to end: deterministic output, model components, inputs, usage errors.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vouch-bom/tests/fixtures")
}

fn vouch() -> Command {
    Command::cargo_bin("vouch").expect("binary")
}

fn bom(args: &[&str]) -> Vec<u8> {
    vouch()
        .arg("bom")
        .arg(fixtures().join("project"))
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
}

#[test]
fn reproducible_cyclonedx_is_byte_identical_and_lists_models() {
    let a = bom(&["--reproducible"]);
    let b = bom(&["--reproducible"]);
    assert_eq!(a, b, "two reproducible runs differ");
    let v: Value = serde_json::from_slice(&a).expect("json");
    assert_eq!(v["specVersion"], "1.6");
    assert!(v["metadata"].get("timestamp").is_none());
    assert_eq!(v["metadata"]["component"]["name"], "ticket-router");
    let types: Vec<&str> = v["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert!(types.contains(&"library"), "{types:?}");
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "machine-learning-model")
            .count(),
        3,
        "{types:?}"
    );
    assert!(types.contains(&"data"), "{types:?}");
    // Not reproducible: a timestamp and a fresh serial number.
    let c: Value = serde_json::from_slice(&bom(&[])).unwrap();
    assert!(c["metadata"]["timestamp"].is_string());
    assert_ne!(c["serialNumber"], v["serialNumber"]);
}

#[test]
fn spdx_output_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bom.spdx.json");
    let stdout = bom(&[
        "--format",
        "spdx",
        "--reproducible",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.is_empty());
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).expect("json");
    assert!(v.get("@context").is_some());
    assert!(
        v["@graph"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "ai_AIPackage")
    );
}

#[test]
fn usage_errors_exit_2_with_a_reason() {
    vouch()
        .args(["bom", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("path not found"));
    vouch()
        .arg("bom")
        .arg(fixtures().join("project"))
        .args(["--python-env", "no/such/venv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--python-env no/such/venv: not a directory",
        ));
    vouch()
        .args(["bom", ".", "--format", "xml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values: cyclonedx, spdx"));
}

#[test]
fn python_env_adds_installed_packages_with_edges() {
    let env = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vouch-inventory/tests/fixtures/pyenv");
    let empty = tempfile::tempdir().unwrap();
    let out = vouch()
        .arg("bom")
        .arg(empty.path())
        .arg("--python-env")
        .arg(&env)
        .arg("--reproducible")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let refs: Vec<&str> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    let requests = refs
        .iter()
        .find(|r| r.starts_with("pkg:pypi/requests@"))
        .expect("requests installed");
    let deps = v["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == *requests)
        .unwrap();
    assert!(
        deps["dependsOn"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().starts_with("pkg:pypi/urllib3@")),
        "{deps}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_and_escaping_files_are_warnings_not_failures() {
    let t = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("w.safetensors"), b"x").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("w.safetensors"),
        t.path().join("w.safetensors"),
    )
    .unwrap();
    std::fs::write(t.path().join("uv.lock"), "not [[ toml").unwrap();
    std::fs::write(t.path().join("m.gguf"), b"GGUF").unwrap();
    let a = vouch()
        .arg("bom")
        .arg(t.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("outside"))
        .stderr(predicate::str::contains("uv.lock"));
    let v: Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["components"][0]["bom-ref"], "model:m.gguf");
    // --quiet silences the warnings, not the BOM.
    vouch()
        .arg("bom")
        .arg(t.path())
        .arg("--quiet")
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}
