"""Helm values, IAM policies and priorities for the cluster add-ons.

Pure functions of plain inputs: the components pass their results to Helm
releases and IAM resources, tests assert on them directly. Pulumi-free.
"""

from __future__ import annotations

import re
from typing import Any

from . import versions
from .pools import OS_LABEL, PoolFacts

# --- Cluster Autoscaler -------------------------------------------------------

CLUSTER_AUTOSCALER_SA = "cluster-autoscaler"
CLUSTER_AUTOSCALER_NAMESPACE = "kube-system"

#: GPU nodes are expensive: remove an empty one after 5 minutes (CA's default
#: is 10), but give a fresh node 5 minutes to receive its Ray worker.
SCALE_DOWN_UNNEEDED_TIME = "5m"
SCALE_DOWN_DELAY_AFTER_ADD = "5m"


def autoscaler_policy(cluster_name: str) -> dict[str, Any]:
    """Least-privilege policy: read anything, but scale only the Auto Scaling
    groups EKS tagged as owned by *this* cluster."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Describe",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                "Resource": "*",
            },
            {
                "Sid": "ScaleOwnGroupsOnly",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"},
                },
            },
        ],
    }


def pod_identity_trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }],
    }


def nodegroup_name(cluster_name: str, pool_name: str) -> str:
    return f"{cluster_name}-{pool_name}"


def expander_priorities(cluster_name: str, pools: list[PoolFacts]) -> dict[int, list[str]]:
    """Priority-expander config: cheaper pools get higher priority, so when
    several pools fit a pending pod the Cluster Autoscaler grows the cheapest.
    (CA's `price` expander exists only on GCE.) Regexes match the Auto Scaling
    group names EKS gives managed node groups: eks-<nodegroup>-<uuid>."""
    priced = sorted((p for p in pools if p.price_usd_hour is not None), key=lambda p: p.price_usd_hour or 0.0)
    out: dict[int, list[str]] = {}
    n = len(priced)
    for rank, p in enumerate(priced):
        prio = 10 * (n - rank) + 10
        out.setdefault(prio, []).append(f"^eks-{re.escape(nodegroup_name(cluster_name, p.name))}-.*")
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
            # Ray pods mount an emptyDir at /dev/shm; without this CA would
            # never remove a node that still runs one.
            "skip-nodes-with-local-storage": "false",
        },
        "containerSecurityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }


# --- NVIDIA device plugin -------------------------------------------------------

DEVICE_PLUGIN_NAMESPACE = "nvidia-device-plugin"


def device_plugin_values() -> dict[str, Any]:
    """The chart's default affinity requires `nvidia.com/gpu.present=true`
    (raystack puts it on every NVIDIA pool); this affinity additionally keeps
    it off Bottlerocket nodes, whose OS already runs a device plugin."""
    return {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{
                        "matchExpressions": [
                            {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]},
                            {"key": OS_LABEL, "operator": "NotIn", "values": ["bottlerocket"]},
                        ],
                    }],
                },
            },
        },
        "tolerations": [
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ],
        "gfd": {"enabled": False},
    }


def needs_device_plugin(pools: list[PoolFacts]) -> bool:
    """True when some NVIDIA pool runs an image without a built-in plugin."""
    return any(p.accelerator_kind == "nvidia" and p.source == "eks-managed-node-group" and p.os != "bottlerocket"
               for p in pools)


# --- KubeRay operator -------------------------------------------------------------

KUBERAY_NAMESPACE = "kuberay-system"


def kuberay_values(node_selector: dict[str, str]) -> dict[str, Any]:
    return {
        "image": {"repository": versions.KUBERAY_OPERATOR_IMAGE, "tag": versions.kuberay_git_tag()},
        "nodeSelector": dict(node_selector),
    }


def pss_labels(level: str, warn: str | None = None) -> dict[str, str]:
    """Pod Security Standards namespace labels."""
    w = warn or level
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": w,
        "pod-security.kubernetes.io/audit": w,
    }
