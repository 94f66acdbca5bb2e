"""AksNodePool: an AKS agent pool (User mode) of one VM size from the catalog."""


from typing import Any, TypedDict

import pulumi
import pulumi_azure_native as azure
from typing_extensions import NotRequired

from .. import versions
from ..clouds.azure import requests
from ..model.platform import NodePool
from ..model.resolve import resolve_node_pool
from ..spec.types import NodePoolSpec


class AksNodePoolArgs(TypedDict):
    """Inputs of an AksNodePool."""

    pool: NodePoolSpec
    """The pool: name (an AKS agent pool name), VM size, capacity, sizes, labels, taints."""
    cluster_name: pulumi.Input[str]
    """The AKS cluster it joins (AksCluster.cluster_name)."""
    resource_group_name: pulumi.Input[str]
    """The cluster's resource group (AksCluster.resource_group_name)."""
    subnet_id: pulumi.Input[str]
    """The subnet its nodes join (the cluster's node subnet)."""
    location: NotRequired[str]
    """The cluster's location: where the pool's price is read (without it the price is unknown)."""
    kubernetes_version: NotRequired[str]
    """Kubernetes minor of its nodes (default in raystack.versions)."""


class AksNodePool(pulumi.ComponentResource):
    """An autoscaled AKS agent pool: raystack's labels and taints, Spot where asked, the NVIDIA driver on GPU
    sizes (raystack installs the device plugin), and a node count left to the cluster autoscaler after creation."""

    agent_pool: azure.containerservice.AgentPool
    """The AgentPool resource."""
    descriptor: pulumi.Output[dict[str, Any]]
    """The pool's PoolDescriptor, for RayCluster's pools."""

    def __init__(self, name: str, args: AksNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        pool = resolve_node_pool(dict(args["pool"]), None, cloud="azure",  # raises before registering
                                 region=args.get("location"))
        super().__init__("raystack:index:AksNodePool", name, {}, opts)
        self._finish(name, pool, resource_group_name=args["resource_group_name"], cluster_name=args["cluster_name"],
                     subnet_id=args["subnet_id"], kubernetes_version=args.get("kubernetes_version")
                     or versions.AKS_VERSION)

    @classmethod
    def _from_model(cls, name: str, pool: NodePool, *, resource_group_name: pulumi.Input[str],
                    cluster_name: pulumi.Input[str], subnet_id: pulumi.Input[str], kubernetes_version: str,
                    opts: pulumi.ResourceOptions) -> "AksNodePool":
        """From the resolved model (RayPlatform on AKS): nothing is validated again."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:AksNodePool", name, {}, opts)
        self._finish(name, pool, resource_group_name=resource_group_name, cluster_name=cluster_name, subnet_id=subnet_id,
                     kubernetes_version=kubernetes_version)
        return self

    def _finish(self, name: str, pool: NodePool, *, resource_group_name: pulumi.Input[str],
                cluster_name: pulumi.Input[str], subnet_id: pulumi.Input[str], kubernetes_version: str) -> None:
        body = requests.agent_pool(pool, kubernetes_version)
        # count: the autoscaler's after creation. VM size, taints, Spot and the GPU driver cannot change on a pool
        # (AKS refuses the update): a change replaces the pool, the new one first where the name allows.
        self.agent_pool = azure.containerservice.AgentPool(
            f"{name}-pool", resource_group_name=resource_group_name, resource_name_=cluster_name,
            agent_pool_name=pool.name, vnet_subnet_id=subnet_id, **body,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"], replace_on_changes=[
                "vmSize", "nodeTaints", "scaleSetPriority", "spotMaxPrice", "gpuProfile", "osSKU"],
                delete_before_replace=True))
        self.descriptor = pulumi.Output.from_input(pool.facts.to_descriptor())
        self.register_outputs({"agent_pool": self.agent_pool.name, "descriptor": self.descriptor})
