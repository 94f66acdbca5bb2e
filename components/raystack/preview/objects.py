"""Kubernetes objects out of a recording: what the program would send to the API server.

Pulumi-free.
"""

from __future__ import annotations

from typing import Any

from ..model.facts import POOL_LABEL
from ..model.findings import Finding
from ..ray.workloads import WORKLOAD_KINDS, cluster_spec_of
from ..testing.values import SECRET_PLACEHOLDER, contains, restore_ints

RAYCLUSTER_TYPE = "kubernetes:ray.io/v1:RayCluster"
HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
CONFIG_GROUP_TYPE = "kubernetes:yaml/v2:ConfigGroup"
#: Types under ``kubernetes:`` that are not Kubernetes objects themselves.
NOT_OBJECTS = {HELM_RELEASE_TYPE, CONFIG_GROUP_TYPE, "kubernetes:yaml/v2:ConfigFile",
               "kubernetes:helm.sh/v4:Chart", "kubernetes:kustomize/v2:Directory"}


def issue(severity: str, check: str, resource: str, field: str, message: str) -> Finding:
    """A finding of a plan check on one resource's field."""
    return Finding(field, None, message, severity, check, resource)


def api_version_kind(typ: str) -> tuple[str, str]:
    """`kubernetes:networking.k8s.io/v1:NetworkPolicy` -> (networking.k8s.io/v1, NetworkPolicy);
    `kubernetes:core/v1:Namespace` -> (v1, Namespace)."""
    _, gv, kind = typ.split(":", 2)
    if gv.startswith("core/"):
        gv = gv[len("core/"):]
    return gv, kind


def is_k8s_object(r: Any) -> bool:
    return r.custom and r.type.startswith("kubernetes:") and r.type not in NOT_OBJECTS \
        and not r.type.startswith("pulumi:providers:")


def k8s_object(r: Any) -> dict[str, Any]:
    api_version, kind = api_version_kind(r.type)
    inputs = restore_ints(r.inputs)
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind}
    obj["metadata"] = inputs.get("metadata") or {"name": r.name}
    for k, v in inputs.items():
        if k not in ("apiVersion", "kind", "metadata"):
            obj[k] = v
    return obj


def k8s_objects(recording: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(r.urn, k8s_object(r)) for r in recording.resources if is_k8s_object(r)]


def ray_workloads(recording: Any) -> list[tuple[str, dict[str, Any]]]:
    """(urn, manifest) of every RayJob, RayService and RayCronJob."""
    return [(r.urn, k8s_object(r)) for r in recording.resources
            if is_k8s_object(r) and api_version_kind(r.type)[1] in WORKLOAD_KINDS]


def embedded_clusters(workloads: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The Ray cluster each workload creates, as a RayCluster named after the workload (KubeRay adds
    a suffix), for the checks and tables RayClusters get."""
    out = []
    for urn, obj in workloads:
        spec = cluster_spec_of(obj["kind"], obj.get("spec"))
        if spec:
            meta = {"name": obj["metadata"]["name"], "namespace": obj["metadata"].get("namespace")}
            out.append((urn, {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": meta, "spec": spec}))
    return out


def ray_clusters(recording: Any) -> list[tuple[str, dict[str, Any]]]:
    """(urn, manifest) of every RayCluster the program registers."""
    out = []
    for r in recording.resources:
        if r.type == RAYCLUSTER_TYPE:
            out.append((r.urn, k8s_object(r)))
    return out


def _contains_secret(value: Any) -> bool:
    return contains(value, SECRET_PLACEHOLDER)


def _quantity(q: Any) -> float:
    """Kubernetes quantity -> number (CPU in cores, memory in bytes)."""
    s = str(q)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
             "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "m": 1e-3}
    for u in sorted(units, key=len, reverse=True):
        if s.endswith(u):
            return float(s[: -len(u)]) * units[u]
    return float(s)


def _group_pool(group: dict[str, Any]) -> str | None:
    spec = group.get("template", {}).get("spec", {})
    return (spec.get("nodeSelector") or {}).get(POOL_LABEL) or \
        (group.get("template", {}).get("metadata", {}).get("labels") or {}).get(POOL_LABEL)


def _container_limits(group: dict[str, Any]) -> dict[str, Any]:
    containers = group.get("template", {}).get("spec", {}).get("containers") or [{}]
    res = containers[0].get("resources") or {}
    return res.get("limits") or res.get("requests") or {}


#: The Prometheus Operator's API group (observability's PodMonitors).
MONITORING_GROUP = "monitoring.coreos.com/"
#: API groups of objects whose CRD is another project's -> (check name, what the plan says of them).
FOREIGN_CRDS = {
    MONITORING_GROUP: ("podmonitors", "PodMonitor(s) not checked here: their CRD is the Prometheus Operator's "
                                      "(raystack's tests check them against its schema)"),
    "karpenter.": ("karpenter", "NodePool and EC2NodeClass object(s) not checked here: their CRDs are Karpenter's "
                                "(raystack's tests check them against its v1.14.1 schemas)"),
}
