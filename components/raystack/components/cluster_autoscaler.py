"""ClusterAutoscaler: lets GPU pools at zero nodes grow when Ray asks for workers.

Without a node autoscaler a pool at min 0 never gets a node, and the Ray
autoscaler's worker pods stay Pending forever. This installs the Cluster
Autoscaler chart pinned to the control plane's minor version, with
auto-discovery of this cluster's node groups, a Pod Identity role that may
scale only this cluster's groups, on the system pool, with GPU-friendly
scale-down timing and a priority expander that prefers the cheapest fitting pool.
"""


from typing import TypedDict

import pulumi
from typing_extensions import NotRequired

from .. import versions
from ..clouds.aws.autoscaler import build_autoscaler
from ..model import defaults
from ..model.facts import PoolFacts
from ..model.findings import ConfigError, Finding
from ..spec.types import PoolDescriptor


class ClusterAutoscalerArgs(TypedDict):
    """Inputs of a ClusterAutoscaler."""

    cluster_name: str
    """Name of the EKS cluster whose node groups it discovers and scales."""
    cluster: NotRequired[pulumi.Input[str]]
    """The cluster's name as an Output (orders the Pod Identity association after the cluster)."""
    region: pulumi.Input[str]
    """AWS region of the cluster (the autoscaler looks for its Auto Scaling groups there)."""
    kubernetes_version: NotRequired[str]
    """Control plane minor; picks the matching chart and image (default in raystack.versions)."""
    node_selector: dict[str, str]
    """Where the autoscaler runs (the system pool)."""
    pools: list[PoolDescriptor]
    """The pools it may scale (``GpuNodePool.pool``); their prices order the priority expander."""
    tags: NotRequired[dict[str, str]]
    """Tags on the IAM role and the Pod Identity association."""


class ClusterAutoscaler(pulumi.ComponentResource):
    """The Kubernetes Cluster Autoscaler for an EKS cluster, least-privilege and GPU-aware."""

    role_arn: pulumi.Output[str]
    """IAM role the autoscaler runs as (Pod Identity)."""
    release_name: pulumi.Output[str]
    """Helm release name."""

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None):
        a = defaults.fill(ClusterAutoscalerArgs, args)
        try:
            versions.cluster_autoscaler_pin(a["kubernetes_version"])  # fails before registering anything
        except ValueError as e:
            raise ConfigError([Finding("kubernetes_version", a["kubernetes_version"], str(e))]) from None
        pools = [PoolFacts.from_descriptor(dict(p)) for p in a["pools"]]
        super().__init__("raystack:index:ClusterAutoscaler", name, {}, opts)
        self._build(name, a, pools)

    @classmethod
    def _from_model(cls, name: str, args: ClusterAutoscalerArgs, pools: list[PoolFacts],
                    opts: pulumi.ResourceOptions, kubernetes: bool = True) -> "ClusterAutoscaler":
        """From the resolved model (RayPlatform): pool facts as they are. ``kubernetes`` False
        (kubernetesDelivery gitops): its IAM only, the chart is Argo CD's."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:ClusterAutoscaler", name, {}, opts)
        self._build(name, defaults.fill(ClusterAutoscalerArgs, args), pools, kubernetes)
        return self

    def _build(self, name: str, a: ClusterAutoscalerArgs, pools: list[PoolFacts], kubernetes: bool = True) -> None:
        role, release = build_autoscaler(
            self, name, cluster_name=a["cluster_name"],
            cluster=a.get("cluster") or a["cluster_name"],  # the Output orders it after the cluster
            region=a["region"], kubernetes_version=a["kubernetes_version"],  # filled
            node_selector=dict(a["node_selector"]), pools=pools, tags=dict(a["tags"]),  # filled
            kubernetes=kubernetes)
        self.role_arn = role.arn
        self.release_name = release.name.apply(lambda n: n or "") if release is not None else \
            pulumi.Output.from_input("")
        self.register_outputs({"role_arn": self.role_arn, "release_name": self.release_name})
