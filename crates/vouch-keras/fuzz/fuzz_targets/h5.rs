//! Fuzz the HDF5 walk (hdf5-reader behind vouch's limits) and the config analysis of the
//! attributes it finds: any bytes must give facts or errors, never a panic or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = vouch_keras::hdf5::Limits {
        max_objects: 10_000,
        max_read_bytes: 16 << 20,
        ..vouch_keras::hdf5::Limits::default()
    };
    let facts = vouch_keras::hdf5::read(std::io::Cursor::new(data.to_vec()), &limits);
    if let Some(cfg) = facts.attribute("model_config") {
        let _ = vouch_keras::analyse_config(cfg.as_bytes());
    }
});
