"""The pre-commit hooks, run by real pre-commit from a real ``git commit``.

A throwaway git repository uses this checkout's hooks the way users do: its
``.pre-commit-config.yaml`` names the repository (a clone of this checkout's HEAD, i.e. the
committed state a user would get) and a rev; ``pre-commit install`` puts the hook in place,
pre-commit installs pgpool-lint into its own virtualenv (from PyPI and the clone), and each
``git commit`` runs the hooks on the staged files.  (``pre-commit try-repo`` would do the
same but reinstalls the environment on every call.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .helpers import REPO

pytestmark = pytest.mark.slow

BAD = "BEGIN;\nSET search_path TO app;\nCREATE TABLE jobs (id int);\nCOMMIT;\n"
FIXED = BAD.replace("SET search_path", "SET LOCAL search_path")
CODE_BAD = ('def run(cur):\n    with cur.connection.transaction():\n        cur.execute(\n'
            '            "SELECT pg_advisory_lock(42)")\n')
# the lock is meant for the direct connection this function gets: say so
CODE_FIXED = CODE_BAD.replace("cur.execute(\n",
                              "cur.execute(  # pgpool-lint: ignore[session-advisory-lock] (direct connection)\n")


def run(repo, *args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=repo, capture_output=True, text=True, timeout=900, env=env)


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory):
    """A clone of this checkout's HEAD, and that commit's id."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of pgpool-lint")
    clone = tmp_path_factory.mktemp("hooks-repo") / "pgpool-lint"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)], check=True)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, check=True, capture_output=True,
                         text=True).stdout.strip()
    return clone, rev


@pytest.fixture
def app(tmp_path, tmp_path_factory, hooks_repo):
    clone, rev = hooks_repo
    env = {k: v for k, v in os.environ.items() if k not in ("PGPOOL_LINT_OUTPUT_FORMAT", "NO_COLOR")}
    env.update({"PRE_COMMIT_HOME": str(tmp_path_factory.getbasetemp() / "pre-commit-home"),
                "PRE_COMMIT_COLOR": "never", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
                # the user's git config (core.hooksPath, templates, signing) stays out of it
                "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"})
    (tmp_path / "gitconfig").write_text("")
    repo = tmp_path / "app"
    repo.mkdir()
    assert run(repo, "git", "init", "-q", env=env).returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {clone}\n    rev: {rev}\n    hooks:\n"
        "      - id: pgpool-lint\n      - id: pgpool-lint-code\n")
    installed = run(repo, sys.executable, "-m", "pre_commit", "install", env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo, env


def commit(repo, env, message: str) -> subprocess.CompletedProcess:
    assert run(repo, "git", "add", "-A", env=env).returncode == 0
    return run(repo, "git", "commit", "-q", "-m", message, env=env)


def head(repo, env) -> str:
    return run(repo, "git", "log", "--format=%s", env=env).stdout.strip()


def test_hooks_block_bad_commits_and_pass_fixed_ones(app):
    repo, env = app
    (repo / "migrations").mkdir()
    (repo / "legacy").mkdir()
    (repo / "app").mkdir()
    (repo / ".pgpool-lint.toml").write_text('extend-exclude = ["legacy"]\n')
    (repo / "migrations" / "001_jobs.sql").write_text(BAD)
    # excluded by config: pre-commit passes it, --force-exclude drops it
    (repo / "legacy" / "old.sql").write_text("LISTEN jobs;\n")
    # not SQL and not code: never passed
    (repo / "README.md").write_text("SET search_path TO app;\n")
    (repo / "app" / "db.py").write_text(CODE_BAD)

    blocked = commit(repo, env, "add jobs")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert head(repo, env) == ""  # nothing was committed
    sql_part, _, code_part = out.partition("pgpool-lint (SQL in application code)")
    assert "pgpool-lint (SQL files)" in sql_part and "Failed" in sql_part
    assert "migrations/001_jobs.sql:2:1: PGB001 [session-set]" in sql_part
    assert "Failed" in code_part and "app/db.py:4:21: PGB007 [session-advisory-lock]" in code_part
    assert "app/db.py" not in sql_part and "migrations/" not in code_part  # each hook its own files
    assert "legacy/old.sql" not in out and "PGB002" not in out and "README.md" not in out

    (repo / "migrations" / "001_jobs.sql").write_text(FIXED)
    still_blocked = commit(repo, env, "add jobs")  # the code file still has its finding
    assert still_blocked.returncode != 0 and head(repo, env) == ""
    out = still_blocked.stdout + still_blocked.stderr
    assert "pgpool-lint (SQL files)" in out and "app/db.py:4:21: PGB007" in out
    assert "Passed" in out.partition("pgpool-lint (SQL in application code)")[0]

    (repo / "app" / "db.py").write_text(CODE_FIXED)
    passed = commit(repo, env, "add jobs")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert head(repo, env) == "add jobs"


def test_code_hook_reads_the_issue_19_languages(app):
    """Elixir, PHP, C#, Rust and Kotlin files go to the code hook (their identify tags are in its
    types_or) and are linted there; a file in none of them (README) is not passed."""
    repo, env = app
    files = {
        "lib/jobs.ex": 'Repo.query!("LISTEN jobs")\n',
        "src/db.php": "<?php $pdo->exec('LISTEN jobs');\n",
        "Db.cs": 'class Db { void F() { conn.Execute("LISTEN jobs"); } }\n',
        "src/main.rs": 'fn f() { sqlx::query("LISTEN jobs"); }\n',
        "Db.kt": 'fun f() { stmt.execute("LISTEN jobs") }\n',
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    blocked = commit(repo, env, "listeners")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0 and head(repo, env) == "", out
    code_part = out.partition("pgpool-lint (SQL in application code)")[2]
    for where in ("lib/jobs.ex:1:14", "src/db.php:1:19", "Db.cs:1:37", "src/main.rs:1:23", "Db.kt:1:25"):
        assert f"{where}: PGB002" in code_part, (where, out)
