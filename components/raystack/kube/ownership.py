"""Which Ray objects are raystack's, and the admission policy that stops raystack from taking over one that
is not (kubernetes-deploy-review 2, N7). Pure: manifests as dicts.

On a cluster raystack did not create, the Kubernetes provider upserts (``upsertExistingObjects``: adopted
namespaces), so creating a RayCluster whose name is taken is a server-side apply onto someone else's
object (pulumi-kubernetes v4.32.0 await.go ``Creation``: "we always send a PATCH request during creates
with SSA enabled"). ``pulumi.com/patchForce`` (which takes ``workerGroupSpecs`` back from the Ray
autoscaler) would then take every field. Knowing create from update would need a read at program time.
The guard is server-side instead: a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA in
Kubernetes 1.30) denies an UPDATE that labels a Ray object raystack's when the object was not. A
create is a CREATE and passes; raystack's own objects carry the label from their first apply, so every
later update passes, and so do the Ray autoscaler's and KubeRay's writes, which keep labels. Someone
who means to hand an existing object to raystack labels it ``raystack.io/adopt=true`` first.
"""

from __future__ import annotations

import re
from typing import Any

PART_OF = "app.kubernetes.io/part-of"
#: The labels on every Ray object raystack applies; ``PART_OF`` marks it as raystack's.
RAY_OBJECT_LABELS = {PART_OF: "raystack", "app.kubernetes.io/managed-by": "pulumi"}
RAY_RESOURCES = ("rayclusters", "rayjobs", "rayservices", "raycronjobs")


#: The label someone puts on an existing Ray object to hand it to raystack on purpose.
ADOPT = "raystack.io/adopt"


def _labelled(obj: str, label: str, value: str) -> str:
    return (f"(has({obj}.metadata.labels) && '{label}' in {obj}.metadata.labels && "
            f"{obj}.metadata.labels['{label}'] == '{value}')")


#: CEL (Kubernetes ValidatingAdmissionPolicy): an update may label an object raystack's only if it was, or
#: if it was labelled for adoption.
NO_TAKEOVER = (f"!{_labelled('object', PART_OF, 'raystack')} || {_labelled('oldObject', PART_OF, 'raystack')}"
               f" || {_labelled('oldObject', ADOPT, 'true')}")
NO_TAKEOVER_MESSAGE = (
    "'raystack will not take over ' + object.kind + ' ' + object.metadata.namespace + '/' + object.metadata.name"
    " + ': it exists and is not raystack\\'s. Rename it in the stack, or adopt it on purpose: kubectl label '"
    " + object.kind + ' -n ' + object.metadata.namespace + ' ' + object.metadata.name"
    f" + ' {ADOPT}=true (the next up then applies the stack\\'s spec to it)'")


def policy_name(project: str, stack: str) -> str:
    """One policy per stack (cluster-scoped; a DNS subdomain): destroying one stack leaves another's."""
    raw = f"raystack-no-takeover.{project}.{stack}".lower()
    return re.sub(r"[^a-z0-9.-]", "-", raw)[:253].strip(".-")


def no_takeover_policy(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ValidatingAdmissionPolicy and its binding (Deny), as the spec of each."""
    policy = {
        "failurePolicy": "Fail",
        "matchConstraints": {"resourceRules": [{
            "apiGroups": ["ray.io"], "apiVersions": ["*"], "operations": ["UPDATE"],
            "resources": list(RAY_RESOURCES)}]},
        "validations": [{"expression": NO_TAKEOVER, "messageExpression": NO_TAKEOVER_MESSAGE,
                         "reason": "Forbidden"}],
    }
    binding = {"policyName": name, "validationActions": ["Deny"]}
    return policy, binding
