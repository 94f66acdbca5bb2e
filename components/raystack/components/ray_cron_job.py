"""RayCronJob: a RayJob KubeRay starts on a schedule, each run on a cluster of its own (deleted
when the run finishes) or on a RayCluster of the stack.

KubeRay 1.7.0 runs its RayCronJob controller only with the RayCronJob feature gate (off by
default); RayPlatform turns it on in the operator it installs. KubeRay reads the spec at each
schedule, so edits update it in place; deleting it stops new runs (runs under way keep going:
KubeRay owns them). KubeRay 1.7.0 has no concurrency policy for RayCronJobs: runs may overlap.
"""

from typing import TypedDict

import pulumi
from typing_extensions import NotRequired

from ..clouds.base import IdentityTarget
from ..model.platform import RayWorkloadPlan
from ..spec.types import PoolDescriptor, RayCronJobSpec
from ._workload import (
    AksWorkloadIdentityArgs,
    GkeWorkloadIdentityArgs,
    RayWorkload,
    identity_target_of,
    plan_standalone,
)


class RayCronJobArgs(TypedDict):
    """Inputs of a RayCronJob."""

    cron_job: RayCronJobSpec
    """The RayCronJob: schedule, entrypoint and the rayCluster each run creates."""
    pools: list[PoolDescriptor]
    """The pools its runs' worker groups name."""
    head_pool: PoolDescriptor
    """The pool its runs' heads run on."""
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


class RayCronJob(RayWorkload):
    """A RayCronJob whose runs are bound to their pools, restricted and isolated by a NetworkPolicy."""

    name: pulumi.Output[str]
    """The RayCronJob's name."""
    namespace: pulumi.Output[str]
    """Its namespace."""
    auth_token: pulumi.Output[str]
    """The Ray auth token of the cluster it creates (a secret; empty with clusterSelector or auth disabled)."""
    schedule: pulumi.Output[str]
    """Its cron schedule."""

    _token = "raystack:index:RayCronJob"

    def __init__(self, name: str, args: RayCronJobArgs, opts: pulumi.ResourceOptions | None = None):
        plan = plan_standalone("RayCronJob", "cron_job", args)  # raises before registering
        super().__init__(self._token, name, {}, opts)
        self._wire(name, plan, opts, identity_target_of(args))

    def _wire(self, name: str, plan: RayWorkloadPlan, opts: pulumi.ResourceOptions | None,
              identity_target: IdentityTarget = None, tags: dict[str, str] | None = None) -> None:
        self._build(name, plan, opts, identity_target, tags)
        self.schedule = pulumi.Output.from_input(plan.manifest["spec"]["schedule"])
        self.register_outputs({"name": self.name, "namespace": self.namespace, "auth_token": self.auth_token, "schedule": self.schedule})
