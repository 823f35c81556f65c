//! Which Python callables are safe in a pickle, which are dangerous and why.
//!
//! Classification is by allow list first-class, not only by deny list: a callable is
//! [`Verdict::Safe`] only when it is on the curated list of what real PyTorch, NumPy,
//! scikit-learn, pandas and standard-library pickles use; [`Verdict::Dangerous`] when it (or the
//! module it lives in) is a known code-execution, process, file, network, import or
//! attribute-access gadget; and [`Verdict::Unknown`] otherwise. Module aliases that re-export the
//! same objects (`posix.system` is `os.system`) are resolved before lookup.

/// What a callable is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// On the allow list.
    Safe,
    /// A gadget; the reason says what it can do.
    Dangerous(&'static str),
    /// Neither: needs review when invoked.
    Unknown,
}

const EXEC: &str = "executes arbitrary Python code";
const PROCESS: &str = "starts processes or runs shell commands";
const FILES: &str = "reads, writes or deletes files";
const NETWORK: &str = "opens network connections";
const IMPORT: &str = "imports arbitrary modules";
const ATTR: &str =
    "reaches arbitrary attributes (a gadget to build any call from harmless-looking pieces)";
const LOADER: &str = "deserialises another payload (a nested, unscanned load)";
const DEBUG: &str = "starts a debugger or interactive interpreter";
const NATIVE: &str = "loads native code or manipulates memory";
const WRAP: &str = "wraps another callable so that it is called later";

/// Modules that are dangerous as a whole (every name in them, and their submodules).
const DENY_MODULES: &[(&str, &str)] = &[
    ("os", PROCESS),
    ("subprocess", PROCESS),
    ("_posixsubprocess", PROCESS),
    ("pty", PROCESS),
    ("popen2", PROCESS),
    ("commands", PROCESS),
    ("multiprocessing", PROCESS),
    ("_winapi", PROCESS),
    ("_subprocess", PROCESS),
    ("asyncio.subprocess", PROCESS),
    ("asyncio.create_subprocess_shell", PROCESS),
    ("asyncio.create_subprocess_exec", PROCESS),
    ("asyncio.unix_events", PROCESS),
    ("asyncio.windows_events", PROCESS),
    ("asyncio.base_events", PROCESS),
    ("signal", PROCESS),
    ("runpy", EXEC),
    ("code", DEBUG),
    ("codeop", EXEC),
    ("pdb", DEBUG),
    ("bdb", DEBUG),
    ("pydoc", PROCESS),
    ("timeit", EXEC),
    ("cProfile", EXEC),
    ("profile", EXEC),
    ("trace", EXEC),
    ("doctest", EXEC),
    ("idlelib", EXEC),
    ("importlib", IMPORT),
    ("imp", IMPORT),
    ("pkgutil", IMPORT),
    ("zipimport", IMPORT),
    ("ctypes", NATIVE),
    ("_ctypes", NATIVE),
    ("cffi", NATIVE),
    ("shutil", FILES),
    ("tempfile", FILES),
    ("glob", FILES),
    ("fileinput", FILES),
    ("shelve", LOADER),
    ("dbm", FILES),
    ("sqlite3", FILES),
    ("tarfile", FILES),
    ("zipfile", FILES),
    ("io", FILES),
    ("_io", FILES),
    ("codecs.open", FILES),
    ("linecache", FILES),
    ("socket", NETWORK),
    ("_socket", NETWORK),
    ("ssl", NETWORK),
    ("http", NETWORK),
    ("httplib", NETWORK),
    ("urllib", NETWORK),
    ("urllib2", NETWORK),
    ("urllib3", NETWORK),
    ("requests", NETWORK),
    ("httpx", NETWORK),
    ("aiohttp", NETWORK),
    ("ftplib", NETWORK),
    ("smtplib", NETWORK),
    ("telnetlib", NETWORK),
    ("xmlrpc", NETWORK),
    ("socketserver", NETWORK),
    ("webbrowser", PROCESS),
    ("pip", PROCESS),
    ("ensurepip", PROCESS),
    ("venv", PROCESS),
    ("distutils", PROCESS),
    ("setuptools", PROCESS),
    ("sys", ATTR),
    ("gc", ATTR),
    ("inspect", ATTR),
    ("marshal", LOADER),
    ("pickle", LOADER),
    ("dill", LOADER),
    ("cloudpickle", LOADER),
    ("joblib.load", LOADER),
    ("joblib.numpy_pickle.load", LOADER),
    ("numpy.load", LOADER),
    ("numpy.lib.npyio", LOADER),
    ("numpy.lib._npyio_impl", LOADER),
    ("numpy.lib.format", LOADER),
    ("numpy.testing", EXEC),
    ("numpy.f2py", PROCESS),
    ("numpy.distutils", PROCESS),
    ("numpy.ctypeslib", NATIVE),
    ("numpy.fromfile", FILES),
    ("numpy.tofile", FILES),
    ("numpy.memmap", FILES),
    ("numpy.DataSource", NETWORK),
    ("numpy.lib.DataSource", NETWORK),
    ("numpy.lib._datasource", NETWORK),
    ("torch.load", LOADER),
    ("torch.serialization", LOADER),
    ("torch.storage._load_from_bytes", LOADER),
    ("torch.hub", NETWORK),
    ("torch.jit.load", LOADER),
    ("torch.package", LOADER),
    ("torch.utils.cpp_extension", NATIVE),
    ("torch.ops.load_library", NATIVE),
    ("torch._dynamo", EXEC),
    ("tensorflow.io", FILES),
    ("tensorflow.keras.models.load_model", LOADER),
    ("keras.models.load_model", LOADER),
    ("keras.saving", LOADER),
    ("pandas.read_pickle", LOADER),
    ("pandas.io", FILES),
    ("pandas.read_csv", FILES),
    ("pandas.eval", EXEC),
    ("pandas.core.computation", EXEC),
    ("yaml.load", LOADER),
    ("yaml.unsafe_load", LOADER),
    ("jinja2", EXEC),
    ("uuid._get_command_stdout", PROCESS),
    ("_osx_support", PROCESS),
    ("_aix_support", PROCESS),
    ("platform.popen", PROCESS),
    ("platform._syscmd_ver", PROCESS),
    ("platform._syscmd_file", PROCESS),
    ("lib2to3.pgen2.grammar", LOADER),
    ("lib2to3.pgen2.pgen", FILES),
    ("logging.config", IMPORT),
    ("test.support", EXEC),
    ("ensurepip", PROCESS),
    ("nturl2path", FILES),
    ("posixpath", FILES),
    ("ntpath", FILES),
    ("pathlib.Path.write_text", FILES),
    ("pathlib.Path.write_bytes", FILES),
    ("pathlib.Path.unlink", FILES),
    ("pathlib.Path.open", FILES),
    ("types", EXEC),
    ("functools.partial", WRAP),
    ("functools.reduce", WRAP),
    ("functools.partialmethod", WRAP),
    ("operator.attrgetter", ATTR),
    ("operator.methodcaller", ATTR),
    ("operator.itemgetter", ATTR),
    ("operator.getitem", ATTR),
    ("operator.setitem", ATTR),
    ("operator.delitem", ATTR),
    ("copyreg.add_extension", IMPORT),
    ("builtins.eval", EXEC),
    ("builtins.exec", EXEC),
    ("builtins.execfile", EXEC),
    ("builtins.compile", EXEC),
    ("builtins.__import__", IMPORT),
    ("builtins.reload", IMPORT),
    ("builtins.breakpoint", DEBUG),
    ("builtins.input", DEBUG),
    ("builtins.raw_input", DEBUG),
    ("builtins.open", FILES),
    ("builtins.file", FILES),
    ("builtins.getattr", ATTR),
    ("builtins.setattr", ATTR),
    ("builtins.delattr", ATTR),
    ("builtins.globals", ATTR),
    ("builtins.locals", ATTR),
    ("builtins.vars", ATTR),
    ("builtins.dir", ATTR),
    ("builtins.apply", WRAP),
    ("builtins.help", PROCESS),
    ("builtins.license", FILES),
    ("builtins.copyright", FILES),
    ("builtins.credits", FILES),
    ("builtins.exit", PROCESS),
    ("builtins.quit", PROCESS),
    ("builtins.memoryview", NATIVE),
    ("builtins.classmethod", WRAP),
    ("builtins.staticmethod", WRAP),
    ("builtins.property", WRAP),
    ("builtins.super", ATTR),
    ("builtins.type", ATTR),
    ("builtins.map", WRAP),
    ("builtins.filter", WRAP),
    ("builtins.sorted", WRAP),
    ("builtins.max", WRAP),
    ("builtins.min", WRAP),
    ("builtins.iter", WRAP),
    ("builtins.next", WRAP),
];

/// Exact callables that real model pickles use and that run no user-chosen code.
const ALLOW: &[&str] = &[
    // builtins and standard-library value types
    "builtins.set",
    "builtins.frozenset",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.int",
    "builtins.float",
    "builtins.complex",
    "builtins.bool",
    "builtins.str",
    "builtins.bytes",
    "builtins.bytearray",
    "builtins.slice",
    "builtins.range",
    "builtins.object",
    "builtins.Ellipsis",
    "builtins.NotImplemented",
    "builtins.unicode",
    "builtins.long",
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "_codecs.encode",
    "codecs.encode",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.Counter",
    "collections.deque",
    "collections.ChainMap",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "pathlib.PosixPath",
    "pathlib.WindowsPath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
    "pathlib.Path",
    "re._compile",
    "enum.Enum",
    "argparse.Namespace",
    // NumPy
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.ma.core._mareconstruct",
    "numpy.ma.core.MaskedArray",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random.mtrand.RandomState",
    "numpy.random.mtrand._rand",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random._philox.Philox",
    "numpy.random._sfc64.SFC64",
    "numpy.random._generator.Generator",
    "numpy.core._multiarray_umath._reconstruct",
    "numpy.core.records.recarray",
    "numpy.core.defchararray.chararray",
    // joblib containers
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle_compat.NDArrayWrapper",
    // PyTorch
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_parameter_v2",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_sparse_csr",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._tensor._rebuild_from_type",
    "torch._tensor._rebuild_from_type_v2",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.storage._TypedStorage",
    "torch.Size",
    "torch.Tensor",
    "torch.device",
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.Buffer",
    "torch.serialization._get_layout",
    "torch.strided",
    "torch.sparse_coo",
    "torch.sparse_csr",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    "torch.contiguous_format",
    "torch.channels_last",
    "torch.preserve_format",
    // pandas
    "pandas.core.indexes.base._new_Index",
    "pandas._libs.internals._unpickle_block",
    "pandas.core.internals.blocks.new_block",
    "pandas.core.internals.blocks._unpickle_block",
    "pandas._libs.tslibs.timestamps._unpickle_timestamp",
    "pandas._libs.tslibs.timedeltas._timedelta_unpickle",
    "pandas._libs.tslibs.nattype.__nat_unpickle",
    "pandas.core.arrays.categorical._recode_for_categories",
    "pandas._libs.arrays.__pyx_unpickle_NDArrayBacked",
    "pandas.core.series.Series",
    "pandas.core.frame.DataFrame",
];

/// PyTorch's storage classes and dtypes, referenced by `GLOBAL torch <name>`.
const TORCH_NAMES: &[&str] = &[
    "FloatStorage",
    "DoubleStorage",
    "HalfStorage",
    "BFloat16Storage",
    "LongStorage",
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "BoolStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
    "QUInt8Storage",
    "QInt8Storage",
    "QInt32Storage",
    "QUInt4x2Storage",
    "QUInt2x4Storage",
    "UntypedStorage",
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "complex64",
    "complex128",
    "float8_e4m3fn",
    "float8_e5m2",
    "qint8",
    "quint8",
    "qint32",
    "half",
    "float",
    "double",
    "long",
    "int",
];

/// Packages whose *classes* (CamelCase names in their modules) are safe to construct: their
/// constructors and `__setstate__` only store parameters. Functions there stay unknown.
const CLASS_PACKAGES: &[&str] = &[
    "sklearn.",
    "scipy.sparse.",
    "pandas.",
    "torch.nn.modules.",
    "torch.optim.",
    "xgboost.",
    "lightgbm.",
    "catboost.",
    "numpy.",
];

/// Module names Python's unpickler maps (`fix_imports`) or that re-export the same objects.
pub fn canonical_module(module: &str) -> &str {
    vouch_pickle::canonical_module(module)
}

/// Classify a dotted callable path (`module.name`, module part possibly an alias).
pub fn classify(path: &str) -> Verdict {
    let path = canonical_path(path);
    let path = path.as_str();
    // Dunder attribute walks reach anything (`x.__globals__['os']`, `__class__.__mro__` ...).
    let walks_dunder = path.split('.').skip(1).any(|part| {
        part.starts_with("__")
            && part.ends_with("__")
            && !matches!(
                part,
                "__newobj__"
                    | "__newobj_ex__"
                    | "__randomstate_ctor"
                    | "__generator_ctor"
                    | "__bit_generator_ctor"
            )
            && part.len() > 4
    });
    if walks_dunder {
        return Verdict::Dangerous(ATTR);
    }
    if let Some(reason) = deny_reason(path) {
        return Verdict::Dangerous(reason);
    }
    if allow_set().contains(path) {
        return Verdict::Safe;
    }
    if let Some(name) = path.strip_prefix("torch.")
        && TORCH_NAMES.contains(&name)
    {
        return Verdict::Safe;
    }
    let (module, name) = path.rsplit_once('.').unwrap_or(("", path));
    let is_class = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if is_class
        && !module.split('.').any(|m| m == "io" || m.contains("test"))
        && CLASS_PACKAGES.iter().any(|p| path.starts_with(p))
    {
        return Verdict::Safe;
    }
    Verdict::Unknown
}

/// Python 2 names that Python 3's unpickler maps (`_compat_pickle.NAME_MAPPING`) onto others.
fn py2_name(path: &str) -> Option<&'static str> {
    Some(match path {
        "builtins.xrange" => "builtins.range",
        "builtins.unicode" => "builtins.str",
        "builtins.basestring" => "builtins.str",
        "builtins.long" => "builtins.int",
        "builtins.unichr" => "builtins.chr",
        "builtins.reduce" => "functools.reduce",
        "builtins.intern" => "sys.intern",
        "builtins.raw_input" => "builtins.input",
        "itertools.izip" => "builtins.zip",
        "itertools.imap" => "builtins.map",
        "itertools.ifilter" => "builtins.filter",
        "UserDict.UserDict" => "collections.UserDict",
        "UserList.UserList" => "collections.UserList",
        "UserString.UserString" => "collections.UserString",
        _ => return None,
    })
}

fn canonical_path(path: &str) -> String {
    let path = canonical_modules(path);
    match py2_name(&path) {
        Some(p) => p.to_owned(),
        None => path,
    }
}

fn canonical_modules(path: &str) -> String {
    // The longest known alias prefix wins; aliases are whole module names.
    let mut best: Option<(usize, &str)> = None;
    for (i, _) in path
        .match_indices('.')
        .chain(std::iter::once((path.len(), "")))
    {
        let module = &path[..i];
        let canon = canonical_module(module);
        if canon != module {
            best = Some((i, canon));
        }
    }
    match best {
        Some((i, canon)) => format!("{canon}{}", &path[i..]),
        None => path.to_owned(),
    }
}

fn deny_reason(path: &str) -> Option<&'static str> {
    // Match the path itself, then each shorter dotted prefix, against the deny list.
    let deny = deny_map();
    if let Some(r) = deny.get(path) {
        return Some(r);
    }
    path.rmatch_indices('.')
        .find_map(|(i, _)| deny.get(&path[..i]).copied())
}

fn allow_set() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| ALLOW.iter().copied().collect());
    &SET
}

fn deny_map() -> &'static std::collections::HashMap<&'static str, &'static str> {
    static MAP: std::sync::LazyLock<std::collections::HashMap<&'static str, &'static str>> =
        std::sync::LazyLock::new(|| DENY_MODULES.iter().rev().copied().collect());
    &MAP
}

/// Every deny-list entry, for documentation and tests.
pub fn deny_list() -> impl Iterator<Item = (&'static str, &'static str)> {
    DENY_MODULES.iter().copied()
}

/// Every exact allow-list entry, for documentation and tests.
pub fn allow_list() -> impl Iterator<Item = &'static str> {
    ALLOW.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_gadgets_are_dangerous() {
        for p in [
            "builtins.eval",
            "builtins.exec",
            "builtins.compile",
            "builtins.__import__",
            "builtins.getattr",
            "__builtin__.eval",
            "operator.attrgetter",
            "_operator.methodcaller",
            "functools.partial",
            "os.system",
            "posix.system",
            "nt.system",
            "os.popen",
            "os.execv",
            "subprocess.Popen",
            "subprocess.check_output",
            "pty.spawn",
            "runpy._run_code",
            "pip.main",
            "pip._internal.main",
            "code.InteractiveInterpreter",
            "pdb.Pdb",
            "bdb.Bdb",
            "pydoc.pipepager",
            "timeit.timeit",
            "cProfile.run",
            "profile.run",
            "importlib.import_module",
            "ctypes.CDLL",
            "shutil.rmtree",
            "socket.create_connection",
            "webbrowser.open",
            "asyncio.subprocess.create_subprocess_shell",
            "torch.load",
            "torch.serialization._load_from_bytes",
            "torch.storage._load_from_bytes",
            "numpy.load",
            "numpy.lib.npyio.load",
            "numpy.testing._private.utils.runstring",
            "pickle.loads",
            "_pickle.loads",
            "marshal.loads",
            "sys.modules",
            "torch._utils._rebuild_tensor_v2.__globals__",
        ] {
            assert!(
                matches!(classify(p), Verdict::Dangerous(_)),
                "{p} should be dangerous"
            );
        }
    }

    #[test]
    fn real_model_callables_are_safe() {
        for p in [
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch.FloatStorage",
            "torch.BFloat16Storage",
            "torch.float16",
            "numpy.core.multiarray._reconstruct",
            "numpy._core.multiarray._reconstruct",
            "numpy.dtype",
            "numpy.ndarray",
            "copy_reg._reconstructor",
            "__builtin__.set",
            "_codecs.encode",
            "sklearn.linear_model._logistic.LogisticRegression",
            "sklearn.tree._tree.Tree",
            "sklearn.ensemble._forest.RandomForestClassifier",
            "joblib.numpy_pickle.NumpyArrayWrapper",
            "numpy.random._pickle.__randomstate_ctor",
            "pandas.core.frame.DataFrame",
            "torch.nn.modules.linear.Linear",
        ] {
            assert_eq!(classify(p), Verdict::Safe, "{p} should be safe");
        }
    }

    #[test]
    fn everything_else_is_unknown() {
        for p in [
            "mypkg.helpers.make_thing",
            "sklearn.utils.some_function",
            "numpy.save",
            "<dynamic>",
            "torch.nn.functional.relu",
        ] {
            assert_eq!(classify(p), Verdict::Unknown, "{p} should be unknown");
        }
    }

    #[test]
    fn allow_and_deny_lists_do_not_overlap() {
        // Exact allow entries may carve exceptions out of a module-wide deny, never out of an
        // exact deny entry.
        for a in allow_list() {
            let canon = canonical_path(a);
            assert!(deny_list().all(|(d, _)| d != canon), "{a} is on both lists");
        }
    }
}
