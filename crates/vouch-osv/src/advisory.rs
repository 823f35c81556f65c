//! The domain model of one advisory, and its parsing from OSV JSON or YAML.
//!
//! Parsing is two-stage: [`crate::wire`] reads the text faithfully and leniently, then
//! [`Advisory::from_wire`] keeps what matching and reporting need, in checked form: events in
//! their order, range kinds as an enum, SHA-256 digests validated and lower-cased. Fields that
//! are malformed but not essential (a digest of the wrong length, a range without events) are
//! dropped with a note in [`Advisory::notes`] rather than failing the record; a record without
//! an `id` fails.

use crate::error::{Error, Result};
use crate::version::{Ecosystem, Scheme, Version};
use crate::wire;
use serde::{Deserialize, Serialize};

/// The largest advisory file read, in bytes (the biggest real ones are under 1 MiB).
pub const MAX_RECORD_BYTES: u64 = 16 << 20;

/// One OSV advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The advisory's own id (`PYSEC-2021-98`, `RUSTSEC-2016-0001`, `GHSA-…`).
    pub id: String,
    /// Other ids of the same flaw (`CVE-…`, `GHSA-…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// One line for people: the record's `summary`, or the first sentence of `details`.
    pub summary: String,
    /// RFC 3339 time of the last change, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// RFC 3339 publication time, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the advisory was withdrawn: it must never be reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Record-level severity vectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityVector>,
    /// `database_specific.severity` (GitHub's `LOW`/`MODERATE`/`HIGH`/`CRITICAL`), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_severity: Option<String>,
    /// The advisory's web page (its `ADVISORY` reference, else the first reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The affected packages.
    pub affected: Vec<Affected>,
    /// Things the parser dropped or could not interpret (kept for `vouch db import` to report).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One severity vector (`CVSS_V3`, `CVSS_V4`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityVector {
    /// OSV's type: `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector (or word) as written.
    pub score: String,
}

/// One `affected[]` entry: a package and the versions of it that are vulnerable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The package name as the advisory spells it.
    pub name: String,
    /// The package URL, without version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Version ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Package-level severity vectors (override the record's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityVector>,
    /// Files known to be malicious or affected, by digest (the AI advisory feed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
    /// RustSec's `informational` kind (`unmaintained`, `unsound`, `notice`): an advisory that
    /// is not a vulnerability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
}

/// A range of versions, described by events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// How the events' versions are ordered.
    pub kind: RangeKind,
    /// The events, in the order written.
    pub events: Vec<Event>,
}

/// The type of a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// SemVer 2.0 precedence.
    Semver,
    /// The ecosystem's own ordering.
    Ecosystem,
    /// Git commits: not evaluable without the repository; vouch skips them for version matching.
    Git,
    /// A type this version of vouch does not know.
    Other(String),
}

impl RangeKind {
    fn parse(s: &str) -> RangeKind {
        match s {
            "SEMVER" => RangeKind::Semver,
            "ECOSYSTEM" => RangeKind::Ecosystem,
            "GIT" => RangeKind::Git,
            other => RangeKind::Other(other.to_owned()),
        }
    }

    /// The ordering to use for this range in `ecosystem`, if vouch can evaluate it.
    pub fn scheme(&self, ecosystem: &Ecosystem) -> Option<Scheme> {
        match self {
            RangeKind::Semver => Some(Scheme::Semver),
            RangeKind::Ecosystem => match ecosystem.scheme() {
                Scheme::Unordered => None,
                s => Some(s),
            },
            RangeKind::Git | RangeKind::Other(_) => None,
        }
    }
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Vulnerable from this version (`"0"`: from the beginning).
    Introduced(String),
    /// Not vulnerable from this version.
    Fixed(String),
    /// Vulnerable up to and including this version.
    LastAffected(String),
    /// Nothing at or above this version is in the range (`"*"`: no limit).
    Limit(String),
}

impl Event {
    /// The version string.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// A file named by an AI advisory, by digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Where the file lives in the repository (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `model`, `dataset`, `tokenizer`, `config`, ... (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The encoding of an advisory file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `.json`
    Json,
    /// `.yaml` / `.yml`
    Yaml,
}

impl Encoding {
    /// The encoding of a file name, by extension; `None` for anything else.
    pub fn of(name: &str) -> Option<Encoding> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Encoding::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Encoding::Yaml)
        } else {
            None
        }
    }
}

impl Advisory {
    /// Parse one OSV record. `origin` names the file in errors.
    pub fn parse(bytes: &[u8], encoding: Encoding, origin: &str) -> Result<Advisory> {
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(Error::RecordTooLarge {
                origin: origin.to_owned(),
                size: bytes.len() as u64,
                limit: MAX_RECORD_BYTES,
            });
        }
        let record = match encoding {
            Encoding::Json => wire::from_json(bytes),
            Encoding::Yaml => wire::from_yaml(bytes),
        }
        .map_err(|message| Error::Record {
            origin: origin.to_owned(),
            message,
        })?;
        Advisory::from_wire(record).map_err(|message| Error::Record {
            origin: origin.to_owned(),
            message,
        })
    }

    /// Parse a list of records (an OSV API response body, a JSON array file).
    pub fn parse_json_value(value: &serde_json::Value, origin: &str) -> Result<Advisory> {
        let record: wire::Record =
            serde_json::from_value(value.clone()).map_err(|e| Error::Record {
                origin: origin.to_owned(),
                message: e.to_string(),
            })?;
        Advisory::from_wire(record).map_err(|message| Error::Record {
            origin: origin.to_owned(),
            message,
        })
    }

    fn from_wire(r: wire::Record) -> std::result::Result<Advisory, String> {
        let id =
            r.id.map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .ok_or("no `id` field")?;
        let mut notes = Vec::new();
        let mut affected = Vec::new();
        for (i, a) in r.affected.unwrap_or_default().into_iter().enumerate() {
            match convert_affected(a, &mut notes) {
                Some(a) => affected.push(a),
                None => notes.push(format!("affected[{i}] has no package name: skipped")),
            }
        }
        let summary = r
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(one_line)
            .or_else(|| r.details.as_deref().map(first_sentence))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| id.clone());
        let refs = r.references.unwrap_or_default();
        let url = refs
            .iter()
            .find(|x| x.kind.as_deref() == Some("ADVISORY"))
            .or_else(|| refs.first())
            .and_then(|x| x.url.clone());
        let mut aliases: Vec<String> = r
            .aliases
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty() && *s != id)
            .collect();
        aliases.sort();
        aliases.dedup();
        let dbs = r.database_specific.unwrap_or_default();
        Ok(Advisory {
            id,
            aliases,
            summary,
            modified: r.modified,
            published: r.published,
            withdrawn: r.withdrawn.filter(|w| !w.trim().is_empty()),
            severity: convert_severity(r.severity),
            database_severity: dbs.severity.0,
            url,
            affected,
            notes,
        })
    }

    /// Whether the advisory was withdrawn.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// Every id of this flaw: the id and its aliases.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

fn convert_severity(s: Option<Vec<wire::Severity>>) -> Vec<SeverityVector> {
    s.unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            Some(SeverityVector {
                kind: s.kind?,
                score: s.score?,
            })
        })
        .collect()
}

fn convert_affected(a: wire::Affected, notes: &mut Vec<String>) -> Option<Affected> {
    let pkg = a.package?;
    let name = pkg.name.filter(|n| !n.trim().is_empty())?;
    let ecosystem = Ecosystem::parse(pkg.ecosystem.as_deref().unwrap_or(""));
    let mut ranges = Vec::new();
    for r in a.ranges.unwrap_or_default() {
        let kind = RangeKind::parse(r.kind.as_deref().unwrap_or(""));
        let mut events = Vec::new();
        for e in r.events.unwrap_or_default() {
            // The spec allows one key per event; a sloppy exporter's extra keys are kept, in
            // timeline order.
            events.extend(e.introduced.map(Event::Introduced));
            events.extend(e.fixed.map(Event::Fixed));
            events.extend(e.last_affected.map(Event::LastAffected));
            events.extend(e.limit.map(Event::Limit));
        }
        if events.is_empty() {
            notes.push(format!("{name}: a {kind:?} range without events: skipped"));
            continue;
        }
        if let Some(scheme) = kind.scheme(&ecosystem) {
            for ev in &events {
                let v = ev.version();
                let special = matches!(ev, Event::Introduced(x) if x == "0")
                    || matches!(ev, Event::Limit(x) if x.contains('*'));
                if !special && Version::parse(scheme, v).is_err() {
                    notes.push(format!(
                        "{name}: range bound `{v}` is not a valid {} version: that range is ignored, \
                         only the explicit versions list is used",
                        match scheme {
                            Scheme::Pep440 => "PEP 440",
                            _ => "SemVer",
                        }
                    ));
                }
            }
        }
        ranges.push(Range { kind, events });
    }
    let mut artifacts = Vec::new();
    for art in a
        .ecosystem_specific
        .and_then(|e| e.artifacts)
        .unwrap_or_default()
    {
        match art.sha256.0.map(|s| s.trim().to_ascii_lowercase()) {
            Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                artifacts.push(Artifact {
                    sha256: h,
                    path: art.path.0,
                    kind: art.kind.0,
                })
            }
            other => notes.push(format!(
                "{name}: artifact digest {other:?} is not a 64-digit hex SHA-256: skipped"
            )),
        }
    }
    Some(Affected {
        ecosystem,
        name: name.trim().to_owned(),
        purl: pkg.purl,
        ranges,
        versions: a
            .versions
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.trim().to_owned())
            .collect(),
        severity: convert_severity(a.severity),
        artifacts,
        informational: a.database_specific.and_then(|d| d.informational.0),
    })
}

/// Collapse whitespace to single spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first sentence of a Markdown `details`, at most ~200 characters, on one line.
fn first_sentence(details: &str) -> String {
    let text = one_line(details);
    let mut end = text.len();
    for (i, _) in text.match_indices(". ") {
        if i >= 20 {
            end = i + 1;
            break;
        }
    }
    let mut s: String = text.get(..end).unwrap_or(&text).to_owned();
    if s.chars().count() > 200 {
        s = s.chars().take(199).collect::<String>() + "…";
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_with_unquoted_versions_and_timestamps() {
        let y = b"id: PYSEC-X\nmodified: 2023-08-22 06:18:00+00:00\nwithdrawn: 2023-08-22T06:18:00Z\n\
details: Foo before 0.10 allows things. More text here.\naffected:\n- package:\n    name: Foo\n    ecosystem: PyPI\n  \
ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 0.10\n  versions:\n  - 0.6\n  - '0.9'\n";
        let a = Advisory::parse(y, Encoding::Yaml, "x.yaml").unwrap();
        assert_eq!(a.modified.as_deref(), Some("2023-08-22 06:18:00+00:00"));
        assert!(a.is_withdrawn());
        assert_eq!(a.summary, "Foo before 0.10 allows things.");
        assert_eq!(a.affected[0].versions, ["0.6", "0.9"]);
        assert_eq!(
            a.affected[0].ranges[0].events,
            [Event::Introduced("0".into()), Event::Fixed("0.10".into())]
        );
    }

    #[test]
    fn missing_id_is_an_error_with_origin() {
        let e = Advisory::parse(b"{\"affected\": []}", Encoding::Json, "a.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.json: not a valid OSV record: no `id` field"
        );
    }

    #[test]
    fn bad_digests_and_bounds_become_notes() {
        let j = br#"{"id":"X","affected":[{"package":{"ecosystem":"PyPI","name":"p"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2019-09-12"}]}],
            "ecosystem_specific":{"artifacts":[{"sha256":"abc"},{"sha256":42}]}}]}"#;
        let a = Advisory::parse(j, Encoding::Json, "x").unwrap();
        assert!(a.affected[0].artifacts.is_empty());
        assert_eq!(a.notes.len(), 3, "{:?}", a.notes);
    }

    #[test]
    fn garbage_never_panics() {
        for bytes in [&b""[..], b"[", b"\xff\xfe", b"id: [", b"- a\n- b", b"null"] {
            let _ = Advisory::parse(bytes, Encoding::Json, "g");
            let _ = Advisory::parse(bytes, Encoding::Yaml, "g");
        }
    }
}
