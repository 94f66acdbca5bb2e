"""The VPC raystack creates for a cluster: public and private subnets over several AZs, NAT, routes."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ...model.findings import ConfigError, Finding
from .rules import REFUSED_ZONE_IDS
from .subnet_layout import choose_azs, plan_subnets


@dataclass
class NetworkOutputs:
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    #: The AZ of each private subnet, in the same order.
    private_subnet_azs: pulumi.Output[list[str]]


def build_network(parent: pulumi.Resource, name: str, *, cluster: pulumi.Input[str], cidr: str,
                  azs_given: list[str] | None, az_count: int, nat_gateways: str,
                  tags: dict[str, str], instance_types: list[str] | None = None,
                  return_routes: list[dict[str, str]] | None = None,
                  private_subnet_tags: dict[str, str] | None = None) -> NetworkOutputs:
    count = len(azs_given) if azs_given else az_count
    plan = plan_subnets(cidr, count)
    child = pulumi.ResourceOptions(parent=parent)

    if azs_given:
        azs = list(azs_given)
    else:
        # Read before anything is registered (synchronous invokes: the region's AZs and offerings exist on an
        # empty account), so too few AZs is one finding and nothing half-created. EKS refuses control-plane
        # subnets in some zone IDs, and Local/Wavelength zones the account opted into are "available" too:
        # only standard AZs outside the refused IDs.
        available = aws.get_availability_zones(
            state="available", exclude_zone_ids=sorted(REFUSED_ZONE_IDS),
            filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
            opts=pulumi.InvokeOptions(parent=parent))
        # Prefer AZs where the pools' instance types are offered (GPU types are in a few AZs only).
        offered = {it: list(aws.ec2.get_instance_type_offerings(
            location_type="availability-zone",
            filters=[aws.ec2.GetInstanceTypeOfferingsFilterArgs(name="instance-type", values=[it])],
            opts=pulumi.InvokeOptions(parent=parent)).locations) for it in sorted(set(instance_types or []))}
        try:
            azs = choose_azs(list(available.names), offered, count)
        except ValueError as e:
            raise ConfigError([Finding("raystack:network.azCount", count,
                                       f"{e}: lower network.azCount or name network.availabilityZones")]) from None

    vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True,
                      tags={**tags, "Name": f"{name}-vpc"}, opts=child)
    igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-igw"}, opts=child)
    public_rt = aws.ec2.RouteTable(
        f"{name}-public", vpc_id=vpc.id,
        routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
        tags={**tags, "Name": f"{name}-public"}, opts=child)

    def cluster_tag(role: str, extra: dict[str, str] | None = None) -> pulumi.Output[dict[str, str]]:
        return pulumi.Output.from_input(cluster).apply(
            lambda c: {**tags, f"kubernetes.io/cluster/{c}": "shared", role: "1", **(extra or {})})

    # An existing subnet never moves: availabilityZone is ForceNew (terraform-provider-aws vpc_subnet.go) and a
    # create-before-delete replacement with the same CIDR fails with InvalidSubnet.Conflict. The AZ choice above
    # is made once, on create; later runs keep it whatever AWS now offers or whichever pools were added
    # (aws-deploy-review 2, N2; tests/test_lifecycle.py). The real AZ is read back from the subnets' outputs.
    keep_az = pulumi.ResourceOptions(parent=parent, ignore_changes=["availabilityZone"])
    public_subnets, private_subnets, nats, routed, private_tables = [], [], [], [], []
    for i in range(count):
        pub = aws.ec2.Subnet(f"{name}-public-{i}", vpc_id=vpc.id, cidr_block=plan.public[i],
                             availability_zone=azs[i], map_public_ip_on_launch=False,
                             tags=cluster_tag("kubernetes.io/role/elb"), opts=keep_az)
        aws.ec2.RouteTableAssociation(f"{name}-public-{i}", subnet_id=pub.id, route_table_id=public_rt.id,
                                      opts=child)
        public_subnets.append(pub)
        if i == 0 or nat_gateways == "per_az":
            eip = aws.ec2.Eip(f"{name}-nat-{i}", domain="vpc", tags={**tags, "Name": f"{name}-nat-{i}"},
                              opts=child)
            nats.append(aws.ec2.NatGateway(f"{name}-nat-{i}", subnet_id=pub.id, allocation_id=eip.id,
                                           tags={**tags, "Name": f"{name}-nat-{i}"},
                                           opts=pulumi.ResourceOptions(parent=parent, depends_on=[igw])))
    for i in range(count):
        nat = nats[i] if i < len(nats) else nats[0]
        priv = aws.ec2.Subnet(f"{name}-private-{i}", vpc_id=vpc.id, cidr_block=plan.private[i],
                              availability_zone=azs[i], tags=cluster_tag("kubernetes.io/role/internal-elb", private_subnet_tags),
                              opts=keep_az)
        # Inline routes: the table is authoritative (terraform-provider-aws route_table.go updates `route` as
        # a set), so a peered or VPN network's way back is listed here (network.returnRoutes), never added
        # by hand. A virtual private gateway is a route table route's gateway_id.
        back = [aws.ec2.RouteTableRouteArgs(cidr_block=r["cidr"], transit_gateway_id=r.get("transit_gateway_id"),
                                            vpc_peering_connection_id=r.get("vpc_peering_connection_id"),
                                            gateway_id=r.get("vpn_gateway_id"))
                for r in return_routes or []]
        rt = aws.ec2.RouteTable(
            f"{name}-private-{i}", vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id), *back],
            tags={**tags, "Name": f"{name}-private-{i}"}, opts=child)
        private_tables.append(rt)
        routed.append(aws.ec2.RouteTableAssociation(f"{name}-private-{i}", subnet_id=priv.id, route_table_id=rt.id,
                                                    opts=child))
        private_subnets.append(priv)

    # S3 through a gateway endpoint, not the NAT: training data and ECR's image layers (ECR serves them from S3)
    # skip the NAT gateway's per-GB processing charge; gateway endpoints cost nothing (VPC user guide, gateway
    # endpoints). Its prefix-list routes are the endpoint's: the inline route tables leave them be
    # (terraform-provider-aws ec2/vpc_route_table.go flattenRoutes skips vpce- routes). The service name is the
    # region's endpoint service (a region fact, read before anything is registered), not a hand-written name.
    s3 = aws.ec2.get_vpc_endpoint_service(service="s3", service_type="Gateway", opts=pulumi.InvokeOptions(parent=parent))
    aws.ec2.VpcEndpoint(f"{name}-s3", vpc_id=vpc.id, service_name=s3.service_name, vpc_endpoint_type="Gateway",
                        route_table_ids=[t.id for t in private_tables], tags={**tags, "Name": f"{name}-s3"},
                        opts=child)

    return NetworkOutputs(
        vpc_id=vpc.id,
        # Resolved once every private subnet is routed (NAT, return routes): what uses them (the cluster, whose
        # control-plane ENIs answer a peered runner; node groups, which pull images through the NAT) waits.
        private_subnet_ids=pulumi.Output.all(*[s.id for s in private_subnets], *[a.id for a in routed]).apply(
            lambda ids: list(ids[:count])),
        public_subnet_ids=pulumi.Output.all(*[s.id for s in public_subnets]),
        private_subnet_azs=pulumi.Output.all(*[s.availability_zone for s in private_subnets]),
    )
