#!/usr/bin/env bash
# Benchmark `vouch bom` against cyclonedx-py, and on generated 10,000-package lockfiles.
#
#   bench/bom_bench.sh [--runs N] [--no-build] [--packages N] [--skip-env]
#
# 1. the fixture ML project (crates/vouch-bom/tests/fixtures/project: pyproject.toml, uv.lock,
#    requirements.txt, a model directory, a dataset):
#      vouch bom PROJECT          vs  cyclonedx-py requirements PROJECT/requirements.txt
#    and that project installed into a virtualenv (target/bench-bom/venv, with cyclonedx-bom):
#      vouch bom EMPTY --python-env VENV  vs  cyclonedx-py environment VENV/bin/python
#    (--skip-env leaves the second pair out, e.g. offline). Both tools write CycloneDX 1.6 JSON.
# 2. lockfiles of --packages (default 10,000) packages with ~3 dependency edges each, generated
#    by bench/gen_big_lockfile.py: uv.lock, requirements.txt, Cargo.lock, package-lock.json;
#      vouch bom FILE             (goal: under 1 s each)
# Every command runs once untimed first; its output is kept and its component and edge counts
# printed, to show that the tool really did the work. Then hyperfine (--warmup 1, --runs N,
# default 5). cyclonedx-py is timed as it runs by default (validating its output against the
# CycloneDX schema, about 3 s of its time) and with --no-validate. Needs python3 (3.11) and
# access to PyPI for the venv; installs hyperfine with apt-get when missing and possible.
# Results: target/bench-results/bom-<time>/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROJECT=$ROOT/crates/vouch-bom/tests/fixtures/project
RUNS=5
BUILD=1
PACKAGES=10000
SKIP_ENV=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --packages) PACKAGES="$2"; shift 2 ;;
    --skip-env) SKIP_ENV=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VOUCH=${VOUCH:-$TARGET/release/vouch}
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

OUT=$ROOT/target/bench-results/bom-$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" "$WORK/empty"

# ---------------------------------------------------------------- cyclonedx-py
VENV=$ROOT/target/bench-bom/venv
stamp=$VENV/.vouch-bench-requirements
want=$(cat "$ROOT/scripts/requirements-bom.txt" "$PROJECT/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/scripts/requirements-bom.txt"
  if [ "$SKIP_ENV" = 0 ]; then
    # The project's locked dependencies (hash-checked), so the environment is the project's.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$PROJECT/requirements.txt"
    echo "$want" > "$stamp"
  fi
fi
CDX=$VENV/bin/cyclonedx-py
{
  echo "vouch: $("$VOUCH" --version)"
  echo "cyclonedx-py: $("$CDX" --version) (Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'))"
  echo "machine: $(nproc) cores, $(uname -sr)"
} | tee "$OUT/env.txt"

# Component / edge counts of a CycloneDX JSON file.
counts() {
  python3 - "$1" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
comps, stack = [], list(d.get("components", []))
while stack:
    c = stack.pop()
    comps.append(c)
    stack.extend(c.get("components", []))
types = collections.Counter(c.get("type") for c in comps)
edges = sum(len(x.get("dependsOn", [])) for x in d.get("dependencies", []))
print(f"{len(comps)} components ({', '.join(f'{k} {v}' for k, v in sorted(types.items()))}), {edges} edges")
PY
}

# once untimed: outputs kept, counts printed.
check() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  "$@" > "$OUT/$name.json" 2> "$OUT/$name.stderr" || { echo "$name failed:"; tail -5 "$OUT/$name.stderr"; return 1; }
  t1=$(date +%s%N)
  printf '%-34s %7d ms  %s\n' "$name" $(( (t1 - t0) / 1000000 )) "$(counts "$OUT/$name.json")" | tee -a "$OUT/counts.txt"
}

# ---------------------------------------------------------------- 1. the fixture project
echo
echo "## the fixture project ($(grep -c '==' "$PROJECT/requirements.txt") pinned packages, models and datasets)"
check vouch-project "$VOUCH" bom "$PROJECT"
check cyclonedx-py-requirements "$CDX" requirements --sv 1.6 --of JSON -o - "$PROJECT/requirements.txt"
hyperfine --runs "$RUNS" --warmup 1 -N \
  --command-name "vouch bom PROJECT" "'$VOUCH' bom '$PROJECT'" \
  --command-name "cyclonedx-py requirements PROJECT/requirements.txt" \
  "'$CDX' requirements --sv 1.6 --of JSON -o - '$PROJECT/requirements.txt'" \
  --command-name "cyclonedx-py requirements --no-validate PROJECT/requirements.txt" \
  "'$CDX' requirements --no-validate --sv 1.6 --of JSON -o - '$PROJECT/requirements.txt'" \
  --export-markdown "$OUT/project.md" --export-json "$OUT/project.json" >/dev/null

ENV_OK=0
if [ "$SKIP_ENV" = 0 ]; then
  n=$(find "$VENV/lib" -maxdepth 3 -name '*.dist-info' | wc -l)
  echo
  echo "## the project installed in a virtualenv ($n distributions)"
  check cyclonedx-py-environment "$CDX" environment --sv 1.6 --of JSON -o - "$VENV/bin/python"
  if check vouch-python-env "$VOUCH" bom "$WORK/empty" --python-env "$VENV"; then
    ENV_OK=1
    hyperfine --runs "$RUNS" --warmup 1 -N \
      --command-name "vouch bom --python-env VENV" "'$VOUCH' bom '$WORK/empty' --python-env '$VENV'" \
      --command-name "cyclonedx-py environment VENV" \
      "'$CDX' environment --sv 1.6 --of JSON -o - '$VENV/bin/python'" \
      --command-name "cyclonedx-py environment --no-validate VENV" \
      "'$CDX' environment --no-validate --sv 1.6 --of JSON -o - '$VENV/bin/python'" \
      --export-markdown "$OUT/environment.md" --export-json "$OUT/environment.json" >/dev/null
  else
    echo "vouch bom --python-env does not work here: environment pair skipped"
  fi
fi

# ---------------------------------------------------------------- 2. generated lockfiles
echo
echo "## generated lockfiles"
python3 "$ROOT/bench/gen_big_lockfile.py" "$WORK/big" --packages "$PACKAGES" | tee "$OUT/generated.txt"
args=()
for f in uv/uv.lock requirements/requirements.txt cargo/Cargo.lock npm/package-lock.json; do
  base=$(basename "$f")
  check "vouch-big-$base" "$VOUCH" bom "$WORK/big/$f"
  args+=(--command-name "vouch bom $base ($PACKAGES packages)" "'$VOUCH' bom '$WORK/big/$f'")
done
hyperfine --runs "$RUNS" --warmup 1 -N "${args[@]}" \
  --export-markdown "$OUT/big.md" --export-json "$OUT/big.json" >/dev/null

echo
echo "## results"
cat "$OUT/env.txt"
echo
echo "### fixture project"
cat "$OUT/project.md"
if [ "$ENV_OK" = 1 ]; then
  echo
  echo "### installed environment"
  cat "$OUT/environment.md"
fi
echo
echo "### generated lockfiles"
cat "$OUT/big.md"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
for name in ("project", "environment"):
    p = os.path.join(out, f"{name}.json")
    if os.path.exists(p):
        r = json.load(open(p))["results"]
        for other in r[1:]:
            print(f"{name}: vouch is {other['mean'] / r[0]['mean']:.0f}x faster than {other['command']} (goal: 10x)")
for r in json.load(open(os.path.join(out, "big.json")))["results"]:
    print(f"{r['command']}: {r['mean']:.3f} s wall, {r['user'] + r['system']:.3f} s CPU "
          f"{'(under 1 s: goal met)' if r['mean'] < 1 else '(OVER the 1 s goal)'}")
PY
echo
echo "untimed first runs (wall time, output):"
cat "$OUT/counts.txt"
echo "results: $OUT"
