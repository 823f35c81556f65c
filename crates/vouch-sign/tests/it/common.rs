//! Shared helpers: locating the vectors, building models and keys.

use std::path::{Path, PathBuf};

use vouch_sign::{Curve, PrivateKey};

/// The shared vectors directory (`shared/vectors/model-signing` in an ancestor of the crate, or
/// `$VOUCH_SIGN_VECTORS`).
pub fn vectors_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("VOUCH_SIGN_VECTORS") {
        return PathBuf::from(dir);
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in here.ancestors() {
        let candidate = dir.join("shared/vectors/model-signing");
        if candidate.join("manifest.json").is_file() {
            return candidate;
        }
    }
    panic!(
        "model-signing vectors not found: expected shared/vectors/model-signing in an ancestor of {} \
         (CI: ../shared beside the repository) or VOUCH_SIGN_VECTORS",
        here.display()
    );
}

/// A deterministic test key.
pub fn key(curve: Curve, seed: u8) -> PrivateKey {
    let len = match curve {
        Curve::P256 => 32,
        Curve::P384 => 48,
        Curve::P521 => 66,
    };
    let mut bytes = vec![seed; len];
    bytes[0] = 0x01;
    PrivateKey::from_scalar_bytes(curve, &bytes).unwrap()
}

/// Writes files (path, content) under `root`.
pub fn write_model(root: &Path, files: &[(&str, &[u8])]) {
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

/// A small model with nested dirs, an empty file, a git path and a 3 MB weights file.
pub fn sample_model(root: &Path) {
    let weights: Vec<u8> = (0..3_000_123u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    write_model(
        root,
        &[
            ("config.json", b"{\"a\": 1}\n"),
            ("weights/model.safetensors", &weights),
            ("weights/empty.bin", b""),
            ("a/b.txt", b"slash\n"),
            ("a-b.txt", b"dash\n"),
            ("donn\u{e9}es/\u{43c}.txt", b"unicode\n"),
            (".gitattributes", b"# ignored\n"),
        ],
    );
}

/// A minimal X.509 v3 certificate factory (tests only): ECDSA-signed, with chosen validity and extensions.
pub mod certs {
    use std::str::FromStr;
    use std::time::{Duration, UNIX_EPOCH};

    use base64::Engine as _;
    use der::asn1::{BitString, OctetString};
    use der::oid::ObjectIdentifier;
    use der::{Encode, Sequence};
    use sha2::Digest as _;
    use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
    use vouch_sign::{Curve, PrivateKey};
    use x509_cert::certificate::Version;
    use x509_cert::ext::Extension;
    use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::{Time, Validity};

    #[derive(Sequence)]
    struct Tbs {
        #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
        version: Version,
        serial: SerialNumber,
        signature: AlgorithmIdentifierOwned,
        issuer: Name,
        validity: Validity,
        subject: Name,
        spki: SubjectPublicKeyInfoOwned,
        #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
        extensions: Vec<Extension>,
    }

    #[derive(Sequence)]
    struct CertDer {
        tbs: Tbs,
        alg: AlgorithmIdentifierOwned,
        sig: BitString,
    }

    /// Days since the epoch → certificate time.
    pub fn day(d: u64) -> Time {
        Time::try_from(UNIX_EPOCH + Duration::from_secs(d * 86_400)).unwrap()
    }

    /// What to put in a certificate.
    pub struct Spec<'a> {
        pub subject: &'a str,
        pub key: &'a PrivateKey,
        pub issuer: Option<(&'a str, &'a PrivateKey)>,
        pub not_before: u64,
        pub not_after: u64,
        pub ca: Option<Option<u8>>,
        pub key_usage: Option<&'a [KeyUsages]>,
        pub eku_code_signing: bool,
        pub extra_critical: Option<&'a str>,
        /// More extensions: (OID, critical, DER value).
        pub extensions: Vec<(&'a str, bool, Vec<u8>)>,
    }

    impl<'a> Spec<'a> {
        pub fn leaf(
            subject: &'a str,
            key: &'a PrivateKey,
            issuer: (&'a str, &'a PrivateKey),
        ) -> Self {
            Spec {
                subject,
                key,
                issuer: Some(issuer),
                not_before: 20_000,
                not_after: 30_000,
                ca: None,
                key_usage: Some(&[KeyUsages::DigitalSignature]),
                eku_code_signing: true,
                extra_critical: None,
                extensions: Vec::new(),
            }
        }

        pub fn ca(
            subject: &'a str,
            key: &'a PrivateKey,
            issuer: Option<(&'a str, &'a PrivateKey)>,
        ) -> Self {
            Spec {
                subject,
                key,
                issuer,
                not_before: 10_000,
                not_after: 40_000,
                ca: Some(None),
                key_usage: Some(&[KeyUsages::KeyCertSign, KeyUsages::CRLSign]),
                eku_code_signing: false,
                extra_critical: None,
                extensions: Vec::new(),
            }
        }
    }

    fn ext(oid: &str, critical: bool, value: Vec<u8>) -> Extension {
        Extension {
            extn_id: ObjectIdentifier::new(oid).unwrap(),
            critical,
            extn_value: OctetString::new(value).unwrap(),
        }
    }

    /// Builds and signs a certificate; returns its DER.
    pub fn make(spec: &Spec<'_>) -> Vec<u8> {
        let (issuer_name, issuer_key) = spec.issuer.unwrap_or((spec.subject, spec.key));
        type Prehash = fn(&[u8]) -> Vec<u8>;
        let (alg_oid, prehash): (&str, Prehash) = match issuer_key.public_key().curve() {
            Curve::P256 => ("1.2.840.10045.4.3.2", |b| sha2::Sha256::digest(b).to_vec()),
            Curve::P384 => ("1.2.840.10045.4.3.3", |b| sha2::Sha384::digest(b).to_vec()),
            Curve::P521 => ("1.2.840.10045.4.3.4", |b| sha2::Sha512::digest(b).to_vec()),
        };
        let alg = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new(alg_oid).unwrap(),
            parameters: None,
        };
        let mut extensions = Vec::new();
        if let Some(path_len) = spec.ca {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            };
            extensions.push(ext("2.5.29.19", true, bc.to_der().unwrap()));
        } else {
            let bc = BasicConstraints {
                ca: false,
                path_len_constraint: None,
            };
            extensions.push(ext("2.5.29.19", true, bc.to_der().unwrap()));
        }
        if let Some(usages) = spec.key_usage {
            let mut flags = der::flagset::FlagSet::<KeyUsages>::default();
            for u in usages {
                flags |= *u;
            }
            extensions.push(ext("2.5.29.15", true, KeyUsage(flags).to_der().unwrap()));
        }
        if spec.eku_code_signing {
            let eku = ExtendedKeyUsage(vec![ObjectIdentifier::new("1.3.6.1.5.5.7.3.3").unwrap()]);
            extensions.push(ext("2.5.29.37", false, eku.to_der().unwrap()));
        }
        if let Some(oid) = spec.extra_critical {
            extensions.push(ext(oid, true, der::asn1::Null.to_der().unwrap()));
        }
        for (oid, critical, value) in &spec.extensions {
            extensions.push(ext(oid, *critical, value.clone()));
        }
        let spki_der = spec.key.public_key().spki_der();
        let tbs = Tbs {
            version: Version::V3,
            serial: SerialNumber::new(&[0x01, spec.subject.len() as u8]).unwrap(),
            signature: alg.clone(),
            issuer: Name::from_str(&format!("CN={issuer_name}")).unwrap(),
            validity: Validity::new(day(spec.not_before), day(spec.not_after)),
            subject: Name::from_str(&format!("CN={}", spec.subject)).unwrap(),
            spki: <SubjectPublicKeyInfoOwned as der::Decode>::from_der(&spki_der).unwrap(),
            extensions,
        };
        let tbs_der = tbs.to_der().unwrap();
        let sig = issuer_key.sign_prehash(&prehash(&tbs_der)).unwrap();
        CertDer {
            tbs,
            alg,
            sig: BitString::from_bytes(&sig).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    /// PEM text of DER certificates.
    pub fn pem(ders: &[&[u8]]) -> String {
        let mut out = String::new();
        for der in ders {
            let b64 = base64::engine::general_purpose::STANDARD.encode(der);
            out.push_str("-----BEGIN CERTIFICATE-----\n");
            for chunk in b64.as_bytes().chunks(64) {
                out.push_str(std::str::from_utf8(chunk).unwrap());
                out.push('\n');
            }
            out.push_str("-----END CERTIFICATE-----\n");
        }
        out
    }
}
