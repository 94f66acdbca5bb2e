"""EksCluster: an EKS control plane with its system node group, or an existing cluster.

Create mode: IAM roles, the control plane (API authentication mode, private
endpoint, audit logs), access entries for admin roles, managed add-ons
(vpc-cni with network policy enforcement, coredns, kube-proxy,
eks-pod-identity-agent), a system node group for the operator and Ray heads,
and a Kubernetes provider built from the cluster's outputs.
Existing mode: only a Kubernetes provider (from a kubeconfig, or from an
existing cluster looked up by name); no AWS resource is created.
"""


import json
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from typing_extensions import NotRequired

from . import versions
from .launch_template import node_launch_template
from .node_images import node_image
from .pools import PoolFacts

ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
NODE_POLICIES = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
)


class EksClusterArgs(TypedDict):
    cluster_name: str
    mode: NotRequired[str]
    """create (default) or existing."""
    kubernetes_version: NotRequired[str]
    region: NotRequired[str]
    private_subnet_ids: NotRequired[pulumi.Input[list[str]]]
    endpoint_public_access: NotRequired[bool]
    public_access_cidrs: NotRequired[list[str]]
    admin_role_arns: NotRequired[list[str]]
    system_pool: NotRequired[dict[str, Any]]
    """Pool facts of the system pool (``PoolFacts.to_dict()``)."""
    system_pool_disk_gib: NotRequired[int]
    protect: NotRequired[bool]
    existing_cluster_name: NotRequired[str]
    kubeconfig: NotRequired[pulumi.Input[str]]
    tags: NotRequired[dict[str, str]]


def _kubeconfig(name: pulumi.Input[str], endpoint: pulumi.Input[str], ca: pulumi.Input[str],
                region: str) -> pulumi.Output[str]:
    def build(parts: list[str]) -> str:
        n, ep, ca_data = parts
        return json.dumps({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": n, "cluster": {"server": ep, "certificate-authority-data": ca_data}}],
            "contexts": [{"name": n, "context": {"cluster": n, "user": n}}],
            "current-context": n,
            "users": [{"name": n, "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", n, "--region", region, "--output", "json"],
            }}}],
        })
    return pulumi.Output.secret(pulumi.Output.all(name, endpoint, ca).apply(build))


def _role(name: str, service: str, policies: tuple[str, ...], tags: dict[str, str],
          parent: pulumi.Resource) -> aws.iam.Role:
    role = aws.iam.Role(
        name,
        assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service}, "Action": ["sts:AssumeRole", "sts:TagSession"]
            if service == "eks.amazonaws.com" else "sts:AssumeRole"}]}),
        tags=tags, opts=pulumi.ResourceOptions(parent=parent))
    for i, arn in enumerate(policies):
        aws.iam.RolePolicyAttachment(f"{name}-{i}", role=role.name, policy_arn=arn,
                                     opts=pulumi.ResourceOptions(parent=role))
    return role


class EksCluster(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    node_role_arn: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("raystack:index:EksCluster", name, {}, opts)
        mode = args.get("mode", "create")
        tags = dict(args.get("tags", {}))
        region = args.get("region") or pulumi.Config("aws").get("region") or "us-east-1"
        self.ready = []
        if mode == "existing":
            self._existing(name, args, region)
        else:
            self._create(name, args, region, tags)
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig,
                                     opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "endpoint": self.endpoint,
            "kubeconfig": self.kubeconfig,
            "node_role_arn": self.node_role_arn,
        })

    def _existing(self, name: str, args: EksClusterArgs, region: str) -> None:
        if args.get("kubeconfig"):
            self.kubeconfig = pulumi.Output.secret(args["kubeconfig"])
            self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
            self.endpoint = pulumi.Output.from_input("")
        else:
            found = aws.eks.get_cluster_output(name=args["existing_cluster_name"],
                                               opts=pulumi.InvokeOptions(parent=self))
            self.cluster_name = found.name
            self.endpoint = found.endpoint
            self.kubeconfig = _kubeconfig(found.name, found.endpoint,
                                          found.certificate_authorities.apply(lambda c: c[0].data), region)
        self.node_role_arn = pulumi.Output.from_input("")
        self.cluster_security_group_id = pulumi.Output.from_input("")

    def _create(self, name: str, args: EksClusterArgs, region: str, tags: dict[str, str]) -> None:
        version = args.get("kubernetes_version", versions.EKS_VERSION)
        cluster_role = _role(f"{name}-cluster-role", "eks.amazonaws.com",
                             ("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",), tags, self)
        node_role = _role(f"{name}-node-role", "ec2.amazonaws.com", NODE_POLICIES, tags, self)
        public = args.get("endpoint_public_access", False)
        cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=args["cluster_name"],
            version=version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=args["private_subnet_ids"],
                endpoint_private_access=True,
                endpoint_public_access=public,
                public_access_cidrs=args.get("public_access_cidrs") if public else None,
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=True,
            ),
            bootstrap_self_managed_addons=False,
            enabled_cluster_log_types=["api", "audit", "authenticator"],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect", False)),
        )
        for i, arn in enumerate(args.get("admin_role_arns", [])):
            entry = aws.eks.AccessEntry(f"{name}-admin-{i}", cluster_name=cluster.name, principal_arn=arn,
                                        type="STANDARD", opts=pulumi.ResourceOptions(parent=self))
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{i}", cluster_name=cluster.name, principal_arn=arn, policy_arn=ADMIN_POLICY,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]))

        def addon(addon_name: str, config: dict[str, Any] | None = None,
                  depends: list[pulumi.Resource] | None = None) -> aws.eks.Addon:
            return aws.eks.Addon(
                f"{name}-{addon_name}", cluster_name=cluster.name, addon_name=addon_name,
                configuration_values=json.dumps(config) if config else None,
                resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
                tags=tags, opts=pulumi.ResourceOptions(parent=self, depends_on=depends or []))

        # Networking add-ons come before nodes: without the CNI no node gets Ready.
        vpc_cni = addon("vpc-cni", {"enableNetworkPolicy": "true"})
        kube_proxy = addon("kube-proxy")
        pod_identity = addon("eks-pod-identity-agent")

        sys_facts = PoolFacts.from_dict(args["system_pool"])
        image = node_image("al2023", "none", sys_facts.architecture)
        lt = node_launch_template(f"{name}-system", self, image_volume_device=image.image_volume_device,
                                  disk_size_gib=args.get("system_pool_disk_gib", 100), tags=tags)
        system = aws.eks.NodeGroup(
            f"{name}-system",
            cluster_name=cluster.name,
            node_group_name=f"{args['cluster_name']}-system",
            node_role_arn=node_role.arn,
            subnet_ids=args["private_subnet_ids"],
            ami_type=image.ami_type,
            instance_types=[sys_facts.instance_type or "m7i.xlarge"],
            capacity_type="ON_DEMAND",
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=sys_facts.min_nodes, max_size=sys_facts.max_nodes, desired_size=sys_facts.min_nodes),
            labels=dict(sys_facts.labels),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=lt.id, version=lt.latest_version.apply(str)),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            version=version,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[vpc_cni, kube_proxy],
                                        ignore_changes=["scalingConfig.desiredSize"]),
        )
        coredns = addon("coredns", {"nodeSelector": dict(sys_facts.node_selector)}, depends=[system])

        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.node_role_arn = node_role.arn
        self.cluster_security_group_id = cluster.vpc_config.cluster_security_group_id
        self.kubeconfig = _kubeconfig(cluster.name, cluster.endpoint,
                                      cluster.certificate_authority.apply(lambda c: c["data"] if isinstance(c, dict)
                                                                          else c.data),
                                      region)
        self.ready = [system, coredns, pod_identity, vpc_cni]
