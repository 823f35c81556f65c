//! A symbolic Python pickle virtual machine.
//!
//! [`scan`] interprets every opcode of pickle protocols 0 to 5 over symbolic values: it never
//! imports a module or calls a function. It records which globals a stream references and
//! which callables the real unpickler would invoke (`REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `INST`,
//! `OBJ`, and `BUILD` through a planted `__setstate__`), following values through the memo and
//! the stack so that chains like `getattr(__import__('os'), 'system')` resolve to the callable
//! they become. It describes; it does not judge: severities live in `vouch-scan`.
//!
//! Every input is hostile. Reads are bounded by [`vouch_core::Limits`]; declared lengths are
//! never trusted for allocation; a hit limit or a broken stream ends the scan with what was
//! learned so far recorded in the [`Trace`].

#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod opcodes;
mod trace;
mod vm;

pub use opcodes::{is_opcode, opcode_info, opcode_name};
pub use trace::{Call, CallKind, GlobalRef, LimitHit, Malformed, RefKind, Trace};
pub use vm::{Options, canonical_module, scan, scan_bytes};
