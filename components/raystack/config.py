"""Read the stack configuration (``raystack:*`` keys) into a raw platform dict.

Thin on purpose: decoding is ``spec.decode_config`` (shared with ``raystack
plan``), and every rule and message belongs to ``validate.resolve_platform``.
"""

from typing import Any

import pulumi

from .spec import SECRET_KEYS, PlatformSpec, decode_config, to_camel


def read_stack_config(namespace: str = "raystack") -> dict[str, Any]:
    cfg = pulumi.Config(namespace)
    values: dict[str, Any] = {}
    for field in PlatformSpec.__annotations__:
        key = to_camel(field)
        value = cfg.get_secret(key) if field in SECRET_KEYS else cfg.get(key)
        if value is not None:
            values[key] = value
    return decode_config(values)
