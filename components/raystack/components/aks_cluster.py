"""AksCluster: an AKS cluster ready for Ray, with its resource group, VNet and access.

The resource group, a VNet with the nodes' subnet, the ManagedCluster (Microsoft Entra ID with Azure RBAC and no
local accounts, a private API or authorized IP ranges, Azure CNI Overlay with Cilium network policy, the OIDC
issuer and Workload ID, AKS's cluster autoscaler, an inline System pool), role assignments (the deployer and the
admin and viewer groups on the cluster, the cluster's identity on the subnet), and a Kubernetes provider from the
user kubeconfig (kubelogin).
"""


from typing import TypedDict

import pulumi
from typing_extensions import NotRequired

from ..clouds.azure.aks import build_aks
from ..model.platform import Platform
from ..model.resolve import resolve
from ..spec.types import AzureSpec, NetworkSpec, SystemPoolSpec


class AksClusterArgs(TypedDict):
    """Inputs of an AksCluster."""

    cluster_name: str
    """AKS cluster name: a DNS-1123 label of at most 40 characters."""
    location: str
    """Azure location, e.g. eastus."""
    kubernetes_version: NotRequired[str]
    """Kubernetes minor (default and allowed values in raystack.versions)."""
    endpoint_public_access: NotRequired[bool]
    """A public API endpoint limited to public_access_cidrs (default false: a private cluster)."""
    public_access_cidrs: NotRequired[list[str]]
    """AKS authorized IP ranges of a public endpoint."""
    api_ingress_cidrs: NotRequired[list[str]]
    """A private cluster: the networks `pulumi up` runs from, which route into the VNet (required there)."""
    network: NotRequired[NetworkSpec]
    """The VNet: its cidr (default 10.0.0.0/16)."""
    system_pool: NotRequired[SystemPoolSpec]
    """The System pool (defaults: Standard_D8s_v5, 2..3 nodes, 100 GiB)."""
    azure: NotRequired[AzureSpec]
    """Resource group name, admin and viewer Entra groups."""
    protect: NotRequired[bool]
    """Protect the cluster from deletion (default false)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every Azure resource."""


class AksCluster(pulumi.ComponentResource):
    """An AKS cluster ready for Ray."""

    cluster_name: pulumi.Output[str]
    """The cluster's name."""
    kubeconfig: pulumi.Output[str]
    """The user kubeconfig (secret); it runs kubelogin, so set AAD_LOGIN_METHOD (azurecli, workloadidentity...)."""
    resource_group_name: pulumi.Output[str]
    """The resource group of the cluster, its VNet and identities."""
    oidc_issuer_url: pulumi.Output[str]
    """The cluster's OIDC issuer (federated credentials of Workload ID name it)."""

    def __init__(self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        raw = {k: v for k, v in args.items() if k not in ("location", "tags")}
        platform = resolve({"cloud": "azure", **raw}, camel=False, region=args["location"])  # raises before registering
        super().__init__("raystack:index:AksCluster", name, {}, opts)
        self._finish(name, platform, dict(args.get("tags") or {}))

    @classmethod
    def _from_model(cls, name: str, platform: Platform, tags: dict[str, str],
                    opts: pulumi.ResourceOptions) -> "AksCluster":
        """From the resolved model (RayPlatform): nothing is validated again."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:AksCluster", name, {}, opts)
        self._finish(name, platform, tags)
        return self

    def _finish(self, name: str, platform: Platform, tags: dict[str, str]) -> None:
        out = build_aks(self, name, platform, tags)
        self.outputs = out
        self.cluster_name = out.cluster_name
        self.kubeconfig = out.kubeconfig
        self.resource_group_name = out.resource_group_name
        self.oidc_issuer_url = out.oidc_issuer_url
        self.provider = out.provider
        #: What in-cluster resources wait for (the cluster, its role assignments, their propagation).
        self.ready_for_workloads: list[pulumi.Resource] = out.ready
        self.register_outputs({"cluster_name": self.cluster_name, "kubeconfig": self.kubeconfig,
                               "resource_group_name": self.resource_group_name,
                               "oidc_issuer_url": self.oidc_issuer_url})
