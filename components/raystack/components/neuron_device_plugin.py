"""NeuronDevicePlugin: advertises `aws.amazon.com/neuron` (and `neuroncore`) on Trainium and Inferentia nodes.

Driven by the Neuron row of the accelerator table: the pinned neuron-helm-chart
(OCI, public.ecr.aws/neuron), placed by the chart on the instance types it
serves, tolerating the Neuron pools' taint; the node problem detector stays off.
The EKS AL2023 Neuron AMI carries the kernel driver, not the plugin.
"""


from typing import TypedDict

import pulumi

from .._k8s import device_plugin_release


class NeuronDevicePluginArgs(TypedDict):
    """Inputs of a NeuronDevicePlugin (none today: the chart installs into kube-system)."""


class NeuronDevicePlugin(pulumi.ComponentResource):
    """The AWS Neuron device plugin, pinned, on Neuron nodes only."""

    release_name: pulumi.Output[str]
    """Helm release name."""

    #: The accelerator-table row this component installs the plugin of.
    KIND = "neuron"

    def __init__(self, name: str, args: NeuronDevicePluginArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:NeuronDevicePlugin", name, {}, opts)
        self.release = device_plugin_release(self, name, self.KIND)
        self.release_name = self.release.name.apply(lambda n: n or "")
        self.register_outputs({"release_name": self.release_name})
