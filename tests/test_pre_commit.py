"""The pre-commit hooks, run by real pre-commit against a throwaway git repository.

``pre-commit try-repo`` installs the committed state of this checkout (a clone of HEAD: what
users get from the published repository) into a fresh virtualenv, then runs the hook on the
files staged for commit — exactly what ``git commit`` runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .helpers import REPO

pytestmark = pytest.mark.slow

BAD = "CREATE TABLE jobs (id int);\nSET search_path TO app;\n"
FIXED = "CREATE TABLE jobs (id int);\nSET LOCAL search_path TO app;\n"


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"})


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory):
    """A clone of this checkout's HEAD (the same commit for every run: one install)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of pgpool-lint")
    clone = tmp_path_factory.mktemp("hooks-repo") / "pgpool-lint"
    git(REPO, "clone", "-q", "--no-hardlinks", str(REPO), str(clone))
    return clone


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo, hooks_repo, home, hook: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("PGPOOL_LINT_OUTPUT_FORMAT", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo), hook, "--color", "never"],
                          cwd=repo, capture_output=True, text=True, env=env, timeout=900)


def test_sql_hook_blocks_a_bad_migration_and_passes_the_fixed_one(tmp_path, hooks_repo, pre_commit_home):
    repo = tmp_path / "app"
    (repo / "migrations").mkdir(parents=True)
    (repo / "legacy").mkdir()
    git(repo, "init", "-q")
    (repo / ".pgpool-lint.toml").write_text('extend-exclude = ["legacy"]\n')
    (repo / "migrations" / "001_jobs.sql").write_text(BAD)
    # not SQL by type, and excluded by config: pre-commit passes the latter, --force-exclude drops it
    (repo / "README.md").write_text("SET search_path TO app;\n")
    (repo / "legacy" / "old.sql").write_text("LISTEN jobs;\n")
    git(repo, "add", ".")

    blocked = try_repo(repo, hooks_repo, pre_commit_home, "pgpool-lint")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "pgpool-lint (SQL files)" in blocked.stdout and "Failed" in blocked.stdout
    assert "migrations/001_jobs.sql:2:1: PGB001 [session-set]" in blocked.stdout
    assert "README.md" not in blocked.stdout.split("pgpool-lint (SQL files)")[1]
    assert "legacy/old.sql" not in blocked.stdout and "PGB002" not in blocked.stdout

    (repo / "migrations" / "001_jobs.sql").write_text(FIXED)
    git(repo, "add", ".")
    passed = try_repo(repo, hooks_repo, pre_commit_home, "pgpool-lint")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "pgpool-lint (SQL files)" in passed.stdout and "Passed" in passed.stdout
    git(repo, "commit", "-q", "-m", "add jobs")  # the fixed migration commits
