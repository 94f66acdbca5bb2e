"""Read the stack configuration (``raystack:*`` keys) into the raw platform dict ``model.resolve`` takes.

Thin on purpose: decoding is ``spec.coerce.decode_config`` (shared with
``raystack plan``); every rule, default and message belongs to ``model``.
"""

from typing import Any

import pulumi

from .spec.coerce import SECRET_KEYS, decode_config, field_types, to_camel
from .spec.types import PlatformSpec


def read_stack_config(namespace: str = "raystack") -> dict[str, Any]:
    cfg = pulumi.Config(namespace)
    values: dict[str, Any] = {}
    for field in field_types(PlatformSpec):
        key = to_camel(field)
        value = cfg.get_secret(key) if field in SECRET_KEYS else cfg.get(key)
        if value is not None:
            values[key] = value
    return decode_config(values)
