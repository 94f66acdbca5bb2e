"""Run a Pulumi program in-process under the SDK's mock engine and record what it registers.

Part of the public ``raystack.testing`` harness: ``raystack plan``, this
project's tests and teams' own tests use it. The mock monitor is the
SDK's own; this subclass only records each registration request (type, name,
parent, dependencies, provider, options, inputs) before the SDK handles it,
and the mocks answer with the computed outputs real providers would return.
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pmocks
from pulumi.runtime import resource as _resource_rt
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import source_pb2

from .mocks import RecordingMocks
from .values import SECRET_PLACEHOLDER, restore_ints


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
    replace_on_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False

    @classmethod
    def from_request(cls, request: Any, urn: str, inputs: dict[str, Any]) -> Registered:
        """What a RegisterResourceRequest asks for: type, name, parent, dependencies, options."""
        return cls(urn=urn, type=request.type, name=request.name, parent=request.parent,
                   custom=bool(request.custom), dependencies=sorted(set(request.dependencies)),
                   provider=request.provider, inputs=inputs, protect=bool(request.protect),
                   retain_on_delete=bool(request.retainOnDelete), ignore_changes=list(request.ignoreChanges),
                   replace_on_changes=list(request.replaceOnChanges or []),
                   delete_before_replace=bool(request.deleteBeforeReplace))

    def to_json(self) -> dict[str, Any]:
        out = {
            "urn": self.urn, "type": self.type, "name": self.name, "parent": self.parent or None,
            "custom": self.custom, "dependencies": self.dependencies, "provider": self.provider or None,
            "protect": self.protect, "retainOnDelete": self.retain_on_delete,
            "ignoreChanges": self.ignore_changes, "inputs": restore_ints(self.inputs),
        }
        if self.replace_on_changes:  # only where set: older snapshots stay as they were
            out.update(replaceOnChanges=self.replace_on_changes, deleteBeforeReplace=self.delete_before_replace)
        return out


@dataclass
class Recording:
    resources: list[Registered] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    #: (token, arguments) of every invoke (data source) the program made.
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: (type, name, id) of every existing resource the program read (Resource.get, StackReference).
    reads: list[tuple[str, str, str]] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.type == typ]

    def children_of(self, urn: str) -> list[Registered]:
        return [r for r in self.resources if r.parent == urn]


class RecordingMonitor(pmocks.MockMonitor):
    def __init__(self, mocks: pmocks.Mocks, recording: Recording):
        super().__init__(mocks)
        self.recording = recording

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self.recording.reads.append((request.type, request.name, request.id))
        return super().ReadResource(request)  # type: ignore[no-untyped-call]

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self.recording.invokes.append((request.tok, to_json_safe(rpc.deserialize_properties(request.args))))
        return super().Invoke(request)  # type: ignore[no-untyped-call]

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            self.recording.resources.append(Registered.from_request(request, response.urn, to_json_safe(inputs)))
        return response


def to_json_safe(value: Any, reveal_secrets: bool = False) -> Any:
    """Make deserialized inputs JSON-safe (unknowns and secrets become markers). ``reveal_secrets``
    keeps a secret's value instead (the lifecycle harness's simulated providers need the kubeconfig)."""
    if isinstance(value, dict):
        # Private SDK names (checked against pulumi 3.260-3.2xx): the marker of a secret value.
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return to_json_safe(value.get("value"), True) if reveal_secrets else SECRET_PLACEHOLDER
        return {k: to_json_safe(v, reveal_secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_safe(v, reveal_secrets) for v in value]
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
        stack: str = "dev", preview: bool = False, recording: Recording | None = None,
        monitor: RecordingMonitor | None = None) -> Recording:
    """Run ``program`` under the mock engine with ``config`` (namespaced keys, string values).
    Pass ``recording`` to keep what was registered even when the program raises; ``monitor`` to
    answer registrations another way (``raystack.testing.lifecycle``)."""
    recording = recording if recording is not None else Recording()
    monitor = monitor if monitor is not None else RecordingMonitor(RecordingMocks(), recording)
    # set_mocks keeps the root stack resource of an earlier run in this context (pulumi
    # 3.2xx, runtime/mocks.py: "if get_root_resource() is None"), so a second stack run in
    # one process would parent its resources to the first stack's URN. Start each run fresh.
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(RecordingMocks(), project=project, stack=stack, preview=preview, monitor=monitor,
                             logger=_Logger(recording))  # type: ignore[arg-type]
    pulumi.runtime.set_all_config(config or {})
    exports: dict[str, Any] = {}
    real_export = pulumi.export

    def export(name: str, value: Any) -> None:
        exports[name] = value


    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def _go() -> Any:
        pulumi.export = export
        try:
            program()
        finally:
            pulumi.export = real_export
        if not exports:
            return None

        async def collect() -> None:
            # Stack outputs as plain values; secret outputs become the marker.
            for k, v in exports.items():
                out = pulumi.Output.from_input(v)
                value = await out.future(with_unknowns=True)
                recording.outputs[k] = SECRET_PLACEHOLDER if await out.is_secret() else to_json_safe(value)

        return collect()

    # Components may stand in for what only a real deployment fetches (KubeRayOperator's CRD files).
    before = os.environ.get("RAYSTACK_MOCK_ENGINE")
    os.environ["RAYSTACK_MOCK_ENGINE"] = "1"
    # The SDK extracts the whole Python stack, source lines included, for every registration
    # (pulumi runtime/resource.py `_get_stack_trace`), only to send the engine a source position
    # for its diagnostics. No mock monitor reads it, and it was a fifth of a run's time.
    real_stack_trace = _resource_rt._get_stack_trace
    _resource_rt._get_stack_trace = _no_stack_trace
    try:
        _go()
    finally:
        _resource_rt._get_stack_trace = real_stack_trace
        if before is None:
            os.environ.pop("RAYSTACK_MOCK_ENGINE", None)
        else:
            os.environ["RAYSTACK_MOCK_ENGINE"] = before
    return recording


def _no_stack_trace() -> Any:
    return source_pb2.StackTrace()


def program_from_dir(program_dir: Path) -> Callable[[], None]:
    """A Pulumi Python program directory (its ``__main__.py``) as a program to run, with the directory
    on sys.path while it runs, as the language host puts it."""
    def program() -> None:
        sys.path.insert(0, str(program_dir))
        try:
            runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")
        finally:
            sys.path.remove(str(program_dir))
    return program


def run_program_dir(program_dir: Path, config: dict[str, str], *, project: str, stack: str) -> Recording:
    """Run a Pulumi Python program directory (its ``__main__.py``) under the mock engine."""
    return run(program_from_dir(program_dir), config, project=project, stack=stack)



