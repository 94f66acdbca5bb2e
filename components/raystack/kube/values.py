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
    """The Helm values of ``kind``'s device plugin, laid out as its chart reads them."""
    return DEVICE_PLUGIN_LAYOUTS[kind.device_plugin_layout](kind, skip_os)


def _affinity_layout(kind: AcceleratorKind, skip_os: tuple[str, ...]) -> dict[str, Any]:
    """Charts with top-level ``affinity``/``tolerations`` (nvidia-device-plugin). Placement: only on nodes labelled with the kind's presence
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


def _neuron_layout(kind: AcceleratorKind, skip_os: tuple[str, ...]) -> dict[str, Any]:
    """neuron-helm-chart 1.0.0: the plugin's node affinity is the chart's ``neuronInstances`` list
    (node.kubernetes.io/instance-type In ...), its tolerations are ``devicePlugin.tolerations``. The
    list is the catalog's instance types of the kind, less the models it cannot serve; the node
    problem detector (its own namespace, CloudWatch access) is left off."""
    from ..hardware import catalog

    taint_key, _, effect = kind.taint
    instances = sorted(n for n, it in catalog.load_catalog().items()
                       if it.accelerator_kind == kind.kind and it.accelerator_model not in kind.unsupported_models)
    return {
        "neuronInstances": instances,
        "devicePlugin": {"tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                         {"key": taint_key, "operator": "Exists", "effect": effect}]},
        "npd": {"enabled": False},
        **kind.device_plugin_values,
    }


#: How each chart is placed and configured (the ``device_plugin_layout`` column of the accelerator table).
DEVICE_PLUGIN_LAYOUTS = {"affinity": _affinity_layout, "neuron-chart": _neuron_layout}


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
