"""What users write about Ray clusters: the RayCluster, its head and worker groups, what teams
add to their pods and the identity they run as (re-exported by ``raystack.spec.types``; the same
rules apply: documented fields, no ``from __future__ import annotations``, Pulumi-free)."""

from enum import Enum
from typing import Any, TypedDict

from typing_extensions import Required


class ClusterUpgradeStrategy(str, Enum):
    """What KubeRay does with a RayCluster's running pods when its pod templates change."""

    RECREATE = "Recreate"
    NONE = "None"


class UpscalingMode(str, Enum):
    """Ray autoscaler upscaling speed."""

    DEFAULT = "Default"
    AGGRESSIVE = "Aggressive"
    CONSERVATIVE = "Conservative"


class RayAuth(str, Enum):
    """Ray's own authentication of the dashboard, Jobs API and GCS."""

    TOKEN = "token"
    DISABLED = "disabled"


class SecretKeySpec(TypedDict):
    """A key of a Kubernetes Secret in the Ray cluster's namespace."""

    secret: str
    """The Secret's name."""
    key: str
    """The key within it."""


class PodSecuritySpec(TypedDict, total=False):
    """Who the Ray pods run as (Pod Security restricted allows each of these; root is refused)."""

    run_as_user: int
    """UID of the Ray containers (default 1000, the `ray` user of rayproject/ray images; not 0)."""
    run_as_group: int
    """Primary GID of the Ray containers (default: the image's; rayproject/ray's `ray` user is in GID 100)."""
    fs_group: int
    """GID that owns the pods' volumes, so a root-owned PVC (EBS) becomes writable
    (fsGroupChangePolicy OnRootMismatch: changed only when the root's owner differs)."""
    supplemental_groups: list[int]
    """More GIDs of the Ray containers, e.g. the host's `render` group for AMD GPUs (/dev/kfd,
    /dev/dri/renderD*, owned root:render)."""


class HeadSpec(TypedDict, total=False):
    """The Ray head pod (it runs no tasks unless runTasks)."""

    cpu: int
    """Whole CPUs (default 2)."""
    memory_gib: int
    """Memory in GiB (default 8)."""
    pool: str
    """Pool the head runs on (default: the system pool; with an existing
    cluster, a CPU pool from existingPools); on an accelerator pool it tolerates the pool's taint."""
    accelerators: int
    """Accelerators the head requests on an accelerator pool (default: all of a node's; 0 leaves
    them idle, with a warning; refused on pools without accelerators). A job's driver on the head
    uses them directly; Ray tasks land there only with runTasks (the head offers no CPUs otherwise)."""
    image: str
    """Container image of the head (default: the cluster's image, else rayproject/ray with the
    head pool's accelerator variant)."""
    run_tasks: bool
    """Let the head schedule tasks on its CPUs (default false: num-cpus 0, so a task that fills the
    head's memory cannot take the GCS down); for small clusters."""
    env: dict[str, str]
    """Environment variables: name -> value (merged over the cluster's)."""
    secret_env: dict[str, SecretKeySpec]
    """Environment variables from Secret keys: name -> {secret, key} (merged over the cluster's)."""
    image_pull_secrets: list[str]
    """Secrets with registry credentials for the image (replaces the cluster's)."""
    pod_labels: dict[str, str]
    """Extra pod labels (merged over the cluster's; raystack.io/ and ray.io/ keys are KubeRay's and raystack's)."""
    pod_annotations: dict[str, str]
    """Extra pod annotations (merged over the cluster's)."""
    scheduler_name: str
    """Kubernetes scheduler of the pods (e.g. a gang scheduler; default: the cluster's default scheduler)."""
    priority_class_name: str
    """PriorityClass of the pods."""
    pod_security: PodSecuritySpec
    """Who the pods run as: runAsUser, runAsGroup, fsGroup, supplementalGroups (each merged over the cluster's)."""
    ray_start_params: dict[str, str]
    """Extra `ray start` parameters merged over the cluster's (not those raystack derives)."""
    env_from: list[dict[str, Any]]
    """Kubernetes EnvFromSource entries (ConfigMaps, Secrets), added to the cluster's."""
    volumes: list[dict[str, Any]]
    """Extra volumes, Kubernetes' Volume shape, added to the cluster's (same name: this one)."""
    volume_mounts: list[dict[str, Any]]
    """Ray container mounts, Kubernetes' VolumeMount shape, added to the cluster's (same mountPath: this one)."""
    init_containers: list[dict[str, Any]]
    """Init containers, Kubernetes' Container shape, run restricted (replace the cluster's)."""
    node_selector: dict[str, str]
    """Extra node selector on an existing pool (e.g. a zone); the pool's own keys are refused, and
    pools the stack creates carry no labels beyond those raystack gives them."""
    tolerations: list[dict[str, Any]]
    """Extra tolerations, Kubernetes' Toleration shape, added to the pool's (e.g. a team's own taint)."""


class WorkerGroupSpec(TypedDict, total=False):
    """A Ray worker group, derived from the pool it runs on."""

    name: Required[str]
    """Group name: a DNS-1123 label, unique in its cluster."""
    pool: Required[str]
    """Name of a pool in ``gpuPools`` or ``existingPools``."""
    accelerators_per_worker: int
    """Accelerators each Ray worker pod gets (default: all of the node's)."""
    min_workers: int
    """Workers kept running (default 0); slices on a multi-host TPU slice pool."""
    max_workers: int
    """Most workers (default: what the pool can hold at its maximum size); slices on a multi-host TPU slice pool."""
    num_of_hosts: int
    """Pods a worker replica runs, one a host of a multi-host TPU slice (KubeRay numOfHosts; default and only
    allowed value: the pool's hosts per slice, 1 off slice pools)."""
    cpu: int
    """Whole CPUs per worker (default: the node's allocatable share)."""
    memory_gib: int
    """Memory per worker in GiB (default: the node's allocatable share)."""
    idle_timeout_seconds: int
    """Idle time before the autoscaler removes a worker (default: the cluster's)."""
    image: str
    """Container image of the workers (default: the cluster's image, else rayproject/ray with the
    pool's accelerator variant; required on accelerators no public Ray image supports)."""
    env: dict[str, str]
    """Environment variables: name -> value (merged over the cluster's)."""
    secret_env: dict[str, SecretKeySpec]
    """Environment variables from Secret keys: name -> {secret, key} (merged over the cluster's)."""
    image_pull_secrets: list[str]
    """Secrets with registry credentials for the image (replaces the cluster's)."""
    pod_labels: dict[str, str]
    """Extra pod labels (merged over the cluster's; raystack.io/ and ray.io/ keys are KubeRay's and raystack's)."""
    pod_annotations: dict[str, str]
    """Extra pod annotations (merged over the cluster's)."""
    scheduler_name: str
    """Kubernetes scheduler of the pods (e.g. a gang scheduler; default: the cluster's default scheduler)."""
    priority_class_name: str
    """PriorityClass of the pods."""
    pod_security: PodSecuritySpec
    """Who the pods run as: runAsUser, runAsGroup, fsGroup, supplementalGroups (each merged over the cluster's)."""
    ray_start_params: dict[str, str]
    """Extra `ray start` parameters merged over the cluster's (not those raystack derives)."""
    env_from: list[dict[str, Any]]
    """Kubernetes EnvFromSource entries (ConfigMaps, Secrets), added to the cluster's."""
    volumes: list[dict[str, Any]]
    """Extra volumes, Kubernetes' Volume shape, added to the cluster's (same name: this one)."""
    volume_mounts: list[dict[str, Any]]
    """Ray container mounts, Kubernetes' VolumeMount shape, added to the cluster's (same mountPath: this one)."""
    init_containers: list[dict[str, Any]]
    """Init containers, Kubernetes' Container shape, run restricted (replace the cluster's)."""
    node_selector: dict[str, str]
    """Extra node selector on an existing pool (e.g. a zone); the pool's own keys are refused, and
    pools the stack creates carry no labels beyond those raystack gives them."""
    tolerations: list[dict[str, Any]]
    """Extra tolerations, Kubernetes' Toleration shape, added to the pool's (e.g. a team's own taint)."""
    collective_check: bool
    """With the cluster's smokeTest: also all-reduce across two workers of this group (NCCL on NVIDIA,
    torch-neuronx's XLA collectives on Trainium), 1 GiB per rank, and fail `pulumi up` when the bus
    bandwidth is below collectiveFloorGbytes or a sum is wrong. Needs a pool with efa: true, workers that
    hold a whole node, maxWorkers of at least 2 and an image with torch; it holds two nodes while it runs
    (default false)."""
    collective_floor_gbytes: int
    """Bus bandwidth in GB/s (nccl-tests' definition) below which the collective check fails (default:
    half the instance type's network bandwidth, e.g. 200 for p5.48xlarge's 3200 Gbps)."""


class AllowFromSpec(TypedDict, total=False):
    """An exception to a RayCluster's NetworkPolicy: who may reach which Ray ports."""

    namespaces: list[str]
    """Namespaces the clients run in (default: the cluster's own namespace)."""
    pod_labels: dict[str, str]
    """Labels the client pods carry (default: any pod of those namespaces)."""
    ports: Required[list[int]]
    """Ray ports opened to them: 8265 (dashboard and Jobs API), 8000 (Serve), 10001 (Ray Client),
    8080 (metrics)."""


class PodIdentitySpec(TypedDict, total=False):
    """A cloud identity for the Ray pods of a cluster the stack creates, least privilege: only what is
    listed. EKS: an IAM role through EKS Pod Identity. AKS: a user-assigned managed identity through
    Microsoft Entra Workload ID (federated credentials for the head's and the workers' accounts)."""

    managed_policy_arns: list[str]
    """EKS: IAM managed policies to attach (arn:aws:iam::aws:policy/... or your account's)."""
    s3_read: list[str]
    """EKS: S3 buckets the pods may list and read (names, not ARNs)."""
    s3_read_write: list[str]
    """EKS: S3 buckets the pods may list, read, write and delete in (names, not ARNs)."""
    storage_read: list[str]
    """AKS: storage accounts or blob containers the pods may read (Azure resource IDs:
    /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<account>[/blobServices/default/containers/<name>]);
    Storage Blob Data Reader scoped to each."""
    storage_read_write: list[str]
    """AKS: storage accounts or blob containers the pods may read, write and delete in (Azure resource IDs);
    Storage Blob Data Contributor scoped to each."""


class ServiceAccountSpec(TypedDict, total=False):
    """The Kubernetes service account the worker pods run as. The head keeps KubeRay's own
    (named after the cluster), which KubeRay binds to the autoscaler's Role; Pod Identity covers both."""

    name: Required[str]
    """Its name: a DNS-1123 subdomain other than the cluster's name (that is KubeRay's head account)."""
    create: bool
    """Create it in the cluster's namespace (default true); false to use one that exists."""
    annotations: dict[str, str]
    """Annotations of the created account (e.g. eks.amazonaws.com/role-arn for IRSA)."""
    pod_identity: PodIdentitySpec
    """An IAM role for the pods through EKS Pod Identity."""


class RayClusterSpec(TypedDict, total=False):
    """A KubeRay RayCluster whose worker groups are derived from their pools."""

    name: str
    """RayCluster name: a DNS-1035 label of at most 53 characters; required under rayClusters,
    absent under rayJobs, rayServices and rayCronJobs (KubeRay names their clusters)."""
    namespace: str
    """Kubernetes namespace (default ray); raystack creates it."""
    ray_version: str
    """Ray version (default: the platform's rayVersion)."""
    python_tag: str
    """Python tag of the rayproject/ray image: py310, py311 (default) or py312."""
    image: str
    """Container image of every pod (head and workers) unless a group names its own; it must carry
    the cluster's Ray version."""
    env: dict[str, str]
    """Environment variables: name -> value."""
    secret_env: dict[str, SecretKeySpec]
    """Environment variables from Secret keys: name -> {secret, key}."""
    image_pull_secrets: list[str]
    """Secrets with registry credentials for the image."""
    pod_labels: dict[str, str]
    """Extra pod labels (raystack.io/ and ray.io/ keys are KubeRay's and raystack's)."""
    pod_annotations: dict[str, str]
    """Extra pod annotations."""
    scheduler_name: str
    """Kubernetes scheduler of the pods (e.g. a gang scheduler; default: the cluster's default scheduler)."""
    priority_class_name: str
    """PriorityClass of the pods."""
    pod_security: PodSecuritySpec
    """Who the pods run as: runAsUser, runAsGroup, fsGroup, supplementalGroups (each merged over the cluster's)."""
    ray_start_params: dict[str, str]
    """Extra `ray start` parameters; those raystack sets from the pool
    (num-cpus, num-gpus, memory, object-store-memory, resources, labels) are refused."""
    env_from: list[dict[str, Any]]
    """Kubernetes EnvFromSource entries: ConfigMaps or Secrets whose keys become variables."""
    volumes: list[dict[str, Any]]
    """Extra pod volumes, Kubernetes' Volume shape: ConfigMap, Secret, PVC (FSx, Mountpoint for S3), CSI; no hostPath."""
    volume_mounts: list[dict[str, Any]]
    """Mounts of the pod's volumes into the Ray container, Kubernetes' VolumeMount shape."""
    init_containers: list[dict[str, Any]]
    """Init containers in Kubernetes' Container shape, given the Ray container's restricted securityContext."""
    head: HeadSpec
    """The head pod."""
    worker_groups: list[WorkerGroupSpec]
    """Worker groups, each bound to one pool."""
    idle_timeout_seconds: int
    """Autoscaler v2 idle timeout in seconds (default 120)."""
    upscaling_mode: UpscalingMode
    """Default, Aggressive or Conservative (default Default)."""
    upgrade_strategy: ClusterUpgradeStrategy
    """What an edit of the pod templates does to running pods. Recreate (default): KubeRay deletes
    every pod, head included, and creates them anew from the edited spec; `raystack plan --compare`
    warns. None: running pods keep the old spec, and only pods created later (autoscaled workers)
    get the new one. Only under rayClusters: KubeRay refuses it in the cluster of a RayJob, RayService
    or RayCronJob."""
    auth: RayAuth
    """Ray token authentication (default token)."""
    network_policy: bool
    """Create NetworkPolicies isolating the cluster (default true)."""
    allow_from: list[AllowFromSpec]
    """Explicit exceptions to the NetworkPolicy (e.g. Prometheus on 8080, a Serve gateway on 8000)."""
    service_account: ServiceAccountSpec
    """The service account the workers run as, optionally with an IAM role (default: the namespace's default)."""
    gcs_fault_tolerance: bool
    """Keep this cluster's GCS in the stack's gcsFaultTolerance Redis (default: on for the clusters of
    rayServices when the stack has one, off otherwise)."""
    smoke_test: bool
    """Add a RayJob (<name>-smoke) that asks Ray for one accelerator on each accelerator worker group
    and checks the device is visible; `pulumi up` waits for it to succeed, so it fails when a group
    can never schedule (default false; the cluster's name may then have at most 41 characters)."""

