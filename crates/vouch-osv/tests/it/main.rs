//! vouch-osv's integration tests: matching over real advisory data with hand-checked
//! expectations, the importer, and property tests of the version orderings against their
//! references (Python's `packaging`, the SemVer 2.0 precedence rules) and of CVSS scoring
//! against Python's `cvss`.

mod cvss_oracle;
mod fixtures;
mod import;
mod pep440_oracle;
mod semver_props;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixture root.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv")
}

/// A Python with `packaging` (and `cvss`) installed, from `VOUCH_TEST_PYTHON`. Without it the
/// oracle tests fail on CI (`CI` set) and are skipped with a note elsewhere.
pub fn oracle_python(test: &str) -> Option<PathBuf> {
    match std::env::var_os("VOUCH_TEST_PYTHON") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{test}: VOUCH_TEST_PYTHON is not set; run scripts/test.sh, which installs the Python \
             oracles (packaging, cvss) and sets it"
        ),
        _ => {
            eprintln!(
                "note: {test} skipped: set VOUCH_TEST_PYTHON to a python with `packaging` and `cvss` \
                 (scripts/test.sh does)"
            );
            None
        }
    }
}

/// Run `python -c code` with `input` as a file argument; stdout as a string.
pub fn run_python(python: &Path, code: &str, input: &Path) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(code)
        .arg(input)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}
