"""The raystack stack program: read the stack's config, build the platform, export outputs."""

import pulumi
from raystack.config import read_stack_config
from raystack.ray_platform import RayPlatform

platform = RayPlatform("raystack", read_stack_config(), camel_keys=True)

pulumi.export("cluster_name", platform.cluster_name)
pulumi.export("kubeconfig", platform.kubeconfig)
pulumi.export("ray_clusters", platform.ray_clusters)
pulumi.export("node_pools", platform.node_pools)
