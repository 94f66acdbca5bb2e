"""dev with autoscaler: karpenter across runs, in the simulated account and cluster (raystack.testing.lifecycle.karpenter,
Karpenter v1.14.1): the first up, a Spot interruption while a job runs, consolidation with a busy worker, a NodePool
edit, and destroy. Each scenario also plants the mistake the harness must catch, so none can pass by being kind."""

from __future__ import annotations

import pytest

pytest.importorskip("moto", reason="the lifecycle harness needs moto (dev extras)")

from raystack.hardware import catalog  # noqa: E402
from raystack.testing.lifecycle import EngineError, Lifecycle  # noqa: E402
from support import KARPENTER_DEV, KARPENTER_DEV_POOL  # noqa: E402
from test_lifecycle import ROOT, lifecycle, pytestmark  # noqa: E402,F401

POD = "dev-l4-worker-0"


def karpenter_dev() -> Lifecycle:
    lc = Lifecycle.for_stack(ROOT, "dev")
    lc.set_config("autoscaler", "karpenter")
    lc.set_config("gpuPools", [KARPENTER_DEV_POOL])
    lc.set_config("systemPool", KARPENTER_DEV["raystack:systemPool"])
    return lc


def order(plan, op: str) -> list[str]:
    return [s.urn.rsplit("::", 1)[1] for s in plan.steps if s.op == op]


def test_first_up_a_spot_interruption_during_a_job_consolidation_and_destroy():
    lc = karpenter_dev()
    first = lc.preview()
    assert all(s.op == "create" for s in first.changes()), first.describe()
    lc.up(previewed=first)
    kc = lc.kube_cluster("raystack-dev")
    k = kc.karpenter
    assert k is not None, "the Karpenter chart runs after the first up"
    assert not k.nodeclaims and not lc.aws.karpenter_instances, "minWorkers 0: no GPU node until Ray asks"
    assert not lc.preview().changes(), "day 0 left a diff"

    # A job arrives: Ray's autoscaler asks for a worker; Karpenter launches the cheapest candidate that fits, on Spot.
    kc.ray_autoscale("ray", "dev", "l4", 1)
    (claim,) = k.nodeclaims.values()
    assert (claim.instance_type, claim.capacity_type) == ("g6.xlarge", "spot"), claim
    assert k.pods[POD].node == claim.name
    k.busy.add(POD)
    assert not lc.preview().changes(), "a node Karpenter launched is no drift of the stack"

    # The Spot warning: the queue and its rules bring it to Karpenter, which drains the node; the eviction runs the
    # worker's preStop, which tells Ray the node is being preempted; the pod comes back on a new node.
    k.interrupt(claim.instance_id)
    assert ("drained-through-ray", POD, "busy") in k.events, k.events
    assert claim.name not in k.nodeclaims and claim.instance_id not in lc.aws.karpenter_instances
    (replacement,) = k.nodeclaims.values()
    assert k.pods[POD].node == replacement.name

    # Consolidation while the worker is busy: WhenEmpty never evicts it.
    before = list(k.events)
    k.consolidate()
    assert k.events == before and replacement.name in k.nodeclaims, k.events[len(before):]

    # Ray removes the idle worker; the empty node goes after consolidateAfter: idle costs nothing.
    k.busy.clear()
    kc.ray_autoscale("ray", "dev", "l4", 0)
    k.consolidate()
    assert not k.nodeclaims and not lc.aws.karpenter_instances

    # Destroy with a node running: the NodePool and EC2NodeClass go while the controller still runs (it terminates
    # the node), and the controller goes before its IAM, queue and the subnets.
    kc.ray_autoscale("ray", "dev", "l4", 1)
    assert len(lc.aws.karpenter_instances) == 1
    gone = order(lc.destroy(), "delete")
    assert not lc.aws.karpenter_instances, "destroy left an EC2 instance behind"
    assert gone.index("raystack-l4-spot-nodepool") < gone.index("raystack-l4-spot-nodeclass") \
        < gone.index("raystack-karpenter-chart") < gone.index("raystack-karpenter-crds"), gone
    assert gone.index("raystack-karpenter-chart") < min(gone.index(n) for n in gone if "private" in n), gone
    assert not lc.state, f"destroy left {sorted(lc.state)}"


def test_without_the_interruption_queue_or_with_do_not_disrupt_the_worker_dies_untold():
    """The harness is not kinder than Karpenter: a queue no rule feeds, or a do-not-disrupt worker, and the Spot
    instance is reclaimed with the worker on it, Ray never told."""
    lc = karpenter_dev()
    lc.up()
    kc = lc.kube_cluster("raystack-dev")
    k = kc.karpenter
    kc.ray_autoscale("ray", "dev", "l4", 1)
    (claim,) = k.nodeclaims.values()
    rc = kc.objects[("RayCluster", "ray", "dev")]
    rc.body["spec"]["workerGroupSpecs"][0]["template"].setdefault("metadata", {})["annotations"] = {
        "karpenter.sh/do-not-disrupt": "true"}
    k.pods[POD].template = rc.body["spec"]["workerGroupSpecs"][0]["template"]
    k.interrupt(claim.instance_id)
    assert ("killed-without-drain", POD, "karpenter.sh/do-not-disrupt (interruption)") in k.events, k.events

    lc2 = karpenter_dev()
    lc2.up()
    for urn in [u for u, r in lc2.state.items() if r.type == "aws:cloudwatch/eventTarget:EventTarget"]:
        del lc2.state[urn]  # the rules' targets, gone
    kc2 = lc2.kube_cluster("raystack-dev")
    kc2.ray_autoscale("ray", "dev", "l4", 1)
    (claim2,) = kc2.karpenter.nodeclaims.values()
    kc2.karpenter.interrupt(claim2.instance_id)
    (event,) = [e for e in kc2.karpenter.events if e[1] == POD and e[0] != "launched"]
    assert event[0] == "killed-without-drain" and "no EventBridge rule sends" in event[2], event


def test_a_nodepool_edit_leaves_busy_nodes_and_the_plan_says_it_drifts():
    """A taint added to the pool changes the NodePool's template: every node drifts (core nodepool.go Hash). With
    raystack's budget of 0 for reason Drifted the busy node stays; with Karpenter's default budget it is drained."""
    lc = karpenter_dev()
    lc.up()
    kc = lc.kube_cluster("raystack-dev")
    k = kc.karpenter
    # Karpenter writes its hash annotations and the EC2NodeClass's finalizer (fields raystack never applies): no
    # drift on a refresh, and no conflict when raystack applies the objects again.
    nodepool, nodeclass = kc.objects[("NodePool", "", "l4-spot")], kc.objects[("EC2NodeClass", "", "l4-spot")]
    assert "karpenter.sh/nodepool-hash" in nodepool.body["metadata"]["annotations"]
    assert nodeclass.body["metadata"]["finalizers"] == ["karpenter.k8s.aws/termination"]
    lc.refresh()
    assert not lc.preview().changes(), "Karpenter's own metadata shows as drift"
    kc.ray_autoscale("ray", "dev", "l4", 1)
    (claim,) = k.nodeclaims.values()
    pools = lc.get_config("gpuPools")
    pools[0]["labels"] = {"team": "research"}
    lc.set_config("gpuPools", pools)
    edit = lc.up()
    assert "raystack-l4-spot-nodepool" in order(edit, "update"), edit.describe()
    assert nodepool.body["metadata"]["annotations"]["karpenter.sh/nodepool-hash"] and \
        nodepool.managers["karpenter"], "the apply kept Karpenter's fields"
    k.drift()
    assert claim.name in k.nodeclaims and not [e for e in k.events if e[0] == "evicted"], k.events

    nodepool.body["spec"]["disruption"]["budgets"] = [{"nodes": "10%"}]  # Karpenter's default budget, planted
    k.drift()
    assert ("evicted", POD, "drift") in k.events, k.events


def test_destroy_without_the_controller_leaves_the_nodeclass_terminating_and_the_instance():
    """Karpenter uninstalled by hand (or destroyed first): the EC2NodeClass's finalizer is never removed, the delete
    times out, and the instance stays (AWS nodeclass/controller.go finalize)."""
    lc = karpenter_dev()
    lc.up()
    kc = lc.kube_cluster("raystack-dev")
    kc.ray_autoscale("ray", "dev", "l4", 1)
    kc.karpenter = None
    with pytest.raises(EngineError, match="karpenter.k8s.aws/termination"):
        lc.destroy()
    (left,) = lc.aws.karpenter_instances.values()
    assert (left["type"], left["capacity"]) == ("g6.xlarge", "spot"), left  # the worker's node, still billed


def test_the_testing_docs_example_runs():
    """docs/testing.md's Karpenter example, as written."""
    lc = karpenter_dev()
    lc.up()
    kc = lc.kube_cluster("raystack-dev")
    kc.ray_autoscale("ray", "dev", "l4", 1)
    k = kc.karpenter
    (claim,) = k.nodeclaims.values()
    k.interrupt(claim.instance_id)
    assert ("drained-through-ray", "dev-l4-worker-0", "idle") in k.events
    k.consolidate()
    k.drift()
    lc.destroy()
    assert not lc.aws.karpenter_instances


def test_what_keeps_karpenter_from_launching_is_what_keeps_it_for_real():
    """Spot capacity gone: on-demand instead. The pool at its limits, the subnets' discovery tag removed by hand,
    the node role's access entry gone, the controller's Pod Identity association gone: the worker stays Pending,
    each with the reason Karpenter gives (lifecycle/karpenter.py cites them)."""
    lc = karpenter_dev()
    lc.up()
    kc = lc.kube_cluster("raystack-dev")
    k = kc.karpenter
    lc.aws.spot_unavailable.update({"g6.xlarge", "g5.xlarge"})  # only on-demand left for a 1-GPU node... or bigger
    kc.ray_autoscale("ray", "dev", "l4", 1)
    (claim,) = k.nodeclaims.values()
    assert claim.capacity_type == "spot" and claim.instance_type not in lc.aws.spot_unavailable, claim
    lc.aws.spot_unavailable.update(catalog.load_catalog())
    kc.ray_autoscale("ray", "dev", "l4", 2)
    assert [n.capacity_type for n in k.nodeclaims.values()].count("on-demand") == 1, k.nodeclaims

    np = kc.objects[("NodePool", "", "l4-spot")].body
    np["spec"]["limits"]["nvidia.com/gpu"] = "2"
    kc.ray_autoscale("ray", "dev", "l4", 3)
    assert "at its limits" in k.blocked["dev-l4-worker-2"], k.blocked
    np["spec"]["limits"]["nvidia.com/gpu"] = "16"

    for subnet in [s for s, tags in lc.aws.tags.items() if s.startswith("subnet-") and tags.get("karpenter.sh/discovery")]:
        del lc.aws.tags[subnet]["karpenter.sh/discovery"]
    kc.reconcile()
    assert "no subnets match" in k.blocked["dev-l4-worker-2"], k.blocked
    # The tags are the stack's: a refresh reads them gone (the subnets' own tags, and the security group's
    # aws.ec2.Tag, removed by hand too), and the next up puts them back; Karpenter then launches the waiting worker.
    (sg,) = [r for r in lc.aws.tags if r.startswith("sg-")]
    del lc.aws.tags[sg]["karpenter.sh/discovery"]
    lc.refresh()
    restored = lc.up()
    assert {"raystack-karpenter-sg-discovery"} <= set(order(restored, "create")), restored.describe()
    assert lc.aws.tags[sg]["karpenter.sh/discovery"] == "raystack-dev"
    kc.reconcile()
    assert "dev-l4-worker-2" not in k.blocked and len(k.nodeclaims) == 3, k.blocked


def test_a_node_without_its_access_entry_never_joins_and_the_controller_without_credentials_launches_nothing():
    lc = karpenter_dev()
    lc.up()
    kc = lc.kube_cluster("raystack-dev")
    k = kc.karpenter
    cluster = lc.aws.clusters["raystack-dev"]
    role = next(a for a, t in lc.aws.access_entry_types.items() if t == "EC2_LINUX")
    del cluster.access_entries[role]
    lc.aws.access_entry_types.pop(role)
    kc.ray_autoscale("ray", "dev", "l4", 1)
    assert not k.nodeclaims and not lc.aws.karpenter_instances
    assert k.events[-1][0] == "registration-timeout" and "EC2_LINUX" in k.blocked["dev-l4-worker-0"], k.events
    lc.refresh()
    lc.up()  # the access entry is Pulumi's: the next up creates it again
    assert lc.aws.access_entry_types.get(role) == "EC2_LINUX"
    kc.reconcile()  # Karpenter retries a Pending pod: the worker gets its node
    assert k.nodeclaims, k.blocked
    del cluster.pod_identity[("kube-system", "karpenter")]
    kc.ray_autoscale("ray", "dev", "l4", 2)
    assert "no AWS credentials" in k.blocked["dev-l4-worker-1"], k.blocked
    lc.refresh()
    lc.up()  # the association comes back with the next up after a refresh
    kc.reconcile()
    assert len(k.nodeclaims) == 2, k.blocked


def test_switching_a_running_dev_stack_to_karpenter():
    """Day 2: dev ran managed node groups; setting autoscaler karpenter (and the system pool's maxSize to its minSize)
    previews without the Karpenter CRDs in the cluster yet (pulumi-kubernetes@v4.32.0 provider.go: the preview of a
    create whose kind is not registered is skipped, gvkExists), then one up installs Karpenter before its NodePools,
    deletes the node groups and the Cluster Autoscaler, and the next worker lands on a Karpenter node."""
    lc = Lifecycle.for_stack(ROOT, "dev")
    lc.up()
    kc = lc.kube_cluster("raystack-dev")
    assert kc.karpenter is None and any("-l4-spot-" in n for n in lc.aws.clusters["raystack-dev"].nodegroups)
    lc.set_config("autoscaler", "karpenter")
    system = lc.get_config("systemPool")
    system["maxSize"] = system["minSize"]
    lc.set_config("systemPool", system)
    plan = lc.preview()
    assert {"raystack-l4-spot-nodepool", "raystack-karpenter-chart"} <= set(order(plan, "create")), plan.describe()
    switched = lc.up()
    assert "raystack-l4-spot-ng" in order(switched, "delete") and "raystack-autoscaler-chart" in order(switched, "delete")
    gone = order(switched, "delete")
    assert not [n for n in lc.aws.clusters["raystack-dev"].nodegroups if "-l4-spot-" in n], gone
    kc.ray_autoscale("ray", "dev", "l4", 1)
    assert kc.karpenter is not None and len(kc.karpenter.nodeclaims) == 1
    lc.destroy()
    assert not lc.aws.karpenter_instances and not lc.state


def test_a_neuron_nodepool_launches_one_device_inferentia_nodes():
    """The neuron variant: the serving group's worker (one Inferentia2 device) gets the cheapest candidate that holds
    it, inf2.xlarge, on Spot; trn1's NodePool launches nothing until its group asks."""
    from support import KARPENTER_NEURON

    lc = lifecycle("neuron")  # run from inside the stack's apiIngressCidrs (its endpoint is private)
    for k, v in KARPENTER_NEURON.items():
        lc.set_config(k, v)
    lc.up()
    kc = lc.kube_cluster("raystack-neuron")
    kc.ray_autoscale("ray-neuron", "serve", "inf2", 2)
    claims = sorted((n.nodepool, n.instance_type, n.capacity_type) for n in kc.karpenter.nodeclaims.values())
    assert claims == [("inf2", "inf2.xlarge", "spot")] * 2, claims
    lc.destroy()
    assert not lc.aws.karpenter_instances
