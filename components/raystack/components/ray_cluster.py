"""RayCluster: a KubeRay `ray.io/v1` RayCluster whose worker groups are derived from their pools.

The manifest comes from the resolved model (``model.resolve.resolve_ray_cluster``,
or the platform's plan); this component only registers it, plus a NetworkPolicy
that admits traffic from the cluster's own pods and the KubeRay operator (the
dashboard/Jobs port is never open to the rest of the cluster).
"""


from typing import Any, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from typing_extensions import NotRequired

from ..clouds.base import IdentityTarget
from ..model import defaults
from ..model.platform import RayClusterPlan
from ..model.resolve import resolve_ray_cluster
from ..ray.gcs import fill_address
from ..spec.types import PoolDescriptor, RayClusterSpec
from ._workload import (
    AksWorkloadIdentityArgs,
    GkeWorkloadIdentityArgs,
    cloud_of,
    identity_target_of,
    plain_pools,
    register_identity,
    register_network_policy,
    register_token,
    require_eks_cluster,
)


class RayClusterArgs(TypedDict):
    """Inputs of a RayCluster."""

    cluster: RayClusterSpec
    """The Ray cluster: name, namespace, versions, head, worker groups, autoscaling, auth."""
    pools: list[PoolDescriptor]
    """The pools the worker groups name (``GpuNodePool.pool`` or ``RayPlatform.node_pools``)."""
    head_pool: PoolDescriptor
    """The pool the head runs on."""
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


class RayCluster(pulumi.ComponentResource):
    """A RayCluster sized for its pools, with token auth, restricted pods and a NetworkPolicy."""

    name: pulumi.Output[str]
    """The RayCluster's name."""
    namespace: pulumi.Output[str]
    """Its namespace."""
    service_account: pulumi.Output[str]
    """The service account its workers run as."""
    auth_token: pulumi.Output[str]
    """The Ray auth token (a secret; empty with auth disabled): RAY_AUTH_TOKEN for `ray job submit`
    and the dashboard."""

    def __init__(self, name: str, args: RayClusterArgs, opts: pulumi.ResourceOptions | None = None):
        a = defaults.fill(RayClusterArgs, args)
        pools, head_pool = plain_pools(a)
        plan = resolve_ray_cluster(dict(args["cluster"]), pools, head_pool, a["ray_version"],  # raises before
                                   a["operator_namespace"], cloud=cloud_of(a))  # registering anything
        require_eks_cluster(plan, a, "cluster")
        super().__init__("raystack:index:RayCluster", name, {}, opts)
        self._build(name, plan, opts, identity_target=identity_target_of(a))

    @classmethod
    def _from_model(cls, name: str, plan: RayClusterPlan, opts: pulumi.ResourceOptions,
                    identity_target: IdentityTarget = None,
                    tags: dict[str, str] | None = None, kubernetes: bool = True,
                    redis_address: pulumi.Input[str] | None = None,
                    log_group_arn: pulumi.Input[str] | None = None) -> "RayCluster":
        """From the resolved model (RayPlatform): the manifest as rendered there. ``kubernetes`` False
        (kubernetesDelivery gitops): only the cloud identity and the token, no object in the cluster.
        ``redis_address``: the address of the GCS Redis the stack created, for the manifest's stand-in;
        ``log_group_arn``: the log group the stack created (observability.logs), which its role may write to."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:RayCluster", name, {}, opts)
        self._build(name, plan, opts, identity_target, tags, kubernetes, redis_address, log_group_arn)
        return self

    def _build(self, name: str, plan: RayClusterPlan, opts: pulumi.ResourceOptions | None,
               identity_target: IdentityTarget = None, tags: dict[str, str] | None = None,
               kubernetes: bool = True, redis_address: pulumi.Input[str] | None = None,
               log_group_arn: pulumi.Input[str] | None = None) -> None:
        # Children wait for whatever the component waits for (operator, CRDs,
        # pools, device plugin), so the ordering is explicit on the RayCluster.
        given: Any = opts.depends_on if opts and opts.depends_on else []
        deps: list[pulumi.Resource] = list(given) if isinstance(given, (list, tuple)) else [given]
        self.manifest = plan.manifest
        meta = plan.manifest["metadata"]
        if plan.identity is not None:
            deps += register_identity(self, name, plan.identity, meta["namespace"], deps, identity_target,
                                      tags or {}, kubernetes, log_group_arn)
        made, token = register_token(self, name, plan, deps, kubernetes)
        deps += made
        self.name = pulumi.Output.from_input(meta["name"])
        self.service_account = pulumi.Output.from_input(plan.identity.service_account if plan.identity else "default")
        self.namespace = pulumi.Output.from_input(meta["namespace"])
        self.auth_token = token if token is not None else pulumi.Output.secret("")
        outputs = {"name": self.name, "namespace": self.namespace, "service_account": self.service_account,
                   "auth_token": self.auth_token}
        if not kubernetes:
            self.register_outputs(outputs)
            return
        self.resource = k8s.apiextensions.CustomResource(
            f"{name}-raycluster",
            api_version=plan.manifest["apiVersion"],
            kind=plan.manifest["kind"],
            # Replicas are always minReplicas: nothing live is read. The engine diffs against the last
            # inputs, so the Ray autoscaler's replicas stay until the spec is edited; an edit resets them
            # to min, which KubeRay v1.7.0 never acts on with in-tree autoscaling ("The only decision-maker
            # for Pod deletions is Autoscaler", raycluster_controller.go:1219-1257) and Ray's autoscaler
            # repairs (ray-project/ray PR #57539). See tests/test_lifecycle.py.
            metadata=meta,
            # A created GCS Redis: its endpoint replaces the model's stand-in, so the RayCluster depends on the
            # replication group and destroy deletes it (KubeRay's Redis cleanup Job included) first.
            spec=fill_address(plan.manifest["spec"], redis_address) if redis_address is not None
            else plan.manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=deps),
        )
        if plan.network_policy_spec is not None:
            register_network_policy(self, name, plan)
        if plan.smoke is not None:
            from .ray_job import RayJob  # the smoke test: a RayJob submitted to this cluster once it runs

            RayJob._from_model(f"{name}-smoke", plan.smoke, opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self.resource]), identity_target=identity_target, tags=tags)
        self.register_outputs(outputs)

