"""What an AKS stack costs, for the plan (Pulumi-free): its pools at the location's prices
(``hardware/data/azure_prices.csv``, with their source; unknown where the table has no row, never guessed), and
the baseline: AKS's Standard tier control plane and the System pool's nodes."""

from __future__ import annotations

from typing import Any

from ... import versions
from ...model.findings import Finding


def cost(platform: Any, region: str | None) -> tuple[dict[str, Any], list[Finding]]:
    """An AKS stack's cost: the pools' on-demand prices in the stack's location (hardware/data/azure_prices.csv;
    unknown where the table has no row), and the baseline: AKS's Standard tier control plane and the System
    pool's nodes."""
    findings: list[Finding] = []
    doc: dict[str, Any] = {"pools": [], "notes": (
        f"Azure pay-as-you-go Linux prices in {region} (hardware/data/azure_prices.csv, with its source); Spot pools "
        "are priced at on-demand, an upper bound. Baseline: the AKS Standard tier control plane + the System pool. "
        "Managed OS disks, the load balancer and its public IP, and data transfer are not included.")}
    idle: float | None = 0.0
    mx: float | None = 0.0
    for p in platform.pools.values():
        doc["pools"].append({"pool": p.name, "instance": p.instance_type, "price_usd_per_hour": p.price_usd_hour,
                             "volume_usd_per_hour": None, "min": p.min_nodes, "max": p.max_nodes,
                             "created_by_stack": True})
        if p.price_usd_hour is None:
            findings.append(Finding("price_usd_hour", None, f"no price for {p.instance_type} in {region}; the pool "
                                    "totals are unknown", "warning", "cost", f"pool {p.name}"))
            idle = mx = None
        elif idle is not None and mx is not None:
            idle += p.price_usd_hour * p.min_nodes
            mx += p.price_usd_hour * p.max_nodes
    base: float | None = versions.AKS_CONTROL_PLANE_USD_PER_HOUR
    base_max: float | None = base
    sp = platform.system_facts
    if sp is not None and sp.price_usd_hour is None:
        findings.append(Finding("price_usd_hour", None, f"no price for {sp.instance_type} in {region}; the baseline "
                                "is unknown", "warning", "cost", "pool system"))
        base = base_max = None
    elif sp is not None and base is not None and base_max is not None:
        base += sp.price_usd_hour * sp.min_nodes
        base_max += sp.price_usd_hour * sp.max_nodes

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 4)
    doc.update(idle_usd_per_hour=r(idle), max_usd_per_hour=r(mx), baseline_usd_per_hour=r(base),
               baseline_max_usd_per_hour=r(base_max))
    return doc, findings
