"""Read the stack configuration (``raystack:*`` keys) into the raw platform dict ``model.resolve`` takes.

Thin on purpose: decoding is ``spec.coerce.decode_config`` (shared with
``raystack plan``); every rule, default and message belongs to ``model``.
"""

from typing import Any

import pulumi

from .spec.coerce import SECRET_KEYS, decode_config, field_types, to_camel
from .spec.types import PlatformSpec


def stack_config_keys(namespace: str = "raystack") -> list[str]:
    """Every key the stack sets under ``namespace:`` (without the namespace), known or not.
    The language host hands the program the whole config: set through the runtime
    (``set_all_config``) or as the PULUMI_CONFIG environment variable."""
    prefix = namespace + ":"
    keys = set(pulumi.runtime.get_config_env() or {}) | set(pulumi.runtime.config.CONFIG.get())
    return sorted(k[len(prefix):] for k in keys if k.startswith(prefix))


def read_stack_config(namespace: str = "raystack") -> dict[str, Any]:
    """All ``namespace:*`` keys, decoded; unknown keys are kept for ``resolve`` to name."""
    cfg = pulumi.Config(namespace)
    secret = {to_camel(f) for f in SECRET_KEYS}
    known = {to_camel(f) for f in field_types(PlatformSpec)}
    values: dict[str, Any] = {}
    for key in sorted(set(stack_config_keys(namespace)) | known):
        value = cfg.get_secret(key) if key in secret else cfg.get(key)
        if value is not None:
            values[key] = value
    return decode_config(values)
