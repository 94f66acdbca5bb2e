"""ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1) in a simulated cluster.

The subset raystack uses is modelled: resourceRules by API group, resource and operation, validations
with ``expression``/``messageExpression``/``reason``, failurePolicy Fail, and bindings whose
validationActions include Deny. Each expression is evaluated by a CEL interpreter (cel-python), so the
policy text itself is what is tested. A policy or binding using anything else (params, matchConditions,
variables, a binding's matchResources) is NotModelled: the harness never lets a request through that a
real API server might deny.
"""

from __future__ import annotations

import functools
from typing import Any

from .errors import CloudError, NotModelled

POLICY, BINDING = "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"
_POLICY_KEYS = {"failurePolicy", "matchConstraints", "validations"}
_BINDING_KEYS = {"policyName", "validationActions"}


def plural(kind: str) -> str:
    low = kind.lower()
    return low[:-1] + "ies" if low.endswith("y") else low + "es" if low.endswith("s") else low + "s"


@functools.lru_cache(maxsize=64)
def _program(expression: str) -> Any:
    import celpy  # imported here: only clusters that hold a policy pay for the interpreter

    env = celpy.Environment()
    return env.program(env.compile(expression))


def _cel(expression: str, activation: dict[str, Any]) -> Any:
    from celpy.adapter import json_to_cel

    return _program(expression).evaluate({k: json_to_cel(v) for k, v in activation.items()})


def check(bodies: list[dict[str, Any]], operation: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Raise the API server's denial when a bound policy refuses ``operation`` of ``new`` (``old``: the object
    before an UPDATE). ``bodies``: every object in the cluster."""
    policies = {b["metadata"]["name"]: b for b in bodies if b.get("kind") == POLICY}
    group, _, _ = str(new.get("apiVersion", "")).rpartition("/")
    for binding in (b for b in bodies if b.get("kind") == BINDING):
        spec = binding.get("spec") or {}
        if set(spec) - _BINDING_KEYS:
            raise NotModelled(f"a ValidatingAdmissionPolicyBinding with {sorted(set(spec) - _BINDING_KEYS)}")
        policy = policies.get(spec.get("policyName", ""))
        if policy is None:
            raise NotModelled(f"a binding to a missing ValidatingAdmissionPolicy {spec.get('policyName')!r}")
        pspec = policy.get("spec") or {}
        if set(pspec) - _POLICY_KEYS or set(pspec.get("matchConstraints") or {}) - {"resourceRules"}:
            raise NotModelled(f"a ValidatingAdmissionPolicy with {sorted(set(pspec) - _POLICY_KEYS)}")
        if "Deny" not in (spec.get("validationActions") or []):
            continue
        if not any((group in r.get("apiGroups", []) or "*" in r.get("apiGroups", []))
                   and (operation in r.get("operations", []) or "*" in r.get("operations", []))
                   and (plural(new["kind"]) in r.get("resources", []) or "*" in r.get("resources", []))
                   for r in pspec["matchConstraints"]["resourceRules"]):
            continue
        activation = {"object": new, "oldObject": old}
        for v in pspec.get("validations") or []:
            try:
                ok = bool(_cel(v["expression"], activation))
                message = str(_cel(v["messageExpression"], activation)) if "messageExpression" in v else \
                    v.get("message", f"failed expression: {v['expression']}")
            except Exception as e:  # noqa: BLE001 (cel-python's evaluation errors: failurePolicy decides)
                if pspec.get("failurePolicy", "Fail") != "Fail":
                    continue
                ok, message = False, f"expression failed: {e}"
            if not ok:
                name = new.get("metadata", {}).get("name", "")
                raise CloudError(v.get("reason", "Invalid"),
                                 f'{plural(new["kind"])} "{name}" is forbidden: ValidatingAdmissionPolicy '
                                 f"'{policy['metadata']['name']}' with binding '{binding['metadata']['name']}' "
                                 f"denied request: {message}",
                                 "kube-apiserver ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1)")
