"""examples/team-stack (issue 13): a separate Pulumi project on the platform's exports. The platform
stack (prod) runs under the mock engine first; its real exports become what the team stack's
StackReference reads; the team stack then registers its namespace, a ResourceQuota with a GPU
cap, and a RayCluster and RayJob bound to a platform pool by name."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import ROOT, run_stack
from raystack import testing
from raystack.testing import mocks

TEAM = ROOT / "examples" / "team-stack"


@pytest.fixture
def platform_exports(monkeypatch):
    outputs = copy.deepcopy(run_stack("prod").outputs)
    assert {"cluster_name", "kubeconfig", "node_pools", "system_pool", "kuberay_namespace"} <= set(outputs)
    assert outputs["kubeconfig"] == testing.SECRET_PLACEHOLDER, "the platform exports its kubeconfig as a secret"
    outputs["kubeconfig"] = "apiVersion: v1\nkind: Config\n"  # the value a real StackReference would hand over
    monkeypatch.setitem(mocks.LIVE_STACK_OUTPUTS, "acme/raystack/prod", outputs)
    return outputs


def test_the_team_stack_builds_on_the_platforms_exports(platform_exports):
    rec = testing.run_stack(TEAM, "ml")
    (ref,) = [r for r in rec.reads if r[0] == "pulumi:pulumi:StackReference"]
    assert ref[2] == "acme/raystack/prod"
    (quota,) = rec.of_type("kubernetes:core/v1:ResourceQuota")
    assert quota.inputs["spec"]["hard"]["requests.nvidia.com/gpu"] == "8", quota.urn
    (ns,) = rec.of_type("kubernetes:core/v1:Namespace")
    assert ns.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    pool = next(p for p in platform_exports["node_pools"] if p["name"] == "l40s-x4")
    (group,) = rc.inputs["spec"]["workerGroupSpecs"]
    assert group["template"]["spec"]["nodeSelector"] == pool["node_selector"], rc.urn
    assert {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"} in \
        group["template"]["spec"]["tolerations"]
    assert group["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert quota.urn in rc.dependencies and ns.urn in rc.dependencies, rc.urn
    assert rec.of_type("kubernetes:ray.io/v1:RayJob"), "the team's RayJob"
    assocs = rec.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert {a.inputs["clusterName"] for a in assocs} == {platform_exports["cluster_name"]}
    policies = {r.inputs["metadata"]["namespace"] for r in rec.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")}
    assert policies == {"ml"}


def test_without_the_platforms_outputs_the_team_stack_fails_naming_the_reference():
    """Newcomer review P3: a StackReference with nothing to read failed with KeyError: 'kubeconfig'. The engine
    fails a reference to a stack it cannot read; so does the mock, saying how to give the outputs."""
    with pytest.raises(Exception, match=r"stack reference 'acme/raystack/prod': no outputs given.*--stack-outputs"):
        testing.run_stack(TEAM, "ml")


def test_outputs_from_a_file_of_pulumi_stack_output(platform_exports, tmp_path):
    """`pulumi stack output --json --show-secrets` writes an object of outputs: raystack.testing reads it."""
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(platform_exports))
    rec = testing.run_stack(TEAM, "ml", stack_outputs={"acme/raystack/prod": path})
    assert rec.of_type("kubernetes:ray.io/v1:RayCluster") and rec.of_type("kubernetes:ray.io/v1:RayJob")


def test_raystack_plan_plans_the_team_stack_on_the_platforms_plan(tmp_path, capsys):
    """Newcomer review P3 (issue 25): `raystack plan --format json` of the platform stack is what the team
    stack's plan reads (--stack-outputs REF=FILE); the plan knows the platform's pools, sizes the team's groups
    on them and prices them as the platform's bill."""
    from raystack.preview import cli

    assert cli.main(["plan", "--project-dir", str(ROOT), "--stack", "prod", "--format", "json", "--no-ray"]) == 0
    platform_plan = tmp_path / "prod-plan.json"
    platform_plan.write_text(capsys.readouterr().out)
    assert cli.main(["plan", "--project-dir", str(TEAM), "--stack", "ml", "--format", "json", "--no-ray",
                     "--stack-outputs", f"acme/raystack/prod={platform_plan}"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["valid"], err
    gpu = [r for r in doc["rayClusters"] if r["pool"] == "l40s-x4"]
    assert gpu and all(r["acceleratorsPerWorker"] == 1 for r in gpu), doc["rayClusters"]
    assert doc["cost"]["existingMaxUsdPerHour"] > 0, doc["cost"]
    assert "no pool 'l40s-x4' known" not in err, err
    assert cli.main(["plan", "--project-dir", str(TEAM), "--stack", "ml", "--stack-outputs", "prod.json"]) == 2


def test_the_same_team_stack_builds_on_an_aks_platform(monkeypatch):
    """Issue 21: the team stack works against either cloud. On the aks-prod platform its RayCluster's identity is
    a managed identity through Workload ID (federated credentials for its two accounts, Storage Blob Data roles
    on the team's containers), made with the platform's workload_identity output; no Pod Identity association."""
    outputs = copy.deepcopy(run_stack("aks-prod").outputs)
    assert outputs["cloud"] == "azure" and set(outputs["workload_identity"]) == {
        "resource_group_name", "location", "oidc_issuer_url", "subscription_id"}
    outputs["kubeconfig"] = "apiVersion: v1\nkind: Config\n"
    monkeypatch.setitem(mocks.LIVE_STACK_OUTPUTS, "acme/raystack/aks-prod", outputs)
    rec = testing.run_stack(TEAM, "ml-aks")
    assert not rec.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    fics = rec.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    assert sorted(f.inputs["subject"] for f in fics) == ["system:serviceaccount:ml:research-head",
                                                         "system:serviceaccount:ml:research-workers"]
    assert {f.inputs["issuer"] for f in fics} == {outputs["workload_identity"]["oidc_issuer_url"]}
    scopes = sorted(r.inputs["scope"].rsplit("/", 1)[1] for r in rec.of_type("azure-native:authorization:RoleAssignment"))
    assert scopes == ["ml-checkpoints", "ml-datasets"], scopes
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    (group,) = rc.inputs["spec"]["workerGroupSpecs"]
    assert group["template"]["metadata"]["labels"]["azure.workload.identity/use"] == "true", rc.urn
    assert rc.inputs["spec"]["headGroupSpec"]["template"]["spec"]["serviceAccountName"] == "research-head"
    pool = next(p for p in outputs["node_pools"] if p["name"] == "a100")
    assert group["template"]["spec"]["nodeSelector"] == pool["node_selector"], rc.urn


def test_the_same_team_stack_builds_on_a_gke_platform(monkeypatch):
    """Issue 22: on the gke-dev platform the team's RayCluster gets a Google service account through Workload
    Identity, made with the platform's workload_identity output: each of its two Kubernetes accounts may act as it
    and carries its email, and it holds object roles on the team's buckets only."""
    outputs = copy.deepcopy(run_stack("gke-dev").outputs)
    assert outputs["cloud"] == "gcp" and outputs["workload_identity"] == {"project": "raystack-dev",
                                                                      "cluster_name": "raystack-gke-dev"}
    outputs["kubeconfig"] = "apiVersion: v1\nkind: Config\n"
    monkeypatch.setitem(mocks.LIVE_STACK_OUTPUTS, "acme/raystack/gke-dev", outputs)
    rec = testing.run_stack(TEAM, "ml-gke")
    assert not rec.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    members = sorted(m.inputs["member"] for m in rec.of_type("gcp:serviceaccount/iAMMember:IAMMember"))
    assert members == ["serviceAccount:raystack-dev.svc.id.goog[ml/research-head]",
                       "serviceAccount:raystack-dev.svc.id.goog[ml/research-workers]"], members
    buckets = sorted((b.inputs["bucket"], b.inputs["role"]) for b in rec.of_type("gcp:storage/bucketIAMMember:BucketIAMMember"))
    assert buckets == [("acme-ml-checkpoints", "roles/storage.objectUser"),
                       ("acme-ml-datasets", "roles/storage.objectViewer")], buckets
    accounts = {a.inputs["metadata"]["name"]: a.inputs["metadata"].get("annotations", {})
                for a in rec.of_type("kubernetes:core/v1:ServiceAccount")}
    (gsa,) = rec.of_type("gcp:serviceaccount/account:Account")
    email = f"{gsa.inputs['accountId']}@raystack-dev.iam.gserviceaccount.com"
    assert accounts["research-workers"]["iam.gke.io/gcp-service-account"] == email, accounts
    assert accounts["research-head"]["iam.gke.io/gcp-service-account"] == email, accounts
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    assert rc.inputs["spec"]["headGroupSpec"]["template"]["spec"]["serviceAccountName"] == "research-head"
