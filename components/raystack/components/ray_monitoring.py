"""RayMonitoring: what a Prometheus Operator you run needs to scrape and show the Ray clusters.

Two PodMonitors (the heads: Ray's metrics, the autoscaler's and the dashboard's; the workers: Ray's
metrics) in the Prometheus's namespace, and Ray's Grafana dashboards as ConfigMaps for Grafana's
dashboard sidecar, generated from the installed Ray's definitions (``ray.monitoring``,
``ray.dashboards``). The PodMonitor CRD is your operator's: an `up` on a cluster without it fails at
preview (``no matches for kind "PodMonitor"``), as pulumi-kubernetes answers any kind the API lacks.
"""

from typing import TypedDict

import pulumi
import pulumi_kubernetes as k8s

from ..ray.dashboards import dashboard_configmap
from ..ray.monitoring import pod_monitors


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
        monitors = []
        for m in pod_monitors(ns, args["monitor_labels"], args["ray_namespaces"]):
            k8s.apiextensions.CustomResource(f"{name}-{m['metadata']['name']}", api_version=m["apiVersion"],
                                             kind=m["kind"], metadata=m["metadata"], spec=m["spec"], opts=child)
            monitors.append(f"{ns}/{m['metadata']['name']}")
        dashboards = []
        for d in args["dashboards"]:
            cm = dashboard_configmap(d, ns, args["ray_version"])
            k8s.core.v1.ConfigMap(f"{name}-{cm['metadata']['name']}", metadata=cm["metadata"], data=cm["data"],
                                  opts=child)
            dashboards.append(f"{ns}/{cm['metadata']['name']}")
        self.monitors = pulumi.Output.from_input(monitors)
        self.dashboards = pulumi.Output.from_input(dashboards)
        self.register_outputs({"monitors": self.monitors, "dashboards": self.dashboards})
