//! Parquet: `PAR1` at both ends, the footer before the last 8 bytes (LE u32 length + `PAR1`).
//! The footer is a Thrift compact-protocol `FileMetaData`; only `schema` (field 2) and
//! `num_rows` (field 3) are decoded, everything else is skipped.

use std::io::{Read, Seek};

use crate::thrift::{self, Reader, ty};
use crate::{FileInfo, Limits};

/// Deepest group nesting whose leaves are listed.
const MAX_GROUP_DEPTH: usize = 64;

pub(crate) fn inspect<R: Read + Seek>(mut r: R, len: u64, limits: &Limits, info: &mut FileInfo) {
    if let Err(note) = read(&mut r, len, limits, info) {
        info.note(note);
    }
}

fn read<R: Read + Seek>(
    r: &mut R,
    len: u64,
    limits: &Limits,
    info: &mut FileInfo,
) -> Result<(), String> {
    if len < 12 {
        return Err(format!("not a parquet file: {len} bytes is too small"));
    }
    let mut head = [0u8; 4];
    crate::read_at(r, 0, &mut head, "parquet header")?;
    if &head != b"PAR1" {
        return Err("not a parquet file: no PAR1 magic at the start".into());
    }
    let mut tail = [0u8; 8];
    crate::read_at(r, len - 8, &mut tail, "parquet footer length")?;
    let [a, b, c, d, m0, m1, m2, m3] = tail;
    match &[m0, m1, m2, m3] {
        b"PAR1" => {}
        b"PARE" => return Err("encrypted parquet footer; schema and rows not read".into()),
        _ => return Err("malformed parquet: no PAR1 magic at the end (truncated file?)".into()),
    }
    let footer_len = u64::from(u32::from_le_bytes([a, b, c, d]));
    if footer_len > len - 12 {
        return Err(format!(
            "malformed footer: declared length {footer_len} exceeds the file ({len} bytes)"
        ));
    }
    // The schema and num_rows come first in the footer and row groups (the bulk of a large
    // footer) after them: a footer over the limit is read up to the limit, which is often
    // enough.
    let read_len = footer_len.min(limits.max_footer_bytes);
    let footer = crate::read_vec_at(r, len - 8 - footer_len, read_len, "parquet footer")?;
    let decoded = decode_footer(&footer, limits, info);
    match decoded {
        Ok(()) => Ok(()),
        Err(e) if read_len < footer_len => Err(format!(
            "footer of {footer_len} bytes is larger than {} (limit max_footer_bytes) and its \
             first {read_len} bytes do not hold the schema and row count ({e})",
            limits.max_footer_bytes
        )),
        Err(e) => Err(format!("malformed footer: {e}")),
    }
}

/// One `SchemaElement`, the fields that matter here.
#[derive(Debug, Default)]
struct Element {
    physical: Option<i32>,
    type_length: Option<i32>,
    name: String,
    num_children: Option<i32>,
    converted: Option<i32>,
    scale: Option<i32>,
    precision: Option<i32>,
    logical: Option<String>,
}

/// Decodes `FileMetaData` into `info` (rows, leaf columns). Whatever was decoded before an
/// error is kept.
fn decode_footer(buf: &[u8], limits: &Limits, info: &mut FileInfo) -> thrift::Result<()> {
    let mut r = Reader::new(buf);
    let mut last = 0;
    let mut schema_seen = false;
    while let Some(f) = r.field(last)? {
        last = f.id;
        match (f.id, f.ty) {
            (2, ty::LIST) => {
                schema_seen = true;
                let (elem, size) = r.list()?;
                if elem != ty::STRUCT {
                    return Err(format!("schema is a list of wire type {elem}, not structs"));
                }
                let mut flat = Flattener::new(info, limits);
                for _ in 0..size {
                    let e = element(&mut r)?;
                    flat.push(e);
                }
                flat.finish();
            }
            (3, ty::I64) => {
                let n = r.zigzag()?;
                match u64::try_from(n) {
                    Ok(n) => info.rows = Some(n),
                    Err(_) => info.note(format!("malformed footer: negative num_rows {n}")),
                }
                // Everything the crate needs comes before row groups: stop here.
                break;
            }
            (_, t) => r.skip(t)?,
        }
    }
    if !schema_seen {
        info.note("malformed footer: no schema");
    }
    if info.rows.is_none() && !info.notes.iter().any(|n| n.contains("num_rows")) {
        info.note("malformed footer: no num_rows");
    }
    Ok(())
}

fn element(r: &mut Reader<'_>) -> thrift::Result<Element> {
    let mut e = Element::default();
    let mut last = 0;
    while let Some(f) = r.field(last)? {
        last = f.id;
        match (f.id, f.ty) {
            (1, ty::I32) => e.physical = Some(r.i32()?),
            (2, ty::I32) => e.type_length = Some(r.i32()?),
            (4, ty::BINARY) => e.name = r.string()?,
            (5, ty::I32) => e.num_children = Some(r.i32()?),
            (6, ty::I32) => e.converted = Some(r.i32()?),
            (7, ty::I32) => e.scale = Some(r.i32()?),
            (8, ty::I32) => e.precision = Some(r.i32()?),
            (10, ty::STRUCT) => e.logical = logical(r)?,
            (_, t) => r.skip(t)?,
        }
    }
    Ok(e)
}

/// The `LogicalType` union, as a type name.
fn logical(r: &mut Reader<'_>) -> thrift::Result<Option<String>> {
    let mut name = None;
    let mut last = 0;
    while let Some(f) = r.field(last)? {
        last = f.id;
        if f.ty != ty::STRUCT {
            r.skip(f.ty)?;
            continue;
        }
        name = Some(match f.id {
            1 => plain(r, "string")?,
            2 => plain(r, "map")?,
            3 => plain(r, "list")?,
            4 => plain(r, "enum")?,
            5 => {
                let (mut scale, mut precision) = (0, 0);
                let mut last = 0;
                while let Some(g) = r.field(last)? {
                    last = g.id;
                    match (g.id, g.ty) {
                        (1, ty::I32) => scale = r.i32()?,
                        (2, ty::I32) => precision = r.i32()?,
                        (_, t) => r.skip(t)?,
                    }
                }
                format!("decimal({precision}, {scale})")
            }
            6 => plain(r, "date32")?,
            7 | 8 => {
                let (mut utc, mut unit) = (false, "?");
                let mut last = 0;
                while let Some(g) = r.field(last)? {
                    last = g.id;
                    match (g.id, g.ty) {
                        (1, ty::TRUE) => utc = true,
                        (1, ty::FALSE) => utc = false,
                        (2, ty::STRUCT) => unit = time_unit(r)?,
                        (_, t) => r.skip(t)?,
                    }
                }
                if f.id == 7 {
                    let bits = if unit == "ms" { 32 } else { 64 };
                    format!("time{bits}[{unit}]")
                } else if utc {
                    format!("timestamp[{unit}, tz=UTC]")
                } else {
                    format!("timestamp[{unit}]")
                }
            }
            10 => {
                let (mut bits, mut signed) = (0u8, true);
                let mut last = 0;
                while let Some(g) = r.field(last)? {
                    last = g.id;
                    match (g.id, g.ty) {
                        (1, ty::BYTE) => bits = r.byte()?,
                        (2, ty::TRUE) => signed = true,
                        (2, ty::FALSE) => signed = false,
                        (_, t) => r.skip(t)?,
                    }
                }
                format!("{}int{bits}", if signed { "" } else { "u" })
            }
            11 => plain(r, "null")?,
            12 => plain(r, "json")?,
            13 => plain(r, "bson")?,
            14 => plain(r, "uuid")?,
            15 => plain(r, "float16")?,
            16 => plain(r, "variant")?,
            17 => plain(r, "geometry")?,
            18 => plain(r, "geography")?,
            _ => plain(r, "unknown")?,
        });
    }
    Ok(name)
}

/// Skips a struct with no fields that matter and names it.
fn plain(r: &mut Reader<'_>, name: &str) -> thrift::Result<String> {
    r.skip(ty::STRUCT)?;
    Ok(name.to_string())
}

/// The `TimeUnit` union.
fn time_unit(r: &mut Reader<'_>) -> thrift::Result<&'static str> {
    let mut unit = "?";
    let mut last = 0;
    while let Some(f) = r.field(last)? {
        last = f.id;
        unit = match f.id {
            1 => "ms",
            2 => "us",
            3 => "ns",
            _ => unit,
        };
        r.skip(f.ty)?;
    }
    Ok(unit)
}

fn dtype(e: &Element) -> String {
    if let Some(logical) = &e.logical
        && logical != "map"
        && logical != "list"
        && logical != "unknown"
    {
        return logical.clone();
    }
    let converted = match e.converted {
        Some(0) => Some("string"),
        Some(4) => Some("enum"),
        Some(6) => Some("date32"),
        Some(7) => Some("time32[ms]"),
        Some(8) => Some("time64[us]"),
        Some(9) => Some("timestamp[ms, tz=UTC]"),
        Some(10) => Some("timestamp[us, tz=UTC]"),
        Some(11) => Some("uint8"),
        Some(12) => Some("uint16"),
        Some(13) => Some("uint32"),
        Some(14) => Some("uint64"),
        Some(15) => Some("int8"),
        Some(16) => Some("int16"),
        Some(17) => Some("int32"),
        Some(18) => Some("int64"),
        Some(19) => Some("json"),
        Some(20) => Some("bson"),
        Some(21) => Some("interval"),
        _ => None,
    };
    if let Some(c) = converted {
        return c.to_string();
    }
    if e.converted == Some(5) {
        return format!(
            "decimal({}, {})",
            e.precision.unwrap_or(0),
            e.scale.unwrap_or(0)
        );
    }
    match e.physical {
        Some(0) => "bool".into(),
        Some(1) => "int32".into(),
        Some(2) => "int64".into(),
        Some(3) => "int96".into(),
        Some(4) => "float".into(),
        Some(5) => "double".into(),
        Some(6) => "binary".into(),
        Some(7) => format!("fixed_size_binary[{}]", e.type_length.unwrap_or(0)),
        Some(other) => format!("unknown physical type {other}"),
        None => "unknown".into(),
    }
}

/// Turns the depth-first schema element list into leaf columns with dotted paths.
struct Flattener<'a> {
    info: &'a mut FileInfo,
    limits: &'a Limits,
    /// Open groups: (dotted path, children still to come).
    stack: Vec<(String, i64)>,
    seen_root: bool,
    full: bool,
    broken: bool,
}

impl<'a> Flattener<'a> {
    fn new(info: &'a mut FileInfo, limits: &'a Limits) -> Self {
        Flattener {
            info,
            limits,
            stack: Vec::new(),
            seen_root: false,
            full: false,
            broken: false,
        }
    }

    fn push(&mut self, e: Element) {
        if self.broken {
            return;
        }
        if !self.seen_root {
            self.seen_root = true;
            // The root group's name is not part of column paths.
            self.stack
                .push((String::new(), i64::from(e.num_children.unwrap_or(0).max(0))));
            return;
        }
        while self.stack.last().is_some_and(|(_, left)| *left <= 0) {
            self.stack.pop();
        }
        let Some((prefix, left)) = self.stack.last_mut() else {
            self.info
                .note("malformed footer: schema has more elements than its groups declare");
            self.broken = true;
            return;
        };
        *left -= 1;
        let mut name = e.name.clone();
        crate::truncate(&mut name, crate::MAX_NAME_BYTES);
        let mut path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}.{name}")
        };
        crate::truncate(&mut path, crate::MAX_NAME_BYTES);
        match e.num_children {
            Some(n) if n > 0 || e.physical.is_none() => {
                if self.stack.len() > MAX_GROUP_DEPTH {
                    self.info.note(format!(
                        "schema nested deeper than {MAX_GROUP_DEPTH} groups; columns below not listed"
                    ));
                    self.broken = true;
                    return;
                }
                self.stack.push((path, i64::from(n.max(0))));
            }
            _ => {
                if !self.full {
                    let dtype = dtype(&e);
                    self.full = !self.info.push_column(path, dtype, self.limits);
                }
            }
        }
    }

    fn finish(self) {
        if !self.broken && self.stack.iter().any(|(_, left)| *left > 0) {
            self.info.note(
                "malformed footer: schema groups declare more children than there are elements",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A tiny compact-protocol writer for building footers by hand.
    #[derive(Default)]
    struct W {
        buf: Vec<u8>,
        last: Vec<i16>,
    }

    impl W {
        fn varint(&mut self, mut v: u64) {
            loop {
                let b = (v & 0x7F) as u8;
                v >>= 7;
                if v == 0 {
                    self.buf.push(b);
                    break;
                }
                self.buf.push(b | 0x80);
            }
        }
        fn zz(&mut self, v: i64) {
            self.varint(((v << 1) ^ (v >> 63)) as u64);
        }
        fn begin(&mut self) {
            self.last.push(0);
        }
        fn end(&mut self) {
            self.buf.push(0);
            self.last.pop();
        }
        fn field(&mut self, id: i16, t: u8) {
            let last = *self.last.last().unwrap();
            let delta = id - last;
            if (1..=15).contains(&delta) {
                self.buf.push(((delta as u8) << 4) | t);
            } else {
                self.buf.push(t);
                self.zz(i64::from(id));
            }
            *self.last.last_mut().unwrap() = id;
        }
        fn i32f(&mut self, id: i16, v: i32) {
            self.field(id, ty::I32);
            self.zz(i64::from(v));
        }
        fn strf(&mut self, id: i16, s: &str) {
            self.field(id, ty::BINARY);
            self.varint(s.len() as u64);
            self.buf.extend_from_slice(s.as_bytes());
        }
        fn list_header(&mut self, id: i16, elem: u8, n: usize) {
            self.field(id, ty::LIST);
            if n < 15 {
                self.buf.push(((n as u8) << 4) | elem);
            } else {
                self.buf.push(0xF0 | elem);
                self.varint(n as u64);
            }
        }
    }

    fn element(
        w: &mut W,
        name: &str,
        physical: Option<i32>,
        children: Option<i32>,
        logical: Option<u8>,
    ) {
        w.begin();
        if let Some(p) = physical {
            w.i32f(1, p);
        }
        w.strf(4, name);
        if let Some(c) = children {
            w.i32f(5, c);
        }
        if let Some(l) = logical {
            w.field(10, ty::STRUCT);
            w.begin();
            w.field(i16::from(l), ty::STRUCT);
            w.begin();
            w.end();
            w.end();
        }
        w.end();
    }

    fn footer(num_rows: i64) -> Vec<u8> {
        let mut w = W::default();
        w.begin();
        w.i32f(1, 2);
        w.list_header(2, ty::STRUCT, 5);
        element(&mut w, "schema", None, Some(2), None);
        element(&mut w, "id", Some(2), None, None);
        element(&mut w, "meta", None, Some(2), None);
        element(&mut w, "name", Some(6), None, Some(1));
        element(&mut w, "score", Some(5), None, None);
        w.field(3, ty::I64);
        w.zz(num_rows);
        w.list_header(4, ty::STRUCT, 0);
        w.end();
        w.buf
    }

    fn file(footer: &[u8]) -> Vec<u8> {
        let mut f = b"PAR1".to_vec();
        f.extend_from_slice(footer);
        f.extend_from_slice(&(footer.len() as u32).to_le_bytes());
        f.extend_from_slice(b"PAR1");
        f
    }

    fn run(bytes: &[u8], limits: &Limits) -> FileInfo {
        let mut info = FileInfo::new("parquet");
        inspect(Cursor::new(bytes), bytes.len() as u64, limits, &mut info);
        info
    }

    #[test]
    fn decodes_hand_built_footer() {
        let info = run(&file(&footer(42)), &Limits::default());
        assert_eq!(info.rows, Some(42));
        let cols: Vec<_> = info
            .columns
            .iter()
            .map(|c| format!("{}:{}", c.name, c.dtype))
            .collect();
        assert_eq!(cols, ["id:int64", "meta.name:string", "meta.score:double"]);
        assert!(info.notes.is_empty(), "{:?}", info.notes);
    }

    #[test]
    fn negative_rows_and_column_limit() {
        let limits = Limits {
            max_columns: 1,
            ..Limits::default()
        };
        let info = run(&file(&footer(-1)), &limits);
        assert_eq!(info.rows, None);
        assert_eq!(info.columns.len(), 1);
        assert!(
            info.notes.iter().any(|n| n.contains("negative")),
            "{:?}",
            info.notes
        );
        assert!(
            info.notes.iter().any(|n| n.contains("max_columns")),
            "{:?}",
            info.notes
        );
    }

    #[test]
    fn bad_framing_gives_notes() {
        let good = file(&footer(1));
        let mut bad_head = good.clone();
        bad_head[0] = b'X';
        assert!(run(&bad_head, &Limits::default()).notes[0].contains("no PAR1 magic at the start"));
        let truncated = &good[..good.len() - 3];
        assert!(run(truncated, &Limits::default()).notes[0].contains("at the end"));
        let mut lying = good.clone();
        let n = lying.len();
        lying[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(run(&lying, &Limits::default()).notes[0].contains("exceeds the file"));
        let small = Limits {
            max_footer_bytes: 4,
            ..Limits::default()
        };
        let info = run(&good, &small);
        assert_eq!(info.rows, None);
        assert!(
            info.notes[0].contains("max_footer_bytes"),
            "{:?}",
            info.notes
        );
        // A limit that cuts only the row groups still gives everything.
        let enough = Limits {
            max_footer_bytes: footer(1).len() as u64 - 3,
            ..Limits::default()
        };
        let info = run(&good, &enough);
        assert_eq!(
            (info.rows, info.columns.len()),
            (Some(1), 3),
            "{:?}",
            info.notes
        );
        assert!(info.notes.is_empty(), "{:?}", info.notes);
        assert!(run(b"PAR1", &Limits::default()).notes[0].contains("too small"));
        let mut enc = good.clone();
        enc[n - 1] = b'E';
        assert!(run(&enc, &Limits::default()).notes[0].contains("encrypted"));
    }

    #[test]
    fn truncated_footer_gives_notes() {
        let f = footer(7);
        // The last 3 bytes (row groups, stop) come after num_rows and are not read.
        for cut in 0..f.len() - 3 {
            let info = run(&file(&f[..cut]), &Limits::default());
            assert_ne!(info.rows, Some(7), "cut {cut}");
            assert!(!info.notes.is_empty(), "cut {cut}");
        }
    }

    #[test]
    fn huge_schema_list_is_rejected_before_allocation() {
        let mut w = W::default();
        w.begin();
        w.list_header(2, ty::STRUCT, 1 << 40);
        let info = run(&file(&w.buf), &Limits::default());
        assert!(
            info.notes[0].contains("elements but only"),
            "{:?}",
            info.notes
        );
    }

    #[test]
    fn lying_num_children() {
        let mut w = W::default();
        w.begin();
        w.list_header(2, ty::STRUCT, 2);
        element(&mut w, "schema", None, Some(5), None);
        element(&mut w, "a", Some(1), None, None);
        w.field(3, ty::I64);
        w.zz(3);
        w.end();
        let info = run(&file(&w.buf), &Limits::default());
        assert_eq!(info.rows, Some(3));
        assert!(info.notes[0].contains("more children"), "{:?}", info.notes);
        let mut w = W::default();
        w.begin();
        w.list_header(2, ty::STRUCT, 3);
        element(&mut w, "schema", None, Some(1), None);
        element(&mut w, "a", Some(1), None, None);
        element(&mut w, "b", Some(1), None, None);
        w.end();
        let info = run(&file(&w.buf), &Limits::default());
        assert_eq!(info.columns.len(), 1);
        assert!(
            info.notes.iter().any(|n| n.contains("more elements")),
            "{:?}",
            info.notes
        );
        assert!(
            info.notes.iter().any(|n| n.contains("no num_rows")),
            "{:?}",
            info.notes
        );
    }

    #[test]
    fn deep_groups_are_bounded() {
        let depth = 200;
        let mut w = W::default();
        w.begin();
        w.list_header(2, ty::STRUCT, depth + 2);
        element(&mut w, "schema", None, Some(1), None);
        for _ in 0..depth {
            element(&mut w, "g", None, Some(1), None);
        }
        element(&mut w, "leaf", Some(1), None, None);
        w.end();
        let info = run(&file(&w.buf), &Limits::default());
        assert!(info.columns.is_empty());
        assert!(
            info.notes.iter().any(|n| n.contains("deeper")),
            "{:?}",
            info.notes
        );
    }

    #[test]
    fn dtypes_from_converted_and_physical() {
        let e = Element {
            converted: Some(5),
            precision: Some(10),
            scale: Some(2),
            physical: Some(1),
            ..Element::default()
        };
        assert_eq!(dtype(&e), "decimal(10, 2)");
        let e = Element {
            physical: Some(7),
            type_length: Some(16),
            ..Element::default()
        };
        assert_eq!(dtype(&e), "fixed_size_binary[16]");
        let e = Element {
            physical: Some(6),
            converted: Some(0),
            ..Element::default()
        };
        assert_eq!(dtype(&e), "string");
    }
}
