"""Validate a CycloneDX 1.6 JSON file against the official schema (offline).

usage: validate_cdx.py <schema-dir> <bom.json>
The schema dir holds bom-1.6.schema.json, spdx.schema.json and jsf-0.82.schema.json,
which refer to each other by $id http://cyclonedx.org/schema/<file>.
Then the rules the schema cannot express: bom-refs unique in the whole document (nested
components and metadata.component included), every dependency ref and dependsOn resolvable,
modelCard only on machine-learning-model components, data only on data components, and
licences either ids/names or exactly one expression.
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
    problems = semantic(bom)
    for p in problems:
        print(p[:500])
    return 1 if errors or problems else 0


def semantic(bom):
    out = []
    refs = {}
    stack = []
    meta = bom.get("metadata", {}).get("component")
    if meta:
        stack.append(("metadata/component", meta))
    for i, c in enumerate(bom.get("components", [])):
        stack.append((f"components/{i}", c))
    while stack:
        where, c = stack.pop()
        r = c.get("bom-ref")
        if r is not None:
            if r in refs:
                out.append(f"{where}: bom-ref {r!r} also at {refs[r]}")
            refs[r] = where
        if "modelCard" in c and c.get("type") != "machine-learning-model":
            out.append(f"{where}: modelCard on a {c.get('type')} component")
        if "data" in c and c.get("type") != "data":
            out.append(f"{where}: data on a {c.get('type')} component")
        lic = c.get("licenses", [])
        if any("expression" in x for x in lic) and len(lic) != 1:
            out.append(f"{where}: an expression mixed with other licences")
        for j, n in enumerate(c.get("components", [])):
            stack.append((f"{where}/components/{j}", n))
    for i, d in enumerate(bom.get("dependencies", [])):
        for r in [d.get("ref")] + d.get("dependsOn", []):
            if r not in refs:
                out.append(f"dependencies/{i}: {r!r} is no component's bom-ref")
    return out


if __name__ == "__main__":
    sys.exit(main())
