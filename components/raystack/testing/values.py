"""Recorded values: the secret marker and number repair (Pulumi-free, shared with ``raystack.preview``)."""

from __future__ import annotations

from typing import Any

#: What a secret value is recorded as: never its plain text.
SECRET_PLACEHOLDER = "[secret]"


def restore_ints(value: Any) -> Any:
    """Recorded inputs travel as protobuf Structs, so every number is a float:
    give integral floats back their int type (8265.0 -> 8265)."""
    if isinstance(value, dict):
        return {k: restore_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [restore_ints(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def contains(value: Any, leaf: Any) -> bool:
    """Whether ``leaf`` appears anywhere in a nested dict/list value (a secret marker, an unknown)."""
    if isinstance(value, dict):
        return any(contains(v, leaf) for v in value.values())
    if isinstance(value, list):
        return any(contains(v, leaf) for v in value)
    return bool(value == leaf)


def is_true(value: Any) -> bool:
    """A recorded or registered boolean, which Pulumi may carry as the string "true"."""
    return value is True or str(value).lower() == "true"
