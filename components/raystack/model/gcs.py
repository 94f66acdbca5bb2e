"""Resolve ``gcsFaultTolerance``: the stack's Redis for the Ray clusters' GCS, and which clusters use it.
Pulumi-free. What KubeRay and Ray require is cited in ``ray.gcs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..ray.gcs import PASSWORD_KEY, PASSWORD_SECRET, RedisAddress, ft_options, parse_address
from .findings import Finding

#: What the model sees of gcsRedisPassword: the value stays an Output (a secret) for the Secret it goes in.
PASSWORD_GIVEN = "(secret)"


@dataclass(frozen=True)
class GcsPlan:
    """The stack's GCS fault-tolerance Redis."""

    address: RedisAddress
    #: The Secret (in each namespace of a cluster using the Redis) and its key holding the password.
    secret: str
    key: str
    #: raystack creates that Secret from gcsRedisPassword (else it is the team's own, passwordSecret).
    create_secret: bool

    def options(self) -> dict[str, Any]:
        return ft_options(self.address, self.secret, self.key)


def resolve_gcs(spec: dict[str, Any], key: Any, findings: list[Finding], warnings: list[Finding]) -> GcsPlan | None:
    """The stack's Redis, or None (no gcsFaultTolerance, or a finding). ``key``: the key-path function."""
    gcs, password = spec.get("gcs_fault_tolerance"), spec.get("gcs_redis_password")
    if gcs is None:
        if password is not None:
            findings.append(Finding(key("gcsRedisPassword"), PASSWORD_GIVEN,
                                    "is the password of the gcsFaultTolerance Redis: set gcsFaultTolerance too"))
        return None
    at = key("gcsFaultTolerance")
    before = len(findings)
    if gcs.get("redis") == "create":
        findings.append(Finding(f"{at}.redis", "create", "creating the Redis (an ElastiCache replication group) is "
                                                         "not built yet: run one and give its address (redis: "
                                                         "existing, the default)"))
        return None
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


def cluster_uses_gcs(at: str, rc: dict[str, Any], gcs: GcsPlan | None, serve: bool,
                     findings: list[Finding]) -> bool:
    """Whether the cluster keeps its GCS in the Redis: as set, else for a RayService's cluster when the
    stack has one (KubeRay recommends GCS FT for RayService, Ray docs kuberay-gcs-ft)."""
    asked = rc.get("gcs_fault_tolerance")
    if asked and gcs is None:
        findings.append(Finding(f"{at}.gcsFaultTolerance", True, "needs the stack's gcsFaultTolerance Redis: "
                                                                 "set gcsFaultTolerance.address"))
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
