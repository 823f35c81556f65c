//! The human-readable table.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use vouch_core::{FileStatus, ScanReport};

/// Render findings as a table followed by a one-line summary. `width` is the terminal width,
/// if known.
pub fn table(report: &ScanReport, width: Option<u16>) -> String {
    let mut out = String::new();
    if !report.findings.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(["severity", "file", "rule", "message"]);
        if let Some(w) = width {
            t.set_width(w);
        }
        let mut findings: Vec<_> = report.findings.iter().collect();
        // Worst first, then the report's stable order.
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in findings {
            let file = match &f.member {
                Some(m) => format!("{}\n  ↳ {}", f.path, m),
                None => f.path.clone(),
            };
            t.add_row([
                f.severity.as_str().to_uppercase(),
                file,
                f.rule.clone(),
                f.message.clone(),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    let s = &report.summary;
    let skipped = report
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Skipped)
        .count();
    let scanned = report
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Scanned)
        .count();
    out.push_str(&format!(
        "{} file(s): {scanned} scanned, {skipped} skipped (not a model format), {} unreadable. Findings: {} critical, {} high, {} medium, {} low, {} info.\n",
        s.files, s.errors, s.critical, s.high, s.medium, s.low, s.info
    ));
    if report.findings.is_empty() && scanned > 0 {
        out.push_str("No findings.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_core::{FileEntry, Finding, Severity};

    #[test]
    fn table_lists_worst_first_and_summarises() {
        let files = vec![FileEntry {
            path: "m.pt".into(),
            format: "pytorch-zip".into(),
            sha256: None,
            size: 10,
            status: FileStatus::Scanned,
            metadata: Default::default(),
        }];
        let findings = vec![
            Finding::new(
                "m.pt",
                "pickle.unknown-callable",
                Severity::Medium,
                "calls x.y",
            ),
            Finding::new(
                "m.pt",
                "pickle.dangerous-callable",
                Severity::Critical,
                "calls os.system",
            )
            .with_member(Some("archive/data.pkl".into())),
        ];
        let r = ScanReport::new("0.1.0", files, findings);
        insta::assert_snapshot!(table(&r, Some(100)));
    }
}
