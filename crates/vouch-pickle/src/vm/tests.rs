//! Opcode-level tests: hand-assembled pickles, one behaviour each.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::trace::{CallKind, RefKind};

fn run(data: &[u8]) -> Trace {
    scan_bytes(data, &Options::default())
}

fn with_limits(data: &[u8], f: impl FnOnce(&mut Limits)) -> Trace {
    let mut opts = Options::default();
    f(&mut opts.limits);
    scan_bytes(data, &opts)
}

fn callables(t: &Trace) -> Vec<&str> {
    t.calls.iter().map(|c| c.callable.as_str()).collect()
}

/// SHORT_BINUNICODE of `s`.
fn su(s: &str) -> Vec<u8> {
    let mut v = vec![0x8c, s.len() as u8];
    v.extend_from_slice(s.as_bytes());
    v
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn protocol0_global_reduce_is_a_call() {
    let t = run(b"cos\nsystem\n(S'true'\ntR.");
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert_eq!(t.globals.len(), 1);
    assert_eq!(t.globals[0].path(), "os.system");
    assert_eq!(t.globals[0].kind, RefKind::Global);
    assert_eq!(t.calls.len(), 1);
    assert_eq!(t.calls[0].callable, "os.system");
    assert_eq!(t.calls[0].args, vec!["b\"true\"".to_string()]);
    assert_eq!(t.calls[0].kind, CallKind::Reduce);
    assert_eq!(t.calls[0].offset, 21);
}

#[test]
fn posix_and_builtin_aliases_resolve() {
    let t = run(b"cposix\nsystem\n(Vtrue\ntR.");
    assert_eq!(callables(&t), ["os.system"]);
    let t = run(b"c__builtin__\neval\n(V1\ntR.");
    assert_eq!(callables(&t), ["builtins.eval"]);
}

#[test]
fn stack_global_with_names_from_the_memo() {
    // "os" and "system" memoised, fetched back with BINGET, then STACK_GLOBAL + TUPLE1 + REDUCE.
    let data = cat(&[
        b"\x80\x04",
        &su("os"),
        b"\x94",
        &su("system"),
        b"\x94",
        b"00", // pop both
        b"h\x00h\x01\x93",
        &su("true"),
        b"\x85R.",
    ]);
    let t = run(&data);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert_eq!(t.protocol, Some(4));
    assert_eq!(t.globals[0].kind, RefKind::StackGlobal);
    assert_eq!(callables(&t), ["os.system"]);
    assert_eq!(t.calls[0].args, vec!["\"true\"".to_string()]);
}

#[test]
fn getattr_import_chain_resolves_to_the_call_it_becomes() {
    // getattr(__import__('os'), 'system')('true')
    let data = cat(&[
        b"\x80\x04",
        &su("builtins"),
        &su("getattr"),
        b"\x93",
        &su("builtins"),
        &su("__import__"),
        b"\x93",
        &su("os"),
        b"\x85R",
        &su("system"),
        b"\x86R",
        &su("true"),
        b"\x85R.",
    ]);
    let t = run(&data);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    let c = callables(&t);
    assert_eq!(c, ["builtins.__import__", "builtins.getattr", "os.system"]);
    assert_eq!(
        t.calls[2].via,
        vec!["builtins.getattr", "builtins.__import__"]
    );
}

#[test]
fn attrgetter_and_methodcaller_wrappers() {
    // methodcaller('system', 'true')(__import__('os'))
    let data = cat(&[
        b"\x80\x04",
        &su("operator"),
        &su("methodcaller"),
        b"\x93",
        &su("system"),
        &su("true"),
        b"\x86R",
        &su("builtins"),
        &su("__import__"),
        b"\x93",
        &su("os"),
        b"\x85R\x85R.",
    ]);
    let t = run(&data);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert!(callables(&t).contains(&"os.system"), "{:?}", t.calls);
    let wrapped = t
        .calls
        .iter()
        .find(|c| c.callable == "os.system")
        .map(|c| c.kind);
    assert_eq!(wrapped, Some(CallKind::Wrapped));

    // attrgetter('system')(os_module)(...) : the getter yields os.system, then REDUCE calls it.
    let data = cat(&[
        b"\x80\x04",
        &su("_operator"),
        &su("attrgetter"),
        b"\x93",
        &su("system"),
        b"\x85R",
        &su("importlib"),
        &su("import_module"),
        b"\x93",
        &su("os"),
        b"\x85R\x85R",
        &su("true"),
        b"\x85R.",
    ]);
    let t = run(&data);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert_eq!(
        t.calls.last().map(|c| c.callable.as_str()),
        Some("os.system")
    );
}

#[test]
fn partial_calls_its_inner_callable() {
    let data = cat(&[
        b"\x80\x04",
        &su("functools"),
        &su("partial"),
        b"\x93",
        &su("subprocess"),
        &su("call"),
        b"\x93",
        &su("true"),
        b"\x86R)R.",
    ]);
    let t = run(&data);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert!(callables(&t).contains(&"subprocess.call"), "{:?}", t.calls);
}

#[test]
fn inst_obj_newobj_newobj_ex_are_calls() {
    let t = run(b"(S'true'\nios\nsystem\n.");
    assert_eq!(t.calls[0].kind, CallKind::Inst);
    assert_eq!(t.globals[0].kind, RefKind::Inst);
    assert_eq!(callables(&t), ["os.system"]);

    let t = run(b"(cos\nsystem\nS'true'\no.");
    assert_eq!(t.calls[0].kind, CallKind::Obj);
    assert_eq!(callables(&t), ["os.system"]);

    let t = run(b"\x80\x02csubprocess\nPopen\n]\x85\x81.");
    assert_eq!(t.calls[0].kind, CallKind::NewObj);
    assert_eq!(callables(&t), ["subprocess.Popen"]);

    let t = run(b"\x80\x04csubprocess\nPopen\n)}\x92.");
    assert_eq!(t.calls[0].kind, CallKind::NewObjEx);
}

#[test]
fn build_with_planted_setstate_invokes_it() {
    // obj = collections.OrderedDict(); BUILD {'__setstate__': os.system}; BUILD 'true'
    let t = run(b"\x80\x02ccollections\nOrderedDict\n)R}X\x0c\x00\x00\x00__setstate__cos\nsystem\nsbX\x04\x00\x00\x00trueb.");
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    let c: Vec<_> = t
        .calls
        .iter()
        .map(|c| (c.callable.as_str(), c.kind))
        .collect();
    assert_eq!(
        c,
        [
            ("collections.OrderedDict", CallKind::Reduce),
            ("os.system", CallKind::BuildSetstate)
        ]
    );
}

#[test]
fn ext_codes_are_recorded_and_unregistered_by_default() {
    let t = run(b"\x80\x02\x82\x01(X\x04\x00\x00\x00truetR.");
    assert_eq!(t.extensions, vec![(1, 2)]);
    assert_eq!(callables(&t), ["copyreg-extension.1"]);
    let t = run(b"\x80\x02\x83\x01\x01)R.");
    assert_eq!(t.extensions[0].0, 257);
    let t = run(b"\x80\x02\x84\x01\x00\x01\x00)R.");
    assert_eq!(t.extensions[0].0, 65537);

    let opts = Options {
        extensions: vec![(7, "os".into(), "system".into())],
        ..Options::default()
    };
    let t = scan_bytes(b"\x80\x02\x82\x07)R.", &opts);
    assert_eq!(callables(&t), ["os.system"]);
}

#[test]
fn persistent_ids_and_torch_style_rebuild() {
    let data = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR.";
    let t = run(data);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert_eq!(t.persistent_ids, 1);
    assert_eq!(
        callables(&t),
        ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2"]
    );
    let t = run(b"P0\n.");
    assert_eq!(t.persistent_ids, 1);
}

#[test]
fn every_scalar_and_container_opcode() {
    // protocol 0 text opcodes
    let t = run(
        b"(I01\nI00\nI42\nI123456789012345678901234567890\nL5L\nF1.5\nS'a\\x41'\nVcaf\\u00e9\nNl.",
    );
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    // binary ints, floats, strings, bytes
    let mut d =
        b"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00(J\xff\xff\xff\xffK\x01M\x00\x01".to_vec();
    d.extend_from_slice(b"\x8a\x02\x00\x01\x8b\x01\x00\x00\x00\x7fG?\xf0\x00\x00\x00\x00\x00\x00");
    d.extend_from_slice(
        b"T\x01\x00\x00\x00aU\x01bX\x01\x00\x00\x00c\x8d\x01\x00\x00\x00\x00\x00\x00\x00d",
    );
    d.extend_from_slice(b"B\x01\x00\x00\x00eC\x01f\x8e\x01\x00\x00\x00\x00\x00\x00\x00g\x96\x01\x00\x00\x00\x00\x00\x00\x00h");
    d.extend_from_slice(b"\x88\x89N)\x8f(K\x01\x90(K\x02\x91t.");
    let t = run(&d);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert_eq!(t.protocol, Some(5));
    // lists, dicts, memo, DUP, POP, POP_MARK
    let t = run(b"\x80\x02]q\x00(K\x01K\x02eK\x03a}q\x01(K\x01K\x02uK\x03K\x04sh\x00j\x01\x00\x00\x00r\x02\x00\x00\x002002(K\x051(K\x01K\x02d0.");
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    let t = run(b"(lp0\nI1\naI2\nag0\n(dp1\nS'k'\np2\nI3\nsa.");
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    let t = run(b"\x80\x02K\x01K\x02\x86K\x03K\x04\x87.");
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
}

#[test]
fn out_of_band_buffers() {
    let t = run(b"\x80\x05\x97\x98.");
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert_eq!(t.out_of_band_buffers, 1);
}

#[test]
fn several_pickles_in_one_stream_are_all_scanned() {
    let t = run(b"\x80\x02K\x01.\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.");
    assert_eq!(t.pickles, 2);
    assert_eq!(callables(&t), ["os.system"]);
    assert!(t.malformed.is_none() && t.trailing_data.is_none());
}

#[test]
fn trailing_garbage_after_stop_is_noted() {
    let t = run(b"K\x01.\xff\xfe");
    assert_eq!(t.trailing_data, Some(3));
    assert!(t.malformed.is_none());
}

#[test]
fn truncated_after_payload_keeps_the_call() {
    let t = run(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R");
    assert_eq!(callables(&t), ["os.system"]);
    let m = t
        .malformed
        .as_ref()
        .map(|m| m.detail.as_str())
        .unwrap_or("");
    assert!(m.contains("truncated"), "{m}");
}

#[test]
fn invalid_opcode_after_payload_keeps_the_call() {
    let t = run(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R\xff.");
    assert_eq!(callables(&t), ["os.system"]);
    let m = t.malformed.as_ref().expect("malformed");
    assert!(m.detail.contains("invalid opcode 0xff"), "{}", m.detail);
    assert_eq!(m.pickle, 0);
}

#[test]
fn stack_underflow_and_missing_mark_are_malformed() {
    assert!(run(b"R.").malformed.is_some());
    assert!(run(b"t.").malformed.is_some());
    assert!(
        run(b"K\x01(0R.").malformed.is_some(),
        "POP of a mark cannot expose values below it"
    );
    assert!(run(b"h\x05.").malformed.is_some());
    assert!(run(b"\x80\x09.").malformed.is_some());
    assert!(
        run(b"").malformed.is_none(),
        "an empty stream holds no pickle"
    );
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    // BINBYTES8 claiming 2^62 bytes: must fail as truncated or limited, fast, without allocating.
    let t = run(b"\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x40.");
    assert!(t.malformed.is_some() || t.limit.is_some());
    let t = run(b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xff.");
    assert!(t.malformed.is_some() || t.limit.is_some());
    let t = run(b"\x8b\xff\xff\xff\x7f");
    assert!(t.malformed.is_some() || t.limit.is_some());
}

#[test]
fn long_strings_are_truncated_but_skipped_exactly() {
    let mut d = b"\x80\x04cos\nsystem\nX\x00\x00\x01\x00".to_vec();
    d.extend(std::iter::repeat_n(b'a', 0x10000));
    d.extend_from_slice(b"\x85R.");
    let t = run(&d);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert_eq!(callables(&t), ["os.system"]);
    assert!(t.calls[0].args[0].len() <= RENDER_MAX + 4);
}

#[test]
fn limits_stop_the_vm_and_keep_what_was_learned() {
    let mut d = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R".to_vec();
    d.extend(std::iter::repeat_n(b'N', 1000));
    let t = with_limits(&d, |l| l.max_opcodes = 100);
    assert_eq!(t.limit.as_ref().map(|l| l.limit), Some("max_opcodes"));
    assert_eq!(callables(&t), ["os.system"]);

    let t = with_limits(&d, |l| l.max_stack = 50);
    assert_eq!(t.limit.as_ref().map(|l| l.limit), Some("max_stack"));

    let mut d = b"\x80\x04".to_vec();
    for _ in 0..100 {
        d.extend_from_slice(b"N\x94");
    }
    let t = with_limits(&d, |l| l.max_memo = 10);
    assert_eq!(t.limit.as_ref().map(|l| l.limit), Some("max_memo"));

    let t = with_limits(b"X\x00\x00\x10\x00", |l| l.max_pickle_bytes = 1000);
    assert_eq!(t.limit.as_ref().map(|l| l.limit), Some("max_pickle_bytes"));

    let mut d = Vec::new();
    for _ in 0..20 {
        d.extend_from_slice(b"K\x01.");
    }
    let t = with_limits(&d, |l| l.max_pickles_per_stream = 5);
    assert_eq!(
        t.limit.as_ref().map(|l| l.limit),
        Some("max_pickles_per_stream")
    );
}

#[test]
fn self_referencing_and_deep_nesting_cost_no_recursion() {
    // l = []; l.append(l) a million times deep via the memo, then render it as a call argument.
    let mut d = b"\x80\x04]\x94".to_vec();
    for _ in 0..200_000 {
        d.extend_from_slice(b"]h\x00a\x94");
    }
    d.extend_from_slice(b"0cos\nsystem\nh\x00\x85R.");
    let t = run(&d);
    assert!(t.malformed.is_none() || t.limit.is_some());
}

#[test]
fn torch_legacy_stream_stops_after_five_pickles() {
    let mut d = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.".to_vec();
    d.extend_from_slice(b"\x80\x02M\xe9\x03.");
    d.extend_from_slice(b"\x80\x02}.");
    d.extend_from_slice(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.");
    d.extend_from_slice(b"\x80\x02]X\x01\x00\x00\x000a.");
    d.extend_from_slice(&[0x52, 0xff, 0x00, 0x01, 0x02]); // raw storage bytes
    let t = run(&d);
    assert!(t.torch_legacy);
    assert_eq!(t.pickles, 5);
    assert!(t.malformed.is_none() && t.trailing_data.is_none());
    assert_eq!(callables(&t), ["os.system"]);
}

#[test]
fn joblib_inline_arrays_are_skipped_and_object_arrays_scanned() {
    // NumpyArrayWrapper(...) BUILD {dtype: dtype('f8') with state, shape: (2,), numpy_array_alignment_bytes: 16}
    let head = b"\x80\x04cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(X\x05\x00\x00\x00dtypecnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tbX\x05\x00\x00\x00shapeK\x02\x85X\x1b\x00\x00\x00numpy_array_alignment_bytesK\x10ub";
    let mut d = head.to_vec();
    d.push(3); // padding length
    d.extend_from_slice(&[0xff; 3]);
    d.extend_from_slice(&[0x52; 16]); // 2 x f8 of raw bytes that are not opcodes
    d.push(b'.');
    let opts = Options {
        joblib: true,
        ..Options::default()
    };
    let t = scan_bytes(&d, &opts);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert_eq!(t.joblib_arrays, 1);

    // Object dtype: a nested pickle follows inline and is scanned.
    let head = b"\x80\x04cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(X\x05\x00\x00\x00dtypecnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tbX\x05\x00\x00\x00shapeK\x01\x85ub";
    let mut d = head.to_vec();
    d.extend_from_slice(b"\x80\x04cos\nsystem\nX\x04\x00\x00\x00true\x85R.");
    d.push(b'.');
    let t = scan_bytes(&d, &opts);
    assert!(t.malformed.is_none(), "{:?}", t.malformed);
    assert!(callables(&t).contains(&"os.system"));
}

#[test]
fn helpers_decode_python_literals() {
    assert_eq!(unquote_py_string("'a\\x41\\n'"), Some(b"aA\n".to_vec()));
    assert_eq!(unquote_py_string("\"x\""), Some(b"x".to_vec()));
    assert_eq!(unquote_py_string("x"), None);
    assert_eq!(
        decode_raw_unicode_escape("caf\\u00e9 \\U0001F600"),
        "café 😀"
    );
    assert_eq!(decode_raw_unicode_escape("\\u12"), "\\u12");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn never_panics_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut opts = Options::default();
            opts.limits.max_opcodes = 10_000;
            opts.joblib = true;
            let _ = scan_bytes(&data, &opts);
        }

        #[test]
        fn never_panics_on_opcode_soup(ops in proptest::collection::vec(prop_oneof![
            Just(b'('), Just(b'.'), Just(b'0'), Just(b'1'), Just(b'2'), Just(b'N'), Just(b'R'), Just(b'a'),
            Just(b'b'), Just(b'e'), Just(b's'), Just(b'u'), Just(b't'), Just(b'l'), Just(b'd'), Just(b'o'),
            Just(b')'), Just(b']'), Just(b'}'), Just(0x81u8), Just(0x85), Just(0x86), Just(0x87), Just(0x88),
            Just(0x8f), Just(0x90), Just(0x91), Just(0x92), Just(0x93), Just(0x94), Just(0x97), Just(0x98),
            Just(b'h'), Just(0), Just(1), Just(b'K'),
        ], 0..400)) {
            let _ = run(&ops);
        }
    }
}
