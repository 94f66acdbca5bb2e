"""What an edit does to running Ray clusters, against a previous plan (``raystack plan --compare``).

KubeRay 1.7's ``upgradeStrategy: Recreate`` deletes every pod of a RayCluster, head included, when
its spec changes outside what the autoscaler and scaling own (replicas, min/max, scaleStrategy,
suspend) and tolerations (kubernetes-deploy review #10, KubeRay v1.7.0 raycluster_controller). The
offline plan cannot see the live cluster, but it can compare two plans: the previous one (e.g. main
branch's `--format json` in CI) and this one. Pulumi-free.
"""

from __future__ import annotations

from typing import Any

from ..model.findings import Finding
from .objects import RAYCLUSTER_TYPE, issue

#: Worker-group fields whose change does not recreate the cluster's pods.
NOT_RECREATING = frozenset({"replicas", "minReplicas", "maxReplicas", "scaleStrategy", "suspend"})


def _recreating_view(spec: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in spec.items() if k != "workerGroupSpecs"}
    groups = []
    for g in spec.get("workerGroupSpecs") or []:
        g = {k: v for k, v in g.items() if k not in NOT_RECREATING}
        template = dict(g.get("template") or {})
        template_spec = {k: v for k, v in (template.get("spec") or {}).items() if k != "tolerations"}
        g["template"] = {**template, "spec": template_spec}
        groups.append(g)
    out["workerGroupSpecs"] = groups
    return out


def _changed(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [p for k in keys for p in _changed(a.get(k), b.get(k), f"{path}.{k}" if path else k)]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in _changed(x, y, f"{path}[{i}]")]
    return [] if a == b else [path or "(root)"]


def recreated_clusters(previous: dict[str, Any], current: dict[str, Any]) -> list[Finding]:
    """A warning per RayCluster of both plans whose edit recreates all its pods, naming what changed."""
    def clusters(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {r["urn"]: r["inputs"] for r in doc.get("resources", []) if r.get("type") == RAYCLUSTER_TYPE}

    before, after = clusters(previous), clusters(current)
    findings = []
    for urn in sorted(set(before) & set(after)):
        old = before[urn].get("spec") or {}
        new = after[urn].get("spec") or {}
        if old.get("upgradeStrategy", {}).get("type") != "Recreate" and new.get("upgradeStrategy", {}).get(
                "type") != "Recreate":
            continue
        changed = _changed(_recreating_view(old), _recreating_view(new), "spec")
        if changed:
            shown = ", ".join(changed[:6]) + (f" (+{len(changed) - 6} more)" if len(changed) > 6 else "")
            findings.append(issue("warning", "recreate", urn, "spec",
                                  f"this edit recreates every pod of the RayCluster, head included "
                                  f"(upgradeStrategy Recreate); changed: {shown}"))
    return findings
