"""Derive a RayCluster (ray.io/v1, KubeRay 1.7.0) from pool facts.

Every worker group is computed from the ``PoolFacts`` of the pool it binds to:
node selector, tolerations, accelerator limits, CPU and memory that fit the
node's allocatable share, pods per node and a ``maxReplicas`` the pool can
actually hold. The result is a plain dict: the component hands it to Pulumi,
the plan command validates it against the CRD schema and Ray's own parser.
Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import versions
from .pools import PoolFacts

#: Share of a worker's memory given to Ray's object store (Ray's own default).
OBJECT_STORE_FRACTION = 0.3
#: Memory granularity for derived worker sizes.
MEMORY_STEP_MIB = 256
DEFAULT_HEAD_CPU = 2
DEFAULT_HEAD_MEMORY_GIB = 8
DEFAULT_IDLE_TIMEOUT_SECONDS = 120
RAY_UID = 1000  # the `ray` user of rayproject/ray images

RESTRICTED_SECURITY_CONTEXT: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "runAsUser": RAY_UID,
    "seccompProfile": {"type": "RuntimeDefault"},
}


class SizingError(ValueError):
    """Raised with (field, value, message) when a group cannot fit its pool."""

    def __init__(self, field: str, value: Any, message: str):
        self.field, self.value, self.message = field, value, message
        super().__init__(f"{field} = {value!r}: {message}")


@dataclass(frozen=True)
class WorkerSize:
    accelerators: int
    pods_per_node: int
    cpu: int
    memory_mib: int
    max_workers_cap: int
    min_workers: int
    max_workers: int

    @property
    def object_store_bytes(self) -> int:
        return int(self.memory_mib * 1024 * 1024 * OBJECT_STORE_FRACTION)


def size_worker(pool: PoolFacts, group: dict[str, Any]) -> WorkerSize:
    """Fit one Ray worker pod shape to a pool. Raises SizingError naming the field."""
    if pool.accelerators_per_node > 0:
        accels = group.get("accelerators_per_worker", pool.accelerators_per_node)
        if not 1 <= accels <= pool.accelerators_per_node:
            raise SizingError(
                "acceleratorsPerWorker", accels,
                f"pool {pool.name!r} nodes have {pool.accelerators_per_node} "
                f"{pool.accelerator_resource}; allowed 1..{pool.accelerators_per_node}")
        pods_per_node = pool.accelerators_per_node // accels
    else:
        accels = group.get("accelerators_per_worker", 0)
        if accels:
            raise SizingError("acceleratorsPerWorker", accels, f"pool {pool.name!r} has no accelerators; allowed: 0")
        pods_per_node = 1

    cpu_budget = pool.schedulable_cpu_millis // pods_per_node
    mem_budget = pool.schedulable_memory_mib // pods_per_node
    max_cpu = cpu_budget // 1000
    max_mem_gib = mem_budget // 1024
    if max_cpu < 1 or max_mem_gib < 1:
        raise SizingError("pool", pool.name, f"nodes leave {pool.schedulable_cpu_millis}m CPU / "
                          f"{pool.schedulable_memory_mib}Mi for {pods_per_node} worker(s); too small")
    cpu = group.get("cpu", max_cpu)
    if not 1 <= cpu <= max_cpu:
        raise SizingError("cpu", cpu, f"{pods_per_node} worker(s) per {pool.instance_type or pool.name} node "
                          f"leave room for 1..{max_cpu} whole CPUs each")
    if "memory_gib" in group:
        mem_gib = group["memory_gib"]
        if not 1 <= mem_gib <= max_mem_gib:
            raise SizingError("memoryGib", mem_gib, f"{pods_per_node} worker(s) per "
                              f"{pool.instance_type or pool.name} node leave room for 1..{max_mem_gib} GiB each")
        memory_mib = mem_gib * 1024
    else:
        memory_mib = (mem_budget // MEMORY_STEP_MIB) * MEMORY_STEP_MIB

    cap = pool.max_nodes * pods_per_node
    max_workers = group.get("max_workers", cap)
    if not 1 <= max_workers <= cap:
        raise SizingError("maxWorkers", max_workers,
                          f"pool {pool.name!r} holds at most {pool.max_nodes} node(s) x {pods_per_node} "
                          f"worker(s); allowed 1..{cap}")
    min_workers = group.get("min_workers", 0)
    if not 0 <= min_workers <= max_workers:
        raise SizingError("minWorkers", min_workers, f"allowed 0..{max_workers} (maxWorkers)")
    return WorkerSize(accels, pods_per_node, cpu, memory_mib, cap, min_workers, max_workers)


def ray_image(ray_version: str, python_tag: str, gpu: bool) -> str:
    suffix = "-gpu" if gpu else ""
    return f"{versions.RAY_IMAGE_REPO}:{ray_version}-{python_tag}{suffix}"


def _shm_volume(size_mib: int) -> dict[str, Any]:
    return {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{size_mib}Mi"}}


def _tolerations(pool: PoolFacts) -> list[dict[str, str]]:
    return [t.toleration() for t in pool.taints]


def build_worker_group(group: dict[str, Any], pool: PoolFacts, ray_version: str, python_tag: str,
                       size: WorkerSize) -> dict[str, Any]:
    limits: dict[str, str] = {"cpu": str(size.cpu), "memory": f"{size.memory_mib}Mi"}
    ray_resources: dict[str, str] = {}
    if size.accelerators and pool.accelerator_resource:
        limits[pool.accelerator_resource] = str(size.accelerators)
        # Declared explicitly: Ray's autoscaler reads only some accelerator
        # resources from limits, and both KubeRay and Ray read this field.
        ray_resources[pool.ray_accelerator_resource or "GPU"] = str(size.accelerators)
    object_store_mib = int(size.memory_mib * OBJECT_STORE_FRACTION)
    wg: dict[str, Any] = {
        "groupName": group["name"],
        "replicas": size.min_workers,
        "minReplicas": size.min_workers,
        "maxReplicas": size.max_workers,
        "numOfHosts": 1,
        "rayStartParams": {"object-store-memory": str(object_store_mib * 1024 * 1024)},
        "template": {
            "metadata": {"labels": {"raystack.io/pool": pool.name}},
            "spec": {
                "nodeSelector": dict(pool.node_selector),
                "tolerations": _tolerations(pool),
                "containers": [{
                    "name": "ray-worker",
                    "image": ray_image(ray_version, python_tag, gpu=pool.accelerator_kind == "nvidia"),
                    "resources": {"requests": dict(limits), "limits": dict(limits)},
                    "securityContext": dict(RESTRICTED_SECURITY_CONTEXT),
                    "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
                    "lifecycle": {"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}},
                }],
                "volumes": [_shm_volume(object_store_mib)],
            },
        },
    }
    if ray_resources:
        wg["resources"] = ray_resources
    if "idle_timeout_seconds" in group:
        wg["idleTimeoutSeconds"] = group["idle_timeout_seconds"]
    return wg


def head_size(spec: dict[str, Any], pool: PoolFacts) -> tuple[int, int]:
    head = spec.get("head", {})
    cpu = head.get("cpu", DEFAULT_HEAD_CPU)
    mem_gib = head.get("memory_gib", DEFAULT_HEAD_MEMORY_GIB)
    # The autoscaler sidecar (500m / 512Mi by default) shares the head's node.
    max_cpu = (pool.schedulable_cpu_millis - 500) // 1000
    max_mem = (pool.schedulable_memory_mib - 512) // 1024
    if not 1 <= cpu <= max_cpu:
        raise SizingError("head.cpu", cpu, f"pool {pool.name!r} nodes leave room for 1..{max_cpu} CPUs")
    if not 1 <= mem_gib <= max_mem:
        raise SizingError("head.memoryGib", mem_gib, f"pool {pool.name!r} nodes leave room for 1..{max_mem} GiB")
    return cpu, mem_gib


def build_raycluster(spec: dict[str, Any], pools: dict[str, PoolFacts], head_pool: PoolFacts,
                     default_ray_version: str = versions.RAY_VERSION) -> dict[str, Any]:
    """The full RayCluster manifest for a validated RayClusterSpec."""
    ray_version = spec.get("ray_version", default_ray_version)
    python_tag = spec.get("python_tag", versions.RAY_DEFAULT_PYTHON_TAG)
    namespace = spec.get("namespace", "ray")
    head_cpu, head_mem_gib = head_size(spec, head_pool)
    head_limits = {"cpu": str(head_cpu), "memory": f"{head_mem_gib}Gi"}
    head_object_store_mib = int(head_mem_gib * 1024 * OBJECT_STORE_FRACTION)

    groups = []
    for g in spec.get("worker_groups", []):
        pool = pools[g["pool"]]
        groups.append(build_worker_group(g, pool, ray_version, python_tag, size_worker(pool, g)))

    cluster_spec: dict[str, Any] = {
        "rayVersion": ray_version,
        "enableInTreeAutoscaling": True,
        "autoscalerOptions": {
            "version": "v2",
            "idleTimeoutSeconds": spec.get("idle_timeout_seconds", DEFAULT_IDLE_TIMEOUT_SECONDS),
            "upscalingMode": spec.get("upscaling_mode", "Default"),
            "securityContext": dict(RESTRICTED_SECURITY_CONTEXT),
        },
        "upgradeStrategy": {"type": "Recreate"},
        "headGroupSpec": {
            "serviceType": "ClusterIP",
            "rayStartParams": {
                "num-cpus": "0",
                "object-store-memory": str(head_object_store_mib * 1024 * 1024),
            },
            "template": {
                "metadata": {"labels": {"raystack.io/pool": head_pool.name}},
                "spec": {
                    "nodeSelector": dict(head_pool.node_selector),
                    "tolerations": _tolerations(head_pool),
                    "containers": [{
                        "name": "ray-head",
                        "image": ray_image(ray_version, python_tag, gpu=False),
                        "resources": {"requests": dict(head_limits), "limits": dict(head_limits)},
                        # No 10001 (Ray Client): only what the cluster uses.
                        "ports": [
                            {"containerPort": 6379, "name": "gcs-server"},
                            {"containerPort": 8265, "name": "dashboard"},
                            {"containerPort": 8080, "name": "metrics"},
                        ],
                        "securityContext": dict(RESTRICTED_SECURITY_CONTEXT),
                        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
                    }],
                    "volumes": [_shm_volume(head_object_store_mib)],
                },
            },
        },
        "workerGroupSpecs": groups,
    }
    if spec.get("auth", "token") == "token":
        cluster_spec["authOptions"] = {"mode": "token"}
    else:
        cluster_spec["authOptions"] = {"mode": "disabled"}
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {
            "name": spec["name"],
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "raystack", "app.kubernetes.io/managed-by": "pulumi"},
        },
        "spec": cluster_spec,
    }
