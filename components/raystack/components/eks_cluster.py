"""EksCluster: an EKS control plane with its system node group, or an existing cluster.

Create mode: IAM roles, the control plane (API authentication mode, private
endpoint, audit logs), access entries for admin roles, managed add-ons
(vpc-cni with network policy enforcement, coredns, kube-proxy,
eks-pod-identity-agent), a system node group for the operator and Ray heads,
and a Kubernetes provider built from the cluster's outputs.
Existing mode: only a Kubernetes provider (from a kubeconfig, or from an
existing cluster looked up by name); no AWS resource is created.
"""


from typing import TypedDict

import pulumi
import pulumi_kubernetes as k8s
from typing_extensions import NotRequired

from ..clouds.aws.eks import EksOutputs, build_cluster, lookup_cluster, provider_region
from ..model import defaults
from ..model.platform import NodePool
from ..model.resolve import resolve_system_pool
from ..spec.types import ClusterMode, SystemPoolSpec


class EksClusterArgs(TypedDict):
    """Inputs of an EksCluster."""

    cluster_name: str
    """EKS cluster name (create mode) or a label for the attached cluster (existing mode)."""
    mode: NotRequired[ClusterMode]
    """create (default) or existing."""
    kubernetes_version: NotRequired[str]
    """EKS Kubernetes minor (default in raystack.versions)."""
    region: NotRequired[str]
    """AWS region for the kubeconfig's token command (default: the AWS provider's region)."""
    private_subnet_ids: NotRequired[pulumi.Input[list[str]]]
    """Private subnets of the control plane and the system node group (create mode; required there)."""
    endpoint_public_access: NotRequired[bool]
    """Open the API endpoint beyond the VPC (default false)."""
    public_access_cidrs: NotRequired[list[str]]
    """CIDRs that may reach a public endpoint."""
    api_ingress_cidrs: NotRequired[list[str]]
    """Networks allowed to reach a private endpoint on 443 (where `pulumi up` runs)."""
    admin_role_arns: NotRequired[list[str]]
    """IAM roles given cluster-admin through access entries."""
    viewer_role_arns: NotRequired[list[str]]
    """IAM roles given read-only access (AmazonEKSViewPolicy) through access entries: CI preview roles."""
    system_pool: NotRequired[SystemPoolSpec]
    """The system node group (defaults: m7i.xlarge, 2..3 nodes, 100 GiB)."""
    protect: NotRequired[bool]
    """Protect the control plane from deletion (default false)."""
    log_retention_days: NotRequired[int]
    """Days the control plane's CloudWatch log group keeps events (default 90)."""
    existing_cluster_name: NotRequired[str]
    """Existing mode: attach to this EKS cluster (read-only lookup)."""
    kubeconfig: NotRequired[pulumi.Input[str]]
    """Existing mode: a kubeconfig path or its contents (kept secret)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every AWS resource."""


class EksCluster(pulumi.ComponentResource):
    """An EKS cluster ready for Ray (created), or an existing cluster to deploy into (attached)."""

    cluster_name: pulumi.Output[str]
    """The cluster's name."""
    endpoint: pulumi.Output[str]
    """The API server endpoint (empty when attached through a kubeconfig)."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig (secret) using `aws eks get-token`."""
    node_role_arn: pulumi.Output[str]
    """IAM role of the nodes (empty for an existing cluster)."""
    cluster_security_group_id: pulumi.Output[str]
    """EKS's cluster security group (empty for an existing cluster)."""
    vpc_id: pulumi.Output[str]
    """The cluster's VPC (empty for an existing cluster)."""

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        a = defaults.fill(EksClusterArgs, args)
        system = None
        if a["mode"] == "create":  # validated before anything is registered
            system = resolve_system_pool(dict(a["system_pool"]), a["cluster_name"])
        super().__init__("raystack:index:EksCluster", name, {}, opts)
        if system is not None or not a.get("kubeconfig"):  # AWS is involved: the provider's region
            region: pulumi.Input[str] = a.get("region") or provider_region(self)  # optional
        if system is not None:
            out = build_cluster(self, name, cluster_name=a["cluster_name"],
                                kubernetes_version=a["kubernetes_version"], region=region,
                                private_subnet_ids=a["private_subnet_ids"],
                                endpoint_public_access=a["endpoint_public_access"],
                                public_access_cidrs=list(a["public_access_cidrs"]),
                                api_ingress_cidrs=list(a["api_ingress_cidrs"]),
                                admin_role_arns=list(a["admin_role_arns"]),
                                viewer_role_arns=list(a["viewer_role_arns"]), system_pool=system,
                                protect=a["protect"], log_retention_days=a["log_retention_days"],
                                tags=dict(a["tags"]))
        elif a.get("kubeconfig"):  # existing mode, by kubeconfig
            empty = pulumi.Output.from_input("")
            out = EksOutputs(cluster_name=pulumi.Output.from_input(a["cluster_name"]), endpoint=empty,
                             kubeconfig=pulumi.Output.secret(a["kubeconfig"]), node_role_arn=empty,
                             cluster_security_group_id=empty)
        else:  # existing mode, by name
            out = lookup_cluster(self, a["existing_cluster_name"], region)
        self._finish(name, out, upsert=system is None)

    @classmethod
    def _from_model(cls, name: str, *, cluster_name: str, kubernetes_version: str, region: pulumi.Input[str],
                    private_subnet_ids: pulumi.Input[list[str]], endpoint_public_access: bool,
                    public_access_cidrs: list[str], api_ingress_cidrs: list[str], admin_role_arns: list[str],
                    viewer_role_arns: list[str], system_pool: NodePool,
                    protect: bool, log_retention_days: int, tags: dict[str, str],
                    opts: pulumi.ResourceOptions) -> "EksCluster":
        """A created cluster from the resolved model (RayPlatform): nothing is validated again."""
        self = cls.__new__(cls)
        pulumi.ComponentResource.__init__(self, "raystack:index:EksCluster", name, {}, opts)
        self._finish(name, build_cluster(
            self, name, cluster_name=cluster_name, kubernetes_version=kubernetes_version, region=region,
            private_subnet_ids=private_subnet_ids, endpoint_public_access=endpoint_public_access,
            public_access_cidrs=public_access_cidrs, api_ingress_cidrs=api_ingress_cidrs,
            admin_role_arns=admin_role_arns, viewer_role_arns=viewer_role_arns, system_pool=system_pool,
            protect=protect, log_retention_days=log_retention_days, tags=tags))
        return self

    def _finish(self, name: str, out: EksOutputs, upsert: bool = False) -> None:
        self.cluster_name = out.cluster_name
        self.endpoint = out.endpoint
        self.kubeconfig = out.kubeconfig
        self.node_role_arn = out.node_role_arn
        self.cluster_security_group_id = out.cluster_security_group_id
        self.vpc_id = out.vpc_id
        #: What in-cluster resources must wait for (system nodes, coredns, CNI, pod identity agent).
        self.ready_for_workloads: list[pulumi.Resource] = out.ready
        #: The node role's policy attachments (node groups depend on them, so destroy keeps them last).
        self.node_role_policies: list[pulumi.Resource] = out.node_role_policies
        # On a cluster raystack did not create, namespaces and CRDs may already exist (a `ray`
        # namespace, KubeRay CRDs retained by an earlier destroy): adopt them instead of failing
        # with AlreadyExists (pulumi-kubernetes creates client-side unless upsertExistingObjects).
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig,
                                     upsert_existing_objects=True if upsert else None,
                                     opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "endpoint": self.endpoint,
            "kubeconfig": self.kubeconfig,
            "node_role_arn": self.node_role_arn,
            "cluster_security_group_id": self.cluster_security_group_id,
            "vpc_id": self.vpc_id,
        })
