"""GpuNodePool: an EKS managed node group of accelerator instances from the catalog."""


from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired

from ..clouds.aws.autoscaler_config import ca_template_resource_tag
from ..clouds.aws.node_group import managed_node_group
from ..hardware import efa
from ..hardware.accelerators import ACCELERATOR_KINDS
from ..model import defaults
from ..model.facts import POOL_LABEL
from ..model.findings import ConfigError, Finding
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
    subnet_availability_zones: NotRequired[pulumi.Input[list[str]]]
    """The AZ of each subnet in ``subnet_ids`` (same order); needed for pools reserved in one AZ."""
    kubernetes_version: NotRequired[str]
    """Kubernetes minor of the nodes (default in raystack.versions)."""
    vpc_id: NotRequired[pulumi.Input[str]]
    """The cluster's VPC; required for an EFA pool (its security group lives there)."""
    cluster_security_group_id: NotRequired[pulumi.Input[str]]
    """EKS's cluster security group; required for an EFA pool, whose network interfaces carry it
    beside the pool's EFA group (a launch template's interfaces replace the group EKS would add)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every AWS resource."""


def subnets_in_az(subnet_ids: list[str], azs: list[str], pool: NodePool) -> list[str]:
    """The subnets (of ``subnet_ids``, aligned with their ``azs``) in the pool's reservation AZ."""
    chosen = [s for s, az in zip(subnet_ids, azs, strict=False) if az == pool.availability_zone]
    if not chosen:
        raise ConfigError([Finding(f"pool {pool.name}.availabilityZone", pool.availability_zone,
                                   f"no subnet of the cluster in this AZ; subnets are in {', '.join(sorted(set(azs)))}")])
    return chosen


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
    """What a Ray worker group binds to, as a stack output (other stacks read it). In the same
    program, pass the plain ``descriptor`` to RayCluster's ``pools``: a RayCluster is resolved
    before anything is registered, so it takes values, not Outputs."""

    def __init__(self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        a = defaults.fill(GpuNodePoolArgs, args)
        # Validated before anything is registered: bad input leaves nothing behind.
        pool = resolve_node_pool(dict(args["pool"]), a["cluster_name"])
        if pool.efa:
            missing = [k for k in ("vpc_id", "cluster_security_group_id") if a.get(k) is None]  # optional keys
            if missing:
                raise ConfigError([Finding(k, None, f"pool {pool.name!r} has efa: its security group needs the "
                                                    "cluster's VPC and EKS's cluster security group") for k in missing])
        super().__init__("raystack:index:GpuNodePool", name, {}, opts)
        self._build(name, pool, a)

    def _autoscaler_template_tags(self, name: str, pool: NodePool) -> None:
        """For resources the Cluster Autoscaler does not know from the instance type (Neuron devices, EFA
        interfaces, huge pages), tag the node group's Auto Scaling group with the node template's
        resource, so CA can scale the pool up from zero for pods that request them (CA's AWS provider
        reads k8s.io/cluster-autoscaler/node-template/resources/<name> from ASG tags, as quantities; EKS
        does not propagate node-group tags to the ASG)."""
        resources: dict[str, tuple[str, str]] = {}  # resource name -> (tag resource suffix, quantity)
        row = ACCELERATOR_KINDS.get(pool.facts.accelerator_kind)
        if row is not None and row.autoscaler_template_resource and pool.facts.accelerator_resource:
            # The name raystack has always given this tag: no replacement on upgrade.
            resources[pool.facts.accelerator_resource] = ("ca-template", str(pool.facts.accelerators_per_node))
        if pool.efa:
            resources[efa.EFA_RESOURCE] = ("ca-efa", str(pool.facts.efa_interfaces))
            resources[efa.HUGEPAGES_RESOURCE] = ("ca-hugepages", f"{pool.facts.hugepages_mib}Mi")
        if not resources:
            return
        asg = self.node_group.resources.apply(_first_asg_name)
        for resource, (suffix, quantity) in sorted(resources.items()):
            aws.autoscaling.Tag(
                f"{name}-{suffix}", autoscaling_group_name=asg,
                tag=aws.autoscaling.TagTagArgs(key=ca_template_resource_tag(resource), value=quantity,
                                               propagate_at_launch=False),
                opts=pulumi.ResourceOptions(parent=self))

    def _efa_network(self, name: str, pool: NodePool, a: GpuNodePoolArgs,
                     tags: dict[str, str]) -> tuple[list[pulumi.Input[str]], pulumi.Input[str] | None]:
        """An EFA pool's security group, which admits all traffic from and to itself (EC2 user guide,
        efa-start, "Prepare an EFA-enabled security group"; terraform-aws-eks v21.19.0 all_self_efa), and its
        cluster placement group (strategy cluster: EFA traffic stays in one AZ). Each depends on nothing
        the node group does not, and the node group (through its launch template) on both, so destroy
        deletes the node group first."""
        sg = aws.ec2.SecurityGroup(
            # vpc_id: checked before anything was registered.
            f"{name}-efa", vpc_id=a["vpc_id"], description=f"EFA traffic among the nodes of raystack pool {pool.name}",
            tags={**tags, "Name": f"{name}-efa"}, opts=pulumi.ResourceOptions(parent=self))
        for direction, rule in (("in", aws.vpc.SecurityGroupIngressRule), ("out", aws.vpc.SecurityGroupEgressRule)):
            rule(f"{name}-efa-{direction}", security_group_id=sg.id, referenced_security_group_id=sg.id,
                 ip_protocol="-1", description="EFA: all traffic among the pool's nodes",
                 opts=pulumi.ResourceOptions(parent=self))
        group = None
        if pool.placement_group:
            group = aws.ec2.PlacementGroup(f"{name}-pg", strategy="cluster", tags=tags,
                                           opts=pulumi.ResourceOptions(parent=self)).name
        return [a["cluster_security_group_id"], sg.id], group

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
        if pool.availability_zone and not pool.subnet_ids:
            # A Capacity Block or ODCR lives in one AZ: only that AZ's subnet can launch it. A pool's own
            # subnetIds are the user's subnets in that AZ, used as given: the cluster's subnet AZs do not
            # describe them (aws-deploy-review 2, N14 a).
            azs = a.get("subnet_availability_zones")  # optional: needed for reserved pools
            if azs is None:
                raise ConfigError([Finding("subnet_availability_zones", None,
                                           f"pool {pool.name!r} is reserved in {pool.availability_zone}: give the "
                                           "subnets' availability zones to pick its subnet")])
            subnets = pulumi.Output.all(subnets, azs).apply(lambda s: subnets_in_az(s[0], s[1], pool))
        security_groups: list[pulumi.Input[str]] | None = None
        placement: pulumi.Input[str] | None = None
        if pool.efa:
            # One subnet, so one AZ: EFA does not cross AZs and a cluster placement group lives in one.
            subnets = subnets.apply(lambda s: s[:1])
            security_groups, placement = self._efa_network(name, pool, a, tags)
        self.facts = pool.facts
        #: The pool's PoolDescriptor as a plain value, for RayCluster's ``pools`` in this program.
        self.descriptor: PoolDescriptor = pool.facts.to_descriptor()  # type: ignore[assignment]
        self.node_group = managed_node_group(
            f"{name}-ng", pool, parent=self, launch_template_name=name,
            cluster_name=a.get("cluster") or a["cluster_name"],  # the Output orders it after the cluster
            node_role_arn=a["node_role_arn"], subnet_ids=subnets,
            kubernetes_version=a["kubernetes_version"],  # filled
            tags=tags, node_group_tags={**tags, POOL_LABEL: pool.name},
            efa_security_group_ids=security_groups, placement_group=placement)
        self._autoscaler_template_tags(name, pool)
        self.node_group_name = self.node_group.node_group_name
        self.pool = pulumi.Output.from_input(pool.facts.to_descriptor())  # type: ignore[arg-type]
        self.register_outputs({"node_group_name": self.node_group_name, "pool": self.pool})
