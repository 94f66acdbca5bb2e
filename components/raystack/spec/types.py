"""What users write: the typed, plain-data description of a raystack platform.

These TypedDicts are the argument types of the components (Pulumi's analyzer
turns every field docstring into the schema description other languages see)
and the shape of the stack configuration. Stack files spell keys in camelCase
(``instanceType``); Python code uses snake_case (``instance_type``).
Defaults are not spelled here: they live in ``raystack.model.defaults``.

No ``from __future__ import annotations``: Pulumi's analyzer needs the real
annotations. String enums rather than ``Literal`` for the same reason.
Pulumi-free.
"""

from enum import Enum
from typing import TypedDict

from typing_extensions import NotRequired, Required

from .cloud_types import AzureSpec as AzureSpec
from .cloud_types import GcpSpec as GcpSpec
from .job_types import JobSubmissionMode as JobSubmissionMode
from .job_types import RayCronJobSpec as RayCronJobSpec
from .job_types import RayJobSpec as RayJobSpec
from .job_types import RayServiceSpec as RayServiceSpec
from .job_types import ServeUpgradeStrategy as ServeUpgradeStrategy
from .karpenter_types import Autoscaler as Autoscaler
from .karpenter_types import KarpenterPoolSpec as KarpenterPoolSpec
from .ops_types import GcsFaultToleranceSpec as GcsFaultToleranceSpec
from .ops_types import GcsRedisEngine as GcsRedisEngine
from .ops_types import GcsRedisMode as GcsRedisMode
from .ops_types import LogDestination as LogDestination
from .ops_types import LogsSpec as LogsSpec
from .ops_types import ObservabilitySpec as ObservabilitySpec
from .ops_types import PrometheusMode as PrometheusMode
from .ray_types import AllowFromSpec as AllowFromSpec
from .ray_types import HeadSpec as HeadSpec
from .ray_types import PodIdentitySpec as PodIdentitySpec
from .ray_types import RayAuth as RayAuth
from .ray_types import RayClusterSpec as RayClusterSpec
from .ray_types import SecretKeySpec as SecretKeySpec
from .ray_types import ServiceAccountSpec as ServiceAccountSpec
from .ray_types import UpscalingMode as UpscalingMode
from .ray_types import WorkerGroupSpec as WorkerGroupSpec


class CapacityType(str, Enum):
    """How a node pool's capacity is bought (CAPACITY_BLOCK: EC2 only)."""

    ON_DEMAND = "ON_DEMAND"
    SPOT = "SPOT"
    CAPACITY_BLOCK = "CAPACITY_BLOCK"


class OperatingSystem(str, Enum):
    """Node operating system: an EKS AMI family (al2023, bottlerocket), an AKS node OS (azurelinux, ubuntu) or a
    GKE node image (cos, ubuntu)."""

    AL2023 = "al2023"
    BOTTLEROCKET = "bottlerocket"
    AZURE_LINUX = "azurelinux"
    UBUNTU = "ubuntu"
    COS = "cos"


class KubeRayOperatorMode(str, Enum):
    """Who runs the KubeRay operator."""

    HELM = "helm"
    MANAGED = "managed"


class TaintEffect(str, Enum):
    """Kubernetes taint effect."""

    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


class ClusterMode(str, Enum):
    """Build the cluster, or attach to one that exists."""

    CREATE = "create"
    EXISTING = "existing"


class SecurityMode(str, Enum):
    """How strict the Ray namespaces are."""

    STRICT = "strict"
    RELAXED = "relaxed"


class KubernetesDelivery(str, Enum):
    """Who applies the Kubernetes side of the stack."""

    PULUMI = "pulumi"
    GITOPS = "gitops"


class NatGateways(str, Enum):
    """NAT gateway layout of a new VPC."""

    SINGLE = "single"
    PER_AZ = "per_az"


class TaintSpec(TypedDict):
    """A Kubernetes taint on a pool's nodes."""

    key: str
    """Taint key, e.g. ``dedicated``."""
    value: NotRequired[str]
    """Taint value (empty: the worker groups tolerate the key with operator Exists)."""
    effect: TaintEffect
    """NoSchedule, PreferNoSchedule or NoExecute."""


class NodePoolSpec(TypedDict, total=False):
    """A node pool this stack creates (an EKS managed node group, an AKS agent pool, or a GKE node pool)."""

    name: Required[str]
    """Pool name: a DNS-1123 label, unique in the stack (AKS: a lowercase letter, then letters or digits, at most 12)."""
    instance_type: Required[str]
    """An instance type (EC2; with autoscaler karpenter the first candidate), VM size (Azure, e.g.
    Standard_NC24ads_A100_v4) or machine type (GKE, e.g. g2-standard-4 or ct5lp-hightpu-4t) from raystack's catalog."""
    capacity_type: CapacityType
    """ON_DEMAND (default), SPOT or CAPACITY_BLOCK (EC2 only)."""
    spot_max_price: float
    """AKS SPOT pools only: the most USD an hour a node may cost (default -1: up to the on-demand price, so
    nodes are evicted for capacity only, never for price)."""
    spot_alternatives: list[str]
    """SPOT pools only: 1-3 more catalog types EKS may launch when instanceType has no Spot capacity, each
    interchangeable with it (vCPUs, memory, architecture, accelerator model and count): workers fit any node."""
    min_size: int
    """Minimum nodes (default 0: the pool scales from zero; 0 with autoscaler karpenter); slices on a GKE TPU pool."""
    max_size: int
    """Maximum nodes (default 2); slices on a GKE TPU pool with tpuTopology (one GKE node pool a slice)."""
    gpu_type: str
    """GKE GPU pools: the GPU type the machine carries (e.g. nvidia-l4); default and only value: the machine's own."""
    gpu_time_sharing: int
    """GKE GPU pools: containers sharing each GPU (2-48, GKE time-sharing); a worker gets one share."""
    gpu_partition_size: str
    """GKE A100/H100 pools: the MIG partition each GPU is cut into (e.g. 1g.10gb); a worker gets one."""
    tpu_topology: str
    """GKE TPU pools: the slice's topology (e.g. 4x4, v5e-16); a multi-host slice is one replica of numOfHosts pods."""
    os: OperatingSystem
    """EKS: al2023 (default; raystack installs the device plugin) or bottlerocket (ships its own). AKS:
    azurelinux (default) or ubuntu (AKS installs the driver, raystack the device plugin). GKE: cos (default) or
    ubuntu (GKE installs the driver and runs its own device plugin)."""
    disk_size_gib: int
    """Encrypted gp3 volume for container images, at least 100 GiB (default 200)."""
    labels: dict[str, str]
    """Extra node labels."""
    taints: list[TaintSpec]
    """Extra taints besides the accelerator taint."""
    efa: bool
    """EFA networking for multi-node collectives (default false), on p4d, p4de, p5, p5e, p5en, trn1,
    trn1n and trn2 types: one EFA per network card, a security group that admits the pool's nodes to
    each other, one subnet in one AZ, a cluster placement group (unless a reservation places the
    nodes), 5120 MiB of 2 MiB huge pages per node, the EFA device plugin, and workers that request
    vpc.amazonaws.com/efa and their share of the huge pages."""
    capacity_reservation_id: str
    """Capacity Block or ODCR id; required with CAPACITY_BLOCK. GKE: the name of a reservation the pool consumes."""
    availability_zone: str
    """The AZ of the Capacity Block or ODCR (required with one): nodes launch only from its subnet there."""
    subnet_ids: list[str]
    """Subnets for this pool (default: the cluster's private subnets). With availabilityZone, list only
    subnets in that AZ: they are used as given."""
    karpenter: KarpenterPoolSpec
    """autoscaler karpenter: the types beyond instanceType Karpenter may launch, capacity types, limits, disruption."""


class ExistingPoolSpec(TypedDict, total=False):
    """Nodes of an existing cluster, described by their labels and taints."""

    name: Required[str]
    """Pool name worker groups refer to: a DNS-1123 label, unique in the stack."""
    node_selector: Required[dict[str, str]]
    """Labels every node of the pool carries (the worker group selects on them)."""
    taints: list[TaintSpec]
    """Taints the nodes carry (worker groups tolerate each)."""
    instance_type: str
    """Catalog instance type; fills in accelerator, CPU, memory and price."""
    accelerator_kind: str
    """Accelerator kind when no instanceType is given: none, nvidia, neuron, amd, tpu, ascend or gaudi."""
    accelerators_per_node: int
    """Accelerator devices per node (default: the instance type's, else 0)."""
    allocatable_cpu_millis: int
    """Allocatable CPU per node in millicores; required without instanceType."""
    allocatable_memory_mib: int
    """Allocatable memory per node in MiB; required without instanceType."""
    accelerator_resource: str
    """The extended resource the nodes' device plugin advertises, when it is not the kind's usual one
    (e.g. huawei.com/Ascend910B from HAMi, huawei.com/ascend-1980 on Huawei Cloud CCE)."""
    accelerator_model: str
    """Accelerator model shown in the plan (default: the instance type's)."""
    max_nodes: Required[int]
    """Most nodes the pool can have (bounds worker groups' maxWorkers)."""
    min_nodes: int
    """Fewest nodes the pool has (default 0)."""
    capacity_type: CapacityType
    """How the nodes are bought (default ON_DEMAND); informational."""
    efa_interfaces: int
    """EFA interfaces per node that the cluster's EFA device plugin advertises (vpc.amazonaws.com/efa;
    default 0: none). Workers then request their share and get the libfabric env. The cluster must
    run the EFA device plugin; raystack installs it only on clusters it creates."""
    hugepages_mib: int
    """2 MiB huge pages the nodes preallocate, in MiB (default 0), with efaInterfaces: workers request
    their share. Without instanceType, give allocatableMemoryMib as the nodes report it (the kubelet
    already leaves the huge pages out)."""


class SystemPoolSpec(TypedDict, total=False):
    """The on-demand CPU node group for the operator, add-ons and Ray heads."""

    instance_type: str
    """CPU instance type or VM size from the catalog (default m7i.xlarge on EKS, Standard_D8s_v5 on AKS)."""
    capacity_type: CapacityType
    """ON_DEMAND, the only value allowed (the default): the system pool runs CoreDNS, the operator and the Ray
    heads, which a Spot reclaim would take down together (and AKS refuses Spot system pools)."""
    min_size: int
    """Minimum nodes (default 2)."""
    max_size: int
    """Maximum nodes (default 3)."""
    disk_size_gib: int
    """Encrypted root volume in GiB (default 100: gp3 on EKS, a managed OS disk on AKS)."""


class ReturnRouteSpec(TypedDict, total=False):
    """A route from the private subnets back to a network peered or connected by VPN (its runner reaches a
    private API endpoint through apiIngressCidrs). Exactly one target."""

    cidr: str
    """The other network's IPv4 CIDR; it must not overlap the VPC. Required."""
    transit_gateway_id: str
    """A transit gateway the VPC is attached to (tgw-...)."""
    vpc_peering_connection_id: str
    """An active VPC peering connection (pcx-...)."""
    vpn_gateway_id: str
    """A virtual private gateway attached to the VPC (vgw-...)."""


class NetworkSpec(TypedDict, total=False):
    """The VPC: created by the stack, or an existing one."""

    cidr: str
    """VPC CIDR, a /16 to /20 IPv4 block (default 10.0.0.0/16)."""
    availability_zones: list[str]
    """Explicit AZs; otherwise the first ``az_count`` available ones."""
    az_count: int
    """Number of AZs when none are listed, 2 to 4 (default 2)."""
    nat_gateways: NatGateways
    """single (default) or per_az (one NAT gateway per AZ)."""
    vpc_id: str
    """Use an existing VPC (with ``private_subnet_ids``) instead of creating one."""
    private_subnet_ids: list[str]
    """Private subnets of the existing VPC, in at least 2 AZs."""
    public_subnet_ids: list[str]
    """Public subnets of the existing VPC (informational)."""
    return_routes: list[ReturnRouteSpec]
    """Routes in every private route table back to networks peered or connected by VPN. The route
    tables are raystack's: a route added by hand is removed by the next `up`. Created VPC only."""


class KubeRaySpec(TypedDict, total=False):
    """The KubeRay operator."""

    namespace: str
    """Namespace of the operator (default kuberay-system)."""
    retain_crds_on_delete: bool
    """Leave the CRDs in the cluster on destroy (default true): deleting a CRD
    deletes every custom resource of that kind, also other stacks'."""
    install: bool
    """Install the operator and CRDs (default true). Set false on a cluster where a KubeRay operator
    already runs: a second cluster-wide operator would reconcile the same RayClusters."""
    operator: KubeRayOperatorMode
    """helm (default): raystack installs the pinned KubeRay chart and CRDs. managed (AKS and GKE): the cloud runs
    the operator (AKS's KubeRay cluster extension, preview, Kubernetes 1.34 or newer; GKE's Ray Operator add-on,
    which also installs the TPU webhook multi-host slices need), and raystack installs no chart and no CRDs; its
    KubeRay version is the cloud's choice, not pinned."""


class PlatformSpec(TypedDict, total=False):
    """A whole raystack platform: cluster, pools, operator and Ray clusters."""

    environment: str
    """Tag value raystack.io/environment (default: the stack name)."""
    cloud: str
    """The cloud of a created cluster: aws (default; EKS), azure (AKS; the [azure] extra, azure-native:location)
    or gcp (GKE with GPU and TPU pools; the [gcp] extra, gcp:project and gcp:zone)."""
    azure: AzureSpec
    """Azure settings (cloud: azure only)."""
    gcp: GcpSpec
    """Google Cloud settings (cloud: gcp only)."""
    cluster_name: str
    """Cluster name (EKS or AKS; created, or the existing one); DNS-1123, at most 40 characters. Required."""
    cluster_mode: ClusterMode
    """create (default) builds everything; existing attaches to a cluster."""
    kubernetes_version: str
    """EKS Kubernetes minor (default and allowed values in raystack.versions)."""
    endpoint_public_access: bool
    """Open the EKS API endpoint beyond the VPC (default false; needs publicAccessCidrs)."""
    public_access_cidrs: list[str]
    """CIDRs that may reach a public endpoint; 0.0.0.0/0 must be written, and is allowed only in dev (warned)."""
    api_ingress_cidrs: list[str]
    """With a private endpoint: the networks `pulumi up` runs from (a CI runner inside the VPC, or a
    network peered or connected by VPN), allowed to reach the API on 443 through the cluster
    security group. A private endpoint needs at least one: otherwise nothing can reach it."""
    deploy_from: list[str]
    """A deploy window: the public IPv4 addresses (CIDRs, /24 or narrower) that the machine running this
    `pulumi up` connects from. While set, the API endpoint is also public to them, and to them alone
    (still IAM-authenticated). It is for a runner outside the VPC, such as the first `up` of a private
    cluster, when no runner can sit in a VPC that does not exist yet. The shipped up workflow sets it
    to its runner's /32 with `pulumi config set` and removes it in a second `up`, which makes the
    endpoint private again. Never commit it to a stack file. Create mode only."""
    admin_role_arns: list[str]
    """IAM roles given cluster-admin through EKS access entries."""
    viewer_role_arns: list[str]
    """IAM roles given read-only Kubernetes access (AmazonEKSViewPolicy) through EKS access entries:
    the role CI previews and drift checks run as (`pulumi preview`, `pulumi refresh`)."""
    protect: bool
    """Protect the EKS control plane from deletion (default false)."""
    log_retention_days: int
    """Days CloudWatch keeps the control plane's api, audit and authenticator logs (default 90; one of
    CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653). raystack creates the log group `/aws/eks/<cluster>/cluster` before the
    cluster, so it is deleted on destroy instead of kept forever."""
    existing_cluster_name: str
    """clusterMode existing: an EKS cluster to attach to by name (read-only lookup)."""
    kubeconfig: str
    """clusterMode existing: a kubeconfig path or its contents (may be a secret)."""
    gcs_fault_tolerance: GcsFaultToleranceSpec
    """The Redis the Ray clusters keep their GCS in: the clusters of rayServices use it by default,
    others with gcsFaultTolerance: true (default: none, no GCS fault tolerance)."""
    observability: ObservabilitySpec
    """Metrics and dashboards for the Ray clusters (default: none)."""
    gcs_redis_password: str
    """The password of the gcsFaultTolerance Redis (a secret: pulumi config set --secret
    raystack:gcsRedisPassword ...); raystack puts it in a Secret raystack-gcs-redis in each namespace of
    a cluster that uses the Redis."""
    ray_version: str
    """Default Ray version of every RayCluster (default in raystack.versions)."""
    image_registry: str
    """Pull rayproject/ray images through this registry (e.g. an ECR pull-through cache of Docker Hub:
    <account>.dkr.ecr.<region>.amazonaws.com/docker-hub), not anonymously from Docker Hub."""
    cluster_autoscaler: bool
    """Install the Cluster Autoscaler so pools at 0 nodes can grow (default true; off with autoscaler karpenter)."""
    autoscaler: Autoscaler
    """EKS: cluster-autoscaler (default: managed node groups) or karpenter (NodePools from several types, Spot first)."""
    network: NetworkSpec
    """The VPC (clusterMode create only)."""
    system_pool: SystemPoolSpec
    """The system node group (clusterMode create only)."""
    gpu_pools: list[NodePoolSpec]
    """Accelerator node pools the stack creates."""
    node_pools: list[NodePoolSpec]
    """Node pools of any catalog instance type the stack creates: CPU pools for CPU worker groups,
    or accelerator pools (the same as gpuPools); pool names are unique across both lists."""
    existing_pools: list[ExistingPoolSpec]
    """Nodes of an existing cluster worker groups may bind to."""
    ray_clusters: list[RayClusterSpec]
    """Ray clusters."""
    ray_jobs: list[RayJobSpec]
    """RayJobs: entrypoints run on a cluster of their own or on one of rayClusters."""
    ray_services: list[RayServiceSpec]
    """RayServices: Ray Serve applications."""
    ray_cron_jobs: list[RayCronJobSpec]
    """RayCronJobs: RayJobs started on a schedule."""
    kuberay: KubeRaySpec
    """The KubeRay operator."""
    security: SecurityMode
    """strict (default): Ray namespaces enforce Pod Security restricted and every Ray cluster gets its
    NetworkPolicy. relaxed, for local experiments: Pod Security baseline (volumes of any type but
    hostPath) and no NetworkPolicies; the plan names each loosening as a warning."""
    kubernetes_delivery: KubernetesDelivery
    """pulumi (default): `pulumi up` applies the Kubernetes side too (charts, namespaces, Ray objects,
    NetworkPolicies, token Secrets). gitops: `pulumi up` applies the cloud side only (network, cluster,
    node groups, IAM roles and Pod Identity associations, and the Ray tokens as the secret output
    ray_auth_tokens); `raystack plan --out` renders the Kubernetes side for Argo CD, which applies it."""


class PoolDescriptor(TypedDict):
    """What a Ray worker group binds to: the facts of one node pool, whatever
    created it. ``GpuNodePool.pool`` and ``RayPlatform.node_pools`` export it;
    ``RayCluster`` and ``ClusterAutoscaler`` take it."""

    name: str
    """Pool name."""
    source: str
    """eks-managed-node-group or aks-agent-pool (created by raystack), or existing."""
    labels: dict[str, str]
    """Labels every node of the pool carries."""
    node_selector: dict[str, str]
    """The labels worker pods select the pool's nodes by."""
    taints: list[TaintSpec]
    """Taints of the pool's nodes (worker pods tolerate each)."""
    accelerator_kind: str
    """nvidia, neuron, amd, tpu, ascend, gaudi or none."""
    accelerator_resource: NotRequired[str]
    """Kubernetes extended resource of the accelerator, e.g. nvidia.com/gpu (absent without one)."""
    ray_accelerator_resource: NotRequired[str]
    """Ray resource the accelerator maps to, e.g. GPU (absent without one)."""
    accelerators_per_node: int
    """Accelerator devices per node."""
    accelerator_model: str
    """Accelerator model, e.g. L4 (empty without one)."""
    allocatable_cpu_millis: int
    """Allocatable CPU per node in millicores."""
    allocatable_memory_mib: int
    """Allocatable memory per node in MiB."""
    min_nodes: int
    """Fewest nodes."""
    max_nodes: int
    """Most nodes."""
    capacity_type: str
    """ON_DEMAND, SPOT or CAPACITY_BLOCK."""
    instance_type: NotRequired[str]
    """Instance type, when known."""
    architecture: str
    """x86_64 or arm64."""
    os: NotRequired[str]
    """Node OS, when raystack created the pool."""
    price_usd_hour: NotRequired[float]
    """On-demand price per node and hour, when the catalog has one."""
    ray_units_per_accelerator: NotRequired[int]
    """Ray resource units per device (NeuronCores per Neuron device; default 1)."""
    efa_interfaces: NotRequired[int]
    """EFA interfaces per node (vpc.amazonaws.com/efa), on pools with efa: true."""
    hugepages_mib: NotRequired[int]
    """2 MiB huge pages per node in MiB (EFA pools), already left out of allocatable memory."""
    hosts_per_slice: NotRequired[int]
    """Nodes per multi-host slice (a GKE TPU slice pool; default 1): one pod a host."""
    shared_by: NotRequired[int]
    """Containers sharing each device (GKE GPU time-sharing; default 1): a worker takes one."""
    preemption_notice_s: NotRequired[int]
    """Seconds of warning before a node is reclaimed, drained as it comes (Karpenter Spot: 120); workers tell Ray."""
