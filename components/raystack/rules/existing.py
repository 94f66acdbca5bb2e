"""Rules of a stack that attaches to an existing cluster (clusterMode: existing). Pulumi-free."""

from __future__ import annotations

from typing import Any

from ..model.findings import Finding
from .common import key


def check_existing_mode(spec: dict[str, Any], given: dict[str, Any], findings: list[Finding]) -> None:
    """Keys a stack that attaches to an existing cluster (clusterMode: existing) may not set: it creates no cloud
    resources."""
    if given.get("azure"):
        findings.append(Finding(key("azure"), given["azure"], "clusterMode existing creates no Azure resources; "
                                                              "remove it"))
    if spec["cloud"] != "aws" and given.get("existing_cluster_name"):
        # existingClusterName is read through the EKS API (eks.get_cluster); other clouds attach by kubeconfig.
        findings.append(Finding(key("existingClusterName"), given["existing_cluster_name"],
                                f"looks up an EKS cluster; on {spec['cloud']} attach with kubeconfig (e.g. the output "
                                "of az aks get-credentials --file -, as a secret)"))
    if not given.get("existing_cluster_name") and not given.get("kubeconfig"):
        findings.append(Finding(key("clusterMode"), spec["cluster_mode"],
                                "clusterMode existing needs existingClusterName or kubeconfig"))
    for list_key, field in (("gpuPools", "gpu_pools"), ("nodePools", "node_pools")):
        if not given.get(field):
            continue
        findings.append(Finding(key(list_key), [p.get("name") for p in given[field]],
                                "clusterMode existing creates no AWS resources; describe the nodes "
                                "under existingPools instead"))
    if given.get("network"):
        findings.append(Finding(key("network"), given["network"], "clusterMode existing creates no network; remove it"))
    for list_key, field in (("adminRoleArns", "admin_role_arns"), ("viewerRoleArns", "viewer_role_arns")):
        if given.get(field):
            findings.append(Finding(key(list_key), given[field], "clusterMode existing creates no access entries; "
                                    "grant access on the existing cluster itself"))
    if "log_retention_days" in given:
        findings.append(Finding(key("logRetentionDays"), given["log_retention_days"],
                                "clusterMode existing creates no log group; set retention on the existing one"))
    if given.get("deploy_from"):
        findings.append(Finding(key("deployFrom"), given["deploy_from"],
                                "clusterMode existing does not manage the cluster's endpoint; open it on the "
                                "existing cluster itself"))


def check_attach_keys_unused(spec: dict[str, Any], given: dict[str, Any], findings: list[Finding]) -> None:
    """A stack that creates its cluster attaches to nothing: existingClusterName and kubeconfig are refused."""
    if given.get("existing_cluster_name") or given.get("kubeconfig"):
        findings.append(Finding(key("clusterMode"), spec["cluster_mode"],
                                "existingClusterName/kubeconfig are only used with clusterMode: existing"))
