#!/usr/bin/env python3
"""Regenerate the third-party BOM fixtures read by crates/vouch-inventory/tests/bom_read.rs.

Real tools, pinned, in throw-away virtualenvs under a temporary directory:

* cyclonedx-bom 7.5.0 (`cyclonedx-py environment`) on a venv holding requests 2.25.0 and
  Jinja2 2.11.2 with a small pyproject.toml as the root component, once per CycloneDX spec
  version 1.4, 1.5 and 1.6 (JSON): `cdx-1.4-env.json`, `cdx-1.5-env.json`,
  `cdx-1.6-env.json`. Environment mode records the dependency graph.
* cyclonedx-bom 7.5.0 (`cyclonedx-py requirements`) on a hashed requirements file:
  `cdx-1.6-requirements.json` (the `--hash` digests land on distribution references).
* sbom4python 0.12.6 on the installed `requests` module, SPDX 2.3 JSON:
  `spdx-2.3-sbom4python.json` (DESCRIBES + DEPENDS_ON relationships).

The hand-written fixtures beside them (`*-handwritten.json`) are not produced here.

Registry host names are scrubbed from the output (replaced by `registry.invalid`), and
timestamps are pinned (`--output-reproducible`, SOURCE_DATE_EPOCH=0; sbom4python's creation
time and namespace are fixed afterwards), so a rerun gives the same bytes unless a resolved
version (certifi, MarkupSafe, pip, setuptools) moved.

Usage: python3 scripts/gen_bom_fixtures.py [OUT_DIR]
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "crates/vouch-inventory/tests/fixtures/boms"

PYPROJECT = """\
[project]
name = "bom-fixture-app"
version = "0.1.0"
license = "MIT"
dependencies = ["requests==2.25.0", "jinja2==2.11.2"]
"""

REQUIREMENTS = """\
requests==2.25.0 \\
    --hash=sha256:7f1a0b932f4a60a1a65caa4263921bb7d9ee911957e0ae4a23a6dd08185ad5f8
urllib3==1.26.4
torch==1.13.0 ; python_version >= "3.8"
"""

# Registry and mirror hosts never land in a committed file: every URL host that is not
# already `.invalid` is rewritten.
REGISTRY = re.compile(r"https?://(?![a-z0-9.-]*\.invalid[:/])[a-z0-9.-]+(:\d+)?/", re.I)


def run(*args, **kw):
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, **kw)


def venv(path: Path, *packages: str) -> Path:
    run(sys.executable, "-m", "venv", path)
    run(path / "bin/python", "-m", "pip", "install", "--quiet", *packages)
    return path


def scrub(text: str, tmp: Path) -> str:
    text = REGISTRY.sub("https://registry.invalid/", text)
    text = text.replace(str(tmp), "/tmp/build")
    return text


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH="0")
    with tempfile.TemporaryDirectory(prefix="vouch-bomfix-") as t:
        tmp = Path(t)
        cdx = venv(tmp / "cdx", "cyclonedx-bom==7.5.0")
        target = venv(tmp / "target", "requests==2.25.0", "jinja2==2.11.2")
        s4p = venv(tmp / "s4p", "sbom4python==0.12.6", "requests==2.25.0")
        (tmp / "pyproject.toml").write_text(PYPROJECT)
        (tmp / "requirements.txt").write_text(REQUIREMENTS)

        outputs = {}
        for sv in ("1.4", "1.5", "1.6"):
            out = tmp / f"cdx-{sv}-env.json"
            run(cdx / "bin/cyclonedx-py", "environment", "--pyproject", tmp / "pyproject.toml",
                "--sv", sv, "--output-reproducible", "-o", out, target / "bin/python", env=env)
            outputs[out.name] = out
        out = tmp / "cdx-1.6-requirements.json"
        run(cdx / "bin/cyclonedx-py", "requirements", "--sv", "1.6", "--output-reproducible",
            "-o", out, tmp / "requirements.txt", env=env)
        outputs[out.name] = out

        out = tmp / "spdx-2.3-sbom4python.json"
        run(s4p / "bin/sbom4python", "-m", "requests", "--sbom", "spdx", "--format", "json", "-o", out)
        doc = json.loads(out.read_text())
        doc["creationInfo"]["created"] = "1970-01-01T00:00:00Z"
        doc["documentNamespace"] = "http://spdx.org/spdxdocs/requests-00000000-0000-0000-0000-000000000000"
        out.write_text(json.dumps(doc, indent=2) + "\n")
        outputs[out.name] = out

        for name, path in outputs.items():
            (OUT / name).write_text(scrub(path.read_text(), tmp))
            print("wrote", OUT / name)


if __name__ == "__main__":
    main()
