"""Shared helpers of the rules: key paths and Kubernetes name syntax. Pulumi-free."""

from __future__ import annotations

import re

from ..model.findings import Finding

#: Config keys are reported with the stack config namespace.
NS = "raystack:"
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def key(path: str) -> str:
    return NS + path


def check_name(findings: list[Finding], at: str, value: object, pattern: re.Pattern[str], max_len: int,
               what: str) -> None:
    if not isinstance(value, str) or not pattern.match(value) or len(value) > max_len:
        findings.append(Finding(at, value, f"must be a {what} of at most {max_len} characters "
                                           "(lower-case letters, digits and '-')"))


def require_created_and_applied(spec: dict[str, object], at: str, value: object, findings: list[Finding], *,
                                existing: str, gitops: str) -> None:
    """Something raystack creates beside a cluster it created, applied by `pulumi up`: refused with
    ``existing`` on a cluster raystack did not create, with ``gitops`` under kubernetesDelivery gitops."""
    if spec["cluster_mode"] != "create":
        findings.append(Finding(at, value, existing))
    if spec["kubernetes_delivery"] == "gitops":
        findings.append(Finding(at, value, gitops))
