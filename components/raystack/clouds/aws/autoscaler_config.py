"""Cluster Autoscaler on EKS: Helm values and the priority expander (pure). Pulumi-free."""

from __future__ import annotations

import re
from typing import Any

from ... import versions
from ...kube.values import (
    CA_REQUEST_CPU_MILLIS,
    CA_REQUEST_MEMORY_MIB,
    SCALE_DOWN_DELAY_AFTER_ADD,
    SCALE_DOWN_UNNEEDED_TIME,
)
from ...model.facts import PoolFacts
from .pools import nodegroup_name

CLUSTER_AUTOSCALER_SA = "cluster-autoscaler"
CLUSTER_AUTOSCALER_NAMESPACE = "kube-system"




def ca_template_resource_tag(resource: str) -> str:
    """The ASG tag key that tells the Cluster Autoscaler's AWS provider a node of the group will have
    ``resource`` (cluster-autoscaler/cloudprovider/aws README, "Auto-Discovery Setup")."""
    return f"k8s.io/cluster-autoscaler/node-template/resources/{resource}"


def expander_priorities(cluster_name: str, pools: list[PoolFacts]) -> dict[int, list[str]]:
    """Priority-expander config: cheaper pools get higher priority, so when
    several pools fit a pending pod the Cluster Autoscaler grows the cheapest.
    (CA's `price` expander exists only on GCE.) Regexes match the Auto Scaling
    group names EKS gives managed node groups: eks-<nodegroup>-<uuid>, where the node group's name is
    <cluster>-<pool>-<suffix starting with a digit> (so pool l4 does not also match l4-spot)."""
    priced = sorted((p for p in pools if p.price_usd_hour is not None), key=lambda p: p.price_usd_hour or 0.0)
    out: dict[int, list[str]] = {}
    n = len(priced)
    for rank, p in enumerate(priced):
        prio = 10 * (n - rank) + 10
        out.setdefault(prio, []).append(f"^eks-{re.escape(nodegroup_name(cluster_name, p.name))}[0-9]{{18}}[0-9a-f]{{8}}-.*")
    # Everything else (the system pool, pools without a price) last.
    out.setdefault(1, []).append(".*")
    return out


def autoscaler_values(cluster_name: str, region: str, kubernetes_version: str,
                      node_selector: dict[str, str], priorities: dict[int, list[str]]) -> dict[str, Any]:
    pin = versions.cluster_autoscaler_pin(kubernetes_version)
    return {
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery": {"clusterName": cluster_name},
        "image": {"repository": versions.CLUSTER_AUTOSCALER_IMAGE, "tag": pin.image_tag},
        "rbac": {"serviceAccount": {"create": True, "name": CLUSTER_AUTOSCALER_SA}},
        "nodeSelector": dict(node_selector),
        "expanderPriorities": {str(k): v for k, v in sorted(priorities.items(), reverse=True)},
        "extraArgs": {
            "expander": "priority,least-waste",
            "balance-similar-node-groups": "true",
            "scale-down-unneeded-time": SCALE_DOWN_UNNEEDED_TIME,
            "scale-down-delay-after-add": SCALE_DOWN_DELAY_AFTER_ADD,
            # Ray pods mount an emptyDir at /dev/shm. Nodes running Ray workers are not drained
            # anyway (their pods belong to a custom controller, --skip-nodes-with-custom-controller-
            # pods defaults to true); this lets CA remove nodes left with other emptyDir pods.
            "skip-nodes-with-local-storage": "false",
        },
        "containerSecurityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        # The chart sets no requests (values.yaml `resources: {}`); without them the autoscaler is
        # BestEffort and the first pod evicted when the system pool is short of memory.
        "resources": {"requests": {"cpu": f"{CA_REQUEST_CPU_MILLIS}m", "memory": f"{CA_REQUEST_MEMORY_MIB}Mi"},
                      "limits": {"memory": f"{CA_REQUEST_MEMORY_MIB}Mi"}},
    }
