"""The dependency direction of DESIGN.md §1, checked by parsing every import.

province → shared, sync; hq → shared, sync; sync → shared, tenants; shared and tenants →
nothing of ours. province and hq never import each
other: what they must tell each other is a sync message.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = {"config", "tenants", "shared", "province", "hq", "sync"}
ALLOWED = {
    "tenants": set(),
    "shared": set(),
    "sync": {"shared", "tenants"},
    "province": {"shared", "sync"},
    "hq": {"shared", "sync"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


def test_import_direction():
    violations = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            bad = imported_packages(path) - allowed - {package}
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert violations == []


def test_checker_detects_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from hq.federation.models import ProvinceSummary\nimport sync\n")
    assert imported_packages(sample) == {"hq", "sync"}
