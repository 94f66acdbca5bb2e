"""The instance catalog: facts about every instance type a pool may use.

Data lives in ``data/aws_instances.csv`` (each row carries its source). This
module parses it once and answers lookups; ``allocatable`` estimates what the
kubelet leaves for pods. Pulumi-free.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

from . import allocatable as _alloc

#: Largest max-pods value in the EKS ENI table; assumed where a type is missing
#: from it, which over-reserves memory (the safe direction).
FALLBACK_MAX_PODS = 737


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
    def has_accelerator(self) -> bool:
        return self.accelerator_kind != "none" and self.accelerator_count > 0

    @property
    def effective_max_pods(self) -> int:
        return self.max_pods if self.max_pods is not None else FALLBACK_MAX_PODS

    @property
    def allocatable_cpu_millis(self) -> int:
        return _alloc.allocatable_cpu_millis(self.vcpu)

    @property
    def allocatable_memory_mib(self) -> int:
        return _alloc.allocatable_memory_mib(self.memory_gib, self.effective_max_pods)


def _opt_float(s: str) -> float | None:
    return float(s) if s.strip() else None


def _opt_int(s: str) -> int | None:
    return int(s) if s.strip() else None


@functools.lru_cache(maxsize=1)
def load_catalog() -> dict[str, InstanceType]:
    text = resources.files("raystack.hardware").joinpath("data/aws_instances.csv").read_text()
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


def describe_allowed(names: list[str], wanted: object = None) -> str:
    """'allowed' for error messages: the closest names to ``wanted`` (difflib, same family
    first), then every family with its sizes, so the right family is never cut off."""
    import difflib

    cat = load_catalog()
    close: list[str] = []
    if isinstance(wanted, str):
        family = wanted.split(".")[0]
        same = [n for n in names if cat[n].family == family]
        # Same family first; a family that is not in the list at all gets the closest of the same kind
        # (``names`` is one kind: accelerator or CPU types), never another family's near-spelling.
        close = difflib.get_close_matches(wanted, same, n=2, cutoff=0.5) if same else difflib.get_close_matches(
            wanted, names, n=2, cutoff=0.6)
    families: dict[str, list[str]] = {}
    for n in names:
        families.setdefault(cat[n].family, []).append(n.split(".", 1)[1])
    listing = "; ".join(f"{f}.{{{','.join(sizes)}}}" if len(sizes) > 1 else f"{f}.{sizes[0]}"
                        for f, sizes in sorted(families.items()))
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{hint}allowed: {listing}"
