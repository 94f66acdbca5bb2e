"""Run a Pulumi program in-process under the SDK's mock engine and record what it registers.

Used by ``raystack plan`` and by the test suite. The mock monitor is the
SDK's own; this subclass only records each registration request (type, name,
parent, dependencies, provider, options, inputs) before the SDK handles it,
and the mocks answer with the computed outputs real providers would return.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pmocks
from pulumi.runtime import rpc

SECRET_PLACEHOLDER = "[secret]"


@dataclass
class Registered:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    dependencies: list[str]
    provider: str
    inputs: dict[str, Any]
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn, "type": self.type, "name": self.name, "parent": self.parent or None,
            "custom": self.custom, "dependencies": self.dependencies, "provider": self.provider or None,
            "protect": self.protect, "retainOnDelete": self.retain_on_delete,
            "ignoreChanges": self.ignore_changes, "inputs": self.inputs,
        }


@dataclass
class Recording:
    resources: list[Registered] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    logs: list[tuple[str, str]] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.type == typ]

    def by_urn(self) -> dict[str, Registered]:
        return {r.urn: r for r in self.resources}

    def children_of(self, urn: str) -> list[Registered]:
        return [r for r in self.resources if r.parent == urn]


def _computed_outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs a real provider computes, for the types raystack reads outputs from."""
    out = dict(inputs)
    arn = f"arn:aws:mock:us-east-1:123456789012:{typ.split(':')[-1].lower()}/{name}"
    out.setdefault("arn", arn)
    if typ == "aws:eks/cluster:Cluster":
        out.setdefault("name", name)
        out["endpoint"] = f"https://{name}.eks.example.invalid"
        out["certificateAuthority"] = {"data": "bW9jay1jYQ=="}
        vpc = dict(inputs.get("vpcConfig", {}))
        vpc["clusterSecurityGroupId"] = f"sg-{name}"
        out["vpcConfig"] = vpc
    elif typ == "aws:ec2/launchTemplate:LaunchTemplate":
        out["latestVersion"] = 1
    elif typ == "aws:eks/nodeGroup:NodeGroup":
        out.setdefault("nodeGroupName", name)
    elif typ == "aws:ec2/placementGroup:PlacementGroup":
        out.setdefault("name", name)
    elif typ == "aws:iam/role:Role":
        out.setdefault("name", name)
        out["arn"] = f"arn:aws:iam::123456789012:role/{name}"
    elif typ == "kubernetes:helm.sh/v3:Release":
        out.setdefault("name", name)
        out["status"] = {"status": "deployed"}
    return out


class PlanMocks(pmocks.Mocks):
    def new_resource(self, args: pmocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", _computed_outputs(args.typ, args.name, dict(args.inputs))

    def call(self, args: pmocks.MockCallArgs) -> dict[str, Any]:
        tok = args.token
        if tok.endswith("getAvailabilityZones"):
            return {"names": ["us-east-1a", "us-east-1b", "us-east-1c"], "zoneIds": ["use1-az1", "use1-az2",
                                                                                   "use1-az4"]}
        if tok.endswith("getCluster"):
            n = args.args.get("name", "existing")
            return {"name": n, "endpoint": f"https://{n}.eks.example.invalid",
                    "certificateAuthorities": [{"data": "bW9jay1jYQ=="}]}
        return {}


class RecordingMonitor(pmocks.MockMonitor):
    def __init__(self, mocks: pmocks.Mocks, recording: Recording):
        super().__init__(mocks)
        self.recording = recording

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            self.recording.resources.append(Registered(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                dependencies=sorted(set(request.dependencies)),
                provider=request.provider,
                inputs=_plain(inputs),
                protect=bool(getattr(request, "protect", False)),
                retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                ignore_changes=list(request.ignoreChanges),
            ))
        return response


def _plain(value: Any) -> Any:
    """Make deserialized inputs JSON-safe (unknowns and secrets become markers)."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:  # type: ignore[attr-defined]
            return SECRET_PLACEHOLDER
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


class _Logger:
    def __init__(self, recording: Recording):
        self.recording = recording

    def __getattr__(self, level: str) -> Callable[..., None]:
        def log(msg: str, *a: Any, **k: Any) -> None:
            self.recording.logs.append((level, msg % a if a else msg))
        return log


def run(program: Callable[[], Any], config: dict[str, str] | None = None, *, project: str = "raystack",
        stack: str = "dev", preview: bool = False) -> Recording:
    """Run ``program`` under the mock engine with ``config`` (namespaced keys, string values)."""
    recording = Recording()
    monitor = RecordingMonitor(PlanMocks(), recording)
    pulumi.runtime.set_mocks(PlanMocks(), project=project, stack=stack, preview=preview, monitor=monitor,
                             logger=_Logger(recording))  # type: ignore[arg-type]
    pulumi.runtime.set_all_config(config or {})
    exports: dict[str, Any] = {}
    real_export = pulumi.export

    def export(name: str, value: Any) -> None:
        exports[name] = value

    @pulumi.runtime.test
    def _go() -> Any:
        pulumi.export = export  # type: ignore[assignment]
        try:
            program()
        finally:
            pulumi.export = real_export  # type: ignore[assignment]
        if not exports:
            return None

        async def collect() -> None:
            # Stack outputs as plain values; secret outputs become the marker.
            for k, v in exports.items():
                out = pulumi.Output.from_input(v)
                value = await out.future(with_unknowns=True)
                recording.outputs[k] = SECRET_PLACEHOLDER if await out.is_secret() else _plain(value)

        return collect()

    _go()
    return recording


def run_program_dir(program_dir: Path, config: dict[str, str], *, project: str, stack: str) -> Recording:
    """Run a Pulumi Python program directory (its ``__main__.py``) under the mock engine."""
    main = program_dir / "__main__.py"
    sys.path.insert(0, str(program_dir))
    try:
        return run(lambda: runpy.run_path(str(main), run_name="__main__"), config, project=project, stack=stack)
    finally:
        sys.path.remove(str(program_dir))


# --- Pulumi project and stack files --------------------------------------------

@dataclass
class Project:
    name: str
    root: Path
    program_dir: Path
    stack_dir: Path
    config_defaults: dict[str, Any]


def load_project(project_dir: Path) -> Project:
    doc = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    main = doc.get("main")
    program_dir = (project_dir / main) if main else project_dir
    if program_dir.is_file():
        program_dir = program_dir.parent
    stack_dir = project_dir / doc.get("stackConfigDir", ".")
    defaults: dict[str, Any] = {}
    for key, decl in (doc.get("config") or {}).items():
        full = key if ":" in key else f"{doc['name']}:{key}"
        if isinstance(decl, dict):
            if "default" in decl:
                defaults[full] = decl["default"]
        else:
            defaults[full] = decl
    return Project(doc["name"], project_dir, program_dir, stack_dir, defaults)


def stack_names(project: Project) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project.stack_dir.glob("Pulumi.*.yaml"))


def load_stack_config(project: Project, stack: str) -> dict[str, str]:
    """The stack's config as the engine would hand it to the program: namespaced
    keys, string values (objects as JSON); ``secure:`` values stay opaque."""
    path = project.stack_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path} (stacks here: {', '.join(stack_names(project)) or 'none'})")
    doc = yaml.safe_load(path.read_text()) or {}
    merged: dict[str, Any] = dict(project.config_defaults)
    for key, value in (doc.get("config") or {}).items():
        full = key if ":" in key else f"{project.name}:{key}"
        merged[full] = value
    out: dict[str, str] = {}
    for k, v in merged.items():
        if isinstance(v, dict) and set(v) == {"secure"}:
            out[k] = SECRET_PLACEHOLDER
        elif isinstance(v, str):
            out[k] = v
        else:
            out[k] = json.dumps(v)
    return out
