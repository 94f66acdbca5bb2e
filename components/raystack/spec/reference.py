"""The configuration reference page of the docs site, generated from the stack-file JSON schema
(``spec.json_schema``), so it covers every key the program accepts and says what the schema says.
``python -m raystack.spec.reference docs`` writes it (and the accelerators page); a test keeps them current."""

from __future__ import annotations

import json
from typing import Any

from .json_schema import stack_file_schema

_HEADER = """# Configuration reference

Generated from the stack-file schema (`schema/raystack-stack.schema.json`), which is generated from
raystack's typed config (`components/raystack/spec/`): every key the program accepts is here. Keys are
`raystack:<key>` in `stacks/Pulumi.<stack>.yaml`; nested objects are listed below the top level. Any
value may also be a secret (`pulumi config set --secret`). Bounds are the ones `pulumi preview` enforces;
[Troubleshooting](../troubleshooting.md) lists what each refusal means.
"""


def _type(s: dict[str, Any]) -> str:
    if "$ref" in s:
        name = s["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "enum" in s:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in s["enum"])
    if "anyOf" in s:
        return " or ".join(_type(a) for a in s["anyOf"] if a.get("$ref") != "#/$defs/secure")
    if "const" in s:
        return f"`{json.dumps(s['const'])}`"
    t = s.get("type", "any")
    if t == "array":
        return f"list of {_type(s.get('items') or {})}"
    if t == "object" and isinstance(s.get("additionalProperties"), dict):
        return f"map of {_type(s['additionalProperties'])}"
    bounds = [f"≥ {s['minimum']}" if "minimum" in s else "", f"≤ {s['maximum']}" if "maximum" in s else ""]
    shown = ", ".join(b for b in bounds if b)
    return f"{t} ({shown})" if shown else str(t)


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _table(properties: dict[str, Any], required: list[str], nested: bool = False) -> list[str]:
    rows = ["| Key | Type | Default | Description |", "|---|---|---|---|"]
    for name, s in properties.items():
        inner = next((a for a in s.get("anyOf", []) if a.get("$ref") != "#/$defs/secure"), s) \
            if nested else s.get("anyOf", [s])[0]
        default = f"`{json.dumps(inner['default'])}`" if "default" in inner else ""
        req = " (required)" if name in required else ""
        rows.append(f"| `{name}`{req} | {_type(inner)} | {default} | {_cell(inner.get('description', ''))} |")
    return rows


def reference_markdown() -> str:
    schema = stack_file_schema()
    config = schema["properties"]["config"]
    top = {k.split(":", 1)[1]: v for k, v in config["properties"].items() if k.startswith("raystack:")}
    out = [_HEADER, "## Top-level keys", ""]
    out += _table(top, [])
    for name, d in sorted(schema["$defs"].items()):
        if name == "secure":
            continue
        out += ["", f"## {name}", ""]
        if d.get("description"):
            out += [_cell(d["description"]), ""]
        out += _table(d.get("properties") or {}, d.get("required") or [], nested=True)
    return "\n".join(out) + "\n"




_ACCEL_HEADER = """# Accelerators

Generated from raystack's accelerator table (`components/raystack/hardware/accelerators.py`), the one
place every accelerator-specific decision lives. **Created pools** are node groups the stack makes
(`gpuPools`); every kind also runs on **existing pools** (`existingPools`) of a cluster you already
have, where you describe the nodes and their device plugin is yours.

"""


def accelerators_markdown() -> str:
    from ..hardware.accelerators import ACCELERATOR_KINDS
    from ..hardware.catalog import CLOUDS, load_catalog

    rows = ["| Kind | Kubernetes resource | Ray resource | Taint raystack expects | Created pools | Public Ray image "
            "| Device plugin raystack installs |", "|---|---|---|---|---|---|---|"]
    for k in ACCELERATOR_KINDS.values():
        key, value, effect = k.taint
        image = f"`rayproject/ray:<ver>-<py>{k.ray_image_suffix}`" if k.public_ray_image else "no: name an `image`"
        plugin = f"`{k.device_plugin.chart}` {k.device_plugin.version}" if k.device_plugin else "no"
        rows.append(f"| {k.kind} | `{k.k8s_resource}` | `{k.ray_resource}` | `{key}={value}:{effect}` | "
                    f"{'yes' if k.implemented else 'no'} | {image} | {plugin} |")
    out = [_ACCEL_HEADER, *rows, "", "## Instance types in the catalog", "",
           "| Cloud | Kind | Model | Instance types |", "|---|---|---|---|"]
    by: dict[tuple[str, str, str], list[str]] = {}
    for cloud in CLOUDS:
        for name, it in sorted(load_catalog(cloud).items()):
            if it.has_accelerator:
                by.setdefault((cloud, it.accelerator_kind, it.accelerator_model), []).append(name)
    for (cloud, kind, model), names in sorted(by.items()):
        why = ACCELERATOR_KINDS[kind].unsupported_models.get(model) if kind in ACCELERATOR_KINDS else None
        note = f" (not for created pools: {_cell(why)})" if why else ""
        out.append(f"| {cloud} | {kind} | {model}{note} | {', '.join(f'`{n}`' for n in names)} |")
    families: dict[tuple[str, str], list[str]] = {}
    for cloud in CLOUDS:
        for name, it in sorted(load_catalog(cloud).items(), key=lambda kv: (kv[1].vcpu, kv[0])):
            if not it.has_accelerator:
                families.setdefault((cloud, it.family), []).append(name)
    out += ["", "## CPU instance types in the catalog (nodePools, systemPool)", "",
            "| Cloud | Family | Instance types |", "|---|---|---|"]
    out += [f"| {c} | {f} | {', '.join(f'`{n}`' for n in names)} |" for (c, f), names in sorted(families.items())]
    return "\n".join(out) + "\n"


#: Generated pages of the docs site: path under docs/ -> generator.
GENERATED = {"reference/config.md": reference_markdown, "accelerators.md": accelerators_markdown}

if __name__ == "__main__":  # pragma: no cover
    import sys
    from pathlib import Path

    for page, make in GENERATED.items():
        (Path(sys.argv[1] if len(sys.argv) > 1 else "docs") / page).write_text(make())
