"""Image references (rules/images.py), table-tested: distribution/reference's grammar (cases in the spirit of
its reference_test.go) and Ray's tag scheme (docker/ray/README.md: {version}[-{python}][-{platform}][-{arch}])."""

from __future__ import annotations

import pytest
from raystack.rules.images import RayImage, read_ray_image, reference_problem

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(("image", "fragment"), [
    ("rayproject/ray:2.55.0-py311-gpu", None),
    ("localhost:5000/foo/bar:1.0", None),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/rayproject/ray:2.55.0", None),
    (f"ghcr.io/acme/trainer@{DIGEST}", None),
    (f"ghcr.io/acme/trainer:latest@{DIGEST}", None),  # the digest pins it
    ("[fd00::1]:5000/ray:2.55.0", None),
    ("ray", "no tag means latest"),
    ("rayproject/ray:latest", "latest moves"),
    ("rayproject/ray:nightly-py311", None),  # a tag of its own, not the moving "nightly"
    ("rayproject/ray:nightly", "nightly moves"),
    ("Docker.io/RayProject/ray:2.55.0", "not an image reference"),
    ("rayproject/ray:", "not an image reference"),
    ("rayproject//ray:2.55.0", "not an image reference"),
    ("rayproject/ray:" + "x" * 129, "not an image reference"),
    ("a" * 256 + ":1", "not an image reference"),
    ("rayproject/ray@sha256:abc", "not an image reference"),
    ("https://ghcr.io/acme/ray:1", "no scheme"),
])
def test_reference_grammar_and_pins(image, fragment):
    problem = reference_problem(image)
    assert (problem is None) if fragment is None else (problem is not None and fragment in problem), (image, problem)


@pytest.mark.parametrize(("image", "read"), [
    ("rayproject/ray:2.55.0", RayImage("2.55.0", None, "cpu", "x86_64")),
    ("rayproject/ray:2.55.0-py311-gpu", RayImage("2.55.0", "py311", "cuda", "x86_64")),
    ("rayproject/ray:2.55.0-py312-cu128-aarch64", RayImage("2.55.0", "py312", "cuda", "arm64")),
    ("rayproject/ray:2.55.0-py311-cpu-aarch64", RayImage("2.55.0", "py311", "cpu", "arm64")),
    ("rayproject/ray-ml:2.55.0-py311", RayImage("2.55.0", "py311", "cuda", "x86_64")),  # ray-ml: no platform = gpu
    ("mirror.internal/hub/rayproject/ray:2.55.0-aarch64", RayImage("2.55.0", None, "cpu", "arm64")),
    ("rayproject/ray:806c18-py311-cu121", None),  # a development build: no release version
    ("acme/rayproject-ray:2.55.0", None),
    ("ghcr.io/acme/ray:2.55.0-py311-gpu", None),  # not rayproject's: its tag is the owner's scheme
    (f"rayproject/ray@{DIGEST}", None),
])
def test_ray_tags_are_read_only_for_rayproject_images(image, read):
    assert read_ray_image(image) == read
