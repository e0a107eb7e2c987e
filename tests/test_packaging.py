"""The wheel carries the rule catalogue (it is read at run time from pgpool_lint/_catalogue)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from .helpers import REPO


def test_wheel_ships_every_rule_file(tmp_path):
    pytest.importorskip("hatchling", reason="hatchling (test extra) builds the wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "-q", "-w", str(tmp_path), str(REPO)], capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    [wheel] = tmp_path.glob("pgpool_lint-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = sorted(p.name for p in (REPO / "rules").glob("*.toml"))
    assert rules and all(f"pgpool_lint/_catalogue/{name}" in names for name in rules)
    assert not any("__pycache__" in n or n.startswith("rules/") for n in names)
