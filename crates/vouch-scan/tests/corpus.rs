//! The pickle fixture corpus (`tests/fixtures/pickle`, made by `scripts/gen_pickle_fixtures.py`):
//! every file's worst severity and required rules are what its manifest entry says.

use serde_json::Value;
use std::path::Path;
use vouch_core::{FileStatus, Severity};
use vouch_scan::{HashMode, ScanOptions, scan_file};

fn corpus() -> (std::path::PathBuf, Vec<Value>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pickle");
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    let Value::Array(entries) = serde_json::from_str(&text).expect("manifest is JSON") else {
        panic!("manifest is not a list")
    };
    (dir, entries)
}

#[test]
fn every_fixture_matches_its_manifest_entry() {
    let (dir, entries) = corpus();
    assert!(entries.len() >= 100, "corpus too small: {}", entries.len());
    let opts = ScanOptions {
        hash: HashMode::Never,
        ..ScanOptions::default()
    };
    let mut failures = Vec::new();
    for e in &entries {
        let rel = e["path"].as_str().expect("path");
        let expect = e["expect"].as_str().expect("expect");
        let r = scan_file(&dir.join(rel), rel, &opts);
        let worst = r.findings.iter().map(|f| f.severity).max();
        let got = match worst {
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
        if e["status"].as_str() == Some("skipped") || rel.starts_with("skipped/") {
            assert_eq!(
                r.entry.status,
                FileStatus::Skipped,
                "{rel} should be skipped"
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
fn benign_fixtures_are_recognised_not_skipped() {
    let (dir, entries) = corpus();
    for e in entries.iter().filter(|e| e["expect"] == "clean") {
        let rel = e["path"].as_str().expect("path");
        if rel.starts_with("skipped/") {
            continue;
        }
        let r = scan_file(&dir.join(rel), rel, &ScanOptions::default());
        assert_eq!(
            r.entry.status,
            FileStatus::Scanned,
            "{rel} was {:?} as {}",
            r.entry.status,
            r.entry.format
        );
    }
}
