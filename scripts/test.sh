#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script).
#
# Installs what the tests need (a Python virtualenv with the peer tools used as interop
# oracles), then: formatting, clippy with -D warnings, a release build, every cargo test,
# and the differential test against picklescan on a freshly generated pickle corpus.
# Needs only the Rust toolchain, Python 3.11 and pip; everything else it installs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n==> %s\n' "$*"; }

# ---------------------------------------------------------------- Python test environment
venv=${VOUCH_TEST_VENV:-$root/target/test-venv}
step "Python test environment in $venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
reqs=(-r scripts/requirements-test.txt)
for extra in scripts/requirements-formats.txt scripts/requirements-sign.txt scripts/requirements-audit.txt scripts/requirements-bom.txt; do
    [ -f "$extra" ] && reqs+=(-r "$extra")
done
# Reinstall only when the requirement files changed.
stamp="$venv/.vouch-requirements"
want=$(cat scripts/requirements-*.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${reqs[@]}"
    echo "$want" > "$stamp"
fi
export VOUCH_TEST_PYTHON="$venv/bin/python"
export PATH="$venv/bin:$PATH"

# ---------------------------------------------------------------- Rust
step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo build --release"
cargo build --release --locked -p vouch

step "cargo test"
cargo test --workspace --locked

step "generated protobuf code is fresh (scripts/protogen --check)"
CARGO_TARGET_DIR="$root/target/protogen" cargo run -q --locked --manifest-path scripts/protogen/Cargo.toml -- --check

# ---------------------------------------------------------------- interop with peer tools
step "differential test against picklescan (freshly generated corpus)"
corpus="$root/target/pickle-corpus"
rm -rf "$corpus"
"$VOUCH_TEST_PYTHON" scripts/gen_pickle_fixtures.py "$corpus" >/dev/null
"$VOUCH_TEST_PYTHON" scripts/diff_picklescan.py --vouch "$root/target/release/vouch" "$corpus" \
    --report "$root/target/picklescan-diff.md"
