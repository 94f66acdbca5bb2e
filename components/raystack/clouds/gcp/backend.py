"""GKE as a ``ClusterBackend``: GkeCluster, GkeNodePools and (kuberay.operator: managed) GKE's Ray Operator add-on,
from the resolved model. An existing cluster on Google Cloud is attached by kubeconfig, as on any cloud."""

from __future__ import annotations

import pulumi

from ...components.gke_cluster import GkeCluster
from ...components.gke_node_pool import GkeNodePool
from ...model.findings import ConfigError, Finding
from ...model.platform import Platform
from ..base import ClusterHandle
from .identity import GkeIdentityBuilder


class GkeBackend:
    def __init__(self, tags: dict[str, str]):
        # GCP labels: lowercase letters, digits, '-' and '_' (raystack.io/environment -> raystack-io_environment).
        self.labels = {k.replace(".", "-").replace("/", "_").lower(): v.lower() for k, v in tags.items()}

    def build(self, name: str, platform: Platform, parent: pulumi.Resource,
              kubeconfig: pulumi.Input[str] | None) -> ClusterHandle:
        assert platform.creates_cluster and platform.cloud_plan is not None
        project = pulumi.Config("gcp").get("project")
        if not project:  # before anything is registered: the workload pool is <project>.svc.id.goog
            raise ConfigError([Finding("gcp:project", None, "needs the stack's project: pulumi config set gcp:project "
                                       "<project-id>")])
        child = pulumi.ResourceOptions(parent=parent)
        cluster = GkeCluster._from_model(f"{name}-cluster", platform, self.labels, project, opts=child)
        pools = {p.name: GkeNodePool._from_model(
            f"{name}-{p.name}", p, cluster_name=cluster.cluster_name, zone=platform.cloud_plan.zone,
            node_service_account=cluster.node_service_account,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[cluster.cluster])) for p in platform.node_pools}
        handle = ClusterHandle(cluster.cluster_name, cluster.kubeconfig, cluster.provider, cluster.ready_for_workloads,
                               dict(pools), identity_builder=GkeIdentityBuilder(project, platform.cluster_name),
                               workload_identity={"project": project, "cluster_name": platform.cluster_name})
        if platform.kuberay.managed:
            # GKE's Ray Operator add-on is part of the cluster (addonsConfig.rayOperatorConfig): the Ray objects wait
            # for the cluster that runs it.
            handle.operator = cluster.cluster
        return handle


BACKEND = GkeBackend
