"""The raystack stack program: read the stack's config, build the platform, export outputs."""

import pulumi
from raystack import RayPlatform

platform = RayPlatform.from_stack_config("raystack")

pulumi.export("cluster_name", platform.cluster_name)
pulumi.export("kubeconfig", platform.kubeconfig)
pulumi.export("ray_clusters", platform.ray_clusters)
pulumi.export("node_pools", platform.node_pools)
pulumi.export("ray_workloads", platform.ray_workloads)
pulumi.export("ray_auth_tokens", platform.ray_auth_tokens)  # a secret: pulumi stack output --show-secrets
# What a team's stack needs (examples/team-stack): the head pool and the operator's namespace.
pulumi.export("system_pool", platform.system_pool)
pulumi.export("kuberay_namespace", platform.kuberay_namespace)
# ...and where its podIdentity is made: the cloud, and on AKS the Workload ID settings its components take.
pulumi.export("cloud", platform.cloud)
pulumi.export("workload_identity", platform.workload_identity)
