"""Network: a VPC with public and private subnets over several AZs and NAT (AWS)."""


from typing import TypedDict

import pulumi
from typing_extensions import NotRequired

from ..clouds.aws.network import build_network
from ..model import defaults
from ..spec.types import NatGateways, ReturnRouteSpec


class NetworkArgs(TypedDict):
    """Inputs of a Network."""

    cluster_name: pulumi.Input[str]
    """EKS cluster the subnets are tagged for (kubernetes.io/cluster/<name>)."""
    cidr: NotRequired[str]
    """VPC CIDR (default 10.0.0.0/16); split into one large private subnet per AZ and small public ones."""
    availability_zones: NotRequired[list[str]]
    """Explicit AZs; otherwise the first ``az_count`` available ones."""
    az_count: NotRequired[int]
    """Number of AZs when none are listed (default 2)."""
    nat_gateways: NotRequired[NatGateways]
    """single (default) or per_az (one NAT gateway per AZ, no cross-AZ dependency)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource."""
    instance_types: NotRequired[list[str]]
    """Instance types the cluster's pools use: discovered AZs that offer them all come first."""
    private_subnet_tags: NotRequired[dict[str, str]]
    """More tags on the private subnets (Karpenter's karpenter.sh/discovery: its EC2NodeClasses find them by it)."""
    return_routes: NotRequired[list[ReturnRouteSpec]]
    """Routes in every private route table back to networks peered or connected by VPN (the route tables
    are this component's: a route added by hand is removed by the next update)."""


class Network(pulumi.ComponentResource):
    """A VPC for an EKS cluster: public subnets (NAT, load balancers) and private subnets (nodes, pods)."""

    vpc_id: pulumi.Output[str]
    """The VPC's id."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Private subnet ids, one per AZ."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnet ids, one per AZ."""
    private_subnet_azs: pulumi.Output[list[str]]
    """The AZ of each private subnet, in the same order."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:Network", name, {}, opts)
        a = defaults.fill(NetworkArgs, args)
        out = build_network(self, name, cluster=a["cluster_name"], cidr=a["cidr"],
                            azs_given=a.get("availability_zones"),  # optional: else discovered
                            az_count=a["az_count"], nat_gateways=NatGateways(a["nat_gateways"]).value, tags=dict(a["tags"]),
                            instance_types=list(a.get("instance_types") or []),  # optional
                            return_routes=[dict(r) for r in a.get("return_routes") or []],  # optional
                            private_subnet_tags=dict(a.get("private_subnet_tags") or {}))  # optional
        self.vpc_id = out.vpc_id
        self.private_subnet_ids = out.private_subnet_ids
        self.public_subnet_ids = out.public_subnet_ids
        self.private_subnet_azs = out.private_subnet_azs
        self.register_outputs({
            "private_subnet_azs": self.private_subnet_azs,
            "vpc_id": self.vpc_id,
            "private_subnet_ids": self.private_subnet_ids,
            "public_subnet_ids": self.public_subnet_ids,
        })
