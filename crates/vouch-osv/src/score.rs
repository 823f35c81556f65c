//! From an advisory's severity fields to one score and one [`Severity`].
//!
//! CVSS v2, v3.0, v3.1 and v4.0 vectors are scored with RustSec's `cvss` crate (base metrics;
//! v4 with its macro-vector tables). When an advisory carries several, the newest CVSS version
//! wins; package-level vectors win over record-level ones. Without any vector, a database's own
//! word is used (GitHub's `database_specific.severity`: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
//! Qualitative bands are CVSS's: 0 none (reported as `info`), 0.1–3.9 low, 4.0–6.9 medium,
//! 7.0–8.9 high, 9.0–10 critical.

use crate::advisory::SeverityVector;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use vouch_core::Severity;

/// A CVSS vector and its base score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    /// The base score, 0.0–10.0.
    pub score: f64,
    /// The vector as written.
    pub vector: String,
}

impl CvssScore {
    /// Score a vector string (`CVSS:3.1/AV:N/...`, `CVSS:4.0/...`, or a bare v2 vector).
    pub fn parse(vector: &str) -> Option<CvssScore> {
        let vector = vector.trim();
        let parsed = cvss::Cvss::from_str(vector).ok()?;
        let version = match &parsed {
            cvss::Cvss::CvssV20(_) => "2.0",
            cvss::Cvss::CvssV30(_) => "3.0",
            cvss::Cvss::CvssV31(_) => "3.1",
            cvss::Cvss::CvssV40(_) => "4.0",
            _ => return None,
        };
        let score = parsed.score();
        if !(0.0..=10.0).contains(&score) {
            return None;
        }
        Some(CvssScore {
            version: version.to_owned(),
            score: (score * 10.0).round() / 10.0,
            vector: vector.to_owned(),
        })
    }

    /// The qualitative severity of the score.
    pub fn severity(&self) -> Severity {
        severity_of_score(self.score)
    }

    fn rank(&self) -> u8 {
        match self.version.as_str() {
            "4.0" => 4,
            "3.1" => 3,
            "3.0" => 2,
            _ => 1,
        }
    }
}

/// CVSS qualitative bands; a 0.0 score is `info`.
pub fn severity_of_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// A database's severity word (`MODERATE` is GitHub's medium).
pub fn severity_of_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "important" => Some(Severity::High),
        "moderate" | "medium" => Some(Severity::Medium),
        "low" | "negligible" => Some(Severity::Low),
        "none" | "info" | "informational" => Some(Severity::Info),
        _ => None,
    }
}

/// The best CVSS score among vectors: the newest CVSS version, then the highest score.
pub fn best_cvss(vectors: &[SeverityVector]) -> Option<CvssScore> {
    vectors
        .iter()
        .filter(|v| v.kind.starts_with("CVSS"))
        .filter_map(|v| CvssScore::parse(&v.score))
        .max_by(|a, b| {
            a.rank().cmp(&b.rank()).then(
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(v: &str) -> f64 {
        CvssScore::parse(v).unwrap_or_else(|| panic!("{v}")).score
    }

    // Expected values from FIRST's calculators (v3.1 and v4.0), checked by hand.
    #[test]
    fn cvss_v3_scores() {
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
        assert_eq!(score("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"), 8.1);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
        assert_eq!(score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N"), 0.0);
    }

    #[test]
    fn cvss_v4_scores() {
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            9.3
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"),
            10.0
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"),
            6.9
        );
    }

    #[test]
    fn bands() {
        assert_eq!(severity_of_score(9.0), Severity::Critical);
        assert_eq!(severity_of_score(8.9), Severity::High);
        assert_eq!(severity_of_score(4.0), Severity::Medium);
        assert_eq!(severity_of_score(0.1), Severity::Low);
        assert_eq!(severity_of_score(0.0), Severity::Info);
        assert_eq!(severity_of_word("MODERATE"), Some(Severity::Medium));
    }

    #[test]
    fn newest_version_wins() {
        let v = [
            SeverityVector {
                kind: "CVSS_V3".into(),
                score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            },
            SeverityVector {
                kind: "CVSS_V4".into(),
                score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N".into(),
            },
            SeverityVector {
                kind: "CVSS_V3".into(),
                score: "garbage".into(),
            },
        ];
        assert_eq!(best_cvss(&v).map(|s| s.version), Some("4.0".to_owned()));
        assert!(CvssScore::parse("CVSS:9.9/AV:N").is_none());
    }
}
