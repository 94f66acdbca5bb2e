"""ClusterAutoscaler: lets GPU pools at zero nodes grow when Ray asks for workers.

Without a node autoscaler a pool at min 0 never gets a node, and the Ray
autoscaler's worker pods stay Pending forever. This installs the Cluster
Autoscaler chart pinned to the control plane's minor version, with
auto-discovery of this cluster's node groups, a Pod Identity role that may
scale only this cluster's groups, on the system pool, with GPU-friendly
scale-down timing and a priority expander that prefers the cheapest fitting pool.
"""


import json
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired

from . import versions
from .addons import (
    CLUSTER_AUTOSCALER_NAMESPACE,
    CLUSTER_AUTOSCALER_SA,
    autoscaler_policy,
    autoscaler_values,
    expander_priorities,
    pod_identity_trust_policy,
)
from .helm import pinned_release
from .pools import PoolFacts


class ClusterAutoscalerArgs(TypedDict):
    cluster_name: str
    cluster: NotRequired[pulumi.Input[str]]
    """The cluster's name as an Output (orders the association after the cluster)."""
    region: str
    kubernetes_version: NotRequired[str]
    node_selector: dict[str, str]
    pools: list[dict[str, Any]]
    """Pool facts (``PoolFacts.to_dict()``) of the pools it may scale; their
    prices order the priority expander."""
    tags: NotRequired[dict[str, str]]


class ClusterAutoscaler(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]
    release_name: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None):
        version = args.get("kubernetes_version", versions.EKS_VERSION)
        pin = versions.cluster_autoscaler_pin(version)  # fails before registering anything
        super().__init__("raystack:index:ClusterAutoscaler", name, {}, opts)
        tags = dict(args.get("tags", {}))
        cluster_name = args["cluster_name"]
        role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps(pod_identity_trust_policy()),
                            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=json.dumps(autoscaler_policy(cluster_name)),
                           opts=pulumi.ResourceOptions(parent=self))
        assoc = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity", cluster_name=args.get("cluster", cluster_name),
            namespace=CLUSTER_AUTOSCALER_NAMESPACE, service_account=CLUSTER_AUTOSCALER_SA, role_arn=role.arn,
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        pools = [PoolFacts.from_dict(p) for p in args["pools"]]
        values = autoscaler_values(cluster_name, args["region"], version, args["node_selector"],
                                   expander_priorities(cluster_name, pools))
        release = pinned_release(
            f"{name}-chart",
            release_name="cluster-autoscaler",
            chart=versions.CLUSTER_AUTOSCALER_CHART,
            version=pin.chart_version,
            repo=versions.CLUSTER_AUTOSCALER_REPO,
            namespace=CLUSTER_AUTOSCALER_NAMESPACE,
            values=values,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[assoc]),
        )
        self.role_arn = role.arn
        self.release_name = release.name
        self.register_outputs({"role_arn": self.role_arn, "release_name": self.release_name})
