"""KarpenterNodePool: one raystack pool as a Karpenter NodePool and its EC2NodeClass (autoscaler: karpenter).

The NodePool lists the pool's candidate types (raystack sized its workers for the one with the least allocatable,
so a worker fits whichever Karpenter launches), its capacity types (Spot first where both are allowed), taints and
labels as a managed node group's, limits, and a disruption policy that never drains a node with a Ray pod
(clouds/aws/karpenter.py says why). Both objects depend on the Karpenter controller: on destroy they go first,
and the EC2NodeClass's finalizer holds until its nodes are terminated (aws/karpenter-provider-aws@v1.14.1
pkg/controllers/nodeclass/controller.go finalize), which the controller does.
"""

from typing import Any, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from typing_extensions import NotRequired

from ..clouds.aws import karpenter
from ..model import defaults
from ..model.facts import PoolFacts
from ..model.platform import NodePool
from ..model.resolve import resolve_node_pool
from ..spec.types import NodePoolSpec, PoolDescriptor


class KarpenterNodePoolArgs(TypedDict):
    """Inputs of a KarpenterNodePool."""

    pool: NodePoolSpec
    """The pool (its karpenter key gives the candidates beyond instanceType)."""
    cluster_name: str
    """Name of the EKS cluster (the EC2NodeClass finds its subnets and security group by its discovery tag)."""
    node_role: pulumi.Input[str]
    """The IAM role name Karpenter's nodes run as (Karpenter.node_role_name): the EC2NodeClass's spec.role."""
    tags: NotRequired[dict[str, str]]
    """Tags Karpenter puts on the instances, volumes and interfaces it launches."""


class KarpenterNodePool(pulumi.ComponentResource):
    """A raystack pool as a Karpenter NodePool and EC2NodeClass."""

    pool: pulumi.Output[PoolDescriptor]
    """The pool's facts for Ray worker groups (the node they are sized for). In the same program, pass the plain
    ``descriptor`` to RayCluster's ``pools`` (a RayCluster resolves before it registers anything)."""
    node_pool_name: pulumi.Output[str]
    """The NodePool's name."""

    def __init__(self, name: str, args: KarpenterNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        a = defaults.fill(KarpenterNodePoolArgs, args)
        spec: dict[str, Any] = {"karpenter": {}, **dict(a["pool"])}
        resolved = resolve_node_pool(spec, a["cluster_name"], base="pool")  # fails before registering anything
        super().__init__("raystack:index:KarpenterNodePool", name, {}, opts)
        self._build(name, resolved, a["cluster_name"], a["node_role"], dict(a.get("tags") or {}))

    @classmethod
    def _from_model(cls, name: str, pool: NodePool, cluster_name: str, node_role: pulumi.Input[str],
                    tags: dict[str, str], opts: pulumi.ResourceOptions) -> "KarpenterNodePool":
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:KarpenterNodePool", name, {}, opts)
        self._build(name, pool, cluster_name, node_role, tags)
        return self

    def _build(self, name: str, pool: NodePool, cluster_name: str, node_role: pulumi.Input[str],
               tags: dict[str, str]) -> None:
        child = pulumi.ResourceOptions(parent=self)

        def node_class(role: str) -> dict[str, Any]:  # the role's name is known once IAM has made it
            return karpenter.node_class_manifest(pool.name, pool, cluster_name, tags, role)

        node_pool = karpenter.node_pool_manifest(pool.name, pool, cluster_name)
        shell = node_class("")  # apiVersion, kind and metadata do not depend on the role
        nc = k8s.apiextensions.CustomResource(f"{name}-nodeclass", api_version=shell["apiVersion"], kind=shell["kind"],
                                              metadata=shell["metadata"], spec=pulumi.Output.from_input(node_role).apply(
                                                  lambda role: node_class(role)["spec"]), opts=child)
        np = k8s.apiextensions.CustomResource(f"{name}-nodepool", api_version=node_pool["apiVersion"],
                                              kind=node_pool["kind"], metadata=node_pool["metadata"],
                                              spec=node_pool["spec"],
                                              opts=pulumi.ResourceOptions(parent=self, depends_on=[nc]))
        facts: PoolFacts = pool.facts
        self.descriptor: PoolDescriptor = facts.to_descriptor()  # type: ignore[assignment]
        self.pool = pulumi.Output.from_input(facts.to_descriptor())  # type: ignore[arg-type]
        self.node_pool_name = np.id.apply(lambda _: pool.name)  # the NodePool's name, once it exists
        self.register_outputs({"pool": self.pool, "node_pool_name": self.node_pool_name})
