//! vouch's PEP 440 parsing and ordering against Python's `packaging` (the reference
//! implementation pip uses), on thousands of generated version strings: every spelling PEP 440
//! allows (epochs, pre/post/dev releases with their alternative spellings and separators,
//! implicit numbers, local versions, leading `v`, case, leading zeros) and some it does not.
//!
//! The strings are written to a file; `python -c` parses and sorts them with
//! `packaging.version.Version`; both sides must agree on which strings are valid and on the
//! order (with ties) of the valid ones.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::cmp::Ordering;
use vouch_osv::{Scheme, Version};

/// How many versions are generated.
const N: usize = 8000;

fn num() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u32..12).prop_map(|n| n.to_string()),
        1 => (0u32..3).prop_map(|n| format!("0{n}")), // leading zeros
        1 => (2000u32..2030).prop_map(|n| n.to_string()),
    ]
}

fn version() -> impl Strategy<Value = String> {
    let epoch = prop_oneof![8 => Just(String::new()), 1 => (1u32..3).prop_map(|e| format!("{e}!"))];
    let release = prop::collection::vec(num(), 1..5).prop_map(|v| v.join("."));
    let sep = || prop_oneof![4 => Just(""), 1 => Just("."), 1 => Just("-"), 1 => Just("_")];
    let pre = prop_oneof![
        5 => Just(String::new()),
        3 => (
            sep(),
            prop_oneof![Just("a"), Just("b"), Just("rc"), Just("alpha"), Just("beta"), Just("c"), Just("pre"), Just("preview"), Just("RC")],
            prop_oneof![3 => (0u32..4).prop_map(|n| n.to_string()), 1 => Just(String::new())],
        )
            .prop_map(|(s, l, n)| format!("{s}{l}{n}")),
    ];
    let post = prop_oneof![
        6 => Just(String::new()),
        2 => (sep(), prop_oneof![Just("post"), Just("r"), Just("rev"), Just("POST")], prop_oneof![3 => (0u32..4).prop_map(|n| n.to_string()), 1 => Just(String::new())])
            .prop_map(|(s, l, n)| format!("{s}{l}{n}")),
        1 => (1u32..4).prop_map(|n| format!("-{n}")), // implicit post release
    ];
    let dev = prop_oneof![
        6 => Just(String::new()),
        2 => (sep(), prop_oneof![3 => (0u32..4).prop_map(|n| n.to_string()), 1 => Just(String::new())])
            .prop_map(|(s, n)| format!("{s}dev{n}")),
    ];
    let local = prop_oneof![
        7 => Just(String::new()),
        2 => prop::collection::vec(prop_oneof![Just("ubuntu1".to_owned()), Just("abc".to_owned()), (0u32..12).prop_map(|n| n.to_string()), Just("1a".to_owned())], 1..3)
            .prop_map(|p| format!("+{}", p.join("."))),
        1 => prop::collection::vec(prop_oneof![Just("Cpu".to_owned()), (0u32..3).prop_map(|n| n.to_string())], 1..3)
            .prop_map(|p| format!("+{}", p.join("-"))),
    ];
    let prefix = prop_oneof![10 => Just(""), 1 => Just("v"), 1 => Just("V"), 1 => Just(" ")];
    // A few strings that PEP 440 rejects, to check that both sides reject them.
    let junk = prop_oneof![
        Just("1.0-n653".to_owned()),
        Just("2019-09-12".to_owned()),
        Just("1.0+".to_owned()),
        Just("1..0".to_owned()),
        Just("1.0.post-1".to_owned()),
        Just("1.0_".to_owned()),
        Just("abc".to_owned()),
        Just("1.0+a..b".to_owned()),
        Just("1!".to_owned()),
        Just("1.0a1.b2".to_owned()),
    ];
    let valid = (prefix, epoch, release, pre, post, dev, local)
        .prop_map(|(x, e, r, p, po, d, l)| format!("{x}{e}{r}{p}{po}{d}{l}"))
        .boxed();
    // Mutants: one character inserted, mostly making the string invalid in subtle ways.
    let mutant = (
        valid.clone(),
        any::<prop::sample::Index>(),
        prop::sample::select(vec![
            '-', '.', '+', '!', '_', 'a', 'x', ' ', '*', '0', 'v', '=',
        ]),
    )
        .prop_map(|(s, at, c)| {
            let i = at.index(s.len() + 1);
            let mut t = s;
            if t.is_char_boundary(i) {
                t.insert(i, c);
            }
            t
        });
    prop_oneof![
        24 => valid,
        6 => mutant,
        1 => junk,
    ]
}

fn generate() -> Vec<String> {
    let mut runner = TestRunner::deterministic();
    let strat = version();
    let mut out = Vec::with_capacity(N);
    while out.len() < N {
        let v = strat.new_tree(&mut runner).expect("tree").current();
        out.push(v);
    }
    out.sort();
    out.dedup();
    out
}

const PY: &str = r#"
import sys
from packaging.version import Version, InvalidVersion
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
valid = []
for i, s in enumerate(lines):
    try:
        valid.append((Version(s), i))
    except InvalidVersion:
        print(f"invalid {i}")
valid.sort(key=lambda t: t[0])
rank = -1
prev = None
for v, i in valid:
    if prev is None or v != prev:
        rank += 1
    prev = v
    print(f"rank {i} {rank}")
"#;

#[test]
fn pep440_agrees_with_packaging() {
    let Some(python) = crate::oracle_python("pep440_agrees_with_packaging") else {
        return;
    };
    let versions = generate();
    assert!(
        versions.len() > 4000,
        "only {} distinct versions",
        versions.len()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("versions.txt");
    let mut text = versions.join("\n");
    text.push('\n');
    std::fs::write(&file, text).expect("write");
    let out = crate::run_python(&python, PY, &file);

    let mut py_rank: Vec<Option<usize>> = vec![None; versions.len()];
    for line in out.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["rank", i, r] => py_rank[i.parse::<usize>().unwrap()] = Some(r.parse().unwrap()),
            ["invalid", _] => {}
            _ => panic!("unexpected python output: {line}"),
        }
    }
    // 1. The same strings are valid.
    let ours: Vec<Option<Version>> = versions
        .iter()
        .map(|s| Version::parse(Scheme::Pep440, s).ok())
        .collect();
    let mut disagreements = Vec::new();
    for (i, s) in versions.iter().enumerate() {
        if ours[i].is_some() != py_rank[i].is_some() {
            disagreements.push(format!(
                "{s:?}: vouch {}, packaging {}",
                if ours[i].is_some() {
                    "valid"
                } else {
                    "invalid"
                },
                if py_rank[i].is_some() {
                    "valid"
                } else {
                    "invalid"
                }
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "validity differs:\n{}",
        disagreements.join("\n")
    );
    // 2. The same order, ties included: compare every pair of neighbours in packaging's order
    //    and a spread of far-apart pairs.
    let mut valid: Vec<(usize, usize)> = py_rank
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|r| (r, i)))
        .collect();
    valid.sort();
    let cmp_ours = |a: usize, b: usize| -> Ordering {
        ours[a]
            .as_ref()
            .unwrap()
            .compare(ours[b].as_ref().unwrap())
            .unwrap()
    };
    let mut wrong = Vec::new();
    let n = valid.len();
    for k in 0..n {
        for step in [1usize, 2, 7, 31, 257, 1023] {
            let Some(&(rb, b)) = valid.get(k + step) else {
                continue;
            };
            let (ra, a) = valid[k];
            let want = ra.cmp(&rb);
            let got = cmp_ours(a, b);
            if got != want {
                wrong.push(format!(
                    "{:?} vs {:?}: packaging {want:?}, vouch {got:?}",
                    versions[a], versions[b]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} ordering disagreements, first ones:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
    eprintln!(
        "pep440: {} strings, {} valid, {} ranks: vouch agrees with packaging",
        versions.len(),
        n,
        valid.last().map_or(0, |v| v.0 + 1)
    );
}
