"""TPU slices on GKE: which topologies each TPU machine type forms, and what a slice is to KubeRay and Ray (pure).
Pulumi-free.

Sources: cloud.google.com/tpu/docs/v5e, v5p and v6e ("supported configurations": topology, chips, VMs and the
machine type for the GKE API); the GKE node labels and accelerator names Ray's KubeRay autoscaler reads
(ray 2.60.0 autoscaler/_private/kuberay/utils.py gke_tpu_accelerator_to_generation). tests/test_gke.py checks
every row against Ray's own TPU tables (ray._private.accelerators.tpu: VALID_TPU_TOPOLOGY, get_chips_per_host).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: GKE's TPU node labels: a worker group on a slice selects both (Ray's autoscaler needs both to name the slice's
#: head resource, autoscaling_config.py _get_ray_resources_from_group_spec).
ACCELERATOR_LABEL = "cloud.google.com/gke-tpu-accelerator"
TOPOLOGY_LABEL = "cloud.google.com/gke-tpu-topology"


@dataclass(frozen=True)
class TpuFamily:
    #: The TPU generation as Ray names it (pod types v5litepod-16, v6e-4, v5p-8).
    generation: str
    #: The value of cloud.google.com/gke-tpu-accelerator on its nodes.
    gke_accelerator: str
    #: TensorCores a chip (Ray's pod type counts cores: v5p-8 is 4 chips).
    cores_per_chip: int
    #: Topologies each machine type of the family forms, by chips a VM.
    topologies: dict[int, tuple[str, ...]]


#: Machine family -> its TPU facts. A single-host slice of 8 chips is one 8-chip VM (ct5lp-hightpu-8t,
#: ct6e-standard-8t); 4-chip VMs form 2x2 on one host and the multi-host slices; Ray counts 4 chips a host for
#: multi-host v5e/v6e slices and 8 for 2x4 (get_chips_per_host), so a 2x4 of two 4-chip VMs is not offered.
FAMILIES: dict[str, TpuFamily] = {
    "ct5lp": TpuFamily("v5litepod", "tpu-v5-lite-podslice", 1,
                       {1: ("1x1",), 4: ("2x2", "4x4", "4x8", "8x8", "8x16", "16x16"), 8: ("2x4",)}),
    "ct6e": TpuFamily("v6e", "tpu-v6e-slice", 1,
                      {1: ("1x1",), 4: ("2x2", "4x4", "4x8", "8x8", "8x16", "16x16"), 8: ("2x4",)}),
    "ct5p": TpuFamily("v5p", "tpu-v5p-slice", 2,
                      {4: ("2x2x1", "2x2x2", "2x2x4", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8")}),
}


def chips(topology: str) -> int:
    return math.prod(int(d) for d in topology.split("x"))


def hosts(topology: str, chips_per_host: int) -> int:
    """VMs (Kubernetes nodes, KubeRay numOfHosts) a slice of ``topology`` spans."""
    return chips(topology) // chips_per_host


def pod_type(family: TpuFamily, topology: str) -> str:
    """The slice's pod type as Ray names it (v5litepod-16): Ray's slice head resource is TPU-<pod type>-head."""
    return f"{family.generation}-{chips(topology) * family.cores_per_chip}"


def allowed(family: TpuFamily, chips_per_host: int) -> tuple[str, ...]:
    return family.topologies.get(chips_per_host, ())
