//! EC keys as model signing uses them: P-256/SHA-256, P-384/SHA-384 and P-521/SHA-512 ECDSA with DER signatures.
//!
//! Private keys load from SEC1 (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM; public keys from
//! SubjectPublicKeyInfo (`PUBLIC KEY`) PEM or DER. The key *hint* of a bundle is the SHA-256 of the canonical PEM
//! text of the public key (spec §2.1), always computed from the parsed key, never from the user's file.

use der::Decode as _;
use der::oid::ObjectIdentifier;
use p256::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePublicKey as _};
use sha2::Digest as _;

use crate::pem::{self, PemError};

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// An elliptic curve supported by model signing; each fixes its signature hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 with SHA-256.
    P256,
    /// NIST P-384 with SHA-384.
    P384,
    /// NIST P-521 with SHA-512.
    P521,
}

impl Curve {
    /// The Sigstore `keyDetails` name of the curve and hash.
    pub fn key_details(self) -> &'static str {
        match self {
            Curve::P256 => "PKIX_ECDSA_P256_SHA_256",
            Curve::P384 => "PKIX_ECDSA_P384_SHA_384",
            Curve::P521 => "PKIX_ECDSA_P521_SHA_512",
        }
    }

    fn from_oid(oid: ObjectIdentifier) -> Result<Self, KeyError> {
        match oid {
            o if o == SECP256R1 => Ok(Curve::P256),
            o if o == SECP384R1 => Ok(Curve::P384),
            o if o == SECP521R1 => Ok(Curve::P521),
            other => Err(KeyError::UnsupportedCurve {
                curve: other.to_string(),
            }),
        }
    }
}

impl std::fmt::Display for Curve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        })
    }
}

/// Why a key could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text holds no PEM block of the expected kind.
    #[error("no {expected} PEM block found{}", found_list(.found))]
    NoPemBlock {
        /// What was looked for.
        expected: &'static str,
        /// Labels of the blocks that were there.
        found: Vec<String>,
    },
    /// The PEM text itself is broken.
    #[error(transparent)]
    Pem(#[from] PemError),
    /// The key is encrypted with a passphrase.
    #[error("the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.pem)")]
    Encrypted,
    /// Not an EC key.
    #[error(
        "unsupported key type {algorithm}: model signing uses EC keys (P-256, P-384, P-521) only"
    )]
    UnsupportedKeyType {
        /// The algorithm (OID or PEM label).
        algorithm: String,
    },
    /// An EC key on a curve model signing does not use.
    #[error("unsupported elliptic curve {curve}: use P-256, P-384 or P-521")]
    UnsupportedCurve {
        /// The curve OID.
        curve: String,
    },
    /// The DER structure is invalid.
    #[error("invalid {what}: {detail}")]
    Invalid {
        /// What was being parsed.
        what: &'static str,
        /// The parser's message.
        detail: String,
    },
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        String::new()
    } else {
        format!(" (found: {})", found.join(", "))
    }
}

/// A signature check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature bytes are not a DER `SEQUENCE { r, s }` for the key's curve.
    #[error("the signature is not a DER-encoded ECDSA {curve} signature ({len} bytes)")]
    Malformed {
        /// The key's curve.
        curve: Curve,
        /// Length of the signature bytes.
        len: usize,
    },
    /// Well-formed, but does not verify with this key.
    #[error("the ECDSA signature does not verify with the {curve} public key {hint}")]
    Invalid {
        /// The key's curve.
        curve: Curve,
        /// The hint (SHA-256 of the PEM) of the key tried.
        hint: String,
    },
}

#[derive(Clone, PartialEq, Eq)]
enum Public {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
}

/// An EC public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(Public);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({}, hint {})", self.curve(), self.hint())
    }
}

macro_rules! for_each_curve {
    ($value:expr, $k:ident => $body:expr) => {
        match $value {
            Public::P256($k) => $body,
            Public::P384($k) => $body,
            Public::P521($k) => $body,
        }
    };
}

impl PublicKey {
    /// Parses the first `PUBLIC KEY` (SubjectPublicKeyInfo) block of a PEM text.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let blocks = pem::blocks(text)?;
        match blocks.iter().find(|b| b.label == "PUBLIC KEY") {
            Some(block) => Self::from_spki_der(&block.der),
            None => Err(KeyError::NoPemBlock {
                expected: "PUBLIC KEY",
                found: blocks.into_iter().map(|b| b.label).collect(),
            }),
        }
    }

    /// Parses a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki = spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|e| KeyError::Invalid {
            what: "SubjectPublicKeyInfo",
            detail: e.to_string(),
        })?;
        Self::from_spki(&spki, der)
    }

    pub(crate) fn from_spki(
        spki: &spki::SubjectPublicKeyInfoRef<'_>,
        der: &[u8],
    ) -> Result<Self, KeyError> {
        if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
            return Err(KeyError::UnsupportedKeyType {
                algorithm: spki.algorithm.oid.to_string(),
            });
        }
        let curve_oid = spki
            .algorithm
            .parameters_oid()
            .map_err(|e| KeyError::Invalid {
                what: "EC key parameters (named curve)",
                detail: e.to_string(),
            })?;
        let invalid = |e: spki::Error| KeyError::Invalid {
            what: "EC public key",
            detail: e.to_string(),
        };
        let inner = match Curve::from_oid(curve_oid)? {
            Curve::P256 => {
                Public::P256(p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(invalid)?)
            }
            Curve::P384 => {
                Public::P384(p384::ecdsa::VerifyingKey::from_public_key_der(der).map_err(invalid)?)
            }
            Curve::P521 => {
                Public::P521(p521::ecdsa::VerifyingKey::from_public_key_der(der).map_err(invalid)?)
            }
        };
        Ok(PublicKey(inner))
    }

    /// The curve of the key.
    pub fn curve(&self) -> Curve {
        match self.0 {
            Public::P256(_) => Curve::P256,
            Public::P384(_) => Curve::P384,
            Public::P521(_) => Curve::P521,
        }
    }

    /// DER SubjectPublicKeyInfo with the point uncompressed.
    pub fn spki_der(&self) -> Vec<u8> {
        let doc = for_each_curve!(&self.0, k => k.to_public_key_der());
        // Encoding a valid in-memory key cannot fail; an empty vector would only make hints differ.
        doc.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// The canonical PEM text (`openssl pkey -pubout` layout).
    pub fn to_pem(&self) -> String {
        pem::encode("PUBLIC KEY", &self.spki_der())
    }

    /// The bundle key hint: lowercase hex SHA-256 of [`PublicKey::to_pem`].
    pub fn hint(&self) -> String {
        hex::encode(sha2::Sha256::digest(self.to_pem().as_bytes()))
    }

    /// Verifies a DER ECDSA signature over `msg`, hashing with the curve's hash.
    pub fn verify(&self, msg: &[u8], der_sig: &[u8]) -> Result<(), SignatureError> {
        let prehash = match self.curve() {
            Curve::P256 => sha2::Sha256::digest(msg).to_vec(),
            Curve::P384 => sha2::Sha384::digest(msg).to_vec(),
            Curve::P521 => sha2::Sha512::digest(msg).to_vec(),
        };
        self.verify_prehash(&prehash, der_sig)
    }

    /// Verifies a DER ECDSA signature over an already computed message digest (any SHA-2 length).
    pub fn verify_prehash(&self, prehash: &[u8], der_sig: &[u8]) -> Result<(), SignatureError> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
        let curve = self.curve();
        let malformed = || SignatureError::Malformed {
            curve,
            len: der_sig.len(),
        };
        let ok = match &self.0 {
            Public::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(der_sig).map_err(|_| malformed())?;
                k.verify_prehash(prehash, &sig).is_ok()
            }
            Public::P384(k) => {
                let sig = p384::ecdsa::Signature::from_der(der_sig).map_err(|_| malformed())?;
                k.verify_prehash(prehash, &sig).is_ok()
            }
            Public::P521(k) => {
                let sig = p521::ecdsa::Signature::from_der(der_sig).map_err(|_| malformed())?;
                k.verify_prehash(prehash, &sig).is_ok()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(SignatureError::Invalid {
                curve,
                hint: self.hint(),
            })
        }
    }
}

#[derive(Clone)]
enum Private {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
}

/// An EC private key. Its `Debug` output never shows the secret.
#[derive(Clone)]
pub struct PrivateKey(Private);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({}, <redacted>)", self.public_key().curve())
    }
}

impl PrivateKey {
    /// Parses the first private key block of a PEM text: SEC1 `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY`.
    ///
    /// Other blocks (such as the `EC PARAMETERS` that `openssl ecparam -genkey` writes first) are skipped.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let blocks = pem::blocks(text)?;
        for block in &blocks {
            match block.label.as_str() {
                "EC PRIVATE KEY" if block.has_headers => return Err(KeyError::Encrypted),
                "EC PRIVATE KEY" => return Self::from_sec1_der(&block.der),
                "PRIVATE KEY" => return Self::from_pkcs8_der(&block.der),
                "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted),
                "RSA PRIVATE KEY" | "DSA PRIVATE KEY" | "OPENSSH PRIVATE KEY" => {
                    return Err(KeyError::UnsupportedKeyType {
                        algorithm: block.label.clone(),
                    });
                }
                _ => {}
            }
        }
        Err(KeyError::NoPemBlock {
            expected: "EC PRIVATE KEY or PRIVATE KEY",
            found: blocks.into_iter().map(|b| b.label).collect(),
        })
    }

    /// Parses a DER SEC1 `ECPrivateKey`.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
            return Ok(PrivateKey(Private::P256(k.into())));
        }
        if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
            return Ok(PrivateKey(Private::P384(k.into())));
        }
        if let Ok(k) = p521::SecretKey::from_sec1_der(der) {
            return Ok(PrivateKey(Private::P521(k.into())));
        }
        Err(KeyError::Invalid {
            what: "SEC1 EC private key",
            detail: "not a P-256, P-384 or P-521 key with a named curve".into(),
        })
    }

    /// Parses a DER PKCS#8 `PrivateKeyInfo`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info =
            p256::pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|e| KeyError::Invalid {
                what: "PKCS#8 private key",
                detail: e.to_string(),
            })?;
        if info.algorithm.oid != ID_EC_PUBLIC_KEY {
            return Err(KeyError::UnsupportedKeyType {
                algorithm: info.algorithm.oid.to_string(),
            });
        }
        let curve_oid = info
            .algorithm
            .parameters_oid()
            .map_err(|e| KeyError::Invalid {
                what: "EC key parameters (named curve)",
                detail: e.to_string(),
            })?;
        let invalid = |e: p256::pkcs8::Error| KeyError::Invalid {
            what: "PKCS#8 EC private key",
            detail: e.to_string(),
        };
        let inner = match Curve::from_oid(curve_oid)? {
            Curve::P256 => {
                Private::P256(p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?)
            }
            Curve::P384 => {
                Private::P384(p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?)
            }
            Curve::P521 => {
                Private::P521(p521::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?)
            }
        };
        Ok(PrivateKey(inner))
    }

    /// A key from raw scalar bytes (big-endian, the curve's field size); for tests and fixtures.
    pub fn from_scalar_bytes(curve: Curve, bytes: &[u8]) -> Result<Self, KeyError> {
        let invalid = |_| KeyError::Invalid {
            what: "EC private scalar",
            detail: format!("{} bytes", bytes.len()),
        };
        Ok(PrivateKey(match curve {
            Curve::P256 => {
                Private::P256(p256::ecdsa::SigningKey::from_slice(bytes).map_err(invalid)?)
            }
            Curve::P384 => {
                Private::P384(p384::ecdsa::SigningKey::from_slice(bytes).map_err(invalid)?)
            }
            Curve::P521 => {
                Private::P521(p521::ecdsa::SigningKey::from_slice(bytes).map_err(invalid)?)
            }
        }))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(match &self.0 {
            Private::P256(k) => Public::P256(*k.verifying_key()),
            Private::P384(k) => Public::P384(*k.verifying_key()),
            Private::P521(k) => Public::P521(*k.verifying_key()),
        })
    }

    /// Signs `msg` (hashed with the curve's hash; RFC 6979 deterministic nonce) and returns the DER signature.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        match &self.0 {
            Private::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            Private::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            Private::P521(k) => {
                let s: p521::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
        }
    }

    /// Signs an already computed digest (used to sign certificates in tests); DER output.
    pub fn sign_prehash(&self, prehash: &[u8]) -> Result<Vec<u8>, SignatureError> {
        use p256::ecdsa::signature::hazmat::PrehashSigner as _;
        let curve = self.public_key().curve();
        let err = || SignatureError::Malformed {
            curve,
            len: prehash.len(),
        };
        Ok(match &self.0 {
            Private::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign_prehash(prehash).map_err(|_| err())?;
                s.to_der().as_bytes().to_vec()
            }
            Private::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign_prehash(prehash).map_err(|_| err())?;
                s.to_der().as_bytes().to_vec()
            }
            Private::P521(k) => {
                let s: p521::ecdsa::Signature = k.sign_prehash(prehash).map_err(|_| err())?;
                s.to_der().as_bytes().to_vec()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(curve: Curve) -> PrivateKey {
        let len = match curve {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        };
        let mut bytes = vec![0x11u8; len];
        bytes[0] = 0x01;
        PrivateKey::from_scalar_bytes(curve, &bytes).unwrap()
    }

    #[test]
    fn sign_verify_every_curve() {
        for curve in [Curve::P256, Curve::P384, Curve::P521] {
            let k = key(curve);
            let sig = k.sign(b"hello");
            let pk = k.public_key();
            assert_eq!(pk.curve(), curve);
            pk.verify(b"hello", &sig).unwrap();
            assert!(matches!(
                pk.verify(b"hellO", &sig),
                Err(SignatureError::Invalid { .. })
            ));
            assert!(matches!(
                pk.verify(b"hello", &sig[..sig.len() - 1]),
                Err(SignatureError::Malformed { .. })
            ));
            let pem = pk.to_pem();
            assert_eq!(PublicKey::from_pem(&pem).unwrap(), pk);
        }
    }

    #[test]
    fn rejects_non_keys() {
        assert!(matches!(
            PrivateKey::from_pem("nothing"),
            Err(KeyError::NoPemBlock { .. })
        ));
        let rsa = pem::encode("RSA PRIVATE KEY", &[0x30, 0]);
        assert!(matches!(
            PrivateKey::from_pem(&rsa),
            Err(KeyError::UnsupportedKeyType { .. })
        ));
        let enc = pem::encode("ENCRYPTED PRIVATE KEY", &[0x30, 0]);
        assert_eq!(PrivateKey::from_pem(&enc).unwrap_err(), KeyError::Encrypted);
        let junk = pem::encode("PUBLIC KEY", &[0x30, 3, 1, 2, 3]);
        assert!(matches!(
            PublicKey::from_pem(&junk),
            Err(KeyError::Invalid { .. })
        ));
        assert!(format!("{:?}", key(Curve::P256)).contains("redacted"));
    }
}
