"""One pod-template builder for Ray heads and workers.

Every Ray pod gets the same placement (its pool's node selector and
tolerations), a restricted security context, limits equal to requests and a
memory-backed ``/dev/shm`` sized for the object store. Pulumi-free.
"""

from __future__ import annotations

from typing import Any

from .. import versions
from ..model.facts import POOL_LABEL, PoolFacts

RAY_UID = 1000  # the `ray` user of rayproject/ray images
SHM_HEADROOM_MIN_MIB = 1024

RESTRICTED_SECURITY_CONTEXT: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "runAsUser": RAY_UID,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def ray_image(ray_version: str, python_tag: str, suffix: str = "", architecture: str = "x86_64",
              registry: str | None = None) -> str:
    """rayproject/ray:<version>-<python>[<suffix>][-aarch64] (the tag scheme of ray's docker/README:
    {version}-{python}-{platform}-{architecture}); the suffix comes from the accelerator row."""
    arch = "-aarch64" if architecture == "arm64" else ""
    repo = f"{registry.rstrip('/')}/{versions.RAY_IMAGE_REPO}" if registry else versions.RAY_IMAGE_REPO
    return f"{repo}:{ray_version}-{python_tag}{suffix}{arch}"


def shm_size_mib(memory_mib: int, object_store_mib: int) -> int:
    """/dev/shm holds the object store's plasma files plus what NCCL, PyTorch DataLoader workers
    and multiprocessing put there: the object store and 10 % of the pod's memory (at least 1 GiB),
    never more than the pod's memory (tmpfs pages count against the memory limit)."""
    return min(memory_mib, object_store_mib + max(SHM_HEADROOM_MIN_MIB, memory_mib // 10))


def pod_template(pool: PoolFacts, *, container_name: str, image: str, limits: dict[str, str],
                 shm_mib: int, ports: list[dict[str, Any]] | None = None,
                 lifecycle: dict[str, Any] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": container_name,
        "image": image,
        "resources": {"requests": dict(limits), "limits": dict(limits)},
    }
    if ports:
        container["ports"] = ports
    container["securityContext"] = dict(RESTRICTED_SECURITY_CONTEXT)
    container["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
    if lifecycle:
        container["lifecycle"] = lifecycle
    return {
        "metadata": {"labels": {POOL_LABEL: pool.name}},
        "spec": {
            "nodeSelector": dict(pool.node_selector),
            "tolerations": pool.tolerations,
            "containers": [container],
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{shm_mib}Mi"}}],
        },
    }
