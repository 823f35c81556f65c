"""Validate a CycloneDX 1.6 JSON file against the official schema (offline).

usage: validate_cdx.py <schema-dir> <bom.json>
The schema dir holds bom-1.6.schema.json, spdx.schema.json and jsf-0.82.schema.json,
which refer to each other by $id http://cyclonedx.org/schema/<file>.
Exit status 0 when valid; 1 with one line per error otherwise.
"""
import json
import sys
from pathlib import Path

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


def main() -> int:
    schema_dir, bom_path = Path(sys.argv[1]), Path(sys.argv[2])
    resources = []
    for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        doc = json.loads((schema_dir / name).read_text(encoding="utf-8"))
        res = Resource.from_contents(doc, default_specification=DRAFT7)
        resources.append((f"http://cyclonedx.org/schema/{name}", res))
    registry = Registry().with_resources(resources)
    schema = json.loads((schema_dir / "bom-1.6.schema.json").read_text(encoding="utf-8"))
    bom = json.loads(bom_path.read_text(encoding="utf-8"))
    validator = Draft7Validator(schema, registry=registry)
    errors = sorted(validator.iter_errors(bom), key=lambda e: list(e.absolute_path))
    for e in errors:
        print(f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:500])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
