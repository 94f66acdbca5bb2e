"""A simulated AWS account: what EKS, EC2 and IAM answer across runs.

VPCs and subnets live in moto (an independent emulator: it answers ``InvalidSubnet.Conflict`` for a
CIDR still in use, ``DependencyViolation`` for a VPC with subnets). EKS is encoded here, one rule per
function, each citing its source; every error code is checked against botocore's service model of
the operation (an error the real API cannot return is a bug in the simulation, raised as such).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from .ec2 import Held
from .errors import CloudError, NotModelled

ACCOUNT = "123456789012"
#: AZ name -> zone ID, as one us-east-1 account maps them. use1-az3 is an ID EKS refuses for control
#: planes (EKS user guide, network-reqs: "us-east-1 use1-az3").
DEFAULT_ZONES = {"us-east-1a": "use1-az1", "us-east-1b": "use1-az2", "us-east-1c": "use1-az4",
                 "us-east-1d": "use1-az3", "us-east-1e": "use1-az6"}
ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
VIEW_POLICIES = ("AmazonEKSViewPolicy", "AmazonEKSAdminViewPolicy", "AmazonEKSAdminPolicy", ADMIN_POLICY)
_counter = itertools.count(1)


@dataclass(frozen=True)
class Identity:
    """Who runs a preview or up: an IAM role, and the address its requests come from."""

    name: str
    account: str = ACCOUNT
    #: Where the runner's traffic to the EKS API comes from (a CIDR rule or publicAccessCidrs must admit it).
    source_ip: str = "10.0.200.10"
    #: Whether the runner's network routes into the cluster's VPC (in it, peered or on a VPN).
    routes_into_vpc: bool = True
    #: A role with only read permissions (AWS ReadOnlyAccess: Describe*, List*, Get*): previews,
    #: refreshes and invokes work, every create, update and delete is AccessDenied.
    read_only: bool = False

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role/{self.name}"


def botocore_error(service: str, operation: str, code: str, message: str, source: str) -> CloudError:
    """A CloudError whose code botocore's model declares for the operation (else the simulation is wrong)."""
    try:
        import botocore.session
    except ImportError:  # the harness then trusts its own table (botocore comes with moto/boto3)
        return CloudError(code, message, source)
    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    if code not in {e.name for e in model.error_shapes} and not code.startswith("InvalidSubnet"):
        raise NotModelled(f"{service}:{operation} cannot return {code} (botocore's model)")
    return CloudError(code, message, source)


@dataclass
class NodeGroup:
    name: str
    min_size: int
    max_size: int
    desired_size: int
    version: str
    capacity_type: str
    subnet_ids: list[str]
    labels: dict[str, str]
    status: str = "ACTIVE"
    #: The launch template the group's nodes launch from (its id).
    launch_template: str = ""


@dataclass
class EksCluster:
    name: str
    version: str
    creator_arn: str
    endpoint_public: bool
    public_cidrs: list[str]
    security_group_id: str
    subnet_ids: list[str]
    nodegroups: dict[str, NodeGroup] = field(default_factory=dict)
    #: principal ARN -> associated access policy names.
    access_entries: dict[str, set[str]] = field(default_factory=dict)
    pod_identity: dict[tuple[str, str], str] = field(default_factory=dict)
    addons: dict[str, str] = field(default_factory=dict)
    #: CIDRs admitted on 443 by the cluster security group (SecurityGroupIngressRule).
    api_ingress: dict[str, str] = field(default_factory=dict)


class Aws:
    """One account in one region."""

    def __init__(self, region: str = "us-east-1", zones: dict[str, str] | None = None):
        self.region = region
        self.zones = dict(zones or DEFAULT_ZONES)
        #: Instance type -> AZs offering it; a type not listed is offered in every AZ.
        self.offerings: dict[str, list[str]] = {}
        self.clusters: dict[str, EksCluster] = {}
        #: Tags raystack put on EC2 resources by id (subnets' own, aws.ec2.Tag's): what Karpenter discovers by.
        self.tags: dict[str, dict[str, str]] = {}
        #: Instances Karpenter launched (lifecycle/karpenter.py): id -> subnet, type, capacity, NodeClaim.
        self.karpenter_instances: dict[str, dict[str, str]] = {}
        #: Instance types with no Spot capacity now (InsufficientInstanceCapacity for Spot).
        self.spot_unavailable: set[str] = set()
        #: Access entry principal -> its type (STANDARD, EC2_LINUX, ...).
        self.access_entry_types: dict[str, str] = {}
        self.log_groups: set[str] = set()
        #: Log group name -> the streams written to it (testing.lifecycle.logs).
        self.log_streams: dict[str, set[str]] = {}
        #: Route table id -> (its VPC id, the destination CIDRs of its routes); the local route is implied.
        self.route_tables: dict[str, tuple[str, list[str]]] = {}
        #: Subnet ids -> (VPC id, the VPC's CIDR) of each VPC they are in: neither ever changes for a subnet
        #: that exists (EC2 has no call that moves a subnet or replaces a VPC's primary CIDR), so it is read once.
        self._subnet_vpcs: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        #: Launch templates, and the placement and security groups running nodes hold through them.
        self.held = Held(self.clusters)
        from .elasticache import ElastiCache  # it imports this module

        self.elasticache = ElastiCache(self.held)
        #: Addon versions EKS installs by default for new add-ons.
        self.addon_default = "v1.0.0-eksbuild.1"
        self._ec2: Any = None
        self._moto: Any = None

    # -- moto: VPCs and subnets ---------------------------------------------------------------------
    def ec2(self) -> Any:
        if self._ec2 is None:
            import boto3
            from moto import mock_aws

            self._moto = mock_aws()
            self._moto.start()
            self._ec2 = boto3.client("ec2", region_name=self.region, aws_access_key_id="testing",
                                     aws_secret_access_key="testing")  # noqa: S106 (moto's dummy credentials)
        return self._ec2

    def close(self) -> None:
        if self._moto is not None:
            self._moto.stop()
            self._moto, self._ec2 = None, None

    def _ec2_call(self, op: str, **kw: Any) -> Any:
        from botocore.exceptions import ClientError

        try:
            return getattr(self.ec2(), op)(**kw)
        except ClientError as e:
            err = e.response["Error"]
            raise CloudError(err["Code"], err["Message"], "moto ec2") from None

    # -- CloudWatch log groups (not moto: its backends are shared by every account object in a process) --
    def create_log_group(self, name: str) -> None:
        if name in self.log_groups:
            raise botocore_error("logs", "CreateLogGroup", "ResourceAlreadyExistsException",
                                 "The specified log group already exists", "CloudWatch Logs API reference, CreateLogGroup")
        self.log_groups.add(name)

    def delete_log_group(self, name: str) -> None:
        """terraform-provider-aws internal/service/logs/group.go resourceGroupDelete: ResourceNotFoundException
        (a group deleted by hand) counts as deleted."""
        self.log_groups.discard(name)
        self.log_streams.pop(name, None)  # DeleteLogGroup: "All log events ... are permanently deleted"

    def create_vpc(self, cidr: str) -> str:
        return str(self._ec2_call("create_vpc", CidrBlock=cidr)["Vpc"]["VpcId"])

    def delete_vpc(self, vpc_id: str) -> None:
        self._ec2_call("delete_vpc", VpcId=vpc_id)

    def create_subnet(self, vpc_id: str, cidr: str, az: str) -> str:
        if az not in self.zones:
            raise CloudError("InvalidParameterValue", f"Value ({az}) for parameter availabilityZone is invalid",
                             "EC2 API reference, CreateSubnet")
        return str(self._ec2_call("create_subnet", VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=az)
                   ["Subnet"]["SubnetId"])

    def delete_subnet(self, subnet_id: str) -> None:
        """EC2 DeleteSubnet: "You must terminate all running instances in the subnet before you can delete the
        subnet" (EC2 API reference); terraform-provider-aws retries DependencyViolation until its timeout."""
        running = sorted(i for i, inst in self.karpenter_instances.items() if inst["subnet"] == subnet_id)
        if running:
            raise CloudError("DependencyViolation", f"The subnet '{subnet_id}' has dependencies and cannot be deleted: "
                             f"instances {running} run in it", "EC2 API reference, DeleteSubnet")
        self.tags.pop(subnet_id, None)
        self._subnet_vpcs = {k: v for k, v in self._subnet_vpcs.items() if subnet_id not in k}
        self._ec2_call("delete_subnet", SubnetId=subnet_id)

    def subnet_az(self, subnet_id: str) -> str:
        return str(self._ec2_call("describe_subnets", SubnetIds=[subnet_id])["Subnets"][0]["AvailabilityZone"])

    # -- invokes --------------------------------------------------------------------------------------
    def availability_zones(self, exclude_zone_ids: list[str]) -> dict[str, Any]:
        zones = [(n, z) for n, z in sorted(self.zones.items()) if z not in exclude_zone_ids]
        return {"names": [n for n, _ in zones], "zoneIds": [z for _, z in zones], "id": self.region}

    def instance_type_offerings(self, types: list[str]) -> list[str]:
        out: set[str] = set()
        for t in types:
            out |= set(self.offerings.get(t, self.zones))
        return sorted(out)

    def cluster(self, name: str, operation: str) -> EksCluster:
        """EKS answers ResourceNotFoundException for any call naming a cluster that does not exist
        ("No cluster found for name: X.", terraform-aws-eks#793; botocore: ListNodegroups,
        DescribeNodegroup, DescribeCluster... declare it)."""
        found = self.clusters.get(name)
        if found is None:
            raise botocore_error("eks", operation, "ResourceNotFoundException", f"No cluster found for name: {name}.",
                                 "botocore eks model; terraform-aws-eks#793")
        return found

    def list_clusters(self) -> list[str]:
        """ListClusters never fails for a missing cluster (botocore: no ResourceNotFoundException)."""
        return sorted(self.clusters)

    def list_nodegroups(self, cluster: str) -> list[str]:
        return sorted(self.cluster(cluster, "ListNodegroups").nodegroups)

    def describe_nodegroup(self, cluster: str, name: str) -> NodeGroup:
        ng = self.cluster(cluster, "DescribeNodegroup").nodegroups.get(name)
        if ng is None:
            raise botocore_error("eks", "DescribeNodegroup", "ResourceNotFoundException",
                                 f"No node group found for name: {name}.", "botocore eks model")
        return ng

    # -- EKS rules ------------------------------------------------------------------------------------
    def create_cluster(self, name: str, version: str, creator: Identity, *, subnet_ids: list[str],
                       endpoint_public: bool, public_cidrs: list[str], bootstrap_admin: bool,
                       log_types: list[str] | None = None) -> EksCluster:
        if name in self.clusters:
            raise botocore_error("eks", "CreateCluster", "ResourceInUseException", f"Cluster already exists with name: {name}",
                                 "EKS API reference, CreateCluster")
        for s in subnet_ids:
            az = self.subnet_az(s)
            if self.zones.get(az) in ("use1-az3", "usw1-az2", "cac1-az3"):
                # EKS user guide, network-reqs: control-plane subnets may not be in these zone IDs.
                raise botocore_error("eks", "CreateCluster", "UnsupportedAvailabilityZoneException",
                                     f"Cannot create cluster {name} because {az} does not currently have "
                                     "sufficient capacity to support the cluster", "EKS user guide, network-reqs")
        c = EksCluster(name, version, creator.arn, endpoint_public, list(public_cidrs), f"sg-{next(_counter):08x}",
                       list(subnet_ids))
        if bootstrap_admin:
            # accessConfig.bootstrapClusterCreatorAdminPermissions: the creating principal gets an access
            # entry with AmazonEKSClusterAdminPolicy (EKS user guide, access-entries, "cluster creator").
            c.access_entries[creator.arn] = {ADMIN_POLICY}
        self.clusters[name] = c
        if log_types and f"/aws/eks/{name}/cluster" not in self.log_groups:
            # EKS user guide, control-plane-logs: logs go to /aws/eks/<cluster>/cluster, which EKS creates
            # (with no retention) when it is missing; DeleteCluster does not delete it.
            self.create_log_group(f"/aws/eks/{name}/cluster")
        return c

    def delete_cluster(self, name: str) -> None:
        c = self.cluster(name, "DeleteCluster")
        if c.nodegroups:
            raise botocore_error("eks", "DeleteCluster", "ResourceInUseException",
                                 f"Cluster has nodegroups attached: {sorted(c.nodegroups)}", "EKS API reference, DeleteCluster")
        del self.clusters[name]

    @staticmethod
    def check_scaling(operation: str, min_size: int, max_size: int, desired: int) -> None:
        """EKS refuses a scaling config outside min <= desired <= max ("Minimum capacity 2 can't be
        greater than desired size 1": terraform-aws-eks#3683, #944; EKS API NodegroupScalingConfig)."""
        if min_size > desired:
            raise botocore_error("eks", operation, "InvalidParameterException",
                                 f"Minimum capacity {min_size} can't be greater than desired size {desired}",
                                 "terraform-aws-eks#3683")
        if desired > max_size:
            raise botocore_error("eks", operation, "InvalidParameterException",
                                 f"Desired capacity {desired} can't be greater than max size {max_size}",
                                 "EKS API reference, NodegroupScalingConfig")

    def create_nodegroup(self, cluster: str, name: str, *, min_size: int, max_size: int, desired: int, version: str,
                         capacity_type: str, subnet_ids: list[str], labels: dict[str, str],
                         launch_template: str = "") -> NodeGroup:
        c = self.cluster(cluster, "CreateNodegroup")
        if name in c.nodegroups:
            raise botocore_error("eks", "CreateNodegroup", "ResourceInUseException", f"NodeGroup already exists with name {name}",
                                 "EKS API reference, CreateNodegroup")
        self.check_scaling("CreateNodegroup", min_size, max_size, desired)
        for s in subnet_ids:
            self.subnet_az(s)  # moto: InvalidSubnetID.NotFound for a subnet that is gone
        ng = NodeGroup(name, min_size, max_size, desired, version, capacity_type, list(subnet_ids), dict(labels),
                       launch_template=launch_template)
        c.nodegroups[name] = ng
        return ng

    def update_nodegroup_config(self, cluster: str, name: str, *, min_size: int, max_size: int, desired: int,
                                labels: dict[str, str]) -> None:
        ng = self._live_nodegroup(cluster, name, "UpdateNodegroupConfig")
        self.check_scaling("UpdateNodegroupConfig", min_size, max_size, desired)
        ng.min_size, ng.max_size, ng.desired_size, ng.labels = min_size, max_size, desired, dict(labels)

    def update_nodegroup_version(self, cluster: str, name: str, version: str, launch_template: str = "") -> None:
        ng = self._live_nodegroup(cluster, name, "UpdateNodegroupVersion")
        if ng.capacity_type == "CAPACITY_BLOCK" and ng.desired_size > 0:
            # capacity-blocks-mng.adoc (amazon-eks-user-guide@4d52b4d): "make sure that the desired size of the
            # node group is set to 0" before updating; a rolling update needs new nodes the block cannot supply
            # (managed-node-update-behavior.adoc). The exact error text is not documented.
            raise botocore_error("eks", "UpdateNodegroupVersion", "InvalidRequestException",
                                 f"Capacity Block node group {name} has {ng.desired_size} nodes: scale it to 0 first",
                                 "amazon-eks-user-guide capacity-blocks-mng.adoc")
        ng.version, ng.launch_template = version, launch_template or ng.launch_template

    def _live_nodegroup(self, cluster: str, name: str, operation: str) -> NodeGroup:
        ng = self.cluster(cluster, operation).nodegroups.get(name)
        if ng is None:
            raise botocore_error("eks", operation, "ResourceNotFoundException", f"No node group found for name: {name}.",
                                 "botocore eks model")
        return ng

    def delete_nodegroup(self, cluster: str, name: str) -> None:
        c = self.cluster(cluster, "DeleteNodegroup")
        if name not in c.nodegroups:
            raise botocore_error("eks", "DeleteNodegroup", "ResourceNotFoundException", f"No node group found for name: {name}.",
                                 "botocore eks model")
        del c.nodegroups[name]

    def create_access_entry(self, cluster: str, principal: str) -> None:
        """One access entry per principal: "An IAM principal can't be included in more than one access
        entry" (EKS user guide, creating-access-entries); the creator already has one when bootstrapped."""
        c = self.cluster(cluster, "CreateAccessEntry")
        if principal in c.access_entries:
            raise botocore_error("eks", "CreateAccessEntry", "ResourceInUseException",
                                 f"The specified access entry resource is already in use on this cluster: {principal}",
                                 "EKS user guide, creating-access-entries")
        c.access_entries[principal] = set()

    def delete_access_entry(self, cluster: str, principal: str) -> None:
        c = self.cluster(cluster, "DeleteAccessEntry")
        if c.access_entries.pop(principal, None) is None:
            raise botocore_error("eks", "DeleteAccessEntry", "ResourceNotFoundException", f"No access entry for {principal}",
                                 "botocore eks model")

    def associate_access_policy(self, cluster: str, principal: str, policy_arn: str) -> None:
        c = self.cluster(cluster, "AssociateAccessPolicy")
        if principal not in c.access_entries:
            raise botocore_error("eks", "AssociateAccessPolicy", "ResourceNotFoundException",
                                 f"The specified principalArn could not be found: {principal}", "botocore eks model")
        c.access_entries[principal].add(policy_arn.rsplit("/", 1)[-1])

    def disassociate_access_policy(self, cluster: str, principal: str, policy_arn: str) -> None:
        c = self.clusters.get(cluster)
        if c is not None and principal in c.access_entries:
            c.access_entries[principal].discard(policy_arn.rsplit("/", 1)[-1])

    def create_pod_identity_association(self, cluster: str, namespace: str, sa: str, role: str) -> None:
        """One association per (namespace, service account) in a cluster (EKS user guide,
        pod-id-association: "You can associate one IAM role to each Kubernetes service account");
        the exact message is not documented."""
        c = self.cluster(cluster, "CreatePodIdentityAssociation")
        if (namespace, sa) in c.pod_identity:
            raise botocore_error("eks", "CreatePodIdentityAssociation", "ResourceInUseException",
                                 f"Association already exists for {namespace}/{sa}", "EKS user guide, pod-id-association")
        c.pod_identity[(namespace, sa)] = role

    def delete_pod_identity_association(self, cluster: str, namespace: str, sa: str) -> None:
        c = self.clusters.get(cluster)
        if c is not None:
            c.pod_identity.pop((namespace, sa), None)

    def upgrade_addon(self, cluster: str, addon: str, version: str) -> None:
        """An event: EKS moves a managed add-on to another version (an auto-update, or someone in the console)."""
        c = self.cluster(cluster, "UpdateAddon")
        if addon not in c.addons:
            raise botocore_error("eks", "UpdateAddon", "ResourceNotFoundException", f"No addon: {addon}",
                                 "botocore eks model")
        c.addons[addon] = version

    # -- what the Kubernetes API of an EKS cluster admits -----------------------------------------------
    def api_reachable(self, cluster: str, who: Identity) -> str | None:
        """None when ``who`` reaches the cluster's API, else why not. Private endpoint: the cluster
        security group must admit the source on 443 and the network must route into the VPC; public:
        publicAccessCidrs must contain it (EKS user guide, cluster-endpoint)."""
        import ipaddress

        c = self.clusters.get(cluster)
        if c is None:
            return f"EKS cluster {cluster} does not exist"
        ip = ipaddress.ip_address(who.source_ip)
        if c.endpoint_public and any(ip in ipaddress.ip_network(n) for n in c.public_cidrs):
            return None
        if who.routes_into_vpc and any(ip in ipaddress.ip_network(n) for n in c.api_ingress):
            return self._no_route_back(c, ip)
        return (f"dial tcp {cluster} endpoint:443: i/o timeout ({who.source_ip} is admitted by neither "
                "publicAccessCidrs nor a 443 rule of the cluster security group)")

    def _no_route_back(self, c: EksCluster, ip: Any) -> str | None:
        """A runner outside the VPC (peered, VPN) gets answers only if the cluster's VPC routes back to it: a
        route table route to a CIDR holding its address (VPC user guide, route tables: the most specific route
        wins; a default route leads to the internet, not to the peer). A VPC the stack did not create is the
        user's to route."""
        import ipaddress

        key = tuple(c.subnet_ids)
        if key not in self._subnet_vpcs:
            try:
                subnets = self._ec2_call("describe_subnets", SubnetIds=list(c.subnet_ids))["Subnets"]
            except CloudError:
                return None  # an existing VPC's subnets: not simulated
            self._subnet_vpcs[key] = [(v, self._ec2_call("describe_vpcs", VpcIds=[v])["Vpcs"][0]["CidrBlock"])
                                      for v in sorted({s["VpcId"] for s in subnets})]
        for vpc_id, vpc_cidr in self._subnet_vpcs[key]:
            if ip in ipaddress.ip_network(vpc_cidr) or any(
                    ip in ipaddress.ip_network(d) and ipaddress.ip_network(d).prefixlen > 0
                    for v, dests in self.route_tables.values() if v == vpc_id for d in dests):
                return None
        return (f"dial tcp {c.name} endpoint:443: i/o timeout (no route from the VPC back to {ip}: list its network "
                "in network.returnRoutes)")

    def authorized(self, cluster: str, who: Identity, write: bool) -> str | None:
        """None when ``who`` may read (or write) through its access entry, else the API's answer.
        authenticationMode API: a principal without an entry gets 401 (EKS user guide, access-entries)."""
        c = self.clusters.get(cluster)
        if c is None:
            return f"EKS cluster {cluster} does not exist"
        policies = c.access_entries.get(who.arn)
        if policies is None:
            return "the server has asked for the client to provide credentials (401 Unauthorized)"
        if ADMIN_POLICY in policies or (not write and policies & set(VIEW_POLICIES)):
            return None
        return f"forbidden (403): {who.arn} has no access policy allowing {'writes' if write else 'reads'}"


def node_group_name(prefix: str | None, name: str | None) -> str:
    """terraform-plugin-sdk helper/id.PrefixedUniqueId: prefix + 18-digit UTC timestamp (to 1e-4 s) + an
    8-hex-digit counter (UniqueIDSuffixLength 26); a fixed name is used as given."""
    if name:
        return name
    n = next(_counter)
    return f"{prefix}2026120400000{n:05d}{n:08x}"

