"""The resolved platform: frozen records the components and the plan read.

``resolve`` builds them once from the stack config: every default applied,
every rule checked, pool facts computed, Ray workers sized and manifests
rendered. Nothing downstream re-validates, re-sizes or re-defaults.
Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..ray.sizing import HeadSize, WorkerSize
from .facts import PoolFacts
from .findings import Finding
from .gcs import GcsPlan
from .logs import LogsPlan
from .observability import ObservabilityPlan


@dataclass(frozen=True)
class NodePool:
    """An accelerator pool this stack creates (resolved NodePoolSpec)."""

    name: str
    instance_type: str
    capacity_type: str
    min_size: int
    max_size: int
    os: str
    disk_size_gib: int
    capacity_reservation_id: str | None
    #: The AZ a Capacity Block or ODCR lives in: the pool launches only there.
    availability_zone: str | None
    subnet_ids: tuple[str, ...] | None
    #: Cloud-specific image and naming decisions (EKS: AMI type, image volume, node group name).
    ami_type: str
    image_volume_device: str
    #: The EKS node group name prefix (<cluster>-<pool>-; the provider adds a unique suffix).
    node_group_name: str
    facts: PoolFacts
    #: Every type the node group may launch: instance_type first, then a Spot pool's alternatives.
    instance_types: tuple[str, ...] = ()
    #: Whether the pool gets a cluster placement group of its own (EFA pools without a reservation).
    placement_group: bool = False
    #: AKS Spot pools: the most USD an hour a node may cost (-1: up to the on-demand price); None elsewhere.
    spot_max_price: float | None = None
    #: EKS pools of autoscaler karpenter: their NodePool's candidates, limits and disruption
    #: (clouds.aws.karpenter.KarpenterPool); None for managed node groups.
    karpenter: Any = None

    @property
    def efa(self) -> bool:
        return self.facts.efa_interfaces > 0


@dataclass(frozen=True)
class ReturnRoute:
    """The private route tables' route to a peered or VPN network: its CIDR and one target id."""

    cidr: str
    target: str  # transit_gateway_id | vpc_peering_connection_id | vpn_gateway_id
    target_id: str


@dataclass(frozen=True)
class NetworkPlan:
    create: bool
    cidr: str
    availability_zones: tuple[str, ...] | None
    az_count: int
    nat_gateways: str
    private_subnet_ids: tuple[str, ...] = ()
    return_routes: tuple[ReturnRoute, ...] = ()


@dataclass(frozen=True)
class WorkerGroupPlan:
    name: str
    pool: str
    size: WorkerSize
    idle_timeout_seconds: int | None
    image: str


@dataclass(frozen=True)
class IdentityPlan:
    """The service account the workers run as, and the IAM role both the workers' and KubeRay's
    head account get through EKS Pod Identity (when asked for)."""

    service_account: str
    #: The head's account: KubeRay creates it, named after the RayCluster, and binds it to the
    #: autoscaler's Role (utils.GetHeadGroupServiceAccountName, KubeRay v1.7.0).
    head_service_account: str
    create: bool
    annotations: dict[str, str]
    pod_identity: bool
    managed_policy_arns: tuple[str, ...]
    s3_read: tuple[str, ...]
    s3_read_write: tuple[str, ...]
    #: The head runs as head_service_account, which raystack creates: a RayJob's or RayService's
    #: cluster has a generated name, so KubeRay's own head account could not be associated.
    create_head_account: bool = False
    #: AKS: storage account or container scopes the identity may read, or read and write (Azure resource IDs).
    storage_read: tuple[str, ...] = ()
    storage_read_write: tuple[str, ...] = ()
    #: The identity is an Azure user-assigned managed identity through Entra Workload ID (AKS), not an IAM role
    #: through EKS Pod Identity.
    workload_identity: bool = False
    #: The log group the role may write the pods' logs to (observability.logs), if any.
    log_group: str | None = None


@dataclass(frozen=True)
class RayClusterPlan:
    #: Suffix of its Pulumi resource names: the name, or <namespace>-<name> where the name repeats.
    resource_name: str
    name: str
    namespace: str
    ray_version: str
    python_tag: str
    head_pool: PoolFacts
    head: HeadSize
    groups: tuple[WorkerGroupPlan, ...]
    #: The rendered ray.io/v1 RayCluster and its NetworkPolicy spec.
    manifest: dict[str, Any]
    network_policy_spec: dict[str, Any] | None
    identity: IdentityPlan | None = None
    #: The RayJob of ``smokeTest`` (registered with the cluster), if asked for.
    smoke: RayWorkloadPlan | None = None
    #: Ray's authentication: token (its Secret is raystack's) or disabled.
    auth: str = "token"
    #: Where the stack config declares it (raystack:rayClusters[0]; empty for components used directly).
    config_key: str = ""
    #: The collective checks its smoke test runs (``ray.smoke.collective_check``), one per group asking.
    collectives: tuple[dict[str, Any], ...] = ()
    #: It keeps its GCS in the stack's gcsFaultTolerance Redis.
    gcs: bool = False
    #: Prometheus scrapes it (observability): the head declares the autoscaler and dashboard metrics ports,
    #: and its NetworkPolicy admits the Prometheus pods on the metrics ports.
    metrics: bool = False
    #: Its pods ship their logs (observability.logs), through its identity's role.
    logs: bool = False

    @property
    def pools_used(self) -> tuple[str, ...]:
        return tuple(sorted({g.pool for g in self.groups}))


@dataclass(frozen=True)
class RayWorkloadPlan:
    """A RayJob, RayService or RayCronJob, rendered."""

    kind: str
    #: Suffix of its Pulumi resource names (<kind>-<name>, or with the namespace where the name repeats).
    resource_name: str
    name: str
    namespace: str
    manifest: dict[str, Any]
    #: The cluster it creates (sized and checked like a RayCluster); None with clusterSelector.
    cluster: RayClusterPlan | None
    #: The stack's RayCluster it runs on (clusterSelector), by name.
    target: str | None = None
    #: Where the stack config declares it (raystack:rayJobs[0]; empty for components used directly).
    config_key: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class KubeRayPlan:
    install: bool
    namespace: str
    retain_crds_on_delete: bool
    node_selector: dict[str, str]
    values: dict[str, Any]
    #: Feature gates turned on besides the chart's defaults (RayCronJob when the stack has any).
    feature_gates: tuple[str, ...] = ()
    #: The cloud runs the operator (kuberay.operator: managed, AKS's KubeRay extension): raystack installs no
    #: chart and no CRDs (install is then False), and enables the extension in ``namespace``.
    managed: bool = False


@dataclass(frozen=True)
class Platform:
    """Everything the stack builds, resolved."""

    environment: str | None
    cluster_name: str
    cluster_mode: str
    kubernetes_version: str
    #: Whether the endpoint is public, and to whom: publicAccessCidrs plus the deploy window (deployFrom).
    endpoint_public_access: bool
    public_access_cidrs: tuple[str, ...]
    #: The deploy window: CIDRs the public endpoint admits for this run only (already in public_access_cidrs).
    deploy_from: tuple[str, ...]
    #: Networks allowed to reach a private endpoint on 443 (the cluster security group's rule).
    api_ingress_cidrs: tuple[str, ...]
    admin_role_arns: tuple[str, ...]
    #: Principals given AmazonEKSViewPolicy (CI preview and drift roles).
    viewer_role_arns: tuple[str, ...]
    protect: bool
    #: Days the control plane's CloudWatch log group keeps events.
    log_retention_days: int
    existing_cluster_name: str | None
    ray_version: str
    network: NetworkPlan | None
    system_pool: NodePool | None
    node_pools: tuple[NodePool, ...]
    #: Pools worker groups may bind to (created and existing), by name.
    pools: dict[str, PoolFacts]
    ray_clusters: tuple[RayClusterPlan, ...]
    kuberay: KubeRayPlan
    cluster_autoscaler: bool
    #: What scales the created pools: cluster-autoscaler (managed node groups) or karpenter (NodePools); none for
    #: an existing cluster.
    autoscaler: str
    #: Accelerator kinds whose device plugin raystack installs (created pools whose image lacks one).
    device_plugins: tuple[str, ...]
    #: Where the operator and add-ons run (the system pool, or an existing head pool).
    system_node_selector: dict[str, str]
    warnings: tuple[Finding, ...] = field(default_factory=tuple)
    #: RayJobs, RayServices and RayCronJobs, in that order.
    ray_workloads: tuple[RayWorkloadPlan, ...] = ()
    #: The Pod Security level the Ray namespaces enforce: restricted, baseline with security: relaxed.
    ray_pod_security: str = "restricted"
    #: Who applies the Kubernetes side: pulumi (`pulumi up`), or gitops (`raystack plan --out`, Argo CD).
    kubernetes_delivery: str = "pulumi"
    #: The Redis the Ray clusters keep their GCS in (gcsFaultTolerance), if any.
    gcs: GcsPlan | None = None
    #: PodMonitors and dashboards for a Prometheus Operator the team runs (observability), if any.
    observability: ObservabilityPlan | None = None
    #: Where the Ray pods ship their logs (observability.logs), if anywhere.
    logs: LogsPlan | None = None
    #: The cloud the cluster lives in (a registered cloud's name), and that cloud's own resolved record of a
    #: cluster the stack creates, where it has one (AKS: clouds.azure.rules.AzurePlan); the cloud's backend reads it.
    cloud: str = "aws"
    cloud_plan: Any = None

    @property
    def applies_kubernetes(self) -> bool:
        """Whether `pulumi up` registers the Kubernetes side (``raystack plan`` renders a gitops stack's by
        planning the same config with pulumi delivery)."""
        return self.kubernetes_delivery == "pulumi"

    @property
    def every_workload(self) -> tuple[RayWorkloadPlan, ...]:
        """The stack's RayJobs, RayServices and RayCronJobs, then its RayClusters' smoke tests."""
        return self.ray_workloads + tuple(rc.smoke for rc in self.ray_clusters if rc.smoke is not None)

    @property
    def creates_cluster(self) -> bool:
        return self.cluster_mode == "create"

    @staticmethod
    def of_existing_pools(pools: dict[str, PoolFacts]) -> Platform:
        """A platform that only describes pools of an existing cluster (what a program that
        does not use the raystack config exports as ``node_pools``)."""
        from .. import versions

        return Platform(
            environment=None, cluster_name="", cluster_mode="existing", kubernetes_version=versions.EKS_VERSION,
            endpoint_public_access=False, public_access_cidrs=(), deploy_from=(), api_ingress_cidrs=(),
            admin_role_arns=(),
            viewer_role_arns=(), protect=False, log_retention_days=90,
            existing_cluster_name=None, ray_version=versions.RAY_VERSION, network=None,
            system_pool=None, node_pools=(), pools=dict(pools), ray_clusters=(),
            kuberay=KubeRayPlan(install=False, namespace="", retain_crds_on_delete=True, node_selector={}, values={}),
            cluster_autoscaler=False, autoscaler="none", device_plugins=(), system_node_selector={})

    @property
    def system_facts(self) -> PoolFacts | None:
        return self.system_pool.facts if self.system_pool is not None else None
