"""Helm releases in the simulated cluster, and what their charts bring that the simulation reads: the
KubeRay operator, the Prometheus Operator's CRDs (kube-prometheus-stack) and dcgm-exporter's ServiceMonitor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import CloudError

if TYPE_CHECKING:
    from .kube import KubeCluster


def install_release(kc: KubeCluster, ns: str, inputs: dict[str, Any]) -> None:
    """A Helm install or upgrade of ``inputs`` (a Release's inputs) in namespace ``ns``."""
    chart, values = inputs.get("chart"), inputs.get("values") or {}
    if chart == "dcgm-exporter" and (values.get("serviceMonitor") or {}).get("enabled") and \
            "ServiceMonitor" not in kc.crds:
        # Helm renders the chart's ServiceMonitor (deployment/templates/service-monitor.yaml at 4.5.3-4.8.2), and
        # the API has no such kind without the Prometheus Operator's CRD.
        raise CloudError("NotFound", 'no matches for kind "ServiceMonitor" in version "monitoring.coreos.com/v1"',
                         "helm install: the chart's ServiceMonitor needs the Prometheus Operator's CRD")
    kc.releases[(ns, inputs.get("name", ""))] = inputs
    if chart == "kuberay-operator":
        # The chart's pods carry app.kubernetes.io/name: kuberay-operator (_helpers.tpl, chart 1.7.0).
        kc.operator = {"namespace": ns, "labels": {"app.kubernetes.io/name": "kuberay-operator"}}
        kc.reconcile()
    elif chart == "kube-prometheus-stack":  # its crds subchart: Helm installs the CRDs, and never deletes them
        kc.crds.update(("PodMonitor", "ServiceMonitor"))
