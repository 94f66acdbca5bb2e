"""Google Cloud's rules behind the resolve-time seam (``model.cloud.CloudRules``). Pulumi-free."""

from __future__ import annotations

from typing import Any

from ... import versions
from ...model.cloud import register
from ...model.facts import PoolFacts, facts_for_existing
from ...model.platform import NodePool
from ..rules_base import ModuleCloud, with_cloud_defaults
from . import cost, pools, rules

#: The defaults that differ on GKE from the spec's own (model.defaults, EKS's), set where the user wrote none.
DEFAULTS: dict[str, Any] = {
    "kubernetes_version": versions.GKE_VERSION,
    "system_pool.instance_type": "e2-standard-8",
    "pools.os": "cos",
}


class GcpCloud(ModuleCloud):
    """GKE with node pools: the rules, pools and TPU slices of ``clouds.gcp``."""

    name = "gcp"
    rules = rules
    pools = pools
    #: GKE runs KubeRay as its Ray Operator add-on (kuberay.operator: managed).
    managed_kuberay = True
    managed_kuberay_note = ("GKE's Ray Operator add-on runs the operator at a KubeRay version that follows the GKE "
                            "version and cannot be pinned; check it (kubectl get deployment -n gke-managed-ray) "
                            "before `pulumi up`")
    #: Workload Identity Federation for GKE: a Kubernetes service account names its Google service account
    #: (iam.gke.io/gcp-service-account); no pod label is needed.
    account_identity = True
    workload_identity_label: tuple[str, str] | None = None
    #: The zone: TPUs and GPUs are zonal, and raystack's GKE cluster is a zonal cluster there.
    region_key = "gcp:zone"
    existing_identity_hint = ("annotate the account with iam.gke.io/gcp-service-account (serviceAccount.annotations) "
                              "instead")

    def existing_pool(self, spec: dict[str, Any]) -> PoolFacts:
        return facts_for_existing(spec)

    logs_instead = "on GKE leave observability.logs out (GKE's own logging agent sends the pods' stdout to Cloud Logging)"

    def with_defaults(self, given: dict[str, Any]) -> dict[str, Any]:
        return with_cloud_defaults(given, DEFAULTS["kubernetes_version"], DEFAULTS["system_pool.instance_type"],
                                   lambda p: {"os": DEFAULTS["pools.os"]})

    def cloud_plan(self, spec: dict[str, Any], region: str | None) -> Any:
        assert region is not None  # check_create_mode refuses a stack without a zone
        return rules.gcp_plan(spec, region)

    def api_access(self, platform: Any) -> str | None:
        if platform.endpoint_public_access:
            return (f"public endpoint for {', '.join(platform.public_access_cidrs)} only (GKE master authorized "
                    "networks)")
        return (f"private endpoint only: the control plane answers inside the VPC ({platform.cloud_plan.node_cidr}); "
                f"`pulumi up` runs from {', '.join(platform.api_ingress_cidrs)} (apiIngressCidrs, authorized networks)")

    def cost(self, platform: Any, region: str | None) -> tuple[dict[str, Any], list[Any]] | None:
        return cost.cost(platform, region)

    def managed_operator_cidrs(self, spec: dict[str, Any]) -> tuple[str, ...]:
        """GKE "hosts" the Ray Operator add-on's KubeRay operator (enable-ray-on-gke): it reaches the heads from the
        control plane, whose private endpoint range is the cluster's master CIDR (an assumption: which addresses
        the hosted operator uses is not documented in a source readable here)."""
        return (spec["gcp"].get("master_ipv4_cidr_block", rules.MASTER_CIDR),)

    def return_route_targets(self) -> tuple[str, ...]:
        return ()

    def ships_device_plugin(self, pool: NodePool) -> bool:
        # GKE installs the driver and runs its own device plugins for GPUs and TPUs (clouds-and-e2e.md A2.2).
        return True


register(GcpCloud())
