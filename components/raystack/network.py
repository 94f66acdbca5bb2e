"""Network: a VPC with public and private subnets over several AZs and NAT."""


from typing import TypedDict

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired

from .netplan import plan_subnets


class NetworkArgs(TypedDict):
    cluster_name: pulumi.Input[str]
    """EKS cluster the subnets are tagged for."""
    cidr: NotRequired[str]
    availability_zones: NotRequired[list[str]]
    az_count: NotRequired[int]
    nat_gateways: NotRequired[str]
    """single (default) or per_az (one NAT gateway per AZ, no cross-AZ dependency)."""
    tags: NotRequired[dict[str, str]]


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:Network", name, {}, opts)
        cidr = args.get("cidr", "10.0.0.0/16")
        azs_given = args.get("availability_zones")
        count = len(azs_given) if azs_given else args.get("az_count", 2)
        plan = plan_subnets(cidr, count)
        tags = dict(args.get("tags", {}))
        cluster = args["cluster_name"]
        child = pulumi.ResourceOptions(parent=self)

        if azs_given:
            azs: list[pulumi.Input[str]] = list(azs_given)
        else:
            available = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOptions(parent=self))
            azs = [available.names.apply(lambda n, i=i: n[i]) for i in range(count)]

        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True,
                          tags={**tags, "Name": f"{name}-vpc"}, opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-igw"}, opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            tags={**tags, "Name": f"{name}-public"}, opts=child)

        def cluster_tag(role: str) -> pulumi.Output[dict[str, str]]:
            return pulumi.Output.from_input(cluster).apply(
                lambda c: {**tags, f"kubernetes.io/cluster/{c}": "shared", role: "1"})

        public_subnets, private_subnets, nats = [], [], []
        for i in range(count):
            pub = aws.ec2.Subnet(f"{name}-public-{i}", vpc_id=vpc.id, cidr_block=plan.public[i],
                                 availability_zone=azs[i], map_public_ip_on_launch=False,
                                 tags=cluster_tag("kubernetes.io/role/elb"), opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-public-{i}", subnet_id=pub.id, route_table_id=public_rt.id,
                                          opts=child)
            public_subnets.append(pub)
            if i == 0 or args.get("nat_gateways", "single") == "per_az":
                eip = aws.ec2.Eip(f"{name}-nat-{i}", domain="vpc", tags={**tags, "Name": f"{name}-nat-{i}"},
                                  opts=child)
                nats.append(aws.ec2.NatGateway(f"{name}-nat-{i}", subnet_id=pub.id, allocation_id=eip.id,
                                               tags={**tags, "Name": f"{name}-nat-{i}"},
                                               opts=pulumi.ResourceOptions(parent=self, depends_on=[igw])))
        for i in range(count):
            nat = nats[i] if i < len(nats) else nats[0]
            priv = aws.ec2.Subnet(f"{name}-private-{i}", vpc_id=vpc.id, cidr_block=plan.private[i],
                                  availability_zone=azs[i], tags=cluster_tag("kubernetes.io/role/internal-elb"),
                                  opts=child)
            rt = aws.ec2.RouteTable(
                f"{name}-private-{i}", vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
                tags={**tags, "Name": f"{name}-private-{i}"}, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-private-{i}", subnet_id=priv.id, route_table_id=rt.id,
                                          opts=child)
            private_subnets.append(priv)

        self.vpc_id = vpc.id
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "private_subnet_ids": self.private_subnet_ids,
            "public_subnet_ids": self.public_subnet_ids,
        })
