"""IAM documents and managed policies raystack attaches (pure data; linted in the tests). Pulumi-free."""

from __future__ import annotations

from typing import Any

# Every ARN carries the partition (aws, aws-cn, aws-us-gov, ...): see partitions.py (aws-deploy-review 2, N11).
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
#: Node role: join the cluster, run the VPC CNI, pull from ECR (pull-only), SSM instead of SSH.
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
)
ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy"
VIEW_ACCESS_POLICY = "AmazonEKSViewPolicy"


def managed_policy_arn(partition: str, name: str) -> str:
    """An AWS managed IAM policy."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def access_policy_arn(partition: str, name: str) -> str:
    """An EKS cluster access policy (for access entries)."""
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


def service_trust_policy(service: str) -> dict[str, Any]:
    """Trust policy for an AWS service principal. EKS also needs sts:TagSession."""
    action: Any = ["sts:AssumeRole", "sts:TagSession"] if service == "eks.amazonaws.com" else "sts:AssumeRole"
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": action}]}


def autoscaler_policy(cluster_name: str, partition: str) -> dict[str, Any]:
    """Least-privilege policy: describe what has no resource-level permissions, describe this
    cluster's node groups only, and scale only the Auto Scaling groups EKS tagged as owned by
    *this* cluster (linted with parliament in the tests)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Describe",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                "Resource": "*",
            },
            {
                "Sid": "DescribeOwnNodegroups",
                "Effect": "Allow",
                "Action": ["eks:DescribeNodegroup"],
                "Resource": f"arn:{partition}:eks:*:*:nodegroup/{cluster_name}/*/*",
            },
            {
                "Sid": "ScaleOwnGroupsOnly",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                "Resource": f"arn:{partition}:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*",
                "Condition": {
                    "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"},
                },
            },
        ],
    }


def pod_identity_trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }],
    }


def s3_access_policy(read: list[str], read_write: list[str], partition: str) -> dict[str, Any] | None:
    """Least privilege on named buckets only: list each bucket and read its objects; for
    read-write buckets also write and delete objects and finish or abort multipart uploads.
    None when no bucket is named. (Linted with parliament in the tests.)"""
    statements: list[dict[str, Any]] = []
    buckets = sorted(set(read) | set(read_write))
    if not buckets:
        return None
    statements.append({"Sid": "ListBuckets", "Effect": "Allow",
                       "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                       "Resource": [f"arn:{partition}:s3:::{b}" for b in buckets]})
    statements.append({"Sid": "ReadObjects", "Effect": "Allow", "Action": ["s3:GetObject"],
                       "Resource": [f"arn:{partition}:s3:::{b}/*" for b in buckets]})
    if read_write:
        statements.append({"Sid": "WriteObjects", "Effect": "Allow",
                           "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:ListMultipartUploadParts",
                                      "s3:PutObject"],
                           "Resource": [f"arn:{partition}:s3:::{b}/*" for b in sorted(set(read_write))]})
    return {"Version": "2012-10-17", "Statement": statements}


def log_shipping_policy(log_group_arn: str) -> dict[str, Any]:
    """What a Ray pod's log shipper calls (clouds.aws.logs): CreateLogStream and PutLogEvents in the stack's
    log group, nothing else. Both on ``<group ARN>:*``: IAM's action table (parliament's copy) gives both
    the log-stream resource, ``log-group:<name>:log-stream:<stream>``, and AWS's own scoped log policies
    grant them on ``log-group:<name>:*``. ``log_group_arn``: the group's ARN as the provider gives it, without
    the trailing ``:*``."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ShipRayLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"{log_group_arn}:*"}]}
