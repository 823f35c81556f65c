"""Validate an SPDX 3.0.1 JSON-LD file against the official JSON schema (offline).

usage: validate_spdx3.py <spdx-json-schema.json> <doc.json>
Exit status 0 when valid; 1 with one line per error otherwise.
"""
import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator


def main() -> int:
    schema = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    doc = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(doc))
    for e in errors:
        print(f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:500])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
