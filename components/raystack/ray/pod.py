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

RESTRICTED_SECURITY_CONTEXT: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "runAsUser": RAY_UID,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def ray_image(ray_version: str, python_tag: str, suffix: str = "") -> str:
    """rayproject/ray:<version>-<python>[<suffix>]; the suffix comes from the accelerator row."""
    return f"{versions.RAY_IMAGE_REPO}:{ray_version}-{python_tag}{suffix}"


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
