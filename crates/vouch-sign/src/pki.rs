//! X.509 certificate-chain verification for the certificate method (spec §7 step 2), done the way OpenSSL's default
//! verification does it: the chain must end at a self-signed certificate from the trust file, issuers must be CAs,
//! every certificate must be valid at the validation time (the leaf's notBefore unless told otherwise), unknown
//! critical extensions fail, and the leaf must allow signing (KeyUsage digitalSignature or EKU codeSigning).
//!
//! Only ECDSA certificate signatures (P-256/P-384/P-521 with SHA-256/384/512) are supported; RSA CAs are refused
//! with a clear error.

use std::time::Duration;

use der::oid::ObjectIdentifier;
use der::{Decode as _, Encode as _, Reader as _};
use sha2::Digest as _;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName, name::GeneralName,
};

use crate::keys::{KeyError, PublicKey};
use crate::pem;

const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const KP_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXT_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const EXT_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
/// Critical extensions this verifier understands (or, for policies, may ignore as OpenSSL does by default).
const HANDLED_CRITICAL: [&str; 9] = [
    "2.5.29.15", // keyUsage
    "2.5.29.19", // basicConstraints
    "2.5.29.37", // extKeyUsage
    "2.5.29.17", // subjectAltName
    "2.5.29.14", // subjectKeyIdentifier
    "2.5.29.35", // authorityKeyIdentifier
    "2.5.29.32", // certificatePolicies
    "2.5.29.36", // policyConstraints
    "2.5.29.54", // inhibitAnyPolicy
];
/// Longest chain searched.
const MAX_DEPTH: usize = 10;

/// Why a certificate chain was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// A certificate could not be parsed.
    #[error("cannot parse {what}: {detail}")]
    Parse {
        /// Which certificate.
        what: String,
        /// The parser's message.
        detail: String,
    },
    /// No trust anchors were given.
    #[error("no trusted root certificates were given")]
    NoAnchors,
    /// No issuer certificate found for a certificate.
    #[error(
        "unable to get issuer certificate for {subject:?} (issuer {issuer:?} is neither in the bundle nor trusted)"
    )]
    NoIssuer {
        /// Subject whose issuer is missing.
        subject: String,
        /// The issuer name it names.
        issuer: String,
    },
    /// The chain ends at a self-signed certificate that is not trusted.
    #[error(
        "the chain ends at {subject:?}, a self-signed certificate that is not in the trusted roots"
    )]
    UntrustedRoot {
        /// The untrusted root.
        subject: String,
    },
    /// A certificate is outside its validity period at the validation time.
    #[error(
        "certificate {subject:?} is not valid at {at} (valid from {not_before} to {not_after})"
    )]
    NotValidAt {
        /// The certificate.
        subject: String,
        /// notBefore.
        not_before: String,
        /// notAfter.
        not_after: String,
        /// The validation time.
        at: String,
    },
    /// An issuer is not a CA (basicConstraints) or may not sign certificates (keyUsage).
    #[error("certificate {subject:?} is used as an issuer but {reason}")]
    NotCa {
        /// The would-be CA.
        subject: String,
        /// Which constraint fails.
        reason: &'static str,
    },
    /// A CA's pathLenConstraint is exceeded.
    #[error("path length constraint of {subject:?} exceeded")]
    PathLen {
        /// The CA.
        subject: String,
    },
    /// A certificate's signature does not verify with its issuer's key.
    #[error("the signature on certificate {subject:?} does not verify with the key of {issuer:?}")]
    BadSignature {
        /// The certificate.
        subject: String,
        /// The issuer tried.
        issuer: String,
    },
    /// A signature algorithm other than ECDSA with SHA-2.
    #[error(
        "certificate {subject:?} uses signature algorithm {oid}, which vouch does not support (ECDSA with SHA-256/384/512 only)"
    )]
    UnsupportedAlgorithm {
        /// The certificate.
        subject: String,
        /// The algorithm OID.
        oid: String,
    },
    /// A critical extension this verifier does not understand.
    #[error("certificate {subject:?} has an unsupported critical extension {oid}")]
    CriticalExtension {
        /// The certificate.
        subject: String,
        /// The extension OID.
        oid: String,
    },
    /// The leaf may not sign.
    #[error(
        "the signing certificate {subject:?} allows neither digitalSignature (KeyUsage) nor codeSigning (ExtendedKeyUsage)"
    )]
    LeafUsage {
        /// The leaf.
        subject: String,
    },
    /// The leaf's key is not a supported EC key.
    #[error("the key of certificate {subject:?}: {source}")]
    Key {
        /// The certificate.
        subject: String,
        /// Why the key is unusable.
        source: KeyError,
    },
    /// No chain within [`MAX_DEPTH`] certificates.
    #[error("no certificate chain within {MAX_DEPTH} certificates")]
    TooDeep,
}

/// A parsed X.509 certificate with its original DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cert {
    der: Vec<u8>,
    cert: Certificate,
}

/// Seconds since the epoch of a certificate time.
fn secs(t: &x509_cert::time::Time) -> u64 {
    t.to_unix_duration().as_secs()
}

/// Formats seconds since the epoch as RFC 3339 (UTC).
pub(crate) fn fmt_time(secs: u64) -> String {
    der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map(|d| d.to_string())
        .unwrap_or_else(|_| format!("@{secs}"))
}

impl Cert {
    /// Parses a DER certificate; `what` names it in errors.
    pub fn from_der(der: &[u8], what: &str) -> Result<Self, ChainError> {
        let cert = Certificate::from_der(der).map_err(|e| ChainError::Parse {
            what: what.to_owned(),
            detail: e.to_string(),
        })?;
        Ok(Cert {
            der: der.to_vec(),
            cert,
        })
    }

    /// Every `CERTIFICATE` block of a PEM text, in order.
    pub fn all_from_pem(text: &str, what: &str) -> Result<Vec<Self>, ChainError> {
        let blocks = pem::blocks(text).map_err(|e| ChainError::Parse {
            what: what.to_owned(),
            detail: e.to_string(),
        })?;
        blocks
            .iter()
            .filter(|b| b.label == "CERTIFICATE")
            .enumerate()
            .map(|(i, b)| Cert::from_der(&b.der, &format!("{what} (certificate {})", i + 1)))
            .collect()
    }

    /// The original DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject distinguished name, as text.
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }

    pub(crate) fn issuer_subject(&self) -> String {
        self.cert.tbs_certificate().issuer().to_string()
    }

    /// notBefore, seconds since the epoch.
    pub fn not_before(&self) -> u64 {
        secs(&self.cert.tbs_certificate().validity().not_before)
    }

    /// notAfter, seconds since the epoch.
    pub fn not_after(&self) -> u64 {
        secs(&self.cert.tbs_certificate().validity().not_after)
    }

    /// The certificate's EC public key.
    pub fn public_key(&self) -> Result<PublicKey, ChainError> {
        let spki = self.cert.tbs_certificate().subject_public_key_info();
        let der = spki.to_der().map_err(|e| ChainError::Key {
            subject: self.subject(),
            source: KeyError::Invalid {
                what: "SubjectPublicKeyInfo",
                detail: e.to_string(),
            },
        })?;
        PublicKey::from_spki_der(&der).map_err(|source| ChainError::Key {
            subject: self.subject(),
            source,
        })
    }

    fn is_self_issued(&self) -> bool {
        self.cert.tbs_certificate().subject() == self.cert.tbs_certificate().issuer()
    }

    /// The raw value of an extension, if present (and present once).
    pub(crate) fn extension(&self, oid: &str) -> Option<&[u8]> {
        let oid = ObjectIdentifier::new(oid).ok()?;
        let mut found = self
            .cert
            .tbs_certificate()
            .extensions()?
            .iter()
            .filter(|e| e.extn_id == oid);
        let first = found.next()?;
        if found.next().is_some() {
            None
        } else {
            Some(first.extn_value.as_bytes())
        }
    }

    /// Email addresses and URIs of the subjectAltName extension.
    pub(crate) fn san_identities(&self) -> Vec<String> {
        let Ok(Some((_, san))) = self
            .cert
            .tbs_certificate()
            .get_extension::<SubjectAltName>()
        else {
            return Vec::new();
        };
        san.0
            .iter()
            .filter_map(|n| match n {
                GeneralName::Rfc822Name(s)
                | GeneralName::UniformResourceIdentifier(s)
                | GeneralName::DnsName(s) => Some(s.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The exact DER bytes of the TBSCertificate (what the issuer signed).
    fn tbs_bytes(&self) -> Option<&[u8]> {
        let mut reader = der::SliceReader::new(&self.der).ok()?;
        der::Header::decode(&mut reader).ok()?;
        let start = usize::try_from(reader.position()).ok()?;
        let tbs = der::Header::decode(&mut reader).ok()?;
        let header_end = usize::try_from(reader.position()).ok()?;
        let len = usize::try_from(tbs.length()).ok()?;
        self.der.get(start..header_end.checked_add(len)?)
    }

    /// Checks that `issuer`'s key signed this certificate.
    fn verify_issued_by(&self, issuer: &Cert) -> Result<(), ChainError> {
        let alg = self.cert.signature_algorithm();
        let tbs_alg = self.cert.tbs_certificate().signature();
        let unsupported = || ChainError::UnsupportedAlgorithm {
            subject: self.subject(),
            oid: alg.oid.to_string(),
        };
        if alg != tbs_alg {
            return Err(unsupported());
        }
        let bad = || ChainError::BadSignature {
            subject: self.subject(),
            issuer: issuer.subject(),
        };
        let tbs = self.tbs_bytes().ok_or_else(bad)?;
        let prehash = match alg.oid {
            o if o == ECDSA_SHA256 => sha2::Sha256::digest(tbs).to_vec(),
            o if o == ECDSA_SHA384 => sha2::Sha384::digest(tbs).to_vec(),
            o if o == ECDSA_SHA512 => sha2::Sha512::digest(tbs).to_vec(),
            _ => return Err(unsupported()),
        };
        let sig = self.cert.signature().as_bytes().ok_or_else(bad)?;
        let key = issuer.public_key()?;
        key.verify_prehash(&prehash, sig).map_err(|_| bad())
    }

    fn check_validity(&self, at: u64) -> Result<(), ChainError> {
        if self.not_before() <= at && at <= self.not_after() {
            Ok(())
        } else {
            Err(ChainError::NotValidAt {
                subject: self.subject(),
                not_before: fmt_time(self.not_before()),
                not_after: fmt_time(self.not_after()),
                at: fmt_time(at),
            })
        }
    }

    fn check_critical_extensions(&self) -> Result<(), ChainError> {
        for ext in self
            .cert
            .tbs_certificate()
            .extensions()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let oid = ext.extn_id.to_string();
            if ext.critical && !HANDLED_CRITICAL.contains(&oid.as_str()) {
                return Err(ChainError::CriticalExtension {
                    subject: self.subject(),
                    oid,
                });
            }
        }
        Ok(())
    }

    fn basic_constraints(&self) -> Result<Option<BasicConstraints>, ChainError> {
        self.decode_ext::<BasicConstraints>(EXT_BASIC_CONSTRAINTS)
    }

    fn key_usage(&self) -> Result<Option<KeyUsage>, ChainError> {
        self.decode_ext::<KeyUsage>(EXT_KEY_USAGE)
    }

    fn ext_key_usage(&self) -> Result<Option<ExtendedKeyUsage>, ChainError> {
        self.decode_ext::<ExtendedKeyUsage>(EXT_EKU)
    }

    fn decode_ext<'a, T: der::Decode<'a>>(
        &'a self,
        oid: ObjectIdentifier,
    ) -> Result<Option<T>, ChainError> {
        let exts = self
            .cert
            .tbs_certificate()
            .extensions()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut found = exts.iter().filter(|e| e.extn_id == oid);
        let Some(ext) = found.next() else {
            return Ok(None);
        };
        let parse_err = |detail: String| ChainError::Parse {
            what: format!("extension {oid} of {:?}", self.subject()),
            detail,
        };
        if found.next().is_some() {
            return Err(parse_err("extension appears twice".into()));
        }
        T::from_der(ext.extn_value.as_bytes())
            .map(Some)
            .map_err(|e| parse_err(e.to_string()))
    }

    fn check_ca(&self) -> Result<Option<u8>, ChainError> {
        let not_ca = |reason| ChainError::NotCa {
            subject: self.subject(),
            reason,
        };
        let bc = self
            .basic_constraints()?
            .ok_or_else(|| not_ca("it has no basicConstraints extension"))?;
        if !bc.ca {
            return Err(not_ca("its basicConstraints say CA:FALSE"));
        }
        if let Some(ku) = self.key_usage()?
            && !ku.key_cert_sign()
        {
            return Err(not_ca("its keyUsage lacks keyCertSign"));
        }
        Ok(bc.path_len_constraint)
    }

    /// The leaf may sign: KeyUsage digitalSignature, or else EKU codeSigning (spec §7).
    pub(crate) fn check_signing_usage(&self) -> Result<(), ChainError> {
        if self.key_usage()?.is_some_and(|ku| ku.digital_signature()) {
            return Ok(());
        }
        if self
            .ext_key_usage()?
            .is_some_and(|eku| eku.0.contains(&KP_CODE_SIGNING))
        {
            return Ok(());
        }
        Err(ChainError::LeafUsage {
            subject: self.subject(),
        })
    }

    fn is_self_signed(&self) -> bool {
        self.is_self_issued() && self.verify_issued_by(self).is_ok()
    }
}

/// A verified chain: leaf first, trusted root last.
#[derive(Debug, Clone)]
pub struct VerifiedChain {
    /// The certificates, leaf first.
    pub certs: Vec<Cert>,
}

impl VerifiedChain {
    /// The leaf certificate.
    pub fn leaf(&self) -> Option<&Cert> {
        self.certs.first()
    }
}

/// Builds and checks a chain from `leaf` through `intermediates` (untrusted) to a self-signed certificate in
/// `anchors`, with every certificate valid at `at` (seconds since the epoch; `None` = the leaf's notBefore).
pub fn verify_chain(
    leaf: &Cert,
    intermediates: &[Cert],
    anchors: &[Cert],
    at: Option<u64>,
) -> Result<VerifiedChain, ChainError> {
    if anchors.is_empty() {
        return Err(ChainError::NoAnchors);
    }
    let at = at.unwrap_or_else(|| leaf.not_before());
    leaf.check_validity(at)?;
    leaf.check_critical_extensions()?;
    let mut chain = vec![leaf];
    build(&mut chain, intermediates, anchors, at)?;
    // pathLenConstraint: a CA at position i may be followed (towards the leaf) by at most N non-self-issued CAs.
    for (i, ca) in chain.iter().enumerate().skip(1) {
        if let Some(limit) = ca.check_ca()? {
            let below = chain
                .iter()
                .take(i)
                .skip(1)
                .filter(|c| !c.is_self_issued())
                .count();
            if below > usize::from(limit) {
                return Err(ChainError::PathLen {
                    subject: ca.subject(),
                });
            }
        }
    }
    Ok(VerifiedChain {
        certs: chain.into_iter().cloned().collect(),
    })
}

fn build<'a>(
    chain: &mut Vec<&'a Cert>,
    intermediates: &'a [Cert],
    anchors: &'a [Cert],
    at: u64,
) -> Result<(), ChainError> {
    let Some(&current) = chain.last() else {
        return Err(ChainError::TooDeep);
    };
    if current.is_self_signed() {
        return if anchors.iter().any(|a| a.der == current.der) {
            Ok(())
        } else {
            Err(ChainError::UntrustedRoot {
                subject: current.subject(),
            })
        };
    }
    if chain.len() >= MAX_DEPTH {
        return Err(ChainError::TooDeep);
    }
    let issuer_name = current.cert.tbs_certificate().issuer();
    let mut last_err = None;
    for cand in anchors.iter().chain(intermediates) {
        if cand.cert.tbs_certificate().subject() != issuer_name
            || chain.iter().any(|c| c.der == cand.der)
        {
            continue;
        }
        let step = current
            .verify_issued_by(cand)
            .and_then(|()| cand.check_ca().map(|_| ()))
            .and_then(|()| cand.check_validity(at))
            .and_then(|()| cand.check_critical_extensions());
        if let Err(e) = step {
            last_err = Some(e);
            continue;
        }
        chain.push(cand);
        match build(chain, intermediates, anchors, at) {
            Ok(()) => return Ok(()),
            Err(e) => {
                last_err = Some(e);
                chain.pop();
            }
        }
    }
    Err(last_err.unwrap_or_else(|| ChainError::NoIssuer {
        subject: current.subject(),
        issuer: current.issuer_subject(),
    }))
}
