#!/usr/bin/env bash
# Benchmark vouch against picklescan and modelscan. See bench/README.md.
#
#   bench/run.sh [--big-gb N] [--skip-big] [--runs N] [--no-build]
#
# Sets up bench/.venv (picklescan, modelscan), builds vouch (cargo build --release), generates
# inputs into target/bench-data (only what is missing), times every tool on them with hyperfine
# (installed with apt-get when missing and possible; otherwise a Python timer) and prints
# files/s and MB/s. Results: target/bench-results/<timestamp>/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
VENV="$BENCH/.venv"
DATA="${VOUCH_BENCH_DATA:-$ROOT/target/bench-data}"
BIG_GB=4
RUNS=3
SKIP_BIG=0
BUILD=1

while [ $# -gt 0 ]; do
  case "$1" in
    --big-gb) BIG_GB="$2"; shift 2 ;;
    --big-gb=*) BIG_GB="${1#*=}"; shift ;;
    --runs) RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --skip-big) SKIP_BIG=1; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\n== %s\n' "$*"; }
RESULTS="$ROOT/target/bench-results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"

# --- 1. Python tools ------------------------------------------------------------------------
say "Python tools (bench/.venv)"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
PY="$VENV/bin/python"
if ! "$PY" -c 'import numpy, picklescan' 2>/dev/null; then
  "$VENV/bin/pip" install -q "numpy==2.4.6" "picklescan==1.0.5"
fi
MODELSCAN=""
if "$VENV/bin/modelscan" --help >/dev/null 2>&1; then
  MODELSCAN="$VENV/bin/modelscan"
elif "$VENV/bin/pip" install -q -r "$BENCH/requirements.txt" >"$RESULTS/modelscan-install.log" 2>&1 \
    && "$VENV/bin/modelscan" --help >/dev/null 2>&1; then
  MODELSCAN="$VENV/bin/modelscan"
else
  echo "modelscan could not be installed, skipping it; pip said:" >&2
  tail -5 "$RESULTS/modelscan-install.log" >&2 || true
fi
echo "picklescan $("$PY" -c 'from importlib.metadata import version; print(version("picklescan"))')"
[ -n "$MODELSCAN" ] && echo "modelscan $("$PY" -c 'from importlib.metadata import version; print(version("modelscan"))')"

# --- 2. vouch ----------------------------------------------------------------------------
say "vouch (cargo build --release)"
VOUCH="${VOUCH:-$ROOT/target/release/vouch}"
VOUCH_WANTED="$VOUCH"
if [ "$BUILD" = 1 ]; then
  if ! (cd "$ROOT" && cargo build --release --bin vouch 2>&1 | tail -3); then
    echo "warning: cargo build --release failed" >&2
  fi
fi
if [ -x "$VOUCH" ]; then
  echo "$VOUCH: $("$VOUCH" --version 2>/dev/null || echo 'version unknown')"
else
  echo "vouch binary not found at $VOUCH: vouch benchmarks are SKIPPED" >&2
  echo "(build it with 'cargo build --release', or point VOUCH=/path/to/vouch at one)" >&2
  VOUCH=""
fi

# --- 3. inputs ---------------------------------------------------------------------------
say "inputs in $DATA"
GEN_ARGS=(--big-gb "$BIG_GB")
[ "$SKIP_BIG" = 1 ] && GEN_ARGS+=(--skip-big)
"$PY" "$BENCH/make_bench_data.py" "$DATA" "${GEN_ARGS[@]}"
BIG_DIR="$DATA/ckpt-$("$PY" -c "print(f'{float($BIG_GB):g}')")gb"

# --- 4. timer ----------------------------------------------------------------------------
if ! command -v hyperfine >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "installing hyperfine (apt-get)"
    (apt-get install -y -q hyperfine >/dev/null 2>&1 \
      || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q hyperfine >/dev/null 2>&1)) \
      || echo "apt-get install hyperfine failed; timing with Python instead" >&2
  else
    echo "hyperfine not installed (and cannot apt-get it); timing with Python instead" >&2
  fi
fi

# --- 5. benchmarks -----------------------------------------------------------------------
count() { find "$1" -type f | wc -l; }
bytes() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}'; }

bench() { # name dir runs cmd...
  local name=$1 dir=$2 runs=$3; shift 3
  "$PY" "$BENCH/measure.py" run --results "$RESULTS" --name "$name" \
    --files "$(count "$dir")" --bytes "$(bytes "$dir")" --runs "$runs" -- "$@"
}

suite() { # label dir runs
  local label=$1 dir=$2 runs=$3
  [ -n "$VOUCH" ] && bench "vouch/$label" "$dir" "$runs" "$VOUCH" scan "$dir" --format json
  # The same scan without the whole-file SHA-256 (picklescan and modelscan compute none).
  [ -n "$VOUCH" ] && bench "vouch-nohash/$label" "$dir" "$runs" "$VOUCH" scan "$dir" --format json --hash never
  bench "picklescan/$label" "$dir" "$runs" "$VENV/bin/picklescan" -p "$dir"
  [ -n "$MODELSCAN" ] && bench "modelscan/$label" "$dir" "$runs" "$MODELSCAN" -p "$dir" -r json \
    -o "$RESULTS/modelscan-$label.json"
  return 0
}

say "timings (results in $RESULTS)"
suite small-1000 "$DATA/small" "$RUNS"
suite ckpt-40mb "$DATA/ckpt-40mb" "$RUNS"
if [ "$SKIP_BIG" = 0 ]; then
  suite "ckpt-${BIG_GB}gb" "$BIG_DIR" "$RUNS"
fi

say "summary"
"$PY" "$BENCH/measure.py" summary --results "$RESULTS" | tee "$RESULTS/summary.txt"
if [ -z "$VOUCH" ]; then
  echo
  echo "vouch was not benchmarked: no executable at $VOUCH_WANTED" >&2
  exit 1
fi
