"""AksNodePool: an AKS agent pool (User mode) of one VM size from the catalog."""


import pulumi
import pulumi_azure_native as azure

from ..clouds.azure import requests
from ..model.platform import NodePool


class AksNodePool(pulumi.ComponentResource):
    """An autoscaled AKS agent pool: raystack's labels and taints, Spot where asked, the NVIDIA driver on GPU
    sizes (raystack installs the device plugin), and a node count left to the cluster autoscaler after creation."""

    agent_pool: azure.containerservice.AgentPool
    """The AgentPool resource."""

    @classmethod
    def _from_model(cls, name: str, pool: NodePool, *, resource_group_name: pulumi.Input[str],
                    cluster_name: pulumi.Input[str], subnet_id: pulumi.Input[str], kubernetes_version: str,
                    opts: pulumi.ResourceOptions) -> "AksNodePool":
        """From the resolved model (RayPlatform on AKS): nothing is validated again."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:AksNodePool", name, {}, opts)
        body = requests.agent_pool(pool, kubernetes_version)
        # count: the autoscaler's after creation. VM size, taints, Spot and the GPU driver cannot change on a pool
        # (AKS refuses the update): a change replaces the pool, the new one first where the name allows.
        self.agent_pool = azure.containerservice.AgentPool(
            f"{name}-pool", resource_group_name=resource_group_name, resource_name_=cluster_name,
            agent_pool_name=pool.name, vnet_subnet_id=subnet_id, **body,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"], replace_on_changes=[
                "vmSize", "nodeTaints", "scaleSetPriority", "spotMaxPrice", "gpuProfile", "osSKU"],
                delete_before_replace=True))
        self.register_outputs({"agent_pool": self.agent_pool.name})
        return self
