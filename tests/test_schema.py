"""The multi-language surface: Pulumi's own component analyzer must accept every component, every
component and input must be described, no input may be untyped, and the generated schema is
pinned by a golden snapshot (tests/golden/schema.json; regenerate with RAYSTACK_UPDATE_GOLDEN=1).
Experimental SDK API: the pulumi range is pinned in pyproject.toml."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import raystack
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.schema import generate_schema
from raystack.provider import COMPONENTS

GOLDEN = Path(__file__).parent / "golden" / "schema.json"


@functools.cache
def package_schema() -> dict:
    result = Analyzer("raystack").analyze(COMPONENTS)
    spec = generate_schema("raystack", raystack.__version__, None, result["component_definitions"],
                           result["type_definitions"], result["dependencies"])
    doc = spec.to_json()
    return json.loads(doc) if isinstance(doc, str) else doc


def _properties(schema: dict) -> list[tuple[str, dict]]:
    """(where, property) for every component input and every object-type property."""
    out = []
    for token, res in schema["resources"].items():
        out += [(f"{token}.{name}", p) for name, p in res.get("inputProperties", {}).items()]
    for token, typ in schema["types"].items():
        out += [(f"{token}.{name}", p) for name, p in typ.get("properties", {}).items()]
    return out


def test_every_component_has_its_index_token_and_typed_inputs():
    schema = package_schema()
    tokens = set(schema["resources"])
    assert tokens == {f"raystack:index:{c.__name__}" for c in COMPONENTS}, tokens
    pool = schema["resources"]["raystack:index:GpuNodePool"]
    assert {"pool", "clusterName", "nodeRoleArn", "subnetIds"} <= set(pool["requiredInputs"]), pool
    platform = schema["resources"]["raystack:index:RayPlatform"]
    assert {"gpuPools", "rayClusters", "clusterName"} <= set(platform["inputProperties"]), platform


def test_every_component_and_input_is_described():
    schema = package_schema()
    undescribed = [t for t, r in schema["resources"].items() if not r.get("description")]
    assert not undescribed, f"components without a description: {undescribed}"
    props = _properties(schema)
    missing = [where for where, p in props if not p.get("description")]
    assert len(missing) <= 0.05 * len(props), f"{len(missing)}/{len(props)} undescribed: {missing}"
    assert not missing, missing  # today: all of them


def test_no_input_is_untyped():
    untyped = [where for where, p in _properties(package_schema())
               if "$ref" not in p and "type" not in p and "oneOf" not in p]
    refs = [where for where, p in _properties(package_schema()) if p.get("$ref") == "pulumi.json#/Any"]
    assert not untyped and not refs, untyped + refs


def test_enums_reach_other_languages_as_schema_enums():
    types = package_schema()["types"]
    capacity = [t for name, t in types.items() if name.endswith(":CapacityType")]
    assert capacity and {e["value"] for e in capacity[0]["enum"]} == {"ON_DEMAND", "SPOT", "CAPACITY_BLOCK"}, types.keys()


def test_schema_matches_the_golden_snapshot():
    got = json.dumps(package_schema(), indent=1, sort_keys=True) + "\n"
    if os.environ.get("RAYSTACK_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got)
    assert GOLDEN.exists(), f"no {GOLDEN}; run with RAYSTACK_UPDATE_GOLDEN=1"
    assert got == GOLDEN.read_text(), ("the multi-language schema changed; review the diff and regenerate "
                                       "with RAYSTACK_UPDATE_GOLDEN=1")
