//! Facts about a container that a scanner will want to judge.
//!
//! This crate never decides how bad something is: it reports an [`Issue`] and carries on with
//! whatever can still be read. The scanner maps issues to findings and severities.

use std::fmt;

/// Output size below which a high compression ratio is not counted as a bomb: small, very
/// repetitive members (a zero-filled buffer, an empty pickle list) compress extremely well.
pub const BOMB_MIN_BYTES: u64 = 1 << 20;

/// Something about a container worth reporting. Each carries the values that triggered it.
///
/// Deliberately not `#[non_exhaustive]`: a new kind of issue should break the scanner's
/// exhaustive match, so that it gets judged rather than silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// A member name that would escape the extraction directory: `..` climbing above the root,
    /// an absolute path, a drive letter, a UNC path, or a NUL byte. See [`is_safe_name`].
    PathTraversal {
        /// The name as stored.
        name: String,
    },
    /// The archive holds more entries than allowed; listing stopped at `limit` and the entries
    /// beyond it are not returned. `count` is the number the archive declares when it declares
    /// one, else a lower bound (`limit + 1`).
    TooManyEntries {
        /// Entries declared or seen.
        count: u64,
        /// `Limits::max_archive_entries`.
        limit: u64,
    },
    /// Uncompressed size over compressed size exceeds `Limits::max_ratio` for a member (or a
    /// stream) bigger than [`BOMB_MIN_BYTES`]. Found from declared sizes when listing and from
    /// the real output while decompressing (which then stops).
    Bomb {
        /// Member name (empty for a bare compressed stream).
        name: String,
        /// Uncompressed bytes (declared, or produced before decompression stopped).
        size: u64,
        /// Compressed bytes (declared, or consumed before decompression stopped).
        compressed: u64,
        /// `size / compressed`, rounded down.
        ratio: u64,
    },
    /// A member (or stream) read was cut at `Limits::max_member_bytes`.
    MemberTooLarge {
        /// Member name (empty for a bare compressed stream).
        name: String,
        /// Declared size, or a lower bound when the format declares none.
        size: u64,
        /// `Limits::max_member_bytes`.
        limit: u64,
    },
    /// The same member name appears more than once. Loaders disagree on which copy wins, so a
    /// scanner that reads one copy may miss what a loader runs from the other.
    DuplicateName {
        /// The repeated name; reported once per extra copy.
        name: String,
    },
    /// A symbolic or hard link.
    Symlink {
        /// The link's name.
        name: String,
        /// Where it points (empty when the target could not be read).
        target: String,
    },
    /// An encrypted member whose content cannot be scanned. An empty name stands for the whole
    /// archive (a 7z with encrypted headers cannot even be listed).
    Encrypted {
        /// Member name, or empty for the whole archive.
        name: String,
    },
    /// The container's structure is broken or truncated, or a member's data failed its checks
    /// (CRC mismatch, early end, size mismatch). What was listed or decoded before is kept.
    Corrupt {
        /// What is wrong, with offsets and names.
        detail: String,
    },
    /// Reading stopped because the bytes read from this container in total reached
    /// `Limits::max_total_bytes`.
    TotalTooLarge {
        /// `Limits::max_total_bytes`.
        limit: u64,
    },
}

impl Issue {
    /// The member the issue is about, if it is about one member.
    pub fn name(&self) -> Option<&str> {
        let name = match self {
            Issue::PathTraversal { name }
            | Issue::Bomb { name, .. }
            | Issue::MemberTooLarge { name, .. }
            | Issue::DuplicateName { name }
            | Issue::Symlink { name, .. }
            | Issue::Encrypted { name } => name,
            Issue::TooManyEntries { .. } | Issue::Corrupt { .. } | Issue::TotalTooLarge { .. } => {
                return None;
            }
        };
        (!name.is_empty()).then_some(name.as_str())
    }

    /// A stable kebab-case code for the kind of issue.
    pub fn code(&self) -> &'static str {
        match self {
            Issue::PathTraversal { .. } => "path-traversal",
            Issue::TooManyEntries { .. } => "too-many-entries",
            Issue::Bomb { .. } => "bomb",
            Issue::MemberTooLarge { .. } => "member-too-large",
            Issue::DuplicateName { .. } => "duplicate-name",
            Issue::Symlink { .. } => "symlink",
            Issue::Encrypted { .. } => "encrypted",
            Issue::Corrupt { .. } => "corrupt",
            Issue::TotalTooLarge { .. } => "total-too-large",
        }
    }

    pub(crate) fn corrupt(detail: impl Into<String>) -> Issue {
        Issue::Corrupt {
            detail: detail.into(),
        }
    }

    /// A bomb issue from sizes, if they make one under `max_ratio`.
    pub(crate) fn bomb_if(name: &str, size: u64, compressed: u64, max_ratio: u64) -> Option<Issue> {
        let ratio = size / compressed.max(1);
        (size > BOMB_MIN_BYTES && ratio > max_ratio).then(|| Issue::Bomb {
            name: name.to_owned(),
            size,
            compressed,
            ratio,
        })
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Issue::PathTraversal { name } => {
                write!(f, "member name {name:?} escapes the extraction directory")
            }
            Issue::TooManyEntries { count, limit } => write!(
                f,
                "archive holds {count} entries, more than the limit of {limit}; the rest were not listed"
            ),
            Issue::Bomb {
                name,
                size,
                compressed,
                ratio,
            } => write!(
                f,
                "{} expands {compressed} bytes to {size} (ratio {ratio}:1)",
                display_name(name)
            ),
            Issue::MemberTooLarge { name, size, limit } => write!(
                f,
                "{} is {size} bytes, over the limit of {limit}; only the first {limit} were read",
                display_name(name)
            ),
            Issue::DuplicateName { name } => {
                write!(f, "member name {name:?} appears more than once")
            }
            Issue::Symlink { name, target } => write!(f, "member {name:?} is a link to {target:?}"),
            Issue::Encrypted { name } if name.is_empty() => f.write_str("archive is encrypted"),
            Issue::Encrypted { name } => write!(f, "member {name:?} is encrypted"),
            Issue::Corrupt { detail } => write!(f, "corrupt: {detail}"),
            Issue::TotalTooLarge { limit } => write!(
                f,
                "stopped reading after {limit} bytes in total, the limit for one file"
            ),
        }
    }
}

fn display_name(name: &str) -> String {
    if name.is_empty() {
        "stream".to_owned()
    } else {
        format!("member {name:?}")
    }
}

/// Whether a member name stays inside the directory it would be extracted to.
///
/// Backslashes count as separators (Windows tools honour them). Rejects NUL bytes, absolute
/// paths (`/x`, `\x`), drive letters (`C:x`, `C:\x`), UNC paths (`\\server\x`), and `..`
/// components that climb above the root (`../x`, `a/../../x`). `a/../b` and `./a` are safe.
pub fn is_safe_name(name: &str) -> bool {
    if name.contains('\0') {
        return false;
    }
    let normalised = name.replace('\\', "/");
    if normalised.starts_with('/') {
        return false;
    }
    let bytes = normalised.as_bytes();
    if let [drive, b':', ..] = bytes
        && drive.is_ascii_alphabetic()
    {
        return false;
    }
    let mut depth: u64 = 0;
    for part in normalised.split('/') {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            _ => depth = depth.saturating_add(1),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names() {
        for name in [
            "../../etc/passwd",
            "../x",
            "..",
            "a/../../x",
            "a/b/../../../x",
            "/abs",
            "/etc/passwd",
            "\\abs",
            "C:\\x",
            "C:x",
            "c:/x",
            "\\\\server\\share\\x",
            "//server/share/x",
            "..\\..\\x",
            "a\\..\\..\\x",
            "a\0b",
        ] {
            assert!(!is_safe_name(name), "{name:?} should be unsafe");
        }
    }

    #[test]
    fn safe_names() {
        for name in [
            "archive/data.pkl",
            "archive/data/0",
            "a/../b",
            "./a",
            "a/./b/",
            "dir/",
            "..a",
            "a..",
            "a/..b",
            "",
            "data.pkl",
            "名前/ファイル",
        ] {
            assert!(is_safe_name(name), "{name:?} should be safe");
        }
    }

    #[test]
    fn names_and_codes() {
        let issues = [
            Issue::PathTraversal { name: "a".into() },
            Issue::TooManyEntries { count: 2, limit: 1 },
            Issue::Bomb {
                name: "a".into(),
                size: 1,
                compressed: 1,
                ratio: 1,
            },
            Issue::MemberTooLarge {
                name: "".into(),
                size: 1,
                limit: 1,
            },
            Issue::DuplicateName { name: "a".into() },
            Issue::Symlink {
                name: "a".into(),
                target: "b".into(),
            },
            Issue::Encrypted { name: "".into() },
            Issue::corrupt("x"),
            Issue::TotalTooLarge { limit: 1 },
        ];
        let codes: std::collections::HashSet<_> = issues.iter().map(Issue::code).collect();
        assert_eq!(codes.len(), issues.len(), "codes are unique");
        let names: Vec<_> = issues.iter().map(Issue::name).collect();
        assert_eq!(
            names,
            [
                Some("a"),
                None,
                Some("a"),
                None,
                Some("a"),
                Some("a"),
                None,
                None,
                None
            ]
        );
        for issue in &issues {
            assert!(!issue.to_string().is_empty());
        }
    }

    #[test]
    fn bomb_threshold() {
        assert_eq!(Issue::bomb_if("a", BOMB_MIN_BYTES, 1, 10), None);
        assert_eq!(Issue::bomb_if("a", 10 << 20, 1 << 20, 100), None);
        assert!(Issue::bomb_if("a", 10 << 20, 1000, 100).is_some());
        assert!(Issue::bomb_if("a", 10 << 20, 0, 100).is_some());
    }
}
