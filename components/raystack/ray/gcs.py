"""GCS fault tolerance (``gcsFaultTolerance``): the Ray clusters keep their control store (GCS) in an
external Redis, so a head pod that dies takes no Serve application down. Pulumi-free.

Sources, at the pinned versions:
- KubeRay v1.7.0 ``GcsFaultToleranceOptions`` (apis/ray/v1/raycluster_types.go): ``redisAddress`` and
  ``redisPassword`` (a value or ``valueFrom``); KubeRay puts them on the head as RAY_REDIS_ADDRESS and
  REDIS_PASSWORD (controllers/ray/common/pod.go) and refuses both env vars, ``redis-password`` in
  rayStartParams and a ``ray.io/ft-enabled`` annotation beside the options (utils/validation.go).
- Ray's address forms (ray 2.60.0 ``_private/services.get_address``): ``host:port``, ``redis://host:port``,
  or ``rediss://host:port`` for TLS.
- On deletion KubeRay keeps the RayCluster (finalizer ``ray.io/gcs-ft-redis-cleanup-finalizer``) until a
  Job, a copy of the head pod with 200m/256Mi, has deleted the cluster's keys from Redis or failed
  (raycluster_controller.go: buildRedisCleanupJob, ActiveDeadlineSeconds 300, BackoffLimit 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: The Secret raystack creates in each namespace of a cluster with GCS FT, from gcsRedisPassword.
PASSWORD_SECRET = "raystack-gcs-redis"
PASSWORD_KEY = "password"
#: KubeRay's finalizer on a RayCluster with GCS FT (utils/constant.go GCSFaultToleranceRedisCleanupFinalizer).
CLEANUP_FINALIZER = "ray.io/gcs-ft-redis-cleanup-finalizer"
#: KubeRay's redis cleanup Job: its deadline, and what it requests (buildRedisCleanupJob).
CLEANUP_DEADLINE_SECONDS = 300
CLEANUP_CPU_MILLIS, CLEANUP_MEMORY_MIB = 200, 256

#: The address of a Redis raystack creates, in the model and the offline plan: ElastiCache gives the real one
#: on create, and the components put it in (``fill_address``). ``.invalid`` (RFC 2606) never resolves, so a
#: manifest that kept it could reach no Redis by mistake.
CREATED_ADDRESS = "rediss://elasticache-endpoint-known-after-apply.invalid:6379"

_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)"
_ADDRESS = re.compile(rf"^(?:(rediss?)://)?({_HOST}):(\d{{1,5}})$")


@dataclass(frozen=True)
class RedisAddress:
    host: str
    port: int
    tls: bool

    def __str__(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://{self.host}:{self.port}"


def parse_address(address: str) -> RedisAddress | None:
    """A Redis address in one of the forms Ray's get_address reads, or None."""
    m = _ADDRESS.match(address.strip())
    if m is None or not 0 < int(m.group(3)) < 65536:
        return None
    return RedisAddress(m.group(2), int(m.group(3)), m.group(1) == "rediss")


def ft_options(address: RedisAddress | str, secret: str, key: str) -> dict[str, Any]:
    """A RayCluster's ``gcsFaultToleranceOptions``: the Redis, and its password from a Secret of the
    cluster's namespace."""
    return {"redisAddress": str(address),
            "redisPassword": {"valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}}


def fill_address(obj: Any, address: Any) -> Any:
    """``obj`` (a manifest's spec) with every ``gcsFaultToleranceOptions.redisAddress`` that is
    ``CREATED_ADDRESS`` set to ``address`` (the created Redis's, an Output in the components)."""
    if isinstance(obj, dict):
        return {k: address if k == "redisAddress" and v == CREATED_ADDRESS else fill_address(v, address)
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [fill_address(v, address) for v in obj]
    return obj
