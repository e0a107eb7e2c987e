"""Issue 20, as a user trips it in a terminal, an editor or CI: stdin for editors, statistics
in machine formats, ignore files and exclude globs, progress, --show-settings/--show-files,
--verbose, strict config types, "did you mean" and versioned docs links."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time

import pytest

from .helpers import run_cli

SET = "SET search_path TO app;\n"
DOCS = "https://github.com/pgpool-lint/pgpool-lint/blob/v0.1.0/docs/rules.md"


def concise(*args, cwd, stdin=None, env=None):
    return run_cli("check", "--output-format", "concise", "-q", *args, cwd=cwd, stdin=stdin, env=env)


def lines_of(r) -> list[str]:
    return [line.split(":", 1)[0] for line in r.stdout.decode().splitlines()]


@pytest.fixture
def repo(tmp_path):
    (tmp_path / ".git").mkdir()
    for name in ("m/a.sql", "gen/dump.sql", "gen/keep.sql", "m/sub/b.sql", "m/sub/local.sql"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(SET)
    (tmp_path / ".gitignore").write_text("gen/*\n")
    (tmp_path / ".ignore").write_text("!gen/keep.sql\n")  # .ignore wins over .gitignore
    (tmp_path / "m" / "sub" / ".gitignore").write_text("local.sql\n")
    return tmp_path


# --- editors: --stdin-filename means stdin --------------------------------------------------

def test_stdin_filename_alone_reads_stdin_not_the_working_directory(repo):
    r = concise("--stdin-filename", "m/new.sql", cwd=repo, stdin=b"LISTEN jobs;\n")
    assert r.returncode == 1 and r.stderr == b""
    assert r.stdout.decode().startswith("m/new.sql:1:1: PGB002 [listen] ") and r.stdout.count(b"\n") == 1


def test_stdin_filename_with_a_path_still_reads_stdin_and_says_so(repo):
    r = concise("--stdin-filename", "m/new.sql", "m", cwd=repo, stdin=b"SELECT 1;\n")
    assert (r.returncode, r.stdout) == (0, b"")
    assert r.stderr == b"pgpool-lint: warning: ignoring m: --stdin-filename reads standard input\n"


# --- --statistics never breaks a machine format --------------------------------------------

def test_statistics_with_sarif_keeps_the_sarif_and_prints_the_table_on_stderr(repo):
    r = run_cli("check", "--statistics", "--output-format", "sarif", "m/a.sql", cwd=repo)
    assert r.returncode == 1
    sarif = json.loads(r.stdout)
    assert [res["ruleId"] for res in sarif["runs"][0]["results"]] == ["PGB001"]
    assert r.stderr == b"1\tPGB001\t[session-set] Session-level SET, RESET or set_config(..., false)\n"


def test_statistics_with_json_lines_is_one_object_a_line(repo):
    r = run_cli("check", "--statistics", "--output-format", "json-lines", "m/a.sql", "m/sub/b.sql", cwd=repo)
    assert r.stdout == b'{"code": "PGB001", "name": "session-set", "count": 2}\n' and r.returncode == 1


# --- .gitignore / .ignore ------------------------------------------------------------------

def test_walks_honour_gitignore_and_ignore_files(repo):
    r = concise(cwd=repo)
    assert lines_of(r) == ["gen/keep.sql", "m/a.sql", "m/sub/b.sql"]
    # walking a folder below the root still reads the root's ignore files (up to .git)
    assert lines_of(concise("gen", cwd=repo)) == ["gen/keep.sql"]


def test_no_respect_gitignore_and_explicit_paths(repo):
    assert lines_of(concise("--no-respect-gitignore", cwd=repo)) == [
        "gen/dump.sql", "gen/keep.sql", "m/a.sql", "m/sub/b.sql", "m/sub/local.sql"]
    (repo / "pyproject.toml").write_text("[tool.pgpool-lint]\nrespect-gitignore = false\n")
    assert len(lines_of(concise(cwd=repo))) == 5
    (repo / "pyproject.toml").unlink()
    # a file named on the command line is what the user asked for: it is linted
    assert lines_of(concise("gen/dump.sql", "m/sub/local.sql", cwd=repo)) == ["gen/dump.sql", "m/sub/local.sql"]


def test_show_files_lists_what_a_run_would_check(repo):
    r = run_cli("check", "--show-files", cwd=repo)
    assert (r.returncode, r.stdout) == (0, b"gen/keep.sql\nm/a.sql\nm/sub/b.sql\n")
    r = run_cli("check", "--show-files", "nowhere.sql", cwd=repo)
    assert (r.returncode, r.stderr) == (2, b"pgpool-lint: error: nowhere.sql: no such file or directory\n")


# --- what git reads besides .gitignore: info/exclude and the global excludes file -----------

@pytest.fixture
def git_repo(tmp_path):
    """A real repository, with a home of its own (no user or system git config leaks in)."""
    import shutil

    if shutil.which("git") is None:
        pytest.skip("needs git")
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "GIT_CONFIG_NOSYSTEM": "1"}
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("app/q.sql", "gen/dump.sql", "gen/keep.sql", "scratch.local.sql", "notes/x.sql"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(SET)
    git(repo, env, "init", "-q")
    return repo, home, env


def git(repo, env, *args) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **env}, capture_output=True, check=True)
    return done.stdout.decode()


def shown_files(cwd, env, *paths) -> list[str]:
    r = run_cli("check", "--show-files", *paths, cwd=cwd, env=env)
    assert r.returncode == 0, r.stderr
    return sorted(r.stdout.decode().splitlines())  # the order is tested elsewhere


def test_info_exclude_and_the_global_excludes_file_rank_below_gitignore_as_in_git(git_repo):
    repo, home, env = git_repo
    (repo / ".git" / "info" / "exclude").write_text("gen/*\n")
    (repo / ".gitignore").write_text("!gen/keep.sql\n")  # a .gitignore outranks info/exclude
    (home / ".config" / "git" / "ignore").write_text("*.local.sql\n")  # the default global file
    expected = ["app/q.sql", "gen/keep.sql", "notes/x.sql"]
    assert shown_files(repo, env) == expected
    # what git itself would list: tracked or untracked, not ignored
    assert sorted(git(repo, env, "ls-files", "-co", "--exclude-standard", "*.sql").split()) == expected
    assert shown_files(repo, env, "gen") == ["gen/keep.sql"]  # a walk below the root reads them too
    r = run_cli("check", "--show-files", "--no-respect-gitignore", cwd=repo, env=env)
    assert len(r.stdout.splitlines()) == 5


def test_core_excludes_file_from_git_config_replaces_the_default(git_repo):
    repo, home, env = git_repo
    (home / ".config" / "git" / "ignore").write_text("*.local.sql\n")
    (home / "my-ignore").write_text("notes/\n")
    git(repo, env, "config", "core.excludesFile", "~/my-ignore")  # '~' is expanded as git does
    assert shown_files(repo, env) == ["app/q.sql", "gen/dump.sql", "gen/keep.sql", "scratch.local.sql"]
    assert sorted(git(repo, env, "ls-files", "-co", "--exclude-standard", "*.sql").split()) == [
        "app/q.sql", "gen/dump.sql", "gen/keep.sql", "scratch.local.sql"]


def test_a_linked_worktree_reads_the_common_info_exclude(git_repo):
    repo, home, env = git_repo
    (repo / ".git" / "info" / "exclude").write_text("gen/\n")
    git(repo, env, "add", "app")
    git(repo, env, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "x")
    git(repo, env, "worktree", "add", "-q", str(repo.parent / "linked"))
    linked = repo.parent / "linked"
    assert (linked / ".git").is_file()
    (linked / "gen").mkdir()
    (linked / "gen" / "dump.sql").write_text(SET)
    assert shown_files(linked, env) == ["app/q.sql"]


def test_without_git_the_default_places_are_read(git_repo):
    repo, home, env = git_repo
    (repo / ".git" / "info" / "exclude").write_text("gen/\n")
    (home / ".config" / "git" / "ignore").write_text("*.local.sql\n")
    no_git = repo.parent / "empty-bin"
    no_git.mkdir()
    assert shown_files(repo, {**env, "PATH": str(no_git)}) == ["app/q.sql", "notes/x.sql"]


def test_an_excludes_file_that_is_a_fifo_is_not_waited_on(git_repo):
    repo, home, env = git_repo
    os.mkfifo(home / "fifo")
    git(repo, env, "config", "core.excludesFile", str(home / "fifo"))
    os.mkfifo(repo / ".gitignore")
    assert shown_files(repo, env) == ["app/q.sql", "gen/dump.sql", "gen/keep.sql", "notes/x.sql",
                                      "scratch.local.sql"]


# --- exclude globs: gitignore semantics, linear time ---------------------------------------

def test_exclude_globs_have_gitignore_semantics(repo):
    # a '/' inside a pattern anchors it at the config's folder, as in .gitignore
    (repo / "pyproject.toml").write_text('[tool.pgpool-lint]\nextend-exclude = ["/m/a.sql", "sub/*.sql"]\n')
    assert lines_of(concise(cwd=repo)) == ["gen/keep.sql", "m/sub/b.sql"]
    (repo / "pyproject.toml").write_text('[tool.pgpool-lint]\nextend-exclude = ["/m/a.sql", "**/sub/*.sql"]\n')
    assert lines_of(concise(cwd=repo)) == ["gen/keep.sql"]
    (repo / "pyproject.toml").write_text('[tool.pgpool-lint]\nextend-exclude = ["a.sql", "sub/"]\n')
    assert lines_of(concise("--no-respect-gitignore", cwd=repo)) == ["gen/dump.sql", "gen/keep.sql"]


def test_a_backtracking_exclude_glob_in_the_repository_config_runs_in_linear_time(tmp_path):
    """Issue 15: ``*a*a*a*a*a*b`` against a 200-character name took over a minute with a
    backtracking matcher.  Matching is linear now: 4x the name, about 4x the time (a
    quintic matcher would be 1024x)."""
    from pgpool_lint.config import GlobSet

    globs = GlobSet(["*a*a*a*a*a*b"])

    def cost(n: int) -> float:
        name = "a" * n + ".sql"
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(200):
                assert not globs.matches(name)
            best = min(best, time.perf_counter() - start)
        return best

    assert cost(200) / cost(50) < 16
    (tmp_path / "pyproject.toml").write_text('[tool.pgpool-lint]\nextend-exclude = ["*a*a*a*a*a*b"]\n')
    (tmp_path / ("a" * 200 + ".sql")).write_text(SET)
    (tmp_path / ("a" * 100 + "b")).mkdir()  # the glob still excludes what it matches
    (tmp_path / ("a" * 100 + "b") / "x.sql").write_text(SET)
    r = concise(cwd=tmp_path)
    assert (r.returncode, lines_of(r)) == (1, ["a" * 200 + ".sql"])


# --- progress: terminals only --------------------------------------------------------------

def _run_with_terminal_stderr(cwd, env: dict) -> bytes:
    main, secondary = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")} | env
    proc = subprocess.Popen([sys.executable, "-m", "pgpool_lint", "check", "--output-format", "concise", "-q"],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=secondary, env=full_env)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=120)
    os.close(main)
    assert proc.returncode == 1
    return seen


def test_progress_bar_on_a_terminal_only_and_never_in_ci(repo):
    env = {"PGPOOL_LINT_PROGRESS_DELAY": "0"}  # a long run, as far as the bar is concerned
    assert b"checking" in _run_with_terminal_stderr(repo, env)
    assert b"checking" not in _run_with_terminal_stderr(repo, env | {"CI": "true"})
    assert b"checking" not in _run_with_terminal_stderr(repo, {})  # a quick run: no bar
    r = concise(cwd=repo, env=env)  # stderr a pipe
    assert r.stderr == b""


# --- settings: what is in force, where it came from, strict types ---------------------------

def test_show_settings_and_verbose_name_the_config_file(repo):
    (repo / "pyproject.toml").write_text('[tool.pgpool-lint]\nselect = ["session-set"]\npool-mode = "statement"\n')
    r = run_cli("check", "--show-settings", cwd=repo)
    out = r.stdout.decode()
    assert r.returncode == 0 and r.stderr == b""
    assert f'config-file = "{repo / "pyproject.toml"}"\n' in out and 'select = ["PGB001"]\n' in out
    assert 'pool-mode = "statement"\n' in out and "respect-gitignore = true\n" in out
    r = run_cli("check", "-v", "m/a.sql", cwd=repo)
    assert r.stderr.decode().startswith(f"pgpool-lint: config: {repo / 'pyproject.toml'}\n")
    r = run_cli("check", "-v", "--isolated", "m/a.sql", cwd=repo)
    assert r.stderr.decode().startswith("pgpool-lint: config: none (--isolated)\n")


def test_a_string_where_a_list_belongs_is_a_config_error(repo):
    (repo / "pyproject.toml").write_text('[tool.pgpool-lint]\nselect = "PGB001"\n')
    r = run_cli("check", "m/a.sql", cwd=repo)
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr == f"pgpool-lint: error: {repo / 'pyproject.toml'}: `select` must be a list of strings\n".encode()


def test_misspelt_rule_names_get_a_suggestion(repo):
    r = run_cli("rule", "sesion-set", cwd=repo)
    assert (r.returncode, r.stderr) == (
        2, b"pgpool-lint: error: unknown rule `sesion-set` (did you mean `session-set`?) (see `pgpool-lint rules`)\n")
    r = run_cli("check", "--select", "PGB0", "m/a.sql", cwd=repo)  # a prefix is fine
    assert r.returncode == 1
    r = run_cli("check", "--ignore", "advisory-lok", "m/a.sql", cwd=repo)
    assert r.stderr == (b"pgpool-lint: error: unknown rule selector `advisory-lok` (did you mean "
                        b"`session-advisory-lock`?) (see `pgpool-lint rules`)\n")
    r = run_cli("rule", "zzzzzz", cwd=repo)
    assert r.stderr == b"pgpool-lint: error: unknown rule `zzzzzz` (see `pgpool-lint rules`)\n"


def test_every_finding_links_the_docs_of_the_installed_version(repo):
    data = json.loads(run_cli("check", "--output-format", "json", "m/a.sql", cwd=repo).stdout)
    assert data[0]["url"] == f"{DOCS}#pgb001-session-set"
    line = run_cli("check", "--output-format", "json-lines", "m/a.sql", cwd=repo).stdout.splitlines()[1]
    assert json.loads(line)["url"] == f"{DOCS}#pgb001-session-set"
    run = json.loads(run_cli("check", "--output-format", "sarif", "m/a.sql", cwd=repo).stdout)["runs"][0]
    assert run["results"][0]["properties"]["url"] == f"{DOCS}#pgb001-session-set"
    assert {r["helpUri"].split("#")[0] for r in run["tool"]["driver"]["rules"]} == {DOCS}


def test_ignore_files_and_globs_read_file_names_that_are_not_utf8(repo):
    (repo / "m").joinpath(os.fsdecode(b"caf\xe9.sql")).write_text(SET)
    (repo / "m").joinpath(os.fsdecode(b"gen\xe9.tmp.sql")).write_text(SET)
    (repo / ".gitignore").write_text("gen/*\n*.tmp.sql\n")
    r = concise("--extend-exclude", "caf?.sql", cwd=repo)  # ? matches the undecodable byte
    assert (r.returncode, lines_of(r)) == (1, ["gen/keep.sql", "m/a.sql", "m/sub/b.sql"])
    assert r.stderr == b""
