//! Verification (spec §7): check the bundle's signature and trust (key, certificate chain or Sigstore keyless),
//! parse the statement, hash the model again with the serialization the signature records, and compare.

use std::path::Path;

use crate::bundle::{Bundle, BundleError, VerificationMaterial};
use crate::dsse::IN_TOTO_PAYLOAD_TYPE;
use crate::hashing::{GIT_PATHS, HashError, HashOptions, Progress, hash_model};
use crate::intoto::StatementError;
use crate::keys::{PublicKey, SignatureError};
use crate::manifest::{Manifest, ManifestDiff, diff, item_file};
use crate::pki::{Cert, ChainError, verify_chain};
use crate::sigstore::{SigstoreError, SigstorePolicy};
use crate::statement::ModelStatement;

/// What the verifier trusts.
#[derive(Debug, Clone)]
pub enum Verifier {
    /// One public key.
    PublicKey(PublicKey),
    /// Root certificates (trust anchors) for certificate-chain signatures.
    Certificates(Vec<Cert>),
    /// Sigstore keyless: a trusted root and an identity policy.
    Sigstore(Box<SigstorePolicy>),
}

/// Who signed, as established by verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerInfo {
    /// A bare key.
    Key {
        /// Its hint.
        hint: String,
    },
    /// A certificate chain to a trusted root.
    Certificate {
        /// Subjects, leaf first.
        chain: Vec<String>,
    },
    /// Sigstore keyless.
    Sigstore {
        /// The certificate identity (SAN).
        identity: String,
        /// The OIDC issuer.
        issuer: String,
        /// The transparency-log index.
        log_index: u64,
    },
}

impl std::fmt::Display for SignerInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignerInfo::Key { hint } => write!(f, "public key {hint}"),
            SignerInfo::Certificate { chain } => {
                write!(f, "certificate chain {}", chain.join(" <- "))
            }
            SignerInfo::Sigstore {
                identity,
                issuer,
                log_index,
            } => {
                write!(
                    f,
                    "Sigstore identity {identity} (issuer {issuer}, Rekor log index {log_index})"
                )
            }
        }
    }
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The signature file is not a usable bundle.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The bundle names another key than the one given.
    #[error(
        "wrong key: the signature was made with the key whose hint is {bundle_hint}, but the given public key's hint is {given_hint}"
    )]
    WrongKey {
        /// The hint in the bundle.
        bundle_hint: String,
        /// The hint of the key given for verification.
        given_hint: String,
    },
    /// The signature does not verify.
    #[error("bad signature: {0}")]
    BadSignature(#[from] SignatureError),
    /// The kind of verification material does not fit the verifier.
    #[error("{0}")]
    MaterialKind(String),
    /// The certificate chain is not trusted.
    #[error("untrusted certificate: {0}")]
    Chain(#[from] ChainError),
    /// Sigstore keyless checks failed (identity, issuer, transparency log, ...).
    #[error(transparent)]
    Sigstore(#[from] SigstoreError),
    /// Another payload type.
    #[error("the DSSE payloadType is {found:?}, expected {IN_TOTO_PAYLOAD_TYPE:?}")]
    PayloadType {
        /// What the envelope says.
        found: String,
    },
    /// The signed statement is not a valid model-signing statement.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// The model on disk differs from the signed manifest.
    #[error("the model differs from what was signed: {diff}")]
    Mismatch {
        /// Added, removed and modified files.
        diff: ManifestDiff,
    },
    /// The model could not be read.
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl VerifyError {
    /// `true` when verification ran and the answer is "no" (exit 1); `false` for unreadable or malformed input
    /// (exit 2).
    pub fn is_verification_failure(&self) -> bool {
        !matches!(self, VerifyError::Bundle(_) | VerifyError::Hash(_))
    }
}

/// Options for re-hashing the model during verification.
#[derive(Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    /// Extra model-relative paths to ignore (besides the signature's `ignore_paths`).
    pub ignore_paths: &'a [String],
    /// Ignore root-level git paths (default in the CLI). Git paths that the signature covers are still verified.
    pub ignore_git_paths: bool,
    /// Follow symlinks even when the signature says they were not allowed.
    pub allow_symlinks: bool,
    /// The signature file; ignored when it lies inside the model.
    pub signature_path: Option<&'a Path>,
    /// Progress receiver for hashing.
    pub progress: Option<&'a dyn Progress>,
}

/// A successfully verified model.
#[derive(Debug, Clone)]
pub struct VerifiedModel {
    /// The signed statement.
    pub statement: ModelStatement,
    /// The manifest of the model on disk (equal to the signed one).
    pub manifest: Manifest,
    /// Who signed.
    pub signer: SignerInfo,
}

/// Checks the bundle's signature and trust, without looking at the model. Returns the verified signer.
pub fn verify_bundle(bundle: &Bundle, verifier: &Verifier) -> Result<SignerInfo, VerifyError> {
    let envelope = &bundle.envelope;
    let info = match (verifier, &bundle.material) {
        (Verifier::PublicKey(key), VerificationMaterial::PublicKey { hint, legacy_pem }) => {
            let given_hint = key.hint();
            if let Some(h) = hint
                && !h.eq_ignore_ascii_case(&given_hint)
            {
                return Err(VerifyError::WrongKey {
                    bundle_hint: h.clone(),
                    given_hint,
                });
            }
            if let Err(e) = envelope.verify_first(key) {
                // A legacy bundle carries the signer's key: name a wrong key as such.
                let legacy = legacy_pem
                    .as_deref()
                    .and_then(|p| std::str::from_utf8(p).ok())
                    .and_then(|p| PublicKey::from_pem(p).ok());
                if let Some(signer_key) = legacy
                    && signer_key != *key
                {
                    return Err(VerifyError::WrongKey {
                        bundle_hint: signer_key.hint(),
                        given_hint,
                    });
                }
                return Err(e.into());
            }
            SignerInfo::Key { hint: given_hint }
        }
        (Verifier::PublicKey(key), VerificationMaterial::CertificateChain(certs)) => {
            // The user trusts this key directly; the leaf certificate must hold it.
            let leaf = Cert::from_der(
                certs.first().map(Vec::as_slice).unwrap_or_default(),
                "bundle leaf certificate",
            )?;
            let leaf_key = leaf.public_key()?;
            if leaf_key != *key {
                return Err(VerifyError::WrongKey {
                    bundle_hint: leaf_key.hint(),
                    given_hint: key.hint(),
                });
            }
            envelope.verify_first(key)?;
            SignerInfo::Key { hint: key.hint() }
        }
        (Verifier::Certificates(roots), VerificationMaterial::CertificateChain(certs)) => {
            let mut parsed = Vec::with_capacity(certs.len());
            for (i, der) in certs.iter().enumerate() {
                parsed.push(Cert::from_der(
                    der,
                    &format!("bundle certificate {}", i + 1),
                )?);
            }
            let Some((leaf, intermediates)) = parsed.split_first() else {
                return Err(BundleError::NoVerificationMaterial.into());
            };
            let chain = verify_chain(leaf, intermediates, roots, None)?;
            leaf.check_signing_usage()?;
            envelope.verify_first(&leaf.public_key()?)?;
            SignerInfo::Certificate {
                chain: chain.certs.iter().map(Cert::subject).collect(),
            }
        }
        (
            Verifier::Sigstore(policy),
            VerificationMaterial::Certificate(_) | VerificationMaterial::CertificateChain(_),
        ) => crate::sigstore::verify_keyless(bundle, policy)?,
        (
            Verifier::Certificates(_) | Verifier::Sigstore(_),
            VerificationMaterial::PublicKey { hint, .. },
        ) => {
            return Err(VerifyError::MaterialKind(format!(
                "the signature was made with a bare key (hint {}), not a certificate: verify with --public-key",
                hint.as_deref().unwrap_or("absent")
            )));
        }
        (
            Verifier::PublicKey(_) | Verifier::Certificates(_),
            VerificationMaterial::Certificate(_),
        ) => {
            return Err(VerifyError::MaterialKind(
                "the signature is a Sigstore keyless signature: verify with --trusted-root, --identity and --issuer".into(),
            ));
        }
    };
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(VerifyError::PayloadType {
            found: envelope.payload_type.clone(),
        });
    }
    Ok(info)
}

/// Verifies a model against a bundle: signature and trust, statement, then the model's files (spec §7).
pub fn verify_model(
    model: &Path,
    bundle_json: &[u8],
    verifier: &Verifier,
    opts: &VerifyOptions<'_>,
) -> Result<VerifiedModel, VerifyError> {
    let bundle = Bundle::from_json(bundle_json)?;
    let signer = verify_bundle(&bundle, verifier)?;
    let statement = ModelStatement::parse(&bundle.envelope.payload)?;
    let manifest = hash_for_statement(model, &statement, opts)?;
    let d = diff(&statement.resources, &manifest);
    if !d.is_empty() {
        return Err(VerifyError::Mismatch { diff: d });
    }
    Ok(VerifiedModel {
        statement,
        manifest,
        signer,
    })
}

/// Hashes the model with the statement's serialization and the verification ignore set (spec §5.2).
pub fn hash_for_statement(
    model: &Path,
    statement: &ModelStatement,
    opts: &VerifyOptions<'_>,
) -> Result<Manifest, HashError> {
    let sharded = matches!(
        statement.serialization,
        crate::manifest::Serialization::Shards { .. }
    );
    let mut ignore: Vec<String> = statement.ignore_paths.clone();
    ignore.extend(opts.ignore_paths.iter().cloned());
    if let Some(sig) = opts.signature_path
        && let Some(rel) = crate::sign::path_inside_model(model, sig)
    {
        ignore.push(rel);
    }
    if opts.ignore_git_paths {
        // Root git paths are ignored unless the signature covers them (then they are verified like any file).
        for git in GIT_PATHS {
            let signed = statement.resources.iter().any(|r| {
                let file = item_file(&r.name, sharded);
                file == git
                    || file
                        .strip_prefix(git)
                        .is_some_and(|rest| rest.starts_with('/'))
            });
            if !signed {
                ignore.push(git.to_owned());
            }
        }
    }
    let options = HashOptions {
        serialization: statement.serialization,
        ignore_paths: &ignore,
        ignore_git_paths: false,
        allow_symlinks: statement.allow_symlinks || opts.allow_symlinks,
        progress: opts.progress,
    };
    let mut manifest = hash_model(model, &options)?;
    manifest.allow_symlinks = statement.allow_symlinks;
    Ok(manifest)
}
