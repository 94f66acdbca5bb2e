"""Resolve ``observability``: PodMonitors for a Prometheus Operator you run, Ray's Grafana dashboards, and
what each Ray cluster gets for them (head ports and variables, a NetworkPolicy rule). Pulumi-free; the
sources are cited in ``ray.monitoring`` and ``ray.dashboards``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import versions
from ..kube.values import kube_prometheus_stack_urls
from ..ray.dashboards import DASHBOARDS, installed_ray_version
from ..ray.monitoring import DEFAULT_NAMESPACE, DEFAULT_PROMETHEUS_POD_LABELS, head_env
from ..rules.common import require_created_and_applied
from ..spec.coerce import to_camel
from .findings import Finding

DEFAULT_RETENTION_DAYS, DEFAULT_STORAGE_GIB = 15, 50


@dataclass(frozen=True)
class ObservabilityPlan:
    """Where the Ray clusters' metrics go and what shows them."""

    #: raystack installs kube-prometheus-stack (versions.KUBE_PROMETHEUS_STACK) on the system pool.
    install: bool
    retention_days: int
    storage_gib: int

    #: The Prometheus's namespace: the PodMonitors and dashboard ConfigMaps go there.
    namespace: str
    monitor_labels: dict[str, str]
    prometheus_pod_labels: dict[str, str]
    #: The dashboards (ray.dashboards.DASHBOARDS names), empty when off.
    dashboards: tuple[str, ...]
    #: The Ray whose definitions the dashboards are generated from (the installed one), if any.
    dashboards_ray_version: str | None
    #: RAY_GRAFANA_HOST, RAY_GRAFANA_IFRAME_HOST, RAY_PROMETHEUS_HOST for the heads (those set).
    head_env: dict[str, str]
    #: The accelerator metrics exporters on the stack's pools (dcgm-exporter: versions.DCGM_EXPORTER).
    gpu_metrics: bool = False
    #: AWS's neuron-monitor on the stack's Neuron pools (ray.neuron_monitor).
    neuron_metrics: bool = False

    @property
    def gpu_dashboard(self) -> bool:
        """raystack's GPU dashboard (ray.gpu_dashboard) ships with the exporter it reads and the dashboards."""
        return self.gpu_metrics and bool(self.dashboards)


def resolve_observability(spec: dict[str, Any], key: Any, findings: list[Finding],
                          warnings: list[Finding], exporters: frozenset[Any] = frozenset()) -> ObservabilityPlan | None:
    """The stack's observability, or None (none asked for, or a finding). ``exporters``: the metrics exporters of
    the kinds of the pools the stack creates (hardware.accelerators: dcgm-exporter on NVIDIA pools, neuron-monitor
    on Neuron pools, placed by the presence label raystack gives their nodes)."""
    obs = spec.get("observability")
    if obs is None or obs.get("prometheus", "none") == "none":
        if obs and any(obs.get(k) for k in ("dashboards", "grafana_host", "prometheus_host", "monitor_labels")):
            findings.append(Finding(key("observability.prometheus"), obs.get("prometheus", "none"),
                                    "is none, so nothing scrapes the Ray clusters: set prometheus: existing (your "
                                    "Prometheus Operator) for monitors, dashboards and the head's Grafana links"))
        return None
    at = key("observability")
    install = obs.get("prometheus") == "install"
    before = len(findings)
    if install:
        _check_install(spec, obs, at, findings)
    for field in ("retention_days", "storage_gib"):
        if obs.get(field) is not None and not install:
            findings.append(Finding(f"{at}.{to_camel(field)}", obs[field], "sizes the Prometheus raystack installs: set "
                                                                "prometheus: install, or leave it out"))
    dashboards = bool(obs.get("dashboards", True))
    version = installed_ray_version() if dashboards else None
    if dashboards and version is None:
        findings.append(Finding(f"{at}.dashboards", True, "are generated from Ray's own dashboard definitions, and "
                                                         "Ray is not installed where this program runs: install "
                                                         "pulumi-raystack[ray], or set dashboards: false"))
        return None
    if spec["cluster_mode"] == "create" and not install:
        warnings.append(Finding(f"{at}.prometheus", "existing", "needs the Prometheus Operator's PodMonitor CRD in the "
                                                              "cluster before `up`, and a cluster this stack creates "
                                                              "has none on its first `up` (which then fails at the "
                                                              "PodMonitors): install your operator after the first "
                                                              "`up`, then turn observability on", severity="warning"))
    if not obs.get("monitor_labels") and not install:
        warnings.append(Finding(f"{at}.monitorLabels", None, "is empty: a kube-prometheus-stack Prometheus selects "
                                                            "only PodMonitors labelled release: <its Helm release> "
                                                            "(unless podMonitorSelectorNilUsesHelmValues is false)",
                                severity="warning"))
    cluster_versions = sorted({rc.get("ray_version") or spec["ray_version"] for rc in spec.get("ray_clusters") or []}
                              | {spec["ray_version"]})
    if version is not None and any(v != version for v in cluster_versions):
        warnings.append(Finding(f"{at}.dashboards", True, f"are Ray {version}'s (installed here) and the clusters run "
                                                         f"Ray {', '.join(cluster_versions)}: a panel for a metric "
                                                         "their Ray does not export shows no data",
                                severity="warning"))
    urls = kube_prometheus_stack_urls() if install else {}
    grafana = obs.get("grafana_host") or urls.get("grafana")
    for field in ("grafana_host", "grafana_iframe_host", "prometheus_host"):
        url = obs.get(field)
        if url and not str(url).startswith(("http://", "https://")):
            findings.append(Finding(f"{at}.{to_camel(field)}", url, "must be a URL, http://host[:port] or https://host[:port], "
                                                         "as Ray's dashboard requests it"))
    if obs.get("grafana_iframe_host") and not grafana:
        findings.append(Finding(f"{at}.grafanaIframeHost", obs["grafana_iframe_host"],
                                "needs grafanaHost too: the Ray dashboard reads Grafana's health from there"))
    if len(findings) > before:
        return None
    chart = versions.KUBE_PROMETHEUS_STACK
    return ObservabilityPlan(
        install=install, retention_days=int(obs.get("retention_days") or DEFAULT_RETENTION_DAYS),
        storage_gib=int(obs.get("storage_gib") or DEFAULT_STORAGE_GIB),
        namespace=chart.namespace if install else obs.get("namespace") or DEFAULT_NAMESPACE,
        monitor_labels=dict(obs.get("monitor_labels") or {}),
        prometheus_pod_labels=dict(obs.get("prometheus_pod_labels") or DEFAULT_PROMETHEUS_POD_LABELS),
        dashboards=DASHBOARDS if dashboards else (), dashboards_ray_version=version,
        gpu_metrics=versions.DCGM_EXPORTER in exporters and obs.get("gpu_metrics", True) is not False,
        neuron_metrics=versions.NEURON_MONITOR_IMAGE in exporters and obs.get("gpu_metrics", True) is not False,
        head_env=head_env(grafana, obs.get("grafana_iframe_host") or (urls.get("grafana_iframe") if not
                                                                        obs.get("grafana_host") else None),
                          obs.get("prometheus_host") or urls.get("prometheus")))


def _check_install(spec: dict[str, Any], obs: dict[str, Any], at: str, findings: list[Finding]) -> None:
    """prometheus: install is kube-prometheus-stack on a cluster this stack creates."""
    chart = versions.KUBE_PROMETHEUS_STACK
    require_created_and_applied(
        spec, f"{at}.prometheus", "install", findings,
        existing="installs kube-prometheus-stack (a Prometheus Operator and its CRDs) only on a cluster this stack "
                 "creates: on an existing one use prometheus: existing with the operator that cluster runs",
        gitops="is a Helm release `pulumi up` applies, and kubernetesDelivery gitops leaves the Kubernetes side to "
               "Argo CD: install it with Argo CD and use prometheus: existing")
    if obs.get("namespace") not in (None, chart.namespace):
        findings.append(Finding(f"{at}.namespace", obs["namespace"], f"is {chart.namespace} with prometheus: install "
                                                                     "(the release's namespace): leave it out"))
    if obs.get("monitor_labels"):
        findings.append(Finding(f"{at}.monitorLabels", obs["monitor_labels"], "are not needed with prometheus: "
                                                                              "install (its Prometheus selects every "
                                                                              "PodMonitor): leave them out"))
    for field, lo, hi in (("retention_days", 1, 365), ("storage_gib", 5, 1000)):
        value = obs.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi):
            findings.append(Finding(f"{at}.{to_camel(field)}", value, f"must be {lo} to {hi}"))

