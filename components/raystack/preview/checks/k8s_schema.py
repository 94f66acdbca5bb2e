"""Core Kubernetes objects against Kubernetes' OpenAPI schemas (kubernetes-validate, strict).
Pulumi-free.
"""

from __future__ import annotations

import functools
from typing import Any

from ...model.findings import Finding
from ...rules.kube_objects import error_fields as _error_fields
from ...rules.kube_objects import field_path as _path
from ..objects import issue


@functools.lru_cache(maxsize=64)
def _k8s_validator(version: str, api_version: str, kind: str) -> Any:
    import re

    import jsonschema
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    full = [v for v in utils.all_versions() if utils.major_minor(v) == utils.major_minor(version)][-1]
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema_dir = f"v{full}-local-strict"
    schema = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{group}.json", version)
    defs = utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", version)
    registry = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def validate_kubernetes(objects: list[tuple[str, dict[str, Any]]], version: str) -> list[Finding]:
    """Core Kubernetes objects against Kubernetes' OpenAPI schemas, strict (unknown
    fields are errors). The same schemas and validator as ``kubernetes_validate.validate(
    obj, version, strict=True)``, built once per kind instead of once per object."""
    findings = []
    for urn, obj in objects:
        try:
            validator = _k8s_validator(version, obj["apiVersion"], obj["kind"])
        except FileNotFoundError:
            findings.append(issue("warning", "kubernetes-schema", urn, "kind",
                                    f"no Kubernetes {version} schema for {obj['apiVersion']} {obj['kind']}; "
                                    "not checked"))
            continue
        except Exception:  # noqa: BLE001 (internals moved: fall back to the public API)
            import kubernetes_validate

            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as ve:
                findings.append(issue("error", "kubernetes-schema", urn, _path(ve.absolute_path), ve.message))
            except kubernetes_validate.SchemaNotFoundError as se:
                findings.append(issue("warning", "kubernetes-schema", urn, "kind", str(se)))
            continue
        for e in validator.iter_errors(obj):
            for path, msg in _error_fields(e):
                findings.append(issue("error", "kubernetes-schema", urn, path,
                                        f"{msg} (Kubernetes {version} OpenAPI schema)"))
    return findings
