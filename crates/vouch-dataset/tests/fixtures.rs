//! Every fixture made by `scripts/gen_dataset_fixtures.py` against its manifest, whose rows and
//! columns are what pyarrow itself read from the file.

use std::collections::BTreeSet;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vouch_dataset::{Limits, data_format, inspect, inspect_reader};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["files"].as_array().unwrap().clone()
}

#[test]
fn every_fixture_matches_the_manifest() {
    let entries = manifest();
    assert!(entries.len() >= 30, "{} entries", entries.len());
    let mut failures = Vec::new();
    for e in &entries {
        let rel = e["path"].as_str().unwrap();
        let path = fixtures().join(rel);
        let info = inspect(&path, &Limits::default()).unwrap();
        let mut fail = |what: String| failures.push(format!("{rel}: {what}"));
        if info.format != e["format"].as_str().unwrap() {
            fail(format!("format {} != {}", info.format, e["format"]));
        }
        if info.rows != e["rows"].as_u64() {
            fail(format!(
                "rows {:?} != {} (notes {:?})",
                info.rows, e["rows"], info.notes
            ));
        }
        if let Some(cols) = e["columns"].as_array() {
            let want: Vec<(String, String)> = cols
                .iter()
                .map(|c| (c[0].as_str().unwrap().into(), c[1].as_str().unwrap().into()))
                .collect();
            let got: Vec<(String, String)> = info
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.dtype.clone()))
                .collect();
            if got != want {
                fail(format!("columns\n  got  {got:?}\n  want {want:?}"));
            }
        }
        match e["note"].as_str() {
            Some(note) => {
                if !info.notes.iter().any(|n| n.contains(note)) {
                    fail(format!("no note containing {note:?}: {:?}", info.notes));
                }
            }
            None => {
                if !info.notes.is_empty() {
                    fail(format!("unexpected notes {:?}", info.notes));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn manifest_lists_every_fixture() {
    let listed: BTreeSet<String> = manifest()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    let mut on_disk = BTreeSet::new();
    for dir in std::fs::read_dir(fixtures()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            let rel = f
                .strip_prefix(fixtures())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            assert!(
                data_format(&rel).is_some(),
                "{rel} has no dataset extension"
            );
            on_disk.insert(rel);
        }
    }
    assert_eq!(listed, on_disk);
}

/// Every prefix and many one-byte corruptions of every fixture: notes, never a panic, and a
/// truncated Parquet or Arrow file never claims the full row count.
#[test]
fn truncations_and_corruptions_never_panic() {
    for e in manifest() {
        let rel = e["path"].as_str().unwrap();
        let bytes = std::fs::read(fixtures().join(rel)).unwrap();
        let format = e["format"].as_str().unwrap();
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let part = &bytes[..cut];
            let info = inspect_reader(
                format,
                Cursor::new(part),
                part.len() as u64,
                &Limits::default(),
            );
            // (An Arrow stream without its 8-byte end-of-stream marker is complete.)
            let only_eos_cut = !bytes.starts_with(b"ARROW1") && cut + 8 >= bytes.len();
            if matches!(format, "parquet" | "arrow")
                && !only_eos_cut
                && e["rows"].as_u64().is_some_and(|r| r > 0)
            {
                assert_ne!(
                    info.rows,
                    e["rows"].as_u64(),
                    "{rel} cut at {cut}: {:?}",
                    info.notes
                );
            }
        }
        for pos in (0..bytes.len()).step_by(step) {
            for val in [0x00, 0xFF, 0x7F] {
                let mut b = bytes.clone();
                b[pos] = val;
                let _ = inspect_reader(format, Cursor::new(&b), b.len() as u64, &Limits::default());
            }
        }
        // The tail of Parquet and Arrow files holds the metadata: corrupt it byte by byte.
        if matches!(format, "parquet" | "arrow") {
            for pos in bytes.len().saturating_sub(400)..bytes.len() {
                let mut b = bytes.clone();
                b[pos] ^= 0x5A;
                let _ = inspect_reader(format, Cursor::new(&b), b.len() as u64, &Limits::default());
            }
        }
    }
}

#[test]
fn limits_turn_counts_into_notes() {
    let tiny = Limits {
        max_footer_bytes: 64,
        max_count_bytes: 64,
        max_columns: 2,
        max_batches: 1,
    };
    let p = |rel: &str| fixtures().join(rel);
    let info = inspect(&p("parquet/flat_snappy.parquet"), &tiny).unwrap();
    assert_eq!(info.rows, None);
    assert!(
        info.notes.iter().any(|n| n.contains("max_footer_bytes")),
        "{:?}",
        info.notes
    );
    let info = inspect(
        &p("arrow/hf_stream.arrow"),
        &Limits {
            max_batches: 1,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(info.rows, None);
    assert!(
        info.notes.iter().any(|n| n.contains("max_batches")),
        "{:?}",
        info.notes
    );
    let info = inspect(
        &p("arrow/file_batches.arrow"),
        &Limits {
            max_batches: 1,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(info.rows, None);
    assert!(
        info.notes.iter().any(|n| n.contains("max_batches")),
        "{:?}",
        info.notes
    );
    let info = inspect(&p("text/quoted.csv"), &tiny).unwrap();
    assert_eq!(info.rows, None);
    assert_eq!(info.columns.len(), 2);
    assert!(
        info.notes.iter().any(|n| n.contains("max_count_bytes")),
        "{:?}",
        info.notes
    );
    let info = inspect(
        &p("parquet/nested.parquet"),
        &Limits {
            max_columns: 3,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(info.rows, Some(120));
    assert_eq!(info.columns.len(), 3);
}

#[test]
fn recognised_without_extension() {
    let dir = tempfile::tempdir().unwrap();
    for (rel, format) in [
        ("parquet/nested.parquet", "parquet"),
        ("arrow/hf_stream.arrow", "arrow"),
        ("arrow/file_batches.arrow", "arrow"),
    ] {
        let to = dir.path().join("data-00000");
        std::fs::copy(fixtures().join(rel), &to).unwrap();
        let info = inspect(&to, &Limits::default()).unwrap();
        assert_eq!(info.format, format, "{rel}");
        assert!(info.rows.is_some(), "{rel}: {:?}", info.notes);
    }
}

#[test]
fn file_info_serialises() {
    let info = inspect(&fixtures().join("text/records.ndjson"), &Limits::default()).unwrap();
    let v = serde_json::to_value(&info).unwrap();
    assert_eq!(v["format"], "jsonl");
    assert_eq!(v["modality"], "structured");
    assert_eq!(v["rows"], 9);
    assert_eq!(v["columns"][1]["dtype"], "list<double>");
}
