"""Rules of the house, enforced: the pure packages never import Pulumi; components never import the
tooling; the public harness and the preview command import on their own."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "components" / "raystack"
PURE = ["spec", "model", "rules", "hardware", "ray", "kube", "versions.py", "clouds/aws/ami.py",
        "clouds/aws/subnet_layout.py", "clouds/aws/iam.py", "clouds/aws/pools.py", "clouds/aws/rules.py",
        "clouds/aws/autoscaler_config.py", "clouds/aws/cloud.py", "clouds/azure/cloud.py", "clouds/azure/rules.py",
        "clouds/azure/pools.py", "clouds/azure/requests.py", "clouds/azure/cost.py", "clouds/rules_base.py",
        "clouds/regional_cost.py", "clouds/gcp/cloud.py", "clouds/gcp/rules.py", "clouds/gcp/pools.py",
        "clouds/gcp/requests.py", "clouds/gcp/cost.py", "clouds/gcp/tpu.py",
        "clouds/__init__.py", "preview",
        "testing/project.py"]
MAX_LINES = 450


def _modules(rel: str) -> list[str]:
    path = PKG / rel
    files = [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return ["raystack." + ".".join(f.relative_to(PKG).with_suffix("").parts).removesuffix(".__init__")
            for f in files]


def test_pure_modules_never_import_pulumi():
    """Each PURE module, imported one after another in one fresh interpreter: the first after which any Pulumi module
    is loaded is the one that imports it (directly or through what it imports). One process, not one per module:
    the same verdict for a seventh of the suite's time on this test."""
    code = ("import importlib, json, sys, traceback\n"
            "class Watch:\n"  # records which raystack file imports Pulumi first
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'pulumi' or name.startswith('pulumi_'):\n"
            "            print(json.dumps([name, [f'{f.filename}:{f.lineno}' for f in traceback.extract_stack()\n"
            "                                     if '/raystack/' in f.filename][-3:]])); sys.exit(0)\n"
            "sys.meta_path.insert(0, Watch())\n"
            f"for rel, mods in {[(rel, _modules(rel)) for rel in PURE]!r}:\n"
            "    for m in mods: importlib.import_module(m)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "", f"a pure module imports Pulumi (the module, then where in raystack): {out}"


def test_the_pure_check_can_fail():
    """The check above sees a Pulumi import: a component module, imported the same way, loads pulumi."""
    code = ("import importlib, sys\nimportlib.import_module('raystack.components.ray_cluster')\n"
            "print(any(m == 'pulumi' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add("." * node.level + node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_components_never_import_the_tooling():
    for f in sorted((PKG / "components").glob("*.py")) + sorted((PKG / "clouds").rglob("*.py")):
        bad = [m for m in _imports(f) if "preview" in m or "testing" in m]
        assert not bad, f"{f.relative_to(PKG)} imports {bad}"


@pytest.mark.parametrize("layer", ["model", "rules", "ray", "kube"])
def test_the_cloud_neutral_layers_never_import_a_cloud_package(layer):
    """Issue 21, the seam: resolve asks the registered cloud (model.cloud.CloudRules) for its rules, pools and
    node images; no module of these layers imports raystack.clouds."""
    for f in sorted((PKG / layer).rglob("*.py")):
        bad = [m for m in _imports(f) if "clouds" in m.split(".")]
        assert not bad, f"{f.relative_to(PKG)} imports {bad}"


def test_no_library_module_is_over_450_lines():
    long = {str(f.relative_to(PKG)): n for f in PKG.rglob("*.py") if (n := len(f.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_no_accelerator_is_named_outside_the_accelerator_table():
    """Every accelerator-specific decision is a column of hardware/accelerators.py."""
    offenders = []
    for f in PKG.rglob("*.py"):
        if f.name == "accelerators.py":
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Compare) and any(
                    isinstance(c, ast.Constant) and c.value in {"nvidia", "neuron", "amd", "tpu", "ascend", "gaudi"}
                    for c in [node.left, *node.comparators]):
                offenders.append(f"{f.relative_to(PKG)}:{node.lineno}")
    assert not offenders, offenders


@pytest.mark.parametrize("module", ["raystack.testing", "raystack.preview", "raystack.preview.cli"])
def test_public_packages_import(module):
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
