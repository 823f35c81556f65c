//! vouch's SemVer ordering (used for crates.io, npm and every `SEMVER` range) against an
//! independent implementation of semver.org §11 precedence written here from the spec text:
//! compare major, minor, patch numerically; a version with a pre-release has lower precedence;
//! pre-release identifiers compare left to right, numeric ones numerically, alphanumeric ones in
//! ASCII order, numeric below alphanumeric, and a longer list wins when all before are equal;
//! build metadata is ignored.

use proptest::prelude::*;
use std::cmp::Ordering;
use vouch_osv::{Scheme, Version};

fn reference(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> ([u64; 3], Vec<String>) {
        let v = v.split('+').next().unwrap_or(v);
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) => (c, p.split('.').map(str::to_owned).collect()),
            None => (v, Vec::new()),
        };
        let mut nums = [0u64; 3];
        for (slot, part) in nums.iter_mut().zip(core.split('.')) {
            *slot = part.parse().expect("numeric core");
        }
        (nums, pre)
    }
    let (ca, pa) = split(a);
    let (cb, pb) = split(b);
    match ca.cmp(&cb) {
        Ordering::Equal => {}
        o => return o,
    }
    match (pa.is_empty(), pb.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in pa.iter().zip(&pb) {
        let xn = x.bytes().all(|c| c.is_ascii_digit());
        let yn = y.bytes().all(|c| c.is_ascii_digit());
        let o = match (xn, yn) {
            (true, true) => x.parse::<u64>().unwrap().cmp(&y.parse::<u64>().unwrap()),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.as_bytes().cmp(y.as_bytes()),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0u64..20).prop_map(|n| n.to_string()),
        1 => Just("0".to_owned()),
        3 => prop_oneof![Just("alpha"), Just("beta"), Just("rc"), Just("x"), Just("Alpha"), Just("a-1"), Just("gat"), Just("0a")].prop_map(str::to_owned),
    ]
}

fn semver() -> impl Strategy<Value = String> {
    (
        0u64..4,
        0u64..4,
        0u64..4,
        prop::collection::vec(ident(), 0..4),
        prop::option::of(prop_oneof![
            Just("build.1"),
            Just("sha.5114f85"),
            Just("001")
        ]),
    )
        .prop_map(|(ma, mi, pa, pre, build)| {
            let mut s = format!("{ma}.{mi}.{pa}");
            if !pre.is_empty() {
                s.push('-');
                s.push_str(&pre.join("."));
            }
            if let Some(b) = build {
                s.push('+');
                s.push_str(b);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

    #[test]
    fn semver_precedence_matches_the_spec(a in semver(), b in semver()) {
        let va = Version::parse(Scheme::Semver, &a).unwrap();
        let vb = Version::parse(Scheme::Semver, &b).unwrap();
        prop_assert_eq!(va.compare(&vb), Some(reference(&a, &b)), "{} vs {}", a, b);
    }

    #[test]
    fn semver_ordering_is_a_total_order(a in semver(), b in semver(), c in semver()) {
        let p = |s: &str| Version::parse(Scheme::Semver, s).unwrap();
        let (x, y, z) = (p(&a), p(&b), p(&c));
        prop_assert_eq!(x.compare(&y).map(Ordering::reverse), y.compare(&x));
        if x.compare(&y) != Some(Ordering::Greater) && y.compare(&z) != Some(Ordering::Greater) {
            prop_assert_ne!(x.compare(&z), Some(Ordering::Greater));
        }
    }
}

#[test]
fn spec_examples_in_order() {
    // semver.org §11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta
    // < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0.
    let list = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
    ];
    for w in list.windows(2) {
        let a = Version::parse(Scheme::Semver, w[0]).unwrap();
        let b = Version::parse(Scheme::Semver, w[1]).unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Less), "{} < {}", w[0], w[1]);
        assert_eq!(reference(w[0], w[1]), Ordering::Less);
    }
}
