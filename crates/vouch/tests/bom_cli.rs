//! `vouch bom` end to end: deterministic output, model components, usage errors.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vouch-bom/tests/fixtures")
}

fn bom(args: &[&str]) -> Vec<u8> {
    Command::cargo_bin("vouch")
        .expect("binary")
        .arg("bom")
        .arg(fixtures())
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
    let types: Vec<&str> = v["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert!(types.contains(&"library"), "{types:?}");
    assert!(types.contains(&"machine-learning-model"), "{types:?}");
    assert!(types.contains(&"data"), "{types:?}");
}

#[test]
fn spdx_output_and_errors() {
    let v: Value =
        serde_json::from_slice(&bom(&["--format", "spdx", "--reproducible"])).expect("json");
    assert!(v.get("@context").is_some());
    Command::cargo_bin("vouch")
        .expect("binary")
        .args(["bom", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("path not found"));
}
