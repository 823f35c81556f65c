//! in-toto Statement v1 (the DSSE payload of every signature and attestation vouch writes or reads).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `_type` of an in-toto v1 statement.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// Why a statement could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// Not JSON, or fields of the wrong type.
    #[error("the signed statement is not valid: {detail}")]
    Json {
        /// serde_json's message.
        detail: String,
    },
    /// `_type` is not in-toto Statement v1.
    #[error("unsupported statement _type {found:?}; expected {STATEMENT_TYPE:?}")]
    Type {
        /// What the statement says.
        found: String,
    },
    /// An unexpected `predicateType`.
    #[error("unexpected predicateType {found:?}; expected {expected:?}")]
    PredicateType {
        /// What the statement says.
        found: String,
        /// What was expected.
        expected: String,
    },
    /// A field is missing or has an invalid value.
    #[error("invalid statement: {detail}")]
    Invalid {
        /// What is wrong.
        detail: String,
    },
    /// The subject's root digest does not match the resources.
    #[error(
        "the subject digest {claimed} does not match the resources (their root digest is {computed})"
    )]
    RootDigest {
        /// Hex digest in the subject.
        claimed: String,
        /// Hex digest computed from the resources.
        computed: String,
    },
}

/// One statement subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Name (informative).
    #[serde(default)]
    pub name: String,
    /// Algorithm → lowercase hex digest.
    pub digest: BTreeMap<String, String>,
}

/// A parsed in-toto v1 statement with an opaque predicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Subjects.
    pub subject: Vec<Subject>,
    /// Predicate type URI.
    pub predicate_type: String,
    /// Predicate (may be `null`).
    pub predicate: serde_json::Value,
}

#[derive(Deserialize)]
struct StatementWire {
    #[serde(rename = "_type")]
    type_: String,
    subject: Vec<SubjectWire>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
    #[serde(default)]
    predicate: serde_json::Value,
}

#[derive(Deserialize)]
struct SubjectWire {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    digest: BTreeMap<String, serde_json::Value>,
}

impl Statement {
    /// Parses statement bytes exactly as signed.
    pub fn parse(bytes: &[u8]) -> Result<Self, StatementError> {
        let wire: StatementWire =
            serde_json::from_slice(bytes).map_err(|e| StatementError::Json {
                detail: e.to_string(),
            })?;
        if wire.type_ != STATEMENT_TYPE {
            return Err(StatementError::Type { found: wire.type_ });
        }
        let subject = wire
            .subject
            .into_iter()
            .map(|s| Subject {
                name: s.name.unwrap_or_default(),
                digest: s
                    .digest
                    .into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_ascii_lowercase())))
                    .collect(),
            })
            .collect();
        Ok(Statement {
            subject,
            predicate_type: wire.predicate_type,
            predicate: wire.predicate,
        })
    }

    /// Requires a given predicate type.
    pub fn expect_predicate(&self, expected: &str) -> Result<(), StatementError> {
        if self.predicate_type == expected {
            Ok(())
        } else {
            Err(StatementError::PredicateType {
                found: self.predicate_type.clone(),
                expected: expected.to_owned(),
            })
        }
    }

    /// Compact JSON with members in the order `_type`, `subject`, `predicateType`, `predicate`.
    pub fn to_json(&self) -> Vec<u8> {
        let doc = serde_json::json!({
            "_type": STATEMENT_TYPE,
            "subject": self.subject.iter().map(|s| serde_json::json!({"name": s.name, "digest": s.digest})).collect::<Vec<_>>(),
            "predicateType": self.predicate_type,
            "predicate": self.predicate,
        });
        serde_json::to_vec(&doc).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = Statement {
            subject: vec![Subject {
                name: "m".into(),
                digest: BTreeMap::from([("sha256".into(), "ab".into())]),
            }],
            predicate_type: "p".into(),
            predicate: serde_json::json!({"k": 1}),
        };
        let bytes = s.to_json();
        assert!(bytes.starts_with(br#"{"_type":"https://in-toto.io/Statement/v1","subject""#));
        assert_eq!(Statement::parse(&bytes).unwrap(), s);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Statement::parse(b"{"),
            Err(StatementError::Json { .. })
        ));
        assert!(matches!(
            Statement::parse(br#"{"_type":"x","subject":[],"predicateType":"p"}"#),
            Err(StatementError::Type { .. })
        ));
    }
}
