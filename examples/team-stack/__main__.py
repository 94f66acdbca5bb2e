"""An ML team's stack on a raystack platform: a separate Pulumi project that reads the platform
stack's outputs (a StackReference) and owns only what is the team's: its namespace (Pod Security
restricted), a ResourceQuota that caps its GPUs, a RayCluster with a cloud identity and a RayJob, bound
to the platform's pools by name. The identity follows the platform's cloud: on EKS an IAM role through Pod
Identity (S3 buckets), on AKS a managed identity through Workload ID (storage containers), on GKE a Google
service account through Workload Identity (Cloud Storage buckets), from the same program.

The platform exports plain pool descriptors (``node_pools``, ``system_pool``); raystack resolves a
RayCluster before registering anything, so the components are declared once those outputs are
known (inside ``apply``; a StackReference's outputs are known at preview, so `pulumi preview`
shows them and a bad pool name fails there).
"""

import pulumi
import pulumi_kubernetes as k8s
from raystack import RayCluster, RayJob

config = pulumi.Config()
platform = pulumi.StackReference(config.require("platformStack"))
team = config.get("team") or "ml"
gpu_quota = config.get_int("gpuQuota") or 8
gpu_pool = config.get("gpuPool") or "l40s-x4"  # a pool of the platform, by name
# On AKS: the storage account the team's data lives in (a resource ID); its containers are scoped below.
storage_account = config.get("storageAccount")

provider = k8s.Provider("platform", kubeconfig=platform.require_output("kubeconfig"))
namespace = k8s.core.v1.Namespace(
    team, metadata={"name": team, "labels": {f"pod-security.kubernetes.io/{m}": "restricted"
                                             for m in ("enforce", "warn", "audit")}},
    opts=pulumi.ResourceOptions(provider=provider))
quota = k8s.core.v1.ResourceQuota(
    f"{team}-quota",
    metadata={"name": f"{team}-quota", "namespace": team},
    spec={"hard": {"requests.nvidia.com/gpu": str(gpu_quota), "limits.cpu": "256", "limits.memory": "1Ti",
                   "count/rayclusters.ray.io": "4", "count/rayjobs.ray.io": "20"}},
    opts=pulumi.ResourceOptions(provider=provider, depends_on=[namespace]))


def team_ray(args: list) -> pulumi.Output[str]:
    pools, head_pool, operator_ns, cloud, workload_identity = args
    opts = pulumi.ResourceOptions(provider=provider, depends_on=[namespace, quota])
    if cloud == "azure":  # AKS: Workload ID, scoped to the team's blob containers
        containers = f"{storage_account}/blobServices/default/containers"
        identity = {"storage_read": [f"{containers}/{team}-datasets"],
                    "storage_read_write": [f"{containers}/{team}-checkpoints"]}
        where: dict = {"aks_workload_identity": workload_identity}
    elif cloud == "gcp":  # GKE: Workload Identity, object roles on the team's buckets
        identity = {"storage_read": [f"gs://acme-{team}-datasets"],
                    "storage_read_write": [f"gs://acme-{team}-checkpoints"]}
        where = {"gke_workload_identity": workload_identity}
    else:  # EKS: Pod Identity, scoped to the team's buckets
        identity = {"s3_read": [f"acme-{team}-datasets"], "s3_read_write": [f"acme-{team}-checkpoints"]}
        where = {"eks_cluster_name": platform.require_output("cluster_name")}
    cluster = RayCluster(f"{team}-research", {
        "cluster": {
            "name": "research", "namespace": team,
            "service_account": {"name": "research-workers", "pod_identity": identity},
            "worker_groups": [{"name": "gpu", "pool": gpu_pool, "accelerators_per_worker": 1, "max_workers": 2}],
        },
        "pools": pools, "head_pool": head_pool, "operator_namespace": operator_ns, **where,
    }, opts=opts)
    RayJob(f"{team}-eval", {
        "job": {"name": "eval", "namespace": team, "entrypoint": "python -m evals.run",
                "ray_cluster": {"worker_groups": [{"name": "gpu", "pool": gpu_pool, "accelerators_per_worker": 1,
                                                   "max_workers": 1}]}},
        "pools": pools, "head_pool": head_pool, "operator_namespace": operator_ns,
    }, opts=opts)
    return cluster.name


ray = pulumi.Output.all(platform.require_output("node_pools"), platform.require_output("system_pool"),
                        platform.require_output("kuberay_namespace"), platform.get_output("cloud"),
                        platform.get_output("workload_identity")).apply(team_ray)
pulumi.export("namespace", team)
pulumi.export("ray_cluster", ray)
