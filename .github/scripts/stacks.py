"""Every stack in stacks/, as the pull-request workflow's matrices ($GITHUB_OUTPUT lines), so that a team's new
stack file needs no workflow edit. `plan`: every stack. `preview`: every stack but kind, which e2e-kind.yml
deploys on a real kind cluster; `existing` marks a stack on an existing cluster (its kubeconfig is written
first). Standard library only: it runs before anything is installed."""

from __future__ import annotations

import json
import re
from pathlib import Path

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def names() -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in STACKS.glob("Pulumi.*.yaml"))


def existing(stack: str) -> bool:
    text = (STACKS / f"Pulumi.{stack}.yaml").read_text()
    return re.search(r"^\s*raystack:clusterMode:\s*[\"']?existing[\"']?\s*(#.*)?$", text, re.M) is not None


if __name__ == "__main__":
    print("plan=" + json.dumps(names()))
    print("preview=" + json.dumps([{"stack": s, "existing": existing(s)} for s in names() if s != "kind"]))
