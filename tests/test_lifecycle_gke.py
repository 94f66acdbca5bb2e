"""GKE stacks across runs, in the simulated Google Cloud project (raystack.testing.lifecycle.gcp): day 0 on an
empty project, day 2 after GKE's autoscaler and a team's edits, and destroy with and without deletion protection.

Each scenario names the GKE or provider rule it pins (the harness cites its source for each)."""

from __future__ import annotations

import pytest

pytest.importorskip("moto", reason="the lifecycle harness needs moto (dev extras)")

from raystack.testing.lifecycle import EngineError, Identity, Lifecycle  # noqa: E402
from test_lifecycle import ROOT, objects, pytestmark  # noqa: E402,F401

NODE_POOL = "gcp:container/nodePool:NodePool"
CLUSTER = "gcp:container/cluster:Cluster"


def steps(plan, op: str) -> list[str]:
    return sorted(s.urn.rsplit("::", 1)[1] for s in plan.steps if s.op == op)


def test_gke_dev_day0_autoscaler_drift_pool_edits_and_destroy():
    lc = Lifecycle.for_stack(ROOT, "gke-dev")
    first = lc.preview()
    # Day 0: the first preview of an empty project reads nothing (the kubeconfig is the cluster's outputs, unknown
    # until it exists); every step is a create.
    assert not first.recording.invokes, f"gke-dev: the first preview read {first.recording.invokes}"
    assert all(s.op == "create" for s in first.changes()), first.describe()
    lc.up(previewed=first)
    c = lc.gcp.clusters["raystack-gke-dev"]
    assert c.pools == {"system": 1, "l4spot": 0}, c.pools
    assert not c.private_endpoint and c.authorized == ["0.0.0.0/0"], "gke-dev: API access as the stack says"
    assert not c.deletion_protection, "gke-dev: pulumi-gcp's default deletion_protection would block destroy"
    assert [o.name for _, o in objects(lc, "RayCluster")] == ["dev"], "gke-dev: the RayCluster runs"

    # Day 2: GKE's cluster autoscaler moved both pools. A plain preview shows nothing; a refresh reads node_count,
    # which raystack never sets (initial_node_count is ignored after creation), so nothing shows after it either.
    lc.gcp.autoscale("raystack-gke-dev", "l4spot", 2)
    lc.gcp.autoscale("raystack-gke-dev", "system", 3)
    assert not lc.preview().changes(), "gke-dev: day 0 left a diff, or the autoscaler's counts show in a preview"
    lc.refresh()
    after = lc.preview()
    assert not after.changes(), f"gke-dev: after refresh the autoscaler's counts show:\n{after.describe()}"

    # A team raises the pool's maximum: the autoscaling bounds update in place.
    pools = lc.get_config("gpuPools")
    pools[0]["maxSize"] = 4
    lc.set_config("gpuPools", pools)
    edit = lc.up()
    assert "raystack-l4spot-pool" in steps(edit, "update") and not steps(edit, "replace"), edit.describe()
    assert lc.gcp.clusters["raystack-gke-dev"].pool_specs["l4spot"]["autoscaling"]["totalMaxNodeCount"] == 4

    # Spot to on-demand is another node pool (node_config.spot is ForceNew): replaced, the rest untouched.
    pools[0]["capacityType"] = "ON_DEMAND"
    lc.set_config("gpuPools", pools)
    moved = lc.up()
    assert steps(moved, "replace") == ["raystack-l4spot-pool"], moved.describe()

    # A node pool deleted by hand: the refresh drops it (a 404 on read), and `up` creates it again, nothing else.
    (pool,) = [r for r in lc.state.values() if r.type == NODE_POOL and r.inputs["name"] == "l4spot"]
    lc.gcp.delete(NODE_POOL, pool.id, pool.inputs)
    lc.refresh()
    again = lc.up()
    assert steps(again, "create") == ["raystack-l4spot-pool"], again.describe()

    lc.destroy()
    assert not lc.gcp.resources and not lc.gcp.clusters, f"gke-dev: destroy left {sorted(lc.gcp.resources)}"
    assert not lc.kube and not lc.state, "gke-dev: destroy left state or a cluster"


def test_gke_tpu_slice_under_the_hosted_operator_and_a_protected_cluster():
    """gke-tpu: a private endpoint reached from the VPC; GKE's Ray Operator add-on runs the RayJob on the v5e-16
    slice (its hosted operator admitted by the cluster's NetworkPolicy from the control plane's range); a topology
    edit replaces the slice's node pool; with protect on, the provider's deletion_protection stops destroy."""
    lc = Lifecycle.for_stack(ROOT, "gke-tpu", identity=Identity("deployer", routes_into_vpc=True))
    lc.up()
    c = lc.gcp.clusters["raystack-gke-tpu"]
    assert c.private_endpoint and c.ray_operator and c.pools["v5e-0"] == 0, c
    assert c.pool_specs["v5e-0"]["placementPolicy"] == {"type": "COMPACT", "tpuTopology": "4x4"}
    (job,) = [o for _, o in objects(lc, "RayJob")]
    assert job.status.get("jobDeploymentStatus") not in (None, "Failed"), job.status
    # The hosted operator calls the head's dashboard (HTTPMode jobs, RayServices): the cluster's NetworkPolicy admits
    # it from the control plane's range, and nothing else from outside the cluster's pods.
    kc = lc.kube["raystack-gke-tpu"]
    assert kc.operator_reaches_head(job, 8265) and kc.operator_reaches_head(job, 8000)
    head = {**job.body["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["metadata"]["labels"],
            "ray.io/node-type": "head"}
    assert kc.admits("ray", head, "", {}, 8265, "172.16.0.1") and not kc.admits("ray", head, "", {}, 8265, "10.41.0.9")

    # From outside the VPC the private endpoint does not answer: every Kubernetes write fails, as it would.
    lc.identity = Identity("laptop", source_ip="203.0.113.7", routes_into_vpc=False)
    pools = lc.get_config("gpuPools")
    pools[0]["tpuTopology"] = "4x8"  # v5e-32: 8 hosts a slice
    lc.set_config("gpuPools", pools)
    with pytest.raises(EngineError, match="numOfHosts"):  # the job still says 4 hosts: refused before any change
        lc.up()
    lc.set_config("rayJobs", [])
    with pytest.raises(EngineError, match="endpoint is private"):
        lc.up()
    # The Google Cloud steps ran before the first Kubernetes call failed (steps run in dependency order): the slice's
    # node pool was replaced, deleted first (placementPolicy is ForceNew, and the name is taken).
    assert lc.gcp.clusters["raystack-gke-tpu"].pool_specs["v5e-0"]["placementPolicy"]["tpuTopology"] == "4x8"
    lc.identity = Identity("deployer", routes_into_vpc=True)
    finish = lc.up()
    assert "raystack-rayjob-jax-v5e-16-rayjob" in steps(finish, "delete") and not steps(finish, "replace"), \
        finish.describe()

    lc.set_config("protect", True)
    lc.up()
    assert lc.gcp.clusters["raystack-gke-tpu"].deletion_protection
    with pytest.raises(EngineError):
        lc.destroy()
    assert "raystack-gke-tpu" in lc.gcp.clusters, "a protected cluster stays"


def test_a_gke_cluster_deleted_by_hand_is_not_seen_until_refresh_which_then_names_the_unreachable_cluster():
    """Nothing reads the cluster at program time (its kubeconfig is built from the state's outputs), so a plain preview
    after someone deleted the cluster shows no change; a refresh drops the cluster (the provider's read answers 404)
    and stops at the first Kubernetes object, whose API server is gone: pulumi-kubernetes fails on an unreachable
    cluster (provider.go), naming it."""
    lc = Lifecycle.for_stack(ROOT, "gke-dev")
    lc.up()
    (cluster,) = [r for r in lc.state.values() if r.type == CLUSTER]
    lc.gcp.delete(CLUSTER, cluster.id, cluster.inputs)
    lc.kube.pop("raystack-gke-dev")
    assert not lc.preview().changes(), "gke-dev: a plain preview cannot see the deleted cluster"
    with pytest.raises(EngineError, match="unreachable"):
        lc.refresh()
