"""EKS: IAM roles, the control plane, access entries, managed add-ons, the system node group,
the kubeconfig, and the read-only lookup of an existing cluster (resource builders)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ...model.platform import NodePool
from .iam import (
    ADMIN_ACCESS_POLICY,
    CLUSTER_POLICIES,
    NODE_POLICIES,
    VIEW_ACCESS_POLICY,
    access_policy_arn,
    managed_policy_arn,
    service_trust_policy,
)
from .node_group import managed_node_group
from .token import get_token_role


@dataclass
class EksOutputs:
    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    node_role_arn: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    #: The cluster's VPC (empty for a cluster raystack did not create).
    vpc_id: pulumi.Output[str] = field(default_factory=lambda: pulumi.Output.from_input(""))
    #: What in-cluster resources wait for: system nodes, coredns, pod identity agent, CNI.
    ready: list[pulumi.Resource] = field(default_factory=list)
    #: The node role's policy attachments: node groups depend on them (destroy order).
    node_role_policies: list[pulumi.Resource] = field(default_factory=list)


def kubeconfig(name: pulumi.Input[str], endpoint: pulumi.Input[str], ca: pulumi.Input[str],
               region: pulumi.Input[str]) -> pulumi.Output[str]:
    profile = pulumi.Config("aws").get("profile")
    role_arn, warning = get_token_role(pulumi.Config("aws").get("assumeRoles"))
    if warning:
        pulumi.log.warn(warning)

    def build(parts: list[str]) -> str:
        n, ep, ca_data, region = parts
        return json.dumps({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": n, "cluster": {"server": ep, "certificate-authority-data": ca_data}}],
            "contexts": [{"name": n, "context": {"cluster": n, "user": n}}],
            "current-context": n,
            "users": [{"name": n, "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", n, "--region", region, "--output", "json",
                         *(["--role-arn", role_arn] if role_arn else [])],
                # The token is minted with the stack's AWS profile, as the provider uses it.
                **({"env": [{"name": "AWS_PROFILE", "value": profile}]} if profile else {}),
            }}}],
        })
    return pulumi.Output.secret(pulumi.Output.all(name, endpoint, ca, region).apply(build))


def service_role(name: str, service: str, policies: tuple[str, ...], tags: dict[str, str],
                 parent: pulumi.Resource) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
    """An IAM role for an AWS service with managed policies attached, and the attachments: what
    uses the role must depend on them, or `pulumi destroy` may detach the policies while EKS still
    needs them to delete its ENIs, security groups and instances (pulumi-aws eks.Cluster role_arn doc)."""
    role = aws.iam.Role(name, assume_role_policy=json.dumps(service_trust_policy(service)),
                        tags=tags, opts=pulumi.ResourceOptions(parent=parent))
    attachments: list[pulumi.Resource] = [
        aws.iam.RolePolicyAttachment(f"{name}-{i}", role=role.name, policy_arn=arn,
                                     opts=pulumi.ResourceOptions(parent=role))
        for i, arn in enumerate(policies)]
    return role, attachments


def principal_key(arn: str) -> str:
    """A stable resource-name suffix for an IAM principal: entries follow their ARN, not a list position."""
    return hashlib.sha256(arn.encode()).hexdigest()[:10]


#: The principal that created the cluster, as a tag on it: EKS makes that principal cluster admin at creation
#: (bootstrapClusterCreatorAdminPermissions), so it must get no second access entry (409, "An IAM principal
#: can't be included in more than one access entry"). Set on create and never changed (ignoreChanges), so the
#: access entries are the same whoever runs the program later (aws-deploy-review 2, N5).
CREATOR_TAG = "raystack.io/created-by"


def deployer_role_arn() -> str | None:
    """The IAM role (or user) running this program: the cluster's creator when it creates the cluster."""
    try:
        caller = aws.get_caller_identity()
        return aws.iam.get_session_context(arn=caller.arn).issuer_arn
    except Exception:  # noqa: BLE001 (no credentials in a preview: then no entry is skipped)
        return None


#: The partition the provider answered for a region setting (one program asks several times).
_PARTITION: dict[tuple[str | None, ...], str] = {}


def partition() -> str:
    """The AWS provider's partition (aws, aws-cn, aws-us-gov, ...), which every ARN names. The provider
    answers from its own region with no API call (terraform-provider-aws internal/service/meta
    partition_data_source.go), so it is safe on an empty account, at preview and for a read-only role.
    Asked once per region setting (the config, then the environment the provider reads): a synchronous
    invoke drains the engine's queue each time."""
    import os

    key = (pulumi.Config("aws").get("region"), os.environ.get("AWS_REGION"), os.environ.get("AWS_DEFAULT_REGION"),
           os.environ.get("AWS_PROFILE"))
    if key not in _PARTITION:
        _PARTITION[key] = aws.get_partition().partition
    return _PARTITION[key]


def provider_region(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The region the AWS provider deploys to (aws:region, else AWS_REGION / the profile): never a guess."""
    return aws.get_region_output(opts=pulumi.InvokeOptions(parent=parent)).region


def build_cluster(parent: pulumi.Resource, name: str, *, cluster_name: str, kubernetes_version: str,
                  region: pulumi.Input[str], api_ingress_cidrs: list[str],
                  private_subnet_ids: pulumi.Input[list[str]], endpoint_public_access: bool,
                  public_access_cidrs: list[str], admin_role_arns: list[str], viewer_role_arns: list[str],
                  system_pool: NodePool, protect: bool, log_retention_days: int, tags: dict[str, str]) -> EksOutputs:
    part = partition()
    cluster_role, cluster_policies = service_role(
        f"{name}-cluster-role", "eks.amazonaws.com", tuple(managed_policy_arn(part, p) for p in CLUSTER_POLICIES),
        tags, parent)
    node_role, node_policies = service_role(
        f"{name}-node-role", "ec2.amazonaws.com", tuple(managed_policy_arn(part, p) for p in NODE_POLICIES),
        tags, parent)
    deployer = deployer_role_arn()
    # EKS writes the control plane's logs to /aws/eks/<name>/cluster, creating it without retention if it is
    # missing, and DeleteCluster leaves it behind (aws-deploy-review 2, N10). Created first (the cluster
    # depends on it), it has a retention and goes on destroy, after the cluster.
    logs = aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/aws/eks/{cluster_name}/cluster",
                                   retention_in_days=log_retention_days, tags=tags,
                                   opts=pulumi.ResourceOptions(parent=parent))
    cluster = aws.eks.Cluster(
        f"{name}-eks",
        name=cluster_name,
        version=kubernetes_version,
        role_arn=cluster_role.arn,
        vpc_config=aws.eks.ClusterVpcConfigArgs(
            subnet_ids=private_subnet_ids,
            endpoint_private_access=True,
            endpoint_public_access=endpoint_public_access,
            public_access_cidrs=public_access_cidrs if endpoint_public_access else None,
        ),
        access_config=aws.eks.ClusterAccessConfigArgs(
            authentication_mode="API",
            bootstrap_cluster_creator_admin_permissions=True,
        ),
        bootstrap_self_managed_addons=False,
        enabled_cluster_log_types=["api", "audit", "authenticator"],
        tags={**tags, **({CREATOR_TAG: deployer} if deployer else {})},
        opts=pulumi.ResourceOptions(parent=parent, protect=protect, depends_on=[*cluster_policies, logs],
                                    ignore_changes=[f'tags["{CREATOR_TAG}"]']),
    )
    api_rules: list[pulumi.Resource] = []
    for cidr in api_ingress_cidrs:
        # A private endpoint answers only inside the VPC, on ENIs that carry the cluster security group.
        # In `ready`, so every in-cluster resource depends on it: destroy deletes it last, not in its first
        # wave while Helm releases and namespaces still go through the endpoint (aws-deploy-review 2, N4).
        api_rules.append(aws.vpc.SecurityGroupIngressRule(
            f"{name}-api-{cidr.replace('/', '-')}", security_group_id=cluster.vpc_config.cluster_security_group_id,
            ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4=cidr,
            description="Kubernetes API from where pulumi up runs (raystack apiIngressCidrs)",
            opts=pulumi.ResourceOptions(parent=parent)))
    def grant(cluster_tags: Mapping[str, str] | None) -> None:
        """Access entries for every listed principal but the creator (read from the cluster's own tag, so
        the set does not depend on who runs the program; a cluster created before the tag existed falls
        back to the caller, as raystack did)."""
        creator = (cluster_tags or {}).get(CREATOR_TAG) or deployer
        for role, arns, policy in (("admin", admin_role_arns, ADMIN_ACCESS_POLICY),
                                   ("viewer", viewer_role_arns, VIEW_ACCESS_POLICY)):
            for i, arn in enumerate(arns):
                if arn == creator:
                    pulumi.log.info(f"{arn} created the cluster and is its admin; no second access entry",
                                    resource=parent)
                    continue
                key = principal_key(arn)
                # Named by principal; the alias keeps admin entries made by raystack 0.1 (named by list position).
                legacy = [pulumi.Alias(name=f"{name}-admin-{i}")] if role == "admin" else []
                entry = aws.eks.AccessEntry(f"{name}-{role}-{key}", cluster_name=cluster.name, principal_arn=arn,
                                            type="STANDARD",
                                            opts=pulumi.ResourceOptions(parent=parent, aliases=legacy))
                aws.eks.AccessPolicyAssociation(
                    f"{name}-{role}-{key}", cluster_name=cluster.name, principal_arn=arn,
                    policy_arn=access_policy_arn(part, policy),
                    access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                    opts=pulumi.ResourceOptions(parent=parent, depends_on=[entry], aliases=legacy))

    # Registered once the cluster's tags are known: at preview they are its inputs (a new cluster) or its state.
    cluster.tags.apply(grant)

    def addon(addon_name: str, config: dict[str, Any] | None = None,
              depends: list[pulumi.Resource] | None = None) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{name}-{addon_name}", cluster_name=cluster.name, addon_name=addon_name,
            configuration_values=json.dumps(config) if config else None,
            resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
            tags=tags, opts=pulumi.ResourceOptions(parent=parent, depends_on=depends or []))

    # Networking add-ons come before nodes: without the CNI no node gets Ready.
    vpc_cni = addon("vpc-cni", {"enableNetworkPolicy": "true"})
    kube_proxy = addon("kube-proxy")
    pod_identity = addon("eks-pod-identity-agent")
    system = managed_node_group(
        f"{name}-system", system_pool, parent=parent, launch_template_name=f"{name}-system",
        cluster_name=cluster.name, node_role_arn=node_role.arn, subnet_ids=private_subnet_ids,
        kubernetes_version=kubernetes_version, tags=tags, depends_on=[vpc_cni, kube_proxy, *node_policies])
    coredns = addon("coredns", {"nodeSelector": dict(system_pool.facts.node_selector)}, depends=[system])
    ca = cluster.certificate_authority.apply(lambda c: c["data"] if isinstance(c, dict) else c.data)
    return EksOutputs(
        cluster_name=cluster.name,
        endpoint=cluster.endpoint,
        kubeconfig=kubeconfig(cluster.name, cluster.endpoint, ca, region),
        node_role_arn=node_role.arn,
        cluster_security_group_id=cluster.vpc_config.cluster_security_group_id,
        vpc_id=cluster.vpc_config.vpc_id,
        ready=[system, coredns, pod_identity, vpc_cni, *api_rules],
        node_role_policies=node_policies,
    )


def lookup_cluster(parent: pulumi.Resource, existing_cluster_name: str, region: pulumi.Input[str]) -> EksOutputs:
    """An existing EKS cluster, read-only: no AWS resource is created."""
    found = aws.eks.get_cluster_output(name=existing_cluster_name, opts=pulumi.InvokeOptions(parent=parent))
    empty = pulumi.Output.from_input("")
    return EksOutputs(cluster_name=found.name, endpoint=found.endpoint,
                      kubeconfig=kubeconfig(found.name, found.endpoint,
                                            found.certificate_authorities.apply(lambda c: c[0].data), region),
                      node_role_arn=empty, cluster_security_group_id=empty)
