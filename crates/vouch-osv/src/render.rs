//! Renderings of an [`AuditReport`]: a table for people (grouped by package, with the smallest
//! upgrade), the `vouch.audit/v1` JSON contract, SARIF 2.1.0 for code-scanning dashboards and a
//! CycloneDX 1.6 VEX document.

// Documents are built here as `serde_json::Value` objects with `json!`; indexing an object by
// key inserts, it never panics.
#![allow(clippy::indexing_slicing)]

use crate::audit::{AuditReport, Finding, Location, MatchedBy};
use crate::version::{Ecosystem, Scheme, Version};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The `vouch.audit/v1` JSON, pretty-printed, with a final newline.
pub fn json(report: &AuditReport) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn loc_str(l: &Location) -> String {
    match l.line {
        Some(n) => format!("{}:{n}", l.path),
        None => l.path.clone(),
    }
}

/// Findings grouped by package, in report order.
fn groups(report: &AuditReport) -> Vec<Vec<&Finding>> {
    let mut out: Vec<Vec<&Finding>> = Vec::new();
    for f in &report.findings {
        match out.last_mut() {
            Some(g)
                if g.first().is_some_and(|h| {
                    h.package == f.package && h.version == f.version && h.locations == f.locations
                }) =>
            {
                g.push(f)
            }
            _ => out.push(vec![f]),
        }
    }
    out
}

/// The table: one block per package (name, version, where found, smallest upgrade) listing its
/// advisories worst first; then ignored findings, stale ignore entries and a summary line.
pub fn table(report: &AuditReport, width: Option<u16>) -> String {
    let mut out = String::new();
    let gs = groups(report);
    if !gs.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(["package", "severity", "advisory", "fixed in", "summary"]);
        if let Some(w) = width {
            t.set_width(w);
        }
        for g in &gs {
            let Some(first) = g.first() else { continue };
            let ordered = Ecosystem::parse(&first.ecosystem).scheme() != Scheme::Unordered;
            let mut head = match (&first.version, first.matched_by) {
                (Some(v), _) => format!("{} {v}", first.package),
                (None, MatchedBy::Repository) => format!("{} (any revision)", first.package),
                (None, _) => first.package.clone(),
            };
            if first.matched_by != MatchedBy::Digest {
                head.push_str(&format!("\n({})", first.ecosystem));
            }
            match (&first.upgrade, first.matched_by) {
                (Some(u), _) => head.push_str(&format!("\nupgrade to {u}")),
                (None, MatchedBy::Version) if ordered => head.push_str("\nno upgrade known"),
                (None, MatchedBy::Digest) => head.push_str("\nremove this file"),
                _ => {}
            }
            let locs: Vec<_> = first
                .locations
                .iter()
                .filter(|l| l.path != first.package)
                .collect();
            for l in locs.iter().take(3) {
                head.push_str(&format!("\n{}", loc_str(l)));
            }
            if locs.len() > 3 {
                head.push_str(&format!("\n(+{} more)", locs.len() - 3));
            }
            for (i, f) in g.iter().enumerate() {
                let sev = match (f.cvss, &f.informational) {
                    (Some(c), _) => format!("{} {c:.1}", f.severity.to_uppercase()),
                    (None, Some(kind)) => format!("INFO\n({kind})"),
                    (None, None) => f.severity.to_uppercase(),
                };
                let mut adv = f.id.clone();
                if !f.aliases.is_empty() {
                    adv.push_str(&format!("\n{}", f.aliases.join("\n")));
                }
                if let Some(d) = &f.digest {
                    adv.push_str(&format!("\nsha256:{}…", d.get(..12).unwrap_or(d)));
                }
                t.add_row([
                    if i == 0 { head.clone() } else { String::new() },
                    sev,
                    adv,
                    fixed_cell(f),
                    f.summary.clone(),
                ]);
            }
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    for i in &report.ignored {
        out.push_str(&format!(
            "ignored: {} in {} {} ({}{})\n",
            i.finding.id,
            i.finding.package,
            i.finding.version.as_deref().unwrap_or(""),
            i.reason,
            i.expires
                .as_deref()
                .map(|e| format!("; until {e}"))
                .unwrap_or_default()
        ));
    }
    for s in &report.stale_ignores {
        let what = match s.problem {
            "expired" => format!(
                "expired on {}: it no longer suppresses anything; renew or delete it",
                s.entry.expires.as_deref().unwrap_or("?")
            ),
            _ => "matched nothing: delete it, or fix the id".to_owned(),
        };
        out.push_str(&format!(
            "warning: ignore entry #{} ({}) {what}\n",
            s.entry.index, s.entry.id
        ));
    }
    if !report.unchecked.is_empty() {
        let names: Vec<_> = report
            .unchecked
            .iter()
            .take(8)
            .map(|u| u.package.as_str())
            .collect();
        out.push_str(&format!(
            "note: {} package(s) not checked (no pinned version or unparsable version): {}{}\n",
            report.unchecked.len(),
            names.join(", "),
            if report.unchecked.len() > 8 {
                ", …"
            } else {
                ""
            }
        ));
    }
    let c = &report.summary;
    let affected = gs.len();
    out.push_str(&format!(
        "{} package(s) checked against {} advisories: {} vulnerable package(s), {} finding(s) ({} critical, {} high, {} medium, {} low, {} info, {} unscored), {} ignored.\n",
        report.packages,
        report.advisories_checked,
        affected,
        report.findings.len(),
        c.critical,
        c.high,
        c.medium,
        c.low,
        c.info,
        c.unknown,
        report.ignored.len()
    ));
    if report.findings.is_empty() {
        out.push_str("No known vulnerabilities found.\n");
    }
    out
}

/// The fixed versions worth showing: those above the installed version (all when it is not
/// ordered), at most four.
fn fixed_cell(f: &Finding) -> String {
    let scheme = Ecosystem::parse(&f.ecosystem).scheme();
    let current = f
        .version
        .as_deref()
        .and_then(|v| Version::parse(scheme, v).ok());
    let above: Vec<&String> = f
        .fixed
        .iter()
        .filter(|x| match (&current, Version::parse(scheme, x)) {
            (Some(c), Ok(v)) => v.compare(c) == Some(std::cmp::Ordering::Greater),
            _ => true,
        })
        .collect();
    let shown = if above.is_empty() {
        f.fixed.iter().collect()
    } else {
        above
    };
    if shown.is_empty() {
        return "-".to_owned();
    }
    let mut out: Vec<String> = shown.iter().take(4).map(|s| (*s).clone()).collect();
    if shown.len() > 4 {
        out.push(format!("(+{} more)", shown.len() - 4));
    }
    out.join("\n")
}

fn sarif_level(sev: &str) -> &'static str {
    match sev {
        "critical" | "high" | "unknown" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

/// SARIF 2.1.0: one rule per advisory, one result per finding, located at the lockfile line.
pub fn sarif(report: &AuditReport) -> String {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for f in &report.findings {
        rules.entry(f.id.as_str()).or_insert_with(|| {
            let mut r = json!({
                "id": f.id,
                "name": "vulnerable-dependency",
                "shortDescription": {"text": f.summary},
                "fullDescription": {"text": format!("{} ({})", f.summary, if f.aliases.is_empty() { f.id.clone() } else { f.aliases.join(", ") })},
                "properties": {"tags": ["security", "vulnerability", f.ecosystem.clone()]},
            });
            if let Some(u) = &f.url {
                r["helpUri"] = json!(u);
            }
            if let Some(c) = f.cvss {
                r["properties"]["security-severity"] = json!(format!("{c:.1}"));
            }
            r
        });
        let fix = match (&f.upgrade, f.fixed.is_empty()) {
            (Some(u), _) => format!(" Upgrade to {u}."),
            (None, false) => format!(" Fixed in {}.", f.fixed.join(", ")),
            (None, true) => String::new(),
        };
        let what = match f.matched_by {
            MatchedBy::Digest => format!(
                "{} (sha256 {}) is a file named by {}: {}.",
                f.package,
                f.digest.as_deref().unwrap_or(""),
                f.id,
                f.summary
            ),
            _ => format!(
                "{} {} is affected by {} ({}): {}{}{fix}",
                f.package,
                f.version.as_deref().unwrap_or("(any revision)"),
                f.id,
                match (f.severity.as_str(), f.cvss) {
                    ("unknown", _) => "no severity published".to_owned(),
                    (s, Some(c)) => format!("{s}, CVSS {c:.1}"),
                    (s, None) => s.to_owned(),
                },
                f.summary.trim_end_matches('.'),
                if f.summary.ends_with('…') { "" } else { "." }
            ),
        };
        let locations: Vec<Value> = f
            .locations
            .iter()
            .map(|l| {
                let mut phys = json!({"artifactLocation": {"uri": l.path.replace('\\', "/")}});
                if let Some(n) = l.line {
                    phys["region"] = json!({"startLine": n});
                }
                json!({"physicalLocation": phys})
            })
            .collect();
        results.push(json!({
            "ruleId": f.id,
            "level": sarif_level(&f.severity),
            "message": {"text": what},
            "locations": locations,
            "partialFingerprints": {
                "vouchAudit/v1": format!("{}/{}/{}/{}", f.ecosystem, f.package, f.version.as_deref().unwrap_or(""), f.id)
            },
            "properties": {"severity": f.severity, "aliases": f.aliases, "fixed": f.fixed},
        }));
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vouch",
                "version": report.tool.version,
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn purl_of(f: &Finding) -> String {
    let ty = match f.ecosystem.as_str() {
        "PyPI" => "pypi",
        "crates.io" => "cargo",
        "npm" => "npm",
        "HuggingFace" => "huggingface",
        other => return format!("urn:vouch:{}:{}", other, f.package),
    };
    let name = if ty == "pypi" {
        crate::version::normalize_pypi_name(&f.package)
    } else {
        f.package.clone()
    };
    let name = if ty == "npm" {
        name.replacen('@', "%40", 1)
    } else {
        name
    };
    match &f.version {
        Some(v) => format!("pkg:{ty}/{name}@{v}"),
        None => format!("pkg:{ty}/{name}"),
    }
}

fn cdx_rating(f: &Finding) -> Value {
    let method = match f.cvss_vector.as_deref() {
        Some(v) if v.starts_with("CVSS:4") => "CVSSv4",
        Some(v) if v.starts_with("CVSS:3.1") => "CVSSv31",
        Some(v) if v.starts_with("CVSS:3") => "CVSSv3",
        Some(_) => "CVSSv2",
        None => "other",
    };
    // vouch's words are CycloneDX's (critical, high, medium, low, info, unknown).
    let severity = f.severity.as_str();
    let mut r = json!({"severity": severity, "method": method});
    if let Some(c) = f.cvss {
        r["score"] = json!(c);
    }
    if let Some(v) = &f.cvss_vector {
        r["vector"] = json!(v);
    }
    r
}

/// A CycloneDX 1.6 VEX document: the affected components and one vulnerability per finding
/// (`analysis.state: in_triage`, since a version match says nothing of reachability), plus the
/// ignored ones as `not_affected` with the ignore reason as the detail. `serial` and
/// `timestamp` are supplied by the caller (omit the timestamp for reproducible output).
pub fn cyclonedx_vex(report: &AuditReport, serial: &str, timestamp: Option<&str>) -> String {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    let mut vulns = Vec::new();
    let mut add = |f: &Finding, state: &str, detail: Option<&str>| {
        let r = purl_of(f);
        components.entry(r.clone()).or_insert_with(|| {
            let mut c = json!({
                "type": if f.ecosystem == "HuggingFace" || f.matched_by == MatchedBy::Digest { "machine-learning-model" } else { "library" },
                "bom-ref": r,
                "name": f.package,
            });
            if let Some(v) = &f.version {
                c["version"] = json!(v);
            }
            if r.starts_with("pkg:") {
                c["purl"] = json!(r);
            }
            if let Some(d) = &f.digest {
                c["hashes"] = json!([{"alg": "SHA-256", "content": d}]);
            }
            c
        });
        let mut v = json!({
            "bom-ref": format!("{}#{}", f.id, r),
            "id": f.id,
            "source": {"name": source_name(&f.id)},
            "ratings": [cdx_rating(f)],
            "description": f.summary,
            "affects": [{"ref": r}],
            "analysis": {"state": state},
        });
        if let Some(u) = &f.url {
            v["source"]["url"] = json!(u);
        }
        if !f.aliases.is_empty() {
            v["references"] = Value::Array(
                f.aliases
                    .iter()
                    .map(|a| json!({"id": a, "source": {"name": source_name(a)}}))
                    .collect(),
            );
        }
        if let Some(u) = &f.upgrade {
            v["recommendation"] = json!(format!("Upgrade {} to {u}", f.package));
        } else if !f.fixed.is_empty() {
            v["recommendation"] = json!(format!("Fixed in {}", f.fixed.join(", ")));
        }
        if let Some(d) = detail {
            v["analysis"]["detail"] = json!(d);
        }
        vulns.push(v);
    };
    for f in &report.findings {
        add(f, "in_triage", None);
    }
    for i in &report.ignored {
        add(&i.finding, "not_affected", Some(&i.reason));
    }
    let mut meta = json!({
        "tools": {"components": [{"type": "application", "name": "vouch", "version": report.tool.version}]},
    });
    if let Some(t) = timestamp {
        meta["timestamp"] = json!(t);
    }
    let doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial,
        "version": 1,
        "metadata": meta,
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulns,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn source_name(id: &str) -> &'static str {
    if id.starts_with("CVE-") {
        "NVD"
    } else if id.starts_with("GHSA-") {
        "GitHub"
    } else if id.starts_with("PYSEC-") {
        "PyPA"
    } else if id.starts_with("RUSTSEC-") {
        "RustSec"
    } else {
        "OSV"
    }
}
