//! Line-oriented formats, read in one streaming pass: CSV and TSV (RFC 4180 quotes), JSON Lines,
//! a top-level JSON array, plain text.

use std::io::{self, Read, Seek, SeekFrom};

use serde_json::Value;

use crate::{FileInfo, Limits};

/// Longest CSV header row whose column names are kept.
const MAX_HEADER_BYTES: usize = 1 << 20;
/// Largest JSON file whose top-level array is counted.
pub(crate) const MAX_JSON_BYTES: u64 = 64 << 20;
/// Deepest JSON nesting the array counter follows.
const MAX_JSON_DEPTH: usize = 1024;
/// Deepest nesting named in a JSON value's type (`list<list<...>>`).
const MAX_TYPE_DEPTH: u32 = 32;
const CHUNK: usize = 256 << 10;

/// Feeds `r`, from its start, to `f` in chunks until `limit` bytes, the end, or `f` returns
/// false. Returns the number of bytes fed.
fn for_chunks<R: Read + Seek>(
    r: &mut R,
    limit: u64,
    mut f: impl FnMut(&[u8]) -> bool,
) -> io::Result<u64> {
    r.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; usize::try_from(limit).map_or(CHUNK, |l| l.min(CHUNK))];
    let mut done: u64 = 0;
    while done < limit {
        let want = usize::try_from(limit - done).map_or(buf.len(), |l| l.min(buf.len()));
        let Some(slot) = buf.get_mut(..want) else {
            break;
        };
        let n = match r.read(slot) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        done += n as u64;
        if !f(slot.get(..n).unwrap_or_default()) {
            break;
        }
    }
    Ok(done)
}

/// Adds the note for a file too large to count, and whether it is.
fn too_large(len: u64, limit: u64, what: &str, info: &mut FileInfo) -> bool {
    if len > limit {
        info.note(format!(
            "{len} bytes is larger than {limit} ({what}); rows not counted"
        ));
        return true;
    }
    false
}

// ---------------------------------------------------------------------------------------------
// CSV / TSV

const START: u8 = 0;
const UNQUOTED: u8 = 1;
const QUOTED: u8 = 2;
/// A quote seen inside a quoted field: the field's end, or the first half of `""`.
const QUOTE_IN_QUOTED: u8 = 3;

#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// A byte of field data.
    Data,
    /// A byte with no data (a structural quote).
    Skip,
    /// The end of a field.
    Delimiter,
    /// The end of a record with content.
    End,
    /// The end of a blank line.
    Blank,
}

/// The RFC 4180 record machine: quotes open a quoted field only at a field's start, `""` in a
/// quoted field is a quote, a quoted field may contain delimiters and newlines. Blank lines
/// are not records (as pyarrow and pandas read them).
struct Csv {
    delim: u8,
    state: u8,
    content: bool,
    records: u64,
}

impl Csv {
    #[inline(always)]
    fn step(&mut self, b: u8) -> Step {
        if self.state == QUOTED {
            if b == b'"' {
                self.state = QUOTE_IN_QUOTED;
                return Step::Skip;
            }
            return Step::Data;
        }
        // `\n`, `\r\n` and a lone `\r` end a record (`\r\n` is an end and a blank line).
        if b == b'\n' || b == b'\r' {
            self.state = START;
            if self.content {
                self.content = false;
                self.records += 1;
                return Step::End;
            }
            return Step::Blank;
        }
        self.content = true;
        if b == self.delim {
            self.state = START;
            return Step::Delimiter;
        }
        if b == b'"' {
            match self.state {
                START => {
                    self.state = QUOTED;
                    return Step::Skip;
                }
                QUOTE_IN_QUOTED => {
                    self.state = QUOTED;
                    return Step::Data;
                }
                _ => return Step::Data,
            }
        }
        self.state = UNQUOTED;
        Step::Data
    }
}

impl Csv {
    /// Runs the machine over `chunk`, jumping over runs of bytes that cannot change the state
    /// (plain bytes of an unquoted field, anything but `"` in a quoted one).
    fn count(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        loop {
            let next = match self.state {
                UNQUOTED => find(rest, [b'\n', self.delim, b'"', b'\r']),
                QUOTED => find(rest, [b'"'; 4]),
                _ => Some(0),
            };
            let Some((&b, tail)) = next
                .and_then(|i| rest.get(i..))
                .and_then(<[u8]>::split_first)
            else {
                return;
            };
            self.step(b);
            rest = tail;
        }
    }
}

/// The position of the first byte of `hay` equal to one of `needles`, eight bytes at a time
/// (SWAR: a byte of `x ^ needle` is zero where the needle is).
#[inline]
fn find(hay: &[u8], needles: [u8; 4]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let splat = needles.map(|n| u64::from(n) * LO);
    let mut words = hay.chunks_exact(8);
    let mut base = 0;
    for w in words.by_ref() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(w);
        let x = u64::from_le_bytes(bytes);
        let hit = splat.iter().fold(0, |acc, s| acc | has_zero(x ^ s));
        if hit != 0
            && let Some(i) = w.iter().position(|b| needles.contains(b))
        {
            return Some(base + i);
        }
        base += 8;
    }
    words
        .remainder()
        .iter()
        .position(|b| needles.contains(b))
        .map(|i| base + i)
}

/// Collects the header record's fields.
struct Header {
    fields: Vec<Vec<u8>>,
    current: Vec<u8>,
    bytes: usize,
    done: bool,
    too_long: bool,
}

impl Header {
    fn feed(&mut self, step: &Step, b: u8, max_fields: usize) {
        match step {
            Step::Data => {
                self.bytes += 1;
                if self.bytes > MAX_HEADER_BYTES {
                    self.too_long = true;
                } else {
                    self.current.push(b);
                }
            }
            Step::Delimiter => self.end_field(max_fields),
            Step::End => {
                self.end_field(max_fields);
                self.done = true;
            }
            Step::Skip | Step::Blank => {}
        }
    }

    fn end_field(&mut self, max_fields: usize) {
        let field = std::mem::take(&mut self.current);
        if self.fields.len() <= max_fields && !self.too_long {
            self.fields.push(field);
        }
    }
}

pub(crate) fn inspect_csv<R: Read + Seek>(
    mut r: R,
    len: u64,
    delim: u8,
    limits: &Limits,
    info: &mut FileInfo,
) {
    let count = !too_large(len, limits.max_count_bytes, "limit max_count_bytes", info);
    let mut csv = Csv {
        delim,
        state: START,
        content: false,
        records: 0,
    };
    let mut header = Header {
        fields: Vec::new(),
        current: Vec::new(),
        bytes: 0,
        done: false,
        too_long: false,
    };
    let limit = len.min(limits.max_count_bytes);
    let read = for_chunks(&mut r, limit, |chunk| {
        let mut rest = chunk;
        if !header.done {
            let mut used = 0;
            for &b in chunk {
                used += 1;
                let step = csv.step(b);
                header.feed(&step, b, limits.max_columns);
                if header.done {
                    break;
                }
            }
            rest = chunk.get(used..).unwrap_or_default();
            if !count && (header.done || header.too_long) {
                return false;
            }
        }
        csv.count(rest);
        true
    });
    let read = match read {
        Ok(n) => n,
        Err(e) => {
            info.note(format!("read error: {e}"));
            return;
        }
    };
    if csv.content && csv.state != QUOTED {
        // The last record, with no newline after it (possibly the header itself).
        csv.records += 1;
        if !header.done {
            header.end_field(limits.max_columns);
            header.done = true;
        }
    }
    if header.too_long {
        info.note(format!(
            "header row longer than {MAX_HEADER_BYTES} bytes; columns not listed"
        ));
    } else if header.done {
        let mut fields = header.fields.into_iter();
        for (i, field) in fields.by_ref().enumerate() {
            let mut name = String::from_utf8_lossy(&field).into_owned();
            if i == 0 && name.starts_with('\u{feff}') {
                name.remove(0);
            }
            if !info.push_column(name, "string".into(), limits) {
                break;
            }
        }
    }
    if !count {
        return;
    }
    if read < len {
        info.note(format!(
            "only {read} of {len} bytes could be read; rows not counted"
        ));
        return;
    }
    if csv.state == QUOTED {
        info.note(
            "malformed: a quoted field is not closed at the end of the file; rows not counted",
        );
        return;
    }
    info.rows = Some(csv.records.saturating_sub(1));
}

// ---------------------------------------------------------------------------------------------
// JSON Lines

pub(crate) fn inspect_jsonl<R: Read + Seek>(
    mut r: R,
    len: u64,
    limits: &Limits,
    info: &mut FileInfo,
) {
    let count = !too_large(len, limits.max_count_bytes, "limit max_count_bytes", info);
    let first_cap = usize::try_from(limits.max_footer_bytes).unwrap_or(usize::MAX);
    let mut first: Vec<u8> = Vec::new();
    let mut first_done = false;
    let mut first_too_long = false;
    let mut rows: u64 = 0;
    let mut content = false;
    let limit = len.min(limits.max_count_bytes);
    let read = for_chunks(&mut r, limit, |chunk| {
        for &b in chunk {
            if b == b'\n' {
                if content {
                    rows += 1;
                    first_done = true;
                }
                content = false;
            } else {
                if !matches!(b, b' ' | b'\t' | b'\r') {
                    content = true;
                }
                if rows == 0 && !first_done {
                    if first.len() < first_cap {
                        first.push(b);
                    } else {
                        first_too_long = true;
                        first_done = true;
                    }
                }
            }
        }
        count || !first_done
    });
    let read = match read {
        Ok(n) => n,
        Err(e) => {
            info.note(format!("read error: {e}"));
            return;
        }
    };
    if content {
        rows += 1;
    }
    if first_too_long {
        info.note(format!(
            "first line longer than {} bytes (limit max_footer_bytes); columns not listed",
            limits.max_footer_bytes
        ));
    } else if !first.is_empty() {
        match serde_json::from_slice::<Value>(&first) {
            Ok(Value::Object(map)) => {
                for (key, value) in map {
                    if !info.push_column(key, json_type(&value, 0), limits) {
                        break;
                    }
                }
            }
            Ok(_) => info.note("the first line is not a JSON object; columns not listed"),
            Err(e) => info.note(format!(
                "the first line is not valid JSON ({e}); columns not listed"
            )),
        }
    }
    if !count {
        return;
    }
    if read < len {
        info.note(format!(
            "only {read} of {len} bytes could be read; rows not counted"
        ));
        return;
    }
    info.rows = Some(rows);
}

/// The type of a JSON value, in the vocabulary pyarrow's JSON reader infers.
fn json_type(v: &Value, depth: u32) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(n) if n.is_i64() => "int64".into(),
        Value::Number(n) if n.is_u64() => "uint64".into(),
        Value::Number(_) => "double".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) => {
            if depth >= MAX_TYPE_DEPTH {
                return "list<...>".into();
            }
            let item = items
                .iter()
                .find(|i| !i.is_null())
                .map_or_else(|| "null".into(), |i| json_type(i, depth + 1));
            format!("list<{item}>")
        }
        Value::Object(_) => "struct".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Counts the elements of a top-level array without building values.
struct ArrayCounter {
    stack: Vec<u8>,
    in_string: bool,
    escape: bool,
    expect_value: bool,
    /// Whitespace after an element of the top-level array (only `,` or `]` may follow).
    gap: bool,
    elements: u64,
    top: Option<u8>,
    closed: bool,
    error: Option<String>,
    offset: u64,
    /// The first element's bytes, while it is being read.
    first: Vec<u8>,
    first_state: u8,
    first_cap: usize,
}

const FIRST_NONE: u8 = 0;
const FIRST_READING: u8 = 1;
const FIRST_DONE: u8 = 2;
const FIRST_TOO_LONG: u8 = 3;

impl ArrayCounter {
    fn fail(&mut self, msg: String) -> bool {
        self.error = Some(format!("malformed JSON at byte {}: {msg}", self.offset));
        false
    }

    /// Feeds one byte; false stops the scan (an error, or a top-level value that is not an
    /// array).
    fn feed(&mut self, b: u8) -> bool {
        self.offset += 1;
        let depth = self.stack.len();
        if self.first_state == FIRST_READING {
            let ends_first = !self.in_string && depth == 1 && (b == b',' || b == b']');
            if ends_first {
                self.first_state = FIRST_DONE;
            } else if self.first.len() < self.first_cap {
                self.first.push(b);
            } else {
                self.first_state = FIRST_TOO_LONG;
            }
        }
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return true;
        }
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            if depth == 1 && !self.expect_value {
                self.gap = true;
            }
            return true;
        }
        if self.closed {
            return self.fail("content after the top-level value".into());
        }
        if self.top.is_none() {
            self.top = Some(b);
            if b != b'[' {
                return false;
            }
            self.stack.push(b'[');
            self.expect_value = true;
            return true;
        }
        if depth == 1 {
            if b == b',' {
                if self.expect_value {
                    return self.fail("a missing array element".into());
                }
                self.expect_value = true;
                self.gap = false;
                return true;
            }
            if b == b']' {
                if self.expect_value && self.elements > 0 {
                    return self.fail("a trailing comma".into());
                }
                self.stack.pop();
                self.closed = true;
                return true;
            }
            if !self.expect_value {
                if self.gap || b == b'"' || b == b'[' || b == b'{' {
                    return self.fail("a missing comma between array elements".into());
                }
            } else {
                self.expect_value = false;
                self.elements += 1;
                if self.first_state == FIRST_NONE {
                    self.first_state = FIRST_READING;
                    self.first.push(b);
                }
            }
        }
        match b {
            b'"' => self.in_string = true,
            b'[' | b'{' => {
                if self.stack.len() >= MAX_JSON_DEPTH {
                    return self.fail(format!("nested deeper than {MAX_JSON_DEPTH}"));
                }
                self.stack.push(b);
            }
            b']' | b'}' => {
                let open = if b == b']' { b'[' } else { b'{' };
                if self.stack.pop() != Some(open) {
                    return self.fail(format!("unbalanced '{}'", char::from(b)));
                }
            }
            _ => {}
        }
        true
    }
}

pub(crate) fn inspect_json<R: Read + Seek>(
    mut r: R,
    len: u64,
    limits: &Limits,
    info: &mut FileInfo,
) {
    let limit = limits.max_count_bytes.min(MAX_JSON_BYTES);
    if too_large(len, limit, "JSON arrays are counted up to 64 MiB", info) {
        return;
    }
    let mut c = ArrayCounter {
        stack: Vec::new(),
        in_string: false,
        escape: false,
        expect_value: false,
        gap: false,
        elements: 0,
        top: None,
        closed: false,
        error: None,
        offset: 0,
        first: Vec::new(),
        first_state: FIRST_NONE,
        first_cap: usize::try_from(limits.max_footer_bytes).unwrap_or(usize::MAX),
    };
    let read = for_chunks(&mut r, len, |chunk| chunk.iter().all(|&b| c.feed(b)));
    let read = match read {
        Ok(n) => n,
        Err(e) => {
            info.note(format!("read error: {e}"));
            return;
        }
    };
    if let Some(e) = c.error {
        info.note(e);
        return;
    }
    match c.top {
        None => {
            info.note("empty JSON file");
            return;
        }
        Some(b'[') => {}
        Some(b'{') => {
            info.note("the top-level JSON value is an object, not an array; rows not counted");
            return;
        }
        Some(_) => {
            info.note("the top-level JSON value is not an array; rows not counted");
            return;
        }
    }
    if read < len {
        info.note(format!(
            "only {read} of {len} bytes could be read; rows not counted"
        ));
        return;
    }
    if !c.closed || c.in_string {
        info.note("malformed JSON: the top-level array is not closed; rows not counted");
        return;
    }
    info.rows = Some(c.elements);
    if c.first_state == FIRST_DONE
        && let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&c.first)
    {
        for (key, value) in map {
            if !info.push_column(key, json_type(&value, 0), limits) {
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text

pub(crate) fn inspect_text<R: Read + Seek>(
    mut r: R,
    len: u64,
    limits: &Limits,
    info: &mut FileInfo,
) {
    if too_large(len, limits.max_count_bytes, "limit max_count_bytes", info) {
        return;
    }
    let mut lines: u64 = 0;
    let mut last = b'\n';
    let read = for_chunks(&mut r, len, |chunk| {
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        if let Some(&b) = chunk.last() {
            last = b;
        }
        true
    });
    match read {
        Ok(n) if n < len => info.note(format!(
            "only {n} of {len} bytes could be read; rows not counted"
        )),
        Ok(_) => info.rows = Some(lines + u64::from(last != b'\n')),
        Err(e) => info.note(format!("read error: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn run(format: &str, bytes: &[u8], limits: &Limits) -> FileInfo {
        crate::inspect_reader(format, Cursor::new(bytes), bytes.len() as u64, limits)
    }

    fn names(info: &FileInfo) -> Vec<&str> {
        info.columns.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn swar_find_matches_scalar() {
        let hay: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        for start in 0..40 {
            for needles in [
                [b'\n', b',', b'"', b'\r'],
                [0u8; 4],
                [250, 1, 2, 3],
                [255; 4],
            ] {
                let h = &hay[start..];
                let want = h.iter().position(|b| needles.contains(b));
                assert_eq!(find(h, needles), want, "{start} {needles:?}");
            }
        }
        assert_eq!(find(b"", [1; 4]), None);
    }

    #[test]
    fn csv_quotes_newlines_and_blank_lines() {
        let csv = b"id,\"text, with comma\",n\r\n1,\"line one\nline two\",3\r\n\r\n2,\"say \"\"hi\"\"\",4\n3,x\"y,5";
        let info = run("csv", csv, &Limits::default());
        assert_eq!(names(&info), ["id", "text, with comma", "n"]);
        assert_eq!(info.rows, Some(3), "{:?}", info.notes);
        assert!(info.notes.is_empty());
        assert!(info.columns.iter().all(|c| c.dtype == "string"));
    }

    #[test]
    fn csv_edge_cases() {
        let l = Limits::default();
        assert_eq!(run("csv", b"", &l).rows, Some(0));
        assert!(run("csv", b"", &l).columns.is_empty());
        let info = run("csv", b"a,b", &l);
        assert_eq!((info.rows, names(&info)), (Some(0), vec!["a", "b"]));
        let info = run("csv", b"a,b\n", &l);
        assert_eq!((info.rows, names(&info)), (Some(0), vec!["a", "b"]));
        let info = run("csv", b"\n\na\n1\n2", &l);
        assert_eq!((info.rows, names(&info)), (Some(2), vec!["a"]));
        let info = run("csv", b"\xEF\xBB\xBFa,b\n1,2\n", &l);
        assert_eq!((info.rows, names(&info)), (Some(1), vec!["a", "b"]));
        let info = run("csv", b"a,b\r1,2\r3,4", &l);
        assert_eq!((info.rows, names(&info)), (Some(2), vec!["a", "b"]));
        let info = run("tsv", b"a\tb c\n1\t\"2\t3\"\n", &l);
        assert_eq!((info.rows, names(&info)), (Some(1), vec!["a", "b c"]));
    }

    #[test]
    fn csv_unterminated_quote_is_a_note() {
        let info = run("csv", b"a,b\n1,\"open\n2,3\n", &Limits::default());
        assert_eq!(info.rows, None);
        assert!(info.notes[0].contains("not closed"), "{:?}", info.notes);
        let info = run("csv", b"\"a", &Limits::default());
        assert_eq!(info.rows, None);
    }

    #[test]
    fn csv_count_limit() {
        let limits = Limits {
            max_count_bytes: 10,
            ..Limits::default()
        };
        let info = run("csv", b"a,b\n1,2\n3,4\n5,6\n", &limits);
        assert_eq!(info.rows, None);
        assert_eq!(names(&info), ["a", "b"]);
        assert!(
            info.notes[0].contains("max_count_bytes"),
            "{:?}",
            info.notes
        );
    }

    #[test]
    fn csv_column_limit_and_long_header() {
        let limits = Limits {
            max_columns: 2,
            ..Limits::default()
        };
        let info = run("csv", b"a,b,c,d\n1,2,3,4\n", &limits);
        assert_eq!(names(&info), ["a", "b"]);
        assert_eq!(info.rows, Some(1));
        assert!(info.notes[0].contains("max_columns"));
        let mut long = vec![b'x'; MAX_HEADER_BYTES + 10];
        long.extend_from_slice(b"\n1\n");
        let info = run("csv", &long, &Limits::default());
        assert!(info.columns.is_empty());
        assert_eq!(info.rows, Some(1));
        assert!(info.notes[0].contains("header row longer"));
    }

    #[test]
    fn csv_counts_across_chunks() {
        let mut csv = b"a,b\n".to_vec();
        for i in 0..100_000 {
            csv.extend_from_slice(format!("{i},\"x\ny\"\n").as_bytes());
        }
        assert_eq!(run("csv", &csv, &Limits::default()).rows, Some(100_000));
    }

    #[test]
    fn jsonl_rows_and_columns() {
        let data = b"{\"a\": 1, \"b\": \"x\", \"c\": [1.5], \"d\": {\"e\": null}, \"f\": true, \"g\": 2.0}\n\n  \n{\"a\": 2}\n{\"a\": 3}";
        let info = run("jsonl", data, &Limits::default());
        assert_eq!(info.rows, Some(3));
        let cols: Vec<_> = info
            .columns
            .iter()
            .map(|c| format!("{}:{}", c.name, c.dtype))
            .collect();
        assert_eq!(
            cols,
            [
                "a:int64",
                "b:string",
                "c:list<double>",
                "d:struct",
                "f:bool",
                "g:double"
            ]
        );
        let info = run("jsonl", b"[1]\nnot json\n", &Limits::default());
        assert_eq!(info.rows, Some(2));
        assert!(info.notes[0].contains("not a JSON object"));
        let info = run("jsonl", b"{oops\n", &Limits::default());
        assert!(info.notes[0].contains("not valid JSON"));
        let small = Limits {
            max_footer_bytes: 3,
            ..Limits::default()
        };
        let info = run("jsonl", b"{\"a\": 1}\n{}\n", &small);
        assert_eq!(info.rows, Some(2));
        assert!(info.notes[0].contains("first line longer"));
    }

    #[test]
    fn json_arrays() {
        let l = Limits::default();
        let info = run(
            "json",
            b" [ {\"a\": 1, \"b\": [\"x\"]}, {\"a\": \"]\\\"[\"}, 3, [4, 5], \"s\" ] ",
            &l,
        );
        assert_eq!(info.rows, Some(5), "{:?}", info.notes);
        let cols: Vec<_> = info
            .columns
            .iter()
            .map(|c| format!("{}:{}", c.name, c.dtype))
            .collect();
        assert_eq!(cols, ["a:int64", "b:list<string>"]);
        assert_eq!(run("json", b"[]", &l).rows, Some(0));
        assert_eq!(run("json", b"[1]", &l).rows, Some(1));
        for bad in [
            &b"[1,]"[..],
            b"[1 2]",
            b"[,1]",
            b"[1",
            b"[{]",
            b"[1] 2",
            b"[\"x]",
            b"",
        ] {
            let info = run("json", bad, &l);
            assert_eq!(info.rows, None, "{bad:?}");
            assert!(!info.notes.is_empty(), "{bad:?}");
        }
        let info = run("json", b"{\"data\": [1, 2]}", &l);
        assert_eq!(info.rows, None);
        assert!(info.notes[0].contains("object"));
        let deep = vec![b'['; 5000];
        assert!(run("json", &deep, &l).notes[0].contains("deeper"));
    }

    #[test]
    fn json_size_limit() {
        let limits = Limits {
            max_count_bytes: 2,
            ..Limits::default()
        };
        let info = run("json", b"[1, 2]", &limits);
        assert_eq!(info.rows, None);
        assert!(info.notes[0].contains("larger than"));
    }

    #[test]
    fn text_lines() {
        let l = Limits::default();
        assert_eq!(run("txt", b"", &l).rows, Some(0));
        assert_eq!(run("txt", b"a", &l).rows, Some(1));
        assert_eq!(run("txt", b"a\n", &l).rows, Some(1));
        assert_eq!(run("txt", b"a\n\nb", &l).rows, Some(3));
        assert_eq!(run("txt", b"a", &l).modality, Some("text"));
    }

    #[test]
    fn short_reader_is_a_note() {
        let info = crate::inspect_reader("csv", Cursor::new(b"a\n1\n"), 100, &Limits::default());
        assert_eq!(info.rows, None);
        assert!(info.notes[0].contains("could be read"));
    }
}
