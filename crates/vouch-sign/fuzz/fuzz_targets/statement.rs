//! Fuzzes the model-signing statement parser (the signed payload). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_sign::ModelStatement;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = ModelStatement::parse(data) {
        // A parsed statement serialises to one that parses to the same value.
        let again = ModelStatement::parse(&s.to_json());
        assert!(
            again.is_ok_and(|a| a.resources == s.resources && a.serialization == s.serialization)
        );
    }
});
