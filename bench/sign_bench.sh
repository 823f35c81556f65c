#!/usr/bin/env bash
# Benchmarks `vouch sign` / `vouch verify` against the Python reference tool (model-signing) and OpenSSL SHA-256.
#
# Usage: bench/sign_bench.sh            (from the repository root)
# Env:   VOUCH=path/to/vouch            [target/release/vouch; built with `cargo build --release -p vouch` if missing]
#        PYTHON=python-with-model-signing [$VOUCH_TEST_PYTHON, else bench/.venv-sign/bin/python, created here]
#        RUNS=3                         hyperfine runs for the big models (small models use 20)
#        OUT=target/bench-sign          where the models and results go (about 8.1 GB)
#
# Models: big4/ = 4 files x 1 GiB, big1/ = 1 file x 4 GiB, small/ = 5 MB (config, tokenizer, 5 MB weights).
# Every timing is warm-cache (hyperfine --warmup 1): the files fit in RAM, so this measures hashing, not the disk.
# The machine's SHA-256 limit is `openssl speed -evp sha256` (16 KiB blocks, one core) x cores.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench-sign}
RUNS=${RUNS:-3}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

VOUCH=${VOUCH:-target/release/vouch}
if [[ ! -x "$VOUCH" ]]; then
  cargo build --release -p vouch
fi
VOUCH=$(cd "$(dirname "$VOUCH")" && pwd)/$(basename "$VOUCH")

PYTHON=${PYTHON:-${VOUCH_TEST_PYTHON:-}}
if [[ -z "$PYTHON" ]]; then
  if [[ ! -x bench/.venv-sign/bin/python ]]; then
    python3 -m venv bench/.venv-sign
    bench/.venv-sign/bin/pip install -q model-signing==1.1.1 pyopenssl
  fi
  PYTHON=$PWD/bench/.venv-sign/bin/python
fi
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install -y hyperfine)" >&2; exit 2; }

# --- data -------------------------------------------------------------------------------------------------
rand() { # rand BYTES FILE: fast pseudo-random bytes (AES-CTR keystream)
  [[ -f "$2" && $(stat -c %s "$2") -eq $1 ]] && return
  # openssl dies of SIGPIPE when head has enough: expected, so the pipeline status is checked by size instead.
  (openssl enc -aes-128-ctr -nosalt -pass pass:vouch-bench -in /dev/zero 2>/dev/null || true) | head -c "$1" > "$2"
  [[ $(stat -c %s "$2") -eq $1 ]] || { echo "could not create $2" >&2; exit 2; }
}
mkdir -p "$OUT/big4" "$OUT/big1" "$OUT/small/tokenizer"
for i in 0 1 2 3; do rand $((1 << 30)) "$OUT/big4/model-0000$i.safetensors"; done
rand $((4 << 30)) "$OUT/big1/model.safetensors"
rand 5000000 "$OUT/small/model.safetensors"
rand 200000 "$OUT/small/tokenizer/tokenizer.json"
echo '{"architectures": ["Tiny"], "hidden_size": 64}' > "$OUT/small/config.json"
[[ -f "$OUT/key.pem" ]] || openssl ecparam -name prime256v1 -genkey -noout -out "$OUT/key.pem"
openssl ec -in "$OUT/key.pem" -pubout -out "$OUT/pub.pem" 2>/dev/null
cat "$OUT"/big4/* "$OUT"/big1/* > /dev/null # warm the page cache

# --- the machine's SHA-256 limit ----------------------------------------------------------------------------
CORES=$(nproc)
PER_CORE=$(openssl speed -evp sha256 -seconds 3 2>/dev/null | awk '/^sha256/ {v=$NF; sub("k","",v); print v*1000}')
LIMIT=$(python3 -c "print($PER_CORE * $CORES)")
echo "openssl speed -evp sha256: $(python3 -c "print(round($PER_CORE/1e6))") MB/s per core x $CORES cores = $(python3 -c "print(round($LIMIT/1e6))") MB/s"

# --- timings ------------------------------------------------------------------------------------------------
declare -a NAMES CMDS SIZES
add() { NAMES+=("$1"); SIZES+=("$2"); CMDS+=("$3"); }
S=$OUT/sig
for m in big4 big1 small; do
  bytes=$(du -sb "$OUT/$m" | cut -f1)
  $VOUCH sign "$OUT/$m" --key "$OUT/key.pem" --signature "$S-$m-vouch.sig" 2>/dev/null
  (cd "$OUT" && "$PYTHON" -m model_signing sign key "$OUT/$m" --private_key "$OUT/key.pem" --signature "$S-$m-py.sig" >/dev/null 2>&1)
  add "$m vouch sign" "$bytes" "$VOUCH sign $OUT/$m --key $OUT/key.pem --signature $S-$m-tmp.sig"
  add "$m vouch verify" "$bytes" "$VOUCH verify $OUT/$m --signature $S-$m-vouch.sig --public-key $OUT/pub.pem"
  add "$m vouch verify (python sig)" "$bytes" "$VOUCH verify $OUT/$m --signature $S-$m-py.sig --public-key $OUT/pub.pem"
  add "$m model_signing sign" "$bytes" "$PYTHON -m model_signing sign key $OUT/$m --private_key $OUT/key.pem --signature $S-$m-pytmp.sig"
  add "$m model_signing verify" "$bytes" "$PYTHON -m model_signing verify key $OUT/$m --signature $S-$m-py.sig --public_key $OUT/pub.pem"
  add "$m openssl dgst -sha256 (1 process)" "$bytes" "find $OUT/$m -type f -exec openssl dgst -sha256 {} +"
  add "$m openssl dgst -sha256 ($CORES processes)" "$bytes" "find $OUT/$m -type f -print0 | xargs -0 -n1 -P$CORES openssl dgst -sha256"
  if [[ $m == big1 ]]; then
    $VOUCH sign "$OUT/$m" --key "$OUT/key.pem" --signature "$S-$m-shards.sig" --shard-size 1GB 2>/dev/null
    add "$m vouch sign --shard-size 1GB" "$bytes" "$VOUCH sign $OUT/$m --key $OUT/key.pem --signature $S-$m-tmp.sig --shard-size 1GB"
    add "$m vouch verify (1 GB shards)" "$bytes" "$VOUCH verify $OUT/$m --signature $S-$m-shards.sig --public-key $OUT/pub.pem"
  fi
  if [[ $m == big4 ]]; then
    $VOUCH sign "$OUT/$m" --key "$OUT/key.pem" --signature "$S-$m-b3.sig" --hash blake3 2>/dev/null
    add "$m vouch verify (blake3)" "$bytes" "$VOUCH verify $OUT/$m --signature $S-$m-b3.sig --public-key $OUT/pub.pem"
  fi
done

RESULTS=$OUT/results.md
{
  echo "| model | command | mean (s) | ± (s) | user+sys (s) | throughput (wall) | % of SHA-256 limit (wall) | MB per CPU-s | % of one core's limit (CPU) |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} > "$RESULTS"
for i in "${!NAMES[@]}"; do
  name=${NAMES[$i]}
  runs=$RUNS
  [[ $name == small* ]] && runs=20
  json=$OUT/hf-$i.json
  hyperfine --warmup 1 --runs "$runs" --shell=bash --export-json "$json" "${CMDS[$i]}" >/dev/null 2>&1 || {
    echo "failed: $name: ${CMDS[$i]}" >&2; continue; }
  python3 - "$json" "$name" "${SIZES[$i]}" "$LIMIT" "$PER_CORE" >> "$RESULTS" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
name, size, limit, per_core = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
model, cmd = name.split(" ", 1)
mean, sd = r["mean"], r["stddev"] or 0.0
cpu = r["user"] + r["system"]
tp = size / mean
per_cpu = size / cpu if cpu > 0 else 0.0
print(f"| {model} | {cmd} | {mean:.3f} | {sd:.3f} | {cpu:.2f} | {tp/1e6:,.0f} MB/s | {100*tp/limit:.0f} % | {per_cpu/1e6:,.0f} | {100*per_cpu/per_core:.0f} % |")
EOF
  tail -1 "$RESULTS"
done
{
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem/ {print $2}') GB RAM."
  echo "SHA-256 limit: openssl speed -evp sha256 = $(python3 -c "print(round($PER_CORE/1e6))") MB/s per core x $CORES = $(python3 -c "print(round($LIMIT/1e6))") MB/s."
  echo "Tools: $($VOUCH --version 2>/dev/null || echo vouch), model-signing $("$PYTHON" -c 'import importlib.metadata as m; print(m.version("model-signing"))'), $(openssl version | cut -d' ' -f1-2), $(hyperfine --version)."
  echo "Load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared; 'CPU' columns do not depend on it)."
  echo "Command: bench/sign_bench.sh (RUNS=$RUNS; warm page cache; sizes: big4 = 4 x 1 GiB, big1 = 1 x 4 GiB, small = 5.2 MB)."
} >> "$RESULTS"
echo
cat "$RESULTS"
