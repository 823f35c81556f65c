//! What the symbolic VM learned about a pickle stream: the facts, not a verdict.

use serde::Serialize;

/// How a callable came to be invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallKind {
    /// `REDUCE`: `callable(*args)`.
    Reduce,
    /// `NEWOBJ`: `cls.__new__(cls, *args)`.
    NewObj,
    /// `NEWOBJ_EX`: `cls.__new__(cls, *args, **kwargs)`.
    NewObjEx,
    /// `INST`: `module.name(*args)` (protocol 0).
    Inst,
    /// `OBJ`: `cls(*args)` (protocol 1).
    Obj,
    /// `BUILD` on an object whose `__setstate__` was replaced by an earlier `BUILD`.
    BuildSetstate,
    /// A wrapper (`methodcaller`, `partial`) that calls another callable when it is called.
    Wrapped,
}

/// Which opcode referenced a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefKind {
    /// `GLOBAL` (`c`).
    Global,
    /// `STACK_GLOBAL` with module and name strings from the stack or memo.
    StackGlobal,
    /// `INST` (`i`).
    Inst,
}

/// A reference to a Python global (`module.name`), which the loader imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlobalRef {
    /// Module as written in the pickle.
    pub module: String,
    /// Name as written (may be dotted from protocol 4 on).
    pub name: String,
    /// Byte offset of the opcode in the stream.
    pub offset: u64,
    /// The opcode that referenced it.
    pub kind: RefKind,
}

impl GlobalRef {
    /// `module.name`.
    pub fn path(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// A callable the loader invokes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    /// The callable, resolved as far as the stream allows (`os.system`), or `<dynamic>`.
    pub callable: String,
    /// Gadgets the callable was reached through, outermost first (`builtins.getattr`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    /// Symbolic rendering of the positional arguments.
    pub args: Vec<String>,
    /// How it is invoked.
    pub kind: CallKind,
    /// Byte offset of the invoking opcode.
    pub offset: u64,
}

/// A limit of [`vouch_core::Limits`] that stopped the VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitHit {
    /// Which limit (`max_opcodes`, `max_memo`, ...).
    pub limit: &'static str,
    /// Its value.
    pub value: u64,
    /// Offset at which it was hit.
    pub offset: u64,
}

/// Why a pickle could not be read to its `STOP`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Malformed {
    /// What went wrong, e.g. `invalid opcode 0xff`, `stream ends inside BINUNICODE`.
    pub detail: String,
    /// Offset of the offending opcode.
    pub offset: u64,
    /// Index of the pickle in the stream (0-based).
    pub pickle: usize,
}

/// Everything the VM learned from one stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Trace {
    /// Pickles parsed (including a broken last one).
    pub pickles: usize,
    /// Highest `PROTO` seen.
    pub protocol: Option<u8>,
    /// Opcodes executed.
    pub opcodes: u64,
    /// Bytes of the stream consumed by pickles.
    pub bytes: u64,
    /// Every global reference, in stream order.
    pub globals: Vec<GlobalRef>,
    /// Every invocation, in stream order.
    pub calls: Vec<Call>,
    /// `EXT1/EXT2/EXT4` codes used (the default copyreg registry is empty).
    pub extensions: Vec<(i64, u64)>,
    /// Persistent ids (`PERSID`, `BINPERSID`) seen.
    pub persistent_ids: u64,
    /// Out-of-band buffers (`NEXT_BUFFER`) requested.
    pub out_of_band_buffers: u64,
    /// The stream broke before a `STOP`.
    pub malformed: Option<Malformed>,
    /// A limit stopped the VM.
    pub limit: Option<LimitHit>,
    /// Non-pickle bytes after the last complete pickle, at this offset.
    pub trailing_data: Option<u64>,
    /// The stream is PyTorch's legacy (non-zip) serialization: its magic number came first.
    pub torch_legacy: bool,
    /// joblib array bodies skipped (the bytes between pickle opcodes that joblib reads raw).
    pub joblib_arrays: u64,
}
