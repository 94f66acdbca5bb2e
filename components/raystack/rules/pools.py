"""Rules for pools of an existing cluster, and what every created system pool must be (cloud-neutral).
Pulumi-free."""

from __future__ import annotations

import math
from typing import Any

from ..hardware import catalog, efa
from ..hardware.accelerators import ACCELERATOR_KINDS, AcceleratorKind
from ..model.findings import Finding
from .common import DNS1123_LABEL, check_name, key
from .kube import check_labels, check_taints


def check_existing_pool(base: str, p: dict[str, Any], findings: list[Finding]) -> None:
    """``p``: a defaulted ExistingPoolSpec; ``base``: its key path."""
    check_name(findings, f"{base}.name", p["name"], DNS1123_LABEL, 30, "DNS-1123 label")
    if not p["node_selector"]:
        findings.append(Finding(f"{base}.nodeSelector", {}, "needs at least one label the pool's nodes carry"))
    check_labels(f"{base}.nodeSelector", p["node_selector"], findings, owned=False)
    check_taints(f"{base}.taints", p["taints"], findings)
    if p.get("instance_type"):  # optional: facts come from the catalog or from the explicit keys
        try:
            catalog.lookup(p["instance_type"])
        except catalog.UnknownInstanceType:
            findings.append(Finding(f"{base}.instanceType", p["instance_type"],
                                    "not in raystack's catalog; give acceleratorKind, acceleratorsPerNode, "
                                    "allocatableCpuMillis and allocatableMemoryMib instead"))
            return
    else:
        missing = [camel for field, camel in (("allocatable_cpu_millis", "allocatableCpuMillis"),
                                              ("allocatable_memory_mib", "allocatableMemoryMib")) if field not in p]
        if missing:  # one mistake (no instanceType), one message
            findings.append(Finding(f"{base}.{missing[0]}", None, f"{' and '.join(missing)} required when "
                                                                  "instanceType is not given"))
    kind = p.get("accelerator_kind")  # optional: derived from the instance type
    if kind is not None and kind != "none" and kind not in ACCELERATOR_KINDS:
        findings.append(Finding(f"{base}.acceleratorKind", kind, f"allowed: none, {', '.join(ACCELERATOR_KINDS)}"))
        return
    resource = p.get("accelerator_resource")  # optional: the kind's own name by default
    if resource is not None:
        instance_kind = catalog.lookup(p["instance_type"]).accelerator_kind if p.get("instance_type") else None
        row = ACCELERATOR_KINDS.get(kind or instance_kind or "")
        names = (row.k8s_resource, *row.k8s_resource_aliases) if row else ()
        if resource not in names:
            findings.append(Finding(f"{base}.acceleratorResource", resource,
                                    f"allowed for {row.kind}: {', '.join(names)}" if row else
                                    "only with an accelerator (acceleratorKind or an accelerator instanceType)"))
    check_slice(base, p, ACCELERATOR_KINDS.get(kind or ""), findings)
    check_existing_efa(base, p, kind or (catalog.lookup(p["instance_type"]).accelerator_kind
                                         if p.get("instance_type") else "none"), findings)
    if p["max_nodes"] < 1:
        findings.append(Finding(f"{base}.maxNodes", p["max_nodes"], "allowed: 1 or more"))
    if p["min_nodes"] > p["max_nodes"]:
        findings.append(Finding(f"{base}.minNodes", p["min_nodes"], f"allowed 0..{p['max_nodes']} (maxNodes)"))


def check_existing_efa(base: str, p: dict[str, Any], kind: str, findings: list[Finding]) -> None:
    """EFA on nodes of an existing cluster: interfaces only beside accelerators (the workers' share is in
    proportion to their devices), huge pages only with EFA and in whole 2 MiB pages."""
    interfaces, hugepages = p.get("efa_interfaces", 0), p.get("hugepages_mib", 0)  # optional
    if interfaces < 0:
        findings.append(Finding(f"{base}.efaInterfaces", interfaces, "allowed: 0 or more"))
    elif interfaces and kind not in ACCELERATOR_KINDS:
        findings.append(Finding(f"{base}.efaInterfaces", interfaces, "only on an accelerator pool (acceleratorKind or "
                                                                     "an accelerator instanceType): workers get EFA "
                                                                     "in proportion to their devices"))
    if hugepages and not interfaces:
        findings.append(Finding(f"{base}.hugepagesMib", hugepages, "only with efaInterfaces (libfabric's buffers)"))
    elif hugepages < 0 or hugepages % efa.HUGEPAGE_MIB:
        findings.append(Finding(f"{base}.hugepagesMib", hugepages, "allowed: 0 or a multiple of 2 (2 MiB pages)"))


def check_slice(base: str, p: dict[str, Any], row: AcceleratorKind | None, findings: list[Finding]) -> None:
    """A pool of an accelerator that forms multi-host slices (TPU) names its topology in the nodeSelector, and its
    chips per host divide the topology's chips: a multi-host slice is a worker group replica of numOfHosts pods
    (KubeRay multi-host TPU groups), one a host (model.facts.facts_for_existing derives the hosts)."""
    if row is None and p.get("instance_type"):
        row = ACCELERATOR_KINDS.get(catalog.lookup(p["instance_type"]).accelerator_kind)
    if row is None or row.topology_label is None:
        return
    topology = p["node_selector"].get(row.topology_label)
    if topology is None:
        findings.append(Finding(f"{base}.nodeSelector", p["node_selector"],
                                f"a {row.kind} pool selects its slice shape: add {row.topology_label} (such as "
                                "'2x4'), from which raystack derives the hosts per slice"))
        return
    dims = topology.split("x")
    if not all(d.isdigit() and int(d) > 0 for d in dims):
        findings.append(Finding(f"{base}.nodeSelector[{row.topology_label!r}]", topology,
                                "a topology such as 2x4 or 2x2x1"))
        return
    per_host = p.get("accelerators_per_node") or (catalog.lookup(p["instance_type"]).accelerator_count
                                                  if p.get("instance_type") else 0)
    chips = math.prod(int(d) for d in dims)
    if per_host < 1 or chips % per_host:
        findings.append(Finding(f"{base}.acceleratorsPerNode", p.get("accelerators_per_node"),
                                f"a {topology} slice has {chips} chips: give the chips per host, a divisor of "
                                f"{chips}"))


def check_system_capacity(sys_pool: dict[str, Any], findings: list[Finding]) -> None:
    """A created system pool is on-demand on every cloud: it runs CoreDNS, the operator and the Ray heads, which
    one Spot reclaim would take down together; AKS refuses a Spot system pool outright ("spot node pools can only
    be user node pools", azure-aks-docs articles/aks/spot-node-pool.md)."""
    if sys_pool["capacity_type"] != "ON_DEMAND":
        findings.append(Finding(key("systemPool.capacityType"), sys_pool["capacity_type"],
                                "the system pool must be ON_DEMAND: it runs CoreDNS, the KubeRay operator and the Ray "
                                "heads, which one Spot reclaim would take down together (AKS refuses Spot system "
                                "pools); put Spot capacity in gpuPools or nodePools"))
