"""The seam between the cloud-neutral platform and one cloud's resources.

``RayPlatform`` asks a ``ClusterBackend`` for a cluster (created or attached)
with its pools, and gets back a ``ClusterHandle``: how to reach the cluster and
what in-cluster resources must wait for. Everything after that (device
plugins, KubeRay, namespaces, Ray clusters) is cloud-neutral. EKS implements it
in ``clouds.aws.backend``; AKS and GKE would be new backends, not edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pulumi

from ..model.platform import Platform


@dataclass
class ClusterHandle:
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    #: The Kubernetes provider every in-cluster resource uses.
    provider: pulumi.ProviderResource
    #: What in-cluster resources wait for (nodes to run on, DNS, CNI).
    ready: list[pulumi.Resource] = field(default_factory=list)
    #: The resource of each created pool, by pool name (Ray clusters wait for their pools).
    pool_resources: dict[str, pulumi.Resource] = field(default_factory=dict)
    #: The Redis the cloud created for GCS fault tolerance (gcsFaultTolerance.redis: create): its address
    #: (rediss://host:port) and its AUTH token (a secret); None when the stack creates none.
    redis_address: pulumi.Output[str] | None = None
    redis_password: pulumi.Output[str] | None = None
    #: Where the Ray pods ship their logs (observability.logs): the log group's ARN; None when none.
    log_group_arn: pulumi.Output[str] | None = None


class ClusterBackend(Protocol):
    def build(self, name: str, platform: Platform, parent: pulumi.Resource,
              kubeconfig: pulumi.Input[str] | None) -> ClusterHandle:
        """Create or attach the cluster and its pools as children of ``parent``."""
        ...
