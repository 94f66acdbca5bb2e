"""Rules for Ray clusters: names, versions, image tags (cloud-neutral). Sizing against pools
happens once, in ``model.ray_clusters``. Pulumi-free."""

from __future__ import annotations

import re
from typing import Any

from .. import versions
from ..model.facts import PoolFacts
from ..model.findings import Finding
from ..ray.networkpolicy import EXCEPTION_PORTS
from ..ray.pod import (
    OWNED_POD_LABEL_PREFIXES,
    OWNED_RAY_START_PARAMS,
    RESTRICTED_VOLUME_TYPES,
    SHM_PATH,
    SHM_VOLUME,
)
from .common import DNS1035_LABEL, DNS1123_LABEL, check_name
from .kube import DNS1123_SUBDOMAIN, check_labels, qualified_name_problem
from .kube_objects import check_kube_objects

#: AWS managed policies too broad for any role raystack attaches (the policy pack's node-role-narrow):
#: S3 on every bucket, or admin rights.
BROAD_MANAGED_POLICIES = ("AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "AdministratorAccess", "PowerUserAccess")

#: Namespaces a Ray cluster may not use: Kubernetes' own and those the add-ons live in.
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def check_ray_version(at: str, rv: str, findings: list[Finding]) -> None:
    try:
        if not versions.version_at_least(rv, versions.RAY_MIN_VERSION):
            findings.append(Finding(at, rv, f"allowed: {versions.RAY_MIN_VERSION} or newer (older Ray has unauthenticated "
                                            "dashboard CVEs: CVE-2025-62593, CVE-2026-27482)"))
    except ValueError:
        findings.append(Finding(at, rv, "must be a version such as 2.55.0"))


def check_ray_cluster(base: str, rc: dict[str, Any], findings: list[Finding],
                      reserved_namespaces: frozenset[str] = SYSTEM_NAMESPACES) -> None:
    """``rc``: a defaulted RayClusterSpec (its ``ray_version`` already resolved)."""
    check_name(findings, f"{base}.name", rc["name"], DNS1035_LABEL, 53, "DNS-1035 label")
    if rc.get("smoke_test") and len(rc["name"]) > 41:  # <name>-smoke: KubeRay's 47 for a RayJob
        findings.append(Finding(f"{base}.smokeTest", True, f"the smoke test is a RayJob named {rc['name']}-smoke, "
                                                           "longer than KubeRay's 47 characters: shorten the "
                                                           "cluster's name to at most 41"))
    check_name(findings, f"{base}.namespace", rc["namespace"], DNS1123_LABEL, 63, "DNS-1123 label")
    if rc["namespace"] in reserved_namespaces:
        findings.append(Finding(f"{base}.namespace", rc["namespace"],
                                "a system namespace or one raystack creates for its add-ons; Ray clusters get a "
                                f"namespace of their own (not {', '.join(sorted(reserved_namespaces))})"))
    # Where the version was written: the cluster's own key, or None when it is the platform's rayVersion,
    # which resolve checks once at its own key (one mistake, one message; newcomer review P9).
    version_at = rc.get("ray_version_at", f"{base}.rayVersion")
    if version_at is not None:
        check_ray_version(version_at, rc["ray_version"], findings)
    if rc["python_tag"] not in versions.RAY_PYTHON_TAGS:
        findings.append(Finding(f"{base}.pythonTag", rc["python_tag"],
                                f"allowed: {', '.join(versions.RAY_PYTHON_TAGS)}"))
    for i, allow in enumerate(rc["allow_from"]):
        at = f"{base}.allowFrom[{i}]"
        bad = sorted(set(allow["ports"]) - set(EXCEPTION_PORTS))
        if bad or not allow["ports"]:
            findings.append(Finding(f"{at}.ports", allow["ports"],
                                    f"allowed: {', '.join(map(str, EXCEPTION_PORTS))} (dashboard/Jobs, Serve, Ray "
                                    "Client, metrics)"))
        for j, ns in enumerate(allow.get("namespaces") or []):
            check_name(findings, f"{at}.namespaces[{j}]", ns, DNS1123_LABEL, 63, "DNS-1123 label")
        check_labels(f"{at}.podLabels", allow.get("pod_labels") or {}, findings, owned=False)
        if not allow.get("namespaces") and not allow.get("pod_labels"):
            findings.append(Finding(at, allow, "name the clients: namespaces and/or podLabels (an exception for "
                                               "every pod of the namespace must list the namespace)"))
        if not rc["network_policy"]:
            findings.append(Finding(at, allow, "only with networkPolicy: true"))
    relaxed = rc.get("security") == "relaxed"  # optional: the platform's (strict when used on its own)
    check_pod_options(base, rc, findings, relaxed)
    check_service_account(base, rc, findings)
    cluster_volumes = {v.get("name") for v in rc.get("volumes") or []}
    check_volume_mounts(base, rc, cluster_volumes, findings)
    for at, spec in [(f"{base}.head", rc["head"])] + [
            (f"{base}.workerGroups[{j}]", g) for j, g in enumerate(rc["worker_groups"])]:
        check_pod_options(at, spec, findings, relaxed)
        check_volume_mounts(at, spec, cluster_volumes | {v.get("name") for v in spec.get("volumes") or []},
                            findings)
    if rc["idle_timeout_seconds"] < 0:
        findings.append(Finding(f"{base}.idleTimeoutSeconds", rc["idle_timeout_seconds"], "allowed: 0 or more seconds"))
    seen: set[str] = set()
    for j, g in enumerate(rc["worker_groups"]):
        gbase = f"{base}.workerGroups[{j}]"
        check_name(findings, f"{gbase}.name", g["name"], DNS1123_LABEL, 63, "DNS-1123 label")
        if g["name"] in seen:
            findings.append(Finding(f"{gbase}.name", g["name"], "duplicate worker group name in this cluster"))
        seen.add(g["name"])
        timeout = g.get("idle_timeout_seconds")  # optional: the cluster's
        if timeout is not None and timeout < 0:
            findings.append(Finding(f"{gbase}.idleTimeoutSeconds", timeout, "allowed: 0 or more seconds"))


_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


def check_pod_options(base: str, spec: dict[str, Any], findings: list[Finding], relaxed: bool = False) -> None:
    """The pod fields of a cluster, head or group (all optional); ``relaxed``: the Ray namespaces
    enforce Pod Security baseline, not restricted."""
    for name in list(spec.get("env") or {}) + list(spec.get("secret_env") or {}):
        at = f"{base}.env[{name!r}]" if name in (spec.get("env") or {}) else f"{base}.secretEnv[{name!r}]"
        if not _ENV_NAME.match(name):
            findings.append(Finding(at, name, "an environment variable name: letters, digits, '_', '-' and '.', "
                                              "not starting with a digit"))
        elif name.startswith("RAY_AUTH"):
            findings.append(Finding(at, name, "KubeRay sets the RAY_AUTH_* variables for token authentication"))
    for name in sorted(set(spec.get("env") or {}) & set(spec.get("secret_env") or {})):
        findings.append(Finding(f"{base}.secretEnv[{name!r}]", name, "a variable in env or in secretEnv, not both"))
    for name, ref in (spec.get("secret_env") or {}).items():
        if not DNS1123_SUBDOMAIN.match(ref["secret"]) or len(ref["secret"]) > 253:
            findings.append(Finding(f"{base}.secretEnv[{name!r}].secret", ref["secret"], "a Secret name (DNS-1123 subdomain)"))
    for i, n in enumerate(spec.get("image_pull_secrets") or []):
        if not DNS1123_SUBDOMAIN.match(n):
            findings.append(Finding(f"{base}.imagePullSecrets[{i}]", n, "a Secret name (DNS-1123 subdomain)"))
    labels = spec.get("pod_labels") or {}
    check_labels(f"{base}.podLabels", labels, findings, owned=False)
    for k in labels:
        if k.startswith(OWNED_POD_LABEL_PREFIXES):
            findings.append(Finding(f"{base}.podLabels[{k!r}]", labels[k], "KubeRay and raystack set ray.io/ and "
                                                                           "raystack.io/ labels; choose another key"))
    for k in spec.get("pod_annotations") or {}:
        problem = qualified_name_problem(k)
        if problem:
            findings.append(Finding(f"{base}.podAnnotations[{k!r}]", k, f"annotation key {problem}"))
        elif k.startswith("raystack.io/"):
            findings.append(Finding(f"{base}.podAnnotations[{k!r}]", k, "raystack sets raystack.io/ annotations; "
                                                                       "choose another key"))
    for key in ("scheduler_name", "priority_class_name"):
        value = spec.get(key)
        if value is not None and not DNS1123_SUBDOMAIN.match(value):
            camel = "schedulerName" if key == "scheduler_name" else "priorityClassName"
            findings.append(Finding(f"{base}.{camel}", value, "a Kubernetes object name (DNS-1123 subdomain)"))
    security = spec.get("pod_security") or {}
    for key, camel, low in (("run_as_user", "runAsUser", 1), ("run_as_group", "runAsGroup", 0),
                            ("fs_group", "fsGroup", 0)):
        if key in security and not low <= security[key] <= 2**31 - 1:
            why = "a UID from 1 (Pod Security restricted refuses root)" if low else "a GID from 0"
            findings.append(Finding(f"{base}.podSecurity.{camel}", security[key], f"{why} to 2147483647"))
    for i, gid in enumerate(security.get("supplemental_groups") or []):
        if not 0 <= gid <= 2**31 - 1:
            findings.append(Finding(f"{base}.podSecurity.supplementalGroups[{i}]", gid, "a GID from 0 to 2147483647"))
    for k in spec.get("ray_start_params") or {}:
        if k in OWNED_RAY_START_PARAMS:
            findings.append(Finding(f"{base}.rayStartParams[{k!r}]", spec["ray_start_params"][k],
                                    f"raystack sets {k} from the pool and the sizes (owned: "
                                    f"{', '.join(sorted(OWNED_RAY_START_PARAMS))})"))
    check_kube_objects(f"{base}.envFrom", spec.get("env_from") or [], "EnvFromSource", findings)
    volumes = spec.get("volumes") or []
    check_kube_objects(f"{base}.volumes", volumes, "Volume", findings)
    seen: set[str] = set()
    for i, v in enumerate(volumes):
        name = v.get("name")
        if name == SHM_VOLUME:
            findings.append(Finding(f"{base}.volumes[{i}].name", name, f"raystack's /dev/shm volume is named "
                                                                       f"{SHM_VOLUME!r}; choose another name"))
        elif name in seen:
            findings.append(Finding(f"{base}.volumes[{i}].name", name, "a volume name used once"))
        seen.add(name)
        for kind in (k for k in v if k != "name"):
            if kind == "hostPath":
                findings.append(Finding(f"{base}.volumes[{i}].hostPath", v["hostPath"],
                                        "not allowed: Pod Security baseline and restricted reject hostPath "
                                        "volumes; use a PVC or CSI volume"))
            elif kind not in RESTRICTED_VOLUME_TYPES and not relaxed:
                findings.append(Finding(f"{base}.volumes[{i}].{kind}", v[kind],
                                        "not allowed: Ray namespaces enforce Pod Security restricted, which admits "
                                        f"only {', '.join(RESTRICTED_VOLUME_TYPES)} volumes (a PVC reaches any "
                                        "storage)"))
    inits = spec.get("init_containers") or []
    check_kube_objects(f"{base}.initContainers", inits, "Container", findings)
    names: set[str] = set()
    for i, c in enumerate(inits):
        if "securityContext" in c:
            findings.append(Finding(f"{base}.initContainers[{i}].securityContext", c["securityContext"],
                                    "raystack gives init containers the Ray container's restricted "
                                    "securityContext; leave it out"))
        if c.get("name") in names or c.get("name") in ("ray-head", "ray-worker"):
            findings.append(Finding(f"{base}.initContainers[{i}].name", c.get("name"),
                                    "a container name used once in the pod"))
        names.add(c.get("name"))


def check_volume_mounts(base: str, spec: dict[str, Any], volumes: set[Any], findings: list[Finding]) -> None:
    """The Ray container's mounts: shaped as Kubernetes' VolumeMount, of a volume the pod has, not
    over raystack's /dev/shm."""
    mounts = spec.get("volume_mounts") or []
    check_kube_objects(f"{base}.volumeMounts", mounts, "VolumeMount", findings)
    paths: set[str] = set()
    for i, m in enumerate(mounts):
        if m.get("name") not in volumes:
            findings.append(Finding(f"{base}.volumeMounts[{i}].name", m.get("name"),
                                    f"a volume of the pod: {', '.join(sorted(map(str, volumes))) or 'none given'} "
                                    "(cluster-level mounts need cluster-level volumes)"))
        path = m.get("mountPath")
        if path == SHM_PATH or path in paths:
            findings.append(Finding(f"{base}.volumeMounts[{i}].mountPath", path,
                                    f"a path mounted once ({SHM_PATH} is raystack's shared-memory volume)"))
        paths.add(path)
    for i, c in enumerate(spec.get("init_containers") or []):
        for k, m in enumerate(c.get("volumeMounts") or [] if isinstance(c, dict) else []):
            if isinstance(m, dict) and m.get("name") not in volumes | {SHM_VOLUME}:
                findings.append(Finding(f"{base}.initContainers[{i}].volumeMounts[{k}].name", m.get("name"),
                                        f"a volume of the pod: {', '.join(sorted(map(str, volumes))) or 'none given'}"))


#: S3 bucket names (general purpose): 3-63 lowercase letters, digits, '.' and '-', starting and
#: ending with a letter or digit, not shaped like an IP address.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_POLICY_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")


def check_service_account(base: str, rc: dict[str, Any], findings: list[Finding]) -> None:
    sa = rc.get("service_account")
    if not sa:
        return
    at = f"{base}.serviceAccount"
    name = sa.get("name", "")
    if not DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
        findings.append(Finding(f"{at}.name", name, "a service account name (DNS-1123 subdomain)"))
    elif name == rc["name"]:
        findings.append(Finding(f"{at}.name", name, "not the cluster's name: KubeRay creates that account for "
                                                    "the head and binds the autoscaler's Role to it"))
    if sa["annotations"] and not sa["create"]:
        findings.append(Finding(f"{at}.annotations", sa["annotations"], "only on an account raystack creates "
                                                                        "(create: true)"))
    for k in sa["annotations"]:
        problem = qualified_name_problem(k)
        if problem:
            findings.append(Finding(f"{at}.annotations[{k!r}]", k, f"annotation key {problem}"))
    pid = sa.get("pod_identity")
    if pid is None:
        return
    if not (pid["managed_policy_arns"] or pid["s3_read"] or pid["s3_read_write"] or pid.get("storage_read")
            or pid.get("storage_read_write") or rc.get("logs") is not None):
        # (observability.logs gives the role its one permission: writing the pods' logs)
        findings.append(Finding(f"{at}.podIdentity", pid, "name managedPolicyArns, s3Read or s3ReadWrite (EKS), or "
                                                          "storageRead or storageReadWrite (AKS): an identity that "
                                                          "may do nothing is a mistake"))
    for key, camel in (("s3_read", "s3Read"), ("s3_read_write", "s3ReadWrite")):
        for i, b in enumerate(pid[key]):
            if not _BUCKET.match(b) or ".." in b or re.fullmatch(r"[\d.]+", b):
                findings.append(Finding(f"{at}.podIdentity.{camel}[{i}]", b, "an S3 bucket name (3-63 lowercase "
                                                                              "letters, digits, '.' and '-'; not an ARN)"))
    for b in sorted(set(pid["s3_read"]) & set(pid["s3_read_write"])):
        findings.append(Finding(f"{at}.podIdentity.s3Read", b, "a bucket in s3Read or s3ReadWrite, not both"))
    for i, arn in enumerate(pid["managed_policy_arns"]):
        if not _POLICY_ARN.match(arn):
            findings.append(Finding(f"{at}.podIdentity.managedPolicyArns[{i}]", arn,
                                    "an IAM managed policy ARN (arn:aws:iam::aws:policy/... or "
                                    "arn:aws:iam::<account>:policy/...)"))
        elif arn.rsplit("/", 1)[-1] in BROAD_MANAGED_POLICIES:
            # The policy pack's mandatory node-role-narrow, at the key (issue 25, one truth; newcomer review P9).
            findings.append(Finding(f"{at}.podIdentity.managedPolicyArns[{i}]", arn,
                                    "S3 on every bucket or admin rights for every pod of this account: name the "
                                    "buckets in s3Read or s3ReadWrite, or a policy of your own that names its "
                                    "resources"))


def check_placement(base: str, spec: dict[str, Any], pool: PoolFacts, findings: list[Finding]) -> None:
    """Extra nodeSelector and tolerations of a head or group cannot break its pool binding."""
    selector = spec.get("node_selector") or {}
    check_labels(f"{base}.nodeSelector", selector, findings, owned=False)
    for k, v in selector.items():
        if k in pool.node_selector:
            findings.append(Finding(f"{base}.nodeSelector[{k!r}]", v, f"pool {pool.name!r} binds its pods with "
                                                                     f"{k}={pool.node_selector[k]}; choose another key"))
        elif pool.source != "existing":
            findings.append(Finding(f"{base}.nodeSelector[{k!r}]", v,
                                    f"only on existing pools: pool {pool.name!r} is created by the stack and its "
                                    "nodes carry only the labels raystack gives them (gpuPools[].labels)"))
    check_kube_objects(f"{base}.tolerations", spec.get("tolerations") or [], "Toleration", findings)
