//! A strict RFC 8259 pull parser over untrusted bytes.
//!
//! serde_json and Python's `json` disagree on the edges (duplicate keys, lone surrogates,
//! invalid UTF-8, trailing bytes), and those edges are where a crafted header hides a second
//! meaning. This parser never builds a tree: the caller pulls the values it expects and skips
//! the rest, so memory is bounded by the strings it keeps. Soft problems (bad encoding) are
//! recorded and parsing goes on; a syntax error stops it with the offset.

/// A syntax error: parsing cannot continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// Offset inside the parsed buffer.
    pub offset: usize,
    /// What was wrong.
    pub detail: String,
}

/// A problem that does not stop parsing (the value is still read, lossily).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoftError {
    pub offset: usize,
    pub detail: String,
}

/// What the next value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, SyntaxError>;

/// The parser: a cursor over the buffer plus the soft errors met so far.
pub(crate) struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
    pub soft: Vec<SoftError>,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(buf: &'a [u8], max_depth: usize) -> Self {
        Parser {
            buf,
            pos: 0,
            depth: 0,
            max_depth,
            soft: Vec::new(),
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    fn err<T>(&self, detail: impl Into<String>) -> Result<T> {
        Err(SyntaxError {
            offset: self.pos,
            detail: detail.into(),
        })
    }

    fn peek_byte(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    pub(crate) fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek_byte() {
            self.pos += 1;
        }
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.buf.len()
    }

    /// The kind of the next value, without consuming it.
    pub(crate) fn peek(&mut self) -> Result<Kind> {
        self.skip_ws();
        match self.peek_byte() {
            Some(b'{') => Ok(Kind::Object),
            Some(b'[') => Ok(Kind::Array),
            Some(b'"') => Ok(Kind::String),
            Some(b'-' | b'0'..=b'9') => Ok(Kind::Number),
            Some(b't' | b'f') => Ok(Kind::Bool),
            Some(b'n') => Ok(Kind::Null),
            Some(b) => self.err(format!(
                "unexpected byte 0x{b:02x} where a value should start"
            )),
            None => self.err("unexpected end of input where a value should start"),
        }
    }

    fn expect(&mut self, byte: u8) -> Result<()> {
        self.skip_ws();
        if self.peek_byte() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(format!("expected `{}`", byte as char))
        }
    }

    fn enter(&mut self) -> Result<()> {
        if self.depth >= self.max_depth {
            return self.err(format!("nested deeper than {} levels", self.max_depth));
        }
        self.depth += 1;
        Ok(())
    }

    /// Start an object; then call [`Parser::next_key`] until it returns `None`.
    pub(crate) fn begin_object(&mut self) -> Result<()> {
        self.expect(b'{')?;
        self.enter()
    }

    /// The next key of the object being read (and its offset), or `None` at its end.
    /// `first` is true for the first call after [`Parser::begin_object`].
    pub(crate) fn next_key(&mut self, first: bool) -> Result<Option<(usize, String)>> {
        self.skip_ws();
        if self.peek_byte() == Some(b'}') {
            // `}` right after a comma is caught below, when the comma is read.
            self.pos += 1;
            self.depth = self.depth.saturating_sub(1);
            return Ok(None);
        }
        if !first {
            self.expect(b',')?;
            self.skip_ws();
            if self.peek_byte() == Some(b'}') {
                return self.err("trailing comma in an object");
            }
        }
        self.skip_ws();
        let at = self.pos;
        if self.peek_byte() != Some(b'"') {
            return self.err("expected a string key");
        }
        let key = self.string()?;
        self.expect(b':')?;
        Ok(Some((at, key)))
    }

    /// Start an array; then call [`Parser::next_item`] until it returns false.
    pub(crate) fn begin_array(&mut self) -> Result<()> {
        self.expect(b'[')?;
        self.enter()
    }

    /// Whether another item follows in the array being read.
    pub(crate) fn next_item(&mut self, first: bool) -> Result<bool> {
        self.skip_ws();
        if self.peek_byte() == Some(b']') {
            self.pos += 1;
            self.depth = self.depth.saturating_sub(1);
            return Ok(false);
        }
        if !first {
            self.expect(b',')?;
            self.skip_ws();
            if self.peek_byte() == Some(b']') {
                return self.err("trailing comma in an array");
            }
        }
        Ok(true)
    }

    /// Read a string value (the opening quote is next).
    pub(crate) fn string(&mut self) -> Result<String> {
        self.skip_ws();
        if self.peek_byte() != Some(b'"') {
            return self.err("expected a string");
        }
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek_byte() else {
                return self.err("unterminated string");
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                0x00..=0x1f => return self.err(format!("control byte 0x{b:02x} inside a string")),
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
        match String::from_utf8(out) {
            Ok(s) => Ok(s),
            Err(e) => {
                let bad = e.utf8_error().valid_up_to();
                self.soft.push(SoftError {
                    offset: self.pos,
                    detail: format!("string is not valid UTF-8 (bad byte after {bad} valid bytes)"),
                });
                Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
            }
        }
    }

    fn hex4(&mut self) -> Result<u16> {
        let Some(digits) = self.buf.get(self.pos..self.pos.saturating_add(4)) else {
            return self.err("truncated \\u escape");
        };
        let mut v: u16 = 0;
        for d in digits {
            let n = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return self.err("invalid hex digit in a \\u escape"),
            };
            v = (v << 4) | u16::from(n);
        }
        self.pos += 4;
        Ok(v)
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let Some(b) = self.peek_byte() else {
            return self.err("truncated escape");
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let at = self.pos;
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) {
                    let low = if self.buf.get(self.pos..self.pos.saturating_add(2)) == Some(b"\\u")
                    {
                        self.pos += 2;
                        Some(self.hex4()?)
                    } else {
                        None
                    };
                    match low {
                        Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                            let cp = 0x10000
                                + ((u32::from(hi) - 0xD800) << 10)
                                + (u32::from(lo) - 0xDC00);
                            char::from_u32(cp).unwrap_or('\u{fffd}')
                        }
                        _ => {
                            self.soft.push(SoftError {
                                offset: at,
                                detail: "lone surrogate in a \\u escape".into(),
                            });
                            '\u{fffd}'
                        }
                    }
                } else if (0xDC00..0xE000).contains(&hi) {
                    self.soft.push(SoftError {
                        offset: at,
                        detail: "lone surrogate in a \\u escape".into(),
                    });
                    '\u{fffd}'
                } else {
                    char::from_u32(u32::from(hi)).unwrap_or('\u{fffd}')
                }
            }
            _ => return self.err(format!("invalid escape `\\{}`", b as char)),
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        Ok(())
    }

    /// Read a number token and return its text (validated against the JSON grammar).
    pub(crate) fn number(&mut self) -> Result<&'a str> {
        self.skip_ws();
        let start = self.pos;
        if self.peek_byte() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek_byte() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek_byte() {
                    return self.err("leading zero in a number");
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.err("invalid number"),
        }
        if self.peek_byte() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek_byte(), Some(b'0'..=b'9')) {
                return self.err("digits expected after the decimal point");
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek_byte() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek_byte() {
                self.pos += 1;
            }
            if !matches!(self.peek_byte(), Some(b'0'..=b'9')) {
                return self.err("digits expected in the exponent");
            }
            self.digits();
        }
        let text = self.buf.get(start..self.pos).unwrap_or_default();
        // Only ASCII digits, signs, `.` and `e` were consumed.
        Ok(std::str::from_utf8(text).unwrap_or_default())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek_byte() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        if self.buf.get(self.pos..self.pos.saturating_add(word.len())) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.err("invalid literal")
        }
    }

    /// Read `true` or `false`.
    pub(crate) fn boolean(&mut self) -> Result<bool> {
        self.skip_ws();
        if self.peek_byte() == Some(b't') {
            self.literal(b"true").map(|()| true)
        } else {
            self.literal(b"false").map(|()| false)
        }
    }

    /// Skip any value, checking its syntax. Returns its kind.
    pub(crate) fn skip(&mut self) -> Result<Kind> {
        let kind = self.peek()?;
        match kind {
            Kind::Object => {
                self.begin_object()?;
                let mut first = true;
                while self.next_key(first)?.is_some() {
                    first = false;
                    self.skip()?;
                }
            }
            Kind::Array => {
                self.begin_array()?;
                let mut first = true;
                while self.next_item(first)? {
                    first = false;
                    self.skip()?;
                }
            }
            Kind::String => {
                self.string()?;
            }
            Kind::Number => {
                self.number()?;
            }
            Kind::Bool => {
                self.boolean()?;
            }
            Kind::Null => self.literal(b"null")?,
        }
        Ok(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_all(s: &[u8]) -> std::result::Result<(), SyntaxError> {
        let mut p = Parser::new(s, 8);
        p.skip()?;
        if p.at_end() {
            Ok(())
        } else {
            Err(SyntaxError {
                offset: p.pos(),
                detail: "trailing".into(),
            })
        }
    }

    #[test]
    fn accepts_valid_json() {
        for ok in [
            &b"{}"[..],
            b"[]",
            b" {\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\ud83d\\ude00\"]} ",
            b"0",
            b"-0.0",
        ] {
            assert!(skip_all(ok).is_ok(), "{}", String::from_utf8_lossy(ok));
        }
    }

    #[test]
    fn rejects_invalid_json() {
        for bad in [
            &b"{,}"[..],
            b"[1,]",
            b"{\"a\":1,}",
            b"01",
            b"1.",
            b"NaN",
            b"'a'",
            b"\"a\x01\"",
            b"\"\\x\"",
            b"[[[[[[[[[[1]]]]]]]]]]",
            b"{\"a\" 1}",
            b"tru",
            b"",
        ] {
            assert!(skip_all(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn soft_errors_are_recorded() {
        let mut p = Parser::new(b"\"\\ud800 \xff\"", 8);
        let s = p.string().expect("string");
        assert_eq!(p.soft.len(), 2);
        assert!(s.starts_with('\u{fffd}'));
    }
}
