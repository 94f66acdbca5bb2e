"""Karpenter: the node autoscaler of an EKS cluster whose pools are Karpenter NodePools (autoscaler: karpenter).

What it creates, as Karpenter v1.14.1's getting-started CloudFormation and chart set it up
(clouds/aws/karpenter_iam.py cites them): the node role its nodes run as (a generated name: IAM role names are
global to the account, and clusters of one name may run in two regions), with an EKS access entry of type
EC2_LINUX (a role of its own: EKS already gave the managed node groups' role an entry, and a principal may have
one); the interruption queue (SQS, 300 s, encrypted) with the five EventBridge rules feeding it; the controller's
least-privileged role through Pod Identity; the discovery tag on the cluster security group; and the CRD chart
and the controller chart, pinned, on the system pool. NodePools depend on the controller chart, so a destroy
deletes them (and waits for their nodes to go) while the controller still runs.
"""

import json
from typing import TypedDict

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired

from .. import versions
from .._k8s import pinned_release
from ..clouds.aws import karpenter, karpenter_iam
from ..clouds.aws.eks import partition, service_role
from ..clouds.aws.iam import NODE_POLICIES, managed_policy_arn
from ..clouds.aws.identity import controller_role
from ..model import defaults


class KarpenterArgs(TypedDict):
    """Inputs of a Karpenter."""

    cluster_name: str
    """Name of the EKS cluster (its interruption queue, node role and discovery tag are named after it)."""
    cluster: NotRequired[pulumi.Input[str]]
    """The cluster's name as an Output (orders the access entry and Pod Identity association after the cluster)."""
    region: pulumi.Input[str]
    """AWS region of the cluster."""
    cluster_security_group_id: pulumi.Input[str]
    """The EKS cluster security group: tagged karpenter.sh/discovery, so Karpenter's nodes join it."""
    node_selector: dict[str, str]
    """Where the controller runs (the system pool: never on nodes Karpenter itself manages)."""
    system_min_nodes: NotRequired[int]
    """Nodes the system pool keeps (default 2): two controller replicas need two (required anti-affinity)."""
    tags: NotRequired[dict[str, str]]
    """Tags on the AWS resources."""


class Karpenter(pulumi.ComponentResource):
    """The Karpenter controller for an EKS cluster, with its interruption queue, IAM and CRDs."""

    node_role_arn: pulumi.Output[str]
    """The IAM role Karpenter's nodes run as."""
    node_role_name: pulumi.Output[str]
    """Its name: the EC2NodeClasses' spec.role (KarpenterNodePool's node_role)."""
    role_arn: pulumi.Output[str]
    """The IAM role the controller runs as (Pod Identity)."""
    queue_url: pulumi.Output[str]
    """The interruption queue's URL."""
    release_name: pulumi.Output[str]
    """The controller's Helm release name."""

    def __init__(self, name: str, args: KarpenterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:Karpenter", name, {}, opts)
        a = defaults.fill(KarpenterArgs, args)
        cluster_name = a["cluster_name"]
        cluster = a.get("cluster") or cluster_name
        tags = dict(a.get("tags") or {})
        part = partition()
        child = pulumi.ResourceOptions(parent=self)

        node_role, attachments = service_role(f"{name}-node-role", "ec2.amazonaws.com",
                                              tuple(managed_policy_arn(part, p) for p in NODE_POLICIES), tags, self)
        entry = aws.eks.AccessEntry(f"{name}-node-access", cluster_name=cluster, principal_arn=node_role.arn,
                                    type="EC2_LINUX", tags=tags, opts=child)

        queue = aws.sqs.Queue(f"{name}-queue", name=karpenter.queue_name(cluster_name),
                              message_retention_seconds=karpenter_iam.QUEUE_RETENTION_S, sqs_managed_sse_enabled=True,
                              tags=tags, opts=child)
        queue_policy = aws.sqs.QueuePolicy(f"{name}-queue-policy", queue_url=queue.url,
                                           policy=queue.arn.apply(lambda arn: json.dumps(karpenter_iam.queue_policy(arn))),
                                           opts=child)
        targets = []
        for suffix, pattern in karpenter_iam.EVENT_RULES.items():
            rule = aws.cloudwatch.EventRule(f"{name}-{suffix}", event_pattern=json.dumps(pattern), tags=tags,
                                            opts=child)
            targets.append(aws.cloudwatch.EventTarget(f"{name}-{suffix}", rule=rule.name, arn=queue.arn,
                                                      target_id=karpenter_iam.TARGET_ID, opts=child))

        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
        role, policy, assoc = controller_role(
            self, name, cluster=cluster, namespace=karpenter.NAMESPACE, service_account=karpenter.SERVICE_ACCOUNT,
            policy=pulumi.Output.all(a["region"], account, node_role.arn).apply(lambda v: json.dumps(
                karpenter_iam.controller_policy(cluster_name, part, v[0], v[1], v[2], karpenter_iam.queue_arn(
                    part, v[0], v[1], karpenter.queue_name(cluster_name))))), tags=tags)
        sg_tag = aws.ec2.Tag(f"{name}-sg-discovery", resource_id=a["cluster_security_group_id"],
                             key=karpenter.DISCOVERY_TAG, value=cluster_name, opts=child)

        crds = pinned_release(f"{name}-crds", release_name=versions.KARPENTER_CRD.release_name,
                              chart=versions.KARPENTER_CRD.chart, version=versions.KARPENTER_CRD.version,
                              repo=versions.KARPENTER_CRD.repo, namespace=karpenter.NAMESPACE, values={}, opts=child)
        values = karpenter.controller_values(cluster_name, dict(a["node_selector"]), a["system_min_nodes"])
        # The controller must not start (nor be the last thing destroyed) without its permissions, queue, node
        # role and its access entry: it would launch nodes that cannot join.
        self.release = pinned_release(
            f"{name}-chart", release_name=versions.KARPENTER.release_name, chart=versions.KARPENTER.chart,
            version=versions.KARPENTER.version, repo=versions.KARPENTER.repo, namespace=karpenter.NAMESPACE,
            values=values, skip_crds=True,  # the CRD chart's: Helm never upgrades a chart's crds/ directory
            opts=pulumi.ResourceOptions(parent=self, depends_on=[crds, assoc, policy, queue_policy, entry, sg_tag,
                                                                 *targets, *attachments]))
        self.node_role_arn = node_role.arn
        self.node_role_name = node_role.name
        self.role_arn = role.arn
        self.queue_url = queue.url
        self.release_name = self.release.name.apply(lambda n: n or "")
        self.register_outputs({"node_role_arn": self.node_role_arn, "node_role_name": self.node_role_name,
                               "role_arn": self.role_arn,
                               "queue_url": self.queue_url, "release_name": self.release_name})
