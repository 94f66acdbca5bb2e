"""The collective check's program: one all-reduce benchmark rank, started by ``torchrun`` on each of two
Ray workers of a group (see ``ray.smoke``). It runs inside the team's image, which has torch but not
raystack, so it imports nothing of raystack; raystack ships its text in the smoke test's runtime_env.

What it measures follows NVIDIA/nccl-tests (doc/PERFORMANCE.md): the slowest rank's time per
all-reduce of ``size_bytes``, the algorithm bandwidth ``size / time``, and the bus bandwidth
``algbw * 2 (n - 1) / n`` for ``n`` ranks, which is comparable with the links' peak whatever ``n`` is.
Before timing, one small all-reduce checks the sum is right on every rank.

Backends: ``nccl`` (NVIDIA: one rank per GPU, over EFA through the image's aws-ofi-nccl), ``xla``
(Trainium: one rank per NeuronCore, torch-neuronx's process group over the Neuron collectives), and
``gloo`` (CPU; raystack's own tests run the program with it, no pool renders it).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

#: The line the driver reads rank 0's result from.
RESULT_PREFIX = "RAYSTACK_COLLECTIVE_RESULT "


def bus_bandwidth_gbytes(size_bytes: int, seconds: float, ranks: int) -> float:
    """nccl-tests' bus bandwidth of an all-reduce, in GB/s (10^9 bytes)."""
    return size_bytes / seconds / 1e9 * 2 * (ranks - 1) / ranks


def visible_cores(value: str) -> list[str]:
    """The NeuronCores of a ``NEURON_RT_VISIBLE_CORES`` value ("0-31", "4,5,6", "0-1,8-9"), in order."""
    cores: list[str] = []
    for part in value.split(","):
        first, _, last = part.strip().partition("-")
        cores += [str(c) for c in range(int(first), int(last or first) + 1)]
    return cores


def _backend(name: str, local_rank: int) -> tuple[Any, Callable[[], None]]:
    """(the device, a function that waits for queued collectives) after joining the process group."""
    import torch
    import torch.distributed as dist

    if name == "nccl":
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
        return torch.device("cuda", local_rank), torch.cuda.synchronize
    if name == "xla":
        # Ray gave the host actor the worker's NeuronCores as NEURON_RT_VISIBLE_CORES, comma-joined (ray
        # 2.60.0 _private/accelerators/neuron.py set_current_process_visible_accelerator_ids), and every rank
        # inherits it; each rank takes one of them, as a Ray Train worker holding one NeuronCore gets it.
        inherited = os.environ.get("NEURON_RT_VISIBLE_CORES")
        if inherited:
            os.environ["NEURON_RT_VISIBLE_CORES"] = visible_cores(inherited)[local_rank]
        import torch_xla.core.xla_model as xm
        import torch_xla.distributed.xla_backend  # noqa: F401 (registers the "xla" process group)

        dist.init_process_group("xla")

        def step() -> None:
            xm.mark_step()
            xm.wait_device_ops()
        return xm.xla_device(), step
    if name == "gloo":
        dist.init_process_group("gloo")
        return torch.device("cpu"), lambda: None
    raise ValueError(f"unknown backend {name!r}")


def main() -> None:
    import torch
    import torch.distributed as dist

    c = json.loads(os.environ["RAYSTACK_COLLECTIVE"])
    rank, ranks = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    device, wait = _backend(c["backend"], int(os.environ["LOCAL_RANK"]))
    # Correctness first: every rank contributes rank + 1; each must get the sum.
    probe = torch.full((1024,), float(rank + 1), dtype=torch.float32, device=device)
    dist.all_reduce(probe)
    wait()
    correct = bool((probe.cpu() == ranks * (ranks + 1) / 2).all())
    # Zeros stay zeros however often they are summed: no overflow over the iterations.
    data = torch.zeros(c["size_bytes"] // 4, dtype=torch.float32, device=device)
    for _ in range(c["warmup"]):
        dist.all_reduce(data)
        wait()
    start = time.perf_counter()
    for _ in range(c["iterations"]):
        dist.all_reduce(data)
        if c["backend"] == "xla":
            wait()  # XLA traces lazily: each step runs the collective it traced
    wait()
    took = torch.tensor([(time.perf_counter() - start) / c["iterations"]], dtype=torch.float64
                        if c["backend"] != "xla" else torch.float32, device=device)
    dist.all_reduce(took, op=dist.ReduceOp.MAX)  # the slowest rank's time, as nccl-tests reports
    wait()
    seconds = float(took.cpu()[0])
    if rank == 0:
        print(RESULT_PREFIX + json.dumps({
            "ranks": ranks, "size_bytes": c["size_bytes"], "seconds": seconds, "correct": correct,
            "bus_gbytes": round(bus_bandwidth_gbytes(c["size_bytes"], seconds, ranks), 2)}), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
