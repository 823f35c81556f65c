//! CVSS v3.0, v3.1 and v4.0 base scores against Python's `cvss` package (Red Hat's
//! implementation of FIRST's specifications), on every vector of the fixtures and thousands of
//! generated base vectors.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use vouch_osv::score::CvssScore;

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(options)
}

fn v3() -> impl Strategy<Value = String> {
    (
        pick(&["3.0", "3.1"]),
        pick(&["N", "A", "L", "P"]),
        pick(&["L", "H"]),
        pick(&["N", "L", "H"]),
        pick(&["N", "R"]),
        pick(&["U", "C"]),
        pick(&["H", "L", "N"]),
        pick(&["H", "L", "N"]),
        pick(&["H", "L", "N"]),
    )
        .prop_map(|(v, av, ac, pr, ui, s, c, i, a)| {
            format!("CVSS:{v}/AV:{av}/AC:{ac}/PR:{pr}/UI:{ui}/S:{s}/C:{c}/I:{i}/A:{a}")
        })
}

fn v4() -> impl Strategy<Value = String> {
    (
        (
            pick(&["N", "A", "L", "P"]),
            pick(&["L", "H"]),
            pick(&["N", "P"]),
            pick(&["N", "L", "H"]),
            pick(&["N", "P", "A"]),
        ),
        (
            pick(&["H", "L", "N"]),
            pick(&["H", "L", "N"]),
            pick(&["H", "L", "N"]),
            pick(&["H", "L", "N"]),
            pick(&["H", "L", "N"]),
            pick(&["H", "L", "N"]),
        ),
    )
        .prop_map(|((av, ac, at, pr, ui), (vc, vi, va, sc, si, sa))| {
            format!(
                "CVSS:4.0/AV:{av}/AC:{ac}/AT:{at}/PR:{pr}/UI:{ui}/VC:{vc}/VI:{vi}/VA:{va}/SC:{sc}/SI:{si}/SA:{sa}"
            )
        })
}

fn fixture_vectors() -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![crate::fixture_dir()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json" || x == "yaml") {
                let text = std::fs::read_to_string(&p).unwrap();
                for line in text.lines() {
                    if let Some(i) = line.find("CVSS:") {
                        let v: String = line[i..]
                            .chars()
                            .take_while(|c| !matches!(c, '"' | '\'' | ' ' | ','))
                            .collect();
                        out.push(v);
                    }
                }
            }
        }
    }
    out
}

const PY: &str = r#"
import sys
from cvss import CVSS3, CVSS4
for line in open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]:
    s = CVSS4(line).base_score if line.startswith("CVSS:4") else CVSS3(line).scores()[0]
    print(f"{float(s):.1f}")
"#;

#[test]
fn cvss_scores_agree_with_the_reference() {
    let Some(python) = crate::oracle_python("cvss_scores_agree_with_the_reference") else {
        return;
    };
    let mut vectors = fixture_vectors();
    assert!(vectors.len() >= 10, "{vectors:?}");
    let mut runner = TestRunner::deterministic();
    let (s3, s4) = (v3(), v4());
    for _ in 0..2000 {
        vectors.push(s3.new_tree(&mut runner).unwrap().current());
        vectors.push(s4.new_tree(&mut runner).unwrap().current());
    }
    vectors.sort();
    vectors.dedup();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vectors.txt");
    std::fs::write(&file, vectors.join("\n") + "\n").unwrap();
    let out = crate::run_python(&python, PY, &file);
    let want: Vec<&str> = out.lines().collect();
    assert_eq!(want.len(), vectors.len());
    let mut wrong = Vec::new();
    for (v, w) in vectors.iter().zip(&want) {
        let ours = CvssScore::parse(v).map(|s| format!("{:.1}", s.score));
        if ours.as_deref() != Some(*w) {
            wrong.push(format!("{v}: reference {w}, vouch {ours:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        vectors.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
    eprintln!("cvss: {} vectors agree with the reference", vectors.len());
}
