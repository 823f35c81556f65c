//! Fuzzes the stand-alone DSSE envelope parser and in-toto statement parsing of its payload. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_sign::dsse::Envelope;
use vouch_sign::intoto::Statement;
use vouch_sign::{Curve, PrivateKey};

fuzz_target!(|data: &[u8]| {
    let Ok(env) = Envelope::from_json(data) else {
        return;
    };
    let _ = Envelope::from_json(&env.to_json());
    if let Ok(key) = PrivateKey::from_scalar_bytes(Curve::P384, &[9u8; 48]) {
        let _ = env.verify_first(&key.public_key());
    }
    if let Ok(s) = Statement::parse(&env.payload) {
        let _ = Statement::parse(&s.to_json());
    }
});
