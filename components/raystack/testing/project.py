"""Pulumi project and stack files -> the config the engine would hand the program.

Part of the public ``raystack.testing`` harness. Pulumi-free.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .values import SECRET_PLACEHOLDER


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping. YAML 1.2 (3.2.1.1): "each of the keys
    is unique"; PyYAML would silently keep the last, so a stack file's second `raystack:gpuPools` would
    replace the first without a word (newcomer review P9)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            k = self.construct_object(key_node, deep=deep)
            if k in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {k!r} is given twice (first on line {seen[k] + 1}): YAML keys are unique; "
                                "keep one", key_node.start_mark)
            seen[k] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """A Pulumi project or stack file's YAML: safe, and a duplicated key is an error. Parsed once per
    text (the pure-Python loader is slow, and a lifecycle reads the same stack file on every run); each
    caller gets its own copy."""
    return copy.deepcopy(_parse_yaml(text))


@functools.lru_cache(maxsize=64)
def _parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)


@dataclass
class Project:
    name: str
    root: Path
    program_dir: Path
    stack_dir: Path
    config_defaults: dict[str, Any]


def load_project(project_dir: Path) -> Project:
    doc = load_yaml((project_dir / "Pulumi.yaml").read_text())
    main = doc.get("main")
    program_dir = (project_dir / main) if main else project_dir
    if program_dir.is_file():
        program_dir = program_dir.parent
    stack_dir = project_dir / doc.get("stackConfigDir", ".")  # Pulumi's own default: beside Pulumi.yaml
    defaults: dict[str, Any] = {}
    for key, decl in (doc.get("config") or {}).items():
        full = key if ":" in key else f"{doc['name']}:{key}"
        if isinstance(decl, dict):
            if "default" in decl:
                defaults[full] = decl["default"]
        else:
            defaults[full] = decl
    return Project(doc["name"], project_dir, program_dir, stack_dir, defaults)


def stack_names(project: Project) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project.stack_dir.glob("Pulumi.*.yaml"))


def load_stack_config(project: Project, stack: str) -> dict[str, str]:
    """The stack's config as the engine would hand it to the program: namespaced
    keys, string values (objects as JSON); ``secure:`` values stay opaque."""
    path = project.stack_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path} (stacks here: {', '.join(stack_names(project)) or 'none'})")
    doc = load_yaml(path.read_text()) or {}
    merged: dict[str, Any] = dict(project.config_defaults)
    for key, value in (doc.get("config") or {}).items():
        full = key if ":" in key else f"{project.name}:{key}"
        merged[full] = value
    out: dict[str, str] = {}
    for k, v in merged.items():
        if isinstance(v, dict) and set(v) == {"secure"}:
            out[k] = SECRET_PLACEHOLDER
        elif isinstance(v, str):
            out[k] = v
        else:
            out[k] = json.dumps(v)
    return out


def stack_region(config: dict[str, Any]) -> str | None:
    """Where a stack's cluster lives, as its program reads it: the config key its cloud's provider reads
    (aws:region, azure-native:location)."""
    import raystack  # noqa: F401  (registers the clouds)

    from ..model.cloud import cloud_rules, registered

    cloud = config.get("raystack:cloud") or "aws"
    return config.get(cloud_rules(cloud).region_key) if cloud in registered() else None
