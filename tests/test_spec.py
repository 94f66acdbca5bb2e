"""raystack.spec: key spelling and structural coercion of the stack configuration."""

from __future__ import annotations

import typing

import pytest
from raystack.spec import types as spec
from raystack.spec.coerce import coerce, to_camel, to_snake

# --- key spelling -----------------------------------------------------------------

SPELLINGS = [
    ("name", "name"),
    ("instance_type", "instanceType"),
    ("disk_size_gib", "diskSizeGib"),
    ("az_count", "azCount"),
    ("vpc_id", "vpcId"),
    ("capacity_reservation_id", "capacityReservationId"),
    ("retain_crds_on_delete", "retainCrdsOnDelete"),
    ("accelerators_per_worker", "acceleratorsPerWorker"),
]


@pytest.mark.parametrize(("snake", "camel"), SPELLINGS)
def test_to_camel_and_to_snake(snake, camel):
    assert to_camel(snake) == camel
    assert to_snake(camel) == snake
    assert to_snake(to_camel(snake)) == snake
    assert to_camel(to_snake(camel)) == camel


SPEC_TYPES = [
    spec.TaintSpec, spec.NodePoolSpec, spec.ExistingPoolSpec, spec.SystemPoolSpec, spec.NetworkSpec,
    spec.HeadSpec, spec.WorkerGroupSpec, spec.RayClusterSpec, spec.KubeRaySpec, spec.PlatformSpec,
]
ALL_FIELDS = sorted({f for td in SPEC_TYPES for f in typing.get_type_hints(td)})


@pytest.mark.parametrize("field", ALL_FIELDS)
def test_every_spec_field_round_trips(field):
    """Stack files use camelCase: every field must come back to the same snake name."""
    assert to_snake(to_camel(field)) == field


# --- coercion of valid input ---------------------------------------------------------

VALID = [
    # id, TypedDict, input, camel, expected output
    (
        "camel-node-pool",
        spec.NodePoolSpec,
        {"name": "gpu", "instanceType": "g6e.12xlarge", "capacityType": "SPOT", "minSize": 0, "maxSize": 3,
         "os": "bottlerocket", "diskSizeGib": 300, "efa": True, "subnetIds": ["subnet-1"]},
        True,
        {"name": "gpu", "instance_type": "g6e.12xlarge", "capacity_type": "SPOT", "min_size": 0, "max_size": 3,
         "os": "bottlerocket", "disk_size_gib": 300, "efa": True, "subnet_ids": ["subnet-1"]},
    ),
    (
        "snake-node-pool",
        spec.NodePoolSpec,
        {"name": "gpu", "instance_type": "g5.xlarge", "max_size": 2},
        False,
        {"name": "gpu", "instance_type": "g5.xlarge", "max_size": 2},
    ),
    (
        "ints-as-strings-and-integral-floats",
        spec.NodePoolSpec,
        {"name": "gpu", "instanceType": "g5.xlarge", "minSize": "1", "maxSize": 4.0, "diskSizeGib": " 200 "},
        True,
        {"name": "gpu", "instance_type": "g5.xlarge", "min_size": 1, "max_size": 4, "disk_size_gib": 200},
    ),
    (
        "bools-as-strings",
        spec.PlatformSpec,
        {"protect": "True", "clusterAutoscaler": "false", "endpointPublicAccess": False},
        True,
        {"protect": True, "cluster_autoscaler": False, "endpoint_public_access": False},
    ),
    (
        "label-map-keys-untouched",
        spec.NodePoolSpec,
        {"name": "gpu", "instanceType": "g5.xlarge",
         "labels": {"raystack.io/team": "a", "someCamelKey": "b", "snake_key": "c"}},
        True,
        {"name": "gpu", "instance_type": "g5.xlarge",
         "labels": {"raystack.io/team": "a", "someCamelKey": "b", "snake_key": "c"}},
    ),
    (
        "existing-pool-node-selector-untouched",
        spec.ExistingPoolSpec,
        {"name": "old", "nodeSelector": {"node.kubernetes.io/instance-type": "g5.xlarge", "myLabel": "x"},
         "maxNodes": "3"},
        True,
        {"name": "old", "node_selector": {"node.kubernetes.io/instance-type": "g5.xlarge", "myLabel": "x"},
         "max_nodes": 3},
    ),
    (
        "taint-without-value",  # TaintSpec.value is NotRequired
        spec.TaintSpec,
        {"key": "dedicated", "effect": "NoSchedule"},
        True,
        {"key": "dedicated", "effect": "NoSchedule"},
    ),
    (
        "nested-platform",
        spec.PlatformSpec,
        {"clusterName": "c", "gpuPools": [{"name": "gpu", "instanceType": "g5.xlarge",
                                           "taints": [{"key": "k", "value": "v", "effect": "NoExecute"}]}],
         "rayClusters": [{"name": "rc", "workerGroups": [{"name": "g", "pool": "gpu",
                                                          "acceleratorsPerWorker": 1}]}],
         "network": {"azCount": 2, "natGateways": "single"}},
        True,
        {"cluster_name": "c", "gpu_pools": [{"name": "gpu", "instance_type": "g5.xlarge",
                                             "taints": [{"key": "k", "value": "v", "effect": "NoExecute"}]}],
         "ray_clusters": [{"name": "rc", "worker_groups": [{"name": "g", "pool": "gpu",
                                                            "accelerators_per_worker": 1}]}],
         "network": {"az_count": 2, "nat_gateways": "single"}},
    ),
]


@pytest.mark.parametrize(("td", "value", "camel", "expected"), [v[1:] for v in VALID],
                         ids=[v[0] for v in VALID])
def test_coerce_valid(td, value, camel, expected):
    out, findings = coerce(td, value, camel=camel)
    assert findings == []
    assert out == expected


# --- findings ---------------------------------------------------------------------

POOL = {"name": "gpu", "instanceType": "g5.xlarge"}

INVALID = [
    # id, TypedDict, input, camel, [(Finding.key, [substrings of the message])]
    (
        "wrong-type-string",
        spec.PlatformSpec, {"gpuPools": [POOL, {"name": "b", "instanceType": 5}]}, True,
        [("gpuPools[1].instanceType", ["must be a string"])],
    ),
    (
        "unknown-key-lists-camel-keys",
        spec.PlatformSpec, {"gpuPools": [{**POOL, "instanceTyp": "g5.xlarge"}]}, True,
        [("gpuPools[0].instanceTyp", ["unknown key", "allowed keys", "instanceType", "capacityType", "diskSizeGib"])],
    ),
    (
        "unknown-key-lists-snake-keys",
        spec.NodePoolSpec, {"name": "gpu", "instance_type": "g5.xlarge", "sizes": 3}, False,
        [("sizes", ["unknown key", "allowed keys", "instance_type", "disk_size_gib"])],
    ),
    (
        "unknown-top-level-key",
        spec.PlatformSpec, {"clusterNme": "x"}, True,
        [("clusterNme", ["unknown key", "clusterName", "gpuPools", "rayClusters"])],
    ),
    (
        "missing-required-in-list",
        spec.PlatformSpec, {"gpuPools": [{"instanceType": "g5.xlarge"}]}, True,
        [("gpuPools[0].name", ["is required", "a string"])],
    ),
    (
        "missing-required-two",
        spec.PlatformSpec, {"rayClusters": [{"name": "rc", "workerGroups": [{"minWorkers": 1}]}]}, True,
        [("rayClusters[0].workerGroups[0].name", ["is required"]),
         ("rayClusters[0].workerGroups[0].pool", ["is required"])],
    ),
    (
        "missing-required-map",
        spec.ExistingPoolSpec, {"name": "old", "maxNodes": 2}, True,
        [("nodeSelector", ["is required", "a map of strings"])],
    ),
    (
        "missing-required-snake-path",
        spec.NodePoolSpec, {"name": "gpu"}, False,
        [("instance_type", ["is required"])],
    ),
    (
        "missing-required-taint-effect",
        spec.TaintSpec, {"key": "k", "value": "v"}, True,
        [("effect", ["is required", "'NoSchedule'"])],
    ),
    (
        "literal-capacity-type",
        spec.PlatformSpec, {"gpuPools": [{**POOL, "capacityType": "spot"}]}, True,
        [("gpuPools[0].capacityType", ["must be one of", "'ON_DEMAND'", "'SPOT'", "'CAPACITY_BLOCK'"])],
    ),
    (
        "literal-os",
        spec.NodePoolSpec, {**POOL, "os": "al2"}, True,
        [("os", ["must be one of", "'al2023'", "'bottlerocket'"])],
    ),
    (
        "literal-taint-effect-nested",
        spec.PlatformSpec, {"gpuPools": [{**POOL, "taints": [{"key": "k", "effect": "NoScheduleX"}]}]}, True,
        [("gpuPools[0].taints[0].effect", ["'NoSchedule'", "'PreferNoSchedule'", "'NoExecute'"])],
    ),
    (
        "non-integral-float",
        spec.NodePoolSpec, {**POOL, "maxSize": 2.5}, True,
        [("maxSize", ["must be an integer"])],
    ),
    (
        "non-numeric-string-int",
        spec.NodePoolSpec, {**POOL, "minSize": "two"}, True,
        [("minSize", ["must be an integer"])],
    ),
    (
        "bool-is-not-an-int",
        spec.NodePoolSpec, {**POOL, "maxSize": True}, True,
        [("maxSize", ["must be an integer"])],
    ),
    (
        "bad-bool",
        spec.NodePoolSpec, {**POOL, "efa": "yes"}, True,
        [("efa", ["must be true or false"])],
    ),
    (
        "list-expected",
        spec.PlatformSpec, {"gpuPools": POOL}, True,
        [("gpuPools", ["must be a list"])],
    ),
    (
        "object-expected",
        spec.PlatformSpec, {"network": "10.0.0.0/16"}, True,
        [("network", ["must be an object"])],
    ),
    (
        "label-map-values-must-be-strings",
        spec.NodePoolSpec, {**POOL, "labels": {"raystack.io/team": 1}}, True,
        [("labels", ["map of string keys to string values"])],
    ),
    (
        "several-problems-collected",
        spec.PlatformSpec,
        {"gpuPools": [{"name": 1, "instanceType": "g5.xlarge", "os": "windows"}], "protect": "maybe"}, True,
        [("gpuPools[0].name", ["must be a string"]), ("gpuPools[0].os", ["'al2023'"]),
         ("protect", ["must be true or false"])],
    ),
]


@pytest.mark.parametrize(("td", "value", "camel", "expected"), [v[1:] for v in INVALID],
                         ids=[v[0] for v in INVALID])
def test_coerce_findings(td, value, camel, expected):
    _, findings = coerce(td, value, camel=camel)
    assert sorted(f.key for f in findings) == sorted(k for k, _ in expected), findings
    by_key = {f.key: f for f in findings}
    for key, parts in expected:
        f = by_key[key]
        assert f.severity == "error"
        for part in parts:
            assert part in f.message, (key, part, f.message)


def test_unknown_key_in_camel_mode_does_not_offer_snake_spelling():
    _, findings = coerce(spec.NodePoolSpec, {**POOL, "bogus": 1}, camel=True)
    (f,) = findings
    assert "instance_type" not in f.message
    assert f.value is None, "the key is the mistake: its value (maybe a whole list of pools) is not printed"


def test_path_prefix_is_used():
    _, findings = coerce(spec.NodePoolSpec, {**POOL, "maxSize": "x"}, path="gpuPools[3]", camel=True)
    assert [f.key for f in findings] == ["gpuPools[3].maxSize"]
