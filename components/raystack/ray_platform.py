"""RayPlatform: network, cluster, pools, device plugin, operator and Ray clusters from one spec.

Everything is validated (``validate.resolve_platform``) before the first
resource is registered. Ordering that matters on create and destroy is
explicit: RayClusters depend on the operator and its CRDs, on their pools and
on the device plugin; the operator depends on its CRDs. Pulumi deletes in
reverse, so RayClusters go before the operator and the operator before the CRDs.
"""


from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from . import versions
from .addons import needs_device_plugin, pss_labels
from .cluster_autoscaler import ClusterAutoscaler
from .eks_cluster import EksCluster
from .gpu_node_pool import GpuNodePool
from .kuberay_operator import KubeRayOperator
from .network import Network
from .nvidia_device_plugin import NvidiaDevicePlugin
from .ray_cluster import RayCluster
from .spec import PlatformSpec
from .validate import resolve_platform


class RayPlatform(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    ray_clusters: pulumi.Output[list[dict[str, str]]]
    node_pools: pulumi.Output[list[dict[str, Any]]]

    def __init__(self, name: str, args: PlatformSpec, opts: pulumi.ResourceOptions | None = None,
                 camel_keys: bool = False):
        args = dict(args)
        # A kubeconfig may arrive as a secret Output; validation sees a stand-in.
        kubeconfig_input = args.get("kubeconfig")
        if kubeconfig_input is not None and not isinstance(kubeconfig_input, str):
            args["kubeconfig"] = "[secret]"
        platform = resolve_platform(args, camel=camel_keys)  # raises before any registration
        super().__init__("raystack:index:RayPlatform", name, {}, opts)
        self.platform = platform
        self.warnings = platform.warnings
        for w in platform.warnings:
            pulumi.log.warn(str(w), resource=self)
        spec = platform.spec
        cluster_name = spec["cluster_name"]
        version = spec.get("kubernetes_version", versions.EKS_VERSION)
        region = pulumi.Config("aws").get("region") or "us-east-1"
        tags = {"raystack.io/environment": spec.get("environment", pulumi.get_stack()),
                "raystack.io/cluster": cluster_name}
        child = pulumi.ResourceOptions(parent=self)

        if platform.creates_cluster:
            net = spec.get("network", {})
            if net.get("vpc_id"):
                private_subnets: pulumi.Input[list[str]] = net["private_subnet_ids"]
            else:
                network = Network(f"{name}-network", {
                    "cluster_name": cluster_name,
                    "cidr": net.get("cidr", "10.0.0.0/16"),
                    **({"availability_zones": net["availability_zones"]} if net.get("availability_zones") else {}),
                    "az_count": net.get("az_count", 2),
                    "nat_gateways": net.get("nat_gateways", "single"),
                    "tags": tags,
                }, opts=child)
                private_subnets = network.private_subnet_ids
            assert platform.system_pool is not None
            cluster = EksCluster(f"{name}-cluster", {
                "cluster_name": cluster_name,
                "kubernetes_version": version,
                "region": region,
                "private_subnet_ids": private_subnets,
                "endpoint_public_access": spec.get("endpoint_public_access", False),
                "public_access_cidrs": spec.get("public_access_cidrs", []),
                "admin_role_arns": spec.get("admin_role_arns", []),
                "system_pool": platform.system_pool.to_dict(),
                "system_pool_disk_gib": spec.get("system_pool", {}).get("disk_size_gib", 100),
                "protect": spec.get("protect", False),
                "tags": tags,
            }, opts=child)
        else:
            cluster = EksCluster(f"{name}-cluster", {
                "cluster_name": cluster_name,
                "mode": "existing",
                "region": region,
                **({"existing_cluster_name": spec["existing_cluster_name"]}
                   if spec.get("existing_cluster_name") else {}),
                **({"kubeconfig": kubeconfig_input} if kubeconfig_input is not None else {}),
            }, opts=child)

        pools: list[GpuNodePool] = []
        for p in spec.get("gpu_pools", []):
            pools.append(GpuNodePool(f"{name}-{p['name']}", {
                "pool": p,
                "cluster_name": cluster_name,
                "cluster": cluster.cluster_name,
                "node_role_arn": cluster.node_role_arn,
                "subnet_ids": private_subnets,
                "cluster_security_group_id": cluster.cluster_security_group_id,
                "kubernetes_version": version,
                "tags": tags,
            }, opts=pulumi.ResourceOptions(parent=self, depends_on=cluster.ready)))
        pool_by_name = {gp.facts.name: gp for gp in pools}

        k8s_opts = pulumi.ResourceOptions(parent=self, providers=[cluster.provider], depends_on=cluster.ready)
        head_selector = (platform.system_pool.node_selector if platform.system_pool
                         else next(iter(platform.head_pools.values())).node_selector if platform.head_pools else {})
        if platform.creates_cluster and spec.get("cluster_autoscaler", True) and pools:
            ClusterAutoscaler(f"{name}-autoscaler", {
                "cluster_name": cluster_name,
                "cluster": cluster.cluster_name,
                "region": region,
                "kubernetes_version": version,
                "node_selector": head_selector,
                "pools": [gp.facts.to_dict() for gp in pools],
                "tags": tags,
            }, opts=k8s_opts)

        device_plugin = None
        if needs_device_plugin([gp.facts for gp in pools]):
            device_plugin = NvidiaDevicePlugin(f"{name}-nvidia", {}, opts=k8s_opts)

        operator = None
        if spec.get("ray_clusters"):
            kuberay = spec.get("kuberay", {})
            operator = KubeRayOperator(f"{name}-kuberay", {
                "node_selector": head_selector,
                "namespace": kuberay.get("namespace", "kuberay-system"),
                "retain_crds_on_delete": kuberay.get("retain_crds_on_delete", True),
            }, opts=k8s_opts)

        namespaces: dict[str, k8s.core.v1.Namespace] = {}
        exported = []
        for rc in spec.get("ray_clusters", []):
            ns = rc.get("namespace", "ray")
            if ns not in namespaces:
                # Ray pods meet "restricted"; KubeRay-injected containers may
                # not, so enforce baseline and warn/audit on restricted.
                namespaces[ns] = k8s.core.v1.Namespace(
                    f"{name}-ns-{ns}",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=ns, labels=pss_labels("baseline", "restricted")),
                    opts=k8s_opts)
            used = {g["pool"] for g in rc.get("worker_groups", [])}
            deps: list[pulumi.Resource] = [namespaces[ns]]
            if operator is not None:
                deps += [operator.release, operator.crds]
            deps += [pool_by_name[u].node_group for u in sorted(used) if u in pool_by_name]
            if device_plugin is not None and any(u in pool_by_name for u in used):
                deps.append(device_plugin.release)
            head = platform.head_pools[rc["name"]]
            RayCluster(f"{name}-{rc['name']}", {
                "cluster": rc,
                "pools": [platform.pools[u].to_dict() for u in sorted(used)],
                "head_pool": head.to_dict(),
                "ray_version": spec.get("ray_version", versions.RAY_VERSION),
                "operator_namespace": spec.get("kuberay", {}).get("namespace", "kuberay-system"),
            }, opts=pulumi.ResourceOptions(parent=self, providers=[cluster.provider], depends_on=deps))
            exported.append({"name": rc["name"], "namespace": ns})

        self.cluster_name = cluster.cluster_name
        self.kubeconfig = cluster.kubeconfig
        self.ray_clusters = pulumi.Output.from_input(exported)
        self.node_pools = pulumi.Output.from_input([p.to_dict() for p in platform.pools.values()])
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "kubeconfig": self.kubeconfig,
            "ray_clusters": self.ray_clusters,
            "node_pools": self.node_pools,
        })
