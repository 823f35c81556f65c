//! Matching packages and files against advisories, and the `vouch.audit/v1` report.
//!
//! For each package (a [`Query`]): look up the advisories naming it (and those naming any of
//! its file digests), drop withdrawn ones, keep those whose ranges or version lists contain its
//! version (see [`crate::range`]) or whose artifacts have one of its digests, then merge the
//! survivors that are the same flaw: ids and aliases are joined transitively (union-find), so a
//! PYSEC, a GHSA and a CVE for one flaw are one finding. Each finding carries the worst score
//! of its group, the union of fixed versions, and the package's smallest upgrade: the lowest
//! fixed version above the installed one that no matched advisory affects.
//!
//! Architecture invariant: this module does no I/O; advisories come through [`Lookup`].

use crate::advisory::Advisory;
use crate::db::Lookup;
use crate::error::Result;
use crate::ignore::IgnoreEntry;
use crate::range::{Prepared, affects_all_versions, fixed_versions, is_affected, sort_versions};
use crate::score::{CvssScore, best_cvss, severity_of_word};
use crate::time::Date;
use crate::version::{Ecosystem, Scheme, Version, same_version};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use vouch_core::Severity;

/// The report's schema id.
pub const AUDIT_SCHEMA: &str = "vouch.audit/v1";

/// Where a package was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The file (lockfile, BOM, model file), as given or relative to the audited directory.
    pub path: String,
    /// 1-based line, when the format has lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// One thing to check: a package at a version, and/or files by digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// The package's ecosystem; `None` for a plain file matched only by digest.
    pub ecosystem: Option<Ecosystem>,
    /// The name as the input spells it (a path for plain files).
    pub name: String,
    /// The installed version; `None` when unpinned (libraries are then not checked) or for a
    /// model repository without a revision.
    pub version: Option<String>,
    /// Lower-case hex SHA-256 digests of the package's files (wheels, model files).
    #[serde(default)]
    pub sha256: Vec<String>,
    /// A model file's format (`gguf`, `pickle`, ...), for `ModelFormat` advisories.
    #[serde(default)]
    pub format: Option<String>,
    /// Where it was found.
    #[serde(default)]
    pub locations: Vec<Location>,
}

impl Query {
    fn key(&self) -> (String, String, String) {
        match &self.ecosystem {
            Some(e) => (
                e.as_str().to_owned(),
                e.normalize_name(&self.name),
                self.version.clone().unwrap_or_default(),
            ),
            None => (String::new(), self.name.clone(), self.sha256.join(",")),
        }
    }
}

/// How a finding was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// The installed version is in an affected range or list.
    Version,
    /// A file's SHA-256 is named by the advisory (AI feed), whatever the file is called.
    Digest,
    /// The advisory covers every revision of a repository (or every file of a format) and the
    /// installed revision is unknown.
    Repository,
    /// The OSV API said so, for an ecosystem whose ordering vouch does not implement.
    OsvApi,
}

/// One advisory (or group of aliased advisories) affecting one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The package's ecosystem (for a file matched by digest: the advisory's).
    pub ecosystem: String,
    /// The package name as the input spells it.
    pub package: String,
    /// The installed version.
    pub version: Option<String>,
    /// The advisory's own id (of the group: a database-native id before GHSA before CVE).
    pub id: String,
    /// Every other id of the flaw, sorted.
    pub aliases: Vec<String>,
    /// `critical`, `high`, `medium`, `low`, `info`, or `unknown` when no score is published.
    pub severity: String,
    /// The CVSS base score used for `severity`.
    pub cvss: Option<f64>,
    /// The CVSS vector scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<String>,
    /// Versions that fix it, ascending.
    pub fixed: Vec<String>,
    /// One line.
    pub summary: String,
    /// The smallest version that fixes every advisory found for this package (none known: null).
    #[serde(default)]
    pub upgrade: Option<String>,
    /// How it matched.
    pub matched_by: MatchedBy,
    /// The digest that matched, for `digest` matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// RustSec's informational kind (`unmaintained`, `unsound`, `notice`): not a vulnerability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
    /// The advisory's page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where the package was found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// The severity `--fail-on` compares (unscored advisories count as the `--unscored` level).
    #[serde(skip)]
    pub effective: Option<Severity>,
}

/// A finding an ignore entry suppressed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IgnoredFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The entry's reason.
    pub reason: String,
    /// The entry's expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// An ignore entry that did not apply in this run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaleIgnore {
    /// The entry.
    #[serde(flatten)]
    pub entry: IgnoreEntry,
    /// `expired` or `matched-nothing`.
    pub problem: &'static str,
}

/// A package that was not checked, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unchecked {
    /// Ecosystem.
    pub ecosystem: String,
    /// Name as spelled.
    pub package: String,
    /// Why (`no pinned version`, `version is not valid PEP 440`, ...).
    pub reason: String,
    /// Where it was found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
}

/// Counts by severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Critical.
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// Info (incl. informational notices).
    pub info: u64,
    /// Without a published score.
    pub unknown: u64,
}

/// The tool that made the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    /// `vouch`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The `vouch.audit/v1` report. Its JSON form is a documented contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// Always [`AUDIT_SCHEMA`].
    pub schema: &'static str,
    /// The tool.
    pub tool: Tool,
    /// Findings, sorted by ecosystem, package, version, then worst first.
    pub findings: Vec<Finding>,
    /// Distinct packages and files checked.
    pub packages: u64,
    /// Advisories in the databases consulted.
    pub advisories_checked: u64,
    /// Findings by severity.
    pub summary: Counts,
    /// Findings suppressed by the ignore file.
    pub ignored: Vec<IgnoredFinding>,
    /// Ignore entries that expired or matched nothing.
    pub stale_ignores: Vec<StaleIgnore>,
    /// Packages that could not be checked.
    pub unchecked: Vec<Unchecked>,
}

impl AuditReport {
    /// The worst effective severity among (non-ignored) findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().filter_map(|f| f.effective).max()
    }
}

/// Advisories the OSV API said affect a query (by query index), for ecosystems vouch cannot
/// order itself.
pub type Claims = HashSet<(usize, String)>;

/// One place advisories come from, with the API's claims when it is the OSV API.
pub struct AdvisorySource<'a> {
    /// The lookup.
    pub lookup: &'a dyn Lookup,
    /// Per-query claims (online only).
    pub claims: Option<&'a Claims>,
}

/// Options of one audit.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Severity given to advisories without any score, for `--fail-on` (default high).
    pub unscored: Severity,
    /// Ignore entries.
    pub ignores: Vec<IgnoreEntry>,
    /// Today's date, for expiries.
    pub today: Date,
    /// The tool version to report.
    pub tool_version: String,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            unscored: Severity::High,
            ignores: Vec::new(),
            today: Date::today(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// Merge queries naming the same package and version (found in several lockfiles); the result
/// is sorted by ecosystem, normalised name and version, so applying it twice changes nothing.
pub fn dedup_queries(queries: Vec<Query>) -> Vec<Query> {
    let mut map: BTreeMap<(String, String, String), Query> = BTreeMap::new();
    for q in queries {
        match map.get_mut(&q.key()) {
            Some(existing) => {
                for l in q.locations {
                    if !existing.locations.contains(&l) {
                        existing.locations.push(l);
                    }
                }
                for h in q.sha256 {
                    if !existing.sha256.contains(&h) {
                        existing.sha256.push(h);
                    }
                }
                existing.format = existing.format.take().or(q.format);
            }
            None => {
                map.insert(q.key(), q);
            }
        }
    }
    map.into_values().collect()
}

/// Audit `queries` (de-duplicated first) against `sources`.
pub fn audit(
    queries: Vec<Query>,
    sources: &[AdvisorySource<'_>],
    opts: &AuditOptions,
) -> Result<AuditReport> {
    let queries = dedup_queries(queries);
    let mut advisories_checked = 0;
    for s in sources {
        advisories_checked += s.lookup.count()?;
    }
    let mut findings = Vec::new();
    let mut unchecked = Vec::new();
    for (qi, q) in queries.iter().enumerate() {
        if let Some(why) = unchecked_reason(q) {
            unchecked.push(Unchecked {
                ecosystem: q
                    .ecosystem
                    .as_ref()
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_default(),
                package: q.name.clone(),
                reason: why,
                locations: q.locations.clone(),
            });
        }
        findings.extend(audit_one(qi, q, sources, opts)?);
    }

    // Ignore entries.
    let mut used = vec![false; opts.ignores.len()];
    let mut kept = Vec::new();
    let mut ignored = Vec::new();
    'findings: for f in findings {
        for (i, e) in opts.ignores.iter().enumerate() {
            if e.is_expired(opts.today) || !ignore_matches(e, &f) {
                continue;
            }
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
            ignored.push(IgnoredFinding {
                finding: f,
                reason: e.reason.clone(),
                expires: e.expires.clone(),
            });
            continue 'findings;
        }
        kept.push(f);
    }
    let stale_ignores = opts
        .ignores
        .iter()
        .zip(&used)
        .filter_map(|(e, &u)| {
            if e.is_expired(opts.today) {
                Some(StaleIgnore {
                    entry: e.clone(),
                    problem: "expired",
                })
            } else if !u {
                Some(StaleIgnore {
                    entry: e.clone(),
                    problem: "matched-nothing",
                })
            } else {
                None
            }
        })
        .collect();

    let mut summary = Counts::default();
    for f in &kept {
        match f.severity.as_str() {
            "critical" => summary.critical += 1,
            "high" => summary.high += 1,
            "medium" => summary.medium += 1,
            "low" => summary.low += 1,
            "info" => summary.info += 1,
            _ => summary.unknown += 1,
        }
    }
    Ok(AuditReport {
        schema: AUDIT_SCHEMA,
        tool: Tool {
            name: "vouch".into(),
            version: opts.tool_version.clone(),
        },
        findings: kept,
        packages: queries.len() as u64,
        advisories_checked,
        summary,
        ignored,
        stale_ignores,
        unchecked,
    })
}

fn unchecked_reason(q: &Query) -> Option<String> {
    let eco = q.ecosystem.as_ref()?;
    if matches!(eco, Ecosystem::HuggingFace | Ecosystem::ModelFormat) {
        return None;
    }
    match &q.version {
        None if q.sha256.is_empty() => Some("no pinned version".into()),
        None => Some("no pinned version (checked by file digest only)".into()),
        Some(v) => match eco.scheme() {
            Scheme::Unordered => None,
            s => Version::parse(s, v)
                .err()
                .map(|e| format!("{e}: only advisories listing it explicitly can match")),
        },
    }
}

fn ignore_matches(e: &IgnoreEntry, f: &Finding) -> bool {
    let id_ok =
        e.id.eq_ignore_ascii_case(&f.id) || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(&e.id));
    let pkg_ok = e.package.as_ref().is_none_or(|p| {
        let eco = Ecosystem::parse(&f.ecosystem);
        eco.normalize_name(p) == eco.normalize_name(&f.package)
    });
    let ver_ok = e
        .version
        .as_ref()
        .is_none_or(|v| f.version.as_deref().is_some_and(|fv| fv.trim() == v.trim()));
    id_ok && pkg_ok && ver_ok
}

/// One matched advisory, before merging.
struct Hit {
    advisory: Arc<Advisory>,
    by: MatchedBy,
    digest: Option<String>,
}

fn audit_one(
    qi: usize,
    q: &Query,
    sources: &[AdvisorySource<'_>],
    opts: &AuditOptions,
) -> Result<Vec<Finding>> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    // Every live advisory of the package, for the upgrade suggestion.
    let mut of_package: Vec<Arc<Advisory>> = Vec::new();
    for src in sources {
        let mut candidates: Vec<Arc<Advisory>> = Vec::new();
        if let Some(eco) = &q.ecosystem {
            let found = src.lookup.by_package(eco, &q.name)?;
            of_package.extend(found.iter().filter(|a| !a.is_withdrawn()).cloned());
            candidates.extend(found);
        }
        if let Some(fmt) = &q.format {
            candidates.extend(src.lookup.by_package(&Ecosystem::ModelFormat, fmt)?);
        }
        for h in &q.sha256 {
            candidates.extend(src.lookup.by_digest(h)?);
        }
        for adv in candidates {
            if adv.is_withdrawn() || seen.contains(&adv.id) {
                continue;
            }
            let claimed = src
                .claims
                .is_some_and(|c| c.contains(&(qi, adv.id.clone())));
            if let Some((by, digest)) = match_advisory(q, &adv, claimed) {
                seen.insert(adv.id.clone());
                hits.push(Hit {
                    advisory: adv,
                    by,
                    digest,
                });
            }
        }
    }
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    let upgrade = if hits.iter().any(|h| h.by == MatchedBy::Version) {
        smallest_upgrade(q, &of_package)
    } else {
        None
    };
    let mut out: Vec<Finding> = group_aliases(&hits)
        .into_iter()
        .map(|group| make_finding(q, &group, upgrade.clone(), opts))
        .collect();
    out.sort_by(|a, b| {
        b.effective
            .cmp(&a.effective)
            .then_with(|| {
                b.cvss
                    .partial_cmp(&a.cvss)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(out)
}

/// Whether `adv` affects `q`, and how.
fn match_advisory(q: &Query, adv: &Advisory, claimed: bool) -> Option<(MatchedBy, Option<String>)> {
    // Digests first: a renamed malicious file is still that file.
    for a in &adv.affected {
        for art in &a.artifacts {
            if q.sha256.iter().any(|h| h.eq_ignore_ascii_case(&art.sha256)) {
                return Some((MatchedBy::Digest, Some(art.sha256.clone())));
            }
        }
    }
    for a in &adv.affected {
        let same_package = match &q.ecosystem {
            Some(eco) => {
                a.ecosystem == *eco && eco.normalize_name(&a.name) == eco.normalize_name(&q.name)
            }
            None => false,
        };
        let same_format = a.ecosystem == Ecosystem::ModelFormat
            && q.format
                .as_ref()
                .is_some_and(|f| f.eq_ignore_ascii_case(&a.name));
        if !same_package && !same_format {
            continue;
        }
        let repo_like = matches!(a.ecosystem, Ecosystem::HuggingFace | Ecosystem::ModelFormat);
        if let (Some(v), false) = (&q.version, same_format) {
            if is_affected(a, v) {
                return Some((MatchedBy::Version, None));
            }
            // The API's word, when vouch cannot order this ecosystem itself.
            if claimed && a.ecosystem.scheme() == Scheme::Unordered && !repo_like {
                return Some((MatchedBy::OsvApi, None));
            }
        }
        if repo_like && affects_all_versions(a) {
            return Some((MatchedBy::Repository, None));
        }
    }
    None
}

/// Union-find over ids and aliases: hits that share any id are one flaw.
fn group_aliases(hits: &[Hit]) -> Vec<Vec<&Hit>> {
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while let Some(&up) = p.get(i) {
            if up == i {
                break;
            }
            let grand = p.get(up).copied().unwrap_or(up);
            if let Some(slot) = p.get_mut(i) {
                *slot = grand;
            }
            i = up;
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, h) in hits.iter().enumerate() {
        for id in h.advisory.all_ids() {
            match owner.get(id) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b
                        && let Some(slot) = parent.get_mut(a)
                    {
                        *slot = b;
                    }
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<&Hit>> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(h);
    }
    groups.into_values().collect()
}

/// Preference for the id shown: a database's own id (PYSEC, RUSTSEC, GO, ...) before GHSA
/// before CVE, then the smallest.
fn id_rank(id: &str) -> u8 {
    if id.starts_with("CVE-") {
        2
    } else if id.starts_with("GHSA-") {
        1
    } else {
        0
    }
}

fn make_finding(
    q: &Query,
    group: &[&Hit],
    upgrade: Option<String>,
    opts: &AuditOptions,
) -> Finding {
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for h in group {
        ids.extend(h.advisory.all_ids().map(str::to_owned));
    }
    let primary = group
        .iter()
        .map(|h| h.advisory.id.as_str())
        .min_by(|a, b| id_rank(a).cmp(&id_rank(b)).then(a.cmp(b)))
        .unwrap_or_default()
        .to_owned();
    let lead = group
        .iter()
        .find(|h| h.advisory.id == primary)
        .or(group.first())
        .map(|h| &h.advisory);
    let aliases: Vec<String> = ids.into_iter().filter(|i| *i != primary).collect();

    // Scores: the package's vectors, else the record's; the worst of the group.
    let mut best: Option<CvssScore> = None;
    let mut word: Option<Severity> = None;
    let mut informational: Option<String> = None;
    let mut fixed: Vec<String> = Vec::new();
    let scheme = q
        .ecosystem
        .as_ref()
        .map_or(Scheme::Unordered, Ecosystem::scheme);
    for h in group {
        let entries: Vec<_> = relevant_entries(q, &h.advisory).collect();
        let mut vectors: Vec<_> = entries.iter().flat_map(|a| a.severity.clone()).collect();
        if vectors.is_empty() {
            vectors = h.advisory.severity.clone();
        }
        if let Some(s) = best_cvss(&vectors)
            && best.as_ref().is_none_or(|b| s.score > b.score)
        {
            best = Some(s);
        }
        if let Some(w) = h
            .advisory
            .database_severity
            .as_deref()
            .and_then(severity_of_word)
        {
            word = word.max(Some(w));
        }
        for a in &entries {
            if informational.is_none() {
                informational.clone_from(&a.informational);
            }
            for f in fixed_versions(a) {
                if !fixed.iter().any(|x| same_version(scheme, x, &f)) {
                    fixed.push(f);
                }
            }
        }
    }
    sort_versions(scheme, &mut fixed);
    let (severity, effective) = match (&best, word) {
        (Some(s), _) => (s.severity().as_str().to_owned(), Some(s.severity())),
        (None, Some(w)) => (w.as_str().to_owned(), Some(w)),
        (None, None) if informational.is_some() => ("info".to_owned(), Some(Severity::Info)),
        (None, None) => ("unknown".to_owned(), Some(opts.unscored)),
    };
    let hit0 = group.iter().min_by_key(|h| h.by);
    let by = hit0.map_or(MatchedBy::Version, |h| h.by);
    let digest = group.iter().find_map(|h| h.digest.clone());
    let ecosystem = match &q.ecosystem {
        Some(e) => e.as_str().to_owned(),
        None => lead
            .and_then(|a| a.affected.first())
            .map(|a| a.ecosystem.as_str().to_owned())
            .unwrap_or_default(),
    };
    Finding {
        ecosystem,
        package: q.name.clone(),
        version: q.version.clone(),
        id: primary,
        aliases,
        severity,
        cvss: best.as_ref().map(|s| s.score),
        cvss_vector: best.map(|s| s.vector),
        fixed,
        summary: lead.map(|a| a.summary.clone()).unwrap_or_default(),
        upgrade: if by == MatchedBy::Version {
            upgrade
        } else {
            None
        },
        matched_by: by,
        digest,
        informational,
        url: lead.and_then(|a| a.url.clone()),
        locations: q.locations.clone(),
        effective,
    }
}

/// The advisory's entries that concern this query's package (or format, or digests).
fn relevant_entries<'a>(
    q: &'a Query,
    adv: &'a Advisory,
) -> impl Iterator<Item = &'a crate::advisory::Affected> {
    adv.affected.iter().filter(move |a| {
        let pkg = q.ecosystem.as_ref().is_some_and(|eco| {
            a.ecosystem == *eco && eco.normalize_name(&a.name) == eco.normalize_name(&q.name)
        });
        let fmt = a.ecosystem == Ecosystem::ModelFormat
            && q.format
                .as_ref()
                .is_some_and(|f| f.eq_ignore_ascii_case(&a.name));
        let dig = a
            .artifacts
            .iter()
            .any(|x| q.sha256.iter().any(|h| h.eq_ignore_ascii_case(&x.sha256)));
        pkg || fmt || dig
    })
}

/// The lowest `fixed` version above the installed one that no known advisory of the package
/// affects (not only the ones that matched: an upgrade must not walk into another known flaw);
/// `None` when there is none (no fix published, or only `last_affected`).
fn smallest_upgrade(q: &Query, advisories: &[Arc<Advisory>]) -> Option<String> {
    let eco = q.ecosystem.as_ref()?;
    let scheme = eco.scheme();
    let current = Version::parse(scheme, q.version.as_deref()?).ok()?;
    // Bounds parsed once for all candidates.
    let prepared: Vec<Prepared<'_>> = advisories
        .iter()
        .flat_map(|adv| relevant_entries(q, adv))
        .map(Prepared::new)
        .collect();
    let mut candidates: Vec<(Version, String)> = Vec::new();
    for f in prepared.iter().flat_map(|p| fixed_versions(p.entry())) {
        if let Ok(v) = Version::parse(scheme, &f)
            && v.compare(&current) == Some(std::cmp::Ordering::Greater)
        {
            candidates.push((v, f));
        }
    }
    candidates.sort_by(|a, b| a.0.compare(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    candidates.dedup_by(|a, b| a.0.compare(&b.0) == Some(std::cmp::Ordering::Equal));
    candidates
        .into_iter()
        .map(|(_, s)| s)
        .find(|c| prepared.iter().all(|p| !p.is_affected(c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::Encoding;
    use crate::db::MemoryIndex;

    fn adv(json: &str) -> Advisory {
        Advisory::parse(json.as_bytes(), Encoding::Json, "test").unwrap()
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

    fn run(advs: Vec<Advisory>, queries: Vec<Query>) -> AuditReport {
        let idx = MemoryIndex::new(advs);
        let opts = AuditOptions {
            today: Date::parse("2025-01-01").unwrap(),
            tool_version: "test".into(),
            ..AuditOptions::default()
        };
        audit(
            queries,
            &[AdvisorySource {
                lookup: &idx,
                claims: None,
            }],
            &opts,
        )
        .unwrap()
    }

    const PYSEC: &str = r#"{"id":"PYSEC-1","aliases":["CVE-1"],"summary":"bad",
      "affected":[{"package":{"ecosystem":"PyPI","name":"Foo.Bar"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"},{"introduced":"2.0"},{"fixed":"2.3"}]}]}]}"#;
    const GHSA: &str = r#"{"id":"GHSA-x","aliases":["CVE-1"],"summary":"bad (GitHub)",
      "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
      "affected":[{"package":{"ecosystem":"PyPI","name":"foo-bar"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"},{"introduced":"2.0"},{"fixed":"2.3"}]}]}]}"#;
    const OTHER: &str = r#"{"id":"PYSEC-2","summary":"other","database_specific":{"severity":"MODERATE"},
      "affected":[{"package":{"ecosystem":"PyPI","name":"foo_bar"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.5"}]}]}]}"#;

    #[test]
    fn aliases_merge_and_upgrade_covers_all() {
        let r = run(
            vec![adv(PYSEC), adv(GHSA), adv(OTHER)],
            vec![q(Ecosystem::PyPI, "FOO.bar", "2.1")],
        );
        assert_eq!(r.findings.len(), 2, "{:#?}", r.findings);
        let f = &r.findings[0];
        assert_eq!(f.id, "PYSEC-1");
        assert_eq!(f.aliases, ["CVE-1", "GHSA-x"]);
        assert_eq!(f.severity, "critical");
        assert_eq!(f.cvss, Some(9.8));
        assert_eq!(f.fixed, ["1.2", "2.3"]);
        assert_eq!(f.upgrade.as_deref(), Some("2.5"));
        assert_eq!(r.findings[1].severity, "medium");
        assert_eq!(r.findings[1].upgrade.as_deref(), Some("2.5"));
        assert_eq!(r.packages, 1);
        assert_eq!(r.advisories_checked, 3);
    }

    #[test]
    fn withdrawn_never_reported() {
        let w = PYSEC.replace(
            "\"summary\"",
            "\"withdrawn\":\"2024-01-01T00:00:00Z\",\"summary\"",
        );
        let r = run(vec![adv(&w)], vec![q(Ecosystem::PyPI, "foo-bar", "1.0")]);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn unscored_uses_option_and_unpinned_is_reported() {
        let r = run(
            vec![adv(PYSEC)],
            vec![
                q(Ecosystem::PyPI, "foo-bar", "1.0"),
                Query {
                    version: None,
                    ..q(Ecosystem::PyPI, "foo-bar", "")
                },
            ],
        );
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].severity, "unknown");
        assert_eq!(r.max_severity(), Some(Severity::High));
        assert_eq!(r.unchecked.len(), 1);
        assert_eq!(r.unchecked[0].reason, "no pinned version");
    }

    #[test]
    fn ignores_apply_by_alias_and_go_stale() {
        let idx = MemoryIndex::new(vec![adv(PYSEC)]);
        let ign = crate::ignore::parse_ignore_file(
            "[[ignore]]\nid=\"cve-1\"\nreason=\"r\"\n\n[[ignore]]\nid=\"CVE-404\"\nreason=\"typo\"\n\n[[ignore]]\nid=\"PYSEC-1\"\nreason=\"old\"\nexpires=\"2020-01-01\"\n",
            std::path::Path::new("i.toml"),
        )
        .unwrap();
        let opts = AuditOptions {
            ignores: ign,
            today: Date::parse("2025-01-01").unwrap(),
            ..AuditOptions::default()
        };
        let r = audit(
            vec![q(Ecosystem::PyPI, "foo-bar", "1.0")],
            &[AdvisorySource {
                lookup: &idx,
                claims: None,
            }],
            &opts,
        )
        .unwrap();
        assert!(r.findings.is_empty());
        assert_eq!(r.ignored.len(), 1);
        let stale: Vec<_> = r
            .stale_ignores
            .iter()
            .map(|s| (s.entry.id.as_str(), s.problem))
            .collect();
        assert_eq!(
            stale,
            [("CVE-404", "matched-nothing"), ("PYSEC-1", "expired")]
        );
    }

    #[test]
    fn digest_matches_renamed_files() {
        let h = "ab".repeat(32);
        let feed = format!(
            r#"{{"id":"VOUCH-AI-1","summary":"malicious pickle","database_specific":{{"severity":"CRITICAL"}},
            "affected":[{{"package":{{"ecosystem":"HuggingFace","name":"evil/model"}},
              "versions":["0123abc"],
              "ecosystem_specific":{{"artifacts":[{{"sha256":"{}","path":"pytorch_model.bin"}}]}}}}]}}"#,
            h.to_uppercase()
        );
        let file = Query {
            ecosystem: None,
            name: "models/renamed.bin".into(),
            version: None,
            sha256: vec![h.clone()],
            format: Some("pytorch".into()),
            locations: vec![],
        };
        let r = run(vec![adv(&feed)], vec![file]);
        assert_eq!(r.findings.len(), 1);
        let f = &r.findings[0];
        assert_eq!(
            (f.matched_by, f.severity.as_str()),
            (MatchedBy::Digest, "critical")
        );
        assert_eq!(f.ecosystem, "HuggingFace");
        assert_eq!(f.digest.as_deref(), Some(h.as_str()));
    }

    #[test]
    fn repositories_match_by_revision_or_all() {
        let feed = r#"{"id":"VOUCH-AI-2","summary":"poisoned",
            "affected":[{"package":{"ecosystem":"HuggingFace","name":"Org/Data"},"versions":["rev1"]},
                        {"package":{"ecosystem":"HuggingFace","name":"org/all"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#;
        let hf = |name: &str, v: Option<&str>| Query {
            ecosystem: Some(Ecosystem::HuggingFace),
            name: name.into(),
            version: v.map(str::to_owned),
            sha256: vec![],
            format: None,
            locations: vec![],
        };
        let r = run(
            vec![adv(feed)],
            vec![
                hf("org/data", Some("rev1")),
                hf("org/data", Some("rev2")),
                hf("org/data", None),
                hf("org/all", None),
            ],
        );
        let got: Vec<_> = r
            .findings
            .iter()
            .map(|f| (f.package.as_str(), f.version.as_deref(), f.matched_by))
            .collect();
        assert_eq!(
            got,
            [
                ("org/all", None, MatchedBy::Repository),
                ("org/data", Some("rev1"), MatchedBy::Version)
            ]
        );
    }
}
