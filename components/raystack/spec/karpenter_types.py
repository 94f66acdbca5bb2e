"""What a stack writes for Karpenter (autoscaler: karpenter on EKS): a pool's candidate types, capacity types,
limits and disruption.

No ``from __future__ import annotations``: Pulumi's analyzer needs the real annotations. Pulumi-free.
"""

from enum import Enum
from typing import TypedDict

from typing_extensions import Required


class Autoscaler(str, Enum):
    """What grows and shrinks the nodes of the pools an EKS stack creates."""

    CLUSTER_AUTOSCALER = "cluster-autoscaler"
    KARPENTER = "karpenter"


class KarpenterCapacityType(str, Enum):
    """Karpenter's karpenter.sh/capacity-type values raystack offers."""

    SPOT = "spot"
    ON_DEMAND = "on-demand"


class KarpenterLimitsSpec(TypedDict, total=False):
    """Caps on what a Karpenter NodePool may run at once (its spec.limits); Karpenter launches no node past one."""

    cpu: int
    """vCPUs over all the pool's nodes (default: maxSize times the largest candidate's)."""
    memory_gib: int
    """Memory in GiB over all the pool's nodes (default: maxSize times the largest candidate's)."""
    accelerators: int
    """Accelerator devices over all the pool's nodes (default: maxSize times the largest candidate's)."""


class DisruptionBudgetSpec(TypedDict, total=False):
    """How many of the pool's empty nodes Karpenter may remove at once (a budget for reason Empty)."""

    nodes: Required[str]
    """A count ("2") or a percentage ("10%") of the pool's nodes."""
    schedule: str
    """A cron schedule (e.g. "0 9 * * mon-fri") when the budget starts to apply; needs duration."""
    duration: str
    """How long the budget applies after each scheduled start (e.g. "8h"); needs schedule."""


class KarpenterPoolSpec(TypedDict, total=False):
    """A pool's Karpenter NodePool: the candidate types, beyond instanceType, and how nodes are bought and removed."""

    instance_types: list[str]
    """More catalog types Karpenter may launch (e.g. g6.2xlarge, g6.12xlarge)."""
    instance_families: list[str]
    """Catalog families whose every size Karpenter may launch (e.g. g5)."""
    accelerator_models: list[str]
    """Keep only candidates with one of these accelerator models (e.g. L4, A10G)."""
    accelerator_counts: list[int]
    """Keep only candidates with one of these device counts per node (e.g. 1, 4)."""
    capacity_types: list[KarpenterCapacityType]
    """spot and/or on-demand (default: the pool's capacityType); with both, Karpenter launches Spot first."""
    limits: KarpenterLimitsSpec
    """Caps on the pool's total vCPUs, memory and accelerators (default: maxSize times the largest candidate)."""
    consolidate_after: str
    """How long a node stays empty before Karpenter removes it (default 5m; e.g. 30s, 1h, Never)."""
    expire_after: str
    """Node lifetime before Karpenter replaces it, evicting busy Ray workers (default Never; e.g. 720h)."""
    budgets: list[DisruptionBudgetSpec]
    """How many empty nodes Karpenter removes at once (default: 10% of the pool's nodes)."""
