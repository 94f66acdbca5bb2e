"""raystack: GPU node pools, the KubeRay operator and Ray clusters as one typed Pulumi stack.

Pure modules (no Pulumi import): catalog, accelerators, node_images, pools,
ray_spec, addons, netplan, spec, validate, versions, errors.
Components (one per module): Network, EksCluster, GpuNodePool,
ClusterAutoscaler, NvidiaDevicePlugin, KubeRayOperator, RayCluster, RayPlatform.
Components are imported lazily so the pure modules stay cheap to import.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_COMPONENTS = {
    "Network": "network",
    "EksCluster": "eks_cluster",
    "GpuNodePool": "gpu_node_pool",
    "ClusterAutoscaler": "cluster_autoscaler",
    "NvidiaDevicePlugin": "nvidia_device_plugin",
    "KubeRayOperator": "kuberay_operator",
    "RayCluster": "ray_cluster",
    "RayPlatform": "ray_platform",
}

__all__ = list(_COMPONENTS)


def __getattr__(name: str) -> Any:
    if name in _COMPONENTS:
        return getattr(importlib.import_module(f".{_COMPONENTS[name]}", __name__), name)
    raise AttributeError(name)
