//! Provenance chain: model ← SLSA provenance ← materials (datasets, base model, code, config) ← dataset
//! attestations. The happy path, and a named error for every broken link.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use vouch_sign::attest::{
    self, Artifact, ChainInput, ChainLinkError, DatasetInfo, Material, MaterialCheck, TrainingRun,
    artifact_digest, verify_chain,
};
use vouch_sign::dsse::Envelope;
use vouch_sign::{Curve, Signer, Verifier};

use crate::common::{key, sample_model, write_model};

struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    model_digest: [u8; 32],
    provenance: Vec<u8>,
    dataset_att: Vec<u8>,
}

fn p(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    sample_model(&p(&root, "model"));
    write_model(
        &p(&root, "data/train"),
        &[
            ("part-0.jsonl", b"{\"x\":1}\n"),
            ("part-1.jsonl", b"{\"x\":2}\n"),
        ],
    );
    write_model(
        &root,
        &[
            ("data/eval.parquet", b"PAR1...PAR1"),
            ("train.yaml", b"lr: 0.001\n"),
        ],
    );
    write_model(&p(&root, "base"), &[("weights.bin", b"base weights")]);
    write_model(
        &p(&root, "repo"),
        &[
            (".git/HEAD", b"ref: refs/heads/main\n"),
            (
                ".git/refs/heads/main",
                b"0123456789abcdef0123456789abcdef01234567\n",
            ),
            ("train.py", b"print()"),
        ],
    );
    let trainer = Signer::new(key(Curve::P256, 40));
    let model_digest = artifact_digest(&p(&root, "model"), &[]).unwrap().root;
    let run = TrainingRun {
        builder_id: "https://ci.example.com/trainer@v1".into(),
        materials: vec![
            Material::from_path(
                "dataset:train",
                &p(&root, "data/train"),
                Some("s3://bucket/train".into()),
            )
            .unwrap(),
            Material::from_path("dataset:eval", &p(&root, "data/eval.parquet"), None).unwrap(),
            Material::from_path(
                "base-model",
                &p(&root, "base"),
                Some("hf://org/base".into()),
            )
            .unwrap(),
            Material::code(
                "https://github.com/org/repo",
                "0123456789abcdef0123456789abcdef01234567",
            ),
            Material::from_path("config", &p(&root, "train.yaml"), None).unwrap(),
        ],
        parameters: BTreeMap::from([("epochs".into(), 3.into()), ("lr".into(), 0.001.into())]),
        invocation_id: Some("run-42".into()),
        started_on: Some("2026-01-01T00:00:00Z".into()),
        finished_on: None,
    };
    let provenance = trainer
        .sign_statement(attest::provenance("model", &model_digest, &run).to_json())
        .to_json();
    let ds_digest = artifact_digest(&p(&root, "data/train"), &[]).unwrap().root;
    let info = DatasetInfo {
        name: "train".into(),
        uri: None,
        license: Some("CC-BY-4.0".into()),
        description: None,
    };
    let dataset_att = trainer
        .sign_statement(attest::dataset(&info, &ds_digest).to_json())
        .to_json();
    World {
        _dir: dir,
        root,
        model_digest,
        provenance,
        dataset_att,
    }
}

fn trainer() -> Vec<Verifier> {
    vec![Verifier::PublicKey(key(Curve::P256, 40).public_key())]
}

fn check(
    w: &World,
    atts: &[(&str, &[u8])],
    artifacts: &[(&str, Artifact)],
    builder: Option<&str>,
) -> Result<attest::ChainReport, ChainLinkError> {
    let attestations: Vec<(String, Vec<u8>)> = atts
        .iter()
        .map(|(n, b)| ((*n).to_owned(), b.to_vec()))
        .collect();
    let artifacts: Vec<(String, Artifact)> = artifacts
        .iter()
        .map(|(n, a)| ((*n).to_owned(), a.clone()))
        .collect();
    verify_chain(&ChainInput {
        model_digests: &[w.model_digest],
        attestations: &attestations,
        verifiers: &trainer(),
        artifacts: &artifacts,
        builder_id: builder,
    })
}

fn all_artifacts(w: &World) -> Vec<(&'static str, Artifact)> {
    vec![
        ("dataset:train", Artifact::Path(p(&w.root, "data/train"))),
        (
            "dataset:eval",
            Artifact::Path(p(&w.root, "data/eval.parquet")),
        ),
        ("base-model", Artifact::Path(p(&w.root, "base"))),
        ("code", Artifact::Path(p(&w.root, "repo"))),
        ("config", Artifact::Path(p(&w.root, "train.yaml"))),
    ]
}

#[test]
fn full_chain_verifies() {
    let w = world();
    let r = check(
        &w,
        &[("prov.json", &w.provenance), ("ds.json", &w.dataset_att)],
        &all_artifacts(&w),
        Some("https://ci.example.com/trainer@v1"),
    )
    .unwrap();
    assert_eq!(r.provenance_file, "prov.json");
    assert!(
        r.materials
            .iter()
            .all(|(_, c)| matches!(c, MaterialCheck::Artifact(_))),
        "{:?}",
        r.materials
    );
    // Without artifacts: the dataset attestation covers dataset:train, the rest is reported unchecked.
    let r = check(
        &w,
        &[("prov.json", &w.provenance), ("ds.json", &w.dataset_att)],
        &[],
        None,
    )
    .unwrap();
    let by_name: BTreeMap<_, _> = r.materials.iter().cloned().collect();
    assert_eq!(
        by_name["dataset:train"],
        MaterialCheck::Attested("ds.json".into())
    );
    assert_eq!(by_name["config"], MaterialCheck::Unchecked);
    // A commit id works for code; a single file matches by plain SHA-256 too.
    let sha = artifact_digest(&p(&w.root, "train.yaml"), &[])
        .unwrap()
        .file_sha256
        .unwrap();
    assert!(
        artifact_digest(&p(&w.root, "train.yaml"), &[])
            .unwrap()
            .matches(&hex::encode(sha))
    );
    check(
        &w,
        &[("prov.json", &w.provenance)],
        &[(
            "code",
            Artifact::Commit("0123456789ABCDEF0123456789abcdef01234567".into()),
        )],
        None,
    )
    .unwrap();
}

#[test]
fn every_broken_link_is_named() {
    let w = world();
    let prov: &[(&str, &[u8])] = &[("prov.json", &w.provenance)];
    // A material that changed.
    std::fs::write(p(&w.root, "data/train/part-1.jsonl"), b"poisoned").unwrap();
    let err = check(&w, prov, &all_artifacts(&w), None).unwrap_err();
    assert!(
        matches!(&err, ChainLinkError::MaterialMismatch { name, .. } if name == "dataset:train"),
        "{err}"
    );
    assert!(err.to_string().contains("dataset:train"));
    std::fs::write(p(&w.root, "data/train/part-1.jsonl"), b"{\"x\":2}\n").unwrap();
    std::fs::write(p(&w.root, "train.yaml"), b"lr: 1\n").unwrap();
    let err = check(&w, prov, &all_artifacts(&w), None).unwrap_err();
    assert!(
        matches!(&err, ChainLinkError::MaterialMismatch { name, .. } if name == "config"),
        "{err}"
    );
    std::fs::write(p(&w.root, "train.yaml"), b"lr: 0.001\n").unwrap();
    // Code at another commit.
    let err = check(&w, prov, &[("code", Artifact::Commit("ffff".into()))], None).unwrap_err();
    assert!(
        matches!(&err, ChainLinkError::MaterialMismatch { name, .. } if name == "code"),
        "{err}"
    );
    // Unknown artifact name.
    let err = check(
        &w,
        prov,
        &[("dataset:other", Artifact::Path(p(&w.root, "base")))],
        None,
    )
    .unwrap_err();
    assert!(
        matches!(err, ChainLinkError::UnknownArtifact { .. }),
        "{err}"
    );
    // Provenance about another model.
    let other = World {
        model_digest: [9; 32],
        ..world()
    };
    let err = check(&other, &[("prov.json", &other.provenance)], &[], None).unwrap_err();
    assert!(matches!(err, ChainLinkError::NoProvenance { .. }), "{err}");
    let err = check(&w, &[("ds.json", &w.dataset_att)], &[], None).unwrap_err();
    assert!(matches!(err, ChainLinkError::NoProvenance { .. }), "{err}");
    // Builder policy.
    let err = check(&w, prov, &[], Some("https://ci.example.com/other")).unwrap_err();
    assert!(matches!(err, ChainLinkError::Builder { .. }), "{err}");
    // Signed by an untrusted key.
    let rogue = Signer::new(key(Curve::P256, 41));
    let run = TrainingRun {
        builder_id: "x".into(),
        ..Default::default()
    };
    let forged = rogue
        .sign_statement(attest::provenance("model", &w.model_digest, &run).to_json())
        .to_json();
    let err = check(&w, &[("forged.json", &forged)], &[], None).unwrap_err();
    assert!(
        matches!(&err, ChainLinkError::Signature { file, .. } if file == "forged.json"),
        "{err}"
    );
    // A dataset attestation for a dataset the provenance does not list.
    let info = DatasetInfo {
        name: "stray".into(),
        ..Default::default()
    };
    let stray = Signer::new(key(Curve::P256, 40))
        .sign_statement(attest::dataset(&info, &[7; 32]).to_json())
        .to_json();
    let err = check(
        &w,
        &[("prov.json", &w.provenance), ("stray.json", &stray)],
        &[],
        None,
    )
    .unwrap_err();
    assert!(
        matches!(err, ChainLinkError::DatasetNotMaterial { .. }),
        "{err}"
    );
    // Tampered attestation payload.
    let mut v: serde_json::Value = serde_json::from_slice(&w.provenance).unwrap();
    let payload = v["dsseEnvelope"]["payload"].as_str().unwrap().to_owned();
    v["dsseEnvelope"]["payload"] = format!("{}ICAg", &payload[..payload.len() - 4]).into();
    let err = check(
        &w,
        &[("prov.json", &serde_json::to_vec(&v).unwrap())],
        &[],
        None,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ChainLinkError::Signature { .. } | ChainLinkError::Malformed { .. }
        ),
        "{err}"
    );
    // Garbage.
    let err = check(&w, &[("junk.json", b"not json")], &[], None).unwrap_err();
    assert!(matches!(err, ChainLinkError::Malformed { .. }), "{err}");
}

#[test]
fn bare_dsse_envelopes_are_accepted_with_a_key() {
    let w = world();
    let run = TrainingRun {
        builder_id: "b".into(),
        ..Default::default()
    };
    let statement = attest::provenance("model", &w.model_digest, &run).to_json();
    let env = Envelope::sign_in_toto(
        statement,
        &vouch_sign::PrivateKey::from_scalar_bytes(Curve::P256, &{
            let mut b = vec![40u8; 32];
            b[0] = 1;
            b
        })
        .unwrap(),
    );
    check(&w, &[("prov.dsse.json", &env.to_json())], &[], None).unwrap();
    let err = verify_chain(&ChainInput {
        model_digests: &[w.model_digest],
        attestations: &[("prov.dsse.json".into(), env.to_json())],
        verifiers: &[Verifier::Certificates(vec![])],
        artifacts: &[],
        builder_id: None,
    })
    .unwrap_err();
    assert!(
        matches!(err, ChainLinkError::EnvelopeNeedsKey { .. }),
        "{err}"
    );
}

#[test]
fn git_head_reads_refs() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let sha = "89abcdef0123456789abcdef0123456789abcdef";
    write_model(r, &[(".git/HEAD", format!("{sha}\n").as_bytes())]);
    assert_eq!(attest::git_head(r).as_deref(), Some(sha));
    write_model(
        r,
        &[
            (".git/HEAD", b"ref: refs/heads/dev\n"),
            (
                ".git/packed-refs",
                format!("# pack-refs\n{sha} refs/heads/dev\n").as_bytes(),
            ),
        ],
    );
    assert_eq!(attest::git_head(r).as_deref(), Some(sha));
    write_model(r, &[(".git/HEAD", b"ref: ../../etc/passwd\n")]);
    assert_eq!(attest::git_head(r), None);
}
