"""A GKE cluster with its VPC, Cloud NAT and node service account, from the resolved model (resource builder).

What a real ``pulumi up`` meets, and the answer here:
- The first preview of an empty project: nothing is read from Google Cloud; the kubeconfig is built from the
  cluster's outputs (endpoint, CA), unknown until it exists, so the preview connects to nothing.
- pulumi-gcp's Cluster has deletion_protection true by default, which fails `pulumi destroy` ("Cannot destroy
  cluster because deletion_protection is set to true"): raystack sets it from `protect`.
- GKE's autoscaler resizes the pools: raystack sets initial_node_count only (ignored after creation) and autoscaling
  bounds; GKE's removal of the default pool is not drift (ignore initial_node_count and node_config on the cluster).
- Private nodes have no public addresses: Cloud NAT lets them pull images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from ...model.platform import Platform
from . import requests


@dataclass
class GkeOutputs:
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider
    project: str
    location: str
    #: The cluster: node pools are made in it.
    cluster: pulumi.Resource
    node_service_account: pulumi.Output[str]
    ready: list[pulumi.Resource] = field(default_factory=list)


def account_id(name: str) -> str:
    """A service account ID (6-30 characters: a lowercase letter, then letters, digits or '-')."""
    import hashlib

    base = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    if len(base) <= 30:
        return base.ljust(6, "0")
    return f"{base[:23].rstrip('-')}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def build_gke(parent: pulumi.Resource, name: str, platform: Platform, labels: dict[str, str],
              project: str) -> GkeOutputs:
    plan = platform.cloud_plan
    assert plan is not None and platform.system_pool is not None  # create mode on GCP
    # The APIs the stack calls, enabled in the project (a new project has Compute Engine and GKE off: "Kubernetes
    # Engine API has not been used in project ... or it is disabled", SERVICE_DISABLED). Left on at destroy: other
    # workloads in the project use them.
    apis = [gcp.projects.Service(f"{name}-api-{api.split('.')[0]}", project=project, service=api,
                                 disable_on_destroy=False, opts=pulumi.ResourceOptions(parent=parent))
            for api in requests.APIS]
    opts = pulumi.ResourceOptions(parent=parent, depends_on=apis)
    net = gcp.compute.Network(f"{name}-vpc", name=f"{platform.cluster_name}-vpc", auto_create_subnetworks=False,
                              opts=opts)
    subnet = gcp.compute.Subnetwork(
        f"{name}-nodes", name=f"{platform.cluster_name}-nodes", region=plan.region, network=net.id,
        ip_cidr_range=plan.node_cidr, private_ip_google_access=True,
        secondary_ip_ranges=[{"range_name": requests.POD_RANGE, "ip_cidr_range": plan.pod_cidr},
                             {"range_name": requests.SERVICE_RANGE, "ip_cidr_range": plan.service_cidr}], opts=opts)
    router = gcp.compute.Router(f"{name}-router", name=f"{platform.cluster_name}-router", region=plan.region,
                                network=net.id, opts=opts)
    nat = gcp.compute.RouterNat(f"{name}-nat", name=f"{platform.cluster_name}-nat", router=router.name,
                                region=plan.region, nat_ip_allocate_option="AUTO_ONLY",
                                source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES", opts=opts)
    # The nodes run as their own least-privileged service account, not the project's default Compute one.
    nodes_sa = gcp.serviceaccount.Account(f"{name}-node-sa", account_id=account_id(f"{platform.cluster_name}-nodes"),
                                          project=project, display_name=f"GKE nodes of {platform.cluster_name}",
                                          opts=opts)
    grants = [gcp.projects.IAMMember(f"{name}-node-sa-{role.rsplit('.', 1)[-1]}", project=project, role=role,
                                     member=nodes_sa.email.apply(lambda e: f"serviceAccount:{e}"), opts=opts)
              for role in requests.NODE_ROLES]
    # GKE creates the default pool (removed at once) with this node_config: without it the pool runs as the project's
    # default Compute Engine account, which organizations often delete or strip ("service account ... does not
    # exist"), failing the cluster's creation.
    default_pool: Any = {"service_account": nodes_sa.email, "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
                    "workload_metadata_config": {"mode": "GKE_METADATA"}}
    cluster = gcp.container.Cluster(
        f"{name}-gke", network=net.id, subnetwork=subnet.id, resource_labels=labels, node_config=default_pool,
        **requests.cluster(platform, plan, project),
        opts=pulumi.ResourceOptions(parent=parent, protect=platform.protect, depends_on=apis,
                                    ignore_changes=["initialNodeCount", "nodeConfig"]))
    endpoint = cluster.endpoint
    ca = cluster.master_auth.apply(lambda a: a.cluster_ca_certificate or "")
    kubeconfig: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.all(cluster.name, endpoint, ca).apply(
        lambda v: _kubeconfig(v[0], v[1], v[2])))
    provider = k8s.Provider(f"{name}-k8s", kubeconfig=kubeconfig, opts=pulumi.ResourceOptions(parent=parent))
    return GkeOutputs(cluster_name=cluster.name, kubeconfig=kubeconfig, provider=provider, project=project,
                      location=plan.zone, cluster=cluster, node_service_account=nodes_sa.email,
                      ready=[cluster, nat, *grants])


def _kubeconfig(name: str, endpoint: str, ca: str) -> str:
    """A kubeconfig that authenticates with gke-gcloud-auth-plugin (GKE's exec credential plugin)."""
    import json

    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": name,
        "clusters": [{"name": name, "cluster": {"server": f"https://{endpoint}", "certificate-authority-data": ca}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "users": [{"name": name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "gke-gcloud-auth-plugin",
            "provideClusterInfo": True, "interactiveMode": "Never"}}}]})
