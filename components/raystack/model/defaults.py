"""Every default, once.

One table per spec type; ``fill`` applies them to coerced input (recursively,
through nested objects and lists), so the rules, the model and the components
read plain keys and never spell a default again. Defaults that depend on other
values (a worker group's size follows its pool, a cluster's Ray version follows
the platform's) are derived in ``resolve`` and say so there. Pulumi-free.
"""

from __future__ import annotations

import copy
import typing
from typing import Any

from .. import versions
from ..spec import types as t
from ..spec.coerce import field_types, is_typeddict

SYSTEM_POOL_NAME = "system"
KUBERAY_NAMESPACE = "kuberay-system"
RAY_NAMESPACE = "ray"

TABLES: dict[type, dict[str, Any]] = {
    t.PlatformSpec: {
        "cloud": "aws",
        "azure": {},
        "gcp": {},
        "cluster_mode": "create",
        "kubernetes_version": versions.EKS_VERSION,
        "endpoint_public_access": False,
        "public_access_cidrs": [],
        "api_ingress_cidrs": [],
        "deploy_from": [],
        "admin_role_arns": [],
        "viewer_role_arns": [],
        "protect": False,
        "log_retention_days": 90,
        "ray_version": versions.RAY_VERSION,
        "cluster_autoscaler": True,
        "autoscaler": "cluster-autoscaler",
        "network": {},
        "system_pool": {},
        "gpu_pools": [],
        "node_pools": [],
        "existing_pools": [],
        "ray_clusters": [],
        "ray_jobs": [],
        "ray_services": [],
        "ray_cron_jobs": [],
        "kuberay": {},
        "security": "strict",
        "kubernetes_delivery": "pulumi",
    },
    t.NetworkSpec: {
        "cidr": "10.0.0.0/16",
        "az_count": 2,
        "nat_gateways": "single",
    },
    t.SystemPoolSpec: {
        "instance_type": "m7i.xlarge",
        "capacity_type": "ON_DEMAND",
        "min_size": 2,
        "max_size": 3,
        "disk_size_gib": 100,
    },
    t.NodePoolSpec: {
        "capacity_type": "ON_DEMAND",
        "spot_alternatives": [],
        "min_size": 0,
        "max_size": 2,
        "os": "al2023",
        "disk_size_gib": 200,
        "labels": {},
        "taints": [],
        "efa": False,
    },
    t.KarpenterPoolSpec: {
        "instance_types": [],
        "instance_families": [],
        "accelerator_models": [],
        "accelerator_counts": [],
        "limits": {},
        "consolidate_after": "5m",
        "expire_after": "Never",
        "budgets": [{"nodes": "10%"}],
    },
    t.ExistingPoolSpec: {
        "taints": [],
        "min_nodes": 0,
        "capacity_type": "ON_DEMAND",
    },
    t.TaintSpec: {"value": ""},
    t.HeadSpec: {
        "cpu": 2,
        "memory_gib": 8,
        "run_tasks": False,
    },
    t.WorkerGroupSpec: {"min_workers": 0},
    t.RayClusterSpec: {
        "namespace": RAY_NAMESPACE,
        "python_tag": versions.RAY_DEFAULT_PYTHON_TAG,
        "head": {},
        "worker_groups": [],
        "idle_timeout_seconds": 120,
        "upscaling_mode": "Default",
        "upgrade_strategy": "Recreate",
        "auth": "token",
        "network_policy": True,
        "allow_from": [],
        "smoke_test": False,
    },
    t.RayJobSpec: {
        "namespace": RAY_NAMESPACE,
        "submission_mode": "K8sJobMode",
        "shutdown_after_job_finishes": True,
        "ttl_seconds_after_finished": 60,
        "wait_for_completion": False,
        "timeout_seconds": 1800,
    },
    t.RayServiceSpec: {
        "namespace": RAY_NAMESPACE,
        "upgrade_strategy": "NewCluster",
        "timeout_seconds": 1800,
    },
    t.RayCronJobSpec: {
        "namespace": RAY_NAMESPACE,
        "submission_mode": "K8sJobMode",
        "suspend": False,
        "ttl_seconds_after_finished": 60,
    },
    t.ServiceAccountSpec: {"create": True, "annotations": {}},
    t.PodIdentitySpec: {"managed_policy_arns": [], "s3_read": [], "s3_read_write": [], "storage_read": [],
                        "storage_read_write": []},
    t.AzureSpec: {"admin_group_object_ids": [], "viewer_group_object_ids": []},
    t.KubeRaySpec: {
        "namespace": KUBERAY_NAMESPACE,
        "retain_crds_on_delete": True,
        "install": True,
        "operator": "helm",
    },
}


#: Defaults of the components' own wiring args, keyed by the args type's name (the
#: component modules import Pulumi; this one does not).
COMPONENT_TABLES: dict[str, dict[str, Any]] = {
    "NetworkArgs": {**TABLES[t.NetworkSpec], "tags": {}},
    "EksClusterArgs": {
        "mode": "create",
        "kubernetes_version": versions.EKS_VERSION,
        "endpoint_public_access": False,
        "public_access_cidrs": [],
        "api_ingress_cidrs": [],
        "admin_role_arns": [],
        "viewer_role_arns": [],
        "system_pool": {},
        "protect": False,
        "log_retention_days": 90,
        "tags": {},
    },
    "GpuNodePoolArgs": {"kubernetes_version": versions.EKS_VERSION, "tags": {}},
    "ClusterAutoscalerArgs": {"kubernetes_version": versions.EKS_VERSION, "tags": {}},
    "KarpenterArgs": {"system_min_nodes": 2, "tags": {}},
    "KarpenterNodePoolArgs": {"tags": {}},
    "NvidiaDevicePluginArgs": {"namespace": versions.NVIDIA_DEVICE_PLUGIN.namespace},
    "KubeRayOperatorArgs": {**{k: v for k, v in TABLES[t.KubeRaySpec].items() if k not in ("install", "operator")},
                            "feature_gates": [], "retain_namespace_on_delete": False},
    "RayClusterArgs": {"ray_version": versions.RAY_VERSION, "operator_namespace": KUBERAY_NAMESPACE},
}


def fill(td: type, value: Any) -> Any:
    """A copy of ``value`` (of spec or component-args type ``td``) with every default applied."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    if td not in TABLES:  # a component's wiring args: one level (their spec fields resolve on their own)
        for key, default in COMPONENT_TABLES.get(td.__name__, {}).items():
            out.setdefault(key, copy.deepcopy(default))
        return out
    for key, default in TABLES[td].items():
        if key not in out:
            out[key] = copy.deepcopy(default)
    for key, tp in field_types(td).items():
        if key not in out:
            continue
        if is_typeddict(tp):
            out[key] = fill(tp, out[key])
        elif typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            if is_typeddict(item) and isinstance(out[key], list):
                out[key] = [fill(item, v) for v in out[key]]
    return out


def default_of(td: type, key: str) -> Any:
    """The default of one field (for docs, the JSON Schema and error messages)."""
    return (TABLES.get(td) or COMPONENT_TABLES.get(td.__name__, {})).get(key)
