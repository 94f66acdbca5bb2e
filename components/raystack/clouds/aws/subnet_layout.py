"""Subnet layout for a new VPC. Pulumi-free."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class SubnetPlan:
    private: list[str]
    public: list[str]


def plan_subnets(cidr: str, az_count: int) -> SubnetPlan:
    """Split the VPC into eighths: one large private subnet per AZ (pods take
    VPC addresses with the VPC CNI), and small public subnets for NAT gateways
    and load balancers carved from the last eighth."""
    net = ipaddress.IPv4Network(cidr)
    eighths = list(net.subnets(prefixlen_diff=3))
    if not 1 <= az_count <= 4:
        raise ValueError(f"az_count must be 1..4, got {az_count}")
    private = [str(s) for s in eighths[:az_count]]
    public = [str(s) for s in list(eighths[-1].subnets(prefixlen_diff=2))[:az_count]]
    return SubnetPlan(private=private, public=public)


def choose_azs(names: list[str], offered: dict[str, list[str]], count: int) -> list[str]:
    """``count`` of the region's usable AZs (``names``, in the provider's order): those offering the most of
    the wanted instance types first (``offered``: type -> AZs offering it), ties in the provider's order.
    Raises ValueError naming the AZs when the region has fewer than ``count`` (aws-deploy-review 2, N14)."""
    if len(names) < count:
        raise ValueError(f"the region has {len(names)} usable availability zone(s) ({', '.join(names) or 'none'}) "
                         f"after excluding the zone IDs EKS refuses and opt-in zones; {count} wanted")
    score = {n: sum(n in azs for azs in offered.values()) for n in names}
    return sorted(names, key=lambda n: -score[n])[:count]
