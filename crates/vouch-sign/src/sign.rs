//! Signing (spec §6): a [`Signer`] (EC private key, optionally with its certificate and chain) turns a manifest, or
//! any in-toto statement, into a Sigstore bundle with a DSSE envelope.

use std::path::{Path, PathBuf};

use crate::bundle::{Bundle, VerificationMaterial};
use crate::dsse::Envelope;
use crate::keys::{KeyError, PrivateKey, PublicKey};
use crate::manifest::Manifest;
use crate::pki::{Cert, ChainError};
use crate::statement::ModelStatement;

/// Why a signer could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The private key is unusable.
    #[error("private key: {0}")]
    Key(#[from] KeyError),
    /// A certificate is unusable.
    #[error(transparent)]
    Certificate(#[from] ChainError),
    /// The certificate file holds no certificate.
    #[error("{what} holds no CERTIFICATE PEM block")]
    NoCertificate {
        /// Which file.
        what: String,
    },
    /// The signing certificate is for another key.
    #[error(
        "the signing certificate {subject:?} is for a different key than the private key (certificate key hint {cert_hint}, private key hint {key_hint})"
    )]
    CertificateKeyMismatch {
        /// The certificate subject.
        subject: String,
        /// Hint of the certificate's key.
        cert_hint: String,
        /// Hint of the private key's public key.
        key_hint: String,
    },
}

/// Signs statements: a private key, and optionally the certificate chain that vouches for it.
#[derive(Debug)]
pub struct Signer {
    key: PrivateKey,
    /// DER certificates, leaf first.
    certificates: Option<Vec<Vec<u8>>>,
}

impl Signer {
    /// A bare-key signer (bundle carries the key hint).
    pub fn new(key: PrivateKey) -> Self {
        Signer {
            key,
            certificates: None,
        }
    }

    /// A bare-key signer from PEM text (SEC1 or PKCS#8).
    pub fn from_pem(text: &str) -> Result<Self, SignError> {
        Ok(Signer::new(PrivateKey::from_pem(text)?))
    }

    /// Adds the signing certificate (PEM) and the chain certificates (PEM texts, in order) placed after it.
    /// The certificate must hold the private key's public key.
    pub fn with_certificates(
        mut self,
        leaf_pem: &str,
        chain_pems: &[String],
    ) -> Result<Self, SignError> {
        let leaf = Cert::all_from_pem(leaf_pem, "signing certificate")?
            .into_iter()
            .next()
            .ok_or_else(|| SignError::NoCertificate {
                what: "the signing certificate file".into(),
            })?;
        let leaf_key = leaf.public_key()?;
        let own = self.key.public_key();
        if leaf_key != own {
            return Err(SignError::CertificateKeyMismatch {
                subject: leaf.subject(),
                cert_hint: leaf_key.hint(),
                key_hint: own.hint(),
            });
        }
        let mut certs = vec![leaf.der().to_vec()];
        for (i, pem) in chain_pems.iter().enumerate() {
            for c in Cert::all_from_pem(pem, &format!("certificate chain file {}", i + 1))? {
                certs.push(c.der().to_vec());
            }
        }
        self.certificates = Some(certs);
        Ok(self)
    }

    /// The signer's public key.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// Signs an in-toto statement payload into a bundle.
    pub fn sign_statement(&self, payload: Vec<u8>) -> Bundle {
        let material = match &self.certificates {
            Some(certs) => VerificationMaterial::CertificateChain(certs.clone()),
            None => VerificationMaterial::PublicKey {
                hint: Some(self.key.public_key().hint()),
                legacy_pem: None,
            },
        };
        Bundle {
            material,
            envelope: Envelope::sign_in_toto(payload, &self.key),
            tlog_entries: Vec::new(),
        }
    }

    /// Signs a manifest: builds the model-signing statement with subject `model_name` and signs it.
    pub fn sign_manifest(&self, manifest: &Manifest, model_name: &str) -> Bundle {
        self.sign_statement(ModelStatement::from_manifest(model_name, manifest).to_json())
    }
}

/// The subject name of a model path: its last component, or that of the resolved path for `.` and `..`.
pub fn model_name(path: &Path) -> String {
    let direct = match path.components().next_back() {
        Some(std::path::Component::Normal(name)) => name.to_str().map(str::to_owned),
        _ => None,
    };
    direct
        .or_else(|| {
            std::fs::canonicalize(path)
                .ok()
                .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        })
        .unwrap_or_else(|| "model".to_owned())
}

/// If `file` lies inside the directory `model`, its model-relative POSIX path (for the ignore set).
/// `file` need not exist yet; its parent must.
pub fn path_inside_model(model: &Path, file: &Path) -> Option<String> {
    let model = std::fs::canonicalize(model).ok()?;
    if !model.is_dir() {
        return None;
    }
    let file: PathBuf = match std::fs::canonicalize(file) {
        Ok(p) => p,
        Err(_) => {
            let parent = file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::canonicalize(parent).ok()?.join(file.file_name()?)
        }
    };
    let rel = file.strip_prefix(&model).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let joined = parts?.join("/");
    if joined.is_empty() {
        None
    } else {
        Some(joined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(model_name(Path::new("a/b/tiny")), "tiny");
        assert_eq!(model_name(Path::new("a/b/tiny/")), "tiny");
        assert!(!model_name(Path::new(".")).is_empty());
        assert_ne!(model_name(Path::new(".")), ".");
    }

    #[test]
    fn inside() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("m");
        std::fs::create_dir_all(m.join("sub")).unwrap();
        assert_eq!(
            path_inside_model(&m, &m.join("model.sig")),
            Some("model.sig".into())
        );
        assert_eq!(
            path_inside_model(&m, &m.join("sub/../sub/x.sig")),
            Some("sub/x.sig".into())
        );
        assert_eq!(path_inside_model(&m, &dir.path().join("model.sig")), None);
    }
}
