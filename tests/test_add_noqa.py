"""``check --add-noqa`` and ``unused-suppression``: adopting the linter on an existing codebase.

Real runs of the command on files in every comment syntax: the exact bytes written, the exit
code, idempotence, code never touched (removing the added comments gives back the file), and
the suppressions that outlive their finding reported (and removed by ``--fix``)."""

from __future__ import annotations

import re

import pytest

from .helpers import run_cli

SQL = (
    "SELECT 1;\n"
    "SET search_path TO app; LISTEN jobs; -- note\n"
    "INSERT INTO t VALUES ('a\n"
    "SET search_path TO x;');\n"
    "CREATE FUNCTION f() RETURNS void AS $$\n"
    "BEGIN\n"
    "  PERFORM pg_advisory_lock(1);\n"
    "END $$ LANGUAGE plpgsql;\n"
)
SQL_ADOPTED = (
    "SELECT 1;\n"
    "SET search_path TO app; LISTEN jobs; -- note  -- pgpool-lint: ignore[session-set, listen]\n"
    "INSERT INTO t VALUES ('a\n"
    "SET search_path TO x;');\n"
    "-- pgpool-lint: ignore[plpgsql-session-state]\n"  # not inside the function body (a string)
    "CREATE FUNCTION f() RETURNS void AS $$\n"
    "BEGIN\n"
    "  PERFORM pg_advisory_lock(1);\n"
    "END $$ LANGUAGE plpgsql;\n"
)
PY = (
    "def go(cur):\n"
    "    cur.execute(\"\"\"\n"
    "        SET search_path TO app;\n"
    "        SELECT 1\n"
    "    \"\"\")\n"
    "    cur.execute(\"LISTEN jobs\")  # why\n"
)
PY_ADOPTED = (
    "def go(cur):\n"
    "    # pgpool-lint: ignore[session-set]\n"  # above the call: the SQL string is left alone
    "    cur.execute(\"\"\"\n"
    "        SET search_path TO app;\n"
    "        SELECT 1\n"
    "    \"\"\")\n"
    "    cur.execute(\"LISTEN jobs\")  # why  # pgpool-lint: ignore[listen]\n"
)
HOSTS = {
    "app.js": ("async function go(c) {\n  await c.query(`\n    LISTEN jobs;\n  `);\n}\n",
               "async function go(c) {\n  // pgpool-lint: ignore[listen]\n  await c.query(`\n    LISTEN jobs;\n  `);\n}\n"),
    "app.ts": ("export async function go(c: any) {\n  await c.query(\"LISTEN jobs\");\n}\n",
               "export async function go(c: any) {\n  await c.query(\"LISTEN jobs\");  // pgpool-lint: ignore[listen]\n}\n"),
    "app.rb": ("def go(conn)\n  conn.exec(\"LISTEN jobs\")\nend\n",
               "def go(conn)\n  conn.exec(\"LISTEN jobs\")  # pgpool-lint: ignore[listen]\nend\n"),
    "main.go": ("package main\n\nfunc go1(db *sql.DB) {\n\tdb.Exec(\"LISTEN jobs\")\n}\n",
                "package main\n\nfunc go1(db *sql.DB) {\n\tdb.Exec(\"LISTEN jobs\")  // pgpool-lint: ignore[listen]\n}\n"),
    "Main.java": ("class Main {\n  void go(Statement s) throws Exception {\n    s.execute(\"LISTEN jobs\");\n  }\n}\n",
                  "class Main {\n  void go(Statement s) throws Exception {\n    s.execute(\"LISTEN jobs\");  "
                  "// pgpool-lint: ignore[listen]\n  }\n}\n"),
    "repo.ex": ("defmodule Repo do\n  def go(conn), do: Postgrex.query!(conn, \"LISTEN jobs\", [])\nend\n",
                "defmodule Repo do\n  def go(conn), do: Postgrex.query!(conn, \"LISTEN jobs\", [])  "
                "# pgpool-lint: ignore[listen]\nend\n"),
    "app.php": ("<?php\n$pdo->exec(\"LISTEN jobs\");\n",
                "<?php\n$pdo->exec(\"LISTEN jobs\");  // pgpool-lint: ignore[listen]\n"),
    "App.cs": ("class A {\n  void Go(NpgsqlConnection c) { new NpgsqlCommand(\"LISTEN jobs\", c).ExecuteNonQuery(); }\n}\n",
               "class A {\n  void Go(NpgsqlConnection c) { new NpgsqlCommand(\"LISTEN jobs\", c).ExecuteNonQuery(); }  "
               "// pgpool-lint: ignore[listen]\n}\n"),
    "main.rs": ("fn go(client: &mut Client) {\n    client.execute(\"LISTEN jobs\", &[]).unwrap();\n}\n",
                "fn go(client: &mut Client) {\n    client.execute(\"LISTEN jobs\", &[]).unwrap();  "
                "// pgpool-lint: ignore[listen]\n}\n"),
    "App.kt": ("fun go(s: java.sql.Statement) {\n    s.execute(\"LISTEN jobs\")\n}\n",
               "fun go(s: java.sql.Statement) {\n    s.execute(\"LISTEN jobs\")  // pgpool-lint: ignore[listen]\n}\n"),
    ".env": ("DATABASE_URL=postgres://u@pgbouncer:6432/db?options=-c%20search_path%3Dapp\n",
             "# pgpool-lint: ignore[pooled-url-startup-parameter]\n"  # a value may run to the line's end
             "DATABASE_URL=postgres://u@pgbouncer:6432/db?options=-c%20search_path%3Dapp\n"),
}


def without_added(text: str) -> str:
    """``text`` less the comments --add-noqa adds (alone on a line, or at a line's end)."""
    text = re.sub(r"(?m)^[ \t]*(?:--|#|//) pgpool-lint: ignore\[[a-z, -]+\]\r?\n", "", text)
    return re.sub(r"  (?:--|#|//) pgpool-lint: ignore\[[a-z, -]+\]", "", text)


def test_add_noqa_writes_a_suppression_per_finding_in_sql_and_python(tmp_path):
    (tmp_path / "m.sql").write_text(SQL)
    (tmp_path / "app.py").write_text(PY)
    r = run_cli("check", "--add-noqa", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"Added 4 suppressions to 2 files.\n")
    assert (tmp_path / "m.sql").read_text() == SQL_ADOPTED
    assert (tmp_path / "app.py").read_text() == PY_ADOPTED
    r = run_cli("check", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b"All checks passed! (2 files checked)\n")
    # idempotent: nothing left to add, no file rewritten
    before = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    r = run_cli("check", "--add-noqa", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, b"Added 0 suppressions to 0 files.\n")
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_add_noqa_uses_each_languages_own_comments(tmp_path, name):
    original, adopted = HOSTS[name]
    (tmp_path / name).write_text(original)
    assert run_cli("check", "-q", name, cwd=tmp_path).returncode == 1
    r = run_cli("check", "--add-noqa", name, cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, b"Added 1 suppression to 1 file.\n")
    assert (tmp_path / name).read_text() == adopted
    assert without_added(adopted) == original  # only comments were added
    assert run_cli("check", name, cwd=tmp_path).returncode == 0


def test_add_noqa_keeps_bom_and_crlf(tmp_path):
    (tmp_path / "m.sql").write_bytes(b"\xef\xbb\xbfSELECT 1;\r\nLISTEN jobs;\r\n")
    assert run_cli("check", "--add-noqa", cwd=tmp_path).returncode == 0
    assert (tmp_path / "m.sql").read_bytes() == b"\xef\xbb\xbfSELECT 1;\r\nLISTEN jobs;  -- pgpool-lint: ignore[listen]\r\n"


def test_add_noqa_refuses_stdin_and_fix(tmp_path):
    r = run_cli("check", "--add-noqa", "-", cwd=tmp_path, stdin=b"LISTEN x;\n")
    assert (r.returncode, r.stderr) == (
        2, b"pgpool-lint: error: --add-noqa edits files in place: not with --fix, --diff or stdin\n")


def test_unused_suppressions_are_reported_and_fixed_away(tmp_path):
    (tmp_path / "m.sql").write_text(SQL)
    run_cli("check", "--add-noqa", cwd=tmp_path)
    assert without_added((tmp_path / "m.sql").read_text()) == SQL
    # the statements get fixed; their suppression stays behind
    (tmp_path / "m.sql").write_text(SQL_ADOPTED.replace("SET search_path TO app; LISTEN jobs;", "SELECT 2;"))
    r = run_cli("check", "--output-format", "concise", cwd=tmp_path)
    assert (r.returncode, r.stdout.decode()) == (1, (
        "m.sql:2:23: PGB101 [unused-suppression] Suppression of `session-set`, `listen` silences no finding here\n"
        "Found 1 finding in 1 file (1 checked).\n"))
    (tmp_path / "m.sql").write_text("BEGIN;\nSET LOCAL search_path TO app;  -- pgpool-lint: ignore[session-set]\n"
                                    "-- pgpool-lint: ignore[listen]\nSELECT 1;\nCOMMIT;\n")
    r = run_cli("check", "--output-format", "concise", cwd=tmp_path)
    assert r.stdout.decode().splitlines()[-1] == "[*] 2 fixable with `pgpool-lint check --fix`."
    r = run_cli("check", "--fix", cwd=tmp_path)
    assert r.returncode == 0
    assert (tmp_path / "m.sql").read_text() == "BEGIN;\nSET LOCAL search_path TO app;\nSELECT 1;\nCOMMIT;\n"


def test_unused_suppression_ignores_rules_that_are_off_and_other_linters_noqa(tmp_path):
    (tmp_path / "m.sql").write_text("SELECT 1; -- pgpool-lint: ignore[listen]\n")
    assert run_cli("check", "--ignore", "listen", "m.sql", cwd=tmp_path).returncode == 0
    assert run_cli("check", "--ignore", "unused-suppression", "m.sql", cwd=tmp_path).returncode == 0
    # a bare noqa may be flake8's or ruff's: left alone; ours is judged, in code too
    (tmp_path / "app.py").write_text('import os  # noqa: F401\nQ = "SELECT 1"  # noqa\nR = 1  # pgpool-lint: ignore\n')
    r = run_cli("check", "--output-format", "concise", "-q", "app.py", cwd=tmp_path)
    assert r.stdout == b"app.py:3:10: PGB101 [unused-suppression] Suppression of every rule silences no finding here\n"
