//! The ignore file: advisories a team has looked at and accepted, each with a reason.
//!
//! ```toml
//! [[ignore]]
//! id = "PYSEC-2021-98"        # the advisory's id or any alias (CVE, GHSA, ...)
//! reason = "admindocs is not installed in production"   # required, non-empty
//! expires = "2025-06-30"      # optional: from the day after, the entry stops applying
//! package = "django"          # optional: only for this package (ecosystem-normalised)
//! version = "3.2.1"           # optional: only for this installed version
//! ```
//!
//! Like cargo-deny's exceptions, an entry that suppressed nothing in a run is reported as
//! stale (the flaw was fixed, the package removed, or the id mistyped), and an expired entry
//! is reported and no longer suppresses anything. Unknown keys are errors, so a misspelt
//! `reson` cannot silently drop the reason.

use crate::error::{Error, Result};
use crate::time::Date;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One ignore entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoreEntry {
    /// The advisory id or alias.
    pub id: String,
    /// Why it is accepted.
    pub reason: String,
    /// The last day it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Only for this package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Only for this installed version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// 1-based position in the file (for messages).
    #[serde(skip)]
    pub index: usize,
    /// Parsed `expires`.
    #[serde(skip)]
    pub expires_on: Option<Date>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    ignore: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
    package: Option<String>,
    version: Option<String>,
}

/// Parse an ignore file's text. `path` is used in messages.
pub fn parse_ignore_file(text: &str, path: &Path) -> Result<Vec<IgnoreEntry>> {
    let bad = |message: String| Error::IgnoreFile {
        path: path.to_path_buf(),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| {
        bad(format!(
            "not a valid ignore file: {} (expected [[ignore]] tables with id, reason and optional expires, package, version)",
            e.to_string().trim()
        ))
    })?;
    let mut out = Vec::new();
    for (i, raw) in file.ignore.into_iter().enumerate() {
        let n = i + 1;
        let id = raw
            .id
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(format!("ignore entry #{n} has no `id`")))?;
        let reason = raw
            .reason
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                bad(format!(
                    "ignore entry #{n} ({id}) has no `reason`: say why the advisory does not apply or is accepted"
                ))
            })?;
        let expires_on =
            match &raw.expires {
                None => None,
                Some(s) => Some(Date::parse(s).filter(|_| s.trim().len() == 10).ok_or_else(
                    || {
                        bad(format!(
                            "ignore entry #{n} ({id}): expires = {s:?} is not a YYYY-MM-DD date"
                        ))
                    },
                )?),
            };
        out.push(IgnoreEntry {
            id,
            reason,
            expires: raw.expires,
            package: raw.package,
            version: raw.version,
            index: n,
            expires_on,
        });
    }
    Ok(out)
}

/// Read and parse an ignore file.
pub fn read_ignore_file(path: &Path) -> Result<Vec<IgnoreEntry>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    parse_ignore_file(&text, path)
}

impl IgnoreEntry {
    /// Whether the entry has expired on `today`.
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires_on.is_some_and(|d| d < today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<IgnoreEntry>> {
        parse_ignore_file(s, Path::new("vouch-ignore.toml"))
    }

    #[test]
    fn valid_file() {
        let e = parse(
            "[[ignore]]\nid = \"CVE-1\"\nreason = \"not reachable\"\nexpires = \"2030-01-31\"\npackage = \"Django\"\n",
        )
        .unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].expires_on, Date::parse("2030-01-31"));
        assert!(!e[0].is_expired(Date::parse("2030-01-31").unwrap()));
        assert!(e[0].is_expired(Date::parse("2030-02-01").unwrap()));
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_entry() {
        let msg = |s: &str| parse(s).unwrap_err().to_string();
        insta::assert_snapshot!(msg("[[ignore]]\nid = \"X-1\"\n"), @"vouch-ignore.toml: ignore entry #1 (X-1) has no `reason`: say why the advisory does not apply or is accepted");
        insta::assert_snapshot!(msg("[[ignore]]\nid = \"X-1\"\nreason = \"r\"\nexpires = \"next week\"\n"), @r#"vouch-ignore.toml: ignore entry #1 (X-1): expires = "next week" is not a YYYY-MM-DD date"#);
        assert!(
            msg("[[ignore]]\nid = \"X\"\nreson = \"typo\"\n").contains("unknown field `reson`")
        );
        assert!(msg("[[ignore]]\nreason = \"r\"\n").contains("#1 has no `id`"));
    }
}
