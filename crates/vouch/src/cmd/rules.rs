//! `vouch rules`: the catalog of findings, and what to do about each.

use crate::output::{self, Format};
use anyhow::bail;
use std::process::ExitCode;
use vouch_report::RuleDoc;

/// Arguments of `vouch rules`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  vouch rules\n  vouch rules pickle.malformed\n  vouch rules --format json"
)]
pub struct RulesArgs {
    /// A rule code to explain (e.g. pickle.dangerous-callable). Without it, list all rules.
    pub code: Option<String>,

    #[command(flatten)]
    pub out: output::OutputArgs,
}

/// The catalog as renderers see it.
pub fn rule_docs() -> Vec<RuleDoc<'static>> {
    vouch_scan::rules::ALL
        .iter()
        .map(|r| RuleDoc {
            code: r.code,
            severity: r.severity,
            summary: r.summary(),
            doc: r.doc,
        })
        .collect()
}

/// Run `vouch rules`.
pub fn run(args: RulesArgs) -> anyhow::Result<ExitCode> {
    let format = args.out.format();
    if let Some(code) = &args.code {
        let Some(rule) = vouch_scan::rules::find(code) else {
            let family = code.split('.').next().unwrap_or("");
            let similar: Vec<&str> = vouch_scan::rules::ALL
                .iter()
                .map(|r| r.code)
                .filter(|c| c.starts_with(family) || c.contains(code.as_str()))
                .collect();
            if similar.is_empty() {
                bail!("unknown rule `{code}`; run `vouch rules` for the list");
            }
            bail!(
                "unknown rule `{code}`; did you mean one of: {}?",
                similar.join(", ")
            );
        };
        let text = match format {
            Format::Json => {
                let v = serde_json::json!({"code": rule.code, "severity": rule.severity, "summary": rule.summary(), "doc": rule.doc});
                format!("{}\n", serde_json::to_string_pretty(&v)?)
            }
            _ => rule.doc.to_owned(),
        };
        args.out.write(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = match format {
        Format::Json => {
            let list: Vec<_> = vouch_scan::rules::ALL
                .iter()
                .map(|r| serde_json::json!({"code": r.code, "severity": r.severity, "summary": r.summary()}))
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&list)?)
        }
        _ => {
            let width = vouch_scan::rules::ALL
                .iter()
                .map(|r| r.code.len())
                .max()
                .unwrap_or(0);
            let mut s = String::new();
            for r in vouch_scan::rules::ALL {
                s.push_str(&format!(
                    "{:<width$}  {:<8}  {}\n",
                    r.code,
                    r.severity.as_str(),
                    r.summary()
                ));
            }
            s.push_str(
                "\nRun `vouch rules CODE` for what a rule means, why it matters and what to do.\n",
            );
            s
        }
    };
    args.out.write(&text)?;
    Ok(ExitCode::SUCCESS)
}
