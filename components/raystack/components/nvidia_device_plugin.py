"""NvidiaDevicePlugin: advertises `nvidia.com/gpu` on GPU nodes whose image lacks a plugin.

Driven by the NVIDIA row of the accelerator table (chart pin, presence label,
taint, chart values): it runs only on NVIDIA pools, tolerates their taint, and
stays off node OSes whose image ships its own plugin (Bottlerocket).
"""


from typing import TypedDict

import pulumi
from typing_extensions import NotRequired

from .._k8s import pinned_release, pss_namespace
from ..clouds.aws.ami import oses_shipping_device_plugin
from ..hardware.accelerators import ACCELERATOR_KINDS
from ..kube.values import device_plugin_values
from ..model import defaults


class NvidiaDevicePluginArgs(TypedDict):
    """Inputs of an NvidiaDevicePlugin."""

    namespace: NotRequired[str]
    """Namespace of the plugin (default nvidia-device-plugin; Pod Security privileged)."""


class NvidiaDevicePlugin(pulumi.ComponentResource):
    """The NVIDIA device plugin, pinned, on NVIDIA nodes only."""

    release_name: pulumi.Output[str]
    """Helm release name."""

    #: The accelerator-table row this component installs the plugin of.
    KIND = "nvidia"

    def __init__(self, name: str, args: NvidiaDevicePluginArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:NvidiaDevicePlugin", name, {}, opts)
        a = defaults.fill(NvidiaDevicePluginArgs, args)
        row = ACCELERATOR_KINDS[self.KIND]
        chart = row.device_plugin
        assert chart is not None  # the NVIDIA row has a plugin
        skip_os = oses_shipping_device_plugin(self.KIND)
        # The plugin needs host paths: privileged Pod Security level for its namespace only.
        ns = pss_namespace(f"{name}-ns", a["namespace"], "privileged", pulumi.ResourceOptions(parent=self))
        self.release = pinned_release(
            f"{name}-chart",
            release_name=chart.release_name,
            chart=chart.chart,
            version=chart.version,
            repo=chart.repo,
            namespace=ns.metadata.name,
            values=device_plugin_values(row, skip_os),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.release_name = self.release.name.apply(lambda n: n or "")
        self.register_outputs({"release_name": self.release_name})
