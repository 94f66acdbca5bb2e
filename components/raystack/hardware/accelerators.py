"""Accelerator kinds: how each one shows up to Kubernetes, to Ray and to the node autoscaler.

Every accelerator-specific decision in raystack is a column of this table:
the extended resource, the Ray resource, the taint and presence label of its
pools, the image variant, the Cluster Autoscaler's accelerator label and the
device plugin (with its chart-specific values). Nothing else in the library
branches on a kind's name. Only kinds with ``implemented=True`` can back a pool
this stack creates today; the others already carry the right names for
existing-cluster pools.
Sources: ../shared/notes/accelerators.md (Ray 2.60.0 and KubeRay 1.7.0 source).
Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import versions


@dataclass(frozen=True)
class AcceleratorKind:
    kind: str
    #: Extended resource the device plugin advertises.
    k8s_resource: str
    #: Resource name Ray schedules on (declared on every worker group: Ray's
    #: KubeRay autoscaler reads only GPUs and TPUs from container limits).
    ray_resource: str
    #: Taint raystack puts on pools of this kind (key, value, Kubernetes effect).
    taint: tuple[str, str, str]
    #: Label that marks nodes of this kind (what device-plugin affinities key on).
    presence_label: tuple[str, str]
    implemented: bool
    #: Suffix of the rayproject/ray image tag for this kind ("-gpu": CUDA image).
    ray_image_suffix: str = ""
    #: The runtime a rayproject/ray tag must carry for this kind ("cuda"), or None: no public Ray image
    #: carries this kind's runtime (rules.images reads the tag).
    ray_image_runtime: str | None = None
    #: Prefix of the Cluster Autoscaler's accelerator label value (``<prefix><model>``);
    #: with it CA treats a new node as not ready until the plugin advertises devices.
    #: None: CA does not know the kind as a GPU.
    autoscaler_label_prefix: str | None = None
    #: Device plugin raystack installs where the node image does not ship one.
    device_plugin: versions.HelmChart | None = None
    #: How that chart is placed and configured: a key of ``kube.values.DEVICE_PLUGIN_LAYOUTS``.
    device_plugin_layout: str = "affinity"
    #: Chart-specific values of that plugin (merged over the placement values).
    device_plugin_values: dict[str, Any] = field(default_factory=dict)
    #: The device metrics exporter raystack installs on this kind's pools with observability (a pinned chart,
    #: or an image raystack runs as a DaemonSet), or None.
    metrics_exporter: versions.HelmChart | str | None = None
    #: Whether a public rayproject/ray image runs this kind (with ``ray_image_suffix``); if not,
    #: worker groups on it must name an image that carries the vendor runtime.
    public_ray_image: bool = False
    #: Ray resource units per device, by accelerator model (default 1): NeuronCores per Neuron device.
    ray_units_per_device: dict[str, int] = field(default_factory=dict)
    #: Models this kind cannot back a created pool with yet, and why.
    unsupported_models: dict[str, str] = field(default_factory=dict)
    #: Models whose collectives between nodes run only over EFA (no TCP fallback as NCCL has).
    efa_only_collectives: tuple[str, ...] = ()
    #: A worker may hold one device or the whole node, nothing between: other counts need the vendor's
    #: scheduler extension to get adjacent devices, which raystack does not install.
    whole_or_single_device: bool = False
    #: Node label naming a slice's topology (chips per dimension, "2x4"), where devices form multi-host
    #: slices; a slice spans topology chips / devices per node hosts.
    topology_label: str | None = None
    #: Other extended-resource names device plugins use for this kind (existing clusters may pick one).
    k8s_resource_aliases: tuple[str, ...] = ()
    #: The Cluster Autoscaler does not know this resource from the instance type: node groups must
    #: carry it as an ASG node-template tag to scale from zero.
    autoscaler_template_resource: bool = False
    #: AKS installs this kind's driver on the pool's nodes when asked (AgentPool gpuProfile.driver Install: NVIDIA
    #: sizes only, azure-aks-docs use-nvidia-gpu.md).
    aks_gpu_driver: bool = False
    #: A worker takes every device of its host, as the device's runtime needs (TPU: "google.com/tpu" is the chips
    #: per host, Ray's KubeRay TPU guide, user-guides/tpu.md; a multi-host slice is one pod a host).
    whole_host: bool = False
    #: The vendor CLI that lists the devices a container sees (the smoke test runs it where the
    #: image has it); empty: none.
    probe_command: tuple[str, ...] = ()

    def units_per_device(self, model: str) -> int:
        return self.ray_units_per_device.get(model, 1)  # one Ray unit per device unless the row says more


ACCELERATOR_KINDS: dict[str, AcceleratorKind] = {
    k.kind: k
    for k in (
        AcceleratorKind(
            kind="nvidia",
            probe_command=("nvidia-smi", "-L"),
            k8s_resource="nvidia.com/gpu",
            ray_resource="GPU",
            taint=("nvidia.com/gpu", "true", "NoSchedule"),
            presence_label=("nvidia.com/gpu.present", "true"),
            implemented=True,
            ray_image_suffix="-gpu",
            ray_image_runtime="cuda",
            autoscaler_label_prefix="nvidia-",
            device_plugin=versions.NVIDIA_DEVICE_PLUGIN,
            # GPU feature discovery needs node-feature-discovery; raystack labels the pools itself.
            device_plugin_values={"gfd": {"enabled": False}},
            metrics_exporter=versions.DCGM_EXPORTER,
            public_ray_image=True,
            aks_gpu_driver=True,
        ),
        AcceleratorKind(
            kind="neuron",
            probe_command=("neuron-ls",),
            # Whole devices: the plugin's `aws.amazon.com/neuroncore` counts cores, which the
            # KubeRay operator maps but Ray's autoscaler does not; Ray gets neuron_cores explicitly.
            k8s_resource="aws.amazon.com/neuron",
            ray_resource="neuron_cores",
            taint=("aws.amazon.com/neuron", "true", "NoSchedule"),
            presence_label=("aws.amazon.com/neuron.present", "true"),
            implemented=True,
            device_plugin=versions.NEURON_DEVICE_PLUGIN,
            device_plugin_layout="neuron-chart",
            metrics_exporter=versions.NEURON_MONITOR_IMAGE,
            # NeuronCore-v2: 2 per Trainium / Inferentia2 device (AWS Neuron architecture docs).
            ray_units_per_device={"Trainium": 2, "Inferentia2": 2},
            unsupported_models={"Trainium2": "the pinned Neuron device plugin chart (neuron-helm-chart 1.0.0) does "
                                              "not run on trn2 instances, and trn2's NeuronCore count depends on its "
                                              "logical-core setting (unverified here)"},
            autoscaler_template_resource=True,
            # "Multi-node jobs, such as distributed training, requires EFA to be enabled on every participating
            # trn1/trn1n 32xlarge instance" (AWS Neuron docs, setup-trn1-multi-node-execution).
            efa_only_collectives=("Trainium",),
            # "The scheduler extension is required for scheduling Pods that request more than one Neuron core or
            # device resource" (AWS Neuron docs, Neuron scheduler extension); the chart's scheduler.enabled is
            # false by default and raystack leaves it so (aws-deploy-review 2 N9, kubernetes-deploy-review 2 N10).
            whole_or_single_device=True,
        ),
        AcceleratorKind(
            kind="amd",
            # rocminfo opens /dev/kfd, so a container without the render group fails the probe; rocm-smi reads
            # sysfs and lists the GPUs anyway (kubernetes-deploy-review 2, N11; ROCm/ROCm-docker#116).
            probe_command=("rocminfo",),
            k8s_resource="amd.com/gpu",
            ray_resource="GPU",
            taint=("amd.com/gpu", "true", "NoSchedule"),
            presence_label=("amd.com/gpu.present", "true"),
            implemented=False,
        ),
        AcceleratorKind(
            kind="tpu",
            k8s_resource="google.com/tpu",
            ray_resource="TPU",
            taint=("google.com/tpu", "present", "NoSchedule"),
            presence_label=("cloud.google.com/gke-tpu-accelerator", ""),
            # GKE creates TPU pools (cloud: gcp) and runs their device plugin itself.
            implemented=True,
            # rayproject/ray runs on TPU hosts; the workload brings its TPU runtime (jax[tpu] and libtpu), as Ray's
            # TPU guide's samples do.
            public_ray_image=True,
            whole_host=True,
            # GKE labels TPU nodes with their slice's topology (GKE docs, "Plan TPUs in GKE": node selectors
            # cloud.google.com/gke-tpu-accelerator and cloud.google.com/gke-tpu-topology).
            topology_label="cloud.google.com/gke-tpu-topology",
        ),
        AcceleratorKind(
            kind="ascend",
            probe_command=("npu-smi", "info"),
            k8s_resource="huawei.com/Ascend910",
            ray_resource="NPU",
            taint=("huawei.com/Ascend910", "true", "NoSchedule"),
            presence_label=("accelerator", "huawei-Ascend910"),
            implemented=False,
            # HAMi names 910B variants; Huawei Cloud CCE's add-on names 910B "ascend-1980".
            k8s_resource_aliases=("huawei.com/Ascend910B", "huawei.com/Ascend910B2", "huawei.com/Ascend910B4",
                                  "huawei.com/ascend-1980"),
        ),
        AcceleratorKind(
            kind="gaudi",
            probe_command=("hl-smi",),
            k8s_resource="habana.ai/gaudi",
            ray_resource="HPU",
            taint=("habana.ai/gaudi", "true", "NoSchedule"),
            presence_label=("habana.ai/gaudi.present", "true"),
            implemented=False,
        ),
    )
}

IMPLEMENTED_KINDS = tuple(k for k, v in ACCELERATOR_KINDS.items() if v.implemented)


#: Catalog accelerator model -> the accelerator type a Ray node reports for it (Ray 2.60.0's accelerator
#: managers; NVIDIA: the model token of the NVML name, so both A100s are "A100", although
#: ray.util.accelerators also names A100-40G and A100-80G, which no node reports). The group's
#: `ray.io/accelerator-type` label and `accelerator_type:<T>` resource carry it; tests/test_accelerators.py
#: checks the NVIDIA rows against Ray's own name parser.
RAY_ACCELERATOR_TYPES = {
    "T4": "T4", "A10G": "A10G", "L4": "L4", "L40S": "L40S", "A100 40GB": "A100", "A100 80GB": "A100",
    "H100": "H100", "H200": "H200", "B200": "B200", "B300": "B300", "RTX PRO 6000 Blackwell Server": "RTX-PRO-6000",
    "Trainium": "aws-neuron-core", "Inferentia2": "aws-neuron-core", "Gaudi": "Intel-GAUDI",
    "Ascend 910B": "Ascend910B",
    # TPUs: "TPU-" and the generation of the node's pod type, upper-cased (Ray 2.60.0
    # TPUAcceleratorManager.get_current_node_accelerator_type: v5litepod-16 -> TPU-V5LITEPOD).
    "TPU v5e": "TPU-V5LITEPOD", "TPU v5p": "TPU-V5P", "TPU v6e": "TPU-V6E", "Instinct MI300X": "AMD-Instinct-MI300X-OAM",
}


def ray_accelerator_type(model: str) -> str | None:
    return RAY_ACCELERATOR_TYPES.get(model)
