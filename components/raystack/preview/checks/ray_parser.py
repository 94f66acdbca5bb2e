"""Ray's own autoscaler parser as an oracle: what Ray will believe each worker group has,
compared with the group's spec and its pool. Pulumi-free.
"""

from __future__ import annotations

import json
from typing import Any

from ...hardware import efa
from ...model.findings import Finding
from ..objects import _container_limits, _group_pool, _quantity, issue


def _derive_with_ray(manifests: list[dict[str, Any]]) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Ray's autoscaling config for each manifest ({"config": ...} or {"error": ...}),
    or (None, why the check could not run)."""
    try:
        from ray.autoscaler._private.kuberay.autoscaling_config import _derive_autoscaling_config_from_ray_cr
    except Exception as e:  # noqa: BLE001 (not installed, or broken: the check is skipped, loudly)
        return None, f"cannot import Ray's parser ({type(e).__name__}: {e}); pip install 'pulumi-raystack[ray]' (the distribution's name)"
    results = []
    for m in manifests:
        try:
            results.append({"config": json.loads(json.dumps(_derive_autoscaling_config_from_ray_cr(m),
                                                            default=str))})
        except Exception as e:  # noqa: BLE001 (Ray rejecting the manifest is the finding)
            results.append({"error": f"{type(e).__name__}: {e}"})
    return results, None


def compare_with_ray(urn: str, rc: dict[str, Any], derived: dict[str, Any], platform: Any) -> list[Finding]:
    """What Ray's autoscaler will believe each worker group has, against the group's
    spec and the pool it runs on."""
    findings: list[Finding] = []
    node_types = derived.get("available_node_types", {})
    pools = dict(platform.pools) if platform is not None else {}

    def err(field: str, msg: str, severity: str = "error") -> None:
        findings.append(issue(severity, "ray-parser", urn, field, msg))

    for j, g in enumerate(rc.get("spec", {}).get("workerGroupSpecs", [])):
        base = f"spec.workerGroupSpecs[{j}]"
        name = g.get("groupName")
        nt = node_types.get(name)
        if nt is None:
            err(base, f"Ray's parser has no node type for worker group {name!r}")
            continue
        res = nt.get("resources", {})
        limits = _container_limits(g)
        hosts = g.get("numOfHosts", 1)  # reads of a recorded manifest: absent fields take the CRD's defaults
        pool_name = _group_pool(g)
        pool = pools.get(pool_name or "")
        if pool is None:
            err(f"{base}.template.spec.nodeSelector", f"no pool {pool_name!r} known to the plan; "
                "fit against the pool not checked", "warning")
        # Accelerators.
        accels = 0
        if pool is not None and pool.accelerator_resource:
            accels = int(_quantity(limits.get(pool.accelerator_resource, 0)))
            ray_res = pool.ray_accelerator_resource or pool.accelerator_resource
            want = accels * pool.ray_units_per_accelerator
            if int(res.get(ray_res, 0)) != want:
                err(f"{base}.resources", f"Ray will see {ray_res}={res.get(ray_res, 0)} per worker but the pod "
                    f"requests {pool.accelerator_resource}={accels} ({want} {ray_res})")
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
            # Ray's heap plus the object store (both in the container's cgroup) must be the container's memory.
            mem = int(_quantity(limits["memory"]))
            store = int((g.get("rayStartParams") or {}).get("object-store-memory", 0))
            if int(res.get("memory", -1)) + store != mem:
                err(f"{base}.template.spec.containers[0].resources.limits.memory",
                    f"Ray will see memory={res.get('memory')} bytes and an object store of {store} bytes, but "
                    f"the container has {limits['memory']}")
        # Scaling bounds.
        if nt.get("min_workers") != g.get("minReplicas", 0) * hosts:
            err(f"{base}.minReplicas", f"Ray will use min_workers={nt.get('min_workers')}, "
                f"the group says {g.get('minReplicas')}")
        if nt.get("max_workers") != g.get("maxReplicas", 0) * hosts:
            err(f"{base}.maxReplicas", f"Ray will use max_workers={nt.get('max_workers')}, "
                f"the group says {g.get('maxReplicas')}")
        # Fit on the pool's nodes.
        if pool is not None:
            cpu_m = int(_quantity(limits.get("cpu", 0)) * 1000)
            mem_mib = int(_quantity(limits.get("memory", 0)) // 2**20)
            if pool.accelerators_per_node:
                per_node = pool.accelerators_per_node // accels if accels else 1
            else:  # CPU pools: as many workers as the node's schedulable CPU and memory hold
                per_node = max(1, min(pool.schedulable_cpu_millis // max(cpu_m, 1),
                                      pool.schedulable_memory_mib // max(mem_mib, 1)))
            if cpu_m * per_node > pool.schedulable_cpu_millis:
                err(f"{base}.template.spec.containers[0].resources.limits.cpu",
                    f"{per_node} worker(s) x {cpu_m}m CPU do not fit pool {pool.name!r} nodes "
                    f"({pool.schedulable_cpu_millis}m schedulable)")
            if mem_mib * per_node > pool.schedulable_memory_mib:
                err(f"{base}.template.spec.containers[0].resources.limits.memory",
                    f"{per_node} worker(s) x {mem_mib}Mi do not fit pool {pool.name!r} nodes "
                    f"({pool.schedulable_memory_mib}Mi schedulable)")
            # EFA interfaces and huge pages: what the workers of a node ask for, against what the node has
            # (hardware/efa.py; huge pages are already left out of the pool's allocatable memory).
            for resource, node_has in ((efa.EFA_RESOURCE, pool.efa_interfaces),
                                       (efa.HUGEPAGES_RESOURCE, pool.hugepages_mib)):
                asked = _quantity(limits.get(resource, 0))
                asked = int(asked // 2**20) if resource == efa.HUGEPAGES_RESOURCE else int(asked)
                at = f"{base}.template.spec.containers[0].resources.limits"
                if asked * per_node > node_has:
                    err(at, f"{per_node} worker(s) x {limits.get(resource)} {resource} do not fit pool "
                            f"{pool.name!r} nodes ({node_has} per node)")
                elif node_has and accels and not asked:
                    err(at, f"pool {pool.name!r} has EFA, but its workers request no {resource}: their "
                            "collectives would not use it")
            cap = pool.max_nodes * per_node
            if (nt.get("max_workers") or 0) > cap:
                err(f"{base}.maxReplicas", f"Ray may ask for {nt.get('max_workers')} workers; pool {pool.name!r} "
                    f"holds {pool.max_nodes} node(s) x {per_node}", "warning")
    return findings
