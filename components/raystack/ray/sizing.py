"""Fit Ray head and worker pods to the nodes of the pool they run on.

Pure arithmetic over ``PoolFacts``: accelerators per worker, workers per node,
CPU and memory that fit the node's schedulable share, and a ``maxWorkers`` the
pool can actually hold. Explicit values are checked against the same bounds.
Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..hardware import efa as efa_rules
from ..hardware.accelerators import ACCELERATOR_KINDS
from ..model.facts import PoolFacts

#: Share of a worker's memory given to Ray's object store (Ray's own default).
OBJECT_STORE_FRACTION = 0.3
#: Memory granularity for derived worker sizes.
MEMORY_STEP_MIB = 256
#: The autoscaler sidecar's requests (KubeRay's defaults) share the head's node.
AUTOSCALER_SIDECAR_CPU_MILLIS = 500
AUTOSCALER_SIDECAR_MEMORY_MIB = 512


class SizingError(ValueError):
    """Raised with (field, value, message) when a pod cannot fit its pool."""

    def __init__(self, field: str, value: Any, message: str):
        self.field, self.value, self.message = field, value, message
        super().__init__(f"{field} = {value!r}: {message}")


def object_store_mib(memory_mib: int) -> int:
    return int(memory_mib * OBJECT_STORE_FRACTION)


@dataclass(frozen=True)
class WorkerSize:
    accelerators: int
    pods_per_node: int
    cpu: int
    memory_mib: int
    #: Most workers the pool holds at its maximum size.
    max_workers_cap: int
    min_workers: int
    max_workers: int
    #: EFA interfaces the worker requests (its share of the node's; 0 off EFA pools).
    efa: int = 0
    #: MiB of 2 MiB huge pages the worker requests (its share of the node's; 0 off EFA pools).
    hugepages_mib: int = 0
    #: Pods a replica runs, one a host of a multi-host slice (KubeRay numOfHosts); replicas count slices.
    hosts: int = 1

    @property
    def object_store_mib(self) -> int:
        return object_store_mib(self.memory_mib)

    def nodes(self, replicas: int) -> int:
        """Nodes ``replicas`` of this worker occupy."""
        return -(-replicas * self.hosts // self.pods_per_node)


@dataclass(frozen=True)
class HeadSize:
    cpu: int
    memory_gib: int
    #: Devices of the head's pool it requests (0 on CPU pools).
    accelerators: int = 0

    @property
    def object_store_mib(self) -> int:
        return object_store_mib(self.memory_gib * 1024)


def size_worker(pool: PoolFacts, *, accelerators: int | None = None, cpu: int | None = None,
                memory_gib: int | None = None, min_workers: int = 0, max_workers: int | None = None,
                sidecar: tuple[int, int] = (0, 0)) -> WorkerSize:
    """Fit one Ray worker pod shape to a pool; ``None`` derives the value from the pool.
    ``sidecar``: (CPU millis, memory MiB) each pod's other containers request (the log shipper).
    Raises SizingError naming the field."""
    side_cpu, side_mem = sidecar
    if pool.accelerators_per_node > 0:
        accels = (1 if pool.shared_by > 1 else pool.accelerators_per_node) if accelerators is None else accelerators
        if pool.shared_by > 1 and accels != 1:
            # GKE time-sharing: "at most 1 nvidia.com/gpu can be requested" on time-shared nodes (the device plugin
            # refuses the pod: UnexpectedAdmissionError).
            raise SizingError("acceleratorsPerWorker", accels, f"pool {pool.name!r} shares each GPU among "
                              f"{pool.shared_by} containers, and a container takes one share; allowed: 1")
        if not 1 <= accels <= pool.accelerators_per_node:
            raise SizingError(
                "acceleratorsPerWorker", accels,
                f"pool {pool.name!r} nodes have {pool.accelerators_per_node} "
                f"{pool.accelerator_resource}; allowed 1..{pool.accelerators_per_node}")
        kind = ACCELERATOR_KINDS.get(pool.accelerator_kind)
        if kind is not None and kind.whole_host and accels != pool.accelerators_per_node:
            raise SizingError(
                "acceleratorsPerWorker", accels,
                f"pool {pool.name!r} nodes have {pool.accelerators_per_node} {pool.accelerator_resource}, and a "
                f"{pool.accelerator_kind} worker takes every one of its host's; allowed: {pool.accelerators_per_node}")
        pods_per_node = pool.accelerators_per_node // accels
        if pool.efa_interfaces and efa_rules.per_worker(pool.efa_interfaces, pool.accelerators_per_node,
                                                        accels) is None:
            whole = [n for n in range(1, pool.accelerators_per_node + 1)
                     if efa_rules.per_worker(pool.efa_interfaces, pool.accelerators_per_node, n) is not None]
            raise SizingError(
                "acceleratorsPerWorker", accels,
                f"pool {pool.name!r} nodes have {pool.efa_interfaces} EFA interfaces for "
                f"{pool.accelerators_per_node} {pool.accelerator_resource}: a worker with {accels} would get a "
                f"fraction of one; allowed: {', '.join(map(str, whole))}")
    else:
        accels = accelerators or 0
        if accels:
            raise SizingError("acceleratorsPerWorker", accels, f"pool {pool.name!r} has no accelerators; allowed: 0")
        # CPU pools: a worker takes the whole node unless cpu/memoryGib ask for less; then as many
        # workers as fit the node's schedulable CPU and memory share it.
        fits = [pool.schedulable_cpu_millis // (cpu * 1000 + side_cpu) if cpu else None,
                pool.schedulable_memory_mib // (memory_gib * 1024 + side_mem) if memory_gib else None]
        given = [f for f in fits if f is not None]
        pods_per_node = max(1, min(given)) if given else 1

    cpu_budget = pool.schedulable_cpu_millis // pods_per_node - side_cpu
    mem_budget = pool.schedulable_memory_mib // pods_per_node - side_mem
    max_cpu = cpu_budget // 1000
    max_mem_gib = mem_budget // 1024
    if max_cpu < 1 or max_mem_gib < 1:
        raise SizingError("pool", pool.name, f"nodes leave {pool.schedulable_cpu_millis}m CPU / "
                          f"{pool.schedulable_memory_mib}Mi for {pods_per_node} worker(s); too small")
    node = pool.instance_type or pool.name
    cpu = max_cpu if cpu is None else cpu
    if not 1 <= cpu <= max_cpu:
        raise SizingError("cpu", cpu, f"{pods_per_node} worker(s) per {node} node "
                          f"leave room for 1..{max_cpu} whole CPUs each")
    if memory_gib is not None:
        if not 1 <= memory_gib <= max_mem_gib:
            raise SizingError("memoryGib", memory_gib, f"{pods_per_node} worker(s) per "
                              f"{node} node leave room for 1..{max_mem_gib} GiB each")
        memory_mib = memory_gib * 1024
    else:
        memory_mib = (mem_budget // MEMORY_STEP_MIB) * MEMORY_STEP_MIB

    hosts = pool.hosts_per_slice
    cap = pool.max_nodes * pods_per_node // hosts
    max_workers = cap if max_workers is None else max_workers
    if not 1 <= max_workers <= cap:
        held = (f"{pool.max_nodes // hosts} slice(s) of {hosts} hosts (workers count slices)" if hosts > 1 else
                f"{pool.max_nodes} node(s) x {pods_per_node} worker(s)")
        raise SizingError("maxWorkers", max_workers, f"pool {pool.name!r} holds at most {held}; allowed 1..{cap}")
    if not 0 <= min_workers <= max_workers:
        raise SizingError("minWorkers", min_workers, f"allowed 0..{max_workers} (maxWorkers)")
    efa = efa_rules.per_worker(pool.efa_interfaces, pool.accelerators_per_node, accels) or 0 \
        if pool.efa_interfaces and accels else 0
    hugepages = efa_rules.worker_hugepages_mib(pool.hugepages_mib, pods_per_node) if efa else 0
    return WorkerSize(accels, pods_per_node, cpu, memory_mib, cap, min_workers, max_workers, efa, hugepages, hosts)


def size_head(pool: PoolFacts, cpu: int, memory_gib: int, accelerators: int | None = None,
              sidecar: tuple[int, int] = (0, 0)) -> HeadSize:
    """Check a head pod's size against its pool (the autoscaler sidecar shares the node);
    ``accelerators`` None: all of an accelerator node's devices; ``sidecar``: as size_worker's."""
    accels = pool.accelerators_per_node if accelerators is None else accelerators
    if not 0 <= accels <= pool.accelerators_per_node:
        allowed = f"0..{pool.accelerators_per_node}" if pool.accelerators_per_node else "0"
        raise SizingError("head.accelerators", accels, f"pool {pool.name!r} nodes have "
                          f"{pool.accelerators_per_node} {pool.accelerator_resource or 'accelerators'}; "
                          f"allowed: {allowed}")
    max_cpu = (pool.schedulable_cpu_millis - AUTOSCALER_SIDECAR_CPU_MILLIS - sidecar[0]) // 1000
    max_mem = (pool.schedulable_memory_mib - AUTOSCALER_SIDECAR_MEMORY_MIB - sidecar[1]) // 1024
    if not 1 <= cpu <= max_cpu:
        raise SizingError("head.cpu", cpu, f"pool {pool.name!r} nodes leave room for 1..{max_cpu} CPUs")
    if not 1 <= memory_gib <= max_mem:
        raise SizingError("head.memoryGib", memory_gib, f"pool {pool.name!r} nodes leave room for 1..{max_mem} GiB")
    return HeadSize(cpu, memory_gib, accels)
