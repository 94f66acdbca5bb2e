"""What an AKS stack costs, for the plan (Pulumi-free): its pools at the location's prices
(``hardware/data/azure_prices.csv``, with their source), and the baseline: AKS's Standard tier control plane and the
System pool's nodes."""

from __future__ import annotations

from typing import Any

from ... import versions
from ...model.findings import Finding
from .. import regional_cost


def cost(platform: Any, region: str | None) -> tuple[dict[str, Any], list[Finding]]:
    return regional_cost.cost(platform, region, versions.AKS_CONTROL_PLANE_USD_PER_HOUR, (
        f"Azure pay-as-you-go Linux prices in {region} (hardware/data/azure_prices.csv, with its source); Spot pools "
        "are priced at on-demand, an upper bound. Baseline: the AKS Standard tier control plane + the System pool. "
        "Managed OS disks, the load balancer and its public IP, and data transfer are not included."))
