"""RayService: Ray Serve applications on a Ray cluster sized for its pools.

KubeRay upgrades a RayService in place: a changed cluster spec makes it start a new cluster and
move traffic once Serve is healthy there (upgradeStrategy NewCluster), so the RayService is
updated, never replaced. The Ray autoscaler scales the cluster KubeRay made, not this spec, so a
later `pulumi up` meets no field owned by another manager. `pulumi up` waits for the Ready
condition. It is reached only inside the cluster: its serve Service is a ClusterIP, and its
NetworkPolicy admits clients on port 8000 only where ``allowFrom`` lists them.
"""

from typing import TypedDict

import pulumi
from typing_extensions import NotRequired

from ..clouds.base import IdentityTarget
from ..model.platform import RayWorkloadPlan
from ..ray.workloads import endpoints
from ..spec.types import PoolDescriptor, RayServiceSpec
from ._workload import (
    AksWorkloadIdentityArgs,
    GkeWorkloadIdentityArgs,
    RayWorkload,
    identity_target_of,
    plan_standalone,
)


class RayServiceArgs(TypedDict):
    """Inputs of a RayService."""

    service: RayServiceSpec
    """The RayService: its Serve config and its rayCluster."""
    pools: list[PoolDescriptor]
    """The pools its cluster's worker groups name."""
    head_pool: PoolDescriptor
    """The pool its cluster's head runs on."""
    ray_version: NotRequired[str]
    """Ray version when the cluster names none (default in raystack.versions)."""
    operator_namespace: NotRequired[str]
    """Namespace of the KubeRay operator the NetworkPolicy admits (default kuberay-system)."""
    eks_cluster_name: NotRequired[pulumi.Input[str]]
    """The EKS cluster's name: required when the cluster's serviceAccount asks for podIdentity."""
    aks_workload_identity: NotRequired[AksWorkloadIdentityArgs]
    """On AKS instead of eks_cluster_name: RayPlatform's workload_identity output (podIdentity through Workload ID)."""
    gke_workload_identity: NotRequired[GkeWorkloadIdentityArgs]
    """On GKE instead of eks_cluster_name: RayPlatform's workload_identity output (podIdentity through Workload
    Identity)."""


class RayService(RayWorkload):
    """A RayService bound to its pools, with token auth, restricted pods and a NetworkPolicy;
    `pulumi up` waits until it is Ready."""

    name: pulumi.Output[str]
    """The RayService's name."""
    namespace: pulumi.Output[str]
    """Its namespace."""
    auth_token: pulumi.Output[str]
    """The Ray auth token of the cluster it creates (a secret; empty with clusterSelector or auth disabled)."""
    serve_service: pulumi.Output[str]
    """The ClusterIP Service KubeRay keeps pointed at the healthy cluster (<name>-serve-svc)."""
    serve_url: pulumi.Output[str]
    """Serve's HTTP endpoint inside the cluster (port 8000)."""
    dashboard_url: pulumi.Output[str]
    """The Ray dashboard inside the cluster (port 8265)."""

    _token = "raystack:index:RayService"

    def __init__(self, name: str, args: RayServiceArgs, opts: pulumi.ResourceOptions | None = None):
        plan = plan_standalone("RayService", "service", args)  # raises before registering
        super().__init__(self._token, name, {}, opts)
        self._wire(name, plan, opts, identity_target_of(args))

    def _wire(self, name: str, plan: RayWorkloadPlan, opts: pulumi.ResourceOptions | None,
              identity_target: IdentityTarget = None, tags: dict[str, str] | None = None) -> None:
        self._build(name, plan, opts, identity_target, tags)
        urls = endpoints(plan.kind, plan.name, plan.namespace)
        self.serve_service = pulumi.Output.from_input(urls["serve_service"])
        self.serve_url = pulumi.Output.from_input(urls["serve_url"])
        self.dashboard_url = pulumi.Output.from_input(urls["dashboard_url"])
        self.register_outputs({"name": self.name, "namespace": self.namespace, "auth_token": self.auth_token, "serve_service": self.serve_service,
                               "serve_url": self.serve_url, "dashboard_url": self.dashboard_url})
