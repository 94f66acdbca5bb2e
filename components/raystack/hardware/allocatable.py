"""What the kubelet leaves allocatable for pods on an EKS node (the EKS AMI
reservation curve and Karpenter's VM overhead; they reproduce Karpenter's
published values). Pulumi-free.
"""

from __future__ import annotations

import math

#: Karpenter's default VM memory overhead (vmMemoryOverheadPercent): the share of
#: nominal memory the hypervisor and kernel keep before the kubelet starts.
VM_MEMORY_OVERHEAD = 0.075
#: Hard eviction threshold the EKS AMIs configure (memory.available<100Mi).
EVICTION_HARD_MIB = 100



def kube_reserved_cpu_millis(vcpu: int) -> int:
    """CPU the EKS AMIs reserve for the kubelet and runtime (nodeadm's curve):
    6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above four."""
    bands = ((1, 0.06), (1, 0.01), (2, 0.005))
    reserved = 0.0
    left = vcpu
    for cores, share in bands:
        take = min(left, cores)
        reserved += take * 1000 * share
        left -= take
    reserved += max(left, 0) * 1000 * 0.0025
    return int(math.ceil(reserved))


def allocatable_cpu_millis(vcpu: int) -> int:
    return vcpu * 1000 - kube_reserved_cpu_millis(vcpu)


def kube_reserved_memory_mib(max_pods: int) -> int:
    """Memory the EKS AMIs reserve for the kubelet: 11 MiB per pod + 255 MiB."""
    return 11 * max_pods + 255


def allocatable_memory_mib(memory_gib: float, max_pods: int) -> int:
    """Allocatable memory as Karpenter computes it for EKS nodes: nominal memory
    less VM overhead, kube-reserved and the eviction threshold."""
    capacity = memory_gib * 1024 * (1 - VM_MEMORY_OVERHEAD)
    return int(math.floor(capacity - kube_reserved_memory_mib(max_pods) - EVICTION_HARD_MIB))
