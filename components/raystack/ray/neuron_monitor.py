"""AWS's neuron-monitor on the Neuron pools the stack creates (observability.gpuMetrics), and the PodMonitor
that scrapes it. Pulumi-free.

The DaemonSet is AWS's (aws-neuron/aws-neuron-sdk@9f6387f src/k8/k8s-neuron-monitor-daemonset.yml, the
k8s-neuron-monitor tutorial): image versions.NEURON_MONITOR_IMAGE, ``/opt/bin/entrypoint.sh --port 8000
--neuron-monitor-config /opt/aws/neuron/bin/neuron-monitor.conf``, privileged (it reads the Neuron devices),
its requests and limits. raystack places it by the presence label its Neuron node groups carry instead of
AWS's instance-type list, tolerates their taint, and names the port so a PodMonitor can select it.
"""

from __future__ import annotations

from typing import Any

from .. import versions

NAME = "neuron-monitor"
PORT = 8000
SELECTOR = {"app.kubernetes.io/name": NAME}


def neuron_monitor_daemonset(presence_label: tuple[str, str], taint: tuple[str, str, str]) -> dict[str, Any]:
    key, value = presence_label
    taint_key, _, effect = taint
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": NAME, "namespace": versions.NEURON_MONITOR_NAMESPACE, "labels": dict(SELECTOR)},
        "spec": {
            "selector": {"matchLabels": dict(SELECTOR)},
            "template": {
                "metadata": {"labels": dict(SELECTOR)},
                "spec": {
                    "nodeSelector": {key: value},
                    "tolerations": [{"key": taint_key, "operator": "Exists", "effect": effect}],
                    "containers": [{
                        "name": NAME, "image": versions.NEURON_MONITOR_IMAGE,
                        "command": ["/opt/bin/entrypoint.sh"],
                        "args": ["--port", str(PORT), "--neuron-monitor-config",
                                 "/opt/aws/neuron/bin/neuron-monitor.conf"],
                        "ports": [{"name": "metrics", "containerPort": PORT}],
                        "resources": {"requests": {"cpu": "256m", "memory": "128Mi"},
                                      "limits": {"cpu": "500m", "memory": "256Mi"}},
                        "env": [{"name": "GOMEMLIMIT", "value": "160MiB"}],
                        "securityContext": {"privileged": True},
                    }],
                },
            },
        },
    }


def neuron_pod_monitor(namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    """The PodMonitor, beside Ray's in the Prometheus's namespace, selecting the exporter's pods."""
    return {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
        "metadata": {"name": "raystack-neuron-monitor", "namespace": namespace, "labels": dict(labels)},
        "spec": {"namespaceSelector": {"matchNames": [versions.NEURON_MONITOR_NAMESPACE]},
                 "selector": {"matchLabels": dict(SELECTOR)},
                 "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics"}]},
    }
