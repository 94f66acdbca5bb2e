"""EKS as a ``ClusterBackend``: Network, EksCluster, GpuNodePools and the ClusterAutoscaler
from the resolved model, or an attached existing cluster."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ...components.cluster_autoscaler import ClusterAutoscaler
from ...components.eks_cluster import EksCluster
from ...components.gcs_redis import GcsRedis
from ...components.gpu_node_pool import GpuNodePool, GpuNodePoolArgs
from ...components.karpenter import Karpenter
from ...components.karpenter_node_pool import KarpenterNodePool
from ...components.network import Network, NetworkArgs
from ...model.platform import Platform
from ...spec.types import NatGateways
from ..base import ClusterHandle
from . import karpenter
from .eks import provider_region


class EksBackend:
    def __init__(self, tags: dict[str, str]):
        self.tags = tags

    def build(self, name: str, platform: Platform, parent: pulumi.Resource,
              kubeconfig: pulumi.Input[str] | None) -> ClusterHandle:
        child = pulumi.ResourceOptions(parent=parent)
        if not platform.creates_cluster:
            args: dict[str, object] = {"cluster_name": platform.cluster_name, "mode": "existing"}
            if platform.existing_cluster_name:
                args["existing_cluster_name"] = platform.existing_cluster_name
            if kubeconfig is not None:
                args["kubeconfig"] = kubeconfig
            cluster = EksCluster(f"{name}-cluster", args, opts=child)  # type: ignore[arg-type]
            return ClusterHandle(cluster.cluster_name, cluster.kubeconfig, cluster.provider,
                                 cluster.ready_for_workloads)

        region = provider_region(parent)
        net = platform.network
        assert net is not None and platform.system_pool is not None  # create mode
        if net.create:
            net_args: NetworkArgs = {"cluster_name": platform.cluster_name, "cidr": net.cidr,
                                     "az_count": net.az_count, "nat_gateways": NatGateways(net.nat_gateways),
                                     "tags": self.tags,
                                     "instance_types": sorted({p.instance_type for p in platform.node_pools})}
            if platform.autoscaler == "karpenter":  # the EC2NodeClasses find the private subnets by this tag
                net_args["private_subnet_tags"] = {karpenter.DISCOVERY_TAG: platform.cluster_name}
            if net.availability_zones:
                net_args["availability_zones"] = list(net.availability_zones)
            if net.return_routes:
                net_args["return_routes"] = [{"cidr": r.cidr, r.target: r.target_id}  # type: ignore[misc]
                                             for r in net.return_routes]
            network = Network(f"{name}-network", net_args, opts=child)
            private_subnets: pulumi.Input[list[str]] = network.private_subnet_ids
            subnet_azs: pulumi.Input[list[str]] | None = network.private_subnet_azs
        else:
            private_subnets = list(net.private_subnet_ids)
            # An existing VPC's subnets: their AZs are looked up (read-only) only if a reserved pool needs them.
            subnet_azs = pulumi.Output.all(*[
                aws.ec2.get_subnet_output(id=s, opts=pulumi.InvokeOptions(parent=parent)).availability_zone
                for s in net.private_subnet_ids]) if any(p.availability_zone for p in platform.node_pools) else None
        cluster = EksCluster._from_model(
            f"{name}-cluster", cluster_name=platform.cluster_name, kubernetes_version=platform.kubernetes_version,
            region=region, private_subnet_ids=private_subnets,
            endpoint_public_access=platform.endpoint_public_access,
            public_access_cidrs=list(platform.public_access_cidrs),
            api_ingress_cidrs=list(platform.api_ingress_cidrs), admin_role_arns=list(platform.admin_role_arns),
            viewer_role_arns=list(platform.viewer_role_arns),
            system_pool=platform.system_pool, protect=platform.protect,
            log_retention_days=platform.log_retention_days, tags=self.tags, opts=child)

        pools: dict[str, pulumi.Resource] = {}
        if platform.autoscaler == "karpenter":
            pools = self._karpenter(name, platform, parent, cluster, region, net.create, private_subnets)
        for pool in platform.node_pools if platform.autoscaler != "karpenter" else ():
            pool_args: GpuNodePoolArgs = {
                "pool": {"name": pool.name, "instance_type": pool.instance_type},
                "cluster_name": platform.cluster_name,
                "cluster": cluster.cluster_name,
                "node_role_arn": cluster.node_role_arn,
                "subnet_ids": private_subnets,
                "kubernetes_version": platform.kubernetes_version,
                "tags": self.tags,
                "vpc_id": cluster.vpc_id,
                "cluster_security_group_id": cluster.cluster_security_group_id,
            }
            if subnet_azs is not None:
                pool_args["subnet_availability_zones"] = subnet_azs
            pools[pool.name] = GpuNodePool._from_model(f"{name}-{pool.name}", pool, pool_args, opts=pulumi.ResourceOptions(
                parent=parent, depends_on=[*cluster.ready_for_workloads, *cluster.node_role_policies])).node_group

        if platform.cluster_autoscaler:
            ClusterAutoscaler._from_model(f"{name}-autoscaler", {
                "cluster_name": platform.cluster_name,
                "cluster": cluster.cluster_name,
                "region": region,
                "kubernetes_version": platform.kubernetes_version,
                "node_selector": platform.system_node_selector,
                "pools": [],
                "tags": self.tags,
            }, [p.facts for p in platform.node_pools], opts=pulumi.ResourceOptions(
                parent=parent, providers=[cluster.provider], depends_on=cluster.ready_for_workloads),
                kubernetes=platform.applies_kubernetes)
        handle = ClusterHandle(cluster.cluster_name, cluster.kubeconfig, cluster.provider, cluster.ready_for_workloads,
                               pools)
        if platform.gcs is not None and platform.gcs.managed is not None:
            redis = GcsRedis._from_model(f"{name}-gcs", platform.gcs.managed, vpc_id=cluster.vpc_id,
                                         subnet_ids=private_subnets,
                                         node_security_group_id=cluster.cluster_security_group_id, tags=self.tags,
                                         opts=child)
            handle.redis_address, handle.redis_password = redis.address, redis.auth_token
        if platform.logs is not None:
            # observability.logs: the group every Ray pod's shipper writes to (clouds.aws.logs), with its
            # retention, created before the Ray clusters (their roles' policies name its ARN), deleted on destroy.
            group = aws.cloudwatch.LogGroup(f"{name}-ray-logs", name=platform.logs.target,
                                            retention_in_days=platform.logs.retention_days, tags=self.tags,
                                            opts=child)
            handle.log_group_arn = group.arn
        return handle

    def _karpenter(self, name: str, platform: Platform, parent: pulumi.Resource, cluster: EksCluster,
                   region: pulumi.Input[str], created_vpc: bool,
                   private_subnets: pulumi.Input[list[str]]) -> dict[str, pulumi.Resource]:
        """The Karpenter controller and a NodePool and EC2NodeClass a pool; the pool resource Ray clusters wait for
        is its NodePool component. An existing VPC's private subnets get the discovery tag as tags of their own."""
        assert platform.system_pool is not None
        on_cluster = pulumi.ResourceOptions(parent=parent, providers=[cluster.provider],
                                            depends_on=cluster.ready_for_workloads)
        if not created_vpc:
            for i, subnet in enumerate(platform.network.private_subnet_ids if platform.network else ()):
                aws.ec2.Tag(f"{name}-subnet-discovery-{i}", resource_id=subnet, key=karpenter.DISCOVERY_TAG,
                            value=platform.cluster_name, opts=pulumi.ResourceOptions(parent=parent))
        controller = Karpenter(f"{name}-karpenter", {
            "cluster_name": platform.cluster_name, "cluster": cluster.cluster_name, "region": region,
            "cluster_security_group_id": cluster.cluster_security_group_id,
            "node_selector": dict(platform.system_node_selector), "system_min_nodes": platform.system_pool.min_size,
            "tags": self.tags}, opts=on_cluster)
        return {pool.name: KarpenterNodePool._from_model(
            f"{name}-{pool.name}", pool, platform.cluster_name, controller.node_role_name, self.tags,
            opts=pulumi.ResourceOptions(
                parent=parent, providers=[cluster.provider], depends_on=[controller.release]))
            for pool in platform.node_pools}


BACKEND = EksBackend
