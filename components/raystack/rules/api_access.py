"""Who can reach a created cluster's Kubernetes API: the endpoint-access keys every cloud shares
(endpointPublicAccess, publicAccessCidrs, apiIngressCidrs), checked once. Pulumi-free."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..model.findings import Finding
from .common import key


def cidr_entries(list_key: str, cidrs: list[str], findings: list[Finding], example: str,
                 v4: bool = True) -> list[tuple[int, str, ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    """(index, text, network) of each entry of a CIDR list that parses; one finding per entry that does not."""
    out: list[tuple[int, str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for i, c in enumerate(cidrs):
        try:
            out.append((i, c, ipaddress.IPv4Network(c) if v4 else ipaddress.ip_network(c)))
        except ValueError:
            findings.append(Finding(key(f"{list_key}[{i}]"), c,
                                    f"must be {'an IPv4' if v4 else 'a'} CIDR such as {example}"))
    return out


def check_public_access(spec: dict[str, Any], findings: list[Finding], warnings: list[Finding],
                        v4_only: bool = False) -> None:
    """publicAccessCidrs: required with a public endpoint, refused without one; the whole internet only in
    dev (the policy pack's mandatory api-endpoint-not-open, at the key: issue 25, one truth), and warned there.
    ``v4_only``: the cloud takes IPv4 ranges only (AKS authorizedIPRanges)."""
    cidrs = spec["public_access_cidrs"]
    if spec["endpoint_public_access"]:
        if not cidrs:
            findings.append(Finding(key("publicAccessCidrs"), cidrs,
                                    "endpointPublicAccess is true: list the CIDRs allowed to reach the API "
                                    "(write 0.0.0.0/0 explicitly to open it to the internet)"))
        for i, c, net in cidr_entries("publicAccessCidrs", cidrs, findings, "192.0.2.0/24", v4=v4_only):
            if net.prefixlen == 0 and spec["environment"] != "dev":
                findings.append(Finding(key(f"publicAccessCidrs[{i}]"), c,
                                        f"the Kubernetes API endpoint open to the whole internet is allowed only in "
                                        f"dev (environment is {spec['environment']!r}): list the CIDRs that deploy "
                                        "and operate the cluster, or use deployFrom for a deploy window"))
            elif net.prefixlen == 0:
                warnings.append(Finding(key(f"publicAccessCidrs[{i}]"), c,
                                        "the Kubernetes API endpoint is open to the whole internet (still "
                                        "authenticated): list the CIDRs you work from instead",
                                        severity="warning"))
    elif cidrs:
        findings.append(Finding(key("publicAccessCidrs"), cidrs, "only allowed with endpointPublicAccess: true"))


def check_private_reachable(spec: dict[str, Any], findings: list[Finding], unreachable: str) -> None:
    """apiIngressCidrs parse; a private endpoint with no network `pulumi up` could reach it from is refused
    (``unreachable``: the cloud's reason and way out), before anything is created."""
    ingress = spec["api_ingress_cidrs"]
    cidr_entries("apiIngressCidrs", ingress, findings, "10.60.0.0/16")
    if (not spec["endpoint_public_access"] and not ingress and not spec["public_access_cidrs"]
            and not spec.get("deploy_from")):
        findings.append(Finding(key("apiIngressCidrs"), [], unreachable))
