"""Accelerators beyond NVIDIA, end to end through the shipped stacks: Neuron pools the stack creates
(stacks/Pulumi.neuron.yaml) and Ascend / AMD / Gaudi nodes of an existing cluster
(stacks/Pulumi.accelerators.yaml). The oracle is Ray's own KubeRay parser."""

from __future__ import annotations

import copy

import pytest
from conftest import raycluster_objects, run_stack
from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr
from raystack import testing, versions
from raystack.hardware import catalog
from raystack.hardware.accelerators import ACCELERATOR_KINDS
from support import tolerates


def ray_node_types(stack: str) -> dict[str, tuple[str, dict, dict]]:
    """group name -> (urn, the group as registered, what Ray's autoscaler derives for it)."""
    out = {}
    for urn, rc in raycluster_objects(run_stack(stack)):
        derived = _derive_autoscaling_config_from_ray_cr(copy.deepcopy(rc))["available_node_types"]
        for g in rc["spec"]["workerGroupSpecs"]:
            out[g["groupName"]] = (urn, g, derived[g["groupName"]])
    return out


@pytest.mark.parametrize(("group", "instance", "cores"), [("trn1", "trn1.32xlarge", 32), ("inf2", "inf2.48xlarge", 24)])
def test_ray_reads_the_real_neuroncore_count_of_whole_node_workers(group, instance, cores):
    urn, g, nt = ray_node_types("neuron")[group]
    devices = catalog.lookup(instance).accelerator_count
    limits = g["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["aws.amazon.com/neuron"] == str(devices), f"{urn} {group}: {limits}"
    assert nt["resources"]["neuron_cores"] == cores, f"{urn} {group}: Ray sees {nt['resources']}"
    assert "GPU" not in nt["resources"], f"{urn} {group}: a Neuron worker must not look like a GPU worker"
    image = g["template"]["spec"]["containers"][0]["image"]
    assert not image.endswith("-gpu"), f"{urn} {group}: the CUDA image on a Neuron node: {image}"
    taint = ACCELERATOR_KINDS["neuron"].taint
    assert tolerates(g["template"]["spec"]["tolerations"], *taint), f"{urn} {group} does not tolerate {taint}"


def test_neuron_pools_get_the_neuron_ami_the_plugin_and_a_scale_from_zero_template():
    rec = run_stack("neuron")
    groups = {r.inputs["labels"]["raystack.io/pool"]: r for r in rec.of_type("aws:eks/nodeGroup:NodeGroup")}
    for pool in ("trn1", "inf2"):
        ng = groups[pool]
        assert ng.inputs["amiType"] == "AL2023_x86_64_NEURON", f"{ng.urn}: {ng.inputs['amiType']}"
        assert {"key": "aws.amazon.com/neuron", "value": "true", "effect": "NO_SCHEDULE"} in ng.inputs["taints"], ng.urn
        assert ng.inputs["labels"]["aws.amazon.com/neuron.present"] == "true", ng.urn
    (plugin,) = [r for r in rec.of_type("kubernetes:helm.sh/v3:Release") if "neuron" in r.inputs["chart"]]
    chart = versions.NEURON_DEVICE_PLUGIN
    assert plugin.inputs["chart"] == f"{chart.repo}/{chart.chart}" and plugin.inputs["version"] == chart.version, plugin.urn
    assert "repositoryOpts" not in plugin.inputs, f"{plugin.urn}: an OCI chart takes no repository"
    values = plugin.inputs["values"]
    assert {"trn1.32xlarge", "inf2.48xlarge"} <= set(values["neuronInstances"]), plugin.urn
    assert "trn2.48xlarge" not in values["neuronInstances"], plugin.urn
    assert tolerates(values["devicePlugin"]["tolerations"], *ACCELERATOR_KINDS["neuron"].taint), plugin.urn
    assert not [r for r in rec.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "nvidia-device-plugin"]
    # Cluster Autoscaler: the Neuron devices of a node it has not seen come from an ASG tag.
    tags = sorted((t.inputs["autoscalingGroupName"], t.inputs["tag"]["key"], t.inputs["tag"]["value"])
                  for t in rec.of_type("aws:autoscaling/tag:Tag") if t.inputs["tag"]["key"].endswith("/neuron"))
    key = "k8s.io/cluster-autoscaler/node-template/resources/aws.amazon.com/neuron"
    suffix = testing.mocks.MOCK_UNIQUE_SUFFIX
    assert tags == [(f"eks-raystack-neuron-inf2-{suffix}-0000", key, "12"),
                    (f"eks-raystack-neuron-trn1-{suffix}-0000", key, "16")], tags
    for rc in rec.of_type("kubernetes:ray.io/v1:RayCluster"):
        assert plugin.urn in rc.dependencies, f"{rc.urn} does not wait for the Neuron device plugin"


@pytest.mark.parametrize(("group", "resource", "count", "ray_resource", "ray_count"), [
    ("ascend", "huawei.com/Ascend910B", "8", "NPU", 8),
    ("mi300x", "amd.com/gpu", "1", "GPU", 1),
    ("gaudi", "habana.ai/gaudi", "8", "HPU", 8),
])
def test_existing_nodes_of_every_kind_reach_ray_with_their_counts(group, resource, count, ray_resource, ray_count):
    urn, g, nt = ray_node_types("accelerators")[group]
    pod = g["template"]["spec"]
    limits = pod["containers"][0]["resources"]["limits"]
    assert limits.get(resource) == count, f"{urn} {group}: {limits}"
    assert nt["resources"].get(ray_resource) == ray_count, f"{urn} {group}: Ray sees {nt['resources']}"
    kind = next(k for k in ACCELERATOR_KINDS.values() if resource in (k.k8s_resource, *k.k8s_resource_aliases))
    assert tolerates(pod["tolerations"], *kind.taint), f"{urn} {group}: {pod['tolerations']}"
    assert pod["containers"][0]["image"].startswith("registry.example.com/"), f"{urn} {group}: the team's image"


def test_accelerator_support_is_table_data():
    """Neuron, Ascend, AMD and Gaudi are rows (resource, Ray name, taint, label, plugin, image rule)."""
    for kind in ("neuron", "ascend", "amd", "gaudi"):
        row = ACCELERATOR_KINDS[kind]
        assert row.k8s_resource and row.ray_resource and row.taint and row.presence_label, kind
        assert not row.public_ray_image, f"{kind}: no public rayproject/ray image carries its runtime"
    assert ACCELERATOR_KINDS["neuron"].units_per_device("Trainium") == 2


@pytest.mark.parametrize("stack", ["dev", "neuron", "accelerators"])
def test_a_task_asking_for_the_accelerator_type_can_scale_each_group_from_zero(stack):
    """K8s N9: `@ray.remote(accelerator_type=T)` becomes a demand for `accelerator_type:T` (Ray's own
    resources_from_ray_options); the autoscaler knows a group at zero only from its CR, so each accelerator
    group must advertise that resource there (Ray's KubeRay parser), with the type Ray labels the group with."""
    from ray._common.utils import resources_from_ray_options

    seen = 0
    for name, (urn, g, nt) in ray_node_types(stack).items():
        kind = g.get("labels", {}).get("ray.io/accelerator-type")
        if not kind:
            continue
        demand = resources_from_ray_options({"accelerator_type": kind, "num_cpus": 1})
        missing = {k: v for k, v in demand.items() if nt["resources"].get(k, 0) < v}
        assert not missing, f"{urn} {name}: a task with accelerator_type={kind!r} is infeasible at zero: {missing}"
        seen += 1
    assert seen, f"{stack}: no accelerator group"


def test_a_neuron_pool_larger_than_its_groups_need_is_warned():
    """AWS N8: the Cluster Autoscaler over-provisions Neuron nodes while their devices register; the plan says
    to keep the pool's maximum at what its Ray groups need."""
    from raystack.model.resolve import resolve
    from support import stack_spec

    raw = stack_spec("neuron")
    assert not [w for w in resolve(raw, stack="neuron").warnings if "devices register" in w.message]
    i = next(i for i, p in enumerate(raw["gpuPools"]) if p["instanceType"].startswith("inf2"))
    (rc,) = [rc for rc in raw["rayClusters"] if rc["workerGroups"][0]["pool"] == raw["gpuPools"][i]["name"]]
    rc["workerGroups"][0]["maxWorkers"] = raw["gpuPools"][i]["maxSize"]  # a default would follow the pool
    raw["gpuPools"][i]["maxSize"] += 2
    (w,) = [w for w in resolve(raw, stack="neuron").warnings if "devices register" in w.message]
    assert w.key == f"raystack:gpuPools[{i}].maxSize", w


@pytest.mark.parametrize(("model", "nvml_name"), [
    # What NVML (nvidia-smi) names each catalog GPU: the string Ray's node reads its accelerator type from.
    ("T4", "Tesla T4"), ("A10G", "NVIDIA A10G"), ("L4", "NVIDIA L4"), ("L40S", "NVIDIA L40S"),
    ("A100 40GB", "NVIDIA A100-SXM4-40GB"), ("A100 80GB", "NVIDIA A100-SXM4-80GB"),
    ("H100", "NVIDIA H100 80GB HBM3"), ("H200", "NVIDIA H200"), ("B200", "NVIDIA B200"),
    ("RTX PRO 6000 Blackwell Server", "NVIDIA RTX PRO 6000 Blackwell Server Edition"),
])
def test_groups_carry_the_accelerator_type_ray_gives_their_nodes(model, nvml_name):
    """Issue 25: the group's ray.io/accelerator-type label and accelerator_type:<T> resource must be what Ray's
    NVIDIA accelerator manager reports on the node (A100 for both A100s, not A100-40G), or label selectors and
    accelerator_type demand never match a running node. (B300's NVML name is not known here: not listed.)"""
    from ray._private.accelerators.nvidia_gpu import NvidiaGPUAcceleratorManager
    from raystack.hardware.accelerators import ray_accelerator_type

    assert ray_accelerator_type(model) == NvidiaGPUAcceleratorManager._gpu_name_to_accelerator_type(nvml_name)
