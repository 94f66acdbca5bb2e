"""The invokes and reads a program makes, answered from the simulated account and clusters."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pulumi

from ...clouds.aws.partitions import partition_for_region
from .azure import SUBSCRIPTION, TENANT, object_id
from .errors import EngineError, NotModelled
from .state import _kube_key

if TYPE_CHECKING:
    from .aws import Aws, Identity
    from .azure import Azure
    from .gcp import Gcp
    from .kube import KubeCluster
    from .state import StateResource


class Calls:
    aws: Aws
    azure: Azure
    gcp: Gcp
    identity: Identity
    outputs: dict[str, Any]
    other_stacks: dict[str, dict[str, Any]]
    project: str
    stack: str

    def _kube_target(self, ref: str, urn: str) -> tuple[KubeCluster, bool]:
        raise NotImplementedError

    def _kube_access(self, kc: KubeCluster, write: bool) -> None:
        raise NotImplementedError

    def _read_live(self, r: StateResource) -> dict[str, Any] | None:
        if r.type.startswith("kubernetes:") and r.custom and not r.type.startswith("kubernetes:helm") \
                and not r.type.startswith("kubernetes:yaml"):
            kc, _ = self._kube_target(r.provider, r.urn)
            self._kube_access(kc, write=False)
            obj = kc.get(_kube_key(r.type, r.inputs))
            return None if obj is None else obj.live()
        if r.type == "aws:eks/nodeGroup:NodeGroup":
            c = self.aws.clusters.get(r.inputs.get("clusterName", ""))
            ng = c.nodegroups.get(r.outputs.get("nodeGroupName", "")) if c else None
            if ng is None:
                return None
            out = copy.deepcopy(r.outputs)
            out["scalingConfig"] = {"minSize": ng.min_size, "maxSize": ng.max_size, "desiredSize": ng.desired_size}
            return out
        if r.type == "aws:cloudwatch/logGroup:LogGroup":  # logs/group.go resourceGroupRead: NotFound leaves state
            return r.outputs if r.inputs.get("name") in self.aws.log_groups else None
        if r.type == "aws:eks/cluster:Cluster":
            return r.outputs if r.inputs.get("name") in self.aws.clusters else None
        if r.type == "azure-native:containerservice:AgentPool":  # a refresh reads the autoscaler's count
            aks = self.azure.clusters.get(r.inputs.get("resourceName", ""))
            if aks is None or r.inputs.get("agentPoolName") not in aks.pools:
                return None
            return {**r.outputs, "count": aks.pools[r.inputs["agentPoolName"]]}
        if r.type.startswith("azure-native:"):  # ARM answers a GET of what is gone with 404: the state drops it
            return r.outputs if r.id in self.azure.resources else None
        if r.type == "gcp:container/nodePool:NodePool":  # a refresh reads the autoscaler's count (node_count)
            gke = self.gcp.clusters.get(r.inputs.get("cluster", ""))
            if gke is None or r.inputs.get("name") not in gke.pools:
                return None
            # pulumi-gcp 10.2.0 NodePool.initial_node_count: "Resizing your node pool manually may change this value
            # in your existing cluster, which will trigger destruction and recreation": the harness takes the worse case.
            n = gke.pools[r.inputs["name"]]
            return {**r.outputs, "nodeCount": n, "initialNodeCount": n}
        if r.type.startswith("gcp:"):  # the provider's Read of a 404 drops the resource from state
            return r.outputs if r.id in self.gcp.resources else None
        if r.type == "aws:ec2/tag:Tag":  # ec2/tag.go Read: a tag gone (or changed) from the resource drops it
            value = self.aws.tags.get(r.inputs.get("resourceId", ""), {}).get(r.inputs.get("key", ""))
            return r.outputs if value == r.inputs.get("value") else None
        if r.type == "aws:ec2/subnet:Subnet" and r.id in self.aws.tags:  # a refresh reads the subnet's tags as they are
            return {**r.outputs, "tags": dict(self.aws.tags[r.id])}
        if r.type in ("aws:eks/accessEntry:AccessEntry", "aws:eks/podIdentityAssociation:PodIdentityAssociation"):
            # eks/access_entry.go and pod_identity_association.go Read: NotFound drops it from state.
            c = self.aws.clusters.get(r.inputs.get("clusterName", ""))
            there = c is not None and (r.inputs.get("principalArn") in c.access_entries if "principalArn" in r.inputs
                                       else (r.inputs.get("namespace"), r.inputs.get("serviceAccount")) in c.pod_identity)
            return r.outputs if there else None
        if r.type == "aws:eks/addon:Addon":  # addon_version is Optional+Computed: a refresh reads EKS's
            c = self.aws.clusters.get(r.inputs.get("clusterName", ""))
            if c is None or r.inputs.get("addonName") not in c.addons:
                return None
            return {**r.outputs, "addonVersion": c.addons[r.inputs["addonName"]]}
        return r.outputs

    # -- invokes and reads -----------------------------------------------------------------------------
    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        a = self.aws
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return a.availability_zones(list(args.get("excludeZoneIds") or []))
        if token == "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
            types = [v for f in args.get("filters") or [] if f.get("name") == "instance-type" for v in f["values"]]
            locs = a.instance_type_offerings(types)
            return {"locations": locs, "instanceTypes": types, "locationTypes": ["availability-zone"] * len(locs),
                    "id": a.region}
        if token == "aws:ec2/getVpcEndpointService:getVpcEndpointService":
            return {"service": args.get("service"), "serviceType": args.get("serviceType"), "id": a.region,
                    "serviceName": f"com.amazonaws.{a.region}.{args.get('service')}"}
        if token == "aws:eks/getClusters:getClusters":
            return {"names": a.list_clusters(), "id": a.region}
        if token == "aws:eks/getNodeGroups:getNodeGroups":
            return {"clusterName": args["clusterName"], "names": a.list_nodegroups(args["clusterName"]),
                    "id": args["clusterName"]}
        if token == "aws:eks/getNodeGroup:getNodeGroup":
            ng = a.describe_nodegroup(args["clusterName"], args["nodeGroupName"])
            return {"clusterName": args["clusterName"], "nodeGroupName": ng.name, "id": ng.name,
                    "scalingConfigs": [{"minSize": ng.min_size, "maxSize": ng.max_size, "desiredSize": ng.desired_size}]}
        if token == "aws:eks/getCluster:getCluster":
            c = a.cluster(args["name"], "DescribeCluster")
            return {"name": c.name, "endpoint": f"https://{c.name}.eks.example.invalid", "version": c.version,
                    "certificateAuthorities": [{"data": "bW9jay1jYQ=="}], "id": c.name}
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            who = self.identity
            return {"accountId": who.account, "arn": f"arn:aws:sts::{who.account}:assumed-role/{who.name}/session",
                    "userId": "AROASIM:session", "id": who.account}
        if token == "aws:iam/getSessionContext:getSessionContext":
            who = self.identity
            return {"arn": args.get("arn"), "issuerArn": who.arn, "issuerId": "AROASIM", "issuerName": who.name,
                    "sessionName": "session", "id": who.arn}
        if token == "aws:index/getRegion:getRegion":
            return {"name": a.region, "region": a.region, "id": a.region}
        if token == "aws:index/getPartition:getPartition":
            part = partition_for_region(a.region)  # the provider's own region, no API call
            return {"partition": part, "id": part}
        if token == "azure-native:authorization:getClientConfig":  # who runs: Entra knows them
            oid = object_id(self.identity.name)
            self.azure.principals.add(oid)
            return {"clientId": oid, "objectId": oid, "subscriptionId": SUBSCRIPTION, "tenantId": TENANT}
        if token == "azure-native:containerservice:listManagedClusterUserCredentials":
            return self.azure.credentials(args["resourceGroupName"], args["resourceName"])
        raise NotModelled(f"invoke {token}")

    def read(self, typ: str, ident: str, provider: str) -> dict[str, Any]:
        if typ == "pulumi:pulumi:StackReference":
            own = f"{pulumi.get_organization() or 'organization'}/{self.project}/{self.stack}"
            if ident in (own, f"{self.project}/{self.stack}", self.stack):
                outputs = self.outputs
            elif ident in self.other_stacks:
                outputs = self.other_stacks[ident]
            else:
                raise EngineError(f"unknown stack {ident!r}")
            return {"name": ident, "outputs": copy.deepcopy(outputs), "secretOutputNames": []}
        if typ.startswith("kubernetes:"):
            kc, _ = self._kube_target(provider, ident)
            self._kube_access(kc, write=False)
            ns, _, name = ident.rpartition("/")
            kind = typ.rsplit(":", 1)[1]
            obj = kc.get((kind, ns, name))
            if obj is None:
                # pulumi/pulumi PR #3123, step.go: a read whose provider finds nothing fails the update.
                raise EngineError(f"reading {typ} {ident}: resource '{ident}' does not exist")
            return obj.live()
        raise NotModelled(f"read of {typ}")


