//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`), parsed per the purl
//! specification: components split from the right, each percent-decoded.

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// The type, lower-cased (`pypi`, `cargo`, `npm`, `huggingface`, ...).
    pub ty: String,
    /// The namespace (`@babel`, an org, a Maven group), decoded.
    pub namespace: Option<String>,
    /// The name, decoded.
    pub name: String,
    /// The version, decoded.
    pub version: Option<String>,
}

/// A string that is not a package URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{purl}` is not a package URL: {reason}")]
pub struct PurlError {
    /// The offending string (truncated to 200 characters).
    pub purl: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl Purl {
    /// Parse a purl.
    pub fn parse(s: &str) -> Result<Purl, PurlError> {
        let err = |reason| PurlError {
            purl: s.chars().take(200).collect(),
            reason,
        };
        let rest = s
            .trim()
            .strip_prefix("pkg:")
            .ok_or_else(|| err("it does not start with `pkg:`"))?;
        let rest = rest.trim_start_matches('/');
        let rest = rest.split_once('#').map_or(rest, |(a, _)| a);
        let rest = rest.split_once('?').map_or(rest, |(a, _)| a);
        let (path, version) = match rest.rsplit_once('@') {
            Some((p, v)) if !p.is_empty() && !p.ends_with('/') => (p, Some(decode(v))),
            _ => (rest, None),
        };
        let path = path.trim_end_matches('/');
        let (ty, remainder) = path.split_once('/').ok_or_else(|| err("no name"))?;
        if ty.is_empty() {
            return Err(err("no type"));
        }
        let (namespace, name) = match remainder.rsplit_once('/') {
            Some((ns, n)) => (
                Some(
                    ns.split('/')
                        .filter(|x| !x.is_empty())
                        .map(decode)
                        .collect::<Vec<_>>()
                        .join("/"),
                ),
                decode(n),
            ),
            None => (None, decode(remainder)),
        };
        if name.is_empty() {
            return Err(err("no name"));
        }
        Ok(Purl {
            ty: ty.to_ascii_lowercase(),
            namespace: namespace.filter(|n| !n.is_empty()),
            name,
            version: version.filter(|v| !v.is_empty()),
        })
    }

    /// The package name as its ecosystem writes it: `@scope/name` for npm, `org/name` for
    /// Hugging Face, `group:artifact` for Maven, `namespace/name` for Go, else the name.
    pub fn package_name(&self) -> String {
        match (self.ty.as_str(), &self.namespace) {
            ("maven", Some(ns)) => format!("{ns}:{}", self.name),
            (_, Some(ns)) => format!("{ns}/{}", self.name),
            (_, None) => self.name.clone(),
        }
    }
}

/// Percent-decode (invalid escapes are kept as written).
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1), b.get(i + 2))
            && let (Some(h), Some(l)) = (hex_val(*h), hex_val(*l))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-encode one purl component.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b'+' | b'!') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spec_examples() {
        let p = Purl::parse("pkg:npm/%40angular/animation@12.3.1").unwrap();
        assert_eq!(p.package_name(), "@angular/animation");
        assert_eq!(p.version.as_deref(), Some("12.3.1"));
        let p = Purl::parse("pkg:pypi/django@1.11.1?foo=bar#sub/path").unwrap();
        assert_eq!((p.ty.as_str(), p.name.as_str()), ("pypi", "django"));
        let p = Purl::parse("pkg:maven/org.apache/commons-io@2.0").unwrap();
        assert_eq!(p.package_name(), "org.apache:commons-io");
        let p = Purl::parse(
            "pkg:huggingface/microsoft/deberta-v3-base@559062ad13d311b87b2c455e67dcd5f1c8f65111",
        )
        .unwrap();
        assert_eq!(p.package_name(), "microsoft/deberta-v3-base");
        let p = Purl::parse("pkg:cargo/rand").unwrap();
        assert_eq!((p.name.as_str(), p.version), ("rand", None));
    }

    #[test]
    fn rejects_garbage() {
        for s in ["", "pkg:", "pkg:/x", "http://x", "pkg:npm", "pkg:npm/"] {
            assert!(Purl::parse(s).is_err(), "{s}");
        }
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%zz%41"), "%zzA");
    }
}
