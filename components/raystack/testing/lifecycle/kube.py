"""A simulated Kubernetes API with server-side-apply field ownership, KubeRay's controllers and pulumi-kubernetes' awaits.

Sources, each cited where used:
- structured-merge-diff (kubernetes-sigs, as the API server vendors it) and the Kubernetes docs "Server-Side
  Apply": ownership, conflicts, force, and Update operations taking ownership.
- ray-project/kuberay@v1.7.0 controllers: when status is written (utils/consistency.go), what it holds
  (raycluster_controller.go calculateStatus), RayJob and RayService status.
- pulumi/pulumi-kubernetes@v4.32.0 provider/pkg/await/condition: the waitFor checks and their observedGeneration
  gate. Karpenter's controller: lifecycle/karpenter.py.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from ...kube.selectors import in_ip_block, selects
from . import admission, gcs, karpenter
from .errors import CloudError, NotModelled
from .state import CLUSTER_SCOPED, Path, del_path, get_path, set_path

Key = tuple[str, str, str]  # (kind, namespace, name); cluster-scoped kinds have namespace ""
RAY_KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
#: Kinds served only once a CRD is installed: KubeRay's, and the Prometheus Operator's PodMonitor (a team's
#: operator: raystack never installs it) -> their group/version.
CRD_KINDS = {**{k: "ray.io/v1" for k in RAY_KINDS}, "PodMonitor": "monitoring.coreos.com/v1",
             "ServiceMonitor": "monitoring.coreos.com/v1", **karpenter.KINDS}
#: The Ray autoscaler's field manager (it patches the RayCluster with JSON patches: an Update operation).
RAY_AUTOSCALER = "ray-autoscaler"


_LIST_TYPES: dict[str, dict[Path, str]] = {}


def list_types(kind: str) -> dict[Path, str]:
    """Path -> x-kubernetes-list-type of every list in the kind's CRD schema (absent: atomic, Kubernetes docs "Merge
    strategy"). Read from KubeRay's CRDs at the pinned tag as raystack applies them (kube.crds); without them the
    harness refuses to guess."""
    if kind in _LIST_TYPES:
        return _LIST_TYPES[kind]
    import yaml

    from ...kube.crds import CrdUnavailable, verified_crd_files

    try:
        files = verified_crd_files(timeout_s=5.0)
    except CrdUnavailable as e:
        raise NotModelled(f"list merge types of {kind}: KubeRay's CRD files are not at hand ({e})") from None
    (path,) = [FilePath(f) for f in files if FilePath(f).name == f"ray.io_{kind.lower()}s.yaml"]

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the RayCluster CRD in 0.2 s, not 1.5 s
    schema = yaml.load(path.read_text(), Loader=loader)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # noqa: S506
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
    """The fields an apply sets: map keys recurse, and a list is one field (exact for atomic lists)."""
    if isinstance(obj, dict) and obj:
        out: dict[Path, Any] = {}
        for k, v in obj.items():
            if at == () and k in ("status", "apiVersion", "kind"):
                continue
            out.update(leaf_paths(v, at + (k,)))
        return out
    # A map- or set-typed list is owned element by element in structured-merge-diff; here it is one field: exact
    # while a single manager sets it, and update() refuses a foreign write inside one (NotModelled).
    return {at: obj}


def granular_lists(kind: str) -> list[Path]:
    return [p for p, t in list_types(kind).items() if t != "atomic"] if kind in RAY_KINDS else []


def _overlaps(a: Path, b: Path) -> bool:
    return a[:min(len(a), len(b))] == b[:min(len(a), len(b))]


@dataclass
class Obj:
    kind: str
    namespace: str
    name: str
    body: dict[str, Any]
    generation: int = 1
    status: dict[str, Any] = field(default_factory=dict)
    managers: dict[str, set[Path]] = field(default_factory=dict)
    #: Head pods deleted so far (by people, evictions, node loss): KubeRay creates the next one.
    head_restarts: int = 0

    def live(self) -> dict[str, Any]:
        out = copy.deepcopy(self.body)
        out.setdefault("metadata", {})["generation"] = self.generation
        if self.status:
            out["status"] = copy.deepcopy(self.status)
        return out


def _spec_part(body: dict[str, Any]) -> dict[str, Any]:  # what metadata.generation follows
    return {k: v for k, v in body.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class KubeCluster:
    """One cluster's API server plus the controllers that run in it."""

    def __init__(self, name: str):
        self.name = name
        self.objects: dict[Key, Obj] = {}
        self.crds: set[str] = set()
        #: The KubeRay operator, once running: namespace and pod labels (or the address a hosted one comes from).
        self.operator: dict[str, Any] | None = None
        self.releases: dict[tuple[str, str], dict[str, Any]] = {}
        #: RayJobs that Ray will report FAILED (set before or after they start).
        self.failing_jobs: set[tuple[str, str]] = set()
        #: RayService applications whose Serve deployment fails: (namespace, service) -> app names.
        self.failing_apps: dict[tuple[str, str], set[str]] = {}
        #: RayServices whose pending cluster never becomes healthy (no GPU capacity, a bad image).
        self.blocked_upgrades: set[tuple[str, str]] = set()
        #: The rayClusterConfig each RayService's active cluster runs (a hash).
        self.active_configs: dict[tuple[str, str], str] = {}
        self._ids = 0  # RayJob submission ids generated (GenerateRayJobId)
        #: GCS fault tolerance: Redis address -> the storage namespaces whose keys a Ray head wrote there.
        self.redis: dict[str, set[str]] = {}
        self.karpenter: karpenter.Karpenter | None = None  # the controller, once its chart is installed
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
        if kind in CRD_KINDS and kind not in self.crds:
            raise CloudError("NotFound", f'no matches for kind "{kind}" in version "{CRD_KINDS[kind]}"',
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
            raise CloudError("AlreadyExists", f'{admission.plural(key[0])} "{key[2]}" already exists',
                             "pulumi-kubernetes await.go: create without upsertExistingObjects")
        applied = leaf_paths(manifest)
        undo = None if obj is None else copy.deepcopy((obj.body, obj.managers, obj.generation))
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
        try:  # admission sees the merged object: UPDATE against the one before, else CREATE
            typed = {"apiVersion": manifest.get("apiVersion", ""), "kind": key[0]}
            admission.check([{**o.body, "kind": o.kind} for o in self.objects.values()],
                            "UPDATE" if undo else "CREATE", {**undo[0], **typed} if undo else None, {**obj.body, **typed})
        except CloudError:
            if undo is None:
                del self.objects[key]
            else:
                obj.body, obj.managers, obj.generation = undo
            raise
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
        if key[0] != "RayCluster" and not karpenter.writes_metadata(key[0], changes):
            raise NotModelled(f"a foreign manager writing {key[0]}")
        atomic = [p for p, t in list_types(key[0]).items() if p and t == "atomic"] if key[0] == "RayCluster" else []
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
            raise CloudError("NotFound", f'{admission.plural(key[0])} "{key[2]}" not found', "kube-apiserver")
        if key[0] in ("RayCluster", "RayService"):  # KubeRay's Redis cleanup finalizer (lifecycle/gcs.py)
            gcs.check_finalized(key[0], key[1], key[2], self.objects[key].body, self.operator, self.objects)
            gcs.clean_up(key[0], key[1], key[2], self.objects[key].body, self.redis)  # the cleanup Job ran
        karpenter.on_delete(self, key)
        del self.objects[key]
        if key[0] == "Namespace":
            # Namespace deletion deletes everything in it (namespace controller).
            for k in [k for k in self.objects if k[1] == key[2]]:
                del self.objects[k]
        self.reconcile()

    # -- NetworkPolicy (Kubernetes docs, "Network Policies": a pod selected by some Ingress policy admits
    # only what one of those policies' rules allows; a peer's namespaceSelector and podSelector both match)
    def _namespace_labels(self, ns: str) -> dict[str, str]:
        obj = self.objects.get(("Namespace", "", ns))
        labels = dict(((obj.body.get("metadata") or {}).get("labels") or {}) if obj else {})
        return {**labels, "kubernetes.io/metadata.name": ns}  # set by the API server on every namespace

    @staticmethod
    def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
        try:
            return selects(selector, labels)
        except ValueError as e:
            raise NotModelled(f"label selector {selector}: {e}") from None

    def admits(self, ns: str, pod: dict[str, str], src_ns: str, src: dict[str, str], port: int,
               src_ip: str | None = None) -> bool:
        """Whether ingress from a pod (src_ns, src labels) to a pod (ns, labels) on ``port`` is allowed; ``src_ip``:
        a source outside the cluster's pods (a hosted operator), which only ipBlock peers admit."""
        policies = [o.body.get("spec") or {} for k, o in self.objects.items()
                    if k[0] == "NetworkPolicy" and k[1] == ns]
        selecting = [p for p in policies if "Ingress" in (p.get("policyTypes") or ["Ingress"])
                     and self._selects(p.get("podSelector") or {}, pod)]
        if not selecting:
            return True
        for p in selecting:
            for rule in p.get("ingress") or []:
                ports = rule.get("ports")
                if ports and not any(int(x.get("port", 0)) == port for x in ports):
                    continue
                peers = rule.get("from")
                if not peers:
                    return True
                for peer in peers:
                    if "ipBlock" in peer or src_ip is not None:  # an address matches ipBlock peers only
                        if src_ip is not None and in_ip_block(src_ip, peer.get("ipBlock")):
                            return True
                        continue
                    ns_ok = (self._selects(peer["namespaceSelector"], self._namespace_labels(src_ns))
                             if "namespaceSelector" in peer else src_ns == ns)
                    if ns_ok and self._selects(peer.get("podSelector"), src):
                        return True
        return False

    def operator_reaches_head(self, obj: Obj, port: int) -> bool:
        """The operator calls the head's dashboard (8265) and Serve (8000) for RayServices and HTTPMode
        RayJobs (rayservice_controller.go updateServeDeployment, getAndCheckServeStatus; rayjob_controller.go
        GetJobInfo). The head pod carries its template's labels and ray.io/cluster, ray.io/node-type."""
        spec = obj.body.get("spec") or {}
        cluster_spec = spec.get("rayClusterSpec") or spec.get("rayClusterConfig") or spec
        labels = ((cluster_spec.get("headGroupSpec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
        selector = (spec.get("clusterSelector") or {}).get("ray.io/cluster")
        target = selector or obj.name
        if selector:
            chosen = self.objects.get(("RayCluster", obj.namespace, selector))
            if chosen is not None:
                labels = ((chosen.body["spec"].get("headGroupSpec") or {}).get("template") or {}).get(
                    "metadata", {}).get("labels") or {}
        pod = {**labels, "ray.io/cluster": target, "ray.io/node-type": "head"}
        assert self.operator is not None
        return self.admits(obj.namespace, pod, self.operator["namespace"], self.operator["labels"], port,
                           self.operator.get("address"))

    # -- KubeRay v1.7.0 -----------------------------------------------------------------------------
    def reconcile(self) -> None:
        if self.karpenter is not None:  # Karpenter (lifecycle/karpenter.py) launches nodes for Pending pods
            self.karpenter.reconcile()
        if self.operator is None:
            return  # no operator: nobody writes status
        for obj in list(self.objects.values()):
            if obj.kind in ("RayCluster", "RayService"):  # a running head keeps its GCS in the Redis
                gcs.write_keys(obj.kind, obj.namespace, obj.name, obj.body, self.redis)
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
        # initRayJobStatusIfNeed: the submission id is set as the RayJob starts initializing.
        job_id = spec.get("jobId") or self._job_id(obj)
        selector = (spec.get("clusterSelector") or {}).get("ray.io/cluster")
        if selector and ("RayCluster", obj.namespace, selector) not in self.objects:
            obj.status = {"jobDeploymentStatus": "Initializing", "jobId": job_id}
            return
        if spec.get("submissionMode") == "HTTPMode" and not self.operator_reaches_head(obj, 8265):
            obj.status = {"jobDeploymentStatus": "Initializing", "jobId": job_id}  # the submission never arrives
            return
        failed = (obj.namespace, obj.name) in self.failing_jobs
        obj.status = {"jobDeploymentStatus": "Failed" if failed else "Complete",
                      "jobStatus": "FAILED" if failed else "SUCCEEDED", "jobId": job_id,
                      "endTime": "2026-12-04T00:00:00Z", **({"reason": "AppFailed"} if failed else {})}

    def _job_id(self, obj: Obj) -> str:
        """utils.GenerateRayJobId@v1.7.0: `<name>-<rand.String(5)>`, once per RayJob object (kept in status)."""
        known = (obj.status or {}).get("jobId")
        if known:
            return str(known)
        self._ids += 1
        return f"{obj.name}-{hashlib.sha256(f'{self.name}/{obj.name}/{self._ids}'.encode()).hexdigest()[:5]}"

    def _reconcile_rayservice(self, obj: Obj) -> None:
        """rayservice_controller.go@v1.7.0 calculateConditions: Ready turns True with the first Serve endpoint
        and stays True (:795-803); UpgradeInProgress is True while a pending cluster exists beside the active
        one (:806-811), and a pending cluster that never becomes healthy stays (no timeout but the initial
        one); every condition carries the status's observedGeneration (setCondition). A changed
        rayClusterConfig makes a pending cluster under NewCluster; under None nothing is upgraded
        (isZeroDowntimeUpgradeEnabled false; shouldUpdateCluster only for appended groups). Application
        statuses come from Serve on the active cluster. (The cluster hash is taken over the whole config
        here, not KubeRay's hash without replicas: raystack never changes replicas of an embedded cluster.)"""
        import yaml

        key = (obj.namespace, obj.name)
        spec = obj.body.get("spec") or {}
        config_hash = hashlib.sha256(json.dumps(spec.get("rayClusterConfig"), sort_keys=True).encode()).hexdigest()
        strategy = ((spec.get("upgradeStrategy") or {}).get("type")) or "NewCluster"
        active = self.active_configs.setdefault(key, config_hash)
        pending = config_hash != active and strategy != "None"
        if pending and key not in self.blocked_upgrades:
            self.active_configs[key], pending = config_hash, False  # the pending cluster got healthy: promoted
        apps = [a.get("name", "default") for a in
                (yaml.safe_load(spec.get("serveConfigV2") or "{}") or {}).get("applications", [])]
        failing = self.failing_apps.get(key, set())
        if not (self.operator_reaches_head(obj, 8265) and self.operator_reaches_head(obj, 8000)):
            failing = set(apps)  # Serve is never deployed, its health never read
        statuses = {a: {"status": "DEPLOY_FAILED" if a in failing else "RUNNING"} for a in apps}
        was_ready = bool(obj.status) and obj.status["conditions"][0]["status"] == "True"
        ready = "True" if was_ready or set(apps) - failing else "False"
        conds = [{"type": "Ready", "status": ready, "observedGeneration": obj.generation},
                 {"type": "UpgradeInProgress", "status": "True" if pending else "False",
                  "observedGeneration": obj.generation}]
        obj.status = {"conditions": conds, "activeServiceStatus": {"applicationStatuses": statuses},
                      **({"pendingServiceStatus": {"rayClusterName": f"{obj.name}-pending"}} if pending else {}),
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
