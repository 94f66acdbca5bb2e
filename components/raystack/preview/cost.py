"""Hourly cost of a platform from the catalog's on-demand prices. Pulumi-free.
"""

from __future__ import annotations

import math
from typing import Any

from .. import versions
from ..model.findings import Finding
from .objects import issue

#: NAT gateway hourly price, us-east-1 (Amazon VPC pricing, "NAT Gateway pricing": $0.045 per NAT gateway
#: hour; data processed, $0.045 per GB, is not estimated).
NAT_GATEWAY_USD_PER_HOUR = 0.045
#: gp3 storage, us-east-1 (Amazon EBS pricing, "General Purpose SSD (gp3) - Storage": $0.08 per GB-month;
#: its baseline 3,000 IOPS and 125 MB/s are free). Each node of a pool raystack creates has one encrypted
#: gp3 image volume of diskSizeGib; an hour is 1/730 of a month.
EBS_GP3_USD_PER_GB_MONTH = 0.08
HOURS_PER_MONTH = 730
#: The region the catalog's prices are for.
PRICED_REGION = "us-east-1"


def cost(platform: Any, region: str | None = PRICED_REGION) -> tuple[dict[str, Any], list[Finding]]:
    """Hourly cost from the catalog's on-demand prices. GPU pools this stack creates
    count in idle (all at min) and max (all at max); the baseline (EKS control plane
    and the system pool) is reported separately. Pools without a price are named.
    For a region the catalog has no prices for, the totals are unknown (None), not guessed."""
    if platform is not None and platform.creates_cluster:
        from ..model.cloud import cloud_rules

        own = cloud_rules(getattr(platform, "cloud", "aws")).cost(platform, region)  # a cloud that prices its own
        if own is not None:
            return own
    if region and region != PRICED_REGION and platform is not None and platform.creates_cluster:
        return ({"idle_usd_per_hour": None, "max_usd_per_hour": None, "baseline_usd_per_hour": None,
                 "baseline_max_usd_per_hour": None, "pools": [],
                 "notes": f"the catalog has {PRICED_REGION} prices only; the stack deploys to {region}"},
                [issue("warning", "cost", f"region {region}", "price_usd_hour",
                       f"no catalog prices for {region} (only {PRICED_REGION}): cost not estimated")])
    findings: list[Finding] = []
    if region is None and platform is not None and platform.creates_cluster:
        # The provider then takes its region from AWS_REGION or the profile, which the plan cannot see
        # (aws-deploy-review 2, N13): say whose prices these are instead of pricing silently.
        findings.append(issue("warning", "cost", "aws:region", "price_usd_hour",
                              f"aws:region is not set: the stack deploys to the environment's region; prices "
                              f"shown are {PRICED_REGION}'s (set aws:region to price it or see it unknown)"))
    doc: dict[str, Any] = {"idle_usd_per_hour": 0.0, "max_usd_per_hour": 0.0, "baseline_usd_per_hour": 0.0,
                           "baseline_max_usd_per_hour": 0.0, "pools": [],
                           "notes": "catalog on-demand prices (us-east-1); spot pools are priced at on-demand, "
                                    "an upper bound. Every node a pool the stack creates runs counts its gp3 image "
                                    "volume ($0.08 per GB-month). Baseline: EKS control plane (standard or extended "
                                    "support, by the minor's date) + system pool + the NAT gateways of a VPC the stack "
                                    "creates; NAT data processing, snapshots, CloudWatch logs and data transfer are "
                                    "not included."}
    if platform is None:
        return doc, findings
    idle: float | None = 0.0
    mx: float | None = 0.0
    # On a cluster raystack did not create, the pools are someone else's bill: shown apart, never as 0
    # (issue 25: an existing-cluster stack showed $0.00 everywhere).
    ex_idle: float | None = 0.0
    ex_max: float | None = 0.0
    volumes = pool_volumes(platform)
    # A pool of several types (Spot alternatives, Karpenter candidates) is priced at its dearest: name that type.
    from ..hardware import catalog

    dearest = {np.name: max(np.instance_types, key=lambda t: catalog.lookup(t).price_usd_hour or 0.0)
               for np in platform.node_pools if len(np.instance_types) > 1}
    for p in platform.pools.values():
        created = p.source != "existing"
        entry = {"pool": p.name, "instance": dearest.get(p.name, p.instance_type), "price_usd_per_hour": p.price_usd_hour,
                 "volume_usd_per_hour": volumes.get(p.name), "min": p.min_nodes, "max": p.max_nodes,
                 "created_by_stack": created}
        doc["pools"].append(entry)
        if not created:
            if p.price_usd_hour is None or ex_idle is None or ex_max is None:
                ex_idle = ex_max = None
            else:
                ex_idle += p.price_usd_hour * p.min_nodes
                ex_max += p.price_usd_hour * p.max_nodes
            continue  # nodes that already exist are not this stack's cost
        if p.price_usd_hour is None:
            # A total without this pool would look smaller than the bill: it is unknown instead.
            findings.append(issue("warning", "cost", f"pool {p.name}", "price_usd_hour",
                                    f"no catalog price for {p.instance_type or 'this pool'}; "
                                    "the pool totals are unknown"))
            idle = mx = None
            continue
        if idle is not None and mx is not None:
            per_node = p.price_usd_hour + volumes.get(p.name, 0.0)
            idle += per_node * p.min_nodes
            mx += per_node * p.max_nodes
    base: float | None = 0.0
    base_max: float | None = 0.0
    if platform.creates_cluster:
        # Extended support once the minor has left standard support (versions.eks_support).
        base = base_max = versions.EKS_CONTROL_PLANE_USD_PER_HOUR[versions.eks_support(platform.kubernetes_version)]
        net = platform.network
        if net is not None and net.create:  # aws-deploy-review 2, N13: NAT gateways bill by the hour
            nats = net.az_count if net.nat_gateways == "per_az" else 1
            base += nats * NAT_GATEWAY_USD_PER_HOUR
            base_max += nats * NAT_GATEWAY_USD_PER_HOUR
        sp = platform.system_facts
        if sp is not None:
            if sp.price_usd_hour is None:
                findings.append(issue("warning", "cost", "pool system", "price_usd_hour",
                                        f"no catalog price for {sp.instance_type}; the baseline is unknown"))
                base = base_max = None
            else:
                per_node = sp.price_usd_hour + volumes.get(sp.name, 0.0)
                base += per_node * sp.min_nodes
                base_max += per_node * sp.max_nodes

    gcs = getattr(platform, "gcs", None)
    if gcs is not None and gcs.managed is not None:  # gcsFaultTolerance.redis: create
        m = gcs.managed
        doc["gcs_redis"] = {"replication_group_id": m.replication_group_id, "engine": m.engine,
                            "node_type": m.node_type, "nodes": m.nodes, "price_usd_per_hour": None}
        doc["notes"] += f" The GCS Redis ({m.nodes} x {m.node_type}) is not included: the catalog has no ElastiCache prices."
        findings.append(issue("warning", "cost", "gcsFaultTolerance", "price_usd_hour",
                              f"the GCS Redis raystack creates ({m.nodes} x {m.node_type}, ElastiCache {m.engine}) "
                              "bills by the node-hour on top of the baseline, and the catalog has no ElastiCache "
                              "prices: price it at aws.amazon.com/elasticache/pricing"))

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 4)
    doc.update(idle_usd_per_hour=r(idle), max_usd_per_hour=r(mx),
               baseline_usd_per_hour=r(base), baseline_max_usd_per_hour=r(base_max))
    if not platform.creates_cluster:
        doc.update(existing_idle_usd_per_hour=r(ex_idle), existing_max_usd_per_hour=r(ex_max),
                   baseline_usd_per_hour=None, baseline_max_usd_per_hour=None)
        doc["notes"] = ("existing cluster: this stack creates no nodes, control plane or NAT, so its own cost is "
                        "$0; the existing pools its Ray clusters use are shown apart at their min and max nodes "
                        "(catalog on-demand prices, us-east-1; n/a where a pool has no instance type or price), "
                        "billed to whoever runs the cluster.")
    return doc, findings


def volume_usd_per_hour(disk_gib: int) -> float:
    """What one node's gp3 image volume costs an hour."""
    return round(disk_gib * EBS_GP3_USD_PER_GB_MONTH / HOURS_PER_MONTH, 6)


def pool_volumes(platform: Any) -> dict[str, float]:
    """What one node's image volume costs an hour, by pool, for the pools this stack creates."""
    return {np.name: volume_usd_per_hour(np.disk_size_gib)
            for np in (*platform.node_pools, *([platform.system_pool] if platform.system_pool else []))}


def cluster_cost(rc: Any, pools: dict[str, Any], volumes: dict[str, float] | None = None) -> tuple[float | None, float | None]:
    """Hourly cost of a Ray cluster's worker nodes (a RayClusterPlan) at minWorkers and at
    maxWorkers: each group's nodes (workers / workers per node, rounded up) at its pool's catalog
    price, plus each node's image volume where this stack creates the pool (``volumes``), as the
    pool totals count it. None where a pool has no price. The head runs on a shared pool: not counted."""
    low = high = 0.0
    for g in rc.groups:
        price = pools[g.pool].price_usd_hour if g.pool in pools else None
        if price is None:
            return None, None
        price += (volumes or {}).get(g.pool, 0.0)
        low += math.ceil(g.size.min_workers / g.size.pods_per_node) * price
        high += math.ceil(g.size.max_workers / g.size.pods_per_node) * price
    return round(low, 4), round(high, 4)


def workload_rows(platform: Any) -> list[dict[str, Any]]:
    """One row per RayJob, RayService and RayCronJob: where it runs and what its cluster costs."""
    if platform is None:
        return []
    by_name = {(rc.namespace, rc.name): rc for rc in platform.ray_clusters}
    rows = []
    for w in platform.every_workload:
        rc = w.cluster or by_name.get((w.namespace, w.target))
        low, high = cluster_cost(rc, platform.pools, pool_volumes(platform)) if rc is not None else (None, None)
        spec = w.manifest["spec"]
        rows.append({
            "kind": w.kind, "name": w.name, "namespace": w.namespace,
            "runs_on": f"RayCluster {w.target} (shared)" if w.target else "a cluster of its own",
            "schedule": spec.get("schedule"),
            "wait_for": w.manifest["metadata"].get("annotations", {}).get("pulumi.com/waitFor"),
            "cluster_idle_usd_per_hour": low, "cluster_max_usd_per_hour": high,
        })
    return rows
