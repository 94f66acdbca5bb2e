"""RayPlatform: network, cluster, pools, device plugins, operator and Ray clusters from one spec.

The spec is resolved (``model.resolve``) before the first resource is
registered; the steps below only wire resources from that model. Ordering that
matters on create and destroy is explicit: RayClusters depend on the operator
and its CRDs, on their pools and on the device plugin; the operator depends on
its CRDs. Pulumi deletes in reverse, so RayClusters go before the operator and
the operator before the CRDs.
"""


from typing import Any

import pulumi

from .._k8s import no_takeover_guard, pss_namespace, redis_password_secret
from ..clouds.base import ClusterHandle, backend_for
from ..model.gcs import PASSWORD_GIVEN
from ..model.platform import Platform, RayClusterPlan
from ..model.resolve import resolve
from ..ray.workloads import endpoints
from ..spec.types import PlatformSpec, PoolDescriptor, TaintSpec
from ._workload import RayWorkload
from .efa_device_plugin import EfaDevicePlugin
from .kuberay_operator import KubeRayOperator
from .neuron_device_plugin import NeuronDevicePlugin
from .nvidia_device_plugin import NvidiaDevicePlugin
from .ray_cluster import RayCluster
from .ray_cron_job import RayCronJob
from .ray_job import RayJob
from .ray_monitoring import RayMonitoring
from .ray_service import RayService

#: The device-plugin component of each accelerator kind that has one (resource names <platform>-<kind>).
DEVICE_PLUGIN_COMPONENTS: dict[str, Any] = {c.KIND: c for c in (NvidiaDevicePlugin, NeuronDevicePlugin)}
#: The EFA device plugin's key among the device plugin releases (not an accelerator kind).
EFA = "efa"
#: The component of each workload kind.
WORKLOAD_COMPONENTS: dict[str, type[RayWorkload]] = {c.__name__: c for c in (RayJob, RayService, RayCronJob)}
#: Stand-in for a kubeconfig that arrives as a secret Output: the model checks only its presence.
KUBECONFIG_GIVEN = "[secret]"


class RayPlatform(pulumi.ComponentResource):
    """A whole Ray platform on Kubernetes: an EKS cluster (or an existing one), accelerator pools,
    the Cluster Autoscaler, device plugins, the KubeRay operator and Ray clusters."""

    cluster_name: pulumi.Output[str]
    """The cluster's name."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig of the cluster (secret)."""
    ray_clusters: pulumi.Output[list[dict[str, str]]]
    """Name and namespace of every RayCluster."""
    node_pools: pulumi.Output[list[PoolDescriptor]]
    """Every pool worker groups may bind to (pass to RayCluster in a team's stack)."""
    system_pool: pulumi.Output[PoolDescriptor]
    """The pool Ray heads run on by default (the system pool; with an existing cluster, the first
    head's): a team stack's RayClusters take it as head_pool."""
    kuberay_namespace: pulumi.Output[str]
    """The KubeRay operator's namespace (a team stack's RayClusters admit it in their NetworkPolicy)."""
    cloud: pulumi.Output[str]
    """The cloud the cluster lives in (aws, azure, gcp): a team stack picks its podIdentity by it."""
    workload_identity: pulumi.Output[dict[str, str]]
    """On AKS, what a team stack's components take as aks_workload_identity (resource group, location, OIDC
    issuer, subscription); on GKE, as gke_workload_identity (project); empty elsewhere."""
    ray_auth_tokens: pulumi.Output[dict[str, str]]
    """The Ray auth token of every cluster by "<namespace>/<name>" (RayClusters, and the clusters of
    RayJobs, RayServices and RayCronJobs), a secret: `pulumi stack output --show-secrets`."""
    ray_workloads: pulumi.Output[list[dict[str, str]]]
    """Kind, name and namespace of every RayJob, RayService and RayCronJob, with their in-cluster
    endpoints (dashboard_url; serve_url for RayServices). A RayJob's submission id is KubeRay's, in its
    status (`kubectl get rayjob <name> -o jsonpath='{.status.jobId}'`)."""

    def __init__(self, name: str, args: PlatformSpec, opts: pulumi.ResourceOptions | None = None):
        raw, kubeconfig, redis_password = _split_secrets(dict(args))
        platform = resolve(raw, camel=False, stack=pulumi.get_stack(),  # raises before any registration
                           region=_region(raw.get("cloud")))
        backend_for(platform)  # a missing cloud extra fails here, before any registration
        super().__init__("raystack:index:RayPlatform", name, {}, opts)
        self._build(name, platform, kubeconfig, redis_password)

    @classmethod
    def from_stack_config(cls, name: str = "raystack", namespace: str = "raystack",
                          opts: pulumi.ResourceOptions | None = None) -> "RayPlatform":
        """Read every ``raystack:*`` key of the stack config (camelCase, as in the stack
        file; errors name those keys) and build the platform."""
        from ..config import read_stack_config

        raw, kubeconfig, redis_password = _split_secrets(read_stack_config(namespace))
        platform = resolve(raw, camel=True, stack=pulumi.get_stack(),  # raises before any registration
                           region=_region(raw.get("cloud")))
        backend_for(platform)  # a missing cloud extra fails here, before any registration
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:RayPlatform", name, {}, opts)
        self._build(name, platform, kubeconfig, redis_password)
        return self

    def _build(self, name: str, platform: Platform, kubeconfig: Any, redis_password: Any = None) -> None:
        self.platform = platform
        self.warnings = platform.warnings
        for w in platform.warnings:
            pulumi.log.warn(str(w), resource=self)
        tags = {"raystack.io/environment": platform.environment or pulumi.get_stack(),
                "raystack.io/cluster": platform.cluster_name}
        cluster = backend_for(platform)(tags).build(name, platform, self, kubeconfig)
        k8s_opts = pulumi.ResourceOptions(parent=self, providers=[cluster.provider], depends_on=cluster.ready)
        # kubernetesDelivery gitops: the Kubernetes side is Argo CD's (raystack plan --out renders it). The
        # cluster's Kubernetes provider is still registered, and nothing uses it: its Configure marks an
        # unreachable cluster and goes on (pulumi-kubernetes v4.32.0 provider.go:946-1000), so a private
        # endpoint nothing reaches does not fail such an `up`.
        device_plugins = self._device_plugins(name, platform, k8s_opts) if platform.applies_kubernetes else {}
        self._ray(name, platform, cluster, k8s_opts, device_plugins, tags, redis_password)

        self.cluster_name = cluster.cluster_name
        self.kubeconfig = cluster.kubeconfig
        self.ray_clusters = pulumi.Output.from_input(
            [{"name": rc.name, "namespace": rc.namespace} for rc in platform.ray_clusters])
        self.ray_workloads = pulumi.Output.from_input([
            {"kind": w.kind, "name": w.name, "namespace": w.namespace,
             **endpoints(w.kind, w.name, w.namespace, w.target)}
            for w in platform.every_workload])
        head_pool = platform.system_facts or next((rc.head_pool for rc in platform.ray_clusters), None)
        self.system_pool = pulumi.Output.from_input(head_pool.to_descriptor() if head_pool else {})  # type: ignore[arg-type]
        self.kuberay_namespace = pulumi.Output.from_input(platform.kuberay.namespace)
        self.cloud = pulumi.Output.from_input(platform.cloud)
        self.workload_identity = pulumi.Output.from_input(cluster.workload_identity or {})
        self.node_pools = pulumi.Output.from_input(
            [p.to_descriptor() for p in platform.pools.values()])  # type: ignore[misc]
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "kubeconfig": self.kubeconfig,
            "ray_clusters": self.ray_clusters,
            "node_pools": self.node_pools,
            "ray_workloads": self.ray_workloads,
            "ray_auth_tokens": self.ray_auth_tokens,
            "system_pool": self.system_pool,
            "kuberay_namespace": self.kuberay_namespace,
            "cloud": self.cloud,
            "workload_identity": self.workload_identity,
        })

    def _device_plugins(self, name: str, platform: Platform,
                        k8s_opts: pulumi.ResourceOptions) -> dict[str, pulumi.Resource]:
        """Release of each device plugin the pools need, by accelerator kind."""
        out: dict[str, pulumi.Resource] = {}
        for kind in platform.device_plugins:
            component = DEVICE_PLUGIN_COMPONENTS[kind]
            out[kind] = component(f"{name}-{kind}", {}, opts=k8s_opts).release
        efa_pools = [p for p in platform.node_pools if p.efa]
        if efa_pools:
            taints: list[TaintSpec] = [{"key": t.key, "value": t.value, "effect": t.effect}  # type: ignore[typeddict-item]
                                       for p in efa_pools for t in p.facts.taints]
            out[EFA] = EfaDevicePlugin(f"{name}-efa", {"taints": taints}, opts=k8s_opts).release
        return out

    def _ray(self, name: str, platform: Platform, cluster: ClusterHandle, k8s_opts: pulumi.ResourceOptions,
             device_plugins: dict[str, pulumi.Resource], tags: dict[str, str], redis_password: Any = None) -> None:
        operator = None
        kube = platform.applies_kubernetes
        if cluster.redis_password is not None:  # gcsFaultTolerance.redis: create: the generated AUTH token
            redis_password = cluster.redis_password
        if platform.kuberay.install and kube:
            operator = KubeRayOperator(f"{name}-kuberay", {
                "node_selector": platform.kuberay.node_selector,
                "namespace": platform.kuberay.namespace,
                "retain_crds_on_delete": platform.kuberay.retain_crds_on_delete,
                "feature_gates": list(platform.kuberay.feature_gates),
                # An existing cluster's kuberay-system may predate the stack (K8s N7): it survives destroy.
                "retain_namespace_on_delete": not platform.creates_cluster,
            }, opts=k8s_opts)
        namespaces: dict[str, pulumi.Resource] = {}

        def namespace(ns: str) -> pulumi.Resource:
            if ns not in namespaces:
                # Every Ray container meets "restricted": raystack's, the autoscaler sidecar (its
                # securityContext is set) and the init containers KubeRay injects, which copy the Ray
                # container's (common/pod.go DefaultWorkerPodTemplate, v1.7.0). security: relaxed: baseline.
                # On a cluster raystack did not create, a namespace may hold other teams' objects and is adopted
                # (upsert): destroy leaves it, since deleting a namespace deletes everything in it
                # (kubernetes-deploy-review 2, N7). Raystack's own objects in it are deleted one by one.
                opts = k8s_opts if platform.creates_cluster else pulumi.ResourceOptions.merge(
                    k8s_opts, pulumi.ResourceOptions(retain_on_delete=True))
                namespaces[ns] = pss_namespace(
                    f"{name}-ns-{ns}", ns, platform.ray_pod_security, opts, warn="restricted",
                    reason="raystack security: relaxed" if platform.ray_pod_security != "restricted" else None)
            return namespaces[ns]

        gcs_secrets: dict[str, pulumi.Resource] = {}

        def gcs_secret(ns: str) -> pulumi.Resource:
            """The Redis password of gcsFaultTolerance, in the namespace's Secret KubeRay's head reads."""
            if ns not in gcs_secrets:
                gcs_secrets[ns] = redis_password_secret(f"{name}-gcs-redis-{ns}", ns, redis_password,
                                                        pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(
                                                            depends_on=[namespace(ns)])))
            return gcs_secrets[ns]

        # On a cluster raystack did not create, creating a Ray object whose name is taken would upsert onto
        # someone else's: an admission policy refuses that server-side (kube/ownership.py; K8s N7).
        guard: list[pulumi.Resource] = [] if platform.creates_cluster or not kube or not (
            platform.ray_clusters or platform.ray_workloads) else [no_takeover_guard(f"{name}-no-takeover", k8s_opts)]

        def deps_of(ns: str, cluster_plan: RayClusterPlan | None) -> list[pulumi.Resource]:
            """Namespace, operator and CRDs, the no-takeover guard, the pools a cluster binds to and their
            device plugins."""
            if not kube:  # only cloud resources (Pod Identity) and tokens: nothing in the cluster to wait for
                return []
            deps: list[pulumi.Resource] = [namespace(ns), *guard]
            if cluster_plan is not None and cluster_plan.gcs and platform.gcs is not None and platform.gcs.create_secret:
                deps.append(gcs_secret(ns))  # the head starts with REDIS_PASSWORD from it
            if operator is not None:
                deps += [operator.release, operator.crds]
            if cluster.operator is not None:  # the cloud's KubeRay (kuberay.operator: managed) and its CRDs
                deps.append(cluster.operator)
            used = cluster_plan.pools_used if cluster_plan is not None else ()
            created = [u for u in used if u in cluster.pool_resources]
            deps += [cluster.pool_resources[u] for u in created]
            kinds = sorted({platform.pools[u].accelerator_kind for u in created}
                           | ({EFA} if any(platform.pools[u].efa_interfaces for u in created) else set()))
            return deps + [device_plugins[k] for k in kinds if k in device_plugins]

        ray_clusters: dict[tuple[str, str], RayCluster] = {}
        tokens: dict[str, pulumi.Output[str]] = {}
        for rc in platform.ray_clusters:
            ray_clusters[(rc.namespace, rc.name)] = component = RayCluster._from_model(
                f"{name}-{rc.resource_name}", rc, opts=pulumi.ResourceOptions(
                    parent=self, providers=[cluster.provider], depends_on=deps_of(rc.namespace, rc)),
                identity_target=cluster.identity_target, tags=tags, kubernetes=kube, redis_address=cluster.redis_address,
                log_group_arn=cluster.log_group_arn)
            if rc.auth == "token":
                tokens[f"{rc.namespace}/{rc.name}"] = component.auth_token
        for w in platform.ray_workloads:
            deps = deps_of(w.namespace, w.cluster)
            if w.target is not None:  # clusterSelector: the RayCluster runs before the job is submitted to it
                deps.append(ray_clusters[(w.namespace, w.target)])
            workload = WORKLOAD_COMPONENTS[w.kind]._from_model(
                f"{name}-{w.resource_name}", w, opts=pulumi.ResourceOptions(
                    parent=self, providers=[cluster.provider], depends_on=deps),
                identity_target=cluster.identity_target, tags=tags, kubernetes=kube, redis_address=cluster.redis_address,
                log_group_arn=cluster.log_group_arn)
            if w.cluster is not None and w.cluster.auth == "token":
                tokens[f"{w.namespace}/{w.name}"] = workload.auth_token
        self.ray_auth_tokens = pulumi.Output.secret(pulumi.Output.all(**tokens)) if tokens else \
            pulumi.Output.secret({})
        obs = platform.observability
        if obs is not None and kube:  # the Prometheus's namespace is the team's: nothing of raystack's to wait for
            RayMonitoring(f"{name}-monitoring", {
                "namespace": obs.namespace, "monitor_labels": obs.monitor_labels,
                "ray_namespaces": sorted({c.namespace for c in platform.ray_clusters}
                                         | {w.namespace for w in platform.ray_workloads}),
                "dashboards": list(obs.dashboards), "ray_version": obs.dashboards_ray_version or "",
                "install": obs.install, "node_selector": dict(platform.system_node_selector or {}),
                "retention_days": obs.retention_days, "storage_gib": obs.storage_gib, "gpu_metrics": obs.gpu_metrics,
                "gpu_dashboard": obs.gpu_dashboard, "neuron_metrics": obs.neuron_metrics,
            }, opts=pulumi.ResourceOptions(parent=self, providers=[cluster.provider],
                                           depends_on=cluster.ready if obs.install else None))


def _split_secrets(raw: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    """Secret values (Outputs from the stack config) stay out of the model: it sees a stand-in, the
    components get the value. Returns (raw, kubeconfig, Redis password). A kubeconfig given as text (a
    path) is the model's to read; the Redis password is always a stand-in there."""
    out, values = dict(raw), []
    for fields, stand_in, always in ((("kubeconfig",), KUBECONFIG_GIVEN, False),
                                     (("gcsRedisPassword", "gcs_redis_password"), PASSWORD_GIVEN, True)):
        value = None
        for f in fields:
            if out.get(f) is not None:
                value = out[f]
                if always or not isinstance(value, str):
                    out[f] = stand_in
        values.append(value)
    return out, values[0], values[1]


def _region(cloud: str | None) -> str | None:
    """Where the stack's cluster lives: the config key its cloud's provider reads (azure-native:location), and on
    AWS the provider's region, which may come from the environment."""
    from ..model.cloud import cloud_rules, registered

    if not cloud or cloud == "aws" or cloud not in registered():
        return _aws_region()
    namespace, _, name = cloud_rules(cloud).region_key.partition(":")
    return pulumi.Config(namespace).get(name)


def _aws_region() -> str | None:
    """The AWS provider's region: aws:region, else the AWS_REGION or AWS_DEFAULT_REGION the provider reads
    when the config has none (pulumi-aws's region input: "It can also be sourced from the following
    environment variables")."""
    import os

    return pulumi.Config("aws").get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
