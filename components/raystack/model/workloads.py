"""Resolve RayJobs, RayServices and RayCronJobs: their rules, the cluster each creates (planned by
``plan_ray_cluster``, exactly like a RayCluster of the stack) and their manifests. Pulumi-free."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..ray.raycluster import OPT_OUT_ANNOTATION
from ..ray.workloads import (
    raycronjob_manifest,
    rayjob_manifest,
    rayjob_spec,
    rayservice_manifest,
    workload_label,
)
from ..rules.common import DNS1035_LABEL, DNS1123_LABEL, check_name, key
from ..rules.workloads import (
    check_cron_schedule,
    check_runtime_env,
    check_serve_config,
    check_time_zone,
    deployment_demands,
    deployment_replicas,
)
from ..spec.coerce import coerce, did_you_mean, to_camel
from .facts import PoolFacts
from .findings import Finding
from .platform import RayClusterPlan, RayWorkloadPlan

#: (stack key, KubeRay kind, longest name): KubeRay's MaxRayJobNameLength and MaxRayServiceNameLength
#: (53 - 6) and MaxRayCronJobNameLength (47 - 11), v1.7.0 utils/constant.go.
KINDS = (("rayJobs", "RayJob", 47), ("rayServices", "RayService", 47), ("rayCronJobs", "RayCronJob", 36))
_SPEC_KEYS = {"rayJobs": "ray_jobs", "rayServices": "ray_services", "rayCronJobs": "ray_cron_jobs"}

#: plan_cluster(base, rc, workload labels, serve) -> the plan of the cluster a workload creates.
PlanCluster = Callable[[str, dict[str, Any], dict[str, str], bool], RayClusterPlan | None]


def plan_workloads(spec: dict[str, Any], given: dict[str, Any], clusters: dict[tuple[str, str], RayClusterPlan],
                   plan_cluster: PlanCluster, pools: dict[str, PoolFacts], findings: list[Finding],
                   base_for: Callable[[str, int], str] = lambda list_key, i: key(f"{list_key}[{i}]"),
                   warnings: list[Finding] | None = None) -> tuple[list[RayWorkloadPlan], list[tuple[str, RayClusterPlan]]]:
    """Every workload of a defaulted PlatformSpec (``given``: the same before defaults, where an
    embedded cluster's own name or namespace shows). ``clusters``: the stack's RayClusters by
    (namespace, name), for clusterSelector. Returns the plans and the clusters they create (with
    their key paths, for the capacity rules)."""
    plans: list[RayWorkloadPlan] = []
    created: list[tuple[str, RayClusterPlan]] = []
    seen: set[tuple[str, str, str]] = set()
    taken: dict[tuple[str, str], str] = {ident: f"RayCluster {ident[1]}" for ident in clusters}
    for (ns, name), rc in clusters.items():  # raystack's own RayJob of a cluster's smokeTest
        if rc.smoke is not None:
            taken[(ns, rc.smoke.name)] = f"the smokeTest RayJob of RayCluster {name}"
    for list_key, kind, max_len in KINDS:
        for i, w in enumerate(spec[_SPEC_KEYS[list_key]]):
            base = base_for(list_key, i)
            before = len(findings)
            check_name(findings, f"{base}.name", w["name"], DNS1035_LABEL, max_len, "DNS-1035 label")
            at_start = len(findings)
            check_name(findings, f"{base}.namespace", w["namespace"], DNS1123_LABEL, 63, "DNS-1123 label")
            if len(findings) > at_start:
                continue  # one message per mistake: nothing of this workload is looked up in a bad namespace
            ident = (kind, w["namespace"], w["name"])
            if ident in seen:
                findings.append(Finding(f"{base}.name", w["name"], f"duplicate {kind} in namespace"))
                continue
            seen.add(ident)
            # One name per namespace across kinds: KubeRay names a cluster's head Service
            # <name>-head-svc for all of them (GenerateHeadServiceName), and raystack its token
            # Secret, accounts and NetworkPolicy after the name too.
            other = taken.get((w["namespace"], w["name"]))
            if other is not None:
                findings.append(Finding(f"{base}.name", w["name"], f"already the name of {other} in namespace "
                                                                   f"{w['namespace']!r}: Ray objects of a namespace "
                                                                   "need distinct names (their head Services, "
                                                                   "tokens and policies are named after them)"))
                continue
            taken[(w["namespace"], w["name"])] = f"{kind} {base}"
            if kind == "RayService":
                check_service(base, w, findings)
            else:
                check_job(base, w, kind, findings)
            target = None
            if w.get("cluster_selector"):
                for dropped in ("shutdown_after_job_finishes", "ttl_seconds_after_finished"):
                    if dropped in given[_SPEC_KEYS[list_key]][i]:  # refused, not silently dropped
                        findings.append(Finding(f"{base}.{to_camel(dropped)}", w[dropped],
                                                "not with clusterSelector: the selected RayCluster is the stack's, "
                                                "and KubeRay deletes only a cluster the RayJob created"))
                target = clusters.get((w["namespace"], w["cluster_selector"]))
                if target is None:
                    names = sorted(n for ns, n in clusters if ns == w["namespace"])
                    findings.append(Finding(
                        f"{base}.clusterSelector", w["cluster_selector"],
                        f"no RayCluster of this stack by that name in namespace {w['namespace']!r}"
                        f"{did_you_mean(w['cluster_selector'], names)}; allowed: {', '.join(names) or 'none'}"))
            cluster = None
            rc = w.get("ray_cluster")
            if rc is not None and len(findings) == before:
                raw = given[_SPEC_KEYS[list_key]][i]["ray_cluster"]
                for owned in ("name", "namespace"):
                    if owned in raw:
                        findings.append(Finding(f"{base}.rayCluster.{owned}", raw[owned],
                                                f"not allowed: KubeRay names the cluster after the {kind}, in its "
                                                "namespace"))
                if "upgrade_strategy" in raw:  # ValidateRayClusterUpgradeOptions (v1.7.0)
                    findings.append(Finding(f"{base}.rayCluster.upgradeStrategy", raw["upgrade_strategy"],
                                            f"only on rayClusters: KubeRay refuses upgradeStrategy in a cluster a "
                                            f"{kind} creates"))
                if raw.get("smoke_test"):
                    findings.append(Finding(f"{base}.rayCluster.smokeTest", True,
                                            "only on rayClusters: a smoke test needs the cluster's name, and KubeRay "
                                            f"generates the name of a {kind}'s cluster"))
                if len(findings) == before:
                    cluster = plan_cluster(f"{base}.rayCluster", {**rc, "name": w["name"], "namespace": w["namespace"]},
                                           workload_label(kind, w["name"]), kind == "RayService")
                    if cluster is not None:
                        created.append((f"{base}.rayCluster", cluster))
                        if kind == "RayService":
                            check_replicas_fit(f"{base}.serveConfigV2", w["serve_config_v2"], cluster, pools, findings,
                                               warnings)
            if len(findings) > before or (cluster is None and target is None):
                continue
            if kind == "RayJob" and w["wait_for_completion"] and "timeout_seconds" not in given[
                    _SPEC_KEYS[list_key]][i]:
                # Waiting for success: the job's own deadline plus the start-up margin, by default.
                w = {**w, "timeout_seconds": max(w["timeout_seconds"],
                                                 (w.get("active_deadline_seconds") or 0) + w["timeout_seconds"])}
            plans.append(RayWorkloadPlan(kind, f"{kind.lower()}-{w['name']}", w["name"], w["namespace"],
                                         render(kind, w, cluster, target), cluster,
                                         target.name if target is not None else None, config_key=base))
    count: dict[tuple[str, str], int] = {}
    for p in plans:
        count[(p.kind, p.name)] = count.get((p.kind, p.name), 0) + 1
    return [p if count[(p.kind, p.name)] == 1 else _renamed(p) for p in plans], created


def _renamed(p: RayWorkloadPlan) -> RayWorkloadPlan:
    return dataclasses.replace(p, resource_name=f"{p.kind.lower()}-{p.namespace}-{p.name}")


def render(kind: str, w: dict[str, Any], cluster: RayClusterPlan | None, target: RayClusterPlan | None,
           ) -> dict[str, Any]:
    manifest = _render(kind, w, cluster, target)
    opt_out = ((cluster.manifest.get("metadata") or {}).get("annotations") or {}).get(OPT_OUT_ANNOTATION) \
        if cluster is not None else None
    if opt_out:  # the embedded cluster's loosening, on the object the pack reads
        manifest["metadata"]["annotations"] = {**(manifest["metadata"].get("annotations") or {}),
                                               OPT_OUT_ANNOTATION: opt_out}
    return manifest


def _render(kind: str, w: dict[str, Any], cluster: RayClusterPlan | None, target: RayClusterPlan | None,
            ) -> dict[str, Any]:
    if kind == "RayService":
        assert cluster is not None
        return rayservice_manifest(w["name"], w["namespace"], serve_config=w["serve_config_v2"],
                                   cluster=cluster.manifest, upgrade_strategy=w["upgrade_strategy"],
                                   timeout_seconds=w["timeout_seconds"])
    runs_on = cluster or target
    assert runs_on is not None
    job = {**w, "shutdown_after_job_finishes": w.get("shutdown_after_job_finishes", True)}  # RayCronJob: always
    spec = rayjob_spec(owner=w["name"], job=job, cluster=cluster.manifest if cluster else None,
                       head_template=runs_on.manifest["spec"]["headGroupSpec"]["template"])
    if kind == "RayJob":
        return rayjob_manifest(w["name"], w["namespace"], spec, wait_for_completion=w["wait_for_completion"],
                               timeout_seconds=w["timeout_seconds"])
    return raycronjob_manifest(w["name"], w["namespace"], schedule=w["schedule"], time_zone=w.get("time_zone"),
                               suspend=w["suspend"], job_spec=spec)


def check_job(base: str, w: dict[str, Any], kind: str, findings: list[Finding]) -> None:
    """A RayJob's or RayCronJob's own keys (KubeRay v1.7.0 ValidateRayJobSpec, and what it would
    only find after apply)."""
    if not w["entrypoint"].strip():
        findings.append(Finding(f"{base}.entrypoint", w["entrypoint"], "the command the job runs, e.g. python "
                                                                       "train.py"))
    if w.get("runtime_env") is not None:
        check_runtime_env(f"{base}.runtimeEnv", w["runtime_env"], findings)
    selector, cluster = w.get("cluster_selector"), w.get("ray_cluster")
    if (selector is None) == (cluster is None):
        findings.append(Finding(f"{base}.rayCluster" if selector is None else f"{base}.clusterSelector",
                                None if selector is None else selector,
                                "give exactly one of rayCluster (a cluster of its own) and clusterSelector (a "
                                "RayCluster of this stack)"))
    if selector is not None and w.get("backoff_limit"):
        findings.append(Finding(f"{base}.backoffLimit", w["backoff_limit"],
                                "not with clusterSelector: KubeRay retries only on a new cluster of its own"))
    for field, low in (("backoff_limit", 0), ("active_deadline_seconds", 1), ("ttl_seconds_after_finished", 0),
                       ("timeout_seconds", 1)):
        value = w.get(field)
        if value is not None and value < low:
            findings.append(Finding(f"{base}.{to_camel(field)}", value, f"allowed: {low} or more"))
    if kind == "RayCronJob":
        check_cron_schedule(f"{base}.schedule", w["schedule"], findings)
        if w.get("time_zone"):
            check_time_zone(f"{base}.timeZone", w["time_zone"], findings)


def check_service(base: str, w: dict[str, Any], findings: list[Finding]) -> None:
    check_serve_config(f"{base}.serveConfigV2", w["serve_config_v2"], findings)
    if w["upgrade_strategy"] == "NewClusterWithIncrementalUpgrade":
        findings.append(Finding(f"{base}.upgradeStrategy", w["upgrade_strategy"],
                                "not supported: KubeRay shifts traffic through a Gateway API controller and "
                                "gatewayClassName (ValidateClusterUpgradeOptions, v1.7.0), which raystack does not "
                                "install; allowed: NewCluster, None"))
    if w["timeout_seconds"] < 1:
        findings.append(Finding(f"{base}.timeoutSeconds", w["timeout_seconds"], "allowed: 1 or more"))


def check_replicas_fit(at: str, config: dict[str, Any], cluster: RayClusterPlan, pools: dict[str, PoolFacts],
                       findings: list[Finding], warnings: list[Finding] | None = None) -> None:
    """Each deployment's replica (ray_actor_options) fits one worker of some group, or the head when it
    runs tasks: otherwise Serve would wait for a node no group can ever make. Its replicas always up
    (num_replicas or min_replicas) fit the cluster at maxWorkers, and so do all deployments' together
    (by total resources: a necessary condition); a max_replicas beyond the cluster is warned (issue 25)."""
    before = len(findings)
    nodes: list[tuple[dict[str, float], int]] = [  # (what one Ray node offers, how many at most)
        ({"CPU": g.size.cpu, **pools[g.pool].ray_devices(g.size.accelerators)}, g.size.max_workers)
        for g in cluster.groups]
    if cluster.manifest["spec"]["headGroupSpec"]["rayStartParams"].get("num-cpus") != "0":
        nodes.append(({"CPU": cluster.head.cpu, **cluster.head_pool.ray_devices(cluster.head.accelerators)}, 1))
    totals: dict[str, float] = {}
    for shape, count in nodes:
        for r, v in shape.items():
            totals[r] = totals.get(r, 0.0) + v * count
    always: dict[str, float] = {}
    for path, demand, dep in deployment_demands(config):
        asked = {r: n for r, n in demand.items() if n}
        if not any(all(shape.get(r, 0.0) >= n for r, n in asked.items()) for shape, _ in nodes):
            offered = "; ".join(", ".join(f"{r} {v:g}" for r, v in s.items()) for s, _ in nodes) or "none"
            findings.append(Finding(f"{at}.{path}", demand, f"no worker of the cluster can hold one replica "
                                                            f"(workers offer: {offered})"))
            continue
        # Replicas of this deployment alone the cluster holds at maxWorkers, node by node.
        room = sum(count * min(int(shape.get(r, 0.0) // n) for r, n in asked.items()) for shape, count in nodes)
        low, high = deployment_replicas(dep)
        dep_at = f"{at}.{path.rsplit('.', 1)[0]}"
        if low > room:
            field = "num_replicas" if "autoscaling_config" not in dep else "autoscaling_config.min_replicas"
            findings.append(Finding(f"{dep_at}.{field}", low, f"the cluster holds at most {room} replica(s) of it at "
                                                            "maxWorkers: lower it or raise the groups' maxWorkers"))
            continue
        if high is not None and high > room and warnings is not None:
            warnings.append(Finding(f"{dep_at}.autoscaling_config.max_replicas", high,
                                    f"the cluster holds at most {room} replica(s) of it at maxWorkers: Serve's "
                                    "replicas beyond stay pending; lower it or raise the groups' maxWorkers",
                                    severity="warning"))
        for r, n in asked.items():
            always[r] = always.get(r, 0.0) + n * low
    short = [r for r, n in always.items() if n > totals.get(r, 0.0) + 1e-9]
    if short and len(findings) == before:
        r = short[0]
        findings.append(Finding(f"{at}.applications", None, f"the deployments' replicas always up ask for {r} "
                                                            f"{always[r]:g} together; the cluster has {totals.get(r, 0):g} "
                                                            "at maxWorkers: lower their replicas or raise maxWorkers"))



def resolve_workload(kind: str, raw: dict[str, Any], pools: dict[str, PoolFacts], head_pool: PoolFacts,
                     ray_version: str | None, operator_namespace: str | None, base: str,
                     cloud: str = "aws") -> RayWorkloadPlan:
    """One RayJobSpec, RayServiceSpec or RayCronJobSpec (Python key spelling) with a cluster of its
    own, bound to the given pools -> its plan, or ConfigError naming ``base.<key>`` (components
    used on their own; clusterSelector needs the stack's RayClusters, so RayPlatform)."""
    from ..spec import types as t
    from . import defaults
    from .cloud import cloud_rules
    from .findings import ConfigError, raise_if_errors
    from .ray_clusters import plan_ray_cluster

    list_key, spec_type = {"RayJob": ("rayJobs", t.RayJobSpec), "RayService": ("rayServices", t.RayServiceSpec),
                           "RayCronJob": ("rayCronJobs", t.RayCronJobSpec)}[kind]
    given, findings = coerce(spec_type, raw, base, camel=False)
    raise_if_errors(findings)
    w = defaults.fill(spec_type, given)
    if w.get("cluster_selector") is not None:
        raise ConfigError([Finding(f"{base}.clusterSelector", w["cluster_selector"],
                                   "names a RayCluster of a RayPlatform stack: declare the job under that stack's "
                                   "rayJobs or rayCronJobs, or give it a rayCluster of its own")])
    ns = operator_namespace or defaults.KUBERAY_NAMESPACE
    version = ray_version or defaults.TABLES[t.PlatformSpec]["ray_version"]

    def plan_cluster(at: str, rc: dict[str, Any], workload: dict[str, str] | None,
                     serve: bool) -> RayClusterPlan | None:
        rc = {**rc, "ray_version": rc.get("ray_version") or version,
              "workload_identity_label": cloud_rules(cloud).workload_identity_label,  # derived: the cloud's
              "account_identity": cloud_rules(cloud).account_identity}
        return plan_ray_cluster(at, rc, pools, head_pool, ns, findings, None, frozenset(), None, workload, serve)

    empty: list[Any] = []
    spec = {"ray_jobs": empty, "ray_services": empty, "ray_cron_jobs": empty, _SPEC_KEYS[list_key]: [w]}
    raw_spec = {**spec, _SPEC_KEYS[list_key]: [given]}
    plans, _ = plan_workloads(spec, raw_spec, {}, plan_cluster, pools, findings, lambda _lk, _i: base)
    raise_if_errors(findings)
    if not plans:  # pragma: no cover (every reason for none is a finding)
        raise ConfigError([Finding(base, None, "could not be resolved")])
    return plans[0]
