"""The components other Pulumi languages see (the component provider's list; separate from ``__all__``)."""

from __future__ import annotations

from .components.cluster_autoscaler import ClusterAutoscaler
from .components.efa_device_plugin import EfaDevicePlugin
from .components.eks_cluster import EksCluster
from .components.gcs_redis import GcsRedis
from .components.gpu_node_pool import GpuNodePool
from .components.karpenter import Karpenter
from .components.karpenter_node_pool import KarpenterNodePool
from .components.kuberay_operator import KubeRayOperator
from .components.network import Network
from .components.neuron_device_plugin import NeuronDevicePlugin
from .components.nvidia_device_plugin import NvidiaDevicePlugin
from .components.ray_cluster import RayCluster
from .components.ray_cron_job import RayCronJob
from .components.ray_job import RayJob
from .components.ray_monitoring import RayMonitoring
from .components.ray_platform import RayPlatform
from .components.ray_service import RayService

COMPONENTS = [Network, EksCluster, GpuNodePool, ClusterAutoscaler, Karpenter, KarpenterNodePool, NvidiaDevicePlugin, NeuronDevicePlugin,
              EfaDevicePlugin, GcsRedis, KubeRayOperator, RayCluster, RayJob, RayMonitoring, RayService, RayCronJob,
              RayPlatform]
