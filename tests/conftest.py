"""Shared fixtures: the project, stack runs under the mock engine, and the oracles in ../shared."""

from __future__ import annotations

import functools
import gc
import logging
import os
import sys
from pathlib import Path

import pytest
from raystack import testing
from raystack.preview.checks.crd_schema import CRD_FILE, _schema_from_crd_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import CRD_DIR, NO_CRDS, ROOT  # noqa: E402

# Plans depend on the date (EKS standard support ends): the suite plans as of one fixed day.
os.environ.setdefault("RAYSTACK_TODAY", "2026-12-04")
# Dozens of in-process plans: each would start a child that imports Ray and the validators again, on the
# core the other test worker needs. test_plan.py's console-script test plans through the child as users do.
os.environ.setdefault("RAYSTACK_PLAN_CHECKS_IN_PROCESS", "1")

# Each mock-engine run allocates hundreds of thousands of short-lived objects (Outputs, futures, protobuf
# structs), few of them in cycles: CPython's default thresholds (700, 10, 10) run the cyclic collector
# thousands of times a run, a quarter of its time here. Collected less often, not less: memory stays
# well within the machine's (measured: a prod program run 0.32 s -> 0.24 s).
gc.set_threshold(100_000, 50, 100)


class _NoLateUnretrievedFutures(logging.Filter):
    """asyncio logs a failed future nobody awaited when the collector frees it ("Future exception was never
    retrieved", with its traceback, on stderr). Collected less often, a mock run's failed registrations are
    freed during some later test, whose captured stderr then holds another test's traceback. The run that
    failed raised in its own test already."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Future exception was never retrieved",
                                               "Task exception was never retrieved"))


logging.getLogger("asyncio").addFilter(_NoLateUnretrievedFutures())


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection imported (modules, the CRD schemas) lives for the session: out of the collector's way."""
    gc.freeze()


if (CRD_DIR / CRD_FILE).exists():
    # The programs verify the KubeRay CRDs against their pinned sha256: the tag's files are here.
    os.environ.setdefault("RAYSTACK_KUBERAY_CRD_DIR", str(CRD_DIR))


@functools.cache
def project() -> testing.Project:
    return testing.load_project(ROOT)


@functools.cache
def run_stack(stack: str) -> testing.Recording:
    """The infra program under the mock engine with the stack file's config (cached per session)."""
    return testing.run_stack(ROOT, stack)


STACKS = testing.stack_names(project())
#: Stacks that create their cluster on AWS (the others attach to an existing cluster, or create it on Azure).
AWS_STACKS = [s for s in STACKS
              if testing.load_stack_config(project(), s).get("raystack:clusterMode", "create") == "create"
              and testing.load_stack_config(project(), s).get("raystack:cloud", "aws") == "aws"]
#: Stacks that create an AKS cluster.
AKS_STACKS = [s for s in STACKS if testing.load_stack_config(project(), s).get("raystack:cloud") == "azure"]


@functools.cache
def _raycluster_schema() -> dict:
    # The product's loader: strict, so a field the API server would prune is an error here too.
    return _schema_from_crd_text((CRD_DIR / CRD_FILE).read_text())


@pytest.fixture(scope="session")
def raycluster_schema() -> dict:
    if not (CRD_DIR / CRD_FILE).exists():
        pytest.skip(NO_CRDS)
    return _raycluster_schema()


@functools.cache
def _kuberay_schema(kind: str) -> dict:
    return _schema_from_crd_text((CRD_DIR / f"ray.io_{kind.lower()}s.yaml").read_text())


@pytest.fixture(scope="session")
def kuberay_schema():
    """kind -> the strict v1 schema of that KubeRay v1.7.0 CRD (RayJob, RayService, RayCronJob, ...)."""
    if not (CRD_DIR / CRD_FILE).exists():
        pytest.skip(NO_CRDS)
    return _kuberay_schema


def raycluster_objects(rec: testing.Recording) -> list[tuple[str, dict]]:
    """(urn, RayCluster object as the API server would receive it)."""
    out = []
    for r in rec.of_type("kubernetes:ray.io/v1:RayCluster"):
        out.append((r.urn, {"apiVersion": r.inputs["apiVersion"], "kind": r.inputs["kind"],
                            "metadata": r.inputs["metadata"], "spec": r.inputs["spec"]}))
    return out
