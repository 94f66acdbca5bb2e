"""NvidiaDevicePlugin: advertises `nvidia.com/gpu` on GPU nodes whose image lacks a plugin.

Driven by the NVIDIA row of the accelerator table (chart pin, presence label,
taint, chart values): it runs only on NVIDIA pools, tolerates their taint, and
stays off node OSes whose image ships its own plugin (Bottlerocket).
"""


from typing import TypedDict

import pulumi
from typing_extensions import NotRequired

from .._k8s import device_plugin_release
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
        self.release = device_plugin_release(self, name, self.KIND, a["namespace"])
        self.release_name = self.release.name.apply(lambda n: n or "")
        self.register_outputs({"release_name": self.release_name})
