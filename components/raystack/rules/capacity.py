"""Cross-object capacity: what several objects together ask of one pool (cloud-neutral). Pulumi-free.

Each object is sized against its pool on its own (``ray.sizing``); these rules
add what no single object sees: every Ray head plus the add-ons on the system
pool, and every worker group sharing a pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..hardware import catalog, efa
from ..hardware.accelerators import ACCELERATOR_KINDS
from ..kube.values import (
    CA_REQUEST_CPU_MILLIS,
    CA_REQUEST_MEMORY_MIB,
    KARPENTER_CPU_MILLIS,
    KARPENTER_MEMORY_MIB,
)
from ..model.facts import PoolFacts
from ..model.findings import Finding
from ..model.platform import RayClusterPlan
from ..ray.sizing import AUTOSCALER_SIDECAR_CPU_MILLIS, AUTOSCALER_SIDECAR_MEMORY_MIB

#: Requests of the add-ons raystack runs on the system pool: KubeRay operator (chart 1.7.0 values:
#: 100m / 512Mi), Cluster Autoscaler (raystack's values), CoreDNS (EKS add-on: 2 replicas x 100m / 70Mi).
ADDON_PODS: tuple[tuple[str, int, int], ...] = (
    ("kuberay-operator", 100, 512),
    ("cluster-autoscaler", CA_REQUEST_CPU_MILLIS, CA_REQUEST_MEMORY_MIB),
    ("coredns", 100, 70),
    ("coredns", 100, 70),
)


def addon_pods(autoscaler: str, system_nodes: int) -> list[tuple[str, int, int]]:
    """ADDON_PODS, with Karpenter's controller (a replica a system node, two at most) in the Cluster Autoscaler's
    place under autoscaler karpenter."""
    if autoscaler != "karpenter":
        return list(ADDON_PODS)
    return [p for p in ADDON_PODS if p[0] != "cluster-autoscaler"] + \
        [("karpenter", KARPENTER_CPU_MILLIS, KARPENTER_MEMORY_MIB)] * min(2, system_nodes)


@dataclass(frozen=True)
class Pod:
    what: str
    key: str
    cpu_millis: int
    memory_mib: int


def _fits(pods: list[Pod], pool: PoolFacts, nodes: int) -> bool:
    """First-fit decreasing over ``nodes`` nodes of the pool (both CPU and memory)."""
    free = [[pool.schedulable_cpu_millis, pool.schedulable_memory_mib] for _ in range(nodes)]
    for pod in sorted(pods, key=lambda p: (p.cpu_millis, p.memory_mib), reverse=True):
        for node in free:
            if node[0] >= pod.cpu_millis and node[1] >= pod.memory_mib:
                node[0] -= pod.cpu_millis
                node[1] -= pod.memory_mib
                break
        else:
            return False
    return True


def check_heads_fit(system: PoolFacts, clusters: list[tuple[str, RayClusterPlan]], addons: bool,
                    system_key: str, findings: list[Finding], autoscaler: str = "cluster-autoscaler") -> None:
    """Every head on the system pool (with its autoscaler sidecar) plus the add-ons fit the pool at its maximum."""
    pods = [Pod(name, system_key, cpu, mem) for name, cpu, mem in addon_pods(autoscaler, system.max_nodes)] \
        if addons else []
    for key, rc in clusters:
        if rc.head_pool.name != system.name:
            continue
        pods.append(Pod(f"head of {rc.namespace}/{rc.name}", key, rc.head.cpu * 1000 + AUTOSCALER_SIDECAR_CPU_MILLIS,
                        rc.head.memory_gib * 1024 + AUTOSCALER_SIDECAR_MEMORY_MIB))
    heads = [p for p in pods if p.what.startswith("head")]
    if heads and not _fits(pods, system, system.max_nodes):
        cpu = sum(p.cpu_millis for p in pods)
        mem = sum(p.memory_mib for p in pods)
        findings.append(Finding(
            system_key, system.max_nodes,
            f"{len(heads)} Ray head(s) with their autoscaler sidecars and the add-ons need {cpu}m CPU / {mem}Mi "
            f"and do not fit {system.max_nodes} {system.instance_type or system.name} node(s) "
            f"({system.schedulable_cpu_millis}m / {system.schedulable_memory_mib}Mi each); raise maxSize, use a "
            f"larger instance type, or run heads on another pool"))


def check_shared_pools(pools: dict[str, PoolFacts], clusters: list[tuple[str, RayClusterPlan]],
                       pool_keys: dict[str, str], findings: list[Finding], warnings: list[Finding]) -> None:
    """``pool_keys``: pool name -> the key of its maximum size. Worker groups (and heads) sharing a pool:
    - together at minWorkers, more nodes than the pool's maximum is an error: those nodes are always up;
    - together at maxWorkers, more is a warning (issue 25: over-committing maxima is normal with
      autoscaling, and the default maxWorkers, a pool's whole capacity, must not make a second workload
      invalid). It names each group's share and what happens under contention;
    - exactly the maximum is a warning: they fit only with every node up, with no room for a replacement."""
    demand: dict[str, list[tuple[str, int, int]]] = {}  # pool -> (key, nodes at min, nodes at max)
    for key, rc in clusters:
        for j, g in enumerate(rc.groups):
            demand.setdefault(g.pool, []).append(
                (f"{key}.workerGroups[{j}]", g.size.nodes(g.size.min_workers), g.size.nodes(g.size.max_workers)))
    for key, rc in clusters:
        # A head on a worker pool (not the system pool, which check_heads_fit packs) takes a node of
        # it: counted whole, always up, so the groups beside it cannot count on that node.
        if rc.head_pool.name in demand:
            demand[rc.head_pool.name].append((f"{key}.head", 1, 1))
    for name, groups in demand.items():
        pool = pools[name]
        acc = ACCELERATOR_KINDS.get(pool.accelerator_kind)
        wanted = sum(n for _, _, n in groups)
        late = [what for what, on in ((f"{pool.accelerator_kind} devices", acc is not None and
                                       acc.autoscaler_template_resource), ("EFA interfaces", pool.efa_interfaces > 0))
                if on]
        if late and pool.source != "existing" and pool.max_nodes > wanted:
            # aws-deploy-review 2, N8: until a device plugin registers its resource on a new node, the
            # Cluster Autoscaler sees the pending worker unschedulable and adds another node (it knows only
            # GPU vendors' resources: utils/gpu GPUVendorResourceNames; kubernetes/autoscaler#2947). The EFA
            # plugin's vpc.amazonaws.com/efa is no GPU vendor's resource either (issue 20).
            warnings.append(Finding(pool_keys.get(name, name), pool.max_nodes,
                                    f"pool {name!r} may grow to {pool.max_nodes} {pool.instance_type} nodes, and its "
                                    f"Ray groups need {wanted}: while a new node's {' and '.join(late)} register, the "
                                    "Cluster Autoscaler adds another node, up to the maximum, for about 10 minutes "
                                    f"each time; set its maximum to {wanted}", severity="warning"))
        if len(groups) < 2:
            continue
        at_min, at_max = sum(n for _, n, _ in groups), sum(n for _, _, n in groups)
        where = pool_keys.get(name, name)
        heads = [k for k, _, _ in groups if k.endswith(".head")]
        # Heads never scale down, so a group that needs more than the nodes they leave can never reach its
        # maximum, whatever the other groups do: that is not contention, it is an error.
        beyond = [(k, n) for k, _, n in groups if not k.endswith(".head") and len(heads) + n > pool.max_nodes]
        if heads and beyond and at_min <= pool.max_nodes:
            k, n = beyond[0]
            findings.append(Finding(where, pool.max_nodes,
                                    f"pool {name!r} holds {pool.max_nodes} node(s) and {', '.join(heads)} keep(s) "
                                    f"{len(heads)} of them: {k} can never reach its {n} node(s) at maxWorkers; lower "
                                    "its maxWorkers, move the head to the system pool, or raise the pool's maximum"))
        elif at_min > pool.max_nodes:
            parts = ", ".join(f"{k} ({n} node(s))" for k, n, _ in groups if n)
            findings.append(Finding(where, pool.max_nodes,
                                    f"Ray groups and heads sharing pool {name!r} keep {at_min} node(s) up together at "
                                    f"minWorkers ({parts}); the pool holds {pool.max_nodes}: lower their minWorkers "
                                    "or raise the pool's maximum"))
        elif at_max > pool.max_nodes:
            parts = ", ".join(f"{k} up to {n}" for k, _, n in groups)
            warnings.append(Finding(where, pool.max_nodes,
                                    f"Ray groups and heads sharing pool {name!r} may want {at_max} node(s) together "
                                    f"({parts}); the pool holds {pool.max_nodes}. Under contention the first to scale "
                                    "takes the nodes and the others' workers stay Pending until nodes free up. To "
                                    "guarantee each a share, give them maxWorkers whose nodes sum to at most "
                                    f"{pool.max_nodes}, or raise the pool's maximum", severity="warning"))
        elif at_max == pool.max_nodes:
            parts = ", ".join(f"{k} up to {n}" for k, _, n in groups)
            warnings.append(Finding(where, pool.max_nodes,
                                    f"worker groups {parts} fit pool {name!r} only with all {pool.max_nodes} "
                                    "node(s) up: raise its maximum by one to leave room for a node being replaced",
                                    severity="warning"))


def check_stranded_devices(key: str, pool: PoolFacts, accelerators: int, warnings: list[Finding]) -> None:
    if accelerators and pool.accelerators_per_node % accelerators:
        left = pool.accelerators_per_node % accelerators
        warnings.append(Finding(f"{key}.acceleratorsPerWorker", accelerators,
                                f"{pool.name!r} nodes have {pool.accelerators_per_node} devices: {left} per node "
                                "stay idle; use a divisor of the node's count", severity="warning"))


def check_device_topology(key: str, pool: PoolFacts, accelerators: int, findings: list[Finding]) -> None:
    """Where the table says so (Neuron), a worker takes one device or the whole node: without the vendor's
    scheduler extension the device plugin may hand a pod devices that are not adjacent."""
    acc = ACCELERATOR_KINDS.get(pool.accelerator_kind)
    if acc is None or not acc.whole_or_single_device or accelerators in (0, 1, pool.accelerators_per_node):
        return
    findings.append(Finding(f"{key}.acceleratorsPerWorker", accelerators,
                            f"{pool.name!r} ({pool.instance_type}) workers take 1 device or all "
                            f"{pool.accelerators_per_node}: more than one but not the whole node needs the "
                            f"{pool.accelerator_kind} scheduler extension for adjacent devices, which raystack "
                            "does not install"))


def check_multinode_collectives(key: str, pool: PoolFacts, max_nodes: int, findings: list[Finding],
                                warnings: list[Finding] | None, explicit: bool = True) -> None:
    """Collectives between nodes of some accelerators run over EFA only (the table's efa_only_collectives:
    Trainium); unlike NCCL they do not fall back to TCP. On a pool this stack creates of a type raystack
    wires EFA for, without efa, a group whose maxWorkers is set to span nodes is refused: the fix is one
    key. A derived maxWorkers (``explicit`` False), a type without EFA and nodes of an existing cluster get
    a warning: workers there can still run one job each, and a default must not make a config invalid
    (newcomer review 2, P1)."""
    acc = ACCELERATOR_KINDS.get(pool.accelerator_kind)
    if acc is None or pool.accelerator_model not in acc.efa_only_collectives or max_nodes <= 1 or pool.efa_interfaces:
        return
    it = catalog.load_catalog().get(pool.instance_type or "")
    if explicit and pool.source != "existing" and it is not None and efa.efa_capable(it.family, it.efa_interfaces):
        findings.append(Finding(f"{key}.maxWorkers", max_nodes,
                                f"{pool.name!r} workers span up to {max_nodes} {pool.instance_type} nodes, and "
                                f"{pool.accelerator_model} collectives between nodes run over EFA only: set "
                                f"efa: true on pool {pool.name!r}, or keep maxWorkers at one node's worth"))
    elif warnings is not None:
        warnings.append(Finding(f"{key}.maxWorkers", max_nodes,
                                f"{pool.name!r} workers span up to {max_nodes} {pool.instance_type or 'existing'} "
                                f"nodes, and {pool.accelerator_model} collectives between nodes need EFA, which "
                                "this pool has not: keep each training job on one node (a job per worker), set "
                                "maxWorkers to one node's worth, or "
                                + ("declare the nodes' efaInterfaces if they have EFA" if pool.source == "existing"
                                   else "give the pool efa: true where its type has EFA"), severity="warning"))
