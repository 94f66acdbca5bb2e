"""Which EKS AMI type a pool gets, and what that image already ships (a table, tested as one).

A table, not code paths: (operating system, accelerator kind, architecture)
-> EKS managed node group ``amiType``. AL2 is absent on purpose: EKS stopped
publishing AL2 AMIs on 2025-11-26. Pulumi-free.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATING_SYSTEMS = ("al2023", "bottlerocket")


@dataclass(frozen=True)
class NodeImage:
    ami_type: str
    #: The NVIDIA device plugin is part of the OS image (Bottlerocket NVIDIA
    #: variants); installing the Helm chart there would double-register GPUs.
    ships_device_plugin: bool
    #: Block device that holds container images and must be sized for Ray's
    #: multi-GB GPU images (Bottlerocket keeps them on its data volume).
    image_volume_device: str


AMI_TABLE: dict[tuple[str, str, str], NodeImage] = {
    ("al2023", "nvidia", "x86_64"): NodeImage("AL2023_x86_64_NVIDIA", False, "/dev/xvda"),
    ("al2023", "nvidia", "arm64"): NodeImage("AL2023_ARM_64_NVIDIA", False, "/dev/xvda"),
    ("bottlerocket", "nvidia", "x86_64"): NodeImage("BOTTLEROCKET_x86_64_NVIDIA", True, "/dev/xvdb"),
    ("bottlerocket", "nvidia", "arm64"): NodeImage("BOTTLEROCKET_ARM_64_NVIDIA", True, "/dev/xvdb"),
    ("al2023", "neuron", "x86_64"): NodeImage("AL2023_x86_64_NEURON", False, "/dev/xvda"),
    ("al2023", "none", "x86_64"): NodeImage("AL2023_x86_64_STANDARD", False, "/dev/xvda"),
    ("al2023", "none", "arm64"): NodeImage("AL2023_ARM_64_STANDARD", False, "/dev/xvda"),
    ("bottlerocket", "none", "x86_64"): NodeImage("BOTTLEROCKET_x86_64", False, "/dev/xvdb"),
    ("bottlerocket", "none", "arm64"): NodeImage("BOTTLEROCKET_ARM_64", False, "/dev/xvdb"),
}


def node_image(os: str, accelerator_kind: str, architecture: str) -> NodeImage:
    try:
        return AMI_TABLE[(os, accelerator_kind, architecture)]
    except KeyError:
        options = sorted(f"{o}" for (o, k, a) in AMI_TABLE if k == accelerator_kind and a == architecture)
        allowed = ", ".join(options) if options else "none"
        raise ValueError(
            f"no EKS AMI for os={os!r}, accelerator={accelerator_kind!r}, architecture={architecture!r}; "
            f"operating systems with one: {allowed}"
        ) from None


def oses_shipping_device_plugin(accelerator_kind: str) -> tuple[str, ...]:
    """Operating systems whose image for this kind already runs a device plugin."""
    return tuple(sorted({os for (os, kind, _arch), image in AMI_TABLE.items()
                         if kind == accelerator_kind and image.ships_device_plugin}))


#: Where the EKS AMIs carry EFA's host side (driver, libfabric, rdma-core): the AL2023 NVIDIA and
#: Neuron AMIs and every Bottlerocket AMI (EKS user guide, device-management-efa, "EKS-optimized
#: AMIs"; amazon-eks-ami@81fec2e templates/al2023 runs install-efa.sh with enable_efa "true" by default).
#: The pool's launch template adds only the huge pages, which no AMI preallocates.
HUGEPAGES_SYSCTL = "vm.nr_hugepages"
USER_DATA_BOUNDARY = "RAYSTACK"


def hugepages_user_data(os: str, pages: int) -> str:
    """User data that preallocates ``pages`` 2 MiB huge pages before the kubelet starts, so it reports
    them as ``hugepages-2Mi`` capacity. EKS merges a launch template's user data with its own for both
    OSes (EKS user guide, launch-templates, "Amazon EKS optimized AMIs"/"Bottlerocket"): for AL2023 a
    MIME part with a shell script, which cloud-init runs before nodeadm-run.service starts the kubelet
    (amazon-eks-ami@81fec2e nodeadm-run.service: After=cloud-final.service); for Bottlerocket a TOML
    setting (settings.kernel.sysctl)."""
    if os == "bottlerocket":
        return f'[settings.kernel.sysctl]\n"{HUGEPAGES_SYSCTL}" = "{pages}"\n'
    if os != "al2023":
        raise ValueError(f"no huge-page user data for os {os!r}")
    return "\n".join((
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{USER_DATA_BOUNDARY}"',
        "",
        f"--{USER_DATA_BOUNDARY}",
        'Content-Type: text/x-shellscript; charset="us-ascii"',
        "",
        "#!/bin/bash",
        "# raystack: 2 MiB huge pages for EFA (libfabric), before the kubelet starts.",
        "set -euo pipefail",
        f'echo "{HUGEPAGES_SYSCTL} = {pages}" > /etc/sysctl.d/90-raystack-efa-hugepages.conf',
        f"sysctl -w {HUGEPAGES_SYSCTL}={pages}",
        "",
        f"--{USER_DATA_BOUNDARY}--",
        "",
    ))
