"""Validate an SPDX 3.0.1 JSON-LD file against the official JSON schema (offline), then
the profile rules the schema cannot express.

usage: validate_spdx3.py <spdx-json-schema.json> <doc.json>
Checks after the schema:
- every Relationship's from/to, every rootElement/element and every suppliedBy/originatedBy
  names an element of the graph (or an SPDX individual such as NoAssertionElement);
- every ai_AIPackage and dataset_DatasetPackage has exactly one hasDeclaredLicense and one
  hasConcludedLicense relationship, and the profile's fields vouch can know:
  AI: suppliedBy, software_primaryPurpose; Dataset: originatedBy, software_primaryPurpose,
  dataset_datasetType. (releaseTime, builtTime and software_downloadLocation are required by
  the profiles too, but no file states them; vouch leaves them out rather than invent them.)
Exit status 0 when valid; 1 with one line per error otherwise.
"""
import json
import sys
from collections import Counter
from pathlib import Path

from jsonschema import Draft202012Validator

INDIVIDUALS = {
    "https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement",
    "https://spdx.org/rdf/3.0.1/terms/Core/NoneElement",
    "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense",
    "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoneLicense",
}


def profile(doc):
    out = []
    graph = doc.get("@graph", [])
    ids = {e.get("spdxId") for e in graph if "spdxId" in e} | INDIVIDUALS
    rels = [e for e in graph if e.get("type") == "Relationship"]
    for e in graph:
        sid = e.get("spdxId", e.get("@id"))
        refs = []
        if e.get("type") == "Relationship":
            refs = [e.get("from")] + list(e.get("to", []))
        refs += list(e.get("rootElement", [])) + list(e.get("element", []))
        refs += [e["suppliedBy"]] if "suppliedBy" in e else []
        refs += list(e.get("originatedBy", []))
        for r in refs:
            if r not in ids:
                out.append(f"{sid}: refers to {r!r}, which is not in the graph")
    counts = Counter((r.get("from"), r.get("relationshipType")) for r in rels)
    for e in graph:
        t = e.get("type")
        if t not in ("ai_AIPackage", "dataset_DatasetPackage"):
            continue
        sid = e["spdxId"]
        for lt in ("hasDeclaredLicense", "hasConcludedLicense"):
            if counts[(sid, lt)] != 1:
                out.append(f"{sid}: {counts[(sid, lt)]} {lt} relationships, not exactly one")
        need = ["software_primaryPurpose"]
        if t == "ai_AIPackage":
            need.append("suppliedBy")
        if t == "dataset_DatasetPackage":
            need += ["originatedBy", "dataset_datasetType"]
        for k in need:
            if k not in e:
                out.append(f"{sid}: {t} without {k}")
    return out


def schema_errors(schema, doc):
    """The schema's verdict, with messages that point at the failing element.

    The schema checks each `@graph` item against `AnyClass`, an `anyOf` over every SPDX
    class; the pure-Python `jsonschema` takes minutes on a few hundred elements, so the
    Rust-backed `jsonschema-rs` gives the verdict when installed. An item can only match the
    class its `type` names (each class pins `type` with a `const`), so when the document is
    invalid each item is checked against that class alone to say which one fails and why.
    """
    try:
        import jsonschema_rs

        make = jsonschema_rs.Draft202012Validator
        if jsonschema_rs.Draft202012Validator(schema).is_valid(doc):
            return []
        known_invalid = True
    except ImportError:
        # Slow but complete: the per-element check below is then the verdict itself.
        make = Draft202012Validator
        known_invalid = False
    errors = []
    defs = schema["$defs"]
    top = dict(doc)
    graph = top.pop("@graph", None)
    if not isinstance(graph, list):
        return ["@graph: missing or not an array"]
    top["@graph"] = []
    for e in Draft202012Validator(schema).iter_errors(top):
        errors.append(f"{'/'.join(map(str, e.absolute_path))}: {e.message}")
    validators = {}
    for i, item in enumerate(graph):
        t = item.get("type") if isinstance(item, dict) else None
        if t not in defs:
            errors.append(f"@graph/{i}: unknown or missing type {t!r}")
            continue
        if t not in validators:
            sub = {"$schema": schema["$schema"], "type": "object", "$ref": f"#/$defs/{t}",
                   "unevaluatedProperties": False, "$defs": defs}
            validators[t] = make(sub)
        for e in validators[t].iter_errors(item):
            errors.append(f"@graph/{i} ({t}): {e.message}")
    if not errors and known_invalid:
        return ["invalid against the schema (no single element to blame)"]
    return errors


def main() -> int:
    schema = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    doc = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    errors = schema_errors(schema, doc)
    for e in errors:
        print(e[:500])
    problems = profile(doc)
    for p in problems:
        print(p[:500])
    return 1 if errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
