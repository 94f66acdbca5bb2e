"""EFA (Elastic Fabric Adapter): which pools can have it, and what nodes and pods need for it.

Every EFA decision is a row or a constant here, each with its source; the launch template builder
(``clouds.aws.launch_template``), pool facts (``clouds.aws.pools``), sizing (``ray.sizing``) and the
worker pods (``ray.raycluster``) read them. Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The extended resource the EFA device plugin advertises, one per EFA interface
#: (aws/eks-charts stable/aws-efa-k8s-device-plugin; EKS user guide, device-management-efa).
EFA_RESOURCE = "vpc.amazonaws.com/efa"
#: The node label raystack gives EFA pools; the EFA device plugin's nodeSelector keys on it (the chart's
#: values.yaml suggests a presence label there), so it runs on EFA pools and nowhere else.
EFA_PRESENCE_LABEL = ("vpc.amazonaws.com/efa.present", "true")
#: Huge pages libfabric's EFA provider uses for its buffers. AWS's EKS EFA examples request
#: ``hugepages-2Mi: 5120Mi`` per pod (EKS user guide, node-efa; aws-samples awsome-distributed-training's
#: nccl-tests manifests). The EKS AL2023 AMI does not preallocate any (amazon-eks-ami@81fec2e: nothing in
#: templates/al2023 or nodeadm sets vm.nr_hugepages), so raystack's launch template does, before the
#: kubelet starts, and the pods of a node share them.
HUGEPAGES_RESOURCE = "hugepages-2Mi"
HUGEPAGE_MIB = 2
HUGEPAGES_PER_NODE_MIB = 5120

#: Families raystack wires EFA for: accelerator instances whose EFA carries RDMA (GPUDirect RDMA for
#: NVIDIA, Neuron collectives for Trainium; AWS EC2 user guide, efa.html "Supported instance types"), one
#: EFA per network card (EC2 user guide, efa-acc-inst-types; the catalog's efa_interfaces column is
#: Karpenter's vpc.amazonaws.com/efa count, EC2 DescribeInstanceTypes MaximumEfaInterfaces).
EFA_FAMILIES = ("p4d", "p4de", "p5", "p5e", "p5en", "trn1", "trn1n", "trn2")


@dataclass(frozen=True)
class NetworkInterface:
    """One launch template network interface of an EFA node."""

    network_card_index: int
    device_index: int
    interface_type: str  # efa | efa-only (EC2 LaunchTemplateInstanceNetworkInterfaceSpecificationRequest)


def interface_layout(count: int) -> tuple[NetworkInterface, ...]:
    """One EFA per network card, laid out as terraform-aws-eks v21.19.0 does for EKS managed node groups
    (eks-managed-node-group main.tf, enable_efa_only, its default): card 0 carries the primary interface,
    device 0, of type ``efa`` (EFA with ENA: it keeps the node's IP networking and the VPC CNI's pod IPs);
    every other card an ``efa-only`` interface (no IP address: EFA traffic only) at device index 1. EC2
    user guide, efa-acc-inst-types: "You can't use an EFA-only network interface as the primary network
    interface". EFA-only needs VPC CNI 1.18.5 or later (EKS user guide, node-efa); the EKS add-on versions
    raystack's clusters get are later."""
    if count < 1:
        raise ValueError(f"an EFA node has at least one interface, not {count}")
    return (NetworkInterface(0, 0, "efa"),) + tuple(NetworkInterface(i, 1, "efa-only") for i in range(1, count))


#: Environment the collectives' libfabric needs in the worker containers, per accelerator kind.
#: NVIDIA: NCCL reaches EFA through the aws-ofi-nccl plugin in the image; FI_PROVIDER pins libfabric to
#: EFA and FI_EFA_USE_DEVICE_RDMA turns on GPUDirect RDMA where the family has it (every EFA_FAMILIES row)
#: (EC2 user guide, efa-start-nccl). Neuron: the Neuron runtime's collectives, with fork safety on
#: (AWS Neuron docs, setup-trn1-multi-node-execution; Ray Train sets the same three for Trainium,
#: ray 2.60.0 ray/train/torch/xla/config.py _set_xla_env_vars). A team's own env wins over these.
EFA_ENV: dict[str, dict[str, str]] = {
    "nvidia": {"FI_PROVIDER": "efa", "FI_EFA_USE_DEVICE_RDMA": "1"},
    "neuron": {"FI_PROVIDER": "efa", "FI_EFA_USE_DEVICE_RDMA": "1", "FI_EFA_FORK_SAFE": "1"},
}

#: What the image must carry for EFA, per accelerator kind (checked only where a tag can say so).
EFA_IMAGE_NEEDS = {
    "nvidia": "libfabric with the EFA provider and the aws-ofi-nccl NCCL plugin (the AWS deep learning "
              "containers carry both; rayproject/ray images carry neither, so NCCL falls back to TCP sockets)",
    "neuron": "the Neuron runtime with its EFA-enabled collectives (aws-neuronx-collectives; the AWS Neuron "
              "deep learning containers carry it)",
}


def efa_capable(family: str, efa_interfaces: int) -> bool:
    """Whether raystack wires EFA for an instance of ``family`` with ``efa_interfaces``."""
    return family in EFA_FAMILIES and efa_interfaces > 0


def hugepages_sysctl(node_mib: int = HUGEPAGES_PER_NODE_MIB) -> int:
    """vm.nr_hugepages for ``node_mib`` of 2 MiB pages."""
    return node_mib // HUGEPAGE_MIB


def per_worker(efa_interfaces: int, accelerators_per_node: int, accelerators: int) -> int | None:
    """EFA interfaces one worker with ``accelerators`` of a node's devices gets: the node's share in
    proportion, when whole (a p5.48xlarge's 32 over 8 GPUs: 4 per GPU); None when it is not whole (a
    p4d's 4 over 8 GPUs for a 1-GPU worker)."""
    share, rest = divmod(efa_interfaces * accelerators, accelerators_per_node)
    return share if share >= 1 and rest == 0 else None


def worker_hugepages_mib(node_mib: int, pods_per_node: int) -> int:
    """A worker's share of its node's huge pages, in whole 2 MiB pages."""
    return (node_mib // pods_per_node) // HUGEPAGE_MIB * HUGEPAGE_MIB


#: Network bandwidth of each EFA instance type, in Gbps: Karpenter's
#: ``karpenter.k8s.aws/instance-network-bandwidth`` (Mbps / 1000), karpenter-provider-aws@1d927085
#: website/content/en/docs/reference/instance-types.md, the table the catalog's efa_interfaces column
#: comes from. The collective check's floor is a share of it.
NETWORK_GBPS: dict[str, int] = {
    "p4d.24xlarge": 400, "p4de.24xlarge": 400,
    "p5.4xlarge": 100, "p5.48xlarge": 3200, "p5e.48xlarge": 3200, "p5en.48xlarge": 3200,
    "trn1.32xlarge": 800, "trn1n.32xlarge": 1600, "trn2.48xlarge": 3200,
}
NETWORK_GBPS_SOURCE = "karpenter-provider-aws@1d927085 instance-types.md, instance-network-bandwidth"
#: The collective check fails below this share of the node's network bandwidth. nccl-tests defines bus
#: bandwidth so that it is comparable with the hardware's peak, whatever the rank count (NVIDIA/nccl-tests
#: doc/PERFORMANCE.md, "Bus bandwidth"); between two nodes that peak is the node's network bandwidth.
#: Half of it is raystack's margin, not a published figure: well below what a healthy EFA fabric
#: gives, and above what NCCL is expected to reach on its TCP-socket fallback (not measured here). ``collectiveFloorGbytes`` overrides it.
COLLECTIVE_FLOOR_SHARE = 0.5


def collective_floor_gbytes(instance_type: str | None) -> int | None:
    """The collective check's default floor for ``instance_type``, in whole GB/s of bus bandwidth, or
    None when raystack has no sourced network bandwidth for it."""
    gbps = NETWORK_GBPS.get(instance_type or "")
    return None if gbps is None else int(gbps / 8 * COLLECTIVE_FLOOR_SHARE)
