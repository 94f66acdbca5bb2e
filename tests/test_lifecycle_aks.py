"""AKS stacks across runs, in the simulated Azure subscription (raystack.testing.lifecycle.azure): day 0 on an
empty subscription, day 2 after AKS's autoscaler and a team's edits, other runners, and destroy.

Each scenario names the Azure or AKS rule it pins (the harness cites its source for each)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("moto", reason="the lifecycle harness needs moto (dev extras)")

from raystack.clouds.azure import aks  # noqa: E402
from raystack.testing.lifecycle import EngineError, Identity, Lifecycle  # noqa: E402
from raystack.testing.lifecycle.azure import Azure  # noqa: E402
from test_lifecycle import ROOT, objects, pytestmark  # noqa: E402,F401

AGENT_POOL = "azure-native:containerservice:AgentPool"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials"
STORAGE = ("/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/data/providers/Microsoft.Storage/"
           "storageAccounts/raystackdata")


def steps(plan, op: str) -> list[str]:
    return sorted(s.urn.rsplit("::", 1)[1] for s in plan.steps if s.op == op)


def test_aks_dev_day0_day2_another_runner_and_destroy():
    lc = Lifecycle.for_stack(ROOT, "aks-dev")
    first = lc.preview()
    # The first preview of an empty subscription lists no credentials of a cluster that does not exist yet (the
    # invoke's inputs are the cluster's outputs; ARM would answer ResourceNotFound).
    assert not [t for t, _ in first.recording.invokes if t == CREDENTIALS], "aks-dev: first preview read credentials"
    lc.up(previewed=first)
    c = lc.azure.clusters["raystack-aks-dev"]
    assert c.pools == {"system": 1, "t4spot": 0}, c.pools
    assert not c.private and c.authorized == ["0.0.0.0/0"], "aks-dev: API access as the stack says"
    assert "kuberay" in c.extensions, "aks-dev: AKS's KubeRay extension (kuberay.operator: managed)"
    kc = lc.kube["raystack-aks-dev"]
    assert {"RayCluster", "RayJob"} <= kc.crds and kc.operator is not None, "aks-dev: the extension's CRDs and operator"
    assert [o.name for _, o in objects(lc, "RayCluster")] == ["dev"], "aks-dev: the RayCluster runs"

    # Day 2: AKS's cluster autoscaler moved both pools. Nothing reads them at program time, so a plain preview (the
    # first after day 0) shows nothing; a refresh reads the counts, and count is ignored.
    lc.azure.autoscale("raystack-aks-dev", "t4spot", 2)
    lc.azure.autoscale("raystack-aks-dev", "system", 3)
    assert not lc.preview().changes(), "aks-dev: day 0 left a diff, or the autoscaler's counts show in a preview"
    lc.refresh()
    after = lc.preview()
    assert not after.changes(), f"aks-dev: after refresh the autoscaler's counts show:\n{after.describe()}"

    # Someone deletes the GPU pool by hand. A refresh drops it (pulumi-azure-native provider.go Read: "404 means
    # that the resource was deleted"), and `up` creates it again at its minimum, and nothing else.
    (pool,) = [r for r in lc.state.values() if r.type == AGENT_POOL]
    lc.azure.delete(AGENT_POOL, pool.id, pool.inputs)
    lc.refresh()
    again = lc.up()
    assert steps(again, "create") == ["raystack-t4spot-pool"], again.describe()
    assert lc.azure.clusters["raystack-aks-dev"].pools["t4spot"] == 0

    # A team raises the pool's maximum: AKS updates the pool in place (maxCount is not fixed at creation).
    pools = lc.get_config("gpuPools")
    pools[0]["maxSize"] = 4
    lc.set_config("gpuPools", pools)
    edit = lc.up()  # (the worker group's maximum follows its pool's: the RayCluster updates too)
    assert "raystack-t4spot-pool" in steps(edit, "update") and not steps(edit, "replace"), edit.describe()
    assert lc.azure.clusters["raystack-aks-dev"].pool_specs["t4spot"]["maxCount"] == 4

    # A team moves the pool to a bigger size: AKS refuses to change vmSize on a pool ("Taints and VM sizes can
    # only be set for node pools during node pool creation"), so the pool is replaced, deleted first (one name).
    pools[0]["instanceType"] = "Standard_NC8as_T4_v3"
    lc.set_config("gpuPools", pools)
    moved = lc.up()
    assert "raystack-t4spot-pool" in steps(moved, "replace"), moved.describe()
    assert lc.azure.clusters["raystack-aks-dev"].pool_specs["t4spot"]["vmSize"] == "Standard_NC8as_T4_v3"

    # Another runner (a CI identity) runs `up`: Azure refuses to change an assignment's principal
    # (RoleAssignmentUpdateNotPermitted), and the creator's Cluster Admin assignment stays the creator's.
    admins = {r.urn: dict(r.inputs) for r in lc.state.values() if r.type == ASSIGNMENT}
    lc.identity = Identity("ci-runner")
    plan = lc.up()
    assert not [s for s in plan.steps if s.type == ASSIGNMENT and s.op != "same"], plan.describe()
    assert {r.urn: dict(r.inputs) for r in lc.state.values() if r.type == ASSIGNMENT} == admins
    # That runner has no Kubernetes role on the cluster (no azure.adminGroupObjectIds here): it cannot delete the
    # Ray objects, so destroy is the creator's.
    with pytest.raises(EngineError, match="has no Azure Kubernetes Service RBAC role"):
        lc.destroy()
    lc.identity = Identity("deployer")
    lc.destroy()
    assert not lc.azure.resources and not lc.azure.clusters and not lc.azure.groups, "aks-dev: destroy left Azure"
    assert not lc.kube and not lc.state, "aks-dev: destroy left state or a cluster"


def test_the_first_up_waits_for_azure_rbac_to_propagate(monkeypatch):
    """manage-azure-rbac.md: new role assignments take up to five minutes. Without the wait the first Kubernetes
    write is refused; with raystack's the first `up` goes through (the scenario above)."""
    monkeypatch.setattr(aks, "RBAC_PROPAGATION", "1m")
    lc = Lifecycle.for_stack(ROOT, "aks-dev")
    with pytest.raises(EngineError, match="has not propagated yet"):
        lc.up()


def test_rbac_assignments_take_effect_after_five_minutes_or_a_run():
    az = Azure()
    az.groups["g"] = set()
    from raystack.testing.lifecycle.azure import Aks
    az.clusters["c"] = Aks("c", "g", "subnet", False, [])
    az.resources[az.resources_of(az.clusters["c"])] = {}
    az.principals.add("p")
    az.assign({"scope": az.resources_of(az.clusters["c"]), "principalId": "p", "roleDefinitionId":
               "/x/roleDefinitions/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"}, "p")
    assert "has not propagated" in (az.authorized("c", "p", write=True) or "")
    az.sleep("4m")
    assert "has not propagated" in (az.authorized("c", "p", write=True) or "")
    az.sleep("5m")
    assert az.authorized("c", "p", write=True) is None
    assert "no Azure Kubernetes Service RBAC role" in (az.authorized("c", "q", write=False) or "")


def test_a_private_aks_cluster_is_unreachable_from_outside_its_vnet():
    """private-clusters.md: the API server answers inside the VNet. A runner that does not route there gets as far
    as the Azure resources, and fails at the first Kubernetes write (resolve cannot see routes)."""
    lc = Lifecycle.for_stack(ROOT, "aks-prod", identity=Identity("outside", routes_into_vpc=False))
    with pytest.raises(EngineError, match="does not route into its VNet"):
        lc.up()
    inside = Lifecycle.for_stack(ROOT, "aks-prod")
    inside.up()
    assert inside.azure.clusters["raystack-aks-prod"].private
    assert {o.name for _, o in objects(inside, "RayCluster")} == {"training", "inference"}
    # prod protects the cluster: destroy stops there (the engine refuses to delete a protected resource).
    with pytest.raises(EngineError, match="protected"):
        inside.destroy()
    # The one read at program time is the kubeconfig (listClusterUserCredential), made once the cluster exists. If
    # someone deletes the cluster, the next preview fails there, naming the missing cluster (ARM answers 404; the
    # provider's Invoke fails "request failed"), instead of planning against a cluster that is gone.
    (mc,) = [r for r in inside.state.values() if r.type == "azure-native:containerservice:ManagedCluster"]
    inside.azure.delete(mc.type, mc.id, mc.inputs)
    inside.kube.pop("raystack-aks-prod")
    with pytest.raises(EngineError, match="ResourceNotFound.*raystack-aks-prod"):
        inside.preview()


def test_workload_identity_reaches_the_pods():
    """podIdentity on AKS: a managed identity with a federated credential per service account (the head's is
    raystack's, annotated like the workers'), a Storage Blob Data role on the scope, and pods the webhook mutates."""
    lc = Lifecycle.for_stack(ROOT, "aks-dev")
    lc.set_config("kuberay", {"operator": "helm"})
    lc.set_config("rayClusters", [{
        "name": "dev", "namespace": "ray", "serviceAccount": {"name": "dev-workers", "podIdentity": {
            "storageReadWrite": [STORAGE]}},
        "workerGroups": [{"name": "t4", "pool": "t4spot", "minWorkers": 0}]}])
    lc.azure.resources[STORAGE] = {}  # the team's storage account, outside the stack
    lc.up()
    fics = sorted(r.inputs["subject"] for r in lc.state.values()
                  if r.type == "azure-native:managedidentity:FederatedIdentityCredential")
    assert fics == ["system:serviceaccount:ray:dev-head", "system:serviceaccount:ray:dev-workers"], fics
    (uai,) = [r for r in lc.state.values() if r.type == "azure-native:managedidentity:UserAssignedIdentity"]
    grants = [a for a in lc.azure.assignments.values() if a.scope == STORAGE]
    assert [(a.principal, a.role) for a in grants] == [(uai.outputs["principalId"],
                                                        "ba92f5b4-2d11-453d-a403-e96b0029c9fe")], grants
    accounts = {o.name: o for _, o in objects(lc, "ServiceAccount")}
    for name in ("dev-workers", "dev-head"):
        annotations = accounts[name].body["metadata"].get("annotations") or {}
        assert annotations.get("azure.workload.identity/client-id") == uai.outputs["clientId"], name
    (rc,) = [o for _, o in objects(lc, "RayCluster")]
    spec = rc.body["spec"]
    head = spec["headGroupSpec"]["template"]
    assert head["spec"]["serviceAccountName"] == "dev-head"
    for t in [head] + [g["template"] for g in spec["workerGroupSpecs"]]:
        assert t["metadata"]["labels"]["azure.workload.identity/use"] == "true", json.dumps(t["metadata"])
    lc.destroy()
    assert list(lc.azure.resources) == [STORAGE] and not lc.azure.assignments, "the team's account stays"
