"""GkeNodePool: a GKE node pool of one machine type from the catalog (GPU, TPU or CPU); a multi-host TPU pool is
one GKE node pool a slice."""


from typing import Any, TypedDict

import pulumi
import pulumi_gcp as gcp
from typing_extensions import NotRequired

from ..clouds.gcp import requests
from ..model.platform import NodePool
from ..model.resolve import resolve_node_pool
from ..spec.types import NodePoolSpec


class GkeNodePoolArgs(TypedDict):
    """Inputs of a GkeNodePool."""

    pool: NodePoolSpec
    """The pool: name, machine type, capacity, sizes (slices on a multi-host TPU pool), tpuTopology, labels, taints."""
    cluster_name: pulumi.Input[str]
    """The GKE cluster it joins (GkeCluster.cluster_name)."""
    zone: str
    """The cluster's zone: where the pool runs and its price is read."""
    node_service_account: NotRequired[pulumi.Input[str]]
    """The nodes' service account (GkeCluster.node_service_account; default: the project's Compute Engine one)."""


class GkeNodePool(pulumi.ComponentResource):
    """An autoscaled GKE node pool: raystack's labels and taints, Spot where asked, GKE's GPU driver and device plugin,
    a TPU slice's placement policy, and a node count left to GKE's autoscaler after creation."""

    node_pools: list[gcp.container.NodePool]
    """The NodePool resources (one a slice on a multi-host TPU pool)."""
    descriptor: pulumi.Output[dict[str, Any]]
    """The pool's PoolDescriptor, for RayCluster's pools."""

    def __init__(self, name: str, args: GkeNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        pool = resolve_node_pool(dict(args["pool"]), None, cloud="gcp", region=args["zone"])  # raises before registering
        super().__init__("raystack:index:GkeNodePool", name, {}, opts)
        self._finish(name, pool, cluster_name=args["cluster_name"], zone=args["zone"],
                     node_service_account=args.get("node_service_account"))

    @classmethod
    def _from_model(cls, name: str, pool: NodePool, *, cluster_name: pulumi.Input[str], zone: str,
                    node_service_account: pulumi.Input[str] | None, opts: pulumi.ResourceOptions) -> "GkeNodePool":
        """From the resolved model (RayPlatform on GKE): nothing is validated again."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:GkeNodePool", name, {}, opts)
        self._finish(name, pool, cluster_name=cluster_name, zone=zone, node_service_account=node_service_account)
        return self

    def _finish(self, name: str, pool: NodePool, *, cluster_name: pulumi.Input[str], zone: str,
                node_service_account: pulumi.Input[str] | None) -> None:
        # A node pool's name is fixed in its cluster: a replacement (Spot, the GPU, the slice topology: ForceNew)
        # deletes the old pool first, or GKE answers the new one with 409 ALREADY_EXISTS. initial_node_count only
        # sizes a new pool: GKE's autoscaler owns the count after.
        bodies = requests.node_pools(pool, cluster_name, zone, node_service_account)
        self.node_pools = [gcp.container.NodePool(
            f"{name}-pool" if len(bodies) == 1 else f"{name}-slice-{i}", **body, opts=pulumi.ResourceOptions(
                parent=self, delete_before_replace=True, ignore_changes=["initialNodeCount"]))
            for i, body in enumerate(bodies)]
        self.descriptor = pulumi.Output.from_input(pool.facts.to_descriptor())
        self.register_outputs({"node_pools": [p.name for p in self.node_pools], "descriptor": self.descriptor})
