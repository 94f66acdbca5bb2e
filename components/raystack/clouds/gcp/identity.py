"""A Ray cluster's Google identity through Workload Identity Federation for GKE (resource builder).

One Google service account per Ray cluster; each of its Kubernetes service accounts (the workers' and the head's)
may act as it (roles/iam.workloadIdentityUser for serviceAccount:<project>.svc.id.goog[<ns>/<account>]) and carries
its email (iam.gke.io/gcp-service-account), as GKE's workload-identity how-to sets them; and a role on each bucket
it names (roles/storage.objectViewer to read, roles/storage.objectUser to read and write).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from ...model.platform import IdentityPlan
from .gke import account_id

ANNOTATION = "iam.gke.io/gcp-service-account"
BUCKET_ROLES = {"storage_read": "roles/storage.objectViewer", "storage_read_write": "roles/storage.objectUser"}


class GkeIdentityBuilder:
    """``clouds.base.IdentityBuilder`` for a GKE cluster."""

    def __init__(self, project: pulumi.Input[str], cluster_name: str):
        self.project = project
        #: Service account IDs are per project: the cluster's name keeps two stacks' Ray clusters apart there.
        self.cluster_name = cluster_name

    def __call__(self, parent: pulumi.Resource, name: str, identity: IdentityPlan, namespace: str,
                 tags: dict[str, str]) -> tuple[list[pulumi.Resource], dict[str, Any]]:
        opts = pulumi.ResourceOptions(parent=parent)
        gsa = gcp.serviceaccount.Account(name, account_id=account_id(f"{self.cluster_name}-{name}"),
                                         project=self.project, display_name=f"Ray cluster {name} on {self.cluster_name}",
                                         opts=opts)
        made: list[pulumi.Resource] = [gsa]
        for suffix, account in (("workers", identity.service_account), ("head", identity.head_service_account)):
            made.append(gcp.serviceaccount.IAMMember(
                f"{name}-{suffix}", service_account_id=gsa.name, role="roles/iam.workloadIdentityUser",
                member=pulumi.Output.concat("serviceAccount:", self.project, f".svc.id.goog[{namespace}/{account}]"),
                opts=opts))
        for field, role in BUCKET_ROLES.items():
            for i, bucket in enumerate(getattr(identity, field)):
                made.append(gcp.storage.BucketIAMMember(
                    f"{name}-{field.replace('_', '-')}-{i}", bucket=bucket.removeprefix("gs://"), role=role,
                    member=gsa.email.apply(lambda e: f"serviceAccount:{e}"), opts=opts))
        return made, {ANNOTATION: gsa.email}
