//! pip requirements files: `name[extras]==version ; markers --hash=sha256:…`, `-r` includes.
//!
//! Only exact pins (`==1.2.3`, `===1.2.3`) give a version; anything else (`>=`, `~=`, `==1.*`,
//! URLs) gives an unpinned component that the audit reports as not checked. Continuation
//! lines (`\`), comments (`#` at the start or after whitespace, as pip strips them), a UTF-8
//! BOM and global options are handled; `-e`/editable and local paths are skipped (they are the
//! project itself). `-r`/`--requirement` files are followed relative to the including file,
//! each file once (cycles are cut) and at most [`MAX_INCLUDE_DEPTH`] deep; `-c` constraint
//! files are not followed (they install nothing).

use crate::component::{Component, Ecosystem, Hash, Origin};
use crate::error::{Error, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// How deep `-r` includes nest.
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// What one requirements file holds.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    /// The requirements.
    pub components: Vec<Component>,
    /// Files named by `-r`, as written, with their line.
    pub includes: Vec<(String, u32)>,
}

/// Parse the text of one requirements file; `origin` is the path reported for its components.
pub fn parse_str(text: &str, origin: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Parsed::default();
    let mut logical = String::new();
    let mut start = 0u32;
    for (i, raw) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if logical.is_empty() {
            start = n;
        }
        let line = strip_comment(raw);
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let l = std::mem::take(&mut logical);
        parse_line(l.trim(), origin, start, &mut out);
    }
    if !logical.trim().is_empty() {
        parse_line(logical.trim(), origin, start, &mut out);
    }
    out
}

/// pip's comment rule: `#` at the start of a line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && (i == 0 || b.get(i - 1).is_some_and(|p| p.is_ascii_whitespace())) {
            return line.get(..i).unwrap_or("").trim_end();
        }
    }
    line.trim_end()
}

fn option_value<'a>(line: &'a str, names: &[&str]) -> Option<&'a str> {
    for n in names {
        if let Some(rest) = line.strip_prefix(n) {
            if let Some(v) = rest.strip_prefix('=') {
                return Some(v.trim());
            }
            if rest.starts_with(char::is_whitespace) {
                return Some(rest.trim());
            }
            if rest.is_empty() {
                return Some("");
            }
            // `-rfile` (short options glue their value)
            if n.len() == 2 {
                return Some(rest.trim());
            }
        }
    }
    None
}

fn parse_line(line: &str, origin: &str, n: u32, out: &mut Parsed) {
    if line.is_empty() {
        return;
    }
    if let Some(v) = option_value(line, &["-r", "--requirement"]) {
        if !v.is_empty() {
            out.includes.push((v.to_owned(), n));
        }
        return;
    }
    if line.starts_with('-') {
        // -c, -e, -i, --index-url, --hash at the top level, ...: nothing to inventory.
        return;
    }
    // A local path or URL is the project itself or an unpinnable source.
    if line.starts_with('.')
        || line.starts_with('/')
        || (line.contains("://") && !line.contains("@ "))
    {
        return;
    }
    // Split off per-requirement options (`--hash=...`).
    let mut hashes = Vec::new();
    let mut req = String::new();
    let mut tokens = line.split_whitespace().peekable();
    while let Some(t) = tokens.next() {
        if let Some(h) = t.strip_prefix("--hash=") {
            hashes.extend(Hash::from_prefixed(h));
        } else if t == "--hash" {
            if let Some(h) = tokens.next() {
                hashes.extend(Hash::from_prefixed(h));
            }
        } else if t.starts_with("--") {
            // --config-settings, --global-option: ignored.
        } else {
            req.push_str(t);
            req.push(' ');
        }
    }
    let req = req.trim();
    let (spec, markers) = match req.split_once(';') {
        Some((s, m)) => (
            s.trim(),
            Some(m.trim().to_owned()).filter(|m| !m.is_empty()),
        ),
        None => (req, None),
    };
    let name_end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(spec.len());
    let name = spec.get(..name_end).unwrap_or("");
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return;
    }
    let mut rest = spec.get(name_end..).unwrap_or("").trim_start();
    if rest.starts_with('[')
        && let Some(close) = rest.find(']')
    {
        rest = rest.get(close + 1..).unwrap_or("").trim_start();
    }
    let version = if rest.starts_with('@') {
        None // a direct URL reference
    } else {
        pinned_version(rest)
    };
    let mut c = Component::library(
        Ecosystem::PyPI,
        name,
        version.as_deref(),
        Origin {
            path: origin.to_owned(),
            line: Some(n),
        },
    );
    c.hashes = hashes;
    c.markers = markers;
    out.components.push(c);
}

/// The version of an exact pin among comma-separated specifiers (`==1.2`, `=== 1.2`), if any.
fn pinned_version(spec: &str) -> Option<String> {
    let spec = spec.trim().trim_start_matches('(').trim_end_matches(')');
    for part in spec.split(',') {
        let p = part.trim();
        let v = p
            .strip_prefix("===")
            .or_else(|| p.strip_prefix("=="))
            .map(str::trim);
        if let Some(v) = v
            && !v.is_empty()
            && !v.contains('*')
            && !v.contains(char::is_whitespace)
        {
            return Some(v.to_owned());
        }
    }
    None
}

/// Parse a requirements file and the files it includes. `display` is how `path` is reported;
/// included files are reported relative to it.
pub fn parse_file(path: &Path, display: &str) -> Result<Vec<Component>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    parse_rec(path, display, 0, &mut seen, &mut out)?;
    Ok(out)
}

fn parse_rec(
    path: &Path,
    display: &str,
    depth: usize,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<Component>,
) -> Result<()> {
    if depth > MAX_INCLUDE_DEPTH {
        return Err(Error::IncludeDepth {
            path: path.to_path_buf(),
            limit: MAX_INCLUDE_DEPTH,
        });
    }
    let canon = std::fs::canonicalize(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if !seen.insert(canon) {
        return Ok(()); // already read: a cycle or a diamond
    }
    let text = crate::read_text(path)?;
    let parsed = parse_str(&text, display);
    out.extend(parsed.components);
    let dir = path.parent().unwrap_or(Path::new(""));
    let display_dir = Path::new(display).parent().unwrap_or(Path::new(""));
    for (inc, line) in parsed.includes {
        let target = dir.join(&inc);
        if !target.is_file() {
            return Err(Error::parse(
                path,
                Some(line),
                format!("-r {inc}: no such file ({})", target.display()),
            ));
        }
        let shown = display_dir.join(&inc).to_string_lossy().replace('\\', "/");
        parse_rec(&target, &shown, depth + 1, seen, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Parsed) -> Vec<(String, Option<String>, Option<u32>)> {
        p.components
            .iter()
            .map(|c| (c.name.clone(), c.version.clone(), c.origin.line))
            .collect()
    }

    #[test]
    fn pins_hashes_markers_and_continuations() {
        let text = "\u{feff}# top comment\n\
            Django==3.2.1 \\\n    --hash=sha256:AA11 \\\n    --hash=sha256:bb22\n\
            requests[socks]>=2.0  # not pinned\n\
            pyyaml===5.4 ; python_version < \"3.12\"\n\
            numpy == 1.26.4\n\
            torch==2.*\n\
            -e .\n\
            ./local/pkg\n\
            --index-url https://example.invalid/simple\n\
            pip @ https://example.invalid/pip-1.0.tar.gz\n\
            -r other.txt\n\
            -rthird.txt\n";
        let p = parse_str(text, "requirements.txt");
        assert_eq!(
            names(&p),
            [
                ("Django".into(), Some("3.2.1".into()), Some(2)),
                ("requests".into(), None, Some(5)),
                ("pyyaml".into(), Some("5.4".into()), Some(6)),
                ("numpy".into(), Some("1.26.4".into()), Some(7)),
                ("torch".into(), None, Some(8)),
                ("pip".into(), None, Some(12)),
            ]
        );
        let django = &p.components[0];
        assert_eq!(django.hashes.len(), 2);
        assert_eq!(django.sha256().collect::<Vec<_>>(), ["aa11", "bb22"]);
        assert_eq!(django.purl.as_deref(), Some("pkg:pypi/django@3.2.1"));
        assert_eq!(
            p.components[2].markers.as_deref(),
            Some("python_version < \"3.12\"")
        );
        assert_eq!(
            p.includes,
            [("other.txt".into(), 13), ("third.txt".into(), 14)]
        );
    }

    #[test]
    fn includes_with_cycles() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("sub")).unwrap();
        std::fs::write(t.path().join("requirements.txt"), "a==1\n-r sub/dev.txt\n").unwrap();
        std::fs::write(
            t.path().join("sub/dev.txt"),
            "b==2\n-r ../requirements.txt\n",
        )
        .unwrap();
        let c = parse_file(&t.path().join("requirements.txt"), "requirements.txt").unwrap();
        let got: Vec<_> = c
            .iter()
            .map(|c| (c.name.as_str(), c.origin.path.as_str()))
            .collect();
        assert_eq!(got, [("a", "requirements.txt"), ("b", "sub/dev.txt")]);
        std::fs::write(t.path().join("bad.txt"), "-r missing.txt\n").unwrap();
        let e = parse_file(&t.path().join("bad.txt"), "bad.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.txt:1: -r missing.txt: no such file"), "{e}");
    }
}
