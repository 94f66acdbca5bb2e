"""A JSON Schema of the stack file (``stacks/Pulumi.<env>.yaml``), generated from the spec types.

Editors use it for completion and inline errors (``# yaml-language-server:
$schema=...`` at the top of each stack file). It is structural (keys, types,
enums, required keys, descriptions, defaults); the rules that relate values to
each other and to the catalog stay in ``raystack.resolve``. The shipped copy is
``schema/raystack-stack.schema.json`` (a test keeps it equal to this). Pulumi-free.
"""

from __future__ import annotations

import ast
import functools
import inspect
import typing
from enum import Enum
from typing import Any

from . import cloud_types, job_types, karpenter_types, ops_types, ray_types
from . import types as spec_types
from .coerce import _fields, field_types, is_typeddict, to_camel

NAMESPACE = "raystack"


@functools.cache
def field_docs() -> dict[tuple[str, str], str]:
    """(TypedDict name, field) -> the docstring under the field in spec/types.py and the modules it re-exports
    (ray_types, job_types, ops_types, cloud_types, karpenter_types)."""
    docs: dict[tuple[str, str], str] = {}
    modules = (spec_types, ray_types, job_types, ops_types, cloud_types, karpenter_types)
    classes = [n for m in modules for n in ast.parse(inspect.getsource(m)).body]
    for cls in (n for n in classes if isinstance(n, ast.ClassDef)):
        body = cls.body
        for stmt, nxt in zip(body, body[1:], strict=False):
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)):
                docs[(cls.name, stmt.target.id)] = " ".join(nxt.value.value.split())
    return docs


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if is_typeddict(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _object_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"enum": [m.value for m in tp]}
    if origin is list:
        (item,) = typing.get_args(tp)
        return {"type": "array", "items": _type_schema(item, defs)}
    if origin is dict:
        value = typing.get_args(tp)[1]
        if value is Any:  # a Kubernetes-shaped object, checked against Kubernetes' own schema
            return {"type": "object"}
        return {"type": "object", "additionalProperties": _type_schema(value, defs)}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    return {"type": "string"}


#: Integer bounds the resolver enforces with the same meaning wherever the field appears, so editors show
#: them too (newcomer review P9: `maxSize: -2` passed the schema). A test holds each against resolve.
INTEGER_BOUNDS: dict[str, dict[str, int]] = {
    "min_size": {"minimum": 0}, "max_size": {"minimum": 1},
    "min_nodes": {"minimum": 0}, "max_nodes": {"minimum": 1},
    "disk_size_gib": {"minimum": 100},  # clouds/aws/rules.py MIN_DISK_GIB
    "az_count": {"minimum": 2, "maximum": 4},
    "min_workers": {"minimum": 0}, "idle_timeout_seconds": {"minimum": 0},
}


def _field_schema(td: type, field: str, tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    from ..model.defaults import default_of

    schema = _type_schema(tp, defs)
    if tp is int and field in INTEGER_BOUNDS:
        schema = {**schema, **INTEGER_BOUNDS[field]}
    doc = field_docs().get((td.__name__, field))
    if doc:
        schema = {**schema, "description": doc}
    default = default_of(td, field)
    if default is not None and default != {} and default != []:
        schema = {**schema, "default": default}
    return schema


def _object_schema(td: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = field_types(td)
    required = sorted(to_camel(f) for f in _fields(td)[1])
    out: dict[str, Any] = {
        "type": "object",
        "properties": {to_camel(f): _field_schema(td, f, tp, defs) for f, tp in hints.items()},
        "additionalProperties": False,
    }
    if td.__doc__:
        out["description"] = " ".join(td.__doc__.split())
    if required:
        out["required"] = required
    return out


def stack_file_schema() -> dict[str, Any]:
    """The schema of a whole stack file: ``config`` with ``raystack:<key>`` entries (other
    namespaces, such as ``aws:region``, pass through; a value may be a ``secure:`` secret)."""
    defs: dict[str, Any] = {}
    secure = {"type": "object", "required": ["secure"], "description": "A secret (pulumi config set --secret)",
              "properties": {"secure": {"type": "string", "description": "The encrypted value"}},
              "additionalProperties": False}
    keys = {}
    for field, tp in field_types(spec_types.PlatformSpec).items():
        keys[f"{NAMESPACE}:{to_camel(field)}"] = {"anyOf": [_field_schema(spec_types.PlatformSpec, field, tp, defs),
                                                            {"$ref": "#/$defs/secure"}]}
    defs["secure"] = secure
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "raystack stack file (stacks/Pulumi.<env>.yaml)",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": keys,
                # Unknown raystack: keys are errors; other namespaces are not raystack's to judge.
                "propertyNames": {"if": {"pattern": f"^{NAMESPACE}:"}, "then": {"enum": sorted(keys)}},
            },
        },
        "$defs": dict(sorted(defs.items())),
    }
