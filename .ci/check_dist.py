"""Check the built sdist and wheel in DIST (default dist/): one of each, of pulumi-raystack at
pyproject's version, with the metadata a team's pip reads. Stdlib only."""

from __future__ import annotations

import email
import re
import sys
import tarfile
import zipfile
from pathlib import Path

import tomllib

root = Path(__file__).resolve().parent.parent
dist = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "dist"
project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
name, version = project["name"], project["version"]
stem = f"{name.replace('-', '_')}-{version}"
problems: list[str] = []

wheels = sorted(dist.glob(f"{stem}-*.whl"))
sdists = sorted(dist.glob(f"{stem}.tar.gz"))
if len(wheels) != 1 or len(sdists) != 1:
    sys.exit(f"check_dist: want one wheel and one sdist of {stem} in {dist}, found {wheels + sdists}")

with zipfile.ZipFile(wheels[0]) as whl:
    files = set(whl.namelist())
    meta = email.message_from_bytes(whl.read(f"{stem}.dist-info/METADATA"))
    entry_points = whl.read(f"{stem}.dist-info/entry_points.txt").decode()
if meta["Name"] != name or meta["Version"] != version:
    problems.append(f"wheel metadata names {meta['Name']} {meta['Version']}, not {name} {version}")
if meta["Requires-Python"] != project["requires-python"]:
    problems.append(f"Requires-Python {meta['Requires-Python']!r}")
if meta["License-Expression"] != project["license"]:
    problems.append(f"License-Expression {meta['License-Expression']!r}")
extras = set(meta.get_all("Provides-Extra") or [])
if not {"ray", "dev", "azure"} <= extras:
    problems.append(f"extras {sorted(extras)}: want ray, dev and azure")


def requirement(text: str) -> tuple[str, frozenset[str]]:
    """(name, specifiers) of a requirement without markers; metadata reorders the specifiers."""
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", text.split(";")[0])
    assert m, text
    return m.group(1).lower(), frozenset(p.strip() for p in m.group(2).split(",") if p.strip())


requires = {requirement(r) for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r}
for dep in project["dependencies"]:
    if requirement(dep) not in requires:
        problems.append(f"Requires-Dist lacks {dep}")
if meta["Description-Content-Type"] != "text/markdown" or "# raystack" not in str(meta.get_payload()):
    problems.append("the long description is not the README (text/markdown)")
if "raystack = raystack.preview.cli:main" not in entry_points:
    problems.append("no raystack console script")
for wanted in ("raystack/__init__.py", "raystack/py.typed", "raystack/hardware/data/aws_instances.csv",
               "raystack/versions.py", f"{stem}.dist-info/licenses/LICENSE"):
    if wanted not in files:
        problems.append(f"wheel lacks {wanted}")
if any(f.startswith(("tests/", "stacks/", "infra/")) for f in files):
    problems.append("the wheel carries the project's tests or stacks")

with tarfile.open(sdists[0]) as sd:
    names = set(sd.getnames())
for wanted in ("pyproject.toml", "README.md", "LICENSE", "components/raystack/__init__.py"):
    if f"{stem}/{wanted}" not in names:
        problems.append(f"sdist lacks {wanted}")

if problems:
    sys.exit("check_dist: " + "; ".join(problems))
print(f"check_dist: {wheels[0].name} and {sdists[0].name} OK ({len(files)} files in the wheel)")
