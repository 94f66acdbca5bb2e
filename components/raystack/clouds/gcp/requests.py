"""The GKE cluster and node pool arguments raystack sends, from the resolved model (pure). Pulumi-free.

They are pulumi-gcp's container.Cluster and container.NodePool arguments (Python spelling); the provider turns them
into GKE API v1 requests (terraform-provider-google's expanders). tests/test_gke.py makes those requests the
way the provider does and checks them against the API's discovery document (versions.GKE_DISCOVERY_REVISION).
Sources: GKE docs named per field, and ../shared/notes/clouds-and-e2e.md A2.
"""

from __future__ import annotations

from typing import Any

from ...hardware import catalog
from ...model.platform import NodePool, Platform
from . import pools, rules, tpu
from .rules import GcpPlan

#: GKE's effect names for Kubernetes' (NodeTaint.effect).
EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
#: The Google APIs a GKE stack calls: Compute Engine (network, NAT), GKE, IAM (service accounts), Cloud Resource
#: Manager (the project IAM policy the node account's roles are written to).
APIS = ("compute.googleapis.com", "container.googleapis.com", "iam.googleapis.com",
        "cloudresourcemanager.googleapis.com")
#: The secondary ranges' names in the cluster's subnet.
POD_RANGE, SERVICE_RANGE = "pods", "services"
#: What every node's service account needs to send logs and metrics and pull images (GKE hardening guide,
#: "use least privilege Google service accounts": roles/container.defaultNodeServiceAccount).
NODE_ROLES = ("roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader")


def cluster(platform: Platform, gcp: GcpPlan, project: str) -> dict[str, Any]:
    """The container.Cluster's arguments (besides its network, subnetwork, labels and options)."""
    if platform.endpoint_public_access:
        authorized = list(platform.public_access_cidrs)
    else:
        authorized = list(platform.api_ingress_cidrs)
    return {
        "name": platform.cluster_name,
        "location": gcp.zone,
        # The pools are their own NodePools; the default pool is removed once created (GKE requires one at creation).
        "remove_default_node_pool": True,
        "initial_node_count": 1,
        # deletion_protection defaults to true in pulumi-gcp: a dev stack's `pulumi destroy` would fail on it.
        "deletion_protection": platform.protect,
        "release_channel": {"channel": gcp.release_channel},
        # "1.X picks the highest valid patch in the 1.X version" (Cluster.initialClusterVersion, GKE API v1).
        "min_master_version": platform.kubernetes_version,
        "networking_mode": "VPC_NATIVE",
        "ip_allocation_policy": {"cluster_secondary_range_name": POD_RANGE,
                                 "services_secondary_range_name": SERVICE_RANGE},
        # GKE Dataplane V2 enforces NetworkPolicies (raystack's Ray namespaces rely on them).
        "datapath_provider": "ADVANCED_DATAPATH",
        "workload_identity_config": {"workload_pool": f"{project}.svc.id.goog"},
        # Nodes have no public addresses (they reach out through Cloud NAT); the endpoint is private unless the
        # stack opens it, and answers only the authorized networks either way.
        "private_cluster_config": {"enable_private_nodes": True,
                                   "enable_private_endpoint": not platform.endpoint_public_access,
                                   "master_ipv4_cidr_block": gcp.master_cidr},
        "master_authorized_networks_config": {"cidr_blocks": [
            {"cidr_block": c, "display_name": f"raystack-{i}"} for i, c in enumerate(authorized)]},
        "addons_config": {"ray_operator_configs": [{"enabled": platform.kuberay.managed}]},
        "enable_shielded_nodes": True,
    }


def node_config(pool: NodePool, service_account: Any) -> dict[str, Any]:
    it = catalog.lookup(pool.instance_type)
    labels = {k: v for k, v in pool.facts.labels.items() if not k.startswith(rules.RESERVED_LABEL_PREFIXES)}
    config: dict[str, Any] = {
        "machine_type": pool.instance_type,
        "image_type": pool.ami_type,
        "disk_size_gb": pool.disk_size_gib,
        "labels": labels,
        "taints": [{"key": t.key, "value": t.value, "effect": EFFECTS[t.effect]} for t in pool.facts.taints],
        "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
        # Pods get their identity from the GKE metadata server (Workload Identity), never the node's.
        "workload_metadata_config": {"mode": "GKE_METADATA"},
        "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
    }
    if service_account is not None:
        config["service_account"] = service_account
    if pool.capacity_type == "SPOT":
        config["spot"] = True
    gpu = pools.GPU_TYPES.get(it.accelerator_model)
    if gpu is not None:
        # GKE installs the driver and runs its own device plugin (GKE GPU docs). DEFAULT, the driver GKE pairs with
        # the node version, on either image: LATEST is Container-Optimized OS only (pulumi-gcp 10.2.0's
        # gpu_driver_version docstring, ../shared/notes/clouds-and-e2e.md A2.1); Google's Cluster Toolkit defaults to it.
        config["guest_accelerators"] = [{"type": gpu, "count": it.accelerator_count,
                                         "gpu_driver_installation_config": {"gpu_driver_version": "DEFAULT"}}]
        partition = pool.facts.node_selector.get(pools.PARTITION_LABEL)
        if partition:
            config["guest_accelerators"][0]["gpu_partition_size"] = partition
        shared = pool.facts.node_selector.get(pools.SHARING_LABELS[1])
        if shared:
            config["guest_accelerators"][0]["gpu_sharing_config"] = {
                "gpu_sharing_strategy": "TIME_SHARING", "max_shared_clients_per_gpu": int(shared)}
    if pool.capacity_reservation_id:
        config["reservation_affinity"] = {"consume_reservation_type": "SPECIFIC_RESERVATION",
                                          "key": "compute.googleapis.com/reservation-name",
                                          "values": [pool.capacity_reservation_id]}
    return config


def node_pools(pool: NodePool, cluster_name: Any, zone: str, service_account: Any) -> list[dict[str, Any]]:
    """The NodePools of one raystack pool: one, or one a slice on a multi-host TPU pool, each scaled atomically
    between 0 and its hosts."""
    family = tpu.FAMILIES.get(catalog.lookup(pool.instance_type).family)
    hosts = pool.facts.hosts_per_slice
    topology = pool.facts.node_selector.get(tpu.TOPOLOGY_LABEL)
    # No version: the release channel upgrades the pools with the control plane (auto_upgrade).
    common = {"cluster": cluster_name, "location": zone, "node_config": node_config(pool, service_account),
              "management": {"auto_repair": True, "auto_upgrade": True}}
    if family is not None and hosts > 1:
        out = []
        for i in range(pool.max_size):
            at_least = hosts if i < pool.min_size else 0
            out.append({**common, "name": f"{pool.name}-{i}", "initial_node_count": at_least,
                        "autoscaling": {"total_min_node_count": at_least, "total_max_node_count": hosts,
                                        "location_policy": "ANY"},
                        "placement_policy": {"type": "COMPACT", "tpu_topology": topology}})
        return out
    body = {**common, "name": pool.name, "initial_node_count": pool.min_size,
            "autoscaling": {"total_min_node_count": pool.min_size, "total_max_node_count": pool.max_size,
                            # Spot capacity is taken wherever it is (ANY); on-demand pools spread (BALANCED).
                            "location_policy": "ANY" if pool.capacity_type == "SPOT" else "BALANCED"}}
    if family is not None and topology:
        body["placement_policy"] = {"type": "COMPACT", "tpu_topology": topology}
    return [body]


def system_pool(pool: NodePool, cluster_name: str, zone: str, service_account: Any) -> dict[str, Any]:
    """The system pool's NodePool: a pool like the others (its facts carry no taint; on-demand, so BALANCED)."""
    (body,) = node_pools(pool, cluster_name, zone, service_account)
    return body
