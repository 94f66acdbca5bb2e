"""The GitHub workflows (issue 13): they parse; pull requests run the README's commands, plan every
stack offline and `pulumi preview` every stack in stacks/ through pulumi/actions, commenting on
the pull request; merges to main `pulumi up` dev, staging, then prod behind an environment; a
nightly drift check; credentials by OIDC, never long-lived keys."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import STACKS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def load_stack_mode(stack: str) -> str:
    return str(yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"].get(
        "raystack:clusterMode", "create"))


def load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def steps(doc: dict) -> list[dict]:
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def uses(doc: dict, action: str) -> list[dict]:
    return [s for s in steps(doc) if str(s.get("uses", "")).startswith(action + "@")]


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml", "up.yml", "drift.yml"])
def test_each_workflow_parses_and_uses_oidc_never_keys(name):
    text = (WORKFLOWS / name).read_text()
    doc = load(name)
    assert doc["jobs"] and doc["on"], name
    for secret in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PULUMI_ACCESS_TOKEN"):
        assert secret not in text, f"{name}: long-lived credential {secret}"
    for s in uses(doc, "aws-actions/configure-aws-credentials"):
        assert "role-to-assume" in s["with"] and "aws-access-key-id" not in s["with"], name
    perms = [doc.get("permissions", {})] + [j.get("permissions", {}) for j in doc["jobs"].values()]
    if uses(doc, "pulumi/actions"):
        assert uses(doc, "pulumi/auth-actions"), f"{name}: Pulumi Cloud token by OIDC"
        assert any(p.get("id-token") == "write" for p in perms), f"{name}: OIDC needs id-token: write"


def test_pull_requests_run_the_readme_commands_and_preview_every_stack_with_a_comment():
    doc = load("pull-request.yml")
    assert "pull_request" in doc["on"]
    readme = (ROOT / "README.md").read_text()
    install, test = re.search(r"```bash\n(python3 -m venv .*)\n(python -m pytest)\n```", readme).groups()
    runs = " && ".join(s.get("run", "") for s in doc["jobs"]["test"]["steps"])
    assert "pip install -e '.[dev]'" in install and "pip install -e '.[dev]'" in runs
    assert test in runs and "ruff check" in runs and "mypy" in runs
    # Issue 25 (newcomer P2): the matrices are derived from stacks/, so a team's new stack file needs no edit here.
    listed = dict(line.split("=", 1) for line in subprocess.run(
        [sys.executable, str(ROOT / ".github" / "scripts" / "stacks.py")], capture_output=True, text=True,
        check=True).stdout.splitlines())
    assert json.loads(listed["plan"]) == STACKS
    assert doc["jobs"]["stacks"]["steps"][-1]["run"] == 'python3 .github/scripts/stacks.py >> "$GITHUB_OUTPUT"'
    assert doc["jobs"]["plan"]["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.plan) }}"
    # K8s old #10: every pull request compares each stack's plan with the base branch's.
    plan_runs = "\n".join(s.get("run", "") for s in doc["jobs"]["plan"]["steps"])
    assert "git worktree add ../base \"origin/${{ github.base_ref }}\"" in plan_runs
    assert "--project-dir ../base --stack ${{ matrix.stack }} --format json" in plan_runs
    assert "--compare base-${{ matrix.stack }}.json" in plan_runs
    assert doc["jobs"]["preview"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.stacks.outputs.preview) }}"
    previewed = json.loads(listed["preview"])
    assert [m["stack"] for m in previewed] == [s for s in STACKS if s != "kind"], "every stack in stacks/ is previewed"
    assert {m["stack"] for m in previewed if m["existing"]} == {
        s for s in STACKS if s != "kind" and load_stack_mode(s) == "existing"}
    assert "stacks/Pulumi.kind.yaml" in (WORKFLOWS / "e2e-kind.yml").read_text(), "kind: by the e2e workflow"
    (preview,) = uses(doc, "pulumi/actions")
    assert preview["with"]["command"] == "preview" and preview["with"]["comment-on-pr"] is True
    assert preview["with"]["policyPacks"] == "policies" and (ROOT / "policies" / "PulumiPolicy.yaml").exists()
    assert preview["with"]["stack-name"].endswith("/raystack/${{ matrix.stack }}")


def test_merges_apply_dev_then_staging_then_prod_behind_an_environment():
    doc = load("deploy.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    jobs = doc["jobs"]
    assert [jobs[j]["with"]["stack"] for j in ("dev", "staging", "prod")] == ["dev", "staging", "prod"]
    assert jobs["staging"]["needs"] == "dev" and jobs["prod"]["needs"] == "staging"
    assert jobs["prod"]["with"]["environment"] == "production"
    up = load("up.yml")
    assert up["jobs"]["up"]["environment"] == "${{ inputs.environment }}"
    (action,) = [s for s in uses(up, "pulumi/actions") if "with" in s]
    assert action["with"]["command"] == "up" and action["with"]["policyPacks"] == "policies"


def test_up_opens_a_deploy_window_for_private_endpoints_and_always_closes_it():
    """AWS old #1: the runner is outside every VPC. For a stack whose plan has a private endpoint, the
    runner's /32 goes into raystack:deployFrom before `up`, and a second `up` without it runs even when
    the first failed (tests/test_lifecycle.py runs both on the harness)."""
    up = load("up.yml")
    job = up["jobs"]["up"]
    assert job["runs-on"] == "ubuntu-latest", "the runner this window is for"
    names = [s.get("name") or s.get("uses") or s.get("run") for s in job["steps"]]
    window = next(s for s in job["steps"] if s.get("id") == "window")
    (apply,) = [s for s in uses(up, "pulumi/actions") if "with" in s]
    close = next(s for s in job["steps"] if s.get("name") == "Close the deploy window")
    assert names.index(window["name"]) < job["steps"].index(apply) < job["steps"].index(close), names
    assert "checkip.amazonaws.com" in window["run"] and "'raystack:deployFrom[0]' \"$ip/32\"" in window["run"]
    assert '"endpointPublicAccess"' in window["run"] and "plan.json" in window["run"]
    assert close["if"] == "always() && steps.window.outputs.opened == 'true'"
    assert "pulumi config rm --stack \"$STACK_REF\" raystack:deployFrom" in close["run"]
    assert "pulumi up --stack \"$STACK_REF\" --yes --policy-pack policies" in close["run"]
    plan_step = next(s for s in job["steps"] if "raystack plan" in str(s.get("run")))
    assert "--format json > plan.json" in plan_step["run"]


def test_a_nightly_drift_check_refreshes_and_expects_no_changes():
    doc = load("drift.yml")
    assert doc["on"]["schedule"][0]["cron"]
    (action,) = uses(doc, "pulumi/actions")
    assert action["with"]["refresh"] is True and action["with"]["expect-no-changes"] is True
    runs = {m["stack"]: m["runner"] for m in doc["jobs"]["drift"]["strategy"]["matrix"]["include"]}
    assert set(runs) == {"dev", "staging", "prod"} and doc["jobs"]["drift"]["runs-on"] == "${{ matrix.runner }}"
    for stack, runner in runs.items():
        config = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
        # A refresh reads every Kubernetes object: a private endpoint answers only a runner it admits.
        if config.get("raystack:endpointPublicAccess"):
            assert runner == "ubuntu-latest", stack
        else:
            assert runner == ["self-hosted", f"raystack-{stack}"] and config["raystack:apiIngressCidrs"], stack
