"""IAM roles through EKS Pod Identity (resource builder): a RayCluster's, and an add-on controller's.

The EKS Pod Identity webhook injects credentials when a pod is admitted, so the associations must
exist before the Ray pods are created: the RayCluster depends on what this returns. One role,
associated with the workers' account and with KubeRay's head account (named after the cluster)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ...model.platform import IdentityPlan
from .eks import partition
from .iam import log_shipping_policy, pod_identity_trust_policy, s3_access_policy


def build_pod_identity(parent: pulumi.Resource, name: str, *, identity: IdentityPlan, namespace: str,
                       cluster: pulumi.Input[str], tags: dict[str, str],
                       log_group_arn: pulumi.Input[str] | None = None) -> list[pulumi.Resource]:
    """The role, its policies and the two associations; the RayCluster waits for all of them.
    ``log_group_arn``: the stack's Ray log group (observability.logs), which the role may write to."""
    opts = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps(pod_identity_trust_policy()), tags=tags,
                        opts=opts)
    made: list[pulumi.Resource] = [role]
    policy = s3_access_policy(list(identity.s3_read), list(identity.s3_read_write), partition())
    if policy is not None:
        made.append(aws.iam.RolePolicy(f"{name}-s3", role=role.id, policy=json.dumps(policy), opts=opts))
    if identity.log_group is not None:
        if log_group_arn is None:
            raise ValueError(f"{name}: the pods ship logs to {identity.log_group}, and no log group ARN was given")
        made.append(aws.iam.RolePolicy(f"{name}-logs", role=role.id, policy=pulumi.Output.from_input(
            log_group_arn).apply(lambda arn: json.dumps(log_shipping_policy(arn))), opts=opts))
    for i, arn in enumerate(identity.managed_policy_arns):
        made.append(aws.iam.RolePolicyAttachment(f"{name}-policy-{i}", role=role.name, policy_arn=arn, opts=opts))
    for suffix, account in (("workers", identity.service_account), ("head", identity.head_service_account)):
        made.append(aws.eks.PodIdentityAssociation(
            f"{name}-{suffix}", cluster_name=cluster, namespace=namespace, service_account=account,
            role_arn=role.arn, tags=tags, opts=pulumi.ResourceOptions(parent=parent, depends_on=made[:])))
    return made


def controller_role(parent: pulumi.Resource, name: str, *, cluster: pulumi.Input[str], namespace: str,
                    service_account: str, policy: pulumi.Input[str], tags: dict[str, str],
                    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy, aws.eks.PodIdentityAssociation]:
    """An add-on controller's role (the Cluster Autoscaler's, Karpenter's): the role, its inline ``policy`` (a JSON
    document) and the association of its one service account. The controller's release waits for the last two."""
    opts = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps(pod_identity_trust_policy()), tags=tags,
                        opts=opts)
    inline = aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=policy, opts=opts)
    assoc = aws.eks.PodIdentityAssociation(f"{name}-pod-identity", cluster_name=cluster, namespace=namespace,
                                           service_account=service_account, role_arn=role.arn, tags=tags, opts=opts)
    return role, inline, assoc
