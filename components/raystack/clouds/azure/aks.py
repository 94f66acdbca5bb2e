"""An AKS cluster with its resource group, VNet and access, from the resolved model (resource builder).

What a real ``pulumi up`` meets, and the answer here:
- The first preview of an empty subscription: nothing is read from Azure but the caller's identity
  (authorization.get_client_config); the kubeconfig is listed from the cluster only once it exists (its inputs
  are the cluster's outputs, unknown until created, so the preview does not call it).
- Azure RBAC for Kubernetes authorization: "New role assignments can take up to five minutes to propagate and be
  updated by the authorization server" (azure-aks-docs manage-azure-rbac.md). The Kubernetes side waits five
  minutes after the deployer's Cluster Admin assignment is created (pulumiverse_time.Sleep waits on create only),
  so the first `up` does not fail with 403 Forbidden.
- The autoscaler resizes the system pool: agentPoolProfiles[0].count is ignored after creation.
- The cluster's identity manages load balancers in the custom VNet's subnet: it gets Network Contributor there,
  as `az aks create --vnet-subnet-id` grants it (configure-azure-cni.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure
import pulumi_kubernetes as k8s
import pulumiverse_time as time

from ...model.platform import Platform
from . import requests

#: Azure built-in role definition IDs (learn.microsoft.com azure/role-based-access-control/built-in-roles).
ROLES = {
    "aks-rbac-cluster-admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "aks-rbac-reader": "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    # listClusterUserCredential: what `az aks get-credentials` (and a CI preview) needs to read the kubeconfig.
    "aks-cluster-user": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "network-contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "storage-blob-data-reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "storage-blob-data-contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
}
#: How long the Kubernetes side waits after the deployer's role assignment (manage-azure-rbac.md: up to 5 minutes).
RBAC_PROPAGATION = "5m"


def role_definition(subscription_id: pulumi.Input[str], role: str) -> pulumi.Output[str]:
    return pulumi.Output.concat("/subscriptions/", subscription_id,
                                "/providers/Microsoft.Authorization/roleDefinitions/", ROLES[role])


@dataclass
class AksOutputs:
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider
    resource_group_name: pulumi.Output[str]
    location: str
    oidc_issuer_url: pulumi.Output[str]
    subscription_id: pulumi.Output[str]
    cluster_id: pulumi.Output[str]
    subnet_id: pulumi.Output[str]
    #: The ManagedCluster: agent pools and extensions are made in it.
    managed_cluster: pulumi.Resource
    ready: list[pulumi.Resource] = field(default_factory=list)


def build_aks(parent: pulumi.Resource, name: str, platform: Platform, tags: dict[str, str]) -> AksOutputs:
    az = platform.cloud_plan
    assert az is not None and platform.system_pool is not None  # create mode on Azure
    opts = pulumi.ResourceOptions(parent=parent)
    client = azure.authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    rg = azure.resources.ResourceGroup(f"{name}-rg", resource_group_name=az.resource_group_name, location=az.location,
                                       tags=tags, opts=opts)
    vnet = azure.network.VirtualNetwork(f"{name}-vnet", resource_group_name=rg.name, location=az.location,
                                        virtual_network_name=f"{platform.cluster_name}-vnet",
                                        address_space={"address_prefixes": [az.vnet_cidr]}, tags=tags, opts=opts)
    # The subnet is its own resource: the VNet's subnets stay unset, and pulumi-azure-native keeps the ones that exist
    # on each update of the VNet (provider.go: sub-resource properties left unset are maintained).
    subnet = azure.network.Subnet(f"{name}-nodes", resource_group_name=rg.name, virtual_network_name=vnet.name,
                                  subnet_name="nodes", address_prefix=az.node_subnet_cidr, opts=opts)
    props = requests.managed_cluster(platform, az)
    system = {**requests.system_pool_profile(platform.system_pool, platform.kubernetes_version),
              "vnet_subnet_id": subnet.id}
    cluster = azure.containerservice.ManagedCluster(
        f"{name}-aks", resource_group_name=rg.name, resource_name_=platform.cluster_name, location=az.location,
        agent_pool_profiles=[system],  # type: ignore[list-item]  # a plain dict of ManagedClusterAgentPoolProfileArgs
        tags=tags, **props,
        opts=pulumi.ResourceOptions(parent=parent, protect=platform.protect,
                                    ignore_changes=["agentPoolProfiles[0].count"]))
    scope_opts = pulumi.ResourceOptions(parent=parent, depends_on=[cluster])
    principal = cluster.identity.apply(lambda i: i.principal_id if i else "")
    # The cluster's identity manages internal load balancers in the subnet (`az aks create` grants this itself).
    network = azure.authorization.RoleAssignment(
        f"{name}-aks-network", scope=subnet.id, principal_id=principal, principal_type="ServicePrincipal",
        role_definition_id=role_definition(client.subscription_id, "network-contributor"), opts=scope_opts)
    # Who creates the cluster administers it (AKS gives its creator no Kubernetes rights under Azure RBAC), as EKS's
    # bootstrapClusterCreatorAdminPermissions does: at creation only. Another runner's `up` must not move it: Azure
    # refuses to update an assignment's principal ("principal ID ... not allowed to be updated",
    # RoleAssignmentUpdateNotPermitted); CI runners get access through azure.adminGroupObjectIds.
    deployer = azure.authorization.RoleAssignment(
        f"{name}-deployer-admin", scope=cluster.id, principal_id=client.object_id,
        role_definition_id=role_definition(client.subscription_id, "aks-rbac-cluster-admin"),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[cluster], ignore_changes=["principalId"]))
    grants: list[pulumi.Resource] = [network, deployer]
    for i, group in enumerate(az.admin_group_object_ids):
        for role in ("aks-rbac-cluster-admin", "aks-cluster-user"):
            grants.append(azure.authorization.RoleAssignment(
                f"{name}-admin-{i}-{role}", scope=cluster.id, principal_id=group, principal_type="Group",
                role_definition_id=role_definition(client.subscription_id, role), opts=scope_opts))
    for i, group in enumerate(az.viewer_group_object_ids):
        for role in ("aks-rbac-reader", "aks-cluster-user"):
            grants.append(azure.authorization.RoleAssignment(
                f"{name}-viewer-{i}-{role}", scope=cluster.id, principal_id=group, principal_type="Group",
                role_definition_id=role_definition(client.subscription_id, role), opts=scope_opts))
    propagated = time.Sleep(f"{name}-rbac-propagation", create_duration=RBAC_PROPAGATION,
                            opts=pulumi.ResourceOptions(parent=parent, depends_on=[deployer]))
    # The user kubeconfig in exec format runs kubelogin (Microsoft Entra); its inputs are the cluster's outputs, so
    # it is listed only once the cluster exists.
    creds = azure.containerservice.list_managed_cluster_user_credentials_output(
        resource_group_name=rg.name, resource_name=cluster.name, format="exec",
        opts=pulumi.InvokeOutputOptions(parent=parent, depends_on=[cluster]))
    decoded: pulumi.Output[str] = creds.kubeconfigs.apply(lambda ks: _decode(ks[0].value))
    kubeconfig: pulumi.Output[str] = pulumi.Output.secret(decoded)
    provider = k8s.Provider(f"{name}-k8s", kubeconfig=kubeconfig, opts=pulumi.ResourceOptions(parent=parent))
    issuer = cluster.oidc_issuer_profile.apply(lambda p: (p.issuer_url or "") if p else "")
    return AksOutputs(cluster_name=cluster.name, kubeconfig=kubeconfig, provider=provider, resource_group_name=rg.name,
                      location=az.location, oidc_issuer_url=issuer, subscription_id=client.subscription_id,
                      cluster_id=cluster.id, subnet_id=subnet.id, managed_cluster=cluster,
                      ready=[cluster, *grants, propagated])


def _decode(value: str) -> str:
    import base64

    return base64.b64decode(value).decode()
