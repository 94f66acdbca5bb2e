"""Shared test helpers: pool facts, sizing and manifests through the model's public entry points,
and the Kubernetes toleration / quantity arithmetic the tests check against."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from raystack.model import defaults
from raystack.model.facts import PoolFacts, facts_for_existing
from raystack.model.resolve import resolve_node_pool, resolve_ray_cluster, resolve_system_pool
from raystack.ray.sizing import WorkerSize, size_worker
from raystack.spec.coerce import decode_config
from raystack.spec.types import ExistingPoolSpec

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: The KubeRay v1.7.0 CRDs: RAYSTACK_KUBERAY_CRD_DIR when set (the directory `pulumi up` and `raystack plan`
#: read them from), else ../shared beside the checkout.
CRD_DIR = Path(os.environ["RAYSTACK_KUBERAY_CRD_DIR"]) if os.environ.get("RAYSTACK_KUBERAY_CRD_DIR") else \
    SHARED / "kuberay" / "crds"
HAVE_CRDS = (CRD_DIR / "ray.io_rayclusters.yaml").is_file()
#: The one skip reason of every test that needs the CRDs.
NO_CRDS = (f"KubeRay v1.7.0 CRDs not found at {CRD_DIR}: set RAYSTACK_KUBERAY_CRD_DIR to the tag's "
           "ray-operator/config/crd/bases, or check out ../shared beside the repository (CI has it)")


def gpu_pool(instance_type: str, name: str = "gpu", **extra: Any) -> PoolFacts:
    return resolve_node_pool({"name": name, "instance_type": instance_type, **extra}, "unit").facts


def system_pool(**spec: Any) -> PoolFacts:
    return resolve_system_pool(spec, "unit").facts


def existing_pool(spec: dict[str, Any]) -> PoolFacts:
    return facts_for_existing(defaults.fill(ExistingPoolSpec, spec))


def size_group(pool: PoolFacts, group: dict[str, Any]) -> WorkerSize:
    """A WorkerGroupSpec (Python spelling) sized against its pool."""
    return size_worker(pool, accelerators=group.get("accelerators_per_worker"), cpu=group.get("cpu"),
                       memory_gib=group.get("memory_gib"), min_workers=group.get("min_workers", 0),
                       max_workers=group.get("max_workers"))


def build_raycluster(spec: dict[str, Any], pools: dict[str, PoolFacts], head_pool: PoolFacts,
                     ray_version: str | None = None) -> dict[str, Any]:
    return resolve_ray_cluster(copy.deepcopy(spec), pools, head_pool, ray_version, None).manifest


def tolerates(tolerations: list[dict[str, Any]], key: str, value: str, effect: str) -> bool:
    """Whether one of the tolerations tolerates the taint key=value:effect (Kubernetes' rule)."""
    for t in tolerations:
        if t.get("key") != key:
            continue
        if t.get("effect") and t["effect"] != effect:
            continue
        if t.get("operator") == "Exists" or t.get("value", "") == value:
            return True
    return False


def stack_region(stack: str) -> str | None:
    """A shipped stack's aws:region, as the program's provider reads it."""
    from raystack import testing
    from raystack.testing.project import stack_region as region_of

    return region_of(testing.load_stack_config(testing.load_project(ROOT), stack))


def stack_spec(stack: str) -> dict[str, Any]:
    """A shipped stack's raystack: config as resolve() takes it (decoded as the program decodes it)."""
    from raystack import testing

    cfg = testing.load_stack_config(testing.load_project(ROOT), stack)
    return decode_config({k.split(":", 1)[1]: v for k, v in cfg.items() if k.startswith("raystack:")})


def project_copy(tmp_path: Path) -> Path:
    """A copy of the project (Pulumi.yaml, infra/, stacks/) whose stack files a test may edit."""
    import shutil

    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", proj / "Pulumi.yaml")
    shutil.copytree(ROOT / "infra", proj / "infra")
    shutil.copytree(ROOT / "stacks", proj / "stacks")
    return proj


#: Local snapshots of public repositories (the tool library's fetch): read at a tag, never committed.
MIRRORS = Path("/work/.mirror")


def mirror_file(repo: str, tag: str, path: str) -> str:
    """A file of a public repository (``owner/name``) at a tag, from a local mirror of it (read only, never
    committed). Absent (CI, a plain clone): the test skips; the oracles that ship with the project still run."""
    git = MIRRORS / repo.replace("/", "+") / "repo"
    out = subprocess.run(["git", "-C", str(git), "show", f"{tag}:{path}"], capture_output=True, text=True)
    if out.returncode:
        pytest.skip(f"no mirror of {repo} with {tag}:{path} at {git}")
    return out.stdout


def planned(stack: str, capsys: Any, project_dir: Path = ROOT) -> dict[str, Any]:
    """`raystack plan --stack <stack> --format json`: asserted valid and true to the plan document's schema
    (schema/raystack-plan.schema.json); the document."""
    import json

    import jsonschema
    from raystack.preview import cli

    rc = cli.main(["plan", "--project-dir", str(project_dir), "--stack", stack, "--format", "json"])
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["valid"], doc["validation"]
    schema = json.loads((ROOT / "schema" / "raystack-plan.schema.json").read_text())
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    assert not errors, f"{stack}: the plan document breaks its schema: {errors}"
    return doc


# --- Karpenter variants (autoscaler: karpenter) of the dev and neuron stacks: config overrides ---------------
#: dev's GPU pool as a NodePool of g6.xlarge-g6.12xlarge plus every g5, Spot and on-demand, 1 or 4 GPUs a node.
KARPENTER_DEV_POOL = {"name": "l4-spot", "instanceType": "g6.xlarge", "maxSize": 4, "karpenter": {
    "instanceTypes": ["g6.2xlarge", "g6.4xlarge", "g6.8xlarge", "g6.12xlarge"], "instanceFamilies": ["g5"],
    "capacityTypes": ["spot", "on-demand"], "acceleratorCounts": [1, 4]}}
#: Nothing grows the system node group with Karpenter: it keeps minSize nodes.
KARPENTER_DEV = {"raystack:autoscaler": "karpenter", "raystack:gpuPools": json.dumps([KARPENTER_DEV_POOL]),
                 "raystack:systemPool": '{"instanceType": "m7i.xlarge", "minSize": 2, "maxSize": 2}'}
#: neuron's pools as NodePools: trn1.32xlarge on its own (EFA stays with managed node groups, so training keeps
#: to one node), and one-device Inferentia2 nodes (inf2.xlarge or inf2.8xlarge) for serving.
def _neuron_clusters() -> str:
    import json

    import yaml
    clusters = yaml.safe_load((ROOT / "stacks" / "Pulumi.neuron.yaml").read_text())["config"]["raystack:rayClusters"]
    clusters[0]["workerGroups"][0]["maxWorkers"] = 1
    return json.dumps(clusters)


KARPENTER_NEURON = {"raystack:autoscaler": "karpenter", "raystack:rayClusters": _neuron_clusters(),
                    "raystack:systemPool": '{"instanceType": "m7i.2xlarge", "minSize": 2, "maxSize": 2}',
                    "raystack:gpuPools": json.dumps([
    {"name": "trn1", "instanceType": "trn1.32xlarge", "maxSize": 2, "diskSizeGib": 500},
    {"name": "inf2", "instanceType": "inf2.xlarge", "maxSize": 4, "diskSizeGib": 300,
     "karpenter": {"instanceFamilies": ["inf2"], "acceleratorCounts": [1], "capacityTypes": ["spot", "on-demand"]}},
])}


ORACLES = ROOT / "tests" / "oracles"


def npm_oracle(script: str, docs: list[dict[str, Any]]) -> list[str | None]:
    """Run one of tests/oracles' validators (schemas @kubernetes-models generates from a project's Go API types) on
    ``docs``: None per valid object, else its message. Absent outside CI: skipped; in CI: a failure."""
    import json
    import shutil

    node = shutil.which("node")
    if node is None or not (ORACLES / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("the npm oracle is not installed: .ci/run runs npm ci --prefix tests/oracles")
        pytest.skip("npm oracle absent: run npm ci --prefix tests/oracles")
    out = subprocess.run([node, str(ORACLES / script)], input=json.dumps(docs), capture_output=True,
                         text=True, cwd=ORACLES, check=True, timeout=60)
    result: list[str | None] = json.loads(out.stdout)
    return result
