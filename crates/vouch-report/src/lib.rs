//! Rendering a [`ScanReport`]: a table for people, the `vouch.scan/v1` JSON contract for
//! programs, and SARIF 2.1.0 for code-scanning dashboards.
//!
//! Renderers are pure functions from the report to a string: no I/O, no analysis.

#![warn(missing_docs)]

mod sarif;
mod table;

pub use sarif::sarif;
pub use table::table;

use vouch_core::{ScanReport, Severity};

/// What a renderer needs to know about a rule (its catalog lives in `vouch-scan`).
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc<'a> {
    /// Stable code.
    pub code: &'a str,
    /// Default severity.
    pub severity: Severity,
    /// One line.
    pub summary: &'a str,
    /// Full Markdown documentation.
    pub doc: &'a str,
}

/// The `vouch.scan/v1` JSON document, pretty-printed, with a trailing newline.
pub fn json(report: &ScanReport) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
