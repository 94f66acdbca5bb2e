"""Cloud-specific settings of a stack: Azure's and Google Cloud's (AWS's are the platform's own keys).

No ``from __future__ import annotations``: Pulumi's analyzer needs the real annotations. Pulumi-free.
"""

from typing import TypedDict


class AzureSpec(TypedDict, total=False):
    """Azure settings of a stack with cloud: azure (the location is azure-native:location)."""

    resource_group_name: str
    """The resource group raystack creates for the cluster, its network and identities (default
    <clusterName>-rg)."""
    admin_group_object_ids: list[str]
    """Microsoft Entra group object IDs given cluster-admin (Azure Kubernetes Service RBAC Cluster Admin on the
    cluster), besides the identity running `pulumi up`."""
    viewer_group_object_ids: list[str]
    """Microsoft Entra group object IDs given read-only Kubernetes access (Azure Kubernetes Service RBAC
    Reader): the identity CI previews and drift checks run as."""


class GcpSpec(TypedDict, total=False):
    """Google Cloud settings of a stack with cloud: gcp (the project is gcp:project, the zone gcp:zone)."""
    release_channel: str
    """The GKE release channel the cluster follows: RAPID, REGULAR (default) or STABLE; kubernetesVersion is its
    minimum version (minMasterVersion)."""
    master_ipv4_cidr_block: str
    """The /28 the control plane's private endpoint takes (default 172.16.0.0/28); outside network.cidr."""
