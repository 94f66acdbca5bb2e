"""What users write: spec types (``types``) and their coercion (``coerce``). Pulumi-free."""

from .types import (
    CapacityType,
    ClusterMode,
    ExistingPoolSpec,
    HeadSpec,
    KubeRaySpec,
    NatGateways,
    NetworkSpec,
    NodePoolSpec,
    OperatingSystem,
    PlatformSpec,
    PoolDescriptor,
    RayAuth,
    RayClusterSpec,
    SystemPoolSpec,
    TaintEffect,
    TaintSpec,
    UpscalingMode,
    WorkerGroupSpec,
)

__all__ = [
    "CapacityType", "ClusterMode", "ExistingPoolSpec", "HeadSpec", "KubeRaySpec", "NatGateways", "NetworkSpec",
    "NodePoolSpec", "OperatingSystem", "PlatformSpec", "PoolDescriptor", "RayAuth", "RayClusterSpec",
    "SystemPoolSpec", "TaintEffect", "TaintSpec", "UpscalingMode", "WorkerGroupSpec",
]
