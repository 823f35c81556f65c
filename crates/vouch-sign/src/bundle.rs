//! The Sigstore bundle v0.3 JSON document that carries a model signature (spec §2): a faithful, strict wire model
//! (private) and the domain [`Bundle`] it becomes. Parsing is size-limited and never panics; every base64 and
//! structural error names the field.

use base64::Engine as _;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::dsse::{Envelope, EnvelopeWire};

/// The only bundle media type model signing 1.x reads and writes.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// Largest bundle or envelope accepted (64 MiB: a manifest of ~300k files).
pub const MAX_BUNDLE_BYTES: usize = 64 << 20;

/// Largest certificate chain accepted in a bundle.
pub const MAX_CHAIN_LEN: usize = 16;

/// Why a bundle could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Larger than [`MAX_BUNDLE_BYTES`].
    #[error("the signature file is {size} bytes, larger than the {limit}-byte limit")]
    TooLarge {
        /// Actual size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not valid JSON, or not the expected structure.
    #[error("not a valid Sigstore bundle: {detail}")]
    Json {
        /// serde_json's message, with line and column.
        detail: String,
    },
    /// Another media type.
    #[error("unsupported bundle mediaType {found:?}; expected {BUNDLE_MEDIA_TYPE:?}")]
    MediaType {
        /// What the bundle says.
        found: String,
    },
    /// Invalid base64 in a field.
    #[error("{field} is not valid standard base64: {detail}")]
    Base64 {
        /// The field.
        field: &'static str,
        /// The decoder's message.
        detail: String,
    },
    /// A DSSE envelope without signatures.
    #[error("the DSSE envelope has no signatures")]
    NoSignatures,
    /// A message-signature bundle (model signing always uses DSSE).
    #[error("the bundle has no dsseEnvelope (messageSignature bundles are not model signatures)")]
    NoEnvelope,
    /// No key, certificate chain or certificate.
    #[error(
        "the bundle's verificationMaterial has no publicKey, x509CertificateChain or certificate"
    )]
    NoVerificationMaterial,
    /// A structurally valid value vouch cannot use.
    #[error("unsupported bundle content: {detail}")]
    Unsupported {
        /// What.
        detail: String,
    },
}

pub(crate) fn b64_decode(field: &'static str, text: &str) -> Result<Vec<u8>, BundleError> {
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|e| BundleError::Base64 {
            field,
            detail: e.to_string(),
        })
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Who vouches for the signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationMaterial {
    /// A bare public key, identified by its hint (1.1.x) or carried as PEM text (legacy 1.0.x `rawBytes`).
    PublicKey {
        /// Lowercase hex SHA-256 of the key's PEM, when present and non-empty.
        hint: Option<String>,
        /// Legacy 1.0.x: the PEM text of the key (informative only; the verifier's key decides).
        legacy_pem: Option<Vec<u8>>,
    },
    /// `x509CertificateChain`: DER certificates, leaf first.
    CertificateChain(Vec<Vec<u8>>),
    /// Sigstore keyless: a single DER (Fulcio) leaf certificate.
    Certificate(Vec<u8>),
}

/// A Rekor transparency-log entry (keyless bundles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogEntry {
    /// Index in the log.
    pub log_index: u64,
    /// SHA-256 of the log's public key (DER SPKI).
    pub log_id: Vec<u8>,
    /// Entry kind, such as `dsse`.
    pub kind: String,
    /// Entry version, such as `0.0.1`.
    pub version: String,
    /// Seconds since the epoch when the entry was logged.
    pub integrated_time: i64,
    /// Signed entry timestamp (the log's promise of inclusion).
    pub signed_entry_timestamp: Option<Vec<u8>>,
    /// Merkle inclusion proof.
    pub inclusion_proof: Option<InclusionProof>,
    /// The canonical entry body the log stored.
    pub canonicalized_body: Vec<u8>,
}

/// An RFC 6962 inclusion proof with its signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// Leaf index in the tree.
    pub log_index: u64,
    /// Root hash.
    pub root_hash: Vec<u8>,
    /// Tree size.
    pub tree_size: u64,
    /// Audit path, leaf to root.
    pub hashes: Vec<Vec<u8>>,
    /// Signed note text (`origin\nsize\nroot\n\n— name sig`).
    pub checkpoint: Option<String>,
}

/// A parsed model-signing bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// How the signer is identified.
    pub material: VerificationMaterial,
    /// The signed statement.
    pub envelope: Envelope,
    /// Transparency-log entries (empty for key and certificate signatures).
    pub tlog_entries: Vec<TlogEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BundleWire {
    media_type: String,
    verification_material: MaterialWire,
    #[serde(default)]
    dsse_envelope: Option<EnvelopeWire>,
    #[serde(default)]
    message_signature: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MaterialWire {
    #[serde(default)]
    public_key: Option<PublicKeyWire>,
    #[serde(default)]
    x509_certificate_chain: Option<ChainWire>,
    #[serde(default)]
    certificate: Option<CertWire>,
    #[serde(default)]
    tlog_entries: Vec<TlogWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyWire {
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    raw_bytes: Option<String>,
}

#[derive(Deserialize)]
struct ChainWire {
    certificates: Vec<CertWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CertWire {
    raw_bytes: String,
}

/// protobuf JSON writes 64-bit integers as strings; accept both.
#[derive(Deserialize)]
#[serde(untagged)]
enum Int64 {
    Num(i64),
    Text(String),
}

impl Int64 {
    fn value(&self, field: &'static str) -> Result<i64, BundleError> {
        match self {
            Int64::Num(n) => Ok(*n),
            Int64::Text(s) => s.parse().map_err(|_| BundleError::Json {
                detail: format!("{field} is not an integer: {s:?}"),
            }),
        }
    }

    fn unsigned(&self, field: &'static str) -> Result<u64, BundleError> {
        u64::try_from(self.value(field)?).map_err(|_| BundleError::Json {
            detail: format!("{field} is negative"),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TlogWire {
    log_index: Int64,
    log_id: LogIdWire,
    kind_version: KindVersionWire,
    integrated_time: Int64,
    #[serde(default)]
    inclusion_promise: Option<PromiseWire>,
    #[serde(default)]
    inclusion_proof: Option<ProofWire>,
    canonicalized_body: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogIdWire {
    key_id: String,
}

#[derive(Deserialize)]
struct KindVersionWire {
    kind: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromiseWire {
    signed_entry_timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProofWire {
    log_index: Int64,
    root_hash: String,
    tree_size: Int64,
    #[serde(default)]
    hashes: Vec<String>,
    #[serde(default)]
    checkpoint: Option<CheckpointWire>,
}

#[derive(Deserialize)]
struct CheckpointWire {
    envelope: String,
}

impl TlogWire {
    fn into_domain(self) -> Result<TlogEntry, BundleError> {
        let inclusion_proof = match self.inclusion_proof {
            None => None,
            Some(p) => Some(InclusionProof {
                log_index: p.log_index.unsigned("inclusionProof.logIndex")?,
                root_hash: b64_decode("inclusionProof.rootHash", &p.root_hash)?,
                tree_size: p.tree_size.unsigned("inclusionProof.treeSize")?,
                hashes: p
                    .hashes
                    .iter()
                    .map(|h| b64_decode("inclusionProof.hashes[]", h))
                    .collect::<Result<_, _>>()?,
                checkpoint: p.checkpoint.map(|c| c.envelope),
            }),
        };
        Ok(TlogEntry {
            log_index: self.log_index.unsigned("tlogEntries[].logIndex")?,
            log_id: b64_decode("tlogEntries[].logId.keyId", &self.log_id.key_id)?,
            kind: self.kind_version.kind,
            version: self.kind_version.version,
            integrated_time: self.integrated_time.value("tlogEntries[].integratedTime")?,
            signed_entry_timestamp: self
                .inclusion_promise
                .map(|p| {
                    b64_decode(
                        "inclusionPromise.signedEntryTimestamp",
                        &p.signed_entry_timestamp,
                    )
                })
                .transpose()?,
            inclusion_proof,
            canonicalized_body: b64_decode(
                "tlogEntries[].canonicalizedBody",
                &self.canonicalized_body,
            )?,
        })
    }
}

impl Bundle {
    /// Parses a bundle document. Rejects unknown top-level members and any media type but v0.3 (as Python does).
    pub fn from_json(bytes: &[u8]) -> Result<Self, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge {
                size: bytes.len(),
                limit: MAX_BUNDLE_BYTES,
            });
        }
        let wire: BundleWire = serde_json::from_slice(bytes).map_err(|e| BundleError::Json {
            detail: e.to_string(),
        })?;
        if wire.media_type != BUNDLE_MEDIA_TYPE {
            return Err(BundleError::MediaType {
                found: wire.media_type,
            });
        }
        let Some(envelope) = wire.dsse_envelope else {
            return Err(BundleError::NoEnvelope);
        };
        if wire.message_signature.is_some() {
            return Err(BundleError::Unsupported {
                detail: "both dsseEnvelope and messageSignature are present".into(),
            });
        }
        let vm = wire.verification_material;
        let material = if let Some(chain) = vm.x509_certificate_chain {
            if chain.certificates.is_empty() {
                return Err(BundleError::Unsupported {
                    detail: "x509CertificateChain has no certificates".into(),
                });
            }
            if chain.certificates.len() > MAX_CHAIN_LEN {
                return Err(BundleError::Unsupported {
                    detail: format!(
                        "{} certificates in the chain (limit {MAX_CHAIN_LEN})",
                        chain.certificates.len()
                    ),
                });
            }
            VerificationMaterial::CertificateChain(
                chain
                    .certificates
                    .iter()
                    .map(|c| {
                        b64_decode("x509CertificateChain.certificates[].rawBytes", &c.raw_bytes)
                    })
                    .collect::<Result<_, _>>()?,
            )
        } else if let Some(cert) = vm.certificate {
            VerificationMaterial::Certificate(b64_decode("certificate.rawBytes", &cert.raw_bytes)?)
        } else if let Some(pk) = vm.public_key {
            VerificationMaterial::PublicKey {
                hint: pk.hint.filter(|h| !h.is_empty()),
                legacy_pem: pk
                    .raw_bytes
                    .map(|r| b64_decode("publicKey.rawBytes", &r))
                    .transpose()?,
            }
        } else {
            return Err(BundleError::NoVerificationMaterial);
        };
        let tlog_entries = vm
            .tlog_entries
            .into_iter()
            .map(TlogWire::into_domain)
            .collect::<Result<_, _>>()?;
        Ok(Bundle {
            material,
            envelope: envelope.into_domain()?,
            tlog_entries,
        })
    }

    /// The compact JSON document, in Python's member order and with no trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let material = match &self.material {
            VerificationMaterial::PublicKey { hint, .. } => serde_json::json!({
                "publicKey": {"hint": hint.clone().unwrap_or_default()},
                "tlogEntries": [],
            }),
            VerificationMaterial::CertificateChain(certs) => serde_json::json!({
                "x509CertificateChain": {"certificates": certs.iter().map(|c| serde_json::json!({"rawBytes": b64(c)})).collect::<Vec<_>>()},
                "tlogEntries": [],
            }),
            VerificationMaterial::Certificate(cert) => serde_json::json!({
                "certificate": {"rawBytes": b64(cert)},
                "tlogEntries": [],
            }),
        };
        let doc = serde_json::json!({
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": material,
            "dsseEnvelope": self.envelope.to_json_value(),
        });
        serde_json::to_vec(&doc).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"ab"},"tlogEntries":[]},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MEQ=","keyid":""}]}}"#;

    #[test]
    fn parses_and_writes_back_byte_for_byte() {
        let b = Bundle::from_json(MINIMAL.as_bytes()).unwrap();
        assert_eq!(b.envelope.payload, b"{}");
        assert_eq!(
            b.material,
            VerificationMaterial::PublicKey {
                hint: Some("ab".into()),
                legacy_pem: None
            }
        );
        assert_eq!(String::from_utf8(b.to_json()).unwrap(), MINIMAL);
    }

    #[test]
    fn strictness() {
        let bad = |from: &str, to: &str| {
            Bundle::from_json(MINIMAL.replace(from, to).as_bytes()).unwrap_err()
        };
        assert!(matches!(
            bad("bundle.v0.3+json", "bundle.v0.2+json"),
            BundleError::MediaType { .. }
        ));
        assert!(matches!(
            bad(r#""mediaType""#, r#""extra":1,"mediaType""#),
            BundleError::Json { .. }
        ));
        assert!(matches!(bad("e30=", "e30"), BundleError::Base64 { .. }));
        assert!(matches!(bad("e30=", "e30_"), BundleError::Base64 { .. }));
        assert!(matches!(
            bad(r#"{"sig":"MEQ=","keyid":""}"#, ""),
            BundleError::NoSignatures
        ));
        assert!(matches!(
            bad(r#""publicKey":{"hint":"ab"},"#, ""),
            BundleError::NoVerificationMaterial
        ));
        let big = vec![b' '; MAX_BUNDLE_BYTES + 1];
        assert!(matches!(
            Bundle::from_json(&big),
            Err(BundleError::TooLarge { .. })
        ));
    }
}
