"""The docs site (issue 25): its generated pages are current and cover every key; the README's examples
are valid. `mkdocs build --strict` itself runs in CI (.ci/run)."""

from __future__ import annotations

import re

import pytest
import yaml
from raystack.spec.json_schema import stack_file_schema
from raystack.spec.reference import GENERATED
from support import ROOT


@pytest.mark.parametrize("page", sorted(GENERATED))
def test_generated_pages_are_current(page):
    path = ROOT / "docs" / page
    assert path.read_text() == GENERATED[page](), f"{path} is stale: python -m raystack.spec.reference docs"


def test_the_config_reference_covers_every_key_of_the_schema():
    schema = stack_file_schema()
    text = (ROOT / "docs" / "reference" / "config.md").read_text()
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    top = [k.split(":", 1)[1] for k in schema["properties"]["config"]["properties"] if k.startswith("raystack:")]
    missing = [k for k in top if f"| `{k}` |" not in sections["Top-level keys"]]
    for name, d in schema["$defs"].items():
        if name != "secure":
            missing += [f"{name}.{k}" for k in d.get("properties", {})
                        if not re.search(rf"\| `{k}`( \(required\))? \|", sections.get(name, ""))]
    assert not missing, missing


def test_every_docs_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert not [p for p in pages if f": {p}" not in nav], pages


def test_the_readme_minimal_stack_is_valid():
    from raystack import resolve

    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("```yaml\nconfig:") + len("```yaml\n"):]
    config = yaml.safe_load(block[:block.index("```")])["config"]
    platform = resolve({k.split(":", 1)[1]: v for k, v in config.items()}, stack="dev")
    assert [c.name for c in platform.ray_clusters] == ["dev"]
