"""What every cloud's ``CloudRules`` does the same way: hand each question to the cloud's own pure modules
(``rules``, ``pools``). A cloud's ``cloud`` module subclasses it with its modules and its own answers. Pulumi-free."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..model.findings import Finding
from ..model.platform import NodePool


def created_pool_specs(spec: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
    """(list key, index, pool spec) of every pool a stack creates, on any cloud: gpuPools, then nodePools."""
    from ..spec.coerce import to_camel

    return [(to_camel(list_key), i, p) for list_key in ("gpu_pools", "node_pools")
            for i, p in enumerate(spec.get(list_key) or [])]


#: Network keys of an EKS VPC: a cluster on another cloud creates its own network from network.cidr alone.
EKS_ONLY_NETWORK = ("availability_zones", "az_count", "nat_gateways", "vpc_id", "private_subnet_ids",
                    "public_subnet_ids", "return_routes")


def check_eks_network_unused(given: dict[str, Any], findings: list[Finding], instead: str) -> None:
    """Refuse the EKS VPC keys (``given``: the network the user wrote) on another cloud; ``instead``: what it makes."""
    from ..rules.common import key
    from ..spec.coerce import to_camel

    for field in EKS_ONLY_NETWORK:
        if field in given:
            findings.append(Finding(key(f"network.{to_camel(field)}"), given[field], f"an EKS VPC setting; {instead}"))


class ModuleCloud:
    """A cloud whose rules live in ``rules`` (check_create_mode, check_node_pool, check_pod_identity) and whose
    pools in ``pools`` (node_pool, system_pool)."""

    rules: ModuleType
    pools: ModuleType

    def check_create_mode(self, spec: dict[str, Any], given: dict[str, Any], findings: list[Finding],
                          warnings: list[Finding], region: str | None) -> None:
        self.rules.check_create_mode(spec, given, findings, warnings, region)

    def created_pool_specs(self, spec: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
        return created_pool_specs(spec)

    def check_node_pool(self, base: str, p: dict[str, Any], cluster_name: str | None, findings: list[Finding],
                        accelerator_required: bool = True) -> None:
        self.rules.check_node_pool(base, p, cluster_name, findings, accelerator_required=accelerator_required)

    def node_pool(self, spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
        return self.pools.node_pool(spec, cluster_name, region)  # type: ignore[no-any-return]

    def system_pool(self, spec: dict[str, Any], cluster_name: str, region: str | None = None) -> NodePool:
        return self.pools.system_pool(spec, cluster_name, region)  # type: ignore[no-any-return]

    #: Where the cloud's own agent sends the pods' stdout, for the refusal of observability.logs (AWS's CloudWatch
    #: shipping only); None: the cloud ships logs itself (log_destination is its own).
    logs_instead: str | None = None

    def log_destination(self, at: str, destination: str, days: int, cluster_name: str, region: str | None,
                        findings: list[Finding]) -> tuple[str, str, list[tuple[str, str]]] | None:
        findings.append(Finding(f"{at}.destination", destination, "raystack ships Ray's logs to CloudWatch on AWS "
                                f"only; {self.logs_instead}"))
        return None

    def managed_operator_cidrs(self, spec: dict[str, Any]) -> tuple[str, ...]:
        """Where the cloud's managed KubeRay operator connects to the Ray heads from, where it runs outside the
        cluster's pods (kuberay.operator: managed); () for an operator in a namespace of the cluster."""
        return ()

    def check_pod_identity(self, at: str, sa: dict[str, Any], region: str | None, findings: list[Finding]) -> None:
        self.rules.check_pod_identity(at, sa, region, findings)


#: Pool keys only GKE reads, and what they are: another cloud's pools refuse them (nothing is silently ignored).
GKE_ONLY_POOL = {
    "tpu_topology": "a GKE TPU slice's topology (cloud: gcp)",
    "gpu_type": "a GKE machine's GPU type (cloud: gcp)",
    "gpu_time_sharing": "GKE GPU time-sharing (cloud: gcp)",
    "gpu_partition_size": "a GKE MIG partition size (cloud: gcp)",
}


def check_storage_identity(at: str, sa: dict[str, Any], findings: list[Finding], cloud: str, scope: Any,
                           scope_text: str, annotation: str) -> None:
    """``serviceAccount.podIdentity`` on a cloud whose identity reaches storage through ``storageRead`` and
    ``storageReadWrite`` (AKS, GKE): AWS's keys are refused, each scope must match ``scope`` (a compiled pattern;
    ``scope_text`` says what it is), and the account must not already carry the ``annotation`` raystack sets."""
    from ..spec.coerce import to_camel

    pid = sa["pod_identity"]
    for field, instead in (("managed_policy_arns", "storageRead/storageReadWrite"),
                           ("s3_read", "storageRead"), ("s3_read_write", "storageReadWrite")):
        if pid[field]:
            findings.append(Finding(f"{at}.podIdentity.{to_camel(field)}", pid[field],
                                    f"AWS IAM, not on {cloud}: use {instead}"))
    for field in ("storage_read", "storage_read_write"):
        for i, value in enumerate(pid[field]):
            if not scope.match(value):
                findings.append(Finding(f"{at}.podIdentity.{to_camel(field)}[{i}]", value, scope_text))
    if annotation in (sa.get("annotations") or {}):
        findings.append(Finding(f"{at}.annotations[{annotation!r}]", sa["annotations"][annotation],
                                "raystack sets it to the identity podIdentity creates; remove it, or remove "
                                "podIdentity and keep your own identity"))


def check_created_system_pool(sys_pool: dict[str, Any], cloud: str, findings: list[Finding],
                              check_disk: Any) -> None:
    """A created system pool on AKS or GKE: on-demand, a CPU type of the cloud's catalog, at least one node (AKS: "System
    node pools must ... have at least one node", use-system-pools.md; GKE: kube-system needs a node), and a disk
    the cloud allows (``check_disk``: the cloud's own rule)."""
    from ..hardware import catalog
    from ..rules.common import key
    from ..rules.pools import check_system_capacity

    check_system_capacity(sys_pool, findings)
    if sys_pool["instance_type"] not in catalog.cpu_types(cloud):
        findings.append(Finding(key("systemPool.instanceType"), sys_pool["instance_type"],
                                catalog.describe_allowed(catalog.cpu_types(cloud), sys_pool["instance_type"])))
    if not 1 <= sys_pool["min_size"] <= sys_pool["max_size"]:
        findings.append(Finding(key("systemPool.minSize"), sys_pool["min_size"],
                                f"allowed 1..{sys_pool['max_size']} (maxSize)"))
    check_disk(key("systemPool.diskSizeGib"), sys_pool["disk_size_gib"], findings)


def created_system_pool(spec: dict[str, Any], source: str, os: str, image: str, price: float | None) -> NodePool:
    """The system pool a cloud creates from its checked spec (AKS's System pool, GKE's system node pool): on-demand
    CPU nodes for kube-system, the operator and the Ray heads, with no taint."""
    from ..hardware import catalog
    from ..model.defaults import SYSTEM_POOL_NAME
    from ..model.facts import OS_LABEL, POOL_LABEL, PoolFacts

    it = catalog.lookup(spec["instance_type"])
    facts = PoolFacts(
        name=SYSTEM_POOL_NAME, source=source, labels={POOL_LABEL: SYSTEM_POOL_NAME, OS_LABEL: os},
        node_selector={POOL_LABEL: SYSTEM_POOL_NAME}, taints=(), accelerator_kind="none",
        accelerator_resource=None, ray_accelerator_resource=None, accelerators_per_node=0, accelerator_model="",
        allocatable_cpu_millis=it.allocatable_cpu_millis, allocatable_memory_mib=it.allocatable_memory_mib,
        min_nodes=spec["min_size"], max_nodes=spec["max_size"], capacity_type="ON_DEMAND",
        instance_type=it.instance_type, architecture=it.architecture, os=os, price_usd_hour=price)
    return NodePool(
        name=SYSTEM_POOL_NAME, instance_type=it.instance_type, capacity_type="ON_DEMAND",
        min_size=spec["min_size"], max_size=spec["max_size"], os=os, disk_size_gib=spec["disk_size_gib"],
        capacity_reservation_id=None, availability_zone=None, subnet_ids=None, ami_type=image,
        image_volume_device="", node_group_name=SYSTEM_POOL_NAME, facts=facts, instance_types=(it.instance_type,))


def with_cloud_defaults(given: dict[str, Any], version: str, system_type: str,
                        pool: Any) -> dict[str, Any]:
    """The coerced config with a cloud's defaults where the user wrote none: its Kubernetes version, its system pool's
    type, and ``pool(p)``'s keys on every created pool (under the user's own)."""
    out = dict(given)
    out.setdefault("kubernetes_version", version)
    out["system_pool"] = {"instance_type": system_type, **(given.get("system_pool") or {})}
    for list_key in ("gpu_pools", "node_pools"):
        if given.get(list_key):
            out[list_key] = [{**pool(p), **p} for p in given[list_key]]
    return out


def check_created_pool(base: str, p: dict[str, Any], findings: list[Finding], cloud: str, other_keys: dict[str, str],
                       oses: tuple[str, ...], reserved: tuple[str, ...], reserved_text: str) -> None:
    """What every created pool on AKS and GKE is checked for alike: keys that are another cloud's (``other_keys``: key
    -> what it is), the node OS, labels (none under the ``reserved`` prefixes the cloud sets itself), taints, and
    EC2's Capacity Blocks. ``cloud``: how the messages name the cloud ("AKS (cloud: azure)")."""
    from ..rules.kube import check_labels, check_taints
    from ..spec.coerce import to_camel

    short = cloud.split(" ", 1)[0]
    for field, why in other_keys.items():
        value = p.get(field)
        if value not in (None, False, []):
            findings.append(Finding(f"{base}.{to_camel(field)}", value, f"not on {cloud}: {why}"))
    if p["os"] not in oses:
        findings.append(Finding(f"{base}.os", p["os"], f"allowed on {short}: {', '.join(oses)}"))
    check_labels(f"{base}.labels", p["labels"], findings)
    for k in p["labels"]:
        if k.startswith(reserved):
            findings.append(Finding(f"{base}.labels[{k!r}]", p["labels"][k], reserved_text))
    check_taints(f"{base}.taints", p["taints"], findings)
    if p["capacity_type"] == "CAPACITY_BLOCK":
        findings.append(Finding(f"{base}.capacityType", "CAPACITY_BLOCK", f"EC2 Capacity Blocks; allowed on {short}: "
                                "ON_DEMAND, SPOT"))


def pool_taints(spec: dict[str, Any], taint: tuple[str, str, str] | None, value: str) -> tuple[Any, ...]:
    """A created pool's taints: its accelerator's (``taint``, with the ``value`` the cloud's docs give it; GKE and AKS
    use "present", and ExtendedResourceToleration tolerates any value) or, on a CPU pool, the pool's own (a pool is
    dedicated to its Ray groups); then the user's."""
    from ..model.facts import POOL_LABEL, Taint

    own = Taint(taint[0], value, taint[2]) if taint is not None else Taint(POOL_LABEL, spec["name"], "NoSchedule")
    return (own,) + tuple(Taint(t["key"], t["value"], t["effect"]) for t in spec["taints"])


def check_created_only(given: dict[str, Any], findings: list[Finding], cloud: str, redis_instead: str) -> None:
    """What a created AKS or GKE cluster refuses alike: existing pools (a new cluster has no nodes yet) and a created
    Redis (ElastiCache, AWS's); ``redis_instead``: the cloud's managed Redis to name as external."""
    from ..rules.common import key

    if given.get("existing_pools"):
        findings.append(Finding(key("existingPools"), [p.get("name") for p in given["existing_pools"]],
                                "clusterMode create builds a new cluster: it has no existing nodes; declare pools "
                                "under gpuPools"))
    redis = (given.get("gcs_fault_tolerance") or {}).get("redis")
    if (redis if isinstance(redis, str) else (redis or {}).get("mode")) == "create":
        findings.append(Finding(key("gcsFaultTolerance.redis.mode"), "create",
                                f"raystack creates its Redis on AWS (ElastiCache) only; on {cloud} use "
                                f"gcsFaultTolerance.redis.mode: external with {redis_instead} address"))
