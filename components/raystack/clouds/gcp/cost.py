"""What a GKE stack costs, for the plan (Pulumi-free): its pools at the region's prices
(``hardware/data/gcp_prices.csv``, with their source; unknown where the table has no row), and the baseline: GKE's
cluster management fee and the system pool's nodes."""

from __future__ import annotations

from typing import Any

from ... import versions
from ...model.findings import Finding
from .. import regional_cost
from .pools import region_of


def cost(platform: Any, zone: str | None) -> tuple[dict[str, Any], list[Finding]]:
    region = region_of(zone)
    return regional_cost.cost(platform, region, versions.GKE_CONTROL_PLANE_USD_PER_HOUR, (
        f"Google Cloud on-demand prices in {region} (hardware/data/gcp_prices.csv, with its source: a GPU machine's "
        "price is its VM's plus its GPUs', a TPU node's its chips'); Spot pools are priced at on-demand, an upper "
        "bound. Baseline: GKE's cluster management fee + the system pool. Boot disks, Cloud NAT, load balancers and "
        "data transfer are not included."))
