"""What users write for production operations: GCS fault tolerance's Redis and observability (metrics and
dashboards). Part of ``spec.types`` (see there: no ``from __future__ import annotations``, string enums for
Pulumi's analyzer). Pulumi-free.
"""

from enum import Enum
from typing import TypedDict

from .ray_types import SecretKeySpec


class GcsRedisMode(str, Enum):
    """Where the Redis of gcsFaultTolerance comes from."""

    EXISTING = "existing"
    CREATE = "create"


class GcsRedisEngine(str, Enum):
    """The engine of a created Redis (ElastiCache)."""

    VALKEY = "valkey"
    REDIS = "redis"


class GcsFaultToleranceSpec(TypedDict, total=False):
    """An external Redis the Ray clusters keep their control store (GCS) in, so that a head pod that
    dies takes neither the cluster's state nor its Serve applications with it."""

    redis: GcsRedisMode
    """existing (default): a Redis you run, at address. create: an ElastiCache replication group in the
    cluster's private subnets (TLS, an AUTH token Pulumi generates, reachable only from the cluster's
    nodes); raystack-created clusters only."""
    address: str
    """The Redis: host:port, redis://host:port, or rediss://host:port for TLS (Ray's forms). existing only."""
    password_secret: SecretKeySpec
    """A Secret of your own holding the Redis password, in every namespace of a cluster that uses it
    (instead of gcsRedisPassword). existing only."""
    engine: GcsRedisEngine
    """create: valkey (default) or redis (Redis OSS), at the version versions.py pins."""
    node_type: str
    """create: the ElastiCache node type (default cache.t4g.medium)."""
    replicas: int
    """create: read replicas beside the primary, 0 to 5. Default 1 in environment prod (multi-AZ with
    automatic failover, so the Redis is not the single point of failure GCS fault tolerance removes from
    the head; 0 there is warned about), 0 elsewhere (one node)."""


class PrometheusMode(str, Enum):
    """Where the Ray clusters' metrics go."""

    NONE = "none"
    EXISTING = "existing"
    INSTALL = "install"


class LogDestination(str, Enum):
    """Where the Ray clusters' logs go."""

    NONE = "none"
    CLOUDWATCH = "cloudwatch"


class LogsSpec(TypedDict, total=False):
    """Ray's log files (/tmp/ray/session_*/logs) shipped off every head and worker pod, so they outlive it."""

    destination: LogDestination
    """cloudwatch: a Fluent Bit sidecar (pinned) in every Ray pod ships them to a CloudWatch Logs group
    raystack creates, /raystack/<clusterName>/ray, one stream per pod and file, through each Ray
    cluster's Pod Identity role, which may write only to that group (clusters raystack creates); none
    (default): logs live and die with their pods."""
    retention_days: int
    """cloudwatch: days the log group keeps them (default 30; one of CloudWatch's values: 1, 3, 5, 7,
    14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653). The
    group is deleted on destroy."""


class ObservabilitySpec(TypedDict, total=False):
    """Metrics and dashboards for the Ray clusters, with a Prometheus Operator you run, and their logs."""

    prometheus: PrometheusMode
    """existing: your Prometheus Operator (kube-prometheus-stack or another) scrapes the Ray heads and
    workers through PodMonitors raystack creates; install: raystack installs kube-prometheus-stack (pinned,
    on the system pool; clusters it creates only); none (default): no monitors."""
    retention_days: int
    """install: days Prometheus keeps metrics (default 15)."""
    storage_gib: int
    """install: Prometheus's storage, an emptyDir of this size on its node (default 50; lost when the pod
    moves: no volume provisioner is installed)."""
    namespace: str
    """The namespace of your Prometheus and Grafana: the PodMonitors and the dashboard ConfigMaps go
    there, and the Ray NetworkPolicies admit its Prometheus pods (default monitoring)."""
    monitor_labels: dict[str, str]
    """Labels on the PodMonitors, which your Prometheus's podMonitorSelector must match (a
    kube-prometheus-stack Prometheus selects release: <its Helm release> by default)."""
    prometheus_pod_labels: dict[str, str]
    """Labels of your Prometheus pods, which the Ray NetworkPolicies admit on the metrics ports (default
    app.kubernetes.io/name: prometheus, as the Prometheus Operator labels them)."""
    dashboards: bool
    """Ray's Grafana dashboards as ConfigMaps labelled grafana_dashboard: "1" for Grafana's dashboard
    sidecar, generated from the installed Ray's own definitions (default true; needs the ray extra)."""
    grafana_host: str
    """RAY_GRAFANA_HOST on the heads: Grafana's URL as the head reaches it (e.g.
    http://kube-prometheus-stack-grafana.monitoring.svc), so the Ray dashboard embeds its graphs."""
    grafana_iframe_host: str
    """RAY_GRAFANA_IFRAME_HOST on the heads: Grafana's URL as your browser reaches it (default grafanaHost)."""
    gpu_metrics: bool
    """Accelerator metrics on the pools this stack creates (default true where there are such pools): NVIDIA's
    dcgm-exporter (pinned) on NVIDIA pools, scraped through its ServiceMonitor, with raystack's GPU dashboard;
    AWS's neuron-monitor (pinned) on Neuron pools, scraped through a PodMonitor. Each in a namespace of its own
    that is privileged (dcgm-exporter runs as root with SYS_ADMIN for DCGM's profiling metrics;
    neuron-monitor runs privileged to read the Neuron devices)."""
    prometheus_host: str
    """RAY_PROMETHEUS_HOST on the heads: Prometheus's URL as the head reaches it (e.g.
    http://kube-prometheus-stack-prometheus.monitoring.svc:9090)."""
    logs: LogsSpec
    """Ship Ray's log files off the pods (independent of prometheus)."""
