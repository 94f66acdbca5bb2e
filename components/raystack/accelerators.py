"""Accelerator kinds: how each one shows up to Kubernetes and to Ray.

A node pool's accelerator is described by one of these rows, never by
NVIDIA-specific code paths. Only kinds with ``implemented=True`` can back a
pool today; the others are here so that the catalog, the pool facts and the
worker-group derivation already carry the right names when they are added.
Sources: ../shared/notes/accelerators.md (Ray 2.60.0 and KubeRay 1.7.0 source).
Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AcceleratorKind:
    kind: str
    #: Extended resource the device plugin advertises.
    k8s_resource: str
    #: Resource name Ray schedules on.
    ray_resource: str
    #: Taint raystack puts on pools of this kind (key, value, Kubernetes effect).
    taint: tuple[str, str, str]
    #: Label that marks nodes of this kind (what device-plugin affinities key on).
    presence_label: tuple[str, str]
    #: Whether Ray's KubeRay autoscaler derives the Ray resource from container
    #: limits. Where it does not, the worker group must declare it.
    ray_reads_limits: bool
    implemented: bool


ACCELERATOR_KINDS: dict[str, AcceleratorKind] = {
    k.kind: k
    for k in (
        AcceleratorKind(
            kind="nvidia",
            k8s_resource="nvidia.com/gpu",
            ray_resource="GPU",
            taint=("nvidia.com/gpu", "true", "NoSchedule"),
            presence_label=("nvidia.com/gpu.present", "true"),
            ray_reads_limits=True,
            implemented=True,
        ),
        AcceleratorKind(
            kind="neuron",
            k8s_resource="aws.amazon.com/neuron",
            ray_resource="neuron_cores",
            taint=("aws.amazon.com/neuron", "true", "NoSchedule"),
            presence_label=("aws.amazon.com/neuron.present", "true"),
            ray_reads_limits=False,
            implemented=False,
        ),
        AcceleratorKind(
            kind="amd",
            k8s_resource="amd.com/gpu",
            ray_resource="GPU",
            taint=("amd.com/gpu", "true", "NoSchedule"),
            presence_label=("amd.com/gpu.present", "true"),
            ray_reads_limits=True,
            implemented=False,
        ),
        AcceleratorKind(
            kind="tpu",
            k8s_resource="google.com/tpu",
            ray_resource="TPU",
            taint=("google.com/tpu", "present", "NoSchedule"),
            presence_label=("cloud.google.com/gke-tpu-accelerator", ""),
            ray_reads_limits=True,
            implemented=False,
        ),
        AcceleratorKind(
            kind="ascend",
            k8s_resource="huawei.com/Ascend910",
            ray_resource="NPU",
            taint=("huawei.com/Ascend910", "true", "NoSchedule"),
            presence_label=("accelerator", "huawei-Ascend910"),
            ray_reads_limits=False,
            implemented=False,
        ),
        AcceleratorKind(
            kind="gaudi",
            k8s_resource="habana.ai/gaudi",
            ray_resource="HPU",
            taint=("habana.ai/gaudi", "true", "NoSchedule"),
            presence_label=("habana.ai/gaudi.present", "true"),
            ray_reads_limits=False,
            implemented=False,
        ),
    )
}

IMPLEMENTED_KINDS = tuple(k for k, v in ACCELERATOR_KINDS.items() if v.implemented)


def accelerator_kind(kind: str) -> AcceleratorKind:
    try:
        return ACCELERATOR_KINDS[kind]
    except KeyError:
        raise ValueError(
            f"unknown accelerator kind {kind!r}; known: {', '.join(ACCELERATOR_KINDS)}"
        ) from None
