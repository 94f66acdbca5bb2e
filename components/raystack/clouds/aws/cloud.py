"""AWS's rules behind the resolve-time seam (``model.cloud.CloudRules``). Pulumi-free."""

from __future__ import annotations

from typing import Any

from ...model.cloud import register
from ...model.facts import PoolFacts, facts_for_existing
from ...model.findings import Finding
from ...model.platform import NodePool
from . import logs, pools, rules
from .ami import AMI_TABLE


class AwsCloud:
    """EKS with managed node groups: the rules, pools and node images of ``clouds.aws``."""

    name = "aws"
    #: EKS has no managed KubeRay (kuberay.operator: managed is AKS's).
    managed_kuberay = False
    #: EKS Pod Identity needs no pod label (the agent serves every pod of an associated account).
    workload_identity_label: tuple[str, str] | None = None

    existing_identity_hint = ("annotate the account for IRSA (serviceAccount.annotations, "
                              "eks.amazonaws.com/role-arn) instead")

    def with_defaults(self, given: dict[str, Any]) -> dict[str, Any]:
        return given  # model.defaults' tables are EKS's

    def existing_pool(self, spec: dict[str, Any]) -> PoolFacts:
        return facts_for_existing(spec)

    def check_create_mode(self, spec: dict[str, Any], given: dict[str, Any], findings: list[Finding],
                          warnings: list[Finding], region: str | None) -> None:
        rules.check_create_mode(spec, given, findings, warnings, region)

    def created_pool_specs(self, spec: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
        return rules.created_pool_specs(spec)

    def check_node_pool(self, base: str, p: dict[str, Any], cluster_name: str | None, findings: list[Finding],
                        accelerator_required: bool = True) -> None:
        rules.check_node_pool(base, p, cluster_name, findings, accelerator_required=accelerator_required)

    def node_pool(self, spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
        return pools.node_pool(spec, cluster_name)  # EC2 prices: the catalog's (us-east-1)

    def system_pool(self, spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
        return pools.system_pool(spec, cluster_name)

    def check_pod_identity(self, at: str, sa: dict[str, Any], region: str | None, findings: list[Finding]) -> None:
        rules.check_pod_identity(at, sa, region, findings)

    def log_destination(self, at: str, destination: str, days: int, cluster_name: str, region: str | None,
                        findings: list[Finding]) -> tuple[str, str, list[tuple[str, str]]] | None:
        return logs.log_destination(at, destination, days, cluster_name, region, findings)

    def cloud_plan(self, spec: dict[str, Any], region: str | None) -> Any:
        return None  # the VPC is model.platform.NetworkPlan, built by resolve

    def return_route_targets(self) -> tuple[str, ...]:
        return tuple(rules.RETURN_ROUTE_TARGETS)

    def ships_device_plugin(self, pool: NodePool) -> bool:
        return AMI_TABLE[(pool.os, pool.facts.accelerator_kind, pool.facts.architecture)].ships_device_plugin


register(AwsCloud())
