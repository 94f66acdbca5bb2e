"""A Ray cluster's Azure identity through Microsoft Entra Workload ID (resource builder).

One user-assigned managed identity per Ray cluster, a federated credential for each of its service accounts
(the workers' and the head's: issuer the cluster's OIDC issuer, subject system:serviceaccount:<ns>:<account>,
audience api://AzureADTokenExchange, as workload-identity-deploy-cluster.md sets them), and a Storage Blob Data
role on each scope it names. The accounts carry the identity's client ID (azure.workload.identity/client-id),
and the pods the webhook's label (model.ray_clusters). The Ray objects wait for all of it: a token exchanged
before the federated credential exists is refused.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native as azure

from ...model.platform import IdentityPlan
from .aks import role_definition

AUDIENCE = "api://AzureADTokenExchange"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"


class WorkloadIdentityBuilder:
    """``clouds.base.IdentityBuilder`` for an AKS cluster."""

    def __init__(self, resource_group_name: pulumi.Input[str], location: pulumi.Input[str],
                 oidc_issuer_url: pulumi.Input[str], subscription_id: pulumi.Input[str]):
        self.resource_group_name = resource_group_name
        self.location = location
        self.oidc_issuer_url = oidc_issuer_url
        self.subscription_id = subscription_id

    def __call__(self, parent: pulumi.Resource, name: str, identity: IdentityPlan, namespace: str,
                 tags: dict[str, str]) -> tuple[list[pulumi.Resource], dict[str, Any]]:
        opts = pulumi.ResourceOptions(parent=parent)
        uai = azure.managedidentity.UserAssignedIdentity(
            name, resource_group_name=self.resource_group_name, location=self.location, tags=tags, opts=opts)
        made: list[pulumi.Resource] = [uai]
        for suffix, account in (("workers", identity.service_account), ("head", identity.head_service_account)):
            # Federated credentials on one identity are created one at a time: concurrent writes are refused
            # ("Too many Federated Identity Credentials are written concurrently", workload-identity-overview.md).
            made.append(azure.managedidentity.FederatedIdentityCredential(
                f"{name}-{suffix}", resource_group_name=self.resource_group_name, resource_name_=uai.name,
                federated_identity_credential_resource_name=f"{namespace}-{account}"[:120],
                issuer=self.oidc_issuer_url, subject=f"system:serviceaccount:{namespace}:{account}",
                audiences=[AUDIENCE], opts=pulumi.ResourceOptions(parent=parent, depends_on=made[:])))
        for field, role in (("storage_read", "storage-blob-data-reader"),
                            ("storage_read_write", "storage-blob-data-contributor")):
            for i, scope in enumerate(getattr(identity, field)):
                # principalType ServicePrincipal: a new identity may not have replicated yet, and Azure then
                # resolves the principal without looking it up (role-assignments-template.md, "New service principal").
                made.append(azure.authorization.RoleAssignment(
                    f"{name}-{field.replace('_', '-')}-{i}", scope=scope, principal_id=uai.principal_id,
                    principal_type="ServicePrincipal", role_definition_id=role_definition(self.subscription_id, role),
                    opts=opts))
        return made, {CLIENT_ID_ANNOTATION: uai.client_id}
