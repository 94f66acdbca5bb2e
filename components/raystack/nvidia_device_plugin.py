"""NvidiaDevicePlugin: advertises `nvidia.com/gpu` on GPU nodes whose image lacks a plugin.

Runs only on NVIDIA pools (the chart's affinity on `nvidia.com/gpu.present`,
which raystack sets on those pools), tolerates their taint, and stays off
Bottlerocket nodes, whose OS ships its own plugin.
"""


from typing import TypedDict

import pulumi
import pulumi_kubernetes as k8s
from typing_extensions import NotRequired

from . import versions
from .addons import DEVICE_PLUGIN_NAMESPACE, device_plugin_values, pss_labels
from .helm import pinned_release


class NvidiaDevicePluginArgs(TypedDict):
    namespace: NotRequired[str]


class NvidiaDevicePlugin(pulumi.ComponentResource):
    release_name: pulumi.Output[str]

    def __init__(self, name: str, args: NvidiaDevicePluginArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:NvidiaDevicePlugin", name, {}, opts)
        ns_name = args.get("namespace", DEVICE_PLUGIN_NAMESPACE)
        # The plugin needs host paths: privileged Pod Security level for its namespace only.
        ns = k8s.core.v1.Namespace(
            f"{name}-ns", metadata=k8s.meta.v1.ObjectMetaArgs(name=ns_name, labels=pss_labels("privileged")),
            opts=pulumi.ResourceOptions(parent=self))
        self.release = pinned_release(
            f"{name}-chart",
            release_name="nvidia-device-plugin",
            chart=versions.NVIDIA_DEVICE_PLUGIN_CHART,
            version=versions.NVIDIA_DEVICE_PLUGIN_VERSION,
            repo=versions.NVIDIA_DEVICE_PLUGIN_REPO,
            namespace=ns.metadata.name,
            values=device_plugin_values(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.release_name = self.release.name
        self.register_outputs({"release_name": self.release_name})
