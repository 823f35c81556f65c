//! The fixture project as CycloneDX 1.6 and SPDX 3.0.1: snapshots, and validation against
//! the official schemas (with Python `jsonschema`, see `VOUCH_TEST_PYTHON`).

use std::path::{Path, PathBuf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/project");
const SCHEMAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/specs/cyclonedx-1.6"
);

/// The Python with `jsonschema`, from `VOUCH_TEST_PYTHON`; `None` (skip) outside CI.
fn python() -> Option<PathBuf> {
    match std::env::var_os("VOUCH_TEST_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => {
            panic!("VOUCH_TEST_PYTHON is not set: run scripts/test.sh")
        }
        None => {
            eprintln!("note: VOUCH_TEST_PYTHON unset, schema validation skipped");
            None
        }
    }
}

fn validate(python: &Path, doc: &serde_json::Value) -> Result<(), String> {
    run_validator(python, "validate_cdx.py", SCHEMAS, doc)
}

fn run_validator(
    python: &Path,
    script: &str,
    schema: &str,
    doc: &serde_json::Value,
) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bom.cdx.json");
    std::fs::write(&f, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    let out = std::process::Command::new(python)
        .arg(format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR")))
        .arg(schema)
        .arg(&f)
        .output()
        .expect("run python");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn fixture_project_snapshot() {
    let bom = vouch_bom::build(Path::new(FIXTURE)).unwrap();
    insta::assert_json_snapshot!(vouch_bom::to_cyclonedx(&bom, true));
}

#[test]
fn reproducible_is_deterministic() {
    let a = vouch_bom::to_cyclonedx(&vouch_bom::build(Path::new(FIXTURE)).unwrap(), true);
    let b = vouch_bom::to_cyclonedx(&vouch_bom::build(Path::new(FIXTURE)).unwrap(), true);
    assert_eq!(a, b);
}

#[test]
fn fixture_project_is_schema_valid() {
    let Some(py) = python() else { return };
    let bom = vouch_bom::build(Path::new(FIXTURE)).unwrap();
    for reproducible in [true, false] {
        let doc = vouch_bom::to_cyclonedx(&bom, reproducible);
        validate(&py, &doc).unwrap_or_else(|e| panic!("invalid CycloneDX:\n{e}"));
    }
}

#[test]
fn validator_rejects_an_invalid_document() {
    let Some(py) = python() else { return };
    let bad = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "components": [{"type": "machine-learning-model", "name": "m", "bogus": 1}]});
    assert!(validate(&py, &bad).is_err());
    let official = std::fs::read(format!(
        "{SCHEMAS}/examples/valid-machine-learning-1.6.json"
    ));
    if let Ok(bytes) = official {
        validate(&py, &serde_json::from_slice(&bytes).unwrap()).unwrap();
    }
}

const SPDX3_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/specs/spdx-3.0.1/spdx-json-schema.json"
);

#[test]
fn fixture_project_spdx3_snapshot() {
    let bom = vouch_bom::build(Path::new(FIXTURE)).unwrap();
    insta::assert_json_snapshot!(vouch_bom::to_spdx3(&bom, true));
}

#[test]
fn fixture_project_spdx3_is_schema_valid() {
    let Some(py) = python() else { return };
    let bom = vouch_bom::build(Path::new(FIXTURE)).unwrap();
    for reproducible in [true, false] {
        let doc = vouch_bom::to_spdx3(&bom, reproducible);
        run_validator(&py, "validate_spdx3.py", SPDX3_SCHEMA, &doc)
            .unwrap_or_else(|e| panic!("invalid SPDX 3.0.1:\n{e}"));
    }
    let bad = serde_json::json!({"@graph": [{"type": "dataset_DatasetPackage", "spdxId": "x",
        "creationInfo": "_:c", "name": "d"}]});
    assert!(run_validator(&py, "validate_spdx3.py", SPDX3_SCHEMA, &bad).is_err());
}
