"""The AWS API requests the registered resources become, for validation against botocore's models.

Each function maps a recorded resource's inputs (pulumi-aws 7 property names) to the parameters
the provider sends on create: what terraform-provider-aws' resource does for aws_eks_node_group
(CreateNodegroup), aws_launch_template (CreateLaunchTemplate), aws_eks_cluster (CreateCluster) and
so on. Values Pulumi passes as strings where the API takes booleans ("true") are converted the way
the provider does. Test support, not part of the library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from raystack.testing import Registered

UNKNOWN_ID = "unknown-at-preview"


def _bool(v: Any) -> bool:
    return v if isinstance(v, bool) else str(v).lower() == "true"


def _tags(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


def create_cluster(i: dict[str, Any]) -> dict[str, Any]:
    vpc = i["vpcConfig"]
    req: dict[str, Any] = {
        "name": i["name"], "version": i["version"], "roleArn": i["roleArn"],
        "resourcesVpcConfig": {"subnetIds": vpc["subnetIds"], "endpointPrivateAccess": vpc["endpointPrivateAccess"],
                               "endpointPublicAccess": vpc["endpointPublicAccess"]},
        "logging": {"clusterLogging": [{"types": i["enabledClusterLogTypes"], "enabled": True}]},
        "accessConfig": {"authenticationMode": i["accessConfig"]["authenticationMode"],
                         "bootstrapClusterCreatorAdminPermissions":
                             i["accessConfig"]["bootstrapClusterCreatorAdminPermissions"]},
        "bootstrapSelfManagedAddons": i["bootstrapSelfManagedAddons"], "tags": i.get("tags", {}),
    }
    if vpc.get("publicAccessCidrs"):
        req["resourcesVpcConfig"]["publicAccessCidrs"] = vpc["publicAccessCidrs"]
    return req


def create_nodegroup(i: dict[str, Any]) -> dict[str, Any]:
    req: dict[str, Any] = {
        # A name prefix gets the provider's 26-character unique suffix (terraform-plugin-sdk id package).
        "clusterName": i["clusterName"], "nodegroupName": i.get("nodeGroupName") or i["nodeGroupNamePrefix"] + "0" * 26,
        "scalingConfig": {k: int(v) for k, v in i["scalingConfig"].items()},
        "subnets": i["subnetIds"], "amiType": i["amiType"], "nodeRole": i["nodeRoleArn"],
        "labels": i.get("labels", {}), "tags": i.get("tags", {}),
        "launchTemplate": {"id": i["launchTemplate"]["id"], "version": str(i["launchTemplate"]["version"])},
        "updateConfig": {"maxUnavailable": int(i["updateConfig"]["maxUnavailable"])},
        "capacityType": i["capacityType"], "version": i["version"],
    }
    if "instanceTypes" in i:
        req["instanceTypes"] = i["instanceTypes"]
    if i.get("taints"):
        req["taints"] = [{k: v for k, v in t.items() if k in ("key", "value", "effect")} for t in i["taints"]]
    return req


def create_launch_template(i: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "MetadataOptions": {"HttpEndpoint": i["metadataOptions"]["httpEndpoint"],
                            "HttpTokens": i["metadataOptions"]["httpTokens"],
                            "HttpPutResponseHopLimit": int(i["metadataOptions"]["httpPutResponseHopLimit"]),
                            "InstanceMetadataTags": i["metadataOptions"]["instanceMetadataTags"]},
        "BlockDeviceMappings": [{"DeviceName": b["deviceName"], "Ebs": {
            "VolumeSize": int(b["ebs"]["volumeSize"]), "VolumeType": b["ebs"]["volumeType"],
            "Encrypted": _bool(b["ebs"]["encrypted"]), "DeleteOnTermination": _bool(b["ebs"]["deleteOnTermination"])}}
            for b in i["blockDeviceMappings"]],
        "TagSpecifications": [{"ResourceType": t["resourceType"], "Tags": _tags(t.get("tags"))}
                              for t in i.get("tagSpecifications", [])],
    }
    if i.get("instanceType"):
        data["InstanceType"] = i["instanceType"]
    if i.get("instanceMarketOptions"):
        data["InstanceMarketOptions"] = {"MarketType": i["instanceMarketOptions"]["marketType"]}
    if i.get("capacityReservationSpecification"):
        target = i["capacityReservationSpecification"]["capacityReservationTarget"]
        data["CapacityReservationSpecification"] = {
            "CapacityReservationTarget": {"CapacityReservationId": target["capacityReservationId"]}}
    if i.get("networkInterfaces"):
        # terraform-provider-aws ec2/ec2_launch_template.go expandLaunchTemplateInstanceNetworkInterface...Request.
        data["NetworkInterfaces"] = [{
            "NetworkCardIndex": int(n["networkCardIndex"]), "DeviceIndex": int(n["deviceIndex"]),
            "InterfaceType": n["interfaceType"], "Groups": n["securityGroups"],
            "DeleteOnTermination": _bool(n["deleteOnTermination"]),
            "AssociatePublicIpAddress": _bool(n["associatePublicIpAddress"])} for n in i["networkInterfaces"]]
    if i.get("placement"):
        data["Placement"] = {"GroupName": i["placement"]["groupName"]}
    if i.get("userData"):
        data["UserData"] = i["userData"]
    return {"LaunchTemplateName": "raystack-lt", "LaunchTemplateData": data,
            "TagSpecifications": [{"ResourceType": "launch-template", "Tags": _tags(i.get("tags"))}]}


def create_addon(i: dict[str, Any]) -> dict[str, Any]:
    req = {"clusterName": i["clusterName"], "addonName": i["addonName"],
           "resolveConflicts": i["resolveConflictsOnCreate"], "tags": i.get("tags", {})}
    if i.get("configurationValues"):
        req["configurationValues"] = i["configurationValues"]
    return req


def create_access_entry(i: dict[str, Any]) -> dict[str, Any]:
    return {"clusterName": i["clusterName"], "principalArn": i["principalArn"], "type": i["type"]}


def associate_access_policy(i: dict[str, Any]) -> dict[str, Any]:
    return {"clusterName": i["clusterName"], "principalArn": i["principalArn"], "policyArn": i["policyArn"],
            "accessScope": {"type": i["accessScope"]["type"]}}


def create_pod_identity_association(i: dict[str, Any]) -> dict[str, Any]:
    return {"clusterName": i["clusterName"], "namespace": i["namespace"], "serviceAccount": i["serviceAccount"],
            "roleArn": i["roleArn"], "tags": i.get("tags", {})}


def create_or_update_tags(i: dict[str, Any]) -> dict[str, Any]:
    t = i["tag"]
    return {"Tags": [{"ResourceId": i["autoscalingGroupName"], "ResourceType": "auto-scaling-group",
                      "Key": t["key"], "Value": t["value"], "PropagateAtLaunch": _bool(t["propagateAtLaunch"])}]}


def create_tags(i: dict[str, Any]) -> dict[str, Any]:
    """aws_ec2_tag: CreateTags on one resource, one tag (terraform-provider-aws ec2/tag.go)."""
    return {"Resources": [i["resourceId"]], "Tags": [{"Key": i["key"], "Value": i["value"]}]}


def create_queue(i: dict[str, Any]) -> dict[str, Any]:
    """aws_sqs_queue: CreateQueue with the attributes as strings (sqs/queue.go queueAttributeMap)."""
    attrs = {"MessageRetentionPeriod": str(i["messageRetentionSeconds"]),
             "SqsManagedSseEnabled": str(_bool(i["sqsManagedSseEnabled"])).lower()}
    return {"QueueName": i["name"], "Attributes": attrs, "tags": i.get("tags", {})}


def set_queue_policy(i: dict[str, Any]) -> dict[str, Any]:
    """aws_sqs_queue_policy: SetQueueAttributes with the Policy attribute."""
    return {"QueueUrl": i.get("queueUrl") or UNKNOWN_ID, "Attributes": {"Policy": i["policy"]}}  # unknown at preview


def put_rule(i: dict[str, Any]) -> dict[str, Any]:
    """aws_cloudwatch_event_rule: PutRule (a name the provider generates when none is given; events/rule.go)."""
    return {"Name": i.get("name") or "terraform-" + "0" * 26, "EventPattern": i["eventPattern"],
            "State": "ENABLED", "Tags": _tags(i.get("tags"))}


def put_targets(i: dict[str, Any]) -> dict[str, Any]:
    # The rule's generated name is unknown at preview.
    return {"Rule": i.get("rule") or UNKNOWN_ID, "Targets": [{"Id": i["targetId"], "Arn": i["arn"]}]}


def _permission(i: dict[str, Any]) -> dict[str, Any]:
    """terraform-provider-aws vpc_security_group_ingress_rule.go expandIPPermission: ports only for a
    protocol that has them; a source CIDR or a referenced security group."""
    perm: dict[str, Any] = {"IpProtocol": i["ipProtocol"]}
    if "fromPort" in i:
        perm.update(FromPort=int(i["fromPort"]), ToPort=int(i["toPort"]))
    if i.get("cidrIpv4"):
        perm["IpRanges"] = [{"CidrIp": i["cidrIpv4"], "Description": i.get("description", "")}]
    if i.get("referencedSecurityGroupId"):
        perm["UserIdGroupPairs"] = [{"GroupId": i["referencedSecurityGroupId"], "Description": i.get("description", "")}]
    return perm


def authorize_security_group_ingress(i: dict[str, Any]) -> dict[str, Any]:
    return {"GroupId": i["securityGroupId"], "IpPermissions": [_permission(i)]}


def create_security_group(i: dict[str, Any]) -> dict[str, Any]:
    return {"GroupName": "raystack-sg", "Description": i["description"], "VpcId": i.get("vpcId", UNKNOWN_ID),
            "TagSpecifications": [{"ResourceType": "security-group", "Tags": _tags(i.get("tags"))}]}


def create_placement_group(i: dict[str, Any]) -> dict[str, Any]:
    return {"GroupName": "raystack-pg", "Strategy": i["strategy"],
            "TagSpecifications": [{"ResourceType": "placement-group", "Tags": _tags(i.get("tags"))}]}


def create_log_group(i: dict[str, Any]) -> dict[str, Any]:
    # terraform-provider-aws logs/group.go: CreateLogGroup, then PutRetentionPolicy (retention_in_days).
    return {"logGroupName": i["name"], "tags": i.get("tags", {})}


def create_replication_group(i: dict[str, Any]) -> dict[str, Any]:
    # terraform-provider-aws elasticache/replication_group.go resourceReplicationGroupCreate (cluster mode
    # disabled: num_cache_clusters).
    req: dict[str, Any] = {
        "ReplicationGroupId": i["replicationGroupId"], "ReplicationGroupDescription": i["description"],
        "Engine": i["engine"], "EngineVersion": i["engineVersion"], "CacheNodeType": i["nodeType"],
        "NumCacheClusters": int(i["numCacheClusters"]), "Port": int(i["port"]),
        "AutomaticFailoverEnabled": _bool(i["automaticFailoverEnabled"]), "MultiAZEnabled": _bool(i["multiAzEnabled"]),
        "TransitEncryptionEnabled": _bool(i["transitEncryptionEnabled"]),
        "AtRestEncryptionEnabled": _bool(i["atRestEncryptionEnabled"]), "AuthToken": i["authToken"],
        "CacheSubnetGroupName": i["subnetGroupName"], "SecurityGroupIds": i["securityGroupIds"],
        "Tags": _tags(i.get("tags"))}
    return req


def create_cache_subnet_group(i: dict[str, Any]) -> dict[str, Any]:
    return {"CacheSubnetGroupName": i["name"], "CacheSubnetGroupDescription": i["description"],
            "SubnetIds": i["subnetIds"], "Tags": _tags(i.get("tags"))}


#: Pulumi type token -> (service, operation, request builder).
REQUESTS: dict[str, tuple[str, str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "aws:eks/cluster:Cluster": ("eks", "CreateCluster", create_cluster),
    "aws:cloudwatch/logGroup:LogGroup": ("logs", "CreateLogGroup", create_log_group),
    "aws:eks/nodeGroup:NodeGroup": ("eks", "CreateNodegroup", create_nodegroup),
    "aws:ec2/launchTemplate:LaunchTemplate": ("ec2", "CreateLaunchTemplate", create_launch_template),
    "aws:eks/addon:Addon": ("eks", "CreateAddon", create_addon),
    "aws:eks/accessEntry:AccessEntry": ("eks", "CreateAccessEntry", create_access_entry),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": ("eks", "AssociateAccessPolicy",
                                                                associate_access_policy),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ("eks", "CreatePodIdentityAssociation",
                                                              create_pod_identity_association),
    "aws:autoscaling/tag:Tag": ("autoscaling", "CreateOrUpdateTags", create_or_update_tags),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("ec2", "AuthorizeSecurityGroupIngress",
                                                                  authorize_security_group_ingress),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("ec2", "AuthorizeSecurityGroupEgress",
                                                                authorize_security_group_ingress),
    "aws:ec2/securityGroup:SecurityGroup": ("ec2", "CreateSecurityGroup", create_security_group),
    "aws:ec2/placementGroup:PlacementGroup": ("ec2", "CreatePlacementGroup", create_placement_group),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("elasticache", "CreateReplicationGroup",
                                                          create_replication_group),
    "aws:elasticache/subnetGroup:SubnetGroup": ("elasticache", "CreateCacheSubnetGroup", create_cache_subnet_group),
    "aws:ec2/tag:Tag": ("ec2", "CreateTags", create_tags),
    "aws:sqs/queue:Queue": ("sqs", "CreateQueue", create_queue),
    "aws:sqs/queuePolicy:QueuePolicy": ("sqs", "SetQueueAttributes", set_queue_policy),
    "aws:cloudwatch/eventRule:EventRule": ("events", "PutRule", put_rule),
    "aws:cloudwatch/eventTarget:EventTarget": ("events", "PutTargets", put_targets),
}


def request_for(r: Registered) -> tuple[str, str, dict[str, Any]] | None:
    entry = REQUESTS.get(r.type)
    if entry is None:
        return None
    service, operation, build = entry
    return service, operation, build(r.inputs)


def enum_problems(shape: Any, value: Any, path: str = "") -> list[str]:
    """botocore's ParamValidator checks types, required members and ranges but not enums: walk them."""
    out: list[str] = []
    if shape.type_name == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                out += enum_problems(shape.members[k], v, f"{path}.{k}" if path else k)
    elif shape.type_name == "list" and isinstance(value, list):
        for n, v in enumerate(value):
            out += enum_problems(shape.member, v, f"{path}[{n}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for k, v in value.items():
            out += enum_problems(shape.value, v, f"{path}[{k!r}]")
    elif shape.type_name == "string" and getattr(shape, "enum", None) and value not in shape.enum:
        out.append(f"{path} = {value!r}: not one of {shape.enum}")
    return out
