"""One builder for every EKS managed node group raystack creates: the system pool and accelerator pools.

Each gets the hardened launch template, a scaling config whose desired size the
Cluster Autoscaler owns, and the pool's labels and taints.

The desired size is the one value only the live node group knows. A preview reads nothing (issue 19's
third Must show: `pulumi preview` of a stack that creates its cluster reads or lists nothing the stack
creates; a CI preview role and an empty account need no EKS read): it plans ``minSize`` and ignores
changes to the desired size, so the engine keeps the last one (pulumi/pulumi step_generator.go
processIgnoreChanges; a refresh brings it up to date: pulumi-terraform-bridge v3.136.0 provider.go
Read, ExtractInputsFromOutputs). Only the update, which runs as the deploying role, reads the live
size and writes it clamped into the new bounds.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ...hardware.efa import hugepages_sysctl, interface_layout
from ...model.platform import NodePool
from .ami import hugepages_user_data
from .launch_template import node_launch_template
from .pools import EKS_TAINT_EFFECTS, is_pool_nodegroup


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
    depends_on: list[pulumi.Resource] | None = None,
    efa_security_group_ids: list[pulumi.Input[str]] | None = None,
    placement_group: pulumi.Input[str] | None = None,
) -> aws.eks.NodeGroup:
    """``efa_security_group_ids``: an EFA pool's interfaces' security groups (the cluster's and the
    pool's EFA group); ``placement_group``: its cluster placement group, when it has one."""
    capacity_block = pool.capacity_type == "CAPACITY_BLOCK"
    efa = pool.facts.efa_interfaces
    lt = node_launch_template(
        launch_template_name, parent,
        image_volume_device=pool.image_volume_device,
        disk_size_gib=pool.disk_size_gib,
        tags=tags,
        capacity_reservation_id=pool.capacity_reservation_id,
        capacity_block_instance_type=pool.instance_type if capacity_block else None,
        network_interfaces=interface_layout(efa) if efa else (),
        security_group_ids=efa_security_group_ids or (),
        placement_group=placement_group,
        user_data=hugepages_user_data(pool.os, hugepages_sysctl(pool.facts.hugepages_mib)) if efa else None,
    )
    facts = pool.facts
    # pulumi.runtime.is_dry_run(): true for `pulumi preview` and the preview pass of `pulumi up`.
    previewing = pulumi.runtime.is_dry_run()
    desired: pulumi.Input[int] = pool.min_size if previewing else \
        live_desired_size(cluster_name, pool.node_group_name, pool.min_size, pool.max_size)
    taints = [aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=EKS_TAINT_EFFECTS[t.effect])
              for t in facts.taints]
    return aws.eks.NodeGroup(
        resource_name,
        cluster_name=cluster_name,
        # A prefix, not a name: replacements create the new group first (no outage of the pool).
        node_group_name_prefix=pool.node_group_name,
        node_role_arn=node_role_arn,
        subnet_ids=subnet_ids,
        ami_type=pool.ami_type,
        # A Capacity Block's instance type is in the launch template; EKS rejects it here too.
        # A Spot pool's alternatives follow its instance type: EKS launches Spot from any listed type with capacity.
        instance_types=None if capacity_block else list(pool.instance_types or (pool.instance_type,)),
        capacity_type=pool.capacity_type,
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
            min_size=pool.min_size, max_size=pool.max_size,
            desired_size=desired),
        labels=dict(facts.labels),
        taints=taints or None,
        launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=lt.id, version=lt.latest_version.apply(str)),
        update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        version=kubernetes_version,
        tags=node_group_tags if node_group_tags is not None else tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or [],
                                    ignore_changes=["scalingConfig.desiredSize"] if previewing else None),
    )


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def live_desired_size(cluster_name: pulumi.Input[str], node_group_prefix: str, min_size: int,
                      max_size: int) -> pulumi.Output[int]:
    """Only outside preview. The Cluster Autoscaler owns the node count. A new node group starts at
    min; an existing one (or the group a replacement takes over from) keeps its live desired size, clamped into [min, max], so raising minSize (or lowering maxSize)
    later is accepted by UpdateNodegroupConfig ("Minimum capacity N can't be greater than desired
    size M" is what ignoring desiredSize led to: terraform-aws-eks#3683, #944) and running nodes
    are not reset.

    Read through the provider, and only what exists: eks:ListClusters first (it never fails for a
    missing cluster; ListNodegroups and DescribeNodegroup answer ResourceNotFoundException for one,
    botocore's eks model), so the first `up` of an empty account, a rebuilt cluster and a node
    group deleted by hand all start at min. Pinned by tests/test_lifecycle.py and
    tests/test_lifecycle_every_stack.py."""
    def live(cluster: str) -> pulumi.Output[int] | int:
        def in_account(clusters: list[str]) -> pulumi.Output[int] | int:
            if cluster not in (clusters or []):
                return min_size
            names = aws.eks.get_node_groups_output(cluster_name=cluster).names
            return names.apply(pick)

        def pick(present: list[str]) -> pulumi.Output[int] | int:
            mine = sorted(n for n in (present or []) if is_pool_nodegroup(n, node_group_prefix))
            if not mine:
                return min_size
            found = aws.eks.get_node_group_output(cluster_name=cluster, node_group_name=mine[-1])
            return found.scaling_configs.apply(
                lambda c: clamp(int(c[0].desired_size), min_size, max_size) if c else min_size)
        return aws.eks.get_clusters_output().names.apply(in_account)
    return pulumi.Output.from_input(cluster_name).apply(live)
