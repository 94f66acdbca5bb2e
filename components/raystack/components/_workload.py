"""What RayJob, RayService and RayCronJob share: registering a rendered workload, the identity and
NetworkPolicy of the cluster it creates, and its outputs. Not a component itself.

On create the workload waits for the operator, its CRDs, the namespace, the pools its cluster
binds to and (through ``depends_on``) the RayCluster it runs on. On destroy Pulumi deletes it
first; KubeRay's owner references take its cluster and submitter with it.
"""

from collections.abc import Mapping
from typing import Any, TypedDict, TypeVar

import pulumi
import pulumi_kubernetes as k8s

from ..clouds.base import IdentityTarget
from ..model.facts import PoolFacts
from ..model.findings import ConfigError, Finding
from ..model.platform import IdentityPlan, RayClusterPlan, RayWorkloadPlan
from ..model.workloads import resolve_workload
from ..ray.gcs import fill_address

W = TypeVar("W", bound="RayWorkload")


class AksWorkloadIdentityArgs(TypedDict):
    """Where a Ray cluster's podIdentity is made on an AKS cluster RayPlatform created: its
    ``workload_identity`` output."""

    resource_group_name: pulumi.Input[str]
    """The cluster's resource group: the managed identity goes there."""
    location: str
    """The cluster's Azure location."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer: the federated credentials trust it."""
    subscription_id: pulumi.Input[str]
    """The subscription the role definitions live in."""


class GkeWorkloadIdentityArgs(TypedDict):
    """Where a Ray cluster's podIdentity is made on a GKE cluster RayPlatform created: its ``workload_identity``
    output."""

    project: pulumi.Input[str]
    """The cluster's project: the Google service account goes there, and its workload pool is <project>.svc.id.goog."""
    cluster_name: str
    """The GKE cluster's name: it prefixes the service account's ID, which is per project."""


def identity_target_of(args: Mapping[str, Any]) -> IdentityTarget:
    """A component's podIdentity target: AKS's Workload ID (``aks_workload_identity``), GKE's Workload Identity
    (``gke_workload_identity``) or the EKS cluster's name."""
    aks = args.get("aks_workload_identity")
    if aks is not None:
        from ..clouds.azure.identity import WorkloadIdentityBuilder

        return WorkloadIdentityBuilder(**aks)
    gke = args.get("gke_workload_identity")
    if gke is not None:
        from ..clouds.gcp.identity import GkeIdentityBuilder

        return GkeIdentityBuilder(**gke)
    target: IdentityTarget = args.get("eks_cluster_name")
    return target


def cloud_of(args: Mapping[str, Any]) -> str:
    if args.get("aks_workload_identity") is not None:
        return "azure"
    return "gcp" if args.get("gke_workload_identity") is not None else "aws"


def plain_pools(args: Mapping[str, Any]) -> tuple[dict[str, PoolFacts], PoolFacts]:
    """``pools`` and ``head_pool`` of a component's args as PoolFacts; an Output among them is
    refused with what to pass instead (the component is resolved before it registers anything)."""
    problems = [Finding(f"pools[{i}]", "(an Output)", "pass a plain PoolDescriptor: GpuNodePool.descriptor in "
                                                     "the same program; with a StackReference, declare the "
                                                     "component inside .apply (see examples/team-stack)")
                for i, p in enumerate(args["pools"]) if isinstance(p, pulumi.Output)]
    if isinstance(args["pools"], pulumi.Output):
        problems.append(Finding("pools", "(an Output)", "pass a list of plain PoolDescriptors (see examples/team-stack)"))
    if isinstance(args["head_pool"], pulumi.Output):
        problems.append(Finding("head_pool", "(an Output)", "pass a plain PoolDescriptor (see examples/team-stack)"))
    if problems:
        raise ConfigError(problems)
    return ({p["name"]: PoolFacts.from_descriptor(dict(p)) for p in args["pools"]},
            PoolFacts.from_descriptor(dict(args["head_pool"])))


def plan_standalone(kind: str, spec_arg: str, args: Mapping[str, Any]) -> RayWorkloadPlan:
    """A component's args -> its plan, or ConfigError naming ``<spec_arg>.<key>``; nothing is
    registered before this returns."""
    pools, head_pool = plain_pools(args)
    plan = resolve_workload(kind, dict(args[spec_arg]), pools, head_pool, args.get("ray_version"),
                            args.get("operator_namespace"), spec_arg, cloud=cloud_of(args))
    require_eks_cluster(plan.cluster, args, f"{spec_arg}.rayCluster")
    return plan


def require_eks_cluster(cluster: RayClusterPlan | None, args: Mapping[str, Any], at: str) -> None:
    """podIdentity is made in a cluster: an EKS cluster's Pod Identity associations (``eks_cluster_name``), an AKS
    cluster's Workload ID (``aks_workload_identity``) or a GKE cluster's Workload Identity (``gke_workload_identity``);
    a component asked for it needs one of them."""
    identity = cluster.identity if cluster is not None else None
    if identity is not None and identity.pod_identity and all(
            args.get(k) is None for k in ("eks_cluster_name", "aks_workload_identity", "gke_workload_identity")):
        raise ConfigError([Finding(f"{at}.serviceAccount.podIdentity", "(set)",
                                   "needs eks_cluster_name (the EKS cluster the association is made in), "
                                   "aks_workload_identity (RayPlatform's workload_identity output, on AKS) or "
                                   "gke_workload_identity (the same output, on GKE)")])


class RayWorkload(pulumi.ComponentResource):
    """Base of the RayJob, RayService and RayCronJob components."""

    _token = ""
    #: Whether it registers its objects in the cluster (False: kubernetesDelivery gitops).
    _kubernetes = True
    #: The address of the GCS Redis the stack created (gcsFaultTolerance.redis: create), if any.
    _redis_address: pulumi.Input[str] | None = None
    #: The log group the stack created (observability.logs), which its cluster's role may write to, if any.
    _log_group_arn: pulumi.Input[str] | None = None

    @classmethod
    def _from_model(cls: type[W], name: str, plan: RayWorkloadPlan, opts: pulumi.ResourceOptions,
                    identity_target: IdentityTarget = None, tags: dict[str, str] | None = None,
                    kubernetes: bool = True, redis_address: pulumi.Input[str] | None = None,
                    log_group_arn: pulumi.Input[str] | None = None) -> W:
        """From the resolved model (RayPlatform). ``kubernetes`` False (kubernetesDelivery gitops): only its
        cluster's cloud identity and token, no object in the cluster. ``redis_address``, ``log_group_arn``: as
        RayCluster's."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, cls._token, name, {}, opts)
        self._kubernetes = kubernetes
        self._redis_address = redis_address
        self._log_group_arn = log_group_arn
        self._wire(name, plan, opts, identity_target, tags)
        return self

    def _wire(self, name: str, plan: RayWorkloadPlan, opts: pulumi.ResourceOptions | None,
              identity_target: IdentityTarget = None, tags: dict[str, str] | None = None) -> None:
        raise NotImplementedError

    def _build(self, name: str, plan: RayWorkloadPlan, opts: pulumi.ResourceOptions | None,
               identity_target: IdentityTarget = None, tags: dict[str, str] | None = None,
               replace_on_changes: list[str] | None = None) -> k8s.apiextensions.CustomResource | None:
        given: Any = opts.depends_on if opts and opts.depends_on else []
        deps: list[pulumi.Resource] = list(given) if isinstance(given, (list, tuple)) else [given]
        self.manifest = plan.manifest
        meta = plan.manifest["metadata"]
        cluster = plan.cluster
        if cluster is not None and cluster.identity is not None:
            deps += register_identity(self, name, cluster.identity, plan.namespace, deps, identity_target,
                                      tags or {}, self._kubernetes, self._log_group_arn)
        token = None
        if cluster is not None:
            made, token = register_token(self, name, cluster, deps, self._kubernetes)
            deps += made
        # Its own cluster's token; a clusterSelector job uses the selected RayCluster's.
        self.auth_token = token if token is not None else pulumi.Output.secret("")
        self.name = pulumi.Output.from_input(plan.name)
        self.namespace = pulumi.Output.from_input(plan.namespace)
        if not self._kubernetes:
            self.resource = None
            return None
        resource = k8s.apiextensions.CustomResource(
            f"{name}-{plan.kind.lower()}", api_version=plan.manifest["apiVersion"], kind=plan.kind,
            metadata=meta, spec=plan.manifest["spec"] if self._redis_address is None
            else fill_address(plan.manifest["spec"], self._redis_address),
            opts=pulumi.ResourceOptions(parent=self, depends_on=deps, replace_on_changes=replace_on_changes,
                                        delete_before_replace=bool(replace_on_changes)))
        if cluster is not None and cluster.network_policy_spec is not None:
            register_network_policy(self, name, cluster)
        self.resource = resource
        return resource


def register_network_policy(parent: pulumi.Resource, name: str, plan: RayClusterPlan) -> None:
    """The NetworkPolicy around a Ray cluster (a RayCluster's, or the one a workload creates)."""
    k8s.networking.v1.NetworkPolicy(
        f"{name}-netpol",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=f"{plan.name}-ingress", namespace=plan.namespace),
        spec=plan.network_policy_spec,  # type: ignore[arg-type]  # a plain dict of the spec's shape
        opts=pulumi.ResourceOptions(parent=parent),
    )


def register_identity(parent: pulumi.Resource, name: str, identity: IdentityPlan, namespace: str,
                      deps: list[pulumi.Resource], identity_target: IdentityTarget,
                      tags: dict[str, str], kubernetes: bool = True,
                      log_group_arn: pulumi.Input[str] | None = None) -> list[pulumi.Resource]:
    """The workers' service account (KubeRay requires a named head or worker account to exist
    before it reconciles: raycluster_controller.go reconcileAutoscalerServiceAccount, v1.7.0), the
    head's where raystack names it (a workload's cluster, or any cluster with an AKS identity), and, when
    asked for, the cloud identity: ``identity_target`` is the EKS cluster's name (a Pod Identity role), or a
    cloud's ``IdentityBuilder`` (AKS: a managed identity, whose client ID the accounts carry).
    ``log_group_arn``: the stack's log group, which the role may write the pods' logs to."""
    made: list[pulumi.Resource] = []
    annotations: dict[str, pulumi.Input[str]] = {}
    if identity.pod_identity and callable(identity_target):
        built, annotations = identity_target(parent, f"{name}-identity", identity, namespace, tags)
        made += built
    accounts = [(f"{name}-sa", identity.service_account, identity.create)]
    if identity.create_head_account:
        accounts.append((f"{name}-head-sa", identity.head_service_account, True))
    for resource_name, account, create in accounts:
        if create and kubernetes:  # gitops: the account is rendered, and Argo CD applies it
            own = identity.annotations if account == identity.service_account else {}
            made.append(k8s.core.v1.ServiceAccount(
                resource_name, metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=account, namespace=namespace, annotations={**own, **annotations} or None),
                opts=pulumi.ResourceOptions(parent=parent, depends_on=deps)))
    if identity.pod_identity and not callable(identity_target):
        from ..clouds.aws.identity import build_pod_identity

        assert identity_target is not None  # checked before registering
        made += build_pod_identity(parent, f"{name}-identity", identity=identity, namespace=namespace,
                                   cluster=identity_target, tags=tags, log_group_arn=log_group_arn)
    return made


def register_token(parent: pulumi.Resource, name: str, plan: RayClusterPlan, deps: list[pulumi.Resource],
                   kubernetes: bool = True) -> tuple[list[pulumi.Resource], pulumi.Output[str] | None]:
    """The cluster's Ray auth token: a random password kept secret in state, in the Secret KubeRay
    reads through authOptions.secretName (key ``auth_token``). KubeRay then generates none and
    never writes it (AuthOptions, v1.7.0). Returns what the cluster must wait for, and the token."""
    secret_name = (plan.manifest["spec"].get("authOptions") or {}).get("secretName")
    if not secret_name:
        return [], None
    import pulumi_random as random

    password = random.RandomPassword(f"{name}-ray-token", length=48, special=False,
                                     opts=pulumi.ResourceOptions(parent=parent))
    result: pulumi.Output[str] = password.result
    token: pulumi.Output[str] = pulumi.Output.secret(result)
    if not kubernetes:  # gitops: the token is the stack's secret output; the Secret is created out of band
        return [], token
    secret = k8s.core.v1.Secret(
        f"{name}-ray-token",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=secret_name, namespace=plan.namespace,
                                            labels={"app.kubernetes.io/managed-by": "pulumi"}),
        type="Opaque", string_data={"auth_token": token},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=deps))
    return [secret], token
