"""One pod-template builder for Ray heads and workers.

Every Ray pod gets the same placement (its pool's node selector and
tolerations), a restricted security context, limits equal to requests and a
memory-backed ``/dev/shm`` sized for the object store. Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import versions
from ..model.facts import POOL_LABEL, PoolFacts
from . import logs

RAY_UID = 1000  # the `ray` user of rayproject/ray images
SHM_HEADROOM_MIN_MIB = 1024

RESTRICTED_SECURITY_CONTEXT: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "runAsUser": RAY_UID,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def ray_image(ray_version: str, python_tag: str, suffix: str = "", architecture: str = "x86_64",
              registry: str | None = None) -> str:
    """rayproject/ray:<version>-<python>[<suffix>][-aarch64] (the tag scheme of ray's docker/README:
    {version}-{python}-{platform}-{architecture}); the suffix comes from the accelerator row."""
    arch = "-aarch64" if architecture == "arm64" else ""
    repo = f"{registry.rstrip('/')}/{versions.RAY_IMAGE_REPO}" if registry else versions.RAY_IMAGE_REPO
    return f"{repo}:{ray_version}-{python_tag}{suffix}{arch}"


def shm_size_mib(memory_mib: int, object_store_mib: int) -> int:
    """/dev/shm holds the object store's plasma files plus what NCCL, PyTorch DataLoader workers
    and multiprocessing put there: the object store and 10 % of the pod's memory (at least 1 GiB),
    never more than the pod's memory (tmpfs pages count against the memory limit)."""
    return min(memory_mib, object_store_mib + max(SHM_HEADROOM_MIN_MIB, memory_mib // 10))


#: `ray start` parameters raystack derives from the pool: users may not set them.
OWNED_RAY_START_PARAMS = frozenset({"num-cpus", "num-gpus", "memory", "object-store-memory", "resources", "labels"})
#: Pod label prefixes KubeRay and raystack own.
OWNED_POD_LABEL_PREFIXES = ("raystack.io/", "ray.io/")
#: On every pod of a cluster with Pod Identity (value: the workers' account).
POD_IDENTITY_ANNOTATION = "raystack.io/pod-identity"
#: The volume types Pod Security "restricted" admits (kubernetes.io Pod Security Standards,
#: Restricted, "Volume Types"); Ray namespaces enforce it unless ``security: relaxed``.
RESTRICTED_VOLUME_TYPES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                           "projected", "secret")
#: The memory-backed /dev/shm volume every Ray pod gets.
SHM_VOLUME = "dshm"
SHM_PATH = "/dev/shm"


def _by(key: str, base: tuple[dict[str, Any], ...], own: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    """``base`` then ``own``; an entry of ``own`` replaces the base's entry with the same ``key``."""
    mine = {o.get(key) for o in own}
    return tuple(b for b in base if b.get(key) not in mine) + own


@dataclass(frozen=True)
class PodOptions:
    """What a team adds to its Ray pods (cluster-wide, then per head or group)."""

    env: dict[str, str] = field(default_factory=dict)
    secret_env: dict[str, tuple[str, str]] = field(default_factory=dict)
    image_pull_secrets: tuple[str, ...] = ()
    pod_labels: dict[str, str] = field(default_factory=dict)
    pod_annotations: dict[str, str] = field(default_factory=dict)
    scheduler_name: str | None = None
    priority_class_name: str | None = None
    ray_start_params: dict[str, str] = field(default_factory=dict)
    env_from: tuple[dict[str, Any], ...] = ()
    volumes: tuple[dict[str, Any], ...] = ()
    volume_mounts: tuple[dict[str, Any], ...] = ()
    init_containers: tuple[dict[str, Any], ...] = ()
    service_account: str | None = None
    node_selector: dict[str, str] = field(default_factory=dict)
    tolerations: tuple[dict[str, Any], ...] = ()
    #: runAsUser, runAsGroup, fsGroup, supplementalGroups (snake_case keys), each optional.
    pod_security: dict[str, Any] = field(default_factory=dict)
    #: The log shipper (ray.logs), derived from observability.logs: its image, output plugin and properties.
    log_shipper: tuple[str, str, tuple[tuple[str, str], ...]] | None = None

    @staticmethod
    def of(spec: dict[str, Any]) -> PodOptions:
        """From a spec's pod fields (all optional: absent means none)."""
        return PodOptions(
            env=dict(spec.get("env") or {}),
            secret_env={k: (v["secret"], v["key"]) for k, v in (spec.get("secret_env") or {}).items()},
            image_pull_secrets=tuple(spec.get("image_pull_secrets") or ()),
            pod_labels=dict(spec.get("pod_labels") or {}),
            pod_annotations=dict(spec.get("pod_annotations") or {}),
            scheduler_name=spec.get("scheduler_name"),
            priority_class_name=spec.get("priority_class_name"),
            ray_start_params=dict(spec.get("ray_start_params") or {}),
            env_from=tuple(spec.get("env_from") or ()),
            volumes=tuple(spec.get("volumes") or ()),
            volume_mounts=tuple(spec.get("volume_mounts") or ()),
            init_containers=tuple(spec.get("init_containers") or ()),
            node_selector=dict(spec.get("node_selector") or {}),
            tolerations=tuple(spec.get("tolerations") or ()),
            pod_security=dict(spec.get("pod_security") or {}),
        )

    def over(self, base: PodOptions) -> PodOptions:
        """These options over a cluster's: maps merge (these win), names and imagePullSecrets and
        initContainers replace when set; envFrom adds; volumes (by name) and volumeMounts (by
        mountPath) add, an entry here replacing the cluster's.

        A variable named here in ``env`` drops the cluster's ``secretEnv`` of that name and the other
        way round, so a container never lists one name twice."""
        return PodOptions(
            env={**{k: v for k, v in base.env.items() if k not in self.secret_env}, **self.env},
            secret_env={**{k: v for k, v in base.secret_env.items() if k not in self.env}, **self.secret_env},
            image_pull_secrets=self.image_pull_secrets or base.image_pull_secrets,
            pod_labels={**base.pod_labels, **self.pod_labels},
            pod_annotations={**base.pod_annotations, **self.pod_annotations},
            scheduler_name=self.scheduler_name or base.scheduler_name,
            priority_class_name=self.priority_class_name or base.priority_class_name,
            ray_start_params={**base.ray_start_params, **self.ray_start_params},
            env_from=base.env_from + self.env_from,
            volumes=_by("name", base.volumes, self.volumes),
            volume_mounts=_by("mountPath", base.volume_mounts, self.volume_mounts),
            init_containers=self.init_containers or base.init_containers,
            service_account=self.service_account or base.service_account,
            node_selector={**base.node_selector, **self.node_selector}, tolerations=base.tolerations + self.tolerations,
            pod_security={**base.pod_security, **self.pod_security},
            log_shipper=self.log_shipper or base.log_shipper)


def pod_template(pool: PoolFacts, *, container_name: str, image: str, limits: dict[str, str],
                 shm_mib: int, ports: list[dict[str, Any]] | None = None,
                 lifecycle: dict[str, Any] | None = None, options: PodOptions | None = None) -> dict[str, Any]:
    opts = options or PodOptions()
    container: dict[str, Any] = {
        "name": container_name,
        "image": image,
        "resources": {"requests": dict(limits), "limits": dict(limits)},
    }
    env = [{"name": k, "value": v} for k, v in sorted(opts.env.items())] + [
        {"name": k, "valueFrom": {"secretKeyRef": {"name": s, "key": key}}}
        for k, (s, key) in sorted(opts.secret_env.items())]
    if env:
        container["env"] = env
    if opts.env_from:
        container["envFrom"] = [dict(e) for e in opts.env_from]
    if ports:
        container["ports"] = ports
    sec = opts.pod_security
    # kubernetes-deploy-review 2, N11: the UID, its group, the volumes' group and extra groups are the team's.
    identity = {"runAsUser": sec.get("run_as_user", RAY_UID),
                **({"runAsGroup": sec["run_as_group"]} if "run_as_group" in sec else {})}
    container["securityContext"] = {**RESTRICTED_SECURITY_CONTEXT, **identity}
    container["volumeMounts"] = [{"name": SHM_VOLUME, "mountPath": SHM_PATH}, *(dict(m) for m in opts.volume_mounts)]
    if lifecycle:
        container["lifecycle"] = lifecycle
    metadata: dict[str, Any] = {"labels": {**opts.pod_labels, POOL_LABEL: pool.name}}
    if opts.pod_annotations:
        metadata["annotations"] = dict(opts.pod_annotations)
    spec: dict[str, Any] = {
        "nodeSelector": {**opts.node_selector, **pool.node_selector},  # the pool's binding wins
        "tolerations": pool.tolerations + [dict(t) for t in opts.tolerations],
        "containers": [container],
        "volumes": [{"name": SHM_VOLUME, "emptyDir": {"medium": "Memory", "sizeLimit": f"{shm_mib}Mi"}},
                    *(dict(v) for v in opts.volumes)],
    }
    if opts.log_shipper is not None:  # Ray's /tmp/ray, shared with the shipper (ray.logs)
        container["volumeMounts"].append({"name": logs.RAY_TMP_VOLUME, "mountPath": logs.RAY_TMP})
        spec["volumes"] += logs.shipper_volumes()
        spec["initContainers"] = [logs.shipper_container(*opts.log_shipper, {**RESTRICTED_SECURITY_CONTEXT,
                                                                              **identity})]
    if opts.init_containers:
        # Without resources, init containers are refused where a ResourceQuota limits cpu/memory
        # (kubernetes-deploy-review 2, N17). They take the Ray container's CPU and memory, which adds nothing:
        # a pod's effective request is the larger of its init containers' and the sum of its containers'
        # (Kubernetes docs, "Init containers": resource sharing). Devices stay with the Ray container.
        own = {k: v for k, v in limits.items() if k in ("cpu", "memory")}
        # After the shipper, a native sidecar: an init container's effective request is its own plus the
        # sidecars' started before it, the Ray container's plus the shipper's, as the pod's.
        spec["initContainers"] = spec.get("initContainers", []) + [
            {"resources": {"requests": dict(own), "limits": dict(own)}, **c,
             "securityContext": {**RESTRICTED_SECURITY_CONTEXT, **identity}} for c in opts.init_containers]
    pod_security: dict[str, Any] = {}
    if "fs_group" in sec:
        pod_security.update(fsGroup=sec["fs_group"], fsGroupChangePolicy="OnRootMismatch")
    if sec.get("supplemental_groups"):
        pod_security["supplementalGroups"] = list(sec["supplemental_groups"])
    if pod_security:
        spec["securityContext"] = pod_security
    if opts.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": n} for n in opts.image_pull_secrets]
    if opts.service_account:
        spec["serviceAccountName"] = opts.service_account
    if opts.scheduler_name:
        spec["schedulerName"] = opts.scheduler_name
    if opts.priority_class_name:
        spec["priorityClassName"] = opts.priority_class_name
    return {"metadata": metadata, "spec": spec}
