"""RayJobs, RayServices and RayCronJobs (issue 10): the shipped `serving` stack under the mock
engine, checked against oracles nobody here wrote: KubeRay v1.7.0's CRD schema of each kind
(strict), Ray's own RayCluster parser on the embedded cluster spec, Kubernetes' Pod schema for the
submitter, and the KubeRay chart's own values."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
import yaml
from conftest import CRD_DIR, run_stack
from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr
from raystack import ConfigError, resolve, testing
from raystack.rules.workloads import check_cron_schedule
from support import stack_spec

KINDS = ("RayJob", "RayService", "RayCronJob")


def workloads(rec: testing.Recording) -> dict[str, list[testing.Registered]]:
    return {k: rec.of_type(f"kubernetes:ray.io/v1:{k}") for k in KINDS}


def obj(r: testing.Registered) -> dict:
    return {"apiVersion": r.inputs["apiVersion"], "kind": r.inputs["kind"], "metadata": r.inputs["metadata"],
            "spec": r.inputs["spec"]}


def embedded(r: testing.Registered) -> dict | None:
    spec = r.inputs["spec"]
    if r.inputs["kind"] == "RayCronJob":
        spec = spec["jobTemplate"]
    return spec.get("rayClusterSpec") or spec.get("rayClusterConfig")


@pytest.fixture(scope="module")
def serving() -> testing.Recording:
    return run_stack("serving")


def test_the_serving_stack_declares_each_kind_bound_to_pools(serving):
    got = workloads(serving)
    assert [len(got[k]) for k in KINDS] == [1, 1, 1], {k: [r.urn for r in v] for k, v in got.items()}
    (svc,) = got["RayService"]
    (job,) = got["RayJob"]
    # vLLM-style serving: one GPU per replica, on the L4 pool; the job on Spot L4 nodes.
    serve = yaml.safe_load(svc.inputs["spec"]["serveConfigV2"])
    (dep,) = serve["applications"][0]["deployments"]
    assert dep["ray_actor_options"]["num_gpus"] == 1, svc.urn
    for r, pool in ((svc, "l4-serve"), (job, "l4-batch")):
        (group,) = embedded(r)["workerGroupSpecs"]
        assert group["template"]["metadata"]["labels"]["raystack.io/pool"] == pool, r.urn


@pytest.mark.parametrize("kind", KINDS)
def test_each_workload_passes_its_kuberay_crd_schema(serving, kuberay_schema, kind):
    validator = jsonschema.Draft7Validator(kuberay_schema(kind))
    for r in workloads(serving)[kind]:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(obj(r))]
        assert not errors, f"{r.urn}: {errors}"


def test_ray_parses_every_embedded_cluster_and_gpu_groups_tolerate_and_select_their_pool(serving):
    platform = resolve(_raw("serving"), stack="serving", region="us-east-1")
    pools = platform.pools
    clusters = [(r, embedded(r)) for v in workloads(serving).values() for r in v if embedded(r)]
    assert len(clusters) == 2
    for r, spec in clusters:
        types = _derive_autoscaling_config_from_ray_cr({"metadata": r.inputs["metadata"], "spec": spec})[
            "available_node_types"]
        assert types["headgroup"]["resources"]["CPU"] == 0, r.urn  # the head runs no tasks
        for g in spec["workerGroupSpecs"]:
            pool = pools[g["template"]["metadata"]["labels"]["raystack.io/pool"]]
            pod = g["template"]["spec"]
            assert pod["nodeSelector"] == pool.node_selector, r.urn
            assert all(t in pod["tolerations"] for t in pool.tolerations), r.urn
            assert types[g["groupName"]]["resources"]["GPU"] == pool.accelerators_per_node, r.urn
        assert "upgradeStrategy" not in spec, "KubeRay refuses upgradeStrategy in a RayJob's or RayService's cluster"


def test_pulumi_up_waits_for_each_job_and_service(serving):
    got = workloads(serving)
    (job,) = got["RayJob"]
    (svc,) = got["RayService"]
    assert job.inputs["metadata"]["annotations"]["pulumi.com/waitFor"] == "jsonpath={.status.jobStatus}"
    # Ready alone stays True through a failing update (K8s N3): no pending upgrade, every application RUNNING.
    assert json.loads(svc.inputs["metadata"]["annotations"]["pulumi.com/waitFor"]) == [
        "condition=Ready", "condition=UpgradeInProgress=False",
        "jsonpath={.status.activeServiceStatus.applicationStatuses.llm.status}=RUNNING"]
    for r in (job, svc):
        assert int(r.inputs["metadata"]["annotations"]["pulumi.com/timeoutSeconds"]) >= 1800, r.urn


def test_a_changed_job_is_replaced_not_updated(serving):
    """KubeRay reads a RayJob's spec only while starting it: an in-place edit would run nothing."""
    (job,) = workloads(serving)["RayJob"]
    assert job.replace_on_changes == ["spec"] and job.delete_before_replace, job.urn
    (svc,) = workloads(serving)["RayService"]
    assert not svc.replace_on_changes, "a RayService upgrades in place (NewCluster)"


def test_the_submitter_is_a_restricted_pod_on_the_head_pool(serving):
    import kubernetes_validate
    from raystack import versions
    from raystack.rules.kube_objects import kubernetes_schema_version

    (job,) = workloads(serving)["RayJob"]
    (cron,) = workloads(serving)["RayCronJob"]
    for r, tmpl in ((job, job.inputs["spec"]["submitterPodTemplate"]),
                    (cron, cron.inputs["spec"]["jobTemplate"]["submitterPodTemplate"])):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "s", **tmpl["metadata"]}, "spec": tmpl["spec"]}
        kubernetes_validate.validate(pod, kubernetes_schema_version(versions.EKS_VERSION), strict=True)
        (c,) = tmpl["spec"]["containers"]
        assert c["securityContext"]["runAsNonRoot"] and c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert "command" not in c, f"{r.urn}: KubeRay writes the submit command only when none is given"
        assert tmpl["spec"]["nodeSelector"] == {"raystack.io/pool": "system"}, r.urn


def test_network_policies_admit_the_clusters_own_pods_and_rayjob_submitters(serving):
    """Review finding 9 (kubernetes-deploy-review): a RayJob's submitter pod carries only KubeRay's
    labels (rayjob_controller.go getSubmitterTemplate, v1.7.0), so every Ray cluster admits pods
    labelled ray.io/originated-from-crd=RayJob of its namespace on 8265: the stack's RayJobs and
    RayCronJobs, and those applied with kubectl against a RayCluster of the stack."""
    pols = {r.inputs["metadata"]["name"]: r.inputs["spec"] for r in
            serving.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")}
    job = pols["batch-embed-ingress"]
    assert job["podSelector"] == {"matchLabels": {"raystack.io/workload": "rayjob.batch-embed"}}
    (job_r,) = workloads(serving)["RayJob"]
    for g in [embedded(job_r)["headGroupSpec"], *embedded(job_r)["workerGroupSpecs"]]:
        assert g["template"]["metadata"]["labels"]["raystack.io/workload"] == "rayjob.batch-embed"
    submitters = {"from": [{"podSelector": {"matchLabels": {"ray.io/originated-from-crd": "RayJob"}}}],
                  "ports": [{"protocol": "TCP", "port": 8265}]}
    for name in ("batch-embed-ingress", "eval-ingress", "llm-ingress"):
        assert submitters in pols[name]["ingress"], name
    # The service admits the gateway namespace on 8000 only.
    svc = pols["llm-ingress"]
    assert any(r.get("ports") == [{"protocol": "TCP", "port": 8000}] for r in svc["ingress"])


def test_workloads_wait_for_operator_crds_pools_identity_and_their_cluster(serving):
    (crds,) = serving.of_type("kubernetes:yaml/v2:ConfigGroup")
    operator = next(r for r in serving.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "kuberay-operator")
    groups = {ng.inputs["labels"]["raystack.io/pool"]: ng.urn for ng in serving.of_type("aws:eks/nodeGroup:NodeGroup")}
    got = workloads(serving)
    for r in [*got["RayJob"], *got["RayService"], *got["RayCronJob"]]:
        assert {crds.urn, operator.urn} <= set(r.dependencies), r.urn
    (job,) = got["RayJob"]
    (svc,) = got["RayService"]
    assert groups["l4-batch"] in job.dependencies and groups["l4-serve"] in svc.dependencies
    assocs = [a.urn for a in serving.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
              if a.inputs["namespace"] == "ml"]
    accounts = sorted(a.inputs["serviceAccount"] for a in serving.of_type(
        "aws:eks/podIdentityAssociation:PodIdentityAssociation") if a.inputs["namespace"] == "ml")
    # The eval RayCluster's accounts too: the stack ships logs through every Ray cluster's Pod Identity role.
    assert accounts == ["batch-embed-head", "batch-embed-workers", "eval", "eval-workers"]
    assert {a for a in assocs if "batch-embed" in a} <= set(job.dependencies), \
        "the Pod Identity webhook acts only at admission"
    head = embedded(job)["headGroupSpec"]["template"]["spec"]
    assert head["serviceAccountName"] == "batch-embed-head", "KubeRay binds the autoscaler Role to the head's account"
    sas = {s.inputs["metadata"]["name"] for s in serving.of_type("kubernetes:core/v1:ServiceAccount")}
    assert {"batch-embed-head", "batch-embed-workers"} <= sas
    (cron,) = got["RayCronJob"]
    (eval_rc,) = [r for r in serving.of_type("kubernetes:ray.io/v1:RayCluster")
                  if r.inputs["metadata"]["name"] == "eval"]
    assert eval_rc.urn in cron.dependencies, "a clusterSelector job waits for its RayCluster"


def test_the_operator_runs_the_raycronjob_controller(serving):
    operator = next(r for r in serving.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "kuberay-operator")
    gates = {g["name"]: g["enabled"] for g in operator.inputs["values"]["featureGates"]}
    assert gates["RayCronJob"] is True


def test_the_feature_gate_list_is_the_charts_own():
    """Helm replaces a list value whole: the list raystack sends must be the chart's, one gate flipped."""
    from raystack.kube.values import KUBERAY_CHART_FEATURE_GATES

    values = CRD_DIR.parent / "helm-kuberay-operator" / "values.yaml"
    if not values.exists():
        pytest.skip(f"{values} not found (../shared is present only beside a dev checkout and in CI)")
    chart = yaml.safe_load(values.read_text())["featureGates"]
    assert [(g["name"], g["enabled"]) for g in chart] == list(KUBERAY_CHART_FEATURE_GATES)


def test_outputs_name_endpoints_and_job_ids(serving):
    out = {w["name"]: w for w in serving.outputs["ray_workloads"]}
    assert out["llm"]["serve_url"] == "http://llm-serve-svc.serving.svc.cluster.local:8000"
    assert out["batch-embed"]["dashboard_url"] == "http://batch-embed-head-svc.ml.svc.cluster.local:8265"
    (job,) = workloads(serving)["RayJob"]
    assert "jobId" not in job.inputs["spec"] and "job_id" not in out["batch-embed"], \
        "KubeRay gives each RayJob object its own submission id (GenerateRayJobId)"
    assert "dashboard_url" not in out["nightly-eval"], "each run of a RayCronJob has a generated name"


def _raw(stack: str) -> dict:
    return stack_spec(stack)


def test_no_job_spec_names_a_submission_id():
    """K8s N15: an id from the spec comes back when an edit is reverted; KubeRay's own (one per object) does not."""
    raw = _raw("serving")
    changed = copy.deepcopy(raw)
    changed["rayJobs"][0]["entrypoint"] += " --limit 10"
    for r in (raw, changed):
        assert all("jobId" not in w.manifest["spec"] for w in resolve(r, region="us-east-1").ray_workloads if w.kind == "RayJob")


# --- cron schedules, as robfig/cron ParseStandard reads them (KubeRay's RayCronJob controller) ------

GOOD = ["0 3 * * *", "*/15 * * * *", "0 0 1 1 *", "30 2 * * mon-fri", "0 9-17/2 * * 1,3,5", "@daily", "@hourly",
        "@every 6h", "@every 1h30m", "0 0 ? * SUN", "5 4 * JAN-MAR *"]
BAD = ["0 3 * *", "60 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 * 13 *", "0 0 * * 7", "*/0 * * * *", "@weekdays",
       "@every", "@every 5", "0 0 * * mon-", "5-1 * * * *", "TZ=UTC 0 3 * * *", "0 3 * * * *"]


@pytest.mark.parametrize("schedule", GOOD)
def test_valid_cron_schedules_pass(schedule):
    findings: list = []
    check_cron_schedule("s", schedule, findings)
    assert not findings, findings


@pytest.mark.parametrize("schedule", BAD)
def test_invalid_cron_schedules_are_refused(schedule):
    findings: list = []
    check_cron_schedule("s", schedule, findings)
    assert len(findings) == 1 and findings[0].key == "s", findings


# --- the components on their own ------------------------------------------------------------------

def _pools():
    platform = resolve({"clusterName": "u", "apiIngressCidrs": ["10.0.0.0/16"],
                        "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}]})
    return [p.to_descriptor() for p in platform.pools.values()], platform.system_pool.facts.to_descriptor()


def test_the_rayjob_component_registers_a_job_on_its_pools():
    from raystack import RayJob

    pools, head = _pools()

    def program():
        RayJob("train", {"job": {"name": "train", "entrypoint": "python train.py",
                                 "ray_cluster": {"worker_groups": [{"name": "g", "pool": "l4"}]}},
                         "pools": pools, "head_pool": head})

    rec = testing.run(program, {})
    (job,) = rec.of_type("kubernetes:ray.io/v1:RayJob")
    assert job.parent.endswith("raystack:index:RayJob::train"), job.urn
    assert rec.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy"), "the job's cluster is isolated"


def test_the_standalone_component_refuses_a_cluster_selector_before_registering():
    from raystack import RayJob

    pools, head = _pools()
    rec = testing.Recording()
    with pytest.raises(ConfigError) as err:
        testing.run(lambda: RayJob("j", {"job": {"name": "j", "entrypoint": "x", "cluster_selector": "rc"},
                                         "pools": pools, "head_pool": head}), {}, recording=rec)
    assert [f.key for f in err.value.findings] == ["job.clusterSelector"]
    assert not rec.resources


def test_a_rayservice_head_declares_the_serve_port_kuberay_builds_its_service_from(serving):
    """KubeRay v1.7.0 (common/service.go BuildServeService) makes the serve Service from the head
    container's ports named "serve" or "serve-*"; without one (and no serveService) it creates no
    Service and reports an error. RayClusters of the stack keep their ports."""
    (svc,) = workloads(serving)["RayService"]
    ports = embedded(svc)["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"]
    assert any(p["name"] == "serve" or p["name"].startswith("serve-") for p in ports), ports
    assert {"name": "serve", "containerPort": 8000} in ports
    (job,) = workloads(serving)["RayJob"]
    assert all(p["name"] != "serve" for p in embedded(job)["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"])


def test_waiting_for_a_jobs_success_waits_its_deadline_too():
    raw = _raw("serving")
    raw["rayJobs"][0]["waitForCompletion"] = True  # activeDeadlineSeconds: 14400
    (job,) = [w for w in resolve(raw, region="us-east-1").ray_workloads if w.kind == "RayJob"]
    ann = job.manifest["metadata"]["annotations"]
    assert ann["pulumi.com/waitFor"] == "jsonpath={.status.jobStatus}=SUCCEEDED"
    assert int(ann["pulumi.com/timeoutSeconds"]) == 14400 + 1800
    raw["rayJobs"][0]["timeoutSeconds"] = 600  # said explicitly: kept
    (job,) = [w for w in resolve(raw, region="us-east-1").ray_workloads if w.kind == "RayJob"]
    assert job.manifest["metadata"]["annotations"]["pulumi.com/timeoutSeconds"] == "600"


@pytest.mark.parametrize("own_cluster", [True, False])
def test_cron_runs_delete_themselves_as_kuberay_validates_it(own_cluster):
    """K8s N13: KubeRay v1.7.0's RayCronJob controller never removes the RayJobs it creates; each run
    carries deletionRules (utils/validation.go validateDeletionStrategy / validateDeletionRules): not with
    shutdownAfterJobFinishes, DeleteCluster only on a cluster of its own, one rule per (condition, policy),
    exactly one of jobStatus and jobDeploymentStatus, DeleteSelf not before DeleteCluster."""
    from raystack.ray.workloads import CRON_RUN_HISTORY_SECONDS, raycronjob_manifest

    job = {"entrypoint": "python x.py", "submissionMode": "K8sJobMode", "shutdownAfterJobFinishes": True,
           "ttlSecondsAfterFinished": 60, **({"rayClusterSpec": {}} if own_cluster else
                                              {"clusterSelector": {"ray.io/cluster": "c"}})}
    spec = raycronjob_manifest("n", "ns", schedule="@daily", time_zone=None, suspend=False, job_spec=job)["spec"]
    tmpl = spec["jobTemplate"]
    assert "shutdownAfterJobFinishes" not in tmpl and "ttlSecondsAfterFinished" not in tmpl
    rules = tmpl["deletionStrategy"]["deletionRules"]
    keys = [(r["policy"], tuple(sorted(k for k in r["condition"] if k != "ttlSeconds")),
             r["condition"].get("jobStatus") or r["condition"].get("jobDeploymentStatus")) for r in rules]
    assert len(keys) == len(set(keys)), "one rule per (condition, policy)"
    assert all(len([k for k in r["condition"] if k != "ttlSeconds"]) == 1 for r in rules)
    assert ("DeleteCluster" in {r["policy"] for r in rules}) is own_cluster
    for r in rules:
        if r["policy"] == "DeleteSelf":
            assert r["condition"]["ttlSeconds"] == CRON_RUN_HISTORY_SECONDS
        else:
            assert r["condition"]["ttlSeconds"] == 0
