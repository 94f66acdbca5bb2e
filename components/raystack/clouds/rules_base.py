"""What every cloud's ``CloudRules`` does the same way: hand each question to the cloud's own pure modules
(``rules``, ``pools``). A cloud's ``cloud`` module subclasses it with its modules and its own answers. Pulumi-free."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..model.findings import Finding
from ..model.platform import NodePool


class ModuleCloud:
    """A cloud whose rules live in ``rules`` (check_create_mode, created_pool_specs, check_node_pool,
    check_pod_identity) and whose pools in ``pools`` (node_pool, system_pool)."""

    rules: ModuleType
    pools: ModuleType

    def check_create_mode(self, spec: dict[str, Any], given: dict[str, Any], findings: list[Finding],
                          warnings: list[Finding], region: str | None) -> None:
        self.rules.check_create_mode(spec, given, findings, warnings, region)

    def created_pool_specs(self, spec: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
        return self.rules.created_pool_specs(spec)  # type: ignore[no-any-return]

    def check_node_pool(self, base: str, p: dict[str, Any], cluster_name: str | None, findings: list[Finding],
                        accelerator_required: bool = True) -> None:
        self.rules.check_node_pool(base, p, cluster_name, findings, accelerator_required=accelerator_required)

    def node_pool(self, spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
        return self.pools.node_pool(spec, cluster_name, region)  # type: ignore[no-any-return]

    def system_pool(self, spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
        return self.pools.system_pool(spec, cluster_name, region)  # type: ignore[no-any-return]

    def managed_operator_cidrs(self, spec: dict[str, Any]) -> tuple[str, ...]:
        """Where the cloud's managed KubeRay operator connects to the Ray heads from, where it runs outside the
        cluster's pods (kuberay.operator: managed); () for an operator in a namespace of the cluster."""
        return ()

    def check_pod_identity(self, at: str, sa: dict[str, Any], region: str | None, findings: list[Finding]) -> None:
        self.rules.check_pod_identity(at, sa, region, findings)


def check_storage_identity(at: str, sa: dict[str, Any], findings: list[Finding], cloud: str, scope: Any,
                           scope_text: str, annotation: str) -> None:
    """``serviceAccount.podIdentity`` on a cloud whose identity reaches storage through ``storageRead`` and
    ``storageReadWrite`` (AKS, GKE): AWS's keys are refused, each scope must match ``scope`` (a compiled pattern;
    ``scope_text`` says what it is), and the account must not already carry the ``annotation`` raystack sets."""
    from ..spec.coerce import to_camel

    pid = sa["pod_identity"]
    for field, instead in (("managed_policy_arns", "storageRead/storageReadWrite"),
                           ("s3_read", "storageRead"), ("s3_read_write", "storageReadWrite")):
        if pid[field]:
            findings.append(Finding(f"{at}.podIdentity.{to_camel(field)}", pid[field],
                                    f"AWS IAM, not on {cloud}: use {instead}"))
    for field in ("storage_read", "storage_read_write"):
        for i, value in enumerate(pid[field]):
            if not scope.match(value):
                findings.append(Finding(f"{at}.podIdentity.{to_camel(field)}[{i}]", value, scope_text))
    if annotation in (sa.get("annotations") or {}):
        findings.append(Finding(f"{at}.annotations[{annotation!r}]", sa["annotations"][annotation],
                                "raystack sets it to the identity podIdentity creates; remove it, or remove "
                                "podIdentity and keep your own identity"))
