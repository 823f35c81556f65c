#!/usr/bin/env python3
"""Differential test: vouch against picklescan and against the corpus manifest.

Usage:
    python3 scripts/diff_picklescan.py --vouch target/release/vouch \
        crates/vouch-scan/tests/fixtures/pickle [--report report.md]

For every file in CORPUS_DIR/manifest.json:
  * run picklescan on it (Python API `picklescan.scanner.scan_file_path`; falls back to the
    `picklescan` CLI when the package is not importable), and
  * run `VOUCH scan FILE --format json` (contract: docs in the design, schema "vouch.scan/v1").
Checks:
  (a) picklescan reports dangerous globals  -> vouch reports >= high
      picklescan scan error/crash on a file the manifest says is not clean -> vouch >= medium
      (dangerous globals listed in PICKLESCAN_FALSE_POSITIVES do not count)
  (b) vouch's highest severity equals the manifest's `expect` ("clean" = nothing >= medium),
      every rule in `rules` appears, `status` (when given) matches the file's status
  (c) vouch's exit code agrees with its findings (0: nothing >= high, 1: something >= high;
      2 is an error and always a failure)
Prints one line per failed check, a table of files vouch flags (>= medium) that picklescan
does not flag, and finally `N passed, M failed` (files). Exit status 1 when M > 0.
Needs picklescan (pip install -r scripts/requirements-test.txt).
"""

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

SEVERITIES = ["info", "low", "medium", "high", "critical"]
RANK = {s: i for i, s in enumerate(SEVERITIES)}
RANK["clean"] = -1  # nothing at all; "clean" in the manifest means nothing >= medium

# Globals picklescan calls dangerous although loading them cannot run code: picklescan blocks
# the whole `uuid` module because of uuid._get_command_stdout, which also catches uuid.UUID.
PICKLESCAN_FALSE_POSITIVES = {"uuid.UUID"}


def level(max_sev):
    """Manifest-style level of a vouch result: clean / medium / high / critical."""
    return max_sev if max_sev is not None and RANK[max_sev] >= RANK["medium"] else "clean"


# ------------------------------------------------------------------------------ picklescan


class PicklescanResult:
    def __init__(self, dangerous=(), suspicious=(), scan_error=False, exception=None):
        self.dangerous = sorted(set(dangerous))
        self.suspicious = sorted(set(suspicious))
        self.scan_error = scan_error
        self.exception = exception

    @property
    def real_dangerous(self):
        return [g for g in self.dangerous if g not in PICKLESCAN_FALSE_POSITIVES]

    @property
    def flags(self):
        return bool(self.real_dangerous)

    def describe(self):
        if self.exception:
            return f"crash: {self.exception}"
        parts = []
        if self.dangerous:
            parts.append("dangerous: " + ", ".join(self.dangerous))
        if self.scan_error:
            parts.append("scan error")
        if not parts:
            parts.append(f"clean ({len(self.suspicious)} suspicious)" if self.suspicious else "clean")
        return "; ".join(parts)


def picklescan_api():
    try:
        from picklescan.scanner import SafetyLevel, scan_file_path
    except ImportError:
        return None
    logging.getLogger("picklescan").setLevel(logging.CRITICAL + 1)

    def scan(path):
        try:
            r = scan_file_path(str(path))
        except Exception as e:  # picklescan raises on e.g. truncated zips
            return PicklescanResult(exception=f"{type(e).__name__}: {e}")
        name = lambda g: f"{g.module}.{g.name}"  # noqa: E731
        return PicklescanResult(
            [name(g) for g in r.globals if g.safety == SafetyLevel.Dangerous],
            [name(g) for g in r.globals if g.safety == SafetyLevel.Suspicious],
            scan_error=bool(r.scan_err))
    return scan


def picklescan_cli(exe):
    def scan(path):
        p = subprocess.run([exe, "-g", "-p", str(path)], capture_output=True, text=True, timeout=300)
        out = p.stdout + p.stderr
        if "Unhandled exception" in out:
            last = [line for line in out.splitlines() if line.strip()][-1]
            return PicklescanResult(exception=last.strip())
        dangerous = re.findall(r"^\s*\* (\S+) - dangerous$", out, re.M)
        suspicious = re.findall(r"^\s*\* (\S+) - suspicious$", out, re.M)
        return PicklescanResult(dangerous, suspicious, scan_error=("ERROR: parsing" in out))
    return scan


# ------------------------------------------------------------------------------ vouch


class VouchResult:
    def __init__(self, exit_code, max_sev=None, rules=(), status=None, error=None, findings=()):
        self.exit_code, self.max_sev, self.rules = exit_code, max_sev, sorted(set(rules))
        self.status, self.error, self.findings = status, error, list(findings)

    def describe(self):
        if self.error:
            return f"error: {self.error}"
        return f"{level(self.max_sev)}" + (f" ({', '.join(self.rules)})" if self.rules else "")


def run_vouch(vouch, path, timeout):
    try:
        p = subprocess.run([vouch, "scan", str(path), "--format", "json"], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return VouchResult(None, error=f"timed out after {timeout}s")
    except OSError as e:
        return VouchResult(None, error=f"cannot run {vouch}: {e}")
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        stderr = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1][:300]
        if p.returncode == 2:
            return VouchResult(2, error=f"exit code 2: {stderr}")
        return VouchResult(p.returncode, error=f"stdout is not JSON ({e}); stderr: {stderr}")
    if doc.get("schema") != "vouch.scan/v1":
        return VouchResult(p.returncode, error=f"unexpected schema {doc.get('schema')!r}")
    findings = doc.get("findings") or []
    sevs = [f.get("severity") for f in findings]
    bad = [s for s in sevs if s not in RANK or s == "clean"]
    if bad:
        return VouchResult(p.returncode, error=f"unknown severities {bad}")
    max_sev = max(sevs, key=RANK.__getitem__) if sevs else None
    files = doc.get("files") or []
    status = None
    for f in files:
        if f.get("path") == str(path) or os.path.basename(str(f.get("path", ""))) == path.name:
            status = f.get("status")
            break
    else:
        if files:
            status = files[0].get("status")
    return VouchResult(p.returncode, max_sev, [f.get("rule") for f in findings], status,
                       findings=findings)


# ------------------------------------------------------------------------------ checks


def check(entry, ps, vr):
    """Failure messages for one manifest entry."""
    fails = []
    if vr.error:
        return [f"vouch {vr.error}"]
    got = level(vr.max_sev)
    # (a) agreement with picklescan
    if ps.flags and RANK[got] < RANK["high"]:
        fails.append(f"picklescan reports dangerous globals {ps.real_dangerous} but vouch says {got}")
    if (ps.scan_error or ps.exception) and not ps.flags and entry["expect"] != "clean" \
            and RANK[got] < RANK["medium"]:
        fails.append(f"picklescan cannot parse this non-clean file ({ps.describe()}) and vouch says {got}")
    # (b) the manifest
    if got != entry["expect"]:
        fails.append(f"expected {entry['expect']}, vouch says {got}"
                     + (f" (max severity {vr.max_sev})" if vr.max_sev and got != vr.max_sev else ""))
    missing = [r for r in entry.get("rules", []) if r not in vr.rules]
    if missing:
        fails.append(f"missing rules {missing} (got {vr.rules})")
    if entry.get("status") and vr.status != entry["status"]:
        fails.append(f"expected status {entry['status']!r}, vouch says {vr.status!r}")
    # (c) exit code
    want_exit = 1 if vr.max_sev and RANK[vr.max_sev] >= RANK["high"] else 0
    if vr.exit_code != want_exit:
        fails.append(f"exit code {vr.exit_code}, expected {want_exit} for max severity {vr.max_sev}")
    return fails


def md_escape(s):
    return str(s).replace("|", "\\|")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vouch", required=True, help="path to the vouch binary")
    ap.add_argument("corpus", type=Path, help="corpus directory containing manifest.json")
    ap.add_argument("--report", type=Path, help="also write a markdown report here")
    ap.add_argument("--picklescan-cli", help="use this picklescan executable instead of the Python API")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per vouch run (default 120)")
    args = ap.parse_args(argv)

    manifest_path = args.corpus / "manifest.json"
    if not manifest_path.is_file():
        print(f"error: {manifest_path} not found (generate it with scripts/gen_pickle_fixtures.py)",
              file=sys.stderr)
        return 2
    manifest = json.loads(manifest_path.read_text())
    vouch = args.vouch
    if os.sep not in vouch and shutil.which(vouch):
        vouch = shutil.which(vouch)
    if not (os.path.isfile(vouch) and os.access(vouch, os.X_OK)):
        print(f"error: vouch binary {args.vouch!r} not found or not executable "
              "(build it with `cargo build --release`)", file=sys.stderr)
        return 2
    if args.picklescan_cli:
        scan, how = picklescan_cli(args.picklescan_cli), f"CLI {args.picklescan_cli}"
    else:
        scan, how = picklescan_api(), "Python API"
        if scan is None:
            exe = shutil.which("picklescan")
            if exe is None:
                print("error: picklescan is not installed: pip install -r scripts/requirements-test.txt",
                      file=sys.stderr)
                return 2
            scan, how = picklescan_cli(exe), f"CLI {exe}"
    try:
        from importlib.metadata import version
        ps_version = version("picklescan")
    except Exception:
        ps_version = "unknown version"

    rows, failures, passed = [], [], 0
    for entry in manifest:
        path = args.corpus / entry["path"]
        ps = scan(path)
        vr = run_vouch(vouch, path, args.timeout)
        fails = check(entry, ps, vr)
        for f in fails:
            line = f"FAIL {entry['path']}: {f}"
            print(line)
            failures.append((entry["path"], f))
        if not fails:
            passed += 1
        rows.append((entry, ps, vr, fails))

    catches = [(e, ps, vr) for e, ps, vr, _ in rows
               if not vr.error and RANK[level(vr.max_sev)] >= RANK["medium"] and not ps.flags]
    fps = [(e, ps, vr) for e, ps, vr, _ in rows if ps.dangerous and not ps.flags]
    print()
    print(f"vouch catches, picklescan misses ({len(catches)} files):")
    width = max([len(e["path"]) for e, _, _ in catches] + [4])
    print(f"  {'file':{width}}  {'vouch':10}  picklescan")
    for e, ps, vr in catches:
        print(f"  {e['path']:{width}}  {level(vr.max_sev):10}  {ps.describe()}")
    if fps:
        print("picklescan false positives ignored: "
              + ", ".join(f"{e['path']} ({', '.join(ps.dangerous)})" for e, ps, _ in fps))

    n_fail = len(manifest) - passed
    if args.report:
        lines = [
            "# vouch vs picklescan on the pickle corpus", "",
            f"- corpus: `{args.corpus}` ({len(manifest)} files)",
            f"- vouch: `{args.vouch}`",
            f"- picklescan {ps_version} ({how})",
            f"- result: **{passed} passed, {n_fail} failed**", "",
        ]
        if failures:
            lines += ["## Failures", "", "| file | failure |", "|---|---|"]
            lines += [f"| `{md_escape(p)}` | {md_escape(f)} |" for p, f in failures]
            lines.append("")
        lines += [f"## vouch catches, picklescan misses ({len(catches)} files)", "",
                  "| file | vouch | vouch rules | picklescan | what it is |", "|---|---|---|---|---|"]
        for e, ps, vr in catches:
            lines.append(f"| `{md_escape(e['path'])}` | {level(vr.max_sev)} | "
                         f"{md_escape(', '.join(vr.rules))} | {md_escape(ps.describe())} | "
                         f"{md_escape(e['why'])} |")
        if fps:
            lines += ["", "## picklescan false positives (ignored by check (a))", "",
                      "| file | picklescan | vouch |", "|---|---|---|"]
            for e, ps, vr in fps:
                lines.append(f"| `{md_escape(e['path'])}` | {md_escape(ps.describe())} | {vr.describe()} |")
        lines += ["", "## All files", "", "| file | expect | vouch | picklescan |", "|---|---|---|---|"]
        for e, ps, vr, fails in rows:
            mark = "" if not fails else " ❌"
            lines.append(f"| `{md_escape(e['path'])}` | {e['expect']} | {md_escape(vr.describe())}{mark} | "
                         f"{md_escape(ps.describe())} |")
        args.report.write_text("\n".join(lines) + "\n")
    print(f"{passed} passed, {n_fail} failed")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
