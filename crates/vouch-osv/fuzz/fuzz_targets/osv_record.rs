//! Fuzz the OSV record parser (JSON and YAML) and everything that reads a parsed record:
//! range evaluation, fixed versions and CVSS scoring. None of it may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_osv::{Advisory, Encoding};

fuzz_target!(|data: &[u8]| {
    for enc in [Encoding::Json, Encoding::Yaml] {
        let Ok(adv) = Advisory::parse(data, enc, "fuzz") else {
            continue;
        };
        for a in &adv.affected {
            // Versions taken from the record itself exercise every bound.
            let probes: Vec<String> = a
                .ranges
                .iter()
                .flat_map(|r| r.events.iter().map(|e| e.version().to_owned()))
                .chain(a.versions.iter().cloned())
                .chain(["0".to_owned(), "1.0.0".to_owned(), "1.0rc1".to_owned()])
                .take(64)
                .collect();
            for v in &probes {
                let _ = vouch_osv::range::is_affected(a, v);
            }
            let _ = vouch_osv::range::fixed_versions(a);
            let _ = vouch_osv::range::affects_all_versions(a);
            let _ = vouch_osv::score::best_cvss(&a.severity);
        }
        let _ = vouch_osv::score::best_cvss(&adv.severity);
    }
});
