"""pulumi-kubernetes' awaits (provider/pkg/await/condition@v4.32.0) and field manager names."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .errors import NotModelled


# -- pulumi-kubernetes awaits ------------------------------------------------------------------------
def _jsonpath(obj: dict[str, Any], expr: str) -> tuple[bool, Any]:
    """A kubectl JSONPath of field names: {.a.b['c.d'].e} (client-go util/jsonpath); anything else is not
    modelled."""
    m = re.fullmatch(r"\{((?:\.[A-Za-z0-9_-]+|\['[^']+'\])+)\}", expr)
    if not m:
        raise NotModelled(f"JSONPath {expr}")
    cur: Any = obj
    for dotted, quoted in re.findall(r"\.([A-Za-z0-9_-]+)|\['([^']+)'\]", m.group(1)):
        part = dotted or quoted
        if not isinstance(cur, dict) or part not in cur:
            return False, None
        cur = cur[part]
    return True, cur


def check_wait(live: dict[str, Any], wait_for: str) -> str | None:
    """None when pulumi.com/waitFor is satisfied, else what it still waits for.
    provider/pkg/await/condition@v4.32.0: kubectl.go checkCondition (the condition's observedGeneration,
    else status.observedGeneration, must not be below metadata.generation) and jsonpath.go (status.
    observedGeneration, when present, must not be below metadata.generation; then the path must exist
    and, with =value, equal it). A JSON list means every entry."""
    if wait_for.startswith("["):
        for w in json.loads(wait_for):
            why = check_wait(live, w)
            if why:
                return why
        return None
    gen = (live.get("metadata") or {}).get("generation")
    status = live.get("status") or {}
    if wait_for.startswith("condition="):
        parts = wait_for[len("condition="):].split("=")
        ctype, want = parts[0], parts[1] if len(parts) > 1 else "True"
        for c in status.get("conditions") or []:
            if c.get("type", "").lower() != ctype.lower():
                continue
            observed = c.get("observedGeneration", status.get("observedGeneration"))
            if gen is not None and observed is not None and observed < gen:
                return f"Generation {gen} is less than expected: observed {observed}"
            if c.get("status", "").lower() != want.lower():
                return f"Resource has condition {ctype}={c.get('status')} (want {want})"
            return None
        return f"no {ctype} condition"
    if wait_for.startswith("jsonpath="):
        expr = wait_for[len("jsonpath="):]
        want_value = None
        if "}=" in expr:
            expr, want_value = expr.split("}=", 1)
            expr += "}"
        observed = status.get("observedGeneration")
        if gen is not None and observed is not None and observed < gen:
            return f"Generation {gen} is less than expected: observed {observed}"
        found, value = _jsonpath(live, expr)
        if not found:
            return f"{expr} not found"
        if want_value is not None and str(value) != want_value:
            return f"{expr} is {value} (want {want_value})"
        return None
    raise NotModelled(f"waitFor {wait_for}")


def field_manager(urn: str) -> str:
    """pulumi-kubernetes names each resource's field manager pulumi-kubernetes-<random> and keeps it in
    state (provider.go fieldManagerName): one stable manager per resource."""
    return "pulumi-kubernetes-" + hashlib.sha256(urn.encode()).hexdigest()[:8]
