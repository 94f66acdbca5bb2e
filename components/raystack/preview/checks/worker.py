"""Runs the checks (CRD schema, Kubernetes schemas, Ray's parser), in a child process started
before the program so importing the validators and Ray overlaps the program run. Pulumi-free.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ... import versions
from ...model.findings import Finding
from ...rules.kube_objects import kubernetes_schema_version
from .crd_schema import _crd_validator, load_kuberay_schema, load_raycluster_schema, validate_crd
from .k8s_schema import validate_kubernetes
from .ray_parser import _derive_with_ray


class Validator:
    """Runs the three checks (KubeRay CRD schema, Kubernetes OpenAPI schemas, Ray's
    parser). ``preload`` does the costly part up front: importing the validators
    and Ray (~0.5 s) and loading the CRD schema."""

    def __init__(self, crd_dir: Path | None, project_dir: Path, ray: bool = True):
        self.crd_dir, self.project_dir, self.ray = crd_dir, project_dir, ray
        self.schema: dict[str, Any] | None = None
        self.schema_source = ""
        self.schema_findings: list[Finding] = []
        self._loaded = False

    def preload(self) -> None:
        import importlib.util

        import jsonschema  # noqa: F401
        import kubernetes_validate.utils  # noqa: F401

        self.schema, self.schema_source, self.schema_findings = load_raycluster_schema(self.crd_dir, self.project_dir)
        if self.schema is not None:
            _crd_validator(json.dumps(self.schema, sort_keys=True))
        if self.ray and importlib.util.find_spec("ray") is not None:
            _derive_with_ray([])
        self._loaded = True

    def run(self, rayclusters: list[tuple[str, dict[str, Any]]], core: list[tuple[str, dict[str, Any]]],
            kubernetes_version: str, workloads: list[tuple[str, dict[str, Any]]] | None = None) -> dict[str, Any]:
        """``rayclusters``: RayClusters and the clusters RayJobs, RayServices and RayCronJobs embed
        (as RayCluster objects); ``workloads``: those objects themselves, checked against their own CRDs."""
        if not self._loaded:
            self.preload()
        findings: list[Finding] = []
        checks: dict[str, str] = {}
        kinds = sorted({o["kind"] for _, o in workloads or []})
        for kind in kinds:
            schema, source, problems = load_kuberay_schema(kind, self.crd_dir, self.project_dir)
            findings += problems
            objs = [(u, o) for u, o in workloads or [] if o["kind"] == kind]
            if schema is not None:
                findings += validate_crd(objs, schema)
                checks[f"crd-schema-{kind}"] = (f"{len(objs)} {kind}(s) against the KubeRay "
                                                f"{versions.KUBERAY_VERSION} CRD ({source})")
            else:
                checks[f"crd-schema-{kind}"] = "SKIPPED"
        ray_results: list[dict[str, Any]] | None = None
        ray_unavailable: str | None = None
        if rayclusters:
            findings += self.schema_findings
            if self.schema is not None:
                findings += validate_crd(rayclusters, self.schema)
                checks["crd-schema"] = (f"{len(rayclusters)} RayCluster(s) against the KubeRay "
                                        f"{versions.KUBERAY_VERSION} CRD ({self.schema_source})")
            else:
                checks["crd-schema"] = "SKIPPED"
            if not self.ray:
                ray_unavailable = "disabled with --no-ray"
            else:
                ray_results, ray_unavailable = _derive_with_ray([rc for _, rc in rayclusters])
        if core:
            kv = kubernetes_schema_version(kubernetes_version)
            findings += validate_kubernetes(core, kv)
            checks["kubernetes-schema"] = f"{len(core)} object(s) against Kubernetes {kv} (kubernetes-validate, strict)"
        return {"findings": [f.to_json() for f in findings], "checks": checks, "ray": ray_results,
                "ray_unavailable": ray_unavailable}


#: Set to 1 to run the checks in the planning process: a process that plans many times (the test suite)
#: then loads Ray and the validators once, instead of starting a child that loads them for each plan.
IN_PROCESS_ENV = "RAYSTACK_PLAN_CHECKS_IN_PROCESS"


class ValidationWorker:
    """A ``Validator`` in a child process, started before the program runs so that
    importing Ray and the schema validators overlaps the program run (the plan is
    CPU-bound; the child uses the second core). Falls back to in-process, and runs there
    when ``IN_PROCESS_ENV`` is 1."""

    def __init__(self, crd_dir: Path | None, project_dir: Path, ray: bool = True):
        self.args: dict[str, Any] = {"crd_dir": str(crd_dir) if crd_dir else None, "project_dir": str(project_dir),
                                     "ray": ray}
        env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", PYTHONWARNINGS="ignore")
        self.proc: subprocess.Popen[bytes] | None = None
        if os.environ.get(IN_PROCESS_ENV) == "1":
            return  # checks run in this process (run's fallback), sharing what earlier plans here loaded
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "raystack.preview.checks.worker", "--worker", json.dumps(self.args)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         env=env)
        except OSError:
            self.proc = None

    def run(self, rayclusters: list[tuple[str, dict[str, Any]]], core: list[tuple[str, dict[str, Any]]],
            kubernetes_version: str, workloads: list[tuple[str, dict[str, Any]]] | None = None) -> dict[str, Any]:
        if self.proc is not None:
            request = {"rayclusters": rayclusters, "core": core, "kubernetes_version": kubernetes_version,
                       "workloads": workloads or []}
            out, _err = self.proc.communicate(json.dumps(request).encode())
            self.proc = None
            try:
                result: dict[str, Any] = json.loads(out)
                return result
            except ValueError:
                pass  # the child died: do it here
        a = self.args
        return Validator(Path(a["crd_dir"]) if a["crd_dir"] else None, Path(a["project_dir"]), a["ray"]).run(
            rayclusters, core, kubernetes_version, workloads)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def _worker_main(arg: str) -> int:
    a = json.loads(arg)
    v = Validator(Path(a["crd_dir"]) if a["crd_dir"] else None, Path(a["project_dir"]), a["ray"])
    v.preload()
    req = json.loads(sys.stdin.buffer.read() or b"{}")
    result = v.run([tuple(x) for x in req.get("rayclusters", [])], [tuple(x) for x in req.get("core", [])],
                   req.get("kubernetes_version") or versions.EKS_VERSION,
                   [tuple(x) for x in req.get("workloads", [])])
    sys.stdout.write(json.dumps(result, default=str))
    return 0


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--worker":
    sys.exit(_worker_main(sys.argv[2]))
