"""Resolve ``gcsFaultTolerance``: the stack's Redis for the Ray clusters' GCS, and which clusters use it.
Pulumi-free. What KubeRay and Ray require is cited in ``ray.gcs``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..ray.gcs import CREATED_ADDRESS, PASSWORD_KEY, PASSWORD_SECRET, RedisAddress, ft_options, parse_address
from ..rules.common import require_created_and_applied
from ..spec.coerce import to_camel
from ..versions import ELASTICACHE_ENGINE_VERSIONS
from .findings import Finding

#: What the model sees of gcsRedisPassword: the value stays an Output (a secret) for the Secret it goes in.
PASSWORD_GIVEN = "(secret)"


#: ElastiCache's defaults for gcsFaultTolerance.redis: create.
DEFAULT_NODE_TYPE, DEFAULT_ENGINE, DEFAULT_REPLICAS, MAX_REPLICAS = "cache.t4g.medium", "valkey", 1, 5
#: The environment (raystack:environment) whose created Redis is multi-AZ by default.
PROD = "prod"
#: ElastiCache node types: cache.<family>.<size> (ElastiCache user guide, "Supported node types").
_NODE_TYPE = re.compile(r"^cache\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
#: A replication group id: 1-40 lowercase letters, digits or hyphens, starting with a letter, without two
#: hyphens in a row or a hyphen at the end (ElastiCache API, CreateReplicationGroup ReplicationGroupId).
REPLICATION_GROUP_ID_MAX = 40
REDIS_PORT = 6379


def replication_group_id(cluster_name: str) -> str:
    """The replication group of a cluster's GCS Redis: ``<cluster>-gcs`` cut to ElastiCache's 40 characters."""
    base = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", cluster_name.lower())).strip("-")
    return f"{base[:REPLICATION_GROUP_ID_MAX - 4].rstrip('-')}-gcs"


@dataclass(frozen=True)
class ManagedRedis:
    """The ElastiCache replication group raystack creates (gcsFaultTolerance.redis: create)."""

    replication_group_id: str
    engine: str
    engine_version: str
    node_type: str
    #: Read replicas beside the primary; above 0 the group is multi-AZ with automatic failover.
    replicas: int
    port: int = REDIS_PORT

    @property
    def nodes(self) -> int:
        return 1 + self.replicas

    @property
    def multi_az(self) -> bool:
        return self.replicas > 0


@dataclass(frozen=True)
class GcsPlan:
    """The stack's GCS fault-tolerance Redis."""

    #: Its address; None when raystack creates it (ElastiCache gives it on create).
    address: RedisAddress | None
    #: The Secret (in each namespace of a cluster using the Redis) and its key holding the password.
    secret: str
    key: str
    #: raystack creates that Secret, from gcsRedisPassword or the AUTH token it generates (else it is the
    #: team's own, passwordSecret).
    create_secret: bool
    #: The Redis raystack creates, if it does.
    managed: ManagedRedis | None = None

    def options(self) -> dict[str, Any]:
        """gcsFaultToleranceOptions; a created Redis's address is ``CREATED_ADDRESS`` here, which the
        components replace with the replication group's endpoint (``ray.gcs.fill_address``)."""
        return ft_options(self.address or CREATED_ADDRESS, self.secret, self.key)


def resolve_gcs(spec: dict[str, Any], key: Any, findings: list[Finding], warnings: list[Finding],
                environment: str | None = None) -> GcsPlan | None:
    """The stack's Redis, or None (no gcsFaultTolerance, or a finding). ``key``: the key-path function;
    ``environment``: the stack's (raystack:environment, else the stack name)."""
    gcs, password = spec.get("gcs_fault_tolerance"), spec.get("gcs_redis_password")
    if gcs is None:
        if password is not None:
            findings.append(Finding(key("gcsRedisPassword"), PASSWORD_GIVEN,
                                    "is the password of the gcsFaultTolerance Redis: set gcsFaultTolerance too"))
        return None
    at = key("gcsFaultTolerance")
    before = len(findings)
    if gcs.get("redis") == "create":
        return _resolve_created(spec, gcs, at, key, findings, warnings, environment or spec.get("environment"))
    for field in ("engine", "node_type", "replicas"):
        if gcs.get(field) is not None:
            findings.append(Finding(f"{at}.{to_camel(field)}", gcs[field], "sizes the Redis raystack creates: "
                                                                        "set redis: create, or leave it out"))
    address = parse_address(gcs["address"]) if gcs.get("address") else None
    if not gcs.get("address"):
        findings.append(Finding(f"{at}.address", None, "is required: the Redis, as rediss://host:port (TLS), "
                                                       "redis://host:port or host:port"))
    elif address is None:
        findings.append(Finding(f"{at}.address", gcs["address"], "must be host:port, redis://host:port or "
                                                                 "rediss://host:port (TLS), as Ray reads it"))
    own = gcs.get("password_secret")
    if own is not None and password is not None:
        findings.append(Finding(f"{at}.passwordSecret", own, "and gcsRedisPassword both give the password: "
                                                             "keep one"))
    elif own is None and password is None:
        findings.append(Finding(key("gcsRedisPassword"), None,
                                "is required with gcsFaultTolerance (pulumi config set --secret "
                                "raystack:gcsRedisPassword ...), or give passwordSecret: a Redis anyone in the "
                                "cluster's network can write to would hold every cluster's control state"))
    elif password is not None and spec["kubernetes_delivery"] == "gitops":
        findings.append(Finding(key("gcsRedisPassword"), PASSWORD_GIVEN,
                                "would go to Git in the rendered Secret with kubernetesDelivery gitops: deliver "
                                "a Secret yourself and name it in gcsFaultTolerance.passwordSecret"))
    if len(findings) > before or address is None:
        return None
    if not address.tls:
        warnings.append(Finding(f"{at}.address", gcs["address"], "sends the Redis password and every cluster's "
                                "control state unencrypted: use rediss://host:port where the Redis has TLS",
                                severity="warning"))
    if not spec["kuberay"]["install"]:
        warnings.append(Finding(f"{at}", "(set)", "the KubeRay operator is not raystack's: gcsFaultToleranceOptions "
                                "needs KubeRay 1.3.0 or later (Ray docs, RayService high availability)",
                                severity="warning"))
    if own is not None:
        return GcsPlan(address, own["secret"], own["key"], create_secret=False)
    return GcsPlan(address, PASSWORD_SECRET, PASSWORD_KEY, create_secret=True)


def _resolve_created(spec: dict[str, Any], gcs: dict[str, Any], at: str, key: Any, findings: list[Finding],
                     warnings: list[Finding], environment: str | None) -> GcsPlan | None:
    """gcsFaultTolerance.redis: create: an ElastiCache replication group raystack creates, with its own
    AUTH token; refused where raystack cannot place it or its address could not reach the clusters."""
    before = len(findings)
    for field, why in (("address", "is what ElastiCache gives the Redis raystack creates"),
                       ("password_secret", "is the Redis raystack creates' AUTH token, which it generates")):
        if gcs.get(field) is not None:
            findings.append(Finding(f"{at}.{to_camel(field)}", gcs[field], f"{why}: leave it out with redis: create "
                                                                         "(or use redis: existing)"))
    if spec.get("gcs_redis_password") is not None:
        findings.append(Finding(key("gcsRedisPassword"), PASSWORD_GIVEN, "is not used with gcsFaultTolerance.redis: "
                                                                          "create (raystack generates the AUTH token): "
                                                                          "remove it"))
    require_created_and_applied(
        spec, f"{at}.redis", "create", findings,
        existing="needs a cluster raystack creates (its private subnets and node security group): with clusterMode "
                 "existing, run a Redis and give its address (redis: existing)",
        gitops="gives an address known only after `pulumi up`, which the manifests rendered for Git cannot hold: run "
               "the Redis and give its address (redis: existing) with kubernetesDelivery gitops")
    node_type = gcs.get("node_type") or DEFAULT_NODE_TYPE
    if not _NODE_TYPE.match(node_type):
        findings.append(Finding(f"{at}.nodeType", node_type, "must be an ElastiCache node type, "
                                                             "cache.<family>.<size> (e.g. cache.t4g.medium)"))
    prod = environment == PROD  # the policy pack's test too (policy/rules.py)
    replicas = gcs.get("replicas", DEFAULT_REPLICAS if prod else 0)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or not 0 <= replicas <= MAX_REPLICAS:
        findings.append(Finding(f"{at}.replicas", replicas, f"must be 0 to {MAX_REPLICAS} (ElastiCache: up to 5 "
                                                            "replicas beside the primary)"))
    if len(findings) > before:
        return None
    if replicas == 0 and prod:
        warnings.append(Finding(f"{at}.replicas", 0, "one Redis node in prod: when it or its AZ fails, every "
                                                     "cluster that keeps its GCS in it loses its state, the failure "
                                                     "GCS fault tolerance is meant to survive (replicas: 1, the prod "
                                                     "default, adds a multi-AZ replica with automatic failover)",
                                severity="warning"))
    engine = gcs.get("engine") or DEFAULT_ENGINE
    managed = ManagedRedis(replication_group_id(spec.get("cluster_name") or "raystack"), engine, ELASTICACHE_ENGINE_VERSIONS[engine],
                           node_type, replicas)
    return GcsPlan(None, PASSWORD_SECRET, PASSWORD_KEY, create_secret=True, managed=managed)


def cluster_uses_gcs(at: str, rc: dict[str, Any], gcs: GcsPlan | None, serve: bool,
                     findings: list[Finding]) -> bool:
    """Whether the cluster keeps its GCS in the Redis: as set, else for a RayService's cluster when the
    stack has one (KubeRay recommends GCS FT for RayService, Ray docs kuberay-gcs-ft)."""
    asked = rc.get("gcs_fault_tolerance")
    if asked and gcs is None:
        findings.append(Finding(f"{at}.gcsFaultTolerance", True, "needs the stack's gcsFaultTolerance Redis: "
                                                                 "set gcsFaultTolerance"))
        return False
    return gcs is not None and (asked if asked is not None else serve)


#: What KubeRay v1.7.0 refuses beside gcsFaultToleranceOptions (utils/validation.go): the head's own
#: RAY_REDIS_ADDRESS, REDIS_PASSWORD or REDIS_USERNAME, and redis-password or redis-username in rayStartParams.
KUBERAY_OWNED_ENV = ("RAY_REDIS_ADDRESS", "REDIS_PASSWORD", "REDIS_USERNAME")
KUBERAY_OWNED_PARAMS = ("redis-password", "redis-username")


def check_gcs_conflicts(base: str, rc: dict[str, Any], findings: list[Finding]) -> None:
    """A cluster that keeps its GCS in the Redis leaves KubeRay's variables and parameters to KubeRay."""
    for at, spec in ((base, rc), (f"{base}.head", rc["head"])):
        for name in KUBERAY_OWNED_ENV:
            for env_key in ("env", "secret_env"):
                if name in (spec.get(env_key) or {}):
                    findings.append(Finding(f"{at}.{'env' if env_key == 'env' else 'secretEnv'}.{name}", "(set)",
                                            "KubeRay sets it from gcsFaultTolerance and refuses the RayCluster "
                                            "when the head has its own"))
        for param in KUBERAY_OWNED_PARAMS:
            if param in (spec.get("ray_start_params") or {}):
                findings.append(Finding(f"{at}.rayStartParams.{param}", "(set)",
                                        "KubeRay sets the Redis credentials from gcsFaultTolerance and refuses "
                                        "them in rayStartParams"))
