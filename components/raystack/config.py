"""Read the stack configuration (``raystack:*`` keys) into a raw platform dict.

Thin on purpose: values go through ``validate.resolve_platform``, which owns
every rule and every error message.
"""

from __future__ import annotations

import json
import typing
from enum import Enum
from typing import Any

import pulumi

from .spec import PlatformSpec, to_camel

#: Keys whose values are secrets in the stack file.
SECRET_KEYS = {"kubeconfig"}


def read_stack_config(namespace: str = "raystack") -> dict[str, Any]:
    cfg = pulumi.Config(namespace)
    raw: dict[str, Any] = {}
    for field, tp in typing.get_type_hints(PlatformSpec).items():
        key = to_camel(field)
        if field in SECRET_KEYS:
            value = cfg.get_secret(key)
            if value is not None:
                raw[key] = value
            continue
        text = cfg.get(key)
        if text is None:
            continue
        if tp is str or (isinstance(tp, type) and issubclass(tp, Enum)):
            raw[key] = text
        else:
            try:
                raw[key] = json.loads(text)
            except json.JSONDecodeError:
                raw[key] = text  # the validator names the key and the expected type
    return raw
