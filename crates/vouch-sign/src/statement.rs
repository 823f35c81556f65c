//! The model-signing predicate (`https://model_signing/signature/v1.0`, spec §4): building it from a manifest and
//! reading it back with every check the format requires (one subject, root digest, serialization parameters).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::intoto::{Statement, StatementError, Subject};
use crate::manifest::{HashAlg, Manifest, Serialization, SignedItem, root_digest};

/// `predicateType` of model signatures.
pub const MODEL_SIGNING_PREDICATE: &str = "https://model_signing/signature/v1.0";

/// A verified-to-be-well-formed model-signing statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelStatement {
    /// The subject name (model directory or file name); informative only.
    pub subject_name: String,
    /// The root digest (SHA-256 over the resource digests).
    pub root_digest: [u8; 32],
    /// How the model was serialized.
    pub serialization: Serialization,
    /// `serialization.allow_symlinks`.
    pub allow_symlinks: bool,
    /// `serialization.ignore_paths` (a set; sorted here).
    pub ignore_paths: Vec<String>,
    /// The signed resources, in statement order.
    pub resources: Vec<SignedItem>,
}

#[derive(Deserialize)]
struct PredicateWire {
    serialization: SerializationWire,
    resources: Vec<ResourceWire>,
}

#[derive(Deserialize)]
struct SerializationWire {
    method: String,
    hash_type: String,
    allow_symlinks: bool,
    #[serde(default)]
    ignore_paths: Vec<String>,
    #[serde(default)]
    shard_size: Option<serde_json::Number>,
}

#[derive(Deserialize)]
struct ResourceWire {
    name: String,
    algorithm: String,
    digest: String,
}

fn invalid(detail: impl Into<String>) -> StatementError {
    StatementError::Invalid {
        detail: detail.into(),
    }
}

/// Accepts any JSON number with a positive integral value (Python writes `1000000.0`).
fn shard_size(n: &serde_json::Number) -> Result<u64, StatementError> {
    let v = if let Some(v) = n.as_u64() {
        v
    } else {
        match n.as_f64() {
            Some(f) if f.fract() == 0.0 && (1.0..=9_007_199_254_740_992.0).contains(&f) => f as u64,
            _ => return Err(invalid(format!("shard_size {n} is not a positive integer"))),
        }
    };
    if v == 0 {
        return Err(invalid("shard_size is 0"));
    }
    Ok(v)
}

impl ModelStatement {
    /// The statement for a manifest, subject named `name`.
    pub fn from_manifest(name: &str, manifest: &Manifest) -> Self {
        let label = manifest.serialization.algorithm_label();
        ModelStatement {
            subject_name: name.to_owned(),
            root_digest: manifest.root_digest(),
            serialization: manifest.serialization,
            allow_symlinks: manifest.allow_symlinks,
            ignore_paths: manifest.ignore_paths.clone(),
            resources: manifest
                .items
                .iter()
                .map(|i| SignedItem {
                    name: i.name(),
                    algorithm: label.clone(),
                    digest: i.digest.clone(),
                })
                .collect(),
        }
    }

    /// Compact UTF-8 JSON payload with a fixed member order (reproducible for the same model).
    pub fn to_json(&self) -> Vec<u8> {
        let mut ser = serde_json::Map::new();
        ser.insert("method".into(), self.serialization.method().into());
        ser.insert("hash_type".into(), self.serialization.hash().name().into());
        ser.insert("allow_symlinks".into(), self.allow_symlinks.into());
        if !self.ignore_paths.is_empty() {
            ser.insert("ignore_paths".into(), self.ignore_paths.clone().into());
        }
        if let Serialization::Shards { shard_size, .. } = self.serialization {
            ser.insert("shard_size".into(), shard_size.into());
        }
        let statement = Statement {
            subject: vec![Subject {
                name: self.subject_name.clone(),
                digest: BTreeMap::from([("sha256".to_owned(), hex::encode(self.root_digest))]),
            }],
            predicate_type: MODEL_SIGNING_PREDICATE.to_owned(),
            predicate: serde_json::json!({
                "serialization": ser,
                "resources": self.resources.iter().map(|r| serde_json::json!({
                    "name": r.name,
                    "algorithm": r.algorithm,
                    "digest": hex::encode(&r.digest),
                })).collect::<Vec<_>>(),
            }),
        };
        statement.to_json()
    }

    /// Parses and checks a statement payload (spec §7 step 3): type, predicate type, one subject, serialization
    /// parameters, resources (no duplicates, hex digests) and the root digest.
    pub fn parse(payload: &[u8]) -> Result<Self, StatementError> {
        let statement = Statement::parse(payload)?;
        statement.expect_predicate(MODEL_SIGNING_PREDICATE)?;
        let [subject] = statement.subject.as_slice() else {
            return Err(invalid(format!(
                "expected exactly one subject, found {}",
                statement.subject.len()
            )));
        };
        let claimed = subject
            .digest
            .get("sha256")
            .ok_or_else(|| invalid("the subject has no sha256 digest"))?;
        let claimed_bytes: [u8; 32] = hex::decode(claimed)
            .ok()
            .and_then(|d| d.try_into().ok())
            .ok_or_else(|| {
                invalid(format!(
                    "the subject sha256 {claimed:?} is not 64 hex characters"
                ))
            })?;
        let predicate: PredicateWire = serde_json::from_value(statement.predicate.clone())
            .map_err(|e| StatementError::Json {
                detail: format!("predicate: {e}"),
            })?;
        let ser = predicate.serialization;
        let hash = HashAlg::from_name(&ser.hash_type).ok_or_else(|| {
            invalid(format!(
                "unsupported hash_type {:?} (sha256, blake2b, blake3)",
                ser.hash_type
            ))
        })?;
        let serialization = match ser.method.as_str() {
            "files" => Serialization::Files { hash },
            "shards" => {
                let n = ser
                    .shard_size
                    .as_ref()
                    .ok_or_else(|| invalid("shards serialization without shard_size"))?;
                Serialization::Shards {
                    hash,
                    shard_size: shard_size(n)?,
                }
            }
            other => {
                return Err(invalid(format!(
                    "unsupported serialization method {other:?} (files, shards)"
                )));
            }
        };
        let mut seen = BTreeSet::new();
        let mut resources = Vec::with_capacity(predicate.resources.len());
        for r in predicate.resources {
            if !seen.insert(r.name.clone()) {
                return Err(invalid(format!("resource {:?} is listed twice", r.name)));
            }
            let digest = hex::decode(&r.digest).map_err(|_| {
                invalid(format!(
                    "resource {:?} has a digest that is not hex: {:?}",
                    r.name, r.digest
                ))
            })?;
            resources.push(SignedItem {
                name: r.name,
                algorithm: r.algorithm,
                digest,
            });
        }
        let computed = root_digest(resources.iter().map(|r| r.digest.as_slice()));
        if computed != claimed_bytes {
            return Err(StatementError::RootDigest {
                claimed: claimed.clone(),
                computed: hex::encode(computed),
            });
        }
        let mut ignore_paths = ser.ignore_paths;
        ignore_paths.sort();
        ignore_paths.dedup();
        Ok(ModelStatement {
            subject_name: subject.name.clone(),
            root_digest: claimed_bytes,
            serialization,
            allow_symlinks: ser.allow_symlinks,
            ignore_paths,
            resources,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::ManifestItem;

    fn manifest(serialization: Serialization) -> Manifest {
        let sharded = matches!(serialization, Serialization::Shards { .. });
        Manifest {
            serialization,
            allow_symlinks: false,
            ignore_paths: vec![".git".into()],
            items: vec![
                ManifestItem {
                    path: "a".into(),
                    range: sharded.then_some((0, 5)),
                    digest: vec![0xab; 32],
                },
                ManifestItem {
                    path: "b".into(),
                    range: sharded.then_some((0, 2)),
                    digest: vec![2; 32],
                },
            ],
            total_bytes: 7,
        }
    }

    #[test]
    fn round_trip_shards_writes_integer_shard_size() {
        let m = manifest(Serialization::Shards {
            hash: HashAlg::Sha256,
            shard_size: 1_048_576,
        });
        let s = ModelStatement::from_manifest("model", &m);
        let json = String::from_utf8(s.to_json()).unwrap();
        assert!(json.contains(r#""shard_size":1048576"#), "{json}");
        assert!(
            json.contains(r#""name":"a:0:5","algorithm":"sha256-sharded-1048576""#),
            "{json}"
        );
        assert_eq!(ModelStatement::parse(json.as_bytes()).unwrap(), s);
        // Python's float form is accepted.
        let float = json.replace(r#""shard_size":1048576"#, r#""shard_size":1048576.0"#);
        assert_eq!(ModelStatement::parse(float.as_bytes()).unwrap(), s);
        let frac = json.replace(r#""shard_size":1048576"#, r#""shard_size":10.5"#);
        assert!(ModelStatement::parse(frac.as_bytes()).is_err());
    }

    #[test]
    fn checks() {
        let s = ModelStatement::from_manifest("model", &manifest(Serialization::default()));
        let json = String::from_utf8(s.to_json()).unwrap();
        let err = |from: &str, to: &str| {
            ModelStatement::parse(json.replacen(from, to, 1).as_bytes()).unwrap_err()
        };
        assert!(matches!(
            err("abab", "abac"),
            StatementError::RootDigest { .. }
        ));
        assert!(matches!(
            err(r#""allow_symlinks":false,"#, ""),
            StatementError::Json { .. }
        ));
        assert!(matches!(
            err(r#""method":"files""#, r#""method":"zip""#),
            StatementError::Invalid { .. }
        ));
        assert!(matches!(
            err(r#""hash_type":"sha256""#, r#""hash_type":"md5""#),
            StatementError::Invalid { .. }
        ));
        assert!(matches!(
            err("signature/v1.0", "signature/v2"),
            StatementError::PredicateType { .. }
        ));
        assert!(matches!(
            err(r#""name":"b""#, r#""name":"a""#),
            StatementError::Invalid { .. }
        ));
        let two = json.replacen(
            r#""subject":["#,
            r#""subject":[{"name":"x","digest":{}},"#,
            1,
        );
        assert!(matches!(
            ModelStatement::parse(two.as_bytes()),
            Err(StatementError::Invalid { .. })
        ));
        // Uppercase hex is accepted.
        let upper = json.replace(&"ab".repeat(32), &"AB".repeat(32));
        assert_ne!(upper, json);
        assert_eq!(ModelStatement::parse(upper.as_bytes()).unwrap(), s);
    }
}
