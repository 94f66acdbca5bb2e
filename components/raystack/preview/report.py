"""The report behind ``raystack plan``: resource tree, pools, Ray clusters, cost and the checks' findings.

Input is what the program registered under the mock engine (a
``testing.Recording``) plus the ``Platform`` the stack config resolves to.
Everything here is a plain function of those; the CLI only prints. Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import versions
from ..clouds.aws.karpenter import plan_row
from ..model.facts import PoolFacts
from ..model.findings import ConfigError, Finding
from ..model.platform import Platform
from ..ray.networkpolicy import exception_rules
from ..ray.workloads import WORKLOAD_KINDS
from ..spec.coerce import to_camel
from ..testing.values import SECRET_PLACEHOLDER, restore_ints
from .checks.ray_parser import compare_with_ray
from .checks.worker import ValidationWorker, Validator
from .cost import PRICED_REGION, cost, workload_rows
from .objects import (
    FOREIGN_CRDS,
    _container_limits,
    _group_pool,
    _quantity,
    embedded_clusters,
    issue,
    k8s_objects,
    ray_clusters,
    ray_workloads,
)
from .operations import operations


def raw_config(config: dict[str, str], namespace: str = "raystack") -> dict[str, Any]:
    """Engine config (namespaced keys, string values) -> the raw dict the program's
    ``config.read_stack_config`` hands to ``RayPlatform`` (camelCase, decoded)."""
    from ..spec.coerce import decode_config

    prefix = namespace + ":"
    # Every key the stack sets, as the program reads them: unknown keys are named by resolve.
    return decode_config({k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)})


def config_findings(err: ConfigError | list[Finding], stack: str) -> list[Finding]:
    """Config findings as the plan reports them: on the stack."""
    items = err.findings if isinstance(err, ConfigError) else err
    return [replace(f, resource=f"stack {stack}") for f in items]


def resolve(config: dict[str, str], stack: str) -> tuple[Platform | None, list[Finding]]:
    """The Platform the stack config describes, or (None, findings)."""
    from ..model.resolve import resolve as resolve_model
    from ..testing.project import stack_region

    raw = raw_config(config)
    if not raw:
        return None, []
    try:
        return resolve_model(raw, stack=stack, region=stack_region(config)), []
    except ConfigError as e:
        return None, config_findings(e, stack)


def stack_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


def tree(recording: Any, project: str, stack: str) -> dict[str, Any]:
    """Nested {type, name, urn, children} rooted at the stack."""
    root_urn = stack_urn(project, stack)
    nodes: dict[str, dict[str, Any]] = {root_urn: {"type": "pulumi:pulumi:Stack", "name": f"{project}-{stack}",
                                                   "urn": root_urn, "children": []}}
    for r in recording.resources:
        nodes[r.urn] = {"type": r.type, "name": r.name, "urn": r.urn, "children": []}
    # Registration order varies from run to run; the tree is sorted so plans diff cleanly.
    for r in sorted(recording.resources, key=lambda r: (r.type.startswith("raystack:"), r.name, r.type)):
        parent = nodes.get(r.parent) or nodes[root_urn]
        parent["children"].append(nodes[r.urn])
    return nodes[root_urn]


def tree_rows(node: dict[str, Any], prefix: str = "", last: bool = True, top: bool = True) -> list[tuple[str, str]]:
    """(tree-drawn type, name) rows, like `pulumi preview`."""
    rows = [(node["type"] if top else prefix + ("└─ " if last else "├─ ") + node["type"], node["name"])]
    child_prefix = "" if top else prefix + ("   " if last else "│  ")
    kids = node["children"]
    for i, c in enumerate(kids):
        rows += tree_rows(c, child_prefix, i == len(kids) - 1, False)
    return rows


def pool_rows(platform: Any) -> list[dict[str, Any]]:
    if platform is None:
        return []
    pools = list(platform.pools.values())
    if platform.system_facts is not None:
        pools.insert(0, platform.system_facts)
    types = {np.name: np.instance_types for np in platform.node_pools if len(np.instance_types) > 1}  # a|b: Spot or Karpenter
    created = {np.name: np for np in platform.node_pools}
    return [{
        "pool": p.name, "source": p.source,
        "instance": "|".join(types[p.name]) if p.name in types else p.instance_type,
        "accelerator": (f"{p.accelerators_per_node}x {p.accelerator_model}".strip()
                        if p.accelerators_per_node else "none"),
        "accelerator_resource": p.accelerator_resource,
        "accelerators_per_node": p.accelerators_per_node, "min": p.min_nodes, "max": p.max_nodes,
        "capacity_type": p.capacity_type, "price_usd_per_hour": p.price_usd_hour,
        "allocatable_cpu_millis": p.allocatable_cpu_millis, "allocatable_memory_mib": p.allocatable_memory_mib,
        "efa": efa_row(created[p.name], platform) if p.name in created and created[p.name].efa else None,
        "karpenter": plan_row(created[p.name]) if p.name in created and created[p.name].karpenter else None,
    } for p in pools]


def efa_row(pool: Any, platform: Any) -> dict[str, Any]:
    """Where an EFA pool's nodes go: one subnet in one AZ, and its placement (issue 20: shown in the plan)."""
    if pool.subnet_ids:
        subnet = f"{pool.subnet_ids[0]} (the first of the pool's subnetIds)"
    elif pool.availability_zone:
        subnet = f"the cluster's private subnet in {pool.availability_zone} (the reservation's AZ)"
    else:
        azs = platform.network.availability_zones if platform.network is not None else None
        subnet = "the cluster's first private subnet" + (f", in {azs[0]}" if azs else "")
    reservation = "Capacity Block" if pool.capacity_type == "CAPACITY_BLOCK" else "capacity reservation"
    placement = (f"a cluster placement group of its own ({pool.name})" if pool.placement_group else
                 f"the {reservation}'s ({pool.capacity_reservation_id}): no placement group of raystack's")
    return {"interfaces_per_node": pool.facts.efa_interfaces, "hugepages_mib_per_node": pool.facts.hugepages_mib,
            "subnet": subnet, "placement": placement}


def cluster_rows(clusters: list[tuple[str, dict[str, Any]]], platform: Any) -> list[dict[str, Any]]:
    pools = dict(platform.pools) if platform is not None else {}
    if platform is not None and platform.system_facts is not None:
        pools.setdefault(platform.system_facts.name, platform.system_facts)

    def node(pool_name: str | None) -> str:
        """The OS and architecture of the pool's nodes ("-" where an existing pool does not say)."""
        p = pools.get(pool_name or "")
        return f"{p.os or '-'}/{p.architecture}" if p is not None else "-"

    checks = {(rc.namespace, rc.name, c["group"]): c for rc in (platform.ray_clusters if platform is not None else ())
              for c in rc.collectives}
    rows = []
    for _urn, rc in clusters:
        meta = rc.get("metadata", {})
        spec = rc.get("spec", {})
        head = spec.get("headGroupSpec", {})
        head_limits = _container_limits(head)
        rows.append({"cluster": meta.get("name"), "namespace": meta.get("namespace"), "group": "head",
                     "pool": _group_pool(head), "accelerators_per_worker": _devices(head_limits, pools.get(
                         _group_pool(head) or "")),
                     "image": _image(head), "node": node(_group_pool(head)),
                     **_sizes(head_limits),
                     "min_workers": 1, "max_workers": 1, "collective_check": None})
        for g in spec.get("workerGroupSpecs", []):
            limits = _container_limits(g)
            accels = _devices(limits, pools.get(_group_pool(g) or ""))
            hosts = g.get("numOfHosts", 1)  # a recorded manifest: absent fields take the CRD's defaults
            rows.append({"cluster": meta.get("name"), "namespace": meta.get("namespace"), "group": g.get("groupName"),
                         "pool": _group_pool(g), "accelerators_per_worker": accels,
                         "image": _image(g), "node": node(_group_pool(g)),
                         **_sizes(limits),
                         "min_workers": g.get("minReplicas", 0) * hosts, "max_workers": g.get("maxReplicas", 0) * hosts,
                         "collective_check": collective_row(checks.get((meta.get("namespace"), meta.get("name"),
                                                                         g.get("groupName"))))})
    return rows


def collective_row(check: dict[str, Any] | None) -> dict[str, Any] | None:
    """A group's collective check as the plan shows it: what runs, and the floor with its source."""
    if check is None:
        return None
    return {"backend": check["backend"], "ranks": 2 * check["nproc"], "floor_gbytes": check["floor_gbytes"],
            "floor_source": check["floor_source"]}


def _sizes(limits: dict[str, Any]) -> dict[str, Any]:
    """A container's CPU (cores) and memory (MiB) as numbers: one unit style (newcomer review P10: the
    manifests say 8Gi here and 8192Mi there)."""
    cpu, mem = limits.get("cpu"), limits.get("memory")
    cores = _quantity(cpu) if cpu is not None else None
    return {"cpu": int(cores) if cores is not None and cores.is_integer() else cores,
            "memory_mib": round(_quantity(mem) / 2**20) if mem is not None else None}


def _devices(limits: dict[str, Any], pool: Any) -> int:
    """Accelerator devices in a container's limits (0 where its pool has none or is unknown)."""
    res = pool.accelerator_resource if pool is not None else None
    return int(_quantity(limits[res])) if res and res in limits else 0


def _image(group: dict[str, Any]) -> str | None:
    containers = group.get("template", {}).get("spec", {}).get("containers", [])
    return containers[0].get("image") if containers else None


@dataclass
class Report:
    project: str
    stack: str
    recording: Any
    platform: Any
    tree: dict[str, Any]
    pools: list[dict[str, Any]]
    clusters: list[dict[str, Any]]
    cost: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)
    #: RayJobs, RayServices and RayCronJobs with their clusters' cost (cost.workload_rows).
    workloads: list[dict[str, Any]] = field(default_factory=list)
    #: Files --out removed: an earlier --out of this stack wrote them, and the plan no longer has them.
    #: What --out is for, so not warnings (newcomer review P10).
    pruned: list[str] = field(default_factory=list)
    #: kubernetesDelivery gitops: the Kubernetes objects rendered for Argo CD, which `pulumi up` does not apply.
    rendered_only: int = 0

    @property
    def kubernetes_delivery(self) -> str:
        return getattr(self.platform, "kubernetes_delivery", "pulumi") if self.platform is not None else "pulumi"

    @property
    def delivery_line(self) -> str:
        """Who applies the Kubernetes side, in a line."""
        if self.kubernetes_delivery != "gitops":
            return "`pulumi up` applies the cloud and the Kubernetes side"
        return (f"gitops: `pulumi up` applies the cloud side ({len(self.recording.resources)} resources); "
                f"{self.rendered_only} Kubernetes objects are rendered for Argo CD (--out), checked above")

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def network_exceptions(self) -> list[str]:
        """Every explicit opening of a Ray cluster's NetworkPolicy (allowFrom), one line each."""
        out = []
        p = self.platform
        every = [*p.ray_clusters, *(w.cluster for w in p.ray_workloads if w.cluster)] if p is not None else []
        for rc in every:
            for rule in exception_rules(rc.network_policy_spec or {}, scraped=rc.metrics):
                peer = rule["from"][0]
                spaces = next((e["values"] for e in peer.get("namespaceSelector", {}).get("matchExpressions", [])),
                              [rc.namespace])
                labels = peer["podSelector"].get("matchLabels") or {}
                who = ",".join(spaces) + ("/" + ",".join(f"{k}={v}" for k, v in labels.items()) if labels else "/*")
                ports = ",".join(str(x["port"]) for x in rule["ports"])
                out.append(f"{rc.namespace}/{rc.name}: ports {ports} from {who}")
        return out

    @property
    def pool_descriptors(self) -> dict[str, dict[str, Any]]:
        """Every pool's PoolDescriptor in the multi-language schema's spelling (camelCase), by name,
        the system pool included: what a YAML or TypeScript program passes to RayCluster's pools
        and headPool."""
        p = self.platform
        if p is None:
            return {}
        pools = ([p.system_facts] if p.system_facts is not None else []) + list(p.pools.values())
        return {f.name: {to_camel(k): v for k, v in f.to_descriptor().items()} for f in pools}

    @property
    def api_access(self) -> str:
        """Who can reach the Kubernetes API of a cluster this stack creates (where `pulumi up` must run)."""
        from ..model.cloud import cloud_rules

        p = self.platform
        if p is None or not p.creates_cluster:
            return "existing cluster: reached through its kubeconfig or EKS lookup"
        own = cloud_rules(p.cloud).api_access(p)  # a cloud that says it its own way (AKS)
        if own is not None:
            return own
        parts = ["private endpoint (inside the VPC)"]
        if p.api_ingress_cidrs:
            parts.append(f"reachable on 443 from {', '.join(p.api_ingress_cidrs)} (apiIngressCidrs)")
        standing = [c for c in p.public_access_cidrs if c not in p.deploy_from]
        if standing:
            parts.append(f"public endpoint for {', '.join(standing)} (publicAccessCidrs)")
        if p.deploy_from:
            parts.append(f"public endpoint for {', '.join(p.deploy_from)} for this run only (deployFrom)")
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "project": self.project,
            "valid": self.ok,
            "apiAccess": self.api_access,
            "kubernetesDelivery": self.kubernetes_delivery,
            "pruned": self.pruned,
            "networkPolicyExceptions": self.network_exceptions,
            "resources": [{
                "urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent or None,
                "custom": r.custom, "dependencies": r.dependencies, "provider": r.provider or None,
                "protect": r.protect, "retainOnDelete": r.retain_on_delete, "ignoreChanges": r.ignore_changes,
                "inputs": restore_ints(r.inputs),
            } for r in sorted(self.recording.resources, key=lambda r: r.urn)],  # registration order varies
            # The stack's exports, named by its program (what `pulumi stack output` shows), as they are.
            "outputs": restore_ints(self.recording.outputs),
            # raystack's own rows: camelCase, as the stack files and the rest of this document
            # (newcomer review P10; schema/raystack-plan.schema.json).
            "pools": camel_keys(self.pools),
            "rayClusters": camel_keys(self.clusters),
            "rayWorkloads": camel_keys(self.workloads),
            "poolDescriptors": self.pool_descriptors,
            "cost": camel_keys(self.cost),
            # GCS fault tolerance and observability (preview/operations.py).
            "operations": operations(self.platform),
            "checks": self.checks,
            "validation": [f.to_json() for f in self.findings],
        }


def applied_only(report: Report, recording: Any, rendered: Any) -> Report:
    """A gitops stack's report: checked on ``rendered`` (the program with its Kubernetes side on), but its tree
    and resources are ``recording``'s, what `pulumi up` applies."""
    applied = {r.urn for r in recording.resources}
    extra = sum(1 for r in rendered.resources if r.urn not in applied and r.custom and r.type.startswith("kubernetes:"))
    return replace(report, recording=recording, tree=tree(recording, report.project, report.stack),
                   rendered_only=extra)


def camel_keys(value: Any) -> Any:
    """``value`` with every dict key in camelCase (the stack files' spelling)."""
    if isinstance(value, dict):
        return {to_camel(k) if isinstance(k, str) else k: camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    return value


def build_report(recording: Any, platform: Any, *, project: str, stack: str, project_dir: Path,
                 region: str | None = PRICED_REGION,
                 crd_dir: Path | None = None, validator: Validator | ValidationWorker | None = None,
                 kubernetes_version: str | None = None) -> Report:
    findings: list[Finding] = []
    if platform is None and isinstance(recording.outputs.get("node_pools"), list):
        platform = _platform_from_outputs(recording.outputs["node_pools"])
    if platform is not None:
        findings += [replace(w, resource=f"stack {stack}") for w in platform.warnings]
    workloads = ray_workloads(recording)
    clusters = ray_clusters(recording) + embedded_clusters(workloads)
    cost_doc, cost_findings = cost(platform, region)
    findings += cost_findings

    objects = k8s_objects(recording)
    core = [(u, _without_secrets(o)) for u, o in objects if o["kind"] != "RayCluster"
            and o["kind"] not in WORKLOAD_KINDS and not o["apiVersion"].startswith(tuple(FOREIGN_CRDS))]
    want = kubernetes_version or (platform.kubernetes_version if platform is not None else versions.EKS_VERSION)
    if validator is None:
        validator = Validator(crd_dir, project_dir)
    result = validator.run(clusters, core, want, workloads)
    findings += [Finding(f["field"], f.get("value"), f["message"], f["severity"], f["check"], f["resource"])
                 for f in result["findings"]]
    checks = dict(result["checks"])
    for group, (check, what) in FOREIGN_CRDS.items():  # kinds whose CRDs raystack does not ship to check against
        if (count := sum(o["apiVersion"].startswith(group) for _, o in objects)):
            checks[check] = f"{count} {what}"
    if clusters:
        if result["ray"] is None:
            findings.append(issue("warning", "ray-parser", "RayCluster", "spec",
                                    f"Ray autoscaler parser check SKIPPED: {result['ray_unavailable']}"))
            checks["ray-parser"] = "SKIPPED"
        else:
            for (urn, rc), res in zip(clusters, result["ray"], strict=False):
                if "error" in res:
                    findings.append(issue("error", "ray-parser", urn, "spec",
                                            f"Ray's parser rejects it: {res['error']}"))
                else:
                    findings += compare_with_ray(urn, rc, res["config"], platform)
            checks["ray-parser"] = (f"{len(clusters)} RayCluster(s) through Ray's autoscaler parser, "
                                    "compared with their pools")
    policy_findings, policy_check = run_policies(recording)
    findings += policy_findings
    checks["policy"] = policy_check
    findings = by_config_key(findings, recording, platform)
    return Report(project=project, stack=stack, recording=recording, platform=platform,
                  tree=tree(recording, project, stack), pools=pool_rows(platform),
                  clusters=cluster_rows(clusters, platform), cost=cost_doc, findings=findings, checks=checks,
                  workloads=workload_rows(platform))


def by_config_key(findings: list[Finding], recording: Any, platform: Any) -> list[Finding]:
    """Findings on a Ray object the stack config declares name its key (raystack:rayClusters[0]), not its
    URN (newcomer review P10); others keep their resource."""
    if platform is None:
        return findings
    declared = {("RayCluster", c.namespace, c.name): c.config_key for c in platform.ray_clusters}
    declared |= {(w.kind, w.namespace, w.name): w.config_key for w in platform.ray_workloads}
    keys = {}
    for r in recording.resources:
        meta = (r.inputs or {}).get("metadata") or {}
        kind = r.type.rsplit(":", 1)[-1] if r.type.startswith("kubernetes:ray.io/") else None
        key = declared.get((kind, meta.get("namespace"), meta.get("name"))) if kind else None
        if key:
            keys[r.urn] = key
    return [replace(f, resource=keys[f.resource]) if f.resource in keys else f for f in findings]


def run_policies(recording: Any) -> tuple[list[Finding], str]:
    """raystack's policy pack (raystack.policy.rules) over the planned resources: mandatory rules
    give errors, advisory ones warnings, each naming the rule and the resource."""
    from ..policy.rules import RULES, Res, check_all

    by_name = {r.name: r.urn for r in recording.resources}
    resources = [Res(r.type, r.name, restore_ints(r.inputs)) for r in recording.resources if r.custom]
    findings = [issue("error" if rule.mandatory else "warning", "policy", by_name.get(res.name, "stack") if res
                      else "stack", rule.name, message) for rule, res, message in check_all(resources)]
    return findings, f"{len(RULES)} policy rules (raystack.policy) over {len(resources)} resource(s)"


def _without_secrets(value: Any) -> Any:
    """An object with its secret values left out: the plan never sees them (the mock engine gives
    a marker), so the schema check covers everything else."""
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if v != SECRET_PLACEHOLDER}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value if v != SECRET_PLACEHOLDER]
    return value


def _platform_from_outputs(node_pools: list[dict[str, Any]], referenced: bool = False) -> Platform | None:
    """For programs that export ``node_pools`` (PoolDescriptors) but do not use the raystack config, or
    (``referenced``) read them from a platform stack: then the pools are that stack's, not this one's
    (priced apart, as an existing cluster's)."""
    try:
        pools = {d["name"]: PoolFacts.from_descriptor(d) for d in node_pools}
    except (TypeError, KeyError, AttributeError):
        return None
    if referenced:
        pools = {n: replace(f, source="existing") for n, f in pools.items()}
    return Platform.of_existing_pools(pools)


def platform_of_references(outputs: list[dict[str, Any]]) -> Platform | None:
    """The pools a team stack builds on: the ``node_pools`` and ``system_pool`` a referenced platform
    stack exports (the first reference that exports them)."""
    for out in outputs:
        if isinstance(out.get("node_pools"), list):
            system = [out["system_pool"]] if isinstance(out.get("system_pool"), dict) else []
            return _platform_from_outputs(out["node_pools"] + system, referenced=True)
    return None
