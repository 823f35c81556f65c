//! `vouch audit` and `vouch db` end to end: imports, every input kind, every output format,
//! exit codes, the ignore file, messages, and `--online` against a local server speaking the
//! OSV API. Every run passes `--db` (a temporary directory), so the user's data directory is
//! never touched, and no test uses the network.

use assert_cmd::Command;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

fn vouch() -> Command {
    let mut c = Command::cargo_bin("vouch").expect("binary");
    c.current_dir(fixtures());
    for v in [
        "VOUCH_FORMAT",
        "VOUCH_FAIL_ON",
        "VOUCH_DB",
        "VOUCH_AUDIT_IGNORE",
        "VOUCH_OSV_URL",
        "VOUCH_CACHE_DIR",
        "CI",
    ] {
        c.env_remove(v);
    }
    c
}

/// A database of the vouch-osv fixtures (real pypa/RustSec advisories) and the sample AI
/// feed, imported once with `vouch db import`.
fn db() -> &'static Path {
    static DB: OnceLock<tempfile::TempDir> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let osv = repo().join("crates/vouch-osv/tests/fixtures/osv");
        vouch()
            .arg("db")
            .arg("import")
            .arg("--db")
            .arg(dir.path())
            .arg(osv.join("pypa"))
            .arg(osv.join("rustsec"))
            .arg(repo().join("docs/ai-advisories.sample"))
            .assert()
            .success();
        dir
    })
    .path()
}

fn audit(args: &[&str]) -> Command {
    let mut c = vouch();
    c.arg("audit").arg("--db").arg(db()).args(args);
    c
}

fn stdout_json(mut c: impl std::borrow::BorrowMut<Command>, code: i32) -> Value {
    let c: &mut Command = c.borrow_mut();
    let out = c.assert().code(code).get_output().stdout.clone();
    let mut v: Value = serde_json::from_slice(&out).expect("stdout is JSON");
    if v.get("tool").is_some() {
        v["tool"]["version"] = "[version]".into();
    }
    v
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn db_import_reports_and_reimports_incrementally() {
    let dir = tempfile::tempdir().unwrap();
    let pypa = repo().join("crates/vouch-osv/tests/fixtures/osv/pypa");
    let first = vouch()
        .args(["db", "import", "--db"])
        .arg(dir.path())
        .arg(&pypa)
        .assert()
        .success()
        .get_output()
        .clone();
    let out = text(&first.stdout);
    assert!(out.contains("(pypa/advisory-database): 21 files, 21 parsed, 0 unchanged, 0 removed; 21 advisories written"), "{out}");
    // The two records with bounds that are not PEP 440 are reported, not fatal.
    let err = text(&first.stderr);
    assert!(err.contains("2 remark(s):"), "{err}");
    assert!(
        err.contains(
            "PYSEC-2021-371: binderhub: range bound `0.2.0-n653` is not a valid PEP 440 version"
        ),
        "{err}"
    );
    let again = vouch()
        .args(["db", "import", "--db"])
        .arg(dir.path())
        .arg(&pypa)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        text(&again).contains("21 files, 0 parsed, 21 unchanged, 0 removed; 0 advisories written"),
        "{}",
        text(&again)
    );

    let status = vouch()
        .args(["db", "status", "--format", "json", "--db"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mut v: Value = serde_json::from_slice(&status).unwrap();
    v["path"] = "[db]".into();
    v["size"] = 0.into();
    v["sources"][0]["path"] = "[pypa]".into();
    v["sources"][0]["imported_at"] = 0.into();
    insta::assert_json_snapshot!("db_status_json", v);
}

#[test]
fn project_directory_json() {
    let v = stdout_json(audit(&["project", "--format", "json"]), 1);
    insta::assert_json_snapshot!("audit_project_json", v);
}

#[test]
fn project_directory_table() {
    let out = audit(&["project", "--format", "table", "--fail-on", "never"])
        .env("COLUMNS", "200")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!("audit_project_table", text(&out));
}

#[test]
fn boms_as_input() {
    let v = stdout_json(
        audit(&["bom.cdx.json", "sbom.spdx.json", "--format", "json"]),
        1,
    );
    let found: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f["ecosystem"].as_str().unwrap(),
                f["package"].as_str().unwrap(),
                f["version"].as_str().unwrap_or("-"),
                f["id"].as_str().unwrap(),
                f["matched_by"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "HuggingFace weights.bin - VOUCH-AI-2025-0001 digest",
            "HuggingFace datasets/example-org/product-reviews 0c1d2e3f VOUCH-AI-2025-0002 repository",
            "HuggingFace datasets/example-org/toxicity-labels a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 VOUCH-AI-2025-0003 version",
            "PyPI gevent 23.9.0.post1 PYSEC-2023-177 version",
            "PyPI jinja2 2.10 PYSEC-2019-217 version",
            "PyPI jinja2 2.10 PYSEC-2021-66 version",
            "crates.io aws-sigv4 0.5.2 RUSTSEC-2023-0125 version",
        ]
    );
    assert_eq!(v["packages"], 8);
}

#[test]
fn lockfile_inputs_and_line_locations() {
    let v = stdout_json(audit(&["project/Cargo.lock", "--format", "json"]), 1);
    let f = &v["findings"];
    assert_eq!(f[0]["package"], "ring");
    assert_eq!(f[0]["locations"][0]["path"], "project/Cargo.lock");
    assert_eq!(f[0]["locations"][0]["line"], 14);
    assert_eq!(v["packages"], 2, "the workspace crate is not a dependency");
    // A requirements file follows its -r includes (here in a cycle).
    let v = stdout_json(
        audit(&["project/requirements-dev.txt", "--format", "json"]),
        1,
    );
    let pkgs: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["package"].as_str().unwrap())
        .collect();
    assert!(pkgs.contains(&"py") && pkgs.contains(&"Django"), "{pkgs:?}");
}

#[test]
fn sarif_and_cyclonedx_vex() {
    let mut sarif = stdout_json(audit(&["project/requirements.txt", "--format", "sarif"]), 1);
    sarif["runs"][0]["tool"]["driver"]["version"] = "[version]".into();
    insta::assert_json_snapshot!("audit_sarif", sarif);
    let vex = stdout_json(
        audit(&[
            "project/Cargo.lock",
            "--format",
            "cyclonedx",
            "--reproducible",
        ]),
        1,
    );
    let mut vex = vex;
    vex["metadata"]["tools"]["components"][0]["version"] = "[version]".into();
    insta::assert_json_snapshot!("audit_vex", vex);
    // The same report gives the same serial number.
    let again = stdout_json(
        audit(&[
            "project/Cargo.lock",
            "--format",
            "cyclonedx",
            "--reproducible",
        ]),
        1,
    );
    assert_eq!(vex["serialNumber"], again["serialNumber"]);
}

#[test]
fn fail_on_sets_the_exit_code() {
    // Cargo.lock: ring (unscored → high by default, unmaintained notice → info), smallvec 9.8.
    audit(&[
        "project/Cargo.lock",
        "--format",
        "json",
        "--fail-on",
        "never",
    ])
    .assert()
    .code(0);
    audit(&[
        "project/Cargo.lock",
        "--format",
        "json",
        "--fail-on",
        "critical",
    ])
    .assert()
    .code(1);
    // jinja2/gevent are unscored: they fail at `high` unless --unscored lowers them.
    audit(&["sbom.spdx.json", "--format", "json"])
        .assert()
        .code(1);
    let spdx_gevent_only = audit(&[
        "sbom.spdx.json",
        "--format",
        "json",
        "--fail-on",
        "high",
        "--unscored",
        "medium",
    ])
    .assert()
    .get_output()
    .status
    .code();
    // weights.bin is CRITICAL by the feed's word: still 1.
    assert_eq!(spdx_gevent_only, Some(1));
    let pinned_only = tempfile::tempdir().unwrap();
    let req = pinned_only.path().join("requirements.txt");
    std::fs::write(&req, "gevent==23.9.0.post1\n").unwrap();
    audit(&["--format", "json", "--unscored", "medium"])
        .arg(&req)
        .assert()
        .code(0);
    audit(&["--format", "json"]).arg(&req).assert().code(1);
}

#[test]
fn ignore_file_suppresses_with_reason_and_reports_stale_entries() {
    let t = tempfile::tempdir().unwrap();
    let ign = t.path().join("ignore.toml");
    std::fs::write(
        &ign,
        r#"
[[ignore]]
id = "CVE-2021-25900"          # an alias of RUSTSEC-2021-0003
reason = "insert_many is never called"
package = "smallvec"

[[ignore]]
id = "RUSTSEC-2025-0009"
reason = "accepted until the ring 0.17 upgrade"
expires = "2000-01-01"

[[ignore]]
id = "PYSEC-0000-0"
reason = "typo"
"#,
    )
    .unwrap();
    let out = audit(&["project/Cargo.lock", "--format", "json", "--ignore-file"])
        .arg(&ign)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["RUSTSEC-2025-0009", "RUSTSEC-2025-0010"],
        "expired entries do not suppress"
    );
    assert_eq!(v["ignored"][0]["id"], "RUSTSEC-2021-0003");
    assert_eq!(v["ignored"][0]["reason"], "insert_many is never called");
    let stale: Vec<String> = v["stale_ignores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["id"].as_str().unwrap(),
                s["problem"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        stale,
        ["RUSTSEC-2025-0009 expired", "PYSEC-0000-0 matched-nothing"]
    );
    let err = text(&out.stderr).replace(&ign.display().to_string(), "[ignore.toml]");
    insta::assert_snapshot!("ignore_warnings", err);

    // An entry without a reason is an input error.
    std::fs::write(&ign, "[[ignore]]\nid = \"RUSTSEC-2021-0003\"\n").unwrap();
    let out = audit(&["project/Cargo.lock", "--format", "json", "--ignore-file"])
        .arg(&ign)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let msg = text(&out).replace(&ign.display().to_string(), "[ignore.toml]");
    insta::assert_snapshot!("ignore_without_reason", msg);
}

#[test]
fn usage_errors_exit_2_with_a_fix() {
    let empty = tempfile::tempdir().unwrap();
    let out = vouch()
        .args(["audit", "project", "--db"])
        .arg(empty.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let msg = text(&out).replace(&empty.path().display().to_string(), "[empty]");
    insta::assert_snapshot!("no_database", msg);

    let out = audit(&["no/such/requirements.txt"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    insta::assert_snapshot!("missing_input", text(&out));

    let out = audit(&["README.md"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        text(&out).contains("README.md: not a recognised lockfile, manifest or BOM"),
        "{}",
        text(&out)
    );

    let out = vouch()
        .args(["db", "import"])
        .arg(empty.path().join("nope"))
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        text(&out).starts_with("error: source not found:"),
        "{}",
        text(&out)
    );
}

#[test]
fn db_can_be_a_directory_of_osv_files_indexed_and_cached() {
    let cache = tempfile::tempdir().unwrap();
    let src = repo().join("crates/vouch-osv/tests/fixtures/osv/rustsec");
    for _ in 0..2 {
        let v = stdout_json(
            vouch()
                .env("VOUCH_CACHE_DIR", cache.path())
                .args(["audit", "project/Cargo.lock", "--format", "json", "--db"])
                .arg(&src),
            1,
        );
        assert_eq!(v["advisories_checked"], 13);
        assert_eq!(v["findings"].as_array().unwrap().len(), 3);
    }
    let cached: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
    assert_eq!(cached.len(), 1, "one cache database for one source");
}

// ------------------------------------------------------------------ --online

/// A local server speaking the two OSV API endpoints vouch uses: `POST /v1/querybatch` (with
/// one page token for packages with more than two advisories) and `GET /v1/vulns/{id}`.
struct OsvServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

fn osv_server() -> OsvServer {
    let mut records: Vec<Value> = Vec::new();
    let dir = repo().join("crates/vouch-osv/tests/fixtures/osv/rustsec/crates");
    for e in std::fs::read_dir(dir).unwrap() {
        records.push(serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap());
    }
    // A SEMVER range in another ecosystem: vouch evaluates it itself.
    records.push(serde_json::json!({
        "id": "GO-2022-1059", "modified": "2024-05-20T00:00:00Z", "aliases": ["CVE-2022-32149"],
        "summary": "Denial of service via crafted Accept-Language header in golang.org/x/text/language",
        "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.8"}]}]}]
    }));
    // An ECOSYSTEM range in an ecosystem vouch has no ordering for (Maven): only the API's
    // word can match it.
    records.push(serde_json::json!({
        "id": "GHSA-jfh8-c2jp-5v3q", "modified": "2025-01-01T00:00:00Z", "aliases": ["CVE-2021-44228"],
        "summary": "Remote code injection in Log4j",
        "database_specific": {"severity": "CRITICAL"},
        "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]}]}]
    }));
    let records = Arc::new(records);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).ok();
            let body = String::from_utf8_lossy(&body).into_owned();
            let mut parts = first.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            log.lock().unwrap().push(format!("{method} {path} {body}"));
            let (status, reply) = match (method, path) {
                ("POST", "/v1/querybatch") => {
                    let req: Value = serde_json::from_str(&body).unwrap_or_default();
                    let results: Vec<Value> = req["queries"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .map(|q| {
                            let name = q["package"]["name"].as_str().unwrap_or("");
                            let ids: Vec<&str> = records
                                .iter()
                                .filter(|r| r["affected"][0]["package"]["name"] == name)
                                .map(|r| r["id"].as_str().unwrap())
                                .collect();
                            let page2 = q.get("page_token").is_some();
                            let (now, token) = match (ids.len() > 2, page2) {
                                (true, false) => (ids[..2].to_vec(), Some("page-2")),
                                (true, true) => (ids[2..].to_vec(), None),
                                _ => (ids, None),
                            };
                            let vulns: Vec<Value> = now
                                .iter()
                                .map(|id| serde_json::json!({"id": id, "modified": "2025-01-01T00:00:00Z"}))
                                .collect();
                            match token {
                                Some(t) => serde_json::json!({"vulns": vulns, "next_page_token": t}),
                                None if vulns.is_empty() => serde_json::json!({}),
                                None => serde_json::json!({"vulns": vulns}),
                            }
                        })
                        .collect();
                    (
                        "200 OK",
                        serde_json::json!({"results": results}).to_string(),
                    )
                }
                ("GET", p) if p.starts_with("/v1/vulns/") => {
                    let id = &p["/v1/vulns/".len()..];
                    match records.iter().find(|r| r["id"] == id) {
                        Some(r) => ("200 OK", r.to_string()),
                        None => (
                            "404 Not Found",
                            r#"{"code":5,"message":"Bug not found."}"#.to_owned(),
                        ),
                    }
                }
                _ => ("400 Bad Request", "{}".to_owned()),
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    OsvServer { url, requests }
}

#[test]
fn online_asks_querybatch_then_each_record() {
    let server = osv_server();
    let empty = tempfile::tempdir().unwrap();
    let v = stdout_json(
        vouch()
            .env("VOUCH_OSV_URL", &server.url)
            .args([
                "audit",
                "--online",
                "--format",
                "json",
                "project/Cargo.lock",
                "bom.cdx.json",
                "--db",
            ])
            .arg(empty.path()),
        1,
    );
    let found: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["package"].as_str().unwrap(),
                f["id"].as_str().unwrap(),
                f["matched_by"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "golang.org/x/text GO-2022-1059 version",
            "org.apache.logging.log4j:log4j-core GHSA-jfh8-c2jp-5v3q osv-api",
            "aws-sigv4 RUSTSEC-2023-0125 version",
            "ring RUSTSEC-2025-0009 version",
            "ring RUSTSEC-2025-0010 version",
            "smallvec RUSTSEC-2021-0003 version",
        ]
    );
    let reqs = server.requests.lock().unwrap().clone();
    let batches: Vec<&String> = reqs
        .iter()
        .filter(|r| r.starts_with("POST /v1/querybatch"))
        .collect();
    assert_eq!(
        batches.len(),
        3,
        "one batch, then page 2 for ring and for smallvec: {reqs:#?}"
    );
    assert!(
        batches[1..]
            .iter()
            .all(|b| b.contains("\"page_token\":\"page-2\"")),
        "{batches:#?}"
    );
    // Names and versions only: no paths, no digests, no model repositories.
    assert!(
        !batches[0].contains("Cargo.lock")
            && !batches[0].contains("sha256")
            && !batches[0].contains("example-org"),
        "{}",
        batches[0]
    );
    let gets = reqs
        .iter()
        .filter(|r| r.starts_with("GET /v1/vulns/"))
        .count();
    assert_eq!(
        gets, 11,
        "ring 3, smallvec 5, aws-sigv4, GO-2022-1059, GHSA-jfh8-c2jp-5v3q: {reqs:#?}"
    );
}

#[test]
fn online_without_a_server_is_a_clear_error() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = audit(&["--online", "project/Cargo.lock", "--format", "json"])
        .env("VOUCH_OSV_URL", &url)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let msg = text(&out);
    assert!(
        msg.starts_with(&format!(
            "error: OSV API at {url}/v1/querybatch: cannot reach the server"
        )),
        "{msg}"
    );
    assert!(
        msg.contains("or run without --online to use only the offline database"),
        "{msg}"
    );
}

// ------------------------------------------------------------------ VEX schema

const VALIDATE: &str = r#"
import json, pathlib, sys
from jsonschema import Draft7Validator
from referencing import Registry, Resource
base = pathlib.Path(sys.argv[1])
schema = json.loads((base / "bom-1.6.schema.json").read_text())
reg = Registry()
for name in ("spdx.schema.json", "jsf-0.82.schema.json"):
    res = Resource.from_contents(json.loads((base / name).read_text()))
    reg = reg.with_resource(name, res).with_resource("http://cyclonedx.org/schema/" + name, res)
errors = list(Draft7Validator(schema, registry=reg).iter_errors(json.loads(pathlib.Path(sys.argv[2]).read_text())))
for e in errors[:20]:
    print(list(e.path), e.message[:300])
sys.exit(1 if errors else 0)
"#;

#[test]
fn vex_validates_against_the_cyclonedx_1_6_schema() {
    let python = match std::env::var_os("VOUCH_TEST_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ if std::env::var_os("CI").is_some() => {
            panic!("VOUCH_TEST_PYTHON is not set; run scripts/test.sh (it installs jsonschema)")
        }
        _ => {
            eprintln!(
                "note: VEX schema check skipped: set VOUCH_TEST_PYTHON (scripts/test.sh does)"
            );
            return;
        }
    };
    let Some(schema_dir) = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join("shared/specs/cyclonedx-1.6"))
        .find(|d| d.join("bom-1.6.schema.json").is_file())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "shared/specs/cyclonedx-1.6 not found beside the repository"
        );
        eprintln!("note: VEX schema check skipped: shared/specs/cyclonedx-1.6 not found");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let vex = t.path().join("vex.json");
    let ign = t.path().join("ignore.toml");
    std::fs::write(
        &ign,
        "[[ignore]]\nid = \"RUSTSEC-2025-0010\"\nreason = \"ring is replaced next sprint\"\n",
    )
    .unwrap();
    audit(&[
        "project",
        "bom.cdx.json",
        "--format",
        "cyclonedx",
        "--output",
    ])
    .arg(&vex)
    .arg("--ignore-file")
    .arg(&ign)
    .assert()
    .code(1);
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(VALIDATE)
        .arg(&schema_dir)
        .arg(&vex)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "VEX is not valid CycloneDX 1.6:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// BOMs from other tools and from `vouch bom` itself are audit input: CycloneDX 1.4
/// (cyclonedx-py), SPDX 3.0 JSON-LD, and vouch's own CycloneDX round trip.
#[test]
fn third_party_and_own_boms_are_audited() {
    let boms = repo().join("crates/vouch-inventory/tests/fixtures/boms");
    let ids = |v: &Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {}",
                    f["package"].as_str().unwrap(),
                    f["version"].as_str().unwrap_or("-"),
                    f["id"].as_str().unwrap()
                )
            })
            .collect()
    };
    let cdx14 = boms.join("cdx-1.4-env.json");
    let v = stdout_json(audit(&[cdx14.to_str().unwrap(), "--format", "json"]), 1);
    assert!(
        ids(&v)
            .iter()
            .any(|f| f.starts_with("jinja2 2.11.2 PYSEC-2021-66")),
        "{:?}",
        ids(&v)
    );
    assert_eq!(v["packages"], 9, "the BOM's subject is not a dependency");
    let spdx3 = boms.join("spdx-3.0.1-handwritten.json");
    let out = audit(&[
        spdx3.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ])
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert!(v["packages"].as_u64().unwrap() > 0, "{v}");
    // vouch bom → vouch audit: the same findings as auditing the lockfile itself.
    let dir = tempfile::tempdir().unwrap();
    let bom = dir.path().join("bom.cdx.json");
    vouch()
        .args(["bom", "project/requirements.txt", "--output"])
        .arg(&bom)
        .assert()
        .success();
    let from_bom = stdout_json(audit(&[bom.to_str().unwrap(), "--format", "json"]), 1);
    let from_lock = stdout_json(audit(&["project/requirements.txt", "--format", "json"]), 1);
    // The BOM carries PEP 503 names (from the purl); the lockfile spells them as written.
    let lower = |v: &Value| -> Vec<String> { ids(v).iter().map(|s| s.to_lowercase()).collect() };
    assert_eq!(lower(&from_bom), lower(&from_lock));
    assert!(!ids(&from_bom).is_empty());
}
