"""raystack's GPU dashboard for Grafana's sidecar: what each Ray pod does with its NVIDIA GPUs. Pulumi-free.

Built here, from the metrics the pinned dcgm-exporter exports (versions.DCGM_EXPORTER_IMAGE; its
etc/default-counters.csv at tag 4.5.3-4.8.2, which the tests read: every metric below is one of them), not
copied from NVIDIA's dashboard. dcgm-exporter labels each GPU's series with the pod, namespace and container
that hold the GPU (DCGM_EXPORTER_KUBERNETES, set by its chart; internal/pkg/transformation/kubernetes.go);
the chart's ServiceMonitor keeps them with honorLabels (kube.values.dcgm_exporter_values), else Prometheus
would rename them exported_pod and exported_namespace. A GPU no pod holds has no pod label and shows under
its node (Hostname) only.
"""

from __future__ import annotations

import json
from typing import Any

from .monitoring import GRAFANA_DASHBOARD_LABEL

UID = "raystack-gpu"
CONFIGMAP = "raystack-gpu-dashboard"
#: (title, dcgm-exporter metric, Grafana unit, what it shows).
PANELS: tuple[tuple[str, str, str, str], ...] = (
    ("GPU utilization", "DCGM_FI_DEV_GPU_UTIL", "percent", "Time a kernel ran on the GPU"),
    ("Tensor pipe active", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "percentunit",
     "Cycles the tensor (HMMA) pipe was busy: low with high utilization means the math is not on tensor cores"),
    ("Memory interface active", "DCGM_FI_PROF_DRAM_ACTIVE", "percentunit", "Cycles device memory was busy"),
    ("Framebuffer used", "DCGM_FI_DEV_FB_USED", "decmbytes", "GPU memory in use"),
    ("Framebuffer free", "DCGM_FI_DEV_FB_FREE", "decmbytes", "GPU memory left"),
    ("Power draw", "DCGM_FI_DEV_POWER_USAGE", "watt", "Board power"),
    ("GPU temperature", "DCGM_FI_DEV_GPU_TEMP", "celsius", "Die temperature"),
    ("SM clock", "DCGM_FI_DEV_SM_CLOCK", "hertz", "Streaming multiprocessor clock (MHz scaled to Hz)"),
    ("PCIe received", "DCGM_FI_PROF_PCIE_RX_BYTES", "Bps", "Host-to-device traffic"),
    ("PCIe transmitted", "DCGM_FI_PROF_PCIE_TX_BYTES", "Bps", "Device-to-host traffic"),
    ("Last XID error", "DCGM_FI_DEV_XID_ERRORS", "none", "The last XID the driver raised (0: none); see NVIDIA's "
                                                          "XID catalog"),
)
#: Series: one per GPU, named by the Ray pod that holds it (or its node).
LEGEND = "{{namespace}}/{{pod}} GPU {{gpu}} ({{Hostname}})"


def _expr(metric: str) -> str:
    scale = " * 1000000" if metric == "DCGM_FI_DEV_SM_CLOCK" else ""  # MHz -> Hz for Grafana's unit
    return f'{metric}{{namespace=~"$namespace"}}{scale}'


def gpu_dashboard() -> dict[str, Any]:
    """The dashboard's JSON model (Grafana's dashboard schema: uid, title, templating, panels on a 24-column grid)."""
    panels = []
    for i, (title, metric, unit, description) in enumerate(PANELS):
        panels.append({
            "id": i + 1, "type": "timeseries", "title": title, "description": description,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
            "targets": [{"refId": "A", "expr": _expr(metric), "legendFormat": LEGEND,
                         "datasource": {"type": "prometheus", "uid": "${datasource}"}}],
        })
    return {
        "uid": UID, "title": "raystack: GPUs of the Ray pods", "tags": ["raystack", "ray", "gpu", "dcgm"],
        "editable": True, "schemaVersion": 39, "refresh": "30s", "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"},
            {"name": "namespace", "type": "query", "label": "Namespace", "includeAll": True, "multi": True,
             "allValue": ".*", "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "query": {"query": "label_values(DCGM_FI_DEV_GPU_UTIL, namespace)", "refId": "namespaces"},
             "refresh": 2}]},
        "panels": panels,
    }


def gpu_dashboard_configmap(namespace: str) -> dict[str, Any]:
    """The ConfigMap Grafana's sidecar loads it from (beside Ray's dashboards)."""
    content = json.dumps(gpu_dashboard(), separators=(",", ":"), sort_keys=True)
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": CONFIGMAP, "namespace": namespace, "labels": dict(GRAFANA_DASHBOARD_LABEL),
                         "annotations": {"raystack.io/dashboard-uid": UID}},
            "data": {"raystack-gpu.json": content}}
