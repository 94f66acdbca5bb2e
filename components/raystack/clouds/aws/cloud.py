"""AWS's rules behind the resolve-time seam (``model.cloud.CloudRules``). Pulumi-free."""

from __future__ import annotations

from typing import Any

from ...model import defaults
from ...model.cloud import register
from ...model.facts import PoolFacts, facts_for_existing
from ...model.findings import Finding
from ...model.platform import NodePool
from ...spec.types import SystemPoolSpec
from ..rules_base import ModuleCloud
from . import logs, pools, rules
from .ami import AMI_TABLE


class AwsCloud(ModuleCloud):
    """EKS with managed node groups: the rules, pools and node images of ``clouds.aws``."""

    name = "aws"
    rules = rules
    pools = pools
    #: EKS has no managed KubeRay (kuberay.operator: managed is AKS's).
    managed_kuberay = False
    managed_kuberay_note = ""
    account_identity = False
    #: EKS Pod Identity needs no pod label (the agent serves every pod of an associated account).
    workload_identity_label: tuple[str, str] | None = None
    #: How a team gives the Ray pods of an existing EKS cluster an IAM role itself.
    #: Where the provider reads the stack's region from.
    region_key = "aws:region"
    existing_identity_hint = ("annotate the account for IRSA (serviceAccount.annotations, "
                              "eks.amazonaws.com/role-arn) instead")

    def with_defaults(self, given: dict[str, Any]) -> dict[str, Any]:
        # model.defaults' tables are EKS's; with autoscaler karpenter every created pool is a Karpenter NodePool.
        if given.get("autoscaler") != "karpenter":
            return given
        # Nothing scales the system node group then: it keeps minSize nodes (karpenter_rules refuses another maxSize).
        system = dict(given.get("system_pool") or {})
        system.setdefault("max_size", system.get("min_size", defaults.TABLES[SystemPoolSpec]["min_size"]))
        return {**given, "system_pool": system,
                **{k: [{"karpenter": {}, **p} for p in given[k]] for k in ("gpu_pools", "node_pools")
                   if isinstance(given.get(k), list)}}

    def existing_pool(self, spec: dict[str, Any]) -> PoolFacts:
        return facts_for_existing(spec)

    def log_destination(self, at: str, destination: str, days: int, cluster_name: str, region: str | None,
                        findings: list[Finding]) -> tuple[str, str, list[tuple[str, str]]] | None:
        return logs.log_destination(at, destination, days, cluster_name, region, findings)

    def cloud_plan(self, spec: dict[str, Any], region: str | None) -> Any:
        return None  # the VPC is model.platform.NetworkPlan, built by resolve

    def api_access(self, platform: Any) -> str | None:
        return None  # the plan's own description is EKS's

    def cost(self, platform: Any, region: str | None) -> tuple[dict[str, Any], list[Any]] | None:
        return None  # the plan prices EKS from the catalog itself

    def return_route_targets(self) -> tuple[str, ...]:
        return tuple(rules.RETURN_ROUTE_TARGETS)

    def ships_device_plugin(self, pool: NodePool) -> bool:
        return AMI_TABLE[(pool.os, pool.facts.accelerator_kind, pool.facts.architecture)].ships_device_plugin


register(AwsCloud())
