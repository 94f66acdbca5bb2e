"""GKE as a ``ClusterBackend``: the cluster, its node pools and (kuberay.operator: managed) GKE's Ray Operator add-on,
from the resolved model."""

from __future__ import annotations

import pulumi

from ...model.findings import ConfigError, Finding
from ...model.platform import Platform
from ..base import ClusterHandle
from .gke import build_gke
from .identity import GkeIdentityBuilder


class GkeBackend:
    def __init__(self, tags: dict[str, str]):
        # GCP labels: lowercase keys and values (raystack.io/environment -> raystack-io_environment).
        self.labels = {k.replace(".", "-").replace("/", "_").lower(): v.lower() for k, v in tags.items()}

    def build(self, name: str, platform: Platform, parent: pulumi.Resource,
              kubeconfig: pulumi.Input[str] | None) -> ClusterHandle:
        import pulumi_gcp as gcp

        from . import requests

        assert platform.creates_cluster and platform.cloud_plan is not None and platform.system_pool is not None
        project = pulumi.Config("gcp").get("project")
        if not project:  # before anything is registered: the workload pool is <project>.svc.id.goog
            raise ConfigError([Finding("gcp:project", None, "needs the stack's project: pulumi config set gcp:project "
                                       "<project-id>")])
        out = build_gke(parent, f"{name}-cluster", platform, self.labels, project)
        zone = platform.cloud_plan.zone
        # A node pool has a fixed name in its cluster: a replacement (a ForceNew change such as Spot, the GPU or the
        # slice topology) must delete the old pool first, or GKE answers the new one with 409 ALREADY_EXISTS.
        after_cluster = pulumi.ResourceOptions(parent=parent, depends_on=[out.cluster], delete_before_replace=True,
                                               ignore_changes=["initialNodeCount"])
        system = [gcp.container.NodePool(f"{name}-{body['name']}", **body, opts=after_cluster)
                  for body in [requests.system_pool(platform.system_pool, platform.cluster_name, zone,
                                                    out.node_service_account)]]
        pools: dict[str, pulumi.Resource] = {}
        for p in platform.node_pools:
            made = [gcp.container.NodePool(f"{name}-{body['name']}", **body, opts=after_cluster)
                    for body in requests.node_pools(p, platform.cluster_name, zone, out.node_service_account)]
            pools[p.name] = made[0]
        handle = ClusterHandle(out.cluster_name, out.kubeconfig, out.provider, [*out.ready, *system], pools,
                               identity_builder=GkeIdentityBuilder(project),
                               workload_identity={"project": project})
        if platform.kuberay.managed:
            handle.operator = out.cluster  # the add-on is part of the cluster (addonsConfig.rayOperatorConfig)
        return handle


BACKEND = GkeBackend
