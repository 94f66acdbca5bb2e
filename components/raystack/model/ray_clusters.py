"""Resolve one RayClusterSpec against its pools: rules, sizing and the rendered manifests, once.

Pulumi-free.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..hardware.accelerators import ACCELERATOR_KINDS
from ..ray.logs import RAY_TMP, RAY_TMP_VOLUME, SHIPPER_CPU_MILLIS, SHIPPER_MEMORY_MIB, STATE_VOLUME
from ..ray.monitoring import scrape_rule
from ..ray.networkpolicy import CHART_OPERATOR_LABELS, network_policy_spec
from ..ray.pod import POD_IDENTITY_ANNOTATION, PodOptions
from ..ray.raycluster import GroupInput, build_raycluster, default_image
from ..ray.sizing import HeadSize, SizingError, size_head, size_worker
from ..ray.smoke import collective_check, smoke_checks, smoke_job
from ..ray.workloads import rayjob_manifest, rayjob_spec
from ..rules.capacity import check_device_topology, check_multinode_collectives, check_stranded_devices
from ..rules.collective import check_collective
from ..rules.images import check_efa_image, check_image_keys, check_node_image
from ..rules.ray import SYSTEM_NAMESPACES, check_placement, check_ray_cluster
from ..spec.coerce import did_you_mean
from .facts import PoolFacts
from .findings import Finding
from .gcs import check_gcs_conflicts
from .platform import IdentityPlan, RayClusterPlan, RayWorkloadPlan, WorkerGroupPlan

#: Namespaces raystack's add-ons own (device plugins).
ADDON_NAMESPACES = frozenset(k.device_plugin.namespace for k in ACCELERATOR_KINDS.values() if k.device_plugin)


def plan_ray_cluster(base: str, rc: dict[str, Any], pools: dict[str, PoolFacts], head_pool: PoolFacts | None,
                     operator_namespace: str, findings: list[Finding], warnings: list[Finding] | None = None,
                     broken_pools: frozenset[str] = frozenset(), resource_name: str | None = None,
                     workload: dict[str, str] | None = None, serve: bool = False) -> RayClusterPlan | None:
    """``rc``: a defaulted RayClusterSpec with its ``ray_version`` resolved; ``base``: its key path.
    Appends findings; returns the plan only when the cluster is valid. Pools in ``broken_pools``
    already have a finding of their own: objects bound to them are skipped without another.
    ``workload``: the pod labels of a RayJob's, RayService's or RayCronJob's cluster (its
    NetworkPolicy selects them; its head runs as an account raystack creates); ``serve``: a
    RayService's cluster (its head declares the Serve port)."""
    before = len(findings)
    suppressed = False
    check_ray_cluster(base, rc, findings, SYSTEM_NAMESPACES | {operator_namespace, *ADDON_NAMESPACES})
    if rc.get("gcs_options") is not None:
        check_gcs_conflicts(base, rc, findings)
    bad_images = check_image_keys(base, rc, findings) | check_image_keys(f"{base}.head", rc["head"], findings)
    for j, g in enumerate(rc["worker_groups"]):
        bad_images |= check_image_keys(f"{base}.workerGroups[{j}]", g, findings)
    logs = rc.get("logs")  # derived by resolve (observability.logs), else none
    sidecar = (SHIPPER_CPU_MILLIS, SHIPPER_MEMORY_MIB) if logs is not None else (0, 0)
    if logs is not None:
        check_log_mounts(base, rc, findings)

    def image_at(spec: dict[str, Any], at: str) -> str | None:
        """Where the image a pod runs was given: its own key, the cluster's, or None (raystack's default)."""
        return at if spec.get("image") else f"{base}.image" if rc.get("image") else None
    if warnings is not None and not rc["network_policy"] and rc.get("security") != "relaxed":
        # Loosening shows in the plan (kubernetes-deploy-review 2, N12): the policy pack's
        # ray-namespaces-isolated fails for this cluster too.
        warnings.append(Finding(f"{base}.networkPolicy", False, "no NetworkPolicy around this cluster: every pod of "
                                "the cluster network reaches its dashboard, Jobs API and Serve (token auth still "
                                "applies); the policy pack's ray-namespaces-isolated fails. Keep networkPolicy: true "
                                "(the default) and admit the clients that need it with allowFrom", severity="warning"))
    head: HeadSize | None = None
    head_named = rc["head"].get("pool")  # optional: the system pool by default
    if head_pool is None and (head_named or "system") in broken_pools:
        suppressed = True
    elif head_pool is None:
        findings.append(Finding(f"{base}.head.pool", rc["head"].get("pool"),  # the pool the user named, if any
                                f"no pool to run the head on{did_you_mean(head_named, sorted(pools))}; "
                                f"allowed: {', '.join(pools) or 'none'}"))
    else:
        check_placement(f"{base}.head", rc["head"], head_pool, findings)
        try:
            # Optional accelerators: all of an accelerator node's by default.
            head = size_head(head_pool, rc["head"]["cpu"], rc["head"]["memory_gib"], rc["head"].get("accelerators"),
                             sidecar=sidecar)
        except SizingError as e:
            findings.append(Finding(f"{base}.{e.field}", e.value, e.message))
        if warnings is not None and head is not None and head_pool.accelerators_per_node and not head.accelerators:
            warnings.append(Finding(f"{base}.head.accelerators", 0,
                                    f"the head requests none of pool {head_pool.name!r}'s "
                                    f"{head_pool.accelerator_resource}: it holds an accelerator node without using "
                                    "its devices; run it on the system pool or a nodePools CPU pool",
                                    severity="warning"))
    if head_pool is not None and head_pool.capacity_type == "SPOT":
        # The policy pack's mandatory ray-head-not-on-spot, at the key (issue 25, one truth).
        findings.append(Finding(f"{base}.head.pool", head_pool.name,
                                "a Spot pool: an interruption takes the head, its GCS and every running task of "
                                "the cluster down; run the head on on-demand capacity (the system pool by default)"))
    # Optional images: the head's, the cluster's, else the public Ray image for the head's pool and devices.
    head_image = rc["head"].get("image") or rc.get("image")
    if head is not None and head_pool is not None and head_image is None:
        head_image = default_image(head_pool if head.accelerators else dataclasses.replace(
            head_pool, accelerator_kind="none"), rc["ray_version"], rc["python_tag"], rc.get("image_registry"))
        if head_image is None:
            findings.append(Finding(f"{base}.head.image", None, image_required(head_pool, rc["ray_version"])))
    at = image_at(rc["head"], f"{base}.head.image")
    if head is not None and head_pool is not None and head_image and at and at not in bad_images:
        check_node_image(at, head_image, head_pool, head.accelerators, rc["ray_version"], findings, warnings)
    groups: list[WorkerGroupPlan] = []
    collectives: list[dict[str, Any]] = []
    for j, g in enumerate(rc["worker_groups"]):
        gbase = f"{base}.workerGroups[{j}]"
        pool = pools.get(g["pool"])
        if pool is None and g["pool"] in broken_pools:
            suppressed = True
            continue
        if pool is None:
            findings.append(Finding(f"{gbase}.pool", g["pool"],
                                    f"no such pool{did_you_mean(g['pool'], sorted(pools))}; "
                                    f"allowed: {', '.join(sorted(pools)) or 'none defined'}"))
            continue
        check_placement(gbase, g, pool, findings)
        try:
            # Absent keys (None) are derived from the pool by size_worker.
            # The default maxWorkers is the pool's capacity, less the node this cluster's head keeps there
            # (newcomer review P1: a default must not make a valid config invalid).
            room = dataclasses.replace(pool, max_nodes=pool.max_nodes - 1) if g.get("max_workers") is None and \
                head_pool is not None and head_pool.name == pool.name and pool.max_nodes > 1 else pool
            size = size_worker(room, accelerators=g.get("accelerators_per_worker"), cpu=g.get("cpu"),
                               memory_gib=g.get("memory_gib"), min_workers=g["min_workers"],
                               max_workers=g.get("max_workers"), sidecar=sidecar)
        except SizingError as e:
            findings.append(Finding(f"{gbase}.{e.field}", e.value, e.message))
            continue
        if g.get("num_of_hosts", size.hosts) != size.hosts:
            findings.append(Finding(f"{gbase}.numOfHosts", g["num_of_hosts"],
                                    f"pool {pool.name!r} forms slices of {size.hosts} host(s) (its topology); a replica "
                                    f"is one slice, one pod a host: allowed {size.hosts}"))
            continue
        check_device_topology(gbase, pool, size.accelerators, findings)
        check_multinode_collectives(gbase, pool, -(-size.max_workers // size.pods_per_node), findings, warnings,
                                    explicit=g.get("max_workers") is not None)
        if warnings is not None:
            check_stranded_devices(gbase, pool, size.accelerators, warnings)
        # Optional images: the group's, the cluster's, else the public Ray image for the pool.
        image = g.get("image") or rc.get("image") or default_image(pool, rc["ray_version"], rc["python_tag"],
                                                                   rc.get("image_registry"))
        if image is None:
            findings.append(Finding(f"{gbase}.image", None, image_required(pool, rc["ray_version"])))
            continue
        at = image_at(g, f"{gbase}.image")
        if at and at not in bad_images:
            check_node_image(at, image, pool, size.accelerators, rc["ray_version"], findings, warnings)
        if warnings is not None and size.efa and (at is None or at not in bad_images):
            check_efa_image(at or f"{gbase}.image", at is not None, image, pool, warnings)
        floor = check_collective(gbase, g, rc["smoke_test"], pool, size, image, findings, workload=workload is not None)
        if floor is not None:
            collectives.append(collective_check(g["name"], pool, size.accelerators * pool.ray_units_per_accelerator,
                                                *floor))
        groups.append(WorkerGroupPlan(g["name"], g["pool"], size, g.get("idle_timeout_seconds"), image))
    if len(findings) > before or suppressed or head is None or head_pool is None or head_image is None:
        return None
    cluster_options = PodOptions.of(rc)
    if workload:
        cluster_options = dataclasses.replace(cluster_options, pod_labels={**cluster_options.pod_labels, **workload})
    # derived by resolve: the label an AKS pod carries for Entra Workload ID to inject its identity, else none
    wi_label = rc.get("workload_identity_label")
    # derived by resolve: the cloud's identity is named on the service accounts (AKS, GKE), which KubeRay's own head
    # account cannot carry, so the head runs as an account raystack creates
    on_accounts = bool(rc.get("account_identity"))
    wants_identity = ((rc.get("service_account") or {}).get("pod_identity") is not None)
    identity = identity_plan(rc, head_account=f"{rc['name']}-head" if workload or (on_accounts and wants_identity)
                             else None, log_group=logs.target if logs is not None else None,
                             workload_identity=on_accounts)
    if identity is not None:  # the workers run as it; the head keeps KubeRay's (see IdentityPlan)
        cluster_options = dataclasses.replace(cluster_options, service_account=identity.service_account)
    if logs is not None:  # every pod's log shipper (ray.logs), its credentials the cluster's identity
        cluster_options = dataclasses.replace(cluster_options, log_shipper=(
            logs.image, logs.output_plugin, logs.output_properties))
    if identity is not None and identity.pod_identity:
        # The Pod Identity webhook injects credentials only at admission. Marking every pod makes
        # turning podIdentity on change the spec hash KubeRay's Recreate strategy compares
        # (GenerateHashWithoutReplicasAndWorkersToDelete, v1.7.0), so running pods are replaced
        # and get credentials instead of running on without them.
        cluster_options = dataclasses.replace(cluster_options, pod_annotations={
            **cluster_options.pod_annotations, POD_IDENTITY_ANNOTATION: identity.service_account})
        if wi_label:
            # Entra Workload ID's webhook mutates only pods labelled azure.workload.identity/use: "true"
            # (Azure/azure-workload-identity, the webhook's objectSelector): it projects the token and sets
            # AZURE_CLIENT_ID from the account's azure.workload.identity/client-id annotation. KubeRay's own head
            # account cannot carry that annotation, so the head runs as an account raystack creates.
            cluster_options = dataclasses.replace(cluster_options, pod_labels={
                **cluster_options.pod_labels, wi_label[0]: wi_label[1]})
    spec_by_name = {g["name"]: g for g in rc["worker_groups"]}
    obs = rc.get("observability")  # derived by resolve (observability), else none
    head_options = dataclasses.replace(PodOptions.of(rc["head"]).over(cluster_options), service_account=(
        identity.head_service_account if identity is not None and identity.create_head_account else None))
    if obs is not None and obs.head_env:  # the Ray dashboard's Grafana links; the cluster's own env wins
        head_options = dataclasses.replace(head_options, env={**obs.head_env, **head_options.env})
    manifest = build_raycluster(
        name=rc["name"], namespace=rc["namespace"], ray_version=rc["ray_version"], python_tag=rc["python_tag"],
        head_pool=head_pool, head=head, head_image=head_image,
        groups=[GroupInput(g.name, pools[g.pool], g.size, g.image, g.idle_timeout_seconds,
                           PodOptions.of(spec_by_name[g.name]).over(cluster_options)) for g in groups],
        head_options=head_options,
        idle_timeout_seconds=rc["idle_timeout_seconds"], upscaling_mode=rc["upscaling_mode"], auth=rc["auth"],
        upgrade_strategy=rc["upgrade_strategy"],
        head_runs_tasks=rc["head"]["run_tasks"], group_labels=rc["smoke_test"], serve_port=serve,
        gcs_options=rc.get("gcs_options"),  # derived by resolve (gcsFaultTolerance), else none
        metrics_ports=obs is not None,
        client_port=any(10001 in (a.get("ports") or []) for a in rc.get("allow_from") or []),
        opt_outs=tuple(o for o, on in (("networkPolicy", not rc["network_policy"]), ("auth", rc["auth"] == "disabled"),
                                       ("podSecurity", rc.get("security") == "relaxed")) if on))
    smoke = None
    if rc["smoke_test"]:
        smoke = plan_smoke_test(f"{base}.smokeTest", rc, manifest, pools, warnings, collectives)
    return RayClusterPlan(
        smoke=smoke, auth=rc["auth"], collectives=tuple(collectives) if smoke is not None else (),
        gcs=rc.get("gcs_options") is not None, metrics=obs is not None, logs=logs is not None,
        resource_name=resource_name or rc["name"],
        name=rc["name"], namespace=rc["namespace"], ray_version=rc["ray_version"], python_tag=rc["python_tag"],
        head_pool=head_pool, head=head, groups=tuple(groups),
        manifest=manifest,
        network_policy_spec=network_policy_spec(rc["name"], operator_namespace, rc["allow_from"], workload,
                                                   rc.get("operator_pods", CHART_OPERATOR_LABELS),
                                                   scrape_rule(obs.namespace, obs.prometheus_pod_labels)
                                                   if obs is not None else None, rc.get("operator_cidrs", ()))
        if rc["network_policy"] else None,
        identity=identity)


def plan_smoke_test(at: str, rc: dict[str, Any], manifest: dict[str, Any], pools: dict[str, PoolFacts],
                    warnings: list[Finding] | None,
                    collectives: list[dict[str, Any]] | None = None) -> RayWorkloadPlan | None:
    """The cluster's smoke-test RayJob, with the groups' collective checks, or None (with a warning)
    when no group has accelerators."""
    checks = smoke_checks(manifest, pools)
    if not checks:
        if warnings is not None:
            warnings.append(Finding(at, True, "no worker group has accelerators: nothing to test, no smoke-test "
                                              "RayJob; set smokeTest: false, or give a group accelerators",
                                    severity="warning"))
        return None
    job = smoke_job(rc["name"], manifest, checks, collectives)
    spec = rayjob_spec(owner=job["name"], job=job, cluster=None,
                       head_template=manifest["spec"]["headGroupSpec"]["template"])
    return RayWorkloadPlan("RayJob", f"rayjob-{job['name']}", job["name"], rc["namespace"],
                           rayjob_manifest(job["name"], rc["namespace"], spec, wait_for_completion=True,
                                           timeout_seconds=job["timeout_seconds"]),
                           cluster=None, target=rc["name"])


def check_log_mounts(base: str, rc: dict[str, Any], findings: list[Finding]) -> None:
    """The log shipper reads Ray's /tmp/ray from volumes of its own: a team's mount at or under /tmp/ray would
    hide Ray's files from it (a mount at /tmp is fine: /tmp/ray is mounted over it), and a team's volume of
    the same name would be a duplicate the API refuses."""
    for at, spec in ((base, rc), (f"{base}.head", rc["head"]),
                     *((f"{base}.workerGroups[{j}]", g) for j, g in enumerate(rc["worker_groups"]))):
        for i, m in enumerate(spec.get("volume_mounts") or ()):
            path = str(m.get("mountPath", "")).rstrip("/")
            if path == RAY_TMP or path.startswith(f"{RAY_TMP}/"):
                findings.append(Finding(f"{at}.volumeMounts[{i}].mountPath", m.get("mountPath"),
                                        "is where Ray writes its logs, which observability.logs ships from a volume "
                                        "of its own there: mount elsewhere, or turn logs off"))
        for i, v in enumerate(spec.get("volumes") or ()):
            if v.get("name") in (RAY_TMP_VOLUME, STATE_VOLUME):
                findings.append(Finding(f"{at}.volumes[{i}].name", v.get("name"),
                                        "is a volume of observability.logs' shipper: name yours otherwise"))


def image_required(pool: PoolFacts, ray_version: str) -> str:
    return (f"required: pool {pool.name!r} has {pool.accelerator_kind} accelerators and no public rayproject/ray "
            f"image carries their runtime; build one with Ray {ray_version} and the vendor SDK (for Neuron, from an "
            "AWS Neuron deep learning container) and name it here or as the cluster's image")


def identity_plan(rc: dict[str, Any], head_account: str | None = None,
                  log_group: str | None = None, workload_identity: bool = False) -> IdentityPlan | None:
    """``head_account``: the account the head runs as, which raystack creates (default: KubeRay's,
    named after the cluster); ``log_group``: where the role may write the pods' logs (observability.logs)."""
    sa = rc.get("service_account")
    if not sa:
        return None
    pid = sa.get("pod_identity")
    return IdentityPlan(
        service_account=sa["name"], head_service_account=head_account or rc["name"],
        create_head_account=head_account is not None, create=sa["create"],
        annotations=dict(sa["annotations"]), pod_identity=pid is not None,
        managed_policy_arns=tuple(pid["managed_policy_arns"]) if pid else (),
        s3_read=tuple(pid["s3_read"]) if pid else (), s3_read_write=tuple(pid["s3_read_write"]) if pid else (),
        storage_read=tuple(pid.get("storage_read") or ()) if pid else (),
        storage_read_write=tuple(pid.get("storage_read_write") or ()) if pid else (),
        workload_identity=workload_identity and pid is not None,
        log_group=log_group if pid is not None else None)
