//! Fuzzes the Sigstore trusted-root parser and PEM key/certificate loading. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vouch_sign::sigstore::TrustedRoot::from_json(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vouch_sign::PublicKey::from_pem(text);
        let _ = vouch_sign::PrivateKey::from_pem(text);
        let _ = vouch_sign::Cert::all_from_pem(text, "fuzz");
    }
});
