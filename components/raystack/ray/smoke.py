"""The smoke test of a RayCluster (``smokeTest: true``): a RayJob that asks Ray for one accelerator
on each accelerator worker group and checks the device is visible there, then runs the collective
check of each group that asks for one (``collectiveCheck``): an all-reduce across two of its workers
that fails below a bus-bandwidth floor. Pulumi-free.

It is submitted by the operator (HTTPMode): the entrypoint then goes through one shell only (Ray's
job supervisor), and no submitter pod is needed. The probe script travels in the runtime_env's
``env_vars``, so no quoting of code reaches a shell. A spec hash of the groups goes into the job's
``metadata``: when a group changes, the RayJob changes, is replaced and runs again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..hardware.accelerators import ACCELERATOR_KINDS
from ..model.facts import PoolFacts
from .raycluster import GROUP_LABEL

#: The collective check's benchmark (``collective_program.py``), as the text the job ships.
COLLECTIVE_PROGRAM = Path(__file__).with_name("collective_program.py").read_text()

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

#: Appended to SCRIPT when a group asks for a collective check, so clusters without one keep the job
#: they had (its spec is unchanged: no rerun). It runs once the probes passed: their nodes are up.
COLLECTIVE_SCRIPT = """\

RESULT = "RAYSTACK_COLLECTIVE_RESULT "


@ray.remote(num_cpus=0)
class CollectiveHost:
    # One worker of a collective check: runs torchrun for its node's ranks.

    def address(self):
        import socket
        socks = [socket.socket() for _ in range(2)]
        for s in socks:
            s.bind(("", 0))
        ports = [s.getsockname()[1] for s in socks]
        for s in socks:
            s.close()
        return ray.util.get_node_ip_address(), ports, ray.get_runtime_context().get_node_id()

    def run(self, c, master, ports, node_rank):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(os.environ["RAYSTACK_COLLECTIVE_PROGRAM"])
        env = {**os.environ, **c["env"], "RAYSTACK_COLLECTIVE": json.dumps(c)}
        if c["backend"] == "xla":  # the Neuron runtime's root communicator (AWS Neuron multi-node docs)
            env["NEURON_RT_ROOT_COMM_ID"] = f"{master}:{ports[1]}"
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes=2", f"--nproc_per_node={c['nproc']}",
               f"--node_rank={node_rank}", f"--master_addr={master}", f"--master_port={ports[0]}", f.name]
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=c["run_timeout"])
        except subprocess.TimeoutExpired as e:
            return {"rc": None, "result": None, "network": None, "tail": f"timed out after {e.timeout} s"}
        out = p.stdout + p.stderr
        results = [json.loads(line[len(RESULT):]) for line in out.splitlines() if line.startswith(RESULT)]
        nets = [line.split("Using network", 1)[1].strip() for line in out.splitlines() if "Using network" in line]
        return {"rc": p.returncode, "result": results[0] if results else None,
                "network": nets[0] if nets else None, "tail": out[-3000:]}


# Each host holds a whole worker's devices, so the two are two Ray workers; a worker holds all of its
# node's EFA interfaces (raystack refuses the check otherwise), so they are two nodes.
failed = []
for c in json.loads(os.environ["RAYSTACK_SMOKE_COLLECTIVES"]):
    demand = {"num_gpus": c["units"]} if c["resource"] == "GPU" else {"resources": {c["resource"]: c["units"]}}
    hosts = [CollectiveHost.options(label_selector={c["label"]: c["group"]}, **demand).remote() for _ in range(2)]
    try:
        addrs = ray.get([h.address.remote() for h in hosts], timeout=c["timeout"])
        if addrs[0][2] == addrs[1][2]:
            raise RuntimeError("both hosts on one Ray node")
        master, ports = addrs[0][0], addrs[0][1]
        runs = ray.get([h.run.remote(c, master, ports, i) for i, h in enumerate(hosts)], timeout=c["run_timeout"] + 60)
    except Exception as e:
        print(json.dumps({"group": c["group"], "collective": c["backend"], "error": repr(e)}))
        failed.append(c["group"])
        continue
    finally:
        for h in hosts:  # the next check's group may be on the same nodes
            ray.kill(h)
    got = runs[0]["result"]
    ok = got is not None and got["correct"] and got["bus_gbytes"] >= c["floor_gbytes"] and all(
        r["rc"] == 0 for r in runs)
    print(json.dumps({"group": c["group"], "collective": c["backend"], "ok": ok, "result": got,
                      "floor_gbytes": c["floor_gbytes"], "floor_source": c["floor_source"],
                      "network": runs[0]["network"], "exit_codes": [r["rc"] for r in runs],
                      **({} if ok else {"tails": [r["tail"] for r in runs]})}))
    if not ok:
        failed.append(c["group"])
if failed:
    print("raystack collective check FAILED for worker group(s): " + ", ".join(failed))
    sys.exit(1)
print("raystack collective check passed")
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


@dataclass(frozen=True)
class CollectiveBackend:
    """How the collective check runs on one accelerator kind."""

    backend: str
    #: Env the benchmark's ranks get beyond the pod's (which carries the EFA env already).
    env: dict[str, str]
    #: Seconds torchrun may take on a node, start-up and compilation included.
    run_timeout: int


#: NVIDIA: NCCL, one rank per GPU; NCCL_DEBUG's INIT/NET lines name the network NCCL chose ("Using network
#: AWS Libfabric" with aws-ofi-nccl, "Socket" on its TCP fallback), which the report shows (NCCL docs,
#: env NCCL_DEBUG, NCCL_DEBUG_SUBSYS). Neuron: torch-neuronx's "xla" process group, one rank per
#: NeuronCore, as Ray Train's TorchXLAConfig sets it up (ray 2.60.0 ray/train/torch/xla/config.py); its
#: first step compiles the graph, hence the longer timeout.
COLLECTIVE_BACKENDS = {
    "nvidia": CollectiveBackend("nccl", {"NCCL_DEBUG": "INFO", "NCCL_DEBUG_SUBSYS": "INIT,NET"}, 600),
    "neuron": CollectiveBackend("xla", {}, 1800),
}
#: What each rank all-reduces: 1 GiB of float32, large enough for bus bandwidth to near its peak
#: (nccl-tests' sweeps flatten out from a few hundred MiB), after 5 untimed rounds, timed over 20.
COLLECTIVE_SIZE_BYTES = 1 << 30
COLLECTIVE_WARMUP = 5
COLLECTIVE_ITERATIONS = 20


def collective_check(group: str, pool: PoolFacts, worker_units: int, floor_gbytes: int,
                     floor_source: str) -> dict[str, Any]:
    """The collective check of one worker group: an all-reduce across two of its workers, each holding
    ``worker_units`` of the pool's Ray accelerator resource (GPUs, NeuronCores), one rank per unit."""
    how = COLLECTIVE_BACKENDS[pool.accelerator_kind]
    return {"group": group, "label": GROUP_LABEL, "resource": pool.ray_accelerator_resource, "units": worker_units,
            "nproc": worker_units, "backend": how.backend, "env": how.env, "run_timeout": how.run_timeout,
            "timeout": PROBE_TIMEOUT_SECONDS, "size_bytes": COLLECTIVE_SIZE_BYTES, "warmup": COLLECTIVE_WARMUP,
            "iterations": COLLECTIVE_ITERATIONS, "floor_gbytes": floor_gbytes, "floor_source": floor_source}


def smoke_job(cluster_name: str, manifest: dict[str, Any], checks: list[dict[str, Any]],
              collectives: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The job fields (a defaulted RayJobSpec's shape) of the cluster's smoke test, with the collective
    checks of ``collectives`` (see ``collective_check``) after the probes."""
    groups = [g for g in manifest["spec"]["workerGroupSpecs"] if g["groupName"] in {c["group"] for c in checks}]
    shape = json.dumps([{k: g[k] for k in ("groupName", "template", "resources")} for g in groups], sort_keys=True)
    env = {"RAYSTACK_SMOKE_SCRIPT": SCRIPT, "RAYSTACK_SMOKE_CHECKS": json.dumps(checks, sort_keys=True)}
    # The collectives run one after another once the probes passed: each may wait for its second node
    # (the probes' timeout) and then for torchrun.
    extra = sum(c["timeout"] + c["run_timeout"] + 60 for c in collectives or ())
    if collectives:
        env["RAYSTACK_SMOKE_COLLECTIVES"] = json.dumps(collectives, sort_keys=True)
        env["RAYSTACK_COLLECTIVE_PROGRAM"] = COLLECTIVE_PROGRAM
        env["RAYSTACK_SMOKE_SCRIPT"] = SCRIPT + COLLECTIVE_SCRIPT
    return {
        "name": f"{cluster_name}-smoke", "entrypoint": ENTRYPOINT, "submission_mode": "HTTPMode",
        "cluster_selector": cluster_name, "active_deadline_seconds": JOB_DEADLINE_SECONDS + extra,
        "runtime_env": {"env_vars": env},
        "metadata": {"raystack.io/groups": hashlib.sha256(shape.encode()).hexdigest()[:16]},
        "wait_for_completion": True, "timeout_seconds": WAIT_SECONDS + extra,
    }
