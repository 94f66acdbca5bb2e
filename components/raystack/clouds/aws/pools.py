"""EKS managed node groups as pools: names, labels, taints and facts (pure). Pulumi-free.

The system pool and accelerator pools are the same kind of record
(``model.platform.NodePool``); the resource layer builds both with one
node-group builder.
"""

from __future__ import annotations

import re
from typing import Any

from ...hardware import catalog
from ...hardware import efa as efa_rules
from ...hardware.accelerators import ACCELERATOR_KINDS
from ...model.defaults import SYSTEM_POOL_NAME
from ...model.facts import OS_LABEL, POOL_LABEL, PoolFacts, Taint
from ...model.platform import NodePool
from . import karpenter
from .ami import node_image

SOURCE = "eks-managed-node-group"
#: The Cluster Autoscaler's AWS accelerator label: with it CA treats a new node as an
#: accelerator node that is not ready until the device plugin advertises its devices.
CA_ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator"
#: EKS spells taint effects in its own enum.
EKS_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}
#: EKS node group names are <= 63 characters. raystack gives a prefix, <cluster>-<pool>-, and the
#: provider appends a 26-character unique suffix (terraform-plugin-sdk id.UniqueIDSuffixLength), so a
#: replacement (new instance type, AMI type, subnets...) creates the new group before deleting the old.
NODEGROUP_NAME_MAX = 63
NODEGROUP_SUFFIX_LENGTH = 26


def nodegroup_name(cluster_name: str, pool_name: str) -> str:
    """The node group name prefix of a pool (also raystack 0.1's fixed node group name, plus '-')."""
    return f"{cluster_name}-{pool_name}-"


#: What the provider appends to a name prefix: terraform-plugin-sdk helper/id.PrefixedUniqueId, an
#: 18-digit UTC timestamp (to 1e-4 s) and an 8-hex-digit counter (UniqueIDSuffixLength 26).
NODEGROUP_SUFFIX = re.compile(r"\d{18}[0-9a-f]{8}")


def is_pool_nodegroup(name: str, prefix: str) -> bool:
    """Whether a live node group belongs to the pool whose node group prefix is ``prefix``:
    <prefix><the provider's unique suffix>, exactly, or raystack 0.1's fixed name (the prefix less its
    '-'). Pool 'l4' claims neither 'l4-spot-...' nor 'l4-2x-2026...' (a 26-character suffix that
    starts with '2x' is not the provider's)."""
    return name == prefix[:-1] or (name.startswith(prefix) and NODEGROUP_SUFFIX.fullmatch(name[len(prefix):]) is not None)


def node_labels(name: str, os: str, kind: str, model: str, extra: dict[str, str]) -> dict[str, str]:
    labels = {POOL_LABEL: name, OS_LABEL: os}
    acc = ACCELERATOR_KINDS.get(kind)
    if acc is not None:
        key, value = acc.presence_label
        labels[key] = value
        if acc.autoscaler_label_prefix is not None:
            labels[CA_ACCELERATOR_LABEL] = acc.autoscaler_label_prefix + model.lower().replace(" ", "-")
    labels.update(extra)
    return labels


def node_pool(spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
    """A validated, defaulted NodePoolSpec -> the resolved pool (``region`` unused: EC2 prices are the
    catalog's, us-east-1)."""
    it = catalog.lookup(spec["instance_type"])
    # A Spot pool's alternatives are interchangeable with it (rules.check_spot_alternatives); their
    # allocatable differs only by max pods, so the pool's facts take the least of each, and the
    # highest price (an upper bound).
    types = [it] + [catalog.lookup(n) for n in spec["spot_alternatives"]]
    kpool = None
    if spec.get("karpenter") is not None:
        # A Karpenter pool: workers are sized for the candidate with the least allocatable and its fewest devices,
        # so one fits whichever candidate Karpenter launches; the price is the dearest candidate's (karpenter.py).
        types = karpenter.candidates(spec)
        it = karpenter.sizing_type(types)
        kpool = karpenter.karpenter_pool(spec, types)
    models = sorted({t.accelerator_model for t in types})
    acc = ACCELERATOR_KINDS.get(it.accelerator_kind)  # None: a CPU pool (nodePools)
    os = spec["os"]
    image = node_image(os, it.accelerator_kind, it.architecture)
    # A CPU pool is dedicated to its Ray groups like an accelerator pool is: a taint with a value
    # (the Cluster Autoscaler ignores valueless ones when scaling from zero) that only they tolerate.
    own = Taint(*acc.taint) if acc is not None else Taint(POOL_LABEL, spec["name"], "NoSchedule")
    taints = (own,) + tuple(Taint(t["key"], t["value"], t["effect"]) for t in spec["taints"])
    efa = spec["efa"]
    # The kubelet leaves preallocated huge pages out of allocatable memory (kubernetes
    # pkg/kubelet/nodestatus/setters.go, MachineInfo: "for hugepages, subtract from memory allocatable"),
    # so workers sized for an EFA node fit beside them.
    hugepages = efa_rules.HUGEPAGES_PER_NODE_MIB if efa else 0
    labels = node_labels(spec["name"], os, it.accelerator_kind, it.accelerator_model, spec["labels"])
    if kpool is not None:
        labels.pop(CA_ACCELERATOR_LABEL, None)  # the Cluster Autoscaler's; Karpenter reads the pod's requests
    if efa:
        labels[efa_rules.EFA_PRESENCE_LABEL[0]] = efa_rules.EFA_PRESENCE_LABEL[1]
    facts = PoolFacts(
        name=spec["name"],
        source=SOURCE if kpool is None else karpenter.SOURCE,
        labels=labels,
        node_selector={POOL_LABEL: spec["name"]},
        taints=taints,
        accelerator_kind=it.accelerator_kind,
        accelerator_resource=acc.k8s_resource if acc is not None else None,
        ray_accelerator_resource=acc.ray_resource if acc is not None else None,
        accelerators_per_node=min(t.accelerator_count for t in types),
        # Candidates of several models: Ray's accelerator_type is left undeclared (no one model is true of all).
        accelerator_model=" or ".join(models),
        allocatable_cpu_millis=min(t.allocatable_cpu_millis for t in types),
        allocatable_memory_mib=min(t.allocatable_memory_mib for t in types) - hugepages,
        min_nodes=spec["min_size"],
        max_nodes=spec["max_size"],
        capacity_type=spec["capacity_type"] if kpool is None else
        ("SPOT" if "spot" in kpool.capacity_types else "ON_DEMAND"),
        instance_type=it.instance_type,
        architecture=it.architecture,
        os=os,
        price_usd_hour=None if any(t.price_usd_hour is None for t in types)
        else max(t.price_usd_hour for t in types if t.price_usd_hour is not None),
        ray_units_per_accelerator=acc.units_per_device(it.accelerator_model) if acc is not None else 1,
        efa_interfaces=it.efa_interfaces if efa else 0,
        hugepages_mib=hugepages,
        # Spot nodes are drained before EC2 reclaims them: by Karpenter on the interruption warning (its queue), and
        # by EKS in a managed node group, on a rebalance recommendation or the two-minute notice ("Amazon EKS cordons
        # and drains the Spot node", EKS user guide, managed node groups, Spot): workers tell Ray first.
        preemption_notice_s=karpenter.SPOT_NOTICE_S if (kpool is not None and "spot" in kpool.capacity_types) or
        (kpool is None and spec["capacity_type"] == "SPOT") else 0,
    )
    return NodePool(
        name=spec["name"], instance_type=it.instance_type, capacity_type=spec["capacity_type"],
        min_size=spec["min_size"], max_size=spec["max_size"], os=os, disk_size_gib=spec["disk_size_gib"],
        capacity_reservation_id=spec.get("capacity_reservation_id"),  # optional: no default
        availability_zone=spec.get("availability_zone"),  # optional: reserved pools only
        subnet_ids=tuple(spec["subnet_ids"]) if spec.get("subnet_ids") else None,  # optional: no default
        ami_type=image.ami_type, image_volume_device=image.image_volume_device,
        node_group_name=nodegroup_name(cluster_name, spec["name"]), facts=facts,
        instance_types=tuple(t.instance_type for t in types),
        karpenter=kpool,
        # EFA nodes go into a cluster placement group of their own, unless a reservation already places
        # them: a Capacity Block is delivered in an EC2 UltraCluster, and an ODCR made for a cluster placement
        # group serves only launches into that group (EC2 user guide, placement-groups limitations), so a
        # new group could only keep a reserved pool from its capacity.
        placement_group=efa and not spec.get("capacity_reservation_id"))


def system_pool(spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
    """A validated, defaulted SystemPoolSpec -> the system pool (on-demand CPU nodes, AL2023)."""
    it = catalog.lookup(spec["instance_type"])
    os = "al2023"
    image = node_image(os, "none", it.architecture)
    facts = PoolFacts(
        name=SYSTEM_POOL_NAME,
        source=SOURCE,
        labels={POOL_LABEL: SYSTEM_POOL_NAME, OS_LABEL: os},
        node_selector={POOL_LABEL: SYSTEM_POOL_NAME},
        taints=(),
        accelerator_kind="none",
        accelerator_resource=None,
        ray_accelerator_resource=None,
        accelerators_per_node=0,
        accelerator_model="",
        allocatable_cpu_millis=it.allocatable_cpu_millis,
        allocatable_memory_mib=it.allocatable_memory_mib,
        min_nodes=spec["min_size"],
        max_nodes=spec["max_size"],
        capacity_type="ON_DEMAND",
        instance_type=it.instance_type,
        architecture=it.architecture,
        os=os,
        price_usd_hour=it.price_usd_hour,
    )
    return NodePool(
        name=SYSTEM_POOL_NAME, instance_type=it.instance_type, capacity_type="ON_DEMAND",
        min_size=spec["min_size"], max_size=spec["max_size"], os=os, disk_size_gib=spec["disk_size_gib"],
        capacity_reservation_id=None, availability_zone=None, subnet_ids=None,
        ami_type=image.ami_type, image_volume_device=image.image_volume_device,
        node_group_name=nodegroup_name(cluster_name, SYSTEM_POOL_NAME), facts=facts,
        instance_types=(it.instance_type,))
