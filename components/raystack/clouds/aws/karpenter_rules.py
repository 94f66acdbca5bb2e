"""What autoscaler: karpenter allows, checked before anything registers (one message per mistake). Pulumi-free."""

from __future__ import annotations

import re
from typing import Any

from ...hardware import catalog
from ...hardware.accelerators import ACCELERATOR_KINDS
from ...model.findings import Finding
from ...rules.common import key
from ...spec.coerce import to_camel
from . import karpenter

#: Pool keys that describe one managed node group's launch and have no Karpenter meaning here.
NODE_GROUP_ONLY = {
    "spot_alternatives": "list more types under karpenter.instanceTypes",
    "efa": "EFA pools stay managed node groups (one AZ, a placement group, the EFA device plugin): not with "
           "autoscaler karpenter",
    "capacity_reservation_id": "Capacity Blocks and ODCRs stay managed node groups: not with autoscaler karpenter",
    "availability_zone": "only with capacityReservationId (managed node groups)",
    "subnet_ids": "Karpenter launches into the cluster's discovery-tagged private subnets",
}


def check_platform(spec: dict[str, Any], given: dict[str, Any], findings: list[Finding]) -> None:
    """Platform-level rules: karpenter on EKS clusters the stack creates, with Pulumi delivery, and one node
    autoscaler; a pool's karpenter key only with autoscaler karpenter."""
    if spec["autoscaler"] != "karpenter":
        for list_key in ("gpu_pools", "node_pools"):
            for i, p in enumerate(given.get(list_key) or []):
                if "karpenter" in p:
                    findings.append(Finding(key(f"{to_camel(list_key)}[{i}].karpenter"), p["karpenter"], "only with autoscaler: karpenter"))
        return
    if given.get("cluster_autoscaler") is True:
        findings.append(Finding(key("clusterAutoscaler"), True, "two node autoscalers would both act on the same "
                                "pending pods: with autoscaler karpenter leave clusterAutoscaler out"))
    sys_pool = given.get("system_pool") or {}
    if "max_size" in sys_pool and sys_pool["max_size"] != spec["system_pool"]["min_size"]:
        findings.append(Finding(key("systemPool.maxSize"), sys_pool["max_size"], "nothing grows the system node group "
                                "with autoscaler karpenter (Karpenter launches its own NodePools' nodes, and its "
                                f"controller runs here): allowed {spec['system_pool']['min_size']} (minSize), the "
                                "nodes the heads and add-ons get"))
    if spec["kubernetes_delivery"] != "pulumi":
        findings.append(Finding(key("autoscaler"), "karpenter", "not with kubernetesDelivery gitops yet: the "
                                "NodePools and the chart would have to be rendered for Argo CD; use pulumi delivery"))


def check_pool(base: str, p: dict[str, Any], findings: list[Finding]) -> None:
    """A Karpenter pool (``p`` defaulted, its instanceType known to the catalog): candidates that exist and agree
    with it, capacity, limits and disruption that Karpenter's schema accepts."""
    k = p["karpenter"]
    at = f"{base}.karpenter"
    for field, why in NODE_GROUP_ONLY.items():
        if p.get(field):
            findings.append(Finding(f"{base}.{to_camel(field)}", p[field], why))
    if p["capacity_type"] == "CAPACITY_BLOCK":
        findings.append(Finding(f"{base}.capacityType", "CAPACITY_BLOCK", NODE_GROUP_ONLY["capacity_reservation_id"]))
    if p["min_size"]:
        findings.append(Finding(f"{base}.minSize", p["min_size"], "Karpenter keeps no minimum of nodes: it launches "
                                "them for pending pods; keep workers warm with the worker group's minReplicas"))
    for label in p["labels"]:
        domain = label.split("/")[0] if "/" in label else ""
        if domain.endswith(("karpenter.sh", "karpenter.k8s.aws")) or label == "kubernetes.io/hostname":
            # The NodePool CRD's CEL rules at v1.14.1 (template.metadata.labels): these are Karpenter's to set.
            findings.append(Finding(f"{base}.labels.{label}", p["labels"][label], "a label Karpenter's NodePool "
                                    "refuses (its domains karpenter.sh and karpenter.k8s.aws, and "
                                    "kubernetes.io/hostname, are Karpenter's to set)"))
    cat = catalog.load_catalog()
    for i, n in enumerate(k["instance_types"]):
        if n not in cat:
            findings.append(Finding(f"{at}.instanceTypes[{i}]", n, "not in raystack's catalog; "
                                    + catalog.describe_allowed(catalog.accelerator_types(), n)))
    families = sorted({t.family for t in cat.values()})
    for i, f in enumerate(k["instance_families"]):
        if f not in families:
            findings.append(Finding(f"{at}.instanceFamilies[{i}]", f, f"allowed: {', '.join(families)}"))
    if any(f.key.startswith(f"{at}.instance") for f in findings):
        return
    named = [cat[n] for n in karpenter.candidate_names(p)]
    it = cat[p["instance_type"]]
    wrong_arch = [t.instance_type for t in named if t.architecture != it.architecture]
    if wrong_arch:
        findings.append(Finding(at, wrong_arch, f"not {it.architecture} like instanceType {it.instance_type}: a "
                                "pool's workers run one image architecture"))
    other_kind = [t.instance_type for t in named if t.accelerator_kind != it.accelerator_kind]
    if other_kind:
        what = "CPU-only" if it.has_accelerator else "accelerator"
        findings.append(Finding(at, other_kind, f"{what} types in a pool of {it.accelerator_kind} instanceType "
                                f"{it.instance_type}: every candidate must carry the same kind of accelerator, or "
                                "workers sized for one would not fit (or would waste) the other"))
    types = [t for t in named if t.architecture == it.architecture and t.accelerator_kind == it.accelerator_kind]
    for i, m in enumerate(k["accelerator_models"]):
        if not any(t.accelerator_model == m for t in types):
            findings.append(Finding(f"{at}.acceleratorModels[{i}]", m, "no candidate carries it; candidates' models: "
                                    + ", ".join(sorted({t.accelerator_model for t in types}))))
    kept = [t for t in types if not k["accelerator_models"] or t.accelerator_model in k["accelerator_models"]]
    for i, c in enumerate(k["accelerator_counts"]):
        if not any(t.accelerator_count == c for t in kept):
            findings.append(Finding(f"{at}.acceleratorCounts[{i}]", c, "no candidate has that many devices; "
                                    f"candidates have: {', '.join(map(str, sorted({t.accelerator_count for t in kept})))}"))
    if other_kind or wrong_arch or any(f.key.startswith(f"{at}.accelerator") for f in findings):
        return
    final = karpenter.candidates(p)
    if not final:
        findings.append(Finding(at, {kk: k[kk] for kk in ("instance_types", "instance_families", "accelerator_models",
                                                          "accelerator_counts") if k[kk]},
                                "the requirements match no catalog type"))
        return
    acc = ACCELERATOR_KINDS.get(it.accelerator_kind)
    unsupported = sorted({t.accelerator_model for t in final} & set(acc.unsupported_models if acc else ()))
    if acc is not None and unsupported:
        findings.append(Finding(at, [t.instance_type for t in final if t.accelerator_model in unsupported],
                                f"{', '.join(unsupported)} is not supported yet: "
                                f"{acc.unsupported_models[unsupported[0]]}"))
    elif acc is not None and len({acc.units_per_device(t.accelerator_model) for t in final}) > 1:
        findings.append(Finding(at, sorted({t.accelerator_model for t in final}),
                                f"{it.accelerator_kind} models with different Ray units per device: keep one model "
                                "(acceleratorModels)"))
    elif acc is not None and acc.whole_or_single_device and len({t.accelerator_count for t in final}) > 1 \
            and min(t.accelerator_count for t in final) > 1:
        # Workers sized for the smallest candidate would take part of a larger node's devices: more than one device
        # but not all, which needs the scheduler extension raystack leaves off (hardware/accelerators.py).
        findings.append(Finding(at, sorted({t.instance_type for t in final}),
                                f"{it.accelerator_kind} candidates with different device counts: a worker would take "
                                "part of a larger node's devices, which needs the Neuron scheduler extension; keep "
                                "one count (acceleratorCounts), or candidates of one device"))
    _check_limits(at, k["limits"], final, findings)
    _check_disruption(at, k, findings)


def _check_limits(at: str, limits: dict[str, int], types: list[catalog.InstanceType], findings: list[Finding]) -> None:
    smallest = {"cpu": min(t.vcpu for t in types), "memory_gib": min(int(t.memory_gib) for t in types),
                "accelerators": min(t.accelerator_count for t in types)}
    for field, least in smallest.items():
        if field in limits and limits[field] < least:
            findings.append(Finding(f"{at}.limits.{to_camel(field)}", limits[field], f"below one node: the smallest "
                                    f"candidate has {least}; Karpenter could launch nothing (allowed: {least} or more)"))


def _check_disruption(at: str, k: dict[str, Any], findings: list[Finding]) -> None:
    for field in ("consolidate_after", "expire_after"):
        if not re.fullmatch(karpenter.DURATION, str(k[field])):
            findings.append(Finding(f"{at}.{to_camel(field)}", k[field], "a duration like 30s, 5m, 1h30m, or Never"))
    for i, b in enumerate(k["budgets"]):
        if not re.fullmatch(karpenter.BUDGET_NODES, str(b["nodes"])):
            findings.append(Finding(f"{at}.budgets[{i}].nodes", b["nodes"], "a count (2) or a percentage (10%)"))
        if ("schedule" in b) != ("duration" in b):
            findings.append(Finding(f"{at}.budgets[{i}]", b, "schedule and duration go together"))
