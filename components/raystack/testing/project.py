"""Pulumi project and stack files -> the config the engine would hand the program.

Part of the public ``raystack.testing`` harness. Pulumi-free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .values import SECRET_PLACEHOLDER


@dataclass
class Project:
    name: str
    root: Path
    program_dir: Path
    stack_dir: Path
    config_defaults: dict[str, Any]


def load_project(project_dir: Path) -> Project:
    doc = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
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
    doc = yaml.safe_load(path.read_text()) or {}
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
