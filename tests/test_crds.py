"""The KubeRay CRDs are applied only after their sha256 matches the pin for v1.7.0 (read from the
tag's git tree), from a local directory, the verified cache or a download; anything else is a clear
error before a resource is registered."""

from __future__ import annotations

import io

import pytest
from raystack import ConfigError, versions
from raystack.components import kuberay_operator
from raystack.kube import crds
from support import CRD_DIR, HAVE_CRDS, NO_CRDS

needs_shared = pytest.mark.skipif(not HAVE_CRDS, reason=NO_CRDS)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("RAYSTACK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RAYSTACK_KUBERAY_CRD_DIR", raising=False)
    monkeypatch.delenv("RAYSTACK_MOCK_ENGINE", raising=False)


def _serve(monkeypatch, body_for):
    def urlopen(url, timeout):
        body = body_for(url)
        if isinstance(body, Exception):
            raise body
        return io.BytesIO(body)
    monkeypatch.setattr(crds.urllib.request, "urlopen", urlopen)


@needs_shared
def test_a_directory_of_the_tags_files_is_verified_and_used(monkeypatch):
    monkeypatch.setenv("RAYSTACK_KUBERAY_CRD_DIR", str(CRD_DIR))
    paths = crds.verified_crd_files()
    assert [p.rsplit("/", 1)[-1] for p in paths] == [f"ray.io_{p}.yaml" for p in versions.KUBERAY_CRD_PLURALS]


def test_an_altered_file_is_refused_naming_it(tmp_path, monkeypatch):
    for p in versions.KUBERAY_CRD_PLURALS:
        (tmp_path / f"ray.io_{p}.yaml").write_text("kind: CustomResourceDefinition\n")
    monkeypatch.setenv("RAYSTACK_KUBERAY_CRD_DIR", str(tmp_path))
    with pytest.raises(crds.CrdUnavailable) as err:
        crds.verified_crd_files()
    assert f"pinned {versions.KUBERAY_CRD_SHA256['rayclusters']}" in str(err.value)
    assert str(tmp_path / "ray.io_rayjobs.yaml") in str(err.value)


@needs_shared
def test_a_download_is_verified_then_cached(monkeypatch):
    served = []

    def body(url):
        served.append(url)
        return (CRD_DIR / url.rsplit("/", 1)[-1]).read_bytes()
    _serve(monkeypatch, body)
    first = crds.verified_crd_files()
    assert served == versions.kuberay_crd_urls()
    assert crds.verified_crd_files() == first and len(served) == 4, "the second run uses the verified cache"


def test_a_tampered_download_is_not_applied(monkeypatch):
    _serve(monkeypatch, lambda url: b"apiVersion: v1\nkind: ConfigMap\n")
    with pytest.raises(crds.CrdUnavailable) as err:
        crds.verified_crd_files()
    assert "not applied" in str(err.value) and not list((crds.cache_dir()).rglob("*.yaml"))


def test_unreachable_fails_the_operator_before_registration_with_what_to_do(monkeypatch):
    _serve(monkeypatch, lambda url: OSError("network is unreachable"))
    with pytest.raises(ConfigError) as err:
        kuberay_operator._crd_files()
    assert "cannot fetch" in str(err.value) and "RAYSTACK_KUBERAY_CRD_DIR" in str(err.value)
    monkeypatch.setenv("RAYSTACK_MOCK_ENGINE", "1")  # the offline preview: nothing is applied there
    assert kuberay_operator._crd_files() == versions.kuberay_crd_urls()
