"""AKS as a ``ClusterBackend``: AksCluster, AksNodePools and (kuberay.operator: managed) AKS's KubeRay extension,
from the resolved model. An existing cluster on Azure is attached by kubeconfig, as on any cloud."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure

from ... import versions
from ...components.aks_cluster import AksCluster
from ...components.aks_node_pool import AksNodePool
from ...model.platform import Platform
from ..base import ClusterHandle
from .identity import WorkloadIdentityBuilder


class AksBackend:
    def __init__(self, tags: dict[str, str]):
        self.tags = tags

    def build(self, name: str, platform: Platform, parent: pulumi.Resource,
              kubeconfig: pulumi.Input[str] | None) -> ClusterHandle:
        assert platform.creates_cluster and platform.cloud_plan is not None  # existing clusters go through EksBackend's
        child = pulumi.ResourceOptions(parent=parent)
        cluster = AksCluster._from_model(f"{name}-cluster", platform, self.tags, opts=child)
        out = cluster.outputs
        pools = {p.name: AksNodePool._from_model(
            f"{name}-{p.name}", p, resource_group_name=out.resource_group_name, cluster_name=out.cluster_name,
            subnet_id=out.subnet_id, kubernetes_version=platform.kubernetes_version,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[out.managed_cluster])).agent_pool
            for p in platform.node_pools}
        # Where podIdentity is made: raystack's own Ray clusters use it, and a team stack's get it as an output.
        workload_identity: dict[str, pulumi.Input[str]] = {
            "resource_group_name": out.resource_group_name, "location": out.location,
            "oidc_issuer_url": out.oidc_issuer_url, "subscription_id": out.subscription_id}
        handle = ClusterHandle(cluster.cluster_name, cluster.kubeconfig, cluster.provider, cluster.ready_for_workloads,
                               dict(pools), identity_builder=WorkloadIdentityBuilder(**workload_identity),
                               workload_identity=workload_identity)
        if platform.kuberay.managed:
            # AKS's KubeRay (learn.microsoft.com azure/aks/kuberay-overview): a cluster extension that installs the
            # operator and the CRDs; its release namespace is kuberay.namespace, which the Ray clusters'
            # NetworkPolicies admit. Its KubeRay version is AKS's (the plan warns).
            handle.operator = azure.kubernetesconfiguration.Extension(
                f"{name}-kuberay-extension", resource_group_name=out.resource_group_name, cluster_rp="Microsoft.ContainerService",
                cluster_resource_name="managedClusters", cluster_name=out.cluster_name, extension_name="kuberay",
                extension_type=versions.AKS_KUBERAY_EXTENSION_TYPE, release_train=versions.AKS_KUBERAY_EXTENSION_TRAIN,
                auto_upgrade_minor_version=True,
                scope={"cluster": {"release_namespace": platform.kuberay.namespace}},
                opts=pulumi.ResourceOptions(parent=parent, depends_on=cluster.ready_for_workloads))
        return handle


BACKEND = AksBackend
