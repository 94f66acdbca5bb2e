"""Validate a whole platform spec, collecting every problem with its config key.

``resolve_platform(raw)`` is the single entry point: raw stack configuration
(camelCase, as in ``stacks/Pulumi.<env>.yaml``) in, a ``Platform`` (validated
spec, pool facts and rendered RayCluster manifests) out, or a ``ConfigError``
listing every finding. It runs before any resource is registered, so bad
input never leaves a half-created stack. Pulumi-free.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from . import catalog, versions
from .accelerators import ACCELERATOR_KINDS, IMPLEMENTED_KINDS
from .errors import Finding, raise_if_errors
from .node_images import AMI_TABLE
from .pools import SYSTEM_POOL, PoolFacts, facts_for_existing, facts_for_node_pool, facts_for_system_pool
from .ray_spec import SizingError, head_size, size_worker
from .spec import NodePoolSpec, PlatformSpec, coerce

NS = "raystack:"
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
MIN_DISK_GIB = 100
#: EKS node group names are <= 63 characters; raystack names them <cluster>-<pool>.
NODEGROUP_NAME_MAX = 63


@dataclass
class Platform:
    spec: dict[str, Any]
    pools: dict[str, PoolFacts]
    system_pool: PoolFacts | None
    #: Pool each RayCluster's head runs on, by cluster name.
    head_pools: dict[str, PoolFacts] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def creates_cluster(self) -> bool:
        return self.spec.get("cluster_mode", "create") == "create"


def _k(path: str) -> str:
    return NS + path


def _check_name(findings: list[Finding], key: str, value: str, pattern: re.Pattern[str], max_len: int,
                what: str) -> None:
    if not isinstance(value, str) or not pattern.match(value) or len(value) > max_len:
        findings.append(Finding(key, value, f"must be a {what} of at most {max_len} characters "
                                            "(lower-case letters, digits and '-')"))


def _validate_cluster(spec: dict[str, Any], f: list[Finding], warnings: list[Finding]) -> None:
    mode = spec.get("cluster_mode", "create")
    name = spec.get("cluster_name")
    if name is None:
        f.append(Finding(_k("clusterName"), None, "is required (the EKS cluster's name)"))
    else:
        _check_name(f, _k("clusterName"), name, DNS1123_LABEL, 40, "DNS-1123 label")
    if mode == "create":
        ver = spec.get("kubernetes_version", versions.EKS_VERSION)
        if ver not in versions.EKS_SUPPORTED_VERSIONS:
            f.append(Finding(_k("kubernetesVersion"), ver,
                             f"allowed: {', '.join(versions.EKS_SUPPORTED_VERSIONS)}"))
        cidrs = spec.get("public_access_cidrs", [])
        if spec.get("endpoint_public_access", False):
            if not cidrs:
                f.append(Finding(_k("publicAccessCidrs"), cidrs,
                                 "endpointPublicAccess is true: list the CIDRs allowed to reach the API "
                                 "(write 0.0.0.0/0 explicitly to open it to the internet)"))
            for i, c in enumerate(cidrs):
                try:
                    net = ipaddress.ip_network(c)
                except ValueError:
                    f.append(Finding(_k(f"publicAccessCidrs[{i}]"), c, "must be a CIDR such as 192.0.2.0/24"))
                    continue
                if net.prefixlen == 0:
                    warnings.append(Finding(_k(f"publicAccessCidrs[{i}]"), c,
                                            "the Kubernetes API endpoint is open to the whole internet",
                                            severity="warning"))
        elif cidrs:
            f.append(Finding(_k("publicAccessCidrs"), cidrs, "only allowed with endpointPublicAccess: true"))
        if spec.get("existing_cluster_name") or spec.get("kubeconfig"):
            f.append(Finding(_k("clusterMode"), mode,
                             "existingClusterName/kubeconfig are only used with clusterMode: existing"))
    else:
        if not spec.get("existing_cluster_name") and not spec.get("kubeconfig"):
            f.append(Finding(_k("clusterMode"), mode,
                             "clusterMode existing needs existingClusterName or kubeconfig"))
        for key in ("gpu_pools",):
            if spec.get(key):
                f.append(Finding(_k("gpuPools"), [p.get("name") for p in spec[key]],
                                 "clusterMode existing creates no AWS resources; describe the nodes "
                                 "under existingPools instead"))
        net = spec.get("network")
        if net:
            f.append(Finding(_k("network"), net, "clusterMode existing creates no network; remove it"))


def _validate_network(spec: dict[str, Any], f: list[Finding]) -> None:
    net = spec.get("network", {})
    if net.get("vpc_id"):
        if not net.get("private_subnet_ids"):
            f.append(Finding(_k("network.privateSubnetIds"), None,
                             "required with network.vpcId (at least 2 subnets in different AZs)"))
        elif len(net["private_subnet_ids"]) < 2:
            f.append(Finding(_k("network.privateSubnetIds"), net["private_subnet_ids"],
                             "EKS needs subnets in at least 2 availability zones"))
        return
    cidr = net.get("cidr", "10.0.0.0/16")
    try:
        n = ipaddress.ip_network(cidr)
        if n.prefixlen > 20:
            f.append(Finding(_k("network.cidr"), cidr, "allowed: a /16 to /20 IPv4 block"))
    except ValueError:
        f.append(Finding(_k("network.cidr"), cidr, "must be an IPv4 CIDR such as 10.0.0.0/16"))
    azs = net.get("availability_zones")
    count = len(azs) if azs else net.get("az_count", 2)
    if not 2 <= count <= 4:
        key = "network.availabilityZones" if azs else "network.azCount"
        f.append(Finding(_k(key), azs or count, "allowed: 2 to 4 availability zones"))


def _validate_node_pool(base: str, p: dict[str, Any], cluster_name: str | None, f: list[Finding]) -> None:
    _check_name(f, _k(f"{base}.name"), p["name"], DNS1123_LABEL, 30, "DNS-1123 label")
    if cluster_name and len(f"{cluster_name}-{p['name']}") > NODEGROUP_NAME_MAX:
        f.append(Finding(_k(f"{base}.name"), p["name"],
                         f"node group name '{cluster_name}-{p['name']}' exceeds {NODEGROUP_NAME_MAX} characters"))
    it_name = p["instance_type"]
    try:
        it = catalog.lookup(it_name)
    except catalog.UnknownInstanceType:
        f.append(Finding(_k(f"{base}.instanceType"), it_name,
                         "not in raystack's catalog; allowed: " + catalog.describe_allowed(catalog.accelerator_types())))
        return
    if not it.has_accelerator:
        f.append(Finding(_k(f"{base}.instanceType"), it_name,
                         "has no accelerator; gpuPools take accelerator instance types, e.g. "
                         + catalog.describe_allowed(catalog.accelerator_types(), 6)))
        return
    if it.accelerator_kind not in IMPLEMENTED_KINDS:
        f.append(Finding(_k(f"{base}.instanceType"), it_name,
                         f"{it.accelerator_kind} accelerators are not implemented yet; "
                         f"implemented: {', '.join(IMPLEMENTED_KINDS)}"))
        return
    os = p.get("os", "al2023")
    if (os, it.accelerator_kind, it.architecture) not in AMI_TABLE:
        f.append(Finding(_k(f"{base}.os"), os, f"no EKS AMI for {it.accelerator_kind} on {it.architecture}"))
    mn, mx = p.get("min_size", 0), p.get("max_size", 2)
    if mn < 0:
        f.append(Finding(_k(f"{base}.minSize"), mn, "allowed: 0 or more"))
    if mx < 1:
        f.append(Finding(_k(f"{base}.maxSize"), mx, "allowed: 1 or more"))
    if mn > mx:
        f.append(Finding(_k(f"{base}.minSize"), mn, f"must not exceed maxSize ({mx}); allowed 0..{mx}"))
    disk = p.get("disk_size_gib", 200)
    if disk < MIN_DISK_GIB:
        f.append(Finding(_k(f"{base}.diskSizeGib"), disk,
                         f"Ray GPU images need room: allowed {MIN_DISK_GIB} GiB or more"))
    cap = p.get("capacity_type", "ON_DEMAND")
    if cap == "CAPACITY_BLOCK" and not p.get("capacity_reservation_id"):
        f.append(Finding(_k(f"{base}.capacityReservationId"), None, "required with capacityType CAPACITY_BLOCK"))
    if cap == "SPOT" and p.get("capacity_reservation_id"):
        f.append(Finding(_k(f"{base}.capacityReservationId"), p["capacity_reservation_id"],
                         "not allowed with capacityType SPOT"))
    if p.get("efa") and not it.has_efa:
        with_efa = sorted(k for k, v in catalog.load_catalog().items() if v.has_efa and v.family == it.family)
        f.append(Finding(_k(f"{base}.efa"), True,
                         f"{it_name} has no EFA interface; in this family: {', '.join(with_efa) or 'none'}"))


def _validate_existing_pool(i: int, p: dict[str, Any], f: list[Finding]) -> None:
    base = f"existingPools[{i}]"
    _check_name(f, _k(f"{base}.name"), p["name"], DNS1123_LABEL, 30, "DNS-1123 label")
    if not p["node_selector"]:
        f.append(Finding(_k(f"{base}.nodeSelector"), {}, "needs at least one label the pool's nodes carry"))
    if p.get("instance_type"):
        try:
            catalog.lookup(p["instance_type"])
        except catalog.UnknownInstanceType:
            f.append(Finding(_k(f"{base}.instanceType"), p["instance_type"],
                             "not in raystack's catalog; give acceleratorKind, acceleratorsPerNode, "
                             "allocatableCpuMillis and allocatableMemoryMib instead"))
            return
    else:
        for key in ("allocatable_cpu_millis", "allocatable_memory_mib"):
            if key not in p:
                camel = "allocatableCpuMillis" if "cpu" in key else "allocatableMemoryMib"
                f.append(Finding(_k(f"{base}.{camel}"), None, "required when instanceType is not given"))
    kind = p.get("accelerator_kind")
    if kind is not None and kind != "none" and kind not in ACCELERATOR_KINDS:
        f.append(Finding(_k(f"{base}.acceleratorKind"), kind, f"allowed: none, {', '.join(ACCELERATOR_KINDS)}"))
    if p["max_nodes"] < 1:
        f.append(Finding(_k(f"{base}.maxNodes"), p["max_nodes"], "allowed: 1 or more"))
    if p.get("min_nodes", 0) > p["max_nodes"]:
        f.append(Finding(_k(f"{base}.minNodes"), p["min_nodes"], f"allowed 0..{p['max_nodes']} (maxNodes)"))


def _validate_ray_cluster(i: int, rc: dict[str, Any], pools: dict[str, PoolFacts], head_pool: PoolFacts | None,
                          default_ray: str, f: list[Finding]) -> None:
    base = f"rayClusters[{i}]"
    _check_name(f, _k(f"{base}.name"), rc["name"], DNS1035_LABEL, 53, "DNS-1035 label")
    ns = rc.get("namespace", "ray")
    _check_name(f, _k(f"{base}.namespace"), ns, DNS1123_LABEL, 63, "DNS-1123 label")
    rv = rc.get("ray_version", default_ray)
    try:
        if not versions.version_at_least(rv, versions.RAY_MIN_VERSION):
            f.append(Finding(_k(f"{base}.rayVersion"), rv,
                             f"allowed: {versions.RAY_MIN_VERSION} or newer (older Ray has unauthenticated "
                             "dashboard CVEs: CVE-2025-62593, CVE-2026-27482)"))
    except ValueError:
        f.append(Finding(_k(f"{base}.rayVersion"), rv, "must be a version such as 2.55.0"))
    py = rc.get("python_tag", versions.RAY_DEFAULT_PYTHON_TAG)
    if py not in versions.RAY_PYTHON_TAGS:
        f.append(Finding(_k(f"{base}.pythonTag"), py, f"allowed: {', '.join(versions.RAY_PYTHON_TAGS)}"))
    if head_pool is None:
        f.append(Finding(_k(f"{base}.head.pool"), rc.get("head", {}).get("pool"),
                         f"no pool to run the head on; allowed: {', '.join(pools) or 'none'}"))
    else:
        try:
            head_size(rc, head_pool)
        except SizingError as e:
            f.append(Finding(_k(f"{base}.{e.field}"), e.value, e.message))
    groups = rc.get("worker_groups", [])
    seen: set[str] = set()
    for j, g in enumerate(groups):
        gbase = f"{base}.workerGroups[{j}]"
        _check_name(f, _k(f"{gbase}.name"), g["name"], DNS1123_LABEL, 63, "DNS-1123 label")
        if g["name"] in seen:
            f.append(Finding(_k(f"{gbase}.name"), g["name"], "duplicate worker group name in this cluster"))
        seen.add(g["name"])
        pool = pools.get(g["pool"])
        if pool is None:
            f.append(Finding(_k(f"{gbase}.pool"), g["pool"],
                             f"no such pool; allowed: {', '.join(sorted(pools)) or 'none defined'}"))
            continue
        try:
            size_worker(pool, g)
        except SizingError as e:
            f.append(Finding(_k(f"{gbase}.{e.field}"), e.value, e.message))


def resolve_platform(raw: dict[str, Any], camel: bool = True) -> Platform:
    """Raw stack config (camelCase keys, no namespace) -> validated Platform.
    With ``camel=False`` the input uses the Python (snake_case) key spelling."""
    spec, findings = coerce(PlatformSpec, raw, "", camel=camel)
    findings = [Finding(NS + x.key, x.value, x.message, x.severity) for x in findings]
    raise_if_errors(findings)
    warnings: list[Finding] = []
    _validate_cluster(spec, findings, warnings)
    creates = spec.get("cluster_mode", "create") == "create"
    if creates:
        _validate_network(spec, findings)
    sys_spec = spec.get("system_pool", {})
    if creates:
        st = sys_spec.get("instance_type", "m7i.xlarge")
        if st not in catalog.cpu_types():
            findings.append(Finding(_k("systemPool.instanceType"), st,
                                    "allowed: " + ", ".join(catalog.cpu_types())))
        smin, smax = sys_spec.get("min_size", 2), sys_spec.get("max_size", 3)
        if not 1 <= smin <= smax:
            findings.append(Finding(_k("systemPool.minSize"), smin, f"allowed 1..{smax} (maxSize)"))
    pools: dict[str, PoolFacts] = {}
    names: set[str] = set()
    for i, p in enumerate(spec.get("gpu_pools", [])):
        n = len(findings)
        _validate_node_pool(f"gpuPools[{i}]", p, spec.get("cluster_name"), findings)
        if p["name"] in names or p["name"] == SYSTEM_POOL:
            findings.append(Finding(_k(f"gpuPools[{i}].name"), p["name"], "pool names must be unique and not 'system'"))
        names.add(p["name"])
        if len(findings) == n:
            pools[p["name"]] = facts_for_node_pool(p)
    for i, p in enumerate(spec.get("existing_pools", [])):
        n = len(findings)
        _validate_existing_pool(i, p, findings)
        if p["name"] in names or (p["name"] == SYSTEM_POOL and creates):
            findings.append(Finding(_k(f"existingPools[{i}].name"), p["name"], "pool names must be unique"))
        names.add(p["name"])
        if len(findings) == n:
            pools[p["name"]] = facts_for_existing(p)
    system = facts_for_system_pool(sys_spec) if creates and not any(
        x.key.startswith(_k("systemPool")) for x in findings) else None
    default_ray = spec.get("ray_version", versions.RAY_VERSION)
    all_pools = dict(pools)
    if system is not None:
        all_pools[SYSTEM_POOL] = system
    seen_rc: set[tuple[str, str]] = set()
    head_pools: dict[str, PoolFacts] = {}
    for i, rc in enumerate(spec.get("ray_clusters", [])):
        head_pool = all_pools.get(rc.get("head", {}).get("pool") or SYSTEM_POOL)
        _validate_ray_cluster(i, rc, pools, head_pool, default_ray, findings)
        ident = (rc.get("namespace", "ray"), rc["name"])
        if ident in seen_rc:
            findings.append(Finding(_k(f"rayClusters[{i}].name"), rc["name"], "duplicate RayCluster in namespace"))
        seen_rc.add(ident)
        if head_pool is not None:
            head_pools[rc["name"]] = head_pool
    raise_if_errors(findings)
    platform = Platform(spec=spec, pools=pools, system_pool=system, head_pools=head_pools, warnings=warnings)
    return platform


def check_node_pool(raw: dict[str, Any], cluster_name: str | None = None) -> tuple[dict[str, Any], PoolFacts]:
    """Validate one NodePoolSpec (Python key spelling) for direct component use."""
    spec, findings = coerce(NodePoolSpec, raw, "pool", camel=False)
    raise_if_errors(findings)
    _validate_node_pool("pool", spec, cluster_name, findings)
    findings = [Finding(x.key.removeprefix(NS), x.value, x.message, x.severity) for x in findings]
    raise_if_errors(findings)
    return spec, facts_for_node_pool(spec)
