"""Which input changes replace a resource, per type, as the real providers decide (pure, Pulumi-free).

A diff the table does not cover fails loudly (``NotModelled``): the harness never guesses that an
edit is an in-place update.
"""

from __future__ import annotations

from typing import Any

from .errors import NotModelled

#: Type token -> input paths (dotted, camelCase as Pulumi spells them) whose change forces a new
#: resource. The rest of the type's inputs update in place. Sources: terraform-provider-aws schemas,
#: ``ForceNew: true`` (hashicorp/terraform-provider-aws, internal/service/<svc>/<resource>.go at the
#: v6 line pulumi-aws 7.x bridges), read per resource:
AWS_FORCE_NEW: dict[str, tuple[str, ...]] = {
    # ec2/vpc.go: cidr_block ForceNew; enable_dns_* and tags update.
    "aws:ec2/vpc:Vpc": ("cidrBlock", "ipv4IpamPoolId"),
    # ec2/vpc_subnet.go@00cda125: availability_zone, availability_zone_id, cidr_block, vpc_id ForceNew.
    "aws:ec2/subnet:Subnet": ("availabilityZone", "availabilityZoneId", "cidrBlock", "vpcId", "outpostArn"),
    # ec2/vpc_internet_gateway.go: vpc_id updates (detach/attach).
    "aws:ec2/internetGateway:InternetGateway": (),
    # ec2/ec2_eip.go: domain ForceNew.
    "aws:ec2/eip:Eip": ("domain", "address", "networkBorderGroup", "publicIpv4Pool"),
    # ec2/vpc_nat_gateway.go: allocation_id, subnet_id, connectivity_type, private_ip ForceNew.
    "aws:ec2/natGateway:NatGateway": ("allocationId", "subnetId", "connectivityType", "privateIp"),
    # ec2/vpc_route_table.go: vpc_id ForceNew; inline routes update.
    "aws:ec2/routeTable:RouteTable": ("vpcId",),
    # ec2/vpc_route_table_association.go: subnet_id, gateway_id ForceNew; route_table_id updates
    # (ReplaceRouteTableAssociation).
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("subnetId", "gatewayId"),
    # ec2/vpc_endpoint.go: vpc_id, service_name, vpc_endpoint_type, service_region ForceNew; route_table_ids update.
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpcId", "serviceName", "vpcEndpointType", "serviceRegion",
                                        "resourceConfigurationArn", "serviceNetworkArn"),
    # ec2/ec2_launch_template.go: name, name_prefix ForceNew; anything else is a new version.
    "aws:ec2/launchTemplate:LaunchTemplate": ("name", "namePrefix"),
    # ec2/ec2_placement_group.go: every argument but tags ForceNew.
    "aws:ec2/placementGroup:PlacementGroup": ("name", "strategy", "partitionCount", "spreadLevel"),
    # eks/cluster.go: name, bootstrap_self_managed_addons, access_config.bootstrap_cluster_creator_admin_permissions,
    # encryption_config, kubernetes_network_config.service_ipv4_cidr/ip_family, outpost_config ForceNew.
    "aws:eks/cluster:Cluster": ("name", "bootstrapSelfManagedAddons",
                                "accessConfig.bootstrapClusterCreatorAdminPermissions", "encryptionConfig",
                                "kubernetesNetworkConfig.serviceIpv4Cidr", "kubernetesNetworkConfig.ipFamily",
                                "outpostConfig"),
    # eks/node_group.go: ami_type, capacity_type, cluster_name, disk_size, instance_types, node_group_name(_prefix),
    # node_role_arn, remote_access, subnet_ids, launch_template.id/name ForceNew; scaling_config, labels, taints,
    # update_config, version, release_version, launch_template.version update.
    "aws:eks/nodeGroup:NodeGroup": ("amiType", "capacityType", "clusterName", "diskSize", "instanceTypes",
                                    "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "remoteAccess",
                                    "subnetIds", "launchTemplate.id", "launchTemplate.name"),
    # eks/addon.go: addon_name, cluster_name ForceNew.
    "aws:eks/addon:Addon": ("addonName", "clusterName"),
    # eks/access_entry.go: cluster_name, principal_arn, type ForceNew.
    "aws:eks/accessEntry:AccessEntry": ("clusterName", "principalArn", "type"),
    # eks/access_policy_association.go: every argument ForceNew.
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": ("clusterName", "principalArn", "policyArn",
                                                                "accessScope"),
    # eks/pod_identity_association.go: cluster_name, namespace, service_account RequiresReplace; role_arn updates.
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ("clusterName", "namespace", "serviceAccount"),
    # iam/role.go: name, name_prefix, path ForceNew.
    "aws:iam/role:Role": ("name", "namePrefix", "path"),
    # iam/role_policy.go: name, name_prefix, role ForceNew.
    "aws:iam/rolePolicy:RolePolicy": ("name", "namePrefix", "role"),
    # iam/role_policy_attachment.go: both arguments ForceNew.
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", "policyArn"),
    # vpc/security_group_ingress_rule.go: security_group_id RequiresReplace.
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("securityGroupId",),
    # autoscaling/tag.go: autoscaling_group_name and tag ForceNew.
    "aws:autoscaling/tag:Tag": ("autoscalingGroupName", "tag"),
    # cloudwatch/log_group.go: name, name_prefix ForceNew.
    "aws:cloudwatch/logGroup:LogGroup": ("name", "namePrefix"),
    # Karpenter's interruption queue and its feeds. Not read at a pinned tag here (the provider's repository is too
    # large to fetch); from the provider's docs, each argument's "Forces new resource": sqs/queue.go name,
    # name_prefix, fifo_queue; sqs/queue_policy.go queue_url; events/rule.go name, name_prefix, event_bus_name;
    # events/target.go rule, target_id, event_bus_name; ec2/tag.go resource_id, key (value updates).
    "aws:sqs/queue:Queue": ("name", "namePrefix", "fifoQueue"),
    "aws:sqs/queuePolicy:QueuePolicy": ("queueUrl",),
    "aws:cloudwatch/eventRule:EventRule": ("name", "namePrefix", "eventBusName"),
    "aws:cloudwatch/eventTarget:EventTarget": ("rule", "targetId", "eventBusName"),
    "aws:ec2/tag:Tag": ("resourceId", "key"),
    # ec2/vpc_security_group.go: name, name_prefix, description, vpc_id ForceNew.
    "aws:ec2/securityGroup:SecurityGroup": ("name", "namePrefix", "description", "vpcId"),
    # elasticache/subnet_group.go: name ForceNew; subnet_ids, description and tags update.
    "aws:elasticache/subnetGroup:SubnetGroup": ("name",),
    # elasticache/replication_group.go (the SDKv2 resource on aws-sdk-go-v2, read 2026): replication_group_id,
    # at_rest_encryption_enabled, data_tiering_enabled, global_replication_group_id, kms_key_id, network_type,
    # port, security_group_names, snapshot_arns, snapshot_name, subnet_group_name ForceNew; node_type,
    # num_cache_clusters, automatic_failover/multi_az, engine_version, auth_token, security_group_ids and
    # transit_encryption_enabled (engine 7.0.5 and later) update in place. engine: customizeDiffEngineForce-
    # NewOnDowngrade replaces a group moved from valkey to redis, and redis to valkey updates (with a new
    # engine_version); the harness replaces both (the harsher answer).
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "replicationGroupId", "atRestEncryptionEnabled", "dataTieringEnabled", "globalReplicationGroupId",
        "kmsKeyId", "networkType", "port", "securityGroupNames", "snapshotArns", "snapshotName",
        "subnetGroupName", "engine"),
    # terraform-provider-random random_password: every argument RequiresReplace (password.go).
    "random:index/randomPassword:RandomPassword": ("*",),
}

#: pulumi-azure-native: a resource is named by its URL's path parameters (and lives in its location), so a change
#: of one is another resource; other properties are sent in a PUT of the same resource, and Azure decides whether
#: it takes the change (testing.lifecycle.azure refuses what AKS and Azure RBAC refuse). Extensions' type is fixed
#: at creation (the Extension API's extensionType is create-only).
AZURE_FORCE_NEW: dict[str, tuple[str, ...]] = {
    "azure-native:resources:ResourceGroup": ("resourceGroupName", "location"),
    "azure-native:network:VirtualNetwork": ("resourceGroupName", "virtualNetworkName", "location"),
    "azure-native:network:Subnet": ("resourceGroupName", "virtualNetworkName", "subnetName"),
    "azure-native:containerservice:ManagedCluster": ("resourceGroupName", "resourceName", "location"),
    "azure-native:containerservice:AgentPool": ("resourceGroupName", "resourceName", "agentPoolName"),
    "azure-native:authorization:RoleAssignment": ("scope", "roleAssignmentName"),
    "azure-native:managedidentity:UserAssignedIdentity": ("resourceGroupName", "resourceName", "location"),
    "azure-native:managedidentity:FederatedIdentityCredential": ("resourceGroupName", "resourceName",
                                                                 "federatedIdentityCredentialResourceName"),
    "azure-native:kubernetesconfiguration:Extension": ("resourceGroupName", "clusterRp", "clusterResourceName",
                                                       "clusterName", "extensionName", "extensionType"),
    # hashicorp/terraform-provider-time resource_time_sleep.go: triggers RequiresReplace; the durations update.
    "time:index/sleep:Sleep": ("triggers",),
}

#: pulumi-gcp (terraform-provider-google, bridged): the attributes its schema marks ForceNew for the resources
#: raystack creates (resource_compute_network.go, resource_compute_subnetwork.go, resource_compute_router*.go,
#: resource_google_service_account.go, resource_container_cluster.go, resource_container_node_pool.go and
#: node_config.go), as read from the provider's docs here, not at a tag; the IAM member resources replace on
#: every argument (iam_member: all ForceNew).
GCP_FORCE_NEW: dict[str, tuple[str, ...]] = {
    "gcp:projects/service:Service": ("service", "project"),
    "gcp:compute/network:Network": ("name", "project", "autoCreateSubnetworks"),
    "gcp:compute/subnetwork:Subnetwork": ("name", "project", "network", "region"),
    "gcp:compute/router:Router": ("name", "project", "network", "region"),
    "gcp:compute/routerNat:RouterNat": ("name", "project", "router", "region"),
    "gcp:serviceaccount/account:Account": ("accountId", "project"),
    "gcp:container/cluster:Cluster": ("name", "project", "location", "network", "subnetwork", "networkingMode",
                                      "datapathProvider", "ipAllocationPolicy", "privateClusterConfig.masterIpv4CidrBlock",
                                      "privateClusterConfig.enablePrivateNodes"),
    "gcp:container/nodePool:NodePool": ("name", "project", "cluster", "location", "initialNodeCount", "placementPolicy",
                                        "nodeConfig.guestAccelerators", "nodeConfig.spot", "nodeConfig.serviceAccount",
                                        "nodeConfig.oauthScopes", "nodeConfig.reservationAffinity",
                                        "nodeConfig.machineType"),
    "gcp:projects/iAMMember:IAMMember": ("*",),
    "gcp:serviceaccount/iAMMember:IAMMember": ("*",),
    "gcp:storage/bucketIAMMember:BucketIAMMember": ("*",),
}

#: pulumi-kubernetes provider/pkg/provider/diff.go@v4.32.0 forceNewProperties: .metadata.name and
#: .metadata.namespace of every kind, plus per kind. A Secret's .type/.stringData/.data replace it
#: unless the provider enables mutable Secrets (raystack does not).
KUBE_FORCE_NEW_ALL = ("metadata.name", "metadata.namespace")
KUBE_FORCE_NEW: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Secret": ("type", "stringData", "data"),
    "kubernetes:core/v1:Service": ("spec.clusterIP",),
}
#: Kinds the harness accepts with only the generic rule (no kind entry in diff.go's table).
KUBE_GENERIC_KINDS = ("kubernetes:core/v1:Namespace", "kubernetes:core/v1:ServiceAccount",
                      "kubernetes:core/v1:ConfigMap", "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                      "kubernetes:core/v1:ResourceQuota", "kubernetes:ray.io/v1:RayCluster",
                      "kubernetes:ray.io/v1:RayJob", "kubernetes:ray.io/v1:RayService",
                      "kubernetes:ray.io/v1:RayCronJob", "kubernetes:core/v1:Secret",
                      "kubernetes:core/v1:Service", "kubernetes:monitoring.coreos.com/v1:PodMonitor",
                      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
                      "kubernetes:karpenter.sh/v1:NodePool", "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
                      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding")
#: Helm releases (pulumi-kubernetes provider/pkg/provider/helm_release.go): name and namespace replace.
HELM_FORCE_NEW = ("name", "namespace")


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted paths whose value differs (dicts compared key by key; lists and scalars as wholes)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for k in sorted(set(old) | set(new)):
            out += changed_paths(old.get(k), new.get(k), f"{prefix}.{k}" if prefix else k)
        return out
    return [] if old == new else [prefix]


def diff_base(typ: str, old_inputs: dict[str, Any], old_outputs: dict[str, Any],
              new_inputs: dict[str, Any]) -> dict[str, Any]:
    """What a provider diffs the new inputs against. A Terraform-bridged provider (aws:) diffs the new
    config against the prior *state*, as refreshed or as last written, not against the last inputs
    (pulumi-terraform-bridge v3.136.0 pkg/tfbridge/provider.go `Diff`: `p.tf.Diff(ctx, res.TFName, state,
    config, ...)` with `state` made from `req.GetOlds()`). So a value changed outside Pulumi (a node
    group's desiredSize moved by the Cluster Autoscaler) is a diff until a refresh reads it, and none
    after. The state is projected onto the new inputs' shape (computed attributes the config does not set
    are no diff); keys only in the old inputs stay, so removing one is a diff. pulumi-kubernetes and
    component resources diff the last inputs (kept as they are)."""
    if not typ.startswith("aws:"):  # pulumi-gcp's state is not projected: which attributes are Computed is not modelled
        return old_inputs

    def project(out: Any, new: Any) -> Any:
        if isinstance(out, dict) and isinstance(new, dict):
            return {k: project(out[k], new[k]) for k in new if k in out}
        return out
    base = dict(old_inputs)
    for k, v in new_inputs.items():
        if k in old_outputs:
            base[k] = project(old_outputs[k], v)
    return base


def refreshed_inputs(typ: str, old_inputs: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    """The inputs a refresh leaves in state. A Terraform-bridged provider's Read, in a refresh, takes each
    input the old inputs have from the refreshed state, drops one the state lacks and adds none
    (pulumi-terraform-bridge v3.136.0 provider.go `Read` -> schema.go `ExtractInputsFromOutputs(isRefresh)`
    -> `extractInputsObject`; arrays element by element, here by position: raystack's sets come back in
    the order written). So a value ignored with ignoreChanges takes the refreshed one. pulumi-kubernetes
    and component resources keep their inputs."""
    if not typ.startswith(("aws:", "gcp:")):  # the Terraform-bridged providers
        return old_inputs

    def walk(old: Any, new: Any) -> Any:
        if isinstance(old, dict) and isinstance(new, dict):
            return {k: walk(v, new[k]) for k, v in old.items() if k in new}
        if isinstance(old, list) and isinstance(new, list):
            return [walk(o, n) for o, n in zip(old, new, strict=False)]
        return new
    return walk(old_inputs, live)  # type: ignore[no-any-return]


def _under(path: str, rule: str) -> bool:
    return rule == "*" or path == rule or path.startswith(rule + ".") or rule.startswith(path + ".")


def replace_reasons(typ: str, changed: list[str], replace_on_changes: list[str]) -> list[str]:
    """The changed paths that force a replacement; raises NotModelled for a type nobody described."""
    extra = [p for p in changed if any(_under(p, r.replace("[*]", "")) for r in replace_on_changes)]
    if typ.startswith("kubernetes:"):
        if typ == "kubernetes:helm.sh/v3:Release":
            rules: tuple[str, ...] = HELM_FORCE_NEW
        elif typ.startswith("kubernetes:yaml/") or typ.startswith("pulumi:providers:"):
            rules = ()
        elif typ in KUBE_GENERIC_KINDS:
            rules = KUBE_FORCE_NEW_ALL + KUBE_FORCE_NEW.get(typ, ())
        else:
            raise NotModelled(f"{typ}: which changes replace it is not modelled (pulumi-kubernetes diff.go)")
    elif typ.startswith("pulumi:providers:"):
        rules = ()
    elif typ in AWS_FORCE_NEW:
        rules = AWS_FORCE_NEW[typ]
    elif typ in AZURE_FORCE_NEW:
        rules = AZURE_FORCE_NEW[typ]
    elif typ in GCP_FORCE_NEW:
        rules = GCP_FORCE_NEW[typ]
    else:
        raise NotModelled(f"{typ}: which changes replace it is not modelled (add its ForceNew attributes)")
    ignored_tags = [p for p in changed if p in ("tags", "tagsAll") or p.startswith("tags.")]
    return sorted({p for p in changed if p not in ignored_tags and any(_under(p, r) for r in rules)} | set(extra))
