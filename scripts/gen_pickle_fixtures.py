#!/usr/bin/env python3
"""Generate vouch's deterministic pickle test corpus.

Usage:
    python3 scripts/gen_pickle_fixtures.py crates/vouch-scan/tests/fixtures/pickle

Writes benign and malicious pickle-based model files plus OUTDIR/manifest.json, a list of
    {"path": ..., "expect": "clean"|"medium"|"high"|"critical", "rules": [...], "why": "..."}
where `expect` is the highest severity vouch must report for the file ("clean" = nothing at
medium or above) and `rules` are rule codes that must appear among its findings. One entry
also carries "status": "skipped" (a non-model file with a model extension).

Safety: every payload is harmless if someone does load it (`os.system("true")`,
`builtins.eval("1+1")`, `subprocess.call(["true"])`, ...) and this script never unpickles
anything: payloads are produced by *pickling* stand-in objects (see `standin`) or written
opcode by opcode, and checked only with `pickletools` (a static disassembler).

Determinism: the same bytes on every run for the same package versions (see
scripts/requirements-test.txt). Hash seed and BLAS/OpenMP threads are fixed by re-executing
the interpreter; zip, tar, gzip and 7z timestamps are fixed; random data uses fixed seeds.

Idempotent: the directories listed in OWNED_DIRS and manifest.json are deleted and rebuilt;
anything else in OUTDIR (README.md) is left alone.
"""

import os
import sys

# Fix hash randomisation (set/frozenset order) and thread counts (float reductions) before
# anything else is imported.
_ENV_FIX = {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1"}
if __name__ == "__main__" and any(os.environ.get(k) != v for k, v in _ENV_FIX.items()):
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **_ENV_FIX})

import bz2
import calendar
import collections
import contextlib
import copyreg
import datetime
import decimal
import fractions
import gzip
import hashlib
import io
import json
import lzma
import pickle
import pickletools
import shutil
import struct
import tarfile
import tempfile
import time
import types
import uuid
import zipfile
from pathlib import Path

import joblib
import numpy as np
import py7zr
import py7zr.helpers

try:
    import pandas as pd
except ImportError:  # optional; the committed corpus was made with pandas installed
    pd = None

REPO = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO / "scripts" / "requirements-test.txt"

FIXED_DATE_TIME = (2024, 1, 1, 0, 0, 0)  # zip
FIXED_EPOCH = calendar.timegm((2024, 1, 1, 0, 0, 0))  # tar, 7z

OWNED_DIRS = ["benign", "callables", "routes", "chained", "referenced", "unknown", "hidden",
              "broken", "archive", "skipped"]

CRIT = "pickle.dangerous-callable"
IMPORT = "pickle.dangerous-import"
UNKNOWN = "pickle.unknown-callable"
MALFORMED = "pickle.malformed"
EXTENSION = "pickle.extension-code"
TRAVERSAL = "archive.path-traversal"
BOMB = "archive.bomb"
CORRUPT = "archive.corrupt"

# ---------------------------------------------------------------------------------------------
# Stand-ins: objects that pickle as `module.name` without us importing or touching the real thing.
#
# pickle writes a function or class as GLOBAL/STACK_GLOBAL `obj.__module__ obj.__qualname__` after
# checking that `sys.modules[module].<qualname> is obj`. A stand-in is a harmless function (it
# raises if called) or an empty class carrying the wanted names; while a dump runs, `installed()`
# puts a proxy module into sys.modules that returns the stand-in for that name and forwards every
# other attribute to the real module (if there is one). Nothing is executed, nothing is loaded.
# ---------------------------------------------------------------------------------------------


class _ProxyModule(types.ModuleType):
    def __init__(self, name, real):
        super().__init__(name)
        self.__dict__["_vouch_real"] = real

    def __getattr__(self, attr):
        real = self.__dict__.get("_vouch_real")
        if real is None:
            raise AttributeError(attr)
        return getattr(real, attr)


_STANDINS = {}  # (module, name) -> object


def standin(module, name, kind="function", attrs=None):
    """A harmless object that pickles as the global `module.name`."""
    key = (module, name)
    if key in _STANDINS:
        return _STANDINS[key]
    if kind == "class":
        obj = type(name, (object,), dict(attrs or {}))
    else:
        def obj(*args, **kwargs):
            raise RuntimeError("vouch fixture stand-in must never be called")
        obj.__name__ = name
    obj.__qualname__ = name
    obj.__module__ = module
    _STANDINS[key] = obj
    return obj


@contextlib.contextmanager
def installed(*objs):
    """Make the given stand-ins resolvable by pickle for the duration of the block."""
    by_module = collections.defaultdict(dict)
    for obj in objs:
        by_module[obj.__module__][obj.__qualname__] = obj
    # parents of dotted modules must exist too (torch for torch._utils)
    for module in list(by_module):
        parts = module.split(".")
        for i in range(1, len(parts)):
            by_module.setdefault(".".join(parts[:i]), {})
    missing = object()
    saved = {}
    try:
        for module, names in by_module.items():
            saved[module] = sys.modules.get(module, missing)
            real = None if saved[module] is missing else saved[module]
            proxy = _ProxyModule(module, real)
            for name, obj in names.items():
                proxy.__dict__[name] = obj
            sys.modules[module] = proxy
        yield
    finally:
        for module, old in saved.items():
            if old is missing:
                sys.modules.pop(module, None)
            else:
                sys.modules[module] = old


class Call:
    """Pickles as `fn(*args)`: what a malicious `__reduce__` returns. Never executed here."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def payload(module="os", name="system", *args):
    """A Call object for a harmless command, e.g. os.system("true")."""
    return Call(standin(module, name), *(args or ("true",)))


def dumps(obj, protocol, *standins, **kwargs):
    with installed(*standins):
        return pickle.dumps(obj, protocol=protocol, **kwargs)


# ---------------------------------------------------------------------------------------------
# A tiny assembler for hand-written opcode streams.
# ---------------------------------------------------------------------------------------------

MARK, STOP, POP, DUP = b"(", b".", b"0", b"2"
REDUCE, BUILD, INST_, OBJ, NEWOBJ, NEWOBJ_EX = b"R", b"b", b"i", b"o", b"\x81", b"\x92"
TUPLE, TUPLE1, TUPLE2, TUPLE3, EMPTY_TUPLE = b"t", b"\x85", b"\x86", b"\x87", b")"
EMPTY_DICT, EMPTY_LIST, SETITEM, APPEND, APPENDS = b"}", b"]", b"s", b"a", b"e"
NONE, NEWTRUE, MEMOIZE, STACK_GLOBAL = b"N", b"\x88", b"\x94", b"\x93"


def PROTO(n):
    return b"\x80" + bytes([n])


def GLOBAL(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def INST(module, name):
    return INST_ + module.encode() + b"\n" + name.encode() + b"\n"


def STRING(s):  # protocol 0 text string
    return b"S" + repr(s).encode("ascii") + b"\n"


def BINUNICODE(s):
    b = s.encode("utf-8")
    return b"X" + struct.pack("<I", len(b)) + b


def SHORT_BINUNICODE(s):
    b = s.encode("utf-8")
    assert len(b) < 256
    return b"\x8c" + bytes([len(b)]) + b


def BININT(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if 0 <= n < 65536:
        return b"M" + struct.pack("<H", n)
    return b"J" + struct.pack("<i", n)


def BINPUT(i):
    return b"q" + bytes([i])


def BINGET(i):
    return b"h" + bytes([i])


def LONG_BINGET(i):
    return b"j" + struct.pack("<I", i)


def asm(*parts):
    return b"".join(parts)


# ---------------------------------------------------------------------------------------------
# Static checks (pickletools only -- nothing is ever unpickled).
# ---------------------------------------------------------------------------------------------


def check_pickle_stream(data, count=1):
    """Assert `data` is exactly `count` well-formed pickles (stack/memo/mark checked by pickletools)."""
    f = io.BytesIO(data)
    for _ in range(count):
        pickletools.dis(f, out=io.StringIO())
    assert f.read() == b"", "trailing bytes after the last pickle"


def opcodes(data):
    names = set()
    f = io.BytesIO(data)
    while f.tell() < len(data):
        for op, _arg, _pos in pickletools.genops(f):
            names.add(op.name)
    return names


def referenced_globals(data):
    """GLOBAL/INST/STACK_GLOBAL names in a (well-formed) pickle stream; STACK_GLOBAL resolved by
    looking back through string pushes and memo gets. A sanity check, not a scanner."""
    found = set()
    f = io.BytesIO(data)
    while f.tell() < len(data):
        ops = list(pickletools.genops(f))
        memo, strings = {}, []
        for i, (op, arg, _pos) in enumerate(ops):
            if op.name in ("GLOBAL", "INST"):
                found.add(arg.replace(" ", "."))
            elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8",
                             "STRING", "BINSTRING", "SHORT_BINSTRING"):
                strings.append(arg)
            elif op.name in ("BINPUT", "LONG_BINPUT", "PUT"):
                memo[int(arg)] = strings[-1] if strings and ops[i - 1][1] == strings[-1] else None
            elif op.name == "MEMOIZE":
                memo[len(memo)] = strings[-1] if strings and ops[i - 1][1] == strings[-1] else None
            elif op.name in ("BINGET", "LONG_BINGET", "GET"):
                if memo.get(int(arg)) is not None:
                    strings.append(memo[int(arg)])
            elif op.name == "STACK_GLOBAL":
                found.add(f"{strings[-2]}.{strings[-1]}")
    return found


# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------


def zip_bytes(members, compression=zipfile.ZIP_STORED, compresslevel=None):
    """A zip with fixed timestamps. members: list of (name, bytes) or (name, bytes, compress_type)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", allowZip64=True) as zf:
        for m in members:
            name, data = m[0], m[1]
            ctype = m[2] if len(m) > 2 else compression
            zi = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            zi.compress_type = ctype
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, data, compresslevel=compresslevel)
    return buf.getvalue()


def torch_padding_extra(offset, name, zip64):
    """PyTorch's `FB` extra field padding the member data to a 64-byte boundary."""
    start = offset + 30 + len(name.encode()) + 4 + (20 if zip64 else 0)
    pad = (-start) % 64
    return b"FB" + struct.pack("<H", pad) + b"Z" * pad


def write_torch_zip(fileobj, records, force_zip64=False):
    """Write records like PyTorch's zip writer: stored, data aligned to 64 bytes, fixed dates.
    records: list of (name, bytes) or (name, callable(write)) for streamed members."""
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in records:
            zi = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            zi.compress_type = zipfile.ZIP_STORED
            zi.create_system = 0
            zi.extra = torch_padding_extra(fileobj.tell(), name, force_zip64)
            with zf.open(zi, "w", force_zip64=force_zip64) as w:
                if callable(data):
                    data(w.write)
                else:
                    w.write(data)


def tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), FIXED_EPOCH, 0o644
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def sevenzip_bytes(members):
    fixed = py7zr.helpers.ArchiveTimestamp.from_datetime(float(FIXED_EPOCH))
    original = py7zr.SevenZipFile._make_file_info_from_name

    def fixed_info(bio, size, arcname):
        info = original(bio, size, arcname)
        info["creationtime"] = info["lastwritetime"] = info["lastaccesstime"] = fixed
        return info

    buf = io.BytesIO()
    py7zr.SevenZipFile._make_file_info_from_name = staticmethod(fixed_info)
    try:
        with py7zr.SevenZipFile(buf, "w") as archive:
            for name, data in members:
                archive.writestr(data, name)
    finally:
        py7zr.SevenZipFile._make_file_info_from_name = staticmethod(original)
    return buf.getvalue()


def npy_bytes(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def npz_bytes(arrays, compressed=False):
    """Like np.savez/np.savez_compressed (zip of NAME.npy, zip64 local headers) but with fixed
    timestamps: numpy stamps members with the current time, which would break determinism."""
    buf = io.BytesIO()
    ctype = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", compression=ctype, allowZip64=True) as zf:
        for key, arr in arrays.items():
            zi = zipfile.ZipInfo(key + ".npy", date_time=FIXED_DATE_TIME)
            zi.compress_type = ctype
            zi.create_system = 3
            zi.external_attr = 0o600 << 16
            with zf.open(zi, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=True)
    return buf.getvalue()


def joblib_bytes(obj, compress=0, *standins):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.joblib")
        with installed(*standins):
            joblib.dump(obj, path, compress=compress, protocol=4)
        return Path(path).read_bytes()


# ---------------------------------------------------------------------------------------------
# PyTorch emulation (no torch needed)
# ---------------------------------------------------------------------------------------------

TORCH_STORAGE_ITEMSIZE = {"FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
                          "LongStorage": 8, "IntStorage": 4, "ByteStorage": 1, "BoolStorage": 1,
                          "DoubleStorage": 8}
REBUILD_TENSOR_V2 = standin("torch._utils", "_rebuild_tensor_v2")
REBUILD_PARAMETER = standin("torch._utils", "_rebuild_parameter")
TORCH_STANDINS = [REBUILD_TENSOR_V2, REBUILD_PARAMETER] + [
    standin("torch", kind, "class") for kind in TORCH_STORAGE_ITEMSIZE]
TORCH_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
TORCH_PROTOCOL_VERSION = 1001


class Storage:
    def __init__(self, key, kind, data, location="cpu"):
        self.key, self.kind, self.data, self.location = key, kind, bytes(data), location
        self.numel = len(self.data) // TORCH_STORAGE_ITEMSIZE[kind]

    @property
    def storage_type(self):
        return standin("torch", self.kind, "class")


class Tensor:
    """Pickles exactly like torch.Tensor.__reduce_ex__: _rebuild_tensor_v2(storage, offset,
    size, stride, requires_grad, OrderedDict())."""

    def __init__(self, storage, size, offset=0, stride=None, requires_grad=False):
        if stride is None:
            stride, acc = [], 1
            for dim in reversed(size):
                stride.insert(0, acc)
                acc *= dim
        self.storage, self.size, self.offset = storage, tuple(size), offset
        self.stride, self.requires_grad = tuple(stride), requires_grad

    def __reduce_ex__(self, protocol):
        return (REBUILD_TENSOR_V2, (self.storage, self.offset, self.size, self.stride,
                                    self.requires_grad, collections.OrderedDict()))


class Parameter:
    """Pickles like torch.nn.Parameter: _rebuild_parameter(tensor, requires_grad, OrderedDict())."""

    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce_ex__(self, protocol):
        return (REBUILD_PARAMETER, (self.tensor, True, collections.OrderedDict()))


class StorageFactory:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.n = 0

    def tensor(self, shape, kind="FloatStorage"):
        numel = int(np.prod(shape)) if shape else 1
        if kind in ("FloatStorage",):
            data = self.rng.standard_normal(numel).astype("<f4").tobytes()
        elif kind == "HalfStorage":
            data = self.rng.standard_normal(numel).astype("<f2").tobytes()
        elif kind == "LongStorage":
            data = self.rng.integers(0, 1000, numel).astype("<i8").tobytes()
        else:
            data = self.rng.bytes(numel * TORCH_STORAGE_ITEMSIZE[kind])
        st = Storage(str(self.n), kind, data)
        self.n += 1
        return Tensor(st, shape)


def state_dict(layers, seed=0, kind="FloatStorage"):
    """An OrderedDict state dict with torch's `_metadata` attribute (pickled via BUILD)."""
    f = StorageFactory(seed)
    sd = collections.OrderedDict()
    meta = collections.OrderedDict([("", {"version": 1})])
    for name, shape in layers:
        sd[name] = f.tensor(shape, kind)
        meta[name.rsplit(".", 1)[0]] = {"version": 1}
    sd._metadata = meta
    return sd


def torch_pickle(obj, legacy=False, protocol=2, extra_standins=()):
    """Pickle like torch.save's data.pkl; returns (bytes, {key: Storage}) in first-use order."""
    storages = {}

    class TorchPickler(pickle.Pickler):
        def persistent_id(self, o):
            if isinstance(o, Storage):
                storages.setdefault(o.key, o)
                if legacy:
                    return ("storage", o.storage_type, o.key, o.location, o.numel, None)
                return ("storage", o.storage_type, o.key, o.location, o.numel)
            return None

    buf = io.BytesIO()
    with installed(*TORCH_STANDINS, *extra_standins):
        TorchPickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue(), storages


def torch_zip(obj, prefix="archive", extra_members=(), extra_standins=()):
    """torch.save's zip format (PyTorch >= 1.6, `_use_new_zipfile_serialization=True`)."""
    pkl, storages = torch_pickle(obj, extra_standins=extra_standins)
    records = [(f"{prefix}/data.pkl", pkl), (f"{prefix}/.format_version", b"1"),
               (f"{prefix}/.storage_alignment", b"64"), (f"{prefix}/byteorder", b"little")]
    for key in sorted(storages, key=int):
        records.append((f"{prefix}/data/{key}", storages[key].data))
    records += list(extra_members)
    records.append((f"{prefix}/version", b"3\n"))
    serialization_id = str(int(hashlib.sha256(pkl).hexdigest(), 16))[:40].encode()
    records.append((f"{prefix}/.data/serialization_id", serialization_id))
    buf = io.BytesIO()
    write_torch_zip(buf, records)
    return buf.getvalue()


def torch_legacy(obj, first_pickle=None):
    """torch.save(..., _use_new_zipfile_serialization=False): magic number, protocol version,
    sys_info, the object pickle, the sorted storage-key list, then raw storages (int64 numel +
    bytes each)."""
    out = io.BytesIO()
    out.write(first_pickle if first_pickle is not None
              else pickle.dumps(TORCH_MAGIC_NUMBER, protocol=2))
    out.write(pickle.dumps(TORCH_PROTOCOL_VERSION, protocol=2))
    sys_info = {"protocol_version": TORCH_PROTOCOL_VERSION, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    out.write(pickle.dumps(sys_info, protocol=2))
    pkl, storages = torch_pickle(obj, legacy=True)
    out.write(pkl)
    keys = sorted(storages)
    out.write(pickle.dumps(keys, protocol=2))
    for key in keys:
        st = storages[key]
        out.write(struct.pack("<q", st.numel))
        out.write(st.data)
    return out.getvalue()


class _TarRef:
    """A tensor in the pre-0.4 tar format: pickled as a persistent id, the decimal string of its
    integer key in the `tensors` member (legacy_load looks it up with int(saved_id))."""

    def __init__(self, key):
        self.key = key


def torch_legacy_tar(tensors, payload_obj=None):
    """The pre-0.4 tar format read by torch.load's legacy_load: members sys_info, pickle,
    storages, tensors. `tensors`: {name: Tensor}."""
    sys_info = {"protocol_version": TORCH_PROTOCOL_VERSION, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    storages = collections.OrderedDict()
    for t in tensors.values():
        storages.setdefault(t.storage.key, t.storage)
    tensor_type = standin("torch", "FloatTensor", "class")
    with installed(*TORCH_STANDINS, tensor_type):
        st = io.BytesIO()
        st.write(pickle.dumps(len(storages), protocol=2))
        for key, s in storages.items():
            st.write(pickle.dumps((key, s.location, s.storage_type), protocol=2))
            st.write(struct.pack("<q", s.numel))
            st.write(s.data)
        st.write(pickle.dumps([], protocol=2))  # storage views
        tn = io.BytesIO()
        tn.write(pickle.dumps(len(tensors), protocol=2))
        for i, t in enumerate(tensors.values()):
            tn.write(pickle.dumps((100 + i, t.storage.key, tensor_type), protocol=2))
            tn.write(struct.pack("<i", len(t.size)) + b"\0" * 4)
            tn.write(struct.pack(f"<{len(t.size)}q", *t.size))
            tn.write(struct.pack(f"<{len(t.stride)}q", *t.stride))
            tn.write(struct.pack("<q", t.offset))

    class TarPickler(pickle.Pickler):
        def persistent_id(self, o):
            return o.key if isinstance(o, _TarRef) else None

    obj = collections.OrderedDict((name, _TarRef(str(100 + i)))
                                  for i, name in enumerate(tensors))
    if payload_obj is not None:
        obj["_extra"] = payload_obj
    pk = io.BytesIO()
    with installed(*TORCH_STANDINS, *([payload_obj.fn] if payload_obj else [])):
        TarPickler(pk, protocol=2).dump(obj)
    return tar_bytes([("sys_info", pickle.dumps(sys_info, protocol=2)), ("pickle", pk.getvalue()),
                      ("storages", st.getvalue()), ("tensors", tn.getvalue())])


SMALL_NET = [("fc1.weight", (8, 4)), ("fc1.bias", (8,)), ("fc2.weight", (3, 8)), ("fc2.bias", (3,))]


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------


class Corpus:
    def __init__(self, outdir):
        self.outdir = Path(outdir)
        self.entries = {}

    def add(self, path, data, expect, rules=(), why="", status=None):
        assert path not in self.entries, path
        assert expect in ("clean", "medium", "high", "critical"), expect
        assert why and "\n" not in why
        dest = self.outdir / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        entry = {"path": path, "expect": expect, "rules": sorted(set(rules)), "why": why}
        if status:
            entry["status"] = status
        self.entries[path] = entry

    def pickle(self, path, data, expect, rules=(), why="", count=1, must_reference=None,
               must_use=()):
        """Add a bare pickle stream after static checks."""
        check_pickle_stream(data, count)
        if must_reference:
            refs = referenced_globals(data)
            assert must_reference in refs, (path, must_reference, refs)
        ops = opcodes(data)
        for op in must_use:
            assert op in ops, (path, op, ops)
        self.add(path, data, expect, rules, why)


def rich_value(protocol):
    """Plain builtin values covering every scalar/container opcode family."""
    return {
        "none": None, "true": True, "false": False,
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, -2**63],
        "big_ints": [2**64, -2**100, 2**2100 + 7, -(2**2100)],  # LONG1 and LONG4
        "floats": [0.0, -0.0, 1.5, -2.25e-300, 1e308, float("inf"), float("-inf")],
        "unicode": ["", "ascii", "ünïcödé", "日本語", "emoji 🦀", "x" * 300],
        "bytes": [b"", b"\x00\x01\xff", bytes(range(256)), b"y" * 300],
        "bytearray": bytearray(b"mutable\x00bytes"),
        "tuple0": (), "tuple1": (1,), "tuple2": (1, "a"), "tuple3": (1, 2, 3),
        "tuple_big": tuple(range(10)),
        "list": [1, [2, [3, [4, []]]]],
        "dict": {"nested": {"k": "v"}, 1: "int key", (1, 2): "tuple key"},
        "set": {1, 2, 3, 100}, "frozenset": frozenset({5, 6, 7}), "empty_set": set(),
        "shared": [[1, 2]] * 3,  # memo GET of the same list
        "protocol": protocol,
    }


def gen_benign(c):
    for proto in range(6):
        c.pickle(f"benign/plain/builtin_types_p{proto}.pkl", pickle.dumps(rich_value(proto), proto),
                 "clean", why=f"plain builtin values (ints, big ints, floats, str, bytes, bytearray, "
                 f"tuple, list, dict, set, frozenset) in protocol {proto}")
    # recursive structures (memo cycles)
    lst = [1, 2]
    lst.append(lst)
    d = {"self": None}
    d["self"] = d
    c.pickle("benign/plain/recursive_p2.pkl", pickle.dumps({"list": lst, "dict": d}, 2), "clean",
             why="self-referencing list and dict: memo GETs of objects still under construction")
    c.pickle("benign/plain/unicode_surrogates_p4.pkl",
             pickle.dumps(["lone \ud800 surrogate", "\udfff", "nul\x00inside", "\U0010ffff"], 4),
             "clean", why="strings with lone surrogates (not valid UTF-8) and NUL: must not be "
             "treated as malformed")
    # protocol 5 in-band: bytearray -> BYTEARRAY8, PickleBuffer of bytes -> BINBYTES
    c.pickle("benign/plain/bytearray8_p5.pkl",
             pickle.dumps({"ba": bytearray(b"abc" * 10), "pb_rw": pickle.PickleBuffer(bytearray(b"rw")),
                           "pb_ro": pickle.PickleBuffer(b"read-only")}, 5),
             "clean", must_use=["BYTEARRAY8"],
             why="protocol 5 in-band buffers: BYTEARRAY8 and PickleBuffer written inline")
    bufs = []
    data = pickle.dumps({"ro": pickle.PickleBuffer(b"read-only buffer"),
                         "rw": pickle.PickleBuffer(bytearray(b"writable buffer")),
                         "arr": np.arange(16, dtype="<i4")}, 5, buffer_callback=bufs.append)
    c.pickle("benign/plain/oob_buffers_p5.pkl", data, "clean",
             must_use=["NEXT_BUFFER", "READONLY_BUFFER"], must_reference="numpy._core.numeric._frombuffer",
             why="protocol 5 out-of-band buffers (NEXT_BUFFER, READONLY_BUFFER) incl. a numpy "
             "array via numpy._core.numeric._frombuffer; buffers not stored")
    c.pickle("benign/plain/multi_pickle_benign.pkl",
             pickle.dumps({"a": 1}, 2) + pickle.dumps([1, 2, 3], 4) + pickle.dumps("third", 0), "clean",
             count=3, why="three benign pickles back to back in one stream")

    coll = {
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
        "default": collections.defaultdict(list, {"x": [1]}),
        "counter": collections.Counter("abracadabra"),
        "deque": collections.deque([1, 2, 3], maxlen=5),
    }
    for proto in (0, 2, 4):
        c.pickle(f"benign/stdlib/collections_p{proto}.pkl", pickle.dumps(coll, proto), "clean",
                 must_reference="collections.OrderedDict",
                 why=f"collections OrderedDict/defaultdict(list)/Counter/deque, protocol {proto}")
    misc = {
        "datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=datetime.timezone.utc),
        "naive": datetime.datetime(1999, 12, 31, 23, 59, 59),
        "date": datetime.date(2024, 2, 29), "time": datetime.time(12, 30),
        "timedelta": datetime.timedelta(days=1, seconds=2, microseconds=3),
        "decimal": decimal.Decimal("3.14159"), "fraction": fractions.Fraction(1, 3),
        "complex": complex(1.5, -2.0), "range": range(0, 10, 2), "slice": slice(1, 10, 2),
    }
    for proto in (0, 2, 4):
        c.pickle(f"benign/stdlib/datetime_decimal_p{proto}.pkl", pickle.dumps(misc, proto), "clean",
                 why=f"datetime/date/time/timedelta/timezone, Decimal, Fraction, complex, range, "
                 f"slice, protocol {proto}")
    c.pickle("benign/stdlib/uuid_p4.pkl",
             pickle.dumps({"id": uuid.UUID("12345678-1234-5678-1234-567812345678")}, 4), "clean",
             must_reference="uuid.UUID",
             why="uuid.UUID (NEWOBJ + BUILD/__setstate__ of a safe class); picklescan flags the "
             "whole uuid module")

    # numpy
    rng = np.random.default_rng(0)
    structured = np.zeros(3, dtype=[("id", "<i4"), ("score", "<f8"), ("name", "S8")])
    structured["id"] = [1, 2, 3]
    arrays = {
        "int": np.arange(12, dtype="<i8").reshape(3, 4),
        "float": rng.standard_normal((4, 5)).astype("<f4"),
        "bool": np.array([True, False, True]),
        "structured": structured,
        "fortran": np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)),
        "uint8_empty": np.zeros((0, 3), dtype="u1"),
    }
    for proto in (2, 4, 5):
        c.pickle(f"benign/numpy/arrays_p{proto}.pkl", pickle.dumps(arrays, proto), "clean",
                 must_reference=("numpy._core.multiarray._reconstruct" if proto < 5
                                 else "numpy._core.numeric._frombuffer"),
                 why=f"numpy int/float/bool/structured/fortran/empty arrays pickled, protocol {proto}")
    np1 = pickle.dumps(arrays, 2).replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")
    c.pickle("benign/numpy/arrays_numpy1_style_p2.pkl", np1, "clean",
             must_reference="numpy.core.multiarray._reconstruct",
             why="numpy arrays as numpy 1.x writes them (numpy.core.multiarray._reconstruct)")
    scalars = {"f8": np.float64(1.5), "i4": np.int32(-7), "b": np.bool_(True), "f2": np.float16(0.5),
               "dtype": np.dtype("<f4"), "dt64": np.datetime64("2024-01-01")}
    c.pickle("benign/numpy/scalars_p4.pkl", pickle.dumps(scalars, 4), "clean",
             must_reference="numpy._core.multiarray.scalar",
             why="numpy scalars and dtypes (numpy._core.multiarray.scalar, numpy.dtype)")
    for name in ("int", "float", "bool", "structured"):
        c.add(f"benign/numpy/{name}.npy", npy_bytes(arrays[name]), "clean",
              why=f"np.save of a {name} array: plain .npy, no pickle inside")
    c.add("benign/numpy/object_ints_strings.npy",
          npy_bytes(np.array([1, "two", 3, ("four",), None], dtype=object), allow_pickle=True), "clean",
          why="np.save(allow_pickle=True) of an object array holding only ints/strings/tuple/None")
    c.add("benign/numpy/savez.npz", npz_bytes({"a": arrays["int"], "b": arrays["float"]}), "clean",
          why="np.savez-style archive of numeric arrays (stored)")
    c.add("benign/numpy/savez_compressed.npz",
          npz_bytes({"a": arrays["int"], "s": arrays["structured"],
                     "o": np.array(["x", 1], dtype=object)}, compressed=True),
          "clean", why="np.savez_compressed-style archive (deflate), incl. a benign object array")

    # scikit-learn
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    models = {
        "logreg": LogisticRegression(max_iter=500).fit(X, y),
        "forest": RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y),
        "pipeline": Pipeline([("scale", StandardScaler()),
                              ("clf", LogisticRegression(max_iter=500))]).fit(X, y),
        "kmeans": KMeans(n_clusters=3, n_init=1, random_state=0).fit(X),
    }
    for name, model in models.items():
        c.pickle(f"benign/sklearn/{name}_p4.pkl", pickle.dumps(model, 4), "clean",
                 why=f"scikit-learn {type(model).__name__} pickled (protocol 4)")
    for name in ("logreg", "forest", "kmeans"):
        c.add(f"benign/sklearn/{name}.joblib", joblib_bytes(models[name]), "clean",
              why=f"joblib.dump of {type(models[name]).__name__}, uncompressed (raw array bytes "
              "follow NumpyArrayWrapper BUILDs inside the pickle stream)")
    for label, compress in JOBLIB_COMPRESSIONS:
        c.add(f"benign/sklearn/pipeline_{label}.joblib", joblib_bytes(models["pipeline"], compress),
              "clean", why=f"joblib.dump of a StandardScaler+LogisticRegression Pipeline, compress={compress!r}")

    if pd is not None:
        df = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "c": ["x", "y", "z"],
                           "t": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])})
        c.pickle("benign/pandas/dataframe_p4.pkl", pickle.dumps(df, 4), "clean",
                 why="pandas DataFrame (int/float/str/datetime columns), protocol 4")

    # PyTorch formats
    c.add("benign/torch/state_dict.pt", torch_zip(state_dict(SMALL_NET, 1)), "clean",
          why="torch.save zip format: archive/data.pkl state dict of _rebuild_tensor_v2 tensors "
          "on torch.FloatStorage, storages in archive/data/N, 64-byte aligned")
    c.add("benign/torch/state_dict_mymodel_prefix.pth",
          torch_zip(state_dict(SMALL_NET, 2), prefix="mymodel"), "clean",
          why="torch zip format with a top folder other than archive/ (mymodel/data.pkl)")
    sd = state_dict([("emb.weight", (16, 4))], 3, "HalfStorage")
    f = StorageFactory(4)
    sd["pos_ids"] = f.tensor((1, 16), "LongStorage")
    sd["mask"] = f.tensor((4,), "BoolStorage")
    sd["bf16"] = f.tensor((2, 2), "BFloat16Storage")
    c.add("benign/torch/pytorch_model.bin", torch_zip(sd), "clean",
          why="HF-style pytorch_model.bin: Half/Long/Bool/BFloat16 storages")
    base = StorageFactory(5).tensor((4, 4))
    views = collections.OrderedDict([
        ("full", base),
        ("row1", Tensor(base.storage, (4,), offset=4)),
        ("col0", Tensor(base.storage, (4,), offset=0, stride=(4,))),
        ("transposed", Tensor(base.storage, (4, 4), stride=(1, 4), requires_grad=True)),
    ])
    c.add("benign/torch/shared_storage_views.pt", torch_zip(views), "clean",
          why="four tensors viewing one storage (offsets, strides, requires_grad)")
    ckpt = {
        "epoch": 3, "global_step": 1200, "pytorch-lightning_version": "2.4.0",
        "state_dict": state_dict(SMALL_NET, 6),
        "optimizer_states": [{"state": {0: {"step": StorageFactory(7).tensor(()),
                                            "exp_avg": StorageFactory(8).tensor((8, 4))}},
                              "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                                                "weight_decay": 0.0, "params": [0, 1, 2, 3]}]}],
        "lr_schedulers": [], "hyper_parameters": {"hidden": 8, "lr": 1e-3},
    }
    # StorageFactory keys restart at 0 per factory; give every storage a distinct key
    for i, st in enumerate(_storages_in(ckpt)):
        st.key = str(i)
    c.add("benign/torch/lightning_style.ckpt", torch_zip(ckpt), "clean",
          why="Lightning-style .ckpt: dict with state_dict, optimizer state, hyper-parameters")
    c.add("benign/torch/legacy.pt", torch_legacy(state_dict(SMALL_NET, 9)), "clean",
          why="legacy torch.save (non-zip): magic, protocol 1001, sys_info, pickle, storage keys, "
          "raw storages")
    sd = state_dict(SMALL_NET[:2], 10)
    c.add("benign/torch/legacy_tar.pt", torch_legacy_tar(dict(sd)), "clean",
          why="pre-0.4 torch tar format: members sys_info, pickle, storages, tensors")

    c.add("benign/archive/model_7z.7z",
          sevenzip_bytes([("model.pkl", pickle.dumps(models["logreg"], 4)),
                          ("README.txt", b"a benign model\n")]),
          "clean", why="7z archive holding a benign scikit-learn pickle")
    c.add("benign/archive/state_gzip.pkl.gz", gzip.compress(pickle.dumps(coll, 4), mtime=0),
          "clean", why="gzip-compressed benign pickle")
    c.add("benign/archive/models.zip",
          zip_bytes([("models/logreg.pkl", pickle.dumps(models["logreg"], 4)),
                     ("models/state_dict.pt", torch_zip(state_dict(SMALL_NET, 11)))],
                    zipfile.ZIP_DEFLATED),
          "clean", why="plain zip holding a benign pickle and a nested benign torch zip")


def _storages_in(obj, seen=None):
    seen = [] if seen is None else seen
    if isinstance(obj, Tensor):
        if obj.storage not in seen:
            seen.append(obj.storage)
    elif isinstance(obj, dict):
        for v in obj.values():
            _storages_in(v, seen)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _storages_in(v, seen)
    return seen


JOBLIB_COMPRESSIONS = [("none", 0), ("zlib", 3), ("gzip", ("gzip", 3)), ("bz2", ("bz2", 3)),
                       ("xz", ("xz", 3)), ("lzma", ("lzma", 3)), ("lz4", ("lz4", 3))]

# (module, name, args, protocol) -- all invoked with REDUCE; harmless if ever loaded.
DANGEROUS_CALLS = [
    ("os", "system", ("true",), 2),
    ("posix", "system", ("true",), 4),
    ("nt", "system", ("true",), 2),
    ("subprocess", "Popen", (["true"],), 4),
    ("subprocess", "call", (["true"],), 3),
    ("subprocess", "check_output", (["true"],), 5),
    ("builtins", "eval", ("1+1",), 2),  # written as __builtin__.eval (protocol < 3)
    ("builtins", "exec", ("1+1",), 4),
    ("builtins", "compile", ("1+1", "<vouch>", "eval"), 3),
    ("builtins", "__import__", ("os",), 0),  # written as __builtin__.__import__
    ("runpy", "_run_code", ("1+1", {}), 2),
    ("pty", "spawn", ("true",), 2),
    ("webbrowser", "open", ("about:blank",), 4),
    ("socket", "create_connection", (("127.0.0.1", 9),), 2),
    ("shutil", "rmtree", ("/nonexistent/vouch-fixture",), 4),
    ("pip", "main", (["--version"],), 2),
    ("code", "InteractiveInterpreter", (), 4),
    ("pdb", "Pdb", (), 2),
    ("timeit", "timeit", ("1+1",), 3),
    ("cProfile", "run", ("1+1",), 4),
    ("importlib", "import_module", ("os",), 2),
    ("ctypes", "CDLL", ("libc.so.6",), 4),
    ("numpy", "load", ("/dev/null",), 2),
    ("torch", "load", ("/dev/null",), 2),
    ("torch.serialization", "_load_from_bytes", (b"",), 2),
    ("asyncio", "create_subprocess_shell", ("true",), 4),
    ("os", "popen", ("true",), 3),
    ("os", "execv", ("/bin/true", ["true"]), 2),
]


def gen_callables(c):
    for module, name, args, proto in DANGEROUS_CALLS:
        fn = standin(module, name)
        data = dumps(Call(fn, *args), proto, fn)
        shown = "__builtin__" if module == "builtins" and proto < 3 else module
        c.pickle(f"callables/{module}.{name}_p{proto}.pkl", data, "critical", [CRIT],
                 must_reference=f"{shown}.{name}", must_use=["REDUCE"],
                 why=f"REDUCE of {module}.{name}{args!r} (protocol {proto}"
                     f"{', as ' + shown if shown != module else ''})")


def gen_routes(c):
    c.pickle("routes/global_reduce_p0.pkl",
             asm(GLOBAL("os", "system"), MARK, STRING("true"), TUPLE, REDUCE, STOP),
             "critical", [CRIT], must_use=["GLOBAL", "REDUCE"],
             why="protocol 0 text: GLOBAL os system, MARK 'true' TUPLE, REDUCE")
    c.pickle("routes/stack_global_memo_p4.pkl",
             asm(PROTO(4), SHORT_BINUNICODE("os"), MEMOIZE, SHORT_BINUNICODE("system"), MEMOIZE,
                 POP, POP, SHORT_BINUNICODE("decoy"), POP, BINGET(0), BINGET(1), STACK_GLOBAL,
                 MEMOIZE, SHORT_BINUNICODE("true"), TUPLE1, REDUCE, STOP),
             "critical", [CRIT], must_use=["STACK_GLOBAL", "MEMOIZE", "BINGET"],
             why="protocol 4: names memoized (MEMOIZE), popped, fetched back with BINGET, "
                 "STACK_GLOBAL, REDUCE")
    c.pickle("routes/stack_global_long_binget_p4.pkl",
             asm(PROTO(4), SHORT_BINUNICODE("run"), BINPUT(7), SHORT_BINUNICODE("subprocess"),
                 BINPUT(9), POP, POP, LONG_BINGET(9), LONG_BINGET(7), STACK_GLOBAL, BINPUT(11),
                 POP, BINGET(11), SHORT_BINUNICODE("true"), TUPLE1, REDUCE, STOP),
             "critical", [CRIT], must_use=["STACK_GLOBAL", "LONG_BINGET"],
             why="protocol 4: BINPUT with sparse indices, LONG_BINGET, callable itself memoized "
                 "and re-fetched: subprocess.run('true')")
    c.pickle("routes/inst_p0.pkl", asm(MARK, STRING("true"), INST("os", "system"), STOP),
             "critical", [CRIT], must_use=["INST"],
             why="protocol 0 INST os system: instantiation calls os.system('true')")
    c.pickle("routes/obj_p1.pkl", asm(MARK, GLOBAL("os", "system"), STRING("true"), OBJ, STOP),
             "critical", [CRIT], must_use=["OBJ"],
             why="protocol 1 OBJ: MARK os.system 'true' OBJ calls os.system('true')")
    c.pickle("routes/newobj_p2.pkl",
             asm(PROTO(2), GLOBAL("subprocess", "Popen"), EMPTY_LIST, BINUNICODE("true"), APPEND,
                 TUPLE1, NEWOBJ, STOP),
             "critical", [CRIT], must_use=["NEWOBJ"],
             why="protocol 2 NEWOBJ of subprocess.Popen (cls.__new__(cls, ['true'])): invocation "
                 "of a dangerous class")
    c.pickle("routes/newobj_ex_p4.pkl",
             asm(PROTO(4), SHORT_BINUNICODE("subprocess"), SHORT_BINUNICODE("Popen"), STACK_GLOBAL,
                 EMPTY_LIST, SHORT_BINUNICODE("true"), APPEND, TUPLE1, EMPTY_DICT, NEWOBJ_EX, STOP),
             "critical", [CRIT], must_use=["NEWOBJ_EX"],
             why="protocol 4 NEWOBJ_EX of subprocess.Popen with args and kwargs")
    c.pickle("routes/build_setstate_gadget_p2.pkl",
             asm(PROTO(2), GLOBAL("collections", "OrderedDict"), EMPTY_TUPLE, REDUCE,
                 EMPTY_DICT, BINUNICODE("__setstate__"), GLOBAL("os", "system"), SETITEM, BUILD,
                 BINUNICODE("true"), BUILD, STOP),
             "critical", [CRIT], must_use=["BUILD"],
             why="BUILD gadget: first BUILD puts os.system into the instance __dict__ as "
                 "__setstate__, second BUILD calls it with 'true'")
    system = standin("os", "system")
    for op, code in (("EXT1", 0xF0), ("EXT2", 0xBEEF), ("EXT4", 0x7EADBEEF)):
        copyreg.add_extension("os", "system", code)
        try:
            data = dumps(Call(system, "true"), 2, system)
        finally:
            copyreg.remove_extension("os", "system", code)
        c.pickle(f"routes/{op.lower()}_p2.pkl", data, "medium", [EXTENSION], must_use=[op, "REDUCE"],
                 why=f"{op} code {code:#x} then REDUCE: written with copyreg mapping the code to "
                     "os.system, but the default extension registry is empty, so a scanner sees "
                     "an unknown extension being invoked (at least medium)")


def gen_chained(c):
    c.pickle("chained/getattr_import_p2.pkl",
             asm(PROTO(2), GLOBAL("builtins", "getattr"), GLOBAL("builtins", "__import__"),
                 BINUNICODE("os"), TUPLE1, REDUCE, BINUNICODE("system"), TUPLE2, REDUCE,
                 BINUNICODE("true"), TUPLE1, REDUCE, STOP),
             "critical", [CRIT], must_reference="builtins.getattr",
             why="getattr(__import__('os'), 'system')('true') from builtins.getattr + "
                 "builtins.__import__ + three REDUCEs")
    c.pickle("chained/operator_attrgetter_p2.pkl",
             asm(PROTO(2), GLOBAL("operator", "attrgetter"), BINUNICODE("system"), TUPLE1, REDUCE,
                 GLOBAL("subprocess", "os"), TUPLE1, REDUCE, BINUNICODE("true"), TUPLE1, REDUCE,
                 STOP),
             "critical", [CRIT], must_reference="operator.attrgetter",
             why="operator.attrgetter('system')(subprocess.os)('true')")
    c.pickle("chained/operator_methodcaller_p2.pkl",
             asm(PROTO(2), GLOBAL("operator", "methodcaller"), BINUNICODE("system"),
                 BINUNICODE("true"), TUPLE2, REDUCE, GLOBAL("subprocess", "os"), TUPLE1, REDUCE,
                 STOP),
             "critical", [CRIT], must_reference="operator.methodcaller",
             why="operator.methodcaller('system', 'true')(subprocess.os)")
    c.pickle("chained/functools_partial_p2.pkl",
             asm(PROTO(2), GLOBAL("functools", "partial"), GLOBAL("os", "system"),
                 BINUNICODE("true"), TUPLE2, REDUCE, EMPTY_TUPLE, REDUCE, STOP),
             "critical", [CRIT], must_reference="functools.partial",
             why="functools.partial(os.system, 'true')()")


def gen_referenced_unknown(c):
    c.pickle("referenced/os_system_in_dict_p2.pkl",
             asm(PROTO(2), EMPTY_DICT, BINUNICODE("f"), GLOBAL("os", "system"), SETITEM, STOP),
             "high", [IMPORT], must_reference="os.system",
             why="os.system referenced (stored in a dict) but never called")
    c.pickle("referenced/builtins_eval_in_list_p4.pkl",
             asm(PROTO(4), EMPTY_LIST, SHORT_BINUNICODE("builtins"), SHORT_BINUNICODE("eval"),
                 STACK_GLOBAL, APPEND, STOP),
             "high", [IMPORT], must_reference="builtins.eval",
             why="builtins.eval referenced via STACK_GLOBAL and appended to a list, never called")
    c.pickle("unknown/mypkg_make_thing_p2.pkl",
             asm(PROTO(2), GLOBAL("mypkg.helpers", "make_thing"), BININT(1), TUPLE1, REDUCE, STOP),
             "medium", [UNKNOWN], must_reference="mypkg.helpers.make_thing",
             why="unknown callable mypkg.helpers.make_thing(1) invoked")
    tiny = standin("mypkg.models", "TinyNet", "class")
    inst = tiny()
    inst.__dict__.update({"hidden": 8, "weights": [0.5, -0.5]})
    c.pickle("unknown/custom_class_p4.pkl", dumps(inst, 4, tiny), "medium", [UNKNOWN],
             must_reference="mypkg.models.TinyNet", must_use=["NEWOBJ", "BUILD"],
             why="instance of an unknown user class (NEWOBJ + BUILD of mypkg.models.TinyNet)")
    net = standin("__main__", "Net", "class")
    linear = standin("torch.nn.modules.linear", "Linear", "class")
    model = net()
    f = StorageFactory(12)
    fc = linear()
    fc.__dict__.update({"training": True, "_parameters": collections.OrderedDict(
        [("weight", Parameter(f.tensor((3, 4)))), ("bias", Parameter(f.tensor((3,))))]),
        "in_features": 4, "out_features": 3})
    model.__dict__.update({"training": True, "_modules": collections.OrderedDict([("fc", fc)])})
    c.add("unknown/torch_full_model.pt",
          torch_zip(model, extra_standins=(net, linear)), "medium", [UNKNOWN],
          why="torch.save(model) of a whole module: __main__.Net (unknown) with a torch Linear "
              "and _rebuild_parameter tensors")


def gen_hidden(c):
    system = standin("os", "system")
    evil = Call(system, "true")

    sd = state_dict(SMALL_NET, 20)
    sd["_hook"] = evil
    c.add("hidden/torch_zip_data_pkl.pt", torch_zip(sd, extra_standins=(system,)), "critical",
          [CRIT], why="torch zip whose archive/data.pkl state dict holds an os.system REDUCE")
    c.add("hidden/torch_zip_extra_member.pt",
          torch_zip(state_dict(SMALL_NET, 21),
                    extra_members=[("archive/extra/hooks.pkl", dumps(evil, 2, system))]),
          "critical", [CRIT], why="benign torch zip plus an extra member archive/extra/hooks.pkl "
          "with an os.system REDUCE")
    c.add("hidden/zip_with_pkl.zip",
          zip_bytes([("model/config.json", b'{"hidden": 8}\n'),
                     ("model/model.pkl", dumps(evil, 4, system))], zipfile.ZIP_DEFLATED),
          "critical", [CRIT], why="plain zip with a malicious model/model.pkl (deflated)")
    inner = zip_bytes([("weights/model.pkl", dumps(evil, 2, system))], zipfile.ZIP_DEFLATED)
    c.add("hidden/nested_zip.zip", zip_bytes([("inner/inner.zip", inner)]), "critical", [CRIT],
          why="zip inside a zip; the inner zip holds a malicious pickle")
    c.add("hidden/nested_torch_in_zip.zip",
          zip_bytes([("bundle/model.pt", torch_zip(sd, extra_standins=(system,)))],
                    zipfile.ZIP_DEFLATED),
          "critical", [CRIT], why="malicious torch zip stored inside a deflated zip")

    rng = np.random.default_rng(30)
    obj = {"coef": rng.standard_normal((3, 4)), "intercept": np.zeros(3), "hook": evil}
    for label, compress in JOBLIB_COMPRESSIONS:
        c.add(f"hidden/joblib_{label}.joblib", joblib_bytes(obj, compress, system), "critical",
              [CRIT], why=f"joblib.dump compress={compress!r}: numpy arrays (raw bytes in the "
              "stream) followed by an os.system REDUCE")

    obj_arr = np.array([1, "x", evil], dtype=object)
    with installed(system):
        npy = npy_bytes(obj_arr, allow_pickle=True)
    c.add("hidden/object_array.npy", npy, "critical", [CRIT],
          why="np.save(allow_pickle=True) of an object array whose element reduces to os.system")
    with installed(system):
        npz = npz_bytes({"ok": np.arange(4), "obj": obj_arr})
        npzc = npz_bytes({"ok": np.arange(4), "obj": obj_arr}, compressed=True)
    c.add("hidden/object_member.npz", npz, "critical", [CRIT],
          why="npz whose obj.npy member is an object array with an os.system REDUCE")
    c.add("hidden/object_member_compressed.npz", npzc, "critical", [CRIT],
          why="deflated npz whose obj.npy member is an object array with an os.system REDUCE")

    pk = dumps({"weights": [1.0, 2.0], "hook": evil}, 4, system)
    c.add("hidden/pickle.pkl.gz", gzip.compress(pk, 9, mtime=0), "critical", [CRIT],
          why="gzip-compressed malicious pickle")
    c.add("hidden/pickle.pkl.bz2", bz2.compress(pk, 9), "critical", [CRIT],
          why="bzip2-compressed malicious pickle")
    c.add("hidden/pickle.pkl.xz", lzma.compress(pk, lzma.FORMAT_XZ), "critical", [CRIT],
          why="xz-compressed malicious pickle")
    c.add("hidden/archive.7z", sevenzip_bytes([("model.pkl", pk), ("README.txt", b"hi\n")]),
          "critical", [CRIT], why="7z archive holding a malicious model.pkl")
    stream = pickle.dumps({"config": {"lr": 0.1}}, 2) + pk
    check_pickle_stream(stream, 2)
    c.add("hidden/multi_pickle_second.pkl", stream, "critical", [CRIT],
          why="two pickles in one stream: benign first, os.system REDUCE in the second")

    sd = state_dict(SMALL_NET, 22)
    sd["_hook"] = evil
    with installed(system):
        legacy = torch_legacy(sd)
    c.add("hidden/torch_legacy.pt", legacy, "critical", [CRIT],
          why="legacy (non-zip) torch format with an os.system REDUCE in the main pickle")
    magic_eval = asm(PROTO(2), GLOBAL("builtins", "eval"), BINUNICODE(hex(TORCH_MAGIC_NUMBER)),
                     TUPLE1, REDUCE, STOP)
    c.add("hidden/torch_legacy_magic_eval.pt",
          torch_legacy(state_dict(SMALL_NET, 23), first_pickle=magic_eval), "critical", [CRIT],
          why="legacy torch format whose magic number is produced by builtins.eval('0x1950...')")
    c.add("hidden/torch_legacy_tar.pt", torch_legacy_tar(dict(state_dict(SMALL_NET[:2], 24)), evil),
          "critical", [CRIT], why="pre-0.4 torch tar format with an os.system REDUCE in the "
          "'pickle' member")


def gen_broken(c):
    evil = asm(PROTO(2), GLOBAL("os", "system"), BINUNICODE("true"), TUPLE1, REDUCE)
    c.add("broken/evil_truncated_after_reduce.pkl", evil, "critical", [CRIT, MALFORMED],
          why="os.system REDUCE, then the stream ends (no STOP)")
    c.add("broken/evil_then_invalid_opcode.pkl", evil + b"\xff" + STOP, "critical",
          [CRIT, MALFORMED], why="os.system REDUCE followed by the invalid opcode byte 0xff")
    benign = pickle.dumps(rich_value(2), 2)
    c.add("broken/benign_truncated.pkl", benign[: len(benign) // 2], "medium", [MALFORMED],
          why="a benign protocol 2 pickle cut in half")
    c.add("broken/benign_length_overrun.pkl",
          asm(PROTO(4), b"\x8d", struct.pack("<Q", 4096), b"short"), "medium", [MALFORMED],
          why="BINUNICODE8 declaring 4096 bytes with only 5 left in the file")
    c.add("broken/huge_length_prefix.pkl",
          asm(PROTO(4), b"\x8e", struct.pack("<Q", 1 << 40), b"short"), "medium", [],
          why="BINBYTES8 declaring 1 TiB: must be neither allocated nor called clean "
              "(malformed or limit-exceeded)")
    tz = torch_zip(state_dict(SMALL_NET, 25))
    c.add("broken/torch_zip_truncated.pt", tz[: len(tz) - 200], "medium", [CORRUPT],
          why="torch zip with its central directory cut off (truncated download)")


def gen_archive(c):
    c.add("archive/zip_slip.zip",
          zip_bytes([("model.pkl", pickle.dumps({"ok": 1}, 4)),
                     ("../../evil.pkl", pickle.dumps({"ok": 2}, 4))]),
          "high", [TRAVERSAL], why="member name ../../evil.pkl escapes the extraction directory (zip slip)")
    blob = bytes(30 * 1024 * 1024)
    data = zip_bytes([("model.pkl", pickle.dumps({"ok": 1}, 4), zipfile.ZIP_STORED),
                      ("weights.bin", blob, zipfile.ZIP_DEFLATED)], compresslevel=9)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("weights.bin")
        ratio = info.file_size / info.compress_size
    assert ratio > 1000, ratio
    c.add("archive/zip_bomb.zip", data, "high", [BOMB],
          why=f"member weights.bin inflates {info.compress_size} -> {info.file_size} bytes "
              f"(ratio {ratio:.0f} > 1000)")


def gen_skipped(c):
    c.add("skipped/not_a_model.pt", b"This is a plain text file with a .pt extension.\n",
          "clean", [], status="skipped",
          why="a .pt extension on plain text: not a model format, skipped")


# ---------------------------------------------------------------------------------------------


def check_versions():
    """Warn when installed versions differ from the pins the committed corpus was made with."""
    from importlib.metadata import PackageNotFoundError, version
    if not REQUIREMENTS.exists():
        return
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        name, want = line.split("==", 1)
        try:
            have = version(name)
        except PackageNotFoundError:
            have = "not installed"
        if have != want:
            print(f"warning: {name} {have} installed, corpus pinned to {want}: "
                  "output bytes will differ from the committed corpus", file=sys.stderr)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    start = time.monotonic()
    check_versions()
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for d in OWNED_DIRS:
        shutil.rmtree(out / d, ignore_errors=True)
    (out / "manifest.json").unlink(missing_ok=True)

    c = Corpus(out)
    gen_benign(c)
    gen_callables(c)
    gen_routes(c)
    gen_chained(c)
    gen_referenced_unknown(c)
    gen_hidden(c)
    gen_broken(c)
    gen_archive(c)
    gen_skipped(c)

    manifest = [c.entries[p] for p in sorted(c.entries)]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    total = sum((out / e["path"]).stat().st_size for e in manifest)
    counts = collections.Counter(e["expect"] for e in manifest)
    print(f"wrote {len(manifest)} files ({total / 1e6:.2f} MB) to {out} in "
          f"{time.monotonic() - start:.1f}s: "
          + ", ".join(f"{counts[k]} {k}" for k in ("clean", "medium", "high", "critical")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
