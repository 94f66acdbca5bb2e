"""The mock monitor the simulated engine runs the program under: registrations, reads and invokes are
answered as the engine and the providers would, against the previous run's state."""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Any

from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _sync_await

from ..mocks import computed_outputs
from ..recorder import RecordingMonitor, Registered, to_json_safe
from .errors import AwaitFailed, CloudError, EngineError, NotModelled
from .replace import changed_paths, diff_base, replace_reasons
from .state import (
    PHYSICAL_NAMES,
    UNKNOWN,
    Plan,
    StateResource,
    Step,
    _has_unknown,
    _plain,
    del_path,
    dotted,
    get_path,
    set_path,
)

if TYPE_CHECKING:
    from .engine import Lifecycle


class _Monitor(RecordingMonitor):
    """Answers the program's registrations, reads and invokes as the engine and providers would."""

    def __init__(self, lc: Lifecycle, plan: Plan, preview: bool):
        from ..mocks import RecordingMocks

        super().__init__(RecordingMocks(), plan.recording)
        self.lc, self.plan, self.preview = lc, plan, preview
        self.error: BaseException | None = None
        self.seen: set[str] = set()
        self.pending_deletes: list[StateResource] = []
        # The SDK calls the monitor from a thread pool (resource.py: run_in_executor), so registrations
        # arrive concurrently; the simulated state, account and clusters change under one lock, as the
        # engine's step executor serialises state writes.
        self._lock = threading.RLock()

    def _fail(self, e: BaseException) -> BaseException:
        if self.error is None:
            self.error = e
        return e

    def Invoke(self, request: Any) -> Any:  # noqa: N802
        with self._lock:
            return self._invoke(request)

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        with self._lock:
            return self._read_resource(request)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802
        with self._lock:
            return self._register_resource(request)

    def _invoke(self, request: Any) -> Any:
        args = rpc.deserialize_properties(request.args)
        self.recording.invokes.append((request.tok, to_json_safe(args)))
        try:
            ret = self.lc.invoke(request.tok, to_json_safe(args))
        except CloudError as e:
            raise self._fail(EngineError(f"invoke {request.tok}: {e}")) from e
        except NotModelled as e:
            raise self._fail(e) from e
        from pulumi.runtime.proto import resource_pb2

        return resource_pb2.ResourceInvokeResponse(failures=None, **{"return": _sync_await(rpc.serialize_properties(ret, {}))})

    def _read_resource(self, request: Any) -> Any:
        from pulumi.runtime.proto import resource_pb2

        self.recording.reads.append((request.type, request.name, request.id))
        urn = self.make_urn(request.parent, request.type, request.name)
        self.plan.steps.append(Step(urn, request.type, "read"))
        try:
            props = self.lc.read(request.type, request.id, request.provider)
        except CloudError as e:
            raise self._fail(EngineError(f"reading {urn}: {e}")) from e
        except (EngineError, NotModelled) as e:
            raise self._fail(e) from e
        return resource_pb2.ReadResourceResponse(urn=urn, properties=_sync_await(rpc.serialize_properties(props, {})))

    def _register_resource(self, request: Any) -> Any:
        from pulumi.runtime.proto import resource_pb2

        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        raw = rpc.deserialize_properties(request.object, keep_unknowns=True)
        inputs = _plain(raw)
        reg = Registered.from_request(request, urn, inputs)
        self.recording.resources.append(Registered.from_request(request, urn, to_json_safe(raw)))
        if request.remote:
            # A provider-side component (pulumi-kubernetes' yaml/v2 ConfigGroup): the provider constructs it and
            # its children, so the harness acts for them as one provider resource.
            reg.custom = True
            reg.provider = request.provider or dict(request.providers).get(request.type.split(":")[0], "")
        try:
            ident, outputs = self._register(reg, getattr(request, "deletedWith", "") or "",
                                            [a.spec.name for a in request.aliases if a.HasField("spec") and a.spec.name])
        except AwaitFailed as e:
            raise self._fail(EngineError(str(e))) from e
        except CloudError as e:
            raise self._fail(EngineError(f"{urn}: {e}")) from e
        except (EngineError, NotModelled) as e:
            raise self._fail(e) from e
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=ident, object=_sync_await(rpc.serialize_properties(outputs, {})))

    def _register(self, r: Registered, deleted_with: str, alias_names: list[str]) -> tuple[str, dict[str, Any]]:
        lc = self.lc
        old = lc.state.get(r.urn)
        if old is None:
            for alias in alias_names:  # a name alias: the same resource under its old name
                aliased = lc.state.get(r.urn.rsplit("::", 1)[0] + "::" + alias)
                if aliased is not None:
                    old = aliased
                    del lc.state[aliased.urn]
                    aliased.urn = r.urn
                    lc.state[r.urn] = aliased
                    break
        self.seen.add(r.urn)
        inputs = copy.deepcopy(r.inputs)
        if not r.custom:
            if not self.preview:
                lc.state[r.urn] = StateResource(r.urn, r.type, False, "", inputs, {}, parent=r.parent,
                                                dependencies=r.dependencies, protect=r.protect,
                                                retain_on_delete=r.retain_on_delete)
            self.plan.steps.append(Step(r.urn, r.type, "same" if old else "create"))
            return "", {}
        if old is not None:
            # pulumi/pulumi pkg/resource/deploy step_generator.go processIgnoreChanges: each path takes the old
            # input's value, or is removed where the old inputs lack it; a path whose parent exists in neither
            # fails the step ("one or more elements of the path are missing").
            for raw_path in r.ignore_changes:
                path = dotted(raw_path)
                prev = get_path(old.inputs, path)
                if prev is not None:
                    set_path(inputs, path, prev)
                elif get_path(inputs, path[:-1]) is not None or not path[:-1]:
                    del_path(inputs, path)
                elif get_path(old.inputs, path[:-1]) is None:
                    raise EngineError(f"{r.urn}: cannot ignore changes to the following properties because one or "
                                      f"more elements of the path are missing: {raw_path!r}")
        if old is None:
            op, detail = "create", []
        else:
            changed = changed_paths(diff_base(r.type, old.inputs, old.outputs, inputs), inputs)
            reasons = replace_reasons(r.type, changed, r.replace_on_changes) if changed else []
            op = "replace" if reasons else "update" if changed else "same"
            detail = reasons or changed
            if op == "same" and old.init_errors:
                op, detail = "update", ["re-await after init errors"]
        self.plan.steps.append(Step(r.urn, r.type, op, detail))
        if self.preview:
            if op == "same":
                return old.id if old else "", old.outputs if old else {}
            if op == "update" and old is not None:
                return old.id, {**old.outputs, **inputs}
            full = computed_outputs(r.type, r.name, {k: v for k, v in inputs.items() if not _has_unknown(v)})
            return "", {**{k: UNKNOWN for k in full if k not in inputs}, **inputs}
        # the update proper
        if _has_unknown(inputs):
            raise NotModelled(f"{r.urn}: unknown inputs outside preview")
        dbr = r.delete_before_replace or bool(PHYSICAL_NAMES.get(r.type) and PHYSICAL_NAMES[r.type] in inputs) or \
            (r.type.startswith("kubernetes:") and op == "replace")
        new = StateResource(r.urn, r.type, True, old.id if old else "", inputs, {}, parent=r.parent,
                            provider=r.provider, dependencies=r.dependencies, protect=r.protect,
                            retain_on_delete=r.retain_on_delete, deleted_with=deleted_with)
        if op == "same" and old is not None:
            new.id, new.outputs, new.init_errors = old.id, old.outputs, []
            lc.state[r.urn] = new
            return new.id, new.outputs
        try:
            if op == "create":
                new.id, new.outputs = lc._provider_create(r.urn, r.type, r.name, inputs, r.provider)
            elif op == "update" and old is not None:
                new.outputs = lc._provider_update(old, inputs)
            elif op == "replace" and old is not None:
                if dbr:
                    lc._provider_delete(old)
                    del lc.state[r.urn]
                else:
                    self.pending_deletes.append(old)
                new.id, new.outputs = lc._provider_create(r.urn, r.type, r.name, inputs, r.provider)
        except AwaitFailed as e:
            new.init_errors = [str(e)]
            new.outputs = {**inputs}
            lc.state[r.urn] = new
            raise
        lc.state[r.urn] = new
        return new.id, new.outputs


