"""The collective check of a worker group (``collectiveCheck``): what it needs, checked at preview, and
the bus-bandwidth floor it holds the group to. Pulumi-free.

The check all-reduces across two workers of the group (``ray.smoke``). It proves the multi-node path only
where those two workers are on two nodes and talk over EFA, and it can only run where the image has torch.
Each requirement below is refused with the fix, so a check that cannot prove anything is never rendered.
"""

from __future__ import annotations

from typing import Any

from ..hardware import efa
from ..model.facts import PoolFacts
from ..model.findings import Finding
from ..ray.sizing import WorkerSize
from ..ray.smoke import COLLECTIVE_BACKENDS
from .images import read_ray_image

#: What the image needs for the check, per accelerator kind (beyond EFA_IMAGE_NEEDS).
TORCH_NEEDS = {"nvidia": "torch built with CUDA (its NCCL)", "neuron": "torch-neuronx (torch_xla)"}


def check_collective(key: str, group: dict[str, Any], smoke_test: bool, pool: PoolFacts, size: WorkerSize,
                     image: str, findings: list[Finding], workload: bool = False) -> tuple[int, str] | None:
    """``group``: a defaulted WorkerGroupSpec at ``key``; ``workload``: it is in the cluster of a RayJob,
    RayService or RayCronJob, which has no smoke test. Returns the check's floor (GB/s of bus
    bandwidth) and where it comes from, or None when the group asks for no check or a finding was added."""
    floor = group.get("collective_floor_gbytes")
    if not group.get("collective_check"):
        if floor is not None:
            findings.append(Finding(f"{key}.collectiveFloorGbytes", floor,
                                    "is the floor of the collective check: set collectiveCheck: true too"))
        return None
    at = f"{key}.collectiveCheck"
    before = len(findings)
    if workload:
        findings.append(Finding(at, True, "only on the groups of rayClusters: it runs in their smoke test, and "
                                          "the cluster of a RayJob, RayService or RayCronJob has none"))
        return None
    if not smoke_test:
        findings.append(Finding(at, True, "runs inside the cluster's smoke test: set smokeTest: true on the cluster"))
    if pool.accelerator_kind not in COLLECTIVE_BACKENDS or not pool.efa_interfaces:
        findings.append(Finding(at, True, f"measures collectives over EFA, and pool {pool.name!r} has no EFA: "
                                          "run the group on a pool with efa: true"))
    elif size.efa != pool.efa_interfaces:
        whole = pool.accelerators_per_node
        findings.append(Finding(f"{key}.acceleratorsPerWorker", size.accelerators,
                                f"the collective check needs each worker to hold a whole node (all {whole} devices "
                                f"and {pool.efa_interfaces} EFA interfaces), so its two workers are on two nodes "
                                f"and talk over EFA: set acceleratorsPerWorker: {whole}"))
    if size.max_workers < 2:
        findings.append(Finding(f"{key}.maxWorkers", size.max_workers,
                                "the collective check runs across two workers: allow at least 2"))
    if read_ray_image(image) is not None:
        findings.append(Finding(at, True, f"rayproject/ray images carry no torch, which the check runs: name an image "
                                          f"with {TORCH_NEEDS.get(pool.accelerator_kind, 'torch')} and "
                                          f"{efa.EFA_IMAGE_NEEDS.get(pool.accelerator_kind, 'EFA')}"))
    if floor is not None and floor < 1:
        findings.append(Finding(f"{key}.collectiveFloorGbytes", floor, "must be at least 1 (GB/s of bus bandwidth)"))
    default = efa.collective_floor_gbytes(pool.instance_type)
    if floor is None and default is None and len(findings) == before:
        findings.append(Finding(f"{key}.collectiveFloorGbytes", None,
                                f"is required here: raystack knows no network bandwidth of "
                                f"{pool.instance_type or 'these existing nodes'}; known: "
                                f"{', '.join(sorted(efa.NETWORK_GBPS))}"))
    if len(findings) > before:
        return None
    if floor is not None:
        return floor, f"{key}.collectiveFloorGbytes"
    assert default is not None and pool.instance_type is not None
    return default, (f"{efa.COLLECTIVE_FLOOR_SHARE:.0%} of {pool.instance_type}'s "
                     f"{efa.NETWORK_GBPS[pool.instance_type]} Gbps ({efa.NETWORK_GBPS_SOURCE})")
