"""Key spelling and structural coercion of user input against the spec types.

``coerce`` walks a value against a TypedDict, converts key spelling (camelCase
in stack files, snake_case in Python), checks types and reports unknown keys,
collecting every problem with the key path it came from. ``decode_config``
turns the engine's string config values into that raw input. Pulumi-free.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, Union

from typing_extensions import NotRequired, Required

from ..model.findings import Finding
from .types import PlatformSpec

# --- key spelling ------------------------------------------------------------

def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


def to_snake(name: str) -> str:
    return _CAMEL_RE.sub("_", name).lower()


# --- structural coercion -----------------------------------------------------

_HINTS: dict[type, tuple[dict[str, Any], frozenset[str]]] = {}


def _strip_marker(tp: Any) -> tuple[Any, bool | None]:
    """(type without Required/NotRequired, True/False if marked, None if not)."""
    origin = typing.get_origin(tp)
    if origin is Required:
        return typing.get_args(tp)[0], True
    if origin is NotRequired:
        return typing.get_args(tp)[0], False
    return tp, None


def _fields(td: type) -> tuple[dict[str, Any], frozenset[str]]:
    """Field types and required keys of a TypedDict. Worked out from the
    annotations: with postponed annotations, or on Python 3.10,
    ``__required_keys__`` does not see Required/NotRequired."""
    if td not in _HINTS:
        hints: dict[str, Any] = {}
        required: set[str] = set()
        for klass in reversed(td.__mro__):
            if not hasattr(klass, "__annotations__") or klass in (dict, object):
                continue
            total = getattr(klass, "__total__", True)
            own = typing.get_type_hints(klass, include_extras=True)
            for name in klass.__dict__.get("__annotations__", {}):
                tp, marked = _strip_marker(own[name])
                hints[name] = tp
                if marked is True or (marked is None and total):
                    required.add(name)
                else:
                    required.discard(name)
        _HINTS[td] = (hints, frozenset(required))
    return _HINTS[td]


def field_types(td: type) -> dict[str, Any]:
    """Field name -> type (Required/NotRequired stripped) of a TypedDict."""
    return _fields(td)[0]


def is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    if is_typeddict(tp):
        return "an object"
    if origin in (list,):
        return "a list"
    if origin in (dict,):
        return "a map of strings"
    return {str: "a string", int: "an integer", bool: "true or false", float: "a number"}.get(tp, str(tp))


def did_you_mean(word: object, choices: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice (difflib), or ``""``."""
    if not isinstance(word, str) or not choices:
        return ""
    folded = {c.lower().replace("_", "").replace("-", ""): c for c in choices}
    exact = folded.get(word.lower().replace("_", "").replace("-", ""))
    if exact is not None and exact != word:
        return f" (did you mean {exact!r}?)"
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close and close[0] != word else ""


class Coercer:
    """Walks a value against a type; camel or snake keys in, snake keys out."""

    def __init__(self, camel: bool):
        self.camel = camel
        self.findings: list[Finding] = []

    def key(self, path: str, field: str) -> str:
        shown = to_camel(field) if self.camel else field
        return f"{path}.{shown}" if path else shown

    def fail(self, path: str, value: Any, what: str) -> None:
        self.findings.append(Finding(path, value, what))

    def coerce(self, tp: Any, value: Any, path: str) -> Any:
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if value is None:
                return None
            return self.coerce(args[0], value, path)
        if is_typeddict(tp):
            return self._typeddict(tp, value, path)
        if isinstance(tp, type) and issubclass(tp, Enum):
            allowed = [m.value for m in tp]
            value = value.value if isinstance(value, Enum) else value
            if value not in allowed:
                self.fail(path, value, f"must be one of {', '.join(repr(a) for a in allowed)}"
                                       + did_you_mean(value, [str(a) for a in allowed]))
            return value
        if origin is list:
            (item,) = typing.get_args(tp)
            if not isinstance(value, list):
                self.fail(path, value, f"must be {_describe(tp)}")
                return []
            return [self.coerce(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
        if origin is dict and is_typeddict(typing.get_args(tp)[1]):
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                self.fail(path, value, "must be a map of names to objects")
                return {}
            return {k: self.coerce(typing.get_args(tp)[1], v, f"{path}[{k!r}]") for k, v in value.items()}
        if origin is dict and typing.get_args(tp)[1] is Any:  # Kubernetes-shaped: rules check it
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                self.fail(path, value, "must be an object (Kubernetes' own shape)")
                return {}
            return copy.deepcopy(value)
        if origin is dict:
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                self.fail(path, value, "must be a map of string keys to string values")
                return {}
            return dict(value)
        if tp is bool:
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if not isinstance(value, bool):
                self.fail(path, value, "must be true or false")
            return value
        if tp is int:
            if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
                return int(value)
            if isinstance(value, float) and value.is_integer():
                return int(value)  # other languages send numbers as floats
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(path, value, "must be an integer")
            return value
        if tp is str:
            if not isinstance(value, str):
                self.fail(path, value, "must be a string")
            return value
        return value

    def _typeddict(self, td: type, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, value, "must be an object")
            return {}
        hints = field_types(td)
        out: dict[str, Any] = {}
        misspelled: set[str] = set()  # required keys a typo stands for: reported once, as the typo
        for raw_key, v in value.items():
            field = to_snake(raw_key) if self.camel else raw_key
            if self.camel and to_camel(field) != raw_key:
                field = ""  # one spelling per key: camelCase in stack files
            if field not in hints:
                names = [to_camel(f) if self.camel else f for f in hints]
                hint = did_you_mean(raw_key, names)
                if hint:
                    misspelled.add(to_snake(hint.split("'")[1]) if self.camel else hint.split("'")[1])
                # The key is the mistake, not its value (which may be a whole list of pools: newcomer review P9).
                self.fail(f"{path}.{raw_key}" if path else raw_key, None,
                          f"unknown key{hint}; allowed keys: {', '.join(names)}")
                continue
            out[field] = self.coerce(hints[field], v, self.key(path, field))
        for req in sorted(_fields(td)[1]):
            if req not in out and req not in misspelled:
                self.fail(self.key(path, req), None, f"is required ({_describe(hints[req])})")
        return out


def coerce(td: type, value: Any, path: str = "", camel: bool = False) -> tuple[Any, list[Finding]]:
    c = Coercer(camel)
    out = c.coerce(td, value, path)
    return out, c.findings


#: PlatformSpec keys whose values may be secrets: passed through undecoded.
SECRET_KEYS = frozenset({"kubeconfig", "gcs_redis_password"})


def decode_config(values: Mapping[str, Any]) -> dict[str, Any]:
    """Stack config values as the engine hands them over (camelCase keys without
    the namespace; strings, objects as JSON) -> the raw dict ``resolve_platform``
    takes. String-typed keys stay strings; unknown keys are kept for the
    validator to report; undecodable JSON is kept as text for it to name."""
    fields = {to_camel(f): (f, tp) for f, tp in field_types(PlatformSpec).items()}
    raw: dict[str, Any] = {}
    for key, value in values.items():
        field, tp = fields.get(key, (None, None))
        if not isinstance(value, str) or field in SECRET_KEYS or tp is str or (
                isinstance(tp, type) and issubclass(tp, Enum)):
            raw[key] = value
            continue
        try:
            raw[key] = json.loads(value)
        except json.JSONDecodeError:
            raw[key] = value
    return raw
