//! Fuzz every lockfile and BOM parser, and the package-URL parser, on the same bytes.
//! None may panic; errors are fine. Whatever parses must have a closed dependency graph:
//! every `depends_on` entry is the ref of a component of the same output, sorted, once, never
//! the component itself, and no list is longer than the per-package cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use std::path::Path;
use vouch_inventory::lockfiles::MAX_EDGES_PER_PACKAGE;
use vouch_inventory::{Component, InputKind, parse_text, purl::Purl};

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

/// The lockfile parsers build edges only between their own components.
fn check_edges(kind: InputKind, components: &[Component]) {
    if kind == InputKind::Bom {
        // A BOM's dependency graph is the BOM author's: refs may name what it left out.
        return;
    }
    let refs: HashSet<String> = components.iter().map(Component::dep_ref).collect();
    for c in components {
        assert!(
            c.depends_on.len() <= MAX_EDGES_PER_PACKAGE,
            "{kind:?}: too many edges"
        );
        assert!(
            c.depends_on.windows(2).all(|w| w[0] < w[1]),
            "{kind:?}: {} edges not sorted or repeated",
            c.name
        );
        for d in &c.depends_on {
            assert!(
                refs.contains(d),
                "{kind:?}: {} depends on {d}, not in the output",
                c.name
            );
            assert!(*d != c.dep_ref(), "{kind:?}: {} depends on itself", c.name);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in KINDS {
        if let Ok(components) = parse_text(kind, text, Path::new("fuzz"), "fuzz") {
            check_edges(kind, &components);
            for c in components {
                if let Some(p) = &c.purl {
                    let _ = Purl::parse(p);
                }
            }
        }
    }
    let _ = Purl::parse(text);
});
