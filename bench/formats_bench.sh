#!/usr/bin/env bash
# Benchmark `vouch scan` on header-only model formats (safetensors, GGUF) against modelscan.
#
#   bench/formats_bench.sh [--files N] [--big-gb "1 4"] [--runs N] [--no-build]
#
# Generates (only what is missing, under target/bench-formats):
#   small-safetensors/  N safetensors files of 8 tensors (~6 KiB each)
#   small-gguf/         N GGUF v3 files (llama metadata, a 32-token vocabulary, ChatML
#                       template, 8 F32 tensors; ~9 KiB each)
#   big/<G>g.safetensors, big/<G>g.gguf   sparse files of G GiB (64 tensors each)
# with plain Python (struct/json, no packages). Then times, with hyperfine (Python timer when
# hyperfine is missing), `vouch scan DIR --format json` (release build, default options:
# files above 512 MiB are not hashed) and `modelscan -p DIR -r json` from bench/.venv
# (installed from bench/requirements.txt when missing), and prints a Markdown table.
# Exit codes of the tools are ignored (vouch exits 1 when it finds something).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA="${VOUCH_BENCH_DATA:-$ROOT/target/bench-formats}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$ROOT/bench/.venv"
FILES=1000
BIG_GB="1 4"
RUNS=5
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --files) FILES="$2"; shift 2 ;;
    --big-gb) BIG_GB="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
say() { printf '\n== %s\n' "$*" >&2; }
RESULTS="$ROOT/target/bench-results/formats-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS" "$DATA"

if [ "$BUILD" = 1 ]; then
  say "cargo build --release -p vouch"
  (cd "$ROOT" && cargo build --release -q -p vouch)
fi
VOUCH="$TARGET/release/vouch"
[ -x "$VOUCH" ] || { echo "no vouch binary at $VOUCH (build it, or set CARGO_TARGET_DIR)" >&2; exit 2; }

MODELSCAN=""
if [ -x "$VENV/bin/modelscan" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q -r "$ROOT/bench/requirements.txt"; } >/dev/null 2>&1; then
  MODELSCAN="$VENV/bin/modelscan"
  MS_VERSION=$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("modelscan"))')
else
  echo "modelscan unavailable; timing vouch only" >&2
fi

say "generating inputs in $DATA"
python3 - "$DATA" "$FILES" "$BIG_GB" <<'PY'
import json, os, random, struct, sys

data, n, bigs = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split()]
rnd = random.Random(1)

def safetensors(path, tensors, data_len=None, payload=True):
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in tensors:
        size = 4
        for d in shape:
            size *= d
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + size]}
        off += size
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        if payload:
            f.write(rnd.randbytes(off))
        else:
            f.truncate(8 + len(h) + off)  # sparse

def gguf(path, tensors, payload=True):
    b = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 5))
    def s(x):
        x = x.encode()
        b.extend(struct.pack("<Q", len(x)) + x)
    s("general.architecture"); b.extend(struct.pack("<I", 8)); s("llama")
    s("general.name"); b.extend(struct.pack("<I", 8)); s("bench")
    s("llama.context_length"); b.extend(struct.pack("<II", 4, 4096))
    s("tokenizer.ggml.tokens"); b.extend(struct.pack("<IIQ", 9, 8, 32))
    for i in range(32):
        s(f"tok{i}")
    s("tokenizer.chat_template"); b.extend(struct.pack("<I", 8))
    s("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}{% endfor %}")
    off = 0
    for name, shape in tensors:
        s(name)
        b.extend(struct.pack("<I", len(shape)))
        for d in shape:
            b.extend(struct.pack("<Q", d))
        b.extend(struct.pack("<IQ", 0, off))
        size = 4
        for d in shape:
            size *= d
        off += size + (-size % 32)
    b.extend(b"\0" * (-len(b) % 32))
    with open(path, "wb") as f:
        f.write(b)
        if payload:
            f.write(rnd.randbytes(off))
        else:
            f.truncate(len(b) + off)

small = [(f"layer.{i}.weight", [16, 12]) for i in range(8)]
for kind, fn, ext in (("small-safetensors", safetensors, "safetensors"), ("small-gguf", gguf, "gguf")):
    d = os.path.join(data, kind)
    os.makedirs(d, exist_ok=True)
    have = len(os.listdir(d))
    for i in range(have, n):
        fn(os.path.join(d, f"m{i:05}.{ext}"), small)
for g in bigs:
    d = os.path.join(data, f"big-{g}g")
    os.makedirs(d, exist_ok=True)
    per = (g << 30) // 64 // 4  # F32 elements per tensor
    big = [(f"model.layers.{i}.weight", [per // 4096, 4096]) for i in range(64)]
    for name, fn in (("model.safetensors", safetensors), ("model.gguf", gguf)):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            fn(p, big, payload=False)
PY

bench() { # label runs command...
  local label="$1" runs="$2"; shift 2
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N -i -w 1 -r "$runs" --export-json "$RESULTS/hyperfine-$label.json" "$*" >/dev/null 2>&1 || true
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.4f %.4f" % (r["mean"], r["stddev"] or 0))' "$RESULTS/hyperfine-$label.json"
  else
    python3 - "$runs" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ts = []
for _ in range(runs):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); ts.append(time.perf_counter() - t)
print(f"{statistics.mean(ts):.4f} {statistics.pstdev(ts):.4f}")
PY
  fi
}

row() { # name files bytes vouch_mean vouch_sd ms_mean ms_sd
  python3 - "$@" <<'PY'
import sys
name, files, size, vm, vs, mm, ms = sys.argv[1:8]
files, size, vm, vs = int(files), int(float(size)), float(vm), float(vs)
def cell(m, s):
    return f"{m*1000:.1f} ± {s*1000:.1f} ms ({files/m:,.0f} files/s)"
ms_cell = cell(float(mm), float(ms)) if mm != "-" else "n/a"
ratio = f"{float(mm)/vm:.0f}×" if mm != "-" else "n/a"
print(f"| {name} | {files} | {size/2**20:,.1f} MiB | {cell(vm, vs)} | {ms_cell} | {ratio} |")
PY
}

say "timing (runs=$RUNS)"
{
  echo "vouch $("$VOUCH" --version 2>/dev/null | awk '{print $2}'), modelscan ${MS_VERSION:-n/a}; $(nproc) cores; $(date -u +%Y-%m-%d)"
  echo
  echo "| input | files | size on disk (apparent) | vouch scan | modelscan | modelscan / vouch |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for set in small-safetensors small-gguf $(for g in $BIG_GB; do echo big-${g}g; done); do
    dir="$DATA/$set"
    files=$(find "$dir" -type f | wc -l)
    bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
    read -r vm vs < <(bench "vouch-$set" "$RUNS" "$VOUCH" scan "$dir" --format json --output "$RESULTS/vouch-$set.json")
    if [ -n "$MODELSCAN" ]; then
      read -r mm ms < <(bench "modelscan-$set" "$RUNS" "$MODELSCAN" -p "$dir" -r json -o "$RESULTS/modelscan-$set.json")
    else
      mm=-; ms=-
    fi
    row "$set" "$files" "$bytes" "$vm" "$vs" "$mm" "$ms"
  done
} | tee "$RESULTS/table.md"
echo >&2
echo "results: $RESULTS" >&2
