//! The `vouch.scan/v1` report: the JSON contract of `vouch scan --format json`.

use crate::{Finding, Severity};
use serde::{Deserialize, Serialize};

/// The `schema` value of a scan report.
pub const SCAN_SCHEMA: &str = "vouch.scan/v1";

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `vouch`.
    pub name: String,
    /// vouch's version.
    pub version: String,
}

/// What happened to one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Recognised and scanned.
    Scanned,
    /// Not a model format vouch knows; nothing was checked.
    Skipped,
    /// Could not be read; also reported as a finding.
    Error,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path as given (or relative to the scanned directory).
    pub path: String,
    /// Detected format, e.g. `pytorch-zip`, `pickle`, `numpy`; `unknown` when skipped.
    pub format: String,
    /// SHA-256 of the file's bytes, lowercase hex; `null` when hashing was skipped
    /// (`--hash never`, or a file above the `--hash auto` size threshold).
    pub sha256: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// What happened.
    pub status: FileStatus,
    /// What the file is, as its format parser read it: format and version, tensor and
    /// parameter counts, dtypes and quantization, architecture where stated. Empty (and
    /// omitted from JSON) for formats without such metadata. `vouch bom` reuses it.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// Counts over a whole report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Files in the report.
    pub files: u64,
    /// Findings per severity.
    pub critical: u64,
    /// High findings.
    pub high: u64,
    /// Medium findings.
    pub medium: u64,
    /// Low findings.
    pub low: u64,
    /// Info findings.
    pub info: u64,
    /// Files that could not be read.
    pub errors: u64,
}

/// A whole scan: files, findings, summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Always [`SCAN_SCHEMA`].
    pub schema: String,
    /// Who wrote it.
    pub tool: Tool,
    /// Every input file, sorted by path.
    pub files: Vec<FileEntry>,
    /// Every finding, sorted by path, member, offset, rule.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
}

impl ScanReport {
    /// Build a report: sorts files and findings into their stable order and counts them.
    pub fn new(version: &str, mut files: Vec<FileEntry>, mut findings: Vec<Finding>) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        findings.sort_by(|a, b| {
            (
                &a.path,
                &a.member,
                a.location.as_ref().and_then(|l| l.offset),
                &a.rule,
                &a.message,
            )
                .cmp(&(
                    &b.path,
                    &b.member,
                    b.location.as_ref().and_then(|l| l.offset),
                    &b.rule,
                    &b.message,
                ))
        });
        findings.dedup();
        let mut summary = Summary {
            files: files.len() as u64,
            errors: files
                .iter()
                .filter(|f| f.status == FileStatus::Error)
                .count() as u64,
            ..Summary::default()
        };
        for f in &findings {
            *match f.severity {
                Severity::Critical => &mut summary.critical,
                Severity::High => &mut summary.high,
                Severity::Medium => &mut summary.medium,
                Severity::Low => &mut summary.low,
                Severity::Info => &mut summary.info,
            } += 1;
        }
        ScanReport {
            schema: SCAN_SCHEMA.to_owned(),
            tool: Tool {
                name: "vouch".to_owned(),
                version: version.to_owned(),
            },
            files,
            findings,
            summary,
        }
    }

    /// The highest severity among the findings, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_sorts_counts_and_dedups() {
        let files = vec![
            FileEntry {
                path: "b".into(),
                format: "pickle".into(),
                sha256: None,
                size: 1,
                status: FileStatus::Scanned,
                metadata: Default::default(),
            },
            FileEntry {
                path: "a".into(),
                format: "unknown".into(),
                sha256: None,
                size: 1,
                status: FileStatus::Error,
                metadata: Default::default(),
            },
        ];
        let f = Finding::new("b", "x.y", Severity::High, "m");
        let findings = vec![
            f.clone(),
            Finding::new("a", "x.z", Severity::Critical, "m"),
            f,
        ];
        let r = ScanReport::new("0", files, findings);
        assert_eq!(r.files[0].path, "a");
        assert_eq!(r.findings.len(), 2);
        assert_eq!(r.findings[0].path, "a");
        assert_eq!(r.summary.critical, 1);
        assert_eq!(r.summary.high, 1);
        assert_eq!(r.summary.errors, 1);
        assert_eq!(r.max_severity(), Some(Severity::Critical));
    }

    #[test]
    fn severity_parses_and_orders() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::High && Severity::Medium > Severity::Low);
    }
}
