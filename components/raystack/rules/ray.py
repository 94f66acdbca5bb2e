"""Rules for Ray clusters: names, versions, image tags (cloud-neutral). Sizing against pools
happens once, in ``model.ray_clusters``. Pulumi-free."""

from __future__ import annotations

import re
from typing import Any

from .. import versions
from ..model.findings import Finding
from ..ray.networkpolicy import EXCEPTION_PORTS
from ..ray.pod import OWNED_POD_LABEL_PREFIXES, OWNED_RAY_START_PARAMS
from .common import DNS1035_LABEL, DNS1123_LABEL, check_name
from .kube import check_labels, qualified_name_problem

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
    check_pod_options(base, rc, findings)
    check_pod_options(f"{base}.head", rc["head"], findings)
    for j, g in enumerate(rc["worker_groups"]):
        check_pod_options(f"{base}.workerGroups[{j}]", g, findings)
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


_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def check_pod_options(base: str, spec: dict[str, Any], findings: list[Finding]) -> None:
    """The pod fields of a cluster, head or group (all optional)."""
    for name in list(spec.get("env") or {}) + list(spec.get("secret_env") or {}):
        at = f"{base}.env[{name!r}]" if name in (spec.get("env") or {}) else f"{base}.secretEnv[{name!r}]"
        if not _ENV_NAME.match(name):
            findings.append(Finding(at, name, "an environment variable name: letters, digits, '_', '-' and '.', "
                                              "not starting with a digit"))
        elif name.startswith("RAY_AUTH"):
            findings.append(Finding(at, name, "KubeRay sets the RAY_AUTH_* variables for token authentication"))
    for name in sorted(set(spec.get("env") or {}) & set(spec.get("secret_env") or {})):
        findings.append(Finding(f"{base}.secretEnv[{name!r}]", name, "a variable in env or in secretEnv, not both"))
    for name, ref in (spec.get("secret_env") or {}).items():
        if not _SUBDOMAIN.match(ref["secret"]) or len(ref["secret"]) > 253:
            findings.append(Finding(f"{base}.secretEnv[{name!r}].secret", ref["secret"], "a Secret name (DNS-1123 subdomain)"))
    for i, n in enumerate(spec.get("image_pull_secrets") or []):
        if not _SUBDOMAIN.match(n):
            findings.append(Finding(f"{base}.imagePullSecrets[{i}]", n, "a Secret name (DNS-1123 subdomain)"))
    labels = spec.get("pod_labels") or {}
    check_labels(f"{base}.podLabels", labels, findings, owned=False)
    for k in labels:
        if k.startswith(OWNED_POD_LABEL_PREFIXES):
            findings.append(Finding(f"{base}.podLabels[{k!r}]", labels[k], "KubeRay and raystack set ray.io/ and "
                                                                           "raystack.io/ labels; choose another key"))
    for k in spec.get("pod_annotations") or {}:
        problem = qualified_name_problem(k)
        if problem:
            findings.append(Finding(f"{base}.podAnnotations[{k!r}]", k, f"annotation key {problem}"))
    for key in ("scheduler_name", "priority_class_name"):
        value = spec.get(key)
        if value is not None and not _SUBDOMAIN.match(value):
            camel = "schedulerName" if key == "scheduler_name" else "priorityClassName"
            findings.append(Finding(f"{base}.{camel}", value, "a Kubernetes object name (DNS-1123 subdomain)"))
    for k in spec.get("ray_start_params") or {}:
        if k in OWNED_RAY_START_PARAMS:
            findings.append(Finding(f"{base}.rayStartParams[{k!r}]", spec["ray_start_params"][k],
                                    f"raystack sets {k} from the pool and the sizes (owned: "
                                    f"{', '.join(sorted(OWNED_RAY_START_PARAMS))})"))
