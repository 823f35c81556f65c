//! Fuzz the manifest and environment parsers on the same bytes: pyproject.toml, conda
//! environment files, conda explicit files, conda-lock.yml, dist-info METADATA and
//! direct_url.json, and the conda match-spec and package-URL splitters. None may panic;
//! errors are fine.
//!
//!     cargo +nightly fuzz run manifests corpus/manifests ../tests/fixtures/conda \
//!         ../tests/fixtures/pyproject/pep621 ../tests/fixtures/pyproject/poetry -- -max_total_time=120
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use vouch_inventory::{InputKind, conda, parse_text, purl::Purl, pyenv};

const KINDS: [InputKind; 4] = [
    InputKind::PyProject,
    InputKind::CondaEnv,
    InputKind::CondaExplicit,
    InputKind::CondaLock,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in KINDS {
        if let Ok(components) = parse_text(kind, text, Path::new("fuzz"), "fuzz") {
            for c in components {
                for p in c.purl.iter().chain(c.depends_on.iter()) {
                    let _ = Purl::parse(p);
                }
            }
        }
    }
    let m = pyenv::parse_metadata(text);
    assert!(m.requires_dist.len() <= pyenv::MAX_HEADERS);
    let _ = pyenv::parse_direct_url(text);
    for line in text.lines().take(64) {
        let _ = conda::parse_match_spec(line);
        let _ = conda::split_package_url(line);
    }
});
