"""GcsRedis: the ElastiCache replication group the Ray clusters keep their GCS in
(``gcsFaultTolerance.redis: create``).

What AWS and the provider require, at the versions pinned (terraform-provider-aws
internal/service/elasticache/replication_group.go, the v6 line pulumi-aws 7.x bridges; ElastiCache API
reference, CreateReplicationGroup):
- an AUTH token needs in-transit encryption (``transit_encryption_enabled``), and is 16 to 128 printable
  characters without spaces, ``"``, ``/`` or ``@``: a generated alphanumeric token of 64 meets that;
- automatic failover needs at least two cache clusters (NumCacheClusters), and Multi-AZ needs automatic
  failover; the subnet group spans the private subnets of every AZ the cluster has, so the replica lands
  in another AZ than the primary;
- the security group admits only the cluster's nodes: the EKS cluster security group, which EKS puts on
  every managed node group's nodes (and raystack's EFA interfaces carry). Pods reach the Redis from their
  node's ENIs (Amazon VPC CNI, no security groups for pods), KubeRay's Redis cleanup Job too. The group
  has no egress rule: the provider removes AWS's default allow-all one on create (vpc_security_group.go).

Ray verifies the Redis's TLS certificate with the image's system CAs (redis_context.cc creates the SSL
context without REDIS_CA_CERT), which ElastiCache's Amazon-issued certificates chain to.
"""

from typing import TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from ..model.gcs import REDIS_PORT, ManagedRedis

#: The AUTH token's length (ElastiCache allows 16 to 128).
AUTH_TOKEN_LENGTH = 64


class GcsRedisArgs(TypedDict):
    """Inputs of a GcsRedis."""

    replication_group_id: str
    """The replication group's id (1-40 lowercase letters, digits, hyphens; model.gcs.replication_group_id)."""
    engine: str
    """valkey or redis."""
    engine_version: str
    """The engine version (versions.ELASTICACHE_ENGINE_VERSIONS)."""
    node_type: str
    """The ElastiCache node type, e.g. cache.t4g.medium."""
    replicas: int
    """Read replicas beside the primary (0-5); above 0: Multi-AZ with automatic failover."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC."""
    subnet_ids: pulumi.Input[list[str]]
    """The cluster's private subnets (the subnet group)."""
    node_security_group_id: pulumi.Input[str]
    """The security group every node of the cluster carries (the EKS cluster security group): the only source
    the Redis admits."""
    tags: dict[str, str]
    """Tags on every AWS resource."""


class GcsRedis(pulumi.ComponentResource):
    """An ElastiCache (Valkey or Redis OSS) replication group for GCS fault tolerance: TLS, a generated AUTH
    token, reachable only from the cluster's nodes."""

    address: pulumi.Output[str]
    """rediss://<primary endpoint>:6379, as Ray and KubeRay read it."""
    auth_token: pulumi.Output[str]
    """The AUTH token (a secret)."""

    def __init__(self, name: str, args: GcsRedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:GcsRedis", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        # A fixed name or id: a replacement must delete the old one first (CreateReplicationGroup answers
        # ReplicationGroupAlreadyExistsFault, CreateCacheSubnetGroup CacheSubnetGroupAlreadyExistsFault).
        fixed_name = pulumi.ResourceOptions(parent=self, delete_before_replace=True)
        tags = args["tags"]
        token = random.RandomPassword(f"{name}-auth", length=AUTH_TOKEN_LENGTH, special=False, opts=child)
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-subnets", name=args["replication_group_id"], subnet_ids=args["subnet_ids"],
            description="Private subnets of the Ray clusters' GCS Redis (raystack)", tags=tags, opts=fixed_name)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args["vpc_id"], description="Ray GCS Redis: the cluster's nodes only (raystack)",
            tags={**tags, "Name": args["replication_group_id"]}, opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-nodes", security_group_id=sg.id, referenced_security_group_id=args["node_security_group_id"],
            ip_protocol="tcp", from_port=REDIS_PORT, to_port=REDIS_PORT,
            description="Ray GCS (heads, KubeRay's Redis cleanup Job) from the cluster's nodes", opts=child)
        failover = args["replicas"] > 0
        group = aws.elasticache.ReplicationGroup(
            f"{name}-redis", replication_group_id=args["replication_group_id"],
            description="Ray GCS fault tolerance (raystack)", engine=args["engine"],
            engine_version=args["engine_version"], node_type=args["node_type"], port=REDIS_PORT,
            num_cache_clusters=1 + args["replicas"], automatic_failover_enabled=failover, multi_az_enabled=failover,
            transit_encryption_enabled=True, at_rest_encryption_enabled=True, auth_token=token.result,
            # Without it ModifyReplicationGroup defers a node type or engine version edit to the maintenance
            # window, and Read (which takes the node type from the running cache clusters) keeps showing the old
            # value: a diff on every preview until then (replication_group.go resourceReplicationGroupUpdate,
            # ApplyImmediately: d.Get("apply_immediately"), false unless set).
            apply_immediately=True,
            subnet_group_name=subnets.name, security_group_ids=[sg.id], tags=tags, opts=fixed_name)
        self.address = pulumi.Output.concat("rediss://", group.primary_endpoint_address, f":{REDIS_PORT}")
        self.auth_token = pulumi.Output.secret(token.result)
        self.register_outputs({"address": self.address, "auth_token": self.auth_token})

    @classmethod
    def _from_model(cls, name: str, redis: ManagedRedis, *, vpc_id: pulumi.Input[str],
                    subnet_ids: pulumi.Input[list[str]], node_security_group_id: pulumi.Input[str],
                    tags: dict[str, str], opts: pulumi.ResourceOptions) -> "GcsRedis":
        return cls(name, {"replication_group_id": redis.replication_group_id, "engine": redis.engine,
                          "engine_version": redis.engine_version, "node_type": redis.node_type,
                          "replicas": redis.replicas, "vpc_id": vpc_id, "subnet_ids": subnet_ids,
                          "node_security_group_id": node_security_group_id, "tags": tags}, opts)
