"""raystack.testing: run Pulumi programs under the SDK's mock engine and inspect what they register.

A public harness (like ``kopf.testing``): ``raystack plan`` and this project's
tests use it, and teams use it in their own stacks' tests::

    from raystack import testing

    rec = testing.run(lambda: RayCluster("team", args))
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    assert rc.inputs["spec"]["workerGroupSpecs"][0]["maxReplicas"] == 4, rc.urn

    rec = testing.run_stack(Path("."), "dev")   # a project's program with a stack file's config

    # a team stack: what its StackReference reads (a dict, or a file of outputs or of a plan report)
    rec = testing.run_stack(Path("."), "ml", stack_outputs={"acme/raystack/prod": Path("prod.json")})

Mock outputs per type token live in ``COMPUTED_OUTPUTS`` (extend it for your own types).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .project import Project, load_project, load_stack_config, stack_names
from .stack_outputs import StackOutputsError, load_stack_outputs, stack_outputs
from .values import SECRET_PLACEHOLDER, restore_ints

if TYPE_CHECKING:
    from .mocks import COMPUTED_OUTPUTS, RecordingMocks
    from .recorder import Recording, Registered, run, run_program_dir

# Pulumi-dependent names load on first use, so the Pulumi-free parts stay cheap to import.
_LAZY = {"COMPUTED_OUTPUTS": "mocks", "RecordingMocks": "mocks", "Recording": "recorder", "Registered": "recorder",
         "run": "recorder", "run_program_dir": "recorder"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)


def run_stack(project_dir: Path, stack: str,
              stack_outputs: Mapping[str, Mapping[str, Any] | Path] | None = None) -> Recording:
    """Run the project's program under the mock engine with ``Pulumi.<stack>.yaml``'s config.
    ``stack_outputs``: what its StackReferences read, by reference name (see ``stack_outputs``)."""
    from .recorder import run_program_dir
    from .stack_outputs import stack_outputs as given

    project = load_project(project_dir)
    with given(stack_outputs or {}):
        return run_program_dir(project.program_dir, load_stack_config(project, stack), project=project.name,
                               stack=stack)


__all__ = [
    "COMPUTED_OUTPUTS", "SECRET_PLACEHOLDER", "Project", "Recording", "RecordingMocks", "Registered",
    "StackOutputsError", "load_project", "load_stack_config", "load_stack_outputs", "restore_ints", "run",
    "run_program_dir", "run_stack", "stack_names", "stack_outputs",
]
