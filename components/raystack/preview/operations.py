"""The plan's operations section: GCS fault tolerance (the Redis, where its password comes from, which
clusters use it), observability (the monitors, the dashboards, the endpoints the heads link to) and logs
(where the Ray pods ship them, kept how long, through which roles).
One dict for the JSON plan and the text plan alike."""

from __future__ import annotations

from typing import Any

from .. import versions
from ..ray.gpu_dashboard import CONFIGMAP as GPU_DASHBOARD
from ..ray.monitoring import HEAD_MONITOR, WORKER_MONITOR


def operations(platform: Any) -> dict[str, Any]:
    """``{"gcsFaultTolerance": ..., "observability": ..., "logs": ...}`` (each None when off) for a resolved
    platform."""
    if platform is None:
        return {"gcsFaultTolerance": None, "observability": None, "logs": None}
    return {"gcsFaultTolerance": _gcs(platform), "observability": _observability(platform), "logs": _logs(platform)}


def _using(platform: Any, feature: str) -> list[tuple[str, Any]]:
    """(name in the plan, cluster plan) of every Ray cluster, a workload's included, with ``feature`` on."""
    return [(f"{c.namespace}/{c.name}", c) for c in platform.ray_clusters if getattr(c, feature)] + [
        (f"{w.kind} {w.namespace}/{w.name}", w.cluster) for w in platform.ray_workloads
        if w.cluster is not None and getattr(w.cluster, feature)]


def _logs(platform: Any) -> dict[str, Any] | None:
    logs = getattr(platform, "logs", None)
    if logs is None:
        return None
    shipping = _using(platform, "logs")
    return {
        "destination": logs.destination, "target": logs.target, "retentionDays": logs.retention_days,
        "shipper": logs.image, "clusters": [name for name, _ in shipping],
        "serviceAccounts": sorted({f"{c.namespace}/{a}" for _, c in shipping if c.identity is not None
                                   for a in (c.identity.service_account, c.identity.head_service_account)}),
    }


def _gcs(platform: Any) -> dict[str, Any] | None:
    gcs = getattr(platform, "gcs", None)
    if gcs is None:
        return None
    m = gcs.managed
    return {
        "redis": "create" if m is not None else "existing",
        "address": str(gcs.address) if gcs.address is not None else None,  # a created one's: after the first up
        "passwordSecret": {"secret": gcs.secret, "key": gcs.key},
        "passwordFrom": "generated" if m is not None else "gcsRedisPassword" if gcs.create_secret else "yours",
        "managed": None if m is None else {
            "replicationGroupId": m.replication_group_id, "engine": m.engine, "engineVersion": m.engine_version,
            "nodeType": m.node_type, "nodes": m.nodes, "multiAz": m.multi_az},
        "clusters": [name for name, _ in _using(platform, "gcs")],
    }


def _observability(platform: Any) -> dict[str, Any] | None:
    obs = getattr(platform, "observability", None)
    if obs is None:
        return None
    chart = versions.KUBE_PROMETHEUS_STACK
    return {
        "prometheus": "install" if obs.install else "existing",
        "chart": f"{chart.chart} {chart.version}" if obs.install else None,
        "retentionDays": obs.retention_days if obs.install else None,
        "storageGib": obs.storage_gib if obs.install else None,
        "gpuMetrics": f"{versions.DCGM_EXPORTER.chart} {versions.DCGM_EXPORTER.version}" if obs.gpu_metrics else None,
        "namespace": obs.namespace, "monitorLabels": dict(obs.monitor_labels),
        "prometheusPodLabels": dict(obs.prometheus_pod_labels),
        "monitors": [f"{obs.namespace}/{HEAD_MONITOR}", f"{obs.namespace}/{WORKER_MONITOR}"],
        "dashboards": list(obs.dashboards), "dashboardsRayVersion": obs.dashboards_ray_version,
        "gpuDashboard": f"{obs.namespace}/{GPU_DASHBOARD}" if obs.gpu_dashboard else None,
        "neuronMetrics": f"neuron-monitor {versions.NEURON_MONITOR_IMAGE.rsplit(':', 1)[1]}" if obs.neuron_metrics
        else None,
        "grafanaHost": obs.head_env.get("RAY_GRAFANA_HOST"),
        "grafanaIframeHost": obs.head_env.get("RAY_GRAFANA_IFRAME_HOST"),
        "prometheusHost": obs.head_env.get("RAY_PROMETHEUS_HOST"),
    }


def text_lines(ops: dict[str, Any]) -> list[str]:
    """The text plan's lines for the section."""
    out = []
    g = ops["gcsFaultTolerance"]
    if g is not None:
        m = g["managed"]
        where = (f"Redis {g['address']}" if m is None else
                 f"ElastiCache {m['engine']} {m['engineVersion']} replication group {m['replicationGroupId']} "
                 f"({m['nodes']} x {m['nodeType']}, {'multi-AZ with automatic failover' if m['multiAz'] else 'one node'}, "
                 "TLS; its address is known after the first up)")
        source = {"generated": ", the AUTH token raystack generates", "gcsRedisPassword": ", created from "
                  "gcsRedisPassword", "yours": ", yours"}[g["passwordFrom"]]
        out.append(f"GCS fault tolerance: {where}, password from Secret {g['passwordSecret']['secret']} (key "
                   f"{g['passwordSecret']['key']}{source}); used by {', '.join(g['clusters']) or 'no cluster'}")
    o = ops["observability"]
    if o is not None:
        dashboards = (f"; Ray {o['dashboardsRayVersion']}'s dashboards {', '.join(o['dashboards'])} as ConfigMaps "
                      "for Grafana's sidecar" if o["dashboards"] else "; no dashboards")
        links = f"; heads link Grafana at {o['grafanaHost']}" if o["grafanaHost"] else ""
        if o["gpuMetrics"]:
            links += (f"; {o['gpuMetrics']} on the NVIDIA pools (namespace privileged: root with SYS_ADMIN for "
                      "DCGM's profiling metrics)" + (", and raystack's GPU dashboard by Ray pod" if o["gpuDashboard"]
                                                     else ""))
        if o["neuronMetrics"]:
            links += (f"; {o['neuronMetrics']} on the Neuron pools (namespace {versions.NEURON_MONITOR_NAMESPACE} "
                      "privileged: it reads the Neuron devices)")
        who = (f"for {o['chart']}, installed on the system pool (namespace privileged for its node exporter; "
               f"{o['retentionDays']} days in a {o['storageGib']} GiB emptyDir)" if o["chart"] else
               f"for your Prometheus Operator (labels {o['monitorLabels'] or 'none'})")
        out.append(f"Metrics: PodMonitors {' and '.join(m.split('/')[1] for m in o['monitors'])} in {o['namespace']} "
                   f"{who}, admitted by every Ray NetworkPolicy from pods {o['prometheusPodLabels']}{dashboards}{links}")
    g = ops["logs"]
    if g is not None:
        out.append(f"Logs: Ray's log files from every pod of {', '.join(g['clusters']) or 'no cluster'} to CloudWatch "
                   f"Logs group {g['target']} (kept {g['retentionDays']} days, deleted on destroy; one stream per pod "
                   f"and file) by a {g['shipper']} sidecar, through the Pod Identity roles of "
                   f"{', '.join(g['serviceAccounts'])}, which may write only there")
    return out
