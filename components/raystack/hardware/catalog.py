"""The instance catalog: facts about every instance type a pool may use.

Data lives in one file per cloud, ``data/<cloud>_instances.csv`` (each row
carries its source; names never collide across clouds: ``g6.xlarge``,
``Standard_NC4as_T4_v3``), with Azure's per-region prices in
``data/azure_prices.csv``. This module parses them once and answers lookups;
``allocatable`` estimates what the kubelet leaves for pods, by each cloud's
reservation formula. Pulumi-free.
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
    #: The cloud the row belongs to (its file): it picks the allocatable formula.
    cloud: str = "aws"

    @property
    def has_accelerator(self) -> bool:
        return self.accelerator_kind != "none" and self.accelerator_count > 0

    @property
    def effective_max_pods(self) -> int:
        return self.max_pods if self.max_pods is not None else FALLBACK_MAX_PODS

    @property
    def allocatable_cpu_millis(self) -> int:
        return _alloc.FORMULAS[self.cloud][0](self.vcpu)

    @property
    def allocatable_memory_mib(self) -> int:
        return _alloc.FORMULAS[self.cloud][1](self.memory_gib, self.effective_max_pods)


def _opt_float(s: str) -> float | None:
    return float(s) if s.strip() else None


def _opt_int(s: str) -> int | None:
    return int(s) if s.strip() else None


#: The clouds with a catalog file (``data/<cloud>_instances.csv``): a new cloud's rows are a new file.
CLOUDS = tuple(sorted(f.name.removesuffix("_instances.csv")
                      for f in resources.files("raystack.hardware").joinpath("data").iterdir()
                      if f.name.endswith("_instances.csv")))


@functools.cache
def load_catalog(cloud: str = "aws") -> dict[str, InstanceType]:
    text = resources.files("raystack.hardware").joinpath(f"data/{cloud}_instances.csv").read_text()
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
            cloud=cloud,
        )
        out[it.instance_type] = it
    return out


@functools.lru_cache(maxsize=1)
def load_prices() -> dict[tuple[str, str], float]:
    """(instance type, region) -> on-demand USD an hour, for clouds whose prices vary by region and are
    kept apart from the catalog (``data/<cloud>_prices.csv``, each row with its source: Azure's)."""
    out: dict[tuple[str, str], float] = {}
    for f in resources.files("raystack.hardware").joinpath("data").iterdir():
        if f.name.endswith("_prices.csv"):  # a cloud's regional price table (data/<cloud>_prices.csv)
            out.update({(r["instance_type"], r["region"]): float(r["price_usd_hour"])
                        for r in csv.DictReader(f.read_text().splitlines())})
    return out


def regional_price(instance_type: str, region: str | None) -> float | None:
    """The on-demand price of a type in a region, or None where the price table has no row."""
    return load_prices().get((instance_type, region or ""))


class UnknownInstanceType(KeyError):
    pass


def lookup(instance_type: str) -> InstanceType:
    """The row of a type in any cloud's catalog."""
    for cloud in CLOUDS:
        found = load_catalog(cloud).get(instance_type)
        if found is not None:
            return found
    raise UnknownInstanceType(instance_type)


def accelerator_types(cloud: str = "aws") -> list[str]:
    return sorted(k for k, v in load_catalog(cloud).items() if v.has_accelerator)


def cpu_types(cloud: str = "aws") -> list[str]:
    return sorted(k for k, v in load_catalog(cloud).items() if not v.has_accelerator)


def _known(name: str) -> bool:
    try:
        lookup(name)
    except UnknownInstanceType:
        return False
    return True


def describe_allowed(names: list[str], wanted: object = None) -> str:
    """'allowed' for error messages: the closest names to ``wanted`` (difflib, same family
    first), then every family with its sizes, so the right family is never cut off."""
    import difflib

    cat = {n: lookup(n) for n in names}
    close: list[str] = []
    if isinstance(wanted, str):
        family = lookup(wanted).family if _known(wanted) else wanted.split(".")[0]
        same = [n for n in names if cat[n].family == family]
        # Same family first; a family that is not in the list at all gets the closest of the same kind
        # (``names`` is one kind: accelerator or CPU types), never another family's near-spelling.
        close = difflib.get_close_matches(wanted, same, n=2, cutoff=0.5) if same else difflib.get_close_matches(
            wanted, names, n=2, cutoff=0.6)
    families: dict[str, list[str]] = {}
    for n in names:
        families.setdefault(cat[n].family, []).append(n.split(".", 1)[1] if "." in n else n)
    # EC2 names are <family>.<size> and list as g6.{xlarge,2xlarge}; Azure's carry their series inside the name
    # (Standard_NC24ads_A100_v4) and list whole.
    listing = "; ".join(", ".join(sizes) if all(s.startswith("Standard_") for s in sizes)
                        else f"{f}.{{{','.join(sizes)}}}" if len(sizes) > 1 else f"{f}.{sizes[0]}"
                        for f, sizes in sorted(families.items()))
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{hint}allowed: {listing}"
