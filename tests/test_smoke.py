"""`smokeTest: true` (issue 10): a RayJob that asks Ray for one accelerator on each accelerator worker
group and checks the device is visible, so `pulumi up` fails when a group can never schedule. The
probe script itself is run against a real local Ray: it passes where the group exists and fails
where it can never schedule."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
import yaml
from raystack import ConfigError, RayPlatform, resolve, testing
from raystack.ray.smoke import SCRIPT
from raystack.rules.workloads import check_runtime_env

CONFIG = {"clusterName": "u", "apiIngressCidrs": ["10.0.0.0/16"],
          "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2}],
          "nodePools": [{"name": "cpu", "instanceType": "m7i.xlarge", "maxSize": 1}],
          "rayClusters": [{"name": "train", "smokeTest": True, "workerGroups": [
              {"name": "gpu", "pool": "l4"}, {"name": "cpu", "pool": "cpu", "maxWorkers": 1}]}]}


def as_config(raw: dict) -> dict[str, str]:
    return {"aws:region": "us-east-1", **{f"raystack:{k}": v if isinstance(v, str) else json.dumps(v)
                                          for k, v in raw.items()}}


def test_the_smoke_job_probes_each_accelerator_group_after_the_cluster_runs(kuberay_schema):
    rec = testing.run(RayPlatform.from_stack_config, as_config(CONFIG))
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    (job,) = rec.of_type("kubernetes:ray.io/v1:RayJob")
    assert rc.urn in job.dependencies, f"{job.urn} must wait for {rc.urn}"
    assert "raystack:index:RayCluster" in job.parent, "the smoke test belongs to its RayCluster"
    spec = job.inputs["spec"]
    assert spec["clusterSelector"] == {"ray.io/cluster": "train"} and spec["submissionMode"] == "HTTPMode"
    assert job.inputs["metadata"]["annotations"]["pulumi.com/waitFor"] == "jsonpath={.status.jobStatus}=SUCCEEDED"
    errors = [e.message for e in jsonschema.Draft7Validator(kuberay_schema("RayJob")).iter_errors(
        {k: job.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")})]
    assert not errors, errors
    checks = json.loads(yaml.safe_load(spec["runtimeEnvYAML"])["env_vars"]["RAYSTACK_SMOKE_CHECKS"])
    assert [(c["group"], c["resource"], c["command"]) for c in checks] == [("gpu", "GPU", ["nvidia-smi", "-L"])]
    groups = {g["groupName"]: g for g in rc.inputs["spec"]["workerGroupSpecs"]}
    assert groups["gpu"]["labels"]["raystack.io/group"] == "gpu", "the probe selects the group by this Ray label"


def test_the_runtime_env_is_one_ray_accepts():
    from ray.runtime_env import RuntimeEnv

    (rc,) = resolve(CONFIG).ray_clusters
    assert rc.smoke is not None
    env = yaml.safe_load(rc.smoke.manifest["spec"]["runtimeEnvYAML"])
    RuntimeEnv(**env)
    findings: list = []
    check_runtime_env("e", env, findings)
    assert not findings
    compile(env["env_vars"]["RAYSTACK_SMOKE_SCRIPT"], "smoke", "exec")


def test_a_changed_group_reruns_the_smoke_test():
    (before,) = resolve(CONFIG).ray_clusters
    changed = json.loads(json.dumps(CONFIG))
    changed["rayClusters"][0]["workerGroups"][0]["env"] = {"NCCL_DEBUG": "INFO"}
    (after,) = resolve(changed).ray_clusters
    assert before.smoke and after.smoke
    assert before.smoke.manifest["spec"] != after.smoke.manifest["spec"], "a new spec replaces the RayJob: a new run"


def test_a_cluster_without_accelerators_gets_a_warning_not_a_job():
    cfg = {**CONFIG, "gpuPools": [], "rayClusters": [{"name": "cpu", "smokeTest": True, "workerGroups": [
        {"name": "cpu", "pool": "cpu", "maxWorkers": 1}]}]}
    platform = resolve(cfg)
    assert platform.ray_clusters[0].smoke is None
    assert any(w.key == "raystack:rayClusters[0].smokeTest" for w in platform.warnings)


def test_a_long_cluster_name_is_refused_with_smoke_test():
    cfg = {**CONFIG, "rayClusters": [{**CONFIG["rayClusters"][0], "name": "t" * 42}]}
    with pytest.raises(ConfigError) as err:
        resolve(cfg)
    assert [f.key for f in err.value.findings] == ["raystack:rayClusters[0].smokeTest"]


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=1, num_gpus=1, labels={"raystack.io/group": "gpu"}, include_dashboard=False,
             log_to_driver=False)
    yield ray
    ray.shutdown()


def _run_script(checks: list[dict], monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setenv("RAYSTACK_SMOKE_CHECKS", json.dumps(checks))
    code = 0
    try:
        exec(SCRIPT, {"__name__": "__main__"})  # noqa: S102 (the script the RayJob runs)
    except SystemExit as e:
        code = int(e.code or 0)
    return code, capsys.readouterr().out


def test_the_probe_passes_on_a_group_ray_can_schedule(local_ray, monkeypatch, capsys):
    code, out = _run_script([{"group": "gpu", "label": "raystack.io/group", "resource": "GPU",
                              "command": ["nvidia-smi", "-L"], "timeout": 60}], monkeypatch, capsys)
    assert code == 0 and "smoke test passed" in out, out


def test_the_probe_fails_on_a_group_that_can_never_schedule(local_ray, monkeypatch, capsys):
    code, out = _run_script([{"group": "gpu", "label": "raystack.io/group", "resource": "GPU", "command": [],
                              "timeout": 60},
                             {"group": "neuron", "label": "raystack.io/group", "resource": "neuron_cores",
                              "command": ["neuron-ls"], "timeout": 1}], monkeypatch, capsys)
    assert code == 1 and "FAILED for worker group(s): neuron" in out, out
