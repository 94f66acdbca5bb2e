"""The simulated engine: `pulumi preview`, `up`, `refresh` and `destroy` of one stack across runs.

It runs the real program under the Pulumi SDK's mock monitor, but answers each registration as the
engine would, against the state of the previous run (pulumi/pulumi pkg/resource/deploy step_generator:
create, update, replace, delete, same), and each provider call against a simulated account and cluster
(``aws.py``, ``kube.py``). Preview is strict: outputs of resources not yet created are unknown (the
bridged provider's Create returns the proposed state in preview: pulumi-terraform-bridge
pkg/tfbridge/provider.go), invokes run against the account as it stands, and a read of something
missing fails (pulumi/pulumi PR #3123 "Fail read steps with missing resources").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..mocks import computed_outputs
from ..recorder import run
from .aws import Aws, Identity, node_group_name
from .azure import Azure, object_id
from .ec2 import EC2_HELD, lt_id
from .errors import CloudError, EngineError, NotModelled
from .gcp import Gcp
from .karpenter import KINDS as KARPENTER_KINDS
from .kube import KubeCluster
from .kubeside import KubeSide
from .monitor import _Monitor
from .replace import changed_paths, refreshed_inputs
from .state import Plan, StateResource, Step, _kube_key, _split_ref


class Lifecycle(KubeSide):
    """One stack's life: its state, and the account and clusters it deploys to.

    ::

        lc = Lifecycle.for_stack(Path("."), "dev")
        lc.up()                                   # day 0 on an empty account
        lc.aws.clusters["raystack-dev"].nodegroups  # what exists now
        lc.kube_cluster("raystack-dev").ray_autoscale("ray", "dev", "l4", 3)
        assert not lc.preview().changes()
        lc.destroy()
    """

    def __init__(self, program: Callable[[], Any], config: dict[str, str], *, project: str = "raystack",
                 stack: str = "dev", identity: Identity | None = None, region: str = "us-east-1"):
        self.program = program
        self.config = dict(config)
        self.project, self.stack = project, stack
        self.identity = identity or Identity("deployer")
        if "aws:region" not in self.config:
            self.config["aws:region"] = region
        self.aws = Aws(self.config["aws:region"])
        #: An Azure subscription in the stack's location (cloud: azure).
        self.azure = Azure(self.config.get("azure-native:location") or "eastus")
        #: A Google Cloud project in the stack's zone (cloud: gcp).
        self.gcp = Gcp(self.config.get("gcp:zone") or "us-central1-a")
        self.kube: dict[str, KubeCluster] = {}
        self.state: dict[str, StateResource] = {}
        self.outputs: dict[str, Any] = {}
        #: Outputs of other stacks, by fully qualified name (what a StackReference reads).
        self.other_stacks: dict[str, dict[str, Any]] = {}
        self.history: list[Plan] = []

    @classmethod
    def for_stack(cls, project_dir: Path, stack: str, **kw: Any) -> Lifecycle:
        """The project's program with ``Pulumi.<stack>.yaml``'s config."""
        from ..project import load_project, load_stack_config
        from ..recorder import program_from_dir

        project = load_project(project_dir)
        program = program_from_dir(project.program_dir)
        return cls(program, load_stack_config(project, stack), project=project.name, stack=stack, **kw)

    # -- the world -------------------------------------------------------------------------------------
    def kube_cluster(self, name: str) -> KubeCluster:
        """The Kubernetes API of a cluster (an EKS cluster's name, or ``kubeconfig:<path>``)."""
        if name not in self.kube:
            self.kube[name] = KubeCluster(name)
        return self.kube[name]

    def existing_cluster(self, name: str, *, namespaces: tuple[str, ...] = (), operator_namespace: str | None = None,
                         operator_labels: dict[str, str] | None = None, prometheus: str | None = None) -> KubeCluster:
        """A cluster that exists before the stack (clusterMode existing): its namespaces and, optionally, a
        KubeRay operator with its CRDs and a Prometheus Operator (its PodMonitor CRD) in ``prometheus``."""
        kc = self.kube_cluster(name)
        if prometheus:
            kc.crds.update(("PodMonitor", "ServiceMonitor"))
            namespaces = (*namespaces, prometheus)
        for ns in namespaces:
            kc.apply("kubectl", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                     force=False, create=True, upsert=False)
        if operator_namespace:
            kc.crds.update(("RayCluster", "RayJob", "RayService", "RayCronJob"))
            kc.operator = {"namespace": operator_namespace,
                           "labels": operator_labels or {"app.kubernetes.io/name": "kuberay-operator"}}
        return kc

    def run_as(self, identity: Identity) -> None:
        """The next runs are made by another principal (another admin, the CI preview role)."""
        self.identity = identity

    def set_config(self, key: str, value: Any) -> None:
        full = key if ":" in key else f"{self.project}:{key}"
        self.config[full] = value if isinstance(value, str) else json.dumps(value)

    def get_config(self, key: str) -> Any:
        raw = self.config[key if ":" in key else f"{self.project}:{key}"]
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    # -- runs ------------------------------------------------------------------------------------------
    def preview(self) -> Plan:
        """`pulumi preview`: nothing changes in state or in the world."""
        return self._run("preview", preview=True)

    def up(self, previewed: Plan | None = None) -> Plan:
        """`pulumi up`: a preview first (pulumi up previews before it updates; a failing preview stops it),
        then the update. State is saved as steps complete, so a failure keeps what was done. ``previewed``: the
        last run, a preview of this config with nothing done since, stands for that first preview."""
        if not (previewed is not None and self.history and self.history[-1] is previewed and previewed.config == self.config):
            self._run("preview", preview=True)
        return self._run("up", preview=False)

    def refresh(self) -> Plan:
        """`pulumi refresh`: read every resource; what is gone leaves the state."""
        plan = Plan("refresh")
        for urn, r in list(self.state.items()):
            try:
                live = self._read_live(r)
            except CloudError as e:
                self.history.append(plan)
                raise EngineError(f"refreshing {urn}: {e}") from None
            if live is None:
                del self.state[urn]
                plan.steps.append(Step(urn, r.type, "delete", ["gone"]))
            else:
                changed = changed_paths(r.outputs, live)
                r.inputs, r.outputs = refreshed_inputs(r.type, r.inputs, live), live
                plan.steps.append(Step(urn, r.type, "update" if changed else "same", changed))
        self.history.append(plan)
        return plan

    def destroy(self) -> Plan:
        """`pulumi destroy`: everything in reverse dependency order; protect refuses up front."""
        plan = Plan("destroy")
        protected = [r.urn for r in self.state.values() if r.protect]
        if protected:
            raise EngineError(f"resource {protected[0]} cannot be deleted because it is protected")
        self._delete_all(list(self.state.values()), plan)
        self.outputs = {}
        self.history.append(plan)
        return plan

    # -- internals -------------------------------------------------------------------------------------
    def _run(self, kind: str, preview: bool) -> Plan:
        plan = Plan(kind, config=dict(self.config))
        monitor = _Monitor(self, plan, preview)
        failure: BaseException | None = None
        try:
            run(self.program, self.config, project=self.project, stack=self.stack, preview=preview,
                recording=plan.recording, monitor=monitor)
        except BaseException as e:  # noqa: BLE001 (the monitor's first error is the real cause)
            failure = e
        if monitor.error is not None:
            self.history.append(plan)
            raise EngineError(str(monitor.error)) from None  # the SDK's chain holds unpicklable frames
        if failure is not None:
            self.history.append(plan)
            if isinstance(failure, (EngineError, NotModelled)):
                raise failure from None
            raise EngineError(f"the program failed: {failure}") from None
        removed = [r for u, r in self.state.items() if u not in monitor.seen]
        for r in removed:
            plan.steps.append(Step(r.urn, r.type, "delete"))
        try:
            if not preview:
                self._delete_all(monitor.pending_deletes + removed, plan, record=False)
                self.outputs = dict(plan.recording.outputs)
                self.azure.run_ended()  # time passes between runs: Azure RBAC assignments propagate
        finally:
            self.history.append(plan)
        return plan

    def _order_for_delete(self, doomed: list[StateResource]) -> list[StateResource]:
        """Dependents first: a resource goes before its dependencies, its parent and its provider."""
        ids = {id(r) for r in doomed}
        out: list[StateResource] = []
        done: set[int] = set()

        def visit(r: StateResource) -> None:
            if id(r) in done:
                return
            done.add(id(r))
            for other in doomed:
                deps = set(other.dependencies) | {other.parent, _split_ref(other.provider)[0]}
                if id(other) != id(r) and r.urn in deps and id(other) in ids:
                    visit(other)
            out.append(r)
        for r in doomed:
            visit(r)
        return out

    def _delete_all(self, doomed: list[StateResource], plan: Plan, record: bool = True) -> None:
        urns = {r.urn for r in doomed}
        for r in self._order_for_delete(doomed):
            if record:
                plan.steps.append(Step(r.urn, r.type, "delete"))
            if r.protect:
                raise EngineError(f"resource {r.urn} cannot be deleted because it is protected")
            if not r.retain_on_delete and not (r.deleted_with and r.deleted_with in urns):
                try:
                    self._provider_delete(r)
                except CloudError as e:
                    raise EngineError(f"deleting {r.urn}: {e}") from e
            if self.state.get(r.urn) is r:
                del self.state[r.urn]

    # -- providers -------------------------------------------------------------------------------------
    def _provider_inputs(self, ref: str) -> dict[str, Any] | None:
        p = self.state.get(_split_ref(ref)[0])
        return p.inputs if p is not None else None

    def _provider_create(self, urn: str, typ: str, name: str, inputs: dict[str, Any], provider: str
                         ) -> tuple[str, dict[str, Any]]:
        self._may_write()
        outputs = computed_outputs(typ, name, inputs)
        ident = f"{name}-{len(self.history)}"
        if typ == "aws:ec2/vpc:Vpc":
            ident = self.aws.create_vpc(inputs["cidrBlock"])
        elif typ == "aws:ec2/subnet:Subnet":
            ident = self.aws.create_subnet(inputs["vpcId"], inputs["cidrBlock"], inputs["availabilityZone"])
            self.aws.tags[ident] = dict(inputs.get("tags") or {})
        elif typ == "aws:ec2/tag:Tag":
            self.aws.tags.setdefault(inputs["resourceId"], {})[inputs["key"]] = inputs["value"]
        elif typ == "aws:eks/cluster:Cluster":
            vpc = inputs.get("vpcConfig") or {}
            access = inputs.get("accessConfig") or {}
            c = self.aws.create_cluster(
                inputs["name"], inputs.get("version", ""), self.identity, subnet_ids=list(vpc.get("subnetIds") or []),
                endpoint_public=bool(vpc.get("endpointPublicAccess")), public_cidrs=list(vpc.get("publicAccessCidrs") or []),
                bootstrap_admin=bool(access.get("bootstrapClusterCreatorAdminPermissions", True)),
                log_types=list(inputs.get("enabledClusterLogTypes") or []))
            outputs["vpcConfig"] = {**vpc, "clusterSecurityGroupId": c.security_group_id}
            self.kube_cluster(c.name)
            ident = c.name
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            self.aws.create_log_group(inputs["name"])
        elif typ == "aws:ec2/routeTable:RouteTable":
            self.aws.route_tables[ident] = (inputs["vpcId"], [r["cidrBlock"] for r in inputs.get("routes") or []])
        elif typ == "aws:eks/nodeGroup:NodeGroup":
            sc, ng_name = inputs["scalingConfig"], node_group_name(inputs.get("nodeGroupNamePrefix"), inputs.get("nodeGroupName"))
            ng = self.aws.create_nodegroup(
                inputs["clusterName"], ng_name, min_size=int(sc["minSize"]), max_size=int(sc["maxSize"]),
                desired=int(sc["desiredSize"]), version=str(inputs.get("version", "")),
                capacity_type=str(inputs.get("capacityType", "ON_DEMAND")), subnet_ids=list(inputs["subnetIds"]),
                labels=dict(inputs.get("labels") or {}), launch_template=lt_id(inputs))
            outputs.update(nodeGroupName=ng.name, resources=[{"autoscalingGroups": [{"name": f"eks-{ng.name}-asg"}]}])
            ident = f"{inputs['clusterName']}:{ng.name}"
        elif typ == EC2_HELD[0]:
            self.aws.held.record(ident, inputs)
        elif typ == "aws:eks/accessEntry:AccessEntry":
            self.aws.create_access_entry(inputs["clusterName"], inputs["principalArn"])
            self.aws.access_entry_types[inputs["principalArn"]] = inputs.get("type") or "STANDARD"
        elif typ == "aws:eks/accessPolicyAssociation:AccessPolicyAssociation":
            self.aws.associate_access_policy(inputs["clusterName"], inputs["principalArn"], inputs["policyArn"])
        elif typ == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
            self.aws.create_pod_identity_association(inputs["clusterName"], inputs["namespace"],
                                                     inputs["serviceAccount"], inputs.get("roleArn", ""))
        elif typ == "aws:eks/addon:Addon":
            c = self.aws.cluster(inputs["clusterName"], "DescribeCluster")
            c.addons[inputs["addonName"]] = inputs.get("addonVersion") or self.aws.addon_default
            outputs["addonVersion"] = c.addons[inputs["addonName"]]
        elif typ == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            for c in self.aws.clusters.values():
                if c.security_group_id == inputs["securityGroupId"] and inputs.get("cidrIpv4"):
                    c.api_ingress[inputs["cidrIpv4"]] = urn
        elif typ.startswith("aws:elasticache/"):
            ident = self.aws.elasticache.create(typ, inputs, outputs)
        elif typ.startswith("kubernetes:") and not typ.startswith("pulumi:providers"):
            ident = self._kube_write(urn, typ, inputs, provider, create=True)
            outputs = {**inputs, **self._kube_outputs(typ, inputs, provider)}
        elif typ.startswith("azure-native:"):
            ident = self.azure.put(typ, inputs, outputs, object_id(self.identity.name))
            if typ == "azure-native:containerservice:ManagedCluster":
                self.kube_cluster(inputs["resourceName"])
            elif typ == "azure-native:kubernetesconfiguration:Extension":
                self._extension_installed(inputs)
        elif typ.startswith("gcp:"):
            ident = self.gcp.put(typ, inputs, outputs)
            if typ == "gcp:container/cluster:Cluster":
                self.kube_cluster(inputs["name"])
                if self.gcp.clusters[inputs["name"]].ray_operator:
                    self._gke_ray_operator(inputs["name"])
        elif typ == "time:index/sleep:Sleep":
            self.azure.sleep(str(inputs.get("createDuration", "")))
        return ident, outputs

    def _provider_update(self, r: StateResource, inputs: dict[str, Any]) -> dict[str, Any]:
        self._may_write()
        outputs = {**r.outputs, **inputs}
        typ = r.type
        if typ == "aws:eks/nodeGroup:NodeGroup":
            cluster, ng = inputs["clusterName"], r.outputs["nodeGroupName"]
            # terraform-provider-aws node_group.go resourceNodeGroupUpdate: the version update first
            # (launch_template, release_version, version), then UpdateNodegroupConfig when labels, scaling_config,
            # taint or update_config changed, with the whole scaling_config as planned (desired size included).
            if any(changed_paths(r.inputs.get(k), inputs.get(k)) for k in ("launchTemplate", "releaseVersion", "version")):
                self.aws.update_nodegroup_version(cluster, ng, str(inputs.get("version", "")), lt_id(inputs))
            if any(changed_paths(r.inputs.get(k), inputs.get(k)) for k in ("labels", "scalingConfig", "taints",
                                                                            "updateConfig")):
                sc = inputs["scalingConfig"]
                self.aws.update_nodegroup_config(cluster, ng, min_size=int(sc["minSize"]), max_size=int(sc["maxSize"]),
                                                 desired=int(sc["desiredSize"]), labels=dict(inputs.get("labels") or {}))
            outputs["nodeGroupName"] = ng
        elif typ == "aws:eks/cluster:Cluster":
            c = self.aws.cluster(inputs["name"], "UpdateClusterConfig")
            vpc = inputs.get("vpcConfig") or {}
            c.endpoint_public = bool(vpc.get("endpointPublicAccess"))
            c.public_cidrs = list(vpc.get("publicAccessCidrs") or [])
            c.version = inputs.get("version", c.version)
            outputs["vpcConfig"] = {**vpc, "clusterSecurityGroupId": c.security_group_id}
        elif typ == "aws:ec2/routeTable:RouteTable":
            self.aws.route_tables[r.id] = (inputs["vpcId"], [x["cidrBlock"] for x in inputs.get("routes") or []])
        elif typ == "aws:ec2/subnet:Subnet":  # tags update in place (vpc_subnet.go: tags are not ForceNew)
            self.aws.tags[r.id] = dict(inputs.get("tags") or {})
        elif typ == EC2_HELD[0]:
            self.aws.held.record(r.id, inputs)
        elif typ.startswith("aws:elasticache/"):
            self.aws.elasticache.update(typ, r.id, inputs)
        elif typ.startswith("kubernetes:") and not typ.startswith("pulumi:providers"):
            self._kube_write(r.urn, typ, inputs, r.provider, create=False)
            outputs = {**inputs, **self._kube_outputs(typ, inputs, r.provider)}
        elif typ == "aws:eks/addon:Addon":
            c = self.aws.cluster(inputs["clusterName"], "UpdateAddon")
            c.addons[inputs["addonName"]] = inputs.get("addonVersion") or c.addons.get(inputs["addonName"], "")
            outputs["addonVersion"] = c.addons[inputs["addonName"]]
        elif typ == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
            c = self.aws.cluster(inputs["clusterName"], "UpdatePodIdentityAssociation")
            c.pod_identity[(inputs["namespace"], inputs["serviceAccount"])] = inputs.get("roleArn", "")
        elif typ == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            self._provider_delete(r)
            self._provider_create(r.urn, typ, r.urn.rsplit("::", 1)[1], inputs, r.provider)
        elif typ.startswith("azure-native:"):
            self.azure.update(typ, r.id, r.inputs, inputs)
        elif typ.startswith("gcp:"):
            self.gcp.update(typ, r.id, r.inputs, inputs)
        # Other AWS types hold no simulated state an update could change; the replace table decides which
        # of their edits are updates (replace.py), and their outputs follow the new inputs.
        return outputs

    def _may_write(self) -> None:
        if self.identity.read_only:
            raise CloudError("AccessDenied", f"{self.identity.arn} is not authorized to perform this write",
                             "AWS IAM: a read-only role")

    def _provider_delete(self, r: StateResource) -> None:
        self._may_write()
        typ, i = r.type, r.inputs
        if typ == "aws:ec2/vpc:Vpc":
            self.aws.delete_vpc(r.id)
        elif typ == "aws:ec2/subnet:Subnet":
            self.aws.delete_subnet(r.id)
        elif typ == "aws:eks/cluster:Cluster":
            self.aws.delete_cluster(i["name"])
            self.kube.pop(i["name"], None)
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            self.aws.delete_log_group(i["name"])
        elif typ == "aws:ec2/routeTable:RouteTable":
            self.aws.route_tables.pop(r.id, None)
        elif typ == "aws:eks/nodeGroup:NodeGroup":
            c = self.aws.clusters.get(i["clusterName"])
            if c is not None and r.outputs.get("nodeGroupName") in c.nodegroups:
                self.aws.delete_nodegroup(i["clusterName"], r.outputs["nodeGroupName"])
            # A node group deleted out of band: terraform-provider-aws treats NotFound on delete as done.
        elif typ in EC2_HELD:
            self.aws.held.delete(typ, r.id, str(r.outputs.get("name") or r.id))
        elif typ == "aws:ec2/tag:Tag":
            self.aws.tags.get(i["resourceId"], {}).pop(i["key"], None)
        elif typ.startswith("aws:elasticache/"):
            self.aws.elasticache.delete(typ, r.id)
        elif typ == "aws:eks/accessEntry:AccessEntry":
            if i["clusterName"] in self.aws.clusters:
                self.aws.delete_access_entry(i["clusterName"], i["principalArn"])
        elif typ == "aws:eks/accessPolicyAssociation:AccessPolicyAssociation":
            self.aws.disassociate_access_policy(i["clusterName"], i["principalArn"], i["policyArn"])
        elif typ == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
            self.aws.delete_pod_identity_association(i["clusterName"], i["namespace"], i["serviceAccount"])
        elif typ == "aws:eks/addon:Addon":
            c = self.aws.clusters.get(i["clusterName"])
            if c is not None:
                c.addons.pop(i["addonName"], None)
        elif typ == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            for c in self.aws.clusters.values():
                c.api_ingress.pop(i.get("cidrIpv4", ""), None)
        elif typ.startswith("azure-native:"):
            before = set(self.azure.clusters)
            self.azure.delete(typ, r.id, i)
            for gone in before - set(self.azure.clusters):  # a cluster deleted, or its resource group
                self.kube.pop(gone, None)
        elif typ.startswith("gcp:"):
            self.gcp.delete(typ, r.id, i)
            if typ == "gcp:container/cluster:Cluster":
                self.kube.pop(i["name"], None)
        elif typ.startswith("kubernetes:") and not typ.startswith("pulumi:providers"):
            kc, _ = self._kube_target(r.provider, r.urn)
            self._kube_access(kc, write=True)
            if typ == "kubernetes:helm.sh/v3:Release":
                kc.releases.pop((i.get("namespace", ""), i.get("name", "")), None)
                if i.get("chart") == "kuberay-operator":
                    kc.operator = None
                elif str(i.get("chart")).endswith("/karpenter"):
                    kc.karpenter = None  # its NodeClaims, and their instances, stay unless NodePools went first
                elif str(i.get("chart")).endswith("/karpenter-crd"):
                    kc.crds.difference_update(KARPENTER_KINDS)
            elif typ.startswith("kubernetes:yaml/"):
                kc.crds.clear()
            else:
                key = _kube_key(typ, i)
                if kc.get(key) is not None:
                    kc.delete(key)

__all__ = ["Lifecycle", "Plan", "StateResource", "Step"]
