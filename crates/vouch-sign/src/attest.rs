//! Provenance: DSSE-signed in-toto v1 statements about how a model was made, and the end-to-end check that ties a
//! signed model to them.
//!
//! * [`provenance`] builds a SLSA provenance v1 statement for a training run: the model is the subject; the
//!   datasets, base model, code (repository + commit) and training config are `resolvedDependencies`; the builder
//!   id and run parameters are recorded as given.
//! * [`dataset`] builds a dataset attestation (`https://vouch.dev/attestation/dataset/v1`): the dataset is the
//!   subject, with name, source and license.
//! * [`verify_chain`] checks a set of attestation files against a verified model: every signature chains to a
//!   trusted key, the provenance names the model's digest as its subject, every material matches the artifact given
//!   for it, and every dataset attestation is a material of the provenance. A broken link is named in the error.
//!
//! Digests: an artifact's digest is its *vouch digest*, the model-signing root digest (files, SHA-256, root git
//! paths ignored) of the path: for a model this is exactly the subject digest of `vouch sign`. For a single file,
//! the plain SHA-256 of its content is accepted as well when checking.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bundle::{Bundle, BundleError};
use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::hashing::{HashError, HashOptions, hash_model};
use crate::intoto::{Statement, StatementError, Subject};
use crate::manifest::{HashAlg, Serialization};
use crate::verify::{SignerInfo, Verifier, VerifyError, verify_bundle};

/// SLSA provenance v1 predicate type.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// vouch's dataset attestation predicate type.
pub const DATASET_V1: &str = "https://vouch.dev/attestation/dataset/v1";
/// The `buildType` of a training run.
pub const TRAINING_BUILD_TYPE: &str = "https://vouch.dev/training/v1";

/// Material name of the base model.
pub const BASE_MODEL: &str = "base-model";
/// Material name of the code repository.
pub const CODE: &str = "code";
/// Material name of the training configuration.
pub const CONFIG: &str = "config";
/// Prefix of dataset material names (`dataset:NAME`).
pub const DATASET_PREFIX: &str = "dataset:";

/// The digests of a local artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactDigest {
    /// The vouch digest (model-signing root digest, files/SHA-256).
    pub root: [u8; 32],
    /// SHA-256 of the content, for a single file.
    pub file_sha256: Option<[u8; 32]>,
}

impl ArtifactDigest {
    /// Whether a hex SHA-256 digest names this artifact.
    pub fn matches(&self, hex_digest: &str) -> bool {
        let Ok(bytes) = hex::decode(hex_digest) else {
            return false;
        };
        bytes == self.root || self.file_sha256.is_some_and(|f| bytes == f)
    }
}

/// Computes the vouch digest of a file or directory (and the content SHA-256 of a file).
pub fn artifact_digest(path: &Path, ignore_paths: &[String]) -> Result<ArtifactDigest, HashError> {
    let opts = HashOptions {
        serialization: Serialization::Files {
            hash: HashAlg::Sha256,
        },
        ignore_paths,
        ignore_git_paths: true,
        ..Default::default()
    };
    let manifest = hash_model(path, &opts)?;
    let file_sha256 = if std::fs::metadata(path)
        .map_err(|source| HashError::Io {
            path: path.into(),
            source,
        })?
        .is_file()
    {
        manifest
            .items
            .first()
            .and_then(|i| i.digest.clone().try_into().ok())
    } else {
        None
    };
    Ok(ArtifactDigest {
        root: manifest.root_digest(),
        file_sha256,
    })
}

/// One material (a SLSA `ResourceDescriptor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// `dataset:NAME`, `base-model`, `code` or `config` (free for others).
    pub name: String,
    /// Where it came from (URL, `git+https://…`, path), if known.
    pub uri: Option<String>,
    /// Algorithm → hex digest (`sha256`, or `gitCommit` for code).
    pub digest: BTreeMap<String, String>,
}

impl Material {
    /// A file or directory material, digested now.
    pub fn from_path(name: &str, path: &Path, uri: Option<String>) -> Result<Self, HashError> {
        let d = artifact_digest(path, &[])?;
        Ok(Material {
            name: name.to_owned(),
            uri,
            digest: BTreeMap::from([("sha256".to_owned(), hex::encode(d.root))]),
        })
    }

    /// A code material: repository URL and commit.
    pub fn code(repo: &str, commit: &str) -> Self {
        Material {
            name: CODE.to_owned(),
            uri: Some(if repo.starts_with("git+") {
                repo.to_owned()
            } else {
                format!("git+{repo}")
            }),
            digest: BTreeMap::from([("gitCommit".to_owned(), commit.to_ascii_lowercase())]),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), self.name.clone().into());
        if let Some(uri) = &self.uri {
            m.insert("uri".into(), uri.clone().into());
        }
        m.insert(
            "digest".into(),
            serde_json::to_value(&self.digest).unwrap_or_default(),
        );
        serde_json::Value::Object(m)
    }
}

/// What a training run consumed and how it ran.
#[derive(Debug, Clone, Default)]
pub struct TrainingRun {
    /// The builder (trainer / CI system) identity, a URI.
    pub builder_id: String,
    /// Materials: datasets, base model, code, config.
    pub materials: Vec<Material>,
    /// Run parameters (hyper-parameters and the like).
    pub parameters: BTreeMap<String, serde_json::Value>,
    /// Invocation id, if any.
    pub invocation_id: Option<String>,
    /// RFC 3339 start time, if known.
    pub started_on: Option<String>,
    /// RFC 3339 end time, if known.
    pub finished_on: Option<String>,
}

/// A SLSA provenance v1 statement for a model (subject `model_name` with its vouch digest).
pub fn provenance(model_name: &str, model_digest: &[u8; 32], run: &TrainingRun) -> Statement {
    let mut metadata = serde_json::Map::new();
    for (k, v) in [
        ("invocationId", &run.invocation_id),
        ("startedOn", &run.started_on),
        ("finishedOn", &run.finished_on),
    ] {
        if let Some(v) = v {
            metadata.insert(k.into(), v.clone().into());
        }
    }
    let mut run_details = serde_json::Map::new();
    run_details.insert("builder".into(), serde_json::json!({"id": run.builder_id}));
    if !metadata.is_empty() {
        run_details.insert("metadata".into(), metadata.into());
    }
    Statement {
        subject: vec![Subject {
            name: model_name.to_owned(),
            digest: BTreeMap::from([("sha256".to_owned(), hex::encode(model_digest))]),
        }],
        predicate_type: SLSA_PROVENANCE_V1.to_owned(),
        predicate: serde_json::json!({
            "buildDefinition": {
                "buildType": TRAINING_BUILD_TYPE,
                "externalParameters": {"parameters": run.parameters},
                "internalParameters": {},
                "resolvedDependencies": run.materials.iter().map(Material::to_json).collect::<Vec<_>>(),
            },
            "runDetails": run_details,
        }),
    }
}

/// What is known about a dataset.
#[derive(Debug, Clone, Default)]
pub struct DatasetInfo {
    /// Dataset name (the `dataset:NAME` material it becomes).
    pub name: String,
    /// Where it came from.
    pub uri: Option<String>,
    /// SPDX license expression.
    pub license: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

/// A dataset attestation statement.
pub fn dataset(info: &DatasetInfo, digest: &[u8; 32]) -> Statement {
    let mut p = serde_json::Map::new();
    p.insert("name".into(), info.name.clone().into());
    for (k, v) in [
        ("uri", &info.uri),
        ("license", &info.license),
        ("description", &info.description),
    ] {
        if let Some(v) = v {
            p.insert(k.into(), v.clone().into());
        }
    }
    Statement {
        subject: vec![Subject {
            name: info.name.clone(),
            digest: BTreeMap::from([("sha256".to_owned(), hex::encode(digest))]),
        }],
        predicate_type: DATASET_V1.to_owned(),
        predicate: p.into(),
    }
}

/// The commit a git checkout is at (`.git/HEAD`, following one symbolic ref, loose or packed).
pub fn git_head(repo: &Path) -> Option<String> {
    let mut git = repo.join(".git");
    if git.is_file() {
        // Worktree / submodule: "gitdir: PATH".
        let text = std::fs::read_to_string(&git).ok()?;
        let dir = text.strip_prefix("gitdir:")?.trim();
        git = repo.join(dir);
    }
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let is_sha =
        |s: &str| (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit());
    if is_sha(head) {
        return Some(head.to_ascii_lowercase());
    }
    let reference = head.strip_prefix("ref:")?.trim();
    if reference.split('/').any(|c| c == ".." || c.is_empty()) {
        return None;
    }
    let common = std::fs::read_to_string(git.join("commondir"))
        .ok()
        .map(|c| git.join(c.trim()))
        .unwrap_or_else(|| git.clone());
    for base in [&git, &common] {
        if let Ok(sha) = std::fs::read_to_string(base.join(reference)) {
            let sha = sha.trim();
            if is_sha(sha) {
                return Some(sha.to_ascii_lowercase());
            }
        }
        if let Ok(packed) = std::fs::read_to_string(base.join("packed-refs")) {
            for line in packed.lines() {
                if let Some((sha, name)) = line.split_once(' ')
                    && name == reference
                    && is_sha(sha)
                {
                    return Some(sha.to_ascii_lowercase());
                }
            }
        }
    }
    None
}

/// A local artifact given for checking a material: a path, or (for code) a commit id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Artifact {
    /// A file or directory.
    Path(PathBuf),
    /// A git commit id.
    Commit(String),
}

/// Why an attestation chain does not hold. Every variant names the broken link.
#[derive(Debug, thiserror::Error)]
pub enum ChainLinkError {
    /// An attestation file is unreadable or malformed.
    #[error("attestation {file}: {source}")]
    Malformed {
        /// The file.
        file: String,
        /// Why.
        source: BundleError,
    },
    /// An attestation's signature or trust failed.
    #[error("attestation {file}: {source}")]
    Signature {
        /// The file.
        file: String,
        /// Why.
        source: Box<VerifyError>,
    },
    /// A raw DSSE envelope can only be checked with a public key.
    #[error(
        "attestation {file} is a bare DSSE envelope; it can only be verified with a public key (--public-key or --attestation-key)"
    )]
    EnvelopeNeedsKey {
        /// The file.
        file: String,
    },
    /// The signed payload is not a usable statement.
    #[error("attestation {file}: {source}")]
    Statement {
        /// The file.
        file: String,
        /// Why.
        source: StatementError,
    },
    /// An attestation of a kind vouch does not check.
    #[error(
        "attestation {file} has predicateType {predicate_type:?}, which vouch does not check (SLSA provenance v1, vouch dataset v1)"
    )]
    UnknownPredicate {
        /// The file.
        file: String,
        /// Its predicate type.
        predicate_type: String,
    },
    /// No provenance names the model.
    #[error("no SLSA provenance attestation names the model (vouch digest {model_digest}) as its subject{}", others_list(.others))]
    NoProvenance {
        /// The model's digest.
        model_digest: String,
        /// Provenance files that name other subjects.
        others: Vec<String>,
    },
    /// The provenance was made by another builder.
    #[error("provenance {file} was made by builder {found:?}, not the expected {expected:?}")]
    Builder {
        /// The file.
        file: String,
        /// Its builder id.
        found: String,
        /// The expected builder id.
        expected: String,
    },
    /// An artifact was given for a name the provenance does not list.
    #[error("--artifact {name}: the provenance has no material of that name (materials: {})", .known.join(", "))]
    UnknownArtifact {
        /// The name given.
        name: String,
        /// Materials the provenance lists.
        known: Vec<String>,
    },
    /// An artifact differs from what the provenance recorded.
    #[error(
        "material {name}: {artifact} has digest {actual}, but the provenance records {recorded}"
    )]
    MaterialMismatch {
        /// Material name.
        name: String,
        /// The artifact given.
        artifact: String,
        /// Its digest.
        actual: String,
        /// The recorded digest(s).
        recorded: String,
    },
    /// An artifact could not be read.
    #[error("material {name}: {source}")]
    Artifact {
        /// Material name.
        name: String,
        /// Why.
        source: HashError,
    },
    /// A dataset attestation whose subject is not a material of the provenance.
    #[error(
        "dataset attestation {file} (dataset {dataset:?}, digest {digest}) is not a material of the provenance"
    )]
    DatasetNotMaterial {
        /// The file.
        file: String,
        /// Dataset name.
        dataset: String,
        /// Its digest.
        digest: String,
    },
}

fn others_list(others: &[String]) -> String {
    if others.is_empty() {
        String::new()
    } else {
        format!(" (provenance given: {})", others.join(", "))
    }
}

/// How each material was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaterialCheck {
    /// The artifact given matched.
    Artifact(String),
    /// A verified dataset attestation covers it.
    Attested(String),
    /// Neither an artifact nor an attestation was given.
    Unchecked,
}

/// The verified chain.
#[derive(Debug, Clone)]
pub struct ChainReport {
    /// The provenance file that names the model.
    pub provenance_file: String,
    /// Its builder id.
    pub builder_id: String,
    /// Who signed the provenance.
    pub signer: SignerInfo,
    /// Each material, with how it was checked.
    pub materials: Vec<(String, MaterialCheck)>,
}

/// A verified attestation.
struct Verified {
    file: String,
    statement: Statement,
    signer: SignerInfo,
}

/// Verifies one attestation file (a Sigstore bundle or a bare DSSE envelope) with any of `verifiers`.
fn verify_attestation(
    file: &str,
    bytes: &[u8],
    verifiers: &[Verifier],
) -> Result<Verified, ChainLinkError> {
    let payload_and_signer = if let Ok(bundle) = Bundle::from_json(bytes) {
        let mut last = None;
        let mut ok = None;
        for v in verifiers {
            match verify_bundle(&bundle, v) {
                Ok(s) => {
                    ok = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        match (ok, last) {
            (Some(signer), _) => (bundle.envelope.payload, signer),
            (None, Some(e)) => {
                return Err(ChainLinkError::Signature {
                    file: file.into(),
                    source: Box::new(e),
                });
            }
            (None, None) => return Err(ChainLinkError::EnvelopeNeedsKey { file: file.into() }),
        }
    } else {
        let envelope = match Envelope::from_json(bytes) {
            Ok(e) => e,
            Err(_) => {
                // Report the bundle parse error: it is the documented format.
                let e = Bundle::from_json(bytes)
                    .err()
                    .unwrap_or(BundleError::NoEnvelope);
                return Err(ChainLinkError::Malformed {
                    file: file.into(),
                    source: e,
                });
            }
        };
        let keys: Vec<_> = verifiers
            .iter()
            .filter_map(|v| {
                if let Verifier::PublicKey(k) = v {
                    Some(k)
                } else {
                    None
                }
            })
            .collect();
        if keys.is_empty() {
            return Err(ChainLinkError::EnvelopeNeedsKey { file: file.into() });
        }
        let mut signer = None;
        let mut last = None;
        'outer: for key in keys {
            for sig in &envelope.signatures {
                match key.verify(&envelope.signed_bytes(), &sig.sig) {
                    Ok(()) => {
                        signer = Some(SignerInfo::Key { hint: key.hint() });
                        break 'outer;
                    }
                    Err(e) => last = Some(e),
                }
            }
        }
        let Some(signer) = signer else {
            let e = last.map_or(
                VerifyError::Bundle(BundleError::NoSignatures),
                VerifyError::BadSignature,
            );
            return Err(ChainLinkError::Signature {
                file: file.into(),
                source: Box::new(e),
            });
        };
        if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
            let e = VerifyError::PayloadType {
                found: envelope.payload_type,
            };
            return Err(ChainLinkError::Signature {
                file: file.into(),
                source: Box::new(e),
            });
        }
        (envelope.payload, signer)
    };
    let (payload, signer) = payload_and_signer;
    let statement = Statement::parse(&payload).map_err(|source| ChainLinkError::Statement {
        file: file.into(),
        source,
    })?;
    Ok(Verified {
        file: file.into(),
        statement,
        signer,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProvenanceWire {
    build_definition: BuildDefinitionWire,
    run_details: RunDetailsWire,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuildDefinitionWire {
    #[serde(default)]
    resolved_dependencies: Vec<ResourceWire>,
}

#[derive(Deserialize)]
struct ResourceWire {
    #[serde(default)]
    name: String,
    #[serde(default)]
    digest: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RunDetailsWire {
    builder: BuilderWire,
}

#[derive(Deserialize)]
struct BuilderWire {
    id: String,
}

/// Input of [`verify_chain`].
pub struct ChainInput<'a> {
    /// Acceptable vouch digests of the model (from its verified signature).
    pub model_digests: &'a [[u8; 32]],
    /// Attestation files: (display name, bytes).
    pub attestations: &'a [(String, Vec<u8>)],
    /// Who may sign attestations.
    pub verifiers: &'a [Verifier],
    /// Artifacts to check materials against: (material name, artifact).
    pub artifacts: &'a [(String, Artifact)],
    /// Required builder id, if any.
    pub builder_id: Option<&'a str>,
}

/// Checks the attestation chain end to end (see the module docs).
pub fn verify_chain(input: &ChainInput<'_>) -> Result<ChainReport, ChainLinkError> {
    let mut verified = Vec::new();
    for (file, bytes) in input.attestations {
        verified.push(verify_attestation(file, bytes, input.verifiers)?);
    }
    for v in &verified {
        if v.statement.predicate_type != SLSA_PROVENANCE_V1
            && v.statement.predicate_type != DATASET_V1
        {
            return Err(ChainLinkError::UnknownPredicate {
                file: v.file.clone(),
                predicate_type: v.statement.predicate_type.clone(),
            });
        }
    }
    let names_model = |s: &Statement| {
        s.subject.iter().any(|sub| {
            sub.digest
                .get("sha256")
                .is_some_and(|d| input.model_digests.iter().any(|m| hex::encode(m) == *d))
        })
    };
    let provenances: Vec<&Verified> = verified
        .iter()
        .filter(|v| v.statement.predicate_type == SLSA_PROVENANCE_V1)
        .collect();
    let Some(prov) = provenances.iter().find(|v| names_model(&v.statement)) else {
        return Err(ChainLinkError::NoProvenance {
            model_digest: input
                .model_digests
                .first()
                .map(hex::encode)
                .unwrap_or_default(),
            others: provenances.iter().map(|v| v.file.clone()).collect(),
        });
    };
    let wire: ProvenanceWire =
        serde_json::from_value(prov.statement.predicate.clone()).map_err(|e| {
            ChainLinkError::Statement {
                file: prov.file.clone(),
                source: StatementError::Json {
                    detail: format!("SLSA provenance predicate: {e}"),
                },
            }
        })?;
    if let Some(expected) = input.builder_id
        && wire.run_details.builder.id != expected
    {
        return Err(ChainLinkError::Builder {
            file: prov.file.clone(),
            found: wire.run_details.builder.id,
            expected: expected.to_owned(),
        });
    }
    let mut materials = wire.build_definition.resolved_dependencies;
    for m in &mut materials {
        for v in m.digest.values_mut() {
            *v = v.to_ascii_lowercase();
        }
    }
    let known: Vec<String> = materials.iter().map(|m| m.name.clone()).collect();
    for (name, _) in input.artifacts {
        if !known.contains(name) {
            return Err(ChainLinkError::UnknownArtifact {
                name: name.clone(),
                known,
            });
        }
    }
    // Dataset attestations must be materials.
    let datasets: Vec<&Verified> = verified
        .iter()
        .filter(|v| v.statement.predicate_type == DATASET_V1)
        .collect();
    let mut attested: BTreeMap<String, String> = BTreeMap::new();
    for ds in &datasets {
        for sub in &ds.statement.subject {
            let digest = sub.digest.get("sha256").cloned().unwrap_or_default();
            let Some(m) = materials
                .iter()
                .find(|m| m.digest.get("sha256") == Some(&digest))
            else {
                return Err(ChainLinkError::DatasetNotMaterial {
                    file: ds.file.clone(),
                    dataset: sub.name.clone(),
                    digest,
                });
            };
            attested.insert(m.name.clone(), ds.file.clone());
        }
    }
    let mut report = Vec::new();
    for m in &materials {
        let check = match input.artifacts.iter().find(|(n, _)| *n == m.name) {
            Some((_, artifact)) => {
                check_material(m, artifact)?;
                MaterialCheck::Artifact(match artifact {
                    Artifact::Path(p) => p.display().to_string(),
                    Artifact::Commit(c) => c.clone(),
                })
            }
            None => match attested.get(&m.name) {
                Some(file) => MaterialCheck::Attested(file.clone()),
                None => MaterialCheck::Unchecked,
            },
        };
        report.push((m.name.clone(), check));
    }
    Ok(ChainReport {
        provenance_file: prov.file.clone(),
        builder_id: wire.run_details.builder.id,
        signer: prov.signer.clone(),
        materials: report,
    })
}

fn recorded(m: &ResourceWire) -> String {
    m.digest
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_material(m: &ResourceWire, artifact: &Artifact) -> Result<(), ChainLinkError> {
    let mismatch = |artifact: String, actual: String| ChainLinkError::MaterialMismatch {
        name: m.name.clone(),
        artifact,
        actual,
        recorded: recorded(m),
    };
    let commit = match artifact {
        Artifact::Commit(c) => Some((c.to_ascii_lowercase(), c.clone())),
        Artifact::Path(p) if m.digest.contains_key("gitCommit") => {
            let head = git_head(p).ok_or_else(|| ChainLinkError::Artifact {
                name: m.name.clone(),
                source: HashError::Io {
                    path: p.clone(),
                    source: std::io::Error::other(
                        "not a git checkout (no readable .git/HEAD); pass the commit id instead",
                    ),
                },
            })?;
            Some((head, p.display().to_string()))
        }
        Artifact::Path(_) => None,
    };
    if let Some((sha, shown)) = commit {
        return match m.digest.get("gitCommit") {
            Some(recorded) if recorded.eq_ignore_ascii_case(&sha) => Ok(()),
            _ => Err(mismatch(shown, format!("gitCommit:{sha}"))),
        };
    }
    let Artifact::Path(path) = artifact else {
        return Ok(());
    };
    let digest = artifact_digest(path, &[]).map_err(|source| ChainLinkError::Artifact {
        name: m.name.clone(),
        source,
    })?;
    match m.digest.get("sha256") {
        Some(recorded) if digest.matches(recorded) => Ok(()),
        _ => Err(mismatch(
            path.display().to_string(),
            format!("sha256:{}", hex::encode(digest.root)),
        )),
    }
}
