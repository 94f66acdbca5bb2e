"""RayJob: an entrypoint KubeRay runs on a Ray cluster of its own, sized for its pools.

KubeRay reads a RayJob's spec only while it starts it (rayjob_controller.go, v1.7.0), so an
edited spec would change nothing in the cluster: raystack replaces the RayJob instead (delete,
then create: the same name), which runs the new spec. ``pulumi up`` waits until Ray has accepted
the job (``status.jobStatus`` set), or until it succeeded.
"""

from typing import TypedDict

import pulumi
from typing_extensions import NotRequired

from ..clouds.base import IdentityTarget
from ..model.platform import RayWorkloadPlan
from ..ray.workloads import endpoints
from ..spec.types import PoolDescriptor, RayJobSpec
from ._workload import (
    AksWorkloadIdentityArgs,
    GkeWorkloadIdentityArgs,
    RayWorkload,
    identity_target_of,
    plan_standalone,
)


class RayJobArgs(TypedDict):
    """Inputs of a RayJob."""

    job: RayJobSpec
    """The RayJob: entrypoint, runtime_env, submission and its rayCluster (clusterSelector only
    through RayPlatform's rayJobs)."""
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


class RayJob(RayWorkload):
    """A RayJob bound to its pools, with token auth, restricted pods, a restricted submitter and a
    NetworkPolicy; `pulumi up` waits for it."""

    name: pulumi.Output[str]
    """The RayJob's name."""
    namespace: pulumi.Output[str]
    """Its namespace."""
    auth_token: pulumi.Output[str]
    """The Ray auth token of the cluster it creates (a secret; empty with clusterSelector or auth disabled)."""
    dashboard_url: pulumi.Output[str]
    """The Ray dashboard and Jobs API inside the cluster."""

    _token = "raystack:index:RayJob"

    def __init__(self, name: str, args: RayJobArgs, opts: pulumi.ResourceOptions | None = None):
        plan = plan_standalone("RayJob", "job", args)  # raises before registering
        super().__init__(self._token, name, {}, opts)
        self._wire(name, plan, opts, identity_target_of(args))

    def _wire(self, name: str, plan: RayWorkloadPlan, opts: pulumi.ResourceOptions | None,
              identity_target: IdentityTarget = None, tags: dict[str, str] | None = None) -> None:
        self._build(name, plan, opts, identity_target, tags, replace_on_changes=["spec"])
        self.dashboard_url = pulumi.Output.from_input(
            endpoints(plan.kind, plan.name, plan.namespace, plan.target)["dashboard_url"])
        self.register_outputs({"name": self.name, "namespace": self.namespace, "auth_token": self.auth_token,
                               "dashboard_url": self.dashboard_url})
