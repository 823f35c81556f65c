//! SARIF 2.1.0, as GitHub code scanning ingests it.

use crate::RuleDoc;
use serde_json::{Value, json};
use vouch_core::{ScanReport, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub sorts and badges security results by this CVSS-like score.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn uri(path: &str) -> String {
    let p = path.strip_prefix("./").unwrap_or(path);
    p.replace('\\', "/")
}

/// Render a report as a SARIF 2.1.0 log with one run. `rules` is the catalog, listed in full
/// so that results can point at their rule by index.
pub fn sarif(report: &ScanReport, rules: &[RuleDoc<'_>]) -> String {
    let rule_objs: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.code,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.doc, "markdown": r.doc},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {
                    "security-severity": security_severity(r.severity),
                    "tags": ["security", "supply-chain", "ml-model"],
                    "precision": "high",
                }
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut region = json!({"startLine": 1});
            if let Some(off) = f.location.as_ref().and_then(|l| l.offset) {
                region["byteOffset"] = json!(off);
            }
            let text = match &f.member {
                Some(m) => format!("{} (in {m})", f.message),
                None => f.message.clone(),
            };
            let mut r = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.path)},
                        "region": region,
                    }
                }],
                "partialFingerprints": {
                    "vouchFinding/v1": format!("{}:{}:{}:{}", f.rule, uri(&f.path), f.member.as_deref().unwrap_or(""), f.message),
                },
                "properties": {"severity": f.severity.as_str(), "evidence": f.evidence},
            });
            if let Some(i) = rules.iter().position(|x| x.code == f.rule) {
                r["ruleIndex"] = json!(i);
            }
            r
        })
        .collect();
    let artifacts: Vec<Value> = report
        .files
        .iter()
        .map(|f| {
            let mut a = json!({"location": {"uri": uri(&f.path)}, "length": f.size});
            if let Some(h) = &f.sha256 {
                a["hashes"] = json!({"sha-256": h});
            }
            a
        })
        .collect();
    let log = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rule_objs,
            }},
            "artifacts": artifacts,
            "results": results,
            "columnKind": "utf16CodeUnits",
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_core::{FileEntry, FileStatus, Finding};

    #[test]
    fn sarif_has_rules_results_and_levels() {
        let files = vec![FileEntry {
            path: "./m.pt".into(),
            format: "pytorch-zip".into(),
            sha256: Some("ab".into()),
            size: 10,
            status: FileStatus::Scanned,
            metadata: Default::default(),
        }];
        let findings = vec![
            Finding::new(
                "./m.pt",
                "pickle.dangerous-callable",
                Severity::Critical,
                "calls os.system",
            )
            .at(Some(7)),
        ];
        let r = ScanReport::new("0.1.0", files, findings);
        let rules = [RuleDoc {
            code: "pickle.dangerous-callable",
            severity: Severity::Critical,
            summary: "calls a gadget",
            doc: "# doc",
        }];
        let v: Value = serde_json::from_str(&sarif(&r, &rules)).expect("json");
        assert_eq!(v["version"], "2.1.0");
        let res = &v["runs"][0]["results"][0];
        assert_eq!(res["level"], "error");
        assert_eq!(res["ruleIndex"], 0);
        assert_eq!(
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "m.pt"
        );
        assert_eq!(
            res["locations"][0]["physicalLocation"]["region"]["byteOffset"],
            7
        );
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
            "9.5"
        );
    }
}
