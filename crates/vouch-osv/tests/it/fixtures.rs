//! Matching over real pypa and RustSec advisories. Every expectation below was worked out by
//! hand from the fixture files (named in each comment), at the boundaries: exactly at
//! `introduced` and `fixed`, pre-, post- and dev releases, local versions, epochs,
//! `last_affected`, listed versions outside the ranges, withdrawn records.

use crate::fixture_dir as root;
use std::sync::OnceLock;
use vouch_osv::time::Date;
use vouch_osv::{AdvisorySource, AuditOptions, AuditReport, Database, Ecosystem, Query};

/// A database of every fixture, imported once per test binary.
fn db() -> &'static Database {
    static DB: OnceLock<(tempfile::TempDir, Database)> = OnceLock::new();
    &DB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut db = Database::create(&dir.path().join("advisories.redb")).expect("create");
        for s in ["pypa", "rustsec", "ghsa"] {
            let sum = db.import(&root().join(s), &|_, _| {}).expect("import");
            assert!(sum.errors.is_empty(), "{:?}", sum.errors);
        }
        (dir, db)
    })
    .1
}

fn audit(queries: Vec<Query>) -> AuditReport {
    let reader = db().reader().expect("reader");
    let opts = AuditOptions {
        today: Date::parse("2025-01-01").expect("date"),
        tool_version: "test".into(),
        ..AuditOptions::default()
    };
    vouch_osv::audit(
        queries,
        &[AdvisorySource {
            lookup: &reader,
            claims: None,
        }],
        &opts,
    )
    .expect("audit")
}

fn q(eco: Ecosystem, name: &str, version: &str) -> Query {
    Query {
        ecosystem: Some(eco),
        name: name.into(),
        version: Some(version.into()),
        sha256: vec![],
        format: None,
        locations: vec![],
    }
}

/// The finding ids (sorted) and the suggested upgrade for one package version.
fn check(eco: Ecosystem, name: &str, version: &str) -> (Vec<String>, Option<String>) {
    let r = audit(vec![q(eco, name, version)]);
    let mut ids: Vec<String> = r.findings.iter().map(|f| f.id.clone()).collect();
    ids.sort();
    let upgrade = r.findings.first().and_then(|f| f.upgrade.clone());
    (ids, upgrade)
}

fn pypi(name: &str, v: &str) -> Vec<String> {
    check(Ecosystem::PyPI, name, v).0
}

fn krate(name: &str, v: &str) -> Vec<String> {
    check(Ecosystem::CratesIo, name, v).0
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn the_database_holds_every_fixture() {
    let st = db().status().expect("status");
    assert_eq!(st.advisories, 21 + 13 + 1);
    let withdrawn: u64 = st.sources.iter().map(|s| s.withdrawn).sum();
    assert_eq!(
        withdrawn,
        3 + 1,
        "loguru, redis, hyperledger; ring RUSTSEC-2025-0007"
    );
}

// django: PYSEC-2021-98 [0,2.2.24) [3.0,3.1.12) [3.2,3.2.4), aliased by GHSA-68w8-qjq3-2gfm;
// PYSEC-2023-61 [3.2,3.2.19) [4.0,4.1.9) [4.2,4.2.1) plus listed 3.2a1 3.2b1 3.2rc1 4.2a1
// 4.2b1 4.2rc1 (outside its ranges); PYSEC-2021-109 [3.1,3.1.13) [3.2,3.2.5).
#[test]
fn django_intervals_and_boundaries() {
    let all = ids(&["PYSEC-2021-109", "PYSEC-2021-98", "PYSEC-2023-61"]);
    for (v, want) in [
        ("2.2.23", ids(&["PYSEC-2021-98"])),
        ("2.2.24", ids(&[])),             // exactly at fixed
        ("3.0", ids(&["PYSEC-2021-98"])), // exactly at introduced
        ("3.1.12", ids(&["PYSEC-2021-109"])),
        ("3.2", all.clone()),   // at three introduced bounds
        ("3.2.0", all.clone()), // 3.2 == 3.2.0 in PEP 440
        ("3.2.4", ids(&["PYSEC-2021-109", "PYSEC-2023-61"])),
        ("3.2.5", ids(&["PYSEC-2023-61"])),
        ("3.2.18+ubuntu1", ids(&["PYSEC-2023-61"])), // local version: after 3.2.18
        ("3.2.18.post1", ids(&["PYSEC-2023-61"])),
        ("3.2.19.dev0", ids(&["PYSEC-2023-61"])), // a dev release sorts before 3.2.19
        ("3.2.19rc1", ids(&["PYSEC-2023-61"])),
        ("3.2.19", ids(&[])),
        ("3.2.19.post1", ids(&[])),
        ("3.2a1", ids(&["PYSEC-2023-61"])), // only through the versions list
        ("4.2rc1", ids(&["PYSEC-2023-61"])), // idem
        ("4.2rc2", ids(&[])),               // not listed, and before 4.2
        ("4.2", ids(&["PYSEC-2023-61"])),
        ("4.2.1", ids(&[])),
        ("1!2.0", ids(&[])), // an epoch sorts after every epoch-0 bound
    ] {
        assert_eq!(pypi("django", v), want, "django {v}");
    }
    // PEP 503: the query's spelling does not matter.
    assert_eq!(pypi("DJANGO", "3.2.5"), ids(&["PYSEC-2023-61"]));
}

#[test]
fn aliases_merge_into_one_finding_with_the_best_score() {
    let r = audit(vec![q(Ecosystem::PyPI, "Django", "3.0.1")]);
    let f: Vec<_> = r.findings.iter().map(|f| (&f.id, &f.aliases)).collect();
    assert_eq!(f.len(), 1, "{f:?}");
    let f = &r.findings[0];
    assert_eq!(f.id, "PYSEC-2021-98");
    assert_eq!(f.aliases, ["CVE-2021-33203", "GHSA-68w8-qjq3-2gfm"]);
    assert_eq!((f.severity.as_str(), f.cvss), ("medium", Some(4.9)));
    assert_eq!(f.fixed, ["2.2.24", "3.1.12", "3.2.4"]);
    assert_eq!(f.package, "Django");
    // The smallest version no django advisory affects: 3.1.12 is still in PYSEC-2021-109.
    assert_eq!(f.upgrade.as_deref(), Some("3.1.13"));
}

#[test]
fn upgrades_avoid_every_known_advisory() {
    // 3.2: 3.2.4 (109, 61) and 3.2.5 (61) are still affected.
    assert_eq!(
        check(Ecosystem::PyPI, "django", "3.2").1.as_deref(),
        Some("3.2.19")
    );
    // pyyaml: PYSEC-2020-96 < 5.3.1, PYSEC-2021-142 < 5.4.
    assert_eq!(
        check(Ecosystem::PyPI, "PyYAML", "5.3"),
        (
            ids(&["PYSEC-2020-96", "PYSEC-2021-142"]),
            Some("5.4".into())
        )
    );
    // jinja2 2.7.2: fixed by 2.7.2 for PYSEC-2014-8; < 2.7.3, < 2.8.1, < 2.10.1, < 2.11.3.
    assert_eq!(
        check(Ecosystem::PyPI, "Jinja2", "2.7.2"),
        (
            ids(&[
                "PYSEC-2014-82",
                "PYSEC-2019-217",
                "PYSEC-2019-220",
                "PYSEC-2021-66"
            ]),
            Some("2.11.3".into())
        )
    );
    // py: last_affected only, so no fixed version exists.
    assert_eq!(
        check(Ecosystem::PyPI, "py", "1.11.0"),
        (ids(&["PYSEC-2022-42969"]), None)
    );
}

#[test]
fn last_affected_is_inclusive() {
    // py PYSEC-2022-42969: introduced 0, last_affected 1.11.0.
    for (v, hit) in [
        ("1.10.0", true),
        ("1.11.0", true),
        ("1.11.0.post1", false),
        ("1.11.1", false),
    ] {
        assert_eq!(pypi("py", v).len(), usize::from(hit), "py {v}");
    }
}

#[test]
fn listed_versions_count_even_outside_ranges() {
    // gevent PYSEC-2023-177: range [0, 23.9.0), versions list ends with 23.9.0, 23.9.0.post1.
    for (v, hit) in [
        ("23.8.0", true),
        ("23.9.0", true),
        ("23.9.0.post1", true),
        ("23.9.0.post2", false),
        ("23.9.1", false),
    ] {
        assert_eq!(pypi("gevent", v).len(), usize::from(hit), "gevent {v}");
    }
    // gratient PYSEC-2024-1: only `versions: ["0.5"]`; 0.5.0 is the same version.
    assert_eq!(pypi("gratient", "0.5").len(), 1);
    assert_eq!(pypi("gratient", "0.5.0").len(), 1);
    assert!(pypi("gratient", "0.6").is_empty());
    // limnoria PYSEC-2019-102: listed legacy versions (timestamps) match as text.
    assert_eq!(pypi("limnoria", "2013-01-21T20:33:09+0100").len(), 1);
    assert_eq!(pypi("limnoria", "2019.11.8").len(), 1);
    assert!(
        pypi("limnoria", "2019.11.09").is_empty(),
        "at fixed (2019.11.9)"
    );
}

#[test]
fn names_are_pep503_normalised_on_both_sides() {
    // The record says `jw.util`; range [0, 2.3); a legacy listed version.
    assert_eq!(pypi("JW_Util", "2.2"), ids(&["PYSEC-2020-341"]));
    assert_eq!(pypi("jw-util", "2.3"), ids(&[]));
    assert_eq!(
        pypi("jw.util", "-class.-jw.util.version.Version-"),
        ids(&["PYSEC-2020-341"])
    );
}

#[test]
fn prerelease_bounds_in_many_intervals() {
    // salt PYSEC-2021-57: … [2017.7.0, 2017.7.8) [2018.3.0rc1, 2019.2.0rc1) [2019.2.0, 2019.2.5)
    // [2019.2.6, 2019.2.8) [3000, 3000.6) [3001, 3001.4) [3002, 3002.5).
    for (v, hit) in [
        ("2017.7.8", false),
        ("2018.3.0b1", false),
        ("2018.3.0rc1", true),
        ("2018.3.4", true),
        ("2019.2.0rc1", false),
        ("2019.2.0", true),
        ("2019.2.5", false),
        ("2019.2.6", true),
        ("3000", true),
        ("3000.5", true),
        ("3000.6", false),
        ("3002.4", true),
        ("3002.5", false),
        ("3003", false),
    ] {
        assert_eq!(pypi("salt", v).len(), usize::from(hit), "salt {v}");
    }
}

#[test]
fn withdrawn_advisories_are_never_reported() {
    assert!(pypi("loguru", "0.5.3").is_empty()); // withdrawn, neither ranges nor versions
    assert!(pypi("redis", "4.5.4").is_empty()); // withdrawn, introduced 0
    assert!(pypi("hyperledger", "0.1").is_empty()); // withdrawn (unquoted YAML timestamp)
    // ring: RUSTSEC-2025-0007 (withdrawn, all versions) never; 0009 < 0.17.12; 0010 < 0.17.0.
    assert_eq!(
        check(Ecosystem::CratesIo, "ring", "0.16.20"),
        (
            ids(&["RUSTSEC-2025-0009", "RUSTSEC-2025-0010"]),
            Some("0.17.12".into())
        )
    );
    assert!(krate("ring", "0.17.12").is_empty());
}

#[test]
fn invalid_bounds_do_not_crash_and_are_not_guessed() {
    // binderhub `0.2.0-n653` and steam `2019-09-12` are not PEP 440: the ranges are skipped
    // (and reported by `vouch db import`); neither record has a versions list.
    assert!(pypi("binderhub", "0.1.0").is_empty());
    assert!(pypi("steam", "1.0.0").is_empty());
}

#[test]
fn smallvec_semver_with_prereleases() {
    // RUSTSEC-2018-0003 [0.3.2,0.3.4) [0.4.0-0,0.4.5) [0.5.0-0,0.5.1) [0.6.0-0,0.6.3);
    // RUSTSEC-2018-0018 (unsound) [0.0.0-0,0.6.13); RUSTSEC-2019-0009 [0.6.5,0.6.10);
    // RUSTSEC-2019-0012 [0.6.3,0.6.10); RUSTSEC-2021-0003 [0.6.3,0.6.14) [1.0.0,1.6.1).
    for (v, want) in [
        ("0.3.1", ids(&["RUSTSEC-2018-0018"])),
        ("0.3.2", ids(&["RUSTSEC-2018-0003", "RUSTSEC-2018-0018"])),
        ("0.5.0", ids(&["RUSTSEC-2018-0003", "RUSTSEC-2018-0018"])),
        ("0.5.1", ids(&["RUSTSEC-2018-0018"])),
        (
            "0.6.0-alpha.1",
            ids(&["RUSTSEC-2018-0003", "RUSTSEC-2018-0018"]),
        ), // > 0.6.0-0
        (
            "0.6.3",
            ids(&[
                "RUSTSEC-2018-0018",
                "RUSTSEC-2019-0012",
                "RUSTSEC-2021-0003",
            ]),
        ),
        (
            "0.6.5",
            ids(&[
                "RUSTSEC-2018-0018",
                "RUSTSEC-2019-0009",
                "RUSTSEC-2019-0012",
                "RUSTSEC-2021-0003",
            ]),
        ),
        ("0.6.13", ids(&["RUSTSEC-2021-0003"])),
        ("0.6.14", ids(&[])),
        ("1.0.0-alpha", ids(&[])), // before 1.0.0, after 0.6.14
        ("1.0.0", ids(&["RUSTSEC-2021-0003"])),
        ("1.6.0", ids(&["RUSTSEC-2021-0003"])),
        ("1.6.0+build.7", ids(&["RUSTSEC-2021-0003"])), // build metadata is ignored
        ("1.6.1", ids(&[])),
    ] {
        assert_eq!(krate("smallvec", v), want, "smallvec {v}");
    }
    // The upgrade skips 0.6.13 (still in RUSTSEC-2021-0003) even from 0.5.0, whose own
    // advisories 0.6.13 would fix.
    assert_eq!(
        check(Ecosystem::CratesIo, "smallvec", "0.5.0").1.as_deref(),
        Some("0.6.14")
    );
    assert_eq!(
        check(Ecosystem::CratesIo, "smallvec", "1.2.0").1.as_deref(),
        Some("1.6.1")
    );
}

#[test]
fn semver_multi_pair_ranges() {
    // aws-sigv4 RUSTSEC-2023-0125: [0.0.0-0,0.2.1) [0.3.0-0,0.3.1) [0.4.0-0,0.5.3) [0.6.0-0,0.6.1)
    // [0.7.0-0,0.7.1) [0.8.0-0,0.8.1) ...
    for (v, hit) in [
        ("0.2.0", true),
        ("0.2.1", false),
        ("0.3.0-alpha", true),
        ("0.3.0", true),
        ("0.3.1", false),
        ("0.4.0-0", true), // exactly at a pre-release introduced
        ("0.5.2", true),
        ("0.5.3", false),
        ("0.8.1", false),
    ] {
        assert_eq!(
            krate("aws-sigv4", v).len(),
            usize::from(hit),
            "aws-sigv4 {v}"
        );
    }
    // actix-http RUSTSEC-2020-0048 fixed 2.0.0-alpha.1; actix-codec RUSTSEC-2020-0049 fixed 0.3.0-beta.1.
    assert_eq!(krate("actix-http", "2.0.0-alpha.0").len(), 1);
    assert!(krate("actix-http", "2.0.0-alpha.1").is_empty());
    assert_eq!(krate("actix-codec", "0.3.0-alpha.1").len(), 1);
    assert!(krate("actix-codec", "0.3.0-beta.1").is_empty());
    // crates.io names: `_` and `-` are the same crate.
    assert_eq!(krate("aws_sigv4", "0.2.0").len(), 1);
}

#[test]
fn severities_from_cvss_v3_and_v4_and_notices() {
    let r = audit(vec![
        q(Ecosystem::CratesIo, "cap-primitives", "3.4.0"),
        q(Ecosystem::CratesIo, "openssl", "0.8.3"),
        q(Ecosystem::CratesIo, "smallvec", "0.6.12"),
    ]);
    let got: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.id.as_str(),
                f.severity.as_str(),
                f.cvss,
                f.informational.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N = 2.3 (FIRST calculator)
            ("RUSTSEC-2024-0445", "low", Some(2.3), None),
            // CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H = 8.1
            ("RUSTSEC-2016-0001", "high", Some(8.1), None),
            ("RUSTSEC-2021-0003", "critical", Some(9.8), None),
            ("RUSTSEC-2018-0018", "info", None, Some("unsound")),
        ]
    );
    assert_eq!(r.summary.critical, 1);
    assert_eq!(r.summary.info, 1);
}

#[test]
fn report_json_snapshot() {
    let mut django = q(Ecosystem::PyPI, "Django", "3.2.4");
    django.locations.push(vouch_osv::Location {
        path: "requirements.txt".into(),
        line: Some(3),
    });
    let r = audit(vec![
        django,
        q(Ecosystem::CratesIo, "smallvec", "1.6.0"),
        Query {
            version: None,
            ..q(Ecosystem::PyPI, "requests", "")
        },
    ]);
    insta::assert_json_snapshot!("report_json", r);
}
