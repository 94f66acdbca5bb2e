"""What an edit does to running Ray clusters, against a previous plan (``raystack plan --compare``).

KubeRay 1.7's ``upgradeStrategy: Recreate`` deletes every pod of a RayCluster, head included, when
its spec changes outside what the autoscaler and scaling own (replicas, min/max, workersToDelete),
tolerations and scheduling gates (kubernetes-deploy review #10, KubeRay v1.7.0
utils.GenerateHashWithoutReplicasAndWorkersToDelete); a RayService's cluster by the same hash
starts a new cluster (rayservice_controller shouldPrepareNewCluster). The
offline plan cannot see the live cluster, but it can compare two plans: the previous one (e.g. main
branch's `--format json` in CI) and this one. Pulumi-free.
"""

from __future__ import annotations

from typing import Any

from ..model.findings import Finding
from .objects import RAYCLUSTER_TYPE, issue


def _recreating_view(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as KubeRay v1.7.0 hashes it to decide on Recreate or a new RayService cluster
    (utils.GenerateHashWithoutReplicasAndWorkersToDelete): replicas, min/max, workersToDelete,
    tolerations and scheduling gates muted (autoscalers and Kueue change them), upgradeStrategy too."""
    out = {k: v for k, v in spec.items() if k not in ("workerGroupSpecs", "upgradeStrategy")}

    def pod(template: dict[str, Any] | None) -> dict[str, Any]:
        template = dict(template or {})
        template["spec"] = {k: v for k, v in (template.get("spec") or {}).items()
                            if k not in ("tolerations", "schedulingGates")}
        return template

    if "headGroupSpec" in out:
        out["headGroupSpec"] = {**out["headGroupSpec"], "template": pod(out["headGroupSpec"].get("template"))}
    groups = []
    for g in spec.get("workerGroupSpecs") or []:
        g = {k: v for k, v in g.items() if k not in ("replicas", "minReplicas", "maxReplicas")}
        if "scaleStrategy" in g:
            g["scaleStrategy"] = {k: v for k, v in g["scaleStrategy"].items() if k != "workersToDelete"}
        g["template"] = pod(g.get("template"))
        groups.append(g)
    out["workerGroupSpecs"] = groups
    return out


def _resources(doc: dict[str, Any], typ: str) -> dict[str, dict[str, Any]]:
    """urn -> resource of a plan JSON's resources of one type."""
    return {r["urn"]: r for r in doc.get("resources", []) if r.get("type") == typ}


def _specs(doc: dict[str, Any], typ: str) -> dict[str, dict[str, Any]]:
    """urn -> spec of a plan JSON's resources of one type."""
    return {r["urn"]: r["inputs"].get("spec") or {} for r in doc.get("resources", []) if r.get("type") == typ}


def _changed(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [p for k in keys for p in _changed(a.get(k), b.get(k), f"{path}.{k}" if path else k)]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in _changed(x, y, f"{path}[{i}]")]
    return [] if a == b else [path or "(root)"]


def recreated_clusters(previous: dict[str, Any], current: dict[str, Any]) -> list[Finding]:
    """A warning per RayCluster of both plans whose edit recreates all its pods, naming what changed, or,
    with upgradeStrategy None, reaches no running pod. KubeRay decides by the edited spec's strategy
    (raycluster_controller.go shouldRecreatePodsForUpgrade, v1.7.0); the hash leaves the strategy out."""
    before, after = _specs(previous, RAYCLUSTER_TYPE), _specs(current, RAYCLUSTER_TYPE)
    findings = []
    for urn in sorted(set(before) & set(after)):
        old, new = before[urn], after[urn]
        changed = _changed(_recreating_view(old), _recreating_view(new), "spec")
        if not changed:
            continue
        shown = ", ".join(changed[:6]) + (f" (+{len(changed) - 6} more)" if len(changed) > 6 else "")
        if new.get("upgradeStrategy", {}).get("type") == "Recreate":
            findings.append(issue("warning", "recreate", urn, "spec",
                                  f"this edit recreates every pod of the RayCluster, head included "
                                  f"(upgradeStrategy Recreate); changed: {shown}"))
        else:
            findings.append(issue("warning", "recreate", urn, "spec",
                                  f"this edit reaches only pods created from now on (upgradeStrategy None): the "
                                  f"head and running workers keep the old spec until deleted; changed: {shown}"))
    return findings


RAYJOB_TYPE = "kubernetes:ray.io/v1:RayJob"
RAYSERVICE_TYPE = "kubernetes:ray.io/v1:RayService"


def rerun_jobs_and_upgraded_services(previous: dict[str, Any], current: dict[str, Any]) -> list[Finding]:
    """A warning per RayJob whose spec changed (raystack replaces it: the job runs again, on a new
    cluster unless clusterSelector) and per RayService whose cluster spec changed (KubeRay starts a
    whole new cluster beside the running one before moving traffic: twice the nodes for a while)."""
    findings = []
    before, after = _specs(previous, RAYJOB_TYPE), _specs(current, RAYJOB_TYPE)
    for urn in sorted(set(before) & set(after)):
        changed = _changed(before[urn], after[urn], "spec")
        if changed:
            findings.append(issue("warning", "rerun", urn, "spec",
                                  "this edit replaces the RayJob: a job still running is stopped (KubeRay's "
                                  "finalizer calls StopJob) and its own cluster deleted, then the job runs again; "
                                  "changed: "
                                  f"{', '.join(changed[:6])}{' ...' if len(changed) > 6 else ''}"))
    before, after = _specs(previous, RAYSERVICE_TYPE), _specs(current, RAYSERVICE_TYPE)
    for urn in sorted(set(before) & set(after)):
        old = _recreating_view({k: v for k, v in (before[urn].get("rayClusterConfig") or {}).items() if k != "suspend"})
        new = _recreating_view({k: v for k, v in (after[urn].get("rayClusterConfig") or {}).items() if k != "suspend"})
        # Worker groups added at the end update the running cluster (isClusterSpecHashEqual, partial).
        appended = len(new["workerGroupSpecs"]) > len(old["workerGroupSpecs"])
        new["workerGroupSpecs"] = new["workerGroupSpecs"][:len(old["workerGroupSpecs"])] \
            if len(new["workerGroupSpecs"]) >= len(old["workerGroupSpecs"]) else new["workerGroupSpecs"]
        changed = _changed(old, new, "spec.rayClusterConfig")
        if appended and not changed:
            # rayservice_controller.go@v1.7.0 reconcileRayCluster: the active cluster is rebuilt from the
            # RayService's spec and updated ("TODO ... This will cause issues if autoscaler is enabled").
            findings.append(issue("warning", "upgrade", urn, "spec.rayClusterConfig.workerGroupSpecs",
                                  "appended worker groups update the running cluster in place; KubeRay rebuilds its "
                                  "spec for that, so the existing groups' replicas go back to their configured "
                                  "values until Ray's autoscaler scales them again"))
        if changed and (after[urn].get("upgradeStrategy") or {}).get("type") == "None":
            findings.append(issue("warning", "upgrade", urn, "spec.rayClusterConfig",
                                  "KubeRay ignores this edit (upgradeStrategy None: no new cluster, the running "
                                  "one is not changed): delete and recreate the RayService, or use NewCluster; "
                                  f"changed: {', '.join(changed[:6])}"))
        elif changed:
            findings.append(issue("warning", "upgrade", urn, "spec.rayClusterConfig",
                                  "this edit makes KubeRay start a new cluster beside the running one and move "
                                  "traffic once Serve is healthy there (upgradeStrategy NewCluster): the pools "
                                  f"need room for both meanwhile; changed: {', '.join(changed[:6])}"))
    return findings


NODEGROUP_TYPE = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE_TYPE = "aws:ec2/launchTemplate:LaunchTemplate"


def reserved_pool_version_updates(previous: dict[str, Any], current: dict[str, Any]) -> list[Finding]:
    """A warning per Capacity Block or ODCR node group whose Kubernetes version changes (aws-deploy-review
    #14). EKS updates a node group by first launching new nodes, "up to twice the number of Availability
    Zones" (EKS user guide, managed-node-update-behavior, scale-up phase); a reservation whose instances all
    run cannot supply them, and the update fails. For Capacity Blocks the guide says to set the node group's
    desired size to 0 first (capacity-blocks-mng)."""
    targeted = {r.get("parent") for r in current.get("resources", []) if r.get("type") == LAUNCH_TEMPLATE_TYPE
                and ((r["inputs"].get("capacityReservationSpecification") or {}).get("capacityReservationTarget"))}
    before, after = _resources(previous, NODEGROUP_TYPE), _resources(current, NODEGROUP_TYPE)
    findings = []
    for urn in sorted(set(before) & set(after)):
        old, new = before[urn]["inputs"].get("version"), after[urn]["inputs"].get("version")
        block = after[urn]["inputs"].get("capacityType") == "CAPACITY_BLOCK"
        if old == new or not (block or after[urn].get("parent") in targeted):
            continue
        findings.append(issue("warning", "reservation", urn, "version",
                              f"this edit moves the node group from Kubernetes {old} to {new}: EKS launches new "
                              f"nodes before draining the old ones, which a fully used "
                              f"{'Capacity Block' if block else 'capacity reservation'} cannot supply. First set "
                              "the pool's minSize to 0 and wait until its nodes are gone (desired size 0), then "
                              "apply the version change"))
    return findings


#: Node-group inputs raystack sets whose change replaces the node group (terraform-provider-aws eks/node_group.go:
#: ami_type, capacity_type, instance_types, node_role_arn, subnet_ids ForceNew; the lifecycle harness's
#: replace table holds the whole list).
NODEGROUP_REPLACING = ("amiType", "capacityType", "instanceTypes", "nodeRoleArn", "subnetIds")


def replaced_pool_nodes(previous: dict[str, Any], current: dict[str, Any]) -> list[Finding]:
    """A warning per node group whose every node this edit replaces, so every Ray worker running there stops:
    a replacing input changes (a new node group is created and the old one deleted), or its launch template
    does ("When you update your node group to a different version of your launch template, all nodes in the
    group are recycled": EKS user guide, launch-templates; managed-node-update-behavior for how). Turning `efa` on or off does both (issue 20:
    interfaces, placement and huge pages in the template; one subnet)."""
    def template_of(doc: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
        return {r.get("parent"): r["inputs"] for r in _resources(doc, LAUNCH_TEMPLATE_TYPE).values()}

    before, after = _resources(previous, NODEGROUP_TYPE), _resources(current, NODEGROUP_TYPE)
    templates_before, templates_after = template_of(previous), template_of(current)
    findings = []
    for urn in sorted(set(before) & set(after)):
        old, new = before[urn]["inputs"], after[urn]["inputs"]
        replacing = [k for k in NODEGROUP_REPLACING if old.get(k) != new.get(k)]
        parent = after[urn].get("parent")
        lt_old, lt_new = templates_before.get(before[urn].get("parent")), templates_after.get(parent)
        template = sorted(k for k in set(lt_old or {}) | set(lt_new or {})
                          if (lt_old or {}).get(k) != (lt_new or {}).get(k)) if lt_old is not None else []
        if replacing:
            findings.append(issue("warning", "replacement", urn, replacing[0],
                                  f"this edit replaces the node group (changed: {', '.join(replacing)}): a new "
                                  "group is created and the old one deleted, and every Ray worker on it stops; "
                                  "let running jobs finish first"))
        elif template:
            findings.append(issue("warning", "replacement", urn, "launchTemplate",
                                  f"this edit changes the pool's launch template ({', '.join(template[:6])}): EKS "
                                  "replaces every node of the group with one of the new version, draining the old "
                                  "ones, and every Ray worker on it restarts; let running jobs finish first"))
    return findings


KARPENTER_TYPES = {"kubernetes:karpenter.sh/v1:NodePool": "NodePool",
                   "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": "EC2NodeClass"}


def drifted_karpenter_nodes(previous: dict[str, Any], current: dict[str, Any]) -> list[Finding]:
    """A warning per Karpenter NodePool or EC2NodeClass whose edit drifts the nodes already running (which fields
    drift: clouds.aws.karpenter.drift_of, from Karpenter v1.14.1's hashes). raystack's pools keep a disruption budget
    of 0 for reason Drifted, so Karpenter replaces a drifted node only once Ray has emptied it: no running worker
    stops, but every node is replaced over time, and until then the old ones keep the old settings."""
    from ..clouds.aws.karpenter import drift_of

    findings = []
    for typ, kind in KARPENTER_TYPES.items():
        before, after = _specs(previous, typ), _specs(current, typ)
        for urn in sorted(set(before) & set(after)):
            changed = _changed(before[urn], after[urn], "")
            drifts = drift_of(kind, changed)
            if drifts is None:
                continue
            findings.append(issue("warning", "drift", urn, "spec",
                                  f"this edit drifts {drifts} of the {kind}: Karpenter replaces them with nodes of "
                                  "the new spec, each once Ray's autoscaler has emptied it (raystack's Drifted "
                                  "budget is 0: no busy worker is evicted); until then they keep the old spec; "
                                  f"changed: {', '.join(changed[:6])}"))
    return findings
