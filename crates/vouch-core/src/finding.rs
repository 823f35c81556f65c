//! Findings: one observed problem, with a stable rule code and the evidence behind it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Extra, rule-specific facts about a finding (callable names, arguments, limits hit ...).
pub type Evidence = serde_json::Map<String, serde_json::Value>;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hygiene, nothing to act on.
    Info,
    /// Hygiene worth fixing.
    Low,
    /// An unsafe construct that needs review: an unknown callable, a malformed file.
    Medium,
    /// Likely code execution, path traversal, or a file crafted to break loaders.
    High,
    /// Code runs when the file is loaded.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}`: expected one of info, low, medium, high, critical")
            })
    }
}

/// Where inside a file (or archive member) a finding was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Byte offset inside the member (or the file when there is no member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Location {
    /// A location at a byte offset.
    pub fn offset(offset: u64) -> Self {
        Location {
            offset: Some(offset),
        }
    }
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The scanned file, as given on the command line (or relative to the scanned directory).
    pub path: String,
    /// The member inside a container (`archive/data.pkl`, `inner.zip!/data.pkl`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Stable kebab-case rule code, e.g. `pickle.dangerous-callable`.
    pub rule: String,
    /// How bad it is.
    pub severity: Severity,
    /// One human sentence.
    pub message: String,
    /// Where in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Rule-specific facts.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub evidence: Evidence,
}

impl Finding {
    /// A finding without member, location or evidence; add them with the builder methods.
    pub fn new(
        path: impl Into<String>,
        rule: impl Into<String>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            path: path.into(),
            member: None,
            rule: rule.into(),
            severity,
            message: message.into(),
            location: None,
            evidence: Evidence::new(),
        }
    }

    /// Set the archive member.
    pub fn with_member(mut self, member: Option<String>) -> Self {
        self.member = member;
        self
    }

    /// Set the byte offset.
    pub fn at(mut self, offset: Option<u64>) -> Self {
        self.location = offset.map(Location::offset);
        self
    }

    /// Add one evidence entry.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }
}
