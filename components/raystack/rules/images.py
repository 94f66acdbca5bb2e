"""Container image references in the stack config, checked at resolve (issue 25). Pulumi-free.

- The reference grammar of distribution/reference (``regexp.go``: lowercase path components
  separated by ``.``, ``_``, ``__`` or dashes; an optional registry host with a port; a tag of at
  most 128 word characters, dots and dashes; a digest ``algorithm:hex``), and names of at most 255
  characters (``reference.go`` ``NameTotalLengthMax``).
- Pinned: a tag other than ``latest`` or ``nightly``, or a digest. The policy pack's mandatory
  ``ray-images-pinned`` refuses the rest; resolve refuses them first, at the key.
- Images of the ``rayproject/ray`` family, through any registry or pull-through prefix, are read
  by the tag scheme of Ray's ``docker/ray/README.md``: ``{Ray version}[-{Python version}][-{Platform}]
  [-{Architecture}]``, where a tag without a platform is the CPU image (``ray``) or the GPU image
  (``ray-ml``), ``-gpu`` aliases a ``-cuXX`` image, and ``-aarch64`` marks the arm64 build. What the tag
  says is held against ``rayVersion``, the pool's accelerators and its architecture. Other images
  cannot be read: the caller warns once per image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import versions
from ..hardware import efa
from ..hardware.accelerators import ACCELERATOR_KINDS
from ..model.facts import PoolFacts
from ..model.findings import Finding

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE = re.compile(
    rf"^(?P<name>(?:(?P<domain>{_DOMAIN})/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?$")
NAME_MAX = 255
#: Tags that move: never a pin (the pack's ray-images-pinned names ``latest``; Ray's README names
#: ``nightly`` "the most recent Ray development build").
MOVING_TAGS = ("latest", "nightly")
#: Repositories read by Ray's tag scheme, and the platform a tag without one means.
RAY_REPOSITORIES = {"rayproject/ray": "cpu", "rayproject/ray-ml": "gpu"}
_RAY_TAG = re.compile(r"^(?P<version>\d+\.\d+\.\d+)(?:-(?P<python>py\d{2,3}))?"
                      r"(?:-(?P<platform>cpu|gpu|cu\d{2,4}))?(?:-(?P<arch>aarch64))?$")


@dataclass(frozen=True)
class ImageReference:
    name: str
    tag: str | None
    digest: str | None


@dataclass(frozen=True)
class RayImage:
    """What a rayproject/ray tag says."""

    ray_version: str
    python: str | None
    #: "cpu" or "cuda".
    runtime: str
    #: "x86_64" or "arm64".
    architecture: str


def parse_reference(image: str) -> ImageReference | None:
    """The reference, or None where distribution's grammar refuses it."""
    m = REFERENCE.match(image)
    if m is None or len(m["name"]) > NAME_MAX:
        return None
    return ImageReference(m["name"], m["tag"], m["digest"])


def reference_problem(image: str) -> str | None:
    """Why ``image`` is not a pinned, valid reference, or None."""
    if "://" in image:
        return "an image reference has no scheme: write registry/path:tag"
    ref = parse_reference(image)
    if ref is None:
        return ("not an image reference (registry/path:tag; path components are lowercase letters, digits and "
                "'.', '_', '-' separators; a tag is at most 128 letters, digits, '_', '.', '-')")
    if ref.digest is None and (ref.tag is None or ref.tag in MOVING_TAGS):
        return (f"pin it to a version tag or a digest ({'no tag means latest' if ref.tag is None else ref.tag + ' moves'}"
                "): a node that pulls later runs other code than its peers")
    return None


def read_ray_image(image: str) -> RayImage | None:
    """What the tag of a rayproject/ray image says, or None for any other image (or tag)."""
    ref = parse_reference(image)
    if ref is None or ref.tag is None:
        return None
    repository = next((r for r in RAY_REPOSITORIES if ref.name == r or ref.name.endswith("/" + r)), None)
    m = _RAY_TAG.match(ref.tag) if repository else None
    if repository is None or m is None:
        return None
    platform = m["platform"] or RAY_REPOSITORIES[repository]
    return RayImage(m["version"], m["python"], "cpu" if platform == "cpu" else "cuda",
                    "arm64" if m["arch"] else "x86_64")


def ray_image_problems(ray: RayImage, *, ray_version: str, accelerator_kind: str, devices: int,
                       architecture: str | None) -> list[tuple[str, str]]:
    """(severity, message) of what is wrong with a Ray node of ``ray_version`` running the image ``ray`` was
    read from, on a node of ``architecture`` (None: unknown), using ``devices`` accelerators of
    ``accelerator_kind``."""
    out = []
    if not versions.version_at_least(ray.ray_version, versions.RAY_MIN_VERSION):
        out.append(("error", f"the image runs Ray {ray.ray_version}; allowed: {versions.RAY_MIN_VERSION} or newer "
                             "(older Ray has unauthenticated dashboard CVEs)"))
    elif ray.ray_version != ray_version:
        out.append(("error", f"the image runs Ray {ray.ray_version} but the cluster's rayVersion is {ray_version} "
                             "(KubeRay and the autoscaler configure Ray by rayVersion): use the image of Ray "
                             f"{ray_version} or set rayVersion: {ray.ray_version}"))
    if architecture is not None and ray.architecture != architecture:
        out.append(("error", f"an {ray.architecture} image on {architecture} nodes: it cannot start; "
                    + ("use the tag with -aarch64" if architecture == "arm64" else "drop -aarch64 from the tag")))
    kind = ACCELERATOR_KINDS.get(accelerator_kind)
    wanted = kind.ray_image_runtime if kind is not None else None
    if devices and kind is not None and wanted is None:
        out.append(("error", f"rayproject/ray images carry no {accelerator_kind} runtime (only CPU and CUDA builds "
                             "exist): name an image built with the vendor SDK"))
    elif devices and kind is not None and wanted is not None and ray.runtime != wanted:
        # A warning, not an error: the NVIDIA container toolkit mounts the driver into any image, and PyTorch's
        # wheels bundle their CUDA runtime, so a CPU image can drive GPUs (the kind stack's fake GPUs need it).
        out.append(("warning", f"a {ray.runtime.upper()} image on a group using {kind.k8s_resource}: it has no "
                               f"{wanted.upper()} toolkit, so only frameworks that bundle their own "
                               "(PyTorch wheels) use the devices; use the -gpu or -cuXX tag unless that is meant"))
    return out


def check_image_keys(base: str, spec: dict[str, Any], findings: list[Finding]) -> set[str]:
    """Refuse bad references in ``spec``'s own ``image`` and init containers' images (``base``: its key path);
    returns the keys refused."""
    bad = set()
    keyed = [(f"{base}.image", spec.get("image"))] + [
        (f"{base}.initContainers[{i}].image", c.get("image"))
        for i, c in enumerate(spec.get("init_containers") or []) if isinstance(c, dict)]
    for at, image in keyed:
        if isinstance(image, str):
            problem = reference_problem(image)
            if problem:
                findings.append(Finding(at, image, problem))
                bad.add(at)
    return bad


def check_node_image(at: str, image: str, pool: PoolFacts, devices: int, ray_version: str,
                     findings: list[Finding], warnings: list[Finding] | None) -> None:
    """The Ray container image ``image`` (given at ``at``) on ``pool`` using ``devices`` of its accelerators."""
    ray = read_ray_image(image)
    if ray is None:
        if warnings is not None and not any(w.key == at and w.value == image for w in warnings):
            runtime = f" with the {pool.accelerator_kind} runtime" if devices else ""
            warnings.append(Finding(at, image, f"raystack cannot read which Ray, runtime and architecture this image "
                                               f"carries: make sure it runs Ray {ray_version}{runtime} on "
                                               f"{pool.architecture}", severity="warning"))
        return
    # An existing pool described without an instance type does not say its architecture: not checked.
    known = pool.architecture if pool.source != "existing" or pool.instance_type else None
    for severity, problem in ray_image_problems(ray, ray_version=ray_version, accelerator_kind=pool.accelerator_kind,
                                                devices=devices, architecture=known):
        into = findings if severity == "error" else warnings
        if into is not None:
            add_once(into, Finding(at, image, problem, severity=severity))


def add_once(into: list[Finding], finding: Finding) -> None:
    """Add ``finding`` unless one with its key and message is there: an image a cluster gives all its groups
    is checked once per group, and said once."""
    if not any(f.key == finding.key and f.message == finding.message for f in into):
        into.append(finding)


def check_efa_image(at: str, given: bool, image: str, pool: PoolFacts, warnings: list[Finding]) -> None:
    """A worker image on an EFA pool must carry the collectives' EFA path (hardware/efa.py EFA_IMAGE_NEEDS):
    rayproject/ray images carry none, so NCCL falls back to TCP sockets there; other images cannot be read.
    ``given``: whether the user named the image at ``at`` (else it is raystack's default)."""
    needs = efa.EFA_IMAGE_NEEDS.get(pool.accelerator_kind)
    if not pool.efa_interfaces or needs is None:
        return
    if read_ray_image(image) is not None:
        problem = (f"pool {pool.name!r} has EFA, but rayproject/ray images carry no EFA path, so its collectives "
                   f"would not use it: name an image with {needs}")
    else:
        problem = f"pool {pool.name!r} has EFA: make sure the image carries {needs}; raystack cannot read it"
    add_once(warnings, Finding(at, image if given else None, problem, severity="warning"))
