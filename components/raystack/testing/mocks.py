"""Mock resource outputs: what real providers compute, for the types raystack reads outputs from.

``COMPUTED_OUTPUTS`` is a table keyed by type token; teams extend it for their own
resources (``COMPUTED_OUTPUTS["aws:s3/bucket:Bucket"] = lambda name, inputs: {...}``).
Part of the public ``raystack.testing`` harness.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import mocks as pmocks

from ..clouds.aws.partitions import partition_for_region

ACCOUNT = "123456789012"
#: The region the mock provider reports when the stack sets no aws:region (as if AWS_REGION said so).
REGION_WITHOUT_CONFIG = "eu-central-1"
#: Instance type -> AZs offering it (types not listed are offered everywhere).
INSTANCE_TYPE_OFFERINGS: dict[str, list[str]] = {}
#: Node groups that already exist, as the provider would read them: cluster -> node group -> live
#: desired size (what the Cluster Autoscaler last set). Empty: a first `pulumi up`.
LIVE_NODE_GROUPS: dict[str, dict[str, int]] = {}
#: The outputs of stacks' last deployments, by stack reference name (what StackReference reads).
LIVE_STACK_OUTPUTS: dict[str, dict[str, Any]] = {}
#: Live objects a program reads (Resource.get), by (type token, id): e.g. a RayCluster the Ray
#: autoscaler has scaled since the last `pulumi up`.
LIVE_OBJECTS: dict[tuple[str, str], dict[str, Any]] = {}
#: The role the mock deployment runs as (its issuer ARN is what getSessionContext answers).
DEPLOYER_ROLE = "deployer"
AVAILABILITY_ZONES = {"names": ["us-east-1a", "us-east-1b", "us-east-1c"],
                      "zoneIds": ["use1-az1", "use1-az2", "use1-az4"]}


def _eks_cluster(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    vpc = dict(inputs.get("vpcConfig", {}))
    vpc["clusterSecurityGroupId"] = f"sg-{name}"
    return {"name": inputs.get("name", name), "endpoint": f"https://{name}.eks.example.invalid",
            "certificateAuthority": {"data": "bW9jay1jYQ=="}, "vpcConfig": vpc}


def _node_group_name(name: str, inputs: dict[str, Any]) -> str:
    """What the provider names a node group: its name, or its prefix plus a unique suffix."""
    if "nodeGroupNamePrefix" in inputs:
        return f"{inputs['nodeGroupNamePrefix']}{MOCK_UNIQUE_SUFFIX}"
    return str(inputs.get("nodeGroupName", name))


#: The unique suffix the mock provider appends to name prefixes (26 characters, as terraform's).
MOCK_UNIQUE_SUFFIX = "20261123000000000000000001"

#: Type token -> (resource name, inputs) -> outputs added to the inputs.
COMPUTED_OUTPUTS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:ec2/launchTemplate:LaunchTemplate": lambda name, i: {"latestVersion": 1},
    "aws:eks/nodeGroup:NodeGroup": lambda name, i: {
        "nodeGroupName": _node_group_name(name, i),
        "resources": [{"autoscalingGroups": [{"name": f"eks-{_node_group_name(name, i)}-0000"}]}]},
    "aws:ec2/placementGroup:PlacementGroup": lambda name, i: {"name": i.get("name", name)},
    "aws:iam/role:Role": lambda name, i: {"name": i.get("name", name),
                                          "arn": f"arn:aws:iam::{ACCOUNT}:role/{i.get('name', name)}"},
    # An SQS queue's ARN and URL (SQS developer guide), and a rule's generated name (Pulumi's auto-naming).
    "aws:sqs/queue:Queue": lambda name, i: {"arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:{i.get('name', name)}",
                                            "url": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{i.get('name', name)}"},
    "aws:cloudwatch/eventRule:EventRule": lambda name, i: {"name": i.get("name") or f"{name}-0000000"},
    "kubernetes:helm.sh/v3:Release": lambda name, i: {"name": i.get("name", name), "status": {"status": "deployed"}},
    # ElastiCache's primary endpoint of a cluster-mode-disabled group: master.<id>.<hash>.<region>.cache.amazonaws.com.
    "aws:elasticache/replicationGroup:ReplicationGroup": lambda name, i: {
        "primaryEndpointAddress": f"master.{i.get('replicationGroupId', name)}.mock01.use1.cache.amazonaws.com",
        "id": i.get("replicationGroupId", name)},
    "aws:elasticache/subnetGroup:SubnetGroup": lambda name, i: {"name": i.get("name", name)},
    # The provider gives a log group's ARN without CloudWatch's trailing ":*" (terraform-provider-aws internal/service/logs, trimLogGroupARNWildcardSuffix).
    # Azure: what ARM answers with (resource IDs, the managed identities' GUIDs, the cluster's OIDC issuer).
    "azure-native:resources:ResourceGroup": lambda name, i: {
        "name": i.get("resourceGroupName", name), "id": _azure_id(i.get("resourceGroupName", name))},
    "azure-native:network:VirtualNetwork": lambda name, i: {
        "name": i.get("virtualNetworkName", name),
        "id": _azure_id(i.get("resourceGroupName", ""), "Microsoft.Network/virtualNetworks", i.get("virtualNetworkName", name))},
    "azure-native:network:Subnet": lambda name, i: {
        "name": i.get("subnetName", name),
        "id": _azure_id(i.get("resourceGroupName", ""), "Microsoft.Network/virtualNetworks",
                        f"{i.get('virtualNetworkName', '')}/subnets/{i.get('subnetName', name)}")},
    "azure-native:containerservice:ManagedCluster": lambda name, i: {
        "name": i.get("resourceName", name),
        "id": _azure_id(i.get("resourceGroupName", ""), "Microsoft.ContainerService/managedClusters",
                        i.get("resourceName", name)),
        "identity": {"type": "SystemAssigned", "principalId": _guid(f"{name}-principal"), "tenantId": TENANT},
        "oidcIssuerProfile": {"enabled": True,
                              "issuerURL": f"https://eastus.oic.prod-aks.azure.com/{TENANT}/{_guid(name)}/"},
        "fqdn": f"{i.get('dnsPrefix', name)}-mock.hcp.eastus.azmk8s.io"},
    "azure-native:containerservice:AgentPool": lambda name, i: {"name": i.get("agentPoolName", name)},
    "azure-native:managedidentity:UserAssignedIdentity": lambda name, i: {
        "name": i.get("resourceName", name), "clientId": _guid(f"{name}-client"),
        "principalId": _guid(f"{name}-principal"), "tenantId": TENANT,
        "id": _azure_id(i.get("resourceGroupName", ""), "Microsoft.ManagedIdentity/userAssignedIdentities",
                        i.get("resourceName", name))},
    # Google Cloud: what the GKE and IAM APIs answer with (self links, the cluster's endpoint and CA, emails).
    "gcp:compute/network:Network": lambda name, i: {
        "name": i.get("name", name), "id": f"projects/{GCP_PROJECT}/global/networks/{i.get('name', name)}"},
    "gcp:compute/subnetwork:Subnetwork": lambda name, i: {
        "name": i.get("name", name),
        "id": f"projects/{GCP_PROJECT}/regions/{i.get('region', '')}/subnetworks/{i.get('name', name)}"},
    "gcp:container/cluster:Cluster": lambda name, i: {
        "name": i.get("name", name), "endpoint": "34.0.0.10" if not (i.get("privateClusterConfig") or {}).get(
            "enablePrivateEndpoint") else "172.16.0.2",
        "masterAuth": {"clusterCaCertificate": "bW9jay1jYQ=="},
        "id": f"projects/{GCP_PROJECT}/locations/{i.get('location', '')}/clusters/{i.get('name', name)}"},
    "gcp:serviceaccount/account:Account": lambda name, i: {
        "email": f"{i.get('accountId', name)}@{GCP_PROJECT}.iam.gserviceaccount.com",
        "name": f"projects/{GCP_PROJECT}/serviceAccounts/{i.get('accountId', name)}@{GCP_PROJECT}.iam.gserviceaccount.com"},
    "aws:cloudwatch/logGroup:LogGroup": lambda name, i: {
        "arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{i.get('name', name)}"},
    # A recognizable stand-in, so tests can show it never leaks into plans, files or logs.
    "random:index/randomPassword:RandomPassword": lambda name, i: {
        "result": mock_password(name, int(i.get("length") or 48))},
}


#: The project the mock Google Cloud answers for.
GCP_PROJECT = "raystack-dev"
#: The subscription and tenant the mock Azure answers for.
SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
TENANT = "00000000-0000-4000-8000-000000000002"


def _guid(seed: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def _azure_id(group: str, kind: str = "", name: str = "") -> str:
    base = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}"
    return f"{base}/providers/{kind}/{name}" if kind else base


def mock_kubeconfig(cluster: str) -> str:
    """The user kubeconfig AKS lists in exec format (kubelogin), base64 as the API returns it."""
    import base64

    text = (f"apiVersion: v1\nkind: Config\nclusters:\n- name: {cluster}\n  cluster:\n    server: "
            f"https://{cluster}-mock.hcp.eastus.azmk8s.io:443\n    certificate-authority-data: bW9jay1jYQ==\n"
            f"contexts:\n- name: {cluster}\n  context: {{cluster: {cluster}, user: clusterUser}}\n"
            f"current-context: {cluster}\nusers:\n- name: clusterUser\n  user:\n    exec:\n"
            "      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n"
            "      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]\n")
    return base64.b64encode(text.encode()).decode()


def mock_password(name: str, length: int = 48) -> str:
    """The value the mock engine gives a RandomPassword named ``name``, of the length it asks for."""
    import hashlib

    return ("mocksecret" + hashlib.sha256(name.encode()).hexdigest() * 2)[:length]


def computed_outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    out = dict(inputs)
    out.setdefault("arn", f"arn:aws:mock:us-east-1:{ACCOUNT}:{typ.split(':')[-1].lower()}/{name}")
    extra = COMPUTED_OUTPUTS.get(typ)
    if extra is not None:
        out.update(extra(name, inputs))
    return out


class RecordingMocks(pmocks.Mocks):
    """Answers registrations with ``computed_outputs`` and the invokes raystack makes."""

    def new_resource(self, args: pmocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.resource_id:  # a read of something that exists: a stack reference, a live object
            if args.typ == "pulumi:pulumi:StackReference":
                if args.resource_id not in LIVE_STACK_OUTPUTS:
                    # The engine fails a reference to a stack it cannot read ("unknown stack"); offline no
                    # stack has a deployment, so its outputs must be given.
                    raise Exception(f"stack reference {args.resource_id!r}: no outputs given for it here; give "
                                    f"them with raystack plan --stack-outputs {args.resource_id}=FILE (FILE: pulumi "
                                    "stack output --json --show-secrets, or raystack plan --format json of that "
                                    "stack), or raystack.testing.stack_outputs in a test")
                return args.resource_id, {"name": args.resource_id, "secretOutputNames": [],
                                          "outputs": LIVE_STACK_OUTPUTS[args.resource_id]}
            if (args.typ, args.resource_id) not in LIVE_OBJECTS:
                # The engine fails a read of something missing (pulumi/pulumi PR #3123); so does the mock.
                raise Exception(f"resource '{args.resource_id}' does not exist")
            return args.resource_id, dict(LIVE_OBJECTS[(args.typ, args.resource_id)])
        return f"{args.name}-id", computed_outputs(args.typ, args.name, dict(args.inputs))

    def call(self, args: pmocks.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        tok = args.token
        if tok.endswith("getAvailabilityZones"):
            return dict(AVAILABILITY_ZONES)
        if tok == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{DEPLOYER_ROLE}/session",
                    "userId": "AROAMOCK:session", "id": ACCOUNT}
        if tok == "aws:iam/getSessionContext:getSessionContext":
            return {"arn": args.args.get("arn"), "issuerArn": f"arn:aws:iam::{ACCOUNT}:role/{DEPLOYER_ROLE}",
                    "issuerId": "AROAMOCK", "issuerName": DEPLOYER_ROLE, "sessionName": "session", "id": "x"}
        if tok == "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
            wanted = {v for f in args.args.get("filters", []) for v in f.get("values", [])}
            offered = sorted({az for it, azs in INSTANCE_TYPE_OFFERINGS.items() if it in wanted for az in azs}
                             if any(it in INSTANCE_TYPE_OFFERINGS for it in wanted) else AVAILABILITY_ZONES["names"])
            return {"locations": offered, "instanceTypes": sorted(wanted), "locationTypes": ["availability-zone"] * len(offered),
                    "id": "offerings"}
        if tok == "aws:ec2/getVpcEndpointService:getVpcEndpointService":
            region = pulumi.Config("aws").get("region") or REGION_WITHOUT_CONFIG
            return {"service": args.args.get("service"), "serviceType": args.args.get("serviceType"), "id": region,
                    "serviceName": f"com.amazonaws.{region}.{args.args.get('service')}"}
        if tok == "aws:eks/getClusters:getClusters":  # ListClusters: the clusters that exist
            return {"names": sorted(LIVE_NODE_GROUPS), "id": "clusters"}
        if tok == "aws:eks/getNodeGroups:getNodeGroups":
            cluster = args.args.get("clusterName", "")
            if cluster not in LIVE_NODE_GROUPS:  # as EKS answers ListNodegroups for a missing cluster
                raise Exception(f"listing EKS Node Groups: ResourceNotFoundException: No cluster found for name: {cluster}.")
            return {"clusterName": cluster, "names": sorted(LIVE_NODE_GROUPS[cluster]), "id": cluster}
        if tok == "aws:eks/getNodeGroup:getNodeGroup":
            cluster, ng = args.args.get("clusterName", ""), args.args.get("nodeGroupName", "")
            if ng not in LIVE_NODE_GROUPS.get(cluster, {}):
                raise Exception(f"reading EKS Node Group: ResourceNotFoundException: No node group found for name: {ng}.")
            desired = LIVE_NODE_GROUPS[cluster][ng]
            return {"clusterName": cluster, "nodeGroupName": ng, "id": f"{cluster}:{ng}",
                    "scalingConfigs": [{"desiredSize": desired, "minSize": 0, "maxSize": max(desired, 1)}]}
        if tok == "aws:index/getPartition:getPartition":
            region = pulumi.Config("aws").get("region") or REGION_WITHOUT_CONFIG
            part = partition_for_region(region)
            return {"partition": part, "id": part}
        if tok == "aws:index/getRegion:getRegion":
            # What the real provider answers: its configured region (aws:region, else the environment).
            region = pulumi.Config("aws").get("region") or REGION_WITHOUT_CONFIG
            return {"name": region, "region": region, "id": region}
        if tok == "azure-native:authorization:getClientConfig":
            return {"clientId": _guid("deployer-client"), "objectId": _guid("deployer"), "subscriptionId": SUBSCRIPTION,
                    "tenantId": TENANT}
        if tok == "azure-native:containerservice:listManagedClusterUserCredentials":
            return {"kubeconfigs": [{"name": "clusterUser", "value": mock_kubeconfig(args.args.get("resourceName", ""))}]}
        if tok.endswith("getCluster"):
            n = args.args.get("name", "existing")
            return {"name": n, "endpoint": f"https://{n}.eks.example.invalid",
                    "certificateAuthorities": [{"data": "bW9jay1jYQ=="}]}
        return {}
