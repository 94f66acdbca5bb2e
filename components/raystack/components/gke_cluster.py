"""GkeCluster: a GKE cluster ready for Ray, with its VPC, Cloud NAT, node service account and system pool.

The project's APIs (Compute Engine, GKE, IAM), a VPC with the nodes' subnet and its pod and service ranges, a Cloud
Router with NAT, a least-privileged node service account, the zonal VPC-native cluster (Dataplane V2, Workload
Identity, private nodes, a private endpoint or master authorized networks, a release channel), its system node pool,
and a Kubernetes provider from a kubeconfig that runs gke-gcloud-auth-plugin.
"""


from typing import TypedDict

import pulumi
import pulumi_gcp as gcp
from typing_extensions import NotRequired

from ..clouds.gcp import requests
from ..clouds.gcp.gke import build_gke
from ..model.platform import Platform
from ..model.resolve import resolve
from ..spec.types import GcpSpec, NetworkSpec, SystemPoolSpec


class GkeClusterArgs(TypedDict):
    """Inputs of a GkeCluster."""

    cluster_name: str
    """GKE cluster name: a DNS-1123 label of at most 40 characters."""
    project: str
    """The Google Cloud project ID."""
    zone: str
    """The zone of the (zonal) cluster and its pools, e.g. us-central1-a."""
    kubernetes_version: NotRequired[str]
    """Kubernetes minor, the release channel's minimum (default and allowed values in raystack.versions)."""
    endpoint_public_access: NotRequired[bool]
    """The public endpoint, limited to public_access_cidrs (default false: the private endpoint only)."""
    public_access_cidrs: NotRequired[list[str]]
    """Master authorized networks of a public endpoint."""
    api_ingress_cidrs: NotRequired[list[str]]
    """A private endpoint: the networks `pulumi up` runs from, which route into the VPC (required there)."""
    network: NotRequired[NetworkSpec]
    """The nodes' subnet: its cidr (default 10.0.0.0/16)."""
    system_pool: NotRequired[SystemPoolSpec]
    """The system pool (defaults: e2-standard-8, 2..3 nodes, 100 GiB)."""
    gcp: NotRequired[GcpSpec]
    """Release channel and the control plane's /28."""
    protect: NotRequired[bool]
    """Protect the cluster from deletion (default false; also GKE's deletion_protection)."""
    ray_operator: NotRequired[bool]
    """Enable GKE's Ray Operator add-on (default false; its KubeRay version is GKE's)."""
    labels: NotRequired[dict[str, str]]
    """Labels on the cluster (lowercase keys and values)."""


class GkeCluster(pulumi.ComponentResource):
    """A GKE cluster ready for Ray."""

    cluster_name: pulumi.Output[str]
    """The cluster's name."""
    kubeconfig: pulumi.Output[str]
    """A kubeconfig (secret) that runs gke-gcloud-auth-plugin."""
    node_service_account: pulumi.Output[str]
    """The email of the nodes' service account (GkeNodePool takes it)."""

    def __init__(self, name: str, args: GkeClusterArgs, opts: pulumi.ResourceOptions | None = None):
        raw = {k: v for k, v in args.items() if k not in ("zone", "project", "labels", "ray_operator")}
        if args.get("ray_operator"):
            raw["kuberay"] = {"operator": "managed"}
        platform = resolve({"cloud": "gcp", **raw}, camel=False, region=args["zone"])  # raises before registering
        super().__init__("raystack:index:GkeCluster", name, {}, opts)
        self._finish(name, platform, dict(args.get("labels") or {}), args["project"], bool(args.get("ray_operator")))

    @classmethod
    def _from_model(cls, name: str, platform: Platform, labels: dict[str, str], project: str,
                    opts: pulumi.ResourceOptions) -> "GkeCluster":
        """From the resolved model (RayPlatform): nothing is validated again."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:GkeCluster", name, {}, opts)
        self._finish(name, platform, labels, project, platform.kuberay.managed)
        return self

    def _finish(self, name: str, platform: Platform, labels: dict[str, str], project: str, ray_operator: bool) -> None:
        import dataclasses

        if ray_operator != platform.kuberay.managed:  # a standalone cluster asks for the add-on by itself
            platform = dataclasses.replace(platform, kuberay=dataclasses.replace(platform.kuberay, managed=ray_operator))
        out = build_gke(self, name, platform, labels, project)
        assert platform.system_pool is not None and platform.cloud_plan is not None
        body = requests.system_pool(platform.system_pool, platform.cluster_name, platform.cloud_plan.zone,
                                    out.node_service_account)
        system = gcp.container.NodePool(f"{name}-{body['name']}", **body, opts=pulumi.ResourceOptions(
            parent=self, depends_on=[out.cluster], delete_before_replace=True, ignore_changes=["initialNodeCount"]))
        self.outputs = out
        self.cluster_name = out.cluster_name
        self.kubeconfig = out.kubeconfig
        self.node_service_account = out.node_service_account
        self.provider = out.provider
        self.cluster = out.cluster
        #: What in-cluster resources wait for (the cluster, its system pool, NAT, the node account's roles).
        self.ready_for_workloads: list[pulumi.Resource] = [*out.ready, system]
        self.register_outputs({"cluster_name": self.cluster_name, "kubeconfig": self.kubeconfig,
                               "node_service_account": self.node_service_account})
