"""raystack.node_images: (os, accelerator kind, architecture) -> EKS amiType."""

from __future__ import annotations

import pytest
from raystack.clouds.aws.ami import OPERATING_SYSTEMS, node_image
from raystack.hardware import catalog

IMAGES = [
    # os, kind, arch, ami_type, ships_device_plugin, image_volume_device
    ("al2023", "nvidia", "x86_64", "AL2023_x86_64_NVIDIA", False, "/dev/xvda"),
    ("al2023", "nvidia", "arm64", "AL2023_ARM_64_NVIDIA", False, "/dev/xvda"),
    ("bottlerocket", "nvidia", "x86_64", "BOTTLEROCKET_x86_64_NVIDIA", True, "/dev/xvdb"),
    ("bottlerocket", "nvidia", "arm64", "BOTTLEROCKET_ARM_64_NVIDIA", True, "/dev/xvdb"),
    ("al2023", "neuron", "x86_64", "AL2023_x86_64_NEURON", False, "/dev/xvda"),
    ("al2023", "none", "x86_64", "AL2023_x86_64_STANDARD", False, "/dev/xvda"),
    ("al2023", "none", "arm64", "AL2023_ARM_64_STANDARD", False, "/dev/xvda"),
    ("bottlerocket", "none", "x86_64", "BOTTLEROCKET_x86_64", False, "/dev/xvdb"),
    ("bottlerocket", "none", "arm64", "BOTTLEROCKET_ARM_64", False, "/dev/xvdb"),
]


@pytest.mark.parametrize(("os", "kind", "arch", "ami_type", "ships_plugin", "device"), IMAGES)
def test_node_image(os, kind, arch, ami_type, ships_plugin, device):
    img = node_image(os, kind, arch)
    assert img.ami_type == ami_type
    assert img.ships_device_plugin is ships_plugin
    assert img.image_volume_device == device


NO_IMAGE = [
    # os, kind, arch, operating systems the message should offer instead
    ("bottlerocket", "neuron", "x86_64", "al2023"),
    ("al2023", "neuron", "arm64", "none"),
    ("al2", "nvidia", "x86_64", "al2023, bottlerocket"),  # AL2 is gone on purpose
    ("ubuntu", "nvidia", "arm64", "al2023, bottlerocket"),
    ("al2023", "amd", "x86_64", "none"),
    ("al2023", "nvidia", "aarch64", "none"),
]


@pytest.mark.parametrize(("os", "kind", "arch", "offered"), NO_IMAGE)
def test_missing_image_raises_naming_the_values(os, kind, arch, offered):
    with pytest.raises(ValueError) as exc:
        node_image(os, kind, arch)
    msg = str(exc.value)
    assert repr(os) in msg
    assert repr(kind) in msg
    assert repr(arch) in msg
    assert msg.endswith(f"operating systems with one: {offered}")


NVIDIA_ROWS = sorted(t for t, it in catalog.load_catalog().items() if it.accelerator_kind == "nvidia")


@pytest.mark.parametrize("os", OPERATING_SYSTEMS)
@pytest.mark.parametrize("instance_type", NVIDIA_ROWS)
def test_every_nvidia_catalog_row_has_an_image_on_every_os(instance_type, os):
    it = catalog.lookup(instance_type)
    img = node_image(os, "nvidia", it.architecture)
    assert "NVIDIA" in img.ami_type
    assert ("ARM_64" in img.ami_type) == (it.architecture == "arm64")
