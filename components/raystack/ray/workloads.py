"""Render RayJobs, RayServices and RayCronJobs (ray.io/v1, KubeRay 1.7.0). Pulumi-free.

Their Ray cluster is a RayCluster spec rendered by ``raycluster.build_raycluster`` exactly as
for a RayCluster of the stack, less what KubeRay refuses in an embedded spec. Readiness is the
``pulumi.com/waitFor`` annotation pulumi-kubernetes reads (provider/pkg/jsonpath: a JSONPath that
must exist, or equal a value; a ``condition=`` name).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from ..kube.ownership import RAY_OBJECT_LABELS
from .pod import RESTRICTED_SECURITY_CONTEXT

#: On every pod of a RayJob's, RayService's or RayCronJob's cluster (value ``<kind>.<name>``, e.g.
#: ``rayjob.train``): KubeRay names those clusters ``<name>-<random>``, so their NetworkPolicy
#: selects this label instead of ``ray.io/cluster``.
WORKLOAD_LABEL = "raystack.io/workload"
#: KubeRay's clusterSelector key (utils.RayJobClusterSelectorKey, v1.7.0).
CLUSTER_SELECTOR_KEY = "ray.io/cluster"
#: The default submitter's requests and limits (common.GetDefaultSubmitterContainer, v1.7.0).
SUBMITTER_RESOURCES = {"requests": {"cpu": "500m", "memory": "200Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
#: KubeRay refuses these in a cluster spec a RayJob or RayService owns
#: (ValidateRayClusterUpgradeOptions: "upgradeStrategy cannot be set when RayCluster is created by ...").
_NOT_EMBEDDED = ("upgradeStrategy",)


#: Where each KubeRay kind keeps the spec of the Ray cluster it runs (v1.7.0 ray.io/v1 types); a
#: RayCluster's is its own spec.
CLUSTER_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "RayCluster": (), "RayJob": ("rayClusterSpec",), "RayService": ("rayClusterConfig",),
    "RayCronJob": ("jobTemplate", "rayClusterSpec")}
#: The kinds that carry a Ray cluster of their own.
WORKLOAD_KINDS = ("RayJob", "RayService", "RayCronJob")


def cluster_spec_of(kind: str, spec: Any) -> Any:
    """The Ray cluster spec inside a Ray object's spec (a dict, or a read-only Mapping), or None
    (a RayJob or RayCronJob with clusterSelector)."""
    for part in CLUSTER_SPEC_PATHS[kind]:
        spec = (spec or {}).get(part)
    return spec or None


def cluster_pod_templates(spec: Any) -> list[tuple[str, Any]]:
    """("head" | "group <name>", pod template) of each pod group of a Ray cluster spec (a dict, or a
    read-only Mapping): the pods KubeRay makes from it."""
    return [("head", (spec.get("headGroupSpec") or {}).get("template") or {}),
            *((f"group {g.get('groupName')}", g.get("template") or {}) for g in spec.get("workerGroupSpecs") or [])]


def workload_label(kind: str, name: str) -> dict[str, str]:
    return {WORKLOAD_LABEL: f"{kind.lower()}.{name}"}


def embedded_cluster_spec(raycluster: dict[str, Any]) -> dict[str, Any]:
    """A rendered RayCluster's spec as a RayJob's rayClusterSpec or a RayService's rayClusterConfig."""
    return {k: v for k, v in raycluster["spec"].items() if k not in _NOT_EMBEDDED}


def submitter_template(owner: str, head_template: dict[str, Any]) -> dict[str, Any]:
    """The K8sJobMode submitter pod: KubeRay's default container (the head's image, its resources,
    no command: KubeRay writes `ray job submit`), restricted, on the head's pool. KubeRay labels it
    ``ray.io/originated-from-crd: RayJob``, which the target cluster's NetworkPolicy admits on the
    Jobs API port."""
    head = head_template["spec"]
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [{"name": "ray-job-submitter", "image": head["containers"][0]["image"],
                        "resources": {k: dict(v) for k, v in SUBMITTER_RESOURCES.items()},
                        "securityContext": dict(RESTRICTED_SECURITY_CONTEXT)}],
        "nodeSelector": dict(head.get("nodeSelector") or {}),
        "tolerations": [dict(t) for t in head.get("tolerations") or []],
    }
    if head.get("imagePullSecrets"):
        spec["imagePullSecrets"] = [dict(s) for s in head["imagePullSecrets"]]
    return {"metadata": {"labels": {"app.kubernetes.io/component": "ray-job-submitter", "raystack.io/job": owner}},
            "spec": spec}


def rayjob_spec(*, owner: str, job: dict[str, Any], cluster: dict[str, Any] | None,
                head_template: dict[str, Any]) -> dict[str, Any]:
    """A defaulted RayJobSpec (or a RayCronJob's job fields) -> ray.io/v1 RayJobSpec. ``cluster``:
    the rendered RayCluster it creates, or None with clusterSelector; ``head_template``: the head
    pod the submitter follows (the job's cluster's, or the selected cluster's)."""
    spec: dict[str, Any] = {"entrypoint": job["entrypoint"], "submissionMode": job["submission_mode"]}
    if job.get("runtime_env"):
        spec["runtimeEnvYAML"] = yaml.safe_dump(job["runtime_env"], sort_keys=True)
    if cluster is None:
        spec["clusterSelector"] = {CLUSTER_SELECTOR_KEY: job["cluster_selector"]}
    else:
        spec["rayClusterSpec"] = embedded_cluster_spec(cluster)
        # KubeRay refuses ttlSecondsAfterFinished without shutdownAfterJobFinishes (validateDeletionConfiguration).
        spec["shutdownAfterJobFinishes"] = job["shutdown_after_job_finishes"]
        if job["shutdown_after_job_finishes"]:
            spec["ttlSecondsAfterFinished"] = job["ttl_seconds_after_finished"]
        if job.get("backoff_limit") is not None:
            spec["backoffLimit"] = job["backoff_limit"]
    if job.get("active_deadline_seconds") is not None:
        spec["activeDeadlineSeconds"] = job["active_deadline_seconds"]
    if job.get("metadata"):  # passed to the job's submission (raystack's own smoke test)
        spec["metadata"] = dict(job["metadata"])
    if job["submission_mode"] == "K8sJobMode":
        spec["submitterPodTemplate"] = submitter_template(owner, head_template)
    return spec


def _manifest(kind: str, name: str, namespace: str, spec: dict[str, Any],
              annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": dict(RAY_OBJECT_LABELS)}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "ray.io/v1", "kind": kind, "metadata": meta, "spec": spec}


def rayjob_manifest(name: str, namespace: str, spec: dict[str, Any], *, wait_for_completion: bool,
                    timeout_seconds: int) -> dict[str, Any]:
    # No spec.jobId: KubeRay then gives each RayJob object its own submission id, `<name>-<5 random>`
    # (v1.7.0 rayjob_controller.go initRayJobStatusIfNeed, utils.GenerateRayJobId), so every replacement
    # (a new run) gets a new id. An id derived from the spec came back when an edit was reverted, and on a
    # clusterSelector cluster that still knew it the old run's result was reported and nothing ran
    # (kubernetes-deploy-review 2, N15).
    # jobStatus is omitted until Ray's Jobs API reports the job (rayjob_types.go: `json:"jobStatus,omitempty"`):
    # it exists once the job is submitted; SUCCEEDED when it finished well.
    wait = "jsonpath={.status.jobStatus}=SUCCEEDED" if wait_for_completion else "jsonpath={.status.jobStatus}"
    return _manifest("RayJob", name, namespace, spec, {"pulumi.com/waitFor": wait,
                                                       "pulumi.com/timeoutSeconds": str(timeout_seconds)})


def rayservice_manifest(name: str, namespace: str, *, serve_config: dict[str, Any], cluster: dict[str, Any],
                        upgrade_strategy: str, timeout_seconds: int) -> dict[str, Any]:
    spec = {
        "serveConfigV2": yaml.safe_dump(serve_config, sort_keys=False),
        "rayClusterConfig": embedded_cluster_spec(cluster),
        "upgradeStrategy": {"type": upgrade_strategy},
    }
    return _manifest("RayService", name, namespace, spec, {"pulumi.com/waitFor": rayservice_wait(serve_config),
                                                           "pulumi.com/timeoutSeconds": str(timeout_seconds)})


def rayservice_wait(serve_config: dict[str, Any]) -> str:
    """What `pulumi up` waits for, on create and on every update (kubernetes-deploy-review 2, N3). KubeRay
    v1.7.0 (rayservice_controller.go calculateConditions): Ready turns True with the first Serve endpoint and
    stays True through an upgrade; UpgradeInProgress is True while a pending cluster exists beside the
    active one; each application's status comes from Serve (activeServiceStatus.applicationStatuses).
    Every condition carries the status's observedGeneration (setCondition), and the status is written
    when a condition changes (utils.InconsistentRayServiceStatuses), so these checks see each update.
    All must hold (pulumi-kubernetes waitFor list): Ready, no upgrade pending, every application RUNNING."""
    waits = ["condition=Ready", "condition=UpgradeInProgress=False"]
    for app in serve_config.get("applications", []):
        name = app.get("name", "default")  # Serve's default application name
        key = f".{name}" if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f"['{name}']"  # kubectl JSONPath
        waits.append(f"jsonpath={{.status.activeServiceStatus.applicationStatuses{key}.status}}=RUNNING")
    return json.dumps(waits)


#: How long a RayCronJob's finished runs stay (their RayJob, and submitter Job and pod), to be read.
CRON_RUN_HISTORY_SECONDS = 7 * 24 * 3600


def cron_deletion_strategy(own_cluster: bool) -> dict[str, Any]:
    """KubeRay v1.7.0's RayCronJob controller only creates RayJobs and never removes them
    (raycronjob_controller.go; kubernetes-deploy-review 2, N13): each run deletes itself once finished.
    deletionRules (RayJobDeletionPolicy gate, beta, on by default): the run's own cluster at once, the
    RayJob after the history window; DeleteCluster is refused with clusterSelector, and a policy's TTLs
    must grow with its reach (utils/validation.go validateDeletionRules)."""
    rules: list[dict[str, Any]] = []
    for condition in ({"jobStatus": "SUCCEEDED"}, {"jobStatus": "FAILED"}, {"jobDeploymentStatus": "Failed"}):
        if own_cluster:
            rules.append({"policy": "DeleteCluster", "condition": {**condition, "ttlSeconds": 0}})
        rules.append({"policy": "DeleteSelf", "condition": {**condition, "ttlSeconds": CRON_RUN_HISTORY_SECONDS}})
    return {"deletionRules": rules}


def raycronjob_manifest(name: str, namespace: str, *, schedule: str, time_zone: str | None, suspend: bool,
                        job_spec: dict[str, Any]) -> dict[str, Any]:
    job_spec = {k: v for k, v in job_spec.items() if k not in ("shutdownAfterJobFinishes", "ttlSecondsAfterFinished")}
    # shutdownAfterJobFinishes and deletionRules are mutually exclusive (validateDeletionStrategy).
    job_spec["deletionStrategy"] = cron_deletion_strategy("rayClusterSpec" in job_spec)
    spec: dict[str, Any] = {"schedule": schedule, "jobTemplate": job_spec}
    if time_zone:
        spec["timeZone"] = time_zone
    if suspend:
        spec["suspend"] = True
    return _manifest("RayCronJob", name, namespace, spec)


def in_cluster_url(service: str, namespace: str, port: int) -> str:
    return f"http://{service}.{namespace}.svc.cluster.local:{port}"


def endpoints(kind: str, name: str, namespace: str, target: str | None = None) -> dict[str, str]:
    """A workload's in-cluster endpoints, by KubeRay's Service names (utils.GenerateHeadServiceName,
    GenerateServeServiceName; v1.7.0): <name>-head-svc for a RayJob's or RayService's own cluster
    (the selected RayCluster's with clusterSelector), <name>-serve-svc for Serve. A RayCronJob's
    runs have generated names: none."""
    if kind == "RayCronJob":
        return {}
    out = {"dashboard_url": in_cluster_url(f"{target or name}-head-svc", namespace, 8265)}
    if kind == "RayService":
        out["serve_service"] = f"{name}-serve-svc"
        out["serve_url"] = in_cluster_url(f"{name}-serve-svc", namespace, 8000)
    return out
