"""raystack: accelerator node pools, the KubeRay operator and Ray clusters as one typed Pulumi stack.

Public API: the components, the spec types and enums users write, ``resolve``
(stack config -> the validated ``Platform`` model), ``ConfigError``/``Finding``.
Components load lazily so the pure packages stay cheap to import; type checkers
see them through the ``TYPE_CHECKING`` block. ``raystack.testing`` is the mock-engine
harness, ``raystack.preview`` the ``raystack plan`` command.

Layers (pure = no Pulumi import): ``spec`` (what users write), ``model``
(defaults, resolve, the Platform), ``rules``, ``hardware`` (accelerators,
catalog, allocatable), ``ray`` (sizing, pods, manifests), ``kube`` (add-on values);
``clouds`` (AWS resources behind ``clouds.base``), ``components`` (public shells).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .clouds import register_all as _register_clouds
from .model.findings import ConfigError, Finding
from .model.platform import Platform
from .model.resolve import resolve
from .spec.types import (
    CapacityType,
    ClusterMode,
    ExistingPoolSpec,
    GcsFaultToleranceSpec,
    GcsRedisEngine,
    GcsRedisMode,
    HeadSpec,
    JobSubmissionMode,
    KubeRaySpec,
    NatGateways,
    NetworkSpec,
    NodePoolSpec,
    ObservabilitySpec,
    OperatingSystem,
    PlatformSpec,
    PoolDescriptor,
    PrometheusMode,
    RayAuth,
    RayClusterSpec,
    RayCronJobSpec,
    RayJobSpec,
    RayServiceSpec,
    ServeUpgradeStrategy,
    SystemPoolSpec,
    TaintEffect,
    TaintSpec,
    UpscalingMode,
    WorkerGroupSpec,
)

_register_clouds()  # every clouds.<cloud>.cloud registers its rules behind model.cloud's seam (Pulumi-free)

if TYPE_CHECKING:
    from .components.aks_cluster import AksCluster, AksClusterArgs
    from .components.aks_node_pool import AksNodePool, AksNodePoolArgs
    from .components.cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
    from .components.efa_device_plugin import EfaDevicePlugin, EfaDevicePluginArgs
    from .components.eks_cluster import EksCluster, EksClusterArgs
    from .components.gcs_redis import GcsRedis, GcsRedisArgs
    from .components.gke_cluster import GkeCluster, GkeClusterArgs
    from .components.gke_node_pool import GkeNodePool, GkeNodePoolArgs
    from .components.gpu_node_pool import GpuNodePool, GpuNodePoolArgs
    from .components.karpenter import Karpenter, KarpenterArgs
    from .components.karpenter_node_pool import KarpenterNodePool, KarpenterNodePoolArgs
    from .components.kuberay_operator import KubeRayOperator, KubeRayOperatorArgs
    from .components.network import Network, NetworkArgs
    from .components.neuron_device_plugin import NeuronDevicePlugin, NeuronDevicePluginArgs
    from .components.nvidia_device_plugin import NvidiaDevicePlugin, NvidiaDevicePluginArgs
    from .components.ray_cluster import RayCluster, RayClusterArgs
    from .components.ray_cron_job import RayCronJob, RayCronJobArgs
    from .components.ray_job import RayJob, RayJobArgs
    from .components.ray_monitoring import RayMonitoring, RayMonitoringArgs
    from .components.ray_platform import RayPlatform
    from .components.ray_service import RayService, RayServiceArgs

__version__ = "0.1.0"

_LAZY = {
    "Network": "network", "NetworkArgs": "network",
    "EksCluster": "eks_cluster", "EksClusterArgs": "eks_cluster",
    "GpuNodePool": "gpu_node_pool", "GpuNodePoolArgs": "gpu_node_pool",
    "ClusterAutoscaler": "cluster_autoscaler", "ClusterAutoscalerArgs": "cluster_autoscaler",
    "Karpenter": "karpenter", "KarpenterArgs": "karpenter",
    "KarpenterNodePool": "karpenter_node_pool", "KarpenterNodePoolArgs": "karpenter_node_pool",
    "NvidiaDevicePlugin": "nvidia_device_plugin", "NvidiaDevicePluginArgs": "nvidia_device_plugin",
    "NeuronDevicePlugin": "neuron_device_plugin", "NeuronDevicePluginArgs": "neuron_device_plugin",
    "EfaDevicePlugin": "efa_device_plugin", "EfaDevicePluginArgs": "efa_device_plugin",
    "GcsRedis": "gcs_redis", "GcsRedisArgs": "gcs_redis",
    "KubeRayOperator": "kuberay_operator", "KubeRayOperatorArgs": "kuberay_operator",
    "RayCluster": "ray_cluster", "RayClusterArgs": "ray_cluster",
    "RayJob": "ray_job", "RayJobArgs": "ray_job",
    "RayMonitoring": "ray_monitoring", "RayMonitoringArgs": "ray_monitoring",
    "RayService": "ray_service", "RayServiceArgs": "ray_service",
    "RayCronJob": "ray_cron_job", "RayCronJobArgs": "ray_cron_job",
    "RayPlatform": "ray_platform",
    "AksCluster": "aks_cluster", "AksClusterArgs": "aks_cluster",
    "AksNodePool": "aks_node_pool", "AksNodePoolArgs": "aks_node_pool",
    "GkeCluster": "gke_cluster", "GkeClusterArgs": "gke_cluster",
    "GkeNodePool": "gke_node_pool", "GkeNodePoolArgs": "gke_node_pool",
}

__all__ = [
    "AksCluster", "AksClusterArgs", "AksNodePool", "AksNodePoolArgs", "CapacityType", "ClusterAutoscaler", "ClusterAutoscalerArgs", "ClusterMode", "ConfigError", "EfaDevicePlugin", "GkeCluster", "GkeClusterArgs",
    "GkeNodePool", "GkeNodePoolArgs", "Karpenter", "KarpenterArgs", "KarpenterNodePool", "KarpenterNodePoolArgs",
    "EfaDevicePluginArgs", "EksCluster",
    "EksClusterArgs", "ExistingPoolSpec", "Finding", "GcsFaultToleranceSpec", "GcsRedis", "GcsRedisArgs",
    "GcsRedisEngine", "GcsRedisMode", "GpuNodePool",
    "GpuNodePoolArgs", "HeadSpec",
    "JobSubmissionMode", "KubeRayOperator", "KubeRayOperatorArgs", "KubeRaySpec", "NatGateways", "Network",
    "NetworkArgs", "NetworkSpec", "NeuronDevicePlugin", "NeuronDevicePluginArgs", "NodePoolSpec",
    "NvidiaDevicePlugin", "NvidiaDevicePluginArgs", "ObservabilitySpec", "OperatingSystem", "Platform", "PlatformSpec", "PoolDescriptor", "PrometheusMode",
    "RayAuth", "RayCluster", "RayClusterArgs", "RayClusterSpec", "RayCronJob", "RayCronJobArgs", "RayCronJobSpec",
    "RayJob", "RayJobArgs", "RayJobSpec", "RayMonitoring", "RayMonitoringArgs", "RayPlatform", "RayService", "RayServiceArgs", "RayServiceSpec", "resolve",
    "ServeUpgradeStrategy", "SystemPoolSpec", "TaintEffect", "TaintSpec", "UpscalingMode", "WorkerGroupSpec",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".components.{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
