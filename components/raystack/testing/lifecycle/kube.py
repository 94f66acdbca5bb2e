"""A simulated Kubernetes API with server-side-apply field ownership, KubeRay's controllers and
pulumi-kubernetes' awaits.

Sources, each cited where used:
- structured-merge-diff (kubernetes-sigs, as the API server vendors it) and the Kubernetes docs
  "Server-Side Apply": ownership, conflicts, force, and Update operations taking ownership.
- ray-project/kuberay@v1.7.0 controllers: when status is written (utils/consistency.go), what it holds
  (raycluster_controller.go calculateStatus), RayJob and RayService status.
- pulumi/pulumi-kubernetes@v4.32.0 provider/pkg/await/condition: the waitFor checks and their
  observedGeneration gate.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from .errors import CloudError, NotModelled
from .state import Path, del_path, get_path, set_path

Key = tuple[str, str, str]  # (kind, namespace, name); cluster-scoped kinds have namespace ""
RAY_KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
CLUSTER_SCOPED = ("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding")
#: The Ray autoscaler's field manager (it patches the RayCluster with JSON patches: an Update operation).
RAY_AUTOSCALER = "ray-autoscaler"


_LIST_TYPES: dict[str, dict[Path, str]] = {}


def list_types(kind: str) -> dict[Path, str]:
    """Path -> x-kubernetes-list-type of every list in the kind's CRD schema (absent: atomic, per the
    Kubernetes docs "Merge strategy": lists without the extension are atomic). Read from KubeRay's
    CRDs at the pinned tag, verified as raystack applies them (kube.crds); without them the harness
    refuses to guess."""
    if kind in _LIST_TYPES:
        return _LIST_TYPES[kind]
    import yaml

    from ...kube.crds import CrdUnavailable, verified_crd_files

    try:
        files = verified_crd_files(timeout_s=5.0)
    except CrdUnavailable as e:
        raise NotModelled(f"list merge types of {kind}: KubeRay's CRD files are not at hand ({e})") from None
    (path,) = [FilePath(f) for f in files if FilePath(f).name == f"ray.io_{kind.lower()}s.yaml"]

    schema = yaml.safe_load(path.read_text())["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    out: dict[Path, str] = {}

    def walk(node: dict[str, Any], at: Path) -> None:
        if node.get("type") == "array":
            out[at] = node.get("x-kubernetes-list-type", "atomic")
            return  # ownership stops at an atomic list; raystack's kinds have no granular lists it sets
        for k, v in (node.get("properties") or {}).items():
            walk(v, at + (k,))
    walk(schema, ())
    _LIST_TYPES[kind] = out
    return out


def leaf_paths(obj: Any, at: Path = ()) -> dict[Path, Any]:
    """The fields an apply sets: map keys recurse, and a list is one field. That is exact for atomic
    lists (workerGroupSpecs: no x-kubernetes-list-type in KubeRay's CRD)."""
    if isinstance(obj, dict) and obj:
        out: dict[Path, Any] = {}
        for k, v in obj.items():
            if at == () and k in ("status", "apiVersion", "kind"):
                continue
            out.update(leaf_paths(v, at + (k,)))
        return out
    # A map- or set-typed list (containers, ports...) is owned element by element in structured-merge-diff.
    # Here it is one field: exact while a single manager sets it, and update() refuses a foreign write
    # inside one (NotModelled) rather than pretend.
    return {at: obj}


def granular_lists(kind: str) -> list[Path]:
    return [p for p, t in list_types(kind).items() if t != "atomic"] if kind in RAY_KINDS else []


def _overlaps(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


@dataclass
class Obj:
    kind: str
    namespace: str
    name: str
    body: dict[str, Any]
    generation: int = 1
    status: dict[str, Any] = field(default_factory=dict)
    managers: dict[str, set[Path]] = field(default_factory=dict)

    def live(self) -> dict[str, Any]:
        out = copy.deepcopy(self.body)
        out.setdefault("metadata", {})["generation"] = self.generation
        if self.status:
            out["status"] = copy.deepcopy(self.status)
        return out


def _spec_part(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class KubeCluster:
    """One cluster's API server plus the controllers that run in it."""

    def __init__(self, name: str):
        self.name = name
        self.objects: dict[Key, Obj] = {}
        self.crds: set[str] = set()
        #: The KubeRay operator, once running: namespace and pod labels.
        self.operator: dict[str, Any] | None = None
        self.releases: dict[tuple[str, str], dict[str, Any]] = {}
        #: RayJobs that Ray will report FAILED (set before or after they start).
        self.failing_jobs: set[tuple[str, str]] = set()
        #: RayService applications whose Serve deployment fails: (namespace, service) -> app names.
        self.failing_apps: dict[tuple[str, str], set[str]] = {}
        # Every cluster starts with these namespaces (kube-apiserver creates them: SystemNamespaces).
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.objects[("Namespace", "", ns)] = Obj("Namespace", "", ns, {"metadata": {"name": ns}},
                                                      managers={"kube-apiserver": {("metadata", "name")}})

    # -- the API ------------------------------------------------------------------------------------
    def key(self, manifest: dict[str, Any]) -> Key:
        kind = manifest["kind"]
        meta = manifest.get("metadata") or {}
        return kind, "" if kind in CLUSTER_SCOPED else meta.get("namespace") or "default", meta["name"]

    def get(self, key: Key) -> Obj | None:
        return self.objects.get(key)

    def _check_namespace_and_kind(self, key: Key) -> None:
        kind, ns, _ = key
        if kind in RAY_KINDS and kind not in self.crds:
            raise CloudError("NotFound", f'no matches for kind "{kind}" in version "ray.io/v1"',
                             "pulumi-kubernetes: the CRD must exist before its objects")
        if ns and ("Namespace", "", ns) not in self.objects:
            raise CloudError("NotFound", f'namespaces "{ns}" not found', "kube-apiserver NamespaceLifecycle admission")

    def apply(self, manager: str, manifest: dict[str, Any], *, force: bool, create: bool, upsert: bool) -> Obj:
        """A server-side apply (pulumi-kubernetes' default since v4). Conflicts: another manager owns a
        field this apply sets to a different value (structured-merge-diff; the docs' "Conflicts").
        With force the applier takes the field. Fields this manager set before and no longer sets are
        removed unless someone else owns them."""
        key = self.key(manifest)
        self._check_namespace_and_kind(key)
        obj = self.objects.get(key)
        if obj is not None and create and not upsert:
            # pulumi-kubernetes await.go Creation: the object must not exist unless upsert is on.
            raise CloudError("AlreadyExists", f'{key[0].lower()}s "{key[2]}" already exists',
                             "pulumi-kubernetes await.go: create without upsertExistingObjects")
        applied = leaf_paths(manifest)
        if obj is None:
            obj = Obj(key[0], key[1], key[2], {})
            self.objects[key] = obj
        conflicts = []
        for other, owned in obj.managers.items():
            if other == manager:
                continue
            for p in list(owned):
                for q, v in applied.items():
                    if _overlaps(p, q) and get_path(obj.body, q) != v:
                        if not force:
                            conflicts.append((other, ".".join(p)))
                        else:
                            owned.discard(p)
        if conflicts:
            raise CloudError("Conflict", "Apply failed with conflicts: " + "; ".join(
                f'conflict with "{m}": .{p}' for m, p in sorted(set(conflicts))),
                "structured-merge-diff; Kubernetes docs, Server-Side Apply: Conflicts")
        before = copy.deepcopy(_spec_part(obj.body))
        previous = obj.managers.get(manager, set())
        for p in previous - set(applied):
            if not any(_overlaps(p, q) for m, s in obj.managers.items() if m != manager for q in s):
                del_path(obj.body, p)
        for q, v in applied.items():
            set_path(obj.body, q, v)
        obj.managers[manager] = set(applied)
        if before and _spec_part(obj.body) != before:
            obj.generation += 1  # metadata.generation moves with spec changes only
        self.reconcile()
        return obj

    def update(self, manager: str, key: Key, changes: dict[Path, Any]) -> None:
        """A non-apply write (a JSON patch): the writer takes ownership of what it changed, and other
        managers lose it (Kubernetes docs, Server-Side Apply: "Field management" for Update)."""
        obj = self.objects.get(key)
        if obj is None:
            raise CloudError("NotFound", f"{key} not found", "kube-apiserver")
        if key[0] != "RayCluster":
            raise NotModelled(f"a foreign manager writing {key[0]}")
        atomic = [p for p, t in list_types(key[0]).items() if p and t == "atomic"]
        for path in changes:
            plain = tuple(p for p in path if not p.isdigit())
            if any(plain[:len(g)] == g for g in granular_lists(key[0])):
                raise NotModelled(f"a foreign write inside the granular list {'.'.join(plain)}")
        before = copy.deepcopy(_spec_part(obj.body))
        for path, value in changes.items():
            # The owned field is the atomic list above the changed element.
            owned = next((a for a in atomic if path[:len(a)] == a), path)
            set_path(obj.body, path, value)
            for m, s in obj.managers.items():
                if m != manager:
                    for p in list(s):
                        if _overlaps(p, owned):
                            s.discard(p)
            obj.managers.setdefault(manager, set()).add(owned)
        if _spec_part(obj.body) != before:
            obj.generation += 1
        self.reconcile()

    def delete(self, key: Key) -> None:
        if key not in self.objects:
            raise CloudError("NotFound", f'{key[0].lower()}s "{key[2]}" not found', "kube-apiserver")
        del self.objects[key]
        if key[0] == "Namespace":
            # Namespace deletion deletes everything in it (namespace controller).
            for k in [k for k in self.objects if k[1] == key[2]]:
                del self.objects[k]
        self.reconcile()

    # -- KubeRay v1.7.0 -----------------------------------------------------------------------------
    def reconcile(self) -> None:
        if self.operator is None:
            return  # no operator: nobody writes status
        for obj in list(self.objects.values()):
            if obj.kind == "RayCluster":
                self._reconcile_raycluster(obj)
            elif obj.kind == "RayJob":
                self._reconcile_rayjob(obj)
            elif obj.kind == "RayService":
                self._reconcile_rayservice(obj)

    @staticmethod
    def raycluster_status(obj: Obj) -> dict[str, Any]:
        """calculateStatus (raycluster_controller.go@v1.7.0): replica sums over worker groups
        (utils.CalculateDesiredReplicas etc.: replicas clamped into [min, max], times numOfHosts;
        a suspended group counts 0), state ready once every pod runs, HeadPodReady and
        RayClusterProvisioned conditions (RayClusterStatusConditions gate, default on). Pods are taken
        to schedule and run: capacity is the Cluster Autoscaler's, simulated on the AWS side."""
        groups = (obj.body.get("spec") or {}).get("workerGroupSpecs") or []
        desired = lo = hi = 0
        for g in groups:
            hosts = int(g.get("numOfHosts") or 1)
            mn, mx = int(g.get("minReplicas") or 0), int(g.get("maxReplicas") or 0)
            rep = g.get("replicas")
            rep = mn if rep is None else max(mn, min(mx, int(rep)))
            if g.get("suspend"):
                rep = 0
            desired += rep * hosts
            lo += mn * hosts
            hi += mx * hosts
        conditions = [{"type": "HeadPodReady", "status": "True", "reason": "HeadPodRunningAndReady"},
                      {"type": "RayClusterProvisioned", "status": "True", "reason": "AllPodRunningAndReadyFirstTime"}]
        return {"state": "ready", "readyWorkerReplicas": desired, "availableWorkerReplicas": desired,
                "desiredWorkerReplicas": desired, "minWorkerReplicas": lo, "maxWorkerReplicas": hi,
                "endpoints": {"dashboard": "8265", "gcs-server": "6379", "client": "10001"},
                "head": {"serviceName": f"{obj.name}-head-svc"}, "conditions": conditions}

    def _reconcile_raycluster(self, obj: Obj) -> None:
        new = self.raycluster_status(obj)
        old = {k: v for k, v in obj.status.items() if k != "observedGeneration"}
        # utils/consistency.go InconsistentRayClusterStatus: status is written only when State, Reason, the
        # replica counts, Endpoints, Head or Conditions differ; ObservedGeneration alone never triggers a
        # write ("ObservedGeneration is not being well-maintained"), raycluster_controller.go:2368-2374.
        if old != new:
            obj.status = {**new, "observedGeneration": obj.generation}

    def _reconcile_rayjob(self, obj: Obj) -> None:
        """rayjob_controller.go@v1.7.0: a new RayJob gets jobDeploymentStatus Initializing, then Running once
        submitted; a terminal Ray job makes it Complete, or Failed with reason AppFailed when the job FAILED
        (:335-350), and endTime is set with the terminal status (updateRayJobStatus). The spec is read when
        the job starts; later edits are ignored. The status has no observedGeneration."""
        spec = obj.body.get("spec") or {}
        if obj.status.get("jobDeploymentStatus") in ("Complete", "Failed"):
            if (obj.namespace, obj.name) in self.failing_jobs and obj.status.get("jobStatus") != "FAILED":
                obj.status.update(jobStatus="FAILED", jobDeploymentStatus="Failed", reason="AppFailed")
            return
        selector = (spec.get("clusterSelector") or {}).get("ray.io/cluster")
        if selector and ("RayCluster", obj.namespace, selector) not in self.objects:
            obj.status = {"jobDeploymentStatus": "Initializing"}
            return
        failed = (obj.namespace, obj.name) in self.failing_jobs
        obj.status = {"jobDeploymentStatus": "Failed" if failed else "Complete",
                      "jobStatus": "FAILED" if failed else "SUCCEEDED", "jobId": spec.get("jobId", obj.name),
                      "endTime": "2026-12-04T00:00:00Z", **({"reason": "AppFailed"} if failed else {})}

    def _reconcile_rayservice(self, obj: Obj) -> None:
        """rayservice_controller.go@v1.7.0: conditions carry observedGeneration (:820-830); Ready is
        computed from the active cluster's serve endpoints (:795-803), so it stays True while a new
        Serve config fails or a pending cluster never becomes healthy; UpgradeInProgress is True while a
        pending cluster exists (:806-811). Application statuses come from Serve."""
        import yaml

        spec = obj.body.get("spec") or {}
        apps = [a.get("name") for a in (yaml.safe_load(spec.get("serveConfigV2") or "{}") or {}).get("applications", [])]
        failing = self.failing_apps.get((obj.namespace, obj.name), set())
        statuses = {a: {"status": "DEPLOY_FAILED" if a in failing else "RUNNING"} for a in apps}
        first = not obj.status
        ready = "True" if not first or not (set(apps) & failing) else "False"
        conds = [{"type": "Ready", "status": ready, "observedGeneration": obj.generation},
                 {"type": "UpgradeInProgress", "status": "False", "observedGeneration": obj.generation}]
        obj.status = {"conditions": conds, "activeServiceStatus": {"applicationStatuses": statuses},
                      "observedGeneration": obj.generation}

    # -- events -------------------------------------------------------------------------------------
    def ray_autoscale(self, namespace: str, name: str, group: str, replicas: int,
                      workers_to_delete: list[str] | None = None) -> None:
        """The Ray autoscaler (v2, KubeRay provider; ray python/ray/autoscaler/v2/instance_manager/
        cloud_providers/kuberay/cloud_provider.py@2.60 _patch) JSON-patches the group's replicas and
        scaleStrategy.workersToDelete; after a scale-down it leaves workersToDelete: [] behind."""
        key = ("RayCluster", namespace, name)
        obj = self.objects.get(key)
        if obj is None:
            raise CloudError("NotFound", f"raycluster {namespace}/{name} not found", "kube-apiserver")
        groups = obj.body["spec"]["workerGroupSpecs"]
        i = next(i for i, g in enumerate(groups) if g["groupName"] == group)
        changes: dict[Path, Any] = {("spec", "workerGroupSpecs", str(i), "replicas"): replicas}
        changes[("spec", "workerGroupSpecs", str(i), "scaleStrategy")] = {"workersToDelete": workers_to_delete or []}
        self.update(RAY_AUTOSCALER, key, changes)


# -- pulumi-kubernetes awaits ------------------------------------------------------------------------
def _jsonpath(obj: dict[str, Any], expr: str) -> tuple[bool, Any]:
    m = re.fullmatch(r"\{\.([^}]*)\}", expr)
    if not m:
        raise NotModelled(f"JSONPath {expr}")
    cur: Any = obj
    for part in m.group(1).split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False, None
        cur = cur[part]
    return True, cur


def check_wait(live: dict[str, Any], wait_for: str) -> str | None:
    """None when pulumi.com/waitFor is satisfied, else what it still waits for.
    provider/pkg/await/condition@v4.32.0: kubectl.go checkCondition (the condition's observedGeneration,
    else status.observedGeneration, must not be below metadata.generation) and jsonpath.go (status.
    observedGeneration, when present, must not be below metadata.generation; then the path must exist
    and, with =value, equal it). A JSON list means every entry."""
    if wait_for.startswith("["):
        for w in json.loads(wait_for):
            why = check_wait(live, w)
            if why:
                return why
        return None
    gen = (live.get("metadata") or {}).get("generation")
    status = live.get("status") or {}
    if wait_for.startswith("condition="):
        parts = wait_for[len("condition="):].split("=")
        ctype, want = parts[0], parts[1] if len(parts) > 1 else "True"
        for c in status.get("conditions") or []:
            if c.get("type", "").lower() != ctype.lower():
                continue
            observed = c.get("observedGeneration", status.get("observedGeneration"))
            if gen is not None and observed is not None and observed < gen:
                return f"Generation {gen} is less than expected: observed {observed}"
            if c.get("status", "").lower() != want.lower():
                return f"Resource has condition {ctype}={c.get('status')} (want {want})"
            return None
        return f"no {ctype} condition"
    if wait_for.startswith("jsonpath="):
        expr = wait_for[len("jsonpath="):]
        want_value = None
        if "}=" in expr:
            expr, want_value = expr.split("}=", 1)
            expr += "}"
        observed = status.get("observedGeneration")
        if gen is not None and observed is not None and observed < gen:
            return f"Generation {gen} is less than expected: observed {observed}"
        found, value = _jsonpath(live, expr)
        if not found:
            return f"{expr} not found"
        if want_value is not None and str(value) != want_value:
            return f"{expr} is {value} (want {want_value})"
        return None
    raise NotModelled(f"waitFor {wait_for}")


def field_manager(urn: str) -> str:
    """pulumi-kubernetes names each resource's field manager pulumi-kubernetes-<random> and keeps it in
    state (provider.go fieldManagerName): one stable manager per resource."""
    return "pulumi-kubernetes-" + hashlib.sha256(urn.encode()).hexdigest()[:8]
