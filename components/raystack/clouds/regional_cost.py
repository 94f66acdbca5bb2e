"""What a stack on a cloud with regional price tables costs, for the plan (Pulumi-free): its pools at the region's
prices (``hardware/data/<cloud>_prices.csv``, with their source; unknown where the table has no row, never guessed),
and the baseline: the control plane's hourly fee and the system pool's nodes (AKS, GKE)."""

from __future__ import annotations

from typing import Any

from ..model.findings import Finding


def cost(platform: Any, region: str | None, control_plane_usd_per_hour: float,
         notes: str) -> tuple[dict[str, Any], list[Finding]]:
    """A stack's cost: the pools' on-demand prices in ``region`` (unknown where the price table has no row), and the
    baseline: the control plane's fee and the system pool's nodes; ``notes``: what the figures are, in the cloud's
    words."""
    findings: list[Finding] = []
    doc: dict[str, Any] = {"pools": [], "notes": notes}
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
    base: float | None = control_plane_usd_per_hour
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
