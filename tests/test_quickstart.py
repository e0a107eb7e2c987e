"""README's Quick start works as written: its first command, run by bash in a copy of the
repository, makes a virtual environment from the lock, installs pgpool-lint and lints examples/."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from .helpers import REPO

pytestmark = pytest.mark.slow


def quick_start_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n\n```sh\n(.*?)```", readme, re.S)
    assert block, "README.md has no Quick start code block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands_the_second_runs_the_suite():
    commands = quick_start_commands()
    assert len(commands) == 2 and commands[1] == "bash .ci/run"


def test_first_command_installs_from_the_lock_and_lints_the_examples(tmp_path):
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    for name in tracked.stdout.decode().split("\0"):
        if name and (REPO / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tmp_path / name)
    first = quick_start_commands()[0]
    result = subprocess.run(["bash", "-c", first], cwd=tmp_path, capture_output=True, timeout=600)
    out = result.stdout.decode()
    assert result.returncode == 1, result.stderr.decode()[-2000:]  # 1: findings, as the README says
    assert out.endswith("Found 6 findings in 2 files (3 checked).\n"), out[-500:]
    assert "examples/migrations/0002_backfill_emails.sql" in out and "0003_reporting.sql" in out
    # the installed versions are the locked ones
    freeze = subprocess.run([str(tmp_path / ".venv/bin/python"), "-m", "pip", "freeze"], capture_output=True)
    pinned = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", (REPO / "requirements/run.txt").read_text(), re.M))
    installed = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", freeze.stdout.decode(), re.M))
    norm = {k.lower().replace("_", "-"): v for k, v in installed.items()}
    assert {k.lower(): v for k, v in pinned.items()}.items() <= norm.items()
