#!/usr/bin/env bash
# Benchmark `vouch db import` and `vouch audit` on the real advisory data.
#
#   bench/audit_bench.sh [--runs N] [--no-build] [--advisories DIR]
#
# 1. imports the full pypa (2,661 YAML) and RustSec (1,206 JSON) sets into a fresh database
#    (cold), then re-imports them unchanged (incremental);
# 2. generates 1,000-dependency inputs from packages present in the data (each pinned to a
#    version the data lists as affected, plus packages without advisories to make up 1,000):
#    requirements.txt, uv.lock and Cargo.lock;
# 3. audits each with a warm database (hyperfine --warmup), end to end: process start,
#    parsing the lockfile, opening the database, matching, JSON rendering.
# Prints markdown tables (hyperfine) and writes them to target/bench-results/audit-<time>/.
# Needs hyperfine (installed with apt-get when missing and possible) and python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADV=${VOUCH_BENCH_ADVISORIES:-$ROOT/../shared/advisories}
RUNS=10
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --advisories) ADV="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -d "$ADV/pypa/vulns" ] && [ -d "$ADV/rustsec/crates" ] || {
  echo "advisory data not found under $ADV (expected pypa/vulns and rustsec/crates); pass --advisories DIR" >&2
  exit 2
}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VOUCH=$TARGET/release/vouch
if [ "$BUILD" = 1 ]; then
  (cd "$ROOT" && cargo build --release -p vouch)
fi
[ -x "$VOUCH" ] || { echo "no $VOUCH: build with cargo build --release -p vouch" >&2; exit 2; }
if ! command -v hyperfine >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y hyperfine >/dev/null || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }
  fi
fi
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine / cargo install hyperfine)" >&2; exit 2; }

OUT=$ROOT/target/bench-results/audit-$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
DB=$WORK/db
echo "vouch: $("$VOUCH" --version); machine: $(nproc) cores, $(uname -sr)" | tee "$OUT/env.txt"

# ---------------------------------------------------------------- import
hyperfine --runs 3 --prepare "rm -rf '$DB'" \
  --command-name "import pypa + rustsec (cold, 3,867 files)" \
  "'$VOUCH' db import --db '$DB' '$ADV/pypa/vulns' '$ADV/rustsec/crates'" \
  --export-markdown "$OUT/import.md" --export-json "$OUT/import.json"
hyperfine --runs "$RUNS" --warmup 1 \
  --command-name "re-import, nothing changed (incremental)" \
  "'$VOUCH' db import --db '$DB' '$ADV/pypa/vulns' '$ADV/rustsec/crates'" \
  --export-markdown "$OUT/reimport.md" --export-json "$OUT/reimport.json"
"$VOUCH" db status --db "$DB" | tee "$OUT/status.txt"

# ---------------------------------------------------------------- 1,000-dependency inputs
python3 - "$ADV" "$WORK" <<'PY'
import json, os, re, sys
adv, work = sys.argv[1], sys.argv[2]
N = 1000
# PyPI: every package of the pypa set, pinned to the first version its first advisory lists
# (or its first non-zero range bound), so that most lines match something.
pypi = []
root = os.path.join(adv, "pypa", "vulns")
for name in sorted(os.listdir(root)):
    d = os.path.join(root, name)
    if not os.path.isdir(d):
        continue
    version = None
    for f in sorted(os.listdir(d)):
        text = open(os.path.join(d, f), encoding="utf-8").read()
        m = re.search(r"^  versions:\n  - ['\"]?([0-9][^'\"\n]*)", text, re.M) or \
            re.search(r"^\s+- (?:introduced|fixed): ['\"]?([1-9][0-9.]*)['\"]?$", text, re.M)
        if m:
            version = m.group(1).strip()
            break
    pypi.append((name, version or "0.1.0"))
pypi = pypi[:N] + [(f"vouch-bench-filler-{i:04d}", "1.0.0") for i in range(N - min(N, len(pypi)))]
with open(os.path.join(work, "requirements.txt"), "w") as f:
    for n, v in pypi:
        f.write(f"{n}=={v}\n")
with open(os.path.join(work, "uv.lock"), "w") as f:
    f.write('version = 1\nrequires-python = ">=3.9"\n')
    for n, v in pypi:
        f.write(f'\n[[package]]\nname = "{n}"\nversion = "{v}"\nsource = {{ registry = "https://registry.invalid/simple" }}\n'
                f'wheels = [{{ url = "https://files.example.invalid/{n}-{v}-py3-none-any.whl", hash = "sha256:{"0" * 64}" }}]\n')
# crates.io: every crate of the RustSec set, at an affected version when one is obvious.
crates = {}
for f in sorted(os.listdir(os.path.join(adv, "rustsec", "crates"))):
    r = json.load(open(os.path.join(adv, "rustsec", "crates", f), encoding="utf-8"))
    for a in r.get("affected", []):
        name = a["package"]["name"]
        if name in crates:
            continue
        v = None
        for rg in a.get("ranges", []):
            for e in rg.get("events", []):
                x = e.get("introduced")
                if x and x not in ("0", "0.0.0-0") and re.fullmatch(r"\d+\.\d+\.\d+", x):
                    v = x
                    break
            if v:
                break
        crates[name] = v or "0.1.0"
cr = sorted(crates.items())[:N]
cr += [(f"vouch-bench-filler-{i:04d}", "1.0.0") for i in range(N - len(cr))]
with open(os.path.join(work, "Cargo.lock"), "w") as f:
    f.write("version = 4\n")
    for n, v in cr:
        f.write(f'\n[[package]]\nname = "{n}"\nversion = "{v}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n')
print(f"inputs: requirements.txt and uv.lock with {len(pypi)} PyPI packages, Cargo.lock with {len(cr)} crates")
PY
cp "$WORK/requirements.txt" "$WORK/uv.lock" "$WORK/Cargo.lock" "$OUT/"
for f in requirements.txt uv.lock Cargo.lock; do
  "$VOUCH" audit --db "$DB" --format json --fail-on never "$WORK/$f" > "$OUT/audit-$f.json"
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f'{sys.argv[2]}: {r[\"packages\"]} packages, {len(r[\"findings\"])} findings, {r[\"advisories_checked\"]} advisories checked')" "$OUT/audit-$f.json" "$f" | tee -a "$OUT/findings.txt"
done

# ---------------------------------------------------------------- audit, warm
hyperfine --runs "$RUNS" --warmup 3 \
  --command-name "audit requirements.txt (1,000 deps)" "'$VOUCH' audit --db '$DB' --format json --fail-on never '$WORK/requirements.txt'" \
  --command-name "audit uv.lock (1,000 deps)" "'$VOUCH' audit --db '$DB' --format json --fail-on never '$WORK/uv.lock'" \
  --command-name "audit Cargo.lock (1,000 deps)" "'$VOUCH' audit --db '$DB' --format json --fail-on never '$WORK/Cargo.lock'" \
  --command-name "audit requirements.txt, table output" "'$VOUCH' audit --db '$DB' --format table --fail-on never '$WORK/requirements.txt'" \
  --export-markdown "$OUT/audit.md" --export-json "$OUT/audit.json"

echo
echo "## vouch db import"
cat "$OUT/import.md" "$OUT/reimport.md"
echo
echo "## vouch audit, warm database"
cat "$OUT/audit.md"
echo
cat "$OUT/findings.txt"
echo "results: $OUT"
