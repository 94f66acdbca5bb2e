"""KubeRay v1.7.0's GCS fault tolerance in the simulated cluster: the Redis cleanup finalizer on delete,
and what a head pod's death does to a RayService's serving.

Sources: raycluster_controller.go@v1.7.0 (Reconcile: the finalizer ray.io/gcs-ft-redis-cleanup-finalizer
is added to every RayCluster with Redis GCS FT; on deletion the operator deletes the pods, then creates
the cleanup Job, a copy of the head pod, and removes the finalizer once the Job has finished, complete
or failed: ActiveDeadlineSeconds 300, BackoffLimit 0). A RayService's clusters are RayClusters it owns,
so they are finalized the same way. Ray docs, kuberay-gcs-ft: "Without GCS fault tolerance, the Ray
cluster, the GCS process, and the Ray head Pod are fate-sharing ... the worker Pods are terminated by the
new head Pod"; rayservice-high-availability (KubeRay 1.3.0+): with GCS FT the RayService keeps serving
when the head pod fails.
"""

from __future__ import annotations

from typing import Any

from .errors import CloudError


def options_of(obj_kind: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The gcsFaultToleranceOptions of a RayCluster, or of the cluster a RayService runs."""
    spec = body.get("spec") or {}
    cluster = spec.get("rayClusterConfig") if obj_kind == "RayService" else spec
    return (cluster or {}).get("gcsFaultToleranceOptions")


def check_finalized(kind: str, namespace: str, name: str, body: dict[str, Any], operator: Any,
                    objects: dict[tuple[str, str, str], Any]) -> None:
    """A Ray object whose cluster has Redis GCS FT is gone only once KubeRay's cleanup Job has finished.
    Without a running operator nothing removes the finalizer: the object stays Terminating, and
    pulumi-kubernetes' delete await times out. The Job's pod reads the password Secret the head reads; a
    missing Secret leaves it unstarted until its 300 s deadline fails it (the finalizer then goes)."""
    options = options_of(kind, body)
    if options is None:
        return
    if operator is None:
        raise CloudError("DeleteTimeout", f"{kind} {namespace}/{name} is still Terminating: its finalizer "
                                          "ray.io/gcs-ft-redis-cleanup-finalizer is removed by the KubeRay operator "
                                          "once the Redis cleanup Job finishes, and no operator runs", "kubernetes")
    ref = ((options.get("redisPassword") or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
    if ref and ("Secret", namespace, ref.get("name", "")) not in objects:
        raise CloudError("DeleteTimeout", f"{kind} {namespace}/{name}: the Redis cleanup Job cannot start without "
                                          f"Secret {ref.get('name')} (its REDIS_PASSWORD) and fails at its 300 s "
                                          "deadline, after pulumi-kubernetes' wait for the delete", "kubernetes")


def storage_namespace(kind: str, namespace: str, name: str) -> str:
    """The storage namespace a cluster's GCS keys live under. KubeRay sets RAY_external_storage_namespace
    on the head to the ``ray.io/external-storage-namespace`` annotation, else the RayCluster's UID
    (common/pod.go@v1.7.0); the simulation names the object instead of a UID."""
    return f"{kind}/{namespace}/{name}"


def write_keys(kind: str, namespace: str, name: str, body: dict[str, Any], redis: dict[str, set[str]]) -> None:
    """A running head with GCS FT writes its cluster's state into the Redis (Ray's RedisStoreClient)."""
    options = options_of(kind, body)
    if options is not None:
        redis.setdefault(str(options.get("redisAddress")), set()).add(storage_namespace(kind, namespace, name))


def clean_up(kind: str, namespace: str, name: str, body: dict[str, Any], redis: dict[str, set[str]]) -> None:
    """KubeRay's cleanup Job deleted the cluster's keys (it ran: ``check_finalized`` passed)."""
    options = options_of(kind, body)
    if options is not None:
        redis.get(str(options.get("redisAddress")), set()).discard(storage_namespace(kind, namespace, name))


def serving_survives_head_loss(body: dict[str, Any]) -> bool:
    """Whether a RayService keeps serving while its head pod is replaced (with GCS FT only)."""
    return options_of("RayService", body) is not None
