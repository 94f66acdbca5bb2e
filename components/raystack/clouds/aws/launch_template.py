"""The hardened launch template every raystack node group uses (a resource builder).

IMDSv2 required with hop limit 1 (pods cannot reach the node role's
credentials), an encrypted gp3 volume for container images, no SSH key;
Capacity Block and ODCR targeting.
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
    capacity_reservation_id: str | None = None,
    capacity_block_instance_type: str | None = None,
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
        tag_specifications=[
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="instance", tags={**tags, "Name": name}),
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="volume", tags={**tags, "Name": name}),
        ],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
