//! `vouch scan` and `vouch rules` end to end: exit codes, formats, messages, snapshots.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vouch() -> Command {
    let mut c = Command::cargo_bin("vouch").expect("binary");
    c.current_dir(repo())
        .env_remove("VOUCH_FORMAT")
        .env_remove("VOUCH_FAIL_ON");
    c
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

#[test]
fn example_models_report_matches_snapshot() {
    let out = vouch()
        .args(["scan", "examples/models", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let mut v = json_of(&out);
    v["tool"]["version"] = "[version]".into();
    insta::assert_json_snapshot!("example_models_json", v);
}

#[test]
fn example_models_table_matches_snapshot() {
    let out = vouch()
        .args([
            "scan",
            "examples/models",
            "--format",
            "table",
            "--fail-on",
            "never",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!("example_models_table", String::from_utf8_lossy(&out));
}

#[test]
fn fail_on_threshold_sets_the_exit_code() {
    let evil = "examples/models/suspicious_checkpoint.pt";
    vouch()
        .args(["scan", evil, "--fail-on", "critical"])
        .assert()
        .code(1);
    vouch()
        .args(["scan", evil, "--fail-on", "never"])
        .assert()
        .code(0);
    vouch()
        .args(["scan", "examples/models/state_dict.pt"])
        .assert()
        .code(0);
    vouch()
        .args(["scan", evil, "--fail-on", "severe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown severity"));
}

#[test]
fn missing_paths_and_bad_flags_are_usage_errors() {
    vouch()
        .args(["scan", "no/such/model.bin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "path not found: no/such/model.bin",
        ));
    vouch().args(["scan"]).assert().code(2);
    vouch()
        .args(["scan", "examples/models", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn output_is_written_atomically_to_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.sarif");
    vouch()
        .args([
            "scan",
            "examples/models",
            "--format",
            "sarif",
            "--fail-on",
            "never",
            "--output",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "pickle.dangerous-callable");
    assert_eq!(results[0]["level"], "error");
    let rules = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let idx = results[0]["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(rules[idx]["id"], "pickle.dangerous-callable");
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    vouch()
        .args([
            "scan",
            "examples/models",
            "--output",
            "/nonexistent-dir/x.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does the directory exist"));
}

#[test]
fn default_format_when_piped_is_json() {
    let out = vouch()
        .args(["scan", "examples/models/state_dict.pt"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["schema"], "vouch.scan/v1");
    assert_eq!(v["files"][0]["format"], "pytorch-zip");
    assert_eq!(v["files"][0]["status"], "scanned");
    assert_eq!(v["files"][0]["sha256"].as_str().map(str::len), Some(64));
}

#[test]
fn hash_modes() {
    let out = vouch()
        .args(["scan", "examples/models/state_dict.pt", "--hash", "never"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(json_of(&out)["files"][0]["sha256"].is_null());
    let out = vouch()
        .args(["scan", "examples/models/state_dict.pt", "--hash-max", "10"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        json_of(&out)["files"][0]["sha256"].is_null(),
        "above --hash-max"
    );
}

#[cfg(unix)]
#[test]
fn special_files_and_symlinks_in_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::copy(
        repo().join("examples/models/state_dict.pt"),
        d.join("model.pt"),
    )
    .expect("copy");
    std::os::unix::fs::symlink(
        repo().join("examples/models/suspicious_checkpoint.pt"),
        d.join("link.pt"),
    )
    .expect("symlink");
    // Not followed by default: reported as skipped, no finding, exit 0.
    let out = vouch()
        .arg("scan")
        .arg(d)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let link = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with("link.pt")))
        .expect("link listed");
    assert_eq!(link["status"], "skipped");
    assert_eq!(link["format"], "symlink");
    // Followed on request: the malicious target is scanned.
    vouch()
        .arg("scan")
        .arg(d)
        .arg("--follow-symlinks")
        .assert()
        .code(1);
    // A FIFO is not a regular file: an error, never a hang.
    let fifo = d.join("pipe.pkl");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        vouch()
            .arg("scan")
            .arg(d)
            .assert()
            .code(2)
            .stdout(predicate::str::contains("not a regular file"));
    }
}

#[test]
fn rules_lists_and_explains() {
    let out = vouch()
        .args(["rules", "--format", "table"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    for code in [
        "pickle.dangerous-callable",
        "pickle.malformed",
        "archive.path-traversal",
    ] {
        assert!(text.contains(code), "{code} missing from `vouch rules`");
    }
    vouch()
        .args(["rules", "pickle.malformed", "--format", "table"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## What to do"));
    vouch()
        .args(["rules", "pickle.malformd"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean"));
    let out = vouch()
        .args(["rules", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(json_of(&out).as_array().is_some_and(|a| a.len() >= 19));
}

#[test]
fn help_teaches() {
    vouch()
        .args(["scan", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit status").and(predicate::str::contains("Examples")));
}
