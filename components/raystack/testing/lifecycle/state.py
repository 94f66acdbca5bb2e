"""What the simulated engine keeps between runs, and what a run reports."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc

from ..recorder import Recording, to_json_safe
from ..values import contains

UNKNOWN = rpc.UNKNOWN
#: Properties that carry a user-set physical name: with one set, a replacement must delete first
#: (pulumi-terraform-bridge schema.go nameRequiresDeleteBeforeReplace; pulumi-kubernetes Diff: a
#: replacement of a named, not auto-named, object is delete-before-replace).
PHYSICAL_NAMES = {"aws:eks/cluster:Cluster": "name", "aws:iam/role:Role": "name",
                  "aws:ec2/launchTemplate:LaunchTemplate": "name", "aws:eks/nodeGroup:NodeGroup": "nodeGroupName",
                  "aws:ec2/placementGroup:PlacementGroup": "name", "aws:cloudwatch/logGroup:LogGroup": "name"}


@dataclass
class StateResource:
    urn: str
    type: str
    custom: bool
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    parent: str = ""
    provider: str = ""
    dependencies: list[str] = field(default_factory=list)
    protect: bool = False
    retain_on_delete: bool = False
    deleted_with: str = ""
    #: pulumi-kubernetes await failures: the next up awaits again (pulumi/pulumi#3091, PR #1836).
    init_errors: list[str] = field(default_factory=list)


@dataclass
class Step:
    urn: str
    type: str
    op: str  # create | update | replace | delete | same | read
    detail: list[str] = field(default_factory=list)


@dataclass
class Plan:
    kind: str
    steps: list[Step] = field(default_factory=list)
    recording: Recording = field(default_factory=Recording)
    #: The stack config it ran with.
    config: dict[str, Any] = field(default_factory=dict)

    def ops(self, *ops: str) -> list[Step]:
        return [s for s in self.steps if s.op in ops]

    def changes(self) -> list[Step]:
        """Every step but same and read: what `pulumi preview --expect-no-changes` fails on."""
        return [s for s in self.steps if s.op not in ("same", "read")]

    def of(self, typ: str) -> list[Step]:
        return [s for s in self.steps if s.type == typ]

    def describe(self) -> str:
        return "\n".join(f"{s.op:8} {s.urn} {', '.join(s.detail)}" for s in self.changes()) or "no changes"


def _split_ref(ref: str) -> tuple[str, str]:
    urn, _, ident = ref.rpartition("::")
    return urn, ident


Path = tuple[str, ...]


def dotted(path: str) -> Path:
    """A Pulumi property path ('scalingConfig.desiredSize', 'tags["k8s.io/x"]', 'a[0].b'; pulumi/pulumi
    sdk/go/common/resource/properties_path.go ParsePropertyPath) -> a path tuple ('[*]' is dropped)."""
    out: list[str] = []
    for m in re.finditer(r'\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\[\*\]|([^.\[\]]+)', path):
        quoted, index, plain = m.groups()
        if quoted is not None:
            out.append(quoted.replace('\\"', '"'))
        elif index is not None:
            out.append(index)
        elif plain is not None:
            out.append(plain)
    return tuple(out)


def get_path(obj: Any, path: Path) -> Any:
    """The value at ``path`` (map keys, list indexes as digits), or None."""
    for p in path:
        if isinstance(obj, dict) and p in obj:
            obj = obj[p]
        elif isinstance(obj, list) and p.isdigit() and int(p) < len(obj):
            obj = obj[int(p)]
        else:
            return None
    return obj


def set_path(obj: Any, path: Path, value: Any) -> None:
    for p in path[:-1]:
        obj = obj[int(p)] if isinstance(obj, list) else obj.setdefault(p, {})
    if isinstance(obj, list):
        obj[int(path[-1])] = copy.deepcopy(value)
    else:
        obj[path[-1]] = copy.deepcopy(value)


def del_path(obj: Any, path: Path) -> None:
    parent = get_path(obj, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def _has_unknown(value: Any) -> bool:
    return contains(value, UNKNOWN)


def _plain(value: Any) -> Any:
    """Deserialized inputs as plain values: a secret's value is kept; the recording still masks it."""
    return to_json_safe(value, reveal_secrets=True)


#: Kinds without a namespace.
CLUSTER_SCOPED = ("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                  "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "NodePool", "EC2NodeClass", "NodeClaim")


def _kube_key(typ: str, inputs: dict[str, Any]) -> tuple[str, str, str]:
    kind = typ.rsplit(":", 1)[1]
    meta = inputs.get("metadata") or {}
    ns = "" if kind in CLUSTER_SCOPED else meta.get("namespace") or "default"
    return kind, ns, meta.get("name", "")


