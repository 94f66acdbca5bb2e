"""The smoke test's collective check (issue 20): an all-reduce across two workers of an EFA group, its
bus bandwidth held to a floor per instance type. The floors are rows with a source; what the check
needs is refused at preview; the rendered RayJob carries the benchmark; and the benchmark program itself
runs with real torch (its gloo backend) where an interpreter with torch is at hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest
import yaml
from raystack import ConfigError
from raystack.hardware import catalog, efa
from raystack.model.resolve import resolve
from raystack.ray import collective_program
from raystack.ray.smoke import COLLECTIVE_PROGRAM, COLLECTIVE_SCRIPT, SCRIPT

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/pytorch-efa:2.55.0-py311"
P5 = {"name": "h100", "instanceType": "p5.48xlarge", "capacityType": "CAPACITY_BLOCK", "efa": True, "minSize": 0,
      "maxSize": 2, "capacityReservationId": "cr-0123456789abcdef0", "availabilityZone": "us-east-1b"}
TRN1 = {"name": "trn1", "instanceType": "trn1.32xlarge", "efa": True, "minSize": 0, "maxSize": 2}


def config(pool: dict, group: dict | None = None, smoke: bool = True, image: str = IMAGE) -> dict:
    return {"clusterName": "u", "apiIngressCidrs": ["10.0.0.0/16"],
            "network": {"cidr": "10.40.0.0/16", "availabilityZones": ["us-east-1a", "us-east-1b"]},
            "gpuPools": [pool],
            "rayClusters": [{"name": "train", "namespace": "ray", "image": image, "smokeTest": smoke,
                             "workerGroups": [{"name": "g", "pool": pool["name"], "maxWorkers": 2,
                                               "collectiveCheck": True, **(group or {})}]}]}


def collectives(cfg: dict) -> list[dict]:
    (rc,) = resolve(cfg).ray_clusters
    assert rc.smoke is not None, "the collective check runs in the smoke-test RayJob"
    env = yaml.safe_load(rc.smoke.manifest["spec"]["runtimeEnvYAML"])["env_vars"]
    assert env["RAYSTACK_COLLECTIVE_PROGRAM"] == COLLECTIVE_PROGRAM
    assert env["RAYSTACK_SMOKE_SCRIPT"] == SCRIPT + COLLECTIVE_SCRIPT, "the collectives run after the probes"
    return json.loads(env["RAYSTACK_SMOKE_COLLECTIVES"])


def refusals(cfg: dict) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as e:
        resolve(cfg)
    return [(f.key, f.message) for f in e.value.findings]


@pytest.mark.parametrize(("instance", "gbps", "floor"), [
    ("p4d.24xlarge", 400, 25), ("p4de.24xlarge", 400, 25), ("p5.4xlarge", 100, 6), ("p5.48xlarge", 3200, 200),
    ("p5e.48xlarge", 3200, 200), ("p5en.48xlarge", 3200, 200), ("trn1.32xlarge", 800, 50),
    ("trn1n.32xlarge", 1600, 100), ("trn2.48xlarge", 3200, 200)])
def test_each_efa_type_has_a_sourced_floor_half_its_network_bandwidth(instance, gbps, floor):
    """Karpenter's instance-network-bandwidth at the commit the catalog's EFA counts come from."""
    assert efa.NETWORK_GBPS[instance] == gbps and efa.collective_floor_gbytes(instance) == floor
    assert "1d927085" in efa.NETWORK_GBPS_SOURCE and "1d927085" in catalog.lookup(instance).source


def test_every_type_raystack_wires_efa_for_has_a_floor():
    wired = {n for n, it in catalog.load_catalog().items() if efa.efa_capable(it.family, it.efa_interfaces)}
    assert wired == set(efa.NETWORK_GBPS), wired ^ set(efa.NETWORK_GBPS)
    assert efa.collective_floor_gbytes("g6.xlarge") is None


@pytest.mark.parametrize(("size", "seconds", "ranks", "busbw"), [
    (1 << 30, 0.005, 16, 402.65),  # 16 H100s: algbw 214.75 GB/s x 2*15/16
    (1 << 30, 0.1, 2, 10.74),      # 2 ranks: busbw = algbw
    (33554432, 0.000768, 2, 43.69)])
def test_bus_bandwidth_is_nccl_tests_definition(size, seconds, ranks, busbw):
    """NVIDIA/nccl-tests doc/PERFORMANCE.md: busbw = algbw * 2(n-1)/n for all-reduce, algbw = S/t."""
    assert collective_program.bus_bandwidth_gbytes(size, seconds, ranks) == pytest.approx(busbw, abs=0.01)


def test_a_p5_capacity_block_group_gets_an_nccl_check_across_two_whole_nodes():
    (c,) = collectives(config(P5))
    assert (c["group"], c["backend"], c["resource"], c["units"], c["nproc"]) == ("g", "nccl", "GPU", 8, 8)
    assert c["floor_gbytes"] == 200 and "3200 Gbps" in c["floor_source"] and "1d927085" in c["floor_source"]
    assert c["size_bytes"] == 1 << 30 and c["env"]["NCCL_DEBUG"] == "INFO"


def test_a_trn1_group_gets_an_xla_check_one_rank_per_neuroncore():
    (c,) = collectives(config(TRN1, image="123456789012.dkr.ecr.us-east-1.amazonaws.com/ray-neuronx:2.55.0-py311"))
    assert (c["backend"], c["resource"], c["units"], c["nproc"], c["floor_gbytes"]) == (
        "xla", "neuron_cores", 32, 32, 50)


def test_a_given_floor_wins_and_is_named_as_the_source():
    (c,) = collectives(config(P5, {"collectiveFloorGbytes": 300}))
    assert (c["floor_gbytes"], c["floor_source"]) == (300, "raystack:rayClusters[0].workerGroups[0].collectiveFloorGbytes")


def test_the_job_waits_longer_for_the_collective_and_passes_the_crd(kuberay_schema):
    (rc,) = resolve(config(P5)).ray_clusters
    plain = resolve(config(P5, {"collectiveCheck": False})).ray_clusters[0]
    assert rc.smoke is not None and plain.smoke is not None
    spec, base = rc.smoke.manifest["spec"], plain.smoke.manifest["spec"]
    assert spec["activeDeadlineSeconds"] == base["activeDeadlineSeconds"] + 1200 + 600 + 60, (spec, base)
    plain_env = yaml.safe_load(base["runtimeEnvYAML"])["env_vars"]
    assert "RAYSTACK_SMOKE_COLLECTIVES" not in plain_env and plain_env["RAYSTACK_SMOKE_SCRIPT"] == SCRIPT, \
        "a cluster without a collective check keeps the job it had: no rerun on upgrade"
    errors = [e.message for e in jsonschema.Draft7Validator(kuberay_schema("RayJob")).iter_errors(rc.smoke.manifest)]
    assert not errors, errors


@pytest.mark.parametrize(("cfg", "key", "fragment"), [
    (config(P5, smoke=False), "workerGroups[0].collectiveCheck", "set smokeTest: true"),
    (config(P5, {"acceleratorsPerWorker": 4}), "workerGroups[0].acceleratorsPerWorker",
     "set acceleratorsPerWorker: 8"),
    (config(P5, {"maxWorkers": 1}), "workerGroups[0].maxWorkers", "at least 2"),
    (config(P5, image="rayproject/ray:2.55.0-py311-gpu"), "workerGroups[0].collectiveCheck", "carry no torch"),
    (config({**P5, "efa": False}), "workerGroups[0].collectiveCheck", "has no EFA"),
    (config(P5, {"collectiveCheck": False, "collectiveFloorGbytes": 100}), "workerGroups[0].collectiveFloorGbytes",
     "set collectiveCheck: true"),
    (config(P5, {"collectiveFloorGbytes": 0}), "workerGroups[0].collectiveFloorGbytes", "at least 1")])
def test_a_check_that_could_prove_nothing_is_refused(cfg, key, fragment):
    got = refusals(cfg)
    assert any(k == f"raystack:rayClusters[0].{key}" and fragment in m for k, m in got), got


def test_existing_efa_nodes_of_an_unknown_type_need_a_floor():
    cfg = {"clusterName": "lab", "clusterMode": "existing", "kubeconfig": "~/.kube/config", "clusterAutoscaler": False,
           "existingPools": [{"name": "h100", "nodeSelector": {"team": "ml"}, "acceleratorKind": "nvidia",
                              "acceleratorsPerNode": 8, "allocatableCpuMillis": 190000, "allocatableMemoryMib": 1900000,
                              "efaInterfaces": 32, "acceleratorModel": "H100",
                              "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
                              "maxNodes": 2}],
           "rayClusters": [{"name": "train", "image": IMAGE, "smokeTest": True, "head": {"pool": "h100",
                                                                                      "accelerators": 0},
                            "workerGroups": [{"name": "g", "pool": "h100", "maxWorkers": 1, "collectiveCheck": True}]}]}
    got = refusals(cfg)
    assert ("raystack:rayClusters[0].workerGroups[0].maxWorkers", "the collective check runs across two workers: "
            "allow at least 2") in got, got
    cfg["existingPools"][0]["maxNodes"] = 3
    cfg["rayClusters"][0]["workerGroups"][0]["maxWorkers"] = 2
    got = refusals(cfg)
    assert [k for k, _ in got] == ["raystack:rayClusters[0].workerGroups[0].collectiveFloorGbytes"], got
    cfg["rayClusters"][0]["workerGroups"][0]["collectiveFloorGbytes"] = 150
    (c,) = collectives(cfg)
    assert c["floor_gbytes"] == 150


def test_the_driver_script_and_the_program_compile():
    compile(SCRIPT + COLLECTIVE_SCRIPT, "smoke", "exec")
    compile(COLLECTIVE_PROGRAM, "collective", "exec")
    assert "raystack" not in COLLECTIVE_PROGRAM.split('"""', 2)[2].replace("RAYSTACK_", ""), \
        "the program runs in the team's image, which has no raystack"


def torch_python() -> str | None:
    """An interpreter with torch: RAYSTACK_TORCH_PYTHON, this one, or Debian's python3-torch."""
    for candidate in (os.environ.get("RAYSTACK_TORCH_PYTHON"), sys.executable, "/usr/bin/python3"):
        if candidate and subprocess.run([candidate, "-c", "import torch.distributed"], capture_output=True,
                                        timeout=60).returncode == 0:
            return candidate
    return None


def test_the_program_all_reduces_across_ranks_over_gloo(tmp_path):
    """The benchmark as torchrun starts it (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT): two "nodes" of
    one rank each on this machine, over torch's gloo backend. It proves the rendezvous, the correctness sum,
    the timing and the result line; NCCL over EFA and XLA over Neuron need their hardware."""
    python = torch_python()
    if python is None:
        pytest.skip("no interpreter with torch here: set RAYSTACK_TORCH_PYTHON (e.g. Debian's python3-torch)")
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "WORLD_SIZE": "2",
           "RAYSTACK_COLLECTIVE": json.dumps({"backend": "gloo", "size_bytes": 1 << 22, "warmup": 1,
                                              "iterations": 3})}
    procs = [subprocess.Popen([python, collective_program.__file__], env={**env, "RANK": str(r),
                              "LOCAL_RANK": "0"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for r in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    (line,) = [x for x in outs[0].splitlines() if x.startswith(collective_program.RESULT_PREFIX)]
    got = json.loads(line[len(collective_program.RESULT_PREFIX):])
    assert got["correct"] is True and got["ranks"] == 2 and got["seconds"] > 0, got
    assert got["bus_gbytes"] == round(collective_program.bus_bandwidth_gbytes(1 << 22, got["seconds"], 2), 2)
    assert not any(collective_program.RESULT_PREFIX in o for o in outs[1:]), "only rank 0 reports"


def test_the_driver_runs_the_program_on_two_ray_nodes_and_holds_it_to_the_floor(monkeypatch, capsys):
    """The job's own driver text (SCRIPT + COLLECTIVE_SCRIPT) on a local Ray cluster of two nodes labelled
    as one worker group: a host actor per node, torchrun on each, rank 0's result read back and held to
    the floor, once passing and once failing. Needs torch importable by this interpreter, with a
    torchrun that runs on it (pip's torch 2.x; Debian's 1.13 torchrun breaks on Python 3.11's enums)."""
    if subprocess.run([sys.executable, "-c", "import torch.distributed.run"], capture_output=True).returncode:
        pytest.skip("torch is not importable by this interpreter (put a CPU torch on PYTHONPATH to run it)")
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    check = {"group": "g", "label": "raystack.io/group", "resource": "GPU", "units": 1, "nproc": 2,
             "backend": "gloo", "env": {}, "run_timeout": 120, "timeout": 60, "size_bytes": 1 << 22, "warmup": 1,
             "iterations": 3, "floor_gbytes": 0.001, "floor_source": "test"}
    monkeypatch.setenv("RAYSTACK_SMOKE_CHECKS", "[]")
    monkeypatch.setenv("RAYSTACK_COLLECTIVE_PROGRAM", COLLECTIVE_PROGRAM)
    cluster = Cluster()
    try:
        for _ in range(2):
            cluster.add_node(num_cpus=1, num_gpus=1, labels={"raystack.io/group": "g"}, include_dashboard=False)
        ray.init(address=cluster.address, log_to_driver=False)
        codes = []
        for floor in (0.001, 1000.0):
            monkeypatch.setenv("RAYSTACK_SMOKE_COLLECTIVES", json.dumps([check | {"floor_gbytes": floor}]))
            try:
                exec(SCRIPT + COLLECTIVE_SCRIPT, {"__name__": "__main__"})  # noqa: S102 (the job's driver)
                codes.append(0)
            except SystemExit as e:
                codes.append(int(e.code or 0))
        out = capsys.readouterr().out
    finally:
        ray.shutdown()
        cluster.shutdown()
    reports = [json.loads(x) for x in out.splitlines() if x.startswith('{"group"')]
    assert codes == [0, 1], out
    assert [r["ok"] for r in reports] == [True, False] and all(r["result"]["ranks"] == 4 for r in reports), reports
    assert "collective check FAILED for worker group(s): g" in out


def test_the_plan_shows_each_check_its_ranks_and_its_floor(tmp_path, capsys):
    """The neuron stack with the trn1 group's check on: the JSON row (per the plan schema) and the text
    line name the backend, the ranks and the floor with its source."""
    import jsonschema
    from raystack.preview import cli
    from support import ROOT, project_copy

    proj = project_copy(tmp_path)
    f = proj / "stacks" / "Pulumi.neuron.yaml"
    doc = yaml.safe_load(f.read_text())
    train = doc["config"]["raystack:rayClusters"][0]
    train["smokeTest"] = True
    train["workerGroups"][0]["collectiveCheck"] = True
    f.write_text(yaml.safe_dump(doc))
    assert cli.main(["plan", "--project-dir", str(proj), "--stack", "neuron", "--format", "json", "--no-ray"]) == 0
    plan_doc = json.loads(capsys.readouterr().out)
    schema = json.loads((ROOT / "schema" / "raystack-plan.schema.json").read_text())
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(plan_doc)]
    assert not errors, errors[:3]
    rows = {(r["cluster"], r["group"]): r["collectiveCheck"] for r in plan_doc["rayClusters"]}
    assert rows[("train", "trn1")] == {"backend": "xla", "ranks": 64, "floorGbytes": 50, "floorSource":
                                       "50% of trn1.32xlarge's 800 Gbps (" + efa.NETWORK_GBPS_SOURCE + ")"}
    assert rows[("train", "head")] is None and rows[("serve", "inf2")] is None
    assert cli.main(["plan", "--project-dir", str(proj), "--stack", "neuron", "--summary", "--no-ray"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Collective check ray-neuron/train trn1: xla all-reduce, 64 ranks on 2 workers; fails below 50 GB/s" in text


@pytest.mark.parametrize(("value", "cores"), [
    ("0-31", [str(i) for i in range(32)]), ("4,5,6", ["4", "5", "6"]), ("0-1,8-9", ["0", "1", "8", "9"]), ("7", ["7"])])
def test_each_xla_rank_takes_one_of_the_neuroncores_ray_gave_its_host(value, cores):
    assert collective_program.visible_cores(value) == cores
