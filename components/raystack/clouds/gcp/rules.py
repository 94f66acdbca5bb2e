"""GKE rules: cluster, API access, network, system pool and node pools, GPU and TPU (pure). Pulumi-free.

Each rule names where GKE says so (cloud.google.com/kubernetes-engine/docs, as ../shared/notes/clouds-and-e2e.md A2
reads them) or the GKE API v1 (the discovery document the oracle test reads).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from ... import versions
from ...hardware import catalog
from ...model.findings import Finding
from ...rules.api_access import check_private_reachable, check_public_access
from ...rules.common import key
from ...spec.coerce import to_camel
from ..rules_base import (
    check_created_only,
    check_created_pool,
    check_created_system_pool,
    check_eks_network_unused,
    check_storage_identity,
    created_pool_specs,
)
from . import pools, tpu


@dataclass(frozen=True)
class GcpPlan:
    """What a GKE stack creates besides its pools (cloud: gcp): where, and its network."""

    zone: str
    region: str
    release_channel: str
    #: The nodes' subnet (network.cidr); pods and services take the subnet's two secondary ranges (VPC-native).
    node_cidr: str
    pod_cidr: str
    service_cidr: str
    master_cidr: str


#: GKE node pool names: "must start with a lowercase letter, contain only lowercase letters, digits and hyphens,
#: and end with a letter or digit; at most 40 characters" (NodePool.name); a multi-host TPU pool's slices add "-N".
POOL_NAME = re.compile(r"^[a-z](?:[-a-z0-9]{0,34}[a-z0-9])?$")
#: Node label prefixes GKE keeps for itself (it sets cloud.google.com/gke-* labels on every node).
RESERVED_LABEL_PREFIXES = ("cloud.google.com/", "kubernetes.io/", "k8s.io/")
#: Boot disk size: "The minimum is 10 GB" (NodeConfig.diskSizeGb); raystack's images want at least 100.
BOOT_DISK_GIB = (100, 65536)
#: A node pool's size limit per zone (GKE quotas and limits: 1,000 nodes per node pool).
MAX_POOL_NODES = 1000
#: Slices a multi-host TPU pool may have (raystack creates one GKE node pool a slice).
MAX_SLICES = 16
#: The cluster's secondary ranges (VPC-native): pods and services, outside network.cidr.
POD_CIDR = "10.64.0.0/14"
SERVICE_CIDR = "10.68.0.0/20"
MASTER_CIDR = "172.16.0.0/28"
RELEASE_CHANNELS = ("RAPID", "REGULAR", "STABLE")
#: GPU time-sharing: the most containers one GPU may be shared by (GKE how-to/timesharing-gpus, max-shared-clients-per-gpu).
MAX_SHARED_CLIENTS = 48
OSES = ("cos", "ubuntu")
#: Keys of an EKS stack that mean nothing on GKE, and what to do instead.
EKS_ONLY = {
    "admin_role_arns": "IAM roles map to EKS access entries; on GKE grant roles/container.admin in the project",
    "viewer_role_arns": "IAM roles map to EKS access entries; on GKE grant roles/container.viewer in the project",
    "deploy_from": "a GKE private endpoint cannot be opened for one run; run `pulumi up` from a network that reaches "
                   "the VPC, or use endpointPublicAccess with publicAccessCidrs",
    "log_retention_days": "EKS control-plane logs; GKE sends its own to Cloud Logging",
    "azure": "Azure settings; this stack is cloud: gcp",
}
OTHER_CLOUDS_POOL = {
    "spot_alternatives": "EC2 Spot alternatives; a GKE node pool has one machine type",
    "spot_max_price": "an AKS Spot price cap; GKE Spot VMs have no maximum price",
    "efa": "EFA is EC2's; raystack creates no GPUDirect-TCPX pools on GKE",
    "availability_zone": "EC2 reservations' zone; GKE pools run in the cluster's zone",
    "subnet_ids": "EC2 subnets; GKE pools join the cluster's subnet",
}
#: A Cloud Storage bucket, as gs://<bucket> (bucket names: 3-63 lowercase letters, digits, '-', '_' and '.').
BUCKET = re.compile(r"^gs://[a-z0-9][-_.a-z0-9]{1,61}[a-z0-9]$")


def check_create_mode(spec: dict[str, Any], given: dict[str, Any], findings: list[Finding],
                      warnings: list[Finding], region: str | None = None) -> None:
    """``spec``: the defaulted PlatformSpec; ``given``: what the user wrote; ``region``: the stack's zone."""
    ver = spec["kubernetes_version"]
    if ver not in versions.GKE_SUPPORTED_VERSIONS:
        findings.append(Finding(key("kubernetesVersion"), ver,
                                f"allowed on GKE: {', '.join(versions.GKE_SUPPORTED_VERSIONS)}"))
    if not region or region.count("-") < 2:
        findings.append(Finding(key("cloud"), "gcp", f"needs the stack's zone: pulumi config set gcp:zone <zone> (e.g. "
                                                     f"us-central1-a; TPUs and GPUs are zonal), got {region!r}"))
    for field, why in EKS_ONLY.items():
        if given.get(field):
            findings.append(Finding(key(to_camel(field)), given[field], f"not on GKE (cloud: gcp): {why}"))
    check_public_access(spec, findings, warnings, v4_only=True)
    # A private endpoint answers inside the VPC only (GKE private clusters, enablePrivateEndpoint): a runner that does
    # not route into it times out on every Kubernetes resource after GKE built the cluster.
    check_private_reachable(spec, findings, "the control plane would answer on its private endpoint only "
                            "(endpointPublicAccess false) and nothing where `pulumi up` runs could reach it: list the "
                            "networks it runs from under apiIngressCidrs (the VPC's range for a runner inside it, or a "
                            "network peered or connected to it; they become master authorized networks), or set "
                            "endpointPublicAccess with publicAccessCidrs limited to the runner's addresses")
    gcp = spec["gcp"]
    channel = gcp.get("release_channel", versions.GKE_RELEASE_CHANNEL)
    if channel not in RELEASE_CHANNELS:
        findings.append(Finding(key("gcp.releaseChannel"), channel, f"allowed: {', '.join(RELEASE_CHANNELS)}"))
    check_network(spec["network"], given.get("network") or {}, gcp.get("master_ipv4_cidr_block", MASTER_CIDR),
                  findings)
    check_created_only(given, findings, "GKE", "a Memorystore")
    kuberay = given.get("kuberay") or {}
    managed = kuberay.get("operator") == "managed"
    if managed and "install" in kuberay:
        # The Ray Operator add-on is the cluster's operator; kuberay.install says whether raystack installs its own
        # chart, and a second operator is "not compatible" with the add-on (GKE enable-ray-on-gke).
        findings.append(Finding(key("kuberay.install"), kuberay["install"],
                                "kuberay.operator managed runs GKE's Ray Operator add-on instead of raystack's chart: "
                                "leave kuberay.install out"))
    for list_key, i, p in created_pool_specs(spec):
        if p.get("gpu_time_sharing"):
            # GKE concepts/timesharing-gpus: time-shared containers get no memory or fault isolation from each other.
            warnings.append(Finding(key(f"{list_key}[{i}].gpuTimeSharing"), p["gpu_time_sharing"],
                                    "time-shared GPUs isolate neither memory nor faults: one worker can take the "
                                    "GPU's memory from the others; Ray counts each share as a whole GPU",
                                    severity="warning"))
        if not managed and p.get("tpu_topology") and _hosts(p) > 1:
            # A multi-host slice's pods learn their peers (TPU_WORKER_HOSTNAMES, TPU_WORKER_ID) from the Ray TPU
            # webhook, which GKE's Ray Operator add-on installs (clouds-and-e2e.md A2.3); raystack's Helm chart has no
            # webhook, so JAX on the slice could not form it.
            findings.append(Finding(key(f"{list_key}[{i}].tpuTopology"), p["tpu_topology"],
                                    "a multi-host TPU slice needs the Ray TPU webhook, which GKE's Ray Operator add-on "
                                    "installs: set kuberay.operator: managed, or choose a single-host topology"))
    check_created_system_pool(spec["system_pool"], "gcp", findings, check_disk)


def _hosts(p: dict[str, Any]) -> int:
    try:
        return pools.slice_hosts(p)
    except (catalog.UnknownInstanceType, ValueError, ZeroDivisionError):
        return 1  # the pool's own checks name what is wrong


def check_network(net: dict[str, Any], given: dict[str, Any], master: str, findings: list[Finding]) -> None:
    check_eks_network_unused(given, findings, "on GKE raystack creates a VPC whose subnet is network.cidr")
    try:
        nodes = ipaddress.IPv4Network(net["cidr"])
    except ValueError:
        findings.append(Finding(key("network.cidr"), net["cidr"], "must be an IPv4 CIDR such as 10.0.0.0/16"))
        return
    try:
        control = ipaddress.IPv4Network(master)
    except ValueError:
        findings.append(Finding(key("gcp.masterIpv4CidrBlock"), master, "an IPv4 /28 such as 172.16.0.0/28"))
        return
    if control.prefixlen != 28:
        findings.append(Finding(key("gcp.masterIpv4CidrBlock"), master, "must be a /28 (GKE private clusters)"))
    hit = [f"{label} range {other}" for label, other in (("pod", POD_CIDR), ("service", SERVICE_CIDR),
                                                          ("control plane", master))
           if nodes.overlaps(ipaddress.IPv4Network(other))]
    if hit:
        findings.append(Finding(key("network.cidr"), net["cidr"],
                                f"overlaps the cluster's {' and '.join(hit)}: GKE refuses overlapping ranges; choose a "
                                f"subnet outside {POD_CIDR}, {SERVICE_CIDR} and {master}"))


def creatable_types(accelerator: bool) -> list[str]:
    return catalog.accelerator_types("gcp") if accelerator else catalog.cpu_types("gcp")


def check_node_pool(base: str, p: dict[str, Any], cluster_name: str | None, findings: list[Finding],
                    accelerator_required: bool = True) -> None:
    """``p``: a defaulted NodePoolSpec (GKE); ``base``: its key path."""
    if not POOL_NAME.match(p["name"]):
        findings.append(Finding(f"{base}.name", p["name"], "a GKE node pool name: a lowercase letter, then lowercase "
                                                           "letters, digits or '-', ending in a letter or digit, at "
                                                           "most 36 characters (slices add -N)"))
    check_created_pool(base, p, findings, "GKE (cloud: gcp)", OTHER_CLOUDS_POOL, OSES, RESERVED_LABEL_PREFIXES,
                       f"GKE sets labels under {', '.join(RESERVED_LABEL_PREFIXES)} itself")
    check_disk(f"{base}.diskSizeGib", p["disk_size_gib"], findings)
    it = catalog.load_catalog("gcp").get(p["instance_type"])  # a type of this cloud's catalog, or None
    if it is None:
        findings.append(Finding(f"{base}.instanceType", p["instance_type"], "not a GKE machine type in raystack's "
                                "catalog; " + catalog.describe_allowed(creatable_types(accelerator_required),
                                                                      p["instance_type"])))
        return
    if accelerator_required and not it.has_accelerator:
        findings.append(Finding(f"{base}.instanceType", it.instance_type, "a CPU machine type in gpuPools: declare it "
                                "under nodePools; " + catalog.describe_allowed(creatable_types(True))))
    check_gpu_type(base, p, it, findings)
    partition = p.get("gpu_partition_size")
    if partition is not None:
        sizes = pools.MIG_PARTITIONS.get(it.accelerator_model, {})
        if partition not in sizes or p.get("gpu_time_sharing") is not None:
            findings.append(Finding(f"{base}.gpuPartitionSize", partition, (
                f"GKE MIG partitions of {it.accelerator_model}: {', '.join(sizes)}" if sizes else
                f"{it.instance_type} ({it.accelerator_model or 'no GPU'}) has no MIG partitions raystack creates; "
                "A100 and H100 machines do") + ("; not with gpuTimeSharing" if sizes and partition in sizes else "")))
    sharing = p.get("gpu_time_sharing")
    if sharing is not None and (it.accelerator_model not in pools.GPU_TYPES or not 2 <= sharing <= MAX_SHARED_CLIENTS):
        findings.append(Finding(f"{base}.gpuTimeSharing", sharing, f"GKE GPU time-sharing: 2 to {MAX_SHARED_CLIENTS} "
                                f"containers a GPU, on a GPU machine ({it.instance_type} has "
                                f"{it.accelerator_model or 'no GPU'})"))
    slices = check_tpu(base, p, it, findings)
    limit = MAX_SLICES if slices else MAX_POOL_NODES
    if not 0 <= p["min_size"] <= p["max_size"] <= limit or p["max_size"] < 1:
        what = "slices (one GKE node pool a slice)" if slices else "nodes"
        findings.append(Finding(f"{base}.maxSize", p["max_size"],
                                f"allowed: minSize ({p['min_size']}) to {limit} {what}, at least 1 and minSize"))


def check_gpu_type(base: str, p: dict[str, Any], it: catalog.InstanceType, findings: list[Finding]) -> None:
    """A GPU machine carries its GPUs (g2: L4, a2: A100, a3: H100/H200): gpuType may only name them."""
    given = p.get("gpu_type")
    if given is None:
        return
    own = pools.GPU_TYPES.get(it.accelerator_model)
    if own is None:
        findings.append(Finding(f"{base}.gpuType", given, f"{it.instance_type} carries no GPU; leave gpuType out"))
    elif given != own:
        findings.append(Finding(f"{base}.gpuType", given, f"{it.instance_type} ({it.family}) carries {own}, not "
                                                          f"{given}; allowed: {own}"))


def check_tpu(base: str, p: dict[str, Any], it: catalog.InstanceType, findings: list[Finding]) -> bool:
    """A TPU pool's topology is one its machine type forms (tpu.FAMILIES); True for a multi-host slice pool."""
    family = tpu.FAMILIES.get(it.family)
    topology = p.get("tpu_topology")
    if family is None:
        if topology is not None:
            findings.append(Finding(f"{base}.tpuTopology", topology, f"{it.instance_type} is not a TPU machine type"))
        return False
    allowed = tpu.allowed(family, it.accelerator_count)
    if topology is not None and topology not in allowed:
        findings.append(Finding(f"{base}.tpuTopology", topology,
                                f"{it.instance_type} ({it.accelerator_count} chips a VM) forms the topologies "
                                f"{', '.join(allowed)}; another shape needs another machine type of {it.family}"))
        return False
    return topology is not None and tpu.hosts(topology, it.accelerator_count) > 1


def check_disk(at: str, gib: int, findings: list[Finding]) -> None:
    if not BOOT_DISK_GIB[0] <= gib <= BOOT_DISK_GIB[1]:
        findings.append(Finding(at, gib, f"a boot disk of {BOOT_DISK_GIB[0]} to {BOOT_DISK_GIB[1]} GiB"))


def check_pod_identity(at: str, sa: dict[str, Any], region: str | None, findings: list[Finding]) -> None:
    """``sa``: a defaulted ServiceAccountSpec with podIdentity (``at``: its key path): Cloud Storage buckets only."""
    check_storage_identity(at, sa, findings, "GKE (cloud: gcp)", BUCKET, "a Cloud Storage bucket as gs://<bucket>",
                           "iam.gke.io/gcp-service-account")


def gcp_plan(spec: dict[str, Any], zone: str) -> GcpPlan:
    """The resolved GcpPlan of a checked spec."""
    gcp = spec["gcp"]
    return GcpPlan(zone=zone, region=pools.region_of(zone) or zone,
                   release_channel=gcp.get("release_channel", versions.GKE_RELEASE_CHANNEL),
                   node_cidr=str(ipaddress.IPv4Network(spec["network"]["cidr"])), pod_cidr=POD_CIDR,
                   service_cidr=SERVICE_CIDR, master_cidr=gcp.get("master_ipv4_cidr_block", MASTER_CIDR))
