//! The interpreter: one opcode at a time over symbolic values kept in an arena.
//!
//! Values that cost nothing (`None`, bools, small ints, floats) live inline in [`Val`]; all others
//! are arena nodes addressed by index, so cyclic or deeply nested structures cost no recursion
//! to build or drop. Rendering and resolution walk at most [`RESOLVE_DEPTH`] levels.

use crate::opcodes::{is_opcode, opcode_name};
use crate::trace::{Call, CallKind, GlobalRef, LimitHit, Malformed, RefKind, Trace};
use std::collections::HashMap;
use std::io::{BufRead, Cursor, ErrorKind, Read, Seek, SeekFrom};
use vouch_core::Limits;

/// How far [`Vm::resolve`] and rendering follow nested values. A constant, never attacker-chosen.
const RESOLVE_DEPTH: usize = 6;
/// Resolution steps per stream, as a multiple of the opcode count: keeps the worst case linear.
const RESOLVE_STEPS_PER_OPCODE: u64 = 16;
/// Longest text line (protocol 0 `GLOBAL`, `INT`, `GET` ...) accepted.
const MAX_LINE: usize = 64 * 1024;
/// Total bytes of string content kept for evidence across one stream.
const STRING_BUDGET: usize = 64 << 20;
/// Nested pickles (joblib object arrays pickled inside a pickle) followed.
const MAX_NESTED_PICKLES: usize = 4;
/// Longest rendering of one argument in the evidence.
const RENDER_MAX: usize = 200;
/// PyTorch's legacy serialization magic number, pickled first in the stream.
const TORCH_MAGIC: &[u8] = &[0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/// How to interpret a stream.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Resource limits.
    pub limits: Limits,
    /// Honour joblib's layout: after `BUILD` of a `NumpyArrayWrapper`, the array's bytes (or a
    /// nested pickle for object arrays) follow inline and are skipped (or scanned) like joblib does.
    pub joblib: bool,
    /// A copyreg extension registry (`code -> (module, name)`). Python's default is empty.
    pub extensions: Vec<(i64, String, String)>,
    /// Stop quietly after this many pickles: for formats that put raw data after a known
    /// number of pickles (PyTorch's legacy tar members).
    pub max_pickles: Option<usize>,
    /// Which calls' arguments to render into the trace, by resolved callable (`os.system`).
    /// Rendering costs more than interpreting; a caller that only reports some callables
    /// says which. `None` renders every call's arguments.
    pub render_args: Option<fn(&str) -> bool>,
}

/// Scan a pickle stream from the reader's current position to its end (or its last pickle).
pub fn scan<R: BufRead + Seek>(src: &mut R, opts: &Options) -> Trace {
    let base = src.stream_position().unwrap_or(0);
    let mut vm = Vm::new(src, opts, base);
    vm.run_stream();
    vm.trace
}

/// Scan a pickle stream held in memory.
pub fn scan_bytes(data: &[u8], opts: &Options) -> Trace {
    scan(&mut Cursor::new(data), opts)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Ref(u32),
}

#[derive(Debug)]
enum Node {
    BigInt(Box<[u8]>, u64),
    Str(Box<str>, u64),
    Bytes(Box<[u8]>, u64),
    Tuple(Vec<Val>),
    List(Vec<Val>),
    Dict(Vec<(Val, Val)>),
    Set(Vec<Val>),
    FrozenSet(Vec<Val>),
    Global(Box<str>, Box<str>),
    Call {
        func: Val,
        args: Val,
        state: Option<Val>,
        setstate: Option<Val>,
    },
    PersId(Val),
    Ext(i64),
    Buffer,
}

/// Why the current pickle stopped before its `STOP`.
enum Stop {
    Malformed(String),
    Limit(&'static str, u64),
    Eof(&'static str),
}

type Step<T> = Result<T, Stop>;

/// What a value resolves to when treated as a callable or module.
#[derive(Debug, Clone)]
enum Resolved {
    /// A dotted path (`os.system`, or a module `os`).
    Path(String, Vec<String>),
    /// `operator.attrgetter(attr)`: calling it with `obj` yields `obj.attr`.
    AttrGetter(String, Vec<String>),
    /// `operator.methodcaller(name, *args)`: calling it with `obj` calls `obj.name(*args)`.
    MethodCaller(String, Val, Vec<String>),
    /// `functools.partial(f, ...)`: calling it calls `f`.
    Partial(Val, Vec<String>),
}

struct Vm<'a, R: BufRead + Seek> {
    src: &'a mut R,
    opts: &'a Options,
    limits: Limits,
    base: u64,
    pos: u64,
    nodes: Vec<Node>,
    stack: Vec<Val>,
    marks: Vec<usize>,
    memo: HashMap<u64, Val>,
    data_skipped: u64,
    cells: u64,
    string_bytes: usize,
    nested: usize,
    resolve_steps: std::cell::Cell<u64>,
    trace: Trace,
    scratch: Vec<u8>,
}

fn path_of(module: &str, name: &str) -> String {
    format!("{module}.{name}")
}

/// Module names Python's unpickler maps (`fix_imports`) or that re-export the same objects
/// under another name (`posix.system` is `os.system`). The one alias table of the project.
pub fn canonical_module(module: &str) -> &str {
    match module {
        "__builtin__" | "__builtins__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "_operator" => "operator",
        "_functools" => "functools",
        "posix" | "nt" => "os",
        "_pickle" | "cPickle" => "pickle",
        "_io" => "io",
        "_socket" => "socket",
        "numpy._core.multiarray" => "numpy.core.multiarray",
        other => other,
    }
}

impl<'a, R: BufRead + Seek> Vm<'a, R> {
    fn new(src: &'a mut R, opts: &'a Options, base: u64) -> Self {
        Vm {
            src,
            opts,
            limits: opts.limits,
            base,
            pos: 0,
            nodes: Vec::new(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            data_skipped: 0,
            cells: 0,
            string_bytes: 0,
            nested: 0,
            resolve_steps: std::cell::Cell::new(0),
            trace: Trace::default(),
            scratch: Vec::new(),
        }
    }

    // ---------------------------------------------------------------- stream level

    fn run_stream(&mut self) {
        loop {
            if self
                .opts
                .max_pickles
                .is_some_and(|n| self.trace.pickles >= n)
            {
                return;
            }
            if self.trace.pickles >= self.limits.max_pickles_per_stream {
                if self.peek().ok().flatten().is_some() {
                    self.trace.limit = Some(LimitHit {
                        limit: "max_pickles_per_stream",
                        value: self.limits.max_pickles_per_stream as u64,
                        offset: self.base + self.pos,
                    });
                }
                return;
            }
            let start = self.pos;
            match self.peek() {
                Ok(None) => return,
                Ok(Some(op)) if self.trace.pickles > 0 && !is_opcode(op) => {
                    self.trace.trailing_data = Some(self.base + start);
                    return;
                }
                Err(_) => return,
                Ok(Some(_)) => {}
            }
            let index = self.trace.pickles;
            self.trace.pickles += 1;
            self.stack.clear();
            self.marks.clear();
            self.memo.clear();
            match self.run_pickle() {
                Ok(result) => {
                    if index == 0 && self.is_torch_magic(result) {
                        self.trace.torch_legacy = true;
                    }
                    // Legacy PyTorch files hold 5 pickles, then raw storage bytes.
                    if self.trace.torch_legacy && self.trace.pickles >= 5 {
                        return;
                    }
                }
                Err(stop) => {
                    self.record_stop(stop, index);
                    return;
                }
            }
        }
    }

    fn record_stop(&mut self, stop: Stop, pickle: usize) {
        let offset = self.base + self.pos;
        match stop {
            Stop::Limit(limit, value) => {
                self.trace.limit = Some(LimitHit {
                    limit,
                    value,
                    offset,
                })
            }
            Stop::Malformed(detail) => {
                self.trace.malformed = Some(Malformed {
                    detail,
                    offset,
                    pickle,
                })
            }
            Stop::Eof(inside) => {
                self.trace.malformed = Some(Malformed {
                    detail: format!("stream ends inside {inside} (truncated pickle, no STOP)"),
                    offset,
                    pickle,
                })
            }
        }
    }

    fn is_torch_magic(&self, v: Val) -> bool {
        match v {
            Val::Ref(i) => {
                matches!(self.nodes.get(i as usize), Some(Node::BigInt(b, _)) if &b[..] == TORCH_MAGIC)
            }
            _ => false,
        }
    }

    // ---------------------------------------------------------------- input

    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            match self.src.fill_buf() {
                Ok(buf) => return Ok(buf.first().copied()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn budget(&self, n: u64) -> Step<()> {
        match (self.pos - self.data_skipped).checked_add(n) {
            Some(end) if end <= self.limits.max_pickle_bytes => Ok(()),
            _ => Err(Stop::Limit(
                "max_pickle_bytes",
                self.limits.max_pickle_bytes,
            )),
        }
    }

    fn byte(&mut self, inside: &'static str) -> Step<u8> {
        self.budget(1)?;
        let b = match self.peek() {
            Ok(Some(b)) => b,
            Ok(None) => return Err(Stop::Eof(inside)),
            Err(e) => return Err(Stop::Malformed(format!("read error: {e}"))),
        };
        self.src.consume(1);
        self.pos += 1;
        Ok(b)
    }

    /// Read exactly `n` bytes into the scratch buffer (n is small: fixed-width arguments).
    fn fixed<const N: usize>(&mut self, inside: &'static str) -> Step<[u8; N]> {
        self.budget(N as u64)?;
        let mut out = [0u8; N];
        match self.src.read_exact(&mut out) {
            Ok(()) => {
                self.pos += N as u64;
                Ok(out)
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(Stop::Eof(inside)),
            Err(e) => Err(Stop::Malformed(format!("read error: {e}"))),
        }
    }

    /// Read a length-prefixed payload: keep at most `keep` bytes, skip the rest without allocating.
    fn payload(&mut self, len: u64, keep: usize, inside: &'static str) -> Step<Vec<u8>> {
        self.budget(len)?;
        let keep_n = len.min(keep as u64);
        let mut kept = Vec::with_capacity(keep_n as usize);
        let got = (&mut *self.src)
            .take(keep_n)
            .read_to_end(&mut kept)
            .map_err(|e| Stop::Malformed(format!("read error: {e}")))? as u64;
        self.pos += got;
        if got < keep_n {
            return Err(Stop::Eof(inside));
        }
        self.skip(len - keep_n, inside)?;
        Ok(kept)
    }

    /// Skip `n` bytes; a stream that ends early is a truncation.
    fn skip(&mut self, n: u64, inside: &'static str) -> Step<()> {
        if n == 0 {
            return Ok(());
        }
        self.budget(n)?;
        self.skip_data(n, inside)
    }

    /// Skip `n` bytes without charging the pickle byte budget (array bodies between opcodes).
    fn skip_data(&mut self, n: u64, inside: &'static str) -> Step<()> {
        let buffered = match self.src.fill_buf() {
            Ok(buf) => buf.len() as u64,
            Err(e) => return Err(Stop::Malformed(format!("read error: {e}"))),
        };
        if n <= buffered {
            self.src.consume(n as usize);
            self.pos += n;
            return Ok(());
        }
        // Beyond the buffer: seek, then check we did not pass the end.
        let here = self
            .src
            .stream_position()
            .map_err(|e| Stop::Malformed(format!("seek error: {e}")))?;
        let end = self
            .src
            .seek(SeekFrom::End(0))
            .map_err(|e| Stop::Malformed(format!("seek error: {e}")))?;
        let target = here.saturating_add(n);
        if target > end {
            self.pos += end.saturating_sub(here);
            return Err(Stop::Eof(inside));
        }
        self.src
            .seek(SeekFrom::Start(target))
            .map_err(|e| Stop::Malformed(format!("seek error: {e}")))?;
        self.pos += n;
        Ok(())
    }

    fn line(&mut self, inside: &'static str) -> Step<String> {
        self.scratch.clear();
        loop {
            let b = self.byte(inside)?;
            if b == b'\n' {
                break;
            }
            if self.scratch.len() >= MAX_LINE {
                return Err(Stop::Malformed(format!(
                    "{inside} argument line longer than {MAX_LINE} bytes"
                )));
            }
            self.scratch.push(b);
        }
        if self.scratch.last() == Some(&b'\r') {
            self.scratch.pop();
        }
        Ok(String::from_utf8_lossy(&self.scratch).into_owned())
    }

    // ---------------------------------------------------------------- values

    fn alloc(&mut self, node: Node) -> Step<Val> {
        self.cell(1)?;
        let idx = u32::try_from(self.nodes.len())
            .map_err(|_| Stop::Limit("max_opcodes", self.limits.max_opcodes))?;
        self.nodes.push(node);
        Ok(Val::Ref(idx))
    }

    fn cell(&mut self, n: u64) -> Step<()> {
        self.cells = self.cells.saturating_add(n);
        // Every value costs a cell; bound them with the opcode limit so memory stays linear in it.
        if self.cells > self.limits.max_opcodes {
            return Err(Stop::Limit("max_opcodes", self.limits.max_opcodes));
        }
        Ok(())
    }

    fn node(&self, v: Val) -> Option<&Node> {
        match v {
            Val::Ref(i) => self.nodes.get(i as usize),
            _ => None,
        }
    }

    fn node_mut(&mut self, v: Val) -> Option<&mut Node> {
        match v {
            Val::Ref(i) => self.nodes.get_mut(i as usize),
            _ => None,
        }
    }

    fn str_node(&mut self, bytes: Vec<u8>, full_len: u64) -> Step<Val> {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.string_bytes = self.string_bytes.saturating_add(text.len());
        let text = if self.string_bytes > STRING_BUDGET {
            String::new()
        } else {
            text
        };
        self.alloc(Node::Str(text.into_boxed_str(), full_len))
    }

    fn bytes_node(&mut self, bytes: Vec<u8>, full_len: u64) -> Step<Val> {
        self.string_bytes = self.string_bytes.saturating_add(bytes.len());
        let bytes = if self.string_bytes > STRING_BUDGET {
            Vec::new()
        } else {
            bytes
        };
        self.alloc(Node::Bytes(bytes.into_boxed_slice(), full_len))
    }

    fn as_str(&self, v: Val) -> Option<&str> {
        match self.node(v)? {
            Node::Str(s, _) => Some(s),
            Node::Bytes(b, _) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    fn as_int(&self, v: Val) -> Option<i64> {
        match v {
            Val::Int(i) => Some(i),
            Val::Bool(b) => Some(i64::from(b)),
            _ => None,
        }
    }

    fn items(&self, v: Val) -> &[Val] {
        match self.node(v) {
            Some(Node::Tuple(items) | Node::List(items)) => items,
            _ => &[],
        }
    }

    fn dict_get(&self, dict: Val, key: &str) -> Option<Val> {
        match self.node(dict)? {
            Node::Dict(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| self.as_str(*k) == Some(key))
                .map(|(_, v)| *v),
            _ => None,
        }
    }

    // ---------------------------------------------------------------- stack

    fn push(&mut self, v: Val) -> Step<()> {
        if self.stack.len() + self.marks.len() >= self.limits.max_stack {
            return Err(Stop::Limit("max_stack", self.limits.max_stack as u64));
        }
        self.stack.push(v);
        Ok(())
    }

    fn pop(&mut self, op: &str) -> Step<Val> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(Stop::Malformed(format!(
                "{op} on an empty stack (stack underflow)"
            )));
        }
        self.stack
            .pop()
            .ok_or_else(|| Stop::Malformed(format!("{op}: stack underflow")))
    }

    fn top(&self, op: &str) -> Step<Val> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(Stop::Malformed(format!(
                "{op} on an empty stack (stack underflow)"
            )));
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| Stop::Malformed(format!("{op}: stack underflow")))
    }

    fn pop_mark(&mut self, op: &str) -> Step<Vec<Val>> {
        let Some(mark) = self.marks.pop() else {
            return Err(Stop::Malformed(format!("{op} without a MARK")));
        };
        if mark > self.stack.len() {
            return Err(Stop::Malformed(format!("{op}: corrupt mark")));
        }
        Ok(self.stack.split_off(mark))
    }

    // ---------------------------------------------------------------- resolution

    /// What a value is, seen as a callable or a module.
    fn resolve(&self, v: Val, depth: usize) -> Option<Resolved> {
        let steps = self.resolve_steps.get() + 1;
        self.resolve_steps.set(steps);
        if depth > RESOLVE_DEPTH
            || steps > RESOLVE_STEPS_PER_OPCODE.saturating_mul(self.trace.opcodes.max(64))
        {
            return None;
        }
        match self.node(v)? {
            Node::Global(m, n) => Some(Resolved::Path(path_of(canonical_module(m), n), Vec::new())),
            Node::Ext(code) => Some(Resolved::Path(
                format!("copyreg-extension.{code}"),
                Vec::new(),
            )),
            Node::Call { func, args, .. } => {
                let f = self.resolve(*func, depth + 1)?;
                let args = self.items(*args);
                match f {
                    Resolved::Path(p, mut via) => {
                        let arg0 = args.first().copied();
                        let arg1 = args.get(1).copied();
                        match p.as_str() {
                            "builtins.getattr" => {
                                let attr = self.as_str(arg1?)?;
                                let obj = self.resolve(arg0?, depth + 1)?;
                                let Resolved::Path(base, inner) = obj else {
                                    return None;
                                };
                                via.push(p.clone());
                                via.extend(inner);
                                Some(Resolved::Path(format!("{base}.{attr}"), via))
                            }
                            "builtins.__import__"
                            | "importlib.import_module"
                            | "importlib.__import__" => {
                                let module = self.as_str(arg0?)?;
                                via.push(p.clone());
                                Some(Resolved::Path(canonical_module(module).to_owned(), via))
                            }
                            "operator.attrgetter" => {
                                via.push(p.clone());
                                Some(Resolved::AttrGetter(self.as_str(arg0?)?.to_owned(), via))
                            }
                            "operator.methodcaller" => {
                                via.push(p.clone());
                                let rest = args.get(1).copied().unwrap_or(Val::None);
                                Some(Resolved::MethodCaller(
                                    self.as_str(arg0?)?.to_owned(),
                                    rest,
                                    via,
                                ))
                            }
                            "functools.partial" => {
                                via.push(p.clone());
                                Some(Resolved::Partial(arg0?, via))
                            }
                            _ => None,
                        }
                    }
                    Resolved::AttrGetter(attr, mut via) => {
                        let Resolved::Path(base, inner) =
                            self.resolve(*args.first()?, depth + 1)?
                        else {
                            return None;
                        };
                        via.extend(inner);
                        Some(Resolved::Path(format!("{base}.{attr}"), via))
                    }
                    Resolved::Partial(inner, mut via) => {
                        // partial(getattr, os)('system') and the like: apply the inner callable.
                        let r = self.resolve(inner, depth + 1)?;
                        if let Resolved::Path(p, inner_via) = r {
                            via.extend(inner_via);
                            Some(Resolved::Path(p, via))
                        } else {
                            None
                        }
                    }
                    Resolved::MethodCaller(..) => None,
                }
            }
            _ => None,
        }
    }

    fn record_call(&mut self, func: Val, args: Val, kind: CallKind) -> Step<Val> {
        let offset = self.base + self.pos.saturating_sub(1);
        let resolved = self.resolve(func, 0);
        let wanted = match (&resolved, self.opts.render_args) {
            (Some(Resolved::Path(p, _)), Some(filter)) => filter(p),
            _ => true,
        };
        let rendered: Vec<String> = match self.node(args) {
            _ if !wanted => Vec::new(),
            Some(Node::Tuple(items) | Node::List(items)) => {
                items.iter().map(|a| self.render(*a)).collect()
            }
            _ if args == Val::None => Vec::new(),
            _ => vec![self.render(args)],
        };
        match resolved {
            Some(Resolved::Path(callable, via)) => self.trace.calls.push(Call {
                callable,
                via,
                args: rendered,
                kind,
                offset,
            }),
            Some(Resolved::AttrGetter(attr, via)) => {
                // attrgetter(attr)(obj) yields obj.attr: a lookup, not a call. Record the getter's use.
                let target = self
                    .items(args)
                    .first()
                    .and_then(|o| match self.resolve(*o, 0) {
                        Some(Resolved::Path(p, _)) => Some(format!("{p}.{attr}")),
                        _ => None,
                    })
                    .unwrap_or_else(|| format!("<dynamic>.{attr}"));
                self.trace.calls.push(Call {
                    callable: "operator.attrgetter".into(),
                    via: via.clone(),
                    args: vec![target],
                    kind,
                    offset,
                });
            }
            Some(Resolved::MethodCaller(name, rest, via)) => {
                // methodcaller(name, *a)(obj) calls obj.name(*a): the wrapper and the method both run.
                self.trace.calls.push(Call {
                    callable: "operator.methodcaller".into(),
                    via: via.clone(),
                    args: rendered.clone(),
                    kind,
                    offset,
                });
                let target = self
                    .items(args)
                    .first()
                    .and_then(|o| match self.resolve(*o, 0) {
                        Some(Resolved::Path(p, _)) => Some(format!("{p}.{name}")),
                        _ => None,
                    })
                    .unwrap_or_else(|| format!("<dynamic>.{name}"));
                let rest_args = if rest == Val::None {
                    Vec::new()
                } else {
                    vec![self.render(rest)]
                };
                self.trace.calls.push(Call {
                    callable: target,
                    via,
                    args: rest_args,
                    kind: CallKind::Wrapped,
                    offset,
                });
            }
            Some(Resolved::Partial(inner, via)) => {
                self.trace.calls.push(Call {
                    callable: "functools.partial".into(),
                    via: via.clone(),
                    args: rendered.clone(),
                    kind,
                    offset,
                });
                let callable = match self.resolve(inner, 0) {
                    Some(Resolved::Path(p, _)) => p,
                    _ => "<dynamic>".into(),
                };
                self.trace.calls.push(Call {
                    callable,
                    via,
                    args: rendered,
                    kind: CallKind::Wrapped,
                    offset,
                });
            }
            None => self.trace.calls.push(Call {
                callable: "<dynamic>".into(),
                via: vec![self.render(func)],
                args: rendered,
                kind,
                offset,
            }),
        }
        self.alloc(Node::Call {
            func,
            args,
            state: None,
            setstate: None,
        })
    }

    fn render(&self, v: Val) -> String {
        let mut out = String::new();
        self.render_into(v, 0, &mut out);
        if out.len() > RENDER_MAX {
            let mut cut = RENDER_MAX;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push('…');
        }
        out
    }

    fn render_into(&self, v: Val, depth: usize, out: &mut String) {
        use std::fmt::Write;
        if depth > 4 || out.len() > RENDER_MAX {
            out.push('…');
            return;
        }
        let seq = |vm: &Self, items: &[Val], open: &str, close: &str, out: &mut String| {
            out.push_str(open);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if out.len() > RENDER_MAX {
                    out.push('…');
                    break;
                }
                vm.render_into(*item, depth + 1, out);
            }
            if items.len() == 1 && open == "(" {
                out.push(',');
            }
            out.push_str(close);
        };
        match v {
            Val::None => out.push_str("None"),
            Val::Bool(b) => out.push_str(if b { "True" } else { "False" }),
            Val::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Val::Float(f) => {
                let _ = write!(out, "{f:?}");
            }
            Val::Ref(_) => match self.node(v) {
                None => out.push('?'),
                Some(Node::BigInt(_, n)) => {
                    let _ = write!(out, "<int of {n} digits or bytes>");
                }
                Some(Node::Str(s, n)) => {
                    let _ = write!(out, "{s:?}");
                    if *n > s.len() as u64 {
                        let _ = write!(out, "<+{} bytes>", n - s.len() as u64);
                    }
                }
                Some(Node::Bytes(b, n)) => {
                    let shown: String = b
                        .iter()
                        .take(32)
                        .map(|c| std::ascii::escape_default(*c).to_string())
                        .collect();
                    let _ = write!(out, "b\"{shown}\"");
                    if *n > 32 {
                        let _ = write!(out, "<{n} bytes>");
                    }
                }
                Some(Node::Tuple(items)) => seq(self, items, "(", ")", out),
                Some(Node::List(items)) => seq(self, items, "[", "]", out),
                Some(Node::Set(items)) => seq(self, items, "{", "}", out),
                Some(Node::FrozenSet(items)) => seq(self, items, "frozenset({", "})", out),
                Some(Node::Dict(pairs)) => {
                    out.push('{');
                    for (i, (k, val)) in pairs.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        if out.len() > RENDER_MAX {
                            out.push('…');
                            break;
                        }
                        self.render_into(*k, depth + 1, out);
                        out.push_str(": ");
                        self.render_into(*val, depth + 1, out);
                    }
                    out.push('}');
                }
                Some(Node::Global(m, n)) => {
                    let _ = write!(out, "{m}.{n}");
                }
                Some(Node::Call { func, args, .. }) => {
                    self.render_into(*func, depth + 1, out);
                    if let Some(Node::Tuple(items)) = self.node(*args) {
                        seq(self, items, "(", ")", out);
                    } else {
                        out.push_str("(…)");
                    }
                }
                Some(Node::PersId(p)) => {
                    out.push_str("persistent_id(");
                    self.render_into(*p, depth + 1, out);
                    out.push(')');
                }
                Some(Node::Ext(code)) => {
                    let _ = write!(out, "<extension {code}>");
                }
                Some(Node::Buffer) => out.push_str("<out-of-band buffer>"),
            },
        }
    }

    // ---------------------------------------------------------------- opcodes

    fn global(&mut self, module: String, name: String, kind: RefKind, offset: u64) -> Step<Val> {
        self.trace.globals.push(GlobalRef {
            module: module.clone(),
            name: name.clone(),
            offset,
            kind,
        });
        self.alloc(Node::Global(module.into_boxed_str(), name.into_boxed_str()))
    }

    fn memo_put(&mut self, key: u64, v: Val) -> Step<()> {
        if !self.memo.contains_key(&key) && self.memo.len() >= self.limits.max_memo {
            return Err(Stop::Limit("max_memo", self.limits.max_memo as u64));
        }
        self.memo.insert(key, v);
        Ok(())
    }

    fn memo_get(&mut self, key: u64) -> Step<()> {
        match self.memo.get(&key).copied() {
            Some(v) => self.push(v),
            None => Err(Stop::Malformed(format!("memo key {key} not found"))),
        }
    }

    fn extend_container(&mut self, target: Val, items: Vec<Val>, op: &str) -> Step<()> {
        self.cell(items.len() as u64)?;
        match self.node_mut(target) {
            Some(Node::List(v) | Node::Set(v)) => {
                v.extend(items);
                Ok(())
            }
            // list.extend / append on an object calls its `extend`/`append` method: model it as opaque.
            Some(Node::Call { .. }) => Ok(()),
            _ => Err(Stop::Malformed(format!(
                "{op} on a value that is not a list or set"
            ))),
        }
    }

    fn set_items(&mut self, target: Val, pairs: Vec<(Val, Val)>, op: &str) -> Step<()> {
        self.cell(pairs.len() as u64 * 2)?;
        match self.node_mut(target) {
            Some(Node::Dict(v)) => {
                v.extend(pairs);
                Ok(())
            }
            // __setitem__ on an object (e.g. OrderedDict built with REDUCE): opaque.
            Some(Node::Call { .. }) => Ok(()),
            _ => Err(Stop::Malformed(format!(
                "{op} on a value that is not a dict"
            ))),
        }
    }

    fn int_from_le(&mut self, bytes: &[u8], full_len: u64) -> Step<Val> {
        if full_len <= 8 && bytes.len() as u64 == full_len {
            if bytes.is_empty() {
                return Ok(Val::Int(0));
            }
            let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
            let mut buf = if negative { [0xffu8; 8] } else { [0u8; 8] };
            for (d, s) in buf.iter_mut().zip(bytes) {
                *d = *s;
            }
            return Ok(Val::Int(i64::from_le_bytes(buf)));
        }
        // Keep short ones: PyTorch's magic number is a 10-byte LONG1.
        let kept: Box<[u8]> = if full_len <= 16 {
            bytes.into()
        } else {
            Box::new([])
        };
        self.alloc(Node::BigInt(kept, full_len))
    }

    /// Run one pickle to its STOP; returns the unpickled (symbolic) value.
    fn run_pickle(&mut self) -> Step<Val> {
        loop {
            self.trace.opcodes += 1;
            if self.trace.opcodes > self.limits.max_opcodes {
                return Err(Stop::Limit("max_opcodes", self.limits.max_opcodes));
            }
            let offset = self.base + self.pos;
            let op = self.byte("an opcode")?;
            self.trace.bytes = self.pos;
            match op {
                b'.' => {
                    let v = self.pop("STOP")?;
                    self.trace.bytes = self.pos;
                    return Ok(v);
                }
                0x80 => {
                    let [p] = self.fixed::<1>("PROTO")?;
                    if p > 5 {
                        return Err(Stop::Malformed(format!("unsupported pickle protocol {p}")));
                    }
                    self.trace.protocol = Some(self.trace.protocol.map_or(p, |q| q.max(p)));
                }
                0x95 => {
                    let _len = u64::from_le_bytes(self.fixed::<8>("FRAME")?);
                }
                b'(' => {
                    if self.stack.len() + self.marks.len() >= self.limits.max_stack {
                        return Err(Stop::Limit("max_stack", self.limits.max_stack as u64));
                    }
                    self.marks.push(self.stack.len());
                }
                b'0' => {
                    let floor = self.marks.last().copied().unwrap_or(0);
                    if self.stack.len() > floor {
                        self.stack.pop();
                    } else {
                        self.pop_mark("POP")?;
                    }
                }
                b'1' => {
                    self.pop_mark("POP_MARK")?;
                }
                b'2' => {
                    let v = self.top("DUP")?;
                    self.push(v)?;
                }
                b'N' => self.push(Val::None)?,
                0x88 => self.push(Val::Bool(true))?,
                0x89 => self.push(Val::Bool(false))?,
                b'I' => {
                    let line = self.line("INT")?;
                    let v = match line.as_str() {
                        "00" => Val::Bool(false),
                        "01" => Val::Bool(true),
                        s => match s.trim().parse::<i64>() {
                            Ok(i) => Val::Int(i),
                            Err(_) if is_decimal(s.trim()) => {
                                self.alloc(Node::BigInt(Box::new([]), s.len() as u64))?
                            }
                            Err(_) => {
                                return Err(Stop::Malformed(format!(
                                    "INT with invalid literal {s:?}"
                                )));
                            }
                        },
                    };
                    self.push(v)?;
                }
                b'L' => {
                    let line = self.line("LONG")?;
                    let s = line.trim().trim_end_matches('L');
                    let v = match s.parse::<i64>() {
                        Ok(i) => Val::Int(i),
                        Err(_) if is_decimal(s) => {
                            self.alloc(Node::BigInt(Box::new([]), s.len() as u64))?
                        }
                        Err(_) => {
                            return Err(Stop::Malformed(format!(
                                "LONG with invalid literal {s:?}"
                            )));
                        }
                    };
                    self.push(v)?;
                }
                b'J' => {
                    let v = i32::from_le_bytes(self.fixed::<4>("BININT")?);
                    self.push(Val::Int(i64::from(v)))?;
                }
                b'K' => {
                    let [v] = self.fixed::<1>("BININT1")?;
                    self.push(Val::Int(i64::from(v)))?;
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.fixed::<2>("BININT2")?);
                    self.push(Val::Int(i64::from(v)))?;
                }
                0x8a => {
                    let [n] = self.fixed::<1>("LONG1")?;
                    let bytes = self.payload(u64::from(n), 16, "LONG1")?;
                    let v = self.int_from_le(&bytes, u64::from(n))?;
                    self.push(v)?;
                }
                0x8b => {
                    let n = i32::from_le_bytes(self.fixed::<4>("LONG4")?);
                    let n = u64::try_from(n)
                        .map_err(|_| Stop::Malformed("LONG4 with a negative byte count".into()))?;
                    let bytes = self.payload(n, 16, "LONG4")?;
                    let v = self.int_from_le(&bytes, n)?;
                    self.push(v)?;
                }
                b'F' => {
                    let line = self.line("FLOAT")?;
                    let f = line.trim().parse::<f64>().map_err(|_| {
                        Stop::Malformed(format!("FLOAT with invalid literal {line:?}"))
                    })?;
                    self.push(Val::Float(f))?;
                }
                b'G' => {
                    let f = f64::from_be_bytes(self.fixed::<8>("BINFLOAT")?);
                    self.push(Val::Float(f))?;
                }
                b'S' => {
                    let line = self.line("STRING")?;
                    let text = unquote_py_string(&line).ok_or_else(|| {
                        Stop::Malformed("STRING argument is not a quoted string".into())
                    })?;
                    let len = text.len() as u64;
                    let v = self.bytes_node(truncate_vec(text, self.limits.max_string), len)?;
                    self.push(v)?;
                }
                b'T' => {
                    let n = i32::from_le_bytes(self.fixed::<4>("BINSTRING")?);
                    let n = u64::try_from(n)
                        .map_err(|_| Stop::Malformed("BINSTRING with a negative length".into()))?;
                    let b = self.payload(n, self.limits.max_string, "BINSTRING")?;
                    let v = self.bytes_node(b, n)?;
                    self.push(v)?;
                }
                b'U' => {
                    let [n] = self.fixed::<1>("SHORT_BINSTRING")?;
                    let b =
                        self.payload(u64::from(n), self.limits.max_string, "SHORT_BINSTRING")?;
                    let v = self.bytes_node(b, u64::from(n))?;
                    self.push(v)?;
                }
                b'V' => {
                    let line = self.line("UNICODE")?;
                    let text = decode_raw_unicode_escape(&line);
                    let len = text.len() as u64;
                    let v = self
                        .str_node(truncate_vec(text.into_bytes(), self.limits.max_string), len)?;
                    self.push(v)?;
                }
                b'X' | 0x8c | 0x8d => {
                    let (n, name) = match op {
                        b'X' => (
                            u64::from(u32::from_le_bytes(self.fixed::<4>("BINUNICODE")?)),
                            "BINUNICODE",
                        ),
                        0x8c => (
                            u64::from(self.fixed::<1>("SHORT_BINUNICODE")?[0]),
                            "SHORT_BINUNICODE",
                        ),
                        _ => (
                            u64::from_le_bytes(self.fixed::<8>("BINUNICODE8")?),
                            "BINUNICODE8",
                        ),
                    };
                    let b = self.payload(n, self.limits.max_string, name)?;
                    let v = self.str_node(b, n)?;
                    self.push(v)?;
                }
                b'B' | b'C' | 0x8e | 0x96 => {
                    let (n, name) = match op {
                        b'B' => (
                            u64::from(u32::from_le_bytes(self.fixed::<4>("BINBYTES")?)),
                            "BINBYTES",
                        ),
                        b'C' => (
                            u64::from(self.fixed::<1>("SHORT_BINBYTES")?[0]),
                            "SHORT_BINBYTES",
                        ),
                        0x8e => (
                            u64::from_le_bytes(self.fixed::<8>("BINBYTES8")?),
                            "BINBYTES8",
                        ),
                        _ => (
                            u64::from_le_bytes(self.fixed::<8>("BYTEARRAY8")?),
                            "BYTEARRAY8",
                        ),
                    };
                    let b = self.payload(n, self.limits.max_string, name)?;
                    let v = self.bytes_node(b, n)?;
                    self.push(v)?;
                }
                0x97 => {
                    self.trace.out_of_band_buffers += 1;
                    let v = self.alloc(Node::Buffer)?;
                    self.push(v)?;
                }
                0x98 => {
                    self.top("READONLY_BUFFER")?;
                }
                b')' => {
                    let v = self.alloc(Node::Tuple(Vec::new()))?;
                    self.push(v)?;
                }
                b't' => {
                    let items = self.pop_mark("TUPLE")?;
                    self.cell(items.len() as u64)?;
                    let v = self.alloc(Node::Tuple(items))?;
                    self.push(v)?;
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop(&opcode_name(op))?);
                    }
                    items.reverse();
                    self.cell(n as u64)?;
                    let v = self.alloc(Node::Tuple(items))?;
                    self.push(v)?;
                }
                b']' => {
                    let v = self.alloc(Node::List(Vec::new()))?;
                    self.push(v)?;
                }
                b'l' => {
                    let items = self.pop_mark("LIST")?;
                    self.cell(items.len() as u64)?;
                    let v = self.alloc(Node::List(items))?;
                    self.push(v)?;
                }
                b'a' => {
                    let v = self.pop("APPEND")?;
                    let target = self.top("APPEND")?;
                    self.extend_container(target, vec![v], "APPEND")?;
                }
                b'e' => {
                    let items = self.pop_mark("APPENDS")?;
                    let target = self.top("APPENDS")?;
                    self.extend_container(target, items, "APPENDS")?;
                }
                b'}' => {
                    let v = self.alloc(Node::Dict(Vec::new()))?;
                    self.push(v)?;
                }
                b'd' => {
                    let items = self.pop_mark("DICT")?;
                    let pairs = pairs_of(items, "DICT")?;
                    self.cell(pairs.len() as u64 * 2)?;
                    let v = self.alloc(Node::Dict(pairs))?;
                    self.push(v)?;
                }
                b's' => {
                    let value = self.pop("SETITEM")?;
                    let key = self.pop("SETITEM")?;
                    let target = self.top("SETITEM")?;
                    self.set_items(target, vec![(key, value)], "SETITEM")?;
                }
                b'u' => {
                    let items = self.pop_mark("SETITEMS")?;
                    let pairs = pairs_of(items, "SETITEMS")?;
                    let target = self.top("SETITEMS")?;
                    self.set_items(target, pairs, "SETITEMS")?;
                }
                0x8f => {
                    let v = self.alloc(Node::Set(Vec::new()))?;
                    self.push(v)?;
                }
                0x90 => {
                    let items = self.pop_mark("ADDITEMS")?;
                    let target = self.top("ADDITEMS")?;
                    self.extend_container(target, items, "ADDITEMS")?;
                }
                0x91 => {
                    let items = self.pop_mark("FROZENSET")?;
                    self.cell(items.len() as u64)?;
                    let v = self.alloc(Node::FrozenSet(items))?;
                    self.push(v)?;
                }
                b'g' => {
                    let line = self.line("GET")?;
                    let key = line.trim().parse::<u64>().map_err(|_| {
                        Stop::Malformed(format!("GET with invalid memo key {line:?}"))
                    })?;
                    self.memo_get(key)?;
                }
                b'h' => {
                    let [k] = self.fixed::<1>("BINGET")?;
                    self.memo_get(u64::from(k))?;
                }
                b'j' => {
                    let k = u32::from_le_bytes(self.fixed::<4>("LONG_BINGET")?);
                    self.memo_get(u64::from(k))?;
                }
                b'p' => {
                    let line = self.line("PUT")?;
                    let key = line.trim().parse::<u64>().map_err(|_| {
                        Stop::Malformed(format!("PUT with invalid memo key {line:?}"))
                    })?;
                    let v = self.top("PUT")?;
                    self.memo_put(key, v)?;
                }
                b'q' => {
                    let [k] = self.fixed::<1>("BINPUT")?;
                    let v = self.top("BINPUT")?;
                    self.memo_put(u64::from(k), v)?;
                }
                b'r' => {
                    let k = u32::from_le_bytes(self.fixed::<4>("LONG_BINPUT")?);
                    let v = self.top("LONG_BINPUT")?;
                    self.memo_put(u64::from(k), v)?;
                }
                0x94 => {
                    let v = self.top("MEMOIZE")?;
                    let key = self.memo.len() as u64;
                    self.memo_put(key, v)?;
                }
                b'c' => {
                    let module = self.line("GLOBAL")?;
                    let name = self.line("GLOBAL")?;
                    let v = self.global(module, name, RefKind::Global, offset)?;
                    self.push(v)?;
                }
                0x93 => {
                    let name = self.pop("STACK_GLOBAL")?;
                    let module = self.pop("STACK_GLOBAL")?;
                    let (Some(m), Some(n)) = (self.as_str(module), self.as_str(name)) else {
                        return Err(Stop::Malformed(
                            "STACK_GLOBAL requires str module and name".into(),
                        ));
                    };
                    let (m, n) = (m.to_owned(), n.to_owned());
                    let v = self.global(m, n, RefKind::StackGlobal, offset)?;
                    self.push(v)?;
                }
                b'i' => {
                    let module = self.line("INST")?;
                    let name = self.line("INST")?;
                    let args = self.pop_mark("INST")?;
                    let cls = self.global(module, name, RefKind::Inst, offset)?;
                    self.cell(args.len() as u64)?;
                    let args = self.alloc(Node::Tuple(args))?;
                    let v = self.record_call(cls, args, CallKind::Inst)?;
                    self.push(v)?;
                }
                b'o' => {
                    let mut items = self.pop_mark("OBJ")?;
                    if items.is_empty() {
                        return Err(Stop::Malformed("OBJ without a class".into()));
                    }
                    let cls = items.remove(0);
                    self.cell(items.len() as u64)?;
                    let args = self.alloc(Node::Tuple(items))?;
                    let v = self.record_call(cls, args, CallKind::Obj)?;
                    self.push(v)?;
                }
                b'R' => {
                    let args = self.pop("REDUCE")?;
                    let func = self.pop("REDUCE")?;
                    let v = self.record_call(func, args, CallKind::Reduce)?;
                    self.push(v)?;
                }
                0x81 => {
                    let args = self.pop("NEWOBJ")?;
                    let cls = self.pop("NEWOBJ")?;
                    let v = self.record_call(cls, args, CallKind::NewObj)?;
                    self.push(v)?;
                }
                0x92 => {
                    let _kwargs = self.pop("NEWOBJ_EX")?;
                    let args = self.pop("NEWOBJ_EX")?;
                    let cls = self.pop("NEWOBJ_EX")?;
                    let v = self.record_call(cls, args, CallKind::NewObjEx)?;
                    self.push(v)?;
                }
                b'b' => {
                    let state = self.pop("BUILD")?;
                    let inst = self.top("BUILD")?;
                    self.build(inst, state)?;
                }
                0x82..=0x84 => {
                    let code = match op {
                        0x82 => i64::from(self.fixed::<1>("EXT1")?[0]),
                        0x83 => i64::from(u16::from_le_bytes(self.fixed::<2>("EXT2")?)),
                        _ => i64::from(i32::from_le_bytes(self.fixed::<4>("EXT4")?)),
                    };
                    self.trace.extensions.push((code, offset));
                    let registered = self
                        .opts
                        .extensions
                        .iter()
                        .find(|(c, _, _)| *c == code)
                        .map(|(_, m, n)| (m.clone(), n.clone()));
                    let v = match registered {
                        Some((m, n)) => self.global(m, n, RefKind::Global, offset)?,
                        None => self.alloc(Node::Ext(code))?,
                    };
                    self.push(v)?;
                }
                b'P' => {
                    let line = self.line("PERSID")?;
                    let len = line.len() as u64;
                    let pid = self.str_node(line.into_bytes(), len)?;
                    self.trace.persistent_ids += 1;
                    let v = self.alloc(Node::PersId(pid))?;
                    self.push(v)?;
                }
                b'Q' => {
                    let pid = self.pop("BINPERSID")?;
                    self.trace.persistent_ids += 1;
                    let v = self.alloc(Node::PersId(pid))?;
                    self.push(v)?;
                }
                other => {
                    // Undo the consumed byte's count so the offset points at the bad opcode.
                    return Err(Stop::Malformed(format!(
                        "invalid opcode 0x{other:02x} at offset {offset}"
                    )));
                }
            }
        }
    }

    /// `BUILD`: `inst.__setstate__(state)` when inst has one, else update its `__dict__`.
    fn build(&mut self, inst: Val, state: Val) -> Step<()> {
        let planted = match self.node(inst) {
            Some(Node::Call { setstate, .. }) => *setstate,
            _ => None,
        };
        if let Some(setstate) = planted {
            // A `__setstate__` planted by an earlier BUILD runs now, with `state` as its argument.
            self.cell(1)?;
            let args = self.alloc(Node::Tuple(vec![state]))?;
            self.record_call(setstate, args, CallKind::BuildSetstate)?;
            return Ok(());
        }
        // A dict state (or the dict half of a (dict, slots) pair) holding `__setstate__` plants it.
        let dict = match self.node(state) {
            Some(Node::Dict(_)) => Some(state),
            Some(Node::Tuple(items)) if items.len() == 2 => items.first().copied(),
            _ => None,
        };
        let planted_now = dict.and_then(|d| self.dict_get(d, "__setstate__"));
        if let Some(Node::Call {
            state: s, setstate, ..
        }) = self.node_mut(inst)
        {
            *s = Some(state);
            if planted_now.is_some() {
                *setstate = planted_now;
            }
        }
        if self.opts.joblib && self.is_joblib_wrapper(inst) {
            self.trace.joblib_arrays += 1;
            self.joblib_array(state)?;
        }
        Ok(())
    }

    fn is_joblib_wrapper(&self, inst: Val) -> bool {
        let Some(Node::Call { func, .. }) = self.node(inst) else {
            return false;
        };
        match self.resolve(*func, 0) {
            Some(Resolved::Path(p, _)) => p.ends_with("numpy_pickle.NumpyArrayWrapper"),
            _ => false,
        }
    }

    /// Skip (or scan) the array body joblib wrote inline after a `NumpyArrayWrapper`.
    fn joblib_array(&mut self, state: Val) -> Step<()> {
        let dtype = self.dict_get(state, "dtype").ok_or_else(|| {
            Stop::Malformed("joblib NumpyArrayWrapper state without dtype".into())
        })?;
        let shape = self.dict_get(state, "shape").ok_or_else(|| {
            Stop::Malformed("joblib NumpyArrayWrapper state without shape".into())
        })?;
        let aligned = self
            .dict_get(state, "numpy_array_alignment_bytes")
            .is_some();
        let (itemsize, has_object) = self.dtype_layout(dtype);
        if has_object {
            if self.nested >= MAX_NESTED_PICKLES {
                return Err(Stop::Limit(
                    "nested joblib pickles",
                    MAX_NESTED_PICKLES as u64,
                ));
            }
            // joblib pickles object arrays with a fresh unpickler on the same stream.
            let saved = (
                std::mem::take(&mut self.stack),
                std::mem::take(&mut self.marks),
                std::mem::take(&mut self.memo),
            );
            self.nested += 1;
            let r = self.run_pickle();
            self.nested -= 1;
            (self.stack, self.marks, self.memo) = saved;
            r?;
            return Ok(());
        }
        let itemsize = itemsize
            .ok_or_else(|| Stop::Malformed("joblib array with a dtype vouch cannot size".into()))?;
        let mut count: u64 = 1;
        for dim in self.items(shape).to_vec() {
            let d = self
                .as_int(dim)
                .and_then(|d| u64::try_from(d).ok())
                .ok_or_else(|| {
                    Stop::Malformed("joblib array shape is not a tuple of non-negative ints".into())
                })?;
            count = count
                .checked_mul(d)
                .ok_or_else(|| Stop::Malformed("joblib array shape overflows".into()))?;
        }
        if aligned {
            let [pad] = self.fixed::<1>("a joblib array's padding")?;
            self.skip(u64::from(pad), "a joblib array's padding")?;
        }
        let size = count
            .checked_mul(itemsize)
            .ok_or_else(|| Stop::Malformed("joblib array size overflows".into()))?;
        // Array bytes are data, not opcodes: they do not count against max_pickle_bytes.
        self.skip_data(size, "a joblib array body")?;
        self.data_skipped += size;
        Ok(())
    }

    /// Item size and object-ness of a symbolic `numpy.dtype(...)` value.
    fn dtype_layout(&self, dtype: Val) -> (Option<u64>, bool) {
        let Some(Node::Call { args, state, .. }) = self.node(dtype) else {
            return (None, false);
        };
        let typestr = self
            .items(*args)
            .first()
            .and_then(|v| self.as_str(*v))
            .unwrap_or("");
        let elsize = state
            .map(|s| self.items(s))
            .and_then(|items| items.get(5).copied())
            .and_then(|v| self.as_int(v))
            .filter(|n| *n > 0)
            .and_then(|n| u64::try_from(n).ok());
        let fields_have_object = state
            .map(|s| self.items(s))
            .and_then(|items| items.get(4).copied())
            .is_some_and(|fields| self.fields_have_object(fields));
        let code = typestr.trim_start_matches(['<', '>', '|', '=']);
        let kind = code.chars().next().unwrap_or('?');
        let digits: u64 = code.get(1..).and_then(|d| d.parse().ok()).unwrap_or(0);
        let base = match kind {
            'O' => return (None, true),
            'b' if code == "b1" => Some(1),
            '?' => Some(1),
            'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'V' | 'a' => Some(digits),
            'U' => digits.checked_mul(4),
            'M' | 'm' => Some(8),
            _ => None,
        };
        (elsize.or(base.filter(|n| *n > 0)), fields_have_object)
    }

    fn fields_have_object(&self, fields: Val) -> bool {
        let Some(Node::Dict(pairs)) = self.node(fields) else {
            return false;
        };
        pairs.iter().any(|(_, v)| {
            self.items(*v)
                .first()
                .is_some_and(|dt| self.dtype_layout(*dt).1)
        })
    }
}

fn pairs_of(items: Vec<Val>, op: &str) -> Step<Vec<(Val, Val)>> {
    if !items.len().is_multiple_of(2) {
        return Err(Stop::Malformed(format!("{op} with an odd number of items")));
    }
    let mut it = items.into_iter();
    let mut pairs = Vec::new();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        pairs.push((k, v));
    }
    Ok(pairs)
}

fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn truncate_vec(mut v: Vec<u8>, max: usize) -> Vec<u8> {
    v.truncate(max);
    v
}

/// Decode the argument of protocol 0 `STRING`: a Python repr in single or double quotes.
fn unquote_py_string(line: &str) -> Option<Vec<u8>> {
    let b = line.as_bytes();
    let q = *b.first()?;
    if b.len() < 2 || (q != b'\'' && q != b'"') || b.last() != Some(&q) {
        return None;
    }
    let inner = b.get(1..b.len() - 1)?;
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while let Some(&c) = inner.get(i) {
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = inner.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'0' => out.push(0),
            b'x' => {
                let hex = inner
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// Decode Python's `raw-unicode-escape` (protocol 0 `UNICODE`): only `\uXXXX` and `\UXXXXXXXX`.
fn decode_raw_unicode_escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let width = match chars.peek() {
                Some('u') => 4,
                Some('U') => 8,
                _ => 0,
            };
            if width > 0 {
                let mut probe = chars.clone();
                probe.next();
                let hex: String = probe.by_ref().take(width).collect();
                if hex.len() == width
                    && let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                {
                    out.push(ch);
                    chars = probe;
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
