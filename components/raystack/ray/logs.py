"""The log shipper beside every Ray container (observability.logs). Pulumi-free.

The sidecar pattern of KubeRay's log persistence guide (docs.ray.io, cluster/kubernetes/user-guides/
logging): Ray writes its logs to /tmp/ray/session_*/logs, a volume the Ray container shares with a Fluent
Bit container that tails them. It runs under Pod Security "restricted" (an emptyDir, no host path, the Ray
container's identity), unlike the node-level DaemonSet that reads /var/log from the host.

- A native sidecar (an init container with restartPolicy Always, GA in Kubernetes 1.33; EKS 1.34 and 1.35
  here): it starts before Ray, so no early line is missed, and stops after the Ray container, so the last
  lines of a pod that is deleted are flushed (Kubernetes docs, "Sidecar containers").
- KubeRay v1.7.0 appends its wait-gcs-ready init container to a worker's (common/pod.go
  DefaultWorkerPodTemplate), after this one, and sets only its own env on the others; Ray's autoscaler
  and KubeRay read the Ray container, containers[0] (utils.RayContainerIndex).
- Its requests are its limits, so Ray pods keep the Guaranteed QoS class; pod sizing leaves room for them
  (``SHIPPER_CPU_MILLIS``, ``SHIPPER_MEMORY_MIB``).
- Fluent Bit v5.1.1 (plugins/in_tail): ``path`` and ``exclude_path`` are comma lists of globs, excluded by
  fnmatch without FNM_PATHNAME; the tag's ``*`` becomes the file's path; ``db`` keeps offsets across a
  restart of the shipper. Tailing session_* (not only session_latest) keeps the logs of a Ray that
  restarted in its container; session_latest, a link to the current one, is excluded so no line is sent twice.
"""

from __future__ import annotations

from typing import Any

#: The container's name, its volumes and where Ray writes.
SHIPPER = "log-shipper"
RAY_TMP_VOLUME, STATE_VOLUME = "ray-logs", "log-shipper-state"
RAY_TMP = "/tmp/ray"
STATE_DIR = "/fluent-bit/state"
#: Requests = limits (Guaranteed QoS): Fluent Bit tailing a pod's logs, its in-memory buffer capped below.
SHIPPER_CPU_MILLIS, SHIPPER_MEMORY_MIB = 100, 128
MEM_BUF_LIMIT = "32MB"
LOG_PATHS = ",".join(f"{RAY_TMP}/session_*/logs/{p}" for p in ("*.log", "*.out", "*.err", "*/*.log"))


def shipper_args(plugin: str, properties: tuple[tuple[str, str], ...]) -> list[str]:
    """fluent-bit's command line: one tail input, one output (``-p`` sets the last -i/-o's property)."""
    args = ["-i", "tail", "-p", f"path={LOG_PATHS}", "-p", f"exclude_path={RAY_TMP}/session_latest/*",
            "-p", "tag=ray.*", "-p", "refresh_interval=5", "-p", f"db={STATE_DIR}/tail.db",
            "-p", f"mem_buf_limit={MEM_BUF_LIMIT}", "-p", "skip_long_lines=on", "-o", plugin, "-p", "match=ray.*"]
    for k, v in properties:
        args += ["-p", f"{k}={v}"]
    return args


def shipper_container(image: str, plugin: str, properties: tuple[tuple[str, str], ...],
                      security_context: dict[str, Any]) -> dict[str, Any]:
    """The sidecar (an init container entry); ``security_context``: the Ray container's."""
    own = {"cpu": f"{SHIPPER_CPU_MILLIS}m", "memory": f"{SHIPPER_MEMORY_MIB}Mi"}
    return {
        "name": SHIPPER,
        "image": image,
        "restartPolicy": "Always",
        "command": ["/fluent-bit/bin/fluent-bit"],
        "args": shipper_args(plugin, properties),
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"requests": dict(own), "limits": dict(own)},
        "securityContext": {**security_context, "readOnlyRootFilesystem": True},
        "volumeMounts": [{"name": RAY_TMP_VOLUME, "mountPath": RAY_TMP, "readOnly": True},
                         {"name": STATE_VOLUME, "mountPath": STATE_DIR}],
    }


def shipper_volumes() -> list[dict[str, Any]]:
    return [{"name": RAY_TMP_VOLUME, "emptyDir": {}}, {"name": STATE_VOLUME, "emptyDir": {"sizeLimit": "64Mi"}}]
