//! Just enough of Python's `marshal` format to read the code object of a serialized lambda
//! and list the names it loads (`co_names`: globals, attributes, imports, methods) and the
//! strings it holds, nested code objects included.
//!
//! `marshal` is not versioned in the bytes; code objects changed layout in Python 3.8 and
//! 3.11. Both layouts are tried and the one that consumes the input exactly wins. Nothing is
//! ever executed; depth, item counts and sizes are bounded by the input and [`MAX_DEPTH`].

use std::rc::Rc;

/// Nesting of containers and code objects.
pub const MAX_DEPTH: usize = 64;

/// What a code object (and the ones nested in its constants) refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeFacts {
    /// `co_names` of every code object: the global, attribute, import and method names it
    /// loads, in order of first appearance.
    pub names: Vec<String>,
    /// String constants.
    pub strings: Vec<String>,
    /// Function names (`co_name`) of the code objects.
    pub functions: Vec<String>,
    /// The Python layout that decoded (`3.8-3.10` or `3.11+`).
    pub layout: &'static str,
}

/// A decoded object. Shared parts are reference-counted: marshal back-references (`r`) can
/// point at the same tuple many times, and copying would grow exponentially.
#[derive(Debug, Clone, PartialEq)]
enum Obj {
    None,
    Bool,
    Int,
    Float,
    Str(Rc<str>),
    Bytes,
    Seq(Rc<[Obj]>),
    Code(Rc<Code>),
    Reserved,
}

/// Objects visited when collecting facts (a DAG of references is walked as a tree).
const MAX_VISITS: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
struct Code {
    consts: Vec<Obj>,
    names: Vec<Rc<str>>,
    name: Rc<str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Py38,
    Py311,
}

struct R<'a> {
    b: &'a [u8],
    pos: usize,
    refs: Vec<Obj>,
    layout: Layout,
}

type Res<T> = Result<T, String>;

impl R<'_> {
    fn u8(&mut self) -> Res<u8> {
        let v = *self.b.get(self.pos).ok_or("truncated")?;
        self.pos += 1;
        Ok(v)
    }

    fn i32(&mut self) -> Res<i32> {
        let s = self.b.get(self.pos..self.pos + 4).ok_or("truncated")?;
        let mut a = [0u8; 4];
        a.copy_from_slice(s);
        self.pos += 4;
        Ok(i32::from_le_bytes(a))
    }

    fn len(&mut self) -> Res<usize> {
        let n = self.i32()?;
        let n = usize::try_from(n).map_err(|_| "negative length")?;
        if n > self.b.len().saturating_sub(self.pos) {
            return Err(format!("length {n} beyond the data"));
        }
        Ok(n)
    }

    fn take(&mut self, n: usize) -> Res<&[u8]> {
        let s = self
            .b
            .get(self.pos..self.pos.saturating_add(n))
            .ok_or("truncated")?;
        self.pos += n;
        Ok(s)
    }

    fn string(&mut self, n: usize) -> Res<Obj> {
        let s = self.take(n)?;
        Ok(Obj::Str(Rc::from(String::from_utf8_lossy(s).as_ref())))
    }

    fn seq(&mut self, n: usize, depth: usize) -> Res<Obj> {
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(self.obj(depth + 1)?);
        }
        Ok(Obj::Seq(Rc::from(v)))
    }

    fn obj(&mut self, depth: usize) -> Res<Obj> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        let code = self.u8()?;
        let flag = code & 0x80 != 0;
        let ty = code & 0x7f;
        // Containers and code reserve their reference slot before their contents.
        let slot = if flag && matches!(ty, b'(' | b')' | b'[' | b'{' | b'<' | b'>' | b'c') {
            self.refs.push(Obj::Reserved);
            Some(self.refs.len() - 1)
        } else {
            None
        };
        let o = match ty {
            b'0' => return Err("NULL object".into()),
            b'N' => Obj::None,
            b'F' | b'T' => Obj::Bool,
            b'S' | b'.' => Obj::None,
            b'i' => {
                self.take(4)?;
                Obj::Int
            }
            b'I' => {
                self.take(8)?;
                Obj::Int
            }
            b'l' => {
                let n = self.i32()?;
                let digits = usize::try_from(n.unsigned_abs()).map_err(|_| "long")?;
                self.take(digits.saturating_mul(2))?;
                Obj::Int
            }
            b'f' | b'x' => {
                let n = usize::from(self.u8()?);
                self.take(n)?;
                if ty == b'x' {
                    let n = usize::from(self.u8()?);
                    self.take(n)?;
                }
                Obj::Float
            }
            b'g' => {
                self.take(8)?;
                Obj::Float
            }
            b'y' => {
                self.take(16)?;
                Obj::Float
            }
            b's' => {
                let n = self.len()?;
                self.take(n)?;
                Obj::Bytes
            }
            b't' | b'u' | b'a' | b'A' => {
                let n = self.len()?;
                self.string(n)?
            }
            b'z' | b'Z' => {
                let n = usize::from(self.u8()?);
                self.string(n)?
            }
            b'(' | b'[' | b'<' | b'>' => {
                let n = self.len()?;
                self.seq(n, depth)?
            }
            b')' => {
                let n = usize::from(self.u8()?);
                self.seq(n, depth)?
            }
            b'{' => {
                let mut v = Vec::new();
                loop {
                    if self.b.get(self.pos) == Some(&b'0') {
                        self.pos += 1;
                        break;
                    }
                    v.push(self.obj(depth + 1)?);
                    v.push(self.obj(depth + 1)?);
                }
                Obj::Seq(Rc::from(v))
            }
            b'r' => {
                let i = usize::try_from(self.i32()?).map_err(|_| "bad reference")?;
                return self
                    .refs
                    .get(i)
                    .cloned()
                    .ok_or_else(|| "dangling reference".into());
            }
            b'c' => self.code(depth)?,
            other => return Err(format!("unknown type code {:?}", other as char)),
        };
        match slot {
            Some(i) => {
                if let Some(s) = self.refs.get_mut(i) {
                    *s = o.clone();
                }
            }
            None if flag => self.refs.push(o.clone()),
            None => {}
        }
        Ok(o)
    }

    fn code(&mut self, depth: usize) -> Res<Obj> {
        let longs = if self.layout == Layout::Py311 { 5 } else { 6 };
        for _ in 0..longs {
            self.i32()?;
        }
        let _code = self.obj(depth + 1)?;
        let consts = match self.obj(depth + 1)? {
            Obj::Seq(v) => v.to_vec(),
            _ => return Err("co_consts is not a tuple".into()),
        };
        let names = match self.obj(depth + 1)? {
            Obj::Seq(v) => v
                .iter()
                .filter_map(|o| match o {
                    Obj::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => return Err("co_names is not a tuple".into()),
        };
        let name;
        if self.layout == Layout::Py311 {
            self.obj(depth + 1)?; // localsplusnames
            self.obj(depth + 1)?; // localspluskinds
            self.obj(depth + 1)?; // filename
            name = self.obj(depth + 1)?; // name
            self.obj(depth + 1)?; // qualname
            self.i32()?; // firstlineno
            self.obj(depth + 1)?; // linetable
            self.obj(depth + 1)?; // exceptiontable
        } else {
            self.obj(depth + 1)?; // varnames
            self.obj(depth + 1)?; // freevars
            self.obj(depth + 1)?; // cellvars
            self.obj(depth + 1)?; // filename
            name = self.obj(depth + 1)?; // name
            self.i32()?; // firstlineno
            self.obj(depth + 1)?; // lnotab
        }
        let name = match name {
            Obj::Str(s) => s,
            _ => Rc::from(""),
        };
        Ok(Obj::Code(Rc::new(Code {
            consts,
            names,
            name,
        })))
    }
}

fn push_new(v: &mut Vec<String>, s: &str) {
    if v.len() < 1000 && !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

fn collect(o: &Obj, f: &mut CodeFacts, depth: usize, visits: &mut usize) {
    *visits += 1;
    if depth > MAX_DEPTH || *visits > MAX_VISITS {
        return;
    }
    match o {
        Obj::Str(s) => push_new(&mut f.strings, s),
        Obj::Seq(v) => v.iter().for_each(|x| collect(x, f, depth + 1, visits)),
        Obj::Code(c) => {
            push_new(&mut f.functions, &c.name);
            for n in &c.names {
                push_new(&mut f.names, n);
            }
            c.consts
                .iter()
                .for_each(|x| collect(x, f, depth + 1, visits));
        }
        Obj::None | Obj::Bool | Obj::Int | Obj::Float | Obj::Bytes | Obj::Reserved => {}
    }
}

/// Decode a marshalled code object; `Err` says why neither layout fits.
pub fn code_facts(data: &[u8]) -> Result<CodeFacts, String> {
    let mut last = String::new();
    for (layout, label) in [(Layout::Py311, "3.11+"), (Layout::Py38, "3.8-3.10")] {
        let mut r = R {
            b: data,
            pos: 0,
            refs: Vec::new(),
            layout,
        };
        match r.obj(0) {
            Ok(o @ Obj::Code(_)) if r.pos == data.len() => {
                let mut f = CodeFacts {
                    layout: label,
                    ..CodeFacts::default()
                };
                collect(&o, &mut f, 0, &mut 0);
                return Ok(f);
            }
            Ok(Obj::Code(_)) => last = "bytes left after the code object".into(),
            Ok(_) => return Err("not a code object".into()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Decode standard or URL-safe base64 (whitespace ignored).
pub fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `marshal.dumps((lambda x: x * 2).__code__)` from Python 3.11 (keras 3.15 fixture).
    const PY311: &str = "4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwApAk7pAgAAAKkAKQHaAXhzAQAA\nACD6CDxzdHJpbmc++gg8bGFtYmRhPnIGAAAAAwAAAHMKAAAAgADAccgxwXWAAPMAAAAA\n";

    #[test]
    fn decodes_a_python_311_lambda() {
        let data = base64(PY311).expect("base64");
        let f = code_facts(&data).expect("code");
        assert_eq!(f.layout, "3.11+");
        assert_eq!(f.functions, vec!["<lambda>"]);
        assert!(f.names.is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let data = base64(PY311).expect("base64");
        for cut in 0..data.len() {
            let _ = code_facts(data.get(..cut).expect("cut"));
        }
        assert!(code_facts(b"").is_err());
        assert!(code_facts(b"N").is_err());
        let deep = vec![b')' | 0x80; 10_000];
        let _ = code_facts(&[&[b'c'][..], &[0u8; 20], &deep].concat());
    }
}
