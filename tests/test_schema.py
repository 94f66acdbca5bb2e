"""The multi-language surface: Pulumi's own component analyzer must accept every component,
so other languages can consume them (pulumi package add). Experimental SDK API: pulumi is pinned."""

from __future__ import annotations

import json

import raystack
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.schema import generate_schema


def package_schema() -> dict:
    result = Analyzer("raystack").analyze([getattr(raystack, n) for n in raystack.__all__])
    spec = generate_schema("raystack", raystack.__version__, None, result["component_definitions"],
                           result["type_definitions"], result["dependencies"])
    doc = spec.to_json()
    return json.loads(doc) if isinstance(doc, str) else doc


def test_every_component_has_its_index_token_and_typed_inputs():
    schema = package_schema()
    tokens = set(schema["resources"])
    assert tokens == {f"raystack:index:{n}" for n in raystack.__all__}, tokens
    pool = schema["resources"]["raystack:index:GpuNodePool"]
    assert {"pool", "clusterName", "nodeRoleArn", "subnetIds"} <= set(pool["requiredInputs"]), pool
    platform = schema["resources"]["raystack:index:RayPlatform"]
    assert {"gpuPools", "rayClusters", "clusterName"} <= set(platform["inputProperties"]), platform


def test_enums_reach_other_languages_as_schema_enums():
    types = package_schema()["types"]
    capacity = [t for name, t in types.items() if name.endswith(":CapacityType")]
    assert capacity and {e["value"] for e in capacity[0]["enum"]} == {"ON_DEMAND", "SPOT", "CAPACITY_BLOCK"}, types.keys()
