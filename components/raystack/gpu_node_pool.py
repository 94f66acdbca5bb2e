"""GpuNodePool: an EKS managed node group of accelerator instances from the catalog."""


from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired

from . import catalog, versions
from .addons import nodegroup_name
from .launch_template import node_launch_template
from .node_images import node_image
from .spec import NodePoolSpec
from .validate import check_node_pool

EKS_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}


class GpuNodePoolArgs(TypedDict):
    pool: NodePoolSpec
    cluster_name: str
    """Name of the EKS cluster (also names the node group: <cluster>-<pool>)."""
    cluster: NotRequired[pulumi.Input[str]]
    """The cluster's name as an Output, so the node group waits for the cluster."""
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    cluster_security_group_id: NotRequired[pulumi.Input[str]]
    """Needed with EFA (explicit network interfaces)."""
    kubernetes_version: NotRequired[str]
    tags: NotRequired[dict[str, str]]


class GpuNodePool(pulumi.ComponentResource):
    node_group_name: pulumi.Output[str]
    pool: pulumi.Output[dict[str, Any]]

    def __init__(self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        # Validate before anything is registered: bad input leaves nothing behind.
        spec, facts = check_node_pool(args["pool"], args["cluster_name"])
        super().__init__("raystack:index:GpuNodePool", name, {}, opts)
        it = catalog.lookup(spec["instance_type"])
        image = node_image(facts.os or "al2023", it.accelerator_kind, it.architecture)
        tags = dict(args.get("tags", {}))
        cap = spec.get("capacity_type", "ON_DEMAND")
        efa = bool(spec.get("efa"))
        single_az = efa or cap == "CAPACITY_BLOCK"
        subnets = pulumi.Output.from_input(args["subnet_ids"])
        if single_az:
            # EFA wants one AZ and a cluster placement group; a Capacity Block lives in one AZ.
            subnets = pulumi.Output.from_input(spec.get("subnet_ids") or subnets).apply(lambda s: s[:1])
        elif spec.get("subnet_ids"):
            subnets = pulumi.Output.from_input(spec["subnet_ids"])

        placement = None
        if efa:
            placement = aws.ec2.PlacementGroup(f"{name}-pg", strategy="cluster", tags=tags,
                                               opts=pulumi.ResourceOptions(parent=self))
        lt = node_launch_template(
            name, self,
            image_volume_device=image.image_volume_device,
            disk_size_gib=spec.get("disk_size_gib", 200),
            tags=tags,
            efa_interfaces=it.efa_interfaces if efa else 0,
            security_group_ids=[args["cluster_security_group_id"]] if efa and "cluster_security_group_id" in args
            else None,
            placement_group=placement.name if placement else None,
            capacity_reservation_id=spec.get("capacity_reservation_id"),
            capacity_block=cap == "CAPACITY_BLOCK",
        )
        self.facts = facts
        self.node_group = aws.eks.NodeGroup(
            f"{name}-ng",
            cluster_name=args.get("cluster", args["cluster_name"]),
            node_group_name=nodegroup_name(args["cluster_name"], spec["name"]),
            node_role_arn=args["node_role_arn"],
            subnet_ids=subnets,
            ami_type=image.ami_type,
            instance_types=[it.instance_type],
            capacity_type=cap,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=facts.min_nodes, max_size=facts.max_nodes, desired_size=facts.min_nodes),
            labels=dict(facts.labels),
            taints=[aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=EKS_TAINT_EFFECTS[t.effect])
                    for t in facts.taints],
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=lt.id, version=lt.latest_version.apply(str)),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            version=args.get("kubernetes_version", versions.EKS_VERSION),
            tags={**tags, "raystack.io/pool": spec["name"]},
            # The Cluster Autoscaler owns the node count between min and max.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["scalingConfig.desiredSize"]),
        )
        self.node_group_name = self.node_group.node_group_name
        self.pool = pulumi.Output.from_input(facts.to_dict())
        self.register_outputs({"node_group_name": self.node_group_name, "pool": self.pool})
