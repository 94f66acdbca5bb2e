"""AKS rules: cluster, API access, network, system pool and agent pools (pure). Pulumi-free.

Each rule names where AKS or Azure says so: MicrosoftDocs/azure-aks-docs (articles/aks/...), and the AKS API
at ``versions.AKS_API_VERSION`` (the azure-mgmt-containerservice models the oracle test reads).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from ... import versions
from ...hardware import catalog
from ...hardware.accelerators import ACCELERATOR_KINDS, IMPLEMENTED_KINDS
from ...model.findings import Finding
from ...rules.api_access import check_private_reachable, check_public_access
from ...rules.common import key
from ...spec.coerce import to_camel
from ..rules_base import (
    GKE_ONLY_POOL,
    check_created_only,
    check_created_pool,
    check_created_system_pool,
    check_eks_network_unused,
    check_storage_identity,
)


@dataclass(frozen=True)
class AzurePlan:
    """What an AKS stack creates besides its pools (cloud: azure): where, its network, who administers it."""

    location: str
    resource_group_name: str
    vnet_cidr: str
    #: The nodes' subnet (the VNet's first half); pods take addresses from pod_cidr (Azure CNI Overlay).
    node_subnet_cidr: str
    pod_cidr: str
    service_cidr: str
    dns_service_ip: str
    admin_group_object_ids: tuple[str, ...]
    viewer_group_object_ids: tuple[str, ...]

#: AKS agent pool names: "Linux agent pool names must start with a lowercase letter and contain only lowercase
#: letters and numbers; up to 12 characters" (az aks nodepool add --name; articles/aks/create-node-pools.md).
AGENT_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
#: The node label prefix AKS keeps for itself; a pool's nodeLabels may not use it (use-labels.md, "Reserved
#: system labels").
RESERVED_LABEL_PREFIXES = ("kubernetes.azure.com/",)
#: AgentPool osDiskSizeGB: "between 0 and 2048" (the API model's validation); AKS's own minimum for a
#: managed OS disk of a Linux node is 30 GiB.
OS_DISK_GIB = (30, 2048)
#: "1,000 nodes per node pool" (best-practices-performance-scale-large.md).
MAX_POOL_NODES = 1000
#: Pod and service ranges raystack gives the cluster (Azure CNI Overlay): pods get addresses from a private
#: range outside the VNet, and the service range must overlap neither. AKS's own serviceCidr default,
#: 10.0.0.0/16, is also raystack's (and the Azure portal's) default VNet range, so raystack sets both.
POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "172.16.0.0/16"
DNS_SERVICE_IP = "172.16.0.10"
#: VM sizes AKS offers that raystack knows and does not create yet, and why.
REFUSED_SIZES = {
    "Standard_ND96isr_MI300X_v5": "AMD Instinct MI300X on AKS needs the AMD GPU Operator (driver and device plugin); "
                                  "whether the AKS node image carries the amdgpu driver is unverified, and "
                                  "raystack does not install that operator yet",
}
#: Keys of an EKS stack that mean nothing on AKS, and what to do instead.
EKS_ONLY = {
    "admin_role_arns": "IAM roles map to EKS access entries; on AKS list Entra groups under azure.adminGroupObjectIds",
    "viewer_role_arns": "IAM roles map to EKS access entries; on AKS list Entra groups under "
                        "azure.viewerGroupObjectIds",
    "deploy_from": "an AKS private cluster cannot be opened for one run (enablePrivateCluster is fixed at "
                   "creation); run `pulumi up` from a network that reaches the VNet, or use endpointPublicAccess "
                   "with publicAccessCidrs",
    "log_retention_days": "EKS control-plane logs; raystack creates no AKS diagnostic settings",
}
EKS_ONLY_POOL = {
    "spot_alternatives": "EC2 Spot alternatives; an AKS pool has one VM size",
    "efa": "EFA is EC2's; raystack creates no InfiniBand pools on AKS",
    "capacity_reservation_id": "EC2 reservations; raystack creates no AKS capacity reservation groups",
    "availability_zone": "EC2 reservations' zone",
    "subnet_ids": "EC2 subnets; AKS pools join the cluster's node subnet",
}
AZURE_OSES = ("azurelinux", "ubuntu")
#: Azure resource IDs of a storage account, or of one blob container in it.
STORAGE_SCOPE = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w.()]{1,90}/providers/"
                           r"Microsoft\.Storage/storageAccounts/[a-z0-9]{3,24}"
                           r"(/blobServices/default/containers/[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})?$")
#: Entra object IDs are GUIDs.
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def check_create_mode(spec: dict[str, Any], given: dict[str, Any], findings: list[Finding],
                      warnings: list[Finding], region: str | None = None) -> None:
    """``spec``: the defaulted PlatformSpec; ``given``: what the user wrote."""
    ver = spec["kubernetes_version"]
    if ver not in versions.AKS_SUPPORTED_VERSIONS:
        findings.append(Finding(key("kubernetesVersion"), ver,
                                f"allowed on AKS: {', '.join(versions.AKS_SUPPORTED_VERSIONS)}"))
    if not region:
        findings.append(Finding(key("cloud"), "azure", "needs the stack's Azure location: pulumi config set "
                                                       "azure-native:location <location> (e.g. eastus)"))
    for field, why in EKS_ONLY.items():
        if field in given:
            findings.append(Finding(key(to_camel(field)), given[field], f"not on AKS (cloud: azure): {why}"))
    check_public_access(spec, findings, warnings, v4_only=True)
    # A private AKS cluster's API answers on a private endpoint in the cluster's VNet (private-clusters.md):
    # a runner that does not route into the VNet times out on every Kubernetes resource after Azure built the
    # cluster. apiIngressCidrs names the networks `pulumi up` runs from (the VNet, or one peered or connected
    # to it); raystack cannot see routes from here, so an empty list is refused.
    check_private_reachable(spec, findings, "the cluster would be private (endpointPublicAccess false: AKS "
                            "private cluster) and nothing where `pulumi up` runs could reach it: list the networks it "
                            "runs from under apiIngressCidrs (the VNet's range for a runner inside it, or a network "
                            "peered or connected by VPN to it), or set endpointPublicAccess with publicAccessCidrs "
                            "(AKS authorized IP ranges) limited to the runner's addresses")
    check_network(spec["network"], given.get("network") or {}, findings)
    az = spec["azure"]
    for list_key in ("admin_group_object_ids", "viewer_group_object_ids"):
        for i, oid in enumerate(az[list_key]):
            if not GUID.match(oid):
                findings.append(Finding(key(f"azure.{to_camel(list_key)}[{i}]"), oid,
                                        "an Entra group object ID (a GUID such as 00000000-0000-0000-0000-000000000000)"))
    name = az.get("resource_group_name")
    if name is not None and not re.fullmatch(r"[-\w.()]{1,89}[-\w()]", name):
        findings.append(Finding(key("azure.resourceGroupName"), name,
                                "1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'"))
    check_created_only(given, findings, "AKS", "an Azure Managed Redis")
    kuberay = given.get("kuberay") or {}
    if kuberay.get("operator") == "managed":
        if kuberay.get("install") is False:
            # install: false says a KubeRay operator already runs; AKS's extension would be a second one, and it
            # must not be installed over a self-managed KubeRay (kuberay-overview: uninstall it first).
            findings.append(Finding(key("kuberay.install"), False,
                                    "says a KubeRay operator already runs: kuberay.operator managed would add AKS's "
                                    "as a second one; keep one of them"))
    check_created_system_pool(spec["system_pool"], "azure", findings, check_disk)


def check_network(net: dict[str, Any], given: dict[str, Any], findings: list[Finding]) -> None:
    check_eks_network_unused(given, findings, "on AKS raystack creates a VNet from network.cidr")
    try:
        vnet = ipaddress.IPv4Network(net["cidr"])
    except ValueError:
        findings.append(Finding(key("network.cidr"), net["cidr"], "must be an IPv4 CIDR such as 10.0.0.0/16"))
        return
    if not 8 <= vnet.prefixlen <= 24:
        findings.append(Finding(key("network.cidr"), net["cidr"], "a VNet range from /8 to /24 (the node subnet "
                                                                  "takes its first half)"))
    for label, other in (("pod", POD_CIDR), ("service", SERVICE_CIDR)):
        if vnet.overlaps(ipaddress.IPv4Network(other)):
            findings.append(Finding(key("network.cidr"), net["cidr"],
                                    f"overlaps the cluster's {label} range {other} (Azure CNI Overlay): AKS refuses "
                                    "overlapping ranges; choose a VNet range outside 10.244.0.0/16 and 172.16.0.0/16"))


def creatable_types(accelerator: bool) -> list[str]:
    if not accelerator:
        return catalog.cpu_types("azure")
    return [n for n in catalog.accelerator_types("azure") if catalog.lookup(n).accelerator_kind in IMPLEMENTED_KINDS]


def check_node_pool(base: str, p: dict[str, Any], cluster_name: str | None, findings: list[Finding],
                    accelerator_required: bool = True) -> None:
    """``p``: a defaulted NodePoolSpec (AKS); ``base``: its key path."""
    if not AGENT_POOL_NAME.match(p["name"]):
        findings.append(Finding(f"{base}.name", p["name"], "an AKS agent pool name: a lowercase letter, then lowercase "
                                                           "letters or digits, at most 12 characters"))
    check_created_pool(base, p, findings, "AKS (cloud: azure)", {**EKS_ONLY_POOL, **GKE_ONLY_POOL}, AZURE_OSES,
                       RESERVED_LABEL_PREFIXES,
                       "AKS reserves the kubernetes.azure.com/ prefix and refuses it in nodeLabels")
    price = p.get("spot_max_price")
    if price is not None and p["capacity_type"] != "SPOT":
        findings.append(Finding(f"{base}.spotMaxPrice", price, "only with capacityType: SPOT"))
    elif price is not None and not (price == -1 or price > 0):
        findings.append(Finding(f"{base}.spotMaxPrice", price, "-1 (up to the on-demand price) or a price above 0 "
                                                                "in USD an hour (AKS spot-node-pool.md)"))
    check_disk(f"{base}.diskSizeGib", p["disk_size_gib"], findings)
    if not 0 <= p["min_size"] <= p["max_size"] <= MAX_POOL_NODES:
        findings.append(Finding(f"{base}.maxSize", p["max_size"],
                                f"allowed: minSize ({p['min_size']}) to {MAX_POOL_NODES} nodes, at least minSize"))
    size = p["instance_type"]
    if size in REFUSED_SIZES:
        findings.append(Finding(f"{base}.instanceType", size, f"not created by raystack yet: {REFUSED_SIZES[size]}"))
        return
    it = catalog.load_catalog("azure").get(size)  # a type of this cloud's catalog, or None
    if it is None:
        findings.append(Finding(f"{base}.instanceType", size, "not an AKS VM size in raystack's catalog; "
                                + catalog.describe_allowed(creatable_types(accelerator_required), size)))
        return
    if accelerator_required and not it.has_accelerator:
        findings.append(Finding(f"{base}.instanceType", size, "a CPU size in gpuPools: declare it under nodePools; "
                                + catalog.describe_allowed(creatable_types(True))))
    elif it.has_accelerator and ACCELERATOR_KINDS[it.accelerator_kind].kind not in IMPLEMENTED_KINDS:
        findings.append(Finding(f"{base}.instanceType", size, f"{it.accelerator_kind} pools are not created yet"))


def check_disk(at: str, gib: int, findings: list[Finding]) -> None:
    if not OS_DISK_GIB[0] <= gib <= OS_DISK_GIB[1]:
        findings.append(Finding(at, gib, f"an AKS OS disk of {OS_DISK_GIB[0]} to {OS_DISK_GIB[1]} GiB"))


def check_pod_identity(at: str, sa: dict[str, Any], region: str | None, findings: list[Finding]) -> None:
    """``sa``: a defaulted ServiceAccountSpec with podIdentity (``at``: its key path): Azure scopes only."""
    check_storage_identity(at, sa, findings, "AKS (cloud: azure)", STORAGE_SCOPE,
                           "the resource ID of a storage account or blob container: /subscriptions/<id>/resourceGroups/"
                           "<group>/providers/Microsoft.Storage/storageAccounts/<account>[/blobServices/default/"
                           "containers/<container>]", "azure.workload.identity/client-id")


def azure_plan(spec: dict[str, Any], region: str) -> AzurePlan:
    """The resolved AzurePlan of a checked spec."""
    vnet = ipaddress.IPv4Network(spec["network"]["cidr"])
    az = spec["azure"]
    return AzurePlan(
        location=region, resource_group_name=az.get("resource_group_name") or f"{spec['cluster_name']}-rg",
        vnet_cidr=str(vnet), node_subnet_cidr=str(next(vnet.subnets(prefixlen_diff=1))), pod_cidr=POD_CIDR,
        service_cidr=SERVICE_CIDR, dns_service_ip=DNS_SERVICE_IP,
        admin_group_object_ids=tuple(az["admin_group_object_ids"]),
        viewer_group_object_ids=tuple(az["viewer_group_object_ids"]))
