"""What a StackReference reads, for programs run under the mock engine (``raystack plan`` and tests).

A real StackReference reads the referenced stack's last deployment, and the engine fails when there is
none (``unknown stack``). Offline there is none, so a team stack's plan or test names the outputs it
builds on: a JSON file of ``pulumi stack output --json --show-secrets``, or the ``raystack plan
--format json`` report of the platform stack (its ``outputs``, secrets shown as ``[secret]``). The mock
engine refuses a reference it was given no outputs for, as the engine refuses an unknown stack.

    from raystack import testing

    with testing.stack_outputs({"acme/raystack/prod": Path("platform-prod.json")}):
        rec = testing.run_stack(Path("."), "ml")
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: A report of `raystack plan --format json` has these keys; its stack's exports are under "outputs".
_PLAN_KEYS = frozenset({"stack", "project", "valid", "outputs"})


class StackOutputsError(ValueError):
    """A file of stack outputs that cannot be used."""


def load_stack_outputs(path: Path) -> dict[str, Any]:
    """The outputs in ``path``: an object of outputs, or a raystack plan report (its ``outputs``)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise StackOutputsError(f"{path}: cannot read stack outputs: {e}") from None
    if not isinstance(doc, dict):
        raise StackOutputsError(f"{path}: stack outputs are a JSON object (pulumi stack output --json), "
                                f"not {type(doc).__name__}")
    if _PLAN_KEYS <= set(doc):
        if not doc["valid"]:
            raise StackOutputsError(f"{path}: the plan of stack {doc['stack']!r} is not valid: fix it first")
        outputs = doc["outputs"]
        return dict(outputs) if isinstance(outputs, dict) else {}
    return doc


def parse_reference_file(text: str) -> tuple[str, Path]:
    """``<org>/<project>/<stack>=FILE`` (the command line's spelling) -> (reference, path)."""
    ref, sep, file = text.partition("=")
    if not sep or not ref or not file or ref.count("/") not in (1, 2):
        raise StackOutputsError(f"{text!r}: give REFERENCE=FILE, such as acme/raystack/prod=platform.json")
    return ref, Path(file)


@contextmanager
def stack_outputs(outputs: Mapping[str, Mapping[str, Any] | Path]) -> Iterator[None]:
    """While the block runs, StackReferences read these outputs (by reference name; a Path is loaded
    with ``load_stack_outputs``). References not given fail, as an unknown stack fails."""
    from . import mocks

    loaded = {ref: load_stack_outputs(v) if isinstance(v, Path) else dict(v) for ref, v in outputs.items()}
    before = dict(mocks.LIVE_STACK_OUTPUTS)
    mocks.LIVE_STACK_OUTPUTS.update(loaded)
    try:
        yield
    finally:
        mocks.LIVE_STACK_OUTPUTS.clear()
        mocks.LIVE_STACK_OUTPUTS.update(before)
