//! Fuzzes the Sigstore bundle parser and everything reachable from a parsed bundle without a model: signature
//! checks with a fixed key and with trust roots, statement parsing, and re-serialisation. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_sign::{Bundle, Curve, ModelStatement, PrivateKey, Verifier, verify_bundle};

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = Bundle::from_json(data) else {
        return;
    };
    let _ = Bundle::from_json(&bundle.to_json());
    let key = PrivateKey::from_scalar_bytes(Curve::P256, &[7u8; 32]).map(|k| k.public_key());
    if let Ok(key) = key {
        let _ = verify_bundle(&bundle, &Verifier::PublicKey(key));
    }
    let _ = verify_bundle(&bundle, &Verifier::Certificates(Vec::new()));
    let _ = ModelStatement::parse(&bundle.envelope.payload);
    if let vouch_sign::VerificationMaterial::CertificateChain(certs) = &bundle.material {
        for der in certs {
            if let Ok(c) = vouch_sign::Cert::from_der(der, "fuzz") {
                let _ = c.public_key();
                let _ = vouch_sign::pki::verify_chain(&c, &[], std::slice::from_ref(&c), None);
            }
        }
    }
});
