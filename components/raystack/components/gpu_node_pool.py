"""GpuNodePool: an EKS managed node group of accelerator instances from the catalog."""


from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired

from ..clouds.aws.autoscaler_config import ca_template_resource_tag
from ..clouds.aws.node_group import managed_node_group
from ..hardware.accelerators import ACCELERATOR_KINDS
from ..model import defaults
from ..model.facts import POOL_LABEL
from ..model.platform import NodePool
from ..model.resolve import resolve_node_pool
from ..spec.types import NodePoolSpec, PoolDescriptor


class GpuNodePoolArgs(TypedDict):
    """Inputs of a GpuNodePool."""

    pool: NodePoolSpec
    """The pool: instance type, capacity, size, OS, disk, labels, taints, EFA, reservation."""
    cluster_name: str
    """Name of the EKS cluster (also names the node group: <cluster>-<pool>)."""
    cluster: NotRequired[pulumi.Input[str]]
    """The cluster's name as an Output, so the node group waits for the cluster."""
    node_role_arn: pulumi.Input[str]
    """IAM role of the nodes."""
    subnet_ids: pulumi.Input[list[str]]
    """Subnets for the nodes (EFA and Capacity Block pools use the first)."""
    cluster_security_group_id: NotRequired[pulumi.Input[str]]
    """EKS's cluster security group; needed with EFA (explicit network interfaces)."""
    kubernetes_version: NotRequired[str]
    """Kubernetes minor of the nodes (default in raystack.versions)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every AWS resource."""


def _first_asg_name(resources: Any) -> str:
    """The Auto Scaling group EKS made for a managed node group (``resources[0].autoscalingGroups[0]``)."""
    groups = resources[0].autoscaling_groups if resources else None
    return str(groups[0].name) if groups else ""


class GpuNodePool(pulumi.ComponentResource):
    """An accelerator node pool: a hardened launch template and an EKS managed node group that
    scales from zero, labelled and tainted so only Ray worker groups bound to it land there."""

    node_group_name: pulumi.Output[str]
    """The EKS node group's name."""
    pool: pulumi.Output[PoolDescriptor]
    """What a Ray worker group binds to (pass it to RayCluster's ``pools``)."""

    def __init__(self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        a = defaults.fill(GpuNodePoolArgs, args)
        # Validated before anything is registered: bad input leaves nothing behind.
        pool = resolve_node_pool(dict(args["pool"]), a["cluster_name"])
        super().__init__("raystack:index:GpuNodePool", name, {}, opts)
        self._build(name, pool, a)

    def _autoscaler_template_tags(self, name: str, pool: NodePool) -> None:
        """For accelerators the Cluster Autoscaler does not know from the instance type (Neuron), tag
        the node group's Auto Scaling group with the node template's extended resource, so CA can
        scale the pool up from zero (CA's AWS provider reads k8s.io/cluster-autoscaler/node-template/
        resources/<name> from ASG tags; EKS does not propagate node-group tags to the ASG)."""
        row = ACCELERATOR_KINDS.get(pool.facts.accelerator_kind)
        if row is None or not row.autoscaler_template_resource or not pool.facts.accelerator_resource:
            return
        asg = self.node_group.resources.apply(_first_asg_name)
        aws.autoscaling.Tag(
            f"{name}-ca-template", autoscaling_group_name=asg,
            tag=aws.autoscaling.TagTagArgs(key=ca_template_resource_tag(pool.facts.accelerator_resource),
                                           value=str(pool.facts.accelerators_per_node), propagate_at_launch=False),
            opts=pulumi.ResourceOptions(parent=self))

    @classmethod
    def _from_model(cls, name: str, pool: NodePool, args: GpuNodePoolArgs,
                    opts: pulumi.ResourceOptions) -> "GpuNodePool":
        """A pool from the resolved model (RayPlatform): nothing is validated again."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:GpuNodePool", name, {}, opts)
        self._build(name, pool, defaults.fill(GpuNodePoolArgs, args))
        return self

    def _build(self, name: str, pool: NodePool, a: GpuNodePoolArgs) -> None:
        tags = dict(a["tags"])  # filled
        subnets: pulumi.Output[list[str]] = pulumi.Output.from_input(
            list(pool.subnet_ids) if pool.subnet_ids else a["subnet_ids"])
        if pool.single_az:
            subnets = subnets.apply(lambda s: list(s)[:1])
        placement = None
        if pool.efa:
            placement = aws.ec2.PlacementGroup(f"{name}-pg", strategy="cluster", tags=tags,
                                               opts=pulumi.ResourceOptions(parent=self))
        sg: pulumi.Input[str] | None = a.get("cluster_security_group_id")  # optional: only EFA needs it
        self.facts = pool.facts
        self.node_group = managed_node_group(
            f"{name}-ng", pool, parent=self, launch_template_name=name,
            cluster_name=a.get("cluster") or a["cluster_name"],  # the Output orders it after the cluster
            node_role_arn=a["node_role_arn"], subnet_ids=subnets,
            kubernetes_version=a["kubernetes_version"],  # filled
            tags=tags, node_group_tags={**tags, POOL_LABEL: pool.name},
            security_group_ids=[sg] if pool.efa and sg is not None else None,
            placement_group=placement.name if placement else None)
        self._autoscaler_template_tags(name, pool)
        self.node_group_name = self.node_group.node_group_name
        self.pool = pulumi.Output.from_input(pool.facts.to_descriptor())  # type: ignore[arg-type]
        self.register_outputs({"node_group_name": self.node_group_name, "pool": self.pool})
