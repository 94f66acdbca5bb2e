"""Golden snapshots of every stack: what each registers (URN, parent, dependencies, provider, options,
inputs). A change to any resource shows up as a reviewable diff of tests/golden/stacks/<stack>.json;
URN changes would replace live resources, so they must be deliberate. Regenerate with
RAYSTACK_UPDATE_GOLDEN=1 after reviewing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from conftest import STACKS, run_stack
from raystack import testing

GOLDEN = Path(__file__).parent / "golden" / "stacks"


def snapshot(stack: str) -> str:
    rec = run_stack(stack)

    def inputs(r: testing.Registered) -> dict:
        if r.type == "kubernetes:yaml/v2:ConfigGroup":  # verified local copies or the tag's URLs: same files
            return {**r.inputs, "files": [f.rsplit("/", 1)[-1] for f in r.inputs["files"]]}
        if (r.inputs.get("metadata") or {}).get("labels", {}).get("grafana_dashboard") == "1":
            # Ray's dashboards as the installed Ray generates them (test_observability.py compares them with
            # Ray's factory): a digest here, not half a megabyte of Ray's JSON.
            return {**r.inputs, "data": {k: f"sha256:{hashlib.sha256(v.encode()).hexdigest()}"
                                         for k, v in r.inputs["data"].items()}}
        return r.inputs

    resources = sorted(({"urn": r.urn, "parent": r.parent, "deps": r.dependencies, "provider": r.provider,
                         "protect": r.protect, "retain": r.retain_on_delete, "ignore": r.ignore_changes,
                         "inputs": inputs(r)} for r in rec.resources), key=lambda d: d["urn"])
    return json.dumps({"resources": resources, "outputs": rec.outputs}, indent=1, sort_keys=True, default=str) + "\n"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_registers_what_its_golden_snapshot_says(stack):
    got = snapshot(stack)
    path = GOLDEN / f"{stack}.json"
    if os.environ.get("RAYSTACK_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert path.exists(), f"no {path}; run with RAYSTACK_UPDATE_GOLDEN=1"
    want = json.loads(path.read_text())
    have = json.loads(got)
    want_urns = {r["urn"] for r in want["resources"]}
    have_urns = {r["urn"] for r in have["resources"]}
    assert have_urns == want_urns, (f"{stack}: URNs changed (live resources would be replaced): "
                                    f"added {sorted(have_urns - want_urns)}, removed {sorted(want_urns - have_urns)}")
    for w, h in zip(want["resources"], have["resources"], strict=True):
        assert h == w, f"{h['urn']}: registration differs from the golden snapshot"
    assert have["outputs"] == want["outputs"], f"{stack}: stack outputs differ"
