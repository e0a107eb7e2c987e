"""The command line as a user runs it: real processes, exact bytes and exit codes."""

from __future__ import annotations

import json
import os
import re

import pytest

from .helpers import processes, run_cli

BAD = "SELECT 1;\nSET search_path TO app;\nLISTEN jobs;\n"
CLEAN = "CREATE TABLE t (id int);\nNOTIFY jobs;\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_bad.sql").write_text(BAD)
    (tmp_path / "migrations" / "002_clean.sql").write_text(CLEAN)
    (tmp_path / "notes.txt").write_text("SET search_path TO app;")
    return tmp_path


def test_concise_output_bytes_and_exit_code(project):
    r = run_cli("check", "--output-format", "concise", "migrations", cwd=project)
    assert r.returncode == 1
    assert r.stdout.decode() == (
        "migrations/001_bad.sql:2:1: PGB001 [session-set] `SET search_path TO app` stays on the server connection "
        "after this transaction: later transactions may run on another server connection without it and fail with "
        "`relation ... does not exist`, while another client may inherit it (safe only with PgBouncer ≥ 1.26 on "
        "PostgreSQL ≥ 18, or `search_path` in `track-extra-parameters` on a server that reports it; profile: "
        "PgBouncer 1.25, PostgreSQL version unknown)\n"
        "migrations/001_bad.sql:3:1: PGB002 [listen] `LISTEN jobs` registers the server connection, not your client: "
        "after this transaction the pooler may give you another connection, so notifications never reach you and may "
        "reach another client\n"
        "Found 2 findings in 1 file (2 checked).\n"
    )
    assert r.stderr == b""


def test_clean_exit_zero_and_quiet(project):
    r = run_cli("check", "migrations/002_clean.sql", cwd=project)
    assert (r.returncode, r.stdout) == (0, b"All checks passed! (1 file checked)\n")
    r = run_cli("check", "-q", "--output-format", "concise", "migrations/002_clean.sql", cwd=project)
    assert (r.returncode, r.stdout) == (0, b"")


def test_exit_zero_flag(project):
    r = run_cli("check", "--exit-zero", "-q", "--output-format", "concise", "migrations", cwd=project)
    assert r.returncode == 0 and r.stdout.count(b"\n") == 2


def test_json_contract(project):
    r = run_cli("check", "--output-format", "json", "migrations/001_bad.sql", cwd=project)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert [set(d) for d in data] == [{"code", "name", "message", "help", "severity", "filename", "location",
                                       "end_location", "fix", "source_kind", "url"}] * 2
    first = data[0]
    # the docs of the installed version, not of whatever main says today
    assert first["url"] == "https://github.com/pgpool-lint/pgpool-lint/blob/v0.1.0/docs/rules.md#pgb001-session-set"
    assert first["code"] == "PGB001" and first["name"] == "session-set" and first["severity"] == "error"
    assert first["filename"] == "migrations/001_bad.sql"
    assert first["location"] == {"row": 2, "column": 1} and first["end_location"] == {"row": 2, "column": 23}
    assert first["source_kind"] == "sql"
    assert "SET LOCAL search_path TO app" in first["help"]


def test_json_when_clean_is_an_empty_list(project):
    r = run_cli("check", "--output-format", "json", "migrations/002_clean.sql", cwd=project)
    assert (r.returncode, json.loads(r.stdout)) == (0, [])


def test_stdin_with_filename(project):
    r = run_cli("check", "--output-format", "concise", "-q", "--stdin-filename", "db/x.sql", "-",
                cwd=project, stdin=b"LISTEN q;")
    assert r.returncode == 1 and r.stdout.startswith(b"db/x.sql:1:1: PGB002 [listen] ")


@pytest.mark.parametrize("selector", ["PGB002", "listen", "LISTEN", "pgb002"])
def test_select_by_code_or_name(project, selector):
    r = run_cli("check", "--output-format", "concise", "-q", "--select", selector, "migrations", cwd=project)
    assert r.returncode == 1 and r.stdout.decode().splitlines() == [
        l for l in r.stdout.decode().splitlines() if " PGB002 " in l
    ] and len(r.stdout.decode().splitlines()) == 1


def test_ignore_by_name_and_code(project):
    r = run_cli("check", "-q", "--output-format", "concise", "--ignore", "session-set,PGB002", "migrations", cwd=project)
    assert (r.returncode, r.stdout) == (0, b"")


def test_unknown_selector_is_a_usage_error(project):
    r = run_cli("check", "--select", "sesion-set", "migrations", cwd=project)
    assert r.returncode == 2
    assert b"unknown rule selector `sesion-set`" in r.stderr and b"Traceback" not in r.stderr


def test_statistics(project):
    r = run_cli("check", "--statistics", "migrations", cwd=project)
    assert r.returncode == 1
    assert r.stdout.decode().splitlines() == [
        "1\tPGB001\t[session-set] Session-level SET, RESET or set_config(..., false)",
        "1\tPGB002\t[listen] LISTEN / UNLISTEN through a transaction pooler",
    ]
    r = run_cli("check", "--statistics", "--output-format", "json", "migrations", cwd=project)
    assert json.loads(r.stdout) == [{"code": "PGB001", "name": "session-set", "count": 1},
                                    {"code": "PGB002", "name": "listen", "count": 1}]


def test_directory_recursion_only_takes_sql_and_skips_excluded(project):
    (project / "node_modules").mkdir()
    (project / "node_modules" / "x.sql").write_text(BAD)
    r = run_cli("check", "--output-format", "json", ".", cwd=project)
    assert sorted({d["filename"] for d in json.loads(r.stdout)}) == ["migrations/001_bad.sql"]


def test_missing_path_is_an_error_but_other_files_are_linted(project):
    r = run_cli("check", "--output-format", "concise", "-q", "nope.sql", "migrations/001_bad.sql", cwd=project)
    assert r.returncode == 2
    assert b"nope.sql: no such file or directory" in r.stderr
    assert r.stdout.count(b"migrations/001_bad.sql") == 2


def test_unreadable_encoding_is_a_finding_and_others_still_linted(project):
    (project / "migrations" / "003_latin1.sql").write_bytes(b"SELECT 'caf\xe9';")
    r = run_cli("check", "--output-format", "concise", "-q", "migrations", cwd=project)
    lines = r.stdout.decode().splitlines()
    assert r.returncode == 1
    assert "migrations/003_latin1.sql:1:1: PGB900 [unreadable-file] File is not valid UTF-8" in lines[-1]
    assert len(lines) == 3


def test_config_in_pyproject(project):
    (project / "pyproject.toml").write_text(
        '[tool.pgpool-lint]\nignore = ["listen"]\nextend-exclude = ["legacy"]\n'
        '[tool.pgpool-lint.per-file-ignores]\n"migrations/001_*.sql" = ["PGB001"]\n'
    )
    (project / "legacy").mkdir()
    (project / "legacy" / "old.sql").write_text(BAD)
    r = run_cli("check", "--output-format", "json", ".", cwd=project)
    assert (r.returncode, json.loads(r.stdout)) == (0, [])


def test_config_found_walking_up_and_dotfile(project):
    (project / ".pgpool-lint.toml").write_text('select = ["PGB002"]\n')
    r = run_cli("check", "--output-format", "concise", "-q", "001_bad.sql", cwd=project / "migrations")
    assert r.stdout.decode().splitlines() == [
        l for l in r.stdout.decode().splitlines() if "PGB002" in l] and r.returncode == 1


@pytest.mark.parametrize(
    "content,message",
    [
        ('[tool.pgpool-lint]\nselct = ["ALL"]\n', b"unknown setting `selct`"),
        ('[tool.pgpool-lint]\nselect = "PGB001\n', b"invalid TOML"),
        ('[tool.pgpool-lint]\nignore = [1]\n', b"`ignore` must be a list of strings"),
        ('[tool.pgpool-lint]\nignore = ["PGB999"]\n', b"unknown rule selector `PGB999`"),
    ],
)
def test_bad_config_is_a_clear_error(project, content, message):
    (project / "pyproject.toml").write_text(content)
    r = run_cli("check", "migrations", cwd=project)
    assert r.returncode == 2 and message in r.stderr and b"Traceback" not in r.stderr
    assert r.stdout == b""


def test_suppressions(project):
    sql = (
        "SET search_path TO app; -- pgpool-lint: ignore[session-set]\n"
        "-- pgpool-lint: ignore[PGB002]\n"
        "LISTEN a;\n"
        "LISTEN b; -- noqa: PGB002\n"
        "LISTEN c; -- noqa\n"
        "LISTEN d; /* pgpool-lint: ignore[sesion-set] */\n"
        "SELECT pg_advisory_lock(1); -- pgpool-lint: ignore[listen]\n"
    )
    (project / "s.sql").write_text(sql)
    r = run_cli("check", "--output-format", "concise", "-q", "s.sql", cwd=project)
    lines = r.stdout.decode().splitlines()
    assert [l.split(" [")[0] for l in lines] == [
        "s.sql:6:1: PGB002", "s.sql:6:14: PGB100", "s.sql:7:8: PGB007",
        "s.sql:7:32: PGB101"]  # ignore[listen] on a line without LISTEN: unused-suppression


def test_file_ignore(project):
    (project / "f.sql").write_text("-- pgpool-lint: file-ignore[listen, PGB001]\nLISTEN a;\nSET x.y = 1;\nLOAD 'z';\n")
    r = run_cli("check", "--output-format", "concise", "-q", "f.sql", cwd=project)
    assert [l.split(" [")[0] for l in r.stdout.decode().splitlines()] == ["f.sql:4:1: PGB006"]


def test_full_format_without_terminal_has_no_colour(project):
    r = run_cli("check", "migrations/001_bad.sql", cwd=project)
    out = r.stdout.decode()
    assert "\x1b[" not in out
    assert "2 | SET search_path TO app;\n  | ^^^^^^^^^^^^^^^^^^^^^^\n" in out
    assert "  help: Inside a transaction, use `SET LOCAL search_path TO app`." in out
    assert "  see: pgpool-lint rule PGB001" in out


def test_full_format_colour_forced_but_no_color_wins(project):
    coloured = run_cli("check", "migrations/001_bad.sql", cwd=project, env={"FORCE_COLOR": "1"})
    assert b"\x1b[" in coloured.stdout
    plain = run_cli("check", "migrations/001_bad.sql", cwd=project, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert b"\x1b[" not in plain.stdout
    # rich styles the coloured output; the plain one is written without it: same text either way
    assert re.sub(rb"\x1b\[[0-9;]*m", b"", coloured.stdout) == plain.stdout


def test_escape_sequences_from_files_never_reach_the_terminal(project):
    (project / "evil.sql").write_text("SET search_path TO \"\x1b[31mred\x1b]0;title\x07\";\n")
    for fmt in ("full", "concise"):
        r = run_cli("check", "--output-format", fmt, "evil.sql", cwd=project)
        assert b"\x1b" not in r.stdout and b"\x07" not in r.stdout and b"\\x1b" in r.stdout
    r = run_cli("check", "evil.sql", cwd=project, env={"FORCE_COLOR": "1"})
    assert b"\x1b]" not in r.stdout and b"\x1b[31m" not in r.stdout and b"\x07" not in r.stdout


def test_rule_and_rules_commands():
    r = run_cli("rule", "session-set")
    assert r.returncode == 0 and r.stdout.startswith(b"# session-set (PGB001)\n")
    for section in (b"## What it does", b"## Why is this bad?", b"## Example", b"Use instead:", b"## Fix safety"):
        assert section in r.stdout
    r = run_cli("rule", "PGB007", "--output-format", "json")
    assert json.loads(r.stdout)["name"] == "session-advisory-lock"
    r = run_cli("rule", "nope")
    assert r.returncode == 2 and b"unknown rule `nope`" in r.stderr
    r = run_cli("rules", "--output-format", "json")
    codes = [x["code"] for x in json.loads(r.stdout)]
    assert codes == sorted(codes) and {"PGB000", "PGB001", "PGB008"} <= set(codes)


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith(b"pgpool-lint ")


def test_parallel_batches_take_large_files_first_then_the_others_in_report_order():
    """Workers get the large files first (largest first, each alone), then the others in the
    order of the report (written while they lint) in batches that shrink towards the end;
    every file is in exactly one batch (the report keeps the order, test_gate_equivalence)."""
    from pgpool_lint.cli import BATCH_MAX_BYTES, BATCH_MIN_BYTES, _batches

    sizes = [10, 5_000_000, 300, 0, 100_000, 2_000_000] + [1_000] * 200 + [3_000] * 300
    batches = _batches(sizes, 2)
    assert sorted(i for b in batches for i in b) == list(range(len(sizes)))
    assert batches[:3] == [[1], [5], [4]]  # each large file alone, the largest first
    rest = [i for b in batches[3:] for i in b]
    assert rest == sorted(rest) and 0 in rest  # the others in their own order
    assert all(len(b) <= 64 for b in batches)
    assert all(sum(sizes[i] for i in b[:-1]) < BATCH_MAX_BYTES for b in batches)  # closed once full
    held = [sum(sizes[i] for i in b) for b in batches[3:-1]]
    assert held[-1] <= BATCH_MIN_BYTES + 3_000 < max(held)  # the last batches are the smallest
    assert len(batches) < len(sizes) / 4


def test_workers_write_what_one_process_writes(tmp_path):
    """-j2 and -j3 (this process lints a share, the workers the rest) print the same bytes as
    -j1: findings in file order, an error for a missing path and skips on stderr in their
    place, the summary and exit code; with files named (workers started before the files are
    found) and with a folder (started after). Large files and more than a batch of small ones,
    so that the work is shared."""
    (tmp_path / "db").mkdir()
    names = []
    for n in range(150):
        name = f"db/{n:03d}.sql"
        body = BAD if n % 4 == 0 else CLEAN if n % 4 == 1 else f"SELECT {n};\n"
        if n in (7, 90):  # a large file goes to a worker first, alone
            body = "".join(f"INSERT INTO t VALUES ({i}, 'row {i}');\n" for i in range(2_000)) + BAD
        (tmp_path / name).write_text(body)
        names.append(name)
    (tmp_path / "db" / "050.sql").write_bytes(b"SET search_path TO \xff;\n")  # not UTF-8: PGB9xx
    (tmp_path / "db" / "060.py").write_text("def f(:\n    cur.execute('LISTEN x')\n")  # skipped
    (tmp_path / "db" / "070.sql").unlink()
    os.mkfifo(tmp_path / "db" / "070.sql")  # skipped: not a regular file
    names[60:60] = ["db/060.py", "missing.sql"]
    runs = {}
    for jobs in ("1", "2", "3"):
        for fmt in ("concise", "json", "full"):
            for paths in (names, ["db", "missing.sql"]):
                r = run_cli("check", "--isolated", "--jobs", jobs, "--output-format", fmt, *paths, cwd=tmp_path)
                runs[jobs, fmt, len(paths)] = (r.returncode, r.stdout, r.stderr)
    one = runs["1", "concise", len(names)]
    assert one[0] == 2 and one[1].count(b" PGB001 ") == 40  # 38 small, 2 large files
    assert one[1].index(b"db/000.sql:") < one[1].index(b"db/007.sql:") < one[1].index(b"db/148.sql:")
    assert b"db/050.sql:1:1: PGB9" in one[1]
    errors = [line for line in one[2].decode().splitlines() if "skipped" in line or "error" in line]
    assert errors == ["pgpool-lint: warning: skipped db/060.py: not valid python (line 1): invalid syntax",
                      "pgpool-lint: error: missing.sql: no such file or directory",
                      "pgpool-lint: warning: skipped db/070.sql: not a regular file"]
    for (jobs, fmt, n), run in runs.items():
        assert run == runs["1", fmt, n], f"-j{jobs} --output-format {fmt} with {n} paths"
    # workers started for the paths named, then fewer files than processes (or one): the same
    for paths in (["db/000.sql", "missing.sql", "db/004.sql"], ["db/000.sql", "missing.sql"]):
        one, *more = (run_cli("check", "--isolated", "--jobs", jobs, "--output-format", "concise", *paths, cwd=tmp_path)
                      for jobs in ("1", "2", "3"))
        assert one.returncode == 2 and one.stdout.count(b" PGB001 ") == len(paths) - 1
        assert all((r.returncode, r.stdout, r.stderr) == (one.returncode, one.stdout, one.stderr) for r in more)


def test_the_first_files_named_are_linted_by_a_worker_while_the_others_are_found(tmp_path, monkeypatch):
    """Workers started early lint the first regular files named (``_guess_first_files``) while
    this process finds the files; their results count only when discovery lists those files
    first, in that order, with those names (``_guessed_batches``)."""
    from pgpool_lint import cli
    from pgpool_lint.config import GlobSet

    monkeypatch.chdir(tmp_path)
    (tmp_path / "db").mkdir()
    for n in range(6):
        (tmp_path / "db" / f"{n}.sql").write_text(BAD)
    monkeypatch.setattr(cli, "GUESSED_BATCH_FILES", 2)
    named = ("db/0.sql", "./db/1.sql", "db//2.sql", "db/3.sql", "db", "db/4.sql")
    # two batches for two workers, the paths as discovery gives them; up to the folder for more
    assert cli._guess_first_files(named, 2) == [[("db/0.sql", "db/0.sql"), ("db/1.sql", "./db/1.sql")],
                                                [("db/2.sql", "db//2.sql"), ("db/3.sql", "db/3.sql")]]
    assert cli._guess_first_files(named, 3)[2:] == []
    assert cli._guess_first_files(("-", "db/0.sql"), 1) == []
    assert cli._guess_first_files(("missing.sql", "db/0.sql"), 1) == []
    def found(*paths):
        return list(cli._discover(paths, GlobSet([]), tmp_path, False, None))

    assert cli._guessed_batches(cli._guess_first_files(named, 2), found(*named)) == [[0, 1], [2, 3]]
    twice = ("db/0.sql", "./db/0.sql")  # one file named twice: discovery lists it once
    assert cli._guessed_batches(cli._guess_first_files(twice, 1), found(*twice)) == []
    assert cli._guessed_batches(cli._guess_first_files(("db/0.sql", "db/1.sql"), 1), found("db/1.sql")) == []


def test_workers_write_what_one_process_writes_whatever_the_first_paths_named(tmp_path):
    """The first paths named are linted by a worker before discovery ends: the same bytes as -j1
    when discovery lists them otherwise (named twice, a folder among them, missing, excluded)."""
    from pgpool_lint.cli import GUESSED_BATCH_FILES

    (tmp_path / "db").mkdir()
    names = []
    for n in range(GUESSED_BATCH_FILES + 100):  # more than the guess holds
        name = f"db/{n:03d}.sql"
        (tmp_path / name).write_text(BAD if n % 3 == 0 else CLEAN)
        names.append(name)
    for first in (["db/000.sql", "./db/000.sql"], ["db//001.sql", "db/001.sql"], ["db/002.sql", "db", "db/003.sql"],
                  ["db/004.sql", "missing.sql"], ["db/005.sql/"], ["db/006.sql", "db/006.sql"]):
        paths = first + names
        one = run_cli("check", "--isolated", "--jobs", "1", "--output-format", "concise", *paths, cwd=tmp_path)
        assert one.returncode in (1, 2) and one.stdout.count(b" PGB001 ") >= 118, first
        for jobs in ("2", "3"):
            more = run_cli("check", "--isolated", "--jobs", jobs, "--output-format", "concise", *paths, cwd=tmp_path)
            assert (more.returncode, more.stdout, more.stderr) == (one.returncode, one.stdout, one.stderr), (first, jobs)
    excluded = run_cli("check", "--isolated", "--force-exclude", "--exclude", "db/00*", "--jobs", "2",
                       "--output-format", "concise", *names, cwd=tmp_path)
    assert excluded.returncode == 1 and b"db/000.sql" not in excluded.stdout and b"db/012.sql:2:1: PGB001" in excluded.stdout


#: the command with workers started as on macOS and Windows (``python -c SPAWNED check ...``)
SPAWNED = ("import multiprocessing\nmultiprocessing.set_start_method('spawn')\n"
           "from pgpool_lint.cli import main\nmain()\n")


def test_workers_started_by_spawn_write_what_one_process_writes(tmp_path):
    """macOS and Windows start workers by spawn (a new interpreter; the settings, the batches
    and the results pickled): the same bytes as -j1, workers started early or late."""
    import subprocess
    import sys

    names = []
    for n in range(80):
        (tmp_path / f"{n:02d}.sql").write_text(BAD if n % 3 == 0 else CLEAN)
        names.append(f"{n:02d}.sql")
    for paths in (names, ["."]):
        one = run_cli("check", "--isolated", "--jobs", "1", "--output-format", "concise", *paths, cwd=tmp_path)
        assert one.returncode == 1 and one.stdout.count(b" PGB001 ") == 27
        spawn = subprocess.run([sys.executable, "-c", SPAWNED, "check", "--isolated", "--jobs", "3", "--output-format",
                                "concise", *paths], cwd=tmp_path, capture_output=True, timeout=120)
        assert (spawn.returncode, spawn.stdout, spawn.stderr) == (one.returncode, one.stdout, one.stderr)


#: statements PostgreSQL rejects, by what the dialect judge says of them (sqlglot is asked)
JUDGED = {
    "mysql": "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;\n",
    "backtick": "SELECT `a` FROM t;\n",
    "limit": "SELECT * FROM t LIMIT 5, 10;\n",  # PostgreSQL with a mistake: every reader refuses it
    "comma": "CREATE TABLE t (id int,);\n",
    "keyword": "CREATE INDEX ix ON t (a) NAMESPACE x;\n",  # another dialect's keyword, still a mistake
}


def test_workers_write_what_one_process_writes_where_the_dialect_judge_speaks(tmp_path):
    """Only this process asks sqlglot; the workers presume its readers refuse and this process
    lints again a file where they do not. The same bytes as -j1, forked or spawned: MySQL files
    skipped (--verbose says why, in its place on stderr), PostgreSQL mistakes still PGB000."""
    import subprocess
    import sys

    names = []
    for n in range(240):
        kind = list(JUDGED)[n % len(JUDGED)] if n % 3 == 0 else None
        name = f"{n:03d}_{kind or 'plain'}.sql"
        (tmp_path / name).write_text((JUDGED[kind] if kind else "") + (BAD if n % 2 else CLEAN))
        names.append(name)
    args = ("check", "--isolated", "--verbose", "--output-format", "concise", *names)
    one = run_cli(args[0], "--jobs", "1", *args[1:], cwd=tmp_path)
    assert one.returncode == 1
    parse_errors = sorted({line.split(b"_")[1].split(b".")[0] for line in one.stdout.splitlines() if b" PGB000 " in line})
    assert parse_errors == [b"comma", b"keyword", b"limit"]
    skipped = [line for line in one.stderr.splitlines() if line.startswith(b"pgpool-lint: skipped text in ")]
    assert len(skipped) == 32 and skipped[0] == b"pgpool-lint: skipped text in 000_mysql.sql: mysql SQL: `AUTO_INCREMENT` is mysql syntax, not PostgreSQL's"
    for jobs in ("2", "3"):
        more = run_cli(args[0], "--jobs", jobs, *args[1:], cwd=tmp_path)
        assert (more.returncode, more.stdout, more.stderr) == (one.returncode, one.stdout, one.stderr), f"-j{jobs}"
    spawn = subprocess.run([sys.executable, "-c", SPAWNED, args[0], "--jobs", "2", *args[1:]], cwd=tmp_path,
                           capture_output=True, timeout=120)
    assert (spawn.returncode, spawn.stdout, spawn.stderr) == (one.returncode, one.stdout, one.stderr)


def test_a_worker_asks_no_sqlglot_and_the_parent_confirms_its_verdicts(tmp_path):
    """A worker (``_start_worker``) lints without importing sqlglot and hands back the judge's
    calls; asked with sqlglot, a MySQL statement gets another verdict (the parent lints that
    file itself), a PostgreSQL mistake the same (the worker's result stands)."""
    import subprocess
    import sys

    for kind in JUDGED:
        (tmp_path / f"{kind}.sql").write_text(JUDGED[kind])
    script = (
        "import pickle, sys\n"
        "from pgpool_lint.cli import _lint_batch, _start_worker\n"
        "from pgpool_lint.lint.linter import Settings\n"
        "from pgpool_lint.core import catalogue\n"
        "_start_worker(Settings(enabled=frozenset(r.code for r in catalogue.load().rules)))\n"
        f"out = _lint_batch([(k + '.sql', k + '.sql') for k in {list(JUDGED)!r}])\n"
        "assert 'sqlglot' not in sys.modules\n"
        "sys.stdout.buffer.write(pickle.dumps([presumed for _, presumed in out]))\n"
    )
    worker = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, timeout=120)
    assert worker.returncode == 0, worker.stderr
    import pickle

    from pgpool_lint.sql.dialect import confirmed

    presumed = dict(zip(JUDGED, pickle.loads(worker.stdout)))
    assert all(presumed.values())  # sqlglot's answer was presumed in each
    assert {kind for kind, calls in presumed.items() if not confirmed(calls)} == {"mysql", "backtick"}


def test_ctrl_c_during_a_parallel_run_stops_every_process_quietly(tmp_path):
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) once the report has begun
    and the reader has stopped reading (this process waits to write, the worker waits for
    work): click's one `Aborted!` line and exit 1, no traceback from a worker, no process left."""
    import signal
    import subprocess
    import sys
    import time

    body = "".join(f"SET search_path TO s{i};\nSELECT {i};\n" for i in range(200))
    names = []
    for n in range(600):
        (tmp_path / f"{n:03d}.sql").write_text(body)
        names.append(f"{n:03d}.sql")
    proc = subprocess.Popen([sys.executable, "-m", "pgpool_lint", "check", "--isolated", "--jobs", "2",
                             "--output-format", "concise", *names], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stdout.readline().startswith(b"000.sql:1:1: PGB001 ")
    time.sleep(1)  # the pipe fills: this process blocks on it, the worker ends its batches
    os.killpg(proc.pid, signal.SIGINT)
    proc.stdout.close()
    assert proc.stderr.read() == b"\nAborted!\n" and proc.wait(timeout=60) == 1
    assert [pid for pid, _, _, group in processes() if group == proc.pid] == []  # its process group


def test_a_worker_killed_during_a_run_leaves_its_files_to_this_process(tmp_path):
    """A worker killed mid-run (the kernel's out-of-memory killer): this process lints the files
    it was given and those left, so the report is -j1's, with one warning line that says so."""
    import signal
    import subprocess
    import sys
    import time

    # a finding in every 20th statement: megabytes of report (the pipe fills at once), much to lint
    body = "".join(f"SET search_path TO s{i};\n" if i % 20 == 0 else f"SELECT {i};\n" for i in range(400))
    names = []
    for n in range(600):
        (tmp_path / f"{n:03d}.sql").write_text(body)
        names.append(f"{n:03d}.sql")
    args = ["check", "--isolated", "--output-format", "concise", *names]
    one = run_cli(args[0], "--jobs", "1", *args[1:], cwd=tmp_path)
    assert one.returncode == 1 and len(one.stdout) > 2_000_000 and one.stderr == b""
    proc = subprocess.Popen([sys.executable, "-m", "pgpool_lint", args[0], "--jobs", "2", *args[1:]], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    time.sleep(1)  # the pipe fills: this process blocks on it, the worker ends its batches
    workers = [pid for pid, _, parent, _ in processes() if parent == proc.pid]
    assert len(workers) == 1
    os.kill(workers[0], signal.SIGKILL)
    out = first + proc.stdout.read()  # through the same buffer as the first line
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 1
    if out != one.stdout:  # not compared by pytest's diff: megabytes
        at = next((i for i, (a, b) in enumerate(zip(out, one.stdout)) if a != b), min(len(out), len(one.stdout)))
        pytest.fail(f"the report differs from -j1's at byte {at}: {out[at - 80:at + 80]!r}")
    assert err == (f"pgpool-lint: warning: worker process {workers[0]} was killed by SIGKILL (out of memory?): "
                   "this process lints the files left\n").encode()


def test_a_file_named_twice_is_linted_once_whatever_the_spelling(tmp_path):
    """The same file through a symlinked folder, `..`, `./` or `//` is one file (the first
    spelling); a dangling link named is a file that cannot be read; a missing one an error."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "x.sql").write_text(BAD)
    (tmp_path / "link").symlink_to("real")
    (tmp_path / "gone.sql").symlink_to("nowhere.sql")
    r = run_cli("check", "--isolated", "--output-format", "concise", "real/x.sql", "./real/x.sql", "link/x.sql",
                "real/../real/x.sql", "real//x.sql", str(tmp_path / "link" / "x.sql"), "gone.sql", "no.sql",
                cwd=tmp_path)
    assert r.returncode == 2
    assert [line.split(": ")[0] for line in r.stdout.decode().splitlines()[:3]] == [
        "real/x.sql:2:1", "real/x.sql:3:1", "gone.sql:1:1"]
    assert b"PGB9" in r.stdout.splitlines()[2] and r.stdout.count(b"x.sql") == 2
    assert r.stderr.decode().splitlines()[0] == "pgpool-lint: error: no.sql: no such file or directory"


def test_real_paths_of_files_are_what_os_path_realpath_says(tmp_path, monkeypatch):
    """Discovery resolves each folder once, from its parent's: the same answers as
    ``os.path.realpath`` through symlinked folders and files, `..`, missing folders."""
    from pathlib import Path

    from pgpool_lint.cli import _RealPaths

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "l").symlink_to("a")
    (tmp_path / "a" / "b" / "f.sql").write_text("")
    (tmp_path / "a" / "b" / "ln.sql").symlink_to("f.sql")
    (tmp_path / "a" / "up").symlink_to("..")
    monkeypatch.chdir(tmp_path)
    real = _RealPaths()
    for name in ("a/b/f.sql", "l/b/f.sql", "./l/b/../b/f.sql", "a/b/ln.sql", str(tmp_path / "l" / "b" / "f.sql"),
                 "f.sql", "l/missing/x.sql", "a/../l/b/f.sql", "a/up/l/b/f.sql", "a/up/a/up/l/b", "/", "."):
        assert real(Path(name)) == os.path.realpath(name), name


def test_results_travel_back_from_workers_whole(tmp_path):
    """A worker's results, packed as lists, pickled and unpacked in the parent, are the results:
    every field of every diagnostic, its fix and edits, and the file's skipped-text notes; a
    message said again is pickled once."""
    import dataclasses
    import pickle

    from pgpool_lint.cli import _packed, _unpacked
    from pgpool_lint.core import catalogue
    from pgpool_lint.lint.linter import Linter, Settings

    path = tmp_path / "m.sql"
    path.write_text("BEGIN;\nSET search_path TO app;\nSELECT pg_advisory_lock(1);\nCOMMIT;\n`x`;\n"
                    "SELECT pg_advisory_lock(1);\n")
    linter = Linter(Settings(enabled=frozenset(r.code for r in catalogue.load().rules), root=tmp_path))
    result = linter.lint_path(path, "m.sql")
    result.text = None
    assert any(d.fix is not None and d.fix.edits for d in result.diagnostics) and result.not_postgres
    pickled = pickle.dumps(_packed(result), protocol=pickle.HIGHEST_PROTOCOL)
    back = _unpacked(pickle.loads(pickled))
    assert back == result and type(back) is type(result)
    locks = [d for d in result.diagnostics if d.code == "PGB007"]
    assert len(locks) == 2 and locks[0].message == locks[1].message
    assert pickled.count(locks[0].message.encode()) == 1
    for d, e in zip(result.diagnostics, back.diagnostics):  # source_line does not take part in ==
        assert dataclasses.astuple(d) == dataclasses.astuple(e) and d.source_line == e.source_line


@pytest.mark.parametrize("ending, status, stderr", [
    (SystemExit(1), 1, ""), (SystemExit(None), 0, ""), (SystemExit("bad thing"), 1, "bad thing\n"), (None, 0, "")])
def test_the_command_ends_with_its_status_after_flushing(monkeypatch, capsys, ending, status, stderr):
    """``run`` (the console script, ``python -m pgpool_lint``) ends the process with
    ``os._exit`` and click's status, as ``sys.exit`` would have read it, output flushed."""
    from pgpool_lint import cli

    def main():
        print("report line")
        if ending is not None:
            raise ending

    ended = []
    monkeypatch.setattr(cli, "main", main)
    monkeypatch.setattr(cli.os, "_exit", ended.append)
    cli.run()
    assert ended == [status]
    out = capsys.readouterr()
    assert (out.out, out.err) == ("report line\n", stderr)
