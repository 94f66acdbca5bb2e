"""Rules for Ray clusters: names, versions, image tags (cloud-neutral). Sizing against pools
happens once, in ``model.ray_clusters``. Pulumi-free."""

from __future__ import annotations

from typing import Any

from .. import versions
from ..model.findings import Finding
from ..ray.networkpolicy import EXCEPTION_PORTS
from .common import DNS1035_LABEL, DNS1123_LABEL, check_name
from .kube import check_labels

#: Namespaces a Ray cluster may not use: Kubernetes' own and those the add-ons live in.
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def check_ray_cluster(base: str, rc: dict[str, Any], findings: list[Finding],
                      reserved_namespaces: frozenset[str] = SYSTEM_NAMESPACES) -> None:
    """``rc``: a defaulted RayClusterSpec (its ``ray_version`` already resolved)."""
    check_name(findings, f"{base}.name", rc["name"], DNS1035_LABEL, 53, "DNS-1035 label")
    check_name(findings, f"{base}.namespace", rc["namespace"], DNS1123_LABEL, 63, "DNS-1123 label")
    if rc["namespace"] in reserved_namespaces:
        findings.append(Finding(f"{base}.namespace", rc["namespace"],
                                "a system namespace or one raystack creates for its add-ons; Ray clusters get a "
                                f"namespace of their own (not {', '.join(sorted(reserved_namespaces))})"))
    rv = rc["ray_version"]
    try:
        if not versions.version_at_least(rv, versions.RAY_MIN_VERSION):
            findings.append(Finding(f"{base}.rayVersion", rv,
                                    f"allowed: {versions.RAY_MIN_VERSION} or newer (older Ray has unauthenticated "
                                    "dashboard CVEs: CVE-2025-62593, CVE-2026-27482)"))
    except ValueError:
        findings.append(Finding(f"{base}.rayVersion", rv, "must be a version such as 2.55.0"))
    if rc["python_tag"] not in versions.RAY_PYTHON_TAGS:
        findings.append(Finding(f"{base}.pythonTag", rc["python_tag"],
                                f"allowed: {', '.join(versions.RAY_PYTHON_TAGS)}"))
    for i, allow in enumerate(rc["allow_from"]):
        at = f"{base}.allowFrom[{i}]"
        bad = sorted(set(allow["ports"]) - set(EXCEPTION_PORTS))
        if bad or not allow["ports"]:
            findings.append(Finding(f"{at}.ports", allow["ports"],
                                    f"allowed: {', '.join(map(str, EXCEPTION_PORTS))} (dashboard/Jobs, Serve, Ray "
                                    "Client, metrics)"))
        for j, ns in enumerate(allow.get("namespaces") or []):
            check_name(findings, f"{at}.namespaces[{j}]", ns, DNS1123_LABEL, 63, "DNS-1123 label")
        check_labels(f"{at}.podLabels", allow.get("pod_labels") or {}, findings, owned=False)
        if not allow.get("namespaces") and not allow.get("pod_labels"):
            findings.append(Finding(at, allow, "name the clients: namespaces and/or podLabels (an exception for "
                                               "every pod of the namespace must list the namespace)"))
        if not rc["network_policy"]:
            findings.append(Finding(at, allow, "only with networkPolicy: true"))
    if rc["idle_timeout_seconds"] < 0:
        findings.append(Finding(f"{base}.idleTimeoutSeconds", rc["idle_timeout_seconds"], "allowed: 0 or more seconds"))
    seen: set[str] = set()
    for j, g in enumerate(rc["worker_groups"]):
        gbase = f"{base}.workerGroups[{j}]"
        check_name(findings, f"{gbase}.name", g["name"], DNS1123_LABEL, 63, "DNS-1123 label")
        if g["name"] in seen:
            findings.append(Finding(f"{gbase}.name", g["name"], "duplicate worker group name in this cluster"))
        seen.add(g["name"])
        timeout = g.get("idle_timeout_seconds")  # optional: the cluster's
        if timeout is not None and timeout < 0:
            findings.append(Finding(f"{gbase}.idleTimeoutSeconds", timeout, "allowed: 0 or more seconds"))
