//! `vouch bom` against cyclonedx-py (PyPI `cyclonedx-bom`, pinned in `scripts/requirements-bom.txt`)
//! on the same inputs:
//!
//! - the fixture ML project (`crates/vouch-bom/tests/fixtures/project`): every package
//!   `cyclonedx-py requirements` finds in its `requirements.txt` is in `vouch bom`'s BOM of the
//!   project, and vouch also lists the models and datasets, which cyclonedx-py cannot express;
//! - an installed environment (the test venv itself, `sys.prefix` of `VOUCH_TEST_PYTHON`):
//!   every package and every dependency edge `cyclonedx-py environment` reports is in
//!   `vouch bom --python-env`'s BOM, except edges for requirements whose markers are false in
//!   that environment (only an extra needs them, or another Python), which cyclonedx-py draws
//!   anyway: those are listed, not required (`markers_hold`, judged by `packaging`).
//!
//! Packages are compared by purl, normalised: PEP 503 name, version, no qualifiers or subpath.
//! Needs `VOUCH_TEST_PYTHON` = a Python with cyclonedx-bom installed (`scripts/test.sh` sets it
//! up). Without it the tests are skipped, except under CI, where that is an error.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vouch-bom/tests/fixtures/project")
}

/// The Python with cyclonedx-bom, from `VOUCH_TEST_PYTHON`; `None` (skip) outside CI.
fn python() -> Option<PathBuf> {
    match std::env::var_os("VOUCH_TEST_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "VOUCH_TEST_PYTHON is not set: run scripts/test.sh (it installs cyclonedx-bom==7.5.0 \
                 from scripts/requirements-bom.txt and sets VOUCH_TEST_PYTHON)"
            )
        }
        None => {
            eprintln!(
                "skipped: set VOUCH_TEST_PYTHON to a python with cyclonedx-bom==7.5.0 (scripts/test.sh does)"
            );
            None
        }
    }
}

/// Runs `python -m cyclonedx_py ARGS --sv 1.6 --of JSON` and parses its BOM. `--no-validate`:
/// its check of its own output against the schema takes it seconds and is not what is tested.
fn cyclonedx_py(python: &Path, args: &[&std::ffi::OsStr]) -> Value {
    let out = std::process::Command::new(python)
        .args(["-m", "cyclonedx_py"])
        .args(args)
        .args([
            "--sv",
            "1.6",
            "--of",
            "JSON",
            "--output-reproducible",
            "--no-validate",
            "-o",
            "-",
        ])
        .output()
        .expect("run python -m cyclonedx_py");
    assert!(
        out.status.success(),
        "cyclonedx-py {args:?} failed ({}); is cyclonedx-bom installed in {}?\n{}",
        out.status,
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cyclonedx-py prints JSON")
}

fn vouch_bom(args: &[&std::ffi::OsStr]) -> Value {
    let out = Command::cargo_bin("vouch")
        .expect("binary")
        .env_remove("CI")
        .arg("bom")
        .args(args)
        .arg("--reproducible")
        .output()
        .expect("run vouch bom");
    assert!(
        out.status.success(),
        "vouch bom {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("vouch bom prints JSON");
    assert_eq!(v["bomFormat"], "CycloneDX");
    assert_eq!(v["specVersion"], "1.6");
    v
}

/// Every component of a CycloneDX BOM, nested ones included (iteratively, at most 8 levels).
fn components(bom: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    let mut level: Vec<&Value> = bom["components"].as_array().into_iter().flatten().collect();
    for _ in 0..8 {
        let mut next = Vec::new();
        for c in level {
            next.extend(c["components"].as_array().into_iter().flatten());
            all.push(c);
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    all
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut b = s.bytes();
    while let Some(c) = b.next() {
        if c == b'%' {
            let mut look = b.clone();
            if let (Some(h), Some(l)) = (look.next().and_then(hex), look.next().and_then(hex)) {
                out.push((h * 16 + l) as u8);
                b = look;
                continue;
            }
        }
        out.push(c);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// PEP 503: lower case, runs of `-`, `_`, `.` become one `-`.
fn pep503(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `pkg:pypi/Name_x@1.0?q=1#sub` → `pkg:pypi/name-x@1.0`; `None` for non-PyPI purls.
fn norm_purl(purl: &str) -> Option<String> {
    let rest = purl.strip_prefix("pkg:pypi/")?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (name, version) = rest.rsplit_once('@').unwrap_or((rest, ""));
    Some(format!(
        "pkg:pypi/{}@{}",
        pep503(&percent_decode(name)),
        percent_decode(version)
    ))
}

/// Normalised PyPI purls of a BOM's components.
fn pypi_purls(bom: &Value) -> BTreeSet<String> {
    components(bom)
        .into_iter()
        .filter_map(|c| c["purl"].as_str().and_then(norm_purl))
        .collect()
}

fn types(bom: &Value) -> BTreeMap<String, usize> {
    let mut t = BTreeMap::new();
    for c in components(bom) {
        *t.entry(c["type"].as_str().unwrap_or("?").to_owned())
            .or_insert(0) += 1;
    }
    t
}

/// Dependency edges as (purl, purl), through the components' bom-refs. Refs without a PyPI purl
/// (the project itself, models, files) are left out.
fn edges(bom: &Value) -> BTreeSet<(String, String)> {
    let purl_of: BTreeMap<&str, String> = components(bom)
        .into_iter()
        .filter_map(|c| Some((c["bom-ref"].as_str()?, norm_purl(c["purl"].as_str()?)?)))
        .collect();
    let mut out = BTreeSet::new();
    for d in bom["dependencies"].as_array().into_iter().flatten() {
        let Some(from) = d["ref"].as_str().and_then(|r| purl_of.get(r)) else {
            continue;
        };
        for to in d["dependsOn"].as_array().into_iter().flatten() {
            if let Some(to) = to.as_str().and_then(|r| purl_of.get(r)) {
                out.insert((from.clone(), to.clone()));
            }
        }
    }
    out
}

#[test]
fn pep503_and_purl_normalisation() {
    assert_eq!(pep503("Foo.Bar__baz-"), "foo-bar-baz");
    assert_eq!(
        norm_purl("pkg:pypi/backports.zstd@1.8.0").as_deref(),
        Some("pkg:pypi/backports-zstd@1.8.0")
    );
    assert_eq!(
        norm_purl("pkg:pypi/Torch@2.1.0%2Bcpu?file_name=x.whl#sub").as_deref(),
        Some("pkg:pypi/torch@2.1.0+cpu")
    );
    assert_eq!(norm_purl("pkg:cargo/serde@1.0.0"), None);
}

#[test]
fn vouch_finds_every_package_cyclonedx_py_finds_in_the_project_and_its_models() {
    let Some(python) = python() else { return };
    let dir = project();
    let theirs = cyclonedx_py(
        &python,
        &[
            "requirements".as_ref(),
            dir.join("requirements.txt").as_os_str(),
        ],
    );
    let ours = vouch_bom(&[dir.as_os_str()]);

    let their_purls = pypi_purls(&theirs);
    // The fixture's requirements.txt pins ~50 packages: a cyclonedx-py that read nothing would
    // make this test vacuous.
    assert!(
        their_purls.len() >= 30,
        "cyclonedx-py found only {} packages: {their_purls:?}",
        their_purls.len()
    );
    let our_purls = pypi_purls(&ours);
    let missing: Vec<_> = their_purls.difference(&our_purls).collect();
    assert!(
        missing.is_empty(),
        "vouch bom misses {} of the {} packages cyclonedx-py finds: {missing:?}",
        missing.len(),
        their_purls.len()
    );

    // What cyclonedx-py cannot express: the project's model and dataset.
    let (ours_t, theirs_t) = (types(&ours), types(&theirs));
    for t in ["machine-learning-model", "data"] {
        assert!(
            ours_t.get(t).copied().unwrap_or(0) >= 1,
            "vouch bom has no {t} component: {ours_t:?}"
        );
        assert!(
            !theirs_t.contains_key(t),
            "cyclonedx-py unexpectedly reports {t}: {theirs_t:?}"
        );
    }
    eprintln!(
        "cyclonedx-py: {} PyPI packages {theirs_t:?}; vouch: {} PyPI packages {ours_t:?}",
        their_purls.len(),
        our_purls.len()
    );
}

/// `sys.prefix` of the test Python: the virtualenv both tools read.
fn prefix(python: &Path) -> PathBuf {
    let out = std::process::Command::new(python)
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// The `Requires-Dist` lines of the installed distribution `purl` (normalised) in `site`
/// dirs, keyed by the PEP 503 name they require: each with its marker (empty when none).
fn requires_dist(sites: &[PathBuf], purl: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let rest = purl.trim_start_matches("pkg:pypi/");
    let (name, version) = rest.rsplit_once('@').unwrap_or((rest, ""));
    for site in sites {
        let Ok(rd) = std::fs::read_dir(site) else {
            continue;
        };
        for e in rd.flatten() {
            let f = e.file_name().to_string_lossy().into_owned();
            let Some(stem) = f.strip_suffix(".dist-info") else {
                continue;
            };
            let Some((n, v)) = stem.rsplit_once('-') else {
                continue;
            };
            if pep503(n) != name || v != version {
                continue;
            }
            let meta = std::fs::read_to_string(e.path().join("METADATA")).unwrap_or_default();
            for line in meta.lines() {
                if line.is_empty() {
                    break; // end of the headers
                }
                let Some(req) = line.strip_prefix("Requires-Dist:") else {
                    continue;
                };
                let (spec, marker) = req.split_once(';').unwrap_or((req, ""));
                let spec = spec.trim();
                let end = spec
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                    .unwrap_or(spec.len());
                out.entry(pep503(&spec[..end]))
                    .or_default()
                    .push(marker.trim().to_owned());
            }
        }
    }
    out
}

#[test]
fn vouch_python_env_finds_every_package_and_edge_cyclonedx_py_finds() {
    let Some(python) = python() else { return };
    let venv = prefix(&python);
    let theirs = cyclonedx_py(&python, &["environment".as_ref(), python.as_os_str()]);
    // An empty project directory: only the environment is inventoried.
    let empty = tempfile::tempdir().expect("tempdir");
    let ours = vouch_bom(&[
        empty.path().as_os_str(),
        "--python-env".as_ref(),
        venv.as_os_str(),
    ]);

    let their_purls = pypi_purls(&theirs);
    // The test venv holds the oracles of every interop test: well over 50 distributions.
    assert!(
        their_purls.len() >= 50,
        "cyclonedx-py found only {} packages in {}: {their_purls:?}",
        their_purls.len(),
        venv.display()
    );
    let our_purls = pypi_purls(&ours);
    let missing: Vec<_> = their_purls.difference(&our_purls).collect();
    assert!(
        missing.is_empty(),
        "vouch bom --python-env misses {} of the {} packages cyclonedx-py finds: {missing:?}",
        missing.len(),
        their_purls.len()
    );

    let their_edges = edges(&theirs);
    assert!(
        their_edges.len() >= 50,
        "cyclonedx-py reported only {} edges",
        their_edges.len()
    );
    let our_edges = edges(&ours);
    // cyclonedx-py draws A -> B whenever B is installed and A's metadata names B, whatever the
    // marker: also when only an optional extra of A needs B (Markdown -> PyYAML through
    // `extra == "testing"`) or when the marker is false here (`python_version < "3.9"`). Such
    // an edge is not a dependency of A as installed, so vouch may leave it out; every edge with
    // a requirement line whose marker holds here (judged by `packaging`) must be there.
    let sites: Vec<PathBuf> = glob_site_packages(&venv);
    let absent: Vec<(&String, &String)> = their_edges
        .difference(&our_edges)
        .map(|(a, b)| (a, b))
        .collect();
    let lines: Vec<Vec<String>> = absent
        .iter()
        .map(|(from, to)| {
            let to_name = to
                .trim_start_matches("pkg:pypi/")
                .rsplit_once('@')
                .map_or(to.as_str(), |(n, _)| n);
            requires_dist(&sites, from)
                .remove(to_name)
                .unwrap_or_default()
        })
        .collect();
    let holds = markers_hold(&python, &lines);
    let mut not_needed = Vec::new();
    let mut missing = Vec::new();
    for (((from, to), ls), holds) in absent.iter().zip(&lines).zip(holds) {
        let edge = format!("{from} -> {to} {ls:?}");
        if !ls.is_empty() && !holds {
            not_needed.push(edge);
        } else {
            missing.push(edge);
        }
    }
    eprintln!(
        "cyclonedx-py: {} packages, {} edges; vouch: {} packages, {} edges; {} edges cyclonedx-py \
         draws for requirements whose markers are false here, left out by vouch: {not_needed:#?}",
        their_purls.len(),
        their_edges.len(),
        our_purls.len(),
        our_edges.len(),
        not_needed.len()
    );
    assert!(
        missing.is_empty(),
        "vouch bom --python-env misses {} of the {} edges cyclonedx-py reports: {missing:#?}",
        missing.len(),
        their_edges.len()
    );
}

/// For each group of PEP 508 markers: whether any of them holds in `python`'s environment with
/// no extra requested (an empty marker always holds). Judged by `packaging.markers`.
fn markers_hold(python: &Path, groups: &[Vec<String>]) -> Vec<bool> {
    use std::io::Write;
    let code = "import json, sys\n\
                from packaging.markers import Marker\n\
                groups = json.load(sys.stdin)\n\
                print(json.dumps([any(not m or Marker(m).evaluate({'extra': ''}) for m in g) for g in groups]))\n";
    let mut child = std::process::Command::new(python)
        .args(["-c", code])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(groups).expect("json"))
        .expect("write to python");
    let out = child.wait_with_output().expect("python");
    assert!(
        out.status.success(),
        "marker evaluation failed (is `packaging` installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<bool> = serde_json::from_slice(&out.stdout).expect("python prints a JSON list");
    assert_eq!(v.len(), groups.len());
    v
}

/// `<venv>/lib/python*/site-packages` (and `lib64`, often a link to `lib`: each directory once),
/// `<venv>/Lib/site-packages` on Windows.
fn glob_site_packages(venv: &Path) -> Vec<PathBuf> {
    let mut out = BTreeSet::new();
    let mut add = |p: PathBuf| {
        if let Ok(p) = p.canonicalize() {
            out.insert(p);
        }
    };
    add(venv.join("Lib/site-packages"));
    for lib in ["lib", "lib64"] {
        let Ok(rd) = std::fs::read_dir(venv.join(lib)) else {
            continue;
        };
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with("python") {
                add(e.path().join("site-packages"));
            }
        }
    }
    out.into_iter().collect()
}
