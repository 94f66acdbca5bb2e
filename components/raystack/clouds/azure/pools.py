"""AKS agent pools as pools: names, labels, taints and facts (pure). Pulumi-free.

Sources: MicrosoftDocs/azure-aks-docs (articles/aks/spot-node-pool.md, use-nvidia-gpu.md,
node-resource-reservations.md) as ../shared/notes/clouds-and-e2e.md A1 reads them.
"""

from __future__ import annotations

from typing import Any

from ...hardware import catalog
from ...hardware.accelerators import ACCELERATOR_KINDS
from ...hardware.allocatable import AKS_MAX_PODS
from ...model.facts import OS_LABEL, POOL_LABEL, PoolFacts, Taint
from ...model.platform import NodePool
from ..rules_base import created_system_pool, pool_taints

SOURCE = "aks-agent-pool"
ACCELERATOR_TAINT_VALUE = "present"
#: What AKS puts on every node of a Spot pool itself (spot-node-pool.md): Ray's groups on the pool must
#: tolerate the taint; raystack does not send it (AKS adds it), but the pool's facts carry it.
SPOT_TAINT = Taint("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule")
SPOT_LABEL = ("kubernetes.azure.com/scalesetpriority", "spot")
#: AKS's node OS SKUs (AgentPool osSKU) for raystack's os values.
OS_SKUS = {"azurelinux": "AzureLinux", "ubuntu": "Ubuntu"}
#: The Azure pricing region for an azure-native location ("East US" and "eastus" name the same one).
def pricing_region(location: str | None) -> str | None:
    return location.replace(" ", "").lower() if location else None


def node_labels(name: str, os: str, kind: str, extra: dict[str, str]) -> dict[str, str]:
    labels = {POOL_LABEL: name, OS_LABEL: os}
    acc = ACCELERATOR_KINDS.get(kind)
    if acc is not None:
        k, v = acc.presence_label
        labels[k] = v
    labels.update(extra)
    return labels


def node_pool(spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
    """A validated, defaulted NodePoolSpec -> the AKS agent pool's resolved pool."""
    it = catalog.lookup(spec["instance_type"])
    acc = ACCELERATOR_KINDS.get(it.accelerator_kind)
    os = spec["os"]
    spot = spec["capacity_type"] == "SPOT"
    # The accelerator's taint with the value AKS's docs and Ray's AKS guide give it (nvidia.com/gpu=present:
    # NoSchedule, ../shared/notes/clouds-and-e2e.md section 0).
    taints = pool_taints(spec, acc.taint if acc is not None else None, ACCELERATOR_TAINT_VALUE)
    labels = node_labels(spec["name"], os, it.accelerator_kind, spec["labels"])
    if spot:
        taints += (SPOT_TAINT,)
    facts = PoolFacts(
        name=spec["name"], source=SOURCE, labels=labels, node_selector={POOL_LABEL: spec["name"]}, taints=taints,
        accelerator_kind=it.accelerator_kind,
        accelerator_resource=acc.k8s_resource if acc is not None else None,
        ray_accelerator_resource=acc.ray_resource if acc is not None else None,
        accelerators_per_node=it.accelerator_count, accelerator_model=it.accelerator_model,
        allocatable_cpu_millis=it.allocatable_cpu_millis, allocatable_memory_mib=it.allocatable_memory_mib,
        min_nodes=spec["min_size"], max_nodes=spec["max_size"], capacity_type=spec["capacity_type"],
        instance_type=it.instance_type, architecture=it.architecture, os=os,
        price_usd_hour=catalog.regional_price(it.instance_type, pricing_region(region)),
        ray_units_per_accelerator=acc.units_per_device(it.accelerator_model) if acc is not None else 1,
    )
    return NodePool(
        name=spec["name"], instance_type=it.instance_type, capacity_type=spec["capacity_type"],
        min_size=spec["min_size"], max_size=spec["max_size"], os=os, disk_size_gib=spec["disk_size_gib"],
        capacity_reservation_id=None, availability_zone=None, subnet_ids=None,
        ami_type=OS_SKUS[os], image_volume_device="", node_group_name=spec["name"], facts=facts,
        instance_types=(it.instance_type,), spot_max_price=spec.get("spot_max_price") if spot else None)


def system_pool(spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
    """The system pool: AKS's System-mode pool (CoreDNS, metrics-server, and raystack's add-ons)."""
    return created_system_pool(spec, SOURCE, "azurelinux", OS_SKUS["azurelinux"],
                               catalog.regional_price(spec["instance_type"], pricing_region(region)))


__all__ = ["AKS_MAX_PODS", "SOURCE", "SPOT_LABEL", "SPOT_TAINT", "node_pool", "system_pool"]
