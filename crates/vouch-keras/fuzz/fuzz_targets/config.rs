//! Fuzz the Keras config analysis and the marshal decoder on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vouch_keras::marshal::code_facts(data);
    let _ = vouch_keras::analyse_config(data);
});
