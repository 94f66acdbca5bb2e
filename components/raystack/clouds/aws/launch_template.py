"""The hardened launch template every raystack node group uses (a resource builder).

IMDSv2 required with hop limit 1 (pods cannot reach the node role's
credentials), an encrypted gp3 volume for container images, no SSH key;
Capacity Block and ODCR targeting; for EFA pools, one EFA per network card, the placement group and
the huge pages.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from ...hardware.efa import NetworkInterface


def node_launch_template(
    name: str,
    parent: pulumi.Resource,
    *,
    image_volume_device: str,
    disk_size_gib: int,
    tags: dict[str, str],
    capacity_reservation_id: str | None = None,
    capacity_block_instance_type: str | None = None,
    network_interfaces: Sequence[NetworkInterface] = (),
    security_group_ids: Sequence[pulumi.Input[str]] = (),
    placement_group: pulumi.Input[str] | None = None,
    user_data: str | None = None,
) -> aws.ec2.LaunchTemplate:
    """With a Capacity Block the instance type belongs here, not on the node group (EKS user guide,
    capacity-blocks-mng: "InstanceType set to an instance type that supports Capacity Blocks")."""
    market = None
    reservation = None
    if capacity_block_instance_type:
        market = aws.ec2.LaunchTemplateInstanceMarketOptionsArgs(market_type="capacity-block")
    if capacity_reservation_id:
        reservation = aws.ec2.LaunchTemplateCapacityReservationSpecificationArgs(
            capacity_reservation_target=aws.ec2.LaunchTemplateCapacityReservationSpecificationCapacityReservationTargetArgs(
                capacity_reservation_id=capacity_reservation_id))
    # Interfaces given here carry the node's security groups (the launch template then names none at
    # top level: EC2 rejects both) and no subnet: EKS puts each node in one of the node group's subnets
    # (terraform-aws-eks v21.19.0 eks-managed-node-group: vpc_security_group_ids empty with interfaces).
    interfaces = [aws.ec2.LaunchTemplateNetworkInterfaceArgs(
        network_card_index=i.network_card_index, device_index=i.device_index, interface_type=i.interface_type,
        security_groups=list(security_group_ids), delete_on_termination="true",
        associate_public_ip_address="false") for i in network_interfaces] or None
    return aws.ec2.LaunchTemplate(
        f"{name}-lt",
        description=f"raystack node template for {name}",
        update_default_version=True,
        instance_type=capacity_block_instance_type,
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled",
            http_tokens="required",
            http_put_response_hop_limit=1,
            instance_metadata_tags="disabled",
        ),
        block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
            device_name=image_volume_device,
            ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                volume_size=disk_size_gib,
                volume_type="gp3",
                encrypted="true",
                delete_on_termination="true",
            ),
        )],
        instance_market_options=market,
        capacity_reservation_specification=reservation,
        network_interfaces=interfaces,
        placement=aws.ec2.LaunchTemplatePlacementArgs(group_name=placement_group) if placement_group else None,
        user_data=base64.b64encode(user_data.encode()).decode() if user_data else None,
        tag_specifications=[
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="instance", tags={**tags, "Name": name}),
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="volume", tags={**tags, "Name": name}),
        ],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
