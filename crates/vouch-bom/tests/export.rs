//! Fixture projects as CycloneDX 1.6 and SPDX 3.0.1: what the BOM says (asserted field by
//! field), snapshots, and validation against the official schemas plus the rules the
//! schemas cannot express (with Python `jsonschema`, see `VOUCH_TEST_PYTHON`).
//!
//! Fixtures: `tests/fixtures/project` (a Python ML project: `pyproject.toml`, `uv.lock`,
//! `requirements.txt`; a fine-tuned model directory with card, config, tokenizer and
//! training configuration; a LoRA adapter; a Hugging Face cache snapshot linked to blobs;
//! a dataset with a card), and the Rust and npm projects of `vouch-inventory`'s tests.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/project");
const INVENTORY_FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../vouch-inventory/tests/fixtures"
);
const SCHEMAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/specs/cyclonedx-1.6"
);
const SPDX3_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/specs/spdx-3.0.1/spdx-json-schema.json"
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

fn run_validator(python: &Path, script: &str, schema: &str, doc: &Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bom.json");
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

fn validate_cdx(python: &Path, doc: &Value) -> Result<(), String> {
    run_validator(python, "validate_cdx.py", SCHEMAS, doc)
}

fn validate_spdx(python: &Path, doc: &Value) -> Result<(), String> {
    run_validator(python, "validate_spdx3.py", SPDX3_SCHEMA, doc)
}

fn fixture() -> vouch_bom::Bom {
    vouch_bom::build(Path::new(FIXTURE)).unwrap()
}

fn component<'a>(bom: &'a vouch_bom::Bom, r: &str) -> &'a vouch_bom::BomComponent {
    bom.get(r)
        .unwrap_or_else(|| panic!("no component {r}: {:?}", refs(bom)))
}

fn refs(bom: &vouch_bom::Bom) -> Vec<&str> {
    bom.components.iter().map(|c| c.bom_ref.as_str()).collect()
}

const HF_CHAT: &str = "pkg:huggingface/acme/tiny-chat@3f2a9c0d1e4b5a6978877665544332211f0e0d0c";

#[test]
fn model_directory_is_one_component_with_its_files_card_config_and_training() {
    let bom = fixture();
    let m = component(&bom, "model:models/tiny-classifier");
    assert_eq!(m.kind, vouch_bom::Kind::MachineLearningModel);
    let files: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        files,
        [
            "models/tiny-classifier/README.md",
            "models/tiny-classifier/config.json",
            "models/tiny-classifier/model.safetensors",
            "models/tiny-classifier/tokenizer_config.json",
            "models/tiny-classifier/trainer_state.json",
            "models/tiny-classifier/training_args.json",
        ]
    );
    assert!(
        m.files
            .iter()
            .all(|f| f.sha256.as_deref().is_some_and(|d| d.len() == 64))
    );
    // One weight file: its digest is the model's.
    let weights = &m.files[2];
    assert_eq!(m.sha256(), weights.sha256.as_deref());
    assert_eq!(m.format.as_deref(), Some("safetensors"));
    assert_eq!(m.property("parameters"), Some("16"));
    assert_eq!(m.property("dtypes"), Some("F32"));
    assert_eq!(m.property("hidden_size"), Some("768"));
    assert!(m.property("chat_template_sha256").is_some());
    assert_eq!(m.architecture_family.as_deref(), Some("distilbert"));
    assert_eq!(
        m.model_architecture.as_deref(),
        Some("DistilBertForSequenceClassification")
    );
    assert_eq!(m.labels, ["billing", "technical"]);
    assert_eq!(m.licenses, ["apache-2.0"]);
    assert_eq!(m.base_models.len(), 1);
    assert_eq!(m.base_models[0].id, "distilbert/distilbert-base-uncased");
    assert_eq!(m.base_models[0].relation.as_deref(), Some("finetune"));
    let hp = |k: &str| {
        m.hyperparameters
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(hp("num_train_epochs"), Some("3"));
    assert_eq!(hp("seed"), Some("42"));
    assert_eq!(hp("trainer_state.global_step"), Some("120"));
    assert_eq!(hp("output_dir"), None, "paths are not hyperparameters");
    let metrics: Vec<(&str, &str)> = m
        .metrics
        .iter()
        .map(|x| (x.kind.as_str(), x.value.as_str()))
        .collect();
    assert_eq!(metrics, [("accuracy", "0.912"), ("f1", "0.897")]);
    assert_eq!(m.metrics[0].slice.as_deref(), Some("tickets/test"));
}

#[test]
fn edges_model_to_dataset_and_framework_and_project_to_everything() {
    let bom = fixture();
    let deps = bom.depends_on("model:models/tiny-classifier");
    assert!(deps.contains(&"data:data/tickets".to_owned()), "{deps:?}");
    assert!(
        deps.iter().any(|d| d.starts_with("pkg:pypi/transformers@")),
        "card library_name and config transformers_version: {deps:?}"
    );
    assert!(
        deps.iter().any(|d| d.starts_with("pkg:pypi/safetensors@")),
        "{deps:?}"
    );
    let m = component(&bom, "model:models/tiny-classifier");
    assert_eq!(m.evaluated_on, ["data:data/tickets"]);
    let root = bom.depends_on(&bom.project.bom_ref);
    for r in [
        "model:models/tiny-classifier",
        "model:models/tiny-lora",
        HF_CHAT,
    ] {
        assert!(
            root.contains(&r.to_owned()),
            "{r} not under the project: {root:?}"
        );
    }
    // Every edge points at a component.
    for (from, to) in &bom.dependencies {
        assert!(bom.get(from).is_some(), "{from}");
        for t in to {
            assert!(bom.get(t).is_some(), "{from} -> {t}");
        }
    }
}

#[test]
fn adapter_and_hugging_face_cache() {
    let bom = fixture();
    let lora = component(&bom, "model:models/tiny-lora");
    assert_eq!(lora.base_models[0].id, "distilbert/distilbert-base-uncased");
    assert_eq!(lora.base_models[0].source, "adapter_config.json");
    assert_eq!(lora.property("adapter:peft_type"), Some("LORA"));
    // The snapshot links to blobs; the repo id and revision are the identity.
    let chat = component(&bom, HF_CHAT);
    assert_eq!(chat.name, "acme/tiny-chat");
    assert_eq!(
        chat.version.as_deref(),
        Some("3f2a9c0d1e4b5a6978877665544332211f0e0d0c")
    );
    assert_eq!(chat.purl.as_deref(), Some(HF_CHAT));
    assert_eq!(chat.format.as_deref(), Some("gguf"));
    assert_eq!(chat.property("quantization"), Some("MOSTLY_Q8_0"));
    assert!(chat.property("chat_template_sha256").is_some());
    assert_eq!(chat.licenses, ["mit"]);
    assert_eq!(chat.base_models[0].relation.as_deref(), Some("quantized"));
    assert_eq!(chat.files.len(), 2);
}

#[test]
fn dataset_has_files_rows_schema_and_card() {
    let bom = fixture();
    let d = component(&bom, "data:data/tickets");
    assert_eq!(d.kind, vouch_bom::Kind::Data);
    assert!(!d.files.is_empty());
    assert_eq!(d.licenses, ["cc-by-4.0"]);
    assert!(d.rows.is_some_and(|r| r > 0), "{:?}", d.rows);
    let cols: Vec<&str> = d.columns.iter().map(|c| c.name.as_str()).collect();
    assert!(
        cols.contains(&"text") && cols.contains(&"label"),
        "{cols:?}"
    );
    assert_eq!(d.property("pretty_name"), Some("Support tickets"));
}

/// The non-library part of the CycloneDX BOM in full, and libraries as `ref (N hashes)`:
/// a lockfile's many wheel hashes would drown the snapshot.
fn snapshot_view(doc: &Value) -> Value {
    let mut v = doc.clone();
    let comps = v["components"].as_array().cloned().unwrap_or_default();
    let (libs, rest): (Vec<Value>, Vec<Value>) =
        comps.into_iter().partition(|c| c["type"] == "library");
    v["components"] = rest.into();
    v["libraries"] = libs
        .iter()
        .map(|c| {
            format!(
                "{} ({} hashes)",
                c["bom-ref"].as_str().unwrap_or(""),
                c["hashes"].as_array().map_or(0, Vec::len)
            )
        })
        .collect::<Vec<_>>()
        .into();
    v
}

#[test]
fn fixture_project_snapshot() {
    let doc = vouch_bom::to_cyclonedx(&fixture(), true);
    insta::assert_json_snapshot!(snapshot_view(&doc));
}

#[test]
fn reproducible_is_deterministic() {
    let a = vouch_bom::to_cyclonedx(&fixture(), true);
    let b = vouch_bom::to_cyclonedx(&fixture(), true);
    assert_eq!(a, b);
    let a = vouch_bom::to_spdx3(&fixture(), true);
    let b = vouch_bom::to_spdx3(&fixture(), true);
    assert_eq!(a, b);
}

/// Every fixture project, both formats, schema-valid and rule-valid.
#[test]
fn fixture_projects_are_schema_valid() {
    let Some(py) = python() else { return };
    let projects = [
        PathBuf::from(FIXTURE),
        Path::new(INVENTORY_FIXTURES).join("rust-project"),
        Path::new(INVENTORY_FIXTURES).join("npm-project"),
    ];
    for p in &projects {
        if !p.exists() {
            panic!("fixture {} missing", p.display());
        }
        let bom = vouch_bom::build(p).unwrap();
        for reproducible in [true, false] {
            let doc = vouch_bom::to_cyclonedx(&bom, reproducible);
            validate_cdx(&py, &doc)
                .unwrap_or_else(|e| panic!("{}: invalid CycloneDX:\n{e}", p.display()));
            let doc = vouch_bom::to_spdx3(&bom, reproducible);
            validate_spdx(&py, &doc)
                .unwrap_or_else(|e| panic!("{}: invalid SPDX 3.0.1:\n{e}", p.display()));
        }
    }
}

#[test]
fn validators_reject_invalid_documents() {
    let Some(py) = python() else { return };
    let bad = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "components": [{"type": "machine-learning-model", "name": "m", "bogus": 1}]});
    assert!(validate_cdx(&py, &bad).is_err());
    // Schema-valid, but a dangling dependency and a duplicate bom-ref.
    let dangling = json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
        "components": [{"type": "library", "name": "a", "bom-ref": "a"},
                       {"type": "library", "name": "b", "bom-ref": "a"}],
        "dependencies": [{"ref": "a", "dependsOn": ["zz"]}]});
    let e = validate_cdx(&py, &dangling).unwrap_err();
    assert!(e.contains("also at") && e.contains("'zz'"), "{e}");
    let official = std::fs::read(format!(
        "{SCHEMAS}/examples/valid-machine-learning-1.6.json"
    ));
    if let Ok(bytes) = official {
        validate_cdx(&py, &serde_json::from_slice(&bytes).unwrap()).unwrap();
    }
    let bad = json!({"@graph": [{"type": "dataset_DatasetPackage", "spdxId": "x",
        "creationInfo": "_:c", "name": "d"}]});
    assert!(validate_spdx(&py, &bad).is_err());
    // Schema-valid, but an AI package with no licence relationships and no supplier.
    let mut doc = vouch_bom::to_spdx3(&fixture(), true);
    let graph = doc["@graph"].as_array_mut().unwrap();
    graph.retain(|e| {
        !(e["type"] == "Relationship"
            && e["relationshipType"]
                .as_str()
                .is_some_and(|t| t.ends_with("License")))
    });
    let e = validate_spdx(&py, &doc).unwrap_err();
    assert!(
        e.contains("hasDeclaredLicense relationships, not exactly one"),
        "{e}"
    );
}

#[test]
fn fixture_project_spdx3_has_the_ai_and_dataset_profiles() {
    let doc = vouch_bom::to_spdx3(&fixture(), true);
    let graph = doc["@graph"].as_array().unwrap();
    let ai: Vec<&Value> = graph
        .iter()
        .filter(|e| e["type"] == "ai_AIPackage" && e["name"] == "models/tiny-classifier")
        .collect();
    assert_eq!(ai.len(), 1);
    let ai = ai[0];
    assert_eq!(ai["software_primaryPurpose"], "model");
    assert_eq!(ai["ai_domain"], json!(["text-classification"]));
    assert_eq!(
        ai["ai_typeOfModel"],
        json!(["distilbert", "DistilBertForSequenceClassification"])
    );
    assert!(
        ai["ai_hyperparameter"]
            .as_array()
            .is_some_and(|h| h.iter().any(|e| e["key"] == "learning_rate"))
    );
    assert!(ai["ai_metric"].as_array().is_some_and(|m| {
        m.iter()
            .any(|e| e["key"] == "accuracy (tickets/test)" && e["value"] == "0.912")
    }));
    let ds: Vec<&Value> = graph
        .iter()
        .filter(|e| e["type"] == "dataset_DatasetPackage" && e["name"] == "data/tickets")
        .collect();
    assert_eq!(ds.len(), 1);
    assert!(
        ds[0]["dataset_datasetType"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    let rel = |ty: &str, from: &Value| {
        graph
            .iter()
            .filter(|e| e["relationshipType"] == ty && e["from"] == from["spdxId"])
            .count()
    };
    assert_eq!(rel("trainedOn", ai), 1);
    assert_eq!(rel("testedOn", ai), 1);
    assert_eq!(rel("contains", ai), 1);
    assert_eq!(rel("hasDeclaredLicense", ai), 1);
    assert_eq!(rel("hasConcludedLicense", ai), 1);
    assert_eq!(rel("hasDataFile", ds[0]), 1);
    // The base model is an ancestor.
    assert!(
        graph
            .iter()
            .any(|e| e["relationshipType"] == "ancestorOf"
                && e["to"] == json!([ai["spdxId"].clone()]))
    );
}

#[test]
fn fixture_project_spdx3_snapshot() {
    // Library packages and their relationships are many; the snapshot keeps the AI and
    // dataset part, which is what this renderer adds.
    let doc = vouch_bom::to_spdx3(&fixture(), true);
    let graph = doc["@graph"].as_array().unwrap();
    let keep: Vec<&Value> = graph
        .iter()
        .filter(|e| {
            matches!(
                e["type"].as_str(),
                Some("ai_AIPackage" | "dataset_DatasetPackage" | "Organization")
            )
        })
        .collect();
    insta::assert_json_snapshot!(keep);
}

/// What vouch writes, vouch reads back (as `vouch audit BOM` does): every library with its
/// purl, hashes and edges; models and datasets with their digests.
#[test]
fn own_output_reads_back_into_the_same_components_and_edges() {
    use std::collections::BTreeSet;
    use vouch_inventory::ComponentKind;
    let bom = fixture();
    let want_libs: BTreeSet<&str> = bom
        .components
        .iter()
        .filter(|c| c.kind == vouch_bom::Kind::Library)
        .filter_map(|c| c.purl.as_deref())
        .collect();
    let want_edges: BTreeSet<(String, String)> = bom
        .dependencies
        .iter()
        .filter(|(from, _)| {
            bom.get(from)
                .is_some_and(|c| c.kind == vouch_bom::Kind::Library)
        })
        .flat_map(|(f, to)| to.iter().map(move |t| (f.clone(), t.clone())))
        .collect();
    assert!(want_edges.len() > 20, "{}", want_edges.len());
    // Libraries (by purl) and library edges read back equal what was written.
    let same_libraries_and_edges = |got: &[vouch_inventory::Component]| {
        let libs: BTreeSet<&str> = got
            .iter()
            .filter(|c| c.kind == ComponentKind::Library)
            .filter_map(|c| c.purl.as_deref())
            .collect();
        assert_eq!(libs, want_libs);
        let edges: BTreeSet<(String, String)> = got
            .iter()
            .filter(|c| c.kind == ComponentKind::Library)
            .flat_map(|c| c.depends_on.iter().map(move |t| (c.dep_ref(), t.clone())))
            .collect();
        assert_eq!(edges, want_edges);
    };
    let p = Path::new("bom.json");
    // CycloneDX.
    let text = serde_json::to_string(&vouch_bom::to_cyclonedx(&bom, true)).unwrap();
    let got = vouch_inventory::bom::parse_cyclonedx(&text, p, "bom.json").unwrap();
    same_libraries_and_edges(&got);
    let project = got
        .iter()
        .find(|c| c.kind == ComponentKind::Project)
        .unwrap();
    assert_eq!(project.name, "ticket-router");
    for (kind, r) in [
        (ComponentKind::Model, "model:models/tiny-classifier"),
        (ComponentKind::Model, HF_CHAT),
        (ComponentKind::Dataset, "data:data/tickets"),
    ] {
        let want = bom.get(r).unwrap().sha256().unwrap();
        assert!(
            got.iter()
                .any(|c| c.kind == kind && c.sha256().any(|d| d == want)),
            "{r} did not come back with its digest"
        );
    }
    let lib = |c: &vouch_inventory::Component| c.name == "transformers" && !c.hashes.is_empty();
    assert!(got.iter().any(lib), "library hashes lost");
    // SPDX 3.0.1.
    let text = serde_json::to_string(&vouch_bom::to_spdx3(&bom, true)).unwrap();
    let got = vouch_inventory::bom::parse_spdx(&text, p, "bom.spdx.json").unwrap();
    same_libraries_and_edges(&got);
    assert!(
        got.iter()
            .any(|c| c.kind == ComponentKind::Model && c.purl.as_deref() == Some(HF_CHAT))
    );
}

#[test]
fn hugging_face_dataset_snapshot_has_identity_rows_and_card() {
    let bom = fixture();
    let r =
        "pkg:huggingface/datasets/acme/support-tickets@9d8c7b6a5f4e3d2c1b0a99887766554433221100";
    let d = component(&bom, r);
    assert_eq!(d.name, "acme/support-tickets");
    assert_eq!(d.format.as_deref(), Some("parquet"));
    // The parquet footer says 300 rows; the card's split says the same.
    assert_eq!(d.rows, Some(300));
    assert_eq!(d.property("split:train"), Some("300"));
    assert_eq!(d.licenses, ["cc-by-sa-4.0"]);
    assert_eq!(d.files.len(), 1);
    assert!(
        d.files[0]
            .path
            .ends_with("data/train-00000-of-00001.parquet")
    );
    assert!(
        d.card_path
            .as_deref()
            .is_some_and(|p| p.ends_with("README.md"))
    );
    let doc = vouch_bom::to_cyclonedx(&bom, true);
    let c = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["bom-ref"] == r)
        .unwrap();
    assert_eq!(c["externalReferences"][0]["type"], "documentation");
    assert_eq!(c["data"][0]["contents"]["properties"][0]["value"], "300");
}
