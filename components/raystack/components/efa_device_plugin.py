"""EfaDevicePlugin: advertises `vpc.amazonaws.com/efa` on the nodes of EFA pools.

The pinned aws-efa-k8s-device-plugin chart (aws/eks-charts) in kube-system, where its privileged,
host-network DaemonSet is allowed; placed by the EFA presence label raystack gives EFA pools and
tolerating their taints. The EKS AL2023 accelerated and Bottlerocket AMIs carry EFA's host side but
not this plugin (EKS user guide, device-management-efa).
"""


from typing import TypedDict

import pulumi

from .. import versions
from .._k8s import pinned_release
from ..kube.values import efa_device_plugin_values
from ..spec.types import TaintSpec


class EfaDevicePluginArgs(TypedDict):
    """Inputs of an EfaDevicePlugin."""

    taints: list[TaintSpec]
    """Taints of the EFA pools' nodes; the plugin tolerates each."""


class EfaDevicePlugin(pulumi.ComponentResource):
    """The AWS EFA device plugin, pinned, on EFA pools only."""

    release_name: pulumi.Output[str]
    """Helm release name."""

    def __init__(self, name: str, args: EfaDevicePluginArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:EfaDevicePlugin", name, {}, opts)
        chart = versions.EFA_DEVICE_PLUGIN
        self.release = pinned_release(
            f"{name}-chart", release_name=chart.release_name, chart=chart.chart, version=chart.version,
            repo=chart.repo, namespace=chart.namespace,
            values=efa_device_plugin_values([(t["key"], t["effect"]) for t in args["taints"]]),
            opts=pulumi.ResourceOptions(parent=self))
        self.release_name = self.release.name.apply(lambda n: n or "")
        self.register_outputs({"release_name": self.release_name})
