"""The hardened launch template every raystack node group uses (a resource builder).

IMDSv2 required with hop limit 1 (pods cannot reach the node role's
credentials), an encrypted gp3 volume for container images, no SSH key.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def node_launch_template(
    name: str,
    parent: pulumi.Resource,
    *,
    image_volume_device: str,
    disk_size_gib: int,
    tags: dict[str, str],
    efa_interfaces: int = 0,
    security_group_ids: pulumi.Input[list[pulumi.Input[str]]] | None = None,
    placement_group: pulumi.Input[str] | None = None,
    capacity_reservation_id: str | None = None,
    capacity_block: bool = False,
) -> aws.ec2.LaunchTemplate:
    network_interfaces = None
    if efa_interfaces:
        # With explicit interfaces EKS cannot add the cluster security group
        # itself, so it is passed here; EFA needs all traffic within that group.
        network_interfaces = [
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0 if i == 0 else 1,
                network_card_index=i,
                interface_type="efa" if i == 0 else "efa-only",
                security_groups=security_group_ids,
                delete_on_termination="true",
            )
            for i in range(efa_interfaces)
        ]
    market = None
    reservation = None
    if capacity_block:
        market = aws.ec2.LaunchTemplateInstanceMarketOptionsArgs(market_type="capacity-block")
    if capacity_reservation_id:
        reservation = aws.ec2.LaunchTemplateCapacityReservationSpecificationArgs(
            capacity_reservation_target=aws.ec2.LaunchTemplateCapacityReservationSpecificationCapacityReservationTargetArgs(
                capacity_reservation_id=capacity_reservation_id))
    return aws.ec2.LaunchTemplate(
        f"{name}-lt",
        description=f"raystack node template for {name}",
        update_default_version=True,
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
        network_interfaces=network_interfaces,
        placement=aws.ec2.LaunchTemplatePlacementArgs(group_name=placement_group) if placement_group else None,
        instance_market_options=market,
        capacity_reservation_specification=reservation,
        tag_specifications=[
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="instance", tags={**tags, "Name": name}),
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="volume", tags={**tags, "Name": name}),
        ],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
