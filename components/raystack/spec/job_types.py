"""What users write about Ray workloads: RayJobs, RayServices and RayCronJobs, each with the Ray
cluster it runs on (re-exported by ``raystack.spec.types``; the same rules apply: documented
fields, no ``from __future__ import annotations``, Pulumi-free)."""

from enum import Enum
from typing import Any, TypedDict

from typing_extensions import Required

from .ray_types import RayClusterSpec


class JobSubmissionMode(str, Enum):
    """How KubeRay submits a RayJob's entrypoint."""

    K8S_JOB = "K8sJobMode"
    HTTP = "HTTPMode"


class ServeUpgradeStrategy(str, Enum):
    """What KubeRay does when a RayService's cluster spec changes."""

    NEW_CLUSTER = "NewCluster"
    NEW_CLUSTER_WITH_INCREMENTAL_UPGRADE = "NewClusterWithIncrementalUpgrade"
    NONE = "None"


class RayJobSpec(TypedDict, total=False):
    """A KubeRay RayJob: an entrypoint run on a Ray cluster of its own (rayCluster) or on a
    RayCluster of this stack (clusterSelector). A changed spec is a new run: the RayJob is replaced."""

    name: Required[str]
    """RayJob name: a DNS-1035 label of at most 47 characters (KubeRay names its cluster after it)."""
    namespace: str
    """Kubernetes namespace (default ray); raystack creates it."""
    entrypoint: Required[str]
    """The command the job runs, e.g. python train.py."""
    runtime_env: dict[str, Any]
    """Ray runtime_env as a mapping (working_dir, pip, env_vars, py_modules, ...); checked against
    the keys Ray knows."""
    submission_mode: JobSubmissionMode
    """K8sJobMode (default: a restricted submitter pod) or HTTPMode (the operator submits)."""
    cluster_selector: str
    """Run on this RayCluster of the stack (in the job's namespace) instead of creating a cluster."""
    ray_cluster: RayClusterSpec
    """The cluster the job creates, exactly as under rayClusters (no name or namespace: KubeRay
    names it after the job). Required unless clusterSelector."""
    shutdown_after_job_finishes: bool
    """Delete the job's cluster when the job finishes (default true: its nodes scale back to zero)."""
    ttl_seconds_after_finished: int
    """Seconds the finished job's cluster is kept, for logs (default 60)."""
    active_deadline_seconds: int
    """Most seconds the job may run before KubeRay fails it."""
    backoff_limit: int
    """Retries of a failed job, each on a new cluster (not with clusterSelector)."""
    wait_for_completion: bool
    """`pulumi up` waits until the job succeeded (default false: until Ray has accepted it)."""
    timeout_seconds: int
    """How long `pulumi up` waits (default 1800: nodes from zero and a multi-GB image pull; with
    waitForCompletion, activeDeadlineSeconds more)."""


class RayServiceSpec(TypedDict, total=False):
    """A KubeRay RayService: Ray Serve applications on a Ray cluster KubeRay upgrades without
    downtime. Reached in the cluster through its ClusterIP serve Service (<name>-serve-svc:8000)."""

    name: Required[str]
    """RayService name: a DNS-1035 label of at most 47 characters."""
    namespace: str
    """Kubernetes namespace (default ray); raystack creates it."""
    serve_config_v2: Required[dict[str, Any]]
    """Ray Serve config as a mapping: applications with name, import_path, route_prefix,
    runtime_env and deployments (checked as Ray Serve's schema)."""
    ray_cluster: Required[RayClusterSpec]
    """The cluster Serve runs on, exactly as under rayClusters (no name or namespace)."""
    upgrade_strategy: ServeUpgradeStrategy
    """NewCluster (default: a new cluster, then traffic moves), or None; NewClusterWithIncrementalUpgrade
    is refused (it needs a Gateway API controller raystack does not install)."""
    timeout_seconds: int
    """How long `pulumi up` waits for the service to be Ready (default 1800: nodes from zero, image
    pull and model load)."""


class RayCronJobSpec(TypedDict, total=False):
    """A KubeRay RayCronJob: a RayJob started on a schedule (needs the operator's RayCronJob
    feature gate, which raystack turns on where it installs the operator)."""

    name: Required[str]
    """RayCronJob name: a DNS-1035 label of at most 36 characters (each run is named after it)."""
    namespace: str
    """Kubernetes namespace (default ray); raystack creates it."""
    schedule: Required[str]
    """Cron schedule: five fields (minute hour day-of-month month day-of-week) or a descriptor
    such as @daily or @every 6h."""
    time_zone: str
    """IANA time zone of the schedule (default: the operator's, UTC)."""
    suspend: bool
    """Start no new runs (default false)."""
    entrypoint: Required[str]
    """The command each run executes."""
    runtime_env: dict[str, Any]
    """Ray runtime_env of each run as a mapping; checked against the keys Ray knows."""
    submission_mode: JobSubmissionMode
    """K8sJobMode (default) or HTTPMode."""
    cluster_selector: str
    """Run on this RayCluster of the stack (same namespace) instead of a cluster per run."""
    ray_cluster: RayClusterSpec
    """The cluster each run creates and deletes when it finishes (no name or namespace). Required
    unless clusterSelector."""
    ttl_seconds_after_finished: int
    """Seconds a finished run's cluster is kept (default 60)."""
    active_deadline_seconds: int
    """Most seconds a run may take."""
    backoff_limit: int
    """Retries of a failed run (not with clusterSelector)."""
