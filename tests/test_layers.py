"""The layering contracts (pyproject.toml, [tool.importlinter]) hold, and each one fails
when a forbidden import is added: a contract that cannot fail would guard nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("dockpulse", "tenant_apps", "platform_app")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three packages and the contracts, copied: probes never touch the real tree."""
    root = tmp_path_factory.mktemp("layers")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_contracts_hold_on_the_real_tree():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "dockpulse/api/probe.py",
            "import tenant_apps.sales.models\n",
            "The core (dockpulse) imports no domain app, except its composition roots",
        ),
        (
            "dockpulse/events/probe.py",
            "from platform_app import models\n",
            "The core (dockpulse) imports no domain app, except its composition roots",
        ),
        (
            "tenant_apps/customers/probe.py",
            "import platform_app.models\n",
            "Tenant apps never import the platform app",
        ),
        (
            # customers is imported by sales; customers importing sales closes a cycle.
            "tenant_apps/customers/probe.py",
            "import tenant_apps.sales.models\n",
            "No import cycles between apps, core packages or their modules",
        ),
    ],
)
def test_each_contract_fails_when_a_forbidden_import_is_added(copy, module, line, contract):
    probe = copy / module
    probe.write_text(line)
    try:
        result = lint_imports(copy)
    finally:
        probe.unlink()
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken, result.stdout
