"""Pool facts: what a Ray worker group needs to know about the nodes it runs on.

A ``PoolFacts`` record is the only thing a worker group binds to. It comes
from a pool this stack creates (``facts_for_node_pool``: catalog + spec), from
the system pool, or from nodes of an existing cluster (``facts_for_existing``).
The same record serves any accelerator kind and any provider. Pulumi-free.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from . import catalog
from .accelerators import ACCELERATOR_KINDS
from .node_images import node_image

POOL_LABEL = "raystack.io/pool"
OS_LABEL = "raystack.io/node-os"
#: The Cluster Autoscaler's AWS GPU label: with it CA treats a new node as a GPU
#: node that is not ready until the device plugin advertises its GPUs.
CA_GPU_LABEL = "k8s.amazonaws.com/accelerator"
SYSTEM_POOL = "system"

#: Requests of the DaemonSets on every node (aws-node with the network-policy
#: agent, kube-proxy, eks-pod-identity-agent, device plugin), kept free when
#: sizing worker pods so a pod sized for a node still fits beside them.
DAEMONSET_RESERVE_CPU_MILLIS = 300
DAEMONSET_RESERVE_MEMORY_MIB = 512


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str  # Kubernetes spelling: NoSchedule | PreferNoSchedule | NoExecute

    def toleration(self) -> dict[str, str]:
        t = {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}
        if not self.value:
            t = {"key": self.key, "operator": "Exists", "effect": self.effect}
        return t


@dataclass(frozen=True)
class PoolFacts:
    name: str
    source: str  # eks-managed-node-group | existing
    labels: dict[str, str]
    node_selector: dict[str, str]
    taints: tuple[Taint, ...]
    accelerator_kind: str  # nvidia | neuron | ... | none
    accelerator_resource: str | None
    ray_accelerator_resource: str | None
    accelerators_per_node: int
    accelerator_model: str
    allocatable_cpu_millis: int
    allocatable_memory_mib: int
    min_nodes: int
    max_nodes: int
    capacity_type: str
    instance_type: str | None = None
    architecture: str = "x86_64"
    os: str | None = None
    price_usd_hour: float | None = None
    extra_resources: dict[str, int] = field(default_factory=dict)

    @property
    def schedulable_cpu_millis(self) -> int:
        return self.allocatable_cpu_millis - DAEMONSET_RESERVE_CPU_MILLIS

    @property
    def schedulable_memory_mib(self) -> int:
        return self.allocatable_memory_mib - DAEMONSET_RESERVE_MEMORY_MIB

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["taints"] = [asdict(t) for t in self.taints]
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> PoolFacts:
        d = dict(d)
        d["taints"] = tuple(Taint(**t) for t in d.get("taints", ()))
        return PoolFacts(**d)


def eks_node_group_labels(name: str, os: str, kind: str, model: str, extra: dict[str, str]) -> dict[str, str]:
    labels = {POOL_LABEL: name, OS_LABEL: os}
    acc = ACCELERATOR_KINDS.get(kind)
    if acc is not None:
        key, value = acc.presence_label
        labels[key] = value
        if kind == "nvidia":
            labels[CA_GPU_LABEL] = "nvidia-" + model.lower().replace(" ", "-")
    labels.update(extra)
    return labels


def facts_for_node_pool(spec: dict[str, Any]) -> PoolFacts:
    """Facts of an accelerator pool this stack creates. ``spec`` is a validated NodePoolSpec."""
    it = catalog.lookup(spec["instance_type"])
    acc = ACCELERATOR_KINDS[it.accelerator_kind]
    os = spec.get("os", "al2023")
    node_image(os, it.accelerator_kind, it.architecture)  # raises if no AMI exists
    taints = [Taint(*acc.taint)] + [
        Taint(t["key"], t.get("value", ""), t["effect"]) for t in spec.get("taints", [])
    ]
    extra: dict[str, int] = {}
    if spec.get("efa"):
        extra["vpc.amazonaws.com/efa"] = it.efa_interfaces
    return PoolFacts(
        name=spec["name"],
        source="eks-managed-node-group",
        labels=eks_node_group_labels(spec["name"], os, it.accelerator_kind, it.accelerator_model,
                                     spec.get("labels", {})),
        node_selector={POOL_LABEL: spec["name"]},
        taints=tuple(taints),
        accelerator_kind=it.accelerator_kind,
        accelerator_resource=acc.k8s_resource,
        ray_accelerator_resource=acc.ray_resource,
        accelerators_per_node=it.accelerator_count,
        accelerator_model=it.accelerator_model,
        allocatable_cpu_millis=it.allocatable_cpu_millis,
        allocatable_memory_mib=it.allocatable_memory_mib,
        min_nodes=spec.get("min_size", 0),
        max_nodes=spec.get("max_size", 2),
        capacity_type=spec.get("capacity_type", "ON_DEMAND"),
        instance_type=it.instance_type,
        architecture=it.architecture,
        os=os,
        price_usd_hour=it.price_usd_hour,
        extra_resources=extra,
    )


def facts_for_system_pool(spec: dict[str, Any]) -> PoolFacts:
    it = catalog.lookup(spec.get("instance_type", "m7i.xlarge"))
    return PoolFacts(
        name=SYSTEM_POOL,
        source="eks-managed-node-group",
        labels={POOL_LABEL: SYSTEM_POOL, OS_LABEL: "al2023"},
        node_selector={POOL_LABEL: SYSTEM_POOL},
        taints=(),
        accelerator_kind="none",
        accelerator_resource=None,
        ray_accelerator_resource=None,
        accelerators_per_node=0,
        accelerator_model="",
        allocatable_cpu_millis=it.allocatable_cpu_millis,
        allocatable_memory_mib=it.allocatable_memory_mib,
        min_nodes=spec.get("min_size", 2),
        max_nodes=spec.get("max_size", 3),
        capacity_type="ON_DEMAND",
        instance_type=it.instance_type,
        architecture=it.architecture,
        os="al2023",
        price_usd_hour=it.price_usd_hour,
    )


def facts_for_existing(spec: dict[str, Any]) -> PoolFacts:
    """Facts of nodes that already exist. ``spec`` is a validated ExistingPoolSpec."""
    it = catalog.lookup(spec["instance_type"]) if spec.get("instance_type") else None
    kind = spec.get("accelerator_kind") or (it.accelerator_kind if it else "none")
    acc = ACCELERATOR_KINDS.get(kind)
    count = spec.get("accelerators_per_node", it.accelerator_count if it else 0)
    cpu = spec.get("allocatable_cpu_millis", it.allocatable_cpu_millis if it else 0)
    mem = spec.get("allocatable_memory_mib", it.allocatable_memory_mib if it else 0)
    taints = tuple(Taint(t["key"], t.get("value", ""), t["effect"]) for t in spec.get("taints", []))
    return PoolFacts(
        name=spec["name"],
        source="existing",
        labels=dict(spec["node_selector"]),
        node_selector=dict(spec["node_selector"]),
        taints=taints,
        accelerator_kind=kind,
        accelerator_resource=acc.k8s_resource if acc else None,
        ray_accelerator_resource=acc.ray_resource if acc else None,
        accelerators_per_node=count if acc else 0,
        accelerator_model=it.accelerator_model if it else "",
        allocatable_cpu_millis=cpu,
        allocatable_memory_mib=mem,
        min_nodes=spec.get("min_nodes", 0),
        max_nodes=spec["max_nodes"],
        capacity_type=spec.get("capacity_type", "ON_DEMAND"),
        instance_type=it.instance_type if it else None,
        architecture=it.architecture if it else "x86_64",
        price_usd_hour=it.price_usd_hour if it else None,
    )
