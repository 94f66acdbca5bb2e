"""The KubeRay CRDs at the pinned tag, verified: sha256 against versions.KUBERAY_CRD_SHA256 before use.

Order: a directory named by RAYSTACK_KUBERAY_CRD_DIR (the tag's
ray-operator/config/crd/bases, for air-gapped runners), the verified cache
(~/.cache/raystack or RAYSTACK_CACHE_DIR), then a download of the pinned raw
URLs, cached once verified. A missing, unreachable or altered file is an error
that names the file, what was expected and what to do. Pulumi-free.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

from .. import versions


class CrdUnavailable(Exception):
    """Carries one message per CRD that could not be had, verified."""


def cache_dir() -> Path:
    if os.environ.get("RAYSTACK_CACHE_DIR"):
        return Path(os.environ["RAYSTACK_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "raystack"


def _file(plural: str) -> str:
    return f"ray.io_{plural}.yaml"


def _ok(data: bytes, plural: str) -> bool:
    return hashlib.sha256(data).hexdigest() == versions.KUBERAY_CRD_SHA256[plural]


def verified_crd_files(timeout_s: float = 30.0) -> list[str]:
    """Local paths of the four CRD files, each verified against its pinned sha256."""
    out: list[str] = []
    problems: list[str] = []
    given = os.environ.get("RAYSTACK_KUBERAY_CRD_DIR")
    cache = cache_dir() / f"kuberay-{versions.kuberay_git_tag()}"
    urls = dict(zip(versions.KUBERAY_CRD_PLURALS, versions.kuberay_crd_urls(), strict=True))
    for plural in versions.KUBERAY_CRD_PLURALS:
        want = versions.KUBERAY_CRD_SHA256[plural]
        if given:
            path = Path(given) / _file(plural)
            if not path.is_file():
                problems.append(f"{path}: missing (RAYSTACK_KUBERAY_CRD_DIR must hold the {versions.kuberay_git_tag()} "
                                f"files of {versions.kuberay_crd_path()})")
            elif not _ok(path.read_bytes(), plural):
                problems.append(f"{path}: sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}, pinned {want}")
            else:
                out.append(str(path.resolve()))
            continue
        cached = cache / _file(plural)
        if cached.is_file() and _ok(cached.read_bytes(), plural):
            out.append(str(cached))
            continue
        try:
            with urllib.request.urlopen(urls[plural], timeout=timeout_s) as resp:  # noqa: S310 (pinned https URL)
                data = resp.read()
        except Exception as e:  # noqa: BLE001 (offline, proxy, TLS, HTTP status: all mean "cannot fetch")
            problems.append(f"{urls[plural]}: cannot fetch ({e}); set RAYSTACK_KUBERAY_CRD_DIR to a directory with "
                            f"the {versions.kuberay_git_tag()} CRD files")
            continue
        if not _ok(data, plural):
            problems.append(f"{urls[plural]}: sha256 {hashlib.sha256(data).hexdigest()}, pinned {want}: not applied")
            continue
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
        out.append(str(cached))
    if problems:
        raise CrdUnavailable("\n".join(problems))
    return out
