"""The dependency graph of a recording as Mermaid. Pulumi-free.
"""

from __future__ import annotations

from typing import Any

from ..report import stack_urn


def mermaid(recording: Any, project: str, stack: str) -> str:
    """The dependency graph: solid arrows run from a dependency to its dependent,
    dotted arrows from a parent component to its children."""
    ids: dict[str, str] = {}
    root = stack_urn(project, stack)
    ids[root] = "n0"
    lines = ["flowchart LR", f'  n0["pulumi:pulumi:Stack<br/>{project}-{stack}"]']
    resources = sorted(recording.resources, key=lambda r: r.urn)
    for i, r in enumerate(resources, start=1):
        ids[r.urn] = f"n{i}"
        shape = ('["', '"]') if r.custom else ('(["', '"])')
        lines.append(f'  n{i}{shape[0]}{r.type}<br/>{r.name}{shape[1]}')
    for r in resources:
        lines.append(f"  {ids.get(r.parent, 'n0')} -.-> {ids[r.urn]}")
        for d in r.dependencies:
            if d in ids and d != r.parent:
                lines.append(f"  {ids[d]} --> {ids[r.urn]}")
    return "\n".join(lines) + "\n"
