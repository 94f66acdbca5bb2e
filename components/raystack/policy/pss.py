"""Pod Security Standards, "restricted" (kubernetes.io/docs/concepts/security/pod-security-standards,
the policy the pod-security admission plugin enforces at `pod-security.kubernetes.io/enforce:
restricted`): every control of the baseline and restricted profiles that a pod spec can fail.
Pure: a pod spec in, its violations out, one line each (the policy pack and the tests use it)."""

from __future__ import annotations

from typing import Any

VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected",
                "secret"}
SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes"}


#: Baseline "SELinux": the types a pod or container may set (seLinuxOptions.type; user and role never).
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
#: Baseline "AppArmor": the profiles allowed, as securityContext.appArmorProfile.type and as the
#: container.apparmor.security.beta.kubernetes.io/<container> annotation (before Kubernetes 1.30).
APPARMOR_TYPES = {"RuntimeDefault", "Localhost"}
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _selinux(where: str, options: dict[str, Any] | None) -> list[str]:
    o = options or {}
    out = [f"{where}seLinuxOptions {k} is set" for k in ("user", "role") if o.get(k)]
    if o.get("type", "") not in SELINUX_TYPES:
        out.append(f"{where}seLinuxOptions type {o['type']!r} (allowed: {', '.join(sorted(SELINUX_TYPES - {''}))})")
    return out


def _apparmor(where: str, sc: dict[str, Any]) -> list[str]:
    t = (sc.get("appArmorProfile") or {}).get("type")
    return [f"{where}appArmorProfile {t}"] if t is not None and t not in APPARMOR_TYPES else []


def violations(spec: dict[str, Any], annotations: dict[str, str] | None = None) -> list[str]:
    """``spec``: a pod spec; ``annotations``: its pod template's (the AppArmor annotation lives there)."""
    out: list[str] = []
    psc = spec.get("securityContext") or {}
    for f in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(f):
            out.append(f"{f}: true")
    if (psc.get("windowsOptions") or {}).get("hostProcess"):
        out.append("pod windowsOptions.hostProcess")
    if (psc.get("seccompProfile") or {}).get("type") == "Unconfined":
        out.append("pod seccompProfile Unconfined")
    out += _selinux("pod ", psc.get("seLinuxOptions")) + _apparmor("pod ", psc)
    for k, v in (annotations or {}).items():
        if k.startswith(APPARMOR_ANNOTATION) and not (v == "runtime/default" or v.startswith("localhost/")):
            out.append(f"annotation {k}: {v}")
    for v in spec.get("volumes") or []:
        kinds = set(v) - {"name"}
        if not kinds <= VOLUME_TYPES:
            out.append(f"volume {v.get('name')}: type {sorted(kinds - VOLUME_TYPES)}")
    for s in psc.get("sysctls") or []:
        if s.get("name") not in SAFE_SYSCTLS:
            out.append(f"sysctl {s.get('name')}")
    containers = [("container", c) for c in spec.get("containers") or []] + [
        ("initContainer", c) for c in spec.get("initContainers") or []] + [
        ("ephemeralContainer", c) for c in spec.get("ephemeralContainers") or []]
    for what, c in containers:
        sc = c.get("securityContext") or {}
        name = f"{what} {c.get('name')}"
        if sc.get("privileged"):
            out.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"{name}: allowPrivilegeEscalation must be false")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            out.append(f"{name}: capabilities must drop ALL")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            out.append(f"{name}: adds capabilities {caps.get('add')}")
        if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
            out.append(f"{name}: runAsNonRoot must be true")
        if sc.get("runAsUser", psc.get("runAsUser")) == 0:
            out.append(f"{name}: runAsUser 0")
        seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost")
        if any(p.get("hostPort") for p in c.get("ports") or []):
            out.append(f"{name}: hostPort")
        if sc.get("procMount") not in (None, "Default"):
            out.append(f"{name}: procMount")
        if (sc.get("windowsOptions") or {}).get("hostProcess"):
            out.append(f"{name}: windowsOptions.hostProcess")
        out += _selinux(f"{name}: ", sc.get("seLinuxOptions")) + _apparmor(f"{name}: ", sc)
    return out
