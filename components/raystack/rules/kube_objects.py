"""Kubernetes-shaped values in the stack config (volumes, volumeMounts, envFrom, initContainers)
checked against Kubernetes' own OpenAPI schemas, strict, as kubernetes-validate ships them.
Pulumi-free; the schemas load only when such a value is given."""

from __future__ import annotations

import functools
from typing import Any

from .. import versions
from ..model.findings import Finding


def field_path(parts: Any) -> str:
    """``a.b[0].c`` from a jsonschema error path."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(root)"


def key_at(base: str, parts: Any) -> str:
    """``base`` followed by a jsonschema error path: ``base.a.b[0]``, ``base[0].c``."""
    path = field_path(parts)
    return base if path == "(root)" else base + ("" if path.startswith("[") else ".") + path


def error_fields(e: Any) -> list[tuple[str, str]]:
    """(field path, message) for a jsonschema error; unknown fields are named one by one."""
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        known = set((e.schema or {}).get("properties", {}))
        extra = sorted(k for k in e.instance if k not in known)
        if extra:
            base = list(e.absolute_path)
            return [(field_path([*base, k]), "unknown field") for k in extra]
    return [(field_path(e.absolute_path), e.message)]


def kubernetes_schema_version(wanted: str) -> str:
    """The newest Kubernetes minor kubernetes-validate has that is not newer than ``wanted``."""
    from kubernetes_validate import utils

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in utils.major_minor(v).split("."))

    have = sorted({utils.major_minor(v) for v in utils.all_versions()}, key=key)
    older = [v for v in have if key(v) <= key(wanted)]
    return str(older[-1] if older else have[0])


@functools.lru_cache(maxsize=8)
def _definition_validator(version: str, definition: str) -> Any:
    import jsonschema
    from kubernetes_validate import utils

    full = [v for v in utils.all_versions() if utils.major_minor(v) == utils.major_minor(version)][-1]
    defs = utils.schema_contents(f"kubernetes-json-schema/v{full}-local-strict/_definitions.json", version)
    schema = {"$schema": defs["$schema"], "$defs": defs["$defs"], "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(schema)


def check_kube_objects(base: str, items: list[dict[str, Any]], kind: str, findings: list[Finding]) -> None:
    """Each item against Kubernetes' ``io.k8s.api.core.v1.<kind>`` at the pinned EKS version;
    one finding per wrong field, at ``base[i].<field>``."""
    if not items:
        return
    version = kubernetes_schema_version(versions.EKS_VERSION)
    validator = _definition_validator(version, f"io.k8s.api.core.v1.{kind}")
    for i, item in enumerate(items):
        for e in validator.iter_errors(item):
            for path, msg in error_fields(e):
                findings.append(Finding(f"{base}[{i}]" + ("" if path == "(root)" else f".{path}"),
                                        e.instance if msg != "unknown field" else path.rsplit(".", 1)[-1],
                                        f"{msg} (Kubernetes {version} {kind})"))
