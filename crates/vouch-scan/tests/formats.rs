//! The non-pickle format corpus (`tests/fixtures/formats`, made by
//! `scripts/gen_format_fixtures.py`): each file's worst severity and required rules are what
//! its manifest entry says, benign files are recognised and quiet, and the findings and
//! metadata of every file are pinned by one snapshot per format.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use vouch_core::{FileStatus, Severity};
use vouch_scan::{FileResult, HashMode, ScanOptions, scan_file};

fn corpus() -> (PathBuf, Vec<Value>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats");
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    let Value::Array(entries) = serde_json::from_str(&text).expect("manifest is JSON") else {
        panic!("manifest is not a list")
    };
    (dir, entries)
}

fn scan(dir: &Path, rel: &str) -> FileResult {
    let opts = ScanOptions {
        hash: HashMode::Never,
        ..ScanOptions::default()
    };
    scan_file(&dir.join(rel), rel, &opts)
}

#[test]
fn every_fixture_matches_its_manifest_entry() {
    let (dir, entries) = corpus();
    let mut failures = Vec::new();
    for e in &entries {
        let rel = e["path"].as_str().expect("path");
        let expect = e["expect"].as_str().expect("expect");
        let r = scan(&dir, rel);
        let got = match r.findings.iter().map(|f| f.severity).max() {
            Some(s) if s >= Severity::Medium => s.as_str(),
            _ => "clean",
        };
        let missing: Vec<&str> = e["rules"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|code| !r.findings.iter().any(|f| f.rule == *code))
            .collect();
        if got != expect || !missing.is_empty() {
            failures.push(format!(
                "{rel}: expected {expect}, got {got}; missing rules {missing:?}; findings {:?}",
                r.findings
                    .iter()
                    .map(|f| (&f.rule, f.severity, &f.message))
                    .collect::<Vec<_>>()
            ));
        }
        if e["status"].as_str() == Some("skipped") {
            assert_eq!(
                r.entry.status,
                FileStatus::Skipped,
                "{rel} should be skipped"
            );
        } else {
            assert_eq!(
                r.entry.status,
                FileStatus::Scanned,
                "{rel} was {:?}",
                r.entry.status
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn benign_fixtures_have_metadata() {
    let (dir, entries) = corpus();
    for e in entries.iter().filter(|e| {
        e["status"].as_str() != Some("skipped")
            && e["path"]
                .as_str()
                .is_some_and(|p| p.split('/').nth(1) == Some("benign"))
    }) {
        let rel = e["path"].as_str().expect("path");
        let r = scan(&dir, rel);
        assert!(
            r.entry.metadata.contains_key("format"),
            "{rel} has no metadata: {:?}",
            r.entry
        );
    }
}

/// One snapshot per format: every file's format label, status, metadata and findings.
#[test]
fn findings_snapshots() {
    let (dir, entries) = corpus();
    let mut by_format: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for e in &entries {
        let rel = e["path"].as_str().expect("path");
        let r = scan(&dir, rel);
        let family = rel.split('/').next().unwrap_or("").to_owned();
        by_format.entry(family).or_default().push(json!({
            "path": rel,
            "format": r.entry.format,
            "status": r.entry.status,
            "metadata": r.entry.metadata,
            "findings": r.findings,
        }));
    }
    for (family, files) in by_format {
        insta::assert_json_snapshot!(family, files);
    }
}

/// An external-data location that is a plain name but a symbolic link on disk (to a file
/// outside the model's directory) is caught when the model is scanned from disk.
#[cfg(unix)]
#[test]
fn onnx_external_data_through_a_symlink() {
    let (dir, _) = corpus();
    let tmp = tempfile::tempdir().expect("tempdir");
    let model = tmp.path().join("model.onnx");
    std::fs::copy(dir.join("onnx/benign/mlp_external.onnx"), &model).expect("copy");
    std::os::unix::fs::symlink("/etc/hostname", tmp.path().join("mlp_external.onnx.data"))
        .expect("symlink");
    let display = model.to_string_lossy().into_owned();
    let r = scan_file(&model, &display, &ScanOptions::default());
    let hits: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "onnx.external-data-traversal")
        .collect();
    assert_eq!(hits.len(), 3, "{:#?}", r.findings);
    assert!(
        hits[0].message.contains("symbolic link"),
        "{}",
        hits[0].message
    );
}
