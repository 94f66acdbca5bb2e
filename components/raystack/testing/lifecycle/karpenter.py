"""Karpenter v1.14.1 in the simulated cluster and account: NodeClaims launched for pending Ray worker pods, Spot
interruptions through the interruption queue, consolidation, drift, and the finalizers that order a destroy.

Sources, at tag v1.14.1 of kubernetes-sigs/karpenter (core) and aws/karpenter-provider-aws (AWS), cited where used.
What none of them settles here raises NotModelled: the harness is never kinder than Karpenter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...hardware import catalog
from ...model.facts import DAEMONSET_RESERVE_CPU_MILLIS, DAEMONSET_RESERVE_MEMORY_MIB
from .errors import CloudError, NotModelled
from .state import get_path

if TYPE_CHECKING:
    from .kube import KubeCluster

#: Karpenter's kinds (charts/karpenter-crd) -> group/version.
KINDS = {"NodePool": "karpenter.sh/v1", "EC2NodeClass": "karpenter.k8s.aws/v1", "NodeClaim": "karpenter.sh/v1"}
DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"
SPOT_WARNING = "EC2 Spot Instance Interruption Warning"


def _quantity(v: str) -> float:
    """cpu cores, or memory in MiB (Ki, Mi, Gi), of a Kubernetes quantity raystack writes."""
    v = str(v)
    for suffix, mib in (("Ki", 1 / 1024), ("Mi", 1), ("Gi", 1024)):
        if v.endswith(suffix):
            return float(v[:-2]) * mib
    if v.endswith("m"):
        return float(v[:-1]) / 1000
    return float(v)


def _do_not_disrupt(pod: Pod) -> bool:
    return ((pod.template.get("metadata") or {}).get("annotations") or {}).get(DO_NOT_DISRUPT) == "true"


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]


def template_hash(nodepool: dict[str, Any]) -> str:
    """core nodepool.go Hash: spec.template, requirements left out (hash:"ignore"; they drift per node)."""
    tmpl = json.loads(json.dumps(nodepool["spec"]["template"]))
    tmpl["spec"].pop("requirements", None)
    return _hash(tmpl)


def class_hash(nodeclass: dict[str, Any]) -> str:
    """AWS ec2nodeclass.go Hash: the spec less the selector terms (they drift by what they resolve to: the subnets and
    security groups raystack selects never change; an AMI alias is what it resolves to, so it stays in here)."""
    spec = {k: v for k, v in (nodeclass.get("spec") or {}).items() if k not in (
        "subnetSelectorTerms", "securityGroupSelectorTerms", "capacityReservationSelectorTerms")}
    return _hash(spec)


#: What the controller writes on the objects raystack applies (an Update, as a merge patch): the hash annotations
#: its hash controllers keep (core nodepool/hash/controller.go, AWS nodeclass/hash/controller.go) and the
#: EC2NodeClass's termination finalizer (AWS nodeclass/controller.go). Their status is a subresource, left out.
OWN_METADATA: dict[str, dict[tuple[str, ...], Callable[[dict[str, Any]], Any]]] = {"NodePool": {("metadata", "annotations", "karpenter.sh/nodepool-hash"): template_hash,
                             ("metadata", "annotations", "karpenter.sh/nodepool-hash-version"): lambda _: "v3"},
                "EC2NodeClass": {("metadata", "annotations", "karpenter.k8s.aws/ec2nodeclass-hash"): class_hash,
                                 ("metadata", "annotations", "karpenter.k8s.aws/ec2nodeclass-hash-version"):
                                     lambda _: "v4",
                                 ("metadata", "finalizers"): lambda _: ["karpenter.k8s.aws/termination"]}}


def writes_metadata(kind: str, changes: dict[tuple[str, ...], Any]) -> bool:
    """Whether a foreign write is Karpenter's own metadata on its kinds (the harness models no other)."""
    return kind in OWN_METADATA and set(changes) <= set(OWN_METADATA[kind])


@dataclass
class Pod:
    """A Ray worker pod (KubeRay creates replicas x numOfHosts of them a group)."""

    name: str
    namespace: str
    template: dict[str, Any]
    node: str | None = None  # the NodeClaim it runs on; None: Pending

    @property
    def requests(self) -> dict[str, float]:
        limits = self.template["spec"]["containers"][0]["resources"]["limits"]
        return {k: _quantity(v) for k, v in limits.items()}


@dataclass
class NodeClaim:
    name: str
    nodepool: str
    nodeclass: str
    instance_id: str
    instance_type: str
    capacity_type: str
    subnet: str
    #: The NodePool template's and the EC2NodeClass spec's hashes at launch (core nodepool.go Hash, AWS
    #: ec2nodeclass.go Hash): a node drifts when either changes.
    hashes: tuple[str, str]


class Karpenter:
    """The controller, running from its chart's release in ``kc``; ``world`` is the Lifecycle (its account, state)."""

    def __init__(self, kc: KubeCluster, world: Any, values: dict[str, Any]):
        self.kc, self.world = kc, world
        self.settings = values.get("settings") or {}
        self.pods: dict[str, Pod] = {}
        self.nodeclaims: dict[str, NodeClaim] = {}
        #: (what happened, pod or node, detail), in order: launched, evicted, drained-through-ray, killed, ...
        self.events: list[tuple[str, str, str]] = []
        #: Pending pods and why no node was launched for them (the NodePool/EC2NodeClass status Karpenter reports).
        self.blocked: dict[str, str] = {}
        #: Pods a running Ray task or job is using.
        self.busy: set[str] = set()
        self._ids = 0

    # -- the objects ---------------------------------------------------------------------------------
    def _objects(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k[2]: o.body for k, o in self.kc.objects.items() if k[0] == kind}

    def _pool_of(self, pod: Pod) -> str | None:
        """The NodePool whose nodes the pod can run on: its nodeSelector among the template's labels, and every
        taint tolerated (core scheduling: a NodePool is considered only for pods it can satisfy)."""
        spec = pod.template["spec"]
        for name, np in self._objects("NodePool").items():
            tmpl = np["spec"]["template"]
            labels = (tmpl.get("metadata") or {}).get("labels") or {}
            if not spec.get("nodeSelector") or any(labels.get(k) != v for k, v in spec["nodeSelector"].items()):
                continue
            tolerations = spec.get("tolerations") or []
            if all(any(t.get("key") == taint["key"] and (t.get("operator") == "Exists"
                                                         or t.get("value") == taint.get("value"))
                       for t in tolerations) for taint in tmpl["spec"].get("taints") or []):
                return name
        return None

    # -- KubeRay's pods ------------------------------------------------------------------------------
    def _sync_pods(self) -> None:
        """The worker pods the RayClusters ask for (replicas clamped into [min, max], times numOfHosts; a suspended
        group none): new ones Pending, removed ones (a Ray scale-down) deleted. raycluster_controller.go@v1.7.0."""
        want: dict[str, Pod] = {}
        for key, obj in self.kc.objects.items():
            if key[0] != "RayCluster" or self.kc.operator is None:
                continue
            for g in obj.body["spec"].get("workerGroupSpecs") or []:
                mn, mx = int(g.get("minReplicas") or 0), int(g.get("maxReplicas") or 0)
                rep = g.get("replicas")
                rep = 0 if g.get("suspend") else max(mn, min(mx, int(mn if rep is None else rep)))
                for i in range(rep * int(g.get("numOfHosts") or 1)):
                    name = f"{obj.name}-{g['groupName']}-worker-{i}"
                    want[name] = self.pods.get(name) or Pod(name, key[1], g["template"])
        for gone in set(self.pods) - set(want):
            self.busy.discard(gone)
        self.pods = want

    # -- provisioning --------------------------------------------------------------------------------
    def reconcile(self) -> None:
        """Schedule Pending pods onto nodes with room, and launch a NodeClaim for the rest (core provisioning:
        the cheapest instance type of the NodePool's requirements that fits, Spot first where allowed)."""
        for kind, fields in OWN_METADATA.items():
            for name, body in self._objects(kind).items():
                changes = {path: value(body) for path, value in fields.items() if get_path(body, path) != value(body)}
                if changes:  # the write reconciles again, and finds nothing more to write
                    self.kc.update("karpenter", (kind, "", name), changes)
                    return
        self._sync_pods()
        for pod in sorted(self.pods.values(), key=lambda p: p.name):
            if pod.node is not None and pod.node in self.nodeclaims:
                continue
            pod.node = None
            pool = self._pool_of(pod)
            if pool is None:
                continue  # not Karpenter's: a managed node group's pod
            node = next((n for n in self.nodeclaims.values() if n.nodepool == pool and self._room(n, pod)), None)
            if node is None:
                node = self._launch(pool, pod)
            if node is not None:
                pod.node = node.name
                self.blocked.pop(pod.name, None)

    def _fits(self, type_name: str, pods: list[Pod]) -> bool:
        t = catalog.lookup(type_name)
        want: dict[str, float] = {}
        for p in pods:
            for k, v in p.requests.items():
                want[k] = want.get(k, 0) + v
        return (want.get("cpu", 0) * 1000 <= t.allocatable_cpu_millis - DAEMONSET_RESERVE_CPU_MILLIS
                and want.get("memory", 0) <= t.allocatable_memory_mib - DAEMONSET_RESERVE_MEMORY_MIB
                and all(v <= t.accelerator_count for k, v in want.items() if k not in ("cpu", "memory")))

    def _room(self, node: NodeClaim, pod: Pod) -> bool:
        return self._fits(node.instance_type, [p for p in self.pods.values() if p.node == node.name] + [pod])

    def _why_not(self, pool: str, np: dict[str, Any]) -> str | None:
        """What keeps the controller from launching for this NodePool, each as the real system fails."""
        cluster = self.world.aws.clusters.get(self.settings.get("clusterName", ""))
        if cluster is None:
            return f"settings.clusterName {self.settings.get('clusterName')!r} is not an EKS cluster of the account"
        if ("kube-system", "karpenter") not in cluster.pod_identity:
            return "the controller has no AWS credentials: no Pod Identity association for kube-system/karpenter"
        ref = np["spec"]["template"]["spec"]["nodeClassRef"]["name"]
        nc = self._objects("EC2NodeClass").get(ref)
        if nc is None:  # core: NodeClassReady False, nothing is launched
            return f"EC2NodeClass {ref} not found"
        tags = self.world.aws.tags
        for selector, what, prefix in (("subnetSelectorTerms", "subnets", "subnet-"),
                                       ("securityGroupSelectorTerms", "security groups", "sg-")):
            terms = [t.get("tags") or {} for t in nc["spec"][selector]]
            if not any(all(tags.get(rid, {}).get(k) == v for k, v in term.items()) for term in terms
                       for rid in tags if rid.startswith(prefix)):
                # AWS nodeclass/subnet.go and securitygroup.go: the EC2NodeClass is not Ready, nothing launches.
                return f"no {what} match the EC2NodeClass's {selector}"
        return None

    def _subnets(self, nc: dict[str, Any]) -> list[str]:
        terms = [t.get("tags") or {} for t in nc["spec"]["subnetSelectorTerms"]]
        return sorted(rid for rid, tags in self.world.aws.tags.items() if rid.startswith("subnet-")
                      and any(all(tags.get(k) == v for k, v in term.items()) for term in terms))

    def _launch(self, pool: str, pod: Pod) -> NodeClaim | None:
        np = self._objects("NodePool")[pool]
        why = self._why_not(pool, np)
        if why:
            self.blocked[pod.name] = why
            return None
        reqs = {r["key"]: r for r in np["spec"]["template"]["spec"]["requirements"]}
        types = [t for t in reqs["node.kubernetes.io/instance-type"]["values"] if self._fits(t, [pod])]
        if not types:
            self.blocked[pod.name] = f"no instance type of NodePool {pool} fits the pod"
            return None
        limits = np["spec"].get("limits") or {}
        used = [catalog.lookup(n.instance_type) for n in self.nodeclaims.values() if n.nodepool == pool]

        def within(t: catalog.InstanceType) -> bool:  # core: a launch may not take the NodePool past its limits
            every = [*used, t]
            totals = {"cpu": sum(x.vcpu for x in every), "memory": sum(x.memory_gib for x in every) * 1024}
            devices = sum(x.accelerator_count for x in every)  # the limit's other key: the accelerator resource
            return all(totals.get(k, devices) <= _quantity(v) for k, v in limits.items())
        types = [t for t in types if within(catalog.lookup(t))]
        if not types:
            self.blocked[pod.name] = f"NodePool {pool} is at its limits {limits}"
            return None
        capacity = reqs["karpenter.sh/capacity-type"]["values"]
        # Spot first where allowed, then on demand (nodepools.md: "Karpenter prioritizes Spot offerings"); among
        # types, the cheapest (price-capacity-optimized; the catalog's on-demand price orders them here).
        kind = "spot" if "spot" in capacity and set(types) - self.world.aws.spot_unavailable else "on-demand"
        if kind == "on-demand" and "on-demand" not in capacity:
            self.blocked[pod.name] = "no Spot capacity for any candidate, and the NodePool allows Spot only"
            return None
        pick = min((t for t in types if kind == "on-demand" or t not in self.world.aws.spot_unavailable),
                   key=lambda t: (catalog.lookup(t).price_usd_hour or 0.0, t))
        nc = self._objects("EC2NodeClass")[np["spec"]["template"]["spec"]["nodeClassRef"]["name"]]
        self._ids += 1
        claim = NodeClaim(f"{pool}-{self._ids:05d}", pool, nc["metadata"]["name"], f"i-{self._ids:017x}", pick, kind,
                          self._subnets(nc)[0], (template_hash(np), class_hash(nc)))
        self.world.aws.karpenter_instances[claim.instance_id] = {"subnet": claim.subnet, "type": pick,
                                                                 "capacity": kind, "nodeclaim": claim.name}
        role = self._node_role_joins(nc["spec"]["role"])
        if role is not None:
            # The node never registers; after the registration TTL (core nodeclaim/lifecycle/liveness.go: 15
            # minutes) Karpenter deletes the NodeClaim and terminates the instance. The pod stays Pending.
            self.world.aws.karpenter_instances.pop(claim.instance_id)
            self.blocked[pod.name] = role
            self.events.append(("registration-timeout", claim.name, role))
            return None
        self.nodeclaims[claim.name] = claim
        self.events.append(("launched", claim.name, f"{pick} {kind}"))
        return claim

    def _node_role_joins(self, role_name: str) -> str | None:
        """A node joins only with an access entry of type EC2_LINUX for its role (EKS user guide, access entries:
        "EC2_LINUX ... for nodes"; the managed node groups' role has one EKS made, Karpenter's needs its own)."""
        roles = [r for r in self.world.state.values() if r.type == "aws:iam/role:Role"
                 and r.outputs.get("name") == role_name]
        if not roles:
            return f"the EC2NodeClass's role {role_name} does not exist"
        arn = roles[0].outputs.get("arn")
        if self.world.aws.access_entry_types.get(arn) != "EC2_LINUX":
            return f"nodes of role {role_name} cannot join: no access entry of type EC2_LINUX for {arn}"
        return None

    # -- disruption ----------------------------------------------------------------------------------
    def _terminate(self, claim: NodeClaim) -> None:
        self.world.aws.karpenter_instances.pop(claim.instance_id, None)
        self.nodeclaims.pop(claim.name, None)
        for p in self.pods.values():
            if p.node == claim.name:
                p.node = None  # KubeRay recreates the pod (replicas unchanged): Pending again
        self.events.append(("terminated", claim.name, claim.instance_type))

    def _budget(self, pool: str, reason: str) -> int:
        """How many of the pool's nodes may be disrupted for ``reason`` now (core nodepool.go GetAllowedDisruptions:
        the least over the budgets naming the reason, or none; percentages round up)."""
        import math

        np = self._objects("NodePool")[pool]
        count = sum(1 for n in self.nodeclaims.values() if n.nodepool == pool)
        allowed = []
        for b in (np["spec"].get("disruption") or {}).get("budgets") or [{"nodes": "10%"}]:
            if b.get("reasons") and reason not in b["reasons"]:
                continue
            if "schedule" in b:
                raise NotModelled("a scheduled disruption budget (the harness has no clock)")
            nodes = str(b["nodes"])
            allowed.append(math.ceil(count * int(nodes[:-1]) / 100) if nodes.endswith("%") else int(nodes))
        return min(allowed) if allowed else count

    def _evict(self, claim: NodeClaim, why: str) -> None:
        """The termination controller drains the node: it evicts each pod it may (core utils/pod IsEvictable: not
        with an active karpenter.sh/do-not-disrupt), then terminates the instance. An evicted pod's preStop runs."""
        for p in [p for p in self.pods.values() if p.node == claim.name]:
            if _do_not_disrupt(p):
                # Not evicted: the drain waits for it; on an interruption EC2 reclaims the instance two minutes
                # later with the pod on it, its preStop never run (disruption.md "Pod-Level Controls").
                self.events.append(("killed-without-drain", p.name, f"{DO_NOT_DISRUPT} ({why})"))
                continue
            self.events.append(("evicted", p.name, why))
            self._pre_stop(p, why)
        self._terminate(claim)

    def _pre_stop(self, pod: Pod, why: str) -> None:
        command = " ".join(((pod.template["spec"]["containers"][0].get("lifecycle") or {}).get("preStop") or {})
                           .get("exec", {}).get("command") or [])
        told = "ray drain-node" in command and "DRAIN_NODE_REASON_PREEMPTION" in command
        if why == "interruption":
            self.events.append(("drained-through-ray" if told else "stopped-without-telling-ray", pod.name,
                                "busy" if pod.name in self.busy else "idle"))

    def consolidate(self) -> None:
        """Consolidation (disruption.md; core disruption/emptiness.go and the consolidation methods): WhenEmpty
        removes nodes with no pods but DaemonSets', within the Empty budget; WhenEmptyOrUnderutilized also moves a
        node's pods elsewhere (evicting them) when the rest of the pool can hold them. consolidateAfter Never: off."""
        for pool, np in self._objects("NodePool").items():
            d = np["spec"].get("disruption") or {}
            if d.get("consolidateAfter") == "Never":
                continue
            policy = d.get("consolidationPolicy", "WhenEmptyOrUnderutilized")
            allowed = {"Empty": self._budget(pool, "Empty"), "Underutilized": self._budget(pool, "Underutilized")}
            for claim in sorted((n for n in self.nodeclaims.values() if n.nodepool == pool), key=lambda n: n.name):
                pods = [p for p in self.pods.values() if p.node == claim.name]
                if any(_do_not_disrupt(p) for p in pods):
                    continue  # core statenode.go: "disruption is blocked through the karpenter.sh/do-not-disrupt"
                if not pods and allowed["Empty"] > 0:
                    allowed["Empty"] -= 1
                    self._terminate(claim)
                elif pods and policy == "WhenEmptyOrUnderutilized" and allowed["Underutilized"] > 0:
                    others = [n for n in self.nodeclaims.values() if n.nodepool == pool and n.name != claim.name]
                    if any(self._fits(n.instance_type, [p for p in self.pods.values() if p.node == n.name] + pods)
                           for n in others):
                        allowed["Underutilized"] -= 1
                        self._evict(claim, "consolidation")
        self.reconcile()

    def drift(self) -> None:
        """Drift (disruption.md "Drift"; the hashes NodeClaim records): a node whose NodePool template or
        EC2NodeClass spec changed since launch is replaced, within the Drifted budget; an empty one goes as empty."""
        for pool, np in self._objects("NodePool").items():
            allowed = self._budget(pool, "Drifted")
            for claim in sorted((n for n in self.nodeclaims.values() if n.nodepool == pool), key=lambda n: n.name):
                nc = self._objects("EC2NodeClass").get(claim.nodeclass) or {"spec": {}}
                pods = [p for p in self.pods.values() if p.node == claim.name]
                reqs = {r["key"]: r["values"] for r in np["spec"]["template"]["spec"]["requirements"]}
                admitted = claim.instance_type in reqs.get("node.kubernetes.io/instance-type", [claim.instance_type]) \
                    and claim.capacity_type in reqs.get("karpenter.sh/capacity-type", [claim.capacity_type])
                if (claim.hashes == (template_hash(np), class_hash(nc)) and admitted) or allowed <= 0 or \
                        any(_do_not_disrupt(p) for p in pods):
                    continue
                allowed -= 1
                self._evict(claim, "drift")
        self.reconcile()

    def interrupt(self, instance_id: str) -> None:
        """EC2's two-minute Spot interruption warning for an instance. With the warning reaching the controller's
        queue (an EventBridge rule for it, targeting the queue settings.interruptionQueue names, whose policy lets
        EventBridge send), Karpenter taints, drains and terminates the node at once (AWS interruption/controller.go;
        disruption.md "Interruption"); without, EC2 reclaims the instance two minutes later with the pods on it."""
        claim = next((n for n in self.nodeclaims.values() if n.instance_id == instance_id), None)
        if claim is None or claim.capacity_type != "spot":
            raise NotModelled(f"a Spot interruption of {instance_id}, which is not a Spot node Karpenter launched")
        why = self._queue_problem()
        if why is None:
            self._evict(claim, "interruption")
        else:
            for p in [p for p in self.pods.values() if p.node == claim.name]:
                self.events.append(("killed-without-drain", p.name, why))
            self._terminate(claim)
        self.reconcile()

    def _queue_problem(self) -> str | None:
        queue = self.settings.get("interruptionQueue")
        if not queue:
            return "settings.interruptionQueue is empty: Karpenter reads no interruption events"
        res = self.world.state.values()
        queues = [r for r in res if r.type == "aws:sqs/queue:Queue" and r.inputs.get("name") == queue]
        if not queues:
            return f"no SQS queue {queue}"
        arn = queues[0].outputs["arn"]
        rules = {r.outputs.get("name") for r in res if r.type == "aws:cloudwatch/eventRule:EventRule"
                 and SPOT_WARNING in json.loads(r.inputs.get("eventPattern") or "{}").get("detail-type", [])}
        if not any(r.type == "aws:cloudwatch/eventTarget:EventTarget" and r.inputs.get("rule") in rules
                   and r.inputs.get("arn") == arn for r in res):
            return f"no EventBridge rule sends {SPOT_WARNING} to {queue}"
        policies = [json.loads(r.inputs["policy"]) for r in res if r.type == "aws:sqs/queuePolicy:QueuePolicy"
                    and r.inputs.get("queueUrl") == queues[0].outputs.get("url")]
        if not any(s["Effect"] == "Allow" and "events.amazonaws.com" in json.dumps(s.get("Principal"))
                   and s["Action"] in ("sqs:SendMessage", ["sqs:SendMessage"]) for p in policies
                   for s in p["Statement"]):
            return f"the queue {queue}'s policy does not let EventBridge send to it"
        return None

    # -- deletion ------------------------------------------------------------------------------------
    def delete_nodepool(self, name: str) -> None:
        """Its NodeClaims (ownerReferences with blockOwnerDeletion, core provisioning/scheduling/
        nodeclaimtemplate.go) are deleted with it; their karpenter.sh/termination finalizer drains and terminates
        them, which only a running controller does."""
        for claim in [n for n in self.nodeclaims.values() if n.nodepool == name]:
            self._evict(claim, "nodepool deleted")


def check_nodeclass_finalized(kc: KubeCluster, name: str) -> None:
    """An EC2NodeClass's finalizer waits until no NodeClaim uses it, then deletes its instance profile and launch
    templates (AWS pkg/controllers/nodeclass/controller.go finalize); without a running controller it stays
    Terminating, and pulumi-kubernetes' delete times out."""
    k = kc.karpenter
    if k is None:
        raise CloudError("DeleteTimeout", f"EC2NodeClass {name} is still Terminating: its finalizer "
                         "karpenter.k8s.aws/termination is removed by the Karpenter controller, which is not running",
                         "aws/karpenter-provider-aws@v1.14.1 nodeclass/controller.go finalize")
    left = [n.name for n in k.nodeclaims.values() if n.nodeclass == name]
    if left:
        raise CloudError("DeleteTimeout", f"EC2NodeClass {name} is still Terminating: waiting on NodeClaim "
                         f"termination for {left}", "aws/karpenter-provider-aws@v1.14.1 nodeclass/controller.go finalize")


def on_delete(kc: KubeCluster, key: tuple[str, str, str]) -> None:
    """What deleting a Karpenter object does in ``kc`` (called by KubeCluster.delete before the object goes)."""
    if key[0] == "NodePool" and kc.karpenter is not None:
        kc.karpenter.delete_nodepool(key[2])  # without a controller its NodeClaims (and instances) stay
    elif key[0] == "EC2NodeClass":
        check_nodeclass_finalized(kc, key[2])
