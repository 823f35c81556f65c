//! DSSE v1 envelopes: the pre-authentication encoding (PAE), signing, verification and the JSON envelope form used
//! inside Sigstore bundles and on its own (`*.intoto.json` / `*.dsse.json` attestation files).

use base64::Engine as _;
use serde::Deserialize;

use crate::bundle::{BundleError, MAX_BUNDLE_BYTES, b64_decode};
use crate::keys::{PrivateKey, PublicKey, SignatureError};

/// The payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// `"DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(
        format!(
            "DSSEv1 {} {payload_type} {} ",
            payload_type.len(),
            payload.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(payload);
    out
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// Key id hint (model signing writes `""`; ignored on verification).
    pub keyid: String,
    /// DER ECDSA signature over the PAE.
    pub sig: Vec<u8>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `payloadType`.
    pub payload_type: String,
    /// Decoded payload bytes, exactly as signed.
    pub payload: Vec<u8>,
    /// Signatures (model signing writes one and checks only the first).
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvelopeWire {
    pub payload: String,
    pub payload_type: String,
    pub signatures: Vec<SignatureWire>,
}

#[derive(Deserialize)]
pub(crate) struct SignatureWire {
    pub sig: String,
    #[serde(default)]
    pub keyid: Option<String>,
}

impl EnvelopeWire {
    pub(crate) fn into_domain(self) -> Result<Envelope, BundleError> {
        let payload = b64_decode("dsseEnvelope.payload", &self.payload)?;
        if self.signatures.is_empty() {
            return Err(BundleError::NoSignatures);
        }
        let signatures = self
            .signatures
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(EnvelopeSignature {
                    keyid: s.keyid.unwrap_or_default(),
                    sig: b64_decode(
                        if i == 0 {
                            "dsseEnvelope.signatures[0].sig"
                        } else {
                            "dsseEnvelope.signatures[].sig"
                        },
                        &s.sig,
                    )?,
                })
            })
            .collect::<Result<_, BundleError>>()?;
        Ok(Envelope {
            payload_type: self.payload_type,
            payload,
            signatures,
        })
    }
}

impl Envelope {
    /// Signs `payload` as an in-toto statement with one signature and an empty key id.
    pub fn sign_in_toto(payload: Vec<u8>, key: &PrivateKey) -> Self {
        let sig = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, &payload));
        Envelope {
            payload_type: IN_TOTO_PAYLOAD_TYPE.to_owned(),
            payload,
            signatures: vec![EnvelopeSignature {
                keyid: String::new(),
                sig,
            }],
        }
    }

    /// The PAE bytes the signatures cover. Like the Python tool, always built with the in-toto payload type;
    /// callers check [`Envelope::payload_type`] separately.
    pub fn signed_bytes(&self) -> Vec<u8> {
        pae(IN_TOTO_PAYLOAD_TYPE, &self.payload)
    }

    /// Verifies the first signature with `key` (model-signing semantics).
    pub fn verify_first(&self, key: &PublicKey) -> Result<(), SignatureError> {
        let sig = self
            .signatures
            .first()
            .map(|s| s.sig.as_slice())
            .unwrap_or_default();
        key.verify(&self.signed_bytes(), sig)
    }

    /// Parses a stand-alone DSSE envelope JSON document (standard padded base64, size-limited).
    pub fn from_json(bytes: &[u8]) -> Result<Self, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge {
                size: bytes.len(),
                limit: MAX_BUNDLE_BYTES,
            });
        }
        let wire: EnvelopeWire = serde_json::from_slice(bytes).map_err(|e| BundleError::Json {
            detail: e.to_string(),
        })?;
        wire.into_domain()
    }

    /// The stand-alone JSON form: `{"payload","payloadType","signatures":[{"sig","keyid"}]}`.
    pub fn to_json_value(&self) -> serde_json::Value {
        let b64 = base64::engine::general_purpose::STANDARD;
        serde_json::json!({
            "payload": b64.encode(&self.payload),
            "payloadType": self.payload_type,
            "signatures": self.signatures.iter().map(|s| serde_json::json!({
                "sig": b64.encode(&s.sig),
                "keyid": s.keyid,
            })).collect::<Vec<_>>(),
        })
    }

    /// Compact JSON bytes of [`Envelope::to_json_value`].
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json_value()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Curve;

    #[test]
    fn pae_layout() {
        assert_eq!(
            pae(IN_TOTO_PAYLOAD_TYPE, b"{}"),
            b"DSSEv1 28 application/vnd.in-toto+json 2 {}".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn envelope_round_trip_and_tamper() {
        let key = PrivateKey::from_scalar_bytes(Curve::P256, &[3u8; 32]).unwrap();
        let env = Envelope::sign_in_toto(b"{\"a\":1}".to_vec(), &key);
        let parsed = Envelope::from_json(&env.to_json()).unwrap();
        assert_eq!(parsed, env);
        parsed.verify_first(&key.public_key()).unwrap();
        let mut bad = parsed.clone();
        bad.payload.push(b' ');
        assert!(bad.verify_first(&key.public_key()).is_err());
    }

    #[test]
    fn malformed_envelopes_are_errors() {
        for doc in [
            &b"{}"[..],
            br#"{"payload":"e30=","payloadType":"x","signatures":[]}"#,
            br#"{"payload":"e30","payloadType":"x","signatures":[{"sig":"AA=="}]}"#,
            br#"{"payload":"e30=","payloadType":"x","signatures":[{"sig":"A"}]}"#,
            b"[1,2",
        ] {
            assert!(
                Envelope::from_json(doc).is_err(),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }
}
