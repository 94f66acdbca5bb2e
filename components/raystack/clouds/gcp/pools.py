"""GKE node pools as pools: names, labels, taints, TPU slices and facts (pure). Pulumi-free.

Sources: GKE docs as ../shared/notes/clouds-and-e2e.md A2 reads them (gpus, tpus, plan-node-sizes); the TPU
tables in ``tpu``.
"""

from __future__ import annotations

from typing import Any

from ...hardware import catalog
from ...hardware.accelerators import ACCELERATOR_KINDS
from ...model.facts import OS_LABEL, POOL_LABEL, PoolFacts
from ...model.platform import NodePool
from ..rules_base import created_system_pool, pool_taints
from . import tpu

SOURCE = "gke-node-pool"
#: The value raystack gives an accelerator pool's taint (nvidia.com/gpu=present:NoSchedule, the value GKE itself
#: gives the taint it adds to GPU nodes; google.com/tpu=present:NoSchedule on TPU nodes). ExtendedResourceToleration
#: tolerates any value for pods that request the resource.
ACCELERATOR_TAINT_VALUE = "present"
#: GKE's label on Spot nodes (cloud.google.com/gke-spot=true, GKE Spot VMs docs).
SPOT_LABEL = ("cloud.google.com/gke-spot", "true")
#: GKE's node images for raystack's os values (NodeConfig imageType).
IMAGE_TYPES = {"cos": "COS_CONTAINERD", "ubuntu": "UBUNTU_CONTAINERD"}
#: GKE's accelerator type for each catalog GPU model (NodeConfig accelerators[].acceleratorType; the
#: cloud.google.com/gke-accelerator label has the same value): the machine types' own GPUs, as Google's Cluster Toolkit
#: pairs them (GoogleCloudPlatform/cluster-toolkit pkg/config extractAcceleratorCountAndType and its GPU definitions:
#: a3-highgpu-8g nvidia-h100-80gb, a3-ultragpu-8g nvidia-h200-141gb; ../shared/notes/clouds-and-e2e.md A2.1 table).
GPU_TYPES = {"L4": "nvidia-l4", "A100 40GB": "nvidia-tesla-a100", "A100 80GB": "nvidia-a100-80gb",
             "H100": "nvidia-h100-80gb", "H200": "nvidia-h200-141gb"}
GPU_LABEL = "cloud.google.com/gke-accelerator"
#: The node labels of a time-shared GPU pool (GKE concepts/timesharing-gpus).
SHARING_LABELS = ("cloud.google.com/gke-gpu-sharing-strategy", "cloud.google.com/gke-max-shared-clients-per-gpu")
#: The node label of a MIG pool, which its workloads select (GKE how-to/gpus-multi: "specify the
#: cloud.google.com/gke-gpu-partition-size label in the Pod spec nodeSelector"; each partition is one nvidia.com/gpu).
PARTITION_LABEL = "cloud.google.com/gke-gpu-partition-size"
#: MIG partitions GKE offers per GPU model and how many of each one GPU holds (GKE how-to/gpus-multi, the sizes of the
#: NVIDIA MIG user guide's profiles: A100 40GB 1g.5gb x7 ... 7g.40gb x1). H200's sizes were not settled from a source
#: read here, so its pools are not partitioned.
MIG_PARTITIONS = {
    "A100 40GB": {"1g.5gb": 7, "2g.10gb": 3, "3g.20gb": 2, "7g.40gb": 1},
    "A100 80GB": {"1g.10gb": 7, "2g.20gb": 3, "3g.40gb": 2, "7g.80gb": 1},
    "H100": {"1g.10gb": 7, "1g.20gb": 4, "2g.20gb": 3, "3g.40gb": 2, "7g.80gb": 1},
}


def region_of(zone: str | None) -> str | None:
    """The region of a zone (us-central1-a -> us-central1): GKE's prices are per region."""
    return zone.rsplit("-", 1)[0] if zone and zone.count("-") >= 2 else zone


def tpu_family(instance_type: str) -> tpu.TpuFamily | None:
    return tpu.FAMILIES.get(catalog.lookup(instance_type).family)


def slice_hosts(spec: dict[str, Any]) -> int:
    """Nodes a slice of the pool spans (1 off TPU slice pools)."""
    topology = spec.get("tpu_topology")
    return tpu.hosts(topology, catalog.lookup(spec["instance_type"]).accelerator_count) if topology else 1


def gke_pool_names(spec: dict[str, Any]) -> list[str]:
    """The GKE node pools of a raystack pool: one, or one a slice on a multi-host TPU pool (GKE: a multi-host TPU
    slice node pool is one slice, created and scaled atomically)."""
    if slice_hosts(spec) > 1:
        return [f"{spec['name']}-{i}" for i in range(spec["max_size"])]
    return [spec["name"]]


def node_pool(spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
    """A validated, defaulted NodePoolSpec -> the GKE pool's resolved pool (``region``: the stack's zone)."""
    it = catalog.lookup(spec["instance_type"])
    acc = ACCELERATOR_KINDS.get(it.accelerator_kind)
    os = spec["os"]
    spot = spec["capacity_type"] == "SPOT"
    taints = pool_taints(spec, acc.taint if acc is not None else None, ACCELERATOR_TAINT_VALUE)
    labels = {POOL_LABEL: spec["name"], OS_LABEL: os, **spec["labels"]}
    selector = {POOL_LABEL: spec["name"]}
    family = tpu.FAMILIES.get(it.family)
    hosts = 1
    if family is not None:
        # A TPU worker group selects the slice's accelerator and topology: Ray's KubeRay autoscaler names the slice's
        # head resource from them, and GKE labels every node of the slice with both.
        topology = spec.get("tpu_topology") or tpu.allowed(family, it.accelerator_count)[0]
        hosts = tpu.hosts(topology, it.accelerator_count)
        selector.update({tpu.ACCELERATOR_LABEL: family.gke_accelerator, tpu.TOPOLOGY_LABEL: topology})
        labels.update(selector)
    elif it.accelerator_model in GPU_TYPES:
        labels[GPU_LABEL] = GPU_TYPES[it.accelerator_model]
    shared = spec.get("gpu_time_sharing") or 1
    partition = spec.get("gpu_partition_size")
    if partition:
        # MIG (GKE's single strategy): each GPU is cut into equal partitions, each one nvidia.com/gpu, and a container
        # takes one (a CUDA process uses one MIG instance).
        shared = MIG_PARTITIONS[it.accelerator_model][partition]
        selector[PARTITION_LABEL] = partition
        labels.update(selector)
    elif shared > 1:
        # GKE time-sharing (concepts/timesharing-gpus): the driver presents each GPU to the kubelet as that many
        # nvidia.com/gpu, a container may request at most 1, and GKE labels the nodes with the strategy and the
        # count, which the workloads select.
        selector.update({SHARING_LABELS[0]: "time-sharing", SHARING_LABELS[1]: str(shared)})
        labels.update(selector)
    if spot:
        labels[SPOT_LABEL[0]] = SPOT_LABEL[1]
    # Sizes count slices on a multi-host TPU pool: each slice is ``hosts`` nodes.
    facts = PoolFacts(
        name=spec["name"], source=SOURCE, labels=labels, node_selector=selector, taints=taints,
        accelerator_kind=it.accelerator_kind,
        accelerator_resource=acc.k8s_resource if acc is not None else None,
        ray_accelerator_resource=acc.ray_resource if acc is not None else None,
        accelerators_per_node=it.accelerator_count * shared, accelerator_model=it.accelerator_model,
        allocatable_cpu_millis=it.allocatable_cpu_millis, allocatable_memory_mib=it.allocatable_memory_mib,
        min_nodes=spec["min_size"] * hosts, max_nodes=spec["max_size"] * hosts, capacity_type=spec["capacity_type"],
        instance_type=it.instance_type, architecture=it.architecture, os=os,
        price_usd_hour=catalog.regional_price(it.instance_type, region_of(region)),
        ray_units_per_accelerator=acc.units_per_device(it.accelerator_model) if acc is not None else 1,
        hosts_per_slice=hosts, shared_by=shared)
    return NodePool(
        name=spec["name"], instance_type=it.instance_type, capacity_type=spec["capacity_type"],
        min_size=spec["min_size"], max_size=spec["max_size"], os=os, disk_size_gib=spec["disk_size_gib"],
        capacity_reservation_id=spec.get("capacity_reservation_id"), availability_zone=None, subnet_ids=None,
        ami_type=IMAGE_TYPES[os], image_volume_device="", node_group_name=spec["name"], facts=facts,
        instance_types=(it.instance_type,))


def system_pool(spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
    """The system pool: on-demand CPU nodes for kube-system, the operator and the Ray heads."""
    return created_system_pool(spec, SOURCE, "cos", IMAGE_TYPES["cos"],
                               catalog.regional_price(spec["instance_type"], region_of(region)))
