"""Karpenter on EKS (autoscaler: karpenter), the pure part: a pool's candidate types and the node its workers are
sized for, its limits, the NodePool and EC2NodeClass it becomes, the controller's chart values, and which edits
make Karpenter replace every node. Pulumi-free.

Sources, read at tag v1.14.1 of aws/karpenter-provider-aws (AWS) and kubernetes-sigs/karpenter (core), cited where
used. The Ray-safety choice, in one place:

- **No ``karpenter.sh/do-not-disrupt`` on Ray pods.** Karpenter's termination controller does not evict a pod with
  it (core pkg/utils/pod/scheduling.go IsEvictable; AWS website docs/concepts/disruption.md "Pod-Level Controls"),
  not even when a Spot interruption warning has come: the worker would die with the instance two minutes later,
  without its preStop, and Ray would not be told.
- **Instead a disruption policy that never removes a node with a Ray pod**: ``consolidationPolicy: WhenEmpty`` (only
  nodes without non-DaemonSet pods are consolidated; Ray's autoscaler removes idle workers itself after their
  idle timeout, so a node with a worker is busy or about to be emptied by Ray), a budget of 0 nodes for reason
  Drifted (a NodePool or EC2NodeClass edit, or a new AMI, never drains a busy node; drifted nodes go when empty),
  and ``expireAfter: Never`` (expiration is forceful: disruption.md "Automated Forceful Methods").
- **Spot interruptions drain through Ray**: the interruption queue lets Karpenter taint and drain the node as the
  two-minute warning arrives (disruption.md "Interruption"); the eviction runs the worker's preStop, which tells
  Ray's GCS the node is being preempted (``ray drain-node --reason DRAIN_NODE_REASON_PREEMPTION``, the API Ray's
  autoscaler v2 uses, ray/scripts/scripts.py@2.60) before ``ray stop``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ... import versions
from ...hardware import catalog
from ...hardware.catalog import InstanceType
from ...kube.values import KARPENTER_CPU_MILLIS, KARPENTER_MEMORY_MIB

SOURCE = "karpenter-node-pool"
#: Where the controller runs (the getting-started guide's KARPENTER_NAMESPACE) and its service account.
NAMESPACE = versions.KARPENTER.namespace
SERVICE_ACCOUNT = "karpenter"
#: The tag the EC2NodeClass discovers the cluster's private subnets and security group by (getting-started).
DISCOVERY_TAG = "karpenter.sh/discovery"
CAPACITY_TYPE_KEY = "karpenter.sh/capacity-type"
#: Kubernetes' names for the catalog's architectures (kubernetes.io/arch).
ARCH = {"x86_64": "amd64", "arm64": "arm64"}
#: Karpenter's duration patterns (core pkg/apis/v1 nodepool.go: consolidateAfter and expireAfter; Budget.nodes).
DURATION = r"^(([0-9]+(s|m|h))+|Never)$"
BUDGET_NODES = r"^((100|[0-9]{1,2})%|[0-9]+)$"
#: EC2's Spot interruption notice ("two-minute warning", disruption.md "Interruption"): the pool facts' preemption
#: notice, from which the worker's preStop tells Ray the time left (ray.raycluster.preemption_lifecycle).
SPOT_NOTICE_S = 120
#: Bottlerocket's OS volume, /dev/xvda (its default size in nodeclasses.md's default block device mappings); the
#: images go on the data volume, /dev/xvdb, of diskSizeGib.
OS_VOLUME_GIB = 4


def capacity_types(spec: dict[str, Any]) -> tuple[str, ...]:
    """The karpenter.sh/capacity-type values of a pool: its karpenter.capacityTypes, else its capacityType's."""
    given = spec["karpenter"].get("capacity_types")
    if given:
        return tuple(v for v in ("spot", "on-demand") if v in given)  # one spelling order: stable manifests
    return ("spot",) if spec["capacity_type"] == "SPOT" else ("on-demand",)


def candidate_names(spec: dict[str, Any]) -> list[str]:
    """instanceType, karpenter.instanceTypes and every catalog size of karpenter.instanceFamilies (before filters)."""
    k = spec["karpenter"]
    families = set(k["instance_families"])
    named = [spec["instance_type"], *k["instance_types"]]
    named += sorted(n for n, it in catalog.load_catalog().items() if it.family in families)
    return list(dict.fromkeys(named))


def candidates(spec: dict[str, Any]) -> list[InstanceType]:
    """The catalog types Karpenter may launch for a pool: candidate_names that the catalog knows, of instanceType's
    architecture, kept by acceleratorModels and acceleratorCounts when given. Sorted by price, then name."""
    k = spec["karpenter"]
    cat = catalog.load_catalog()
    arch = cat[spec["instance_type"]].architecture
    out = [cat[n] for n in candidate_names(spec) if n in cat and cat[n].architecture == arch]
    if k["accelerator_models"]:
        out = [t for t in out if t.accelerator_model in k["accelerator_models"]]
    if k["accelerator_counts"]:
        out = [t for t in out if t.accelerator_count in k["accelerator_counts"]]
    return sorted(out, key=lambda t: (t.price_usd_hour is None, t.price_usd_hour or 0.0, t.instance_type))


def sizing_type(types: list[InstanceType]) -> InstanceType:
    """The candidate with the least allocatable CPU, then memory: the node a worker is sized for."""
    return min(types, key=lambda t: (t.allocatable_cpu_millis, t.allocatable_memory_mib, t.instance_type))


def default_limits(types: list[InstanceType], max_size: int) -> dict[str, int]:
    """maxSize nodes of the largest candidate: vCPUs, memory GiB and devices."""
    return {"cpu": max_size * max(t.vcpu for t in types),
            "memory_gib": max_size * int(max(t.memory_gib for t in types)),
            "accelerators": max_size * max(t.accelerator_count for t in types)}


@dataclass(frozen=True)
class KarpenterPool:
    """How a pool becomes a Karpenter NodePool and EC2NodeClass (resolved from its karpenter key)."""

    #: Every type Karpenter may launch, cheapest first.
    candidates: tuple[str, ...]
    capacity_types: tuple[str, ...]
    #: vCPUs, memory GiB and devices over the pool's nodes (given, or maxSize of the largest candidate).
    limits: dict[str, int]
    consolidate_after: str
    expire_after: str
    #: The empty-node budgets: {nodes, schedule?, duration?}.
    budgets: tuple[dict[str, str], ...]
    ami_alias: str
    #: On-demand $/h of the cheapest and the dearest candidate (None: some candidate has no catalog price).
    price_range: tuple[float, float] | None


def karpenter_pool(spec: dict[str, Any], types: list[InstanceType]) -> KarpenterPool:
    k = spec["karpenter"]
    limits = {**default_limits(types, spec["max_size"]), **k["limits"]}
    prices = [t.price_usd_hour for t in types if t.price_usd_hour is not None]
    return KarpenterPool(
        candidates=tuple(t.instance_type for t in types), capacity_types=capacity_types(spec), limits=limits,
        consolidate_after=k["consolidate_after"], expire_after=k["expire_after"],
        budgets=tuple(dict(b) for b in k["budgets"]), ami_alias=versions.KARPENTER_AMI_ALIASES[spec["os"]],
        price_range=(min(prices), max(prices)) if len(prices) == len(types) else None)


def plan_row(pool: Any) -> dict[str, Any]:
    """A Karpenter pool's NodePool: what it may launch, what its workers are sized for, what it costs, and how
    Karpenter removes its nodes (clouds/aws/karpenter.py)."""
    from ...hardware.accelerators import ray_accelerator_type

    k = pool.karpenter
    facts = pool.facts
    # What Ray sees of the devices of a node the workers are sized for (a worker may take fewer): its accelerator
    # resource and, with one model among the candidates, the accelerator_type resource Ray sets on the node.
    ray: dict[str, int] = dict(facts.ray_devices(facts.accelerators_per_node))
    model_type = ray_accelerator_type(facts.accelerator_model) if facts.accelerators_per_node else None
    if model_type:
        ray[f"accelerator_type:{model_type}"] = 1
    return {"candidates": list(k.candidates), "sized_for": pool.instance_type, "capacity_types": list(k.capacity_types),
            # A list, not a map: the plan document camel-cases map keys, and these are Ray's resource names.
            "ray_resources_per_node": [{"resource": r, "count": n} for r, n in ray.items()],
            "price_usd_per_hour_min": k.price_range[0] if k.price_range else None,
            "price_usd_per_hour_max": k.price_range[1] if k.price_range else None,
            "limits": dict(k.limits),
            "disruption": f"WhenEmpty after {k.consolidate_after}; drifted nodes wait until Ray empties them; "
                          f"expireAfter {k.expire_after}; Spot workers drain through Ray on an interruption"}


def queue_name(cluster_name: str) -> str:
    """The interruption queue (getting-started cloudformation.yaml: QueueName is the cluster's name)."""
    return cluster_name


def node_pool_manifest(name: str, pool: Any, cluster_name: str) -> dict[str, Any]:
    """The karpenter.sh/v1 NodePool of a resolved pool (``pool``: model.platform.NodePool with ``karpenter``)."""
    k: KarpenterPool = pool.karpenter
    facts = pool.facts
    requirements = [
        {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": list(k.candidates)},
        # Both allowed: Karpenter launches Spot first and falls back to on-demand (AWS website docs/concepts/
        # nodepools.md, capacity type: "Karpenter prioritizes Spot offerings if the NodePool allows Spot and
        # on-demand instances").
        {"key": CAPACITY_TYPE_KEY, "operator": "In", "values": list(k.capacity_types)},
        {"key": "kubernetes.io/arch", "operator": "In", "values": [ARCH[facts.architecture]]},
        {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
    ]
    limits: dict[str, str] = {"cpu": str(k.limits["cpu"]), "memory": f"{k.limits['memory_gib']}Gi"}
    if facts.accelerator_resource:
        limits[facts.accelerator_resource] = str(k.limits["accelerators"])
    budgets = [{**b, "reasons": ["Empty"]} for b in k.budgets]
    # Drift never drains a busy node: a node whose NodePool or EC2NodeClass changed (or whose AMI did) is left
    # until Ray empties it, and then goes as an empty node (module docstring).
    budgets.append({"nodes": "0", "reasons": ["Drifted"]})
    return {
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "raystack"}},
        "spec": {
            "template": {
                "metadata": {"labels": dict(facts.labels)},
                "spec": {
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": name},
                    "requirements": requirements,
                    "taints": [{"key": t.key, **({"value": t.value} if t.value else {}), "effect": t.effect}
                               for t in facts.taints],
                    "expireAfter": k.expire_after,
                },
            },
            "limits": limits,
            "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": k.consolidate_after,
                           "budgets": budgets},
        },
    }


def node_class_manifest(name: str, pool: Any, cluster_name: str, tags: dict[str, str], node_role: str) -> dict[str, Any]:
    """The karpenter.k8s.aws/v1 EC2NodeClass of a resolved pool: the pinned EKS AMI alias, the node role (its name:
    generated, as IAM role names are global to the account, and two regions may run clusters of one name), the
    cluster's discovery-tagged subnets and security group, encrypted gp3 volumes, IMDSv2 with hop limit 1."""
    k: KarpenterPool = pool.karpenter
    ebs: dict[str, Any] = {"volumeSize": f"{pool.disk_size_gib}Gi", "volumeType": "gp3", "encrypted": True,
                           "deleteOnTermination": True}
    devices: list[dict[str, Any]]
    if pool.os == "bottlerocket":  # an OS volume and the data volume images go on (nodeclasses.md defaults)
        devices = [{"deviceName": "/dev/xvda", "ebs": {**ebs, "volumeSize": f"{OS_VOLUME_GIB}Gi"}},
                   {"deviceName": "/dev/xvdb", "ebs": ebs}]
    else:
        devices = [{"deviceName": "/dev/xvda", "ebs": ebs, "rootVolume": True}]
    discovery = {DISCOVERY_TAG: cluster_name}
    return {
        "apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "raystack"}},
        "spec": {
            "role": node_role,
            "amiSelectorTerms": [{"alias": k.ami_alias}],
            "subnetSelectorTerms": [{"tags": discovery}],
            "securityGroupSelectorTerms": [{"tags": discovery}],
            "blockDeviceMappings": devices,
            "metadataOptions": {"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled",
                                "httpPutResponseHopLimit": 1, "httpTokens": "required"},
            "tags": dict(tags),
        },
    }


def controller_values(cluster_name: str, node_selector: dict[str, str], system_min_nodes: int) -> dict[str, Any]:
    """The karpenter chart's values: the cluster and its interruption queue (getting-started step08), on the system
    pool, with the guide's 1 CPU / 1 GiB. Two replicas need two system nodes (the chart's required pod
    anti-affinity on kubernetes.io/hostname); a one-node system pool gets one."""
    resources = {"cpu": f"{KARPENTER_CPU_MILLIS}m", "memory": f"{KARPENTER_MEMORY_MIB}Mi"}
    return {
        "settings": {"clusterName": cluster_name, "interruptionQueue": queue_name(cluster_name)},
        "serviceAccount": {"name": SERVICE_ACCOUNT},
        "replicas": 2 if system_min_nodes >= 2 else 1,
        "nodeSelector": {"kubernetes.io/os": "linux", **node_selector},
        "controller": {"resources": {"requests": resources, "limits": resources}},
    }


#: What an edit of a NodePool or EC2NodeClass does to the nodes already running, by field path (core
#: nodepool.go Hash: spec.template is hashed except requirements, which drift only the nodes they no longer
#: admit; disruption, limits and weight are not; AWS ec2nodeclass.go Hash: the whole spec except the selector
#: terms, ipPrefixCount and amiFamily, which drift by what they resolve to).
NODEPOOL_DRIFT = {"template": "every node", "template.spec.requirements": "nodes the new requirements exclude"}
NODECLASS_NO_DRIFT = ("subnetSelectorTerms", "securityGroupSelectorTerms", "capacityReservationSelectorTerms")


def drift_of(kind: str, changed: list[str]) -> str | None:
    """What a change of the given top-level spec paths (dotted, below spec) drifts: "every node", "nodes the new
    requirements exclude", or None (no node is replaced)."""
    if kind == "NodePool":
        if any(p.startswith("template") and not p.startswith("template.spec.requirements") for p in changed):
            return "every node"
        if any(p.startswith("template.spec.requirements") for p in changed):
            return "nodes the new requirements exclude"
        return None
    if kind == "EC2NodeClass":
        return "every node" if any(not p.startswith(NODECLASS_NO_DRIFT) for p in changed) else None
    return None
