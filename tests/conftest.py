"""Shared fixtures: the project, stack runs under the mock engine, and the oracles in ../shared."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml
from raystack import engine

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CRD_DIR = SHARED / "kuberay" / "crds"


@functools.cache
def project() -> engine.Project:
    return engine.load_project(ROOT)


@functools.cache
def run_stack(stack: str) -> engine.Recording:
    """The infra program under the mock engine with the stack file's config (cached per session)."""
    p = project()
    return engine.run_program_dir(p.program_dir, engine.load_stack_config(p, stack), project=p.name, stack=stack)


STACKS = engine.stack_names(project())
AWS_STACKS = [s for s in STACKS if s != "byoc"]


@functools.cache
def _raycluster_schema() -> dict:
    doc = yaml.load((CRD_DIR / "ray.io_rayclusters.yaml").read_text(), Loader=getattr(yaml, "CSafeLoader",
                                                                                        yaml.SafeLoader))
    (v1,) = [v for v in doc["spec"]["versions"] if v["name"] == "v1"]
    return v1["schema"]["openAPIV3Schema"]


@pytest.fixture(scope="session")
def raycluster_schema() -> dict:
    if not (CRD_DIR / "ray.io_rayclusters.yaml").exists():
        pytest.skip(f"KubeRay v1.7.0 CRDs not found at {CRD_DIR} (../shared is present only beside a dev "
                    "checkout and in CI)")
    return _raycluster_schema()


def raycluster_objects(rec: engine.Recording) -> list[dict]:
    """The RayCluster objects as the API server would receive them."""
    out = []
    for r in rec.of_type("kubernetes:ray.io/v1:RayCluster"):
        out.append({"apiVersion": r.inputs["apiVersion"], "kind": r.inputs["kind"],
                    "metadata": r.inputs["metadata"], "spec": r.inputs["spec"], "_urn": r.urn})
    return out
