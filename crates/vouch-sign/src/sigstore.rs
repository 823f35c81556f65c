//! Sigstore keyless verification, offline, against a supplied `trusted_root.json`.
//!
//! A keyless bundle carries a short-lived Fulcio leaf certificate and a Rekor transparency-log entry. This module
//! checks, without any network access:
//!
//! 1. the log entry: its signed entry timestamp (SET) and/or its RFC 6962 inclusion proof and signed checkpoint,
//!    with a Rekor key from the trusted root (at least one must be present, and each present one must verify);
//! 2. that the entry's canonical body is *this* signature: payload hash, signature bytes and certificate
//!    (Rekor `dsse` 0.0.1 entries, what sigstore-python and cosign write for DSSE bundles);
//! 3. that the leaf chains to a Fulcio CA of the trusted root at the log's integrated time, and allows code signing;
//! 4. the identity policy: a subjectAltName equal to the expected identity and an OIDC issuer extension
//!    (OID 1.3.6.1.4.1.57264.1.8, else the legacy .1.1) equal to the expected issuer;
//! 5. the DSSE signature with the leaf's key.
//!
//! Not checked: signed certificate timestamps (CT log SCTs) and RFC 3161 timestamps; Rekor v2 (Ed25519) logs.

use base64::Engine as _;
use serde::Deserialize;
use sha2::Digest as _;

use crate::bundle::{Bundle, TlogEntry, VerificationMaterial};
use crate::keys::{PublicKey, SignatureError};
use crate::pki::{Cert, ChainError, fmt_time, verify_chain};
use crate::verify::SignerInfo;

/// The trusted-root media type.
pub const TRUSTED_ROOT_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// Fulcio: OIDC issuer (v2, DER UTF8String).
const OID_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
/// Fulcio: OIDC issuer (v1, raw string).
const OID_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// Largest trusted root accepted.
const MAX_TRUSTED_ROOT_BYTES: usize = 4 << 20;

/// Why a keyless signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigstoreError {
    /// The trusted root could not be used.
    #[error("invalid trusted root: {detail}")]
    TrustedRoot {
        /// What is wrong.
        detail: String,
    },
    /// The bundle has no transparency-log entry.
    #[error("the keyless signature has no transparency-log entry (tlogEntries is empty)")]
    NoTlogEntry,
    /// The entry's log is not in the trusted root.
    #[error(
        "the transparency-log entry is from log {log_id}, which the trusted root does not list"
    )]
    UnknownLog {
        /// Hex log id.
        log_id: String,
    },
    /// Neither a SET nor an inclusion proof.
    #[error(
        "the transparency-log entry has neither an inclusion promise (SET) nor an inclusion proof"
    )]
    NoLogEvidence,
    /// The signed entry timestamp does not verify.
    #[error(
        "the signed entry timestamp of log entry {log_index} does not verify with the log's key"
    )]
    SignedEntryTimestamp {
        /// Log index.
        log_index: u64,
    },
    /// The inclusion proof or its checkpoint does not verify.
    #[error("the inclusion proof of log entry {log_index} does not verify: {detail}")]
    InclusionProof {
        /// Log index.
        log_index: u64,
        /// What failed.
        detail: String,
    },
    /// The log entry is for something else.
    #[error("the transparency-log entry does not match this signature: {detail}")]
    EntryMismatch {
        /// What differs.
        detail: String,
    },
    /// An entry kind vouch does not check.
    #[error("unsupported transparency-log entry kind {kind} {version} (vouch checks dsse 0.0.1)")]
    UnsupportedEntry {
        /// Kind.
        kind: String,
        /// Version.
        version: String,
    },
    /// The entry was logged outside the certificate's or log key's validity.
    #[error("{what} is not valid at the log's integrated time {at}")]
    Time {
        /// What is not valid.
        what: String,
        /// The integrated time.
        at: String,
    },
    /// The leaf does not chain to a Fulcio CA of the trusted root.
    #[error("the signing certificate does not chain to a Fulcio CA of the trusted root: {0}")]
    Chain(ChainError),
    /// Wrong identity.
    #[error("wrong identity: expected {expected:?}, the certificate names {}", if .found.is_empty() { "no identity".to_owned() } else { format!("{:?}", .found) })]
    Identity {
        /// Expected identity.
        expected: String,
        /// Identities in the certificate.
        found: Vec<String>,
    },
    /// Wrong issuer.
    #[error("wrong OIDC issuer: expected {expected:?}, the certificate says {}", .found.as_deref().map_or("nothing".to_owned(), |f| format!("{f:?}")))]
    Issuer {
        /// Expected issuer.
        expected: String,
        /// Issuer in the certificate.
        found: Option<String>,
    },
    /// The DSSE signature does not verify with the leaf key.
    #[error("bad signature: {0}")]
    Signature(SignatureError),
}

fn root_err(detail: impl Into<String>) -> SigstoreError {
    SigstoreError::TrustedRoot {
        detail: detail.into(),
    }
}

/// One Fulcio certificate authority.
#[derive(Debug, Clone)]
struct CertificateAuthority {
    certs: Vec<Cert>,
    start: Option<u64>,
    end: Option<u64>,
}

/// One Rekor log.
#[derive(Debug, Clone)]
struct TransparencyLog {
    key: PublicKey,
    log_id: Vec<u8>,
    start: Option<u64>,
    end: Option<u64>,
}

/// The parts of a Sigstore `trusted_root.json` vouch uses: Fulcio CAs and Rekor (ECDSA) logs.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    cas: Vec<CertificateAuthority>,
    logs: Vec<TransparencyLog>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrustedRootWire {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<TlogWire>,
    #[serde(default)]
    certificate_authorities: Vec<CaWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TlogWire {
    public_key: PublicKeyWire,
    log_id: LogIdWire,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyWire {
    #[serde(default)]
    raw_bytes: Option<String>,
    #[serde(default)]
    key_details: Option<String>,
    #[serde(default)]
    valid_for: Option<ValidForWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogIdWire {
    key_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaWire {
    cert_chain: ChainWire,
    #[serde(default)]
    valid_for: Option<ValidForWire>,
}

#[derive(Deserialize)]
struct ChainWire {
    certificates: Vec<RawWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawWire {
    raw_bytes: String,
}

#[derive(Deserialize)]
struct ValidForWire {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

/// Parses an RFC 3339 UTC time (`2021-03-07T03:20:29Z`, fractional seconds allowed) to seconds since the epoch.
pub(crate) fn parse_rfc3339(s: &str) -> Option<u64> {
    let s = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00"))?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(str::parse::<u16>);
    let (y, mo, da) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let time = time.split('.').next()?;
    let mut t = time.split(':').map(str::parse::<u8>);
    let (h, mi, se) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let dt = der::DateTime::new(
        y,
        u8::try_from(mo).ok()?,
        u8::try_from(da).ok()?,
        h,
        mi,
        se.min(59),
    )
    .ok()?;
    Some(dt.unix_duration().as_secs())
}

fn valid_for(v: Option<&ValidForWire>) -> Result<(Option<u64>, Option<u64>), SigstoreError> {
    let parse = |s: &Option<String>| -> Result<Option<u64>, SigstoreError> {
        s.as_deref()
            .map(|t| parse_rfc3339(t).ok_or_else(|| root_err(format!("bad time {t:?}"))))
            .transpose()
    };
    match v {
        None => Ok((None, None)),
        Some(v) => Ok((parse(&v.start)?, parse(&v.end)?)),
    }
}

fn b64(field: &str, s: &str) -> Result<Vec<u8>, SigstoreError> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| root_err(format!("{field} is not valid base64: {e}")))
}

impl TrustedRoot {
    /// Parses a `trusted_root.json` (v0.1). Logs with keys vouch cannot use (Ed25519 Rekor v2) are skipped.
    pub fn from_json(bytes: &[u8]) -> Result<Self, SigstoreError> {
        if bytes.len() > MAX_TRUSTED_ROOT_BYTES {
            return Err(root_err(format!(
                "{} bytes, larger than the {MAX_TRUSTED_ROOT_BYTES}-byte limit",
                bytes.len()
            )));
        }
        let wire: TrustedRootWire =
            serde_json::from_slice(bytes).map_err(|e| root_err(e.to_string()))?;
        if wire.media_type != TRUSTED_ROOT_MEDIA_TYPE {
            return Err(root_err(format!(
                "mediaType {:?}, expected {TRUSTED_ROOT_MEDIA_TYPE:?}",
                wire.media_type
            )));
        }
        let mut cas = Vec::new();
        for (i, ca) in wire.certificate_authorities.iter().enumerate() {
            let mut certs = Vec::new();
            for c in &ca.cert_chain.certificates {
                let der = b64("certificateAuthorities[].certChain", &c.raw_bytes)?;
                certs.push(
                    Cert::from_der(&der, &format!("trusted root CA {}", i + 1))
                        .map_err(|e| root_err(e.to_string()))?,
                );
            }
            let (start, end) = valid_for(ca.valid_for.as_ref())?;
            cas.push(CertificateAuthority { certs, start, end });
        }
        let mut logs = Vec::new();
        for t in &wire.tlogs {
            let Some(raw) = &t.public_key.raw_bytes else {
                continue;
            };
            if t.public_key
                .key_details
                .as_deref()
                .is_some_and(|d| !d.starts_with("PKIX_ECDSA"))
            {
                continue;
            }
            let Ok(key) = PublicKey::from_spki_der(&b64("tlogs[].publicKey.rawBytes", raw)?) else {
                continue;
            };
            let (start, end) = valid_for(t.public_key.valid_for.as_ref())?;
            logs.push(TransparencyLog {
                key,
                log_id: b64("tlogs[].logId.keyId", &t.log_id.key_id)?,
                start,
                end,
            });
        }
        if cas.is_empty() {
            return Err(root_err("no certificateAuthorities"));
        }
        if logs.is_empty() {
            return Err(root_err("no usable (ECDSA) transparency logs"));
        }
        Ok(TrustedRoot { cas, logs })
    }
}

/// A trusted root and the identity a keyless signature must carry.
#[derive(Debug, Clone)]
pub struct SigstorePolicy {
    /// The trust root.
    pub trusted_root: TrustedRoot,
    /// Expected certificate identity (subjectAltName email or URI), exact match.
    pub identity: String,
    /// Expected OIDC issuer, exact match.
    pub issuer: String,
}

fn within(t: u64, start: Option<u64>, end: Option<u64>) -> bool {
    start.is_none_or(|s| s <= t) && end.is_none_or(|e| t <= e)
}

/// RFC 6962 leaf hash.
fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// RFC 9162 §2.1.3.2: verifies an inclusion proof of `leaf` at `index` in a tree of `size` with `root`.
pub(crate) fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: [u8; 32],
    proof: &[Vec<u8>],
    root: &[u8],
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = leaf;
    for p in proof {
        if p.len() != 32 || s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r.as_slice() == root
}

/// The canonical JSON Rekor signs as the signed entry timestamp.
fn set_payload(entry: &TlogEntry) -> Vec<u8> {
    let body = base64::engine::general_purpose::STANDARD.encode(&entry.canonicalized_body);
    // Keys in sorted order, compact: {"body","integratedTime","logID","logIndex"}.
    let doc = format!(
        "{{\"body\":{},\"integratedTime\":{},\"logID\":\"{}\",\"logIndex\":{}}}",
        serde_json::Value::String(body),
        entry.integrated_time,
        hex::encode(&entry.log_id),
        entry.log_index
    );
    doc.into_bytes()
}

/// Verifies a signed-note checkpoint (`origin\nsize\nroot\n\n— name base64(keyhint || sig)\n`).
fn verify_checkpoint(
    note: &str,
    log: &TransparencyLog,
    size: u64,
    root: &[u8],
) -> Result<(), String> {
    let (body, sigs) = note
        .split_once("\n\n")
        .ok_or("the checkpoint has no signature block")?;
    let body = format!("{body}\n");
    let mut lines = body.lines();
    let _origin = lines.next().ok_or("empty checkpoint")?;
    let n: u64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or("the checkpoint has no tree size")?;
    let r = lines
        .next()
        .and_then(|l| base64::engine::general_purpose::STANDARD.decode(l).ok())
        .ok_or("the checkpoint has no root hash")?;
    if n != size || r != root {
        return Err(format!(
            "the checkpoint (size {n}) does not match the proof (size {size})"
        ));
    }
    let hint = log.log_id.get(..4).ok_or("log id too short")?;
    for line in sigs.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            continue;
        };
        let Some((_, sig_b64)) = rest.rsplit_once(' ') else {
            continue;
        };
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(sig_b64) else {
            continue;
        };
        if raw.get(..4) != Some(hint) {
            continue;
        }
        return match log
            .key
            .verify(body.as_bytes(), raw.get(4..).unwrap_or_default())
        {
            Ok(()) => Ok(()),
            Err(e) => Err(format!("checkpoint signature: {e}")),
        };
    }
    Err("no checkpoint signature by the log's key".into())
}

#[derive(Deserialize)]
struct DsseBodyWire {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    spec: DsseSpecWire,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DsseSpecWire {
    payload_hash: HashWire,
    signatures: Vec<DsseSigWire>,
}

#[derive(Deserialize)]
struct HashWire {
    algorithm: String,
    value: String,
}

#[derive(Deserialize)]
struct DsseSigWire {
    signature: String,
    verifier: String,
}

fn check_body(entry: &TlogEntry, bundle: &Bundle, leaf: &Cert) -> Result<(), SigstoreError> {
    if (entry.kind.as_str(), entry.version.as_str()) != ("dsse", "0.0.1") {
        return Err(SigstoreError::UnsupportedEntry {
            kind: entry.kind.clone(),
            version: entry.version.clone(),
        });
    }
    let mismatch = |detail: &str| SigstoreError::EntryMismatch {
        detail: detail.to_owned(),
    };
    let body: DsseBodyWire = serde_json::from_slice(&entry.canonicalized_body)
        .map_err(|e| mismatch(&format!("unreadable body: {e}")))?;
    if body.kind != "dsse" || body.api_version != "0.0.1" {
        return Err(mismatch(
            "the body's kind or apiVersion differs from the entry's",
        ));
    }
    let h = &body.spec.payload_hash;
    let payload_hash = hex::encode(sha2::Sha256::digest(&bundle.envelope.payload));
    if h.algorithm != "sha256" || !h.value.eq_ignore_ascii_case(&payload_hash) {
        return Err(mismatch("the logged payload hash is not the payload's"));
    }
    let sig = bundle
        .envelope
        .signatures
        .first()
        .map(|s| s.sig.as_slice())
        .unwrap_or_default();
    let b64 = base64::engine::general_purpose::STANDARD;
    let logged = body
        .spec
        .signatures
        .iter()
        .find(|s| b64.decode(&s.signature).is_ok_and(|d| d == sig));
    let Some(logged) = logged else {
        return Err(mismatch(
            "the logged signatures do not include the bundle's signature",
        ));
    };
    let pem = b64
        .decode(&logged.verifier)
        .map_err(|_| mismatch("the logged verifier is not base64"))?;
    let certs = Cert::all_from_pem(&String::from_utf8_lossy(&pem), "logged verifier")
        .map_err(|_| mismatch("the logged verifier is not a certificate"))?;
    if certs.first().map(Cert::der) != Some(leaf.der()) {
        return Err(mismatch(
            "the logged certificate is not the bundle's certificate",
        ));
    }
    Ok(())
}

/// The OIDC issuer recorded in a Fulcio certificate.
fn issuer_of(leaf: &Cert) -> Option<String> {
    if let Some(v) = leaf.extension(OID_ISSUER_V2) {
        return <der::asn1::Utf8StringRef<'_> as der::Decode>::from_der(v)
            .ok()
            .map(|s| s.as_str().to_owned());
    }
    leaf.extension(OID_ISSUER_V1)
        .and_then(|v| std::str::from_utf8(v).ok())
        .map(str::to_owned)
}

/// Verifies a keyless bundle against the policy (see the module docs for the checks and their order).
pub(crate) fn verify_keyless(
    bundle: &Bundle,
    policy: &SigstorePolicy,
) -> Result<SignerInfo, SigstoreError> {
    let leaf_der = match &bundle.material {
        VerificationMaterial::Certificate(der) => der.as_slice(),
        VerificationMaterial::CertificateChain(certs) => {
            certs.first().map(Vec::as_slice).unwrap_or_default()
        }
        VerificationMaterial::PublicKey { .. } => {
            return Err(SigstoreError::Chain(ChainError::NoAnchors));
        }
    };
    let leaf = Cert::from_der(leaf_der, "signing certificate").map_err(SigstoreError::Chain)?;
    let root = &policy.trusted_root;

    // 1. Transparency log evidence.
    let entry = bundle
        .tlog_entries
        .first()
        .ok_or(SigstoreError::NoTlogEntry)?;
    let log = root
        .logs
        .iter()
        .find(|l| l.log_id == entry.log_id)
        .ok_or_else(|| SigstoreError::UnknownLog {
            log_id: hex::encode(&entry.log_id),
        })?;
    let t = u64::try_from(entry.integrated_time).map_err(|_| SigstoreError::Time {
        what: "the log entry".into(),
        at: entry.integrated_time.to_string(),
    })?;
    if entry.signed_entry_timestamp.is_none() && entry.inclusion_proof.is_none() {
        return Err(SigstoreError::NoLogEvidence);
    }
    if let Some(set) = &entry.signed_entry_timestamp {
        log.key.verify(&set_payload(entry), set).map_err(|_| {
            SigstoreError::SignedEntryTimestamp {
                log_index: entry.log_index,
            }
        })?;
    }
    if let Some(proof) = &entry.inclusion_proof {
        let bad = |detail: String| SigstoreError::InclusionProof {
            log_index: entry.log_index,
            detail,
        };
        if !verify_inclusion(
            proof.log_index,
            proof.tree_size,
            leaf_hash(&entry.canonicalized_body),
            &proof.hashes,
            &proof.root_hash,
        ) {
            return Err(bad("the audit path does not lead to the root hash".into()));
        }
        match &proof.checkpoint {
            Some(note) => {
                verify_checkpoint(note, log, proof.tree_size, &proof.root_hash).map_err(bad)?
            }
            None if entry.signed_entry_timestamp.is_none() => {
                return Err(bad("no signed checkpoint".into()));
            }
            None => {}
        }
    }
    if !within(t, log.start, log.end) {
        return Err(SigstoreError::Time {
            what: "the transparency log's key".into(),
            at: fmt_time(t),
        });
    }

    // 2. The entry is this signature.
    check_body(entry, bundle, &leaf)?;

    // 3. Chain to a Fulcio CA, valid at the integrated time.
    if t < leaf.not_before() || t > leaf.not_after() {
        return Err(SigstoreError::Time {
            what: format!(
                "the signing certificate (valid {} to {})",
                fmt_time(leaf.not_before()),
                fmt_time(leaf.not_after())
            ),
            at: fmt_time(t),
        });
    }
    let mut last = ChainError::NoAnchors;
    let mut chained = false;
    for ca in root.cas.iter().filter(|ca| within(t, ca.start, ca.end)) {
        let (anchors, intermediates): (Vec<Cert>, Vec<Cert>) = ca
            .certs
            .iter()
            .cloned()
            .partition(|c| c.subject() == c.issuer_subject());
        match verify_chain(&leaf, &intermediates, &anchors, Some(t)) {
            Ok(_) => {
                chained = true;
                break;
            }
            Err(e) => last = e,
        }
    }
    if !chained {
        return Err(SigstoreError::Chain(last));
    }
    leaf.check_signing_usage().map_err(SigstoreError::Chain)?;

    // 4. Identity policy.
    let identities = leaf.san_identities();
    if !identities.contains(&policy.identity) {
        return Err(SigstoreError::Identity {
            expected: policy.identity.clone(),
            found: identities,
        });
    }
    let issuer = issuer_of(&leaf);
    if issuer.as_deref() != Some(policy.issuer.as_str()) {
        return Err(SigstoreError::Issuer {
            expected: policy.issuer.clone(),
            found: issuer,
        });
    }

    // 5. The signature itself.
    let key = leaf.public_key().map_err(SigstoreError::Chain)?;
    bundle
        .envelope
        .verify_first(&key)
        .map_err(SigstoreError::Signature)?;
    Ok(SignerInfo::Sigstore {
        identity: policy.identity.clone(),
        issuer: policy.issuer.clone(),
        log_index: entry.log_index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2022-12-31T23:59:59.999Z"),
            Some(1_672_531_199)
        );
        assert_eq!(
            parse_rfc3339("2021-03-07T03:20:29+00:00"),
            Some(1_615_087_229)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn inclusion_proofs() {
        // A tree of 3 leaves: root = H(H(l0, l1), l2).
        let l: Vec<[u8; 32]> = (0u8..3).map(|i| leaf_hash(&[i])).collect();
        let root = node_hash(&node_hash(&l[0], &l[1]), &l[2]);
        assert!(verify_inclusion(
            0,
            3,
            l[0],
            &[l[1].to_vec(), l[2].to_vec()],
            &root
        ));
        assert!(verify_inclusion(
            1,
            3,
            l[1],
            &[l[0].to_vec(), l[2].to_vec()],
            &root
        ));
        assert!(verify_inclusion(
            2,
            3,
            l[2],
            &[node_hash(&l[0], &l[1]).to_vec()],
            &root
        ));
        assert!(!verify_inclusion(
            2,
            3,
            l[1],
            &[node_hash(&l[0], &l[1]).to_vec()],
            &root
        ));
        assert!(!verify_inclusion(3, 3, l[2], &[], &root));
        assert!(verify_inclusion(0, 1, l[0], &[], &l[0]));
    }
}
