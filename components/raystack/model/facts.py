"""Pool facts: the cloud-neutral record every Ray worker group binds to.

A ``PoolFacts`` comes from a pool this stack creates, from the system pool or
from nodes of an existing cluster; the same record serves any accelerator kind
and any cloud. Its public, multi-language shape is ``spec.PoolDescriptor``.
Pulumi-free.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

POOL_LABEL = "raystack.io/pool"
OS_LABEL = "raystack.io/node-os"

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
        if not self.value:
            return {"key": self.key, "operator": "Exists", "effect": self.effect}
        return {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}


@dataclass(frozen=True)
class PoolFacts:
    """What a worker group needs to know about the nodes it runs on."""

    name: str
    source: str  # eks-managed-node-group | aks-agent-pool | existing
    labels: dict[str, str]
    node_selector: dict[str, str]
    taints: tuple[Taint, ...]
    accelerator_kind: str  # a key of ACCELERATOR_KINDS, or none
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
    #: Ray resource units per device (NeuronCores per Neuron device; 1 for GPUs).
    ray_units_per_accelerator: int = 1
    #: EFA interfaces per node (``vpc.amazonaws.com/efa``; 0: the pool has no EFA).
    efa_interfaces: int = 0
    #: 2 MiB huge pages preallocated per node, in MiB (EFA pools; already left out of allocatable memory).
    hugepages_mib: int = 0
    #: Hosts (nodes) per slice where the pool's devices form multi-host slices (a TPU slice pool: topology chips /
    #: chips per host); a worker group on it runs one pod a host (numOfHosts) and counts replicas in slices.
    hosts_per_slice: int = 1
    #: Containers that share each device (GKE GPU time-sharing; 1: none): accelerators_per_node counts the shares,
    #: and a worker takes one.
    shared_by: int = 1
    #: Seconds of warning before the cloud reclaims a node, where the node is drained as the warning comes (Spot
    #: under Karpenter's interruption queue: 120); workers then tell Ray the node is preempted before they stop.
    preemption_notice_s: int = 0

    @property
    def schedulable_cpu_millis(self) -> int:
        return self.allocatable_cpu_millis - DAEMONSET_RESERVE_CPU_MILLIS

    @property
    def schedulable_memory_mib(self) -> int:
        return self.allocatable_memory_mib - DAEMONSET_RESERVE_MEMORY_MIB

    def ray_devices(self, devices: int) -> dict[str, int]:
        """The Ray resource a pod with ``devices`` of this pool's accelerators offers (units per
        device: NeuronCores for Neuron), or nothing."""
        if not devices or not self.ray_accelerator_resource:
            return {}
        return {self.ray_accelerator_resource: devices * self.ray_units_per_accelerator}

    @property
    def tolerations(self) -> list[dict[str, str]]:
        return [t.toleration() for t in self.taints]

    def to_descriptor(self) -> dict[str, Any]:
        """The public ``PoolDescriptor`` (optional fields left out when unknown)."""
        d = asdict(self)
        d["taints"] = [{"key": t.key, "value": t.value, "effect": t.effect} for t in self.taints]
        return {k: v for k, v in d.items() if v is not None and not (k in self.ZERO_MEANS_ABSENT and not v)
                and not (k in ("hosts_per_slice", "shared_by") and v == 1)}

    #: Descriptor fields left out when 0 (pools without EFA keep the shape they always had).
    ZERO_MEANS_ABSENT = ("efa_interfaces", "hugepages_mib", "preemption_notice_s")

    @staticmethod
    def from_descriptor(d: dict[str, Any]) -> PoolFacts:
        """From a ``PoolDescriptor``. Numbers that crossed the Pulumi engine (a StackReference's
        outputs, a multi-language caller) arrive as floats: whole ones become ints again."""
        known = {f for f in PoolFacts.__dataclass_fields__}
        kwargs: dict[str, Any] = {k: int(v) if isinstance(v, float) and v.is_integer() and k != "price_usd_hour"
                                  else v for k, v in d.items() if k in known}
        kwargs["taints"] = tuple(Taint(t["key"], t.get("value") or "", t["effect"]) for t in d.get("taints", ()))
        kwargs.setdefault("accelerator_resource", None)
        kwargs.setdefault("ray_accelerator_resource", None)
        return PoolFacts(**kwargs)


def facts_for_existing(spec: dict[str, Any]) -> PoolFacts:
    """Facts of nodes that already exist. ``spec``: a validated, defaulted ExistingPoolSpec;
    what it leaves out comes from its catalog instance type (derived defaults)."""
    from ..hardware import catalog
    from ..hardware.accelerators import ACCELERATOR_KINDS

    it = catalog.lookup(spec["instance_type"]) if spec.get("instance_type") else None
    kind = spec.get("accelerator_kind") or (it.accelerator_kind if it else "none")
    acc = ACCELERATOR_KINDS.get(kind)
    count = spec.get("accelerators_per_node", it.accelerator_count if it else 0)
    resource = spec.get("accelerator_resource") or (acc.k8s_resource if acc else None)  # optional: an alias
    cpu = spec.get("allocatable_cpu_millis", it.allocatable_cpu_millis if it else 0)
    hugepages = spec.get("hugepages_mib", 0)  # optional
    # The kubelet leaves preallocated huge pages out of allocatable memory; an explicit figure is as reported.
    mem = spec.get("allocatable_memory_mib", (it.allocatable_memory_mib - hugepages) if it else 0)
    # A multi-host slice (a TPU pool whose topology's chips span hosts): one pod a host (rules.pools.check_slice).
    topology = spec["node_selector"].get(acc.topology_label) if acc is not None and acc.topology_label else None
    hosts = math.prod(int(d) for d in topology.split("x")) // count if topology and count else 1
    return PoolFacts(
        hosts_per_slice=hosts,
        name=spec["name"],
        source="existing",
        labels=dict(spec["node_selector"]),
        node_selector=dict(spec["node_selector"]),
        taints=tuple(Taint(t["key"], t["value"], t["effect"]) for t in spec["taints"]),
        accelerator_kind=kind,
        accelerator_resource=resource if acc else None,
        ray_accelerator_resource=acc.ray_resource if acc else None,
        accelerators_per_node=count if acc else 0,
        accelerator_model=spec.get("accelerator_model") or (it.accelerator_model if it else ""),  # optional
        allocatable_cpu_millis=cpu,
        allocatable_memory_mib=mem,
        min_nodes=spec["min_nodes"],
        max_nodes=spec["max_nodes"],
        capacity_type=spec["capacity_type"],
        instance_type=it.instance_type if it else None,
        architecture=it.architecture if it else "x86_64",
        price_usd_hour=it.price_usd_hour if it else None,
        ray_units_per_accelerator=acc.units_per_device(it.accelerator_model) if acc and it else 1,
        efa_interfaces=spec.get("efa_interfaces", 0) if acc else 0,  # optional
        hugepages_mib=hugepages if acc else 0,
    )
