"""Ray log shipping in the simulated cluster and account (observability.logs).

Each Ray pod's shipper (``raystack.ray.logs``: Fluent Bit's ``cloudwatch_logs`` output in a native sidecar)
writes one stream per log file to its log group, with the credentials EKS Pod Identity gives the pod's
service account. The harness ships only what the real chain would let through, each link from its source:

- the shipper: the pod template's init container with restartPolicy Always and its ``-o cloudwatch_logs``
  properties (fluent-bit v5.1.1 plugins/out_cloudwatch_logs: ``region``, ``log_group_name``,
  ``log_stream_prefix`` + the tag; no group is created unless ``auto_create_group``);
- the pod's account: the template's serviceAccountName; a head without one runs as KubeRay's account named
  after the cluster (utils.GetHeadGroupServiceAccountName, v1.7.0, with in-tree autoscaling), a worker as
  ``default``;
- the credentials: the EKS cluster's Pod Identity association for (namespace, account), none without one
  (the EKS user guide, pod-id-association: a pod of another account gets no credentials);
- the permission: the role's inline policies (IAM's evaluation: an explicit Deny wins, else an Allow whose
  Action and Resource match, ``*`` and ``?`` as wildcards); a role with managed policies attached cannot be
  evaluated here and is refused (NotModelled) rather than guessed;
- the group: it must exist in the shipper's region (PutLogEvents' ResourceNotFoundException otherwise).

Streams outlive pods: a replaced head's streams stay in the group until the group is deleted.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...ray.logs import SHIPPER
from ..mocks import ACCOUNT
from .errors import NotModelled

if TYPE_CHECKING:
    from .engine import Lifecycle
    from .kube import Obj

#: Files a running Ray node writes under /tmp/ray/session_*/logs (Ray's logging docs, "Log files in logging
#: directory"): the head's raylet, GCS and dashboard; a worker's raylet.
HEAD_FILES = ("raylet.out", "gcs_server.out", "dashboard.log")
WORKER_FILES = ("raylet.out",)
ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


@dataclass(frozen=True)
class Shipped:
    """One pod's shipping: the streams it wrote, or why it wrote none."""

    pod: str
    group: str
    streams: tuple[str, ...] = ()
    error: str | None = None


def _shipper(template: dict[str, Any]) -> dict[str, str] | None:
    """The shipper's output properties, or None when the pod has no shipper."""
    for c in (template.get("spec") or {}).get("initContainers") or []:
        if c.get("name") == SHIPPER and c.get("restartPolicy") == "Always":
            args, props, output = list(c.get("args") or []), {}, False
            for flag, value in zip(args, args[1:], strict=False):
                if flag in ("-i", "-o"):
                    output = flag == "-o"
                    if output and value != "cloudwatch_logs":
                        raise NotModelled(f"a log shipper output {value!r}")
                elif flag == "-p" and output:
                    k, _, v = value.partition("=")
                    props[k] = v
            return props
    return None


def allowed(policies: list[dict[str, Any]], action: str, resource: str) -> bool:
    """IAM policy evaluation over identity policies (no boundaries, SCPs or sessions here)."""
    def matches(stmt: dict[str, Any]) -> bool:
        acts = stmt.get("Action", [])
        res = stmt.get("Resource", [])
        acts, res = ([acts] if isinstance(acts, str) else acts), ([res] if isinstance(res, str) else res)
        return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in acts) and \
            any(fnmatch.fnmatchcase(resource, r) for r in res)
    stmts = [s for p in policies for s in (p.get("Statement") or [])]
    if any(s.get("Effect") == "Deny" and matches(s) for s in stmts):
        return False
    return any(s.get("Effect") == "Allow" and matches(s) for s in stmts)


def _role_policies(lc: Lifecycle, role_arn: str) -> list[dict[str, Any]]:
    roles = [r for r in lc.state.values() if r.type == "aws:iam/role:Role" and r.outputs.get("arn") == role_arn]
    if not roles:
        return []  # a role deleted under its association: AssumeRole fails, no credentials
    (role,) = roles
    if any(r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" and r.inputs.get("role") in
           (role.id, role.outputs.get("name")) for r in lc.state.values()):
        raise NotModelled(f"role {role_arn}: managed policies are not evaluated here")
    return [json.loads(r.inputs["policy"]) for r in lc.state.values()
            if r.type == "aws:iam/rolePolicy:RolePolicy" and r.inputs.get("role") in (role.id, role.outputs.get("name"))]


def _pods(obj: Obj) -> list[tuple[str, str, dict[str, Any]]]:
    """(pod name, role, template) of a running Ray object's pods: the head and each group's replicas."""
    spec = obj.body.get("spec") or {}
    cluster = spec.get("rayClusterConfig") or spec.get("rayClusterSpec") or (spec if obj.kind == "RayCluster" else None)
    if cluster is None:
        return []
    head = (cluster.get("headGroupSpec") or {}).get("template") or {}
    pods = [(f"{obj.name}-head-{obj.head_restarts}", "head", head)]
    for g in cluster.get("workerGroupSpecs") or []:
        n = max(int(g.get("minReplicas") or 0), int(g.get("replicas") or 0))
        pods += [(f"{obj.name}-{g['groupName']}-worker-{i}", "worker", g.get("template") or {}) for i in range(n)]
    return pods


def ship(lc: Lifecycle, cluster: str) -> list[Shipped]:
    """Every running Ray pod of EKS cluster ``cluster`` ships what it has written so far."""
    kc = lc.kube[cluster]
    eks = lc.aws.clusters.get(cluster)
    out: list[Shipped] = []
    for obj in [o for o in kc.objects.values() if o.kind in ("RayCluster", "RayService", "RayJob")]:
        for pod, role, template in _pods(obj):
            props = _shipper(template)
            if props is None:
                continue
            group, stream_prefix = props.get("log_group_name", ""), props.get("log_stream_prefix", "")
            sa = (template.get("spec") or {}).get("serviceAccountName") or (obj.name if role == "head" else "default")
            role_arn = eks.pod_identity.get((obj.namespace, sa)) if eks is not None else None
            if role_arn is None:
                out.append(Shipped(pod, group, error=f"NoCredentialProviders: no Pod Identity association for "
                                                     f"{obj.namespace}/{sa}"))
                continue
            policies = _role_policies(lc, role_arn)
            region = props.get("region")
            if group not in lc.aws.log_groups or region != lc.aws.region:
                out.append(Shipped(pod, group, error=f"ResourceNotFoundException: log group {group} in {region}"))
                continue
            streams = []
            for f in HEAD_FILES if role == "head" else WORKER_FILES:
                # The tail input's tag ray.* with the file's path (dots for slashes), after the prefix.
                name = stream_prefix.replace("$(POD_NAME)", pod) + f"ray.tmp.ray.session_1.logs.{f}"
                arn = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}:log-stream:{name}"
                denied = [a for a in ACTIONS if not allowed(policies, a, arn)]
                if denied:
                    out.append(Shipped(pod, group, error=f"AccessDeniedException: {role_arn} may not {denied[0]} on "
                                                         f"{arn}"))
                    break
                streams.append(name)
            else:
                lc.aws.log_streams.setdefault(group, set()).update(streams)
                out.append(Shipped(pod, group, tuple(streams)))
    return out


def delete_head_pod(lc: Lifecycle, cluster: str, kind: str, namespace: str, name: str) -> None:
    """Someone deletes a Ray object's head pod: KubeRay creates a new one (another name) from the template."""
    lc.kube[cluster].objects[(kind, namespace, name)].head_restarts += 1
