"""Azure's rules behind the resolve-time seam (``model.cloud.CloudRules``). Pulumi-free."""

from __future__ import annotations

import dataclasses
from typing import Any

from ... import versions
from ...model.cloud import register
from ...model.facts import PoolFacts, facts_for_existing
from ...model.platform import NodePool
from ..rules_base import ModuleCloud, with_cloud_defaults
from . import cost, pools, rules

#: The defaults that differ on AKS from the spec's own (model.defaults, EKS's), set where the user wrote none
#: (key paths in the Python spelling; ``pools.`` applies to every entry of gpuPools and nodePools).
DEFAULTS: dict[str, Any] = {
    "kubernetes_version": versions.AKS_VERSION,
    "system_pool.instance_type": "Standard_D8s_v5",
    "pools.os": "azurelinux",
}
#: A SPOT pool's maximum price unless given: -1, up to the on-demand price (evicted for capacity, never price).
SPOT_MAX_PRICE_DEFAULT = -1.0


class AzureCloud(ModuleCloud):
    """AKS with agent pools: the rules, pools and node images of ``clouds.azure``."""

    name = "azure"
    rules = rules
    pools = pools
    #: AKS runs KubeRay as a cluster extension (kuberay.operator: managed).
    managed_kuberay = True
    account_identity = True
    managed_kuberay_note = ("AKS's KubeRay extension (preview) runs the operator at a KubeRay version AKS picks; check "
                            "it (az k8s-extension show) before `pulumi up`")
    #: Pod identity: Microsoft Entra Workload ID (a federated credential per service account): pods must carry
    #: the webhook's label, and the head its own service account.
    workload_identity_label: tuple[str, str] | None = ("azure.workload.identity/use", "true")
    #: How a team gives the Ray pods of an existing AKS cluster an identity itself.
    #: Where the provider reads the stack's region from.
    region_key = "azure-native:location"
    existing_identity_hint = ("give the account the azure.workload.identity/client-id annotation "
                              "(serviceAccount.annotations) and the pods the azure.workload.identity/use label "
                              "(podLabels) instead")

    def existing_pool(self, spec: dict[str, Any]) -> PoolFacts:
        """An existing AKS pool: a Spot pool's nodes carry AKS's own Spot taint (spot-node-pool.md), which its
        worker groups must tolerate whether or not the team listed it."""
        facts = facts_for_existing(spec)
        if spec["capacity_type"] == "SPOT" and pools.SPOT_TAINT not in facts.taints:
            facts = dataclasses.replace(facts, taints=facts.taints + (pools.SPOT_TAINT,))
        return facts

    logs_instead = ("on AKS leave observability.logs out (Container Insights or your own collector reads the pods' "
                    "stdout)")

    def with_defaults(self, given: dict[str, Any]) -> dict[str, Any]:
        return with_cloud_defaults(given, DEFAULTS["kubernetes_version"], DEFAULTS["system_pool.instance_type"],
                                   lambda p: {"os": DEFAULTS["pools.os"], **({"spot_max_price": SPOT_MAX_PRICE_DEFAULT}
                                                                             if p.get("capacity_type") == "SPOT" else {})})

    def cloud_plan(self, spec: dict[str, Any], region: str | None) -> Any:
        assert region is not None  # check_create_mode refuses a stack without a location
        return rules.azure_plan(spec, region)

    def api_access(self, platform: Any) -> str | None:
        """A private cluster (private-clusters.md), or a public API server limited to authorized IP ranges."""
        if platform.endpoint_public_access:
            return f"public API server for {', '.join(platform.public_access_cidrs)} only (AKS authorized IP ranges)"
        return (f"private cluster: the API server answers inside the VNet {platform.cloud_plan.vnet_cidr}; `pulumi up` "
                f"runs from {', '.join(platform.api_ingress_cidrs)} (apiIngressCidrs)")

    def cost(self, platform: Any, region: str | None) -> tuple[dict[str, Any], list[Any]] | None:
        return cost.cost(platform, region)

    def return_route_targets(self) -> tuple[str, ...]:
        return ()

    def ships_device_plugin(self, pool: NodePool) -> bool:
        # AKS installs the NVIDIA driver only (gpuProfile.driver Install): "you must install the NVIDIA device
        # plugin" (articles/aks/use-nvidia-gpu.md), so raystack does.
        return False


register(AzureCloud())
