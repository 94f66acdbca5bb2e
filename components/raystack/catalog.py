"""The instance catalog: facts about every instance type a pool may use.

Data lives in ``data/aws_instances.csv`` (each row carries its source). This
module parses it once and answers lookups; it also estimates what the kubelet
leaves allocatable for pods. Pulumi-free.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from importlib import resources

#: Largest max-pods value in the EKS ENI table; assumed where a type is missing
#: from it, which over-reserves memory (the safe direction).
FALLBACK_MAX_PODS = 737
#: Karpenter's default VM memory overhead (vmMemoryOverheadPercent): the share of
#: nominal memory the hypervisor and kernel keep before the kubelet starts.
VM_MEMORY_OVERHEAD = 0.075
#: Hard eviction threshold the EKS AMIs configure (memory.available<100Mi).
EVICTION_HARD_MIB = 100


@dataclass(frozen=True)
class InstanceType:
    instance_type: str
    family: str
    architecture: str  # x86_64 | arm64
    vcpu: int
    memory_gib: float
    accelerator_kind: str  # nvidia | neuron | ... | none
    accelerator_model: str
    accelerator_count: int
    accelerator_memory_gib: float
    efa_interfaces: int
    max_pods: int | None
    price_usd_hour: float | None
    source: str

    @property
    def has_efa(self) -> bool:
        return self.efa_interfaces > 0

    @property
    def has_accelerator(self) -> bool:
        return self.accelerator_kind != "none" and self.accelerator_count > 0

    @property
    def effective_max_pods(self) -> int:
        return self.max_pods if self.max_pods is not None else FALLBACK_MAX_PODS

    @property
    def allocatable_cpu_millis(self) -> int:
        return allocatable_cpu_millis(self.vcpu)

    @property
    def allocatable_memory_mib(self) -> int:
        return allocatable_memory_mib(self.memory_gib, self.effective_max_pods)


def kube_reserved_cpu_millis(vcpu: int) -> int:
    """CPU the EKS AMIs reserve for the kubelet and runtime (nodeadm's curve):
    6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above four."""
    bands = ((1, 0.06), (1, 0.01), (2, 0.005))
    reserved = 0.0
    left = vcpu
    for cores, share in bands:
        take = min(left, cores)
        reserved += take * 1000 * share
        left -= take
    reserved += max(left, 0) * 1000 * 0.0025
    return int(math.ceil(reserved))


def allocatable_cpu_millis(vcpu: int) -> int:
    return vcpu * 1000 - kube_reserved_cpu_millis(vcpu)


def kube_reserved_memory_mib(max_pods: int) -> int:
    """Memory the EKS AMIs reserve for the kubelet: 11 MiB per pod + 255 MiB."""
    return 11 * max_pods + 255


def allocatable_memory_mib(memory_gib: float, max_pods: int) -> int:
    """Allocatable memory as Karpenter computes it for EKS nodes: nominal memory
    less VM overhead, kube-reserved and the eviction threshold."""
    capacity = memory_gib * 1024 * (1 - VM_MEMORY_OVERHEAD)
    return int(math.floor(capacity - kube_reserved_memory_mib(max_pods) - EVICTION_HARD_MIB))


def _opt_float(s: str) -> float | None:
    return float(s) if s.strip() else None


def _opt_int(s: str) -> int | None:
    return int(s) if s.strip() else None


@functools.lru_cache(maxsize=1)
def load_catalog() -> dict[str, InstanceType]:
    text = resources.files("raystack").joinpath("data/aws_instances.csv").read_text()
    out: dict[str, InstanceType] = {}
    for row in csv.DictReader(text.splitlines()):
        it = InstanceType(
            instance_type=row["instance_type"],
            family=row["family"],
            architecture=row["architecture"],
            vcpu=int(row["vcpu"]),
            memory_gib=float(row["memory_gib"]),
            accelerator_kind=row["accelerator_kind"],
            accelerator_model=row["accelerator_model"],
            accelerator_count=int(row["accelerator_count"]),
            accelerator_memory_gib=float(row["accelerator_memory_gib"]),
            efa_interfaces=int(row["efa_interfaces"]),
            max_pods=_opt_int(row["max_pods"]),
            price_usd_hour=_opt_float(row["price_usd_hour"]),
            source=row["source"],
        )
        out[it.instance_type] = it
    return out


class UnknownInstanceType(KeyError):
    pass


def lookup(instance_type: str) -> InstanceType:
    cat = load_catalog()
    try:
        return cat[instance_type]
    except KeyError:
        raise UnknownInstanceType(instance_type) from None


def accelerator_types() -> list[str]:
    return sorted(k for k, v in load_catalog().items() if v.has_accelerator)


def cpu_types() -> list[str]:
    return sorted(k for k, v in load_catalog().items() if not v.has_accelerator)


def describe_allowed(names: list[str], limit: int = 12) -> str:
    """A short 'allowed' list for error messages."""
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", ... ({len(names)} in the catalog)"
