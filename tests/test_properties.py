"""Property tests over generated stack configs (hypothesis, derandomized for CI).

Valid configs always resolve to RayClusters that pass the KubeRay CRD schema and that Ray's own
parser reads with the intended resources. Invalid configs (a valid one with one mistake planted)
always fail naming the broken key, and register nothing. 300 + 300 examples through the pure
resolver, 40 through the whole program under the mock engine.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr
from raystack import ConfigError, RayPlatform, resolve, testing
from raystack.hardware import catalog, efa

NVIDIA = sorted(n for n in catalog.accelerator_types() if catalog.lookup(n).accelerator_kind == "nvidia")
def profile(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def valid_configs(draw: Any) -> dict[str, Any]:
    """1-3 GPU pools, 1-3 Ray clusters; each worker group gets a pool of its own (so shared-pool
    capacity holds by construction) and explicit sizes inside what the pool allows."""
    n_groups = draw(st.integers(1, 4))
    pools, groups = [], []
    for i in range(n_groups):
        it = catalog.lookup(draw(st.sampled_from(NVIDIA)))
        max_size = draw(st.integers(1, 4))
        pools.append({"name": f"p{i}", "instanceType": it.instance_type, "maxSize": max_size,
                      "minSize": draw(st.integers(0, max_size)),
                      "capacityType": draw(st.sampled_from(["ON_DEMAND", "SPOT"]))})
        divisors = [d for d in range(1, it.accelerator_count + 1) if it.accelerator_count % d == 0]
        if efa.efa_capable(it.family, it.efa_interfaces) and draw(st.booleans()):
            # EFA (issue 20): a worker gets a whole share of the node's interfaces, or the config is refused.
            pools[-1]["efa"] = True
            divisors = [d for d in divisors if efa.per_worker(it.efa_interfaces, it.accelerator_count, d)]
        apw = draw(st.sampled_from(divisors))
        cap = max_size * (it.accelerator_count // apw)
        g: dict[str, Any] = {"name": f"g{i}", "pool": f"p{i}", "acceleratorsPerWorker": apw,
                             "maxWorkers": draw(st.integers(1, cap))}
        g["minWorkers"] = draw(st.integers(0, g["maxWorkers"]))
        groups.append(g)
    n_clusters = draw(st.integers(1, min(3, n_groups)))
    clusters = [{"name": f"rc{c}", "namespace": draw(st.sampled_from(["ray", "team-a"])), "workerGroups": []}
                for c in range(n_clusters)]
    for i, g in enumerate(groups):
        clusters[i % n_clusters]["workerGroups"].append(g)
    for i, c in enumerate(clusters):
        c["name"] = f"rc{i}"  # distinct names in any namespace
    return {"clusterName": "prop", "apiIngressCidrs": ["10.0.0.0/16"], "systemPool": {"instanceType": "m7i.2xlarge", "maxSize": 4},
            "gpuPools": pools, "rayClusters": clusters}


# One planted mistake: (key named, how to plant it).
def _typo_top(c: dict[str, Any]) -> str:
    c["rayCluster"] = c.pop("rayClusters")
    return "raystack:rayCluster"


def _bad_instance(c: dict[str, Any]) -> str:
    c["gpuPools"][0]["instanceType"] = "g6.huge"
    return "raystack:gpuPools[0].instanceType"


def _bad_capacity(c: dict[str, Any]) -> str:
    c["gpuPools"][0]["capacityType"] = "RESERVED"
    return "raystack:gpuPools[0].capacityType"


def _min_over_max(c: dict[str, Any]) -> str:
    c["gpuPools"][0]["minSize"] = c["gpuPools"][0]["maxSize"] + 1
    return "raystack:gpuPools[0].minSize"


def _pool_typo(c: dict[str, Any]) -> str:
    c["rayClusters"][0]["workerGroups"][0]["pool"] += "x"
    return "raystack:rayClusters[0].workerGroups[0].pool"


def _too_many_workers(c: dict[str, Any]) -> str:
    g = c["rayClusters"][0]["workerGroups"][0]
    g["maxWorkers"] = 10_000
    g["minWorkers"] = 0
    return "raystack:rayClusters[0].workerGroups[0].maxWorkers"


def _head_too_big(c: dict[str, Any]) -> str:
    c["rayClusters"][0]["head"] = {"cpu": 512}
    return "raystack:rayClusters[0].head.cpu"


def _owned_label(c: dict[str, Any]) -> str:
    c["gpuPools"][0]["labels"] = {"raystack.io/pool": "x"}
    return "raystack:gpuPools[0].labels['raystack.io/pool']"


def _negative_idle(c: dict[str, Any]) -> str:
    c["rayClusters"][0]["idleTimeoutSeconds"] = -1
    return "raystack:rayClusters[0].idleTimeoutSeconds"


def _old_ray(c: dict[str, Any]) -> str:
    c["rayClusters"][0]["rayVersion"] = "2.40.0"
    return "raystack:rayClusters[0].rayVersion"


MISTAKES = [_typo_top, _bad_instance, _bad_capacity, _min_over_max, _pool_typo, _too_many_workers, _head_too_big,
            _owned_label, _negative_idle, _old_ray]


_VALIDATORS: dict[int, jsonschema.Draft7Validator] = {}


def _validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    """One validator per schema object: building one walks the whole RayCluster CRD."""
    if id(schema) not in _VALIDATORS:
        _VALIDATORS[id(schema)] = jsonschema.Draft7Validator(schema)
    return _VALIDATORS[id(schema)]


def _node_types(manifest: dict[str, Any]) -> dict[str, Any]:
    return _derive_autoscaling_config_from_ray_cr(copy.deepcopy(manifest))["available_node_types"]


@profile(120)  # each example runs Ray's parser on every cluster: 120 keep the suite inside its 90 s
@given(valid_configs())
def test_valid_configs_pass_the_crd_schema_and_ray_sees_the_intended_resources(raycluster_schema, cfg):
    platform = resolve(cfg, stack="prop")
    validator = _validator(raycluster_schema)
    assert len(platform.ray_clusters) == len(cfg["rayClusters"])
    for rc in platform.ray_clusters:
        errors = [e.message for e in validator.iter_errors(rc.manifest)]
        assert not errors, f"{rc.namespace}/{rc.name}: {errors}"
        types = _node_types(rc.manifest)
        assert types["headgroup"]["resources"]["CPU"] == 0, rc.name
        for g in rc.groups:
            got, want = types[g.name], g.size
            pool = platform.pools[g.pool]
            assert got["resources"].get("GPU", 0) == want.accelerators, (rc.name, g.name, got)
            assert got["resources"]["CPU"] == want.cpu and got["resources"]["memory"] == (want.memory_mib - want.object_store_mib) * 2**20
            assert (got["min_workers"], got["max_workers"]) == (want.min_workers, want.max_workers)
            assert want.accelerators * want.pods_per_node <= pool.accelerators_per_node
            assert want.cpu * 1000 * want.pods_per_node <= pool.schedulable_cpu_millis
            limits = next(w for w in rc.manifest["spec"]["workerGroupSpecs"] if w["groupName"] == g.name)[
                "template"]["spec"]["containers"][0]["resources"]["limits"]
            if pool.efa_interfaces:  # every worker of a node gets its share; together they fit the node
                assert int(limits[efa.EFA_RESOURCE]) * want.pods_per_node <= pool.efa_interfaces, (rc.name, g.name)
                hugepages = int(limits[efa.HUGEPAGES_RESOURCE].removesuffix("Mi"))
                assert 0 < hugepages * want.pods_per_node <= pool.hugepages_mib, (rc.name, g.name)
            else:
                assert efa.EFA_RESOURCE not in limits and efa.HUGEPAGES_RESOURCE not in limits, (rc.name, g.name)


@profile(300)
@given(valid_configs(), st.sampled_from(MISTAKES))
def test_one_planted_mistake_fails_naming_its_key(cfg, mistake):
    bad = copy.deepcopy(cfg)
    key = mistake(bad)
    try:
        resolve(bad, stack="prop")
    except ConfigError as e:
        keys = [f.key for f in e.findings]
        assert key in keys, f"{mistake.__name__}: {key} not in {keys}"
    else:
        raise AssertionError(f"{mistake.__name__}: {key} planted, config still valid")


@profile(40)
@given(valid_configs(), st.sampled_from(MISTAKES))
def test_one_planted_mistake_registers_nothing(cfg, mistake):
    bad = copy.deepcopy(cfg)
    key = mistake(bad)
    config = {f"raystack:{k}": json.dumps(v) if not isinstance(v, str) else v for k, v in bad.items()}
    rec = testing.Recording()
    try:
        testing.run(RayPlatform.from_stack_config, config, recording=rec)
    except ConfigError as e:
        assert key in [f.key for f in e.findings], key
    else:
        raise AssertionError(f"{key} planted, program ran")
    assert not rec.resources, [r.urn for r in rec.resources]
