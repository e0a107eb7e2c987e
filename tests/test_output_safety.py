"""What reaches a terminal or a CI log from a hostile repository (issue 15): every string from
a file, a name, a config or a DSN is escaped by one function (``report.terminal_safe``), no
output line can start a GitHub workflow command, passwords are redacted, and no input error
ends in silence or in "All checks passed!"."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pgpool_lint.report import dsn_password, json_text, redact, safe_name, terminal_safe

from .helpers import run_cli

#: a quoted identifier, a $$ string and a prepared statement's name that each carry a newline
#: followed by a GitHub workflow command
INJECTING_SQL = ("SELECT set_config('search_path', $$a\n::error::x$$, false);\n"
                 "PREPARE \"p\n::error::q\" AS SELECT 1;\n"
                 "SET search_path TO \"a\r\n  ::warning file=x::pwned\";\n")
#: ESC ] (OSC), BEL and a newline in a file name
HOSTILE_NAME = "nope\x1b]0;title\x07\n.sql"
HOSTILE_SHOWN = "nope\\x1b]0;title\\x07\\n.sql"


def _command_lines(out: bytes) -> list[str]:
    """Lines GitHub's runner would read as workflow commands (it strips leading blanks)."""
    return [line for line in out.decode("utf-8").split("\n") if line.strip().startswith("::")]


@pytest.mark.parametrize("fmt", ["full", "concise", "junit"])
def test_no_line_of_a_human_format_can_start_a_workflow_command(tmp_path, fmt):
    (tmp_path / "m.sql").write_text(INJECTING_SQL)
    (tmp_path / "::error title=x::y.sql").write_text("LISTEN x;\n")
    proc = run_cli("check", "--output-format", fmt, ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert _command_lines(proc.stdout) == []
    assert b"\r" not in proc.stdout
    if fmt != "junit":
        assert "./::error title=x::y.sql:1:1: PGB002 [listen]" in proc.stdout.decode()
        # the newline is shown, not sent: the name stays on the finding's line
        assert "`PREPARE p\\n::error::q` creates the statement" in proc.stdout.decode()
    if fmt == "full":
        assert "ALTER ROLE CURRENT_USER SET search_path TO 'a\\n::error::x'" in proc.stdout.decode()
        assert 'SET LOCAL search_path TO "a\\r\\n  ::warning file=x::pwned"' in proc.stdout.decode()


def test_github_format_writes_only_its_own_commands(tmp_path):
    (tmp_path / "m.sql").write_text(INJECTING_SQL)
    proc = run_cli("check", "--output-format", "github", "m.sql", cwd=tmp_path)
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == len(_command_lines(proc.stdout)) == 3
    assert all(line.startswith(("::error file=m.sql,", "::warning file=m.sql,")) for line in lines)
    assert "SET search_path TO 'a%0A::error::x'" in proc.stdout.decode()


def test_names_in_warnings_and_errors_are_escaped(tmp_path):
    proc = run_cli("check", HOSTILE_NAME, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"pgpool-lint: error: {HOSTILE_SHOWN}: no such file or directory\n".encode()
    os.mkfifo(tmp_path / HOSTILE_NAME)  # linted by name, skipped: not a regular file
    proc = run_cli("check", "--output-format", "concise", HOSTILE_NAME, cwd=tmp_path)
    assert f"pgpool-lint: warning: skipped {HOSTILE_SHOWN}: not a regular file\n".encode() in proc.stderr
    assert b"\x1b" not in proc.stderr + proc.stdout and b"\x07" not in proc.stderr + proc.stdout


def test_verbose_profile_escapes_config_values(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pgpool-lint]\n'
                                             'track-extra-parameters = ["search_path\\u001b[31m\\n::error::x"]\n')
    (tmp_path / "m.sql").write_text("LISTEN x;\n")
    proc = run_cli("check", "-v", "m.sql", cwd=tmp_path)
    assert b"  track-extra-parameters            search_path\\x1b[31m\\n::error::x  (config " in proc.stderr
    assert _command_lines(proc.stderr) == [] and b"\x1b" not in proc.stderr


def test_diff_header_keeps_the_stdin_filename_on_its_line(tmp_path):
    name = "x.sql\n+++ b/evil\x1b[2J.sql"
    proc = run_cli("check", "--diff", "--stdin-filename", name, "-", cwd=tmp_path,
                   stdin=b"BEGIN;\nSET search_path TO app;\nCOMMIT;\n")
    assert proc.returncode == 1, proc.stderr
    header = proc.stdout.decode().splitlines()[:2]
    assert header == ["--- a/x.sql\\n+++ b/evil\\x1b[2J.sql", "+++ b/x.sql\\n+++ b/evil\\x1b[2J.sql"]


def test_machine_formats_escape_what_drives_a_terminal_and_keep_the_value(tmp_path):
    name = "c1\u009b31m\u202eb.sql"  # CSI as one C1 character, and a bidi override
    (tmp_path / name).write_text("LISTEN x;\n")
    for fmt in ("json", "json-lines", "sarif", "gitlab"):
        out = run_cli("check", "--output-format", fmt, name, cwd=tmp_path).stdout
        assert "\u009b".encode() not in out and "\u202e".encode() not in out, fmt
        assert b"\\u009b31m\\u202eb.sql" in out or fmt == "sarif", fmt  # SARIF: a percent-encoded URI
    [finding] = json.loads(run_cli("check", "--output-format", "json", name, cwd=tmp_path).stdout)
    assert finding["filename"] == name
    junit = run_cli("check", "--output-format", "junit", name, cwd=tmp_path).stdout
    assert ET.fromstring(junit).find(".//testsuite").get("name") == "c1\\x9b31m\\u202eb.sql"


def test_the_escaping_function():
    assert terminal_safe("a\nb\rc\td\x1b\x07\x9b\u2028\u202e\ud800\ufffe") == \
        "a\\nb\\rc\\td\\x1b\\x07\\x9b\\u2028\\u202e\\ud800\\ufffe"
    assert terminal_safe("café ☕ ok") == "café ☕ ok"
    assert safe_name("::error::x.sql") == "./::error::x.sql" and safe_name(" :x") == "./ :x"
    assert json.loads(json_text({"k": "\x9b\u2029\ud800"})) == {"k": "\x9b\u2029\ud800"}
    assert json_text({"k": "\x9b\u2029"}) == '{"k": "\\u009b\\u2029"}'


@pytest.mark.parametrize("text, shown", [
    ("postgresql://alice:S3cretPW@[::1:bad/db", "postgresql://alice:***@[::1:bad/db"),
    ("DATABASE_URL=postgres://u:p%40ss@db:6432/app?sslmode=require", "DATABASE_URL=postgres://u:***@db:6432/app?sslmode=require"),
    ("host=db password=S3cretPW user=alice", "host=db password=*** user=alice"),
    ("host=db password = 'S3c ret\\' pw' user=alice", "host=db password = *** user=alice"),
    ("jdbc:postgresql://db/app?user=a&password=S3cretPW&x=1", "jdbc:postgresql://db/app?user=a&password=***"),
    ("postgresql://alice@db/app", "postgresql://alice@db/app"),
    # quoted SQL: a role's password, a setting named like one, a DSN inside a literal, MySQL
    ("`ALTER ROLE x PASSWORD 'S3cret''PW'` resets", "`ALTER ROLE x PASSWORD '***'` resets"),
    ("CREATE USER u WITH ENCRYPTED PASSWORD E'S3cret\\'PW' VALID UNTIL 'x'",
     "CREATE USER u WITH ENCRYPTED PASSWORD E'***' VALID UNTIL 'x'"),
    ("`SET app.db_password TO 'S3cretPW'` stays", "`SET app.db_password TO '***'` stays"),
    ("OPTIONS (user 'bob', password 'S3cretPW')", "OPTIONS (user 'bob', password '***')"),
    ("dblink_connect('host=db password=''S3cret PW'' dbname=x')", "dblink_connect('host=db password=*** dbname=x')"),
    ("ALTER USER 'u'@'%' IDENTIFIED BY 'S3cretPW';", "ALTER USER 'u'@'%' IDENTIFIED BY '***';"),
    ("`SET ROLE x PASSWORD 'S3cretPW…` cut short", "`SET ROLE x PASSWORD '***'"),  # hidden to the end
    ("SET password_encryption = 'scram-sha-256'", "SET password_encryption = 'scram-sha-256'"),
])
def test_passwords_are_redacted(text, shown):
    assert redact(text) == shown
    assert redact(shown) == shown  # every human format redacts again what the linter already did
    assert "S3cret" not in terminal_safe(text)


ROLES_SQL = ("SET LOCAL myapp.password = 'S3cretPW';\n"
             "SET app.db_password TO 'S3cret''PW';\n"
             "SELECT dblink_connect('c', 'host=db password=''S3cret PW''');\n"
             "CREATE USER bob PASSWORD 'S3cretPW\n")


def test_a_password_in_quoted_sql_never_reaches_an_output(tmp_path):
    """Messages quote statements (and a parse error the literal it stopped at): the passwords in
    them are redacted in every format, and in the source lines of ``full``."""
    (tmp_path / "roles.sql").write_text(ROLES_SQL)
    concise = run_cli("check", "--isolated", "--output-format", "concise", "roles.sql", cwd=tmp_path)
    assert concise.stdout == (
        b"roles.sql:1:1: PGB011 [no-effect-outside-transaction] `SET LOCAL myapp.password = '***'` outside a "
        b"transaction block does nothing (PostgreSQL: `SET LOCAL can only be used in transaction blocks`): the "
        b"setting ends with this one-statement transaction\n"
        b"roles.sql:2:1: PGB001 [session-set] `SET app.db_password TO '***'` stays on the server connection after "
        b"this transaction: the next transaction may run on another server connection without it, and another "
        b"client may inherit it\n"
        b"roles.sql:3:8: PGB012 [dblink-session] `dblink_connect` opens the dblink connection `c` on this server "
        b"session: under transaction pooling your next transaction may run on another server connection without "
        b"it (`could not establish connection` / `connection ... not available`), and another client may use or "
        b"close it\n"
        b"roles.sql:4:26: PGB000 [parse-error] Could not parse this statement: unterminated quoted string at or "
        b"near \"'***\"\n"
        b"Found 4 findings in 1 file (1 checked).\n")
    outputs = [concise.stdout]
    for fmt in ("full", "json", "sarif", "github", "gitlab", "junit", "json-lines"):
        proc = run_cli("check", "--isolated", "--output-format", fmt, "roles.sql", cwd=tmp_path)
        assert proc.returncode == 1, fmt
        outputs.append(proc.stdout + proc.stderr)
    assert [out.count(b"S3cret") for out in outputs] == [0] * 8
    full = outputs[1].decode()
    assert "2 | SET app.db_password TO '***';" in full and "4 | CREATE USER bob PASSWORD '***'" in full


def test_diagnostics_hold_no_password_whatever_reads_them():
    """The LSP, logs and every format read the linter's diagnostics: redacted there, once."""
    from .helpers import linter_for_case

    diagnostics = linter_for_case({}).lint_text(ROLES_SQL, "roles.sql")
    shown = [d.message + d.help + (d.fix.message if d.fix else "") for d in diagnostics]
    assert len(shown) == 4 and not any("S3cret" in m for m in shown)


def test_redacting_is_linear_on_hostile_text():
    from .linear import assert_linear

    for build in (lambda n: "password " * n, lambda n: "PASSWORD '" + "''\\" * n,
                  lambda n: "password=''" + "\\" * n, lambda n: "identified " * n + "by",
                  lambda n: "x password" + " " * n + "=", lambda n: "db_password TO" * n):
        assert_linear(build, redact, 2000)


def test_dsn_password_and_exact_redaction():
    assert dsn_password("postgresql://alice:p@ss@db/app") == "p@ss"
    assert dsn_password("host=db password='a b'") == "a b"
    assert dsn_password("postgresql://db/app") == ""
    assert redact("connection to p@ss failed", "p@ss") == "connection to *** failed"


def test_logs_dsn_error_never_prints_the_password(tmp_path):
    pytest.importorskip("psycopg", reason="--dsn needs psycopg")
    proc = run_cli("logs", "--dsn", "postgresql://alice:S3cretPW@[::1:bad/db", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"S3cretPW" not in proc.stdout + proc.stderr
    assert b'URI: "postgresql://alice:***@[::1:bad/db"' in proc.stderr


def test_full_format_redacts_a_password_in_the_source_line_and_keeps_the_caret(tmp_path):
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://alice:S3cretPW@db:6432/app?options=-csearch_path%3Dx\n")
    proc = run_cli("check", ".env", cwd=tmp_path)
    assert b"S3cretPW" not in proc.stdout
    lines = proc.stdout.decode().splitlines()
    row = lines.index("1 | DATABASE_URL=postgresql://alice:***@db:6432/app?options=-csearch_path%3Dx")
    assert lines[row + 1].index("^") == lines[row].index("options")


# --- no silent wrong answers ----------------------------------------------------------------

def _unprivileged(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI without the power to read what it may not (root reads everything: drop
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH with capsh)."""
    cmd = [sys.executable, "-m", "pgpool_lint", *args]
    if os.geteuid() == 0:
        if shutil.which("capsh") is None:
            pytest.skip("running as root without capsh: cannot make a directory unreadable")
        cmd = ["capsh", "--drop=cap_dac_override,cap_dac_read_search", "--", "-c", " ".join(
            f"'{a}'" for a in cmd)]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PGPOOL_LINT_OUTPUT_FORMAT")}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, env=env, timeout=120)


@pytest.fixture
def locked_dir(tmp_path):
    (tmp_path / "src" / "locked").mkdir(parents=True)
    (tmp_path / "src" / "locked" / "a.sql").write_text("LISTEN x;\n")
    (tmp_path / "src" / "ok.sql").write_text("SELECT 1;\n")
    (tmp_path / "other.sql").write_text("SELECT 1;\n")
    os.chmod(tmp_path / "src" / "locked", 0)
    yield tmp_path
    os.chmod(tmp_path / "src" / "locked", 0o755)


def test_an_unreadable_subdirectory_is_an_error_not_a_pass(locked_dir):
    proc = _unprivileged("check", "--output-format", "concise", "src", cwd=locked_dir)
    assert proc.returncode == 2
    assert proc.stderr == b"pgpool-lint: error: src/locked: cannot read directory: Permission denied\n"
    assert proc.stdout == b"Found 0 findings (1 file checked); 1 error above: not every file was checked.\n"


def test_an_unreadable_directory_named_on_the_command_line_does_not_stop_the_others(locked_dir):
    proc = _unprivileged("check", "--output-format", "concise", "src/locked", "other.sql", cwd=locked_dir)
    assert proc.returncode == 2
    assert proc.stderr == b"pgpool-lint: error: src/locked: cannot read directory: Permission denied\n"
    assert b"(1 file checked)" in proc.stdout


def test_exit_2_never_says_all_checks_passed(tmp_path):
    (tmp_path / "m.sql").write_text("LISTEN x;\n")
    proc = run_cli("check", "missing.sql", cwd=tmp_path)
    assert proc.returncode == 2 and b"All checks passed" not in proc.stdout
    assert proc.stdout == b"Found 0 findings (0 files checked); 1 error above: not every file was checked.\n"
    proc = run_cli("check", "--output-format", "concise", "missing.sql", "m.sql", cwd=tmp_path)
    assert proc.stdout.endswith(b"Found 1 finding (1 file checked); 1 error above: not every file was checked.\n")


def test_isolated_and_config_together_is_a_usage_error(tmp_path):
    (tmp_path / "m.sql").write_text("SELECT 1;\n")
    proc = run_cli("check", "--isolated", "--config", "/nonexistent.toml", "m.sql", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr == b"pgpool-lint: error: --isolated ignores every config file: give --isolated or --config, not both\n"


def test_a_log_line_prefix_that_matches_no_line_is_an_error(tmp_path):
    (tmp_path / "pg.log").write_text("2024-01-01 10:00:00.123 UTC [12] LOG:  statement: LISTEN x;\n")
    proc = run_cli("logs", "--log-line-prefix", "%t %u ", "pg.log", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == (b"pgpool-lint: error: pg.log: no line matches the --log-line-prefix '%t %u ' "
                           b"log_line_prefix: give the server's setting (SHOW log_line_prefix)\n")
    proc = run_cli("logs", "--log-line-prefix", "%m [%p] ", "pg.log", cwd=tmp_path)
    assert proc.returncode == 1 and b"pg.log:1:51: PGB002" in proc.stdout


@pytest.mark.parametrize("name, text, column", [
    ("q.js", 'async function f(c) {\n  await c.query("S\\u0045T search_path TO app");\n}\n', 18),
    ("q.ts", 'async function f(c) {\n  await c.query(`S\\u{45}T search_path TO app`);\n}\n', 18),
    ("q.go", 'package main\n\nfunc f(db *sql.DB) {\n\tdb.Exec("S\\u0045T search_path TO app")\n}\n', 11),
    ("Q.java", 'class Q {\n  void f(Statement s) throws Exception {\n    s.execute("S\\u0045T search_path TO app");\n  }\n}\n', 16),
])
def test_keywords_spelled_with_escapes_in_code_are_found(tmp_path, name, text, column):
    (tmp_path / name).write_text(text)
    proc = run_cli("check", "--output-format", "json", name, cwd=tmp_path)
    [finding] = json.loads(proc.stdout)
    assert finding["code"] == "PGB001"
    assert finding["message"].startswith("`SET search_path TO app` stays on the server connection")
    assert finding["location"]["column"] == column


def test_a_diff_in_github_actions_cannot_run_workflow_commands(tmp_path):
    """A diff shows the file's own lines (a context line `` ::error::x`` cannot be escaped
    and still apply): on GitHub Actions it is fenced with ``::stop-commands::``, and
    ``git apply`` still takes it."""
    import re

    sql = "BEGIN;\nSELECT '\n::error::x';\nSET search_path TO app;\nCOMMIT;\n"
    (tmp_path / "m.sql").write_text(sql)
    plain = run_cli("check", "--isolated", "--diff", "m.sql", cwd=tmp_path, env={"GITHUB_ACTIONS": ""}).stdout.decode()
    assert plain.startswith("--- a/m.sql\n") and "\n ::error::x';\n" in plain
    fenced = run_cli("check", "--isolated", "--diff", "m.sql", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    lines = fenced.stdout.decode().splitlines(keepends=True)
    token = re.fullmatch(r"::stop-commands::([0-9a-f]{32})\n", lines[0]).group(1)
    assert lines[-1] == f"::{token}::\n" and "".join(lines[1:-1]) == plain
    if shutil.which("git"):
        (tmp_path / "p.diff").write_bytes(fenced.stdout)
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
        subprocess.run(["git", "apply", "p.diff"], cwd=tmp_path, check=True)
        assert (tmp_path / "m.sql").read_text() == sql.replace("SET search_path", "SET LOCAL search_path")


@pytest.mark.parametrize("unit", ["password='\\'", "Password=x'", "://a:", "://a:b@", "\n\x1b\u202e", "password = "])
def test_the_escaping_function_is_linear_on_hostile_text(unit):
    from .linear import assert_linear

    assert_linear(lambda n: unit * n, terminal_safe, n=2000)


@pytest.mark.parametrize("text", [
    "ALTER ROLE x PASSWORD 'secret1'", "password=abcd host=x", "xpassword=abcd", "PASSWORD password 'abcd'",
    "identified   by 'longsecret' identified by 'other'", "'password=''a b'' host=x'", "PaSsWoRd = 'abcdef'",
    "password='abc''def' password = 'zzzzzz'", "SET app.db_password TO 'hunter22'", "passwordpassword = 'qqqqqq'",
    "password 'open literal\nnext line", "IDENTIFIED BY 'x' password='yyyy'", "password=*** password=realone",
    "CREATE USER u PASSWORD 'é-secret'", "ALTER ROLE \u212a PASSWORD 'kelvin'",
])
def test_passwords_are_found_where_a_full_scan_finds_them(text):
    """``passwords_in`` tries the patterns only where ``password``/``identified`` start (ASCII texts):
    the same passwords as scanning every character."""
    from pgpool_lint import report

    scanned = set()
    for pattern in (report._SQL_PASSWORD, report._KEYWORD_PASSWORD):
        for match in pattern.finditer(text):
            value = match.group(2).strip("'").split("\n", 1)[0].strip()
            if len(value) >= report.MIN_SECRET:
                scanned.add(value)
    assert report.passwords_in(text) == tuple(sorted(scanned, key=len, reverse=True))
