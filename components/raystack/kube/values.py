"""Helm values of the cloud-neutral add-ons (device plugins, KubeRay) and namespace labels.

Pure functions of plain inputs: the components pass their results to Helm
releases, tests assert on them directly. Pulumi-free.
"""

from __future__ import annotations

from typing import Any

from .. import versions
from ..hardware.accelerators import AcceleratorKind
from ..model.facts import OS_LABEL

#: Requests of the Cluster Autoscaler pod (the upstream FAQ's figures for clusters of this size).
CA_REQUEST_CPU_MILLIS = 100
CA_REQUEST_MEMORY_MIB = 600


def device_plugin_values(kind: AcceleratorKind, skip_os: tuple[str, ...]) -> dict[str, Any]:
    """Placement of a device plugin: only on nodes labelled with the kind's presence
    label (raystack sets it on every pool of that kind), never on node OSes whose
    image already runs a plugin (it would double-register devices), tolerating
    the kind's taint. Chart-specific values come from the accelerator row."""
    key, value = kind.presence_label
    expressions: list[dict[str, Any]] = [{"key": key, "operator": "In", "values": [value]}]
    if skip_os:
        expressions.append({"key": OS_LABEL, "operator": "NotIn", "values": list(skip_os)})
    taint_key, _, effect = kind.taint
    return {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": expressions}],
                },
            },
        },
        "tolerations": [
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"key": taint_key, "operator": "Exists", "effect": effect},
        ],
        **kind.device_plugin_values,
    }


def kuberay_values(node_selector: dict[str, str]) -> dict[str, Any]:
    return {
        "image": {"repository": versions.KUBERAY_OPERATOR_IMAGE, "tag": versions.kuberay_git_tag()},
        "nodeSelector": dict(node_selector),
    }


def pss_labels(level: str, warn: str | None = None) -> dict[str, str]:
    """Pod Security Standards namespace labels."""
    w = warn or level
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": w,
        "pod-security.kubernetes.io/audit": w,
    }
