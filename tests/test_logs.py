"""``pgpool-lint logs`` on what a real PostgreSQL wrote while real drivers talked to it.

A real PostgreSQL 15+ (tests/realdb.py: initdb in a temp dir, 127.0.0.1, stopped by PID) runs
with ``log_statement = 'all'``, the logging collector writing stderr, csvlog and jsonlog, and
``pg_stat_statements`` preloaded; psycopg 3 and asyncpg run tests/logs_workload.py against
it.  The real log files, the live view (``--dsn``) and exports of it are then linted through
the real command line: every session-state statement must be reported once per normalized
statement with its execution count, and nothing else.  A second server logs through
``log_min_duration_statement = 0`` with the default prefix, and also records clients nobody
here wrote: pgbench in its three protocol modes (silent) and pg_dump (its session setup).

Run alone: ``python -m pytest -m postgres tests/test_logs.py``.  Needs the Debian package
``postgresql`` (15 or newer: jsonlog; pg_stat_statements ships in it) and pip packages
``psycopg[binary]`` and ``asyncpg``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import run_cli
from .logs_workload import ASYNCPG_APP, END_MARKER, EXPECTED, PSYCOPG_APP, run_workload

CUSTOM_PREFIX = "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "
LOG_FILES = {"stderr": "postgresql", "csvlog": "postgresql.csv", "jsonlog": "postgresql.json"}


def _missing() -> str | None:
    from .realdb import _run_as, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        return "PostgreSQL server binaries not installed (apt package 'postgresql')"
    if not (bindir / "pgbench").exists():
        return f"pgbench not in {bindir} (Debian package 'postgresql-client-NN')"
    if not (bindir.parent / "lib" / "pg_stat_statements.so").exists():
        return f"pg_stat_statements.so not in {bindir.parent / 'lib'} (it ships in Debian's 'postgresql-NN')"
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and there is no 'postgres' OS user to run the server as"
    for module, package in (("psycopg", "psycopg[binary]"), ("asyncpg", "asyncpg")):
        try:
            __import__(module)
        except ImportError:
            return f"pip package {package} is not installed"
    return None


@dataclass
class AppRun:
    """Copies of the logs of one workload run, and the server (still running) it ran on."""

    logs: dict[str, Path]
    pgss_csv: Path | None = None
    pgss_json: Path | None = None
    dsn: str | None = None
    #: the part of the stderr log written while pg_dump ran, after the workload
    pg_dump_log: Path | None = None


def _pgbench(pg) -> None:
    """A client we did not write: pgbench in its three protocol modes (``-M prepared`` uses
    protocol-level prepared statements ``P_0``, ``P_1``, ...), after its own ``-i`` setup."""
    import subprocess

    from .realdb import postgres_bindir

    pgbench = postgres_bindir() / "pgbench"
    env = dict(os.environ, PGHOST=pg.host, PGPORT=str(pg.port), PGUSER=pg.user)
    runs = [["-i", "-s", "1", "-q"]] + [["-M", mode, "-c", "2", "-t", "10"] for mode in ("simple", "extended", "prepared")]
    for args in runs:
        done = subprocess.run([str(pgbench), *args, pg.dbname], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr


def _pg_dump_log(pg, log: Path, tmp: Path) -> Path:
    """Run pg_dump (custom format, to a file) and keep the log lines it caused."""
    import subprocess

    import psycopg

    from .realdb import postgres_bindir

    start = log.stat().st_size
    env = dict(os.environ, PGHOST=pg.host, PGPORT=str(pg.port), PGUSER=pg.user)
    done = subprocess.run([str(postgres_bindir() / "pg_dump"), "-Fc", "-f", str(tmp / "dump.bin"), pg.dbname],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    marker = "SELECT 'pgpool-lint pg_dump done'"
    with psycopg.connect(host=pg.host, port=pg.port, user=pg.user, dbname=pg.dbname, autocommit=True) as conn:
        conn.execute(marker)
    _wait_for(marker, [log])
    with log.open("rb") as fh:
        fh.seek(start)
        (tmp / "pg_dump.log").write_bytes(fh.read())
    return tmp / "pg_dump.log"


def _logged_run(tmp: Path, settings: dict[str, str], with_pgss: bool, with_pgbench: bool = False):
    from .realdb import postgres_server

    base = {"logging_collector": "on", "log_directory": "{work}/log", "log_filename": "postgresql",
            "log_statement": "all", "lc_messages": "C"}
    with postgres_server(base | settings) as pg:
        if with_pgss:
            with pg.connect() as conn:
                conn.execute("CREATE EXTENSION pg_stat_statements")
                conn.execute("SELECT pg_stat_statements_reset()")
        if with_pgbench:
            _pgbench(pg)
        run_workload(pg.host, pg.port, pg.user, pg.dbname)
        log_dir = pg.datadir.parent / "log"
        destinations = settings.get("log_destination", "stderr").split(",")
        names = [LOG_FILES[d] for d in destinations]
        _wait_for(END_MARKER, [log_dir / name for name in names])
        run = AppRun({d: Path(shutil.copy(log_dir / LOG_FILES[d], tmp / LOG_FILES[d])) for d in destinations})
        if with_pgss:
            run.pgss_csv, run.pgss_json = _export_pgss(pg, tmp)
            run.dsn = f"host={pg.host} port={pg.port} user={pg.user} dbname={pg.dbname}"
        if with_pgbench:  # pgbench's tables are there to dump
            run.pg_dump_log = _pg_dump_log(pg, log_dir / LOG_FILES["stderr"], tmp)
        yield run


def _wait_for(marker: str, files: list[Path], timeout: float = 20.0) -> None:
    """The logging collector writes asynchronously: wait until every file has the run's last statement."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(f.exists() and marker.split("'")[1] in f.read_text(errors="replace") for f in files):
            return
        time.sleep(0.1)
    raise AssertionError(f"{marker!r} did not reach {files} within {timeout}s")


def _export_pgss(pg, tmp: Path) -> tuple[Path, Path]:
    """The view as users export it: ``COPY ... CSV HEADER`` and one ``row_to_json`` per line."""
    query = ("SELECT s.*, r.rolname, d.datname FROM pg_stat_statements s "
             "LEFT JOIN pg_roles r ON r.oid = s.userid LEFT JOIN pg_database d ON d.oid = s.dbid")
    csv_path, json_path = tmp / "pg_stat_statements.csv", tmp / "pg_stat_statements.json"
    with pg.connect() as conn:
        with conn.cursor() as cur, csv_path.open("wb") as out:
            with cur.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for chunk in copy:
                    out.write(chunk)
        rows = conn.execute(f"SELECT row_to_json(x)::text FROM ({query}) x").fetchall()
    json_path.write_text("".join(row[0] + "\n" for row in rows), encoding="utf-8")
    with pg.connect() as conn:
        array = conn.execute(f"SELECT json_agg(x)::text FROM ({query}) x").fetchone()[0]
    (tmp / "pg_stat_statements_array.json").write_text(array, encoding="utf-8")
    return csv_path, json_path


@pytest.fixture(scope="module")
def app_run(tmp_path_factory):
    """pgBadger's log_line_prefix, all three log destinations, pg_stat_statements."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    settings = {"log_destination": "stderr,csvlog,jsonlog", "log_line_prefix": CUSTOM_PREFIX,
                "shared_preload_libraries": "pg_stat_statements"}
    yield from _logged_run(tmp_path_factory.mktemp("app-run"), settings, with_pgss=True)


@pytest.fixture(scope="module")
def default_prefix_log(tmp_path_factory):
    """The server's default log_line_prefix ('%m [%p] '), stderr only, statements logged by
    ``log_min_duration_statement = 0`` (``duration: ... ms  statement: ...``, and parse/bind/
    execute steps each with a duration) instead of log_statement; pgbench ran first."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    settings = {"log_destination": "stderr", "log_statement": "none", "log_min_duration_statement": "0"}
    yield from _logged_run(tmp_path_factory.mktemp("default-prefix"), settings, with_pgss=False, with_pgbench=True)


def _lint(*args: str) -> tuple[int, list[dict], str]:
    done = run_cli("logs", "--isolated", "--output-format", "json", *args)
    assert "Traceback" not in done.stderr.decode(), done.stderr.decode()
    return done.returncode, json.loads(done.stdout), done.stderr.decode()


def _assert_groups(findings: list[dict], which: int) -> None:
    """Exactly the expected (rule, statement) groups, each once, with its count (which: 3 log, 4 pgss)."""
    expected = sorted((e[0], e[2], e[which]) for e in EXPECTED if e[which] is not None)
    got = []
    for f in findings:
        marker = next((e[2] for e in EXPECTED if e[0] == f["code"] and e[2] in f["message"]), f["message"])
        got.append((f["code"], marker, f["occurrences"]["count"]))
    assert sorted(got) == expected


def _first_line_with(path: Path, text: str) -> tuple[int, str]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if text in line:
                return number, line
    raise AssertionError(f"{text!r} not in {path}")


def _first_run_of(path: Path, statement: str) -> tuple[int, str]:
    """The first line that logs ``statement`` running (not its parse or bind step)."""
    ran = re.compile(r"(?:statement|execute [^:]*): " + re.escape(statement))
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if ran.search(line):
                return number, line
    raise AssertionError(f"{statement!r} never ran in {path}")


@pytest.mark.postgres
def test_stderr_log_with_the_default_prefix(default_prefix_log):
    """pgbench's statements (all three protocols) are in this log too, and add no finding."""
    log = default_prefix_log.logs["stderr"]
    text = log.read_text(encoding="utf-8")
    assert "execute P_0: BEGIN;" in text and "statement: UPDATE pgbench_accounts" in text
    code, findings, _ = _lint(str(log))
    assert code == 1
    _assert_groups(findings, 3)
    for f in findings:
        statement = next(e[1] for e in EXPECTED if e[0] == f["code"] and e[2] in f["message"])
        line_number, line = _first_run_of(log, statement)
        called = statement.find("pg_advisory")  # PGB007 points at the call, the others at the statement
        column = line.index(statement) + 1 + (called if called > 0 else 0)
        assert (f["location"]["row"], f["location"]["column"]) == (line_number, column)
        assert f["occurrences"]["users"] == [] and f["occurrences"]["first_seen"] <= f["occurrences"]["last_seen"]


@pytest.mark.postgres
def test_pg_dump_session_state(default_prefix_log):
    """pg_dump, a client nobody here wrote, sets up its session with SETs, set_config(..., false)
    and SQL-level PREPARE/EXECUTE.  Each of those is reported once per normalized statement
    with as many executions as the log has; the parameters PgBouncer re-applies (DateStyle,
    IntervalStyle), SET TRANSACTION and everything else are not."""
    log = default_prefix_log.pg_dump_log
    lines = log.read_text(encoding="utf-8").splitlines()
    code, findings, _ = _lint(str(log))
    assert code == 1
    flagged = {f["location"]["row"] for f in findings}
    for f in findings:
        line = lines[f["location"]["row"] - 1]
        statement = line[line.index("statement: ") + len("statement: "):]
        assert statement.startswith(("SET ", "PREPARE ", "EXECUTE ")) or "set_config(" in statement, line
        assert not statement.startswith(("SET DATESTYLE", "SET INTERVALSTYLE", "SET TRANSACTION")), line
        shape = re.sub(r"'[^']*'", "?", statement)  # EXECUTE getColumnACLs('6100') and ('6101') are one
        same = [n for n, other in enumerate(lines, start=1)
                if "statement: " in other and re.sub(r"'[^']*'", "?", other.split("statement: ", 1)[1]) == shape]
        assert f["occurrences"]["count"] == len(same) and f["location"]["row"] == same[0]
    secure_search_path = [n for n, line in enumerate(lines, start=1)
                          if line.endswith("statement: SELECT pg_catalog.set_config('search_path', '', false);")]
    assert secure_search_path and secure_search_path[0] in flagged  # pgbouncer#396
    for needle in ("statement: SET statement_timeout = 0", "statement: PREPARE ", "statement: EXECUTE "):
        first = next(n for n, line in enumerate(lines, start=1) if needle in line)
        assert first in flagged, needle


@pytest.mark.postgres
@pytest.mark.parametrize("prefix_option", [(), ("--log-line-prefix", CUSTOM_PREFIX)], ids=["guessed", "given"])
def test_stderr_log_with_a_custom_prefix(app_run, prefix_option):
    code, findings, _ = _lint(str(app_run.logs["stderr"]), *prefix_option)
    assert code == 1
    _assert_groups(findings, 3)
    by_marker = {next(e[2] for e in EXPECTED if e[2] in f["message"]): f["occurrences"] for f in findings}
    assert by_marker["`SET search_path TO public`"]["applications"] == sorted([PSYCOPG_APP, ASYNCPG_APP])
    assert by_marker["`LISTEN jobs`"]["applications"] == [PSYCOPG_APP]
    assert all(o["users"] == ["postgres"] and o["databases"] == ["postgres"] for o in by_marker.values())


@pytest.mark.postgres
@pytest.mark.parametrize("destination", ["csvlog", "jsonlog"])
def test_csvlog_and_jsonlog(app_run, destination):
    log = app_run.logs[destination]
    code, findings, _ = _lint(str(log))
    assert code == 1
    _assert_groups(findings, 3)
    for f in findings:
        statement = next(e[1] for e in EXPECTED if e[0] == f["code"] and e[2] in f["message"])
        quoted = statement.replace('"', '""') if destination == "csvlog" else json.dumps(statement)[1:-1]
        assert f["location"]["row"] == _first_line_with(log, quoted)[0]
        assert f["occurrences"]["applications"]  # both formats carry application_name


@pytest.mark.postgres
def test_formats_are_found_without_being_told(app_run):
    """--format auto and the explicit format give the same report."""
    for destination, path in app_run.logs.items():
        assert _lint(str(path)) == _lint("--format", destination, str(path))


@pytest.mark.postgres
def test_live_pg_stat_statements(app_run):
    code, findings, _ = _lint("--dsn", app_run.dsn)
    assert code == 1
    _assert_groups(findings, 4)
    assert {f["filename"] for f in findings} == {"pg_stat_statements"}
    assert {f["source_kind"] for f in findings} == {"pg_stat_statements"}


@pytest.mark.postgres
def test_live_view_as_a_role_that_cannot_see_the_statements(app_run):
    """Without pg_read_all_stats the view hides other roles' SQL: said on stderr, not guessed at."""
    import psycopg

    with psycopg.connect(app_run.dsn, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS auditor")
        conn.execute("CREATE ROLE auditor LOGIN")
    dsn = app_run.dsn.replace("user=postgres", "user=auditor")
    done = run_cli("logs", "--isolated", "--output-format", "concise", "--dsn", dsn)
    assert (done.returncode, done.stdout.decode()) == (0, "All checks passed! (1 file checked)\n")
    assert "statements of other roles are hidden (`<insufficient privilege>`)" in done.stderr.decode()


@pytest.mark.postgres
def test_pg_stat_statements_exported_as_one_json_array(app_run):
    code, findings, _ = _lint(str(app_run.pgss_json.with_name("pg_stat_statements_array.json")))
    assert code == 1
    _assert_groups(findings, 4)


@pytest.mark.postgres
@pytest.mark.parametrize("export", ["pgss_csv", "pgss_json"])
def test_exported_pg_stat_statements(app_run, export):
    path = getattr(app_run, export)
    code, findings, _ = _lint(str(path))
    assert code == 1
    _assert_groups(findings, 4)
    for f in findings:
        assert f["occurrences"]["users"] == ["postgres"] and f["occurrences"]["databases"] == ["postgres"]
        row_line = path.read_text(encoding="utf-8").splitlines()[f["location"]["row"] - 1]
        statement = next(e[1] for e in EXPECTED if e[0] == f["code"] and e[2] in f["message"])
        assert statement.split('"')[0].split("$")[0] in row_line  # the row the group was first seen in


@pytest.mark.postgres
def test_logs_and_live_view_together_are_one_report(app_run):
    """Several sources: groups merge across them, counts add up."""
    code, findings, _ = _lint(str(app_run.logs["stderr"]), str(app_run.logs["jsonlog"]))
    assert code == 1
    doubled = [(c, s, m, 2 * n, p) for c, s, m, n, p in EXPECTED]
    got = sorted((f["code"], f["occurrences"]["count"]) for f in findings)
    assert got == sorted((c, n) for c, _, _, n, _ in doubled)


@pytest.mark.postgres
def test_gzip_log(app_run, tmp_path):
    packed = tmp_path / "postgresql.log.gz"
    packed.write_bytes(gzip.compress(app_run.logs["stderr"].read_bytes()))
    code, findings, _ = _lint(str(packed))
    assert code == 1
    _assert_groups(findings, 3)


@pytest.mark.postgres
def test_malformed_lines_are_counted_and_skipped(app_run, tmp_path):
    lines = app_run.logs["stderr"].read_text(encoding="utf-8").splitlines(keepends=True)
    garbage = ["kernel: random noise\n", "\x00\x01 binary junk\n", "Traceback (most recent call last):\n"]
    broken = tmp_path / "broken.log"
    broken.write_text("".join(garbage[:1] + lines[:5] + garbage[1:2] + lines[5:] + garbage[2:]), encoding="utf-8")
    code, findings, stderr = _lint(str(broken), "--log-line-prefix", CUSTOM_PREFIX)
    assert code == 1
    _assert_groups(findings, 3)
    assert f"pgpool-lint: warning: {broken}: skipped 3 malformed lines" in stderr

    records = app_run.logs["jsonlog"].read_text(encoding="utf-8").splitlines(keepends=True)
    broken_json = tmp_path / "broken.json"
    broken_json.write_text("".join(records[:3] + ['{"message": "cut sh\n', "[1, 2]\n"] + records[3:]), encoding="utf-8")
    code, findings, stderr = _lint("--format", "jsonlog", str(broken_json))
    assert code == 1
    _assert_groups(findings, 3)
    assert "skipped 2 malformed lines" in stderr


@pytest.mark.postgres
def test_every_output_format(app_run):
    from pgpool_lint.report import FORMATS

    log = str(app_run.logs["csvlog"])
    for name in FORMATS:
        done = run_cli("logs", "--isolated", "--output-format", name, log)
        out = done.stdout.decode()
        assert done.returncode == 1, (name, done.stderr.decode())
        for code, _, _, count, _ in EXPECTED:  # each group's count reaches every format
            assert code in out and f"({count} time" in out, (name, code, count)
    done = run_cli("logs", "--isolated", "--output-format", "concise", log)
    lines = done.stdout.decode().splitlines()
    assert len(lines) == len(EXPECTED) + 1 and lines[-1] == f"Found {len(EXPECTED)} findings in 1 file (1 checked)."
    assert all(line.startswith(f"{log}:") for line in lines[:-1])
    sarif = json.loads(run_cli("logs", "--isolated", "--output-format", "sarif", log).stdout)
    assert sorted(r["properties"]["occurrences"]["count"] for r in sarif["runs"][0]["results"]) == \
        sorted(e[3] for e in EXPECTED)
    lines = run_cli("logs", "--isolated", "--output-format", "json-lines", log).stdout.decode().splitlines()
    assert sorted(json.loads(line)["occurrences"]["count"] for line in lines[1:]) == sorted(e[3] for e in EXPECTED)


@pytest.mark.postgres
def test_exit_codes(app_run, tmp_path):
    log = str(app_run.logs["stderr"])
    clean = run_cli("logs", "--isolated", "--select", "PGB006", "--output-format", "concise", log)
    assert (clean.returncode, clean.stdout.decode()) == (0, "All checks passed! (1 file checked)\n")
    assert run_cli("logs", "--isolated", "--exit-zero", log).returncode == 0
    missing = run_cli("logs", "--isolated", str(tmp_path / "nope.log"))
    assert missing.returncode == 2 and "nope.log: No such file or directory" in missing.stderr.decode()
    # a missing file does not hide the findings of the others, and still exits 2
    both = run_cli("logs", "--isolated", "--output-format", "concise", str(tmp_path / "nope.log"), log)
    assert both.returncode == 2 and both.stdout.decode().count("PGB0") == len(EXPECTED)
    assert run_cli("logs", "--isolated").returncode == 2
    from .realdb import free_port

    refused = run_cli("logs", "--isolated", "--dsn", f"host=127.0.0.1 port={free_port()} user=x connect_timeout=3")
    assert refused.returncode == 2 and "cannot read pg_stat_statements" in refused.stderr.decode()
    assert "Traceback" not in refused.stderr.decode()


# --- without a server --------------------------------------------------------------------


@pytest.mark.parametrize("prefix,line,fields", [
    ("%m [%p] ", "2026-11-21 06:26:15.035 UTC [10389] LOG:  statement: SET x = 1",
     {"timestamp": "2026-11-21 06:26:15.035 UTC", "pid": "10389"}),
    ("%m [%p] %q%u@%d ", "2026-11-21 06:26:15.035 UTC [10389] app@shop LOG:  statement: SET x = 1",
     {"user": "app", "database": "shop"}),
    ("%m [%p] %q%u@%d ", "2026-11-21 06:26:15.035 UTC [10388] LOG:  checkpoint starting: time", {"user": None}),
    (CUSTOM_PREFIX, "2026-11-21 06:26:15 UTC [77]: [3-1] user=app,db=shop,app=my app, v2,client=10.0.0.1 "
                    "LOG:  statement: SET x = 1", {"application": "my app, v2", "user": "app"}),
    ("%-10u|%5p|", "app       |   42|LOG:  statement: SET x = 1", {"user": "app", "pid": "42"}),
])
def test_log_line_prefix_patterns(prefix, line, fields):
    from pgpool_lint.logs.stderr import prefix_pattern

    m = prefix_pattern(prefix).match(line)
    assert m is not None
    assert {k: m.group(k) for k in fields} == fields


def test_unknown_prefix_escape_is_a_usage_error(tmp_path):
    log = tmp_path / "x.log"
    log.write_text("x\n")
    done = run_cli("logs", "--isolated", "--log-line-prefix", "%Z ", str(log))
    assert done.returncode == 2 and "`%Z`" in done.stderr.decode()


def test_bind_parameters_decide_a_finding(tmp_path):
    """set_config's is_local is a bind parameter: only its logged value tells a session SET."""
    log = tmp_path / "pg.log"
    log.write_text(
        "2026-11-21 06:26:15.035 UTC [1] LOG:  execute <unnamed>: SELECT set_config($1, $2, $3)\n"
        "2026-11-21 06:26:15.035 UTC [1] DETAIL:  parameters: $1 = 'search_path', $2 = 'a', $3 = 'f'\n"
        "2026-11-21 06:26:15.036 UTC [1] LOG:  execute <unnamed>: SELECT set_config($1, $2, $3)\n"
        "2026-11-21 06:26:15.036 UTC [1] DETAIL:  parameters: $1 = 'search_path', $2 = 'b', $3 = 't'\n"
        "2026-11-21 06:26:15.037 UTC [1] LOG:  duration: 0.050 ms  execute S_1: SELECT set_config($1, $2, $3)\n"
        "2026-11-21 06:26:15.037 UTC [1] DETAIL:  parameters: $1 = 'search_path', $2 = 'it''s', $3 = 'false'\n",
        encoding="utf-8")
    code, findings, _ = _lint(str(log))
    assert code == 1
    column = log.read_text().index("set_config") + 1
    assert [(f["code"], f["location"]["row"], f["location"]["column"], f["occurrences"]["count"]) for f in findings] \
        == [("PGB001", 1, column, 2)]


def test_multi_line_statement_positions(tmp_path):
    """A continuation line starts with a tab: the column counts it.  Also read from stdin."""
    text = ("2026-11-21 06:26:15.035 UTC [1] LOG:  statement: SELECT 1;\n"
            "\t  LISTEN a;\n"
            "2026-11-21 06:26:15.036 UTC [1] LOG:  duration: 0.1 ms\n")
    log = tmp_path / "pg.log"
    log.write_text(text, encoding="utf-8")
    expected = [("PGB002", {"row": 2, "column": 4}, {"row": 2, "column": 12})]
    code, findings, _ = _lint(str(log))
    assert (code, [(f["code"], f["location"], f["end_location"]) for f in findings]) == (1, expected)
    done = run_cli("logs", "--isolated", "--output-format", "json", "-", stdin=text.encode())
    assert [(f["filename"], f["code"], f["location"], f["end_location"]) for f in json.loads(done.stdout)] == \
        [("-", *expected[0])]


def test_statements_the_parser_does_not_know_are_counted_not_reported(tmp_path):
    log = tmp_path / "pg.log"
    log.write_text("2026-11-21 06:26:15.035 UTC [1] LOG:  statement: SET x TO (\n"
                   "2026-11-21 06:26:15.036 UTC [1] LOG:  statement: LISTEN a\n", encoding="utf-8")
    done = run_cli("logs", "--isolated", "--output-format", "concise", str(log))
    assert done.returncode == 1 and done.stdout.decode().count("PGB") == 1 and "PGB002" in done.stdout.decode()
    assert "pgpool-lint: warning: 1 logged statement could not be parsed" in done.stderr.decode()


def test_memory_does_not_grow_with_the_log(tmp_path, monkeypatch):
    """Bounded state: the peak for a log four times as long stays about the same.

    The cache of analysed texts is made small so that both runs fill it (its bound is what
    keeps memory flat; at its real size it would hold both logs' few hundred texts).
    """
    import tracemalloc

    from pgpool_lint.core import catalogue
    from pgpool_lint.logs import grouping

    monkeypatch.setattr(grouping, "CACHE_SIZE", 50)
    from pgpool_lint.lint.linter import Linter, Settings
    from pgpool_lint.logs.run import lint_logs

    def write_log(path: Path, statements: int) -> None:
        with path.open("w", encoding="utf-8") as out:
            for i in range(statements):
                sql = f"SET search_path TO tenant_{i}" if i % 10 == 0 else f"INSERT INTO t VALUES ({i}, 'x')"
                out.write(f"2026-11-21 06:26:15.{i % 1000:03d} UTC [{i % 50}] LOG:  statement: {sql}\n")

    linter = Linter(Settings(enabled=frozenset(r.code for r in catalogue.load().rules)))
    write_log(tmp_path / "warm-up.log", 20)  # lazy imports and caches are not what is measured
    lint_logs([str(tmp_path / "warm-up.log")], linter, progress=False)
    peaks = []
    for statements in (2_000, 8_000):
        path = tmp_path / f"{statements}.log"
        write_log(path, statements)
        tracemalloc.start()
        result = lint_logs([str(path)], linter, progress=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert [d.occurrences["count"] for d in result.diagnostics] == [statements // 10]
    assert peaks[1] < peaks[0] * 1.25, peaks


def test_a_line_longer_than_the_limit_is_skipped_in_pieces(tmp_path):
    """max-file-size bounds one statement; a longer line is never held whole in memory."""
    config = tmp_path / "pgpool-lint.toml"
    config.write_text("max-file-size = 1000\n", encoding="utf-8")
    log = tmp_path / "pg.log"
    log.write_text("2026-11-21 06:26:15.035 UTC [1] LOG:  statement: SELECT '" + "x" * 200_000 + "'\n"
                   "2026-11-21 06:26:15.036 UTC [1] LOG:  statement: LISTEN a\n", encoding="utf-8")
    done = run_cli("logs", "--config", str(config), "--output-format", "concise", str(log))
    assert done.returncode == 1
    assert done.stdout.decode().startswith(f"{log}:2:") and done.stdout.decode().count("PGB") == 1
    assert f"{log}: skipped 1 malformed line" in done.stderr.decode()


def test_cli_offers_every_input_format():
    from pgpool_lint.cli import LOG_INPUT_FORMATS
    from pgpool_lint.logs import INPUT_FORMATS

    assert LOG_INPUT_FORMATS == INPUT_FORMATS


def test_csvlog_positions_count_doubled_quotes(tmp_path):
    """A statement's later lines keep their place in a CSV field, where each quote is doubled."""
    log = tmp_path / "pg.csv"
    log.write_text('2026-11-21 06:26:15.035 UTC,"app","shop",10389,"127.0.0.1:47234",6b013987.2895,3,"SELECT",'
                   '2026-11-21 06:26:15 UTC,3/5,0,LOG,00000,"statement: SELECT 1;\n'
                   ' SELECT ""x"";   LISTEN ""a b"";",,,,,,,,,"drv","client backend",,0\n', encoding="utf-8")
    second = log.read_text(encoding="utf-8").splitlines()[1]
    start, end = second.index("LISTEN") + 1, second.index('"";"') + 3
    code, findings, _ = _lint(str(log))
    assert code == 1
    assert [(f["code"], f["location"], f["end_location"], f["occurrences"]["applications"]) for f in findings] == \
        [("PGB002", {"row": 2, "column": start}, {"row": 2, "column": end}, ["drv"])]
