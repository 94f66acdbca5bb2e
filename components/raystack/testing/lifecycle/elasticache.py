"""ElastiCache in the simulated account: the GCS Redis raystack creates (gcsFaultTolerance.redis: create).

Each rule cites the ElastiCache API reference (CreateReplicationGroup, DeleteCacheSubnetGroup) or the
provider (terraform-provider-aws internal/service/elasticache, the v6 line pulumi-aws 7.x bridges); every
error code is one botocore's model declares for the operation (``aws.botocore_error``). The group's
security group is held by its nodes' network interfaces, so EC2 refuses to delete it first (``Held``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..values import is_true as _true
from .aws import botocore_error
from .ec2 import Held
from .errors import NotModelled

SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"




def _check_failover(op: str, inputs: dict[str, Any], source: str) -> None:
    """"AutomaticFailoverEnabled ... NumCacheClusters must be at least 2" (CreateReplicationGroup, and
    replication_group.go replicationGroupValidateAutomaticFailoverNumCacheClusters for every diff)."""
    if _true(inputs.get("automaticFailoverEnabled")) and int(inputs.get("numCacheClusters") or 1) < 2:
        raise botocore_error("elasticache", op, "InvalidParameterCombinationException",
                             "Automatic failover needs at least 2 cache clusters.", source)


@dataclass
class ReplicationGroup:
    id: str
    subnet_group: str
    security_groups: frozenset[str]
    nodes: int
    address: str


class ElastiCache:
    def __init__(self, held: Held):
        self.held = held
        #: Subnet group name -> its subnets.
        self.subnet_groups: dict[str, list[str]] = {}
        self.groups: dict[str, ReplicationGroup] = {}

    def create(self, typ: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> str:
        """Create a subnet group or replication group; returns its id."""
        if typ == SUBNET_GROUP:
            name = str(inputs["name"])
            if name in self.subnet_groups:
                raise botocore_error("elasticache", "CreateCacheSubnetGroup", "CacheSubnetGroupAlreadyExistsFault",
                                     f"Cache subnet group {name} already exists.", "ElastiCache API reference")
            self.subnet_groups[name] = list(inputs.get("subnetIds") or [])
            return name
        if typ == REPLICATION_GROUP:
            return self._create_group(inputs, outputs)
        raise NotModelled(f"{typ}: ElastiCache resource not modelled")

    def _create_group(self, i: dict[str, Any], outputs: dict[str, Any]) -> str:
        op, src = "CreateReplicationGroup", "ElastiCache API reference, CreateReplicationGroup"
        gid, nodes = str(i["replicationGroupId"]), int(i.get("numCacheClusters") or 1)
        if gid in self.groups:  # a fixed id: a replacement must delete the old group first
            raise botocore_error("elasticache", op, "ReplicationGroupAlreadyExistsFault",
                                 f"Replication group {gid} already exists.", src)
        if i.get("subnetGroupName") not in self.subnet_groups:
            raise botocore_error("elasticache", op, "CacheSubnetGroupNotFoundFault",
                                 f"Cache subnet group {i.get('subnetGroupName')} does not exist.", src)
        if i.get("authToken") and not _true(i.get("transitEncryptionEnabled")):
            # "AuthToken: ... you must set TransitEncryptionEnabled to true"
            raise botocore_error("elasticache", op, "InvalidParameterCombinationException",
                                 "The AUTH token requires in-transit encryption.", src)
        _check_failover(op, i, src)
        if _true(i.get("multiAzEnabled")) and not _true(i.get("automaticFailoverEnabled")):
            raise botocore_error("elasticache", op, "InvalidParameterCombinationException",
                                 "Multi-AZ requires automatic failover.", src)
        address = str(outputs.get("primaryEndpointAddress") or f"master.{gid}.sim.cache.amazonaws.com")
        sgs = frozenset(i.get("securityGroupIds") or [])
        self.groups[gid] = ReplicationGroup(gid, str(i["subnetGroupName"]), sgs, nodes, address)
        self.held.attached[f"elasticache:{gid}"] = sgs  # its nodes' interfaces carry them
        return gid

    def delete(self, typ: str, ident: str) -> None:
        if typ == SUBNET_GROUP:
            # subnet_group.go resourceSubnetGroupDelete retries only DependencyViolation; CacheSubnetGroupInUse
            # fails the delete, CacheSubnetGroupNotFoundFault counts as done.
            if any(g.subnet_group == ident for g in self.groups.values()):
                raise botocore_error("elasticache", "DeleteCacheSubnetGroup", "CacheSubnetGroupInUse",
                                     f"Cache subnet group {ident} is currently in use by a cache cluster.",
                                     "ElastiCache API reference, DeleteCacheSubnetGroup")
            self.subnet_groups.pop(ident, None)
        elif typ == REPLICATION_GROUP:
            # The provider waits for the group to be gone (replication_group.go resourceReplicationGroupDelete,
            # no final snapshot unless final_snapshot_identifier is set); a group deleted out of band
            # (ReplicationGroupNotFoundFault) counts as deleted.
            self.groups.pop(ident, None)
            self.held.attached.pop(f"elasticache:{ident}", None)
        else:
            raise NotModelled(f"{typ}: ElastiCache resource not modelled")

    def update(self, typ: str, ident: str, inputs: dict[str, Any]) -> None:
        """An in-place update (ModifyReplicationGroup, ModifyCacheSubnetGroup)."""
        if typ == SUBNET_GROUP:
            self.subnet_groups[ident] = list(inputs.get("subnetIds") or [])
        elif typ == REPLICATION_GROUP:
            if not _true(inputs.get("applyImmediately")):
                # ModifyReplicationGroup without ApplyImmediately waits for the maintenance window, and the
                # provider's Read reports the old node type until then: a diff that outlives the `up`.
                raise NotModelled("an ElastiCache modification deferred to the maintenance window")
            g = self.groups[ident]
            _check_failover("ModifyReplicationGroup", inputs, "ElastiCache API reference, ModifyReplicationGroup")
            g.nodes = int(inputs.get("numCacheClusters") or 1)
            g.security_groups = frozenset(inputs.get("securityGroupIds") or [])
            self.held.attached[f"elasticache:{ident}"] = g.security_groups
