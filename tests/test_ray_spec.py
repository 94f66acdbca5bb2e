"""raystack.ray_spec: worker sizing and the RayCluster manifest.

The oracle for the manifest is Ray's own KubeRay autoscaler parser: what it
reads back (CPU, GPU, memory, min/max workers per group) must equal what
``size_worker`` computed.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr
from raystack import versions
from raystack.hardware import catalog
from raystack.ray.sizing import SizingError
from support import build_raycluster, existing_pool, gpu_pool, system_pool, tolerates
from support import size_group as size_worker

SYSTEM = system_pool()


# --- size_worker -----------------------------------------------------------------

SIZES = [
    # instance type, accelerators_per_worker (None: default), pods/node, cpu, memory_mib
    ("g5.xlarge", None, 1, 3, 13568),
    ("g5.xlarge", 1, 1, 3, 13568),
    ("g5g.xlarge", 1, 1, 3, 5888),
    ("g6e.12xlarge", None, 1, 47, 359424),
    ("g6e.12xlarge", 1, 4, 11, 89856),
    ("g6e.12xlarge", 2, 2, 23, 179712),
    ("g6e.12xlarge", 4, 1, 47, 359424),
    ("g5.12xlarge", 1, 4, 11, 43008),
    ("g5.12xlarge", 4, 1, 47, 172800),
    ("p5.48xlarge", 1, 8, 23, 242176),
    ("p5.48xlarge", 2, 4, 47, 484352),
    ("p5.48xlarge", 8, 1, 191, 1937664),
    ("g4dn.metal", 2, 4, 23, 88576),
]


@pytest.mark.parametrize(("instance_type", "apw", "pods", "cpu", "memory_mib"), SIZES)
def test_size_worker(instance_type, apw, pods, cpu, memory_mib):
    pool = gpu_pool(instance_type)
    group = {"name": "g", "pool": "gpu"}
    if apw is not None:
        group["accelerators_per_worker"] = apw
    size = size_worker(pool, group)
    assert (size.pods_per_node, size.cpu, size.memory_mib) == (pods, cpu, memory_mib)
    assert size.accelerators == (apw if apw is not None else pool.accelerators_per_node)
    assert size.accelerators * size.pods_per_node <= pool.accelerators_per_node
    assert size.cpu * 1000 * size.pods_per_node <= pool.schedulable_cpu_millis
    assert size.memory_mib * size.pods_per_node <= pool.schedulable_memory_mib


@pytest.mark.parametrize("max_size", [1, 2, 5])
def test_g6e_12xlarge_one_gpu_per_worker(max_size):
    pool = gpu_pool("g6e.12xlarge", max_size=max_size)
    size = size_worker(pool, {"name": "g", "pool": "gpu", "accelerators_per_worker": 1})
    assert size.pods_per_node == 4
    assert size.max_workers == size.max_workers_cap == max_size * 4
    assert size.min_workers == 0


def test_default_max_size_is_two_nodes():
    size = size_worker(gpu_pool("g6e.12xlarge"), {"name": "g", "pool": "gpu", "accelerators_per_worker": 1})
    assert size.max_workers == 2 * 4


def test_explicit_cpu_and_memory_are_kept():
    size = size_worker(gpu_pool("g6e.12xlarge"),
                       {"name": "g", "pool": "gpu", "accelerators_per_worker": 2, "cpu": 8, "memory_gib": 64})
    assert (size.cpu, size.memory_mib) == (8, 64 * 1024)


def test_cpu_pool_worker():
    size = size_worker(SYSTEM, {"name": "cpu", "pool": "system"})
    assert (size.accelerators, size.pods_per_node) == (0, 1)
    assert size.cpu == (SYSTEM.schedulable_cpu_millis // 1000)


SIZING_ERRORS = [
    # id, pool factory, group, field
    ("too-many-accels", lambda: gpu_pool("g6e.12xlarge"), {"accelerators_per_worker": 5}, "acceleratorsPerWorker"),
    ("zero-accels", lambda: gpu_pool("g6e.12xlarge"), {"accelerators_per_worker": 0}, "acceleratorsPerWorker"),
    ("accels-on-1-gpu", lambda: gpu_pool("g5.xlarge"), {"accelerators_per_worker": 2}, "acceleratorsPerWorker"),
    ("accels-on-cpu-pool", lambda: SYSTEM, {"accelerators_per_worker": 1}, "acceleratorsPerWorker"),
    ("cpu-too-large", lambda: gpu_pool("g6e.12xlarge"), {"accelerators_per_worker": 1, "cpu": 12}, "cpu"),
    ("cpu-zero", lambda: gpu_pool("g6e.12xlarge"), {"cpu": 0}, "cpu"),
    ("cpu-whole-node", lambda: gpu_pool("g5.xlarge"), {"cpu": 4}, "cpu"),
    ("memory-too-large", lambda: gpu_pool("g6e.12xlarge"), {"accelerators_per_worker": 1, "memory_gib": 88},
     "memoryGib"),
    ("memory-zero", lambda: gpu_pool("g5.xlarge"), {"memory_gib": 0}, "memoryGib"),
    ("max-workers-above-capacity", lambda: gpu_pool("g6e.12xlarge", max_size=2),
     {"accelerators_per_worker": 1, "max_workers": 9}, "maxWorkers"),
    ("max-workers-zero", lambda: gpu_pool("g5.xlarge"), {"max_workers": 0}, "maxWorkers"),
    ("min-above-max", lambda: gpu_pool("g6e.12xlarge"),
     {"accelerators_per_worker": 1, "max_workers": 4, "min_workers": 5}, "minWorkers"),
    ("min-negative", lambda: gpu_pool("g5.xlarge"), {"min_workers": -1}, "minWorkers"),
]


@pytest.mark.parametrize(("make_pool", "group", "field"), [e[1:] for e in SIZING_ERRORS],
                         ids=[e[0] for e in SIZING_ERRORS])
def test_sizing_errors(make_pool, group, field):
    with pytest.raises(SizingError) as exc:
        size_worker(make_pool(), {"name": "g", "pool": "gpu", **group})
    assert exc.value.field == field
    assert str(exc.value).startswith(f"{field} = ")


# --- build_raycluster -------------------------------------------------------------

def _pools():
    gpu = gpu_pool("g6e.12xlarge", **{
        "max_size": 3,
        "labels": {"team.example.com/name": "ml"},
        "taints": [{"key": "dedicated", "value": "ml", "effect": "NoExecute"},
                   {"key": "spotty", "value": "yes", "effect": "PreferNoSchedule"}],
    })
    arm = gpu_pool("g5g.2xlarge", name="arm", os="bottlerocket")
    old = existing_pool({
        "name": "old", "instance_type": "g5.12xlarge", "max_nodes": 2, "min_nodes": 1,
        "node_selector": {"node.kubernetes.io/instance-type": "g5.12xlarge", "team": "ml"},
        "taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}],
    })
    bare = existing_pool({
        "name": "bare", "accelerator_kind": "nvidia", "accelerators_per_node": 2,
        "allocatable_cpu_millis": 15800, "allocatable_memory_mib": 60000, "max_nodes": 4,
        "node_selector": {"pool": "bare"},
    })
    return {p.name: p for p in (gpu, arm, old, bare, SYSTEM)}


GROUPS = [
    {"name": "l40s-1", "pool": "gpu", "accelerators_per_worker": 1, "min_workers": 1},
    {"name": "l40s-4", "pool": "gpu", "accelerators_per_worker": 4, "max_workers": 2, "idle_timeout_seconds": 60},
    {"name": "t4g", "pool": "arm"},
    {"name": "a10g-2", "pool": "old", "accelerators_per_worker": 2, "cpu": 16, "memory_gib": 64},
    {"name": "bare", "pool": "bare", "accelerators_per_worker": 1},
    {"name": "cpu", "pool": "system", "max_workers": 2},
]

RAY_SPEC = {"name": "rc", "namespace": "ml", "worker_groups": GROUPS}


@pytest.fixture(scope="module")
def built():
    pools = _pools()
    manifest = build_raycluster(copy.deepcopy(RAY_SPEC), pools, SYSTEM)
    sizes = {g["name"]: size_worker(pools[g["pool"]], g) for g in GROUPS}
    return pools, manifest, sizes


def _groups(manifest):
    return {g["groupName"]: g for g in manifest["spec"]["workerGroupSpecs"]}


def test_manifest_header(built):
    _, m, _ = built
    assert m["apiVersion"] == "ray.io/v1"
    assert m["kind"] == "RayCluster"
    assert m["metadata"]["name"] == "rc"
    assert m["metadata"]["namespace"] == "ml"
    assert m["spec"]["rayVersion"] == versions.RAY_VERSION
    assert [g["groupName"] for g in m["spec"]["workerGroupSpecs"]] == [g["name"] for g in GROUPS]


def test_cluster_options(built):
    _, m, _ = built
    spec = m["spec"]
    assert spec["enableInTreeAutoscaling"] is True
    assert spec["autoscalerOptions"]["version"] == "v2"
    assert spec["upgradeStrategy"] == {"type": "Recreate"}
    assert spec["authOptions"] == {"mode": "token", "secretName": f"{m['metadata']['name']}-ray-token"}


def test_head(built):
    _, m, _ = built
    head = m["spec"]["headGroupSpec"]
    assert head["rayStartParams"]["num-cpus"] == "0"
    (c,) = head["template"]["spec"]["containers"]
    assert c["image"] == f"rayproject/ray:{versions.RAY_VERSION}-py311"
    assert c["resources"]["requests"] == c["resources"]["limits"]
    assert head["template"]["spec"]["nodeSelector"].items() <= SYSTEM.labels.items()


@pytest.mark.parametrize("group", GROUPS, ids=[g["name"] for g in GROUPS])
def test_worker_group(built, group):
    pools, m, sizes = built
    pool, size = pools[group["pool"]], sizes[group["name"]]
    wg = _groups(m)[group["name"]]
    pod = wg["template"]["spec"]
    (c,) = pod["containers"]

    suffix = "-gpu" if pool.accelerator_kind == "nvidia" else ""
    arch = "-aarch64" if pool.architecture == "arm64" else ""  # rayproject/ray's arm64 tags
    assert c["image"] == f"rayproject/ray:{versions.RAY_VERSION}-py311{suffix}{arch}"

    for taint in pool.taints:
        assert tolerates(pod["tolerations"], taint.key, taint.value, taint.effect), (taint, pod["tolerations"])
    assert pod["nodeSelector"], "a worker group must select its pool's nodes"
    assert pod["nodeSelector"].items() <= pool.labels.items()

    assert c["resources"]["requests"] == c["resources"]["limits"]
    limits = c["resources"]["limits"]
    assert limits["cpu"] == str(size.cpu)
    assert limits["memory"] == f"{size.memory_mib}Mi"
    if pool.accelerators_per_node:
        assert 1 <= int(limits["nvidia.com/gpu"]) <= pool.accelerators_per_node
        assert int(limits["nvidia.com/gpu"]) == size.accelerators
    else:
        assert "nvidia.com/gpu" not in limits
        assert set(wg["resources"]) == {"memory"} and "labels" not in wg

    assert (wg["minReplicas"], wg["maxReplicas"], wg["replicas"]) == (
        size.min_workers, size.max_workers, size.min_workers)
    store = int(wg["rayStartParams"]["object-store-memory"])
    assert store < size.memory_mib * 1024 * 1024
    # Ray's heap is the container's memory less the object store; /dev/shm holds the store with headroom.
    assert int(wg["resources"]["memory"]) + store == size.memory_mib * 2**20
    (shm,) = [v for v in pod["volumes"] if v["name"] == "dshm"]
    shm_mib = int(shm["emptyDir"]["sizeLimit"].removesuffix("Mi"))
    assert store // 2**20 + 1024 <= shm_mib <= size.memory_mib, (shm_mib, store // 2**20)


@pytest.mark.parametrize("group", GROUPS, ids=[g["name"] for g in GROUPS])
def test_ray_parser_agrees_with_size_worker(built, group):
    _, m, sizes = built
    size = sizes[group["name"]]
    node_types = _derive_autoscaling_config_from_ray_cr(copy.deepcopy(m))["available_node_types"]
    nt = node_types[group["name"]]
    assert nt["resources"]["CPU"] == size.cpu
    assert nt["resources"].get("GPU", 0) == size.accelerators
    assert nt["resources"]["memory"] == (size.memory_mib - size.object_store_mib) * 2**20
    assert nt["min_workers"] == size.min_workers
    assert nt["max_workers"] == size.max_workers


def test_ray_parser_sees_a_cpu_less_head(built):
    _, m, _ = built
    head = _derive_autoscaling_config_from_ray_cr(copy.deepcopy(m))["available_node_types"]["headgroup"]
    assert head["resources"]["CPU"] == 0
    assert "GPU" not in head["resources"]


@pytest.mark.parametrize(("extra", "mode"), [({}, "token"), ({"auth": "token"}, "token"),
                                             ({"auth": "disabled"}, "disabled")])
def test_auth_mode(extra, mode):
    m = build_raycluster({"name": "rc", **extra}, {}, SYSTEM)
    want = {"mode": mode, "secretName": "rc-ray-token"} if mode == "token" else {"mode": mode}
    assert m["spec"]["authOptions"] == want


@pytest.mark.parametrize(("ray_version", "python_tag"), [("2.54.0", "py310"), ("2.56.0", "py312")])
def test_image_tags_follow_spec(ray_version, python_tag):
    pools = _pools()
    m = build_raycluster({"name": "rc", "ray_version": ray_version, "python_tag": python_tag,
                          "worker_groups": [{"name": "g", "pool": "gpu"}, {"name": "c", "pool": "system"}]},
                         pools, SYSTEM)
    assert m["spec"]["rayVersion"] == ray_version
    head = m["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"]
    assert head == f"rayproject/ray:{ray_version}-{python_tag}"
    g = _groups(m)
    assert g["g"]["template"]["spec"]["containers"][0]["image"] == f"rayproject/ray:{ray_version}-{python_tag}-gpu"
    assert g["c"]["template"]["spec"]["containers"][0]["image"] == f"rayproject/ray:{ray_version}-{python_tag}"


# --- property: Ray's parser agrees for any catalog NVIDIA type ----------------------

NVIDIA_TYPES = sorted(t for t, it in catalog.load_catalog().items() if it.accelerator_kind == "nvidia")


@st.composite
def nvidia_group(draw):
    it = catalog.lookup(draw(st.sampled_from(NVIDIA_TYPES)))
    divisors = [d for d in range(1, it.accelerator_count + 1) if it.accelerator_count % d == 0]
    apw = draw(st.sampled_from(divisors))
    max_size = draw(st.integers(min_value=1, max_value=6))
    os = draw(st.sampled_from(["al2023", "bottlerocket"]))
    return it.instance_type, apw, max_size, os


@settings(max_examples=30, deadline=None)
@given(nvidia_group())
def test_property_ray_parser_agrees(params):
    instance_type, apw, max_size, os = params
    pool = gpu_pool(instance_type, max_size=max_size, os=os)
    group = {"name": "g", "pool": "gpu", "accelerators_per_worker": apw}
    size = size_worker(pool, group)
    assert size.pods_per_node == pool.accelerators_per_node // apw
    assert size.cpu * size.pods_per_node * 1000 <= pool.schedulable_cpu_millis
    assert size.memory_mib * size.pods_per_node <= pool.schedulable_memory_mib
    assert size.max_workers == max_size * size.pods_per_node

    m = build_raycluster({"name": "rc", "worker_groups": [group]}, {"gpu": pool}, SYSTEM)
    nt = _derive_autoscaling_config_from_ray_cr(m)["available_node_types"]["g"]
    assert nt["resources"]["GPU"] == apw
    assert nt["resources"]["CPU"] == size.cpu
    assert nt["resources"]["memory"] == (size.memory_mib - size.object_store_mib) * 2**20
    assert nt["min_workers"] == size.min_workers == 0
    assert nt["max_workers"] == size.max_workers


def test_head_runs_tasks_only_when_asked():
    """Ray's own parser: the head's CPU resource is 0 by default, its CPUs with runTasks."""
    spec = {"name": "rc", "head": {"cpu": 3, "run_tasks": True}}
    head = _derive_autoscaling_config_from_ray_cr(build_raycluster(spec, {}, SYSTEM))["available_node_types"]
    assert head["headgroup"]["resources"]["CPU"] == 3
    head = _derive_autoscaling_config_from_ray_cr(build_raycluster({"name": "rc"}, {}, SYSTEM))["available_node_types"]
    assert head["headgroup"]["resources"]["CPU"] == 0


CPU_SIZES = [
    # cpu, memoryGib asked (None: derived) -> workers per m7i.2xlarge node (7610m / 28805Mi schedulable), cpu, memory_mib
    (None, None, 1, 7, 28672),   # nothing asked: a worker takes the node
    (2, None, 3, 2, 9472),       # 3 x 2 CPUs fit 7.61; memory split three ways (256 Mi steps)
    (None, 4, 7, 1, 4096),       # 7 x 4 GiB fit 28.1 GiB; one whole CPU each
    (2, 8, 3, 2, 8192),          # CPU bounds it: 3 (memory would allow 3 too)
    (4, 4, 1, 4, 4096),          # 2 x 4 CPUs do not fit 7.61
    (7, 8, 1, 7, 8192),
]


@pytest.mark.parametrize(("cpu", "memory_gib", "pods", "want_cpu", "want_mib"), CPU_SIZES)
def test_cpu_pool_workers_share_nodes_when_they_ask_for_less(cpu, memory_gib, pods, want_cpu, want_mib):
    from raystack.clouds.aws.pools import node_pool
    from raystack.model.defaults import TABLES
    from raystack.spec.types import NodePoolSpec

    pool = node_pool({**TABLES[NodePoolSpec], "name": "cpu", "instance_type": "m7i.2xlarge", "max_size": 2}, "c").facts
    assert (pool.schedulable_cpu_millis, pool.schedulable_memory_mib) == (7610, 28805)
    assert pool.taints[0].key == "raystack.io/pool", "CPU pools are dedicated to their Ray groups"
    size = size_worker(pool, {"name": "c", "pool": "cpu", "cpu": cpu, "memory_gib": memory_gib})
    assert (size.pods_per_node, size.cpu, size.memory_mib) == (pods, want_cpu, want_mib)
    assert size.cpu * 1000 * size.pods_per_node <= pool.schedulable_cpu_millis
    assert size.memory_mib * size.pods_per_node <= pool.schedulable_memory_mib
    assert size.max_workers_cap == 2 * pods


@pytest.mark.parametrize("stack", ["dev", "serving", "neuron", "accelerators"])
def test_no_group_sets_what_ray_2_60_reads_and_2_55_does_not(stack):
    """The oracle is ray 2.60; the images run 2.55. Between them the KubeRay CR parser gained a group
    `priority` key (versions.py says how that was checked): raystack must set none, or the oracle would read
    what the deployed autoscaler ignores."""
    from conftest import raycluster_objects, run_stack

    for urn, rc in raycluster_objects(run_stack(stack)):
        for g in rc["spec"]["workerGroupSpecs"]:
            assert "priority" not in g, f"{urn} {g['groupName']}"
