"""Shared test helpers: build a Linter the way the CLI does, run the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pgpool_lint.core import catalogue
from pgpool_lint.lint.linter import Linter, Settings

REPO = Path(__file__).resolve().parent.parent


def all_codes() -> frozenset[str]:
    return frozenset(r.code for r in catalogue.load().rules)


def linter_for_case(case: dict) -> Linter:
    """A Linter with every rule on, and the case's ``config`` applied like config-file keys."""
    from pgpool_lint.config import KEYS, apply_setting

    settings = Settings(enabled=all_codes())
    for key, value in case.get("config", {}).items():
        apply_setting(settings, key, KEYS[key](key, value))
    return Linter(settings)


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed command as a user would (a real process, real exit code and bytes)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PGPOOL_LINT_OUTPUT_FORMAT")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "pgpool_lint", *args], cwd=cwd, input=stdin,
                          capture_output=True, env=full_env, timeout=120)


def processes() -> list[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process, from /proc (Linux)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        found.append((int(pid), fields[0], int(fields[1]), int(fields[2])))
    return found
