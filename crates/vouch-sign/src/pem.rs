//! Minimal PEM block scanner: finds every `-----BEGIN X-----` / `-----END X-----` pair in a text and decodes
//! its body strictly (standard base64), tolerating CRLF and text between blocks (as `openssl x509 -text` writes).

use base64::Engine as _;

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
    /// RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) were present: the body is encrypted.
    pub has_headers: bool,
}

/// Why a PEM text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// A BEGIN line without a matching END line.
    #[error("PEM block `{label}` has no END line")]
    Unterminated {
        /// The label of the unterminated block.
        label: String,
    },
    /// The body is not valid base64.
    #[error("PEM block `{label}` is not valid base64: {detail}")]
    Base64 {
        /// The label of the block.
        label: String,
        /// What the base64 decoder said.
        detail: String,
    },
}

/// Returns every PEM block of `text`, in order.
pub(crate) fn blocks(text: &str) -> Result<Vec<PemBlock>, PemError> {
    let mut out = Vec::new();
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r').trim());
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut has_headers = false;
        let mut terminated = false;
        for inner in lines.by_ref() {
            if inner == end {
                terminated = true;
                break;
            }
            if inner.contains(':') {
                has_headers = true;
                continue;
            }
            body.push_str(inner);
        }
        if !terminated {
            return Err(PemError::Unterminated {
                label: label.to_owned(),
            });
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| PemError::Base64 {
                label: label.to_owned(),
                detail: e.to_string(),
            })?;
        out.push(PemBlock {
            label: label.to_owned(),
            der,
            has_headers,
        });
    }
    Ok(out)
}

/// Encodes `der` as PEM with 64-character lines, `\n` line endings and a final newline (what OpenSSL writes).
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    let bytes = b64.as_bytes();
    for chunk in bytes.chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_noise_between_blocks() {
        let a = encode("CERTIFICATE", &[1u8; 100]);
        let b = encode("PUBLIC KEY", &[2u8; 3]);
        let text = format!("subject=CN=x\r\n{}\nnoise\n{}", a.replace('\n', "\r\n"), b);
        let got = blocks(&text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].label, "CERTIFICATE");
        assert_eq!(got[0].der, vec![1u8; 100]);
        assert_eq!(got[1].der, vec![2u8; 3]);
    }

    #[test]
    fn errors_are_reported_not_panicked() {
        assert!(matches!(
            blocks("-----BEGIN X-----\nAAAA\n"),
            Err(PemError::Unterminated { .. })
        ));
        assert!(matches!(
            blocks("-----BEGIN X-----\n%%%\n-----END X-----\n"),
            Err(PemError::Base64 { .. })
        ));
        assert_eq!(blocks("no pem here").unwrap(), vec![]);
    }

    #[test]
    fn encode_wraps_at_64() {
        let pem = encode("PUBLIC KEY", &[0u8; 91]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[1].len(), 64);
        assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
    }
}
