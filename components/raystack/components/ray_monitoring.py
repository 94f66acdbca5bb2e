"""RayMonitoring: what a Prometheus Operator needs to scrape and show the Ray clusters, and, when asked,
that operator: kube-prometheus-stack, pinned (versions.KUBE_PROMETHEUS_STACK), on the system pool.

Two PodMonitors (the heads: Ray's metrics, the autoscaler's and the dashboard's; the workers: Ray's
metrics) in the Prometheus's namespace, and Ray's Grafana dashboards as ConfigMaps for Grafana's
dashboard sidecar, generated from the installed Ray's definitions (``ray.monitoring``,
``ray.dashboards``). The PodMonitor CRD is your operator's: an `up` on a cluster without it fails at
preview (``no matches for kind "PodMonitor"``), as pulumi-kubernetes answers any kind the API lacks;
an installed chart brings the CRDs (its crds subchart, which Helm installs and never deletes), and the
monitors wait for it.
"""

from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from .. import versions
from .._k8s import privileged_release, pss_namespace
from ..kube.values import dcgm_exporter_values, kube_prometheus_stack_values
from ..ray.dashboards import dashboard_configmap
from ..ray.gpu_dashboard import gpu_dashboard_configmap
from ..ray.monitoring import pod_monitors
from ..ray.neuron_monitor import neuron_monitor_daemonset, neuron_pod_monitor

#: Seconds Helm may wait for kube-prometheus-stack to be ready (pulumi-kubernetes' default: 300).
KUBE_PROMETHEUS_STACK_TIMEOUT_S = 600


class RayMonitoringArgs(TypedDict):
    """Inputs of a RayMonitoring."""

    namespace: str
    """The namespace of your Prometheus and Grafana (it must exist)."""
    monitor_labels: dict[str, str]
    """Labels on the PodMonitors, which your Prometheus's podMonitorSelector matches."""
    ray_namespaces: list[str]
    """The namespaces of the Ray clusters to scrape."""
    dashboards: list[str]
    """Ray's dashboards to ship (ray.dashboards.DASHBOARDS names); empty for none."""
    ray_version: str
    """The installed Ray the dashboards are generated from (recorded on each ConfigMap)."""
    install: NotRequired[bool]
    """Install kube-prometheus-stack (versions.KUBE_PROMETHEUS_STACK) in its namespace (default false)."""
    node_selector: NotRequired[dict[str, str]]
    """install: the system pool's node selector, for the operator, Prometheus, Alertmanager and
    kube-state-metrics."""
    retention_days: NotRequired[int]
    """install: days Prometheus keeps metrics (default 15)."""
    storage_gib: NotRequired[int]
    """install: Prometheus's emptyDir size in GiB (default 50)."""
    gpu_metrics: NotRequired[bool]
    """Install NVIDIA's dcgm-exporter (versions.DCGM_EXPORTER) on the nodes of NVIDIA pools (default false)."""
    neuron_metrics: NotRequired[bool]
    """Run AWS's neuron-monitor (versions.NEURON_MONITOR_IMAGE) on the nodes of Neuron pools, in a namespace of
    its own (Pod Security privileged), with a PodMonitor (default false)."""
    gpu_dashboard: NotRequired[bool]
    """Ship raystack's GPU dashboard (ray.gpu_dashboard: what each Ray pod does with its GPUs, from
    dcgm-exporter's metrics) beside Ray's (default false)."""


class RayMonitoring(pulumi.ComponentResource):
    """PodMonitors for the Ray heads and workers, and Ray's Grafana dashboards."""

    monitors: pulumi.Output[list[str]]
    """namespace/name of each PodMonitor."""
    dashboards: pulumi.Output[list[str]]
    """namespace/name of each dashboard ConfigMap."""

    def __init__(self, name: str, args: RayMonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:RayMonitoring", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        ns = args["namespace"]
        if args.get("install"):
            self.release = privileged_release(
                name, versions.KUBE_PROMETHEUS_STACK,
                kube_prometheus_stack_values(args.get("node_selector") or {}, args.get("retention_days", 15),
                                             args.get("storage_gib", 50)),
                "kube-prometheus-stack's node exporter reads each node's /proc and /sys (hostPath) on the host's "
                "network and PID namespaces, which baseline and restricted reject", child,
                # Helm waits for the operator, Grafana, kube-state-metrics and a node exporter on every node, after
                # the webhook certificate Jobs, pulling from three registries on a new cluster: 300 s is tight.
                timeout=KUBE_PROMETHEUS_STACK_TIMEOUT_S)
            # The monitors need the chart's CRDs, the dashboards its namespace.
            child = pulumi.ResourceOptions(parent=self, depends_on=[self.release])
        monitors = []
        for m in pod_monitors(ns, args["monitor_labels"], args["ray_namespaces"]):
            k8s.apiextensions.CustomResource(f"{name}-{m['metadata']['name']}", api_version=m["apiVersion"],
                                             kind=m["kind"], metadata=m["metadata"], spec=m["spec"], opts=child)
            monitors.append(f"{ns}/{m['metadata']['name']}")
        if args.get("gpu_metrics"):
            privileged_release(
                f"{name}-dcgm", versions.DCGM_EXPORTER, dcgm_exporter_values(args["monitor_labels"]),
                "dcgm-exporter runs as root with SYS_ADMIN (DCGM's profiling metrics) and reads the kubelet's "
                "pod-resources socket from the host (hostPath), which baseline and restricted reject", child,
                release_resource=f"{name}-dcgm")
        if args.get("neuron_metrics"):
            monitors.append(self._neuron_monitor(name, ns, args["monitor_labels"], child))
        dashboards = []
        for d in args["dashboards"]:
            cm = dashboard_configmap(d, ns, args["ray_version"])
            k8s.core.v1.ConfigMap(f"{name}-{cm['metadata']['name']}", metadata=cm["metadata"], data=cm["data"],
                                  opts=child)
            dashboards.append(f"{ns}/{cm['metadata']['name']}")
        if args.get("gpu_dashboard"):
            cm = gpu_dashboard_configmap(ns)
            k8s.core.v1.ConfigMap(f"{name}-{cm['metadata']['name']}", metadata=cm["metadata"], data=cm["data"],
                                  opts=child)
            dashboards.append(f"{ns}/{cm['metadata']['name']}")
        self.monitors = pulumi.Output.from_input(monitors)
        self.dashboards = pulumi.Output.from_input(dashboards)
        self.register_outputs({"monitors": self.monitors, "dashboards": self.dashboards})

    def _neuron_monitor(self, name: str, ns: str, labels: dict[str, str], opts: pulumi.ResourceOptions) -> str:
        """neuron-monitor's namespace, DaemonSet and PodMonitor (ray.neuron_monitor); its PodMonitor's name."""
        from ..hardware.accelerators import ACCELERATOR_KINDS

        (kind,) = [k for k in ACCELERATOR_KINDS.values() if k.metrics_exporter == versions.NEURON_MONITOR_IMAGE]
        namespace = pss_namespace(f"{name}-neuron-ns", versions.NEURON_MONITOR_NAMESPACE, "privileged", opts,
                                  reason="AWS's neuron-monitor runs privileged to read the Neuron devices")
        ds = neuron_monitor_daemonset(kind.presence_label, kind.taint)
        k8s.apps.v1.DaemonSet(f"{name}-neuron-monitor", metadata=ds["metadata"], spec=ds["spec"],
                              opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[namespace])))
        pm = neuron_pod_monitor(ns, labels)
        k8s.apiextensions.CustomResource(f"{name}-{pm['metadata']['name']}", api_version=pm["apiVersion"],
                                         kind=pm["kind"], metadata=pm["metadata"], spec=pm["spec"], opts=opts)
        return f"{ns}/{pm['metadata']['name']}"
