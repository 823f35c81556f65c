//! Fuzz every lockfile and BOM parser, and the package-URL parser, on the same bytes.
//! None may panic; errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use vouch_inventory::{InputKind, parse_text, purl::Purl};

const KINDS: [InputKind; 8] = [
    InputKind::Requirements,
    InputKind::UvLock,
    InputKind::PoetryLock,
    InputKind::PdmLock,
    InputKind::PipfileLock,
    InputKind::CargoLock,
    InputKind::PackageLock,
    InputKind::Bom,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in KINDS {
        if let Ok(components) = parse_text(kind, text, Path::new("fuzz"), "fuzz") {
            for c in components {
                if let Some(p) = &c.purl {
                    let _ = Purl::parse(p);
                }
            }
        }
    }
    let _ = Purl::parse(text);
});
