"""The smoke test of a RayCluster (``smokeTest: true``): a RayJob that asks Ray for one accelerator
on each accelerator worker group and checks the device is visible there. Pulumi-free.

It is submitted by the operator (HTTPMode): the entrypoint then goes through one shell only (Ray's
job supervisor), and no submitter pod is needed. The probe script travels in the runtime_env's
``env_vars``, so no quoting of code reaches a shell. A spec hash of the groups goes into the job's
``metadata``: when a group changes, the RayJob changes, is replaced and runs again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..hardware.accelerators import ACCELERATOR_KINDS
from .raycluster import GROUP_LABEL

#: Longest cluster name with a smoke test: <name>-smoke within KubeRay's 47 characters for a RayJob.
MAX_CLUSTER_NAME = 41
#: Seconds each probe may wait for its group (a node from zero, the image pull) and the whole job.
PROBE_TIMEOUT_SECONDS = 1200
JOB_DEADLINE_SECONDS = 1500
WAIT_SECONDS = 1800

SCRIPT = """\
import json, os, shutil, subprocess, sys, time

import ray

ray.init(ignore_reinit_error=True)
checks = json.loads(os.environ["RAYSTACK_SMOKE_CHECKS"])


@ray.remote(num_cpus=0)
def probe(resource, command):
    ctx = ray.get_runtime_context()
    ids = ctx.get_accelerator_ids().get(resource) or []
    found = bool(command) and shutil.which(command[0]) is not None
    listed = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout.strip() if found else ""
    return {"node_group": os.environ.get("RAY_NODE_TYPE_NAME"), "ids": ids, "found": found,
            "listed": listed[-2000:]}


# Every probe at once: groups scale up from zero side by side, each within its own timeout.
started = time.monotonic()
refs = []
for c in checks:
    demand = {"num_gpus": 1} if c["resource"] == "GPU" else {"resources": {c["resource"]: 1}}
    refs.append(probe.options(label_selector={c["label"]: c["group"]}, **demand).remote(c["resource"], c["command"]))
failed = []
for c, ref in zip(checks, refs):
    try:
        got = ray.get(ref, timeout=max(1.0, started + c["timeout"] - time.monotonic()))
    except Exception as e:
        print(json.dumps({"group": c["group"], "error": repr(e)}))
        failed.append(c["group"])
        continue
    # The devices Ray assigned, and the vendor CLI lists some where the image has it.
    ok = bool(got["ids"]) and (not got["found"] or bool(got["listed"]))
    print(json.dumps({"group": c["group"], "ok": ok, **got}))
    if not ok:
        failed.append(c["group"])
if failed:
    print("raystack smoke test FAILED for worker group(s): " + ", ".join(failed))
    sys.exit(1)
print("raystack smoke test passed")
"""

ENTRYPOINT = "python -c \"import os; exec(os.environ['RAYSTACK_SMOKE_SCRIPT'])\""


def smoke_checks(manifest: dict[str, Any], pools: dict[str, Any]) -> list[dict[str, Any]]:
    """One probe per worker group with accelerators: its Ray resource, the vendor CLI to list the
    devices, its node label."""
    out = []
    for g in manifest["spec"]["workerGroupSpecs"]:
        pool = pools[g["template"]["metadata"]["labels"]["raystack.io/pool"]]
        kind = ACCELERATOR_KINDS.get(pool.accelerator_kind)
        if kind is None or not pool.ray_accelerator_resource:
            continue
        out.append({"group": g["groupName"], "label": GROUP_LABEL, "resource": pool.ray_accelerator_resource,
                    "command": list(kind.probe_command), "timeout": PROBE_TIMEOUT_SECONDS})
    return out


def smoke_job(cluster_name: str, manifest: dict[str, Any], checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The job fields (a defaulted RayJobSpec's shape) of the cluster's smoke test."""
    groups = [g for g in manifest["spec"]["workerGroupSpecs"] if g["groupName"] in {c["group"] for c in checks}]
    shape = json.dumps([{k: g[k] for k in ("groupName", "template", "resources")} for g in groups], sort_keys=True)
    return {
        "name": f"{cluster_name}-smoke", "entrypoint": ENTRYPOINT, "submission_mode": "HTTPMode",
        "cluster_selector": cluster_name, "active_deadline_seconds": JOB_DEADLINE_SECONDS,
        "runtime_env": {"env_vars": {"RAYSTACK_SMOKE_SCRIPT": SCRIPT,
                                     "RAYSTACK_SMOKE_CHECKS": json.dumps(checks, sort_keys=True)}},
        "metadata": {"raystack.io/groups": hashlib.sha256(shape.encode()).hexdigest()[:16]},
        "wait_for_completion": True, "timeout_seconds": WAIT_SECONDS,
    }
