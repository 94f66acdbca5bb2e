"""Where Ray's logs go on AWS (``observability.logs.destination: cloudwatch``). Pulumi-free.

A CloudWatch Logs group per stack, ``/raystack/<clusterName>/ray``, which raystack creates with its
retention and deletes on destroy, and the Fluent Bit ``cloudwatch_logs`` output that writes to it. Read at
fluent/fluent-bit v5.1.1, plugins/out_cloudwatch_logs: ``region`` and ``log_group_name`` are required;
``log_stream_prefix`` + the record's tag names the stream; ``auto_create_group`` is false by default, so
the shipper calls only CreateLogStream and PutLogEvents (cloudwatch_api.c), the two actions the
clusters' roles get (``iam.log_shipping_policy``).
"""

from __future__ import annotations

from ...model.findings import Finding
from .rules import LOG_RETENTION_DAYS

#: The shipper's stream prefix: the pod's name, which Kubernetes substitutes from the container's
#: POD_NAME variable ($(VAR) in args: "Define a command and arguments for a container").
STREAM_PREFIX = "$(POD_NAME)."


def log_group_name(cluster_name: str) -> str:
    return f"/raystack/{cluster_name}/ray"


def log_destination(at: str, destination: str, days: int, cluster_name: str, region: str | None,
                    findings: list[Finding]) -> tuple[str, str, list[tuple[str, str]]] | None:
    """(log group, Fluent Bit output plugin, its properties), or None after findings."""
    before = len(findings)
    if destination != "cloudwatch":
        findings.append(Finding(f"{at}.destination", destination, "on AWS: cloudwatch or none"))
    if days not in LOG_RETENTION_DAYS:
        findings.append(Finding(f"{at}.retentionDays", days,
                                f"CloudWatch keeps logs for one of: {', '.join(map(str, LOG_RETENTION_DAYS))} days"))
    if not region:
        findings.append(Finding(f"{at}.destination", destination,
                                "needs the stack's region (aws:region): each pod's shipper writes to that region's "
                                "CloudWatch Logs endpoint"))
    if len(findings) > before or region is None:
        return None
    group = log_group_name(cluster_name)
    return group, "cloudwatch_logs", [("region", region), ("log_group_name", group),
                                      ("log_stream_prefix", STREAM_PREFIX), ("auto_create_group", "false")]
