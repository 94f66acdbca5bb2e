"""raystack.versions: the pinned versions and the rules between them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from raystack import versions
from raystack.versions import (
    EKS_SUPPORTED_VERSIONS,
    cluster_autoscaler_pin,
    kuberay_crd_urls,
    parse_version,
    version_at_least,
)

SHARED_KUBERAY = Path(__file__).parents[2] / "shared" / "kuberay"


@pytest.mark.parametrize(("text", "parsed"), [
    ("2.55.0", (2, 55, 0)),
    ("1.35", (1, 35, 0)),  # a missing patch counts as 0
    ("10.0.1", (10, 0, 1)),
    ("0.0", (0, 0, 0)),
    ("2.100.3", (2, 100, 3)),
])
def test_parse_version(text, parsed):
    assert parse_version(text) == parsed


@pytest.mark.parametrize("text", [
    "", "2", "2.55.0.1", "v2.55.0", "2.x", "2..1", "2.55.0-rc1", " 2.55", "2.55.", "latest", "-1.2",
])
def test_parse_version_rejects(text):
    with pytest.raises(ValueError) as exc:
        parse_version(text)
    assert repr(text) in str(exc.value)


@pytest.mark.parametrize(("v", "minimum", "expected"), [
    ("2.55.0", "2.54.0", True),
    ("2.54.0", "2.54.0", True),
    ("2.53.9", "2.54.0", False),
    ("2.100.0", "2.54.0", True),  # numeric, not lexical
    ("2.9.0", "2.54.0", False),
    ("3.0.0", "2.99.99", True),
    ("1.35", "1.34", True),
    ("1.34", "1.35", False),
    ("2.55.0", "2.55", True),
    ("2.55", "2.55.0", True),  # a missing patch is .0
    ("2.54", "2.54.1", False),
])
def test_version_at_least(v, minimum, expected):
    assert version_at_least(v, minimum) is expected


@pytest.mark.parametrize("eks", EKS_SUPPORTED_VERSIONS)
def test_cluster_autoscaler_pin_matches_eks_minor(eks):
    pin = cluster_autoscaler_pin(eks)
    m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", pin.image_tag)
    assert m, pin.image_tag
    assert (int(m[1]), int(m[2])) == parse_version(eks)[:2]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pin.chart_version), pin.chart_version


def test_default_eks_version_is_supported():
    assert versions.EKS_VERSION in EKS_SUPPORTED_VERSIONS


@pytest.mark.parametrize("eks", ["1.33", "1.36", "", "v1.35", "1.35.0", "latest"])
def test_cluster_autoscaler_pin_unknown(eks):
    with pytest.raises(ValueError) as exc:
        cluster_autoscaler_pin(eks)
    msg = str(exc.value)
    assert repr(eks) in msg
    for allowed in EKS_SUPPORTED_VERSIONS:
        assert allowed in msg.split("allowed:")[1]


@pytest.mark.parametrize(("name", "minimum"), [
    ("RAY_VERSION", "RAY_MIN_VERSION"),
    ("RAY_MIN_VERSION", "2.52.0"),  # token auth and the CVE-2025-62593 fix
])
def test_ray_version_floor(name, minimum):
    floor = getattr(versions, minimum, minimum)
    assert version_at_least(getattr(versions, name), floor)


def test_default_python_tag_is_published():
    assert versions.RAY_DEFAULT_PYTHON_TAG in versions.RAY_PYTHON_TAGS


@pytest.mark.parametrize("plural", ["rayclusters", "rayjobs", "rayservices", "raycronjobs"])
def test_kuberay_crd_urls(plural):
    urls = kuberay_crd_urls()
    assert len(urls) == 4
    expected = (f"https://raw.githubusercontent.com/ray-project/kuberay/v1.7.0/"
                f"ray-operator/config/crd/bases/ray.io_{plural}.yaml")
    assert expected in urls


def test_kuberay_git_tag():
    assert versions.kuberay_git_tag() == f"v{versions.KUBERAY_VERSION}"
    assert versions.kuberay_git_tag("1.6.1") == "v1.6.1"


def _shared_version_file() -> Path:
    path = SHARED_KUBERAY / "crds" / "VERSION"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared KubeRay CRD snapshot is not checked out next to the repo)")
    return path


def test_shared_crd_snapshot_is_the_pinned_tag():
    text = _shared_version_file().read_text()
    tags = re.findall(r"^tag:\s*(\S+)", text, flags=re.MULTILINE)
    assert tags, f"no 'tag:' line in VERSION:\n{text}"
    assert tags[0] == f"v{versions.KUBERAY_VERSION}"


@pytest.mark.parametrize("plural", versions.KUBERAY_CRD_PLURALS)
def test_shared_crd_snapshot_has_every_plural(plural):
    path = _shared_version_file().parent / f"ray.io_{plural}.yaml"
    assert path.is_file(), path
