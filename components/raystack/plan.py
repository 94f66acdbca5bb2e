"""The report behind ``raystack plan``: resource tree, pools, Ray clusters, cost and validation.

Input is what the program registered under the mock engine (an
``engine.Recording``) plus the platform the stack config resolves to
(``validate.resolve_platform``). Everything here is a plain function of
those; the CLI only prints. Heavy dependencies (jsonschema,
kubernetes-validate, PyYAML, Ray) are imported where they are used; the CLI
runs the validators in a child process (``ValidationWorker``) started before
the program, so importing them and Ray overlaps the program run.

Pulumi-free.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import versions
from .errors import ConfigError
from .errors import Finding as ConfigFinding

#: EKS control-plane price (standard support), us-east-1; not in the instance catalog.
EKS_CONTROL_PLANE_USD_PER_HOUR = 0.10
SECRET_PLACEHOLDER = "[secret]"
RAYCLUSTER_TYPE = "kubernetes:ray.io/v1:RayCluster"
HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
CONFIG_GROUP_TYPE = "kubernetes:yaml/v2:ConfigGroup"
#: Types under ``kubernetes:`` that are not Kubernetes objects themselves.
NOT_OBJECTS = {HELM_RELEASE_TYPE, CONFIG_GROUP_TYPE, "kubernetes:yaml/v2:ConfigFile",
               "kubernetes:helm.sh/v4:Chart", "kubernetes:kustomize/v2:Directory"}
ARGOCD_NAMESPACE = "argocd"
IN_CLUSTER = "https://kubernetes.default.svc"
POOL_LABEL = "raystack.io/pool"
#: Argo CD sync waves: CRDs, then namespaces, then charts (operator), then Ray clusters.
WAVE_CRDS, WAVE_NAMESPACES, WAVE_CHARTS, WAVE_WORKLOADS = -2, -1, 0, 1


@dataclass(frozen=True)
class Finding:
    """One validation result: which resource, which field, what is wrong."""

    severity: str  # error | warning
    check: str  # config | crd-schema | kubernetes-schema | ray-parser | cost | secrets
    resource: str  # URN, or the config key's owner for config findings
    field: str
    message: str

    def line(self) -> str:
        return f"{self.severity}: {self.resource}: {self.field}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"severity": self.severity, "check": self.check, "resource": self.resource,
                "field": self.field, "message": self.message}


def config_findings(err: ConfigError | list[ConfigFinding], stack: str) -> list[Finding]:
    items = err.findings if isinstance(err, ConfigError) else err
    out = []
    for f in items:
        shown = "" if f.value is None else f" (found {f.value!r})"
        out.append(Finding(f.severity, "config", f"stack {stack}", f.key, f.message + shown))
    return out


# --- values ------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """Recorded inputs travel as protobuf Structs, so every number is a float:
    give integral floats back their int type (8265.0 -> 8265)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def raw_config(config: dict[str, str], namespace: str = "raystack") -> dict[str, Any]:
    """Engine config (namespaced keys, string values) -> the raw dict the program's
    ``config.read_stack_config`` hands to ``RayPlatform`` (camelCase, decoded)."""
    from .spec import PlatformSpec, decode_config, to_camel

    prefix = namespace + ":"
    known = {to_camel(f) for f in PlatformSpec.__annotations__}
    # The program reads only the keys it knows; so does the plan.
    return decode_config({k[len(prefix):]: v for k, v in config.items()
                          if k.startswith(prefix) and k[len(prefix):] in known})


def resolve(config: dict[str, str], stack: str) -> tuple[Any, list[Finding]]:
    """The Platform the stack config describes, or (None, findings)."""
    from .validate import resolve_platform

    raw = raw_config(config)
    if not raw:
        return None, []
    try:
        return resolve_platform(raw), []
    except ConfigError as e:
        return None, config_findings(e, stack)


# --- resource tree ---------------------------------------------------------------------

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


# --- pools, clusters, cost ----------------------------------------------------------------

def pool_rows(platform: Any) -> list[dict[str, Any]]:
    if platform is None:
        return []
    pools = list(platform.pools.values())
    if platform.system_pool is not None:
        pools.insert(0, platform.system_pool)
    return [{
        "pool": p.name, "source": p.source, "instance": p.instance_type,
        "accelerator": (f"{p.accelerators_per_node}x {p.accelerator_model}".strip()
                        if p.accelerators_per_node else "none"),
        "accelerator_resource": p.accelerator_resource,
        "accelerators_per_node": p.accelerators_per_node, "min": p.min_nodes, "max": p.max_nodes,
        "capacity_type": p.capacity_type, "price_usd_per_hour": p.price_usd_hour,
        "allocatable_cpu_millis": p.allocatable_cpu_millis, "allocatable_memory_mib": p.allocatable_memory_mib,
    } for p in pools]


def _quantity(q: Any) -> float:
    """Kubernetes quantity -> number (CPU in cores, memory in bytes)."""
    s = str(q)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
             "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "m": 1e-3}
    for u in sorted(units, key=len, reverse=True):
        if s.endswith(u):
            return float(s[: -len(u)]) * units[u]
    return float(s)


def _group_pool(group: dict[str, Any]) -> str | None:
    spec = group.get("template", {}).get("spec", {})
    return (spec.get("nodeSelector") or {}).get(POOL_LABEL) or \
        (group.get("template", {}).get("metadata", {}).get("labels") or {}).get(POOL_LABEL)


def _container_limits(group: dict[str, Any]) -> dict[str, Any]:
    containers = group.get("template", {}).get("spec", {}).get("containers") or [{}]
    res = containers[0].get("resources") or {}
    return res.get("limits") or res.get("requests") or {}


def ray_clusters(recording: Any) -> list[tuple[str, dict[str, Any]]]:
    """(urn, manifest) of every RayCluster the program registers."""
    out = []
    for r in recording.resources:
        if r.type == RAYCLUSTER_TYPE:
            out.append((r.urn, k8s_object(r)))
    return out


def cluster_rows(clusters: list[tuple[str, dict[str, Any]]], platform: Any) -> list[dict[str, Any]]:
    pools = dict(platform.pools) if platform is not None else {}
    rows = []
    for _urn, rc in clusters:
        meta = rc.get("metadata", {})
        spec = rc.get("spec", {})
        head = spec.get("headGroupSpec", {})
        head_limits = _container_limits(head)
        rows.append({"cluster": meta.get("name"), "namespace": meta.get("namespace"), "group": "head",
                     "pool": _group_pool(head), "accelerators_per_worker": 0,
                     "cpu": head_limits.get("cpu"), "memory": head_limits.get("memory"),
                     "min_workers": 1, "max_workers": 1})
        for g in spec.get("workerGroupSpecs", []):
            limits = _container_limits(g)
            pool = pools.get(_group_pool(g) or "")
            acc_res = pool.accelerator_resource if pool is not None else None
            accels = int(_quantity(limits[acc_res])) if acc_res and acc_res in limits else 0
            hosts = g.get("numOfHosts", 1)
            rows.append({"cluster": meta.get("name"), "namespace": meta.get("namespace"), "group": g.get("groupName"),
                         "pool": _group_pool(g), "accelerators_per_worker": accels,
                         "cpu": limits.get("cpu"), "memory": limits.get("memory"),
                         "min_workers": g.get("minReplicas", 0) * hosts, "max_workers": g.get("maxReplicas", 0) * hosts})
    return rows


def cost(platform: Any) -> tuple[dict[str, Any], list[Finding]]:
    """Hourly cost from the catalog's on-demand prices. GPU pools this stack creates
    count in idle (all at min) and max (all at max); the baseline (EKS control plane
    and the system pool) is reported separately. Pools without a price are named."""
    findings: list[Finding] = []
    doc: dict[str, Any] = {"idle_usd_per_hour": 0.0, "max_usd_per_hour": 0.0, "baseline_usd_per_hour": 0.0,
                           "baseline_max_usd_per_hour": 0.0, "pools": [],
                           "notes": "catalog on-demand prices (us-east-1); spot pools are priced at on-demand, "
                                    "an upper bound. Baseline: EKS control plane + system pool; NAT gateways, "
                                    "EBS and data transfer are not included."}
    if platform is None:
        return doc, findings
    idle = mx = 0.0
    for p in platform.pools.values():
        created = p.source != "existing"
        entry = {"pool": p.name, "instance": p.instance_type, "price_usd_per_hour": p.price_usd_hour,
                 "min": p.min_nodes, "max": p.max_nodes, "created_by_stack": created}
        doc["pools"].append(entry)
        if not created:
            continue  # nodes that already exist are not this stack's cost
        if p.price_usd_hour is None:
            findings.append(Finding("warning", "cost", f"pool {p.name}", "price_usd_hour",
                                    f"no catalog price for {p.instance_type or 'this pool'}; "
                                    "left out of the cost totals"))
            continue
        idle += p.price_usd_hour * p.min_nodes
        mx += p.price_usd_hour * p.max_nodes
    base = base_max = 0.0
    if platform.creates_cluster:
        base = base_max = EKS_CONTROL_PLANE_USD_PER_HOUR
        sp = platform.system_pool
        if sp is not None:
            if sp.price_usd_hour is None:
                findings.append(Finding("warning", "cost", "pool system", "price_usd_hour",
                                        f"no catalog price for {sp.instance_type}; left out of the baseline"))
            else:
                base += sp.price_usd_hour * sp.min_nodes
                base_max += sp.price_usd_hour * sp.max_nodes
    doc.update(idle_usd_per_hour=round(idle, 4), max_usd_per_hour=round(mx, 4),
               baseline_usd_per_hour=round(base, 4), baseline_max_usd_per_hour=round(base_max, 4))
    return doc, findings


# --- Kubernetes objects ----------------------------------------------------------------------

def api_version_kind(typ: str) -> tuple[str, str]:
    """`kubernetes:networking.k8s.io/v1:NetworkPolicy` -> (networking.k8s.io/v1, NetworkPolicy);
    `kubernetes:core/v1:Namespace` -> (v1, Namespace)."""
    _, gv, kind = typ.split(":", 2)
    if gv.startswith("core/"):
        gv = gv[len("core/"):]
    return gv, kind


def is_k8s_object(r: Any) -> bool:
    return r.custom and r.type.startswith("kubernetes:") and r.type not in NOT_OBJECTS \
        and not r.type.startswith("pulumi:providers:")


def k8s_object(r: Any) -> dict[str, Any]:
    api_version, kind = api_version_kind(r.type)
    inputs = plain(r.inputs)
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind}
    obj["metadata"] = inputs.get("metadata") or {"name": r.name}
    for k, v in inputs.items():
        if k not in ("apiVersion", "kind", "metadata"):
            obj[k] = v
    return obj


def k8s_objects(recording: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(r.urn, k8s_object(r)) for r in recording.resources if is_k8s_object(r)]


def _contains_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secret(v) for v in value)
    return value == SECRET_PLACEHOLDER


def argo_applications(recording: Any, project: str, stack: str) -> list[tuple[str, dict[str, Any]]]:
    """One Argo CD Application per Helm release and per CRD ConfigGroup."""
    apps = []
    for r in recording.resources:
        inputs = plain(r.inputs)
        if r.type == HELM_RELEASE_TYPE:
            release = inputs.get("name") or r.name
            is_operator = inputs.get("chart") == versions.KUBERAY_CHART
            helm: dict[str, Any] = {"releaseName": release}
            if inputs.get("values"):
                helm["valuesObject"] = inputs["values"]
            if inputs.get("skipCrds"):
                helm["skipCrds"] = True
            source = {"repoURL": (inputs.get("repositoryOpts") or {}).get("repo", ""),
                      "chart": inputs.get("chart"), "targetRevision": inputs.get("version"), "helm": helm}
            sync = ["ServerSideApply=true"]
            apps.append((r.urn, _application(f"{stack}-{release}", project, stack, source,
                                             inputs.get("namespace") or "default", WAVE_CHARTS, sync,
                                             operator=is_operator)))
        elif r.type == CONFIG_GROUP_TYPE and any(versions.KUBERAY_CRD_PLURALS[0] in str(f)
                                                 for f in inputs.get("files") or []):
            source = {"repoURL": versions.KUBERAY_GIT_REPO, "path": versions.kuberay_crd_path(),
                      "targetRevision": versions.kuberay_git_tag()}
            app = _application(f"{stack}-kuberay-crds", project, stack, source, "default", WAVE_CRDS,
                               ["ServerSideApply=true", "Replace=true"])
            # CRDs outlive the app (as in the Pulumi program, retain_on_delete): deleting a
            # CRD deletes every RayCluster in the cluster. No resources finalizer, no prune.
            app["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] = "Prune=false"
            app["spec"]["syncPolicy"]["automated"]["prune"] = False
            apps.append((r.urn, app))
    return apps


def _application(name: str, project: str, stack: str, source: dict[str, Any], namespace: str, wave: int,
                 sync_options: list[str], operator: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": ARGOCD_NAMESPACE,
            "labels": {"app.kubernetes.io/part-of": "raystack", "raystack.io/stack": stack,
                       "raystack.io/project": project},
            "annotations": {"argocd.argoproj.io/sync-wave": str(wave)},
        },
        "spec": {
            "project": "default",
            "source": source,
            "destination": {"server": IN_CLUSTER, "namespace": namespace},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}, "syncOptions": list(sync_options)},
        },
    }


def _wave(obj: dict[str, Any]) -> int:
    if obj["kind"] == "Namespace":
        return WAVE_NAMESPACES
    if obj["kind"] == "CustomResourceDefinition":
        return WAVE_CRDS
    return WAVE_WORKLOADS


def gitops_files(recording: Any, project: str, stack: str) -> tuple[dict[str, dict[str, Any]], list[Finding]]:
    """File name -> object for ``--out``: every Kubernetes object the program
    registers plus the Argo CD Applications. Objects holding a secret are left out."""
    files: dict[str, dict[str, Any]] = {}
    findings: list[Finding] = []
    for urn, obj in k8s_objects(recording):
        if obj["kind"] == "Secret" or _contains_secret(obj):
            findings.append(Finding("warning", "secrets", urn, "inputs",
                                    "holds a secret; not written to --out (create it out of band)"))
            continue
        obj = json.loads(json.dumps(obj))
        meta = obj.setdefault("metadata", {})
        ann = meta.setdefault("annotations", {})
        ann["argocd.argoproj.io/sync-wave"] = str(_wave(obj))
        if obj["kind"] == "RayCluster":
            # The CRD may not exist yet at dry-run time on a fresh cluster.
            ann["argocd.argoproj.io/sync-options"] = "SkipDryRunOnMissingResource=true"
        files[object_filename(obj)] = obj
    for urn, app in argo_applications(recording, project, stack):
        if _contains_secret(app):
            findings.append(Finding("warning", "secrets", urn, "values",
                                    "Helm values hold a secret; Application not written"))
            continue
        files[object_filename(app)] = app
    return files, findings


def object_filename(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    parts = [obj["kind"].lower()]
    if meta.get("namespace"):
        parts.append(meta["namespace"])
    parts.append(meta.get("name", "unnamed"))
    return ".".join(parts) + ".yaml"


def write_files(out_dir: Path, files: dict[str, dict[str, Any]]) -> list[Path]:
    import yaml

    out_dir.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    written = []
    for name, obj in sorted(files.items()):
        p = out_dir / name
        p.write_text(yaml.dump(obj, Dumper=dumper, sort_keys=False, default_flow_style=False))
        written.append(p)
    return written


# --- dependency graph ----------------------------------------------------------------------------

def mermaid(recording: Any, project: str, stack: str) -> str:
    """The dependency graph: solid arrows run from a dependency to its dependent,
    dotted arrows from a parent component to its children."""
    ids: dict[str, str] = {}
    root = stack_urn(project, stack)
    ids[root] = "n0"
    lines = ["flowchart LR", f'  n0["pulumi:pulumi:Stack<br/>{project}-{stack}"]']
    resources = sorted(recording.resources, key=lambda r: r.urn)
    for i, r in enumerate(resources, start=1):
        ids[r.urn] = f"n{i}"
        shape = ('["', '"]') if r.custom else ('(["', '"])')
        lines.append(f'  n{i}{shape[0]}{r.type}<br/>{r.name}{shape[1]}')
    for r in resources:
        lines.append(f"  {ids.get(r.parent, 'n0')} -.-> {ids[r.urn]}")
        for d in r.dependencies:
            if d in ids and d != r.parent:
                lines.append(f"  {ids[d]} --> {ids[r.urn]}")
    return "\n".join(lines) + "\n"


# --- CRD schema -------------------------------------------------------------------------------------

def cache_dir() -> Path:
    if os.environ.get("RAYSTACK_CACHE_DIR"):
        return Path(os.environ["RAYSTACK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "raystack"


def _strict_schema(schema: Any) -> Any:
    """Objects that list their properties and do not preserve unknown fields get
    ``additionalProperties: false``: the API server would silently prune such a
    field, so the plan reports it instead."""
    if isinstance(schema, dict):
        out = {k: _strict_schema(v) for k, v in schema.items()}
        if ("properties" in out and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict_schema(v) for v in schema]
    return schema


def _schema_from_crd_text(text: str) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load(text, Loader=loader)
    for v in crd["spec"]["versions"]:
        if v["name"] == "v1":
            return _strict_schema(v["schema"]["openAPIV3Schema"])
    raise ValueError("no v1 version in the RayCluster CRD")


def _cached_schema_from_file(path: Path) -> dict[str, Any]:
    st = path.stat()
    key = hashlib.sha256(f"{versions.KUBERAY_VERSION}|{path.resolve()}|{st.st_mtime_ns}|{st.st_size}".encode())
    cached = cache_dir() / f"raycluster-v1-schema-{key.hexdigest()[:20]}.json"
    if cached.exists():
        try:
            return json.loads(cached.read_text())
        except (OSError, ValueError):
            pass
    schema = _schema_from_crd_text(path.read_text())
    _write_cache(cached, schema)
    return schema


def _write_cache(path: Path, schema: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(schema))
        tmp.replace(path)
    except OSError:
        pass  # a read-only cache only costs time


CRD_FILE = "ray.io_rayclusters.yaml"


def load_raycluster_schema(crd_dir: Path | None, project_dir: Path,
                           download: bool = True) -> tuple[dict[str, Any] | None, str, list[Finding]]:
    """(schema, where it came from, findings). Order: --crd-dir, the cache of the
    pinned download, ../shared/kuberay/crds beside the project, then a download of
    the pinned tag. If none works the check is reported as skipped (a warning)."""
    if crd_dir is not None:
        return _cached_schema_from_file(crd_dir / CRD_FILE), str(crd_dir / CRD_FILE), []
    pinned = cache_dir() / f"kuberay-{versions.kuberay_git_tag()}-rayclusters-v1-schema.json"
    if pinned.exists():
        try:
            return json.loads(pinned.read_text()), str(pinned), []
        except (OSError, ValueError):
            pass
    for base in (project_dir.resolve(), *project_dir.resolve().parents[:2]):
        shared = base.parent / "shared" / "kuberay" / "crds" / CRD_FILE
        if shared.exists():
            return _cached_schema_from_file(shared), str(shared), []
    url = next(u for u in versions.kuberay_crd_urls() if u.endswith(CRD_FILE))
    if download and not os.environ.get("RAYSTACK_OFFLINE"):
        try:
            import urllib.request

            with urllib.request.urlopen(url, timeout=15) as resp:  # noqa: S310 (pinned https URL)
                text = resp.read().decode()
            schema = _schema_from_crd_text(text)
            _write_cache(pinned, schema)
            return schema, url, []
        except Exception as e:  # noqa: BLE001 (offline, proxy, TLS: all mean "skipped")
            reason = f"download of {url} failed ({e})"
    else:
        reason = "downloads disabled (RAYSTACK_OFFLINE)"
    return None, "", [Finding("warning", "crd-schema", "RayCluster", "schema",
                              f"KubeRay CRD schema check SKIPPED: {reason}; pass --crd-dir DIR "
                              f"with {CRD_FILE} from {versions.kuberay_git_tag()}")]


def _error_fields(e: Any) -> list[tuple[str, str]]:
    """(field path, message) for a jsonschema error; unknown fields are named one by one."""
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        known = set((e.schema or {}).get("properties", {}))
        extra = sorted(k for k in e.instance if k not in known)
        if extra:
            base = list(e.absolute_path)
            return [(_path([*base, k]), "unknown field") for k in extra]
    return [(_path(e.absolute_path), e.message)]


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(root)"


@functools.lru_cache(maxsize=4)
def _crd_validator(schema_json: str) -> Any:
    import jsonschema

    return jsonschema.Draft7Validator(json.loads(schema_json))


def validate_crd(objects: list[tuple[str, dict[str, Any]]], schema: dict[str, Any]) -> list[Finding]:
    validator = _crd_validator(json.dumps(schema, sort_keys=True))
    findings = []
    for urn, obj in objects:
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
            for path, msg in _error_fields(e):
                if msg == "unknown field":
                    msg = "unknown field: not in the KubeRay CRD schema, the API server would prune it"
                findings.append(Finding("error", "crd-schema", urn, path, msg))
    return findings


# --- Kubernetes OpenAPI schemas (kubernetes-validate) ----------------------------------------------

def kubernetes_schema_version(wanted: str) -> str:
    """The newest Kubernetes minor kubernetes-validate has that is not newer than ``wanted``."""
    from kubernetes_validate import utils

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in utils.major_minor(v).split("."))

    have = sorted({utils.major_minor(v) for v in utils.all_versions()}, key=key)
    older = [v for v in have if key(v) <= key(wanted)]
    return older[-1] if older else have[0]


@functools.lru_cache(maxsize=64)
def _k8s_validator(version: str, api_version: str, kind: str) -> Any:
    import re

    import jsonschema
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    full = [v for v in utils.all_versions() if utils.major_minor(v) == utils.major_minor(version)][-1]
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema_dir = f"v{full}-local-strict"
    schema = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{group}.json", version)
    defs = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", version)
    registry = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def validate_kubernetes(objects: list[tuple[str, dict[str, Any]]], version: str) -> list[Finding]:
    """Core Kubernetes objects against Kubernetes' OpenAPI schemas, strict (unknown
    fields are errors). The same schemas and validator as ``kubernetes_validate.validate(
    obj, version, strict=True)``, built once per kind instead of once per object."""
    findings = []
    for urn, obj in objects:
        try:
            validator = _k8s_validator(version, obj["apiVersion"], obj["kind"])
        except FileNotFoundError:
            findings.append(Finding("warning", "kubernetes-schema", urn, "kind",
                                    f"no Kubernetes {version} schema for {obj['apiVersion']} {obj['kind']}; "
                                    "not checked"))
            continue
        except Exception:  # noqa: BLE001 (internals moved: fall back to the public API)
            import kubernetes_validate

            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as ve:
                findings.append(Finding("error", "kubernetes-schema", urn, _path(ve.absolute_path), ve.message))
            except kubernetes_validate.SchemaNotFoundError as se:
                findings.append(Finding("warning", "kubernetes-schema", urn, "kind", str(se)))
            continue
        for e in validator.iter_errors(obj):
            for path, msg in _error_fields(e):
                findings.append(Finding("error", "kubernetes-schema", urn, path,
                                        f"{msg} (Kubernetes {version} OpenAPI schema)"))
    return findings


# --- Ray's own parser ------------------------------------------------------------------------------

def _derive_with_ray(manifests: list[dict[str, Any]]) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Ray's autoscaling config for each manifest ({"config": ...} or {"error": ...}),
    or (None, why the check could not run)."""
    try:
        from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr
    except Exception as e:  # noqa: BLE001 (not installed, or broken: the check is skipped, loudly)
        return None, f"cannot import Ray's parser ({type(e).__name__}: {e}); pip install 'raystack[ray]'"
    results = []
    for m in manifests:
        try:
            results.append({"config": json.loads(json.dumps(_derive_autoscaling_config_from_ray_cr(m),
                                                            default=str))})
        except Exception as e:  # noqa: BLE001 (Ray rejecting the manifest is the finding)
            results.append({"error": f"{type(e).__name__}: {e}"})
    return results, None


class Validator:
    """Runs the three checks (KubeRay CRD schema, Kubernetes OpenAPI schemas, Ray's
    parser). ``preload`` does the costly part up front: importing the validators
    and Ray (~0.5 s) and loading the CRD schema."""

    def __init__(self, crd_dir: Path | None, project_dir: Path, ray: bool = True):
        self.crd_dir, self.project_dir, self.ray = crd_dir, project_dir, ray
        self.schema: dict[str, Any] | None = None
        self.schema_source = ""
        self.schema_findings: list[Finding] = []
        self._loaded = False

    def preload(self) -> None:
        import importlib.util

        import jsonschema  # noqa: F401
        import kubernetes_validate.utils  # noqa: F401

        self.schema, self.schema_source, self.schema_findings = load_raycluster_schema(self.crd_dir, self.project_dir)
        if self.schema is not None:
            _crd_validator(json.dumps(self.schema, sort_keys=True))
        if self.ray and importlib.util.find_spec("ray") is not None:
            _derive_with_ray([])
        self._loaded = True

    def run(self, rayclusters: list[tuple[str, dict[str, Any]]], core: list[tuple[str, dict[str, Any]]],
            kubernetes_version: str) -> dict[str, Any]:
        if not self._loaded:
            self.preload()
        findings: list[Finding] = []
        checks: dict[str, str] = {}
        ray_results: list[dict[str, Any]] | None = None
        ray_unavailable: str | None = None
        if rayclusters:
            findings += self.schema_findings
            if self.schema is not None:
                findings += validate_crd(rayclusters, self.schema)
                checks["crd-schema"] = (f"{len(rayclusters)} RayCluster(s) against the KubeRay "
                                        f"{versions.KUBERAY_VERSION} CRD ({self.schema_source})")
            else:
                checks["crd-schema"] = "SKIPPED"
            if not self.ray:
                ray_unavailable = "disabled with --no-ray"
            else:
                ray_results, ray_unavailable = _derive_with_ray([rc for _, rc in rayclusters])
        if core:
            kv = kubernetes_schema_version(kubernetes_version)
            findings += validate_kubernetes(core, kv)
            checks["kubernetes-schema"] = f"{len(core)} object(s) against Kubernetes {kv} (kubernetes-validate, strict)"
        return {"findings": [f.to_json() for f in findings], "checks": checks, "ray": ray_results,
                "ray_unavailable": ray_unavailable}


class ValidationWorker:
    """A ``Validator`` in a child process, started before the program runs so that
    importing Ray and the schema validators overlaps the program run (the plan is
    CPU-bound; the child uses the second core). Falls back to in-process."""

    def __init__(self, crd_dir: Path | None, project_dir: Path, ray: bool = True):
        self.args: dict[str, Any] = {"crd_dir": str(crd_dir) if crd_dir else None, "project_dir": str(project_dir),
                                     "ray": ray}
        env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", PYTHONWARNINGS="ignore")
        self.proc: subprocess.Popen[bytes] | None
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "raystack.plan", "--worker", json.dumps(self.args)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         env=env)
        except OSError:
            self.proc = None

    def run(self, rayclusters: list[tuple[str, dict[str, Any]]], core: list[tuple[str, dict[str, Any]]],
            kubernetes_version: str) -> dict[str, Any]:
        if self.proc is not None:
            request = {"rayclusters": rayclusters, "core": core, "kubernetes_version": kubernetes_version}
            out, _err = self.proc.communicate(json.dumps(request).encode())
            self.proc = None
            try:
                return json.loads(out)
            except ValueError:
                pass  # the child died: do it here
        a = self.args
        return Validator(Path(a["crd_dir"]) if a["crd_dir"] else None, Path(a["project_dir"]), a["ray"]).run(
            rayclusters, core, kubernetes_version)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def _worker_main(arg: str) -> int:
    a = json.loads(arg)
    v = Validator(Path(a["crd_dir"]) if a["crd_dir"] else None, Path(a["project_dir"]), a["ray"])
    v.preload()
    req = json.loads(sys.stdin.buffer.read() or b"{}")
    result = v.run([tuple(x) for x in req.get("rayclusters", [])], [tuple(x) for x in req.get("core", [])],
                   req.get("kubernetes_version") or versions.EKS_VERSION)
    sys.stdout.write(json.dumps(result, default=str))
    return 0


def compare_with_ray(urn: str, rc: dict[str, Any], derived: dict[str, Any], platform: Any) -> list[Finding]:
    """What Ray's autoscaler will believe each worker group has, against the group's
    spec and the pool it runs on."""
    findings: list[Finding] = []
    node_types = derived.get("available_node_types", {})
    pools = dict(platform.pools) if platform is not None else {}

    def err(field: str, msg: str, severity: str = "error") -> None:
        findings.append(Finding(severity, "ray-parser", urn, field, msg))

    for j, g in enumerate(rc.get("spec", {}).get("workerGroupSpecs", [])):
        base = f"spec.workerGroupSpecs[{j}]"
        name = g.get("groupName")
        nt = node_types.get(name)
        if nt is None:
            err(base, f"Ray's parser has no node type for worker group {name!r}")
            continue
        res = nt.get("resources", {})
        limits = _container_limits(g)
        hosts = g.get("numOfHosts", 1)
        pool_name = _group_pool(g)
        pool = pools.get(pool_name or "")
        if pool is None:
            err(f"{base}.template.spec.nodeSelector", f"no pool {pool_name!r} known to the plan; "
                "fit against the pool not checked", "warning")
        # Accelerators.
        accels = 0
        if pool is not None and pool.accelerator_resource:
            accels = int(_quantity(limits.get(pool.accelerator_resource, 0)))
            ray_res = pool.ray_accelerator_resource or "GPU"
            if int(res.get(ray_res, 0)) != accels:
                err(f"{base}.resources", f"Ray will see {ray_res}={res.get(ray_res, 0)} per worker but the pod "
                    f"requests {pool.accelerator_resource}={accels}")
            if accels > pool.accelerators_per_node:
                err(f"{base}.template.spec.containers[0].resources.limits",
                    f"{accels} {pool.accelerator_resource} per worker; pool {pool.name!r} nodes have "
                    f"{pool.accelerators_per_node}")
        elif pool is not None and res.get("GPU"):
            err(f"{base}.resources", f"Ray will see GPU={res['GPU']} but pool {pool.name!r} has no accelerators")
        # CPU and memory.
        if "cpu" in limits:
            cpu = _quantity(limits["cpu"])
            if float(res.get("CPU", -1)) != float(int(cpu)):
                err(f"{base}.template.spec.containers[0].resources.limits.cpu",
                    f"Ray will see CPU={res.get('CPU')} but the container has cpu={limits['cpu']}")
        if "memory" in limits:
            mem = int(_quantity(limits["memory"]))
            if int(res.get("memory", -1)) != mem:
                err(f"{base}.template.spec.containers[0].resources.limits.memory",
                    f"Ray will see memory={res.get('memory')} bytes but the container has {limits['memory']}")
        # Scaling bounds.
        if nt.get("min_workers") != g.get("minReplicas", 0) * hosts:
            err(f"{base}.minReplicas", f"Ray will use min_workers={nt.get('min_workers')}, "
                f"the group says {g.get('minReplicas')}")
        if nt.get("max_workers") != g.get("maxReplicas", 0) * hosts:
            err(f"{base}.maxReplicas", f"Ray will use max_workers={nt.get('max_workers')}, "
                f"the group says {g.get('maxReplicas')}")
        # Fit on the pool's nodes.
        if pool is not None:
            per_node = (pool.accelerators_per_node // accels) if accels else 1
            cpu_m = int(_quantity(limits.get("cpu", 0)) * 1000)
            mem_mib = int(_quantity(limits.get("memory", 0)) // 2**20)
            if cpu_m * per_node > pool.schedulable_cpu_millis:
                err(f"{base}.template.spec.containers[0].resources.limits.cpu",
                    f"{per_node} worker(s) x {cpu_m}m CPU do not fit pool {pool.name!r} nodes "
                    f"({pool.schedulable_cpu_millis}m schedulable)")
            if mem_mib * per_node > pool.schedulable_memory_mib:
                err(f"{base}.template.spec.containers[0].resources.limits.memory",
                    f"{per_node} worker(s) x {mem_mib}Mi do not fit pool {pool.name!r} nodes "
                    f"({pool.schedulable_memory_mib}Mi schedulable)")
            cap = pool.max_nodes * per_node
            if (nt.get("max_workers") or 0) > cap:
                err(f"{base}.maxReplicas", f"Ray may ask for {nt.get('max_workers')} workers; pool {pool.name!r} "
                    f"holds {pool.max_nodes} node(s) x {per_node}", "warning")
    return findings


# --- the whole report ---------------------------------------------------------------------------------

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

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "project": self.project,
            "resources": [{
                "urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent or None,
                "custom": r.custom, "dependencies": r.dependencies, "provider": r.provider or None,
                "protect": r.protect, "retainOnDelete": r.retain_on_delete, "ignoreChanges": r.ignore_changes,
                "inputs": plain(r.inputs),
            } for r in sorted(self.recording.resources, key=lambda r: r.urn)],  # registration order varies
            "outputs": plain(self.recording.outputs),
            "pools": self.pools,
            "rayClusters": self.clusters,
            "cost": self.cost,
            "checks": self.checks,
            "validation": [f.to_json() for f in self.findings],
        }


def build_report(recording: Any, platform: Any, *, project: str, stack: str, project_dir: Path,
                 crd_dir: Path | None = None, validator: Validator | ValidationWorker | None = None,
                 kubernetes_version: str | None = None) -> Report:
    findings: list[Finding] = []
    if platform is None and isinstance(recording.outputs.get("node_pools"), list):
        platform = _platform_from_outputs(recording.outputs["node_pools"])
    if platform is not None:
        findings += [Finding(w.severity, "config", f"stack {stack}", w.key, w.message) for w in platform.warnings]
    clusters = ray_clusters(recording)
    cost_doc, cost_findings = cost(platform)
    findings += cost_findings

    core = [(u, o) for u, o in k8s_objects(recording) if o["kind"] != "RayCluster"]
    want = kubernetes_version or (platform.spec.get("kubernetes_version") if platform is not None else None) \
        or versions.EKS_VERSION
    if validator is None:
        validator = Validator(crd_dir, project_dir)
    result = validator.run(clusters, core, want)
    findings += [Finding(**f) for f in result["findings"]]
    checks = dict(result["checks"])
    if clusters:
        if result["ray"] is None:
            findings.append(Finding("warning", "ray-parser", "RayCluster", "spec",
                                    f"Ray autoscaler parser check SKIPPED: {result['ray_unavailable']}"))
            checks["ray-parser"] = "SKIPPED"
        else:
            for (urn, rc), res in zip(clusters, result["ray"], strict=False):
                if "error" in res:
                    findings.append(Finding("error", "ray-parser", urn, "spec",
                                            f"Ray's parser rejects it: {res['error']}"))
                else:
                    findings += compare_with_ray(urn, rc, res["config"], platform)
            checks["ray-parser"] = (f"{len(clusters)} RayCluster(s) through Ray's autoscaler parser, "
                                    "compared with their pools")
    return Report(project=project, stack=stack, recording=recording, platform=platform,
                  tree=tree(recording, project, stack), pools=pool_rows(platform),
                  clusters=cluster_rows(clusters, platform), cost=cost_doc, findings=findings, checks=checks)


def _platform_from_outputs(node_pools: list[dict[str, Any]]) -> Any:
    """For programs that export ``node_pools`` but do not use the raystack config."""
    from .pools import PoolFacts
    from .validate import Platform

    try:
        pools = {d["name"]: PoolFacts.from_dict(d) for d in node_pools}
    except (TypeError, KeyError):
        return None
    return Platform(spec={"cluster_mode": "existing"}, pools=pools, system_pool=None)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--worker":
    sys.exit(_worker_main(sys.argv[2]))
