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


# --- AKS (cloud: azure) -------------------------------------------------------------------------------
# MicrosoftDocs/azure-aks-docs articles/aks/node-resource-reservations.md (AKS 1.29 and later), and
# ../shared/notes/clouds-and-e2e.md A1.4.

#: Pods per node raystack sets on the agent pools it creates (AgentPool maxPods). Azure CNI Overlay allows 250;
#: Ray nodes run one or a few Ray pods, and every pod of maxPods costs 20 MB of kube-reserved memory.
AKS_MAX_PODS = 110
#: AKS's hard eviction threshold (memory.available<100Mi).
AKS_EVICTION_HARD_MIB = 100
#: kube-reserved CPU by core count, as AKS's table gives it.
AKS_RESERVED_CPU_MILLIS = {1: 60, 2: 100, 4: 140, 8: 180, 16: 260, 32: 420, 64: 740}


def aks_kube_reserved_cpu_millis(vcpu: int) -> int:
    """kube-reserved CPU on an AKS node. The table's values from 4 cores up lie on one line, 140m plus 10m a
    core beyond 4 (8: 180, 16: 260, 32: 420, 64: 740); core counts the table leaves out (24, 48, 96) take that
    line, and 3 cores the value of 4 (the larger reservation)."""
    if vcpu in AKS_RESERVED_CPU_MILLIS:
        return AKS_RESERVED_CPU_MILLIS[vcpu]
    if vcpu < 4:
        return AKS_RESERVED_CPU_MILLIS[4]
    return 140 + 10 * (vcpu - 4)


def aks_allocatable_cpu_millis(vcpu: int) -> int:
    return vcpu * 1000 - aks_kube_reserved_cpu_millis(vcpu)


def aks_kube_reserved_memory_mib(memory_gib: float, max_pods: int) -> int:
    """kube-reserved memory on an AKS node: 20 MB a pod plus 50 MB, at most 25% of the node's memory
    (MB read as MiB, the larger)."""
    return int(math.ceil(min(20 * max_pods + 50, 0.25 * memory_gib * 1024)))


def aks_allocatable_memory_mib(memory_gib: float, max_pods: int) -> int:
    """Allocatable memory on an AKS node: what the VM's OS reports, less kube-reserved and the eviction
    threshold. AKS documents no figure for the memory the hypervisor and kernel keep below the size's
    nominal GiB; raystack takes the same share as on EC2 (VM_MEMORY_OVERHEAD), an estimate that errs towards
    smaller workers."""
    capacity = memory_gib * 1024 * (1 - VM_MEMORY_OVERHEAD)
    return int(math.floor(capacity - aks_kube_reserved_memory_mib(memory_gib, max_pods) - AKS_EVICTION_HARD_MIB))


# --- GKE (cloud: gcp) ----------------------------------------------------------------------------------
# cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes ("Memory and CPU reservations"), as
# ../shared/notes/clouds-and-e2e.md A2.5 reads it: the CPU curve is EKS's (kube_reserved_cpu_millis above).

#: Pods per node on a GKE Standard node pool (maxPodsPerNode's default, 110).
GKE_MAX_PODS = 110
#: GKE's hard eviction threshold (memory.available<100Mi).
GKE_EVICTION_HARD_MIB = 100
#: kube-reserved memory: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2%
#: above 128 GiB; 255 MiB on machines under 1 GiB.
GKE_MEMORY_BANDS = ((4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06))
GKE_MEMORY_ABOVE = 0.02


def gke_kube_reserved_memory_mib(memory_gib: float) -> int:
    if memory_gib < 1:
        return 255
    left, reserved = memory_gib, 0.0
    for gib, share in GKE_MEMORY_BANDS:
        take = min(left, gib)
        reserved += take * 1024 * share
        left -= take
    reserved += max(left, 0) * 1024 * GKE_MEMORY_ABOVE
    return int(math.ceil(reserved))


def gke_allocatable_memory_mib(memory_gib: float) -> int:
    """Allocatable memory on a GKE node: the machine's memory less kube-reserved and the eviction threshold. As on
    AKS, the memory the hypervisor and kernel keep below the nominal GiB is taken at EC2's share (VM_MEMORY_OVERHEAD),
    an estimate that errs towards smaller workers."""
    capacity = memory_gib * 1024 * (1 - VM_MEMORY_OVERHEAD)
    return int(math.floor(capacity - gke_kube_reserved_memory_mib(memory_gib) - GKE_EVICTION_HARD_MIB))


#: Each cloud's allocatable formula: (CPU millis from vCPUs, memory MiB from (GiB, max pods)).
FORMULAS = {
    "aws": (allocatable_cpu_millis, allocatable_memory_mib),
    "azure": (aks_allocatable_cpu_millis, lambda gib, _pods: aks_allocatable_memory_mib(gib, AKS_MAX_PODS)),
    "gcp": (allocatable_cpu_millis, lambda gib, _pods: gke_allocatable_memory_mib(gib)),
}
