//! Package-name normalisation shared by every crate that compares names.

/// PEP 503 normalisation: lower case, every run of `-`, `_` and `.` becomes one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pep503_examples() {
        assert_eq!(super::pep503("Friendly_Bard.."), "friendly-bard-");
        assert_eq!(super::pep503(" scikit_learn "), "scikit-learn");
        assert_eq!(super::pep503("zope.interface"), "zope-interface");
    }
}
