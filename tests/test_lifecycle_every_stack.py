"""Every lifecycle scenario on every shipped stack, in one life per stack (raystack.testing.lifecycle).

Each stack goes through day 0 on an empty account; then the world drifts (the Cluster Autoscaler scales
every node group, Ray autoscales every cluster up and down, a RayCluster is deleted by hand); then one
`up` of a team's edits (a minSize raised, a pool offered in fewer AZs, admins and a CI preview role, an
unrelated RayCluster edit, a RayJob and a RayService added where the stack has none); then other
identities run it; then a RayJob fails and a Serve config is edited; then destroy and a rebuild. Events
are grouped so that each stack needs about twenty program runs (the suite's time budget); each assertion
names its stack and the event. Scenarios name
the review finding they pin (../shared/notes/reviews/2/: aws-deploy-review "AWS Nx",
kubernetes-deploy-review "K8s Nx"). Scenarios that need a feature a stack lacks (a RayJob, a RayService)
add one to the stack first, as a team would. What cannot apply is skipped, by rule: node-group and
access-entry events on stacks that deploy to an existing cluster (raystack creates no node group or access
entry there), adoption on stacks that create their cluster, and an added RayService on the kind stack,
whose one GPU node its RayCluster holds (e2e/kind/cluster.yaml).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

pytest.importorskip("moto", reason="the lifecycle harness needs moto (dev extras)")

from raystack.testing import load_project, load_stack_config, stack_names  # noqa: E402
from raystack.testing.lifecycle import EngineError, Identity, Lifecycle  # noqa: E402
from test_lifecycle import EXISTING, RAYCLUSTER, ROOT, SUBNET, lifecycle, objects, pytestmark  # noqa: E402,F401

RAYJOB, RAYSERVICE = "kubernetes:ray.io/v1:RayJob", "kubernetes:ray.io/v1:RayService"
ACCOUNT = "arn:aws:iam::123456789012:role"




def no_diff(lc: Lifecycle, after: str) -> None:
    again = lc.preview()
    assert not again.changes(), f"{lc.stack}: after {after} the next preview shows:\n{again.describe()}"


def pool_max(lc: Lifecycle, name: str) -> int:
    for key, field in (("gpuPools", "maxSize"), ("nodePools", "maxSize"), ("existingPools", "maxNodes")):
        for p in lc.get_config(key) if f"raystack:{key}" in lc.config else []:
            if p["name"] == name:
                return int(p[field])
    raise AssertionError(f"{lc.stack}: no pool {name}")


def make_room(lc: Lifecycle, rc: dict[str, Any], gpu_pools: list[dict[str, Any]] | None) -> bool:
    """Room for one more worker in the pool of the first group of ``rc``, as a team makes it: a created
    pool's maximum is raised; on an existing cluster the group gives up a worker. False where neither
    can be done (the shipped kind stack: one GPU node, which its cluster needs)."""
    first = rc["workerGroups"][0]
    most = min(first.get("maxWorkers", 99), pool_max(lc, first["pool"]))
    if gpu_pools is not None:
        first["maxWorkers"] = most  # the default (the pool's maximum) would grow with the pool
    for p in gpu_pools or []:
        if p["name"] == first["pool"]:
            p["maxSize"] += 1
            return True
    if gpu_pools is not None and "raystack:nodePools" in lc.config:
        nodes = lc.get_config("nodePools")
        for p in nodes:
            if p["name"] == first["pool"]:
                p["maxSize"] += 1
                lc.set_config("nodePools", nodes)
                return True
    if most - 1 < max(first.get("minWorkers", 0), 1):
        return False
    first["maxWorkers"] = most - 1
    return True


def karpenter(lc: Lifecycle) -> bool:
    return lc.config.get("raystack:autoscaler") == "karpenter"


def drift(lc: Lifecycle, created: bool) -> dict[str, int]:
    """The world moves between runs. AWS #5 (first round): the Cluster Autoscaler scales every node group
    out. K8s N2: Ray autoscales every cluster up then down (replicas and workersToDelete, JSON patch).
    K8s N1: the first RayCluster is deleted by hand. Nothing reads the RayCluster at program time, so
    preview works; until a refresh, Pulumi does not see what changed. A preview plans each node group's
    desired size as ignored (issue 19: it reads nothing), so the autoscaler's nodes show nowhere; the
    drift workflow's `--refresh` preview shows the RayCluster to create again."""
    scaled: dict[str, int] = {}
    if created and not karpenter(lc):
        (cluster,) = lc.aws.clusters.values()
        for n, g in cluster.nodegroups.items():
            if g.max_size > g.desired_size:
                g.desired_size += 1
                scaled[n] = g.desired_size
        assert scaled, f"{lc.stack}: no node group can scale"
    for kc, rc in objects(lc, "RayCluster"):
        group = rc.body["spec"]["workerGroupSpecs"][0]["groupName"]
        kc.ray_autoscale(rc.namespace, rc.name, group, 2)
        kc.ray_autoscale(rc.namespace, rc.name, group, 1, ["worker-x"])
    if karpenter(lc):  # Karpenter, not a node group, grows for the pending worker (lifecycle/karpenter.py)
        (kc,) = lc.kube.values()
        assert kc.karpenter is not None and kc.karpenter.nodeclaims, f"{lc.stack}: Karpenter launched nothing"
        scaled = {n: 1 for n in kc.karpenter.nodeclaims}
    kc, rc = objects(lc, "RayCluster")[0]
    kc.delete((rc.kind, rc.namespace, rc.name))
    # The second preview since day 0: no change (before issue 19's third Must show, each scaled node
    # group's desiredSize showed as an update to the value it already had).
    stale = lc.preview().changes()
    assert not stale, f"{lc.stack}: {stale}"
    assert "delete" in [s.op for s in lc.refresh().of(RAYCLUSTER)], f"{lc.stack}: refresh must see it gone"
    return scaled


def team_edits(lc: Lifecycle, created: bool, scaled: dict[str, int]) -> None:
    """One `up` of what a team edits on day 2, on the drifted world above."""
    me = lc.identity
    if created:
        # AWS N2: a pool whose type is offered in fewer AZs moves no subnet (before: InvalidSubnet.Conflict).
        subnets = {u: r.outputs.get("availabilityZone") for u, r in lc.state.items() if r.type == SUBNET}
        used = sorted(set(subnets.values()))
        lc.aws.offerings["g6e.12xlarge"] = [used[-1], *[z for z in sorted(lc.aws.zones) if z not in used][:1]]
        pools = lc.get_config("gpuPools")
        if karpenter(lc):  # a NodePool keeps no minimum: its limits grow instead (no node drifts)
            pools[0]["maxSize"] += 1
        else:
            pools[0]["minSize"] = 1  # AWS #5: accepted with the Cluster Autoscaler's nodes kept
        pools.append({"name": "l40s-late", "instanceType": "g6e.12xlarge", "minSize": 0, "maxSize": 1})
        # AWS N5 and old #4: a second admin and the CI preview role (AmazonEKSViewPolicy)
        lc.set_config("adminRoleArns", [me.arn, f"{ACCOUNT}/alice"])
        lc.set_config("viewerRoleArns", [f"{ACCOUNT}/ci-preview"])
    rcs = lc.get_config("rayClusters")
    for rc in rcs:  # K8s N2: an unrelated edit of every cluster takes workerGroupSpecs back from Ray
        rc["idleTimeoutSeconds"] = 301
    rc = rcs[0]
    ns = rc.get("namespace", "ray")
    added = {k for k in ("rayJobs", "rayServices") if f"raystack:{k}" not in lc.config}
    if "rayJobs" in added:
        lc.set_config("rayJobs", [{"name": "added-job", "namespace": ns, "clusterSelector": rc["name"],
                                   "entrypoint": "python -c 'import ray; ray.init()'"}])
    if "rayServices" in added and not make_room(lc, rc, pools if created else None):
        added.remove("rayServices")  # kind: e2e/kind/cluster.yaml has one GPU node, its cluster's
    if "rayServices" in added:
        group = copy.deepcopy(rc["workerGroups"][0])
        group.update(minWorkers=0, maxWorkers=1)
        lc.set_config("rayServices", [{
            "name": "added-svc", "namespace": ns,
            "rayCluster": {"workerGroups": [group], **{k: rc[k] for k in ("image", "head") if k in rc}},
            "serveConfigV2": {"applications": [{"name": "echo", "import_path": "echo:app", "route_prefix": "/",
                                                "runtime_env": {"env_vars": {"VERSION": "1"}}}]}}])
    lc.set_config("rayClusters", rcs)
    if created:
        lc.set_config("gpuPools", pools)
    plan = lc.up()
    ops = {(s.type, s.op) for s in plan.changes()}
    assert (RAYCLUSTER, "create") in ops, f"{lc.stack}: the RayCluster deleted by hand is created again"
    assert (RAYCLUSTER, "update") in ops or len(rcs) == 1, plan.describe()
    for _, obj in objects(lc, "RayCluster"):
        assert not obj.managers.get("ray-autoscaler"), f"{lc.stack}: the apply took workerGroupSpecs back"
    assert {(RAYJOB, "create"), (RAYSERVICE, "create")} >= {(t, "create") for t in
                                                             ({"rayJobs": RAYJOB, "rayServices": RAYSERVICE}[k]
                                                              for k in added)}
    if created:
        assert all(s.op == "same" for s in plan.of(SUBNET)), f"{lc.stack}:\n{plan.describe()}"
        assert subnets == {u: r.outputs.get("availabilityZone") for u, r in lc.state.items() if r.type == SUBNET}
        (cluster,) = lc.aws.clusters.values()
        if karpenter(lc):
            (kc,) = lc.kube.values()
            assert kc.karpenter is not None and set(scaled) <= set(kc.karpenter.nodeclaims), \
                f"{lc.stack}: the up lost Karpenter's nodes"
            return
        for n, size in scaled.items():
            assert cluster.nodegroups[n].desired_size == size, f"{lc.stack}: {n} lost the autoscaler's nodes"
        prefix = f"{lc.get_config('clusterName')}-{pools[0]['name']}-"
        (g,) = [g for n, g in cluster.nodegroups.items() if n.startswith(prefix) and n[len(prefix):].isalnum()]
        assert g.min_size == 1 and g.desired_size >= 1, f"{lc.stack}: {g}"


def other_identities(lc: Lifecycle) -> None:
    """AWS N5 and old #4: the access entries do not depend on who runs the program: another admin previews
    the admins reordered, and nothing changes. (The CI preview role's preview, refresh and refused
    `up` are test_lifecycle's test_the_ci_preview_role_reads_and_refreshes_but_cannot_apply.)"""
    me = lc.identity
    (cluster,) = lc.aws.clusters.values()
    entries = copy.deepcopy(cluster.access_entries)
    assert entries[f"{ACCOUNT}/ci-preview"] == {"AmazonEKSViewPolicy"}, f"{lc.stack}: {entries}"
    lc.run_as(Identity("alice", source_ip=me.source_ip))
    lc.set_config("adminRoleArns", lc.get_config("adminRoleArns")[::-1])
    # Before the fix her preview already showed her own entry deleted (the caller's was skipped).
    assert not lc.preview().changes(), f"{lc.stack}: the admins reordered, previewed by another admin, change something"
    assert cluster.access_entries == entries
    lc.run_as(me)


def workloads_fail_and_change(lc: Lifecycle) -> None:
    """K8s N2: Ray scales out again; the engine diffs against the last inputs, so that is no diff.
    A RayJob not awaited to completion fails: the failure is Ray's to report, the next `up` changes
    nothing. (A waitForCompletion job that fails is K8s N5, left: test_lifecycle's strict xfail.) Then
    K8s N3: an edited Serve config updates the RayService in place, and `up` waits until every application
    is RUNNING again with no upgrade pending."""
    for kc, rc in objects(lc, "RayCluster"):  # Ray scales again after the apply took the list back
        kc.ray_autoscale(rc.namespace, rc.name, rc.body["spec"]["workerGroupSpecs"][0]["groupName"], 2)
    kc, job = next((kc, j) for kc, j in objects(lc, "RayJob")
                   if "jsonpath={.status.jobStatus}=SUCCEEDED" not in str(j.body["metadata"].get("annotations")))
    kc.failing_jobs.add((job.namespace, job.name))
    kc.reconcile()
    assert job.status["jobStatus"] == "FAILED"
    if "raystack:rayServices" not in lc.config:
        assert not lc.up().changes(), f"{lc.stack}: the up after a failed RayJob changed something"
        return
    services = lc.get_config("rayServices")
    app = services[0]["serveConfigV2"]["applications"][0]
    app.setdefault("runtime_env", {}).setdefault("env_vars", {})["EDITED"] = "1"
    lc.set_config("rayServices", services)
    plan = lc.up()
    assert [(s.type, s.op) for s in plan.changes()] == [(RAYSERVICE, "update")], f"{lc.stack}:\n{plan.describe()}"
    _, svc = objects(lc, "RayService")[0]
    assert all(a["status"] == "RUNNING" for a in svc.status["activeServiceStatus"]["applicationStatuses"].values())


def destroy(lc: Lifecycle) -> None:
    """protect refuses destroy until lifted; with a private endpoint the 443 rule goes after every Kubernetes
    object (AWS N4); nothing of the stack is left in the account."""
    if lc.config.get("raystack:protect") == "true":
        with pytest.raises(EngineError, match="protected"):
            lc.destroy()
        lc.set_config("protect", False)
        lc.up()
    order = [s.urn for s in lc.destroy().steps]
    # Issue 20: an EFA pool's node group goes before its launch template, and both before the placement group
    # and security group its nodes launch into (EC2 refuses to delete either while in use).
    names = [u.rsplit("::", 1)[1] for u in order]
    for pg in [u.rsplit("::", 1)[1] for u in order if "$aws:ec2/placementGroup:" in u or
               ("$aws:ec2/securityGroup:" in u and u.endswith("-efa"))]:
        pool = pg.rsplit("-", 1)[0]
        assert names.index(f"{pool}-ng") < names.index(f"{pool}-lt") < names.index(pg), \
            f"{lc.stack}: {pg} must go after the node group that launches into it"
    rules = [i for i, u in enumerate(order) if "SecurityGroupIngressRule" in u and "-api-" in u.rsplit("::", 1)[1]]
    kube = [i for i, u in enumerate(order) if "$kubernetes:" in u]
    if rules and kube:
        assert min(rules) > max(kube), f"{lc.stack}: the API rule must go after every Kubernetes object"
    assert not lc.state and not lc.aws.clusters, f"{lc.stack}: left {list(lc.state)} {list(lc.aws.clusters)}"
    assert not lc.aws.karpenter_instances, f"{lc.stack}: Karpenter's instances are left: {lc.aws.karpenter_instances}"
    assert not lc.aws.log_groups, f"{lc.stack}: AWS N10: the control plane's log group is left: {lc.aws.log_groups}"


#: Every shipped stack but those on Azure: their lives (AKS's autoscaler, pool edits, other runners) are
#: tests/test_lifecycle_aks.py's; the events here are EKS's and AWS's.
EVERY = sorted(s for s in stack_names(load_project(ROOT))
               if load_stack_config(load_project(ROOT), s).get("raystack:cloud", "aws") == "aws")


@pytest.mark.parametrize("stack", EVERY)
def test_day0_day2_destroy_and_rebuild_on_every_shipped_stack(stack: str) -> None:
    lc = lifecycle(stack)
    created = stack not in EXISTING  # node groups and access entries exist only where raystack creates them
    if not created:  # adoption: the namespaces exist already and hold someone else's objects (K8s N7)
        (kc,) = lc.kube.values()
        ns = lc.get_config("rayClusters")[0].get("namespace", "ray")
        kuberay = lc.get_config("kuberay") if "raystack:kuberay" in lc.config else {}
        adopted = [ns] + ([kuberay.get("namespace", "kuberay-system")] if kuberay.get("install", True) else [])
        for n in adopted:
            for m in ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}},
                      {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "theirs", "namespace": n}}):
                kc.apply("kubectl", m, force=False, create=True, upsert=False)
    first = lc.preview()  # AWS N1: the first preview of an empty account reads nothing (asserted at the end)
    assert all(s.op == "create" for s in first.changes()), first.describe()
    lc.up(previewed=first)  # nothing happened since: the same preview pulumi up would run first
    scaled = drift(lc, created)
    team_edits(lc, created, scaled)
    if created:
        other_identities(lc)
    workloads_fail_and_change(lc)
    no_diff(lc, "day 2")
    destroy(lc)
    if not created:
        for n in adopted:
            assert ("Namespace", "", n) in kc.objects and ("ConfigMap", n, "theirs") in kc.objects, \
                f"{stack}: the adopted namespace {n} and its other objects must survive destroy"
        assert not [k for k in kc.objects if k[0].startswith("Ray")], f"{stack}: raystack's own objects are gone"
    plan = lc.up()  # a rebuild after destroy: nothing stale is read back
    assert plan.changes() and all(s.op == "create" for s in plan.changes()), plan.describe()
    previews_read_nothing_the_stack_creates(lc, created)


#: What a preview may ask the provider: facts of the region and of the caller, none of them anything a
#: stack creates (issue 19, third Must show).
REGION_FACTS = {"aws:index/getAvailabilityZones:getAvailabilityZones",
                "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings", "aws:index/getPartition:getPartition",
                "aws:index/getRegion:getRegion", "aws:index/getCallerIdentity:getCallerIdentity",
                "aws:ec2/getVpcEndpointService:getVpcEndpointService",
                "aws:iam/getSessionContext:getSessionContext"}


def previews_read_nothing_the_stack_creates(lc: Lifecycle, created: bool) -> None:
    """Issue 19, third Must show, on every preview of the life above (`pulumi preview` and the preview pass
    of each `pulumi up`): a stack that creates its cluster invokes nothing but region and caller facts and
    reads no resource. An existing-cluster stack also describes the cluster it was given."""
    allowed = REGION_FACTS if created else REGION_FACTS | {"aws:eks/getCluster:getCluster"}
    previews = [p for p in lc.history if p.kind == "preview"]
    assert len(previews) >= 6, f"{lc.stack}: {[p.kind for p in lc.history]}"
    for p in previews:
        asked = sorted({t for t, _ in p.recording.invokes} - allowed)
        assert not asked, f"{lc.stack}: a preview asked the provider for {asked}"
        assert not p.recording.reads, f"{lc.stack}: a preview read {p.recording.reads}"
