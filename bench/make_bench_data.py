#!/usr/bin/env python3
"""Generate benchmark inputs for vouch / picklescan / modelscan.

Usage:
    python3 bench/make_bench_data.py OUTDIR [--big-gb 4] [--small-count 1000] [--skip-big]

Writes (each part only if it is missing, so re-runs are cheap):
  OUTDIR/small/            1,000 small benign files (~1-20 KB): sklearn-style dicts of numpy
                           arrays (.pkl), pickled numpy arrays (.pkl), small torch.save zips (.pt)
  OUTDIR/ckpt-40mb/model.pt     a 40 MB PyTorch-format zip checkpoint
  OUTDIR/ckpt-<N>gb/model.pt    a multi-GB PyTorch-format zip checkpoint (--big-gb N)
Each directory holds exactly one kind of input so every tool can be pointed at a directory.

Checkpoints are written like torch.save (zip, members stored, data 64-byte aligned, zip64,
archive/data.pkl referencing archive/data/N storages) without torch: the storages are streamed
in 16 MiB chunks, so memory use stays small whatever the size. Needs only numpy.
"""

import argparse
import collections
import io
import os
import pickle
import struct
import sys
import time
import types
import zipfile
from pathlib import Path

import numpy as np

FIXED_DATE_TIME = (2024, 1, 1, 0, 0, 0)
CHUNK = 16 << 20

# --- fake torch modules so pickle can write GLOBAL torch FloatStorage / torch._utils ... -------
_torch = types.ModuleType("torch")
_torch_utils = types.ModuleType("torch._utils")


def _rebuild_tensor_v2(*args):  # never called
    raise RuntimeError("stand-in")


_rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
_torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
FloatStorage = type("FloatStorage", (), {"__module__": "torch"})
_torch.FloatStorage = FloatStorage
_torch._utils = _torch_utils


class Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class Tensor:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, tuple(shape)
        stride, acc = [], 1
        for d in reversed(shape):
            stride.insert(0, acc)
            acc *= d
        self.stride = tuple(stride)

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor_v2, (self.storage, 0, self.shape, self.stride, False,
                                     collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
        return None


def torch_data_pkl(state):
    saved = {m: sys.modules.get(m) for m in ("torch", "torch._utils")}
    sys.modules["torch"], sys.modules["torch._utils"] = _torch, _torch_utils
    try:
        buf = io.BytesIO()
        TorchPickler(buf, protocol=2).dump(state)
        return buf.getvalue()
    finally:
        for m, old in saved.items():
            if old is None:
                sys.modules.pop(m, None)
            else:
                sys.modules[m] = old


def padding_extra(offset, name, zip64):
    start = offset + 30 + len(name.encode()) + 4 + (20 if zip64 else 0)
    pad = (-start) % 64
    return b"FB" + struct.pack("<H", pad) + b"Z" * pad


def write_torch_zip(fileobj, records):
    """records: (name, bytes | callable(write)). Stored, zip64 local headers, 64-byte aligned."""
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in records:
            zi = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            zi.compress_type = zipfile.ZIP_STORED
            zi.extra = padding_extra(fileobj.tell(), name, True)
            with zf.open(zi, "w", force_zip64=True) as w:
                if callable(data):
                    data(w.write)
                else:
                    w.write(data)


def checkpoint_records(tensor_sizes, fill):
    """tensor_sizes: list of (name, shape). fill(write, nbytes) streams one storage."""
    state = collections.OrderedDict()
    storages = []
    for i, (name, shape) in enumerate(tensor_sizes):
        numel = int(np.prod(shape))
        st = Storage(str(i), numel)
        storages.append(st)
        state[name] = Tensor(st, shape)
    state._metadata = collections.OrderedDict([("", {"version": 1})])
    records = [("archive/data.pkl", torch_data_pkl(state)), ("archive/.format_version", b"1"),
               ("archive/.storage_alignment", b"64"), ("archive/byteorder", b"little")]
    for st in storages:
        records.append((f"archive/data/{st.key}", lambda w, n=st.numel * 4: fill(w, n)))
    records += [("archive/version", b"3\n"), ("archive/.data/serialization_id", b"0" * 40)]
    return records


def make_filler(zeros, seed=0):
    block = bytes(CHUNK) if zeros else np.random.default_rng(seed).bytes(CHUNK)

    def fill(write, nbytes):
        while nbytes > 0:
            n = min(nbytes, CHUNK)
            write(block[:n])
            nbytes -= n
    return fill


def write_checkpoint(path, total_bytes, zeros=False, tensor_bytes=64 << 20):
    """A transformer-ish state dict of float32 tensors adding up to ~total_bytes."""
    sizes, left, layer = [], total_bytes, 0
    while left > 0:
        nbytes = min(tensor_bytes, left)
        cols = 1024
        rows = max(1, nbytes // (4 * cols))
        sizes.append((f"layers.{layer}.weight", (rows, cols)))
        sizes.append((f"layers.{layer}.bias", (cols,)))
        left -= rows * cols * 4 + cols * 4
        layer += 1
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(tmp, "wb") as f:
        write_torch_zip(f, checkpoint_records(sizes, make_filler(zeros)))
    os.replace(tmp, path)
    print(f"  {path}: {path.stat().st_size / 1e6:.1f} MB, {len(sizes)} tensors, "
          f"{time.monotonic() - start:.1f}s", flush=True)


def write_small(outdir, count, seed=0):
    rng = np.random.default_rng(seed)
    tmp = outdir.with_name(outdir.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(count):
        target = int(rng.integers(1_000, 20_000))  # bytes
        kind = i % 10
        if kind < 4:  # sklearn-ish estimator state
            n_features = max(1, target // 8 // 3)
            obj = {"__class__": "LogisticRegression", "C": 1.0, "max_iter": 100,
                   "classes_": np.arange(3), "coef_": rng.standard_normal((3, n_features)),
                   "intercept_": rng.standard_normal(3), "n_features_in_": n_features,
                   "_sklearn_version": "1.5.0"}
            data, name = pickle.dumps(obj, 4), f"est_{i:04d}.pkl"
        elif kind < 8:  # numpy array pickled
            arr = rng.standard_normal(max(1, target // 4)).astype("<f4")
            data, name = pickle.dumps(arr, 2 + (i % 4)), f"arr_{i:04d}.pkl"
        else:  # small torch.save zip
            buf = io.BytesIO()
            cols = 16
            rows = max(1, target // (4 * cols) // 2)
            sizes = [("fc1.weight", (rows, cols)), ("fc2.weight", (rows, cols))]
            write_torch_zip(buf, checkpoint_records(sizes, make_filler(False, i)))
            data, name = buf.getvalue(), f"model_{i:04d}.pt"
        (tmp / name).write_bytes(data)
        total += len(data)
    os.replace(tmp, outdir)
    print(f"  {outdir}: {count} files, {total / 1e6:.1f} MB", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--big-gb", type=float, default=4.0, help="size of the big checkpoint (GB, default 4)")
    ap.add_argument("--small-count", type=int, default=1000)
    ap.add_argument("--skip-big", action="store_true", help="do not write the big checkpoint")
    ap.add_argument("--zeros", action="store_true", help="fill storages with zeros instead of random bytes")
    args = ap.parse_args()
    out = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "small").is_dir():
        write_small(out / "small", args.small_count)
    mid = out / "ckpt-40mb" / "model.pt"
    if not mid.exists():
        write_checkpoint(mid, 40 * 1000 * 1000, args.zeros, tensor_bytes=4 << 20)
    if not args.skip_big:
        big = out / f"ckpt-{args.big_gb:g}gb" / "model.pt"
        if not big.exists():
            write_checkpoint(big, int(args.big_gb * (1 << 30)), args.zeros)
    return 0


if __name__ == "__main__":
    sys.exit(main())
