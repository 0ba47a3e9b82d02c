"""The layer order (README, "How the code is laid out") is checked by import-linter with the
contracts in pyproject.toml: the package keeps them, and a wrong import breaks them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """Run the contracts of `project`/pyproject.toml on `project`/daemon/imprimfip."""
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: pip install -e '.[test]'"
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "daemon")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_package_keeps_every_contract():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 broken." in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("ledger/states.py", "import imprimfip.service", "Layers"),
        ("tracking/finality.py", "import imprimfip.outputs", "Layers"),
        ("sandbox/ratelimit.py", "import imprimfip.errors", "The emulator stands alone"),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path, module, line, contract):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    package = tmp_path / "daemon" / "imprimfip"
    shutil.copytree(
        ROOT / "daemon" / "imprimfip", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    wrong = package / module
    wrong.write_text(wrong.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")

    done = lint_imports(tmp_path)

    assert done.returncode != 0, done.stdout
    broken = [row for row in done.stdout.splitlines() if " BROKEN" in row]
    assert len(broken) == 1 and broken[0].startswith(contract), done.stdout
    importer = "imprimfip." + module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {line.removeprefix('import ')}" in done.stdout


def test_every_module_of_the_daemon_has_its_place_in_the_contracts():
    """A module left out of the layers would be checked by nothing."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers, alone, only_service = contracts["tool"]["importlinter"]["contracts"]
    placed = {name.strip() for layer in layers["layers"] for name in re.split("[|:]", layer)}
    package = ROOT / "daemon" / "imprimfip"
    modules = {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists())
        and path.stem not in ("__init__", "__main__", "sandbox")
    }
    assert placed == modules
    daemon = {f"imprimfip.{name}" for name in modules}
    assert set(alone["forbidden_modules"]) == daemon
    assert set(only_service["source_modules"]) == daemon - {"imprimfip.service"}
