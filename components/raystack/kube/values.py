"""Helm values of the cloud-neutral add-ons (device plugins, KubeRay) and namespace labels.

Pure functions of plain inputs: the components pass their results to Helm
releases, tests assert on them directly. Pulumi-free.
"""

from __future__ import annotations

from typing import Any

from .. import versions
from ..hardware.accelerators import AcceleratorKind
from ..model.facts import OS_LABEL

#: The Cluster Autoscaler's scale-down timing on every cloud (EKS's chart, AKS's autoScalerProfile): GPU nodes
#: are expensive, so an empty one goes after 5 minutes (CA's default is 10), but a fresh node gets 5 minutes to
#: receive its Ray worker.
SCALE_DOWN_UNNEEDED_TIME = "5m"
SCALE_DOWN_DELAY_AFTER_ADD = "5m"

#: Requests of the Cluster Autoscaler pod (the upstream FAQ's figures for clusters of this size).
CA_REQUEST_CPU_MILLIS = 100
CA_REQUEST_MEMORY_MIB = 600
#: The Karpenter controller's requests and limits a replica (getting-started step08: 1 CPU, 1 GiB): two replicas run
#: on the system pool when it has two nodes (clouds/aws/karpenter.controller_values).
KARPENTER_CPU_MILLIS = 1000
KARPENTER_MEMORY_MIB = 1024


def device_plugin_values(kind: AcceleratorKind, skip_os: tuple[str, ...]) -> dict[str, Any]:
    """The Helm values of ``kind``'s device plugin, laid out as its chart reads them."""
    return DEVICE_PLUGIN_LAYOUTS[kind.device_plugin_layout](kind, skip_os)


def efa_device_plugin_values(taints: list[tuple[str, str]]) -> dict[str, Any]:
    """aws-efa-k8s-device-plugin v0.5.30: on EFA pools only (the presence label raystack gives them, as the
    chart's nodeSelector), tolerating each of their taints (``taints``: (key, effect) pairs); the chart
    adds CriticalAddonsOnly and its instance-type affinity itself. The image is pinned here, not left to
    the chart's default."""
    from ..hardware.efa import EFA_PRESENCE_LABEL

    repository, tag = versions.EFA_DEVICE_PLUGIN_IMAGE.rsplit(":", 1)
    return {
        "image": {"repository": repository, "tag": tag},
        "nodeSelector": {EFA_PRESENCE_LABEL[0]: EFA_PRESENCE_LABEL[1]},
        "tolerations": [{"key": k, "operator": "Exists", "effect": e} for k, e in sorted(set(taints))],
    }


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


#: The chart's featureGates list (kuberay-operator chart 1.7.0 values.yaml). Helm replaces a list
#: value whole, so turning one gate on sends them all.
KUBERAY_CHART_FEATURE_GATES: tuple[tuple[str, bool], ...] = (
    ("RayClusterStatusConditions", True), ("RayJobDeletionPolicy", True), ("RayMultiHostIndexing", True),
    ("RayServiceIncrementalUpgrade", True), ("RayCronJob", False), ("RayClusterMTLS", False),
    ("RayClusterNetworkPolicy", False), ("RayClusterHistoryServer", False),
)


def kuberay_values(node_selector: dict[str, str], enable_gates: tuple[str, ...] = ()) -> dict[str, Any]:
    """``enable_gates``: feature gates to turn on (RayCronJob: its controller starts only with it,
    ray-operator main.go v1.7.0)."""
    values: dict[str, Any] = {
        "image": {"repository": versions.KUBERAY_OPERATOR_IMAGE, "tag": versions.kuberay_git_tag()},
        "nodeSelector": dict(node_selector),
    }
    if enable_gates:
        values["featureGates"] = [{"name": n, "enabled": on or n in enable_gates}
                                  for n, on in KUBERAY_CHART_FEATURE_GATES]
    return values


def pss_labels(level: str, warn: str | None = None) -> dict[str, str]:
    """Pod Security Standards namespace labels."""
    w = warn or level
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": w,
        "pod-security.kubernetes.io/audit": w,
    }


#: The in-cluster URLs of what kube-prometheus-stack installs, as its templates name the Services
#: (templates/_helpers.tpl fullname: the release name, which contains the chart's; prometheus/service.yaml
#: "<fullname>-prometheus" on 9090; the Grafana subchart "<release>-grafana" on 80, as KubeRay's
#: ray-cluster.embed-grafana.yaml sample reaches them).
def kube_prometheus_stack_urls() -> dict[str, str]:
    chart = versions.KUBE_PROMETHEUS_STACK
    svc = f"{chart.release_name}-{{}}.{chart.namespace}.svc"
    # The browser's Grafana: `kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80`, as
    # KubeRay's sample sets RAY_GRAFANA_IFRAME_HOST.
    return {"grafana": f"http://{svc.format('grafana')}", "prometheus": f"http://{svc.format('prometheus')}:9090",
            "grafana_iframe": "http://127.0.0.1:3000"}


def kube_prometheus_stack_values(node_selector: dict[str, str], retention_days: int,
                                 storage_gib: int) -> dict[str, Any]:
    """kube-prometheus-stack's values (every key read in its values.yaml at the pinned tag): the operator,
    Prometheus, Alertmanager, kube-state-metrics and the webhook certificate Jobs on the system pool;
    Prometheus selecting every PodMonitor and ServiceMonitor (not only the release's), keeping
    ``retention_days`` in an emptyDir of ``storage_gib``; Grafana's dashboard sidecar on (its default) and
    embedding allowed, so the Ray dashboard can frame its graphs (KubeRay v1.7.0 install/prometheus/
    overrides.yaml; raystack leaves out that file's anonymous Viewer access: embedded graphs need a Grafana
    login in the same browser)."""
    on_system = {"nodeSelector": dict(node_selector)}
    return {
        "prometheusOperator": {**on_system, "admissionWebhooks": {"patch": dict(on_system)}},
        "prometheus": {"prometheusSpec": {
            **on_system,
            "podMonitorSelectorNilUsesHelmValues": False,
            "serviceMonitorSelectorNilUsesHelmValues": False,
            "retention": f"{retention_days}d",
            # The size Prometheus keeps itself under, below the emptyDir's limit (which evicts the pod).
            "retentionSize": f"{max(1, int(storage_gib * 0.9))}GB",
            "storageSpec": {"emptyDir": {"sizeLimit": f"{storage_gib}Gi"}},
        }},
        "alertmanager": {"alertmanagerSpec": dict(on_system)},
        "kube-state-metrics": dict(on_system),
        "grafana": {"grafana.ini": {"security": {"allow_embedding": True}}},
    }


def dcgm_exporter_values(monitor_labels: dict[str, str]) -> dict[str, Any]:
    """dcgm-exporter's values (keys of its values.yaml at the pinned tag): on the nodes of NVIDIA pools only
    (the presence label raystack gives them, as the device plugin), tolerating their taint, scraped through
    the chart's ServiceMonitor with ``monitor_labels``; the image pinned."""
    from ..hardware.accelerators import ACCELERATOR_KINDS

    (kind,) = [k for k in ACCELERATOR_KINDS.values() if k.metrics_exporter == versions.DCGM_EXPORTER]
    key, value = kind.presence_label
    taint_key, _, effect = kind.taint
    repository, tag = versions.DCGM_EXPORTER_IMAGE.rsplit(":", 1)
    return {
        "image": {"repository": repository, "tag": tag},
        "nodeSelector": {key: value},
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": taint_key, "operator": "Exists", "effect": effect}],
        # honorLabels: the exporter labels each GPU's series with the pod and namespace holding it
        # (DCGM_EXPORTER_KUBERNETES); without it Prometheus renames them exported_pod, exported_namespace
        # (scrape_config honor_labels) and the GPU dashboard could not name the Ray pod.
        "serviceMonitor": {"enabled": True, "additionalLabels": dict(monitor_labels), "honorLabels": True},
    }
