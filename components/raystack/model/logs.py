"""Resolve ``observability.logs``: where Ray's log files go when they leave the pods. Pulumi-free.

The destination is the cloud's (``CloudRules.log_destination``: on AWS a CloudWatch Logs group); the
shipper is the same everywhere (``ray.logs``: a Fluent Bit sidecar in every Ray pod). Its credentials come
from each Ray cluster's workload identity (on EKS, Pod Identity), scoped to the destination, so logs are
for clusters the stack creates, where raystack installs what that identity needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import versions
from .findings import Finding

DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True)
class LogsPlan:
    """Where every Ray pod's log shipper sends Ray's log files."""

    #: The destination kind (spec LogDestination): cloudwatch.
    destination: str
    #: What receives them, named in the plan: a CloudWatch Logs group name.
    target: str
    retention_days: int
    #: The shipper's output: a Fluent Bit output plugin and its properties (the cloud's).
    output_plugin: str
    output_properties: tuple[tuple[str, str], ...]
    #: The shipper's image (versions.FLUENT_BIT_IMAGE, through imageRegistry when set).
    image: str


def resolve_logs(spec: dict[str, Any], key: Callable[[str], str], cloud: Any, region: str | None,
                 findings: list[Finding]) -> LogsPlan | None:
    """The stack's log shipping, or None (not asked for, or a finding)."""
    logs = (spec.get("observability") or {}).get("logs")
    if not logs or logs.get("destination", "none") == "none":
        if logs and logs.get("retention_days") is not None:
            findings.append(Finding(key("observability.logs.destination"), logs.get("destination", "none"),
                                    "is none, so no logs are shipped and retentionDays keeps nothing: set "
                                    "destination: cloudwatch, or leave retentionDays out"))
        return None
    at = key("observability.logs")
    if spec["cluster_mode"] != "create":
        findings.append(Finding(f"{at}.destination", logs["destination"],
                                "ships through each Ray cluster's Pod Identity role, which raystack can give only on a "
                                "cluster it creates (it installs the eks-pod-identity-agent there): on an existing "
                                "cluster, run your own log shipper"))
        return None
    days = logs.get("retention_days", DEFAULT_RETENTION_DAYS)
    found = cloud.log_destination(at, logs["destination"], days, spec.get("cluster_name") or "", region, findings)
    if found is None:
        return None
    target, plugin, properties = found
    registry = spec.get("image_registry")
    image = f"{registry.rstrip('/')}/{versions.FLUENT_BIT_IMAGE}" if registry else versions.FLUENT_BIT_IMAGE
    return LogsPlan(destination=logs["destination"], target=target, retention_days=days, output_plugin=plugin,
                    output_properties=tuple(properties), image=image)


def with_pod_identity(rc: dict[str, Any]) -> dict[str, Any]:
    """A Ray cluster's defaulted service account, with a Pod Identity role for its log shipper: its own
    account's role, a role on the account it names, or a new account ``<cluster>-workers`` (the workers'; the
    head's is KubeRay's or raystack's, as for any podIdentity)."""
    sa = rc.get("service_account")
    if sa and sa.get("pod_identity") is not None:
        return dict(sa)
    role: dict[str, list[str]] = {"managed_policy_arns": [], "s3_read": [], "s3_read_write": [], "storage_read": [],
                                  "storage_read_write": []}
    if sa:
        return {**sa, "pod_identity": role}
    return {"name": f"{rc['name']}-workers", "create": True, "annotations": {}, "pod_identity": role}
