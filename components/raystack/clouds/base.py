"""The seam between the cloud-neutral platform and one cloud's resources.

``RayPlatform`` asks a ``ClusterBackend`` for a cluster (created or attached)
with its pools, and gets back a ``ClusterHandle``: how to reach the cluster and
what in-cluster resources must wait for. Everything after that (device
plugins, KubeRay, namespaces, Ray clusters) is cloud-neutral. EKS implements it
in ``clouds.aws.backend``, AKS in ``clouds.azure.backend``; GKE would be a new backend, not an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pulumi

from ..model.platform import IdentityPlan, Platform


class IdentityBuilder(Protocol):
    """Builds a Ray cluster's cloud identity where the cloud's identity lives outside Kubernetes and the
    service accounts must name it (AKS: a managed identity with federated credentials): its resources, and
    the annotations the cluster's service accounts carry."""

    def __call__(self, parent: pulumi.Resource, name: str, identity: IdentityPlan, namespace: str,
                 tags: dict[str, str]) -> tuple[list[pulumi.Resource], dict[str, pulumi.Input[str]]]: ...


#: Where a Ray cluster's podIdentity is made: the EKS cluster's name (Pod Identity associations), a cloud's
#: IdentityBuilder, or None (no cloud identity).
IdentityTarget = pulumi.Input[str] | IdentityBuilder | None


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
    #: Where the Ray clusters' podIdentity is made (None: the cluster's name, EKS Pod Identity).
    identity_builder: IdentityBuilder | None = None
    #: The cloud's KubeRay operator (kuberay.operator: managed), which the Ray objects wait for; None otherwise.
    operator: pulumi.Resource | None = None
    #: What a team stack's components need to make podIdentity in this cluster themselves, where the cloud's
    #: identity is not the cluster's name (AKS: resource group, location, OIDC issuer, subscription); None elsewhere.
    workload_identity: dict[str, pulumi.Input[str]] | None = None

    @property
    def identity_target(self) -> IdentityTarget:
        return self.identity_builder if self.identity_builder is not None else self.cluster_name


class ClusterBackend(Protocol):
    def build(self, name: str, platform: Platform, parent: pulumi.Resource,
              kubeconfig: pulumi.Input[str] | None) -> ClusterHandle:
        """Create or attach the cluster and its pools as children of ``parent``."""
        ...


def backend_for(platform: Platform) -> type:
    """The ClusterBackend class that builds ``platform``: its cloud's (``clouds.<cloud>.backend.BACKEND``), for a
    cluster it creates; EKS's attach path (a kubeconfig or an EKS cluster's name) for an existing one. A cloud whose
    extra is not installed is refused here, before anything is registered."""
    import importlib

    from ..model.findings import ConfigError, Finding

    cloud = platform.cloud if platform.creates_cluster else "aws"
    try:
        module = importlib.import_module(f"{__package__}.{cloud}.backend")
    except ImportError as e:
        raise ConfigError([Finding("raystack:cloud", cloud, f"needs the {cloud} extra: pip install "
                                   f"'pulumi-raystack[{cloud}]' ({e.name} is not installed)")]) from None
    return module.BACKEND  # type: ignore[no-any-return]
