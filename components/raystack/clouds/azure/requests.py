"""The AKS request bodies raystack sends, from the resolved model (pure). Pulumi-free.

pulumi-azure-native's ManagedCluster and AgentPool take these as keyword arguments (Python spelling); the
provider puts them under ``properties`` of the PUT at ``versions.AKS_API_VERSION``. tests/test_azure_oracle.py
checks every request the stacks register against azure-mgmt-containerservice's model of that API version.
Sources: MicrosoftDocs/azure-aks-docs articles/aks (named per field) and ../shared/notes/clouds-and-e2e.md A1.
"""

from __future__ import annotations

from typing import Any

from ...hardware.accelerators import ACCELERATOR_KINDS
from ...hardware.allocatable import AKS_MAX_PODS
from ...kube.values import SCALE_DOWN_DELAY_AFTER_ADD, SCALE_DOWN_UNNEEDED_TIME
from ...model.platform import NodePool, Platform
from .pools import SPOT_TAINT
from .rules import AzurePlan

#: AKS's own cluster autoscaler, per cluster (cluster-autoscaler.md "cluster autoscaler profile"): the same
#: scale-down timing as raystack's EKS autoscaler, and least-waste among the pools that fit a pending pod.
#: skip-nodes-with-local-storage false: Ray pods mount emptyDirs (/dev/shm, /tmp/ray); without it a node that
#: ran one is never removed.
AUTOSCALER_PROFILE = {
    "expander": "least-waste",
    "scale_down_unneeded_time": SCALE_DOWN_UNNEEDED_TIME,
    "scale_down_delay_after_add": SCALE_DOWN_DELAY_AFTER_ADD,
    "skip_nodes_with_local_storage": "false",
    "balance_similar_node_groups": "true",
}


def _pool_common(pool: NodePool, kubernetes_version: str) -> dict[str, Any]:
    """What the system pool and every agent pool share: autoscaled VM scale sets of one size in the cluster's
    node subnet, with raystack's labels and AKS's node OS."""
    return {
        "vm_size": pool.instance_type,
        "count": pool.min_size,  # the first size only: the autoscaler owns it after (ignore_changes)
        "enable_auto_scaling": True,
        "min_count": pool.min_size,
        "max_count": pool.max_size,
        "os_type": "Linux",
        "os_sku": pool.ami_type,
        "os_disk_size_gb": pool.disk_size_gib,
        "max_pods": AKS_MAX_PODS,
        "type": "VirtualMachineScaleSets",
        "orchestrator_version": kubernetes_version,
        "node_labels": dict(pool.facts.labels),
    }


def system_pool_profile(pool: NodePool, kubernetes_version: str) -> dict[str, Any]:
    """The cluster's inline System pool (agentPoolProfiles[0]): AKS requires one at creation."""
    return {"name": pool.name, "mode": "System", **_pool_common(pool, kubernetes_version)}


def agent_pool(pool: NodePool, kubernetes_version: str) -> dict[str, Any]:
    """A User agent pool (its own AgentPool resource, so a pool is replaced without touching the cluster)."""
    body: dict[str, Any] = {"mode": "User", **_pool_common(pool, kubernetes_version)}
    # Taints are set only at creation ("Taints and VM sizes can only be set for node pools during node pool
    # creation"); AKS adds the Spot taint itself (spot-node-pool.md), so it is not sent.
    taints = [t for t in pool.facts.taints if t != SPOT_TAINT]
    body["node_taints"] = [f"{t.key}={t.value}:{t.effect}" if t.value else f"{t.key}:{t.effect}" for t in taints]
    kind = ACCELERATOR_KINDS.get(pool.facts.accelerator_kind)
    if kind is not None and kind.aks_gpu_driver:
        # The driver only ("driver Install", the default, written out: use-nvidia-gpu.md); raystack installs the
        # device plugin.
        body["gpu_profile"] = {"driver": "Install"}
    if pool.capacity_type == "SPOT":
        body.update(scale_set_priority="Spot", scale_set_eviction_policy="Delete",
                    spot_max_price=pool.spot_max_price if pool.spot_max_price is not None else -1.0)
    return body


def managed_cluster(platform: Platform, az: AzurePlan) -> dict[str, Any]:
    """The ManagedCluster's properties (besides its name, group, location, tags and subnet ids)."""
    assert platform.system_pool is not None  # create mode
    if platform.endpoint_public_access:
        # AKS authorized IP ranges (api-server-authorized-ip-ranges.md): the public endpoint answers only them.
        access: dict[str, Any] = {"authorized_ip_ranges": list(platform.public_access_cidrs)}
    else:
        # A private cluster (private-clusters.md): the API server is reached through a private endpoint in the VNet.
        access = {"enable_private_cluster": True}
    return {
        "dns_prefix": platform.cluster_name,
        "kubernetes_version": platform.kubernetes_version,
        "identity": {"type": "SystemAssigned"},
        # Standard: the uptime SLA, and what clusters of more than 10 nodes should run (free-standard-pricing-tiers.md).
        "sku": {"name": "Base", "tier": "Standard"},
        "enable_rbac": True,
        # Microsoft Entra ID for authentication and Azure RBAC for authorization; no local admin account, so every
        # request is tied to an Entra identity (manage-local-accounts-managed-azure-ad.md).
        "aad_profile": {"managed": True, "enable_azure_rbac": True},
        "disable_local_accounts": True,
        "oidc_issuer_profile": {"enabled": True},
        "security_profile": {"workload_identity": {"enabled": True}},
        # Azure CNI Overlay with Cilium: NetworkPolicies are enforced (azure-cni-powered-by-cilium.md), which
        # raystack's Ray namespaces rely on.
        "network_profile": {
            "network_plugin": "azure",
            "network_plugin_mode": "overlay",
            "network_dataplane": "cilium",
            "network_policy": "cilium",
            "pod_cidr": az.pod_cidr,
            "service_cidr": az.service_cidr,
            "dns_service_ip": az.dns_service_ip,
            "load_balancer_sku": "standard",
            "outbound_type": "loadBalancer",
        },
        "api_server_access_profile": access,
        "auto_scaler_profile": dict(AUTOSCALER_PROFILE),
    }
