#!/usr/bin/env python3
"""Time one command (hyperfine when available, else a Python loop) and record throughput.

    measure.py run --results DIR --name NAME --files N --bytes B [--runs R] -- CMD ARGS...
    measure.py summary --results DIR

`run` first executes the command once, saving its output to DIR/NAME.out and its exit code
(a warm-up that also shows whether the tool really scanned), then times R runs, and appends a
row to DIR/summary.jsonl. Exit codes of the timed command are ignored (scanners exit non-zero
when they find something). `summary` prints the table with files/s and MB/s.
"""

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def run(args):
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    safe = args.name.replace("/", "_")
    out_path = results / f"{safe}.out"
    start = time.monotonic()
    with open(out_path, "wb") as out:
        first = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    first_s = time.monotonic() - start
    hyperfine = shutil.which("hyperfine")
    if hyperfine:
        export = results / f"{safe}.hyperfine.json"
        # -N: no intermediate shell; hyperfine discards the command's output itself
        subprocess.run([hyperfine, "--style", "basic", "-N", "--runs", str(args.runs), "-i",
                        "--export-json", str(export), shlex.join(cmd)],
                       check=True, stdout=subprocess.DEVNULL)
        times = json.loads(export.read_text())["results"][0]["times"]
        how = "hyperfine"
    else:
        times = []
        for _ in range(args.runs):
            t = time.monotonic()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.monotonic() - t)
        how = "python"
    row = {"name": args.name, "files": args.files, "bytes": args.bytes, "runs": len(times),
           "mean_s": statistics.mean(times), "min_s": min(times),
           "stdev_s": statistics.stdev(times) if len(times) > 1 else 0.0,
           "first_run_s": first_s, "exit_code": first.returncode, "timer": how,
           "command": shlex.join(cmd)}
    with open(results / "summary.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    print(fmt_row(row), flush=True)
    return 0


def fmt_row(r):
    mean = r["mean_s"]
    return (f"{r['name']:<28} {mean:9.3f} s ± {r['stdev_s']:6.3f}  {r['files'] / mean:10.1f} files/s"
            f"  {r['bytes'] / 1e6 / mean:10.1f} MB/s  (exit {r['exit_code']}, {r['runs']} runs, {r['timer']})")


def summary(args):
    path = Path(args.results) / "summary.jsonl"
    if not path.exists():
        print("no results")
        return 1
    rows = {}
    for line in path.read_text().splitlines():
        r = json.loads(line)
        rows[r["name"]] = r  # last run of each benchmark wins
    print(f"{'benchmark':<28} {'mean':>11}   {'':6}  {'files/s':>16}  {'MB/s':>15}")
    for r in rows.values():
        print(fmt_row(r))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run")
    r.add_argument("--results", required=True)
    r.add_argument("--name", required=True)
    r.add_argument("--files", type=int, required=True)
    r.add_argument("--bytes", type=int, required=True)
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    s = sub.add_parser("summary")
    s.add_argument("--results", required=True)
    args = ap.parse_args()
    return run(args) if args.what == "run" else summary(args)


if __name__ == "__main__":
    sys.exit(main())
