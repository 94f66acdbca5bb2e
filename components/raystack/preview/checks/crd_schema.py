"""The KubeRay CRD schema check: RayClusters against the pinned CRD's OpenAPI schema, made strict
(fields the API server would prune are errors). Pulumi-free.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ... import versions
from ...model.findings import Finding
from ...rules.kube_objects import error_fields as _error_fields
from ..objects import issue

CRD_FILE = "ray.io_rayclusters.yaml"


def cache_dir() -> Path:
    if os.environ.get("RAYSTACK_CACHE_DIR"):
        return Path(os.environ["RAYSTACK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "raystack"


def _strict_schema(schema: Any) -> Any:
    """Objects that list their properties and do not preserve unknown fields get
    ``additionalProperties: false``: the API server would silently prune such a
    field, so the plan reports it instead."""
    if isinstance(schema, dict):
        out = {k: _strict_schema(v) for k, v in schema.items()}
        if ("properties" in out and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict_schema(v) for v in schema]
    return schema


def _schema_from_crd_text(text: str) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load(text, Loader=loader)
    for v in crd["spec"]["versions"]:
        if v["name"] == "v1":
            schema: dict[str, Any] = _strict_schema(v["schema"]["openAPIV3Schema"])
            return schema
    raise ValueError("no v1 version in the KubeRay CRD")


def _cached_schema_from_file(path: Path) -> dict[str, Any]:
    st = path.stat()
    key = hashlib.sha256(f"{versions.KUBERAY_VERSION}|{path.resolve()}|{st.st_mtime_ns}|{st.st_size}".encode())
    cached = cache_dir() / f"{path.stem}-v1-schema-{key.hexdigest()[:20]}.json"
    if cached.exists():
        try:
            loaded: dict[str, Any] = json.loads(cached.read_text())
            return loaded
        except (OSError, ValueError):
            pass
    schema = _schema_from_crd_text(path.read_text())
    _write_cache(cached, schema)
    return schema


def _write_cache(path: Path, schema: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(schema))
        tmp.replace(path)
    except OSError:
        pass  # a read-only cache only costs time


CRD_FILE = "ray.io_rayclusters.yaml"


def crd_file(kind: str) -> str:
    """The CRD file of a KubeRay kind (RayCluster -> ray.io_rayclusters.yaml)."""
    return f"ray.io_{kind.lower()}s.yaml"


def load_raycluster_schema(crd_dir: Path | None, project_dir: Path,
                           download: bool = True) -> tuple[dict[str, Any] | None, str, list[Finding]]:
    return load_kuberay_schema("RayCluster", crd_dir, project_dir, download)


def load_kuberay_schema(kind: str, crd_dir: Path | None, project_dir: Path,
                        download: bool = True) -> tuple[dict[str, Any] | None, str, list[Finding]]:
    """(schema, where it came from, findings) of a KubeRay kind's v1 CRD. Order: --crd-dir, the
    cache of the pinned download, ../shared/kuberay/crds beside the project, then a download of
    the pinned tag. If none works the check is reported as skipped (a warning).
    RAYSTACK_KUBERAY_CRD_DIR, the directory `pulumi up` applies the CRDs from, stands for --crd-dir when
    it holds the file (newcomer review P11: the plan ignored it)."""
    file = crd_file(kind)
    env_dir = os.environ.get("RAYSTACK_KUBERAY_CRD_DIR")
    if crd_dir is None and env_dir and (Path(env_dir) / file).is_file():
        crd_dir = Path(env_dir)
    if crd_dir is not None:
        return _cached_schema_from_file(crd_dir / file), str(crd_dir / file), []
    pinned = cache_dir() / f"kuberay-{versions.kuberay_git_tag()}-{kind.lower()}s-v1-schema.json"
    if pinned.exists():
        try:
            return json.loads(pinned.read_text()), str(pinned), []
        except (OSError, ValueError):
            pass
    for base in (project_dir.resolve(), *project_dir.resolve().parents[:2]):
        shared = base.parent / "shared" / "kuberay" / "crds" / file
        if shared.exists():
            return _cached_schema_from_file(shared), str(shared), []
    url = next(u for u in versions.kuberay_crd_urls() if u.endswith(file))
    if download and not os.environ.get("RAYSTACK_OFFLINE"):
        try:
            import urllib.request

            with urllib.request.urlopen(url, timeout=15) as resp:  # noqa: S310 (pinned https URL)
                text = resp.read().decode()
            schema = _schema_from_crd_text(text)
            _write_cache(pinned, schema)
            return schema, url, []
        except Exception as e:  # noqa: BLE001 (offline, proxy, TLS: all mean "skipped")
            reason = f"download of {url} failed ({e})"
    else:
        reason = "downloads disabled (RAYSTACK_OFFLINE)"
    return None, "", [issue("warning", "crd-schema", kind, "schema",
                              f"KubeRay CRD schema check SKIPPED: {reason}; pass --crd-dir DIR "
                              f"with {file} from {versions.kuberay_git_tag()}")]


@functools.lru_cache(maxsize=4)
def _crd_validator(schema_json: str) -> Any:
    import jsonschema

    return jsonschema.Draft7Validator(json.loads(schema_json))


def validate_crd(objects: list[tuple[str, dict[str, Any]]], schema: dict[str, Any]) -> list[Finding]:
    validator = _crd_validator(json.dumps(schema, sort_keys=True))
    findings = []
    for urn, obj in objects:
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
            for path, msg in _error_fields(e):
                if msg == "unknown field":
                    msg = "unknown field: not in the KubeRay CRD schema, the API server would prune it"
                findings.append(issue("error", "crd-schema", urn, path, msg))
    return findings
