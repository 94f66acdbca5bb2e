"""Ray's metrics for a Prometheus Operator you run (``observability.prometheus: existing``). Pulumi-free.

Sources, at the pinned versions:
- KubeRay v1.7.0 puts a container port named ``metrics`` (8080) on every Ray container and
  ``--metrics-export-port=8080`` in its ``ray start`` (controllers/ray/common/pod.go, DefaultMetricsPort).
- Ray's autoscaler serves its metrics on 44217 (autoscaler/_private/constants.py AUTOSCALER_METRIC_PORT;
  autoscaler/v2/monitor.py starts the server in the head pod's autoscaler sidecar) and the dashboard on
  44227 (dashboard/consts.py DASHBOARD_METRIC_PORT). Neither port is declared by KubeRay; KubeRay's own
  monitoring guide declares them on the head container as ``as-metrics`` and ``dash-metrics``
  (ray-operator/config/samples/ray-cluster.embed-grafana.yaml) and scrapes them with two PodMonitors
  (config/prometheus/podMonitor.yaml), which these follow, relabelling ``ray.io/cluster`` into
  ``ray_io_cluster`` as Ray's dashboards filter on.
- The Prometheus Operator labels its Prometheus pods ``app.kubernetes.io/name: prometheus`` (and
  ``app.kubernetes.io/managed-by: prometheus-operator``): pkg/prometheus/server/statefulset_test.go.
- Grafana's dashboard sidecar in kube-prometheus-stack loads ConfigMaps labelled ``grafana_dashboard: "1"``
  (the chart's grafana.sidecar.dashboards.label/labelValue defaults).
- The Ray dashboard embeds Grafana through RAY_GRAFANA_HOST, RAY_GRAFANA_IFRAME_HOST and RAY_PROMETHEUS_HOST
  on the head (Ray docs, "Embed Grafana visualizations into Ray Dashboard").
"""

from __future__ import annotations

from typing import Any

METRICS_PORT = {"containerPort": 8080, "name": "metrics"}
AUTOSCALER_METRICS_PORT = {"containerPort": 44217, "name": "as-metrics"}
DASHBOARD_METRICS_PORT = {"containerPort": 44227, "name": "dash-metrics"}
#: What a monitored head declares beyond raystack's own head ports (which already name ``metrics``).
HEAD_METRICS_PORTS = (AUTOSCALER_METRICS_PORT, DASHBOARD_METRICS_PORT)
#: The ports the Prometheus pods may reach on Ray pods.
SCRAPE_PORTS = (8080, 44217, 44227)
assert SCRAPE_PORTS == tuple(p["containerPort"] for p in (METRICS_PORT, *HEAD_METRICS_PORTS))
DEFAULT_PROMETHEUS_POD_LABELS = {"app.kubernetes.io/name": "prometheus"}
GRAFANA_DASHBOARD_LABEL = {"grafana_dashboard": "1"}
#: Where the PodMonitors, dashboards and Prometheus live unless set.
DEFAULT_NAMESPACE = "monitoring"
#: The names of the two PodMonitors.
HEAD_MONITOR, WORKER_MONITOR = "raystack-ray-heads", "raystack-ray-workers"

_RELABEL = [{"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_label_ray_io_cluster"],
             "targetLabel": "ray_io_cluster"}]


def pod_monitors(namespace: str, labels: dict[str, str], ray_namespaces: list[str]) -> list[dict[str, Any]]:
    """The PodMonitors of every Ray head and worker in ``ray_namespaces``, in ``namespace``."""
    def monitor(name: str, node_type: str, ports: list[str]) -> dict[str, Any]:
        return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
                "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
                "spec": {"jobLabel": f"ray-{node_type}s",
                         "namespaceSelector": {"matchNames": sorted(set(ray_namespaces))},
                         "selector": {"matchLabels": {"ray.io/node-type": node_type}},
                         "podMetricsEndpoints": [{"port": p, "relabelings": [dict(r) for r in _RELABEL]}
                                                 for p in ports]}}
    head_ports = [str(p["name"]) for p in (METRICS_PORT, *HEAD_METRICS_PORTS)]
    return [monitor(HEAD_MONITOR, "head", head_ports), monitor(WORKER_MONITOR, "worker", [str(METRICS_PORT["name"])])]


def scrape_rule(namespace: str, pod_labels: dict[str, str]) -> dict[str, Any]:
    """The NetworkPolicy ingress rule admitting the Prometheus pods on the metrics ports."""
    return {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                      "podSelector": {"matchLabels": dict(pod_labels)}}],
            "ports": [{"protocol": "TCP", "port": p} for p in SCRAPE_PORTS]}


def head_env(grafana_host: str | None, grafana_iframe_host: str | None,
             prometheus_host: str | None) -> dict[str, str]:
    """The head's variables that let the Ray dashboard show Grafana's graphs."""
    env = {"RAY_GRAFANA_HOST": grafana_host, "RAY_GRAFANA_IFRAME_HOST": grafana_iframe_host or grafana_host,
           "RAY_PROMETHEUS_HOST": prometheus_host}
    return {k: v for k, v in env.items() if v}
