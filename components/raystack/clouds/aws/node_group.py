"""One builder for every EKS managed node group raystack creates: the system pool and accelerator pools.

Each gets the hardened launch template, a scaling config whose desired size the
Cluster Autoscaler owns, and the pool's labels and taints.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ...model.platform import NodePool
from .launch_template import node_launch_template
from .pools import EKS_TAINT_EFFECTS


def managed_node_group(
    resource_name: str,
    pool: NodePool,
    *,
    parent: pulumi.Resource,
    launch_template_name: str,
    cluster_name: pulumi.Input[str],
    node_role_arn: pulumi.Input[str],
    subnet_ids: pulumi.Input[list[str]],
    kubernetes_version: str,
    tags: dict[str, str],
    node_group_tags: dict[str, str] | None = None,
    security_group_ids: pulumi.Input[list[pulumi.Input[str]]] | None = None,
    placement_group: pulumi.Input[str] | None = None,
    depends_on: list[pulumi.Resource] | None = None,
) -> aws.eks.NodeGroup:
    lt = node_launch_template(
        launch_template_name, parent,
        image_volume_device=pool.image_volume_device,
        disk_size_gib=pool.disk_size_gib,
        tags=tags,
        efa_interfaces=pool.efa_interfaces,
        security_group_ids=security_group_ids,
        placement_group=placement_group,
        capacity_reservation_id=pool.capacity_reservation_id,
        capacity_block=pool.capacity_type == "CAPACITY_BLOCK",
    )
    facts = pool.facts
    taints = [aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=EKS_TAINT_EFFECTS[t.effect])
              for t in facts.taints]
    return aws.eks.NodeGroup(
        resource_name,
        cluster_name=cluster_name,
        node_group_name=pool.node_group_name,
        node_role_arn=node_role_arn,
        subnet_ids=subnet_ids,
        ami_type=pool.ami_type,
        instance_types=[pool.instance_type],
        capacity_type=pool.capacity_type,
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
            min_size=pool.min_size, max_size=pool.max_size, desired_size=pool.min_size),
        labels=dict(facts.labels),
        taints=taints or None,
        launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=lt.id, version=lt.latest_version.apply(str)),
        update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        version=kubernetes_version,
        tags=node_group_tags if node_group_tags is not None else tags,
        # The Cluster Autoscaler owns the node count between min and max.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or [],
                                    ignore_changes=["scalingConfig.desiredSize"]),
    )
