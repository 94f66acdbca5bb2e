"""Resolve the stack config into the ``Platform`` model, once.

``resolve(raw)`` is the single entry point: raw stack configuration (camelCase,
as in ``stacks/Pulumi.<env>.yaml``) in; coerced, defaulted (``defaults``),
checked by every rule, pool facts computed, Ray workers sized and manifests
rendered; a frozen ``Platform`` out, or a ``ConfigError`` listing every
finding. It runs before any resource is registered, so bad input never leaves
a half-created stack. The ``resolve_*`` helpers do the same for one object,
for components used on their own. Pulumi-free.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from .. import versions
from ..hardware.accelerators import ACCELERATOR_KINDS
from ..kube.values import kuberay_values
from ..ray.networkpolicy import CHART_OPERATOR_LABELS
from ..ray.workloads import cluster_pod_templates
from ..rules.capacity import check_heads_fit, check_shared_pools
from ..rules.common import DNS1123_LABEL, NS, check_name, key
from ..rules.existing import check_attach_keys_unused, check_existing_mode
from ..rules.pools import check_existing_pool
from ..rules.ray import check_ray_version
from ..spec.coerce import coerce
from ..spec.types import NodePoolSpec, PlatformSpec, RayClusterSpec, SystemPoolSpec
from ..versions import FLUENT_BIT_IMAGE, RAY_IMAGE_REPO
from . import defaults
from .cloud import CloudRules, cloud_rules, registered
from .facts import PoolFacts
from .findings import ConfigError, Finding, raise_if_errors
from .gcs import cluster_uses_gcs, resolve_gcs
from .logs import resolve_logs, with_pod_identity
from .observability import resolve_observability
from .platform import KubeRayPlan, NetworkPlan, NodePool, Platform, RayClusterPlan, ReturnRoute
from .ray_clusters import plan_ray_cluster
from .workloads import plan_workloads


def resolve(raw: dict[str, Any], camel: bool = True, stack: str | None = None, region: str | None = None) -> Platform:
    """Raw stack config (camelCase keys without the namespace; ``camel=False``: the
    Python snake_case spelling) -> validated, fully defaulted Platform.
    ``stack`` names the stack (the default ``environment``); ``region`` is the AWS
    provider's (AZs are checked against it when given)."""
    given, coerce_findings = coerce(PlatformSpec, raw, "", camel=camel)
    findings = [f.prefixed(NS) for f in coerce_findings]
    raise_if_errors(findings)
    creates = (given.get("cluster_mode") or "create") == "create"
    if (given.get("cloud") or "aws") not in registered():
        raise ConfigError([Finding(key("cloud"), given["cloud"], f"allowed: {', '.join(registered())}")])
    cloud = cloud_rules(given.get("cloud") or "aws")  # the cloud a created cluster lives in
    if creates:
        given = cloud.with_defaults(given)  # its own defaults (AKS: version, system size, node OS)
    spec = defaults.fill(PlatformSpec, given)
    warnings: list[Finding] = []

    name = given.get("cluster_name")  # required, reported below when absent
    if name is None:
        findings.append(Finding(key("clusterName"), None, "is required (the Kubernetes cluster's name)"))
    else:
        check_name(findings, key("clusterName"), name, DNS1123_LABEL, 40, "DNS-1123 label")
    registry = spec.get("image_registry")
    if registry is not None and not _REGISTRY.fullmatch(registry):
        # An image reference has no scheme and no trailing slash: <host>[:port][/path] (distribution/reference).
        findings.append(Finding(key("imageRegistry"), registry,
                                "a registry host and path without a scheme, e.g. "
                                "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub"))
    if spec["autoscaler"] == "karpenter" and not (creates and cloud.name == "aws"):
        findings.append(Finding(key("autoscaler"), "karpenter", "only on EKS clusters the stack creates (cloud aws, "
                                "clusterMode create)"))
    if creates:
        check_attach_keys_unused(spec, given, findings)
        cloud.check_create_mode(spec, given, findings, warnings, region)
    else:
        check_existing_mode(spec, given, findings)

    node_pools: list[NodePool] = []
    pools: dict[str, PoolFacts] = {}
    size_keys: dict[str, str] = {}  # pool name -> the key of its maximum size
    names: set[str] = set()
    broken: set[str] = set()  # declared pools with a finding: what binds to them is not reported again
    for list_key, i, p in cloud.created_pool_specs(spec):
        before = len(findings)
        cloud.check_node_pool(key(f"{list_key}[{i}]"), p, name, findings,
                              accelerator_required=list_key == "gpuPools")
        if p["name"] in names or p["name"] == defaults.SYSTEM_POOL_NAME:
            findings.append(Finding(key(f"{list_key}[{i}].name"), p["name"],
                                    "pool names must be unique (across gpuPools and nodePools) and not 'system'"))
        names.add(p["name"])
        if len(findings) == before:
            pool = cloud.node_pool(p, name or "", region)
            if pool.karpenter is not None and pool.karpenter.expire_after != "Never":  # expiry is forceful
                warnings.append(Finding(key(f"{list_key}[{i}].karpenter.expireAfter"), pool.karpenter.expire_after,
                                        "Karpenter drains an expired node whatever runs on it: busy Ray workers are "
                                        "evicted (disruption.md, Expiration)", severity="warning"))
            node_pools.append(pool)
            pools[pool.name] = pool.facts
            size_keys[pool.name] = key(f"{list_key}[{i}].maxSize")
        else:
            broken.add(p["name"])
    for i, p in enumerate(spec["existing_pools"]):
        before = len(findings)
        check_existing_pool(key(f"existingPools[{i}]"), p, findings)
        if p["name"] in names or (p["name"] == defaults.SYSTEM_POOL_NAME and creates):
            findings.append(Finding(key(f"existingPools[{i}].name"), p["name"], "pool names must be unique"))
        names.add(p["name"])
        if len(findings) == before:
            pools[p["name"]] = cloud.existing_pool(p)
            if pools[p["name"]].hosts_per_slice > 1:  # the Ray TPU webhook gives each host its peers (JAX)
                warnings.append(Finding(key(f"existingPools[{i}].nodeSelector"), p["node_selector"], "a multi-host TPU "
                                        "slice: the cluster must run the Ray TPU webhook (GKE's Ray Operator add-on, or "
                                        "ai-on-gke's kuberay-tpu-webhook), or JAX on it cannot find its hosts",
                                        severity="warning"))
            size_keys[p["name"]] = key(f"existingPools[{i}].maxNodes")
        else:
            broken.add(p["name"])

    system: NodePool | None = None
    if creates and not any(f.key.startswith(key("systemPool")) for f in findings):
        system = cloud.system_pool(spec["system_pool"], name or "", region)
        size_keys[defaults.SYSTEM_POOL_NAME] = key("systemPool.maxSize")
    elif creates:
        broken.add(defaults.SYSTEM_POOL_NAME)
    head_candidates = dict(pools)
    if system is not None:
        head_candidates[defaults.SYSTEM_POOL_NAME] = system.facts

    operator_namespace = spec["kuberay"]["namespace"]
    managed_operator = spec["kuberay"]["operator"] == "managed"
    if managed_operator and not (creates and cloud.managed_kuberay):
        findings.append(Finding(key("kuberay.operator"), "managed",
                                "only on a cluster the stack creates where the cloud runs KubeRay (cloud: azure or "
                                "gcp, clusterMode: create); allowed here: helm"))
    check_name(findings, key("kuberay.namespace"), operator_namespace, DNS1123_LABEL, 63, "DNS-1123 label")
    version_findings = len(findings)
    check_ray_version(key("rayVersion"), spec["ray_version"], findings)
    if len(findings) > version_findings:  # nothing is planned on a version that cannot be read
        raise_if_errors(findings)
    gcs = resolve_gcs(spec, key, findings, warnings, spec.get("environment") or stack)  # optional: GCS FT's Redis
    observability = resolve_observability(  # optional: monitors, dashboards, device metrics on created pools
        spec, key, findings, warnings, exporters=frozenset(
            e for p in node_pools if (e := getattr(ACCELERATOR_KINDS.get(p.facts.accelerator_kind),
                                                    "metrics_exporter", None)) is not None))
    logs = resolve_logs(spec, key, cloud, region, findings)  # optional: where the Ray pods ship their logs
    clusters: list[tuple[str, RayClusterPlan]] = []
    seen: set[tuple[str, str]] = set()
    name_count: dict[str, int] = {}
    for rc in spec["ray_clusters"]:
        name_count[rc.get("name", "")] = name_count.get(rc.get("name", ""), 0) + 1

    pod_identity_accounts: dict[tuple[str, str], str] = {}

    def plan_cluster(base: str, rc: dict[str, Any], workload: dict[str, str] | None,
                     serve: bool = False, resource_name: str | None = None) -> RayClusterPlan | None:
        rc = {**rc, "ray_version": rc.get("ray_version") or spec["ray_version"],  # derived: the platform's
              # derived: where a wrong version is reported (the platform's is checked once, below)
              "ray_version_at": f"{base}.rayVersion" if rc.get("ray_version") else None,
              "image_registry": spec.get("image_registry"),  # optional
              "security": spec["security"],
              # derived: the chart's pod labels when raystack installs the operator, else its whole namespace
              "operator_pods": CHART_OPERATOR_LABELS if spec["kuberay"]["install"] and not managed_operator
              else None,
              # derived: where a cloud-hosted operator connects from (GKE's add-on: the control plane), if anywhere
              "operator_cidrs": cloud.managed_operator_cidrs(spec) if managed_operator and creates else (),
              # derived: the label the cloud's identity webhook selects pods by (AKS: Entra Workload ID), if any
              "workload_identity_label": cloud.workload_identity_label if creates else None,
              # derived: the cloud's identity is named on the service accounts (AKS, GKE): the head gets its own
              "account_identity": cloud.account_identity and creates}
        if spec["security"] == "relaxed":  # no NetworkPolicies (a warning names it)
            rc["network_policy"] = False
        # derived: the Redis options when the cluster keeps its GCS there (a RayService's, by default)
        uses_gcs = cluster_uses_gcs(base, rc, gcs, serve, findings)
        rc["gcs_options"] = gcs.options() if uses_gcs and gcs is not None else None
        rc["observability"] = observability  # derived: the stack's (head metrics ports, scrape rule), if any
        rc["logs"] = logs  # derived: the stack's log shipping (a shipper in every pod), if any
        if logs is not None:  # derived: the shipper's credentials, a Pod Identity role (scoped to the log group)
            rc["service_account"] = with_pod_identity(rc)
        head_pool = head_candidates.get(rc["head"].get("pool") or defaults.SYSTEM_POOL_NAME)  # derived: system
        if not creates and (rc.get("service_account") or {}).get("pod_identity") is not None:
            findings.append(Finding(f"{base}.serviceAccount.podIdentity", "(set)",
                                    "only on a cluster the stack creates (clusterMode: create), where it wires the "
                                    "cloud's pod identity (EKS Pod Identity, AKS Workload ID); on an existing "
                                    f"cluster {cloud.existing_identity_hint}"))
        if creates and (rc.get("service_account") or {}).get("pod_identity") is not None:
            cloud.check_pod_identity(f"{base}.serviceAccount", rc["service_account"], region, findings)
        planned = plan_ray_cluster(base, rc, pools, head_pool, operator_namespace, findings, warnings,
                                   frozenset(broken), resource_name, workload, serve)
        ident = planned.identity if planned is not None else None
        if ident is not None and ident.pod_identity:
            # EKS maps one IAM role to a service account: a second CreatePodIdentityAssociation for the same
            # (namespace, account) is refused with ResourceInUseException (EKS user guide, pod-id-association;
            # aws-deploy-review 2, N6). Refused here, before anything is registered.
            for account in dict.fromkeys((ident.service_account, ident.head_service_account)):
                where = (planned.namespace, account)  # type: ignore[union-attr]
                if where in pod_identity_accounts:
                    findings.append(Finding(f"{base}.serviceAccount.name", account,
                                            f"already has a Pod Identity role from {pod_identity_accounts[where]} in "
                                            f"namespace {where[0]}: EKS allows one association per service account; "
                                            "give each cluster its own account"))
                else:
                    pod_identity_accounts[where] = base
        return planned

    for i, rc in enumerate(spec["ray_clusters"]):
        if "name" not in rc:  # optional in the type (embedded clusters have none), required here
            findings.append(Finding(key(f"rayClusters[{i}].name"), None, "is required (a DNS-1035 label of at most "
                                                                          "53 characters)"))
            continue
        # Resource names must be unique in the stack: a name used in two namespaces gets its namespace.
        resource_name = rc["name"] if name_count[rc["name"]] == 1 else f"{rc['namespace']}-{rc['name']}"
        ident = (rc["namespace"], rc["name"])
        if ident in seen:  # the second is not planned: its findings would repeat the first's
            findings.append(Finding(key(f"rayClusters[{i}].name"), rc["name"], "duplicate RayCluster in namespace"))
            continue
        seen.add(ident)
        plan = plan_cluster(key(f"rayClusters[{i}]"), rc, None, False, resource_name)
        if plan is not None:
            clusters.append((key(f"rayClusters[{i}]"), plan))
    workloads, workload_clusters = plan_workloads(
        spec, given, {(p.namespace, p.name): p for _, p in clusters}, plan_cluster, pools, findings,
        warnings=warnings)
    for i, svc in enumerate(spec.get("ray_services") or []):
        if svc.get("upgrade_strategy") == "None":
            # rayservice_controller.go@v1.7.0: isZeroDowntimeUpgradeEnabled is false, shouldUpdateCluster updates the
            # running cluster only for appended worker groups (kubernetes-deploy-review 2, N4).
            warnings.append(Finding(key(f"rayServices[{i}].upgradeStrategy"), "None",
                                    "KubeRay then ignores every later edit of rayCluster but appended worker groups "
                                    "(`pulumi up` succeeds and nothing changes): to change the cluster, delete and "
                                    "recreate the RayService, or use NewCluster", severity="warning"))
    if system is not None:
        check_heads_fit(system.facts, clusters + workload_clusters, addons=True,
                        system_key=key("systemPool.maxSize"), findings=findings, autoscaler=spec["autoscaler"])
    check_shared_pools({**pools, **head_candidates}, clusters + workload_clusters, size_keys, findings, warnings)
    if not creates and any(p.network_policy_spec for _, p in clusters + workload_clusters):
        warnings.append(Finding(key("clusterMode"), "existing",
                                "the NetworkPolicies around the Ray clusters are enforced only if this cluster's "
                                "network plugin enforces NetworkPolicy (EKS: the VPC CNI with network policy "
                                "enabled; Calico; Cilium); without one, every pod reaches their dashboards, Jobs "
                                "API and GCS. Check that it does (on EKS: the vpc-cni add-on's enableNetworkPolicy)",
                                severity="warning"))
    if not creates and spec["kuberay"]["install"] and "install" not in (given.get("kuberay") or {}):
        # kubernetes-deploy-review 2, N7: an operator already running elsewhere is not detected (no read).
        warnings.append(Finding(key("kuberay.install"), True,
                                "raystack installs a cluster-wide KubeRay operator into this existing cluster: if "
                                "one already runs (in any namespace), set kuberay.install: false, or two operators "
                                "reconcile every RayCluster", severity="warning"))
    ray_namespaces = sorted({p.namespace for _, p in clusters + workload_clusters})
    if not creates and ray_namespaces:
        level = "baseline" if spec["security"] == "relaxed" else "restricted"
        warnings.append(Finding(key("clusterMode"), "existing",
                                f"namespaces {', '.join(ray_namespaces)} are labelled Pod Security enforce={level}, "
                                "and adopted where they exist: pods already there that do not meet it cannot be "
                                "recreated (Deployments stall); the namespaces are kept on destroy, labels included. "
                                "Check first: `kubectl label --dry-run=server --overwrite ns <namespace> "
                                f"pod-security.kubernetes.io/enforce={level}` lists the pods that would be refused",
                                severity="warning"))
    # Docker Hub repositories the Ray pods pull from: Ray's, and the log shipper's (observability.logs).
    hub_repos = (RAY_IMAGE_REPO, FLUENT_BIT_IMAGE.split(":")[0])
    docker_hub = sorted({p.name for _, p in clusters + workload_clusters
                         if any(i.startswith(f"{r}:") for r in hub_repos for i in _images(p.manifest))})
    pulled = [r for r in hub_repos if any(i.startswith(f"{r}:") for _, p in clusters + workload_clusters
                                          for i in _images(p.manifest))]
    if creates and docker_hub and not spec.get("image_registry"):
        # kubernetes-deploy-review old #8: every node of a private subnet pulls through the NAT's address.
        warnings.append(Finding(key("imageRegistry"), None,
                                f"Ray clusters {', '.join(docker_hub)} pull {' and '.join(pulled)} anonymously from "
                                "Docker Hub, every node through the cluster's few outbound addresses (a NAT gateway, "
                                "a load balancer), and Docker Hub limits anonymous pulls per address: set "
                                "imageRegistry (a pull-through cache of Docker Hub: an ECR pull-through cache rule, an "
                                "ACR cache rule, an Artifact Registry remote repository), or give each group an image "
                                "from your registry",
                                severity="warning"))
    if spec["security"] == "relaxed":
        warnings.append(Finding(key("security"), "relaxed",
                                "loosened for experiments: Ray namespaces enforce Pod Security baseline, not "
                                "restricted (volumes of any type but hostPath); no NetworkPolicy isolates any Ray "
                                "cluster (every pod in the cluster reaches their dashboards, Jobs API and GCS); keep "
                                "security: strict (the default) on any cluster others share", severity="warning"))
    cron = any(w.kind == "RayCronJob" for w in workloads)
    gates = ("RayCronJob",) if cron else ()
    if spec["kubernetes_delivery"] == "gitops":
        warnings.append(Finding(key("kubernetesDelivery"), "gitops",
                                "`pulumi up` applies the cloud side only: render the Kubernetes side with `raystack "
                                "plan --out DIR`, let Argo CD apply it, and create each cluster's token Secret "
                                "(<cluster>-ray-token, key auth_token) from the ray_auth_tokens output as a sealed or "
                                "external secret", severity="warning"))
    if managed_operator and creates and cloud.managed_kuberay:
        # The managed operator's KubeRay version is the cloud's: the plan says so (the cloud's words).
        warnings.append(Finding(key("kuberay.operator"), "managed",
                                f"{cloud.managed_kuberay_note}: raystack's manifests are checked against KubeRay "
                                f"{versions.KUBERAY_VERSION}; token auth (authOptions.secretName) needs 1.6.0 or newer",
                                severity="warning"))
        if cron:
            findings.append(Finding(key("rayCronJobs"), len(spec["ray_cron_jobs"]),
                                    "need KubeRay's RayCronJob feature gate, which raystack sets only on the operator "
                                    "it installs: use kuberay.operator: helm for RayCronJobs"))
    if not spec["kuberay"]["install"] and any(p.auth == "token" for _, p in clusters + workload_clusters):
        warnings.append(Finding(key("kuberay.install"), False,
                                "the existing KubeRay operator and its CRDs must be 1.6.0 or newer: older ones drop "
                                "authOptions.secretName (added in v1.6.0), generate a token of their own, and "
                                "ray_auth_tokens would not open the clusters; check the operator image's tag, or let "
                                "raystack install it (kuberay.install: true)", severity="warning"))
    if cron and not spec["kuberay"]["install"] and not managed_operator:
        warnings.append(Finding(key("rayCronJobs"), len(spec["ray_cron_jobs"]),
                                "the existing KubeRay operator must run with --feature-gates=RayCronJob=true (its "
                                "RayCronJob controller is off by default in 1.7.0) and keep RayJobDeletionPolicy "
                                "on (the default; each run deletes itself through deletionRules); raystack sets "
                                "both only where it installs the operator: set them on yours", severity="warning"))
    raise_if_errors(findings)
    assert name is not None  # a missing name is an error above

    if system is not None:
        system_selector = dict(system.facts.node_selector)
    else:  # existing cluster: add-ons run where the first Ray head runs
        every = clusters + workload_clusters
        system_selector = dict(every[0][1].head_pool.node_selector) if every else {}
    net = spec["network"]
    network = None
    cloud_plan = cloud.cloud_plan(spec, region) if creates else None  # the cloud's own record (AKS's), if any
    if creates and cloud_plan is None:  # a VPC (EKS)
        network = NetworkPlan(
            create=not net.get("vpc_id"),  # optional: an existing VPC
            cidr=net["cidr"],
            availability_zones=tuple(net["availability_zones"]) if net.get("availability_zones") else None,
            az_count=len(net["availability_zones"]) if net.get("availability_zones") else net["az_count"],
            nat_gateways=net["nat_gateways"],
            private_subnet_ids=tuple(net.get("private_subnet_ids") or ()),
            return_routes=tuple(ReturnRoute(r["cidr"], t, r[t]) for r in net.get("return_routes") or ()
                                for t in cloud.return_route_targets() if r.get(t)),
        )
    return Platform(
        environment=spec.get("environment") or stack,  # derived: the stack name
        cluster_name=name,
        cluster_mode=spec["cluster_mode"],
        kubernetes_version=spec["kubernetes_version"],
        # A deploy window opens the endpoint to the runner as well, for this run only.
        endpoint_public_access=spec["endpoint_public_access"] or bool(spec["deploy_from"]),
        public_access_cidrs=tuple(dict.fromkeys([*spec["public_access_cidrs"], *spec["deploy_from"]])),
        deploy_from=tuple(spec["deploy_from"]),
        api_ingress_cidrs=tuple(spec["api_ingress_cidrs"]),
        admin_role_arns=tuple(spec["admin_role_arns"]),
        viewer_role_arns=tuple(spec["viewer_role_arns"]),
        protect=spec["protect"],
        log_retention_days=spec["log_retention_days"],
        existing_cluster_name=spec.get("existing_cluster_name"),  # optional
        ray_version=spec["ray_version"],
        network=network,
        system_pool=system,
        node_pools=tuple(node_pools),
        pools=pools,
        ray_clusters=tuple(dataclasses.replace(plan, config_key=k) for k, plan in clusters),
        ray_workloads=tuple(workloads),
        ray_pod_security="baseline" if spec["security"] == "relaxed" else "restricted",
        kubernetes_delivery=spec["kubernetes_delivery"],
        gcs=gcs,
        observability=observability,
        logs=logs,
        cloud=cloud.name,
        cloud_plan=cloud_plan,
        kuberay=KubeRayPlan(install=bool(clusters or workloads) and spec["kuberay"]["install"] and not managed_operator,
                            managed=managed_operator and bool(clusters or workloads),
                            namespace=operator_namespace,
                            retain_crds_on_delete=spec["kuberay"]["retain_crds_on_delete"],
                            node_selector=system_selector, feature_gates=gates,
                            values=kuberay_values(system_selector, gates)),
        cluster_autoscaler=creates and spec["cluster_autoscaler"] and bool(node_pools) and
        spec["autoscaler"] != "karpenter",
        autoscaler=spec["autoscaler"] if creates else "none",
        device_plugins=device_plugins(node_pools, cloud),
        system_node_selector=system_selector,
        warnings=tuple(warnings),
    )


#: <host>[:port][/path...]: lower-case path components, as distribution/reference's grammar allows them.
_REGISTRY = re.compile(r"[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")


def _images(raycluster: dict[str, Any]) -> list[str]:
    return [c.get("image", "") for _, t in cluster_pod_templates(raycluster.get("spec") or {})
            for c in [*((t.get("spec") or {}).get("containers") or []),
                      *((t.get("spec") or {}).get("initContainers") or [])]]


def device_plugins(node_pools: list[NodePool], cloud: CloudRules | None = None) -> tuple[str, ...]:
    """The accelerator kinds some created pool needs a plugin for: the kind has one
    and the pool's node image does not ship one (the cloud's node-image table)."""
    cloud = cloud or cloud_rules()
    out: list[str] = []
    kinds = sorted({p.facts.accelerator_kind for p in node_pools})
    for kind in kinds:
        row = ACCELERATOR_KINDS.get(kind)
        if row is None or row.device_plugin is None:
            continue
        needing = [p for p in node_pools if p.facts.accelerator_kind == kind
                   and not cloud.ships_device_plugin(p)]
        if not needing:
            continue
        out.append(kind)
    return tuple(out)


# --- one object at a time (components used on their own) ----------------------------

def resolve_node_pool(raw: dict[str, Any], cluster_name: str | None, base: str = "pool", cloud: str = "aws",
                      region: str | None = None) -> NodePool:
    """One NodePoolSpec (Python key spelling) -> NodePool on ``cloud`` (its defaults, rules and facts; ``region``:
    where its price is read), or ConfigError naming ``base.<key>``."""
    given, findings = coerce(NodePoolSpec, raw, base, camel=False)
    raise_if_errors(findings)
    rules = cloud_rules(cloud)
    spec = defaults.fill(NodePoolSpec, rules.with_defaults({"gpu_pools": [given]})["gpu_pools"][0])
    rules.check_node_pool(base, spec, cluster_name, findings)
    raise_if_errors(findings)
    return rules.node_pool(spec, cluster_name or "", region)


def resolve_system_pool(raw: dict[str, Any], cluster_name: str, base: str = "system_pool") -> NodePool:
    given, findings = coerce(SystemPoolSpec, raw, base, camel=False)
    raise_if_errors(findings)
    return cloud_rules().system_pool(defaults.fill(SystemPoolSpec, given), cluster_name)


def resolve_ray_cluster(raw: dict[str, Any], pools: dict[str, PoolFacts], head_pool: PoolFacts,
                        ray_version: str | None, operator_namespace: str | None,
                        base: str = "cluster", cloud: str = "aws") -> RayClusterPlan:
    """One RayClusterSpec (Python key spelling) bound to the given pools -> RayClusterPlan (``cloud``: where its
    podIdentity is made, which decides the pods' identity label)."""
    given, findings = coerce(RayClusterSpec, raw, base, camel=False)
    if "name" not in given:  # optional in the type (a workload's cluster has none), required here
        findings.append(Finding(f"{base}.name", None, "is required (a DNS-1035 label of at most 53 characters)"))
    raise_if_errors(findings)
    rc = defaults.fill(RayClusterSpec, given)
    rc["workload_identity_label"] = cloud_rules(cloud).workload_identity_label  # derived: the cloud's, if any
    rc["account_identity"] = cloud_rules(cloud).account_identity
    platform_defaults = defaults.TABLES[PlatformSpec]
    rc["ray_version"] = rc.get("ray_version") or ray_version or platform_defaults["ray_version"]
    ns = operator_namespace or defaults.KUBERAY_NAMESPACE
    plan = plan_ray_cluster(base, rc, pools, head_pool, ns, findings)
    raise_if_errors(findings)
    if plan is None:  # pragma: no cover (every reason for None is a finding)
        raise ConfigError([Finding(base, None, "could not be resolved")])
    return plan
