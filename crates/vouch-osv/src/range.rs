//! Is version `v` affected? The OSV "Evaluation" algorithm, exactly as the spec's pseudocode
//! writes it, over the ecosystem's ordering.
//!
//! A version is affected when it equals one of the `versions` listed, or lies in any range:
//! events sorted by version (`introduced: "0"` first), then walked in order — `introduced`
//! at or below `v` opens, `fixed` at or below `v` closes, `last_affected` below `v` closes —
//! and only while `v` is below one of the range's `limit`s (no limit: unbounded).
//!
//! Ranges vouch cannot evaluate are skipped: `GIT` ranges (commit graphs), `ECOSYSTEM` ranges of
//! ecosystems without a known ordering, and ranges with a bound that does not parse under the
//! ordering (two pypa records have one; `vouch db import` reports them). Their `versions` list
//! still applies.

use crate::advisory::{Affected, Event, Range};
use crate::version::{Scheme, Version, same_version};
use std::cmp::Ordering;

/// A bound of a range, with the spec's special values.
#[derive(Debug, Clone)]
enum Bound {
    /// `introduced: "0"`: before every version.
    Zero,
    /// `limit: "*"`: after every version.
    Infinity,
    /// A real version.
    At(Version),
}

impl Bound {
    fn parse(scheme: Scheme, event: &Event) -> Option<Bound> {
        match event {
            Event::Introduced(v) if v.trim() == "0" => Some(Bound::Zero),
            Event::Limit(v) if v.contains('*') => Some(Bound::Infinity),
            e => Version::parse(scheme, e.version()).ok().map(Bound::At),
        }
    }

    /// `self` compared with a version.
    fn cmp_version(&self, v: &Version) -> Ordering {
        match self {
            Bound::Zero => Ordering::Less,
            Bound::Infinity => Ordering::Greater,
            Bound::At(b) => b.compare(v).unwrap_or(Ordering::Greater),
        }
    }

    fn cmp_bound(&self, other: &Bound) -> Ordering {
        match (self, other) {
            (Bound::Zero, Bound::Zero) | (Bound::Infinity, Bound::Infinity) => Ordering::Equal,
            (Bound::Zero, _) | (_, Bound::Infinity) => Ordering::Less,
            (_, Bound::Zero) | (Bound::Infinity, _) => Ordering::Greater,
            (Bound::At(a), Bound::At(b)) => a.compare(b).unwrap_or(Ordering::Equal),
        }
    }
}

/// The outcome of evaluating one range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeVerdict {
    /// `v` is in the range.
    Affected,
    /// `v` is not in the range.
    NotAffected,
    /// The range cannot be evaluated (GIT, unknown ordering, a bound or `v` that does not parse).
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

/// A range with its bounds parsed and its events sorted, ready to evaluate many versions.
#[derive(Debug, Clone)]
struct PreparedRange {
    scheme: Scheme,
    /// Sorted by bound (stable: equal bounds keep the written order).
    events: Vec<(Kind, Bound)>,
    has_limits: bool,
}

impl PreparedRange {
    fn new(affected: &Affected, range: &Range) -> Option<PreparedRange> {
        let scheme = range.kind.scheme(&affected.ecosystem)?;
        let mut events = Vec::with_capacity(range.events.len());
        for e in &range.events {
            let kind = match e {
                Event::Introduced(_) => Kind::Introduced,
                Event::Fixed(_) => Kind::Fixed,
                Event::LastAffected(_) => Kind::LastAffected,
                Event::Limit(_) => Kind::Limit,
            };
            events.push((kind, Bound::parse(scheme, e)?));
        }
        events.sort_by(|a, b| a.1.cmp_bound(&b.1));
        let has_limits = events.iter().any(|(k, _)| *k == Kind::Limit);
        Some(PreparedRange {
            scheme,
            events,
            has_limits,
        })
    }

    /// The spec's `BeforeLimits` and event walk, for `v` parsed under `self.scheme`.
    fn contains(&self, v: &Version) -> bool {
        // With limit events, `v` must be below at least one of them.
        if self.has_limits
            && !self
                .events
                .iter()
                .any(|(k, b)| *k == Kind::Limit && b.cmp_version(v) == Ordering::Greater)
        {
            return false;
        }
        let mut vulnerable = false;
        for (kind, bound) in &self.events {
            let ord = bound.cmp_version(v); // bound vs v
            match kind {
                Kind::Introduced if ord != Ordering::Greater => vulnerable = true,
                Kind::Fixed if ord != Ordering::Greater => vulnerable = false,
                Kind::LastAffected if ord == Ordering::Less => vulnerable = false,
                _ => {}
            }
        }
        vulnerable
    }
}

/// An `affected` entry prepared for evaluating many versions: bounds parsed and sorted once,
/// listed versions parsed on demand.
#[derive(Debug)]
pub struct Prepared<'a> {
    entry: &'a Affected,
    scheme: Scheme,
    /// `None` for ranges vouch cannot evaluate.
    ranges: Vec<Option<PreparedRange>>,
    /// Listed versions, parsed when first needed (`None`: does not parse).
    listed: std::cell::OnceCell<Vec<Option<Version>>>,
}

impl<'a> Prepared<'a> {
    /// Prepare an entry.
    pub fn new(entry: &'a Affected) -> Prepared<'a> {
        Prepared {
            entry,
            scheme: entry.ecosystem.scheme(),
            ranges: entry
                .ranges
                .iter()
                .map(|r| PreparedRange::new(entry, r))
                .collect(),
            listed: std::cell::OnceCell::new(),
        }
    }

    /// The entry.
    pub fn entry(&self) -> &'a Affected {
        self.entry
    }

    /// Whether version `v` is affected: listed in `versions` (equal under the ecosystem's
    /// ordering, or as text when either does not parse), or inside any evaluable range.
    pub fn is_affected(&self, v: &str) -> bool {
        let v = v.trim();
        let mut parsed: [Option<Option<Version>>; 2] = [None, None];
        let mut parse = |scheme: Scheme| -> Option<Version> {
            let slot = match scheme {
                Scheme::Pep440 => 0,
                _ => 1,
            };
            parsed.get_mut(slot).and_then(|p| {
                p.get_or_insert_with(|| Version::parse(scheme, v).ok())
                    .clone()
            })
        };
        for r in self.ranges.iter().flatten() {
            if let Some(pv) = parse(r.scheme)
                && r.contains(&pv)
            {
                return true;
            }
        }
        if self.entry.versions.is_empty() {
            return false;
        }
        if self.entry.versions.iter().any(|l| l == v) {
            return true;
        }
        if self.scheme == Scheme::Unordered {
            return false;
        }
        let Some(pv) = parse(self.scheme) else {
            return false;
        };
        let listed = self.listed.get_or_init(|| {
            self.entry
                .versions
                .iter()
                .map(|l| Version::parse(self.scheme, l).ok())
                .collect()
        });
        listed
            .iter()
            .flatten()
            .any(|l| l.compare(&pv) == Some(Ordering::Equal))
    }
}

/// Evaluate one range for version `v` of a package of `affected.ecosystem`.
pub fn evaluate_range(affected: &Affected, range: &Range, v: &str) -> RangeVerdict {
    let Some(scheme) = range.kind.scheme(&affected.ecosystem) else {
        return RangeVerdict::Unknown;
    };
    let Ok(v) = Version::parse(scheme, v) else {
        return RangeVerdict::Unknown;
    };
    match PreparedRange::new(affected, range) {
        None => RangeVerdict::Unknown,
        Some(r) if r.contains(&v) => RangeVerdict::Affected,
        Some(_) => RangeVerdict::NotAffected,
    }
}

/// Whether version `v` is affected by this `affected` entry: listed in `versions`, or inside
/// any evaluable range. (To evaluate many versions, use [`Prepared`].)
pub fn is_affected(affected: &Affected, v: &str) -> bool {
    Prepared::new(affected).is_affected(v)
}

/// Whether the entry describes every version (a range from `"0"` that is never closed, or a
/// package with no ranges and no versions): used when the installed version is not known, e.g.
/// a model repository without a revision.
pub fn affects_all_versions(affected: &Affected) -> bool {
    if affected.ranges.is_empty() && affected.versions.is_empty() {
        return true;
    }
    affected.ranges.iter().any(|r| {
        r.events
            .iter()
            .any(|e| matches!(e, Event::Introduced(v) if v.trim() == "0" || v.trim() == "0.0.0-0"))
            && r.events.iter().all(|e| matches!(e, Event::Introduced(_)))
    })
}

/// The `fixed` versions of the entry's evaluable ranges (not GIT commits), in ascending order.
pub fn fixed_versions(affected: &Affected) -> Vec<String> {
    let scheme = affected.ecosystem.scheme();
    let mut out: Vec<String> = Vec::new();
    for r in &affected.ranges {
        if r.kind.scheme(&affected.ecosystem).is_none() {
            continue;
        }
        for e in &r.events {
            if let Event::Fixed(v) = e
                && !out.iter().any(|o| same_version(scheme, o, v))
            {
                out.push(v.clone());
            }
        }
    }
    sort_versions(scheme, &mut out);
    out
}

/// Sort version strings ascending under `scheme`; unparsable ones go last, in text order.
pub fn sort_versions(scheme: Scheme, versions: &mut [String]) {
    versions.sort_by(|a, b| {
        match (Version::parse(scheme, a), Version::parse(scheme, b)) {
            (Ok(x), Ok(y)) => x.compare(&y).unwrap_or(Ordering::Equal),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => a.cmp(b),
        }
        .then_with(|| a.cmp(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::RangeKind;
    use crate::version::Ecosystem;

    fn entry(eco: Ecosystem, kind: RangeKind, events: &[(&str, &str)]) -> Affected {
        Affected {
            ecosystem: eco,
            name: "p".into(),
            purl: None,
            ranges: vec![Range {
                kind,
                events: events
                    .iter()
                    .map(|(k, v)| {
                        let v = (*v).to_owned();
                        match *k {
                            "introduced" => Event::Introduced(v),
                            "fixed" => Event::Fixed(v),
                            "last_affected" => Event::LastAffected(v),
                            "limit" => Event::Limit(v),
                            _ => unreachable!(),
                        }
                    })
                    .collect(),
            }],
            versions: vec![],
            severity: vec![],
            artifacts: vec![],
            informational: None,
        }
    }

    fn check(a: &Affected, cases: &[(&str, bool)]) {
        for (v, want) in cases {
            assert_eq!(is_affected(a, v), *want, "version {v}");
        }
    }

    #[test]
    fn pypi_multiple_intervals() {
        let a = entry(
            Ecosystem::PyPI,
            RangeKind::Ecosystem,
            &[
                ("introduced", "0"),
                ("fixed", "2.2.24"),
                ("introduced", "3.0"),
                ("fixed", "3.1.12"),
                ("introduced", "3.2"),
                ("fixed", "3.2.4"),
            ],
        );
        check(
            &a,
            &[
                ("0.1", true),
                ("2.2.23", true),
                ("2.2.24", false),
                ("2.2.25", false),
                ("3.0a1", false), // a pre-release of 3.0 sorts before the introduced 3.0
                ("3.0", true),
                ("3.0.0", true),
                ("3.1.12", false),
                ("3.2rc1", false),
                ("3.2", true),
                ("3.2.3", true),
                ("3.2.4", false),
                ("3.2.4.post1", false),
                ("3.2.4rc1", true),
                ("1!0.1", false), // an epoch puts it after everything
            ],
        );
    }

    #[test]
    fn last_affected_is_inclusive() {
        let a = entry(
            Ecosystem::PyPI,
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("last_affected", "1.11.0")],
        );
        check(
            &a,
            &[("1.11.0", true), ("1.11.0.post1", false), ("1.11.1", false)],
        );
    }

    #[test]
    fn limits() {
        let a = entry(
            Ecosystem::CratesIo,
            RangeKind::Semver,
            &[("introduced", "1.0.0"), ("limit", "1.5.0")],
        );
        check(
            &a,
            &[
                ("0.9.0", false),
                ("1.0.0", true),
                ("1.4.9", true),
                ("1.5.0", false),
            ],
        );
        let star = entry(
            Ecosystem::CratesIo,
            RangeKind::Semver,
            &[("introduced", "1.0.0"), ("limit", "*")],
        );
        check(&star, &[("99.0.0", true)]);
    }

    #[test]
    fn semver_prereleases_and_unsorted_events() {
        let a = entry(
            Ecosystem::CratesIo,
            RangeKind::Semver,
            &[("fixed", "0.25.0"), ("introduced", "0.25.0-0")],
        );
        check(
            &a,
            &[
                ("0.24.9", false),
                ("0.25.0-0", true),
                ("0.25.0-alpha.5", true),
                ("0.25.0", false),
            ],
        );
    }

    #[test]
    fn unparsable_bound_skips_the_range_not_the_versions() {
        let mut a = entry(
            Ecosystem::PyPI,
            RangeKind::Ecosystem,
            &[("introduced", "0"), ("fixed", "0.2.0-n653")],
        );
        assert_eq!(
            evaluate_range(&a, &a.ranges[0], "0.1"),
            RangeVerdict::Unknown
        );
        a.versions.push("0.1".into());
        check(&a, &[("0.1", true), ("0.1.0", true), ("0.1.1", false)]);
    }

    #[test]
    fn git_and_unknown_ecosystems_only_use_versions() {
        let mut a = entry(
            Ecosystem::Other("Go".into()),
            RangeKind::Ecosystem,
            &[("introduced", "0")],
        );
        a.versions.push("v1.2.3".into());
        check(&a, &[("v1.2.3", true), ("v1.2.4", false)]);
        let g = entry(Ecosystem::PyPI, RangeKind::Git, &[("introduced", "0")]);
        check(&g, &[("1.0", false)]);
    }

    #[test]
    fn fixed_versions_sorted() {
        let a = entry(
            Ecosystem::PyPI,
            RangeKind::Ecosystem,
            &[
                ("introduced", "3.2"),
                ("fixed", "3.2.4"),
                ("introduced", "0"),
                ("fixed", "2.2.24"),
            ],
        );
        assert_eq!(fixed_versions(&a), ["2.2.24", "3.2.4"]);
    }
}
