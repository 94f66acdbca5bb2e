"""The Cluster Autoscaler on EKS: a Pod Identity role that may scale only this cluster's
groups, and the chart pinned to the control plane's minor (resource builder)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ... import versions
from ..._k8s import pinned_release
from ...model.facts import PoolFacts
from .autoscaler_config import (
    CLUSTER_AUTOSCALER_NAMESPACE,
    CLUSTER_AUTOSCALER_SA,
    autoscaler_values,
    expander_priorities,
)
from .eks import partition
from .iam import autoscaler_policy
from .identity import controller_role


def build_autoscaler(parent: pulumi.Resource, name: str, *, cluster_name: str, cluster: pulumi.Input[str],
                     region: pulumi.Input[str], kubernetes_version: str, node_selector: dict[str, str],
                     pools: list[PoolFacts], tags: dict[str, str],
                     kubernetes: bool = True) -> tuple[aws.iam.Role, k8s.helm.v3.Release | None]:
    """The autoscaler's IAM role, policy and Pod Identity association, and (``kubernetes``; not with
    kubernetesDelivery gitops, where Argo CD applies the rendered chart) its Helm release."""
    pin = versions.cluster_autoscaler_pin(kubernetes_version)
    role, policy, assoc = controller_role(
        parent, name, cluster=cluster, namespace=CLUSTER_AUTOSCALER_NAMESPACE, service_account=CLUSTER_AUTOSCALER_SA,
        policy=json.dumps(autoscaler_policy(cluster_name, partition())), tags=tags)
    if not kubernetes:
        return role, None
    priorities = expander_priorities(cluster_name, pools)
    values = pulumi.Output.from_input(region).apply(
        lambda r: autoscaler_values(cluster_name, r, kubernetes_version, node_selector, priorities))
    release = pinned_release(
        f"{name}-chart",
        release_name="cluster-autoscaler",
        chart=versions.CLUSTER_AUTOSCALER_CHART,
        version=pin.chart_version,
        repo=versions.CLUSTER_AUTOSCALER_REPO,
        namespace=CLUSTER_AUTOSCALER_NAMESPACE,
        values=values,
        # The pod must not start (nor be the last thing destroyed) without its permissions.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[assoc, policy]),
    )
    return role, release
