"""Benchmark `raystack plan` (not a timed test; run it by hand or in CI and read the table).

1. The import floor: a Python process that imports `pulumi` plus only the
   provider submodules of the resource types the dev stack registers (found by
   running the program once in this benchmark run and mapping each registered
   type token to its SDK module, e.g. aws:eks/nodeGroup:NodeGroup ->
   pulumi_aws.eks, kubernetes:helm.sh/v3:Release -> pulumi_kubernetes.helm.v3).
   This is the least any Pulumi program registering those types must import;
   it is not raystack's own import set (that would measure raystack against itself).
2. `raystack plan --stack dev` with every check (KubeRay CRD schema, Kubernetes
   OpenAPI schemas, Ray's parser), as a user runs it, against that floor.
3. Plan time and peak memory for 1, 10, 50 and 200 generated team RayClusters
   (3 worker groups each, one namespace per team) on a generated stack.

Each figure is the median of --repeat runs (default 5) in fresh processes, wall
clock. Peak memory is the largest sum of RSS over the plan process and its
validation worker, sampled every 10 ms, and the kernel's max RSS of the plan
process itself.

    python bench/plan_bench.py [--repeat N] [--sizes 1,10,50,200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

FIND_MODULES = r"""
import json, sys
from pathlib import Path
from raystack import testing
sys.path.insert(0, sys.argv[2])
from plan_bench import sdk_module
rec = testing.run_stack(Path(sys.argv[1]), "dev")
mods = sorted({m for m in (sdk_module(r.type) for r in rec.resources) if m})
classes = sorted({f"{sdk_module(r.type)}:{r.type.rsplit(':', 1)[1] if r.custom else ''}" for r in rec.resources
                  if sdk_module(r.type) and r.custom and not r.type.startswith("pulumi:providers")})
print(json.dumps({"modules": ["pulumi"] + mods, "classes": classes}))
"""


def sdk_module(type_token: str) -> str | None:
    """The provider SDK module a resource type lives in (None: a component, not a provider resource)."""
    pkg, mod, _name = type_token.split(":", 2)
    if pkg == "pulumi" and mod == "providers":
        return {"aws": "pulumi_aws.provider", "kubernetes": "pulumi_kubernetes.provider"}.get(_name)
    if pkg == "aws":
        sub = mod.split("/")[0]
        return "pulumi_aws" if sub == "index" else f"pulumi_aws.{sub}"
    if pkg == "kubernetes":
        group, _, version = mod.partition("/")
        known = {"core": "core", "helm.sh": "helm", "networking.k8s.io": "networking", "yaml": "yaml",
                 "apps": "apps", "rbac.authorization.k8s.io": "rbac", "policy": "policy"}
        if group in known:
            return f"pulumi_kubernetes.{known[group]}.{version}"
        return "pulumi_kubernetes.apiextensions"  # custom resources (ray.io) are CustomResource
    if pkg == "random":  # the Ray auth tokens (RandomPassword)
        return "pulumi_random"
    return None

FLOOR = "import importlib, json, sys\nfor m in json.load(open(sys.argv[1]))['modules']: importlib.import_module(m)\n"
#: The SDKs load their submodules lazily: `import pulumi_aws.ec2` runs almost nothing until a class
#: is touched. This floor also touches the class of every type the stack registers (loading its
#: module, as any program registering it must), without registering anything.
FLOOR_LOADED = FLOOR + (
    "for c in json.load(open(sys.argv[1]))['classes']:\n"
    "    mod, _, name = c.partition(':')\n"
    "    m = importlib.import_module(mod)\n"
    "    getattr(m, name, None) or getattr(m, 'CustomResource')\n")


def _tree_rss_kib(pid: int) -> int:
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            pass
    return total


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, int, int]:
    """(wall seconds, exit code, peak tree RSS KiB, kernel max RSS KiB of the process)."""
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))
            done.wait(0.01)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0,):
        print(f"  ! {' '.join(cmd)} exited {proc.returncode}: {err.strip()[-600:]}", file=sys.stderr)
    return wall, proc.returncode, peak[0], usage.ru_maxrss


def median_run(cmd: list[str], cwd: Path, repeat: int, env: dict[str, str] | None = None) -> dict[str, float]:
    runs = [timed(cmd, cwd, env) for _ in range(repeat)]
    return {"wall_s": statistics.median(r[0] for r in runs), "min_s": min(r[0] for r in runs),
            "rc": max(r[1] for r in runs), "peak_tree_mib": max(r[2] for r in runs) / 1024,
            "maxrss_mib": max(r[3] for r in runs) / 1024}


def generated_project(dest: Path, clusters: int) -> Path:
    """A copy of the project (program and Pulumi.yaml) with one stack `bench` of
    `clusters` team RayClusters, three worker groups each, on three GPU pools."""
    shutil.copy(ROOT / "Pulumi.yaml", dest / "Pulumi.yaml")
    shutil.copytree(ROOT / "infra", dest / "infra")
    (dest / "stacks").mkdir()
    # Pools sized so every team's groups fit together at maxWorkers (raystack checks it): per team
    # 2 l4 nodes, 1 l4-x4 node (4 single-GPU workers), 1 l40s node; +1 so they are not exactly full.
    pools = [
        {"name": "l4", "instanceType": "g6.xlarge", "capacityType": "SPOT", "minSize": 0, "maxSize": 2 * clusters + 1},
        {"name": "l4-x4", "instanceType": "g6.12xlarge", "capacityType": "ON_DEMAND", "minSize": 0,
         "maxSize": clusters + 1},
        {"name": "l40s", "instanceType": "g6e.xlarge", "capacityType": "ON_DEMAND", "minSize": 0,
         "maxSize": clusters + 1},
    ]
    teams = [{
        "name": f"team-{i:03d}",
        "namespace": f"team-{i:03d}",
        "workerGroups": [
            {"name": "l4", "pool": "l4", "maxWorkers": 2},
            {"name": "l4-x1", "pool": "l4-x4", "acceleratorsPerWorker": 1, "maxWorkers": 4},
            {"name": "l40s", "pool": "l40s", "maxWorkers": 1},
        ],
    } for i in range(clusters)]
    config = {
        "aws:region": "us-east-1",
        "raystack:environment": "bench",
        "raystack:clusterName": "raystack-bench",
        "raystack:network": {"cidr": "10.70.0.0/16", "azCount": 2, "natGateways": "single"},
        "raystack:apiIngressCidrs": ["10.70.0.0/16"],
        # Room for every team's head (2 CPU + the autoscaler sidecar) beside the add-ons.
        "raystack:systemPool": {"instanceType": "m7i.2xlarge", "minSize": 2, "maxSize": clusters // 2 + 3},
        "raystack:gpuPools": pools,
        "raystack:rayClusters": teams,
    }
    (dest / "stacks" / "Pulumi.bench.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return dest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sizes", default="1,10,50,200")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]

    with tempfile.TemporaryDirectory(prefix="raystack-bench-") as tmp:
        tmpd = Path(tmp)
        env = dict(os.environ, RAYSTACK_CACHE_DIR=str(tmpd / "cache"))
        mods = subprocess.run([PY, "-c", FIND_MODULES, str(ROOT), str(Path(__file__).parent)], capture_output=True,
                              text=True, check=True, cwd=ROOT).stdout
        (tmpd / "mods.json").write_text(mods)
        n_mods = len(json.loads(mods)["modules"])
        plan_cmd = [PY, "-c", "from raystack.preview.cli import main; main()", "plan"]  # the console script
        # Warm-up: byte-code caches, and the parsed-CRD cache a real user's first plan writes.
        timed(plan_cmd + ["--stack", "dev"], ROOT, env)
        timed([PY, "-c", FLOOR, str(tmpd / "mods.json")], ROOT, env)
        timed([PY, "-c", FLOOR_LOADED, str(tmpd / "mods.json")], ROOT, env)

        # Interleave floor and plan runs so all see the same machine load.
        floor_runs, loaded_runs, plan_runs = [], [], []
        for _ in range(args.repeat):
            floor_runs.append(timed([PY, "-c", FLOOR, str(tmpd / "mods.json")], ROOT, env))
            loaded_runs.append(timed([PY, "-c", FLOOR_LOADED, str(tmpd / "mods.json")], ROOT, env))
            plan_runs.append(timed(plan_cmd + ["--stack", "dev"], ROOT, env))
        floor = statistics.median(r[0] for r in floor_runs)
        loaded = statistics.median(r[0] for r in loaded_runs)
        dev = statistics.median(r[0] for r in plan_runs)
        dev_rc = max(r[1] for r in plan_runs)
        dev_mem = max(r[2] for r in plan_runs) / 1024

        scale = {}
        for n in sizes:
            proj = generated_project(Path(tempfile.mkdtemp(dir=tmpd)), n)
            scale[n] = median_run(plan_cmd + ["--project-dir", str(proj), "--stack", "bench"], proj,
                                  max(1, args.repeat if n <= 50 else min(args.repeat, 3)), env)

    print(f"machine: nproc={os.cpu_count()} python={platform.python_version()} "
          f"({platform.machine()}, {platform.system()} {platform.release()})")
    print(f"import floor: python -c 'import pulumi + the {n_mods - 1} provider SDK modules of the types the dev "
          f"stack registers' ({', '.join(json.loads(mods)['modules'][1:])})")
    print("loaded floor: the same, plus touching the class of every registered type (the SDKs load lazily)")
    print()
    print(f"{'what':<44} {'median s':>9} {'x floor':>8} {'x loaded':>8} {'peak MiB':>9}")
    print(f"{'import floor':<44} {floor:>9.2f} {1.0:>8.2f} {floor / loaded:>8.2f} "
          f"{max(r[2] for r in floor_runs) / 1024:>9.0f}")
    print(f"{'loaded floor':<44} {loaded:>9.2f} {loaded / floor:>8.2f} {1.0:>8.2f} "
          f"{max(r[2] for r in loaded_runs) / 1024:>9.0f}")
    print(f"{'raystack plan --stack dev (all checks)':<44} {dev:>9.2f} {dev / floor:>8.2f} {dev / loaded:>8.2f} "
          f"{dev_mem:>9.0f}" + ("" if dev_rc == 0 else f"  (exit {dev_rc})"))
    one = scale.get(1, {}).get("wall_s")
    print()
    print(f"{'generated RayClusters (3 groups each)':<44} {'median s':>9} {'x 1':>8} {'peak MiB':>9} {'maxrss':>7}")
    for n, r in scale.items():
        rel = f"{r['wall_s'] / one:>8.2f}" if one else f"{'-':>8}"
        print(f"{f'{n} cluster(s)':<44} {r['wall_s']:>9.2f} {rel} {r['peak_tree_mib']:>9.0f} {r['maxrss_mib']:>7.0f}"
              + ("" if r["rc"] == 0 else f"  (exit {r['rc']})"))
    print()
    ok_floor = dev <= 1.5 * floor
    print(f"dev plan: {dev / floor:.2f}x the import floor, {dev / loaded:.2f}x the loaded floor")
    ok_scale = (one is None or 200 not in scale or scale[200]["wall_s"] <= 10 * one)
    ok_mem = all(r["peak_tree_mib"] < 1024 for r in scale.values())
    print(f"dev plan <= 1.5x floor: {'yes' if ok_floor else 'NO'}; 200 clusters <= 10x one: "
          f"{'yes' if ok_scale else 'NO'}; peak memory < 1 GiB: {'yes' if ok_mem else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
